/*
 * The public registry (Art. 19, 21): list, CSV export and entry, the list's pages and the
 * entries kept in memory (api/public_cache.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/public_cache.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/awards.h"
#include "domain/eligibility.h"
#include "domain/regions.h"
#include "persistence/registry.h"

/* Reads the registry's filters; field errors for bad values. */
static void read_registry_filter(sf_ctx *ctx, sf_registry_filter *out, sf_errors *errors)
{
    sf_registry_filter f = {sf_param(ctx, "q"), sf_param(ctx, "region_code"), sf_param(ctx, "function"),
                            sf_param(ctx, "status"), 0};
    f.award_year = (int)sf_query_int(ctx, "award_year", 2018, 9999, errors);
    long ql = f.q ? sf_utf8_length(f.q) : 1;
    if (ql < 1 || ql > 100)
        sf_errors_add(errors, "q", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 100));
    if (f.region && sf_region_city(f.region) == NULL)
        sf_errors_add(errors, "region_code", SF_E_REGION_INVALID);
    if (f.function && !sf_function_is_known(f.function))
        sf_errors_add(errors, "function", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "information, technology, entrepreneurship, training, financing"));
    if (f.status && !sf_award_status_is_known(f.status))
        sf_errors_add(errors, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "active, revocation_pending, revoked, expired"));
    *out = f;
}

/* The public registry in memory (api/public_cache.h): a hit answers from there; a miss
 * takes a ticket, reads, and keeps what it read unless the registry changed meanwhile. When
 * the database cannot answer, the answer kept from before still can. */
static void reply_page(sf_ctx *ctx, sf_cached *a)
{
    sf_reply_json_text(ctx, 200, a->body, a->len);
    sf_cached_release(a);
}

void sf_list_registry(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    sf_registry_filter f;
    read_registry_filter(ctx, &f, &e);
    if (sf_reply_query_errors(ctx, &e))
        return;
    sf_public_cache *cache = ctx->app->public_cache;
    const char *url = ctx->req->http_url;
    sf_cached *kept = sf_public_cache_page(cache, url, 0);
    if (kept != NULL) {
        reply_page(ctx, kept);
        return;
    }
    uint64_t ticket = sf_public_cache_ticket(cache);
    char *items;
    int64_t next;
    sf_status status = sf_registry_list(ctx->app->read_pool, &f, page.after_id, page.limit, page.desc, &items, &next, sf_page_total(&page));
    if (status == SF_UNAVAILABLE && (kept = sf_public_cache_page(cache, url, 1)) != NULL) {
        reply_page(ctx, kept);
        return;
    }
    if (status == SF_OK)
        sf_public_cache_answered(cache);
    sf_reply_page(ctx, status, items, next, &page);
    if (status == SF_OK && ctx->res->status == 200 && ctx->res->binary_body != NULL)
        sf_public_cache_keep_page(cache, ticket, url, ctx->res->binary_body, ctx->res->binary_body_length);
}

/* GET /v1/public/platforms.csv: the registry's selection as CSV, UTF-8 with a byte-order
 * mark so that Excel on Chinese Windows opens it as UTF-8. */
void sf_get_registry_csv(sf_ctx *ctx)
{
    static const char *const keys[] = {"id", "name", "operator_name", "region_code", "region_name", "functions",
                                       "level", "certificate_no", "awarded_on", "valid_from", "valid_until",
                                       "status", "revoked_on", "revocation_reason"};
    static const char *const labels[] = {"编号", "平台名称", "运营单位", "行政区划代码", "所在地区", "服务功能",
                                         "认定级别", "证书编号", "认定日期", "有效期起", "有效期至",
                                         "状态", "撤销日期", "撤销原因"};
    _Static_assert(sizeof keys == sizeof labels, "a label for every column");
    sf_errors e;
    sf_errors_init(&e);
    sf_registry_filter f;
    read_registry_filter(ctx, &f, &e);
    const char *const *header = sf_csv_header(ctx, keys, labels, &e);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *rows = NULL;
    sf_status status = sf_registry_export(ctx->app->read_pool, &f, &rows);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    sf_reply_csv(ctx, header, sizeof keys / sizeof *keys, rows, "registry.csv");
}

static void reply_entry(sf_ctx *ctx, sf_cached *a)
{
    sf_reply_tagged(ctx, 200, a->body, a->len, a->etag);
    sf_cached_release(a);
}

void sf_get_registry_entry(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_public_cache *cache = ctx->app->public_cache;
    sf_cached *kept = id > 0 ? sf_public_cache_entry(cache, id, 0) : NULL;
    if (kept != NULL) {
        reply_entry(ctx, kept);
        return;
    }
    uint64_t ticket = sf_public_cache_ticket(cache);
    char *doc = NULL;
    sf_status status = id > 0 ? sf_registry_get(ctx->app->read_pool, id, &doc) : SF_NOT_FOUND;
    if (status == SF_UNAVAILABLE && (kept = sf_public_cache_entry(cache, id, 1)) != NULL) {
        reply_entry(ctx, kept);
        return;
    }
    if (status == SF_OK || (status == SF_NOT_FOUND && id > 0))
        sf_public_cache_answered(cache);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_REGISTRY_ENTRY_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    /* the ETag and the body once per entry version: computed here, on the miss */
    char etag[40];
    char *text = sf_doc_tagged(doc, etag);
    if (text == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    size_t len = strlen(text);
    sf_public_cache_keep_entry(cache, ticket, id, text, len, etag);
    sf_reply_tagged(ctx, 200, text, len, etag);
    free(text);
}
