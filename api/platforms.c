/*
 * /v1/platforms: the service platforms and their operators. A city registers and sees the
 * platforms of its own region (Art. 15); an association those it registers (Art. 27); the
 * province and the supervisor see all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/platform_input.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/calendar.h"
#include "domain/credit_code.h"
#include "domain/eligibility.h"
#include "domain/platforms.h"
#include "domain/regions.h"
#include "domain/text.h"
#include "persistence/platforms.h"
#include "persistence/records.h"

/* functions: a non-empty array of Art. 13 function ids without repeats, as an array literal. */
static void read_functions(json_t *list, char *out, size_t len, sf_errors *e)
{
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > SF_FUNCTION_COUNT) {
        sf_errors_add(e, "functions", SF_E_FUNCTIONS_INVALID);
        return;
    }
    snprintf(out, len, "{");
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *id = json_string_value(v);
        if (!sf_function_is_known(id)) {
            sf_errors_add(e, "functions", SF_E_ITEM_NOT_FUNCTION, SF_INT("index", i));
            return;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(list, k)), id) == 0) {
                sf_errors_add(e, "functions", SF_E_LISTED_TWICE, SF_TEXT("item", id));
                return;
            }
        if (i > 0)
            strncat(out, ",", len - strlen(out) - 1);
        strncat(out, id, len - strlen(out) - 1);
    }
    strncat(out, "}", len - strlen(out) - 1);
}

