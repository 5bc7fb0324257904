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
