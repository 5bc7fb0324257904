-- The stored application detail (sql/042) assembled when it is read, not at every write
-- (issue 18, point 4: the write mix).
--
-- Every write that changed a source of an application's detail assembled the whole document
-- again at its commit (sql/044, 050): its canonical text, its hash and the snapshot's facts. In
-- the write mix (eleven writes per application, seven of them materials) that was two fifths
-- of PostgreSQL's CPU per write (bench/RESULTS.md), for a document that is read, if at all,
-- after the last of a client's writes: a portal fills the report, the form and uploads the
-- materials, then shows the application.
--
-- Now the deferred trigger at commit marks the stored rows of the applications the transaction
-- changed as stale (one flag, in place: no index covers it), and GET /v1/applications/{id},
-- finding its row stale, assembles it (application_details_refresh, unchanged in what it
-- stores) and reads it again (persistence/applications.c). Two kinds of change are still
-- assembled at commit, so that the read can judge its scope on the stored row even when it is
-- stale: an application new in the transaction (it has no stored row yet), and a change of a
-- platform's region, creator or operator (application_details_on_platforms: the platform's
-- operator is whom a `platform` caller's scope is judged by). The other parties the scope is
-- judged on are never changed (the recommender) or are written in at once (the round's
-- level and region, sql/049).
--
-- Why a stale mark is never lost. A refresh locks the rows first and assembles them under a
-- snapshot taken with the locks held; the mark is set by the writer's own transaction, at its
-- commit, under the same row lock. So a write either committed before the refresh took the
-- lock (and the refresh's snapshot sees it: what it stores includes it), or its mark waits for
-- the refresh's transaction to end and is set after the refresh cleared it. The refresh clears
-- the mark only on the rows it assembled, in the statement that stores them.
ALTER TABLE application_details ADD COLUMN stale boolean NOT NULL DEFAULT false;

-- 042's refresh, storing `stale = false` with what it assembled (a stale row is written even if
-- its document came out the same).
CREATE OR REPLACE FUNCTION application_details_refresh(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM application_details WHERE application_id = ANY (p_ids) ORDER BY application_id FOR UPDATE;
    INSERT INTO application_details AS d (application_id, doc, etag, status, recommender_org_id, applicant_org_id,
                                          platform_id, round_id, platform_region, platform_created_by,
                                          platform_operator_org, report, has_recommendation, material_kinds,
                                          open_objections, notice_end)
    SELECT x.id, x.doc, canonical_etag(x.doc), x.status, x.recommender_org_id, x.applicant_org_id, x.platform_id,
           x.round_id, x.region_code, x.created_by_org, x.operator_org_id, x.report, x.has_recommendation,
           x.material_kinds, x.open_objections, x.notice_end
    FROM (SELECT a.id, canonical_json(application_detail(a)) AS doc, a.status, a.recommender_org_id,
                 a.applicant_org_id, a.platform_id, a.round_id, p.region_code, p.created_by_org, p.operator_org_id,
                 a.report::text AS report, a.recommendation IS NOT NULL AS has_recommendation,
                 (SELECT string_agg(DISTINCT m.kind, ',') FROM materials m WHERE m.application_id = a.id) AS material_kinds,
                 (SELECT count(*) FROM objections o WHERE o.application_id = a.id AND o.status = 'open') AS open_objections,
                 (SELECT n.end_date FROM publicity_notice_items i JOIN publicity_notices n ON n.id = i.notice_id
                  WHERE i.application_id = a.id) AS notice_end
          FROM applications a JOIN platforms p ON p.id = a.platform_id
          WHERE a.id = ANY (p_ids) ORDER BY a.id) x
    ON CONFLICT (application_id) DO UPDATE SET
        doc = excluded.doc, etag = excluded.etag, status = excluded.status,
        recommender_org_id = excluded.recommender_org_id, applicant_org_id = excluded.applicant_org_id,
        platform_id = excluded.platform_id, round_id = excluded.round_id, platform_region = excluded.platform_region,
        platform_created_by = excluded.platform_created_by, platform_operator_org = excluded.platform_operator_org,
        report = excluded.report, has_recommendation = excluded.has_recommendation,
        material_kinds = excluded.material_kinds, open_objections = excluded.open_objections,
        notice_end = excluded.notice_end, stale = false
    WHERE d.stale
       OR (d.doc, d.status, d.recommender_org_id, d.applicant_org_id, d.platform_id, d.round_id, d.platform_region,
           d.platform_created_by, d.platform_operator_org, d.report, d.has_recommendation, d.material_kinds,
           d.open_objections, d.notice_end)
          IS DISTINCT FROM
          (excluded.doc, excluded.status, excluded.recommender_org_id, excluded.applicant_org_id, excluded.platform_id,
           excluded.round_id, excluded.platform_region, excluded.platform_created_by, excluded.platform_operator_org,
           excluded.report, excluded.has_recommendation, excluded.material_kinds, excluded.open_objections,
           excluded.notice_end);
END
$$;
ALTER FUNCTION application_details_refresh(bigint[]) SET plan_cache_mode = force_generic_plan;

-- The applications of a platform whose region, creator or operator changed: noted in a set of
-- their own (shifan.application_details_now_pending), assembled at commit.
CREATE FUNCTION application_details_note_now(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('shifan.application_details_now_pending',
                       coalesce(nullif(current_setting('shifan.application_details_now_pending', true), '') || ',', '')
                       || array_to_string(p_ids, ','), true);
END
$$;

CREATE OR REPLACE FUNCTION application_details_on_platforms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_note_now(ARRAY(SELECT a.id FROM applications a
                                               WHERE a.platform_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                                                       WHERE (n.region_code, n.created_by_org, n.operator_org_id)
                                                                             IS DISTINCT FROM
                                                                             (o.region_code, o.created_by_org, o.operator_org_id))));
    RETURN NULL;
END
$$;

-- At commit (044's trigger, armed as before): the rows of every application the transaction
-- noted — by its sources, its materials or its platform — locked in one order (two committing
-- transactions never wait for each other crosswise); marked stale, but for those of a changed
-- platform and those with no row yet, which are assembled.
CREATE OR REPLACE FUNCTION application_details_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_pending', true), ''), ',')::bigint[];
    kinds bigint[] := string_to_array(nullif(current_setting('shifan.application_details_kinds_pending', true), ''),
                                      ',')::bigint[];
    now_ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_now_pending', true), ''),
                                        ',')::bigint[];
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
    UPDATE application_details SET stale = true
    WHERE application_id = ANY (ids) AND application_id <> ALL (now_ids) AND NOT stale;
    PERFORM application_details_refresh(ARRAY(SELECT x FROM unnest(ids) x
                                              WHERE x = ANY (now_ids) OR NOT EXISTS
                                                    (SELECT 1 FROM application_details d WHERE d.application_id = x)));
    RETURN NULL;
END
$$;

-- Its materials-only refresh (050) has no caller left.
DROP FUNCTION application_details_refresh_kinds(bigint[]);
