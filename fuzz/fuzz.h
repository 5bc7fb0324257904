/*
 * What the libFuzzer harnesses of fuzz/ share: the entry points libFuzzer calls, and a
 * request as a handler sees it (sf_ctx) built without a server, with an application whose
 * database pool can never hand out a connection, so every handler runs its real validation
 * and then meets SF_UNAVAILABLE (503) where it would have touched the database.
 */
#ifndef SF_FUZZ_H
#define SF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <ulfius.h>

#include "api/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The fixed JWT key of the harnesses (48 bytes). */
extern const unsigned char fz_key[48];

/* The application: config defaults, an sf_auth with fz_key (HS256, issuer "shifan",
 * audience "shifan-api"), and a pool of no connection with a checkout timeout of 0 ms.
 * Made once; lives as long as the process. */
sf_app *fz_app(void);

typedef struct {
    sf_ctx ctx;
    struct _u_request req;
    struct _u_response res;
} fz_request;

/* A request with `body` (copied) and no header; set headers and parameters with u_map_put on
 * r->req.map_header / map_url. The caller is a province user (user 1, organisation 1). */
void fz_request_init(fz_request *r, const void *body, size_t len);
void fz_request_free(fz_request *r);

/* Aborts unless the answer is a status a handler may give and, when it has a body, the body
 * is JSON (a problem for 4xx/5xx). The one oracle every handler harness shares. */
void fz_check_answer(const fz_request *r);

#endif
