/*
 * POST /v1/auth/token (login), POST /v1/auth/refresh and POST /v1/auth/revoke.
 *
 * A login starts a session (persistence/sessions.h) and answers an access token (a JWT naming
 * the session, `sid`) and a refresh token (opaque, single use, stored hashed). A refresh
 * answers the next pair of the same session; a refresh token presented twice ends the
 * session. Revoking ends the session too. A user whose password was reset by an
 * administrator gets tokens that carry `password_change_required` (api/server.c).
 *
 * Failed logins are throttled per (username, client address) and per client address, with
 * growing delays (persistence/sessions.h); each attempt is reserved before any password is
 * hashed, so a throttled login, or one beyond the limit while others are hashing, is refused
 * without hashing. Logins, failures and locks go to the audit trail. An unknown username costs the
 * same hashing time as a wrong password, so timing does not tell which usernames exist.
 */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/auth.h"
#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "domain/password.h"
#include "persistence/api_tokens.h"
#include "persistence/sessions.h"
#include "persistence/users.h"

static void reply_tokens(sf_ctx *ctx, sf_caller *caller, const char *refresh);

static void refuse(sf_ctx *ctx)
{
    sf_set_header(ctx, "WWW-Authenticate", "Bearer realm=\"shifan\"");
    sf_reply_problem(ctx, 401, SF_E_LOGIN_FAILED);
}

/* What a login came to, so far (off the worker) or in the end (answered on it: login_answer). */
typedef enum {
    LOGIN_UNAVAILABLE,   /* a pool refused a step, or the server stops: 503 */
    LOGIN_ERROR,         /* the database failed (status) */
    LOGIN_THROTTLED,     /* a delay runs (retry_after) */
    LOGIN_REFUSED,       /* wrong password, unknown or inactive user: 401 */
    LOGIN_GRANTED,       /* a session began (caller, refresh) */
    LOGIN_RESERVED       /* not yet: the attempt reserved and the user looked up, to be hashed */
} login_outcome;

/* A login worked out off its worker in three steps (api/server.h): its attempt reserved and
 * its user looked up (an errand: database work, at the normal priority), the password hashed
 * (a hashing thread, at nice 19), and the failure or the session recorded (an errand again).
 * None of it holds an HTTP worker: under a flood of logins the database slows, and a worker
 * waiting on it would hold every other connection it serves, health checks included (issue
 * 14, item 1); nor does a hashing thread wait on the database, which would take hashing from
 * every other password and hold the pool's lock at the lowest priority. The request's own. */
typedef struct {
    char username[257], password[1025], client[INET6_ADDRSTRLEN + 8];
    char request_id[sizeof ((sf_ctx *)0)->request_id];
    sf_pool *pool;
    sf_auth *auth;
    int holds_place;            /* a place in the hashing queue, kept from the start */
    long refresh_ttl_s;
    sf_login_attempt attempt;   /* naming username and client above */
    sf_login_record record;
    int found, matches, hash_refused;
    login_outcome outcome;
    sf_status status;           /* LOGIN_ERROR */
    long retry_after;           /* LOGIN_THROTTLED */
    sf_caller caller;           /* LOGIN_GRANTED */
    char refresh[SF_REFRESH_TOKEN_LEN + 1];
} login_wait;

static void login_wait_free(void *p)
{
    login_wait *w = p;
    if (w == NULL)
        return;
    if (w->holds_place)
        sf_auth_hash_unhold(w->auth, w->client);
    OPENSSL_cleanse(w, sizeof *w);
    free(w);
}

/* An errand: the attempt reserved before any hashing, and the user looked up. */
static int login_reserve(void *arg)
{
    login_wait *w = arg;
    w->outcome = LOGIN_ERROR;
    w->status = sf_login_reserve(w->pool, &w->attempt, &w->retry_after);
    if (w->status != SF_OK)
        return 0;
    if (w->retry_after > 0) {
        w->outcome = LOGIN_THROTTLED;
        return 0;
    }
    w->status = sf_user_find_for_login(w->pool, w->username, &w->record);
    if (w->status != SF_OK && w->status != SF_NOT_FOUND)
        return 0;   /* the attempt stands: counted, as when any later step fails */
    w->found = w->status == SF_OK;
    w->outcome = LOGIN_RESERVED;
    return 0;
}

