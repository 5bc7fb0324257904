/*
 * Statistics (see statistics.h): one statement for the sections counted in SQL, one for the
 * annual-summary groups whose timeliness C decides.
 */
#include "persistence/statistics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* $1 role, $2 the caller's region, $3 year, $4 round, $5 level, $6 region, $7 at.
 * `r` is the round, `p` the platform. A city counts its own region only. */
#define IN_REGION "($6::text IS NULL OR p.region_code = $6) AND ($1::text <> 'city' OR p.region_code = $2)"
#define IN_ROUND "($4::bigint IS NULL OR r.id = $4) AND ($5::text IS NULL OR r.level = $5) AND " IN_REGION
#define IN_ROUND_OF_YEAR "($3::int IS NULL OR r.year = $3) AND " IN_ROUND
/* The same for a section that needs no column of the platform: the platform is looked up only
 * when a region is asked for (planned with the values, the test folds away otherwise). */
#define OF_PLATFORM_IN(pid, region) \
    "EXISTS (SELECT 1 FROM platforms p WHERE p.id = " pid " AND p.region_code = " region ")"
#define IN_REGION_OF(pid) \
    "($6::text IS NULL OR " OF_PLATFORM_IN(pid, "$6") ") AND ($1::text <> 'city' OR " OF_PLATFORM_IN(pid, "$2") ")"
#define IN_ROUND_OF(pid) "($4::bigint IS NULL OR r.id = $4) AND ($5::text IS NULL OR r.level = $5) AND " IN_REGION_OF(pid)
#define IN_ROUND_OF_YEAR_OF(pid) "($3::int IS NULL OR r.year = $3) AND " IN_ROUND_OF(pid)
#define AT "coalesce($7::date, current_date)"
#define COUNTED_AS_RECOMMENDED "('recommended', 'approved', 'publicized', 'awarded', 'rejected')"

