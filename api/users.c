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
    unsigned char salt[SF_PASSWORD_SALT_LEN];
    char hash[SF_PASSWORD_ENCODED_MAX];
    sf_auth_hash_begin(ctx->app->auth);
    int hashed = sf_random_bytes(salt, sizeof salt) == 0 && sf_password_hash(password, salt, hash) == 0;
    sf_auth_hash_end(ctx->app->auth);
    if (!hashed) {
        sf_reply_status(ctx, SF_INTERNAL, NULL, NULL);
        goto out;
    }
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
    sf_status status = id > 0 ? sf_user_get_with_org(ctx->app->pool, id, &user, &org) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such user" : NULL, NULL);
        return;
    }
    sf_reply_resource(ctx, 200, sf_view_user(&user));
}
