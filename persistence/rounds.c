/*
 * Rounds: create (with audit), get, list (see rounds.h).
 */
#include "persistence/rounds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* Visibility of rounds, the SQL twin of the rule in rounds.h. */
#define ROUND_VISIBLE \
    "($2::text IN ('province', 'supervisor') OR level = 'province' OR region_code = $3)"

static const sf_stmt INSERT_ROUND = {
    "WITH r AS (INSERT INTO rounds (level, region_code, year, title, opens_on, closes_on, relaxed_regions,"
    "                               relaxation_factor, quota_per_recommender, thresholds, created_by,"
    "                               relaxed_thresholds, require_prior_recognition, validity_years, validity_ends,"
    "                               rectification_days)"
    "           VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::numeric, $9, $10::jsonb, $11,"
    "                   $14::jsonb, $15::boolean, $16, $17, $18) RETURNING *)"
    " SELECT d.doc::text, audit_append($11, $12, 'round.created', 'round', d.id,"
    "        jsonb_build_object('origin', 'decided', 'after', d.doc), $13)"
    " FROM (SELECT r.id, round_doc(ROW(r.*)::rounds) AS doc FROM r) d", 18};
static const sf_stmt GET_ROUND = {
    "SELECT doc::text FROM round_docs WHERE id = $1 AND " ROUND_VISIBLE, 3};
static const sf_stmt LIST_ROUNDS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$6") ") AS rn FROM round_docs"
    " WHERE " ROUND_VISIBLE " AND ($4::int IS NULL OR year = $4) AND " SF_KEYSET_AFTER("id", "$6") " ORDER BY " SF_KEYSET_ORDER("id", "$6") " LIMIT $5 + 1", 6, 1, 5);

static const sf_stmt SUMMARY = {
    "SELECT coalesce(jsonb_agg(jsonb_build_array(o.name, a.id, p.name, p.operator_name, p.credit_code, g.name,"
    "        a.status, a.report->'basic'->>'established_on', a.report->'basic'->'total_assets_cny',"
    "        a.report->'basic'->'smes_served_last_year', a.report->'basic'->'smes_served_prev_year',"
    "        a.report->'basic'->'satisfaction_pct', a.report->'basic'->'service_staff',"
    "        a.report->'basic'->'qualified_staff',"
    "        (SELECT string_agg(k, ';' ORDER BY k) FROM jsonb_object_keys(coalesce(a.report->'functions', '{}')) k),"
    "        a.recommendation->'operation_score', a.recommendation->'performance_score',"
    "        a.recommendation->'satisfaction_score') ORDER BY o.name, a.id), '[]')::text"
    " FROM applications a JOIN platforms p ON p.id = a.platform_id JOIN organizations o ON o.id = a.recommender_org_id"
    " JOIN regions g ON g.code = p.region_code"
    " WHERE a.round_id = $1 AND ($2::text IN ('province', 'supervisor') OR a.recommender_org_id = $3::bigint"
    "       OR ($2 = 'city' AND EXISTS (SELECT 1 FROM rounds r WHERE r.id = $1 AND r.level = 'city'"
    "                                   AND r.region_code = $4)))", 4};

sf_status sf_round_create(sf_pool *pool, const sf_actor *actor, const sf_new_round *r, char **json,
                          sf_errors *errors)
{
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text year = sf_int_to_text(r->year), quota = sf_int_to_text(r->quota);
    sf_int_text validity = sf_int_to_text(r->validity_years), rectification = sf_int_to_text(r->rectification_days);
    const char *prior = r->require_prior_recognition < 0 ? NULL : r->require_prior_recognition ? "true" : "false";
    const char *params[] = {r->level, r->region_code, year.s, r->title, r->opens_on, r->closes_on,
                            r->relaxed_regions, r->relaxation_factor, r->quota > 0 ? quota.s : NULL,
                            r->thresholds_json, a.values[0], a.values[1], a.values[2],
                            r->relaxed_thresholds_json, prior, validity.s, r->validity_ends, rectification.s};
    PGresult *res;
    sf_db_error err;
    sf_status status = sf_db_write(pool, &INSERT_ROUND, params, &res, &err);
    if (status == SF_CONFLICT) {
        sf_errors_add(errors, "year", SF_E_ROUND_EXISTS, SF_TEXT("level", r->level), SF_INT("year", r->year));
        sf_errors_detail(errors, SF_E_ROUND_EXISTS, SF_TEXT("level", r->level), SF_INT("year", r->year));
        return status;
    }
    if (status != SF_OK)
        return status;
    *json = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return *json ? SF_OK : SF_INTERNAL;
}

sf_status sf_round_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **json)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code};
    PGresult *res;
    sf_status status = sf_db_read(pool, &GET_ROUND, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0)
        status = SF_NOT_FOUND;
    else if ((*json = strdup(PQgetvalue(res, 0, 0))) == NULL)
        status = SF_INTERNAL;
    PQclear(res);
    return status;
}

sf_status sf_round_list(sf_pool *pool, const sf_caller *caller, int year, int64_t after_id, int limit,
                        int desc, char **json_array, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), y = sf_int_to_text(year), lim = sf_int_to_text(limit);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, year ? y.s : NULL, lim.s, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_ROUNDS, params, json_array, next_after, total);
}

sf_status sf_round_summary(sf_pool *pool, const sf_caller *caller, int64_t round_id, char **rows)
{
    char *round = NULL;
    sf_status status = sf_round_get(pool, caller, round_id, &round);
    free(round);
    if (status != SF_OK)
        return status;
    sf_int_text id = sf_int_to_text(round_id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {id.s, sf_role_name(caller->role), org.s, caller->region_code};
    PGresult *res;
    status = sf_db_read(pool, &SUMMARY, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *rows = sf_db_strdup(res, 0);
    PQclear(res);
    return *rows ? SF_OK : SF_INTERNAL;
}
