-- A new application's stored detail assembled at its commit again (as sql/066 had it), its
-- platform held first (sql/068), instead of 067's row of parties marked stale.
--
-- 067's row cost more than it saved for the applications created through the API, which is
-- how they are created: POST /v1/applications answers the detail as GET reads it (its history,
-- allowed_actions and ETag), so its read found the row stale at once and assembled it in a
-- transaction of its own — the same assembly, plus a commit (and its WAL flush) and two round
-- trips. Writes after the creation still only mark the row stale (066).
CREATE OR REPLACE FUNCTION application_details_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_pending', true), ''), ',')::bigint[];
    kinds bigint[] := string_to_array(nullif(current_setting('shifan.application_details_kinds_pending', true), ''),
                                      ',')::bigint[];
    now_ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_now_pending', true), ''),
                                        ',')::bigint[];
    locked bigint;
    new_ids bigint[];
BEGIN
    PERFORM set_config('shifan.application_details_pending', '', true);
    PERFORM set_config('shifan.application_details_kinds_pending', '', true);
    PERFORM set_config('shifan.application_details_now_pending', '', true);
    PERFORM set_config('shifan.application_details_armed', '', true);
    now_ids := coalesce(now_ids, '{}');
    ids := ARRAY(SELECT DISTINCT x FROM unnest(coalesce(ids, '{}') || coalesce(kinds, '{}') || now_ids) x ORDER BY x);
    IF cardinality(ids) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM application_details WHERE application_id = ANY (ids) ORDER BY application_id FOR UPDATE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    UPDATE application_details SET stale = true
    WHERE application_id = ANY (ids) AND application_id <> ALL (now_ids) AND NOT stale;
    IF locked < cardinality(ids) THEN
        -- new applications (no row yet): their platforms' rows held (sql/068), then assembled
        -- with those of a changed platform
        new_ids := ARRAY(SELECT x FROM unnest(ids) x
                         WHERE NOT EXISTS (SELECT 1 FROM application_details d WHERE d.application_id = x));
        PERFORM 1 FROM platforms p
        WHERE p.id IN (SELECT a.platform_id FROM applications a WHERE a.id = ANY (new_ids))
        ORDER BY p.id FOR SHARE;
        now_ids := ARRAY(SELECT DISTINCT x FROM unnest(now_ids || new_ids) x ORDER BY x);
    END IF;
    IF cardinality(now_ids) > 0 THEN
        PERFORM application_details_refresh(now_ids);
    END IF;
    RETURN NULL;
END
$$;
