-- The commit's mark (sql/066) made cheaper (issue 18, point 4: the write mix, whose every write
-- runs this trigger). What a read finds is unchanged.
--
-- An application new in the transaction was assembled at its commit, so that it had a stored
-- row for the read to judge its scope on: 1.3 ms of PostgreSQL's CPU per application created,
-- the costliest single step of the mix after 066. Now it gets a row that holds only what the
-- scope is judged on — its recommender, its platform's region, creator and operator, its round
-- (whose rules 049's trigger writes in) — marked stale, with an empty document; the first read
-- assembles it as it does any stale row. A platform's change is still assembled at commit
-- (066).
--
-- And the common case takes fewer statements: the count of rows locked tells whether any
-- application of the transaction lacks a row.
CREATE OR REPLACE FUNCTION application_details_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_pending', true), ''), ',')::bigint[];
    kinds bigint[] := string_to_array(nullif(current_setting('shifan.application_details_kinds_pending', true), ''),
                                      ',')::bigint[];
    now_ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_now_pending', true), ''),
                                        ',')::bigint[];
    locked bigint;
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
        -- new applications: the parties, marked stale (the document is the read's to assemble)
        INSERT INTO application_details AS d (application_id, doc, etag, status, recommender_org_id,
                                              applicant_org_id, platform_id, round_id, platform_region,
                                              platform_created_by, platform_operator_org, has_recommendation,
                                              open_objections, stale)
        SELECT a.id, '', '', a.status, a.recommender_org_id, a.applicant_org_id, a.platform_id, a.round_id,
               p.region_code, p.created_by_org, p.operator_org_id, a.recommendation IS NOT NULL, 0, true
        FROM applications a JOIN platforms p ON p.id = a.platform_id
        WHERE a.id = ANY (ids) AND a.id <> ALL (now_ids)
          AND NOT EXISTS (SELECT 1 FROM application_details x WHERE x.application_id = a.id)
        ORDER BY a.id
        ON CONFLICT (application_id) DO UPDATE SET stale = true;
    END IF;
    IF cardinality(now_ids) > 0 THEN
        PERFORM application_details_refresh(now_ids);
    END IF;
    RETURN NULL;
END
$$;
