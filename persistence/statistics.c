/*
 * Statistics (see statistics.h): one statement for the sections counted in SQL, one for the
 * annual-summary groups whose timeliness C decides; both read the counters sql/032 keeps, in
 * one snapshot with the versions of sql/040.
 */
#include "persistence/statistics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* $1 role, $2 the caller's region, $3 year, $4 round, $5 level, $6 region, $7 at.
 * Every section reads the counters of sql/032 (`c`, statistics_counts), never the tables they
 * count: a few thousand rows on the benchmark's data set. `r` is the round. A city counts its
 * own region only. Prepared once per connection: over so few rows the generic plan is as good
 * as any (and far below the cost at which PostgreSQL would compile it with JIT). */
#define IN_REGION "($6::text IS NULL OR c.region_code = $6) AND ($1::text <> 'city' OR c.region_code = $2)"
#define IN_ROUND "($4::bigint IS NULL OR r.id = $4) AND ($5::text IS NULL OR r.level = $5) AND " IN_REGION
#define IN_ROUND_OF_YEAR "($3::int IS NULL OR r.year = $3) AND " IN_ROUND
#define COUNTERS(kind) "statistics_counts c JOIN rounds r ON r.id = c.round_id WHERE c.kind = '" kind "' AND c.n <> 0"
#define AT "coalesce($7::date, current_date)"
#define VERSION "(SELECT sum(v.version) FROM statistics_versions v)::bigint"

static const sf_stmt SECTIONS = {
    "SELECT"
    /* titles by city × function × level × status at a date */
    " (SELECT coalesce(json_agg(json_build_object('region_code', t.region_code, 'function', t.f, 'level', t.level,"
    "         'status', t.st, 'count', t.n) ORDER BY t.region_code, t.f, t.level, t.st), '[]')::text"
    "  FROM (SELECT c.region_code, c.function AS f, c.level,"
    "               title_status_at(c.status, c.revoked_on, c.valid_until, " AT ") AS st, sum(c.n) AS n"
    "        FROM " COUNTERS("title") " AND c.awarded_on <= " AT " AND " IN_ROUND_OF_YEAR
    "        GROUP BY 1, 2, 3, 4 HAVING sum(c.n) > 0) t),"
    /* applications per round and recommender, by status, and their returns */
    " (SELECT coalesce(json_agg(json_build_object('round_id', t.round_id, 'recommender_org_id', t.rec,"
    "         'draft', t.draft, 'recommended', t.recommended, 'approved', t.approved, 'publicized', t.publicized,"
    "         'awarded', t.awarded, 'rejected', t.rejected, 'withdrawn', t.withdrawn, 'returned', t.returned,"
    "         'total', t.total) ORDER BY t.round_id, t.rec), '[]')::text"
    "  FROM (SELECT c.round_id, c.recommender_org_id AS rec,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'draft'), 0) AS draft,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'recommended'), 0) AS recommended,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'approved'), 0) AS approved,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'publicized'), 0) AS publicized,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'awarded'), 0) AS awarded,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'rejected'), 0) AS rejected,"
    "        coalesce(sum(c.n) FILTER (WHERE c.status = 'withdrawn'), 0) AS withdrawn,"
    "        sum(c.returned) AS returned, sum(c.n) AS total"
    "        FROM " COUNTERS("application") " AND " IN_ROUND_OF_YEAR " GROUP BY 1, 2 HAVING sum(c.n) > 0) t),"
    /* revocations by ground and year of revocation */
    " (SELECT coalesce(json_agg(json_build_object('reason', t.reason, 'year', t.y, 'count', t.n)"
    "         ORDER BY t.y, t.reason), '[]')::text"
    "  FROM (SELECT c.reason, extract(year FROM c.revoked_on)::int AS y, sum(c.n) AS n"
    "        FROM " COUNTERS("award") " AND c.status = 'revoked'"
    "          AND ($3::int IS NULL OR extract(year FROM c.revoked_on) = $3) AND " IN_ROUND
    "        GROUP BY 1, 2 HAVING sum(c.n) > 0) t),"
    /* renewals (Art. 23): titles whose platform held an earlier title of the same level */
    " (SELECT coalesce(json_agg(json_build_object('round_id', t.round_id, 'titles', t.titles,"
    "         'renewals', t.renewals) ORDER BY t.round_id), '[]')::text"
    "  FROM (SELECT c.round_id, sum(c.n) AS titles, coalesce(sum(c.n) FILTER (WHERE c.renewal), 0) AS renewals"
    "        FROM " COUNTERS("award") " AND " IN_ROUND_OF_YEAR " GROUP BY 1 HAVING sum(c.n) > 0) t),"
    /* relaxation (Art. 12, last paragraph): applications recommended from a relaxed region */
    " (SELECT coalesce(json_agg(json_build_object('round_id', t.round_id, 'region_code', t.region_code,"
    "         'recommended', t.n) ORDER BY t.round_id, t.region_code), '[]')::text"
    "  FROM (SELECT c.round_id, c.region_code, sum(c.n) AS n"
    "        FROM " COUNTERS("application") " AND cardinality(r.relaxed_regions) > 0"
    "          AND c.region_code = ANY (r.relaxed_regions) AND counts_as_recommended(c.status)"
    "          AND " IN_ROUND_OF_YEAR " GROUP BY 1, 2 HAVING sum(c.n) > 0) t),"
    " " AT "::text,"
    " " VERSION ", current_date - date '1970-01-01'",
    7};

/* The titles that owe a summary of year y (as the compliance view, persistence/supervision.c:
 * province-level, in force at some time in y, not revoked before y ended), up to this year,
 * grouped by city, year and the date the summary arrived. */
/* The sections, the groups and the version in one snapshot (sql/040 says why that matters). */
static const sf_stmt SNAPSHOT = {"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, SF_PLAN_EACH_CALL};

static const sf_stmt VERSION_NOW = {"SELECT " VERSION ", current_date - date '1970-01-01'", 0};

static const sf_stmt SUMMARY_GROUPS = {
    "SELECT c.region_code, c.year, c.received_on IS NOT NULL, coalesce(c.received_on - date '1970-01-01', 0),"
    "       sum(c.n), current_date - date '1970-01-01'"
    " FROM " COUNTERS("summary") " AND c.year <= extract(year FROM current_date)"
    "   AND ($3::int IS NULL OR c.year = $3) AND " IN_ROUND " AND ($7::date IS NULL OR true)"   /* at: not a filter of summaries */
    " GROUP BY 1, 2, 3, 4 HAVING sum(c.n) > 0 ORDER BY 1, 2, 4",
    7};

void sf_statistics_sections_free(sf_statistics_sections *s)
{
    free(s->titles);
    free(s->applications);
    free(s->revocations);
    free(s->renewals);
    free(s->relaxation);
    memset(s, 0, sizeof *s);
}

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
    sf_status status = sf_db_exec(conn, &SNAPSHOT, NULL, NULL, NULL);
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
        out->version = sf_db_get_int(a.sections, 0, 6);
        out->today = (sf_day)sf_db_get_int(a.sections, 0, 7);
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

sf_status sf_statistics_version(sf_pool *pool, int64_t *version, sf_day *today)
{
    PGresult *res;
    sf_status status = sf_db_read(pool, &VERSION_NOW, NULL, &res, NULL);
    if (status != SF_OK)
        return status;
    *version = sf_db_get_int(res, 0, 0);
    *today = (sf_day)sf_db_get_int(res, 0, 1);
    PQclear(res);
    return SF_OK;
}
