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
        sf_reply_problem(ctx, 415, SF_E_BODY_NOT_JSON_MEDIA);
        return NULL;
    }
    if (ctx->req->binary_body_length == 0) {
        sf_reply_problem(ctx, 400, SF_E_BODY_EMPTY);
        return NULL;
    }
    json_error_t error;
    int no_memory;
    json_t *body = sf_json_loadb(ctx->req->binary_body, ctx->req->binary_body_length, JSON_REJECT_DUPLICATES,
                                 &error, &no_memory);
    if (no_memory) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return NULL;
    }
    if (body == NULL) {
        /* Our own words: the position, never the parser's message. */
        sf_reply_problem(ctx, 400, SF_E_BODY_NOT_JSON, SF_INT("line", error.line), SF_INT("column", error.column));
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        sf_reply_problem(ctx, 400, SF_E_BODY_NOT_OBJECT);
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
            sf_errors_add(errors, key, SF_E_UNKNOWN_FIELD);
    }
}

const char *sf_json_string(const json_t *obj, const char *name, int required, sf_errors *errors)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(errors, name, SF_E_REQUIRED);
        return NULL;
    }
    if (!json_is_string(v)) {
        sf_errors_add(errors, name, SF_E_NOT_STRING);
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
            sf_errors_add(errors, name, SF_E_REQUIRED);
        return 0;
    }
    if (!json_is_integer(v)) {
        sf_errors_add(errors, name, SF_E_NOT_INTEGER);
        return 0;
    }
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        sf_errors_add(errors, name, SF_E_OUT_OF_RANGE, SF_INT("min", min), SF_INT("max", max));
        return 0;
    }
    *out = (int64_t)n;
    return 1;
}
