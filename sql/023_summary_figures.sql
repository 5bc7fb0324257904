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
