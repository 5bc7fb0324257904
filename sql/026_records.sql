-- Records of the past (issue 15, DESIGN.md §2 "Records of the past (going live)"): the
-- province records once, in bulk (POST /v1/imports/records), the rounds, titles and
-- supervision records that existed before shifan. Every recorded fact names its import and
-- carries origin 'recorded'; what shifan decides carries origin 'decided'. Recorded titles
-- live in `awards` like decided ones, so that the registry (its table and triggers of 013),
-- compliance, the renewal rule (Art. 23) and 12.4 read them through the same rows and the
-- same functions (title_status, title_in_force, award_status_at).

-- One import of records: what the audit events of its facts name.
CREATE TABLE record_imports (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('rounds', 'titles', 'annual_summaries', 'inspections', 'city_reports')),
    row_count   integer NOT NULL CHECK (row_count >= 1),
    imported_by bigint REFERENCES users (id),
    org_id      bigint REFERENCES organizations (id),
    request_id  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Rounds: recorded ones go back to 2006 (the 2006 and 2014 measures came before, Art. 28)
-- and may not know the thresholds they were run under.
ALTER TABLE rounds
    ADD COLUMN origin text NOT NULL DEFAULT 'decided' CHECK (origin IN ('decided', 'recorded')),
    ADD COLUMN import_id bigint REFERENCES record_imports (id);
ALTER TABLE rounds DROP CONSTRAINT rounds_year_check;
ALTER TABLE rounds ALTER COLUMN thresholds DROP NOT NULL;
ALTER TABLE rounds
    ADD CONSTRAINT rounds_origin CHECK ((origin = 'recorded') = (import_id IS NOT NULL)),
    ADD CONSTRAINT rounds_year CHECK (year BETWEEN 2006 AND 9999 AND (year >= 2018 OR origin = 'recorded')),
    ADD CONSTRAINT rounds_thresholds_known CHECK (thresholds IS NOT NULL OR origin = 'recorded');

-- A recorded round is closed and takes no applications (the C code says so first, with its
-- reason: domain/records.c; this is the database's own guard).
CREATE FUNCTION applications_in_decided_rounds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM rounds r WHERE r.id = NEW.round_id AND r.origin = 'recorded') THEN
        RAISE EXCEPTION 'a recorded round takes no applications' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER applications_in_decided_rounds BEFORE INSERT ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_in_decided_rounds();

-- Titles: a recorded one has no application and keeps its certificate number as given
-- (unique with all the others), with no sequence of its own; new awards of its round continue
-- after the highest trailing number of the recorded ones (sf_certificate_seq,
-- domain/records.c: rounds.next_certificate_seq is raised by the import, in its transaction),
-- so the decided ones stay gapless from there.
ALTER TABLE awards
    ALTER COLUMN application_id DROP NOT NULL,
    ALTER COLUMN certificate_seq DROP NOT NULL,
    ADD COLUMN origin text NOT NULL DEFAULT 'decided' CHECK (origin IN ('decided', 'recorded')),
    ADD COLUMN import_id bigint REFERENCES record_imports (id),
    ADD COLUMN notice_reference text CHECK (char_length(notice_reference) BETWEEN 1 AND 200);
ALTER TABLE awards
    ADD CONSTRAINT awards_origin CHECK (
        (origin = 'decided' AND import_id IS NULL AND application_id IS NOT NULL AND certificate_seq IS NOT NULL)
        OR (origin = 'recorded' AND import_id IS NOT NULL AND application_id IS NULL));
CREATE INDEX awards_platform_level ON awards (platform_id, level, valid_from);

-- Supervision records of the past: the years of the older measures, texts that may be lost.
ALTER TABLE annual_summaries
    ADD COLUMN origin text NOT NULL DEFAULT 'decided' CHECK (origin IN ('decided', 'recorded')),
    ADD COLUMN import_id bigint REFERENCES record_imports (id);
ALTER TABLE annual_summaries DROP CONSTRAINT annual_summaries_year_check;
ALTER TABLE annual_summaries DROP CONSTRAINT annual_summaries_summary_check;
ALTER TABLE annual_summaries
    ADD CONSTRAINT annual_summaries_origin CHECK ((origin = 'recorded') = (import_id IS NOT NULL)),
    ADD CONSTRAINT annual_summaries_year CHECK (year BETWEEN 2006 AND 9999 AND (year >= 2018 OR origin = 'recorded')),
    ADD CONSTRAINT annual_summaries_summary CHECK (char_length(summary) <= 50000
                                                   AND (char_length(summary) >= 1 OR origin = 'recorded'));

ALTER TABLE inspections
    ADD COLUMN origin text NOT NULL DEFAULT 'decided' CHECK (origin IN ('decided', 'recorded')),
    ADD COLUMN import_id bigint REFERENCES record_imports (id);
