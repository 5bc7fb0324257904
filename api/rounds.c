/*
 * /v1/rounds: the yearly call for applications (Art. 20) — the province's own, and each
 * city's city-level round (Art. 26) — with the rule set it is run under.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/measures_json.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/calendar.h"
#include "domain/regions.h"
#include "persistence/rounds.h"

/* relaxed_regions: city codes, as a PostgreSQL array literal (codes are digits only). */
static void read_regions(json_t *list, char *out, size_t len, sf_errors *e)
{
    snprintf(out, len, "{");
    if (list == NULL || json_is_null(list)) {
        strncat(out, "}", len - strlen(out) - 1);
        return;
    }
    if (!json_is_array(list) || json_array_size(list) > 14) {
        sf_errors_add(e, "relaxed_regions", "must be an array of city codes");
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *code = json_string_value(v);
        if (sf_region_city(code) == NULL) {
            sf_errors_add(e, "relaxed_regions", "item %zu is not one of Liaoning's 14 city codes", i);
            continue;
        }
        if (i > 0)
            strncat(out, ",", len - strlen(out) - 1);
        strncat(out, code, len - strlen(out) - 1);
    }
    strncat(out, "}", len - strlen(out) - 1);
}

void sf_post_round(sf_ctx *ctx)
{
    static const char *const fields[] = {"year", "level", "title", "opens_on", "closes_on", "relaxed_regions",
                                         "relaxation_factor", "quota_per_recommender", "thresholds", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t year = 0, quota = 0;
    sf_json_int(body, "year", 1, 2018, 9999, &year, &e);
    const char *level = sf_json_string(body, "level", 1, &e);
    const char *title = sf_json_string(body, "title", 1, &e);
    const char *opens = sf_json_string(body, "opens_on", 1, &e);
    const char *closes = sf_json_string(body, "closes_on", 1, &e);
    sf_json_int(body, "quota_per_recommender", 0, 1, 10000, &quota, &e);
    sf_day opens_on = 0, closes_on = 0;
    if (opens && !sf_date_parse(opens, &opens_on))
        sf_errors_add(&e, "opens_on", "must be a date YYYY-MM-DD");
    if (closes && !sf_date_parse(closes, &closes_on))
        sf_errors_add(&e, "closes_on", "must be a date YYYY-MM-DD");
    if (opens_on && closes_on && closes_on < opens_on)
        sf_errors_add(&e, "closes_on", "must not be before opens_on");
    if (opens_on && year) {
        int y, m, d;
        sf_day_to_ymd(opens_on, &y, &m, &d);
        if (y != year)
            sf_errors_add(&e, "opens_on", "must fall in the round's year %lld", (long long)year);
    }
    long tl = title ? sf_utf8_length(title) : 1;
    if (tl < 1 || tl > 200)
        sf_errors_add(&e, "title", "must be 1-200 characters");
    char regions[14 * 8 + 4];
    read_regions(json_object_get(body, "relaxed_regions"), regions, sizeof regions, &e);
    char factor[16] = "1.000";
    json_t *f = json_object_get(body, "relaxation_factor");
    if (f != NULL && !json_is_null(f)) {
        double v = json_number_value(f);
        double permille = v * 1000;
        if (!json_is_number(f) || !(v > 0 && v <= 1) || fabs(permille - round(permille)) > 1e-6)
            sf_errors_add(&e, "relaxation_factor", "must be a number in (0, 1] with at most 3 decimals");
        else
            snprintf(factor, sizeof factor, "%.3f", round(permille) / 1000);
    }
    sf_thresholds t;
    sf_thresholds_read(json_object_get(body, "thresholds"), &t, &e);
    sf_thresholds_validate(&t, &e);

    const char *region = NULL;
    if (level != NULL && strcmp(level, "province") == 0) {
        if (ctx->caller.role != SF_ROLE_PROVINCE) {
            sf_reply_problem(ctx, 403, "only the province opens province-level rounds (Art. 20)");
            goto out;
        }
        region = SF_PROVINCE_CODE;
    } else if (level != NULL && strcmp(level, "city") == 0) {
        if (ctx->caller.role != SF_ROLE_CITY) {
            sf_reply_problem(ctx, 403, "only a city opens city-level rounds, for itself (Art. 26)");
            goto out;
        }
        region = ctx->caller.region_code;
    } else if (level != NULL) {
        sf_errors_add(&e, "level", "must be province or city");
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, "the round is not valid", &e);
        goto out;
    }
    json_t *tj = sf_thresholds_json(&t);
    char *thresholds = sf_json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    sf_new_round round = {level, region, (int)year, title, opens, closes, regions, factor, (int)quota, thresholds};
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = thresholds ? sf_round_create(ctx->app->pool, &actor, &round, &doc, &e) : SF_INTERNAL;
    free(thresholds);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? "the round exists already" : NULL, &e);
        goto out;
    }
    sf_reply_doc(ctx, 201, doc);
out:
    json_decref(body);
}

void sf_list_rounds(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    int64_t year = sf_query_int(ctx, "year", 2018, 9999, &e);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_round_list(ctx->app->pool, &ctx->caller, (int)year, page.after_id, page.limit, page.desc, &items, &next);
    sf_reply_page(ctx, status, items, next);
}

void sf_get_round(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_round_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such round" : NULL, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

/* GET /v1/rounds/{id}/summary.csv: the recommender's summary sheet (汇总表) for Excel. */
void sf_get_round_summary(sf_ctx *ctx)
{
    static const char *const header[] = {
        "recommender", "application_id", "platform", "operator", "credit_code", "region", "status",
        "established_on", "total_assets_cny", "smes_served_last_year", "smes_served_prev_year", "satisfaction_pct",
        "service_staff", "qualified_staff", "functions", "operation_score", "performance_score", "satisfaction_score"};
    int64_t id = sf_path_id(ctx, "id");
    char *rows = NULL;
    sf_status status = id > 0 ? sf_round_summary(ctx->app->pool, &ctx->caller, id, &rows) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such round" : NULL, NULL);
        return;
    }
    sf_reply_csv(ctx, header, sizeof header / sizeof *header, rows, "summary.csv");
}
