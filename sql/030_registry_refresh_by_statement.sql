-- The registry is refreshed once per statement that changes titles, not once per title
-- (issue 15: an import of 10,000 recorded titles refreshed 10,000 entries one statement at a
-- time — each its own insert, its own version of the registry and its own notification).
-- registry_refresh_all() is the one statement of what an entry holds; registry_refresh(id)
-- is it for one platform.

CREATE FUNCTION registry_refresh_all(p_platform_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_platform_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM audit_head FOR UPDATE;
    INSERT INTO registry AS r (platform_id, award_id, name, operator_name, region_code, functions, level,
                               certificate_no, awarded_on, valid_from, valid_until, status, revoked_on,
                               revocation_reason, grams, origin)
    SELECT p.id, w.id, p.name, p.operator_name, p.region_code, p.functions, w.level, w.certificate_no,
           w.awarded_on, w.valid_from, w.valid_until, w.status, w.revoked_on, w.revocation_reason,
           search_grams(p.name) || search_grams(p.operator_name), w.origin
    FROM platforms p
    JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
                  ORDER BY (x.level = 'province') DESC, x.valid_until DESC, x.id DESC LIMIT 1) w ON true
    WHERE p.id = ANY (p_platform_ids)
    ORDER BY p.id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams,
        origin = excluded.origin;
END
$$;

CREATE OR REPLACE FUNCTION registry_refresh(p_platform_id bigint) RETURNS void LANGUAGE sql AS $$
    SELECT registry_refresh_all(ARRAY[p_platform_id])
$$;

-- A title never moves to another platform (checked per row, before the change) ...
CREATE OR REPLACE FUNCTION registry_on_award() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.platform_id <> NEW.platform_id THEN
        RAISE EXCEPTION 'a title does not move to another platform' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER registry_awards ON awards;
CREATE TRIGGER registry_awards_stay BEFORE UPDATE OF platform_id ON awards
    FOR EACH ROW EXECUTE FUNCTION registry_on_award();

-- ... and the entries of the platforms whose titles a statement changed are refreshed after it.
CREATE FUNCTION registry_on_awards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM registry_refresh_all(ARRAY(SELECT DISTINCT platform_id FROM changed));
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_awards_inserted AFTER INSERT ON awards REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION registry_on_awards();
CREATE TRIGGER registry_awards_updated AFTER UPDATE ON awards REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION registry_on_awards();
