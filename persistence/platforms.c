/*
 * Platforms: create, get, optimistic update, scoped list (see platforms.h).
 */
#include "persistence/platforms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* The SQL twin of sf_may_see_platform: $2 role, $3 region, $4 organisation. */
#define PLATFORM_VISIBLE                                                                  \
    "($2::text IN ('province', 'supervisor') OR ($2 = 'city' AND region_code = $3)"       \
    " OR ($2 = 'association' AND created_by_org = $4::bigint)"                            \
    " OR ($2 = 'platform' AND operator_org_id = $4::bigint))"

static const sf_stmt INSERT_PLATFORM = {
    "WITH p AS (INSERT INTO platforms (name, region_code, functions, operator_name, credit_code, established_on,"
    "                                  address, created_by_org)"
    "           VALUES ($1, $2, $3::text[], $4, $5, $6::date, coalesce($7, ''), $9) RETURNING *)"
    " SELECT d.doc::text, audit_append($8, $9, 'platform.created', 'platform', d.id,"
    "        jsonb_build_object('after', d.doc), $10)"
    " FROM (SELECT p.id, platform_doc(ROW(p.*)::platforms) AS doc FROM p) d", 10};
static const sf_stmt GET_PLATFORM = {
    "SELECT doc::text, region_code, created_by_org, version, coalesce(operator_org_id, 0) FROM platform_docs"
    " WHERE id = $1", 1};
static const sf_stmt UPDATE_PLATFORM = {
    "WITH before AS (SELECT doc FROM platform_docs WHERE id = $1),"
    " p AS (UPDATE platforms SET name = coalesce($3, name), functions = coalesce($4::text[], functions),"
    "       operator_name = coalesce($5, operator_name), credit_code = coalesce($6, credit_code),"
    "       established_on = coalesce($7::date, established_on), address = coalesce($8, address),"
    "       version = version + 1, updated_at = now()"
    "       WHERE id = $1 AND version = $2 RETURNING *)"
    " SELECT d.doc::text, audit_append($9, $10, 'platform.updated', 'platform', d.id,"
    "        jsonb_build_object('before', (SELECT doc FROM before), 'after', d.doc,"
    /* whether the change shows in the public registry now: the change feed reads this */
    "                           'public', EXISTS (SELECT 1 FROM awards w WHERE w.platform_id = d.id"
    "                                             AND title_in_force(w.status, w.valid_until))), $11)"
    " FROM (SELECT p.id, platform_doc(ROW(p.*)::platforms) AS doc FROM p) d", 11};
/* Substring search through the trigram index (sql/007_search.sql); like_substring escapes
 * the user's wildcards. */
static const sf_stmt LIST_PLATFORMS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$8") ") AS rn FROM platform_docs"
    " WHERE " PLATFORM_VISIBLE " AND ($6::text IS NULL OR name LIKE like_substring($6))"
    "   AND ($7::text IS NULL OR region_code = $7) AND " SF_KEYSET_AFTER("id", "$8") " ORDER BY " SF_KEYSET_ORDER("id", "$8") " LIMIT $5 + 1", 8, 1, 5);

static const sf_stmt STANDING = {
    "SELECT EXISTS (SELECT 1 FROM applications WHERE platform_id = $1"
    "               AND status IN ('recommended', 'approved', 'publicized')),"
    "       EXISTS (SELECT 1 FROM awards w WHERE w.platform_id = $1"
    "               AND title_in_force(w.status, w.valid_until))", 1};

static void constraint_errors(const sf_db_error *err, sf_errors *errors)
{
    if (strcmp(err->constraint, "platforms_name_per_operator") == 0) {
        sf_errors_add(errors, "name", SF_E_PLATFORM_NAME_TAKEN);
        sf_errors_detail(errors, SF_E_PLATFORM_NAME_TAKEN);
    }
}

sf_status sf_platform_create(sf_pool *pool, const sf_actor *actor, const sf_platform_fields *f, char **doc,
                             sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *params[] = {f->name, f->region_code, f->functions, f->operator_name, f->credit_code,
                            f->established_on, f->address, a.values[0], a.values[1], a.values[2]};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &INSERT_PLATFORM, params, &res, &err);
    if (status != SF_OK) {
        constraint_errors(&err, errors);
        return status;
    }
    *doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_platform_get(sf_pool *pool, int64_t id, char **doc, sf_platform_meta *meta)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &GET_PLATFORM, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    snprintf(meta->region_code, sizeof meta->region_code, "%s", PQgetvalue(res, 0, 1));
    meta->created_by_org = sf_db_get_int(res, 0, 2);
    meta->version = (int)sf_db_get_int(res, 0, 3);
    meta->operator_org = sf_db_get_int(res, 0, 4);
    *doc = doc ? sf_db_strdup(res, 0) : NULL;
    PQclear(res);
    return SF_OK;
}

sf_status sf_platform_update(sf_pool *pool, const sf_actor *actor, int64_t id, int expected_version,
                             const sf_platform_fields *f, char **doc, sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text idt = sf_int_to_text(id), ver = sf_int_to_text(expected_version);
    const char *params[] = {idt.s, ver.s, f->name, f->functions, f->operator_name, f->credit_code,
                            f->established_on, f->address, a.values[0], a.values[1], a.values[2]};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &UPDATE_PLATFORM, params, &res, &err);
    if (status != SF_OK) {
        constraint_errors(&err, errors);
        return status;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_CONFLICT;
    }
    *doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_platform_list(sf_pool *pool, const sf_caller *caller, const char *q, const char *region,
                           int64_t after_id, int limit, int desc, char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, org.s, lim.s, q, region, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_PLATFORMS, params, items, next_after, total);
}

sf_status sf_platform_standing_read(sf_pool *pool, int64_t id, int *under_review, int *titled)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &STANDING, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *under_review = sf_db_get_bool(res, 0, 0);
    *titled = sf_db_get_bool(res, 0, 1);
    PQclear(res);
    return SF_OK;
}
