-- Statistics (issue 17, point 4): the province's numbers, aggregated in SQL over indexes.

-- A return (review:return, Art. 16-18: back to the recommender's draft) leaves no trace in the
-- application's status: it is counted here, in the returning transaction
-- (persistence/applications.c SET_STATUS), never by scanning the audit trail.
ALTER TABLE applications ADD COLUMN returned_count integer NOT NULL DEFAULT 0 CHECK (returned_count >= 0);

-- A title's status at a date. The one owner of "expired" (Art. 23): award_status(w) is this at
-- today. Revoked from revoked_on on (before it, the title was active or had expired); a pending
-- revocation carries no start date and reads as it is now.
CREATE FUNCTION award_status_at(w awards, d date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN w.status = 'revoked' AND w.revoked_on <= d THEN 'revoked'
                WHEN w.status = 'revocation_pending' THEN 'revocation_pending'
                WHEN w.valid_until < d THEN 'expired'
                ELSE 'active' END
$$;
CREATE OR REPLACE FUNCTION award_status(w awards) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT award_status_at(w, current_date)
$$;

-- Applications by round, recommender and status without visiting the table (index-only).
CREATE INDEX applications_statistics ON applications (round_id, recommender_org_id, status) INCLUDE (platform_id, returned_count);
CREATE INDEX awards_round ON awards (round_id, platform_id);
CREATE INDEX awards_revoked ON awards (revoked_on) WHERE status = 'revoked';
