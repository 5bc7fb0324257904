/*
 * Titles (Art. 19, 23) and their revocation (Art. 23, 24). The public registry is
 * api/registry.c, the audit trail api/audit.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/awards.h"
#include "persistence/awards.h"

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
    if (f.status && !sf_award_status_is_known(f.status))
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
