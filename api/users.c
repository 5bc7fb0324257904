/*
 * POST /v1/users: the province creates the accounts of every organisation (Art. 3);
 * GET /v1/users/{id} reads one back.
 */
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

/* Hashes a new password into `hash`; 1, or 0 after answering 503 (hashing busy) or 500. */
static int hash_password(sf_ctx *ctx, const char *password, char hash[SF_PASSWORD_ENCODED_MAX])
{
    char client[64];
    sf_client_address(ctx, client, sizeof client);
    hashing h = {password, hash};
    int hashed = 0;
    if (sf_auth_hash_run(ctx->app->auth, client, hash_work, &h, &hashed) != SF_OK) {
        sf_reply_problem(ctx, 503, "too many passwords being hashed at once; try again shortly");
        return 0;
    }
    if (!hashed)
        sf_reply_status(ctx, SF_INTERNAL, NULL, NULL);
    return hashed;
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
        sf_reply_errors(ctx, 422, "the user is not valid", &errors);
        goto out;
    }
    char hash[SF_PASSWORD_ENCODED_MAX];
    if (!hash_password(ctx, password, hash))
        goto out;
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    sf_user user;
    sf_status status = sf_user_create(ctx->app->pool, &actor, username, hash, org_id, display_name, &user, &errors);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? "the username is taken" : NULL, &errors);
        goto out;
    }
    sf_reply_resource(ctx, 201, sf_view_user(&user));
out:
    json_decref(body);
}

void sf_get_user(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_user user;
    sf_organization org;
    sf_status status = id > 0 ? sf_user_get_with_org(ctx->app->pool, id, NULL, &user, &org, NULL) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such user" : NULL, NULL);
        return;
    }
    sf_reply_resource(ctx, 200, sf_view_user(&user));
}

/* POST /v1/users/{id}/unlock: the province ends every login delay of a user, from every
 * client address (issue 14, item 3). */
void sf_post_user_unlock(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    sf_status status = id > 0 ? sf_user_unlock(ctx->app->pool, &actor, id) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such user" : NULL, NULL);
        return;
    }
    sf_reply_no_content(ctx);
}
