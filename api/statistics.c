/*
 * GET /v1/statistics and /v1/statistics.csv (issue 17, point 4): the province's numbers for its
 * portal's charts and its report to the ministry. The counts come from SQL
 * (persistence/statistics.c); only the timeliness of annual summaries is decided here, by
 * domain/supervision.c, the one owner of that rule. The CSV is the same document as one long
 * table, written from it at once, so the two can never disagree. Both are kept in memory
 * while the statistics' version stays the same (api/statistics_cache.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/statistics_cache.h"
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

/* The whole document counted afresh (its version and date in `s`), or NULL after answering
 * the problem. */
static json_t *count_doc(sf_ctx *ctx, const sf_statistics_filter *f, sf_statistics_sections *s)
{
    summary_build b = {json_array(), NULL};
    ctx->trim_after = 1;   /* thousands of counter rows and their JSON for a small answer */
    sf_status status = sf_statistics_read(ctx->app->pool, &ctx->caller, f, s, add_group, &b);
    if (status != SF_OK) {
        json_decref(b.rows);
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return NULL;
    }
    /* a city counts its own region only, whatever it asks for (an empty answer elsewhere) */
    json_t *doc = json_pack("{s:{s:o, s:o, s:o, s:o, s:s}, s:o, s:o, s:o, s:o, s:o, s:o}", "filters", "year",
                            f->year ? json_integer(f->year) : json_null(), "round_id",
                            f->round_id ? json_integer(f->round_id) : json_null(), "level",
                            f->level ? json_string(f->level) : json_null(), "region_code",
                            f->region ? json_string(f->region) : json_null(), "at", s->at,
                            "titles", sf_json_loads(s->titles), "applications", sf_json_loads(s->applications),
                            "revocations", sf_json_loads(s->revocations), "renewals", sf_json_loads(s->renewals),
                            "relaxation", sf_json_loads(s->relaxation), "annual_summaries", b.rows);
    if (doc == NULL)
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
    return doc;
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
static void add_csv_rows(sf_buf *out, const char *section, json_t *item)
{
    const json_t *dims[NCOLS] = {0};
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v) {
        int c = dimension_column(key);
        if (c > 0)
            dims[c] = v;
    }
    json_object_foreach(item, key, v) {
        if (!json_is_integer(v) || dimension_column(key) > 0)
            continue;
        sf_csv_field(out, section);
        for (int c = 1; c < NCOLS; c++) {
            sf_buf_add(out, ",", 1);
            if (c == COL_COUNT)
                sf_csv_value(out, v);
            else if (c == COL_STATUS && strcmp(key, "count") != 0)
                sf_csv_field(out, key);
            else
                sf_csv_value(out, dims[c]);
        }
        sf_buf_add(out, "\r\n", 2);
    }
}

/* The CSV file of the document (UTF-8 with a BOM, CRLF): the same numbers as one long table. */
static int csv_of(const json_t *doc, sf_buf *out)
{
    sf_csv_start(out, CSV_HEADER, NCOLS);
    for (size_t k = 0; k < sizeof SECTIONS / sizeof *SECTIONS; k++) {
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc, SECTIONS[k]), i, item)
            add_csv_rows(out, SECTIONS[k], item);
    }
    return out->failed ? -1 : 0;
}

/* What a document depends on besides the counters (sql/040): the caller's scope (a city its
 * region, everyone else everything), the filters, the date titles are counted at (resolved:
 * today when not given) and the database's date (annual summaries). */
static void doc_key(const sf_ctx *ctx, const sf_statistics_filter *f, sf_day today, char *key, size_t size)
{
    sf_day at = today;
    if (f->at != NULL)
        sf_date_parse(f->at, &at);
    snprintf(key, size, "%s|%d|%lld|%s|%s|%ld|%ld", ctx->caller.role == SF_ROLE_CITY ? ctx->caller.region_code : "*",
             f->year, (long long)f->round_id, f->level ? f->level : "", f->region ? f->region : "", (long)at,
             (long)today);
}

