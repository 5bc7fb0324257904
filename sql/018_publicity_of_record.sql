-- Art. 18: the objection window must be real. A notice published through shifan starts today
-- or later (domain/transitions.c sf_decide_notice); one published elsewhere before is recorded
-- with where and when, and the objections received for it are recorded by the deciding
-- authority with the date they were received.
ALTER TABLE publicity_notices
    ADD COLUMN published_elsewhere_reference text
        CHECK (char_length(published_elsewhere_reference) BETWEEN 1 AND 200),
    ADD COLUMN published_elsewhere_on date,
    ADD CONSTRAINT publicity_notices_elsewhere
        CHECK ((published_elsewhere_reference IS NULL) = (published_elsewhere_on IS NULL)
               AND (published_elsewhere_on IS NULL OR start_date >= published_elsewhere_on));

-- received_on: the day the objection reached the authority (today for one filed online); it
-- lies within the notice's window. recorded_by: the user who keyed in one received otherwise.
ALTER TABLE objections
    ADD COLUMN received_on date,
    ADD COLUMN recorded_by bigint REFERENCES users (id);
UPDATE objections SET received_on = (created_at AT TIME ZONE 'Asia/Shanghai')::date WHERE received_on IS NULL;
ALTER TABLE objections
    ALTER COLUMN received_on SET DEFAULT current_date,
    ALTER COLUMN received_on SET NOT NULL;

CREATE OR REPLACE FUNCTION objection_doc(o objections) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', o.id, 'notice_id', o.notice_id, 'application_id', o.application_id,
                              'objector_name', o.objector_name, 'contact', o.contact, 'reason', o.reason,
                              'status', o.status, 'resolution', o.resolution,
                              'received_on', o.received_on,
                              'origin', CASE WHEN o.recorded_by IS NULL THEN 'online' ELSE 'recorded' END,
                              'resolved_at', rfc3339(o.resolved_at), 'created_at', rfc3339(o.created_at))
$$;

CREATE OR REPLACE VIEW notice_docs AS
SELECT n.id, n.round_id, n.start_date, n.end_date,
       jsonb_build_object('id', n.id, 'round_id', n.round_id, 'title', n.title,
                          'start_date', n.start_date, 'end_date', n.end_date,
                          'status', CASE WHEN current_date < n.start_date THEN 'upcoming'
                                         WHEN current_date <= n.end_date THEN 'open' ELSE 'closed' END,
                          'published_elsewhere', CASE WHEN n.published_elsewhere_on IS NULL THEN NULL
                              ELSE jsonb_build_object('reference', n.published_elsewhere_reference,
                                                      'published_on', n.published_elsewhere_on) END,
                          'applications', coalesce((
                              SELECT jsonb_agg(jsonb_build_object('application_id', a.id, 'platform_id', p.id,
                                                                  'platform_name', p.name,
                                                                  'operator_name', p.operator_name,
                                                                  'region_code', p.region_code) ORDER BY a.id)
                              FROM publicity_notice_items i JOIN applications a ON a.id = i.application_id
                              JOIN platforms p ON p.id = a.platform_id WHERE i.notice_id = n.id), '[]'),
                          'created_at', rfc3339(n.created_at)) AS doc
FROM publicity_notices n;