static void check_text(const char *field, const char *value, long max, sf_errors *e)
{
    long n = value ? sf_utf8_length(value) : 0;
    if (value != NULL && (n < 1 || n > max))
        sf_errors_add(e, field, SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", max));
    else
        sf_text_check_name(field, value, e);
}

void sf_platform_fields_read(json_t *body, int partial, sf_platform_fields *f, char *functions, size_t flen,
                             sf_errors *e)
{
    static const char *const fields[] = {"name", "region_code", "functions", "operator", NULL};
    static const char *const op_fields[] = {"name", "credit_code", "established_on", "address", NULL};
    memset(f, 0, sizeof *f);
    sf_json_only(body, fields, e);
    f->name = sf_json_string(body, "name", !partial, e);
    check_text("name", f->name, 200, e);
    if (partial) {
        if (json_object_get(body, "region_code") != NULL)
            sf_errors_add(e, "region_code", SF_E_REGION_FIXED);
    } else {
        f->region_code = sf_json_string(body, "region_code", 1, e);
        if (f->region_code != NULL && sf_region_city(f->region_code) == NULL)
            sf_errors_add(e, "region_code", SF_E_REGION_INVALID);
    }
    json_t *fn = json_object_get(body, "functions");
    if (fn != NULL || !partial) {
        read_functions(fn, functions, flen, e);
        f->functions = functions;
    }
    json_t *op = json_object_get(body, "operator");
    if (op == NULL && !partial) {
        sf_errors_add(e, "operator", SF_E_REQUIRED);
        return;
    }
    if (op == NULL)
        return;
    if (!json_is_object(op)) {
        sf_errors_add(e, "operator", SF_E_NOT_OBJECT);
        return;
    }
    sf_errors sub;
    sf_errors_init(&sub);
    sf_json_only(op, op_fields, &sub);
    sf_errors_merge(e, "operator", &sub);
    const char *name = json_string_value(json_object_get(op, "name"));
    const char *code = json_string_value(json_object_get(op, "credit_code"));
    const char *est = json_string_value(json_object_get(op, "established_on"));
    const char *address = json_string_value(json_object_get(op, "address"));
    if (!partial && name == NULL)
        sf_errors_add(e, "operator.name", SF_E_REQUIRED);
    check_text("operator.name", name, 200, e);
    if (!partial && code == NULL)
        sf_errors_add(e, "operator.credit_code", SF_E_REQUIRED);
    if (code != NULL && !sf_credit_code_is_valid(code))
        sf_errors_add(e, "operator.credit_code", SF_E_CREDIT_CODE_INVALID);
    sf_day d;
    if (est != NULL && !sf_date_parse(est, &d))
        sf_errors_add(e, "operator.established_on", SF_E_NOT_DATE);
    if (address != NULL && sf_utf8_length(address) > 300)
        sf_errors_add(e, "operator.address", SF_E_TOO_LONG, SF_INT("max", 300));
    else if (address != NULL && sf_text_has_hidden_controls(address))
        sf_errors_add(e, "operator.address", SF_E_HIDDEN_CONTROLS);
    f->operator_name = name;
    f->credit_code = code;
    f->established_on = est;
    f->address = address;
}

void sf_platform_fields_dated(const sf_platform_fields *f, sf_day today, sf_errors *e)
{
    sf_day d;
    if (f->established_on != NULL && sf_date_parse(f->established_on, &d))
        sf_platform_established_check("operator.established_on", d, today, e);
}

/* The date of establishment of a POST or PATCH against the database's today, read only when
 * the body gives one. */
static sf_status date_fields(sf_ctx *ctx, const sf_platform_fields *f, sf_errors *e)
{
    sf_day today;
    if (f->established_on == NULL)
        return SF_OK;
    sf_status st = sf_records_today(ctx->app->pool, &today);
    if (st == SF_OK)
        sf_platform_fields_dated(f, today, e);
    return st;
}

void sf_post_platform(sf_ctx *ctx)
{
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_platform_fields f;
    char functions[128];
    sf_platform_fields_read(body, 0, &f, functions, sizeof functions, &e);
    sf_status dated = sf_errors_any(&e) ? SF_OK : date_fields(ctx, &f, &e);
    if (dated != SF_OK) {
        sf_reply_status(ctx, dated, SF_E_NONE, NULL);
        goto out;
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    sf_errors scope;
    sf_errors_init(&scope);
    if (sf_platform_may_register(&ctx->caller, f.region_code, &scope) != SF_OK) {
        sf_reply_status(ctx, SF_FORBIDDEN, SF_E_NONE, &scope);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_platform_create(ctx->app->pool, &actor, &f, &doc, &e);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? SF_E_PLATFORM_EXISTS : SF_E_NONE, &e);
        goto out;
    }
    sf_reply_doc(ctx, 201, doc);
out:
    json_decref(body);
}

/* Whether `obj`'s member `name` is the string `value` already (a PATCH may repeat a value). */
static int same_text(json_t *obj, const char *name, const char *value)
{
    const char *now = json_string_value(json_object_get(obj, name));
    return now != NULL && strcmp(now, value) == 0;
}

/* The set of a JSON array of function ids (unknown ids count for nothing). */
static sf_function_set function_set(json_t *list)
{
    sf_function_set set = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        set |= sf_function_bit(json_string_value(v));
    return set;
}

/* The platform if the caller may see it; otherwise answers 404 (or the failure) and NULL. */
static json_t *visible_platform(sf_ctx *ctx, int64_t id, sf_platform_meta *meta)
{
    char *doc = NULL;
    sf_status status = id > 0 ? sf_platform_get(ctx->app->pool, id, &doc, meta) : SF_NOT_FOUND;
    if (status == SF_OK && !sf_may_see_platform(&ctx->caller, meta->region_code, meta->created_by_org, meta->operator_org))
        status = SF_NOT_FOUND;
    json_t *json = status == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (status == SF_OK && json == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_PLATFORM_NOT_FOUND : SF_E_NONE, NULL);
    return json;
}

void sf_get_platform(sf_ctx *ctx)
{
    sf_platform_meta meta;
    json_t *doc = visible_platform(ctx, sf_path_id(ctx, "id"), &meta);
    if (doc != NULL)
        sf_reply_resource(ctx, 200, doc);
}

void sf_patch_platform(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_platform_meta meta;
    json_t *current = visible_platform(ctx, id, &meta);
    if (current == NULL)
        goto out;
    sf_errors e;
    sf_errors_init(&e);
    if (sf_platform_may_edit(&ctx->caller, meta.created_by_org, &e) != SF_OK) {
        sf_reply_problem(ctx, 403, e.code);
        goto out;
    }
    char etag[40];
    if (sf_etag(current, etag) != 0 || sf_if_match_fails(ctx, etag)) {
        sf_reply_problem(ctx, 412, SF_E_PLATFORM_CHANGED);
        goto out;
    }
    sf_platform_fields f;
    char functions[128];
    sf_platform_fields_read(body, 1, &f, functions, sizeof functions, &e);
    sf_status dated = sf_errors_any(&e) ? SF_OK : date_fields(ctx, &f, &e);
    if (dated != SF_OK) {
        sf_reply_status(ctx, dated, SF_E_NONE, NULL);
        goto out;
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    /* Art. 19, 21: what a review or a title fixes (domain/platforms.h) */
    sf_platform_change change = {
        .name = f.name != NULL && !same_text(current, "name", f.name),
        .operator_name = f.operator_name != NULL && !same_text(json_object_get(current, "operator"), "name", f.operator_name),
        .credit_code = f.credit_code != NULL &&
                       !same_text(json_object_get(current, "operator"), "credit_code", f.credit_code),
        .established_on = f.established_on != NULL &&
                          !same_text(json_object_get(current, "operator"), "established_on", f.established_on),
        .functions_given = f.functions != NULL,
        .functions = function_set(json_object_get(body, "functions")),
    };
    sf_platform_standing standing = {.functions = function_set(json_object_get(current, "functions"))};
    sf_status st = sf_platform_standing_read(ctx->app->pool, id, &standing.under_review, &standing.titled);
    if (st == SF_OK)
        st = sf_platform_may_change(&ctx->caller, &standing, &change, &e);
    if (st != SF_OK) {
        sf_reply_status(ctx, st, SF_E_NONE, &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_platform_update(ctx->app->pool, &actor, id, meta.version, &f, &doc, &e);
    if (status == SF_CONFLICT && !sf_errors_any(&e)) {
        sf_reply_problem(ctx, 412, SF_E_PLATFORM_CHANGED);
        goto out;
    }
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, &e);
        goto out;
    }
    sf_reply_doc(ctx, 200, doc);
out:
    json_decref(current);
    json_decref(body);
}

void sf_list_platforms(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    const char *q = sf_param(ctx, "q");
    const char *region = sf_param(ctx, "region_code");
    if (q != NULL && (q[0] == '\0' || sf_utf8_length(q) < 1 || sf_utf8_length(q) > 100))
        sf_errors_add(&e, "q", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 100));
    if (region != NULL && sf_region_city(region) == NULL)
        sf_errors_add(&e, "region_code", SF_E_REGION_INVALID);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_platform_list(ctx->app->pool, &ctx->caller, q, region, page.after_id, page.limit, page.desc, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}
