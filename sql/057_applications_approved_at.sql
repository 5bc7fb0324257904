-- When an application was last approved (Art. 18): a publicity notice publicizes the review's
-- result, so it begins — and one recorded as published elsewhere was published — no earlier
-- than that day (domain/transitions.c sf_decide_notice_after_review; persistence/publicity.c).
-- Kept on the application as recommended_at is (set by the transition that approves it), and
-- filled for the applications approved before from their audit trail.
ALTER TABLE applications ADD COLUMN approved_at timestamptz;

UPDATE applications a SET approved_at = e.at
FROM (SELECT entity_id, max(at) AS at FROM audit_events
      WHERE entity = 'application' AND action = 'application.approved' GROUP BY entity_id) e
WHERE e.entity_id = a.id;
