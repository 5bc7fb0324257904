/*
 * API tokens (see api_tokens.h).
 */
#include "persistence/api_tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

static const sf_stmt CREATE = {
    "WITH t AS (INSERT INTO api_tokens (user_id, org_id, name, scopes, token_hash, prefix, expires_at)"
    "           VALUES ($1, $2, $3, $4::text[], $5, $6, now() + make_interval(secs => $7::int)) RETURNING *)"
    " SELECT d.doc::text, audit_append($1, $2, 'api_token.created', 'api_token', d.id, jsonb_build_object('after', d.doc), $8)"
    " FROM (SELECT t.id, api_token_doc(ROW(t.*)::api_tokens) AS doc FROM t) d", 8};
static const sf_stmt LIST = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT t.id, api_token_doc(t) AS doc, row_number() OVER (ORDER BY t.id) AS rn"
    " FROM api_tokens t WHERE t.org_id = $2::bigint AND ($3::text IS NULL OR api_token_doc(t)->>'status' = $3)"
    "   AND ($4::bigint IS NULL OR t.user_id = $4)"
    "   AND t.id > $1 ORDER BY t.id LIMIT $5 + 1", 5, 1, 5);
static const sf_stmt GET = {"SELECT api_token_doc(t)::text FROM api_tokens t WHERE t.id = $1 AND t.org_id = $2", 2};
static const sf_stmt REVOKE = {
    "WITH t AS (UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND org_id = $2 RETURNING id)"
    " SELECT audit_append($3, $2, 'api_token.revoked', 'api_token', t.id, '{}', $4) FROM t", 4};
static const sf_stmt AUTHENTICATE = {
    "SELECT t.id, t.user_id, t.org_id, o.type, o.region_code, array_to_string(t.scopes, ','),"
    " extract(epoch FROM t.expires_at)::bigint"
    " FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organizations o ON o.id = t.org_id"
    " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.active", 1};

sf_status sf_api_token_create(sf_pool *pool, const sf_actor *actor, const char *name, const char *scopes_literal,
                              int expires_in_s, const char *hash, const char *prefix, char **doc, sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text d = sf_int_to_text(expires_in_s);
    const char *params[] = {a.values[0], a.values[1], name, scopes_literal, hash, prefix, d.s, a.values[2]};
    (void)errors;
    return sf_db_write_text(pool, &CREATE, params, doc, NULL);
}

sf_status sf_api_token_list(sf_pool *pool, const sf_caller *caller, const char *status, int64_t after_id, int limit,
                            char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit);
    const char *params[] = {after.s, org.s, status, NULL, lim.s};
    return sf_db_read_page(pool, &LIST, params, items, next_after, total);
}

sf_status sf_api_token_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {idt.s, org.s};
    return sf_db_read_text(pool, &GET, params, doc);
}

sf_status sf_api_token_revoke(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id), user = sf_int_to_text(actor->user_id);
    const char *params[] = {idt.s, org.s, user.s, actor->request_id};
    PGresult *res;
    sf_status status = sf_db_write(pool, &REVOKE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    status = PQntuples(res) == 1 ? SF_OK : SF_NOT_FOUND;
    PQclear(res);
    return status;
}

sf_status sf_api_token_authenticate(sf_pool *pool, const char *hash, sf_caller *caller)
{
    const char *params[] = {hash};
    PGresult *res;
    sf_status status = sf_db_read(pool, &AUTHENTICATE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    memset(caller, 0, sizeof *caller);
    caller->api_token_id = sf_db_get_int(res, 0, 0);
    caller->user_id = sf_db_get_int(res, 0, 1);
    caller->org_id = sf_db_get_int(res, 0, 2);
    caller->role = sf_role_parse(PQgetvalue(res, 0, 3));
    snprintf(caller->region_code, sizeof caller->region_code, "%s", PQgetvalue(res, 0, 4));
    const char *scopes = PQgetvalue(res, 0, 5);
    char one[16];
    for (const char *p = scopes; *p;) {
        size_t n = strcspn(p, ",");
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
        caller->scopes |= sf_scope_parse(one);
        p += n;
        if (*p == ',')
            p++;
    }
    caller->token_expires_at = sf_db_get_int(res, 0, 6);
    PQclear(res);
    return SF_OK;
}
