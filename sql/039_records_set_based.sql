-- The import of records, set-based (issue 15: 10,000 recorded titles in under 3 s). Measured
-- first (bench/RESULTS.md): what was left was per-row work inside PostgreSQL, and the largest
-- parts of it were the audit events — appended one INSERT at a time by a PL/pgSQL loop over a
-- JSON array of every event's document (audit_append_all, 026 and 031) — and the work the
-- statement triggers of a bulk write did row by row.

-- The request id of an event, and the client's part of it in the event's detail (017, 031),
-- stated once: for audit_append, and for the writes of persistence/records.c, which insert the
-- events of all their rows with one INSERT … SELECT (each event unlinked, in the writer's
-- transaction, in the order of its facts' ids; linked later by audit_link as every other, 031).
-- Written so that PostgreSQL inlines them into the statement that calls them.
CREATE FUNCTION audit_request_id(p_request_id text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN strpos(p_request_id, '/') > 0 THEN split_part(p_request_id, '/', 1) ELSE p_request_id END
$$;
CREATE FUNCTION audit_detail(p_detail jsonb, p_request_id text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(p_detail, '{}'::jsonb)
           || CASE WHEN strpos(p_request_id, '/') > 0
                   THEN jsonb_build_object('client_request_id', substr(p_request_id, strpos(p_request_id, '/') + 1))
                   ELSE '{}'::jsonb END
$$;

CREATE OR REPLACE FUNCTION audit_append(p_actor_user_id bigint, p_actor_org_id bigint, p_action text,
                                        p_entity text, p_entity_id bigint, p_detail jsonb,
                                        p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO audit_events (at, actor_user_id, actor_org_id, action, entity, entity_id, detail, request_id)
    VALUES (clock_timestamp(), p_actor_user_id, p_actor_org_id, p_action, p_entity, p_entity_id,
            audit_detail(p_detail, p_request_id), audit_request_id(p_request_id))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- Its one caller, the import of records, appends set-based now.
DROP FUNCTION audit_append_all(bigint, bigint, jsonb, text);

-- The registry's entries of a bulk write, with their documents built in the same statement.
-- registry_docs_kept() (013) built the two JSON documents of each entry row by row, a PL/pgSQL
-- call each: a third of the refresh of 10,000 entries. registry_refresh_all — the one writer
-- that inserts entries (031) — now builds them itself with the same registry_doc(), which
-- PostgreSQL inlines into the statement, and the trigger builds them only for an insert that
-- gives none; every update of an entry (a platform's edit, the refresh of an entry that exists)
-- still has them rebuilt by the trigger from the row as written.
CREATE OR REPLACE FUNCTION registry_refresh_all(p_platform_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_platform_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM title_writers_lock();
    -- the entries, their columns in the table's order (materialized: each entry's grams are
    -- computed once, and registry_doc reads plain columns, so it is inlined)
    WITH e AS MATERIALIZED (
        SELECT p.id AS platform_id, w.id AS award_id, p.name, p.operator_name, p.region_code, p.functions, w.level,
               w.certificate_no, w.awarded_on, w.valid_from, w.valid_until, w.status, w.revoked_on,
               w.revocation_reason, search_grams(p.name) || search_grams(p.operator_name) AS grams,
               NULL::text AS doc, NULL::text AS doc_expired, w.origin
        FROM platforms p
        JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
                      ORDER BY (x.level = 'province') DESC, x.valid_until DESC, x.id DESC LIMIT 1) w ON true
        WHERE p.id = ANY (p_platform_ids))
    INSERT INTO registry AS r (platform_id, award_id, name, operator_name, region_code, functions, level,
                               certificate_no, awarded_on, valid_from, valid_until, status, revoked_on,
                               revocation_reason, grams, origin, doc, doc_expired)
    SELECT e.platform_id, e.award_id, e.name, e.operator_name, e.region_code, e.functions, e.level, e.certificate_no,
           e.awarded_on, e.valid_from, e.valid_until, e.status, e.revoked_on, e.revocation_reason, e.grams, e.origin,
           registry_doc(ROW(e.*)::registry, e.status),
           CASE WHEN e.status = 'active' THEN registry_doc(ROW(e.*)::registry, 'expired') END
    FROM e
    ORDER BY e.platform_id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams,
        origin = excluded.origin;
END
$$;
DROP TRIGGER registry_docs ON registry;
CREATE TRIGGER registry_docs_inserted BEFORE INSERT ON registry
    FOR EACH ROW WHEN (NEW.doc IS NULL) EXECUTE FUNCTION registry_docs_kept();
CREATE TRIGGER registry_docs_updated BEFORE UPDATE ON registry
    FOR EACH ROW EXECUTE FUNCTION registry_docs_kept();
