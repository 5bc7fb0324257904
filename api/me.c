/*
 * GET /v1/me: who the token belongs to and what it may call; POST /v1/me/password: the caller
 * changes its own password (issue 14, item 6).
 */
#include <arpa/inet.h>
#include <openssl/crypto.h>
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

/* GET /v1/me's answer written as its canonical text (views.h: sorted keys, compact, strings as
 * Jansson escapes them), not built as Jansson objects and dumped: that was half of the
 * request's allocations (bench/RESULTS.md). The same members as sf_view_user and
 * sf_view_organization, with role and permitted_operations (`operations`, already its text);
 * test_http checks it against Jansson's dump of it. NULL when memory ran out. */
static char *me_text(const sf_user *u, const sf_organization *o, const char *role, const char *operations,
                     size_t *len)
{
    size_t strings = strlen(u->username) + strlen(u->display_name) + strlen(u->created_at) + strlen(o->type) +
                     strlen(o->name) + strlen(o->region_code) + strlen(o->created_at) + strlen(o->credit_code) +
                     strlen(role);
    char *text = malloc(400 + strlen(operations) + 6 * strings), *at = text;
    if (text == NULL)
        return NULL;
    at = SF_PUT_LITERAL(at, "{\"active\":");
    at = u->active ? SF_PUT_LITERAL(at, "true") : SF_PUT_LITERAL(at, "false");
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"created_at\":"), u->created_at);
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"display_name\":"), u->display_name);
    at = sf_put_int(SF_PUT_LITERAL(at, ",\"id\":"), (long long)u->id);
    at = sf_put_int(SF_PUT_LITERAL(at, ",\"org_id\":"), (long long)u->org_id);
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"organization\":{\"created_at\":"), o->created_at);
    if (o->credit_code[0] != '\0')
        at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"credit_code\":"), o->credit_code);
    at = sf_put_int(SF_PUT_LITERAL(at, ",\"id\":"), (long long)o->id);
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"name\":"), o->name);
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"region_code\":"), o->region_code);
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"type\":"), o->type);
    at = SF_PUT_LITERAL(at, "},\"password_change_required\":");
    at = u->password_change_required ? SF_PUT_LITERAL(at, "true") : SF_PUT_LITERAL(at, "false");
    at = SF_PUT_LITERAL(at, ",\"permitted_operations\":");
    at = sf_put(at, operations, strlen(operations));
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"role\":"), role);
    at = sf_json_string_put(SF_PUT_LITERAL(at, ",\"username\":"), u->username);
    at = SF_PUT_LITERAL(at, "}");
    *at = '\0';
    *len = (size_t)(at - text);
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
    char *own;
    const char *operations = operations_of(&ctx->caller, &own);
    const char *role = sf_role_name(ctx->caller.role);
    size_t len = 0;
    char *text = operations && role ? me_text(&user, &org, role, operations, &len) : NULL;
    free(own);
    if (text == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    char etag[40];
    sf_etag_of_bytes(text, len, etag);
    sf_reply_tagged(ctx, 200, text, len, etag);
    free(text);
}

/* A password change waiting for its hashes: the old password's verification, then the new
 * one's hash. */
typedef struct {
    sf_new_password np;   /* first: sf_new_password_work hashes the new password */
    char old_password[1025], client[INET6_ADDRSTRLEN + 8];
    sf_login_attempt attempt;   /* the caller's username and the client, from `record` and above */
    sf_login_record record;
} change_wait;

static void change_wait_free(void *p)
{
    if (p != NULL)
        OPENSSL_cleanse(p, sizeof(change_wait));
    free(p);
}

/* On a hashing thread (auth.h). */
static int verify_old_work(void *arg)
{
    const change_wait *w = arg;
    return sf_password_verify(w->old_password, w->record.password_hash);
}

