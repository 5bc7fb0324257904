/*
 * Token revocation and login throttling, kept in the database so that every shifan process
 * on it sees the same state.
 */
#ifndef SF_REPO_SESSIONS_H
#define SF_REPO_SESSIONS_H

#include <stdint.h>

#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/db.h"
#include "persistence/pool.h"

/* The session check folded into a read (issue 18, point 3): one round trip for an
 * authenticated read instead of the check and then the read. `jti` is the token's id, or NULL
 * when nothing is left to check (an API token, found by its own look-up). */
typedef struct {
    int64_t user_id;
    const char *jti;
} sf_session;
/* Its SQL: true when there is nothing to check or session_live() (sql/028_session_live.sql,
 * the one statement of the rule) holds. `uid` and `jti` name the statement's parameters. */
#define SF_SESSION_LIVE(uid, jti) "(" jti "::uuid IS NULL OR session_live(" uid "::bigint, " jti "::uuid))"
/* The two parameters' texts (uid is the caller's buffer). */
void sf_session_params(const sf_session *s, sf_int_text *uid, const char **jti);

/* Records `jti` as revoked until `expires_at` (Unix seconds), with its audit event. Revoking
 * a revoked token again is SF_OK. */
sf_status sf_session_revoke(sf_pool *pool, const sf_actor *actor, const char *jti, long long expires_at);

/* How failed logins of one key are throttled: up to max_failures within the window go
 * unhindered; each further one makes the key wait delay_seconds, doubling with each failure,
 * at most max_delay_seconds (issue 14, item 3). */
typedef struct {
    int max_failures;
    int window_seconds;
    int delay_seconds;
    int max_delay_seconds;
} sf_throttle_rule;

/* The login throttle's keys and rules: one rule for the pair (username, client), one for the
 * client across usernames. `client` is the client's address (api/client.h). */
typedef struct {
    const char *username;
    const char *client;
    sf_throttle_rule pair;
    sf_throttle_rule whole_client;
} sf_login_attempt;

/* Reserves a login attempt before any password is hashed, atomically for both keys (issue 14,
 * item 4): counted as a failure until sf_login_succeeded takes it back, so concurrent attempts
 * cannot get past the limit while the first are hashing. *retry_after is 0 when reserved, else
 * the seconds until a key's delay ends (nothing counted). */
sf_status sf_login_reserve(sf_pool *pool, const sf_login_attempt *a, long *retry_after);

/* The reserved attempt failed (user_id 0: no such user): recorded in the audit trail, with
 * the lock it earned, if any. Forgets counters long over. */
sf_status sf_login_failed(sf_pool *pool, const sf_login_attempt *a, int64_t user_id, const char *request_id);

/* The reserved attempt was never made (no password was hashed): taken back. */
sf_status sf_login_release(sf_pool *pool, const sf_login_attempt *a);

/* The reserved attempt succeeded: the pair's count is cleared, the client's reservation taken
 * back, the login recorded in the audit trail. */
sf_status sf_login_succeeded(sf_pool *pool, const sf_login_attempt *a, const sf_actor *actor);

#endif
