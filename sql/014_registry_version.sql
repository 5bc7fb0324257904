-- The registry's version (issue 6): bumped in the same transaction as every change of the
-- registry table, whoever makes it (the service, a migration, an operator in psql). A public
-- answer cached with the version it was read under is served only while the version is
-- unchanged (api/public_cache.h), so the cache can never show a registry older than the one
-- committed. Every change of the registry comes from a statement that has already appended its
-- audit event (the registry triggers fire at the end of that statement), so the audit chain's
-- head is always locked before this row: the two locks are taken in one order, no deadlock.
CREATE TABLE registry_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO registry_version (version) VALUES (1);

-- Bumped once per transaction that changed at least one registry row (a platform edit that
-- touches no titled platform changes nothing here and keeps the cached answers). Once, not
-- once per statement: a transaction that titles many platforms would otherwise update this
-- one row as often, each update walking the row's growing chain of versions. The marker is
-- transaction-local (and undone with a rolled-back savepoint, like the update itself).
CREATE FUNCTION registry_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('shifan.registry_bumped', true) IS NOT DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'TRUNCATE' THEN   -- TRUNCATE has no transition table
        IF NOT EXISTS (SELECT 1 FROM changed) THEN
            RETURN NULL;
        END IF;
    END IF;
    UPDATE registry_version SET version = version + 1;
    PERFORM set_config('shifan.registry_bumped', 'on', true);
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_inserted AFTER INSERT ON registry REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump();
CREATE TRIGGER registry_updated AFTER UPDATE ON registry REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump();
CREATE TRIGGER registry_deleted AFTER DELETE ON registry REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump();
CREATE TRIGGER registry_truncated AFTER TRUNCATE ON registry
    FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump();

-- registry_refresh (013) serialised two titles of one platform with the platform's row lock,
-- taken after the audit head's; a PATCH of the same platform takes them the other way round
-- (its row, then the head), which could deadlock. It takes the audit head's row lock instead:
-- every change the service makes holds it already (audit_append ran earlier in the same
-- statement), so this costs nothing there, and a change made by hand in SQL is serialised
-- with them too. Row locks need no slot in the lock table, however many titles one
-- transaction writes.
CREATE OR REPLACE FUNCTION registry_refresh(p_platform_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM audit_head FOR UPDATE;
    INSERT INTO registry AS r (platform_id, award_id, name, operator_name, region_code, functions, level,
                               certificate_no, awarded_on, valid_from, valid_until, status, revoked_on,
                               revocation_reason, grams)
    SELECT p.id, w.id, p.name, p.operator_name, p.region_code, p.functions, w.level, w.certificate_no,
           w.awarded_on, w.valid_from, w.valid_until, w.status, w.revoked_on, w.revocation_reason,
           search_grams(p.name) || search_grams(p.operator_name)
    FROM platforms p
    JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
                  ORDER BY (x.level = 'province') DESC, x.valid_until DESC, x.id DESC LIMIT 1) w ON true
    WHERE p.id = p_platform_id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams;
END
$$;

-- A platform's edit reaches its registry row under the audit head's lock too (the service's
-- PATCH holds it already; an edit by hand in SQL is serialised with a title being refreshed,
-- so neither overwrites the other with old data), and only when a published field changed.
CREATE OR REPLACE FUNCTION registry_on_platform() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM registry WHERE platform_id = NEW.id) THEN
        PERFORM 1 FROM audit_head FOR UPDATE;
        UPDATE registry SET name = NEW.name, operator_name = NEW.operator_name, region_code = NEW.region_code,
                            functions = NEW.functions,
                            grams = search_grams(NEW.name) || search_grams(NEW.operator_name)
        WHERE platform_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER registry_platforms ON platforms;
CREATE TRIGGER registry_platforms AFTER UPDATE OF name, operator_name, region_code, functions ON platforms
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.operator_name IS DISTINCT FROM NEW.operator_name
                       OR OLD.region_code IS DISTINCT FROM NEW.region_code OR OLD.functions IS DISTINCT FROM NEW.functions)
    EXECUTE FUNCTION registry_on_platform();