/* The new password hashed: stored, if the old one is still the one checked. */
static void new_password_hashed(sf_ctx *ctx, void *saved, sf_status status, int hashed)
{
    change_wait *w = saved;
    if (!sf_new_password_hashed(ctx, status, hashed))
        return;
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    status = sf_user_set_password(ctx->app->pool, &actor, &ctx->caller, ctx->caller.user_id, w->np.hash,
                                  /* reset= */ 0, w->record.password_hash);
    if (status != SF_OK)
        sf_reply_status(ctx, status, status == SF_CONFLICT ? SF_E_PASSWORD_CHANGED_MEANWHILE : SF_E_NONE, NULL);
    else
        sf_reply_no_content(ctx);
}

/* The old password checked: a failure is throttled as a login's (422 naming old_password);
 * a match goes on to hash the new one. */
static void old_password_checked(sf_ctx *ctx, void *saved, sf_status status, int matches)
{
    change_wait *w = saved;
    if (status != SF_OK) {
        sf_login_release(ctx->app->pool, &w->attempt);
        sf_reply_problem(ctx, 503, SF_E_HASHING_BUSY);
        return;
    }
    if (matches) {
        sf_login_release(ctx->app->pool, &w->attempt);
        sf_hash_then(ctx, w->client, sf_new_password_work, new_password_hashed, w, change_wait_free);
        return;
    }
    status = sf_login_failed(ctx->app->pool, &w->attempt, w->record.user.id, ctx->request_id);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    sf_errors errors;
    sf_errors_init(&errors);
    sf_errors_add(&errors, "old_password", SF_E_OLD_PASSWORD_WRONG);
    sf_reply_errors(ctx, 422, SF_E_PASSWORD_NOT_CHANGED, &errors);
}

/* POST /v1/me/password {old_password, new_password}: 204, and every session and API token
 * of the caller ends — this one too: the caller logs in again with the new password. The one
 * request, with GET /v1/me and revoke, that a token whose password must be changed may make.
 * The old password is checked throttled as a login of the caller's username from this client
 * is (a stolen token must not become a way to guess the password): each attempt reserved
 * before it is hashed. Neither hash holds the worker (server.h, sf_hash_then). */
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
    change_wait *w = NULL;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *old_password = sf_json_string(body, "old_password", 1, &errors);
    const char *new_password = sf_json_string(body, "new_password", 1, &errors);
    if (old_password != NULL && strlen(old_password) > 1024)
        sf_errors_add(&errors, "old_password", SF_E_TOO_MANY_BYTES, SF_INT("max", SF_PASSWORD_MAX));
    sf_user me;
    sf_organization org;
    w = calloc(1, sizeof *w);
    if (w == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        goto out;
    }
    sf_status status = sf_user_get_with_org(ctx->app->pool, ctx->caller.user_id, NULL, &me, &org, NULL);
    if (status == SF_OK)
        status = sf_user_find_for_login(ctx->app->pool, me.username, &w->record);
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
    if (!sf_new_password_set(&w->np, new_password)) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        goto out;
    }
    snprintf(w->old_password, sizeof w->old_password, "%s", old_password);
    const sf_config *config = ctx->app->config;
    sf_client_address(ctx, w->client, sizeof w->client);
    sf_throttle_rule pair = {config->login_user_max_failures, config->login_window_s, config->login_delay_s,
                             config->login_lock_s};
    sf_throttle_rule whole = pair;
    whole.max_failures = config->login_client_max_failures;
    w->attempt = (sf_login_attempt){w->record.user.username, w->client, pair, whole};
    long retry_after;
    status = sf_login_reserve(ctx->app->pool, &w->attempt, &retry_after);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        goto out;
    }
    if (retry_after > 0) {
        char seconds[24];
        snprintf(seconds, sizeof seconds, "%ld", retry_after);
        sf_set_header(ctx, "Retry-After", seconds);
        sf_reply_problem(ctx, 429, SF_E_PASSWORD_TRIES_THROTTLED);
        goto out;
    }
    sf_hash_then(ctx, w->client, verify_old_work, old_password_checked, w, change_wait_free);
    w = NULL;   /* the request's now */
out:
    change_wait_free(w);
    json_decref(body);
}
