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
    {413, "payload-too-large", "Content Too Large"},
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
    "\"detail\":\"an unexpected error occurred; the request id identifies it in the server log\",\"code\":\"internal_error\"}";

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

sf_lang sf_ctx_lang(const sf_ctx *ctx)
{
    return sf_lang_from_header(sf_header(ctx, "Accept-Language"));
}

json_t *sf_params_json(const sf_params *params)
{
    json_t *o = json_object();
    for (size_t i = 0; params != NULL && i < params->count; i++) {
        const sf_arg_value *v = &params->items[i];
        json_t *value = v->kind == SF_ARG_INT    ? json_integer((json_int_t)v->i)
                      : v->kind == SF_ARG_NUM    ? json_real(v->d)
                      : v->kind == SF_ARG_BOOL   ? json_boolean(v->i)
                                                 : json_string(v->s);
        json_object_set_new(o, v->name, value ? value : json_null());
    }
    return o;
}

json_t *sf_field_error_json(const sf_field_error *e, sf_lang lang, long long row)
{
    char message[512];
    sf_message_render(message, sizeof message, lang, e->code, &e->params);
    json_t *item = json_pack("{s:s, s:s, s:s, s:o}", "field", e->field, "code", sf_code_name(e->code), "message",
                             message, "params", sf_params_json(&e->params));
    if (item == NULL)   /* not UTF-8: should not happen, but never lose the error */
        item = json_pack("{s:s, s:s, s:s, s:{}}", "field", "?", "code", sf_code_name(e->code), "message",
                         sf_message_template(lang, e->code), "params");
    if (item != NULL && row > 0)
        json_object_set_new(item, "row", json_integer((json_int_t)row));
    return item;
}

json_t *sf_problem_json(int status, sf_lang lang, sf_code code, const sf_params *params)
{
    const problem_kind *k = kind_for(status);
    char type[96], detail[768];
    snprintf(type, sizeof type, "urn:shifan:problem:%s", k->slug);
    sf_message_render(detail, sizeof detail, lang, code, params);
    json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", k->title, "status", status,
                             "detail", detail, "code", sf_code_name(code));
    json_t *ext = sf_params_json(params);
    if (body != NULL && ext != NULL)
        json_object_update_missing(body, ext);   /* never over type, title, status, detail, code */
    json_decref(ext);
    return body;
}

static json_t *problem_body(const sf_ctx *ctx, int status, sf_code code, const sf_params *params)
{
    return sf_problem_json(status, sf_ctx_lang(ctx), code, params);
}

static void reply_problem(sf_ctx *ctx, int status, sf_code code, const sf_params *params)
{
    if (status == 503 || status == 429) {
        if (u_map_get_case(ctx->res->map_header, "Retry-After") == NULL)
            sf_set_header(ctx, "Retry-After", "1");
    }
    sf_set_header(ctx, "Content-Language", sf_lang_tag(sf_ctx_lang(ctx)));
    set_body(ctx, status, "application/problem+json", problem_body(ctx, status, code, params));
}

void sf_reply_problem_(sf_ctx *ctx, int status, sf_code code, const sf_arg *args)
{
    sf_params params;
    sf_params_set(&params, args);
    reply_problem(ctx, status, code, &params);
}

static void reply_errors(sf_ctx *ctx, int status, sf_code code, const sf_params *params, const sf_errors *errors)
{
    sf_lang lang = sf_ctx_lang(ctx);
    json_t *body = problem_body(ctx, status, code, params);
    json_t *list = json_array();
    for (size_t i = 0; errors != NULL && i < errors->count; i++)
        json_array_append_new(list, sf_field_error_json(&errors->items[i], lang, 0));
    json_object_set_new(body, "errors", list);
    sf_set_header(ctx, "Content-Language", sf_lang_tag(lang));
    set_body(ctx, status, "application/problem+json", body);
}

void sf_reply_errors(sf_ctx *ctx, int status, sf_code code, const sf_errors *errors)
{
    const sf_params *params = NULL;
    if (errors != NULL && errors->code != SF_E_NONE) {   /* the precise refusal wins */
        code = errors->code;
        params = &errors->params;
    }
    reply_errors(ctx, status, code == SF_E_NONE ? SF_E_VALIDATION_FAILED : code, params, errors);
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

static sf_code generic_code(int http)
{
    switch (http) {
    case 422: return SF_E_VALIDATION_FAILED;
    case 404: return SF_E_NOT_FOUND;
    case 403: return SF_E_FORBIDDEN;
    case 409: return SF_E_CONFLICT;
    case 503: return SF_E_DATABASE_UNAVAILABLE;
    default: return SF_E_INTERNAL_ERROR;
    }
}

void sf_reply_status(sf_ctx *ctx, sf_status status, sf_code code, const sf_errors *errors)
{
    int http = sf_http_status_for(status);
    const sf_params *params = NULL;
    if (errors != NULL && errors->code != SF_E_NONE) {   /* the precise refusal wins */
        code = errors->code;
        params = &errors->params;
    }
    if (code == SF_E_NONE || http == 500)
        code = generic_code(http);
    if (http != 500 && errors != NULL && sf_errors_any(errors)) {
        reply_errors(ctx, http, code, params, errors);
    } else {
        reply_problem(ctx, http, code, params);
    }
}
