/*
 * Revoked tokens and failed-login counters (see sessions.h).
 */
#include "persistence/sessions.h"

#include <stdio.h>
#include <string.h>

#include "persistence/db.h"

static const sf_stmt REVOKE = {
    "WITH r AS (INSERT INTO revoked_tokens (jti, user_id, expires_at, session_id)"
    "           VALUES ($1::uuid, $2, to_timestamp($3), $6::uuid) ON CONFLICT (jti) DO NOTHING RETURNING jti),"
    " s AS (UPDATE sessions SET ended_at = now(), end_reason = 'revoked'"
    "       WHERE id = $6::uuid AND user_id = $2 AND ended_at IS NULL RETURNING id)"
    " SELECT audit_append($2, $4, 'token.revoked', 'user', $2,"
    "                     jsonb_build_object('jti', r.jti, 'sid', (SELECT id FROM s)), $5)"
    " FROM r", 6};
/* The throttle's rules live in sql/017_security.sql (login_reserve, login_failed,
 * login_succeeded): each is one statement, so each is atomic. */
static const sf_stmt RESERVE = {"SELECT login_reserve($1, $2, $3, $4, $5, $6, $7)", 7};
static const sf_stmt FAILED = {"SELECT login_failed($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9};
static const sf_stmt RELEASE = {"SELECT login_release($1, $2, $3, $4)", 4};
/* the session started and the success recorded, or the failure recorded when no session could
 * start (sql/051) */
static const sf_stmt SUCCEEDED = {
    "SELECT login_completed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", 12};
static const sf_stmt REFRESH = {
    "SELECT outcome, retry_after, user_id, org_id, org_type, region_code, password_change_required, sid"
    " FROM session_refresh($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9};

void sf_session_params(const sf_session *s, sf_int_text *uid, const char **jti, const char **sid)
{
    *uid = sf_int_to_text(s->user_id);
    *jti = s->jti;
    *sid = s->sid;
}

sf_status sf_session_revoke(sf_pool *pool, const sf_actor *actor, const char *jti, const char *sid,
                            long long expires_at)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text exp = sf_int_to_text(expires_at);
    const char *params[] = {jti, a.values[0], exp.s, a.values[1], a.values[2], sid};
    return sf_db_write(pool, &REVOKE, params, NULL, NULL);
}

sf_status sf_login_reserve(sf_pool *pool, const sf_login_attempt *a, long *retry_after)
{
    sf_int_text pmax = sf_int_to_text(a->pair.max_failures), cmax = sf_int_to_text(a->whole_client.max_failures),
                window = sf_int_to_text(a->pair.window_seconds), delay = sf_int_to_text(a->pair.delay_seconds),
                max_delay = sf_int_to_text(a->pair.max_delay_seconds);
    const char *params[] = {a->username, a->client, pmax.s, cmax.s, window.s, delay.s, max_delay.s};
    PGresult *res;
    *retry_after = 0;
    sf_status status = sf_db_write(pool, &RESERVE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *retry_after = (long)sf_db_get_int(res, 0, 0);
    PQclear(res);
    return SF_OK;
}

sf_status sf_login_failed(sf_pool *pool, const sf_login_attempt *a, int64_t user_id, const char *request_id)
{
    sf_int_text user = sf_int_to_text(user_id), pmax = sf_int_to_text(a->pair.max_failures),
                cmax = sf_int_to_text(a->whole_client.max_failures), window = sf_int_to_text(a->pair.window_seconds),
                delay = sf_int_to_text(a->pair.delay_seconds), max_delay = sf_int_to_text(a->pair.max_delay_seconds);
    const char *params[] = {a->username, a->client, user_id > 0 ? user.s : NULL, pmax.s, cmax.s,
                            window.s, delay.s, max_delay.s, request_id};
    return sf_db_write(pool, &FAILED, params, NULL, NULL);
}

sf_status sf_login_succeeded(sf_pool *pool, const sf_login_attempt *a, const sf_actor *actor,
                             const char *refresh_hash, int refresh_ttl, char sid[37])
{
    sf_actor_params p;
    sf_actor_to_params(actor, &p);
    sf_int_text pmax = sf_int_to_text(a->pair.max_failures), cmax = sf_int_to_text(a->whole_client.max_failures),
                window = sf_int_to_text(a->pair.window_seconds), delay = sf_int_to_text(a->pair.delay_seconds),
                max_delay = sf_int_to_text(a->pair.max_delay_seconds), ttl = sf_int_to_text(refresh_ttl);
    const char *params[] = {a->username, a->client, p.values[0], p.values[1], pmax.s, cmax.s,
                            window.s, delay.s, max_delay.s, p.values[2], refresh_hash, ttl.s};
    PGresult *res;
    sf_status status = sf_db_write(pool, &SUCCEEDED, params, &res, NULL);
    if (status != SF_OK)
        return status;
    /* no session: the user was deactivated while the password was being hashed (sql/048) */
    status = PQgetisnull(res, 0, 0) ? SF_NOT_FOUND : SF_OK;
    snprintf(sid, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return status;
}

sf_status sf_session_refresh(sf_pool *pool, const char *hash, const char *new_hash, int refresh_ttl,
                             const char *client, const sf_throttle_rule *rule, const char *request_id,
                             sf_refresh_outcome *outcome, long *retry_after, sf_refresh_grant *who)
{
    sf_int_text ttl = sf_int_to_text(refresh_ttl), max = sf_int_to_text(rule->max_failures),
                window = sf_int_to_text(rule->window_seconds), delay = sf_int_to_text(rule->delay_seconds),
                max_delay = sf_int_to_text(rule->max_delay_seconds);
    const char *params[] = {hash, new_hash, ttl.s, client, max.s, window.s, delay.s, max_delay.s, request_id};
    PGresult *res;
    *outcome = SF_REFRESH_INVALID;
    *retry_after = 0;
    sf_status status = sf_db_write(pool, &REFRESH, params, &res, NULL);
    if (status != SF_OK)
        return status;
    const char *o = PQgetvalue(res, 0, 0);
    if (strcmp(o, "ok") == 0) {
        *outcome = SF_REFRESH_OK;
        who->user_id = sf_db_get_int(res, 0, 2);
        who->org_id = sf_db_get_int(res, 0, 3);
        snprintf(who->org_type, sizeof who->org_type, "%s", PQgetvalue(res, 0, 4));
        snprintf(who->region_code, sizeof who->region_code, "%s", PQgetvalue(res, 0, 5));
        who->password_change_required = sf_db_get_bool(res, 0, 6);
        snprintf(who->sid, sizeof who->sid, "%s", PQgetvalue(res, 0, 7));
    } else if (strcmp(o, "throttled") == 0) {
        *outcome = SF_REFRESH_THROTTLED;
        *retry_after = (long)sf_db_get_int(res, 0, 1);
    } else if (strcmp(o, "reused") == 0) {
        *outcome = SF_REFRESH_REUSED;
    }
    PQclear(res);
    return SF_OK;
}

sf_status sf_login_release(sf_pool *pool, const sf_login_attempt *a)
{
    sf_int_text pmax = sf_int_to_text(a->pair.max_failures), cmax = sf_int_to_text(a->whole_client.max_failures);
    const char *params[] = {a->username, a->client, pmax.s, cmax.s};
    return sf_db_write(pool, &RELEASE, params, NULL, NULL);
}
