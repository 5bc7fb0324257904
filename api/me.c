/*
 * GET /v1/me: who the token belongs to and what it may call; POST /v1/me/password: the caller
 * changes its own password (issue 14, item 6).
 */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/auth.h"
#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/password.h"
#include "persistence/sessions.h"

/* Issue 13, point 2: every operation the caller's role (and an API token's scopes) allows,
 * as the route table and the refusal that dispatch applies say — {method, path}, the path as
 * openapi writes it. Whether a given object is in scope is for allowed_actions to say. */
static json_t *permitted_operations(const sf_caller *caller)
{
    json_t *list = json_array();
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        const sf_route *rt = &sf_routes[i];
        if (rt->access == SF_PUBLIC || sf_route_refusal(caller, rt, rt->method) != SF_E_NONE)
            continue;
        char path[160];
        size_t n = 0;
        for (const char *p = rt->path; *p && n + 3 < sizeof path;) {
            if (*p == ':') {   /* :id → {id} */
                size_t len = strcspn(p + 1, "/");
                n += (size_t)snprintf(path + n, sizeof path - n, "{%.*s}", (int)len, p + 1);
                p += len + 1;
            } else {
                path[n++] = *p++;
            }
        }
        path[n < sizeof path ? n : sizeof path - 1] = '\0';
        json_array_append_new(list, json_pack("{s:s, s:s}", "method", rt->method, "path", path));
    }
    return list;
}

/* The canonical text of permitted_operations for a person's token, made once per role and
 * password-change state (it depends on nothing else: the route table is fixed): building and
 * dumping its objects was a third of GET /v1/me's CPU (issue 18, point 5). An API token's
 * scopes also decide, and its list is made per request. Published once with a compare-and-swap;
 * a thread that loses the race frees its own. Lives as long as the process. */
#define ROLE_SLOTS 8
static _Atomic(char *) operations_text[ROLE_SLOTS][2];

static const char *operations_of(const sf_caller *caller, char **own)
{
    *own = NULL;
    int slot = (int)caller->role, change = caller->password_change_required != 0;
    int cached = caller->api_token_id <= 0 && slot >= 0 && slot < ROLE_SLOTS;
    char *text = cached ? atomic_load(&operations_text[slot][change]) : NULL;
    if (text != NULL)
        return text;
    json_t *list = permitted_operations(caller);
    text = list ? sf_json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(list);
    if (text == NULL || !cached) {
        *own = text;
        return text;
    }
    char *expected = NULL;
    if (!atomic_compare_exchange_strong(&operations_text[slot][change], &expected, text)) {
        free(text);
        return expected;
    }
    return text;
}

void sf_get_me(sf_ctx *ctx)
{
    sf_user user;
    sf_organization org;
    sf_session session = sf_session_of(ctx);
    int live = 0;
    /* one round trip: the session check and the read (api/server.h, SF_TOKEN_FOLDED) */
    sf_status status = sf_user_get_with_org(ctx->app->pool, ctx->caller.user_id, &session, &user, &org, &live);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    if (!sf_session_seen(ctx, live))
        return;
    json_t *body = sf_view_user(&user);
    json_object_set_new(body, "role", json_string(sf_role_name(ctx->caller.role)));
    json_object_set_new(body, "organization", sf_view_organization(&org));
    char *own;
    const char *operations = operations_of(&ctx->caller, &own);
    sf_reply_resource_raw(ctx, 200, body, "permitted_operations", operations);
    free(own);
}

typedef struct {
    const char *password, *encoded;
} verification;

/* On a hashing thread (auth.h). */
static int verify_work(void *arg)
{
    const verification *v = arg;
    return sf_password_verify(v->password, v->encoded);
}

/* Checks `old_password` against the stored hash, throttled as a login of the caller's
 * username from this client is (a stolen token must not become a way to guess the password):
 * 1 when it matches; otherwise 0 after answering (422 naming old_password, 429, 503). */