static const sf_stmt SECTIONS = {
    "SELECT"
    /* titles by city × function × level × status at a date */
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('region_code', t.region_code, 'function', t.f, 'level', t.level,"
    "         'status', t.st, 'count', t.n) ORDER BY t.region_code, t.f, t.level, t.st), '[]')::text"
    "  FROM (SELECT p.region_code, f, w.level, award_status_at(w, " AT ") AS st, count(*) AS n"
    "        FROM awards w JOIN platforms p ON p.id = w.platform_id JOIN rounds r ON r.id = w.round_id"
    "        CROSS JOIN unnest(p.functions) AS f"
    "        WHERE w.awarded_on <= " AT " AND " IN_ROUND_OF_YEAR " GROUP BY 1, 2, 3, 4) t),"
    /* applications per round and recommender, by status, and their returns */
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('round_id', t.round_id, 'recommender_org_id', t.rec,"
    "         'draft', t.draft, 'recommended', t.recommended, 'approved', t.approved, 'publicized', t.publicized,"
    "         'awarded', t.awarded, 'rejected', t.rejected, 'withdrawn', t.withdrawn, 'returned', t.returned,"
    "         'total', t.total) ORDER BY t.round_id, t.rec), '[]')::text"
    "  FROM (SELECT a.round_id, a.recommender_org_id AS rec,"
    "        count(*) FILTER (WHERE a.status = 'draft') AS draft,"
    "        count(*) FILTER (WHERE a.status = 'recommended') AS recommended,"
    "        count(*) FILTER (WHERE a.status = 'approved') AS approved,"
    "        count(*) FILTER (WHERE a.status = 'publicized') AS publicized,"
    "        count(*) FILTER (WHERE a.status = 'awarded') AS awarded,"
    "        count(*) FILTER (WHERE a.status = 'rejected') AS rejected,"
    "        count(*) FILTER (WHERE a.status = 'withdrawn') AS withdrawn,"
    "        sum(a.returned_count) AS returned, count(*) AS total"
    "        FROM applications a JOIN rounds r ON r.id = a.round_id"
    "        WHERE " IN_ROUND_OF_YEAR_OF("a.platform_id") " GROUP BY 1, 2) t),"
    /* revocations by ground and year of revocation */
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('reason', t.reason, 'year', t.y, 'count', t.n)"
    "         ORDER BY t.y, t.reason), '[]')::text"
    "  FROM (SELECT w.revocation_reason AS reason, extract(year FROM w.revoked_on)::int AS y, count(*) AS n"
    "        FROM awards w JOIN rounds r ON r.id = w.round_id"
    "        WHERE w.status = 'revoked' AND ($3::int IS NULL OR extract(year FROM w.revoked_on) = $3)"
    "          AND " IN_ROUND_OF("w.platform_id") " GROUP BY 1, 2) t),"
    /* renewals (Art. 23): titles whose platform held an earlier title of the same level */
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('round_id', t.round_id, 'titles', t.titles,"
    "         'renewals', t.renewals) ORDER BY t.round_id), '[]')::text"
    "  FROM (SELECT w.round_id, count(*) AS titles,"
    "        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM awards e WHERE e.platform_id = w.platform_id"
    "                         AND e.level = w.level AND (e.awarded_on, e.id) < (w.awarded_on, w.id))) AS renewals"
    "        FROM awards w JOIN rounds r ON r.id = w.round_id"
    "        WHERE " IN_ROUND_OF_YEAR_OF("w.platform_id") " GROUP BY 1) t),"
    /* relaxation (Art. 12, last paragraph): applications recommended from a relaxed region */
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('round_id', t.round_id, 'region_code', t.region_code,"
    "         'recommended', t.n) ORDER BY t.round_id, t.region_code), '[]')::text"
    "  FROM (SELECT a.round_id, p.region_code, count(*) AS n"
    "        FROM rounds r JOIN applications a ON a.round_id = r.id JOIN platforms p ON p.id = a.platform_id"
    "        WHERE cardinality(r.relaxed_regions) > 0 AND p.region_code = ANY (r.relaxed_regions)"
    "          AND a.status IN " COUNTED_AS_RECOMMENDED " AND " IN_ROUND_OF_YEAR " GROUP BY 1, 2) t),"
    " " AT "::text",
    7, SF_PLAN_EACH_CALL};

/* The titles that owe a summary of year y (as the compliance view, persistence/supervision.c:
 * province-level, in force at some time in y, not revoked before y ended), up to this year,
 * grouped by city, year and the date the summary arrived. */
static const sf_stmt SUMMARY_GROUPS = {
    "SELECT p.region_code, y, s.received_on IS NOT NULL, coalesce(s.received_on - date '1970-01-01', 0), count(*),"
    "       current_date - date '1970-01-01'"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id JOIN rounds r ON r.id = w.round_id"
    " CROSS JOIN generate_series(extract(year FROM w.valid_from)::int,"
    "                            least(extract(year FROM w.valid_until), extract(year FROM current_date))::int) AS y"
    " LEFT JOIN annual_summaries s ON s.award_id = w.id AND s.year = y"
    " WHERE w.level = 'province' AND (w.revoked_on IS NULL OR w.revoked_on > make_date(y, 12, 31))"
    "   AND ($3::int IS NULL OR y = $3) AND " IN_ROUND " AND ($7::date IS NULL OR true)"   /* at: not a filter of summaries */
    " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4",
    7, SF_PLAN_EACH_CALL};

void sf_statistics_sections_free(sf_statistics_sections *s)
{
    free(s->titles);
    free(s->applications);
    free(s->revocations);
    free(s->renewals);
    free(s->relaxation);
    memset(s, 0, sizeof *s);
}

/* Each read is a few aggregates over whole tables, costed high enough that PostgreSQL would
 * compile it with JIT first: on the benchmark's data that took longer than the query (about
 * 130 ms of 1.2 s on a loaded machine). Off for this transaction only. */
static const sf_stmt NO_JIT = {"SET LOCAL jit = off", 0, SF_PLAN_EACH_CALL};

typedef struct {
    const char *const *params;
    PGresult *sections, *groups;
} read_args;

static sf_status read_body(sf_conn *conn, void *p)
{
    read_args *a = p;
    PQclear(a->sections);
    PQclear(a->groups);
    a->sections = a->groups = NULL;
    sf_status status = sf_db_exec(conn, &NO_JIT, NULL, NULL, NULL);
    if (status == SF_OK)
        status = sf_db_exec(conn, &SECTIONS, a->params, &a->sections, NULL);
    if (status == SF_OK)
        status = sf_db_exec(conn, &SUMMARY_GROUPS, a->params, &a->groups, NULL);
    return status;
}

sf_status sf_statistics_read(sf_pool *pool, const sf_caller *caller, const sf_statistics_filter *f,
                             sf_statistics_sections *out,
                             void (*group)(const sf_summary_group *g, void *ctx), void *ctx)
{
    memset(out, 0, sizeof *out);
    sf_int_text year = sf_int_to_text(f->year), round = sf_int_to_text(f->round_id);
    const char *params[] = {sf_role_name(caller->role), caller->region_code, f->year ? year.s : NULL,
                            f->round_id ? round.s : NULL, f->level, f->region, f->at};
    read_args a = {params, NULL, NULL};
    sf_status status = sf_tx_run(pool, read_body, &a);
    if (status == SF_OK) {
        char **slots[] = {&out->titles, &out->applications, &out->revocations, &out->renewals, &out->relaxation};
        snprintf(out->at, sizeof out->at, "%s", PQgetvalue(a.sections, 0, 5));
        for (int i = 0; i < 5; i++) {
            *slots[i] = strdup(PQgetvalue(a.sections, 0, i));
            if (*slots[i] == NULL)
                status = SF_INTERNAL;
        }
    }
    if (status != SF_OK) {
        sf_statistics_sections_free(out);
        PQclear(a.sections);
        PQclear(a.groups);
        return status;
    }
    for (int i = 0; i < PQntuples(a.groups); i++) {
        sf_summary_group g;
        snprintf(g.region_code, sizeof g.region_code, "%s", PQgetvalue(a.groups, i, 0));
        g.year = (int)sf_db_get_int(a.groups, i, 1);
        g.arrived = sf_db_get_bool(a.groups, i, 2);
        g.received_on = (sf_day)sf_db_get_int(a.groups, i, 3);
        g.count = sf_db_get_int(a.groups, i, 4);
        g.today = (sf_day)sf_db_get_int(a.groups, i, 5);
        group(&g, ctx);
    }
    PQclear(a.sections);
    PQclear(a.groups);
    return SF_OK;
}