/* On a hashing thread: a verification, or the same work for an unknown username. */
static int login_verify(void *arg)
{
    const login_wait *w = arg;
    if (w->found)
        return sf_password_verify(w->password, w->record.password_hash);
    sf_password_verify_dummy(w->password);
    return 0;
}

/* An errand: what the hash said, recorded — or, the hash refused, the attempt taken back (if
 * that fails too, it stands). */
static int login_record(void *arg)
{
    login_wait *w = arg;
    w->outcome = LOGIN_ERROR;
    if (w->hash_refused) {
        sf_login_release(w->pool, &w->attempt);
        w->outcome = LOGIN_UNAVAILABLE;
        return 0;
    }
    const sf_login_record *record = &w->record;
    if (!w->matches || !record->user.active) {
        /* a failure the throttle did not record is not answered: that would be a free guess */
        w->status = sf_login_failed(w->pool, &w->attempt, w->found ? record->user.id : 0, w->request_id);
        if (w->status == SF_OK)
            w->outcome = LOGIN_REFUSED;
        return 0;
    }
    char refresh_hash[65];
    if (sf_refresh_token_new(w->refresh) != 0) {
        w->status = SF_INTERNAL;
        return 0;
    }
    sf_api_token_hash(w->refresh, refresh_hash);
    w->caller = (sf_caller){.user_id = record->user.id, .org_id = record->user.org_id,
                            .role = sf_role_parse(record->org_type),
                            .password_change_required = record->user.password_change_required};
    snprintf(w->caller.region_code, sizeof w->caller.region_code, "%s", record->region_code);
    sf_actor actor = {record->user.id, record->user.org_id, w->request_id};
    w->status = sf_login_succeeded(w->pool, &w->attempt, &actor, refresh_hash, w->refresh_ttl_s, w->caller.sid);
    if (w->status == SF_OK)
        w->outcome = LOGIN_GRANTED;
    else if (w->status == SF_NOT_FOUND)   /* deactivated meanwhile */
        w->outcome = LOGIN_REFUSED;
    return 0;
}

static void login_reserved(sf_ctx *ctx, void *saved, sf_status ran, int unused);
static void login_hashed(sf_ctx *ctx, void *saved, sf_status hashed, int matches);
static void login_recorded(sf_ctx *ctx, void *saved, sf_status ran, int unused);

void sf_post_auth_token(sf_ctx *ctx)
{
    static const char *const fields[] = {"username", "password", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *username = sf_json_string(body, "username", 1, &errors);
    const char *password = sf_json_string(body, "password", 1, &errors);
    if (username != NULL && strlen(username) > 256)
        sf_errors_add(&errors, "username", SF_E_TOO_MANY_BYTES, SF_INT("max", 256));
    if (password != NULL && strlen(password) > 1024)
        sf_errors_add(&errors, "password", SF_E_TOO_MANY_BYTES, SF_INT("max", 1024));
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, 422, SF_E_LOGIN_REQUEST_INVALID, &errors);
        goto out;
    }

    const sf_config *config = ctx->app->config;
    login_wait *w = calloc(1, sizeof *w);
    if (w == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        goto out;
    }
    snprintf(w->username, sizeof w->username, "%s", username);
    snprintf(w->password, sizeof w->password, "%s", password);
    memcpy(w->request_id, ctx->request_id, sizeof w->request_id);
    w->pool = ctx->app->pool;
    w->refresh_ttl_s = config->refresh_ttl_s;
    sf_client_address(ctx, w->client, sizeof w->client);
    sf_throttle_rule pair = {config->login_user_max_failures, config->login_window_s, config->login_delay_s,
                             config->login_lock_s};
    sf_throttle_rule whole = pair;
    whole.max_failures = config->login_client_max_failures;
    w->attempt = (sf_login_attempt){w->username, w->client, pair, whole};
    w->auth = ctx->app->auth;
    /* its place in the hashing queue kept from now: beyond the queue's bounds, 503 at once */
    int held = sf_auth_hash_hold(w->auth, w->client);
    if (held != 0) {
        if (held == -2)
            sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        else
            sf_reply_problem(ctx, 503, SF_E_LOGINS_BUSY);
        login_wait_free(w);
        goto out;
    }
    w->holds_place = 1;
    /* the worker goes on serving others while the login is worked out */
    sf_errand_then(ctx, SF_ERRAND_LOGIN, w->client, login_reserve, login_reserved, w, login_wait_free);
