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
#include "domain/text.h"
#include "persistence/awards.h"

void sf_list_awards(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    sf_award_filter f = {sf_param(ctx, "status"), sf_param(ctx, "level"), 0, 0, 0};
    f.platform_id = sf_query_int(ctx, "platform_id", 1, INT64_MAX / 2, &e);
    f.valid_until_year = (int)sf_query_int(ctx, "valid_until_year", 2018, 9999, &e);
    f.round_id = sf_query_int(ctx, "round_id", 1, INT64_MAX / 2, &e);
    if (f.status && !sf_award_status_is_known(f.status))
        sf_errors_add(&e, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "active, revocation_pending, revoked, expired"));
    if (f.level && strcmp(f.level, "province") && strcmp(f.level, "city"))
        sf_errors_add(&e, "level", SF_E_LEVEL_INVALID);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_award_list(ctx->app->pool, &ctx->caller, &f, page.after_id, page.limit, page.desc, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

void sf_get_award(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_award_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    /* what the caller may do with it now, as the decisions answer (DESIGN.md §3) */
    sf_title_view view;
    if (status == SF_OK)
        status = sf_award_view(ctx->app->pool, &ctx->caller, id, &view);
    json_t *body = status == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (status == SF_OK && body == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_AWARD_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    const char *actions[8];
    size_t n = sf_actions_offered(&ctx->caller, sf_title_allowed_actions(&view, actions, 8));
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(actions[i]));
    sf_reply_resource_with(ctx, 200, body, json_pack("{s:o}", "allowed_actions", list));
}

/* If-Match on a title's actions names the title as last read (GET /v1/awards/{id}); whether
 * it answered: 412 when the title has changed since, or the read's own failure. Without
 * If-Match, 0. (The decision itself is taken under the title's lock, over its state then:
 * a change between this read and that lock is refused by the state it left, 409.) */
static int award_changed(sf_ctx *ctx, int64_t id)
{
    if (sf_header(ctx, "If-Match") == NULL || id <= 0)
        return 0;
    char *doc = NULL, etag[40];
    sf_status status = sf_award_get(ctx->app->pool, &ctx->caller, id, &doc);
    status = sf_read_etag(status, doc, NULL, etag, NULL);
    return sf_reply_if_stale(ctx, status, etag, SF_E_AWARD_NOT_FOUND, SF_E_PRECONDITION_FAILED);
}

/* A text field of 1 to `max` characters, when present: of several lines (`lines`) or one. */
static const char *optional_text(json_t *body, const char *field, long max, int lines, sf_errors *e)
{
    const char *v = sf_json_string(body, field, 0, e);
    long n = v ? sf_utf8_length(v) : 1;
    if (n < 1 || n > max)
        sf_errors_add(e, field, SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", max));
    else if (lines)
        sf_text_check_lines(field, v, e);
    else
        sf_text_check_name(field, v, e);
    return v;
}

/* POST /v1/awards/{id}/revoke (Art. 23, 24): the ground and what it brings; which ground
 * needs what is sf_decide_revoke's to say, over the title as it stands. */
void sf_post_revoke_award(sf_ctx *ctx)
{
    static const char *const fields[] = {"reason", "detail", "finding", "reference", "assessment_id", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    sf_revocation r = {sf_json_string(body, "reason", 1, &e), NULL, NULL, NULL, 0};
    r.detail = optional_text(body, "detail", 5000, 1, &e);
    r.finding = optional_text(body, "finding", 5000, 1, &e);
    r.reference = optional_text(body, "reference", 200, 0, &e);
    sf_json_int(body, "assessment_id", 0, 1, INT64_MAX / 2, &r.assessment_id, &e);
    if (!sf_errors_any(&e) && award_changed(ctx, id)) {
        json_decref(body);
        return;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                       : id > 0           ? sf_award_revoke(ctx->app->pool, &actor, &ctx->caller, id, &r, &doc, &e)
                                          : SF_NOT_FOUND;
    if (status == SF_NOT_FOUND)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_AWARD_NOT_FOUND : SF_E_NONE, NULL);
    else
        sf_reply_written(ctx, status, 200, doc, SF_E_VALIDATION_FAILED, &e);
    json_decref(body);
}

/* POST /v1/awards/{id}/reinstate (Art. 24): back to active on a later passed assessment, as
 * sf_decide_reinstate decides; `reason`, optional, is kept in the audit event. */
void sf_post_reinstate_award(sf_ctx *ctx)
{
    static const char *const fields[] = {"reason", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    const char *reason = optional_text(body, "reason", 5000, 1, &e);
    if (!sf_errors_any(&e) && award_changed(ctx, id)) {
        json_decref(body);
        return;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                       : id > 0           ? sf_award_reinstate(ctx->app->pool, &actor, &ctx->caller, id, reason, &doc, &e)
                                          : SF_NOT_FOUND;
    if (status == SF_NOT_FOUND)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_AWARD_NOT_FOUND : SF_E_NONE, NULL);
    else
        sf_reply_written(ctx, status, 200, doc, SF_E_VALIDATION_FAILED, &e);
    json_decref(body);
}