/* Both bodies of the document, with their ETags, counted at s->version. NULL when memory ran out. */
static sf_statistics_doc *finish(const sf_ctx *ctx, const sf_statistics_filter *f, const sf_statistics_sections *s,
                                 json_t *doc)
{
    char json_etag[40], csv_etag[40], key[256];
    char *json = sf_canonical_tagged(doc, json_etag);
    sf_buf csv = {0};
    sf_statistics_doc *d = NULL;
    if (json != NULL && csv_of(doc, &csv) == 0) {
        sf_etag_of_bytes(csv.data, csv.len, csv_etag);
        doc_key(ctx, f, s->today, key, sizeof key);
        d = sf_statistics_doc_new(key, s->version, json, strlen(json), json_etag, csv.data, csv.len, csv_etag);
    }
    free(json);
    free(csv.data);
    return d;
}

/* The document counted afresh, or NULL after answering the problem. */
static sf_statistics_doc *count(sf_ctx *ctx, const sf_statistics_filter *f)
{
    sf_statistics_sections s;
    json_t *doc = count_doc(ctx, f, &s);
    sf_statistics_doc *d = doc != NULL ? finish(ctx, f, &s, doc) : NULL;
    json_decref(doc);
    sf_statistics_sections_free(&s);   /* left empty by a read that failed */
    if (doc != NULL && d == NULL)
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
    return d;
}

/* How long a request waits for another's count of the same document before counting itself. */
#define CLAIM_WAIT_MS 5000

/* The document of the request: kept (api/statistics_cache.h) if it was counted at the
 * statistics' version of now, else counted afresh and kept; NULL after answering the problem. */
static sf_statistics_doc *statistics_doc(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_statistics_filter f;
    read_filter(ctx, &f, &e);
    if (sf_reply_query_errors(ctx, &e))
        return NULL;
    sf_statistics_cache *cache = ctx->app->statistics_cache;
    char key[256];
    int claim = SF_STATISTICS_UNCLAIMED;
    /* the kept document if it was counted at the version of now; when another request is
     * counting it, that count once it is kept (the version read anew), else a count of our own */
    for (int look = 0; cache != NULL && look < 2 && claim != SF_STATISTICS_CLAIMED; look++) {
        int64_t version;
        sf_day today;
        sf_status status = sf_statistics_version(ctx->app->pool, &version, &today);
        if (status != SF_OK) {
            sf_reply_status(ctx, status, SF_E_NONE, NULL);
            return NULL;
        }
        doc_key(ctx, &f, today, key, sizeof key);
        sf_statistics_doc *kept = sf_statistics_cache_get(cache, key, version);
        if (kept != NULL)
            return kept;
        claim = look == 0 ? sf_statistics_cache_claim(cache, key, CLAIM_WAIT_MS) : SF_STATISTICS_UNCLAIMED;
        if (claim != SF_STATISTICS_WAITED)
            break;
    }
    sf_statistics_doc *d = count(ctx, &f);
    sf_statistics_cache_keep(cache, d);
    if (claim == SF_STATISTICS_CLAIMED)
        sf_statistics_cache_done(cache, key);
    return d;
}

void sf_get_statistics(sf_ctx *ctx)
{
    sf_statistics_doc *d = statistics_doc(ctx);
    if (d != NULL)
        sf_reply_tagged(ctx, 200, d->json, d->json_len, d->json_etag);
    sf_statistics_doc_release(d);
}

void sf_get_statistics_csv(sf_ctx *ctx)
{
    sf_statistics_doc *d = statistics_doc(ctx);
    if (d != NULL)
        sf_reply_csv_tagged(ctx, d->csv, d->csv_len, d->csv_etag, "statistics.csv");
    sf_statistics_doc_release(d);
}
