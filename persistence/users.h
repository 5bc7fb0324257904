/*
 * The users repository: accounts, login look-up, and the per-request session check.
 */
#ifndef SF_REPO_USERS_H
#define SF_REPO_USERS_H

#include <stdint.h>

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
} sf_user;

/* Inserts a user (password already hashed) and its audit event in one statement. A taken
 * username is SF_CONFLICT; an unknown organisation SF_INVALID; both with a field error. */
sf_status sf_user_create(sf_pool *pool, const sf_actor *actor, const char *username,
                         const char *password_hash, int64_t org_id, const char *display_name,
                         sf_user *out, sf_errors *errors);

/* Creates user "admin" in the province organisation unless a user of the province exists
 * already; *created tells which. Atomic: two instances starting at once create one admin. */
sf_status sf_user_bootstrap_admin(sf_pool *pool, const char *password_hash, int *created);

/* Clears every login delay of user `id`, from every client address (issue 14, item 3), with
 * its audit event; SF_NOT_FOUND for an unknown user. */
sf_status sf_user_unlock(sf_pool *pool, const sf_actor *actor, int64_t id);

/* What a login needs: the user, its hash, and its organisation's type and region. */
typedef struct {
    sf_user user;
    char password_hash[160];
    char org_type[16];
    char region_code[8];
} sf_login_record;

/* SF_NOT_FOUND for an unknown username. */
sf_status sf_user_find_for_login(sf_pool *pool, const char *username, sf_login_record *out);

/* Per request: whether the token's user still exists and is active, and its jti is not
 * revoked. *valid is 1 only if all hold. */
sf_status sf_user_session_valid(sf_pool *pool, int64_t user_id, const char *jti, int *valid);

/* The user and its organisation. With `session` (GET /v1/me), the session check in the same
 * statement: *live is 0 (and nothing else filled) when the session has ended, else 1.
 * Without it, an unknown user is SF_NOT_FOUND; `live` may be NULL. */
sf_status sf_user_get_with_org(sf_pool *pool, int64_t user_id, const sf_session *session, sf_user *user,
                               sf_organization *org, int *live);

#endif
