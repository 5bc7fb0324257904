/*
 * Bulk imports and idempotency keys (see imports.h).
 */
#include "persistence/imports.h"

#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* One statement for all rows: a failure of any row (a unique clash) leaves nothing. */
static const sf_stmt IMPORT = {
    "WITH p AS (INSERT INTO platforms (name, region_code, functions, operator_name, credit_code, established_on,"
    "                                  address, created_by_org)"
    "           SELECT r.name, r.region_code, ARRAY(SELECT jsonb_array_elements_text(r.functions)),"
    "                  r.operator_name, r.credit_code, r.established_on, coalesce(r.address, ''), $2"
    "           FROM jsonb_to_recordset($1::jsonb) AS r(name text, region_code text, functions jsonb,"
    "                operator_name text, credit_code text, established_on date, address text)"
    "           RETURNING id)"
    " SELECT (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]')::text FROM p),"
    "        audit_append($3, $2, 'platforms.imported', 'platform', NULL,"
    "                     jsonb_build_object('count', (SELECT count(*) FROM p),"
    "                                        'ids', (SELECT jsonb_agg(id ORDER BY id) FROM p)), $4)", 4};
static const sf_stmt FORGET_OLD = {
    "DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND created_at < now() - interval '48 hours'", 2};
/* Rows of status 0 are claims of an earlier version that never finished: not an answer. */
static const sf_stmt EARLIER = {
    "SELECT request_hash = $3, status, response FROM idempotency_keys"
    " WHERE org_id = $1 AND key = $2 AND status <> 0", 3};
/* Held until the transaction ends, whichever way: a crash of shifan or of its connection
 * releases it with the rollback, so no key stays taken by a request that is gone. */
static const sf_stmt LOCK_KEY = {
    "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))", 2};
static const sf_stmt RECORD = {
    "INSERT INTO idempotency_keys (org_id, key, request_hash, status, response) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (org_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status,"
    "   response = EXCLUDED.response, created_at = now()", 5};
static const sf_stmt SAVEPOINT = {"SAVEPOINT import", 0};
static const sf_stmt ROLLBACK_TO_SAVEPOINT = {"ROLLBACK TO SAVEPOINT import", 0};

sf_status sf_import_platforms(sf_pool *pool, const sf_actor *actor, const char *rows_json, char **ids)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *params[] = {rows_json, a.values[1], a.values[0], a.values[2]};
    return sf_db_write_text(pool, &IMPORT, params, ids, NULL);
}

/* The earlier answer under the key, if any: *state REPLAY or MISMATCH (with *status and an
 * allocated *response for a replay), or left as it was. */
static sf_status find_earlier(sf_conn *conn, sf_pool *pool, const char *const *params, sf_key_state *state,
                              int *status, char **response)
{
    PGresult *res;
    sf_status st = conn ? sf_db_exec(conn, &EARLIER, params, &res, NULL) : sf_db_read(pool, &EARLIER, params, &res, NULL);
    if (st != SF_OK)
        return st;
    if (PQntuples(res) == 1) {
        *status = (int)sf_db_get_int(res, 0, 1);
        *state = sf_db_get_bool(res, 0, 0) ? SF_KEY_REPLAY : SF_KEY_MISMATCH;
        if (*state == SF_KEY_REPLAY && (*response = strdup(PQgetvalue(res, 0, 2))) == NULL)
            st = SF_INTERNAL;
    }
    PQclear(res);
    return st;
}

sf_status sf_idempotency_lookup(sf_pool *pool, int64_t org_id, const char *key, const char *hash, sf_key_state *state,
                                int *status, char **response)
{
    sf_int_text org = sf_int_to_text(org_id);
    const char *params[] = {org.s, key, hash};
    *state = SF_KEY_CLAIMED;
    *response = NULL;
    return find_earlier(NULL, pool, params, state, status, response);
}

typedef struct {
    const sf_actor *actor;
    const sf_keyed_request *req;
    sf_keyed_outcome *out;
} keyed_args;

static sf_status keyed_body(sf_conn *conn, void *p)
{
    keyed_args *a = p;
    const sf_keyed_request *req = a->req;
    sf_keyed_outcome *out = a->out;
    /* a retried attempt (serialization failure) starts afresh */
    free(out->response);
    out->response = NULL;
    out->state = SF_KEY_IN_PROGRESS;
    out->status = 0;
    sf_int_text org = sf_int_to_text(req->org_id);
    const char *kp[] = {org.s, req->key, req->hash};
    PGresult *res;
    sf_status st = sf_db_exec(conn, &LOCK_KEY, kp, &res, NULL);
    if (st != SF_OK)
        return st;
    int locked = sf_db_get_bool(res, 0, 0);
    PQclear(res);
    if (!locked)
        return SF_OK;   /* another request with this key runs now */
    if ((st = sf_db_exec(conn, &FORGET_OLD, kp, NULL, NULL)) != SF_OK)
        return st;
    out->state = SF_KEY_CLAIMED;
    if ((st = find_earlier(conn, NULL, kp, &out->state, &out->status, &out->response)) != SF_OK ||
        out->state != SF_KEY_CLAIMED)
        return st;   /* answered before: the caller replays it */

    int status = req->status;
    char *answer = NULL;
    if (req->rows_json != NULL) {
        if ((st = sf_db_exec(conn, &SAVEPOINT, NULL, NULL, NULL)) != SF_OK)
            return st;
        sf_actor_params ap;
        sf_actor_to_params(a->actor, &ap);
        const char *params[] = {req->rows_json, ap.values[1], ap.values[0], ap.values[2]};
        if (req->write != NULL) {
            /* another kind of import: it answers for itself; a refusal leaves nothing */
            if ((st = req->write(conn, a->actor, req->rows_json, req->write_arg, &status, &answer)) != SF_OK) {
                free(answer);
                return st;
            }
            if (status >= 300 && (st = sf_db_exec(conn, &ROLLBACK_TO_SAVEPOINT, NULL, NULL, NULL)) != SF_OK) {
                free(answer);
                return st;
            }
        } else if ((st = sf_db_exec(conn, &IMPORT, params, &res, NULL)) == SF_CONFLICT) {
            /* a clash with an existing platform: nothing imported, and that is the answer */
            if ((st = sf_db_exec(conn, &ROLLBACK_TO_SAVEPOINT, NULL, NULL, NULL)) != SF_OK)
                return st;
            status = 409;
            answer = strdup(req->conflict_answer);
        } else if (st != SF_OK) {
            return st;
        } else {
            status = 201;
            answer = req->success_answer(PQgetvalue(res, 0, 0));
            PQclear(res);
        }
    } else {
        answer = strdup(req->answer);
    }
    if (answer == NULL)
        return SF_INTERNAL;
    sf_int_text code = sf_int_to_text(status);
    const char *rp[] = {org.s, req->key, req->hash, code.s, answer};
    if ((st = sf_db_exec(conn, &RECORD, rp, NULL, NULL)) != SF_OK) {
        free(answer);
        return st;
    }
    out->status = status;
    out->response = answer;
    return SF_OK;
}

sf_status sf_import_keyed(sf_pool *pool, const sf_actor *actor, const sf_keyed_request *req, sf_keyed_outcome *out)
{
    keyed_args a = {actor, req, out};
    out->response = NULL;
    sf_status st = sf_tx_run(pool, keyed_body, &a);
    if (st != SF_OK) {
        free(out->response);
        out->response = NULL;
    }
    return st;
}