static int old_password_matches(sf_ctx *ctx, const sf_login_record *record, const char *old_password)
{
    const sf_config *config = ctx->app->config;
    char client[INET6_ADDRSTRLEN + 8];
    sf_client_address(ctx, client, sizeof client);
    sf_throttle_rule pair = {config->login_user_max_failures, config->login_window_s, config->login_delay_s,
                             config->login_lock_s};
    sf_throttle_rule whole = pair;
    whole.max_failures = config->login_client_max_failures;
    sf_login_attempt attempt = {record->user.username, client, pair, whole};
    long retry_after;
    sf_status status = sf_login_reserve(ctx->app->pool, &attempt, &retry_after);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return 0;
    }
    if (retry_after > 0) {
        char seconds[24];
        snprintf(seconds, sizeof seconds, "%ld", retry_after);
        sf_set_header(ctx, "Retry-After", seconds);
        sf_reply_problem(ctx, 429, SF_E_PASSWORD_TRIES_THROTTLED);
        return 0;
    }
    verification v = {old_password, record->password_hash};
    int matches = 0;
    if (sf_auth_hash_run(ctx->app->auth, client, verify_work, &v, &matches) != SF_OK) {
        sf_login_release(ctx->app->pool, &attempt);
        sf_reply_problem(ctx, 503, SF_E_HASHING_BUSY);
        return 0;
    }
    if (matches) {
        sf_login_release(ctx->app->pool, &attempt);
        return 1;
    }
    status = sf_login_failed(ctx->app->pool, &attempt, record->user.id, ctx->request_id);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return 0;
    }
    sf_errors errors;
    sf_errors_init(&errors);
    sf_errors_add(&errors, "old_password", SF_E_OLD_PASSWORD_WRONG);
    sf_reply_errors(ctx, 422, SF_E_PASSWORD_NOT_CHANGED, &errors);
    return 0;
}

/* POST /v1/me/password {old_password, new_password}: 204, and every session and API token
 * of the caller ends — this one too: the caller logs in again with the new password. The one
 * request, with GET /v1/me and revoke, that a token whose password must be changed may make. */
void sf_post_me_password(sf_ctx *ctx)
{
    static const char *const fields[] = {"old_password", "new_password", NULL};
    if (ctx->caller.api_token_id > 0) {
        sf_reply_problem(ctx, 403, SF_E_PASSWORD_BY_PERSON);
        return;
    }
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *old_password = sf_json_string(body, "old_password", 1, &errors);
    const char *new_password = sf_json_string(body, "new_password", 1, &errors);
    if (old_password != NULL && strlen(old_password) > 1024)
        sf_errors_add(&errors, "old_password", SF_E_TOO_MANY_BYTES, SF_INT("max", SF_PASSWORD_MAX));
    sf_user me;
    sf_organization org;
    sf_login_record record;
    sf_status status = sf_user_get_with_org(ctx->app->pool, ctx->caller.user_id, NULL, &me, &org, NULL);
    if (status == SF_OK)
        status = sf_user_find_for_login(ctx->app->pool, me.username, &record);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        goto out;
    }
    if (new_password != NULL) {
        sf_password_policy_check("new_password", me.username, new_password, &errors);
        if (old_password != NULL && strcmp(old_password, new_password) == 0)
            sf_errors_add(&errors, "new_password", SF_E_PASSWORD_SAME);
    }
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, 422, SF_E_PASSWORD_NOT_CHANGED, &errors);
        goto out;
    }
    if (!old_password_matches(ctx, &record, old_password))
        goto out;
    char hash[SF_PASSWORD_ENCODED_MAX];
    if (!sf_hash_new_password(ctx, new_password, hash))
        goto out;
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    status = sf_user_set_password(ctx->app->pool, &actor, &ctx->caller, ctx->caller.user_id, hash, /* reset= */ 0,
                                  record.password_hash);
    if (status != SF_OK)
        sf_reply_status(ctx, status,
                        status == SF_CONFLICT ? SF_E_PASSWORD_CHANGED_MEANWHILE : SF_E_NONE,
                        NULL);
    else
        sf_reply_no_content(ctx);
out:
    json_decref(body);
}
