-- Rectification (整改, Art. 24): an inspection judged needs_improvement or unsatisfactory opens
-- one, due on a given date or after the round's rectification_days (default 30); a follow-up
-- inspection of the same title judged satisfactory closes it. "Overdue" is read from due_on
-- (open and past it), never stored.
ALTER TABLE rounds ADD COLUMN rectification_days integer NOT NULL DEFAULT 30
    CHECK (rectification_days BETWEEN 1 AND 365);

CREATE TABLE rectifications (
    id                      bigserial PRIMARY KEY,
    award_id                bigint NOT NULL REFERENCES awards (id),
    opened_by_inspection_id bigint NOT NULL UNIQUE REFERENCES inspections (id),
    due_on                  date NOT NULL,
    status                  text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_by_inspection_id bigint UNIQUE REFERENCES inspections (id),
    closed_on               date,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rectifications_closed CHECK ((status = 'closed') = (closed_by_inspection_id IS NOT NULL)
                                            AND (closed_by_inspection_id IS NULL) = (closed_on IS NULL))
);
CREATE INDEX rectifications_award ON rectifications (award_id, id);
CREATE INDEX rectifications_open ON rectifications (status, due_on) WHERE status = 'open';

CREATE FUNCTION rectification_status(r rectifications) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.status = 'open' AND current_date > r.due_on THEN 'overdue' ELSE r.status END
$$;

CREATE FUNCTION rectification_doc(r rectifications) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.id, 'award_id', r.award_id, 'opened_by_inspection_id', r.opened_by_inspection_id,
                              'due_on', r.due_on, 'status', rectification_status(r),
                              'closed_by_inspection_id', r.closed_by_inspection_id, 'closed_on', r.closed_on,
                              'title', title_ref_doc(r.award_id),
                              'findings', (SELECT i.findings FROM inspections i WHERE i.id = r.opened_by_inspection_id),
                              'created_at', rfc3339(r.created_at))
$$;

-- The inspection's document names the rectification it opened and the one it closed.
CREATE OR REPLACE FUNCTION inspection_doc(i inspections) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', i.id, 'award_id', i.award_id, 'inspected_on', i.inspected_on,
                              'service_quality', i.service_quality, 'fees', i.fees, 'satisfaction', i.satisfaction,
                              'findings', i.findings, 'outcome', i.outcome, 'title', title_ref_doc(i.award_id),
                              'recorded_by', recorder_doc(i.recorded_by), 'recorded_at', rfc3339(i.recorded_at),
                              'opened_rectification', (SELECT jsonb_build_object('id', r.id, 'due_on', r.due_on,
                                                                                 'status', rectification_status(r))
                                                       FROM rectifications r WHERE r.opened_by_inspection_id = i.id),
                              'closed_rectification_id', (SELECT r.id FROM rectifications r
                                                          WHERE r.closed_by_inspection_id = i.id))
$$;

-- The round's document shows its rectification rule with the others.
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
                              'created_at', rfc3339(r.created_at))
$$;
