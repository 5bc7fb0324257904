/*
 * Sessions, token revocation and login throttling, kept in the database so that every shifan
 * process on it sees the same state. A session is one login and the access tokens refreshed
 * from it (issue 13 §3): each access token names it (`sid`), and ending it — a revocation, a
 * refresh token used twice, a password change or reset, a deactivation — refuses them all.
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
 * when nothing is left to check (an API token, found by its own look-up); `sid` its session. */
typedef struct {
    int64_t user_id;
    const char *jti;
    const char *sid;
} sf_session;
/* Its SQL: true when there is nothing to check or the session rule (SF_SESSION_RULE) holds — the
 * token's session exists, is its user's, and has not ended: session_token_valid() of
 * sql/048_session_rule_on_sessions.sql, written out in the statement rather than called, so that
 * its look-up is part of the statement's kept plan (the PL/pgSQL call cost a third of the
 * application read's time in the database; bench/RESULTS.md). The session's row alone says it:
 * whatever deactivates a user, changes a password or revokes a token, through the API or by hand
 * in psql, ends the sessions concerned in its own transaction (sql/048's triggers). The jti is
 * still cast, so that one that is not a UUID (not a token we issued) fails the statement
 * (SF_INVALID), but no longer looked up: a revoked jti has ended its session. It reads with the
 * statement's snapshot as the function does. test_persistence checks that the two answer alike
 * for every session and token. The arguments name the statement's parameters (or columns). */
#define SF_SESSION_RULE(uid, jti, sid)                                                                  \
    "(EXISTS (SELECT 1 FROM sessions sf_s WHERE sf_s.id = " sid "::uuid AND sf_s.user_id = " uid "::bigint" \
    " AND sf_s.ended_at IS NULL) AND (" jti "::uuid IS NULL OR true))"
#define SF_SESSION_LIVE(uid, jti, sid) "(" jti "::uuid IS NULL OR " SF_SESSION_RULE(uid, jti, sid) ")"
/* The three parameters' texts (uid is the caller's buffer). */
void sf_session_params(const sf_session *s, sf_int_text *uid, const char **jti, const char **sid);

/* Records `jti` (of session `sid`) as revoked until `expires_at` (Unix seconds) and ends its session `sid`
 * (every token of it, and its refresh token), with the audit event. Revoking a revoked
 * token again is SF_OK. */
sf_status sf_session_revoke(sf_pool *pool, const sf_actor *actor, const char *jti, const char *sid,
                            long long expires_at);

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
 * back, the login recorded in the audit trail, and its session started with its first
 * refresh token (`refresh_hash`, the SHA-256 in hex, expiring in refresh_ttl seconds); the
 * session's id into `sid` (37 bytes). SF_NOT_FOUND, and no session, when the user is no longer
 * active (deactivated while the password was being hashed: sql/048): then the attempt is
 * recorded as the failure it is answered as, as sf_login_failed records one (sql/051). */
sf_status sf_login_succeeded(sf_pool *pool, const sf_login_attempt *a, const sf_actor *actor,
                             const char *refresh_hash, int refresh_ttl, char sid[37]);

/* What a refresh answers (sf_session_refresh). */
typedef enum {
    SF_REFRESH_OK,         /* a new refresh token is stored; `who` says whom to issue for */
    SF_REFRESH_THROTTLED,  /* too many refused refreshes from this client: *retry_after */
    SF_REFRESH_INVALID,    /* unknown, expired, of an ended session or an inactive user */
    SF_REFRESH_REUSED      /* used before: the session is ended now */
} sf_refresh_outcome;

typedef struct {
    int64_t user_id, org_id;
    char org_type[16], region_code[8];
    int password_change_required;
    char sid[37];
} sf_refresh_grant;

/* One refresh, atomically (session_refresh, sql/025_accounts_sessions.sql): the token whose
 * hash is `hash` is used up and `new_hash` issued in its place, in the same session. Refused
 * refreshes count against `client` under the rule `rule` (as logins do). */
sf_status sf_session_refresh(sf_pool *pool, const char *hash, const char *new_hash, int refresh_ttl,
                             const char *client, const sf_throttle_rule *rule, const char *request_id,
                             sf_refresh_outcome *outcome, long *retry_after, sf_refresh_grant *who);

#endif
