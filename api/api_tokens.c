/*
 * /v1/api-tokens: an organisation's user creates named, scoped, expiring tokens for its
 * scripts (a city's yearly import, say). The token is shown once; only its hash is kept; a
 * revoked or expired token stops working on the next request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/text.h"
#include "persistence/api_tokens.h"

void sf_post_api_token(sf_ctx *ctx)
{
    static const char *const fields[] = {"name", "scopes", "expires_in", NULL};
    if (ctx->caller.api_token_id > 0) {
        sf_reply_problem(ctx, 403, SF_E_TOKEN_CREATES_TOKEN);
        return;
    }
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    const char *name = sf_json_string(body, "name", 1, &e);
    long nl = name ? sf_utf8_length(name) : 1;
    if (nl < 1 || nl > 100)
        sf_errors_add(&e, "name", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 100));
    else
        sf_text_check_name("name", name, &e);
    /* expires_in: seconds, as on every token answer (POST /v1/auth/token); a day to a year */
    int64_t seconds = 90 * 86400;
    sf_json_int(body, "expires_in", 0, 86400, 365 * 86400, &seconds, &e);
    json_t *scopes = json_object_get(body, "scopes");
    char literal[64] = "{";
    unsigned seen = 0;
    if (!json_is_array(scopes) || json_array_size(scopes) == 0 || json_array_size(scopes) > 3) {
        sf_errors_add(&e, "scopes", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "read, write, imports"));
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(scopes, i, v) {
            unsigned bit = sf_scope_parse(json_string_value(v));
            if (bit == 0 || (seen & bit)) {
                sf_errors_add(&e, "scopes", SF_E_ITEM_NOT_ONE_OF, SF_INT("index", i), SF_TEXT("allowed", "read, write, imports (each once)"));
                continue;
            }
            seen |= bit;
            if (strlen(literal) > 1)
                strcat(literal, ",");
            strcat(literal, json_string_value(v));
        }
        strcat(literal, "}");
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        json_decref(body);
        return;
    }
    char token[SF_API_TOKEN_LEN + 1], hash[65], prefix[16];
    if (sf_api_token_new(token) != 0) {
        json_decref(body);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_api_token_hash(token, hash);
    snprintf(prefix, sizeof prefix, "%.12s", token);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_api_token_create(ctx->app->pool, &actor, name, literal, (int)seconds, hash, prefix, &doc, &e);
    json_decref(body);
    json_t *json = status == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (json == NULL) {
        memset(token, 0, sizeof token);
        sf_reply_status(ctx, status == SF_OK ? SF_INTERNAL : status, SF_E_NONE, &e);
        return;
    }
    /* the only time the token is ever shown */
    json_object_set_new(json, "token", json_string(token));
    memset(token, 0, sizeof token);
    sf_reply_json(ctx, 201, json);
}

void sf_list_api_tokens(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    if (page.desc)
        sf_errors_add(&e, "order", SF_E_OLDEST_FIRST_ONLY);
    const char *st = sf_param(ctx, "status");
    if (st && strcmp(st, "active") && strcmp(st, "expired") && strcmp(st, "revoked"))
        sf_errors_add(&e, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "active, expired, revoked"));
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_api_token_list(ctx->app->pool, &ctx->caller, st, page.after_id, page.limit, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

void sf_get_api_token(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_api_token_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_TOKEN_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

void sf_delete_api_token(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    sf_status status = id > 0 ? sf_api_token_revoke(ctx->app->pool, &actor, &ctx->caller, id) : SF_NOT_FOUND;
    if (status != SF_OK)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_TOKEN_NOT_FOUND : SF_E_NONE, NULL);
    else
        sf_reply_no_content(ctx);
}