out:
    json_decref(body);
}

/* Answers what the login came to. */
static void login_answer(sf_ctx *ctx, login_wait *w)
{
    switch (w->outcome) {
    case LOGIN_UNAVAILABLE:
    case LOGIN_RESERVED:   /* never here: login_reserved goes on, login_recorded says unavailable */
        sf_reply_problem(ctx, 503, SF_E_LOGINS_BUSY);
        break;
    case LOGIN_ERROR:
        sf_reply_status(ctx, w->status, SF_E_NONE, NULL);
        break;
    case LOGIN_THROTTLED: {
        char seconds[24];
        snprintf(seconds, sizeof seconds, "%ld", w->retry_after);
        sf_set_header(ctx, "Retry-After", seconds);
        sf_reply_problem(ctx, 429, SF_E_LOGIN_THROTTLED);
        break;
    }
    case LOGIN_REFUSED:
        refuse(ctx);
        break;
    case LOGIN_GRANTED:
        reply_tokens(ctx, &w->caller, w->refresh);
        break;
    }
}

/* On the worker, the attempt reserved (`ran`: whether the errand ran at all): on to the hash. */
static void login_reserved(sf_ctx *ctx, void *saved, sf_status ran, int unused)
{
    (void)unused;
    login_wait *w = saved;
    if (ran != SF_OK)
        w->outcome = LOGIN_UNAVAILABLE;   /* nothing was reserved */
    if (w->outcome != LOGIN_RESERVED) {
        login_answer(ctx, w);   /* its place given up with it */
        return;
    }
    w->holds_place = 0;   /* taken by the hash, whatever its answer */
    sf_hash_then_held(ctx, w->client, login_verify, login_hashed, w, login_wait_free);
}

/* On the worker, the password hashed (or the hash refused): on to record it. */
static void login_hashed(sf_ctx *ctx, void *saved, sf_status hashed, int matches)
{
    login_wait *w = saved;
    w->hash_refused = hashed != SF_OK;
    w->matches = matches;
    sf_errand_then(ctx, SF_ERRAND_LOGIN, w->client, login_record, login_recorded, w, login_wait_free);
}

/* On the worker, the outcome recorded: the answer. An errand refused here leaves the attempt
 * reserved (counted) and unanswered but for 503. */
static void login_recorded(sf_ctx *ctx, void *saved, sf_status ran, int unused)
{
    (void)unused;
    login_wait *w = saved;
    if (ran != SF_OK)
        w->outcome = LOGIN_UNAVAILABLE;
    login_answer(ctx, w);
}

/* Answers a new access token for `caller` (its session in caller->sid) with `refresh`, the
 * session's next refresh token. */
static void reply_tokens(sf_ctx *ctx, sf_caller *caller, const char *refresh)
{
    char *token;
    long long expires_at, now = (long long)time(NULL);
    if (sf_auth_issue(ctx->app->auth, caller, now, &token, &expires_at) != 0) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_reply_json(ctx, 200, json_pack("{s:s, s:s, s:I, s:s, s:I, s:b}", "access_token", token, "token_type", "Bearer",
                                      "expires_in", (json_int_t)(expires_at - now), "refresh_token", refresh,
                                      "refresh_expires_in", (json_int_t)ctx->app->config->refresh_ttl_s,
                                      "password_change_required", caller->password_change_required));
    sf_auth_free_token(token);
}

/* A refresh worked out off its worker: its one statement (persistence/sessions.h,
 * sf_session_refresh) is an errand, as a login's database steps are. A refused refresh is a
 * write (the client's failures, throttled like failed logins) that nobody needs to be signed
 * in to make: a flood of them slows the database as a flood of logins does, and a worker
 * waiting on it would hold every connection it serves (issue 14, item 1). The request's own. */
typedef struct {
    char client[INET6_ADDRSTRLEN + 8], hash[65], next[SF_REFRESH_TOKEN_LEN + 1], next_hash[65];
    char request_id[sizeof ((sf_ctx *)0)->request_id];
    sf_pool *pool;
    int refresh_ttl_s;
    sf_throttle_rule rule;
    sf_status status;
    sf_refresh_outcome outcome;
    long retry_after;
    sf_refresh_grant who;
} refresh_wait;

static void refresh_wait_free(void *p)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, sizeof(refresh_wait));
    free(p);
}

