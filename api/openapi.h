/*
 * The OpenAPI contract: openapi/openapi.yaml is compiled into the binary, read at start for
 * the query parameters each operation declares, and converted to JSON by the first
 * GET /v1/openapi.json, then served as-is.
 */
#ifndef SF_OPENAPI_H
#define SF_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

/* Converts a YAML document to JSON: plain scalars that look like integers, reals, booleans
 * or null become those; quoted scalars stay strings. Returns a new reference, or NULL if the
 * YAML does not parse. */
json_t *sf_yaml_to_json(const char *text, size_t len);

/* Reads the declared query parameters; 0, or -1 if the embedded YAML is broken or memory ran
 * out. */
int sf_openapi_init(void);
void sf_openapi_free(void);

/* Whether the operation of route number `route` (sf_routes' order) declares the query
 * parameter named by the `len` bytes at `name`. The contract is the one table of what each
 * operation takes: an undeclared parameter is refused (422), as an unknown body field is. */
int sf_openapi_query_declared(size_t route, const char *name, size_t len);

/* Whether that parameter is a boolean of the contract (`type: boolean`, or a string of the
 * values 'true' and 'false'): its value is `true` or `false`, nothing else (422 not_boolean). */
int sf_openapi_query_boolean(size_t route, const char *name, size_t len);

/* The JSON text of the contract, made by the first call (valid until sf_openapi_free); NULL
 * when memory ran out, and made again by the next call. */
const char *sf_openapi_json(size_t *len);

#endif
