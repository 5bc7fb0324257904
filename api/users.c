/*
 * /v1/users: the accounts of the organisations (issue 14, item 6). The province administers
 * every user (Art. 3); a city the users of the non-office organisations of its region, the
 * platform operators it registers (DESIGN.md §2) — one scope, user_manageable in
 * sql/025_accounts_sessions.sql; a user outside it answers 404. Create, list, read, change
 * (`active`, `display_name`), reset the password (the user must change it at the next
 * login), and lift login delays. A deactivation and a reset end every session and API token
 * of the user at once. Every new password passes the policy of domain/accounts.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/password.h"

int sf_new_password_set(sf_new_password *np, const char *password)
{
    size_t len = password != NULL ? strlen(password) : 0;
    if (password == NULL || len >= sizeof np->password)
        return 0;
    memcpy(np->password, password, len + 1);
    return 1;
}

/* On a hashing thread (auth.h). */
int sf_new_password_work(void *saved)
{
    sf_new_password *np = saved;
    unsigned char salt[SF_PASSWORD_SALT_LEN];
    return sf_random_bytes(salt, sizeof salt) == 0 && sf_password_hash(np->password, salt, np->hash) == 0;
}

int sf_new_password_hashed(sf_ctx *ctx, sf_status status, int hashed)
{
    if (status != SF_OK)
        sf_reply_problem(ctx, 503, SF_E_HASHING_BUSY);
    else if (!hashed)
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
    return status == SF_OK && hashed;
}

static sf_actor actor_of(const sf_ctx *ctx)
{
    return (sf_actor){ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
}

static void reply_user_status(sf_ctx *ctx, sf_status status)
{
    sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_USER_NOT_FOUND : SF_E_NONE, NULL);
}

/* A user to create once its password is hashed. */
typedef struct {
    sf_new_password np;   /* first: sf_new_password_work hashes it */
    char *username, *display_name;
    int64_t org_id;
} user_wait;

static void user_wait_free(void *p)
{
    user_wait *w = p;
    if (w == NULL)
        return;
    free(w->username);
    free(w->display_name);
    OPENSSL_cleanse(w, sizeof *w);
    free(w);
}

static void user_hashed(sf_ctx *ctx, void *saved, sf_status status, int hashed)
{
    user_wait *w = saved;
    if (!sf_new_password_hashed(ctx, status, hashed))
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_actor actor = actor_of(ctx);
    sf_user user;
    status = sf_user_create(ctx->app->pool, &actor, &ctx->caller, w->username, w->np.hash, w->org_id, w->display_name,
                            &user, &errors);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? SF_E_USERNAME_TAKEN : SF_E_NONE, &errors);
        return;
    }
    sf_reply_resource(ctx, 201, sf_view_user(&user));
}

void sf_post_user(sf_ctx *ctx)
{
    static const char *const fields[] = {"username", "password", "org_id", "display_name", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *username = sf_json_string(body, "username", 1, &errors);
    const char *password = sf_json_string(body, "password", 1, &errors);
    const char *display_name = sf_json_string(body, "display_name", 1, &errors);
    int64_t org_id = 0;
    sf_json_int(body, "org_id", 1, 1, INT64_MAX / 2, &org_id, &errors);
    if (!sf_errors_any(&errors))
        sf_user_validate(username, password, display_name, &errors);
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &errors);
        goto out;
    }
    user_wait *w = calloc(1, sizeof *w);
    if (w == NULL || (w->username = strdup(username)) == NULL || (w->display_name = strdup(display_name)) == NULL ||
        !sf_new_password_set(&w->np, password)) {
        user_wait_free(w);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        goto out;
    }
    w->org_id = org_id;
    char client[64];
    sf_client_address(ctx, client, sizeof client);
    sf_hash_then(ctx, client, sf_new_password_work, user_hashed, w, user_wait_free);
out:
    json_decref(body);
}

