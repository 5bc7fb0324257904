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

/* Adds a field error for every member of `obj` not named in `allowed` (NULL-terminated). */
void sf_json_only(json_t *obj, const char *const *allowed, sf_errors *errors);

/* A string member: NULL (with a field error if required) when absent, null or not a string.
 * The pointer lives as long as `obj`. */
const char *sf_json_string(const json_t *obj, const char *name, int required, sf_errors *errors);

/* An integer member within [min, max]; returns 1 and sets *out when present and valid. */
int sf_json_int(const json_t *obj, const char *name, int required, int64_t min, int64_t max,
                int64_t *out, sf_errors *errors);

#endif
