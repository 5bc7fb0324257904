/*
 * API tokens for scripts: stored as SHA-256 hashes, looked up on every request.
 */
#ifndef SF_REPO_API_TOKENS_H
#define SF_REPO_API_TOKENS_H

#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

/* Stores a new token (its hash) for the caller's organisation, expiring `expires_in_s` seconds from
 * now; *doc is its document. */
sf_status sf_api_token_create(sf_pool *pool, const sf_actor *actor, const char *name, const char *scopes_literal,
                              int expires_in_s, const char *hash, const char *prefix, char **doc, sf_errors *errors);

/* The caller's organisation's tokens; `status` (active, expired, revoked) may be NULL. */
sf_status sf_api_token_list(sf_pool *pool, const sf_caller *caller, const char *status, int64_t after_id, int limit,
                            char **items, int64_t *next_after, int64_t *total);

/* One of the caller's organisation's tokens, as the list shows it; SF_NOT_FOUND for another's. */
sf_status sf_api_token_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

/* Revokes one of the caller's organisation's tokens; SF_NOT_FOUND for another's. */
sf_status sf_api_token_revoke(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id);

/* Authenticates a script: the token with this hash, active and not expired, of an active
 * user. Fills the caller (role and region from the organisation) and its scopes.
 * SF_NOT_FOUND when there is no such usable token. */
sf_status sf_api_token_authenticate(sf_pool *pool, const char *hash, sf_caller *caller);

#endif
