/*
 * Reading JSON request bodies strictly: the media type must be JSON (415), the body must
 * parse with no duplicate keys (400), must be an object (400), and may carry only the
 * fields a route declares (each unknown one is a 422 field error). Typed getters add a
 * field error for a missing required field or a wrong type and carry on, so a client sees
 * every problem of its body in one answer.
 */
#ifndef SF_JSON_INPUT_H
#define SF_JSON_INPUT_H

#include <jansson.h>
#include <stdint.h>

#include "api/server.h"
#include "domain/status.h"

/* Parses the request body into a JSON object. On failure answers the problem itself and
 * returns NULL. The caller owns the result (json_decref). */
json_t *sf_json_body(sf_ctx *ctx);

/* Makes Jansson allocate through shifan, so that a failed allocation is noticed (see
 * sf_json_loadb). Called once at start, before any thread uses Jansson. */
void sf_json_watch_allocations(void);

/* json_loadb, except that a document is never returned if an allocation failed while it was
 * parsed (Jansson can then return a text with a character dropped): NULL then, with
 * *no_memory (if not NULL) set to 1, else 0. */
json_t *sf_json_loadb(const char *text, size_t len, size_t flags, json_error_t *error, int *no_memory);
/* json_dumps, except that NULL is returned if an allocation failed while it wrote (Jansson
 * can then return a text with part of the document missing). Free with free(). */
char *sf_json_dumps(const json_t *value, size_t flags);
/* The same as sf_json_loadb for a NUL-terminated text with no flags (documents read from the database);
 * NULL for a NULL text. */
json_t *sf_json_loads(const char *text);

/* Adds a field error for every member of `obj` not named in `allowed` (NULL-terminated). */
void sf_json_only(json_t *obj, const char *const *allowed, sf_errors *errors);

/* A string member: NULL (with a field error if required) when absent, null or not a string.
 * The pointer lives as long as `obj`. */
const char *sf_json_string(const json_t *obj, const char *name, int required, sf_errors *errors);

/* An integer member within [min, max]; returns 1 and sets *out when present and valid. */
int sf_json_int(const json_t *obj, const char *name, int required, int64_t min, int64_t max,
                int64_t *out, sf_errors *errors);

#endif
