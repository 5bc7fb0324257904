-- Dynamic management (Art. 4, 24): an annual summary may state the year's figures — SMEs
-- served, satisfaction, the public-interest share, each function's activity — which shifan
-- re-tests against the thresholds of the round that awarded the title (GET
-- /v1/awards/{id}/standing). A finding, never a revocation.
ALTER TABLE annual_summaries ADD COLUMN figures jsonb CHECK (figures IS NULL OR jsonb_typeof(figures) = 'object');

CREATE OR REPLACE FUNCTION annual_summary_doc(s annual_summaries) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', s.id, 'award_id', s.award_id, 'year', s.year, 'summary', s.summary,
                              'figures', s.figures, 'received_on', s.received_on,
                              'title', title_ref_doc(s.award_id), 'recorded_by', recorder_doc(s.recorded_by),
                              'recorded_at', rfc3339(s.recorded_at),
                              'file', (SELECT jsonb_build_object('filename', a.filename, 'content_type', a.content_type,
                                                                 'size_bytes', a.size_bytes, 'sha256', a.sha256)
                                       FROM attachments a WHERE a.entity = 'annual_summary' AND a.entity_id = s.id))
$$;

-- A title's page links what supervision recorded about it (issue 17): its records by their
-- lists' award_id filter, its standing, and its assessments.
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
                              'assessment_ids', coalesce((SELECT jsonb_agg(s.id ORDER BY s.id) FROM assessments s
                                                          WHERE s.award_id = w.id), '[]'),
                              'links', jsonb_build_object(
                                  'annual_summaries', '/v1/annual-summaries?award_id=' || w.id,
                                  'inspections', '/v1/inspections?award_id=' || w.id,
                                  'rectifications', '/v1/rectifications?award_id=' || w.id,
                                  'standing', '/v1/awards/' || w.id || '/standing?year={year}'))
$$;
