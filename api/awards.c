/*
 * Awards (Art. 19, 23), their revocation (Art. 23, 24), the public registry (Art. 21) and
 * the audit trail (Art. 25).
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
#include "domain/calendar.h"
#include "domain/eligibility.h"
#include "domain/regions.h"
#include "persistence/awards.h"
#include "persistence/changes.h"

static int is_award_status(const char *s)
{
    return s && (!strcmp(s, "active") || !strcmp(s, "revocation_pending") || !strcmp(s, "revoked") ||
                 !strcmp(s, "expired"));
}

void sf_list_awards(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    sf_award_filter f = {sf_param(ctx, "status"), sf_param(ctx, "level"), 0, 0, 0};
    f.platform_id = sf_query_int(ctx, "platform_id", 1, INT64_MAX / 2, &e);
    f.expires_in = (int)sf_query_int(ctx, "expires_in", 2018, 9999, &e);
    f.round_id = sf_query_int(ctx, "round_id", 1, INT64_MAX / 2, &e);
    if (f.status && !is_award_status(f.status))
        sf_errors_add(&e, "status", "must be active, revocation_pending, revoked or expired");
    if (f.level && strcmp(f.level, "province") && strcmp(f.level, "city"))
        sf_errors_add(&e, "level", "must be province or city");
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_award_list(ctx->app->pool, &ctx->caller, &f, page.after_id, page.limit, page.desc, &items, &next);
    sf_reply_page(ctx, status, items, next);
}

void sf_get_award(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_award_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such award" : NULL, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

void sf_post_revoke_award(sf_ctx *ctx)
{
    static const char *const fields[] = {"reason", "detail", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    const char *reason = sf_json_string(body, "reason", 1, &e);
    const char *detail = sf_json_string(body, "detail", 1, &e);
    if (reason && !sf_revocation_reason_is_valid(reason))
        sf_errors_add(&e, "reason", "must be violation, failed_assessment or other");
    long dl = detail ? sf_utf8_length(detail) : 1;
    if (dl < 1 || dl > 5000)
        sf_errors_add(&e, "detail", "must be 1-5,000 characters");
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, "the revocation is not valid", &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = id > 0 ? sf_award_revoke(ctx->app->pool, &actor, &ctx->caller, id, reason, detail, &doc, &e)
                              : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such award" : NULL, &e);
        goto out;
    }
    sf_reply_doc(ctx, 200, doc);
out:
    json_decref(body);
}

/* ---- the public registry ---- */

/* Reads the registry's filters; field errors for bad values. */
static void read_registry_filter(sf_ctx *ctx, sf_registry_filter *out, sf_errors *errors)
{
    sf_registry_filter f = {sf_param(ctx, "q"), sf_param(ctx, "region_code"), sf_param(ctx, "function"),
                            sf_param(ctx, "status"), 0};
    f.award_year = (int)sf_query_int(ctx, "award_year", 2018, 9999, errors);
    long ql = f.q ? sf_utf8_length(f.q) : 1;
    if (ql < 1 || ql > 100)
        sf_errors_add(errors, "q", "must be 1-100 characters");
    if (f.region && sf_region_city(f.region) == NULL)
        sf_errors_add(errors, "region_code", "must be the code of one of Liaoning's 14 cities");
    if (f.function && !sf_function_is_known(f.function))
        sf_errors_add(errors, "function", "must be information, technology, entrepreneurship, training or financing");
    if (f.status && !is_award_status(f.status))
        sf_errors_add(errors, "status", "must be active, revocation_pending, revoked or expired");
    *out = f;
}

/* The public registry cache (api/public_cache.h). Before a read, the stamp of the data as
 * committed now: an answer kept under that stamp for this very URL is the answer. Otherwise
 * the handler reads, and the statement that reads the page returns the stamp of its own
 * snapshot, under which the answer is kept: an answer is never filed under a stamp it was
 * not read under, whichever server of the read URL answered. */
static int reply_from_cache(sf_ctx *ctx)
{
    sf_registry_stamp now;
    char *body;
    size_t len;
    if (ctx->app->public_cache == NULL || sf_registry_stamp_read(ctx->app->read_pool, &now) != SF_OK ||
        !sf_public_cache_get(ctx->app->public_cache, ctx->req->http_url, &now, &body, &len))
        return 0;
    sf_reply_json_text(ctx, 200, body, len);
    free(body);
    return 1;
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
    if (reply_from_cache(ctx))
        return;
    char *items;
    int64_t next;
    sf_registry_stamp read_under;
    sf_status status = sf_registry_list(ctx->app->read_pool, &f, page.after_id, page.limit, page.desc, &items, &next,
                                        &read_under);
    sf_reply_page(ctx, status, items, next);
    if (status == SF_OK && read_under.version > 0 && ctx->res->status == 200 && ctx->res->binary_body != NULL)
        sf_public_cache_put(ctx->app->public_cache, ctx->req->http_url, &read_under, ctx->res->binary_body,
                            ctx->res->binary_body_length);
}

