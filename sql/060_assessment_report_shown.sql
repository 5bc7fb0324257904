-- An assessment's document shows its report file, as an annual summary's shows its file
-- (from an outside review: `attach_report` stayed in allowed_actions after the report was
-- attached, and a second one answered 409 file_attached; nothing told the portal it was there).
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
                                           WHERE w.id = s.award_id),
                              'report', (SELECT jsonb_build_object('filename', a.filename,
                                                                   'content_type', a.content_type,
                                                                   'size_bytes', a.size_bytes, 'sha256', a.sha256)
                                         FROM attachments a WHERE a.entity = 'assessment' AND a.entity_id = s.id))
$$;