ALTER TABLE inspections DROP CONSTRAINT inspections_findings_check;
ALTER TABLE inspections
    ADD CONSTRAINT inspections_origin CHECK ((origin = 'recorded') = (import_id IS NOT NULL)),
    ADD CONSTRAINT inspections_findings CHECK (char_length(findings) <= 20000
                                               AND (char_length(findings) >= 1 OR origin = 'recorded'));

ALTER TABLE city_reports
    ADD COLUMN origin text NOT NULL DEFAULT 'decided' CHECK (origin IN ('decided', 'recorded')),
    ADD COLUMN import_id bigint REFERENCES record_imports (id);
ALTER TABLE city_reports DROP CONSTRAINT city_reports_year_check;
ALTER TABLE city_reports DROP CONSTRAINT city_reports_summary_report_check;
ALTER TABLE city_reports DROP CONSTRAINT city_reports_inspection_report_check;
ALTER TABLE city_reports
    ADD CONSTRAINT city_reports_origin CHECK ((origin = 'recorded') = (import_id IS NOT NULL)),
    ADD CONSTRAINT city_reports_year CHECK (year BETWEEN 2006 AND 9999 AND (year >= 2018 OR origin = 'recorded')),
    ADD CONSTRAINT city_reports_texts CHECK (char_length(summary_report) <= 100000
                                             AND char_length(inspection_report) <= 100000
                                             AND ((char_length(summary_report) >= 1 AND char_length(inspection_report) >= 1)
                                                  OR origin = 'recorded'));

-- The documents show each fact's origin (and the import of a recorded one).
CREATE OR REPLACE FUNCTION round_doc(r rounds) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.id, 'level', r.level, 'region_code', r.region_code, 'year', r.year,
                              'title', r.title, 'opens_on', r.opens_on, 'closes_on', r.closes_on,
                              'relaxed_regions', to_jsonb(r.relaxed_regions),
                              'relaxation_factor', r.relaxation_factor,
                              'relaxed_thresholds', r.relaxed_thresholds,
                              'quota_per_recommender', r.quota_per_recommender,
                              'thresholds', r.thresholds,
                              'require_prior_recognition', r.require_prior_recognition,
                              'validity_years', r.validity_years, 'validity_ends', r.validity_ends,
                              'rectification_days', r.rectification_days,
                              'origin', r.origin, 'import_id', r.import_id,
                              'created_at', rfc3339(r.created_at))
$$;

CREATE OR REPLACE FUNCTION award_doc(w awards) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', w.id, 'application_id', w.application_id, 'platform_id', w.platform_id,
                              'round_id', w.round_id, 'level', w.level, 'certificate_no', w.certificate_no,
                              'awarded_on', w.awarded_on, 'valid_from', w.valid_from, 'valid_until', w.valid_until,
                              'status', award_status(w), 'revoked_on', w.revoked_on,
                              'revocation_reason', w.revocation_reason, 'revocation_detail', w.revocation_detail,
                              'revocation_finding', w.revocation_finding,
                              'revocation_reference', w.revocation_reference,
                              'revocation_assessment_id', w.revocation_assessment_id,
                              'pending_assessment_id', w.pending_assessment_id,
                              'origin', w.origin, 'import_id', w.import_id, 'notice_reference', w.notice_reference,
                              'assessment_ids', coalesce((SELECT jsonb_agg(s.id ORDER BY s.id) FROM assessments s
                                                          WHERE s.award_id = w.id), '[]'),
                              'links', jsonb_build_object(
                                  'annual_summaries', '/v1/annual-summaries?award_id=' || w.id,
                                  'inspections', '/v1/inspections?award_id=' || w.id,
                                  'rectifications', '/v1/rectifications?award_id=' || w.id,
                                  'standing', '/v1/awards/' || w.id || '/standing?year={year}'))
$$;

-- A recorded title has no application: the list of titles keeps it (no recommender).
CREATE OR REPLACE VIEW award_docs AS
SELECT w.id, w.platform_id, w.round_id, w.level, award_status(w) AS status, w.valid_until, p.region_code,
       a.recommender_org_id, award_doc(w) AS doc
FROM awards w JOIN platforms p ON p.id = w.platform_id LEFT JOIN applications a ON a.id = w.application_id;

CREATE OR REPLACE FUNCTION annual_summary_doc(s annual_summaries) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', s.id, 'award_id', s.award_id, 'year', s.year, 'summary', s.summary,
                              'figures', s.figures, 'received_on', s.received_on,
                              'title', title_ref_doc(s.award_id), 'recorded_by', recorder_doc(s.recorded_by),
                              'recorded_at', rfc3339(s.recorded_at), 'origin', s.origin, 'import_id', s.import_id,
                              'file', (SELECT jsonb_build_object('filename', a.filename, 'content_type', a.content_type,
                                                                 'size_bytes', a.size_bytes, 'sha256', a.sha256)
                                       FROM attachments a WHERE a.entity = 'annual_summary' AND a.entity_id = s.id))
$$;