/* GET /v1/public/platforms.csv: the registry's selection as CSV, UTF-8 with a byte-order
 * mark so that Excel on Chinese Windows opens it as UTF-8. */
void sf_get_registry_csv(sf_ctx *ctx)
{
    static const char *const header[] = {"id", "name", "operator_name", "region_code", "region_name", "functions",
                                         "level", "certificate_no", "awarded_on", "valid_from", "valid_until",
                                         "status", "revoked_on", "revocation_reason"};
    sf_errors e;
    sf_errors_init(&e);
    sf_registry_filter f;
    read_registry_filter(ctx, &f, &e);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *rows = NULL;
    sf_status status = sf_registry_export(ctx->app->read_pool, &f, &rows);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, NULL, NULL);
        return;
    }
    sf_reply_csv(ctx, header, sizeof header / sizeof *header, rows, "registry.csv");
}

void sf_get_registry_entry(sf_ctx *ctx)
{
    /* not through the cache: one primary-key read is already a single round trip, the
     * cache's check would be one too, and a miss would cost two (bench/RESULTS.md) */
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_registry_get(ctx->app->read_pool, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such platform in the registry" : NULL, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

/* ---- the audit trail ---- */

/* A date, or an RFC 3339 time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), each part in range. */
static int is_time(const char *s)
{
    sf_day d;
    if (s == NULL || sf_date_parse(s, &d))
        return 1;
    char date[11];
    int h, m, sec, n = 0;
    if (strlen(s) < 20 || strlen(s) > 35 || s[10] != 'T')
        return 0;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!sf_date_parse(date, &d) || sscanf(s + 11, "%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || n != 8 ||
        h > 23 || m > 59 || sec > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 9)
            return 0;
        p += digits;
    }
    if (strcmp(p, "Z") == 0)
        return 1;
    int oh, om;
    n = 0;
    return (*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 && p[6] == '\0' &&
           oh <= 23 && om <= 59;
}

void sf_list_audit(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    sf_audit_filter f = {sf_param(ctx, "entity"), 0, 0, sf_param(ctx, "from"), sf_param(ctx, "to")};
    f.entity_id = sf_query_int(ctx, "entity_id", 1, INT64_MAX / 2, &e);
    f.actor = sf_query_int(ctx, "actor", 1, INT64_MAX / 2, &e);
    if (f.entity && (strlen(f.entity) > 40 || strspn(f.entity, "abcdefghijklmnopqrstuvwxyz_") != strlen(f.entity)))
        sf_errors_add(&e, "entity", "must be an entity name such as application or award");
    if (!is_time(f.from))
        sf_errors_add(&e, "from", "must be a date or an RFC 3339 time");
    if (!is_time(f.to))
        sf_errors_add(&e, "to", "must be a date or an RFC 3339 time");
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_audit_list(ctx->app->pool, &f, page.after_id, page.limit, page.desc, &items, &next);
    sf_reply_page(ctx, status, items, next);
}

void sf_get_audit_verify(sf_ctx *ctx)
{
    int ok;
    int64_t checked, first_broken;
    sf_status status = sf_audit_verify(ctx->app->pool, &ok, &checked, &first_broken);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, NULL, NULL);
        return;
    }
    sf_reply_json(ctx, 200, json_pack("{s:b, s:I, s:o}", "ok", ok, "checked", (json_int_t)checked, "first_broken",
                                      ok ? json_null() : json_integer(first_broken)));
}

/* GET /v1/public/changes?after=<cursor>: the registry's and the notices' changes in commit
 * order, for the portal back end to mirror them. The cursor is opaque to clients in spirit
 * but plain: the audit sequence number, which never skips or repeats. */
void sf_get_changes(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    int64_t after = sf_query_int(ctx, "after", 0, INT64_MAX / 2, &e);
    int64_t limit = sf_param(ctx, "limit") ? sf_query_int(ctx, "limit", 1, 1000, &e) : 100;
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items = NULL;
    int64_t last = 0;
    sf_status status = sf_changes_after(ctx->app->pool, after, (int)limit, &items, &last);
    json_t *list = status == SF_OK ? sf_json_loads(items) : NULL;
    free(items);
    if (status == SF_OK && list == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, NULL, NULL);
        return;
    }
    /* an integer, as `after` and each item's `cursor` are (issue 13 §6) */
    sf_reply_json(ctx, 200, json_pack("{s:o, s:I}", "items", list, "next_cursor", (json_int_t)last));
}
