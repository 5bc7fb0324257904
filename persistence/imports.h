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

/* An earlier answer to this organisation's key: SF_OK with *status and *response (free()) and
 * *same = whether the request hash matches; SF_NOT_FOUND when the key is new. */
sf_status sf_idempotency_get(sf_pool *pool, int64_t org_id, const char *key, const char *hash, int *same,
                             int *status, char **response);
/* Remembers the answer to a key (the first one wins when two race). */
sf_status sf_idempotency_put(sf_pool *pool, int64_t org_id, const char *key, const char *hash, int status,
                             const char *response);

#endif
