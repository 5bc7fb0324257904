/*
 * Token revocation and login throttling, kept in the database so that every shifan process
 * on it sees the same state.
 */
#ifndef SF_REPO_SESSIONS_H
#define SF_REPO_SESSIONS_H

#include <stdint.h>

#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

/* Records `jti` as revoked until `expires_at` (Unix seconds), with its audit event. Revoking
 * a revoked token again is SF_OK. */
sf_status sf_session_revoke(sf_pool *pool, const sf_actor *actor, const char *jti, long long expires_at);

typedef struct {
    int max_failures;       /* failures within the window before the key is locked */
    int window_seconds;
    int lock_seconds;
} sf_throttle_rule;

/* Seconds until logins for either key are accepted again; 0 if neither is locked. */
sf_status sf_login_locked_for(sf_pool *pool, const char *user_key, const char *client_key, long *retry_after);

/* Counts a failed login against both keys, each under its own rule; locks a key that
 * reaches its rule's maximum. */
sf_status sf_login_record_failure(sf_pool *pool, const char *user_key, const sf_throttle_rule *user_rule,
                                  const char *client_key, const sf_throttle_rule *client_rule);

/* A successful login clears the username's counter (not the client's: one valid account
 * must not reset a client that is guessing others). */
sf_status sf_login_record_success(sf_pool *pool, const char *user_key);

#endif
