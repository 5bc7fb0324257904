/*
 * JSON answers and RFC 9457 problem+json (see problem.h). Problem `type`s are URNs under
 * urn:shifan:problem: so a client can branch on them without parsing prose.
 */
#include "api/problem.h"

#include <stdlib.h>
#include <string.h>

#include "api/json_input.h"

typedef struct {
    int status;
    const char *slug;
    const char *title;
} problem_kind;

static const problem_kind kinds[] = {
    {400, "bad-request", "Bad Request"},
    {401, "unauthorized", "Unauthorized"},
    {403, "forbidden", "Forbidden"},
    {404, "not-found", "Not Found"},
    {405, "method-not-allowed", "Method Not Allowed"},
    {409, "conflict", "Conflict"},
    {412, "precondition-failed", "Precondition Failed"},
    {413, "payload-too-large", "Payload Too Large"},
    {415, "unsupported-media-type", "Unsupported Media Type"},
    {422, "validation", "Unprocessable Content"},
    {429, "too-many-requests", "Too Many Requests"},
    {500, "internal", "Internal Server Error"},
    {503, "unavailable", "Service Unavailable"},
};

static const problem_kind *kind_for(int status)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].status == status)
            return &kinds[i];
    return &kinds[sizeof kinds / sizeof kinds[0] - 2]; /* 500 */
}

/* The answer when memory runs out before an answer could be built: written out in advance,
 * so it needs no allocation of shifan's (Ulfius copies it). */
static const char OUT_OF_MEMORY[] =
    "{\"type\":\"urn:shifan:problem:internal\",\"title\":\"Internal Server Error\",\"status\":500,"
    "\"detail\":\"an unexpected error occurred; the request id identifies it in the server log\"}";

static void set_body(sf_ctx *ctx, int status, const char *content_type, json_t *body)
{
    /* 12 significant digits: 0.8 stays 0.8, not 0.80000000000000004 */
    char *text = body ? sf_json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(body);
    if (text == NULL) {
        ulfius_set_binary_body_response(ctx->res, 500, OUT_OF_MEMORY, sizeof OUT_OF_MEMORY - 1);
        sf_set_header(ctx, "Content-Type", "application/problem+json");
        return;
    }
    ulfius_set_binary_body_response(ctx->res, (unsigned)status, text, strlen(text));
    free(text);
    sf_set_header(ctx, "Content-Type", content_type);
}

void sf_reply_json(sf_ctx *ctx, int status, json_t *body)
{
    set_body(ctx, status, "application/json", body);
}

void sf_reply_json_text(sf_ctx *ctx, int status, const char *text, size_t len)
{
    ulfius_set_binary_body_response(ctx->res, (unsigned)status, text, len);
    sf_set_header(ctx, "Content-Type", "application/json");
}

void sf_reply_no_content(sf_ctx *ctx)
{
    sf_reply_empty(ctx, 204);
}

/* Ulfius refuses a NULL body, so an empty answer sets the status alone. */
void sf_reply_empty(sf_ctx *ctx, int status)
{
    ctx->res->status = status;
    free(ctx->res->binary_body);
    ctx->res->binary_body = NULL;
    ctx->res->binary_body_length = 0;
}

static json_t *problem_body(int status, const char *detail)
{
    const problem_kind *k = kind_for(status);
    char type[96];
    snprintf(type, sizeof type, "urn:shifan:problem:%s", k->slug);
    return json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", k->title, "status", status,
                     "detail", detail ? detail : k->title);
}

void sf_reply_problem(sf_ctx *ctx, int status, const char *detail)
{
    if (status == 503 || status == 429) {
        if (u_map_get_case(ctx->res->map_header, "Retry-After") == NULL)
            sf_set_header(ctx, "Retry-After", "1");
    }
    set_body(ctx, status, "application/problem+json", problem_body(status, detail));
}

void sf_reply_errors(sf_ctx *ctx, int status, const char *detail, const sf_errors *errors)
{
    json_t *body = problem_body(status, detail);
    json_t *list = json_array();
    for (size_t i = 0; errors != NULL && i < errors->count; i++) {
        json_t *item = json_pack("{s:s, s:s}", "field", errors->items[i].field, "message", errors->items[i].message);
        if (item == NULL)   /* not UTF-8: should not happen, but never lose the error */
            item = json_pack("{s:s, s:s}", "field", "?", "message", "a field name that is not valid UTF-8");
        json_array_append_new(list, item);
    }
    json_object_set_new(body, "errors", list);
    set_body(ctx, status, "application/problem+json", body);
}

int sf_http_status_for(sf_status status)
{
    switch (status) {
    case SF_OK: return 200;
    case SF_INVALID: return 422;
    case SF_NOT_FOUND: return 404;
    case SF_FORBIDDEN: return 403;
    case SF_CONFLICT: return 409;
    case SF_UNAVAILABLE: return 503;
    case SF_INTERNAL: return 500;
    }
    return 500;
}

void sf_reply_status(sf_ctx *ctx, sf_status status, const char *detail, const sf_errors *errors)
{
    int http = sf_http_status_for(status);
    if (detail == NULL && errors != NULL && errors->detail[0] != '\0')
        detail = errors->detail;
    if (http == 503 && detail == NULL)
        detail = "the database is unavailable; try again shortly";
    if (http == 500)
        detail = "an unexpected error occurred; the request id identifies it in the server log";
    if (errors != NULL && sf_errors_any(errors))
        sf_reply_errors(ctx, http, detail ? detail : "the request conflicts with the rules", errors);
    else
        sf_reply_problem(ctx, http, detail);
}
