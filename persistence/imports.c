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
static const sf_stmt CLAIM = {
    "INSERT INTO idempotency_keys (org_id, key, request_hash, status, response) VALUES ($1, $2, $3, 0, '')"
    " ON CONFLICT (org_id, key) DO NOTHING RETURNING 1", 3};
static const sf_stmt EARLIER = {
    "SELECT request_hash = $3, status, response FROM idempotency_keys WHERE org_id = $1 AND key = $2", 3};
static const sf_stmt FINISH = {
    "UPDATE idempotency_keys SET status = $3, response = $4 WHERE org_id = $1 AND key = $2 AND status = 0", 4};
static const sf_stmt RELEASE = {"DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND status = 0", 2};

sf_status sf_import_platforms(sf_pool *pool, const sf_actor *actor, const char *rows_json, char **ids)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *params[] = {rows_json, a.values[1], a.values[0], a.values[2]};
    return sf_db_write_text(pool, &IMPORT, params, ids, NULL);
}

sf_status sf_idempotency_claim(sf_pool *pool, int64_t org_id, const char *key, const char *hash, sf_key_state *state,
                               int *status, char **response)
{
    sf_int_text org = sf_int_to_text(org_id);
    const char *params[] = {org.s, key, hash};
    PGresult *res;
    sf_status st = sf_db_write(pool, &FORGET_OLD, params, NULL, NULL);
    if (st == SF_OK)
        st = sf_db_write(pool, &CLAIM, params, &res, NULL);
    if (st != SF_OK)
        return st;
    int claimed = PQntuples(res) == 1;
    PQclear(res);
    *response = NULL;
    if (claimed) {
        *state = SF_KEY_CLAIMED;
        return SF_OK;
    }
    st = sf_db_read(pool, &EARLIER, params, &res, NULL);
    if (st != SF_OK)
        return st;
    if (PQntuples(res) == 0) {
        PQclear(res);
        *state = SF_KEY_IN_PROGRESS;   /* released between the two statements: let the client retry */
        return SF_OK;
    }
    int same = sf_db_get_bool(res, 0, 0);
    *status = (int)sf_db_get_int(res, 0, 1);
    *state = !same ? SF_KEY_MISMATCH : *status == 0 ? SF_KEY_IN_PROGRESS : SF_KEY_REPLAY;
    if (*state == SF_KEY_REPLAY && (*response = strdup(PQgetvalue(res, 0, 2))) == NULL)
        st = SF_INTERNAL;
    PQclear(res);
    return st;
}

sf_status sf_idempotency_finish(sf_pool *pool, int64_t org_id, const char *key, int status, const char *response)
{
    sf_int_text org = sf_int_to_text(org_id), st = sf_int_to_text(status);
    const char *params[] = {org.s, key, st.s, response};
    return sf_db_write(pool, &FINISH, params, NULL, NULL);
}

sf_status sf_idempotency_release(sf_pool *pool, int64_t org_id, const char *key)
{
    sf_int_text org = sf_int_to_text(org_id);
    const char *params[] = {org.s, key};
    return sf_db_write(pool, &RELEASE, params, NULL, NULL);
}
