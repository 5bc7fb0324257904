/*
 * Organisations: create (with audit), get, list by keyset.
 */
#include "persistence/organizations.h"

#include <stdio.h>
#include <string.h>

#include "persistence/db.h"

#define ORG_COLUMNS "id, type, name, region_code, rfc3339(created_at)"

static const sf_stmt INSERT_ORG = {
    "WITH o AS (INSERT INTO organizations (type, name, region_code) VALUES ($1, $2, $3)"
    "           RETURNING " ORG_COLUMNS ")"
    " SELECT o.*, audit_append($4, $5, 'organization.created', 'organization', o.id,"
    "        jsonb_build_object('type', o.type, 'name', o.name, 'region_code', o.region_code), $6)"
    " FROM o", 6};
static const sf_stmt GET_ORG = {"SELECT " ORG_COLUMNS " FROM organizations WHERE id = $1", 1};
static const sf_stmt LIST_ORGS = {
    "SELECT " ORG_COLUMNS " FROM organizations"
    " WHERE ($1::text IS NULL OR type = $1) AND id > $2 ORDER BY id LIMIT $3", 3};

static void copy_row(const PGresult *res, int row, sf_organization *out)
{
    out->id = sf_db_get_int(res, row, 0);
    snprintf(out->type, sizeof out->type, "%s", PQgetvalue(res, row, 1));
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(res, row, 2));
    snprintf(out->region_code, sizeof out->region_code, "%s", PQgetvalue(res, row, 3));
    snprintf(out->created_at, sizeof out->created_at, "%s", PQgetvalue(res, row, 4));
}

sf_status sf_org_create(sf_pool *pool, const sf_actor *actor, const char *type, const char *name,
                        const char *region_code, sf_organization *out, sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *params[] = {type, name, region_code, a.values[0], a.values[1], a.values[2]};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &INSERT_ORG, params, &res, &err);
    if (status == SF_CONFLICT) {
        if (strcmp(err.constraint, "organizations_one_per_city") == 0) {
            sf_errors_add(errors, "region_code", SF_E_CITY_ORGANIZATION_EXISTS);
            sf_errors_detail(errors, SF_E_CITY_ORGANIZATION_EXISTS);
        } else if (strcmp(err.constraint, "organizations_name_unique") == 0) {
            sf_errors_add(errors, "name", SF_E_ORGANIZATION_NAME_TAKEN);
            sf_errors_detail(errors, SF_E_ORGANIZATION_NAME_TAKEN);
        }
        return SF_CONFLICT;
    }
    if (status != SF_OK)
        return status;
    copy_row(res, 0, out);
    PQclear(res);
    return SF_OK;
}

sf_status sf_org_get(sf_pool *pool, int64_t id, sf_organization *out)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
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
                      size_t *count, int *has_more)
{
    sf_int_text after = sf_int_to_text(query->after_id);
    sf_int_text limit = sf_int_to_text(query->limit + 1);
    const char *params[] = {query->type, after.s, limit.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &LIST_ORGS, params, &res, NULL);
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
