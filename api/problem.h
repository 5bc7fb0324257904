/*
 * Answers: JSON bodies and RFC 9457 problem+json errors. The mapping from sf_status to an
 * HTTP status lives here and nowhere else.
 */
#ifndef SF_PROBLEM_H
#define SF_PROBLEM_H

#include <jansson.h>

#include "api/server.h"
#include "api/messages.h"
#include "domain/status.h"

/* Answers `status` with `body` as application/json. Steals the reference to `body`. */
void sf_reply_json(sf_ctx *ctx, int status, json_t *body);
/* Answers JSON that is already text (copied); the caller vouches that it is valid JSON. */
void sf_reply_json_text(sf_ctx *ctx, int status, const char *text, size_t len);

/* Answers 204 No Content. */
void sf_reply_no_content(sf_ctx *ctx);

/* Answers `status` (204, 304) with no body. */
void sf_reply_empty(sf_ctx *ctx, int status);

/* Every problem carries `code` (domain/codes.h) and a `detail` worded from it in the caller's
 * language (Accept-Language: zh-CN by default, or en; api/messages.h); a code's parameters
 * become extension members of the problem (e.g. current_status and action), and each field
 * error is {field, code, message, params}. How a call site reads:
 *     sf_reply_problem(ctx, 403, SF_E_ROLE_FORBIDDEN);
 *     sf_reply_problem(ctx, 409, SF_E_ROUND_CLOSED, SF_TEXT("opens_on", o), SF_TEXT("closes_on", c));
 *     sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &errors);
 *     sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, &errors);
 */

/* Answers an RFC 9457 problem with the standard title of `status`, `code` and its parameters. */
#define sf_reply_problem(ctx, status, ...) \
    sf_reply_problem_((ctx), (status), SF_CODE_HEAD_(__VA_ARGS__, 0), (const sf_arg[]){SF_CODE_TAIL_(__VA_ARGS__, SF_ARG_END_)})
void sf_reply_problem_(sf_ctx *ctx, int status, sf_code code, const sf_arg *params);

/* Answers `status` (422 mostly) with the field errors in "errors". The problem's code is the
 * one `errors` carries (sf_errors_detail: the precise refusal wins), else `code`, else
 * validation_failed. */
void sf_reply_errors(sf_ctx *ctx, int status, sf_code code, const sf_errors *errors);

/* Answers the problem for a failed sf_status: SF_INVALID → 422, SF_NOT_FOUND → 404,
 * SF_FORBIDDEN → 403, SF_CONFLICT → 409, SF_UNAVAILABLE → 503 (Retry-After), anything
 * else → 500 (always internal_error). The problem's code is the one `errors` carries, else
 * `code` unless SF_E_NONE, else the status's generic code (not_found, forbidden, conflict,
 * validation_failed, database_unavailable). `errors` may be NULL. */
void sf_reply_status(sf_ctx *ctx, sf_status status, sf_code code, const sf_errors *errors);

/* The language the caller asked for (Accept-Language), as every answer words it. */
sf_lang sf_ctx_lang(const sf_ctx *ctx);

/* The problem+json body of `status` with `code` worded in `lang` (for answers kept and sent
 * later, such as an import's); NULL if memory runs out. */
json_t *sf_problem_json(int status, sf_lang lang, sf_code code, const sf_params *params);
/* A field error as JSON: {field, code, message, params}; `row` > 0 adds "row" (imports). */
json_t *sf_field_error_json(const sf_field_error *e, sf_lang lang, long long row);
/* A code's parameters as a JSON object. */
json_t *sf_params_json(const sf_params *params);

/* The HTTP status sf_reply_status would answer for `status`. */
int sf_http_status_for(sf_status status);

#endif
