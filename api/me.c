/*
 * GET /v1/me: who the token belongs to.
 */
#include "api/handlers.h"
#include "api/problem.h"
#include "api/views.h"

void sf_get_me(sf_ctx *ctx)
{
    sf_user user;
    sf_organization org;
    sf_session session = sf_session_of(ctx);
    int live = 0;
    /* one round trip: the session check and the read (api/server.h, SF_TOKEN_FOLDED) */
    sf_status status = sf_user_get_with_org(ctx->app->pool, ctx->caller.user_id, &session, &user, &org, &live);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, NULL, NULL);
        return;
    }
    if (!sf_session_seen(ctx, live))
        return;
    json_t *body = sf_view_user(&user);
    json_object_set_new(body, "role", json_string(sf_role_name(ctx->caller.role)));
    json_object_set_new(body, "organization", sf_view_organization(&org));
    sf_reply_resource(ctx, 200, body);
}
