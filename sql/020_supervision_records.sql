-- Supervision records read back (Art. 22, 24, 25): annual summaries, inspections and city
-- reports as documents, with who recorded them, the date they state and when they were keyed
-- in. Who may read them is decided by the SUPERVISION_VISIBLE fragments of
-- persistence/supervision.c alone (no C twin).
ALTER TABLE annual_summaries ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE city_reports ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX annual_summaries_year ON annual_summaries (year, id);
CREATE INDEX city_reports_region ON city_reports (region_code, year);

CREATE FUNCTION recorder_doc(user_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('user_id', u.id, 'display_name', u.display_name, 'org_id', o.id, 'org_name', o.name)
    FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = user_id
$$;

CREATE FUNCTION title_ref_doc(award bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('award_id', w.id, 'certificate_no', w.certificate_no, 'platform_id', p.id,
                              'platform_name', p.name, 'operator_name', p.operator_name, 'region_code', p.region_code)
    FROM awards w JOIN platforms p ON p.id = w.platform_id WHERE w.id = award
$$;

CREATE FUNCTION annual_summary_doc(s annual_summaries) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', s.id, 'award_id', s.award_id, 'year', s.year, 'summary', s.summary,
                              'received_on', s.received_on,
                              'title', title_ref_doc(s.award_id), 'recorded_by', recorder_doc(s.recorded_by),
                              'recorded_at', rfc3339(s.recorded_at),
                              'file', (SELECT jsonb_build_object('filename', a.filename, 'content_type', a.content_type,
                                                                 'size_bytes', a.size_bytes, 'sha256', a.sha256)
                                       FROM attachments a WHERE a.entity = 'annual_summary' AND a.entity_id = s.id))
$$;

CREATE FUNCTION inspection_doc(i inspections) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', i.id, 'award_id', i.award_id, 'inspected_on', i.inspected_on,
                              'service_quality', i.service_quality, 'fees', i.fees, 'satisfaction', i.satisfaction,
                              'findings', i.findings, 'outcome', i.outcome, 'title', title_ref_doc(i.award_id),
                              'recorded_by', recorder_doc(i.recorded_by), 'recorded_at', rfc3339(i.recorded_at))
$$;

CREATE FUNCTION city_report_doc(c city_reports) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'region_code', c.region_code, 'year', c.year,
                              'summary_report', c.summary_report, 'inspection_report', c.inspection_report,
                              'received_on', c.received_on,
                              'recorded_by', recorder_doc(c.recorded_by), 'recorded_at', rfc3339(c.recorded_at))
$$;
