/*
 * The users repository: accounts, login look-up, and the per-request session check.
 */
#ifndef SF_REPO_USERS_H
#define SF_REPO_USERS_H

#include <stdint.h>

#include "domain/accounts.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/organizations.h"
#include "persistence/pool.h"
#include "persistence/sessions.h"

typedef struct {
    int64_t id;
    int64_t org_id;
    char username[72];
    char display_name[408];
    int active;
    char created_at[40];
    int password_change_required;   /* set by a reset: the user must change it (issue 14, 6) */
} sf_user;

/* Inserts a user (password already hashed) and its audit event in one statement, in an
 * organisation the caller administers (user_manageable, sql/025_accounts_sessions.sql). A
 * taken username is SF_CONFLICT; an unknown organisation, or one outside the caller's scope,
 * SF_INVALID; both with a field error. */
sf_status sf_user_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const char *username,
                         const char *password_hash, int64_t org_id, const char *display_name,
                         sf_user *out, sf_errors *errors);

/* A user the caller administers (the province all; a city those of the non-office
 * organisations of its region); SF_NOT_FOUND for any other. */
sf_status sf_user_get_in_scope(sf_pool *pool, const sf_caller *caller, int64_t id, sf_user *out);

#define SF_USER_PAGE_MAX 100
typedef struct {
    int64_t org_id;       /* 0: every organisation */
    int active;           /* -1: both; 0 or 1 */
    int64_t after_id;     /* keyset: only ids greater than this */
    int limit;            /* 1..SF_USER_PAGE_MAX */
} sf_user_query;

/* The users the caller administers, by id; fills items (capacity query->limit); *has_more
 * tells whether another page follows; *total (when not NULL) counts every match, paging aside. */
sf_status sf_user_list(sf_pool *pool, const sf_caller *caller, const sf_user_query *query, sf_user *items,
                       size_t *count, int *has_more, int64_t *total);

/* PATCH /v1/users/{id}: applies `patch` to a user in the caller's scope (SF_NOT_FOUND
 * otherwise), audited; a deactivation ends every session and API token of the user. */
sf_status sf_user_update(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                         const sf_user_patch *patch, sf_user *out);

/* Sets a user's password hash; every session and API token of the user ends, audited. A
 * reset (`reset`): by an administrator in scope (SF_NOT_FOUND otherwise); the user must
 * change it at the next login. A change by the user (not `reset`): only while the stored
 * hash is still `expected_hash` (SF_CONFLICT otherwise). */
sf_status sf_user_set_password(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                               const char *password_hash, int reset, const char *expected_hash);

/* Creates user "admin" in the province organisation unless a user of the province exists
 * already; *created tells which. Atomic: two instances starting at once create one admin. */
sf_status sf_user_bootstrap_admin(sf_pool *pool, const char *password_hash, int *created);

/* Clears every login delay of user `id`, from every client address (issue 14, item 3), with
 * its audit event; SF_NOT_FOUND for an unknown user or one outside the caller's scope. */
sf_status sf_user_unlock(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id);

/* What a login needs: the user, its hash, and its organisation's type and region. */
typedef struct {
    sf_user user;
    char password_hash[160];
    char org_type[16];
    char region_code[8];
} sf_login_record;

/* SF_NOT_FOUND for an unknown username. */
sf_status sf_user_find_for_login(sf_pool *pool, const char *username, sf_login_record *out);

/* Per request: whether the token's user still exists and is active, its session `sid` is
 * open, and its jti is not revoked (session_token_valid, sql/025_accounts_sessions.sql).
 * *valid is 1 only if all hold. */
sf_status sf_user_session_valid(sf_pool *pool, int64_t user_id, const char *jti, const char *sid, int *valid);

/* The user and its organisation. With `session` (GET /v1/me), the session check in the same
 * statement: *live is 0 (and nothing else filled) when the session has ended, else 1.
 * Without it, an unknown user is SF_NOT_FOUND; `live` may be NULL. */
sf_status sf_user_get_with_org(sf_pool *pool, int64_t user_id, const sf_session *session, sf_user *user,
                               sf_organization *org, int *live);

#endif
