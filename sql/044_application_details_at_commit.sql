-- The stored application detail (sql/042), refreshed once per transaction, at its commit
-- (issue 18, point 4: the write mix).
--
-- Until now every statement that changed a source of an application's detail refreshed it in
-- its own AFTER STATEMENT trigger: a write of the mix — the application's UPDATE, then its
-- audit event's INSERT; or the material's INSERT — assembled the same document two or three
-- times, and each refresh planned its statement anew (a custom plan for the array of ids,
-- never replaced by the generic one, whose estimate for `= ANY ($1)` is ten rows) and hashed
-- the text by a LANGUAGE sql function that could not be inlined, so was planned per call too.
--
-- Now the statement triggers only note the applications they touch, in a setting local to the
-- transaction (shifan.application_details_pending: ids, comma-separated, repeats allowed), and
-- one deferred constraint trigger refreshes them all, once, when the transaction commits (after
-- its last statement, before the commit itself: the refresh still commits with the change or
-- not at all). What the refresh does is unchanged (sql/042: the rows locked first, then the
-- documents assembled under a snapshot taken with the locks held, so the last transaction to
-- commit a change of an application stores what all did); it now runs with its plan kept.
--
-- A constraint trigger is a row trigger: one per source table, deferred, whose WHEN (evaluated
-- when the row changes, not at commit) queues it only for the first row changed in the
-- transaction — it arms the transaction (shifan.application_details_armed) as it queues. A
-- savepoint rolled back takes its notes, its arming and its queued trigger with it. The
-- refresh disarms and empties the set before it runs: a change after it (SET CONSTRAINTS ...
-- IMMEDIATE, or a statement after that) arms the transaction again.
--
-- Nothing in shifan reads application_details in the transaction that wrote its sources (the
-- read, GET /v1/applications/{id}, is a transaction of its own), and nothing makes these
-- triggers immediate: an immediate one would fire before the statement trigger that notes its
-- statement's applications.

