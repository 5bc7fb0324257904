/*
 * /v1/rounds: the yearly call for applications (Art. 20) — the province's own, and each
 * city's city-level round (Art. 26) — with the rule set it is run under. The handler parses
 * the request into sf_round_rules; domain/rounds.c decides who may open it and validates
 * every rule; persistence stores it with its audit event.
 */
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
#include "domain/rounds.h"
#include "domain/text.h"
#include "persistence/rounds.h"

/* relaxed_regions: strings, checked by the domain (city codes). */
static void read_regions(json_t *list, sf_round_rules *r, sf_errors *e)
{
    if (list == NULL || json_is_null(list))
        return;
    if (!json_is_array(list) || json_array_size(list) > 14) {
        sf_errors_add(e, "relaxed_regions", SF_E_NOT_CITY_CODES);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (!json_is_string(v))
            sf_errors_add(e, "relaxed_regions", SF_E_ITEM_NOT_CITY_CODE, SF_INT("index", i));
        else
            r->relaxed_regions[r->nrelaxed_regions++] = json_string_value(v);
    }
}

/* The request → the round's rules; shape errors into `e` (the domain checks the rules). */
static void read_round(json_t *body, sf_round_rules *r, sf_errors *e)
{
    static const char *const fields[] = {"year", "level", "title", "opens_on", "closes_on", "relaxed_regions",
                                         "relaxation_factor", "relaxed_thresholds", "quota_per_recommender",
                                         "thresholds", "require_prior_recognition", "validity_years",
                                         "validity_ends", "rectification_days", NULL};
    *r = sf_round_defaults();
    sf_json_only(body, fields, e);
    int64_t year = 0, quota = 0, validity_years = r->validity.years, rectification_days = r->rectification_days;
    sf_json_int(body, "year", 1, SF_ROUND_MIN_YEAR, SF_ROUND_MAX_YEAR, &year, e);
    r->year = (int)year;
    r->level = sf_json_string(body, "level", 1, e);
    const char *opens = sf_json_string(body, "opens_on", 1, e);
    const char *closes = sf_json_string(body, "closes_on", 1, e);
    if (opens && !sf_date_parse(opens, &r->opens_on))
        sf_errors_add(e, "opens_on", SF_E_NOT_DATE);
    if (closes && !sf_date_parse(closes, &r->closes_on))
        sf_errors_add(e, "closes_on", SF_E_NOT_DATE);
    sf_json_int(body, "quota_per_recommender", 0, 1, SF_ROUND_MAX_QUOTA, &quota, e);
    r->quota = (int)quota;
    read_regions(json_object_get(body, "relaxed_regions"), r, e);
    json_t *f = json_object_get(body, "relaxation_factor");
    if (f != NULL && !json_is_null(f)) {
        if (!json_is_number(f))
            sf_errors_add(e, "relaxation_factor", SF_E_RELAXATION_FACTOR_INVALID);
        else
            r->relaxation_factor = json_number_value(f);
    }
    sf_thresholds_read(json_object_get(body, "thresholds"), &r->thresholds, e);
    sf_relaxed_thresholds_read(json_object_get(body, "relaxed_thresholds"), &r->relaxed, &r->relaxed_mask, e);
    json_t *prior = json_object_get(body, "require_prior_recognition");
    if (prior != NULL && !json_is_null(prior)) {
        if (!json_is_boolean(prior))
            sf_errors_add(e, "require_prior_recognition", SF_E_NOT_BOOLEAN);
        else
            r->require_prior_recognition = json_is_true(prior);
    }
    sf_json_int(body, "validity_years", 0, SF_VALIDITY_MIN_YEARS, SF_VALIDITY_MAX_YEARS, &validity_years, e);
    r->validity.years = (int)validity_years;
    sf_json_int(body, "rectification_days", 0, 1, 365, &rectification_days, e);
    r->rectification_days = (int)rectification_days;
    json_t *ends = json_object_get(body, "validity_ends");
    if (ends != NULL && !json_is_null(ends) && !sf_validity_ends_parse(json_string_value(ends), &r->validity.ends))
        sf_errors_add(e, "validity_ends", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "year_end, anniversary"));
}