/* An errand: the presented token exchanged for the next, or the refusal counted. */
static int refresh_exchange(void *arg)
{
    refresh_wait *w = arg;
    w->status = sf_session_refresh(w->pool, w->hash, w->next_hash, w->refresh_ttl_s, w->client, &w->rule,
                                   w->request_id, &w->outcome, &w->retry_after, &w->who);
    return 0;
}

/* On the worker, the exchange done (`ran`: whether the errand ran at all): the answer. */
static void refresh_answer(sf_ctx *ctx, void *saved, sf_status ran, int unused)
{
    (void)unused;
    refresh_wait *w = saved;
    if (!sf_errand_ran(ctx, ran))
        return;
    if (w->status != SF_OK) {
        sf_reply_status(ctx, w->status, SF_E_NONE, NULL);
    } else if (w->outcome == SF_REFRESH_THROTTLED) {
        char seconds[24];
        snprintf(seconds, sizeof seconds, "%ld", w->retry_after);
        sf_set_header(ctx, "Retry-After", seconds);
        sf_reply_problem(ctx, 429, SF_E_REFRESHES_THROTTLED);
    } else if (w->outcome != SF_REFRESH_OK) {
        sf_set_header(ctx, "WWW-Authenticate", "Bearer realm=\"shifan\", error=\"invalid_token\"");
        sf_reply_problem(ctx, 401, w->outcome == SF_REFRESH_REUSED ? SF_E_REFRESH_TOKEN_REUSED
                                                                   : SF_E_REFRESH_TOKEN_INVALID);
    } else {
        const sf_refresh_grant *who = &w->who;
        sf_caller caller = {.user_id = who->user_id, .org_id = who->org_id, .role = sf_role_parse(who->org_type),
                            .password_change_required = who->password_change_required};
        snprintf(caller.region_code, sizeof caller.region_code, "%s", who->region_code);
        snprintf(caller.sid, sizeof caller.sid, "%s", who->sid);
        reply_tokens(ctx, &caller, w->next);
    }
}

/* POST /v1/auth/refresh {refresh_token}: the next access and refresh tokens of a session.
 * Refused refreshes are throttled per client like failed logins (the client's rule). */
void sf_post_auth_refresh(sf_ctx *ctx)
{
    static const char *const fields[] = {"refresh_token", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *presented = sf_json_string(body, "refresh_token", 1, &errors);
    if (presented != NULL && strlen(presented) > 256)
        sf_errors_add(&errors, "refresh_token", SF_E_TOO_MANY_BYTES, SF_INT("max", 256));
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, 422, SF_E_REFRESH_REQUEST_INVALID, &errors);
        json_decref(body);
        return;
    }
    const sf_config *config = ctx->app->config;
    refresh_wait *w = calloc(1, sizeof *w);
    if (w == NULL || sf_refresh_token_new(w->next) != 0) {
        refresh_wait_free(w);
        json_decref(body);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_api_token_hash(presented, w->hash);
    json_decref(body);
    sf_api_token_hash(w->next, w->next_hash);
    sf_client_address(ctx, w->client, sizeof w->client);
    memcpy(w->request_id, ctx->request_id, sizeof w->request_id);
    w->pool = ctx->app->pool;
    w->refresh_ttl_s = config->refresh_ttl_s;
    w->rule = (sf_throttle_rule){config->login_client_max_failures, config->login_window_s, config->login_delay_s,
                                 config->login_lock_s};
    sf_errand_then(ctx, SF_ERRAND_REFRESH, w->client, refresh_exchange, refresh_answer, w, refresh_wait_free);
}

/* Revokes the very token the request carries and ends its session: every token of the
 * session, and its refresh token, stop working at once, in every process. */
void sf_post_auth_revoke(sf_ctx *ctx)
{
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    if (ctx->caller.api_token_id > 0) {
        /* a script revoking its own API token */
        sf_status st = sf_api_token_revoke(ctx->app->pool, &actor, &ctx->caller, ctx->caller.api_token_id);
        if (st != SF_OK)
            sf_reply_status(ctx, st, SF_E_NONE, NULL);
        else
            sf_reply_no_content(ctx);
        return;
    }
    sf_status status = sf_session_revoke(ctx->app->pool, &actor, ctx->caller.jti, ctx->caller.sid,
                                         ctx->caller.token_expires_at);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    sf_reply_no_content(ctx);
}
