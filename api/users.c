/*
 * /v1/users: the accounts of the organisations (issue 14, item 6). The province administers
 * every user (Art. 3); a city the users of the non-office organisations of its region, the
 * platform operators it registers (DESIGN.md §2) — one scope, user_manageable in
 * sql/025_accounts_sessions.sql; a user outside it answers 404. Create, list, read, change
 * (`active`, `display_name`), reset the password (the user must change it at the next
 * login), and lift login delays. A deactivation and a reset end every session and API token
 * of the user at once. Every new password passes the policy of domain/accounts.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/password.h"

typedef struct {
    const char *password;
    char *hash;
} hashing;

/* On a hashing thread (auth.h). */
static int hash_work(void *arg)
{
    hashing *h = arg;
    unsigned char salt[SF_PASSWORD_SALT_LEN];
    return sf_random_bytes(salt, sizeof salt) == 0 && sf_password_hash(h->password, salt, h->hash) == 0;
}

int sf_hash_new_password(sf_ctx *ctx, const char *password, char *hash)
{
    char client[64];
    sf_client_address(ctx, client, sizeof client);
    hashing h = {password, hash};
    int hashed = 0;
    if (sf_auth_hash_run(ctx->app->auth, client, hash_work, &h, &hashed) != SF_OK) {
        sf_reply_problem(ctx, 503, SF_E_HASHING_BUSY);
        return 0;
    }
    if (!hashed)
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
    return hashed;
}

static sf_actor actor_of(const sf_ctx *ctx)
{
    return (sf_actor){ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
}

static void reply_user_status(sf_ctx *ctx, sf_status status)
{
    sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_USER_NOT_FOUND : SF_E_NONE, NULL);
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
    char hash[SF_PASSWORD_ENCODED_MAX];
    if (!sf_hash_new_password(ctx, password, hash))
        goto out;
    sf_actor actor = actor_of(ctx);
    sf_user user;
    sf_status status = sf_user_create(ctx->app->pool, &actor, &ctx->caller, username, hash, org_id, display_name,
                                      &user, &errors);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? SF_E_USERNAME_TAKEN : SF_E_NONE, &errors);
        goto out;
    }
    sf_reply_resource(ctx, 201, sf_view_user(&user));
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
    json_t *next = has_more && count > 0 ? sf_page_token(sf_collection(ctx), items[count - 1].id) : json_null();
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
    char hash[SF_PASSWORD_ENCODED_MAX];
    if (!sf_hash_new_password(ctx, password, hash))
        goto out;
    sf_actor actor = actor_of(ctx);
    status = sf_user_set_password(ctx->app->pool, &actor, &ctx->caller, id, hash, /* reset= */ 1, NULL);
    if (status != SF_OK)
        reply_user_status(ctx, status);
    else
        sf_reply_no_content(ctx);
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