/* relaxed_regions as a PostgreSQL array literal (codes are digits only: checked). */
static void regions_literal(const sf_round_rules *r, char *out, size_t len)
{
    snprintf(out, len, "{");
    for (size_t i = 0; i < r->nrelaxed_regions; i++) {
        if (i > 0)
            strncat(out, ",", len - strlen(out) - 1);
        strncat(out, r->relaxed_regions[i], len - strlen(out) - 1);
    }
    strncat(out, "}", len - strlen(out) - 1);
}

void sf_post_round(sf_ctx *ctx)
{
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_round_rules r;
    read_round(body, &r, &e);
    const char *title = sf_json_string(body, "title", 1, &e);
    long tl = title ? sf_utf8_length(title) : 1;
    if (tl < 1 || tl > 200)
        sf_errors_add(&e, "title", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 200));
    else
        sf_text_check_name("title", title, &e);
    const char *region = NULL;
    sf_status status = sf_round_validate(&r, &ctx->caller, &region, &e);
    if (status == SF_FORBIDDEN) {
        sf_reply_problem(ctx, 403, e.code);
        goto out;
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    char regions[14 * 8 + 4], factor[16], opens[11], closes[11];
    regions_literal(&r, regions, sizeof regions);
    snprintf(factor, sizeof factor, "%.3f", sf_round_factor_permille(r.relaxation_factor) / 1000.0);
    sf_date_format(r.opens_on, opens);
    sf_date_format(r.closes_on, closes);
    json_t *tj = sf_thresholds_json(&r.thresholds);
    json_t *rj = sf_thresholds_json_masked(&r.relaxed, r.relaxed_mask);
    char *thresholds = sf_json_dumps(tj, JSON_COMPACT);
    char *relaxed = sf_json_dumps(rj, JSON_COMPACT);
    json_decref(tj);
    json_decref(rj);
    sf_new_round round = {r.level, region, r.year, title, opens, closes, regions, factor, r.quota, thresholds,
                          relaxed, r.require_prior_recognition, r.validity.years,
                          sf_validity_ends_name(r.validity.ends), r.rectification_days};
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    status = thresholds && relaxed ? sf_round_create(ctx->app->pool, &actor, &round, &doc, &e) : SF_INTERNAL;
    free(thresholds);
    free(relaxed);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? SF_E_ROUND_EXISTS_ALREADY : SF_E_NONE, &e);
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
    sf_status status = sf_round_list(ctx->app->pool, &ctx->caller, (int)year, page.after_id, page.limit, page.desc, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

void sf_get_round(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_round_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_ROUND_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

/* GET /v1/rounds/{id}/summary.csv: the recommender's summary sheet (汇总表) for Excel. */
void sf_get_round_summary(sf_ctx *ctx)
{
    static const char *const keys[] = {
        "recommender", "application_id", "platform", "operator", "credit_code", "region", "status",
        "established_on", "total_assets_cny", "smes_served_last_year", "smes_served_prev_year", "satisfaction_pct",
        "service_staff", "qualified_staff", "functions", "operation_score", "performance_score", "satisfaction_score"};
    static const char *const labels[] = {
        "推荐单位", "申报编号", "平台名称", "运营单位", "统一社会信用代码", "所在地区", "申报状态",
        "成立日期", "资产总额（元）", "上年服务中小企业数", "前年服务中小企业数", "满意度（%）",
        "服务人员数", "大专以上或中级职称人数", "服务功能", "运营情况评分", "服务业绩评分", "满意度评分"};
    _Static_assert(sizeof keys == sizeof labels, "a label for every column");
    sf_errors e;
    sf_errors_init(&e);
    const char *const *header = sf_csv_header(ctx, keys, labels, &e);
    if (sf_reply_query_errors(ctx, &e))
        return;
    int64_t id = sf_path_id(ctx, "id");
    char *rows = NULL;
    sf_status status = id > 0 ? sf_round_summary(ctx->app->pool, &ctx->caller, id, &rows) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_ROUND_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_reply_csv(ctx, header, sizeof keys / sizeof *keys, rows, "summary.csv");
}
