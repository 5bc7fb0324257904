/*
 * Organisations: create (with audit), get, list by keyset.
 */
#include "persistence/organizations.h"

#include <stdio.h>
#include <string.h>

#include "persistence/db.h"

#define ORG_COLUMNS "id, type, name, region_code, rfc3339(created_at), credit_code"
/* Who reads which organisation, given the caller's role ('' for an unscoped read), region and
 * organisation as parameters.
 * The province and the supervisor all; a city itself and the platform companies of its
 * region; a platform company itself and the recommenders it may name (cities, associations).
 * The one statement of this rule. */
#define ORG_VISIBLE(role, region, org)                                                            \
    "(" role "::text IN ('', 'province', 'supervisor') OR id = " org "::bigint"                    \
    " OR (" role " = 'city' AND type = 'platform' AND region_code = " region ")"                    \
    " OR (" role " = 'platform' AND type IN ('city', 'association')))"

static const sf_stmt INSERT_ORG = {
    "WITH o AS (INSERT INTO organizations (type, name, region_code, credit_code) VALUES ($1, $2, $3, $7)"
    "           RETURNING " ORG_COLUMNS ")"
    " SELECT o.*, audit_append($4, $5, 'organization.created', 'organization', o.id,"
    "        jsonb_build_object('type', o.type, 'name', o.name, 'region_code', o.region_code,"
    "                           'credit_code', o.credit_code), $6)"
    " FROM o", 7};
static const sf_stmt GET_ORG = {
    "SELECT " ORG_COLUMNS " FROM organizations WHERE id = $1 AND " ORG_VISIBLE("$2", "$3", "$4"), 4};
static const sf_stmt LIST_ORGS = SF_ROWS_STMT(
    "SELECT " ORG_COLUMNS " FROM organizations"
    " WHERE ($1::text IS NULL OR type = $1) AND id > $2 AND " ORG_VISIBLE("$4", "$5", "$6") " ORDER BY id LIMIT $3", 6, 2, 3);

static void copy_row(const PGresult *res, int row, sf_organization *out)
{
    out->id = sf_db_get_int(res, row, 0);
    snprintf(out->type, sizeof out->type, "%s", PQgetvalue(res, row, 1));
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(res, row, 2));
    snprintf(out->region_code, sizeof out->region_code, "%s", PQgetvalue(res, row, 3));
    snprintf(out->created_at, sizeof out->created_at, "%s", PQgetvalue(res, row, 4));
    snprintf(out->credit_code, sizeof out->credit_code, "%s", PQgetvalue(res, row, 5));
}

sf_status sf_org_create(sf_pool *pool, const sf_actor *actor, const char *type, const char *name,
                        const char *region_code, const char *credit_code, sf_organization *out, sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *params[] = {type, name, region_code, a.values[0], a.values[1], a.values[2], credit_code};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &INSERT_ORG, params, &res, &err);
    if (status == SF_CONFLICT) {
        static const struct {
            const char *constraint, *field;
            sf_code code;
        } clashes[] = {
            {"organizations_one_per_city", "region_code", SF_E_CITY_ORGANIZATION_EXISTS},
            {"organizations_name_unique", "name", SF_E_ORGANIZATION_NAME_TAKEN},
            {"organizations_credit_code_unique", "credit_code", SF_E_CREDIT_CODE_TAKEN},
        };
        for (size_t i = 0; i < sizeof clashes / sizeof clashes[0]; i++)
            if (strcmp(err.constraint, clashes[i].constraint) == 0) {
                sf_errors_add(errors, clashes[i].field, clashes[i].code);
                sf_errors_detail(errors, clashes[i].code);
            }
        return SF_CONFLICT;
    }
    if (status != SF_OK)
        return status;
    copy_row(res, 0, out);
    PQclear(res);
    return SF_OK;
}

/* The caller's role, region and organisation as ORG_VISIBLE reads them ("" : unscoped). */
static void scope_params(const sf_caller *c, const char **role, const char **region, sf_int_text *org)
{
    *role = c ? sf_role_name(c->role) : "";
    *region = c ? c->region_code : "";
    *org = sf_int_to_text(c ? c->org_id : 0);
}

sf_status sf_org_get(sf_pool *pool, const sf_caller *caller, int64_t id, sf_organization *out)
{
    sf_int_text idt = sf_int_to_text(id), org;
    const char *role, *region;
    scope_params(caller, &role, &region, &org);
    const char *params[] = {idt.s, role, region, org.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &GET_ORG, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0)
        status = SF_NOT_FOUND;
    else
        copy_row(res, 0, out);
    PQclear(res);
    return status;
}

sf_status sf_org_list(sf_pool *pool, const sf_org_query *query, sf_organization *items,
                      size_t *count, int *has_more, int64_t *total)
{
    sf_int_text after = sf_int_to_text(query->after_id);
    sf_int_text limit = sf_int_to_text(query->limit + 1), org;
    const char *role, *region;
    scope_params(query->caller, &role, &region, &org);
    const char *params[] = {query->type, after.s, limit.s, role, region, org.s};
    PGresult *res;
    sf_status status = total != NULL ? sf_db_count(pool, &LIST_ORGS, params, total) : SF_OK;
    if (status == SF_OK)
        status = sf_db_read(pool, &LIST_ORGS, params, &res, NULL);
    if (status != SF_OK)
        return status;
    int rows = PQntuples(res);
    *has_more = rows > query->limit;
    *count = 0;
    for (int i = 0; i < rows && i < query->limit; i++)
        copy_row(res, i, &items[(*count)++]);
    PQclear(res);
    return SF_OK;
}