CREATE FUNCTION application_details_note(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('shifan.application_details_pending',
                       coalesce(nullif(current_setting('shifan.application_details_pending', true), '') || ',', '')
                       || array_to_string(p_ids, ','), true);
END
$$;

-- The deferred refresh: every application noted in the transaction, once.
CREATE FUNCTION application_details_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_pending', true), ''), ',')::bigint[];
BEGIN
    PERFORM set_config('shifan.application_details_pending', '', true);
    PERFORM set_config('shifan.application_details_armed', '', true);
    PERFORM application_details_refresh(ARRAY(SELECT DISTINCT x FROM unnest(ids) x ORDER BY x));
    RETURN NULL;
END
$$;

-- The statement triggers of 042, now noting instead of refreshing (the triggers themselves are
-- unchanged).
CREATE OR REPLACE FUNCTION application_details_on_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_note(ARRAY(SELECT id FROM changed));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION application_details_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_note(ARRAY(SELECT DISTINCT entity_id FROM changed
                                           WHERE entity = 'application' AND action LIKE 'application.%'
                                             AND entity_id IS NOT NULL));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION application_details_on_named() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM application_details_note(ARRAY(SELECT DISTINCT application_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM application_details_note(ARRAY(SELECT application_id FROM new_rows
                                               UNION SELECT application_id FROM old_rows));
    ELSE
        PERFORM application_details_note(ARRAY(SELECT DISTINCT application_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION application_details_on_platforms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_note(ARRAY(SELECT a.id FROM applications a
                                           WHERE a.platform_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                                                   WHERE (n.region_code, n.created_by_org, n.operator_org_id)
                                                                         IS DISTINCT FROM
                                                                         (o.region_code, o.created_by_org, o.operator_org_id))));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION application_details_on_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_note(ARRAY(SELECT i.application_id FROM publicity_notice_items i
                                           WHERE i.notice_id IN (SELECT id FROM changed)));
    RETURN NULL;
END
$$;

-- The deferred triggers, one per table whose statement triggers note applications, each queued
-- by the first row of the transaction that changes any of them (the WHEN arms it: builtins
-- only, so a row costs no function call).
CREATE CONSTRAINT TRIGGER application_details_commit AFTER INSERT OR UPDATE ON applications
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();
CREATE CONSTRAINT TRIGGER application_details_commit AFTER INSERT ON audit_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.entity = 'application' AND NEW.action LIKE 'application.%'
          AND current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();
CREATE CONSTRAINT TRIGGER application_details_commit AFTER INSERT OR UPDATE OR DELETE ON publicity_notice_items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();
CREATE CONSTRAINT TRIGGER application_details_commit AFTER INSERT OR UPDATE OR DELETE ON objections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();
CREATE CONSTRAINT TRIGGER application_details_commit AFTER INSERT OR UPDATE OR DELETE ON materials
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();
CREATE CONSTRAINT TRIGGER application_details_commit AFTER UPDATE ON platforms
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((NEW.region_code, NEW.created_by_org, NEW.operator_org_id)
          IS DISTINCT FROM (OLD.region_code, OLD.created_by_org, OLD.operator_org_id)
          AND current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();
CREATE CONSTRAINT TRIGGER application_details_commit AFTER UPDATE ON publicity_notices
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (current_setting('shifan.application_details_armed', true) IS DISTINCT FROM 'on'
          AND set_config('shifan.application_details_armed', 'on', true) = 'on')
    EXECUTE FUNCTION application_details_at_commit();

-- The refresh keeps its plan: the generic plan of its statements is the one it wants (index
-- look-ups by the ids), and a custom plan was made for every call.
ALTER FUNCTION application_details_refresh(bigint[]) SET plan_cache_mode = force_generic_plan;

-- canonical_etag's body calls convert_to, which is STABLE: declared IMMUTABLE, it could not be
-- inlined, and its statement was planned on every call (as rfc3339's was, sql/037). STABLE is
-- what it is; nothing indexes it.
ALTER FUNCTION canonical_etag(text) STABLE;

-- canonical_json (042) with the scalar members of an object or an array written in place, by
-- builtins, rather than by a call of itself and of canonical_json_string each: a call per
-- container, no longer per value. Byte for byte the same text (the workflow suite compares it
-- with Jansson's after every write).
CREATE OR REPLACE FUNCTION canonical_json(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    CASE jsonb_typeof(j)
    WHEN 'object' THEN
        RETURN '{' || coalesce((SELECT string_agg(
                   CASE WHEN e.key ~ '[\x01-\x08\x0b\x0e-\x1f]' THEN canonical_json_string(e.key)
                        ELSE to_json(e.key)::text END
                   || ':' ||
                   CASE jsonb_typeof(e.value)
                   WHEN 'string' THEN CASE WHEN e.value #>> '{}' ~ '[\x01-\x08\x0b\x0e-\x1f]'
                                           THEN canonical_json_string(e.value #>> '{}') ELSE e.value::text END
                   WHEN 'object' THEN canonical_json(e.value)
                   WHEN 'array' THEN canonical_json(e.value)
                   ELSE e.value::text END,
                   ',' ORDER BY e.key COLLATE "C")
                                FROM jsonb_each(j) e), '') || '}';
    WHEN 'array' THEN
        RETURN '[' || coalesce((SELECT string_agg(
                   CASE jsonb_typeof(e.value)
                   WHEN 'string' THEN CASE WHEN e.value #>> '{}' ~ '[\x01-\x08\x0b\x0e-\x1f]'
                                           THEN canonical_json_string(e.value #>> '{}') ELSE e.value::text END
                   WHEN 'object' THEN canonical_json(e.value)
                   WHEN 'array' THEN canonical_json(e.value)
                   ELSE e.value::text END,
                   ',' ORDER BY e.n)
                                FROM jsonb_array_elements(j) WITH ORDINALITY e(value, n)), '') || ']';
    WHEN 'string' THEN
        RETURN canonical_json_string(j #>> '{}');
    ELSE   -- number, boolean, null
        RETURN j::text;
    END CASE;
END
$$;
