/*
 * Users: create (with audit), bootstrap admin, login look-up, session check.
 */
#include "persistence/users.h"

#include <stdio.h>
#include <string.h>

#include "persistence/db.h"

#define USER_COLUMNS \
    "u.id, u.org_id, u.username, u.display_name, u.active, rfc3339(u.created_at), u.password_change_required"
#define USER_NCOLUMNS 7

/* Only into an organisation the caller administers (user_manageable): for the province an
 * unknown organisation is the foreign key's refusal; for a city it is no row, like one
 * outside its region. */
static const sf_stmt INSERT_USER = {
    "WITH u AS (INSERT INTO users (username, password_hash, org_id, display_name)"
    "           SELECT $1, $2, $3, $4 WHERE user_manageable($8, $9, $3) RETURNING *)"
    " SELECT " USER_COLUMNS ", audit_append($5, $6, 'user.created', 'user', u.id,"
    "        jsonb_build_object('username', u.username, 'org_id', u.org_id), $7)"
    " FROM u", 9};
/* The users a caller reads: those it administers, and every one for the supervisor, who
 * reads everything and changes nothing (Art. 25; its writes are refused by the permission
 * table before any of these). */
#define USER_READABLE(role, region) "(" role " = 'supervisor' OR user_manageable(" role ", " region ", u.org_id))"
static const sf_stmt GET_IN_SCOPE = {
    "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1 AND " USER_READABLE("$2", "$3"), 3};
static const sf_stmt LIST_USERS = SF_ROWS_STMT(
    "SELECT " USER_COLUMNS " FROM users u WHERE " USER_READABLE("$1", "$2")
    " AND ($3::bigint IS NULL OR u.org_id = $3) AND ($4::boolean IS NULL OR u.active = $4)"
    " AND u.id > $5 ORDER BY u.id LIMIT $6", 6, 5, 6);
static const sf_stmt UPDATE_USER = {
    "SELECT " USER_COLUMNS " FROM user_update($1, $2, $3, $4, $5, $6, $7, $8) u", 8};
static const sf_stmt SET_PASSWORD = {
    "SELECT user_set_password($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9};
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
static const sf_stmt SESSION_VALID = {"SELECT " SF_SESSION_RULE("$1", "$2", "$3"), 3};
static const sf_stmt GET_WITH_ORG = {
    "SELECT " USER_COLUMNS ", o.id, o.type, o.name, o.region_code, rfc3339(o.created_at), "
    SF_SESSION_LIVE("$2", "$3", "$4") ", coalesce(o.credit_code, '')"
    /* the organisation by its key from the user's row (LATERAL … LIMIT 1): with a small users
     * table the planner otherwise hashes the organisations on every call, about a tenth of the
     * database's time of GET /v1/me (issue 18, point 3; bench/RESULTS.md) */
    " FROM users u CROSS JOIN LATERAL (SELECT * FROM organizations o WHERE o.id = u.org_id LIMIT 1) o"
    " WHERE u.id = $1", 4};

static void copy_user(const PGresult *res, int row, sf_user *out)
{
    out->id = sf_db_get_int(res, row, 0);
    out->org_id = sf_db_get_int(res, row, 1);
    snprintf(out->username, sizeof out->username, "%s", PQgetvalue(res, row, 2));
    snprintf(out->display_name, sizeof out->display_name, "%s", PQgetvalue(res, row, 3));
    out->active = sf_db_get_bool(res, row, 4);
    snprintf(out->created_at, sizeof out->created_at, "%s", PQgetvalue(res, row, 5));
    out->password_change_required = sf_db_get_bool(res, row, 6);
}

/* The caller's role and region as statement parameters. */
static const char *role_of(const sf_caller *caller)
{
    const char *name = sf_role_name(caller->role);
    return name ? name : "";
}

sf_status sf_user_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const char *username,
                         const char *password_hash, int64_t org_id, const char *display_name,
                         sf_user *out, sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text org = sf_int_to_text(org_id);
    const char *params[] = {username, password_hash, org.s, display_name,
                            a.values[0], a.values[1], a.values[2], role_of(caller), caller->region_code};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &INSERT_USER, params, &res, &err);
    if (status == SF_CONFLICT && strcmp(err.constraint, "users_username_key") == 0) {
        sf_errors_add(errors, "username", SF_E_USERNAME_TAKEN);
        sf_errors_detail(errors, SF_E_USERNAME_TAKEN);
    }
    if (status == SF_INVALID && strcmp(err.constraint, "users_org_id_fkey") == 0)
        sf_errors_add(errors, "org_id", SF_E_ORGANIZATION_UNKNOWN);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {   /* an organisation outside the caller's scope */
        PQclear(res);
        sf_errors_add(errors, "org_id", SF_E_ORGANIZATION_NOT_MANAGED);
        return SF_INVALID;
    }
    copy_user(res, 0, out);
    PQclear(res);
    return SF_OK;
}

/* One user row of `stmt`, or SF_NOT_FOUND when there is none. */
static sf_status read_one(sf_pool *pool, const sf_stmt *stmt, const char *const *params, int write, sf_user *out)
{
    PGresult *res;
    sf_status status = write ? sf_db_write(pool, stmt, params, &res, NULL) : sf_db_read(pool, stmt, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0)
        status = SF_NOT_FOUND;
    else
        copy_user(res, 0, out);
    PQclear(res);
    return status;
}

