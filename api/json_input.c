/*
 * Strict JSON input (see json_input.h).
 */
#include "api/json_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/problem.h"

/* "application/json", optionally with parameters; charset, if given, must be UTF-8. */
static int is_json_media_type(const char *value)
{
    if (value == NULL)
        return 0;
    size_t n = strcspn(value, ";");
    while (n > 0 && value[n - 1] == ' ')
        n--;
    if (n != strlen("application/json") || strncasecmp(value, "application/json", n) != 0)
        return 0;
    const char *charset = strcasestr(value, "charset=");
    if (charset == NULL)
        return 1;
    charset += strlen("charset=");
    if (*charset == '"')
        charset++;
    return strncasecmp(charset, "utf-8", 5) == 0 || strncasecmp(charset, "utf8", 4) == 0;
}

/* ---- Jansson's allocations, watched ---- */

/* Set when an allocation of Jansson's fails on this thread. Jansson 2.14 does not always stop
 * there: its lexer ignores a failure to grow the buffer of the token it reads and carries on
 * with a character dropped ("pasword"), and json_dumps can return a text with part of the
 * document missing. */
static _Thread_local int allocation_failed;

static void *json_alloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL)
        allocation_failed = 1;
    return p;
}

static void json_release(void *p)
{
    free(p);
}

void sf_json_watch_allocations(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

json_t *sf_json_loadb(const char *text, size_t len, size_t flags, json_error_t *error, int *no_memory)
{
    allocation_failed = 0;
    json_t *value = json_loadb(text, len, flags, error);
    if (no_memory != NULL)
        *no_memory = allocation_failed;
    if (allocation_failed) {
        json_decref(value);
        return NULL;
    }
    return value;
}

char *sf_json_dumps(const json_t *value, size_t flags)
{
    allocation_failed = 0;
    char *text = json_dumps(value, flags);
    if (allocation_failed) {
        free(text);
        return NULL;
    }
    return text;
}

json_t *sf_json_loads(const char *text)
{
    return text ? sf_json_loadb(text, strlen(text), 0, NULL, NULL) : NULL;
}

json_t *sf_json_body(sf_ctx *ctx)
{
    if (!is_json_media_type(sf_header(ctx, "Content-Type"))) {
        sf_reply_problem(ctx, 415, "the body must be JSON, sent as Content-Type: application/json");
        return NULL;
    }
    if (ctx->req->binary_body_length == 0) {
        sf_reply_problem(ctx, 400, "the body is empty; a JSON object is expected");
        return NULL;
    }
    json_error_t error;
    int no_memory;
    json_t *body = sf_json_loadb(ctx->req->binary_body, ctx->req->binary_body_length, JSON_REJECT_DUPLICATES,
                                 &error, &no_memory);
    if (no_memory) {
        sf_reply_status(ctx, SF_INTERNAL, NULL, NULL);
        return NULL;
    }
    if (body == NULL) {
        /* Our own words: the position, never the parser's message. */
        char detail[160];
        snprintf(detail, sizeof detail,
                 "the body is not valid JSON (UTF-8, no duplicate keys): line %d, column %d",
                 error.line, error.column);
        sf_reply_problem(ctx, 400, detail);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        sf_reply_problem(ctx, 400, "the body must be a JSON object");
        return NULL;
    }
    return body;
}

void sf_json_only(json_t *obj, const char *const *allowed, sf_errors *errors)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        int known = 0;
        for (const char *const *a = allowed; *a != NULL && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known)
            sf_errors_add(errors, key, "is not a field of this request");
    }
}

const char *sf_json_string(const json_t *obj, const char *name, int required, sf_errors *errors)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(errors, name, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        sf_errors_add(errors, name, "must be a string");
        return NULL;
    }
    return json_string_value(v);
}

int sf_json_int(const json_t *obj, const char *name, int required, int64_t min, int64_t max,
                int64_t *out, sf_errors *errors)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(errors, name, "is required");
        return 0;
    }
    if (!json_is_integer(v)) {
        sf_errors_add(errors, name, "must be an integer");
        return 0;
    }
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        sf_errors_add(errors, name, "must be from %lld to %lld", (long long)min, (long long)max);
        return 0;
    }
    *out = (int64_t)n;
    return 1;
}
