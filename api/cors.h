/*
 * CORS for the portal's front end: origins listed in SHIFAN_CORS_ORIGINS may call the API
 * from a browser; by default none may. The public routes (/v1/public/...) any origin may
 * read, without credentials. Preflight requests (OPTIONS) are answered here.
 */
#ifndef SF_CORS_H
#define SF_CORS_H

#include "api/server.h"

/* Adds the CORS headers to an answer when the request's Origin is allowed. */
void sf_cors_headers(sf_ctx *ctx);

/* Answers OPTIONS: without an Origin, 204 with Allow (404 for no such path); a preflight,
 * 204 with the methods `allow` lists for the path when the origin is allowed (any origin on
 * /v1/public/...), else 403. */
void sf_cors_preflight(sf_ctx *ctx, const char *allow);

#endif