sf_status sf_user_get_in_scope(sf_pool *pool, const sf_caller *caller, int64_t id, sf_user *out)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, role_of(caller), caller->region_code};
    return read_one(pool, &GET_IN_SCOPE, params, 0, out);
}

sf_status sf_user_list(sf_pool *pool, const sf_caller *caller, const sf_user_query *query, sf_user *items,
                       size_t *count, int *has_more, int64_t *total)
{
    sf_int_text org = sf_int_to_text(query->org_id), after = sf_int_to_text(query->after_id),
                limit = sf_int_to_text(query->limit + 1);
    const char *params[] = {role_of(caller), caller->region_code, query->org_id > 0 ? org.s : NULL,
                            query->active < 0 ? NULL : query->active ? "true" : "false", after.s, limit.s};
    PGresult *res;
    sf_status status = total != NULL ? sf_db_count(pool, &LIST_USERS, params, total) : SF_OK;
    if (status == SF_OK)
        status = sf_db_read(pool, &LIST_USERS, params, &res, NULL);
    if (status != SF_OK)
        return status;
    int rows = PQntuples(res);
    *has_more = rows > query->limit;
    *count = 0;
    for (int i = 0; i < rows && i < query->limit; i++)
        copy_user(res, i, &items[(*count)++]);
    PQclear(res);
    return SF_OK;
}

sf_status sf_user_update(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                         const sf_user_patch *patch, sf_user *out)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, role_of(caller), caller->region_code,
                            !patch->has_active ? NULL : patch->active ? "true" : "false", patch->display_name,
                            a.values[0], a.values[1], a.values[2]};
    return read_one(pool, &UPDATE_USER, params, 1, out);
}

sf_status sf_user_set_password(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                               const char *password_hash, int reset, const char *expected_hash)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, password_hash, reset ? "true" : "false", expected_hash, role_of(caller),
                            caller->region_code, a.values[0], a.values[1], a.values[2]};
    PGresult *res;
    sf_status status = sf_db_write(pool, &SET_PASSWORD, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQgetisnull(res, 0, 0))
        status = SF_NOT_FOUND;
    else if (sf_db_get_int(res, 0, 0) < 0)
        status = SF_CONFLICT;
    PQclear(res);
    return status;
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
    snprintf(out->password_hash, sizeof out->password_hash, "%s", PQgetvalue(res, 0, USER_NCOLUMNS));
    snprintf(out->org_type, sizeof out->org_type, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 1));
    snprintf(out->region_code, sizeof out->region_code, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 2));
    PQclear(res);
    return SF_OK;
}

sf_status sf_user_session_valid(sf_pool *pool, int64_t user_id, const char *jti, const char *sid, int *valid)
{
    sf_int_text uid = sf_int_to_text(user_id);
    const char *params[] = {uid.s, jti, sid};
    PGresult *res;
    *valid = 0;
    sf_status status = sf_db_read(pool, &SESSION_VALID, params, &res, NULL);
    if (status == SF_INVALID)   /* a jti or sid that is not a UUID: not a token we issued */
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
    const char *jti = NULL, *sid = NULL;
    if (session != NULL)
        sf_session_params(session, &suid, &jti, &sid);
    const char *params[] = {uid.s, session ? suid.s : NULL, jti, sid};
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
        *live = sf_db_get_bool(res, 0, USER_NCOLUMNS + 5);
    if (session != NULL && !sf_db_get_bool(res, 0, USER_NCOLUMNS + 5)) {
        PQclear(res);
        return SF_OK;
    }
    copy_user(res, 0, user);
    org->id = sf_db_get_int(res, 0, USER_NCOLUMNS);
    snprintf(org->type, sizeof org->type, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 1));
    snprintf(org->name, sizeof org->name, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 2));
    snprintf(org->region_code, sizeof org->region_code, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 3));
    snprintf(org->created_at, sizeof org->created_at, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 4));
    snprintf(org->credit_code, sizeof org->credit_code, "%s", PQgetvalue(res, 0, USER_NCOLUMNS + 6));
    PQclear(res);
    return SF_OK;
}

static const sf_stmt UNLOCK = {
    "WITH u AS (SELECT id, username FROM users WHERE id = $1 AND user_manageable($5, $6, org_id)),"
    " d AS (DELETE FROM login_failures f USING u WHERE f.username = u.username RETURNING f.key)"
    " SELECT (SELECT count(*) FROM u),"
    "  (SELECT audit_append($2, $3, 'user.unlocked', 'user', u.id,"
    "          jsonb_build_object('delays_cleared', (SELECT count(*) FROM d)), $4) FROM u)", 6};

sf_status sf_user_unlock(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, a.values[0], a.values[1], a.values[2], role_of(caller), caller->region_code};
    PGresult *res;
    sf_status status = sf_db_write(pool, &UNLOCK, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (sf_db_get_int(res, 0, 0) == 0)
        status = SF_NOT_FOUND;
    PQclear(res);
    return status;
}
