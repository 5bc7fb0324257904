-- The statistics count a title from the first day of its validity, not from its award (issue
-- 17's "status as the title reads at `at`"; from an outside review): a renewal awarded before
-- the old title ends (Art. 23: valid from the day after it) was counted active beside it, one
-- platform twice, until the old one lapsed. The counters' title rows keep the day they count
-- from in the column awarded_on (persistence/statistics.c: `c.awarded_on <= at`), now the
-- title's valid_from — the award date for every title but such a renewal. Every platform with a
-- title is counted again, by difference (statistics_refresh, sql/032).
CREATE OR REPLACE FUNCTION statistics_of_platforms(p_platform_ids bigint[]) RETURNS SETOF statistics_by_platform
LANGUAGE sql STABLE AS $$
    WITH pl AS (SELECT id, region_code, functions FROM platforms WHERE id = ANY (p_platform_ids)),
         w AS (SELECT x.*, pl.region_code, pl.functions,
                      row_number() OVER (PARTITION BY x.platform_id, x.level ORDER BY x.awarded_on, x.id) > 1 AS renewal
               FROM awards x JOIN pl ON pl.id = x.platform_id)
    SELECT a.platform_id, 'application', a.round_id, pl.region_code, a.recommender_org_id, NULL, NULL, a.status,
           NULL::date, NULL::date, NULL::date, NULL, NULL::boolean, NULL::integer, NULL::date,
           count(*), sum(a.returned_count)
    FROM applications a JOIN pl ON pl.id = a.platform_id
    GROUP BY a.platform_id, a.round_id, pl.region_code, a.recommender_org_id, a.status
    UNION ALL
    -- a title counts from the first day of its validity (in the counters' awarded_on column)
    SELECT w.platform_id, 'title', w.round_id, w.region_code, NULL, f, w.level, w.status, w.valid_from, w.valid_until,
           w.revoked_on, NULL, NULL, NULL, NULL, count(*), 0
    FROM w CROSS JOIN unnest(w.functions) AS f
    GROUP BY w.platform_id, w.round_id, w.region_code, f, w.level, w.status, w.valid_from, w.valid_until, w.revoked_on
    UNION ALL
    SELECT w.platform_id, 'award', w.round_id, w.region_code, NULL, NULL, w.level, w.status, NULL, NULL, w.revoked_on,
           w.revocation_reason, w.renewal, NULL, NULL, count(*), 0
    FROM w
    GROUP BY w.platform_id, w.round_id, w.region_code, w.level, w.status, w.revoked_on, w.revocation_reason, w.renewal
    UNION ALL
    -- Art. 22: a province-level title owes a summary of each year it is in force in, unless it
    -- was revoked before that year ended (the years to come are cut at the read, by today)
    SELECT w.platform_id, 'summary', w.round_id, w.region_code, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           y, s.received_on, count(*), 0
    FROM w CROSS JOIN generate_series(extract(year FROM w.valid_from)::int, extract(year FROM w.valid_until)::int) AS y
    LEFT JOIN annual_summaries s ON s.award_id = w.id AND s.year = y
    WHERE w.level = 'province' AND (w.revoked_on IS NULL OR w.revoked_on > make_date(y, 12, 31))
    GROUP BY w.platform_id, w.round_id, w.region_code, y, s.received_on
$$;

SELECT statistics_refresh(ARRAY(SELECT DISTINCT platform_id FROM awards ORDER BY 1));
