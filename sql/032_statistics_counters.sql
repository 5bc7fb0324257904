-- Statistics kept as counters (issue 17, point 4: p99 under 50 ms on 100,000 platforms and
-- 300,000 applications). Aggregating the tables on each read took 1-2 s there; the province's
-- numbers are now sums over a few thousand counter rows, kept in the transaction that changes
-- what they count.
--
-- What a platform contributes to the numbers is stated once, statistics_of_platforms(): its
-- applications by round, recommender and status (and their returns); its titles by function,
-- level, status and the dates a title's status at a date depends on (so "at a date" stays
-- exact: award_status_at is applied to the counters when they are read); its titles by status,
-- ground of revocation and whether each renews an earlier one; and the annual summaries its
-- province-level titles owe, year by year, with the day each arrived (timeliness is still
-- judged by domain/supervision.c from that day). statistics_by_platform holds each platform's
-- last contribution; statistics_counts holds their sums, one row per key.
--
-- After every statement that changes applications, awards, annual summaries or a platform's
-- region or functions, statistics_refresh() replaces the contribution of the platforms it
-- touched and adds the difference to the counters. It first takes a lock of each of those
-- platforms (transaction-scoped advisory locks of 128 buckets of platforms, in order so that
-- two refreshes cannot deadlock on them): two refreshes of one platform run one after the other, the second reading
-- what the first committed, so a platform's stored contribution is always what its rows say
-- and the counters cannot drift; refreshes of different platforms do not wait for each other
-- (the audit chain no longer serialises writers, sql/031). The counters take differences with
-- an upsert in key order, which concurrent writers may apply in any order.

CREATE TABLE statistics_by_platform (
    platform_id        bigint NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('application', 'title', 'award', 'summary')),
    round_id           bigint NOT NULL,
    region_code        text NOT NULL,
    recommender_org_id bigint,   -- application
    function           text,     -- title
    level              text,     -- title, award
    status             text,     -- application, title, award (as stored)
    awarded_on         date,     -- title
    valid_until        date,     -- title
    revoked_on         date,     -- title, award
    reason             text,     -- award: the ground of revocation
    renewal            boolean,  -- award: its platform held an earlier title of the same level
    year               integer,  -- summary: the year a summary is owed for
    received_on        date,     -- summary: the day it arrived (NULL: it did not)
    n                  bigint NOT NULL,
    returned           bigint NOT NULL
);
CREATE INDEX statistics_by_platform_platform ON statistics_by_platform (platform_id);

CREATE TABLE statistics_counts (
    kind               text NOT NULL,
    round_id           bigint NOT NULL,
    region_code        text NOT NULL,
    recommender_org_id bigint,
    function           text,
    level              text,
    status             text,
    awarded_on         date,
    valid_until        date,
    revoked_on         date,
    reason             text,
    renewal            boolean,
    year               integer,
    received_on        date,
    n                  bigint NOT NULL,
    returned           bigint NOT NULL,
    CONSTRAINT statistics_counts_key UNIQUE NULLS NOT DISTINCT (kind, round_id, region_code, recommender_org_id,
        function, level, status, awarded_on, valid_until, revoked_on, reason, renewal, year, received_on)
);

