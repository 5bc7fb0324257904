-- A title's document in two parts (issue 15: 10,000 recorded titles in under 3 s): its shape,
-- award_doc_of, one expression PostgreSQL inlines; and award_doc (026), the shape over the
-- title's assessments as stored. award_doc's subquery kept it from being inlined: the import's
-- 10,000 `award.recorded` events each ran it as a query of its own (pg_stat_statements: 10,000
-- calls). A title the import records in the same statement has no assessment yet, so its event
-- gives the shape an empty list (persistence/records.c WRITE_TITLES); every other reader still
-- calls award_doc. The document is the same.
CREATE FUNCTION award_doc_of(w awards, p_assessment_ids jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
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
                              'assessment_ids', p_assessment_ids,
                              'links', jsonb_build_object(
                                  'annual_summaries', '/v1/annual-summaries?award_id=' || w.id,
                                  'inspections', '/v1/inspections?award_id=' || w.id,
                                  'rectifications', '/v1/rectifications?award_id=' || w.id,
                                  'standing', '/v1/awards/' || w.id || '/standing?year={year}'))
$$;

CREATE OR REPLACE FUNCTION award_doc(w awards) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT award_doc_of(w, coalesce((SELECT jsonb_agg(s.id ORDER BY s.id) FROM assessments s WHERE s.award_id = w.id),
                                    '[]'))
$$;
