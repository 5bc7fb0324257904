/*
 * Users: create (with audit), bootstrap admin, login look-up, session check.
 */
#include "persistence/users.h"

#include <stdio.h>
#include <string.h>

#include "persistence/db.h"

#define USER_COLUMNS "u.id, u.org_id, u.username, u.display_name, u.active, rfc3339(u.created_at)"

static const sf_stmt INSERT_USER = {
    "WITH u AS (INSERT INTO users (username, password_hash, org_id, display_name)"
    "           VALUES ($1, $2, $3, $4) RETURNING *)"
    " SELECT " USER_COLUMNS ", audit_append($5, $6, 'user.created', 'user', u.id,"
    "        jsonb_build_object('username', u.username, 'org_id', u.org_id), $7)"
    " FROM u", 7};
/* Two instances starting at once may both see no province user; the unique username then
 * lets exactly one insert succeed. */
static const sf_stmt BOOTSTRAP_ADMIN = {
    "WITH province AS (SELECT o.id FROM organizations o WHERE o.type = 'province'"
    "              AND NOT EXISTS (SELECT 1 FROM users x WHERE x.org_id = o.id)),"
    " u AS (INSERT INTO users (username, password_hash, org_id, display_name)"
    "       SELECT 'admin', $1, id, 'Administrator' FROM province"
    "       ON CONFLICT (username) DO NOTHING RETURNING *)"
    " SELECT u.id, audit_append(NULL, NULL, 'user.bootstrapped', 'user', u.id,"
    "        jsonb_build_object('username', u.username, 'org_id', u.org_id), NULL)"
    " FROM u", 1};
static const sf_stmt FIND_FOR_LOGIN = {
    "SELECT " USER_COLUMNS ", u.password_hash, o.type, o.region_code"
    " FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.username = $1", 1};
static const sf_stmt SESSION_VALID = {
    "SELECT session_live($1, $2::uuid)", 2};
static const sf_stmt GET_WITH_ORG = {
    "SELECT " USER_COLUMNS ", o.id, o.type, o.name, o.region_code, rfc3339(o.created_at), "
    SF_SESSION_LIVE("$2", "$3") " FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = $1", 3};

static void copy_user(const PGresult *res, int row, sf_user *out)
{
    out->id = sf_db_get_int(res, row, 0);
    out->org_id = sf_db_get_int(res, row, 1);
    snprintf(out->username, sizeof out->username, "%s", PQgetvalue(res, row, 2));
    snprintf(out->display_name, sizeof out->display_name, "%s", PQgetvalue(res, row, 3));
    out->active = sf_db_get_bool(res, row, 4);
    snprintf(out->created_at, sizeof out->created_at, "%s", PQgetvalue(res, row, 5));
}

sf_status sf_user_create(sf_pool *pool, const sf_actor *actor, const char *username,
                         const char *password_hash, int64_t org_id, const char *display_name,
                         sf_user *out, sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text org = sf_int_to_text(org_id);
    const char *params[] = {username, password_hash, org.s, display_name,
                            a.values[0], a.values[1], a.values[2]};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &INSERT_USER, params, &res, &err);
    if (status == SF_CONFLICT && strcmp(err.constraint, "users_username_key") == 0)
        sf_errors_add(errors, "username", "is taken");
    if (status == SF_INVALID && strcmp(err.constraint, "users_org_id_fkey") == 0)
        sf_errors_add(errors, "org_id", "no such organisation");
    if (status != SF_OK)
        return status;
    copy_user(res, 0, out);
    PQclear(res);
    return SF_OK;
}

sf_status sf_user_bootstrap_admin(sf_pool *pool, const char *password_hash, int *created)
{
    const char *params[] = {password_hash};
    PGresult *res;
    sf_status status = sf_db_write(pool, &BOOTSTRAP_ADMIN, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *created = PQntuples(res) == 1;
    PQclear(res);
    return SF_OK;
}

sf_status sf_user_find_for_login(sf_pool *pool, const char *username, sf_login_record *out)
{
    const char *params[] = {username};
    PGresult *res;
    sf_status status = sf_db_read(pool, &FIND_FOR_LOGIN, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    copy_user(res, 0, &out->user);
    snprintf(out->password_hash, sizeof out->password_hash, "%s", PQgetvalue(res, 0, 6));
    snprintf(out->org_type, sizeof out->org_type, "%s", PQgetvalue(res, 0, 7));
    snprintf(out->region_code, sizeof out->region_code, "%s", PQgetvalue(res, 0, 8));
    PQclear(res);
    return SF_OK;
}

sf_status sf_user_session_valid(sf_pool *pool, int64_t user_id, const char *jti, int *valid)
{
    sf_int_text uid = sf_int_to_text(user_id);
    const char *params[] = {uid.s, jti};
    PGresult *res;
    *valid = 0;
    sf_status status = sf_db_read(pool, &SESSION_VALID, params, &res, NULL);
    if (status == SF_INVALID)   /* a jti that is not a UUID: not a token we issued */
        return SF_OK;
    if (status != SF_OK)
        return status;
    *valid = sf_db_get_bool(res, 0, 0);
    PQclear(res);
    return SF_OK;
}

sf_status sf_user_get_with_org(sf_pool *pool, int64_t user_id, const sf_session *session, sf_user *user,
                               sf_organization *org, int *live)
{
    sf_int_text uid = sf_int_to_text(user_id), suid = {{0}};
    const char *jti = NULL;
    if (session != NULL)
        sf_session_params(session, &suid, &jti);
    const char *params[] = {uid.s, session ? suid.s : NULL, jti};
    PGresult *res;
    if (live != NULL)
        *live = 0;
    sf_status status = sf_db_read(pool, &GET_WITH_ORG, params, &res, NULL);
    if (status == SF_INVALID && jti != NULL)   /* a jti that is not a UUID: not a token we issued */
        return SF_OK;
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {   /* no such user: no live session of it either */
        PQclear(res);
        return session != NULL ? SF_OK : SF_NOT_FOUND;
    }
    if (live != NULL)
        *live = sf_db_get_bool(res, 0, 11);
    if (session != NULL && !sf_db_get_bool(res, 0, 11)) {
        PQclear(res);
        return SF_OK;
    }
    copy_user(res, 0, user);
    org->id = sf_db_get_int(res, 0, 6);
    snprintf(org->type, sizeof org->type, "%s", PQgetvalue(res, 0, 7));
    snprintf(org->name, sizeof org->name, "%s", PQgetvalue(res, 0, 8));
    snprintf(org->region_code, sizeof org->region_code, "%s", PQgetvalue(res, 0, 9));
    snprintf(org->created_at, sizeof org->created_at, "%s", PQgetvalue(res, 0, 10));
    PQclear(res);
    return SF_OK;
}

static const sf_stmt UNLOCK = {
    "WITH u AS (SELECT id, username FROM users WHERE id = $1),"
    " d AS (DELETE FROM login_failures f USING u WHERE f.username = u.username RETURNING f.key)"
    " SELECT (SELECT count(*) FROM u),"
    "  (SELECT audit_append($2, $3, 'user.unlocked', 'user', u.id,"
    "          jsonb_build_object('delays_cleared', (SELECT count(*) FROM d)), $4) FROM u)", 4};

sf_status sf_user_unlock(sf_pool *pool, const sf_actor *actor, int64_t id)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, a.values[0], a.values[1], a.values[2]};
    PGresult *res;
    sf_status status = sf_db_write(pool, &UNLOCK, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (sf_db_get_int(res, 0, 0) == 0)
        status = SF_NOT_FOUND;
    PQclear(res);
    return status;
}