-- A title's status at a date from the columns it depends on: award_status_at (sql/022) is
-- this, and the counters of titles are read through it.
CREATE FUNCTION title_status_at(status text, revoked_on date, valid_until date, d date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status = 'revoked' AND revoked_on <= d THEN 'revoked'
                WHEN status = 'revocation_pending' THEN 'revocation_pending'
                WHEN valid_until < d THEN 'expired'
                ELSE 'active' END
$$;
CREATE OR REPLACE FUNCTION award_status_at(w awards, d date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT title_status_at(w.status, w.revoked_on, w.valid_until, d)
$$;

CREATE FUNCTION statistics_of_platforms(p_platform_ids bigint[]) RETURNS SETOF statistics_by_platform
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
    SELECT w.platform_id, 'title', w.round_id, w.region_code, NULL, f, w.level, w.status, w.awarded_on, w.valid_until,
           w.revoked_on, NULL, NULL, NULL, NULL, count(*), 0
    FROM w CROSS JOIN unnest(w.functions) AS f
    GROUP BY w.platform_id, w.round_id, w.region_code, f, w.level, w.status, w.awarded_on, w.valid_until, w.revoked_on
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

CREATE FUNCTION statistics_refresh(p_platform_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_platform_ids) = 0 THEN
        RETURN;
    END IF;
    -- one refresh of a platform at a time: the locks of the platforms' buckets (id mod 128, so
    -- that an import of 10,000 titles takes at most 128 locks, not one per platform)
    PERFORM pg_advisory_xact_lock(hashtextextended('statistics', 0) + bucket)
    FROM (SELECT DISTINCT id % 128 AS bucket FROM unnest(p_platform_ids) AS id ORDER BY 1) buckets;
    WITH gone AS (DELETE FROM statistics_by_platform WHERE platform_id = ANY (p_platform_ids) RETURNING *),
         came AS (INSERT INTO statistics_by_platform SELECT * FROM statistics_of_platforms(p_platform_ids) RETURNING *),
         change AS (SELECT * FROM came
                    UNION ALL
                    SELECT platform_id, kind, round_id, region_code, recommender_org_id, function, level, status,
                           awarded_on, valid_until, revoked_on, reason, renewal, year, received_on, -n, -returned
                    FROM gone)
    INSERT INTO statistics_counts AS c
    SELECT kind, round_id, region_code, recommender_org_id, function, level, status, awarded_on, valid_until,
           revoked_on, reason, renewal, year, received_on, sum(n), sum(returned)
    FROM change
    GROUP BY kind, round_id, region_code, recommender_org_id, function, level, status, awarded_on, valid_until,
             revoked_on, reason, renewal, year, received_on
    HAVING sum(n) <> 0 OR sum(returned) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
    ON CONFLICT ON CONSTRAINT statistics_counts_key
    DO UPDATE SET n = c.n + excluded.n, returned = c.returned + excluded.returned;
END
$$;

-- The triggers: the platforms a statement changed something counted of. An update that
-- changes nothing counted (a report's text, a platform's address) refreshes nothing.
CREATE FUNCTION statistics_on_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_refresh(ARRAY(SELECT DISTINCT platform_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_refresh(ARRAY(SELECT DISTINCT platform_id FROM old_rows));
    ELSE
        PERFORM statistics_refresh(ARRAY(
            SELECT DISTINCT unnest(ARRAY[o.platform_id, n.platform_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.platform_id, o.round_id, o.recommender_org_id, o.status, o.returned_count)
                  IS DISTINCT FROM (n.platform_id, n.round_id, n.recommender_org_id, n.status, n.returned_count)));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION statistics_on_awards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_refresh(ARRAY(SELECT DISTINCT platform_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_refresh(ARRAY(SELECT DISTINCT platform_id FROM old_rows));
    ELSE
        PERFORM statistics_refresh(ARRAY(
            SELECT DISTINCT unnest(ARRAY[o.platform_id, n.platform_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.platform_id, o.round_id, o.level, o.status, o.awarded_on, o.valid_from, o.valid_until,
                   o.revoked_on, o.revocation_reason)
                  IS DISTINCT FROM (n.platform_id, n.round_id, n.level, n.status, n.awarded_on, n.valid_from,
                                    n.valid_until, n.revoked_on, n.revocation_reason)));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION statistics_on_annual_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_refresh(ARRAY(SELECT DISTINCT w.platform_id FROM new_rows s JOIN awards w ON w.id = s.award_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_refresh(ARRAY(SELECT DISTINCT w.platform_id FROM old_rows s JOIN awards w ON w.id = s.award_id));
    ELSE
        PERFORM statistics_refresh(ARRAY(
            SELECT DISTINCT w.platform_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN awards w ON w.id IN (o.award_id, n.award_id)
            WHERE (o.award_id, o.year, o.received_on) IS DISTINCT FROM (n.award_id, n.year, n.received_on)));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION statistics_on_platforms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM statistics_refresh(ARRAY(
        SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.region_code, o.functions) IS DISTINCT FROM (n.region_code, n.functions)));
    RETURN NULL;
END
$$;

CREATE TRIGGER statistics_applications_inserted AFTER INSERT ON applications REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_applications();
CREATE TRIGGER statistics_applications_updated AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_applications();
CREATE TRIGGER statistics_applications_deleted AFTER DELETE ON applications REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_applications();
CREATE TRIGGER statistics_awards_inserted AFTER INSERT ON awards REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_awards();
CREATE TRIGGER statistics_awards_updated AFTER UPDATE ON awards
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_awards();
CREATE TRIGGER statistics_awards_deleted AFTER DELETE ON awards REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_awards();
CREATE TRIGGER statistics_annual_summaries_inserted AFTER INSERT ON annual_summaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_annual_summaries();
CREATE TRIGGER statistics_annual_summaries_updated AFTER UPDATE ON annual_summaries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_annual_summaries();
CREATE TRIGGER statistics_annual_summaries_deleted AFTER DELETE ON annual_summaries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_annual_summaries();
CREATE TRIGGER statistics_platforms_updated AFTER UPDATE ON platforms
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_on_platforms();

-- The counters of what is there already.
INSERT INTO statistics_by_platform SELECT * FROM statistics_of_platforms(ARRAY(SELECT id FROM platforms));
INSERT INTO statistics_counts
SELECT kind, round_id, region_code, recommender_org_id, function, level, status, awarded_on, valid_until, revoked_on,
       reason, renewal, year, received_on, sum(n), sum(returned)
FROM statistics_by_platform
GROUP BY kind, round_id, region_code, recommender_org_id, function, level, status, awarded_on, valid_until,
         revoked_on, reason, renewal, year, received_on;

-- Timeliness of what arrives (Art. 22, 24) in SQL, for the lists' filter `timeliness`: the twin
-- of sf_due_annual_summary, sf_due_city_report and sf_timeliness_of (domain/supervision.c), held
-- equal to them by a test of the persistence suite (timeliness_twins).
CREATE FUNCTION annual_summary_due(y integer) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT make_date(y + 1, 1, 31)
$$;
CREATE FUNCTION city_report_due(y integer) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT make_date(y + 1, 3, 1) - 1
$$;
CREATE FUNCTION timeliness(due date, arrived_on date, today date) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN arrived_on IS NOT NULL THEN CASE WHEN arrived_on <= due THEN 'on_time' ELSE 'late' END
                WHEN today > due THEN 'missing'
                ELSE 'not_due' END
$$;
