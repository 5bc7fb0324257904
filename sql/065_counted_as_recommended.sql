-- Which states of an application count as recommended (domain/lifecycle.h, sf_quota_allows):
-- recommended and every state after it (approved, publicized, awarded, rejected); withdrawn
-- and returned-to-draft applications give their place back. The recommender's quota counts
-- them (recommender_quota_used, sql/064), and so do the statistics of what relaxed regions
-- recommended (persistence/statistics.c); each wrote the list out. Now it is written here
-- only. IMMUTABLE SQL of one expression: PostgreSQL inlines it into the statements that call
-- it, so their plans (the index on the status) are what they were.
CREATE FUNCTION counts_as_recommended(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT status IN ('recommended', 'approved', 'publicized', 'awarded', 'rejected')
$$;

CREATE OR REPLACE FUNCTION recommender_quota_used(round bigint, recommender bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*) FROM applications x WHERE x.round_id = round AND x.recommender_org_id = recommender
              AND counts_as_recommended(x.status));
END
$$;