CREATE OR REPLACE FUNCTION inspection_doc(i inspections) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', i.id, 'award_id', i.award_id, 'inspected_on', i.inspected_on,
                              'service_quality', i.service_quality, 'fees', i.fees, 'satisfaction', i.satisfaction,
                              'findings', i.findings, 'outcome', i.outcome, 'title', title_ref_doc(i.award_id),
                              'recorded_by', recorder_doc(i.recorded_by), 'recorded_at', rfc3339(i.recorded_at),
                              'origin', i.origin, 'import_id', i.import_id,
                              'opened_rectification', (SELECT jsonb_build_object('id', r.id, 'due_on', r.due_on,
                                                                                 'status', rectification_status(r))
                                                       FROM rectifications r WHERE r.opened_by_inspection_id = i.id),
                              'closed_rectification_id', (SELECT r.id FROM rectifications r
                                                          WHERE r.closed_by_inspection_id = i.id))
$$;

CREATE OR REPLACE FUNCTION city_report_doc(c city_reports) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'region_code', c.region_code, 'year', c.year,
                              'summary_report', c.summary_report, 'inspection_report', c.inspection_report,
                              'received_on', c.received_on,
                              'recorded_by', recorder_doc(c.recorded_by), 'recorded_at', rfc3339(c.recorded_at),
                              'origin', c.origin, 'import_id', c.import_id)
$$;

-- The registry entry names its title's origin. registry_refresh (013) stays the one way a
-- title reaches the registry; it now copies the origin too.
ALTER TABLE registry ADD COLUMN origin text NOT NULL DEFAULT 'decided';
CREATE OR REPLACE FUNCTION registry_doc(r registry, shown text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.platform_id, 'name', r.name, 'operator_name', r.operator_name,
                              'region_code', r.region_code, 'functions', to_jsonb(r.functions),
                              'award', jsonb_build_object(
                                  'level', r.level, 'certificate_no', r.certificate_no, 'awarded_on', r.awarded_on,
                                  'valid_from', r.valid_from, 'valid_until', r.valid_until, 'status', shown,
                                  'revoked_on', r.revoked_on, 'revocation_reason', r.revocation_reason,
                                  'origin', r.origin))::text
$$;
CREATE OR REPLACE FUNCTION registry_refresh(p_platform_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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
    WHERE p.id = p_platform_id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams,
        origin = excluded.origin;
END
$$;
-- the entries published so far get their origin in their documents (the trigger rebuilds them)
UPDATE registry SET origin = 'decided';

-- The events of one import, appended to the chain in one go: the same hash chain as
-- audit_append (017), with the head read and written once instead of once per event (an
-- import of 10,000 titles would otherwise update the head's row 10,000 times in one
-- transaction). `p_events` is a JSON array of {action, entity, entity_id, detail}, appended
-- in its order. Answers the last sequence number.
CREATE FUNCTION audit_append_all(p_actor_user_id bigint, p_actor_org_id bigint, p_events jsonb,
                                 p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head audit_head%ROWTYPE;
    e jsonb;
    v_seq bigint;
    v_at timestamptz;
    v_detail jsonb;
    v_request_id text := p_request_id;
    v_client text;
    v_prev bytea;
    v_hash bytea;
BEGIN
    IF strpos(p_request_id, '/') > 0 THEN
        v_request_id := split_part(p_request_id, '/', 1);
        v_client := substr(p_request_id, strpos(p_request_id, '/') + 1);
    END IF;
    SELECT * INTO head FROM audit_head FOR UPDATE;
    v_seq := head.seq;
    v_hash := head.hash;
    FOR e IN SELECT value FROM jsonb_array_elements(coalesce(p_events, '[]')) LOOP
        v_seq := v_seq + 1;
        v_at := clock_timestamp();
        v_detail := coalesce(e->'detail', '{}'::jsonb);
        IF v_client IS NOT NULL THEN
            v_detail := v_detail || jsonb_build_object('client_request_id', v_client);
        END IF;
        v_prev := v_hash;
        v_hash := sha256(v_prev || audit_event_text(v_seq, v_at, p_actor_user_id, p_actor_org_id, e->>'action',
                                                    e->>'entity', (e->>'entity_id')::bigint, v_detail, v_request_id));
        INSERT INTO audit_events (seq, at, actor_user_id, actor_org_id, action, entity, entity_id,
                                  detail, request_id, prev_hash, hash)
        VALUES (v_seq, v_at, p_actor_user_id, p_actor_org_id, e->>'action', e->>'entity',
                (e->>'entity_id')::bigint, v_detail, v_request_id, v_prev, v_hash);
    END LOOP;
    IF v_seq > head.seq THEN
        UPDATE audit_head SET seq = v_seq, hash = v_hash;
    END IF;
    RETURN v_seq;
END
$$;

-- The change feed announces a recorded title (persistence/changes.c: platform_recorded).
DROP INDEX audit_events_public;
CREATE INDEX audit_events_public ON audit_events (seq)
    WHERE action IN ('award.created', 'award.recorded', 'award.revoked', 'award.revocation_pending',
                     'award.reinstated', 'award.expired', 'notice.opened', 'platform.updated');
