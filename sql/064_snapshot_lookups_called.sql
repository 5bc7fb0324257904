-- Two look-ups of an application's snapshot (persistence/applications.c) as functions, so that
-- a read of an application that is past submission pays nothing for them. The used quota of its
-- recommender (domain/lifecycle.h, sf_quota_allows) and whether its platform holds a city title
-- in force (which meets condition 12.4) decide only from draft or submitted, and the snapshot
-- asks only there; but as subqueries of the statement their plans were set up on every
-- execution all the same (their relations opened and locked): a sixth of the statement's time
-- under pgbench, a tenth of the database's time of GET /v1/applications/{id} (issue 18, point 3;
-- bench/RESULTS.md). PL/pgSQL runs a plan only
-- when it is called, and keeps it for the life of the connection. STABLE: each runs on the
-- calling statement's snapshot, as the subqueries did.
CREATE FUNCTION recommender_quota_used(round bigint, recommender bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*) FROM applications x WHERE x.round_id = round AND x.recommender_org_id = recommender
              AND x.status IN ('recommended', 'approved', 'publicized', 'awarded', 'rejected'));
END
$$;

CREATE FUNCTION city_title_active(platform bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM awards w WHERE w.platform_id = platform AND w.level = 'city'
                     AND title_status(w.status, w.valid_until) = 'active');
END
$$;