/* GET /v1/users?org_id=&active=: the users the caller administers, oldest first. */
void sf_list_users(sf_ctx *ctx)
{
    sf_errors errors;
    sf_errors_init(&errors);
    sf_page page;
    sf_page_read(ctx, &page, &errors);
    if (page.desc)
        sf_errors_add(&errors, "order", SF_E_OLDEST_FIRST_ONLY);
    int64_t org_id = sf_query_int(ctx, "org_id", 1, INT64_MAX / 2, &errors);
    const char *active = sf_param(ctx, "active");
    if (active != NULL && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        sf_errors_add(&errors, "active", SF_E_NOT_BOOLEAN);
    if (sf_reply_query_errors(ctx, &errors))
        return;
    sf_user *items = calloc((size_t)page.limit, sizeof *items);
    if (items == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    size_t count;
    int has_more;
    sf_user_query query = {org_id, active == NULL ? -1 : strcmp(active, "true") == 0, page.after_id, page.limit};
    sf_status status = sf_user_list(ctx->app->pool, &ctx->caller, &query, items, &count, &has_more, sf_page_total(&page));
    if (status != SF_OK) {
        free(items);
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, sf_view_user(&items[i]));
    json_t *next = has_more && count > 0 ? sf_page_token(ctx, &page, items[count - 1].id) : json_null();
    free(items);
    sf_reply_json(ctx, 200, sf_page_envelope(list, next, &page));
}

void sf_get_user(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_user user;
    sf_status status = id > 0 ? sf_user_get_in_scope(ctx->app->pool, &ctx->caller, id, &user) : SF_NOT_FOUND;
    if (status != SF_OK) {
        reply_user_status(ctx, status);
        return;
    }
    sf_reply_resource(ctx, 200, sf_view_user(&user));
}

/* PATCH /v1/users/{id} {active?, display_name?}, honouring If-Match. */
void sf_patch_user(sf_ctx *ctx)
{
    static const char *const fields[] = {"active", "display_name", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    sf_user_patch patch = {0};
    json_t *active = json_object_get(body, "active");
    if (active != NULL && !json_is_boolean(active))
        sf_errors_add(&errors, "active", SF_E_NOT_BOOLEAN);
    patch.has_active = json_is_boolean(active);
    patch.active = json_is_true(active);
    patch.display_name = sf_json_string(body, "display_name", 0, &errors);
    sf_user current;
    sf_status status = id > 0 ? sf_user_get_in_scope(ctx->app->pool, &ctx->caller, id, &current) : SF_NOT_FOUND;
    if (status != SF_OK) {   /* out of scope: 404 before anything about the body is told */
        reply_user_status(ctx, status);
        goto out;
    }
    if (!sf_errors_any(&errors))
        status = sf_user_patch_validate(&patch, id, ctx->caller.user_id, &errors);
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, status == SF_CONFLICT ? 409 : 422,
                        status == SF_CONFLICT ? SF_E_SELF_DEACTIVATION : SF_E_VALIDATION_FAILED,
                        &errors);
        goto out;
    }
    json_t *view = sf_view_user(&current);
    char etag[40];
    int stale = view == NULL || sf_etag(view, etag) != 0 || sf_if_match_fails(ctx, etag);
    json_decref(view);
    if (stale) {
        sf_reply_problem(ctx, 412, SF_E_USER_CHANGED);
        goto out;
    }
    sf_actor actor = actor_of(ctx);
    sf_user user;
    status = sf_user_update(ctx->app->pool, &actor, &ctx->caller, id, &patch, &user);
    if (status != SF_OK) {
        reply_user_status(ctx, status);
        goto out;
    }
    sf_reply_resource(ctx, 200, sf_view_user(&user));
out:
    json_decref(body);
}

/* A password reset waiting for its hash. */
typedef struct {
    sf_new_password np;   /* first: sf_new_password_work hashes it */
    int64_t id;
} reset_wait;

static void reset_wait_free(void *p)
{
    if (p != NULL)
        OPENSSL_cleanse(p, sizeof(reset_wait));
    free(p);
}

static void reset_hashed(sf_ctx *ctx, void *saved, sf_status status, int hashed)
{
    reset_wait *w = saved;
    if (!sf_new_password_hashed(ctx, status, hashed))
        return;
    sf_actor actor = actor_of(ctx);
    status = sf_user_set_password(ctx->app->pool, &actor, &ctx->caller, w->id, w->np.hash, /* reset= */ 1, NULL);
    if (status != SF_OK)
        reply_user_status(ctx, status);
    else
        sf_reply_no_content(ctx);
}

/* POST /v1/users/{id}/password {password}: an administrator sets a new password; the user
 * must change it at the next login (api/server.c), and every session and API token of the
 * user ends now. */
void sf_post_user_password(sf_ctx *ctx)
{
    static const char *const fields[] = {"password", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *password = sf_json_string(body, "password", 1, &errors);
    sf_user user;
    sf_status status = id > 0 ? sf_user_get_in_scope(ctx->app->pool, &ctx->caller, id, &user) : SF_NOT_FOUND;
    if (status != SF_OK) {
        reply_user_status(ctx, status);
        goto out;
    }
    if (password != NULL)
        sf_password_policy_check("password", user.username, password, &errors);
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &errors);
        goto out;
    }
    reset_wait *w = calloc(1, sizeof *w);
    if (w == NULL || !sf_new_password_set(&w->np, password)) {
        reset_wait_free(w);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        goto out;
    }
    w->id = id;
    char client[64];
    sf_client_address(ctx, client, sizeof client);
    sf_hash_then(ctx, client, sf_new_password_work, reset_hashed, w, reset_wait_free);
out:
    json_decref(body);
}

/* POST /v1/users/{id}/unlock: an administrator ends every login delay of a user, from every
 * client address (issue 14, item 3). */
void sf_post_user_unlock(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_actor actor = actor_of(ctx);
    sf_status status = id > 0 ? sf_user_unlock(ctx->app->pool, &actor, &ctx->caller, id) : SF_NOT_FOUND;
    if (status != SF_OK) {
        reply_user_status(ctx, status);
        return;
    }
    sf_reply_no_content(ctx);
}
