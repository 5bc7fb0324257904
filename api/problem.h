/*
 * Answers: JSON bodies and RFC 9457 problem+json errors. The mapping from sf_status to an
 * HTTP status lives here and nowhere else.
 */
#ifndef SF_PROBLEM_H
#define SF_PROBLEM_H

#include <jansson.h>

#include "api/server.h"
#include "domain/status.h"

/* Answers `status` with `body` as application/json. Steals the reference to `body`. */
void sf_reply_json(sf_ctx *ctx, int status, json_t *body);
/* Answers JSON that is already text (copied); the caller vouches that it is valid JSON. */
void sf_reply_json_text(sf_ctx *ctx, int status, const char *text, size_t len);

/* Answers 204 No Content. */
void sf_reply_no_content(sf_ctx *ctx);

/* Answers `status` (204, 304) with no body. */
void sf_reply_empty(sf_ctx *ctx, int status);

/* Answers an RFC 9457 problem with the standard title of `status` and the given detail. */
void sf_reply_problem(sf_ctx *ctx, int status, const char *detail);

/* Answers 422 (or `status`) with the field errors in "errors". */
void sf_reply_errors(sf_ctx *ctx, int status, const char *detail, const sf_errors *errors);

/* Answers the problem for a failed sf_status: SF_INVALID → 422, SF_NOT_FOUND → 404,
 * SF_FORBIDDEN → 403, SF_CONFLICT → 409, SF_UNAVAILABLE → 503 (Retry-After), anything
 * else → 500. `errors` may be NULL. */
void sf_reply_status(sf_ctx *ctx, sf_status status, const char *detail, const sf_errors *errors);

/* The HTTP status sf_reply_status would answer for `status`. */
int sf_http_status_for(sf_status status);

#endif
