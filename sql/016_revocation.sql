-- Art. 23, 24: a revocation names its ground with what the ground requires (DESIGN.md §2
-- "Awards"), and a title pending revocation returns to active only on a later assessment that
-- passed; the failed one is then superseded, both kept. The decisions are domain/awards.c
-- (sf_decide_revoke, sf_decide_reinstate); the database refuses what it can on its own.

-- `violation` (Art. 23, 一经查实): what was verified and the decision's document number;
-- `failed_assessment` (Art. 24): the failed assessment of this title; `surrendered`: the
-- holder gives the title up or ceases to exist. `other` stays readable on past rows only.
ALTER TABLE awards
    ADD COLUMN revocation_finding       text CHECK (char_length(revocation_finding) BETWEEN 1 AND 5000),
    ADD COLUMN revocation_reference     text CHECK (char_length(revocation_reference) BETWEEN 1 AND 200),
    ADD COLUMN revocation_assessment_id bigint REFERENCES assessments (id),
    -- the failed assessment that made the title revocation_pending (Art. 24)
    ADD COLUMN pending_assessment_id    bigint REFERENCES assessments (id);
ALTER TABLE awards DROP CONSTRAINT awards_revocation_reason_check;
ALTER TABLE awards
    ADD CONSTRAINT awards_revocation_reason
        CHECK (revocation_reason IN ('violation', 'failed_assessment', 'surrendered', 'other')),
    ADD CONSTRAINT awards_revocation_assessment
        CHECK (revocation_assessment_id IS NULL OR revocation_reason = 'failed_assessment'),
    ADD CONSTRAINT awards_revocation_finding
        CHECK (revocation_finding IS NULL OR revocation_reason = 'violation'),
    ADD CONSTRAINT awards_pending_assessment
        CHECK (pending_assessment_id IS NULL OR status = 'revocation_pending');

-- A revocation decided from now on (an active or pending title becoming revoked) carries its
-- ground's fields; rows revoked before keep what they have (`other`, a violation without its
-- reference), and a title recorded as revoked in the past (an INSERT) is a fact, not a
-- decision: only the change to revoked is checked.
CREATE FUNCTION awards_revocation_ground() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'revoked' OR OLD.status = 'revoked' THEN
        RETURN NEW;
    END IF;
    IF NEW.revocation_reason = 'other'
       OR (NEW.revocation_reason = 'violation'
           AND (NEW.revocation_finding IS NULL OR NEW.revocation_reference IS NULL))
       OR (NEW.revocation_reason = 'failed_assessment'
           AND NOT EXISTS (SELECT 1 FROM assessments s WHERE s.id = NEW.revocation_assessment_id
                           AND s.award_id = NEW.id AND s.passed = false)) THEN
        RAISE EXCEPTION 'a revocation names its ground with what the ground requires' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER awards_revocation_ground BEFORE UPDATE ON awards
    FOR EACH ROW EXECUTE FUNCTION awards_revocation_ground();

-- the titles pending now: the latest failed assessment of each made it so
UPDATE awards w SET pending_assessment_id = (SELECT s.id FROM assessments s WHERE s.award_id = w.id
                                             AND s.passed = false ORDER BY s.id DESC LIMIT 1)
WHERE w.status = 'revocation_pending';

-- A failed assessment superseded by the later passed one that reinstated its title.
ALTER TABLE assessments
    ADD COLUMN superseded_by bigint REFERENCES assessments (id),
    ADD CONSTRAINT assessments_superseded
        CHECK (superseded_by IS NULL OR (passed = false AND superseded_by > id));

-- "expired" (Art. 23) has one owner: this function. award_status() and registry_status()
-- are read through it, and the C code reads their answer instead of deriving its own.
CREATE FUNCTION title_status(stored text, valid_until date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN stored = 'active' AND valid_until < current_date THEN 'expired' ELSE stored END
$$;
CREATE OR REPLACE FUNCTION award_status(w awards) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT title_status(w.status, w.valid_until)
$$;
CREATE OR REPLACE FUNCTION registry_status(r registry) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT title_status(r.status, r.valid_until)
$$;
-- A title in force: active or pending revocation, and valid today. What a platform's
-- published facts hang on (its edits are public, persistence/platforms.c) and what may be
-- assessed (persistence/supervision.c).
CREATE FUNCTION title_in_force(stored text, valid_until date) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT stored IN ('active', 'revocation_pending') AND valid_until >= current_date
$$;

-- Art. 24: an assessment is overdue the day after its due date while its result is missing.
-- The one owner of that rule (domain/supervision.c keeps no twin).
CREATE FUNCTION assessment_status(submitted_on date, due_on date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN submitted_on IS NOT NULL THEN 'submitted' WHEN current_date > due_on THEN 'overdue'
                ELSE 'open' END
$$;
CREATE OR REPLACE FUNCTION assessment_doc(s assessments) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', s.id, 'award_id', s.award_id, 'assessor_org_id', s.assessor_org_id,
                              'due_on', s.due_on, 'commissioned_at', rfc3339(s.commissioned_at),
                              'score', s.score, 'passed', s.passed, 'summary', s.summary,
                              'submitted_on', s.submitted_on,
                              'status', assessment_status(s.submitted_on, s.due_on),
                              'superseded_by', s.superseded_by,
                              'platform', (SELECT jsonb_build_object('id', p.id, 'name', p.name,
                                                   'operator_name', p.operator_name, 'region_code', p.region_code,
                                                   'functions', to_jsonb(p.functions),
                                                   'certificate_no', w.certificate_no,
                                                   'valid_until', w.valid_until)
                                           FROM awards w JOIN platforms p ON p.id = w.platform_id
                                           WHERE w.id = s.award_id))
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
                              'pending_assessment_id', w.pending_assessment_id)
$$;
