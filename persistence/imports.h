/*
 * Bulk import of platforms: every row or none, in one statement; idempotent replays.
 */
#ifndef SF_REPO_IMPORTS_H
#define SF_REPO_IMPORTS_H

#include <stdint.h>

#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

/* Inserts every platform of `rows_json` (a JSON array of objects with name, region_code,
 * functions (array), operator_name, credit_code, established_on, address — already
 * validated) in one statement, with one audit event. *ids receives the new ids as a JSON
 * array (free()). A row that clashes with an existing platform fails the whole import:
 * SF_CONFLICT. */
sf_status sf_import_platforms(sf_pool *pool, const sf_actor *actor, const char *rows_json, char **ids);

typedef enum {
    SF_KEY_CLAIMED,      /* new: this request runs and records its answer */
    SF_KEY_REPLAY,       /* answered before, for the same request: *status and *response */
    SF_KEY_MISMATCH,     /* answered before, for another request */
    SF_KEY_IN_PROGRESS   /* the first request with this key is still running */
} sf_key_state;

/* Claims an Idempotency-Key for this organisation, or finds its earlier answer. A claim is a
 * row inserted before the work starts, so two concurrent requests with one key cannot both
 * run. Keys older than 48 hours are forgotten first. *response is allocated (free()). */
sf_status sf_idempotency_claim(sf_pool *pool, int64_t org_id, const char *key, const char *hash, sf_key_state *state,
                               int *status, char **response);
/* Records the answer of a claimed key. */
sf_status sf_idempotency_finish(sf_pool *pool, int64_t org_id, const char *key, int status, const char *response);
/* Gives a claimed key up (the request failed without an answer worth replaying). */
sf_status sf_idempotency_release(sf_pool *pool, int64_t org_id, const char *key);

#endif
