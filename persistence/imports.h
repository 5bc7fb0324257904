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

/* The earlier answer under an Idempotency-Key of this organisation, without waiting or
 * writing: *state REPLAY (with *status and *response, allocated: free()), MISMATCH, or
 * CLAIMED when there is none (yet). A cheap early look; sf_import_keyed decides. */
sf_status sf_idempotency_lookup(sf_pool *pool, int64_t org_id, const char *key, const char *hash, sf_key_state *state,
                                int *status, char **response);

/* Writes judged rows in the caller's transaction (an import other than platforms: records,
 * persistence/records.h): SF_OK with *status 201, or a refusal (409, 422) that wrote nothing
 * (it is rolled back to before the import all the same), and *answer (malloc'd). */
typedef sf_status (*sf_import_write_fn)(sf_conn *conn, const sf_actor *actor, const char *rows_json, void *arg,
                                        int *status, char **answer);

/* A request under an Idempotency-Key, judged already: either rows to import (rows_json, as
 * for sf_import_platforms, or for `write` when it is set) or a final answer (status and
 * answer, rows_json NULL). */
typedef struct {
    int64_t org_id;
    const char *key;
    const char *hash;               /* of the request: the same key with another request is a mismatch */
    const char *rows_json;
    int status;                     /* rows_json NULL: the answer to record */
    const char *answer;
    const char *conflict_answer;    /* rows_json: the answer (409) when a row clashes */
    char *(*success_answer)(const char *ids_json);   /* rows_json: the answer (201) for the new ids; malloc'd */
    sf_import_write_fn write;       /* NULL: platforms (conflict_answer, success_answer) */
    void *write_arg;
} sf_keyed_request;

typedef struct {
    sf_key_state state;   /* CLAIMED: this request ran; or REPLAY, MISMATCH, IN_PROGRESS */
    int status;           /* CLAIMED, REPLAY: the answer's status */
    char *response;       /* CLAIMED, REPLAY: the answer (free()) */
} sf_keyed_outcome;

/* Runs a keyed request in one transaction: takes the key (a transaction-scoped advisory lock;
 * if another request holds it, IN_PROGRESS), finds an earlier answer (REPLAY or MISMATCH),
 * or else imports the rows (a clash rolls back to before the import and answers 409) and
 * records the answer under the key. The rows, their audit event and the recorded answer
 * commit together or not at all: a crash at any point leaves either all of them, which a
 * retry replays, or none, and a key free for the retry. Keys older than 48 hours are
 * forgotten first. Not SF_OK: nothing was written (or the outcome is unknown: the link
 * failed at COMMIT), and a retry may run again. */
sf_status sf_import_keyed(sf_pool *pool, const sf_actor *actor, const sf_keyed_request *req, sf_keyed_outcome *out);

#endif
