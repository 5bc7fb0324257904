/*
 * GET /v1/statistics and /v1/statistics.csv (issue 17, point 4): the province's numbers for its
 * portal's charts and its report to the ministry. The counts come from SQL
 * (persistence/statistics.c); only the timeliness of annual summaries is decided here, by
 * domain/supervision.c, the one owner of that rule. The CSV is the same document as one long
 * table, so the two can never disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/regions.h"
#include "domain/supervision.h"
#include "persistence/statistics.h"

static const char *const PARAMS[] = {"year", "round_id", "level", "region_code", "at", NULL};

/* Reads the filters; field errors for bad values and for any other parameter. */
static void read_filter(const sf_ctx *ctx, sf_statistics_filter *f, sf_errors *e)
{
    memset(f, 0, sizeof *f);
    sf_query_only(ctx, PARAMS, e);
    f->year = (int)sf_query_int(ctx, "year", 2006, 9999, e);
    f->round_id = sf_query_int(ctx, "round_id", 1, INT64_MAX / 2, e);
    f->level = sf_param(ctx, "level");
    if (f->level != NULL && strcmp(f->level, "province") && strcmp(f->level, "city"))
        sf_errors_add(e, "level", SF_E_LEVEL_INVALID);
    f->region = sf_param(ctx, "region_code");
    if (f->region != NULL && sf_region_city(f->region) == NULL)
        sf_errors_add(e, "region_code", SF_E_REGION_INVALID);
    f->at = sf_param(ctx, "at");
    sf_day d;
    if (f->at != NULL && !sf_date_parse(f->at, &d))
        sf_errors_add(e, "at", SF_E_NOT_DATE);
}

/* Annual summaries per city and year: each group's timeliness (sf_timeliness_of) added to its
 * city-year row; the groups arrive sorted by city and year. */
typedef struct {
    json_t *rows;
    json_t *current;
} summary_build;

static void add_group(const sf_summary_group *g, void *p)
{
    summary_build *b = p;
    sf_day due = sf_due_annual_summary(g->year);
    json_t *cur = b->current;
    if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "region_code")), g->region_code) != 0 ||
        json_integer_value(json_object_get(cur, "year")) != g->year) {
        char d[11];
        sf_date_format(due, d);
        cur = json_pack("{s:s, s:i, s:s, s:i, s:i, s:i, s:i}", "region_code", g->region_code, "year", g->year, "due_on",
                        d, "on_time", 0, "late", 0, "missing", 0, "not_due", 0);
        json_array_append_new(b->rows, cur);
        b->current = cur;
    }
    const char *name = sf_timeliness_name(sf_timeliness_of(due, g->arrived, g->received_on, g->today));
    json_t *n = json_object_get(cur, name);
    json_integer_set(n, json_integer_value(n) + g->count);
}

/* The whole document, or NULL after answering the problem. */
static json_t *statistics_doc(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_statistics_filter f;
    read_filter(ctx, &f, &e);
    if (sf_reply_query_errors(ctx, &e))
        return NULL;
    sf_statistics_sections s;
    summary_build b = {json_array(), NULL};
    ctx->trim_after = 1;   /* thousands of counter rows and their JSON for a small answer */
    sf_status status = sf_statistics_read(ctx->app->pool, &ctx->caller, &f, &s, add_group, &b);
    if (status != SF_OK) {
        json_decref(b.rows);
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return NULL;
    }
    /* a city counts its own region only, whatever it asks for (an empty answer elsewhere) */
    json_t *doc = json_pack("{s:{s:o, s:o, s:o, s:o, s:s}, s:o, s:o, s:o, s:o, s:o, s:o}", "filters", "year",
                            f.year ? json_integer(f.year) : json_null(), "round_id",
                            f.round_id ? json_integer(f.round_id) : json_null(), "level",
                            f.level ? json_string(f.level) : json_null(), "region_code",
                            f.region ? json_string(f.region) : json_null(), "at", s.at,
                            "titles", sf_json_loads(s.titles), "applications", sf_json_loads(s.applications),
                            "revocations", sf_json_loads(s.revocations), "renewals", sf_json_loads(s.renewals),
                            "relaxation", sf_json_loads(s.relaxation), "annual_summaries", b.rows);
    sf_statistics_sections_free(&s);
    if (doc == NULL)
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
    return doc;
}

void sf_get_statistics(sf_ctx *ctx)
{
    json_t *doc = statistics_doc(ctx);
    if (doc != NULL)
        sf_reply_resource(ctx, 200, doc);
}

/* The CSV's columns: the section, its dimensions, what is counted (`status`: a status, a
 * timeliness or a measure such as "returned"), and the count. */
static const char *const CSV_HEADER[] = {"section", "round_id", "recommender_org_id", "region_code", "function",
                                         "level", "year", "status", "ground", "count"};
enum { COL_SECTION, COL_STATUS = 7, COL_GROUND = 8, COL_COUNT = 9, NCOLS = 10 };
static const char *const SECTIONS[] = {"titles", "applications", "revocations", "renewals", "relaxation",
                                       "annual_summaries"};

static int dimension_column(const char *key)
{
    if (strcmp(key, "reason") == 0)
        return COL_GROUND;
    for (int c = 1; c <= COL_STATUS; c++)
        if (strcmp(CSV_HEADER[c], key) == 0)
            return c;
    return -1;
}

/* One row per count of an item: an item's "count" with its own status, or each other
 * integer that is not a dimension (draft, returned, on_time…) with its name as the status. */
static void add_csv_rows(json_t *rows, const char *section, json_t *item)
{
    json_t *dims = json_array();
    for (int c = 0; c < NCOLS; c++)
        json_array_append_new(dims, json_null());
    json_array_set_new(dims, COL_SECTION, json_string(section));
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v) {
        int c = dimension_column(key);
        if (c > 0)
            json_array_set(dims, (size_t)c, v);
    }
    json_object_foreach(item, key, v) {
        if (!json_is_integer(v) || dimension_column(key) > 0)
            continue;
        json_t *row = json_deep_copy(dims);
        if (strcmp(key, "count") != 0)
            json_array_set_new(row, COL_STATUS, json_string(key));
        json_array_set(row, COL_COUNT, v);
        json_array_append_new(rows, row);
    }
    json_decref(dims);
}

void sf_get_statistics_csv(sf_ctx *ctx)
{
    json_t *doc = statistics_doc(ctx);
    if (doc == NULL)
        return;
    json_t *rows = json_array();
    for (size_t k = 0; k < sizeof SECTIONS / sizeof *SECTIONS; k++) {
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc, SECTIONS[k]), i, item)
            add_csv_rows(rows, SECTIONS[k], item);
    }
    json_decref(doc);
    char *text = sf_json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    sf_reply_csv(ctx, CSV_HEADER, NCOLS, text, "statistics.csv");
}
