/*
 * GET /v1/me: who the token belongs to, and what it may call.
 */
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/problem.h"
#include "api/views.h"

/* Issue 13, point 2: every operation the caller's role (and an API token's scopes) allows,
 * as the route table and the refusal that dispatch applies say — {method, path}, the path as
 * openapi writes it. Whether a given object is in scope is for allowed_actions to say. */
static json_t *permitted_operations(const sf_caller *caller)
{
    json_t *list = json_array();
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        const sf_route *rt = &sf_routes[i];
        if (rt->access != SF_TOKEN || sf_route_refusal(caller, rt, rt->method) != SF_E_NONE)
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

void sf_get_me(sf_ctx *ctx)
{
    sf_user user;
    sf_organization org;
    sf_status status = sf_user_get_with_org(ctx->app->pool, ctx->caller.user_id, &user, &org);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    json_t *body = sf_view_user(&user);
    json_object_set_new(body, "role", json_string(sf_role_name(ctx->caller.role)));
    json_object_set_new(body, "organization", sf_view_organization(&org));
    json_object_set_new(body, "permitted_operations", permitted_operations(&ctx->caller));
    sf_reply_resource(ctx, 200, body);
}
