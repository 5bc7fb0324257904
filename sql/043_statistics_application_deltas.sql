-- The write mix (issue 18, point 4): an application's counters by difference.
--
-- Until now every statement that inserted, deleted or changed a counted column of
-- applications ran statistics_refresh() (sql/032) for its platforms: it recomputed each
-- platform's whole contribution (its applications, titles, summaries: statistics_of_platforms,
-- planned anew for each call) and replaced it. What such a statement changes is known exactly
-- from its transition tables: each old row leaves its key (-1, and its returns), each new row
-- joins its key (+1, and its returns). statistics_add_applications() adds that difference to
-- the platform's stored contribution (statistics_by_platform) and to the counters, under the
-- same bucket locks as statistics_refresh(), taken in the same order: the two never run at
-- once for one platform, and what one stores, the other reads after it committed. A key of a
-- platform whose count falls to zero leaves statistics_by_platform, as a refresh would not
-- have produced it; the counters keep their zero rows, as a refresh keeps them.
--
-- The key of an application's row is its platform's region as it is now: a change of a
-- platform's region refreshes the platform whole (statistics_on_platforms, 032), under its
-- bucket's lock, so the stored contribution never holds an older region.

CREATE TYPE statistics_application_change AS (
    platform_id        bigint,
    round_id           bigint,
    recommender_org_id bigint,
    status             text,
    n                  bigint,
    returned           bigint
);

CREATE FUNCTION statistics_add_applications(p_changes statistics_application_change[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_changes) = 0 THEN
        RETURN;
    END IF;
    -- the locks of statistics_refresh (032): the platforms' buckets, in order
    PERFORM pg_advisory_xact_lock(hashtextextended('statistics', 0) + bucket)
    FROM (SELECT DISTINCT c.platform_id % 128 AS bucket FROM unnest(p_changes) AS c ORDER BY 1) buckets;
    WITH d AS (SELECT c.platform_id, c.round_id, pl.region_code, c.recommender_org_id, c.status,
                      sum(c.n) AS n, sum(c.returned) AS returned
               FROM unnest(p_changes) AS c JOIN platforms pl ON pl.id = c.platform_id
               GROUP BY c.platform_id, c.round_id, pl.region_code, c.recommender_org_id, c.status
               HAVING sum(c.n) <> 0 OR sum(c.returned) <> 0),
         kept AS (UPDATE statistics_by_platform s SET n = s.n + d.n, returned = s.returned + d.returned
                  FROM d
                  WHERE s.platform_id = d.platform_id AND s.kind = 'application' AND s.round_id = d.round_id
                    AND s.region_code = d.region_code AND s.recommender_org_id IS NOT DISTINCT FROM d.recommender_org_id
                    AND s.status IS NOT DISTINCT FROM d.status
                  RETURNING s.platform_id, s.round_id, s.region_code, s.recommender_org_id, s.status),
         added AS (INSERT INTO statistics_by_platform (platform_id, kind, round_id, region_code, recommender_org_id,
                                                       status, n, returned)
                   SELECT d.platform_id, 'application', d.round_id, d.region_code, d.recommender_org_id, d.status,
                          d.n, d.returned
                   FROM d
                   WHERE NOT EXISTS (SELECT 1 FROM kept k
                                     WHERE k.platform_id = d.platform_id AND k.round_id = d.round_id
                                       AND k.region_code = d.region_code
                                       AND k.recommender_org_id IS NOT DISTINCT FROM d.recommender_org_id
                                       AND k.status IS NOT DISTINCT FROM d.status))
    INSERT INTO statistics_counts AS c (kind, round_id, region_code, recommender_org_id, status, n, returned)
    SELECT 'application', d.round_id, d.region_code, d.recommender_org_id, d.status, sum(d.n), sum(d.returned)
    FROM d
    GROUP BY d.round_id, d.region_code, d.recommender_org_id, d.status
    HAVING sum(d.n) <> 0 OR sum(d.returned) <> 0
    -- the order of statistics_refresh's upsert (032), so that the two cannot deadlock on a row
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ON CONSTRAINT statistics_counts_key
    DO UPDATE SET n = c.n + excluded.n, returned = c.returned + excluded.returned;
    DELETE FROM statistics_by_platform s
    WHERE s.platform_id IN (SELECT c.platform_id FROM unnest(p_changes) AS c) AND s.kind = 'application'
      AND s.n = 0 AND s.returned = 0;
END
$$;

-- 032's trigger function, now by difference (the triggers themselves are unchanged).
CREATE OR REPLACE FUNCTION statistics_on_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_add_applications(ARRAY(
            SELECT ROW(n.platform_id, n.round_id, n.recommender_org_id, n.status, 1, n.returned_count)::statistics_application_change
            FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_add_applications(ARRAY(
            SELECT ROW(o.platform_id, o.round_id, o.recommender_org_id, o.status, -1, -o.returned_count)::statistics_application_change
            FROM old_rows o));
    ELSE
        -- only the rows that changed something counted: a report's text changes nothing
        PERFORM statistics_add_applications(ARRAY(
            SELECT x
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES
                (ROW(o.platform_id, o.round_id, o.recommender_org_id, o.status, -1, -o.returned_count)::statistics_application_change),
                (ROW(n.platform_id, n.round_id, n.recommender_org_id, n.status, 1, n.returned_count)::statistics_application_change)) v(x)
            WHERE (o.platform_id, o.round_id, o.recommender_org_id, o.status, o.returned_count)
                  IS DISTINCT FROM (n.platform_id, n.round_id, n.recommender_org_id, n.status, n.returned_count)));
    END IF;
    RETURN NULL;
END
$$;
