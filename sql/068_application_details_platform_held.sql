-- A new application's row of parties (sql/067) with its platform's current operator, region and
-- creator, even when a change of that platform commits while the application's transaction
-- commits (issue 18; found in review). The placeholder copied the platform as its statement saw
-- it; a change of the platform's operator, committed after that but begun before, had its
-- trigger (application_details_on_platforms, sql/066) list the platform's applications before
-- the new one was committed, so it was neither noted nor assembled: the new operator's
-- `platform` callers were refused the application (404) until someone who could see it read it.
-- Now the commit holds the new applications' platforms (FOR SHARE) before it copies them: a
-- change of one either committed before (and is copied) or waits for this commit (and its
-- trigger, whose statements each take a new snapshot, then lists the new application and has
-- it assembled at its own commit).
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
        -- new applications: their platforms' rows held (a change of one waits for this commit,
        -- and its trigger then sees these applications), then the parties, marked stale (the
        -- document is the read's to assemble)
        PERFORM 1 FROM platforms p
        WHERE p.id IN (SELECT a.platform_id FROM applications a WHERE a.id = ANY (ids) AND a.id <> ALL (now_ids)
                         AND NOT EXISTS (SELECT 1 FROM application_details x WHERE x.application_id = a.id))
        ORDER BY p.id FOR SHARE;
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
