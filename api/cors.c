/*
 * CORS (see cors.h). Origins are compared exactly, scheme and port included. The public
 * routes (/v1/public/...: the registry, the notices, the change feed) are public data
 * (Art. 21) that city portals embed: any origin may read them, without credentials.
 */
#include "api/cors.h"

#include <string.h>

#include "api/problem.h"

#define ALLOWED_HEADERS "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id, Idempotency-Key"
#define EXPOSED_HEADERS \
    "ETag, Location, Retry-After, X-Request-Id, Content-Disposition, Idempotent-Replayed, WWW-Authenticate, Allow"
#define PUBLIC_PREFIX "/v1/public/"

static int origin_allowed(const sf_ctx *ctx, const char *origin)
{
    const char *list = ctx->app->config->cors_origins;
    size_t n = origin ? strlen(origin) : 0;
    if (n == 0 || list == NULL)
        return 0;
    for (const char *p = list; *p;) {
        p += strspn(p, " ,");
        size_t len = strcspn(p, ", ");
        if (len == n && strncmp(p, origin, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

static int public_path(const sf_ctx *ctx)
{
    return strncmp(ctx->req->url_path, PUBLIC_PREFIX, strlen(PUBLIC_PREFIX)) == 0;
}

void sf_cors_headers(sf_ctx *ctx)
{
    const char *origin = sf_header(ctx, "Origin");
    if (origin != NULL && public_path(ctx)) {
        sf_set_header(ctx, "Access-Control-Allow-Origin", "*");
        sf_set_header(ctx, "Access-Control-Expose-Headers", EXPOSED_HEADERS);
        return;
    }
    if (!origin_allowed(ctx, origin))
        return;
    sf_set_header(ctx, "Access-Control-Allow-Origin", origin);
    sf_set_header(ctx, "Access-Control-Expose-Headers", EXPOSED_HEADERS);
    sf_set_header(ctx, "Vary", "Origin");
}

void sf_cors_preflight(sf_ctx *ctx, const char *allow)
{
    const char *origin = sf_header(ctx, "Origin");
    const char *method = sf_header(ctx, "Access-Control-Request-Method");
    int any_origin = public_path(ctx);
    if (origin == NULL) {   /* not a preflight: a client asking what the path takes */
        if (allow[0] == '\0') {
            sf_reply_problem(ctx, 404, SF_E_NOT_FOUND);
            return;
        }
        sf_set_header(ctx, "Allow", allow);
        sf_reply_empty(ctx, 204);
        return;
    }
    if (!any_origin && !origin_allowed(ctx, origin)) {
        sf_reply_problem(ctx, 403, SF_E_ORIGIN_FORBIDDEN);
        return;
    }
    if (allow[0] == '\0') {
        sf_reply_problem(ctx, 404, SF_E_NOT_FOUND);
        return;
    }
    if (method == NULL || strstr(allow, method) == NULL) {
        sf_set_header(ctx, "Allow", allow);
        sf_reply_problem(ctx, 405, SF_E_METHOD_NOT_ALLOWED);
        return;
    }
    sf_set_header(ctx, "Access-Control-Allow-Origin", any_origin ? "*" : origin);
    sf_set_header(ctx, "Access-Control-Allow-Methods", allow);
    sf_set_header(ctx, "Access-Control-Allow-Headers", ALLOWED_HEADERS);
    sf_set_header(ctx, "Access-Control-Max-Age", "600");
    if (!any_origin)
        sf_set_header(ctx, "Vary", "Origin");
    sf_reply_empty(ctx, 204);
}
