/*
 * Revoked tokens and failed-login counters (see sessions.h).
 */
#include "persistence/sessions.h"

#include <stdio.h>

#include "persistence/db.h"

static const sf_stmt REVOKE = {
    "WITH r AS (INSERT INTO revoked_tokens (jti, user_id, expires_at)"
    "           VALUES ($1::uuid, $2, to_timestamp($3)) ON CONFLICT (jti) DO NOTHING RETURNING jti)"
    " SELECT audit_append($2, $4, 'token.revoked', 'user', $2, jsonb_build_object('jti', r.jti), $5)"
    " FROM r", 5};
static const sf_stmt LOCKED_FOR = {
    "SELECT coalesce(ceil(extract(epoch FROM max(locked_until) - now())), 0)::bigint"
    " FROM login_failures WHERE key IN ($1, $2) AND locked_until > now()", 2};
/* One rule per key: the window restarts when it has passed; reaching the maximum locks. */
static const sf_stmt RECORD_FAILURE = {
    "INSERT INTO login_failures AS f (key, failures, window_start, locked_until)"
    " VALUES ($1, 1, now(), CASE WHEN $2::int <= 1 THEN now() + make_interval(secs => $4::int) END)"
    " ON CONFLICT (key) DO UPDATE SET"
    "   failures = CASE WHEN f.window_start < now() - make_interval(secs => $3::int)"
    "                   THEN 1 ELSE f.failures + 1 END,"
    "   window_start = CASE WHEN f.window_start < now() - make_interval(secs => $3::int)"
    "                       THEN now() ELSE f.window_start END,"
    "   locked_until = CASE WHEN f.window_start >= now() - make_interval(secs => $3::int)"
    "                        AND f.failures + 1 >= $2::int"
    "                       THEN now() + make_interval(secs => $4::int) ELSE f.locked_until END", 4};
static const sf_stmt CLEAR = {"DELETE FROM login_failures WHERE key = $1", 1};
/* Counters whose window and lock are long over are forgotten, a hundred at a time, so that
 * guessing many usernames does not grow the table without bound. */
static const sf_stmt PURGE = {
    "DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures"
    " WHERE window_start < now() - make_interval(secs => $1::int)"
    "   AND (locked_until IS NULL OR locked_until < now()) LIMIT 100)", 1};

sf_status sf_session_revoke(sf_pool *pool, const sf_actor *actor, const char *jti, long long expires_at)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text exp = sf_int_to_text(expires_at);
    const char *params[] = {jti, a.values[0], exp.s, a.values[1], a.values[2]};
    return sf_db_write(pool, &REVOKE, params, NULL, NULL);
}

sf_status sf_login_locked_for(sf_pool *pool, const char *user_key, const char *client_key, long *retry_after)
{
    const char *params[] = {user_key, client_key};
    PGresult *res;
    *retry_after = 0;
    sf_status status = sf_db_read(pool, &LOCKED_FOR, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *retry_after = (long)sf_db_get_int(res, 0, 0);
    PQclear(res);
    return SF_OK;
}

static sf_status record_one(sf_conn *conn, const char *key, const sf_throttle_rule *rule)
{
    sf_int_text max = sf_int_to_text(rule->max_failures);
    sf_int_text window = sf_int_to_text(rule->window_seconds);
    sf_int_text lock = sf_int_to_text(rule->lock_seconds);
    const char *params[] = {key, max.s, window.s, lock.s};
    return sf_db_exec(conn, &RECORD_FAILURE, params, NULL, NULL);
}

sf_status sf_login_record_failure(sf_pool *pool, const char *user_key, const sf_throttle_rule *user_rule,
                                  const char *client_key, const sf_throttle_rule *client_rule)
{
    sf_conn *conn;
    sf_status status = sf_pool_acquire(pool, &conn);
    if (status != SF_OK)
        return status;
    status = record_one(conn, user_key, user_rule);
    if (status == SF_OK)
        status = record_one(conn, client_key, client_rule);
    if (status == SF_OK) {
        sf_int_text window = sf_int_to_text(user_rule->window_seconds > client_rule->window_seconds
                                                ? user_rule->window_seconds : client_rule->window_seconds);
        const char *params[] = {window.s};
        status = sf_db_exec(conn, &PURGE, params, NULL, NULL);
    }
    sf_pool_release(pool, conn);
    return status;
}

sf_status sf_login_record_success(sf_pool *pool, const char *user_key)
{
    const char *params[] = {user_key};
    return sf_db_write(pool, &CLEAR, params, NULL, NULL);
}
