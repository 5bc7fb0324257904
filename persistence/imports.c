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
static const sf_stmt GET_KEY = {
    "SELECT request_hash = $3, status, response FROM idempotency_keys"
    " WHERE org_id = $1 AND key = $2 AND created_at > now() - interval '48 hours'", 3};
static const sf_stmt PUT_KEY = {
    "WITH purge AS (DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours')"
    " INSERT INTO idempotency_keys (org_id, key, request_hash, status, response) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (org_id, key) DO NOTHING", 5};

sf_status sf_import_platforms(sf_pool *pool, const sf_actor *actor, const char *rows_json, char **ids)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *params[] = {rows_json, a.values[1], a.values[0], a.values[2]};
    return sf_db_write_text(pool, &IMPORT, params, ids, NULL);
}

sf_status sf_idempotency_get(sf_pool *pool, int64_t org_id, const char *key, const char *hash, int *same,
                             int *status, char **response)
{
    sf_int_text org = sf_int_to_text(org_id);
    const char *params[] = {org.s, key, hash};
    PGresult *res;
    sf_status st = sf_db_read(pool, &GET_KEY, params, &res, NULL);
    if (st != SF_OK)
        return st;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    *same = sf_db_get_bool(res, 0, 0);
    *status = (int)sf_db_get_int(res, 0, 1);
    *response = strdup(PQgetvalue(res, 0, 2));
    PQclear(res);
    return *response ? SF_OK : SF_INTERNAL;
}

sf_status sf_idempotency_put(sf_pool *pool, int64_t org_id, const char *key, const char *hash, int status,
                             const char *response)
{
    sf_int_text org = sf_int_to_text(org_id), st = sf_int_to_text(status);
    const char *params[] = {org.s, key, hash, st.s, response};
    return sf_db_write(pool, &PUT_KEY, params, NULL, NULL);
}
