/*
 * The public registry's reads (see registry.h).
 */
#include "persistence/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* Substring search ($2) through the registry's index of one- and two-character substrings
 * (sql/013_registry.sql), then LIKE on each candidate; like_substring escapes the term. */
#define REGISTRY_MATCHES(q, region, function, status, year)                                             \
    "(" q "::text IS NULL OR (grams @> search_term_grams(" q ") AND (name LIKE like_substring(" q ")"     \
    "   OR operator_name LIKE like_substring(" q "))))"                                                  \
    " AND (" region "::text IS NULL OR region_code = " region ")"                                        \
    " AND (" function "::text IS NULL OR " function " = ANY (functions))"                                \
    " AND (" status "::text IS NULL OR status = " status ") AND (" year "::int IS NULL OR award_year = " year ")"
#define REGISTRY_STAMP_COLUMNS                                                                 \
    "(SELECT version FROM registry_version), current_date - date '2000-01-01',"                 \
    " extract(epoch FROM pg_postmaster_start_time())::bigint"
static const sf_stmt LIST_REGISTRY = {
    SF_PAGE_SELECT_TEXT ", " REGISTRY_STAMP_COLUMNS " FROM (SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$8") ") AS rn"
    " FROM registry_docs WHERE " REGISTRY_MATCHES("$2", "$3", "$4", "$6", "$7")
    "   AND " SF_KEYSET_AFTER("id", "$8") " ORDER BY " SF_KEYSET_ORDER("id", "$8") " LIMIT $5 + 1) page", 8,
    SF_PLAN_EACH_CALL};
/* The same selection for export, every row (up to a bound), flat. */
static const sf_stmt EXPORT_REGISTRY = {
    "SELECT coalesce(jsonb_agg(jsonb_build_array(r.id, r.name, r.operator_name, r.region_code, g.name,"
    "        array_to_string(r.functions, ';'), r.level, r.certificate_no, r.awarded_on, r.valid_from, r.valid_until,"
    "        r.status, r.revoked_on, r.revocation_reason) ORDER BY r.id), '[]')::text"
    " FROM (SELECT * FROM registry_docs WHERE " REGISTRY_MATCHES("$1", "$2", "$3", "$4", "$5")
    "       ORDER BY id LIMIT 100000) r"
    " JOIN regions g ON g.code = r.region_code", 5, SF_PLAN_EACH_CALL};
static const sf_stmt REGISTRY_STAMP = {"SELECT " REGISTRY_STAMP_COLUMNS, 0};
static const sf_stmt GET_REGISTRY = {"SELECT doc FROM registry_docs WHERE id = $1", 1};

/* The stamp in columns `col`… of row 0; version 0 when the version row is gone. */
static void read_stamp(const PGresult *res, int col, sf_registry_stamp *stamp)
{
    stamp->version = PQgetisnull(res, 0, col) ? 0 : sf_db_get_int(res, 0, col);
    stamp->day = (int32_t)sf_db_get_int(res, 0, col + 1);
    stamp->epoch = sf_db_get_int(res, 0, col + 2);
}

sf_status sf_registry_list(sf_pool *pool, const sf_registry_filter *f, int64_t after_id, int limit, int desc,
                           char **items, int64_t *next_after, sf_registry_stamp *stamp)
{
    sf_int_text after = sf_int_to_text(after_id), lim = sf_int_to_text(limit), year = sf_int_to_text(f->award_year);
    const char *params[] = {after.s, f->q, f->region, f->function, lim.s, f->status, f->award_year ? year.s : NULL, desc ? "true" : "false"};
    PGresult *res;
    sf_status status = sf_db_read(pool, &LIST_REGISTRY, params, &res, NULL);
    if (status != SF_OK)
        return status;
    status = sf_db_page(res, items, next_after);
    if (status == SF_OK && stamp != NULL)
        read_stamp(res, 3, stamp);
    PQclear(res);
    return status;
}

sf_status sf_registry_export(sf_pool *pool, const sf_registry_filter *f, char **rows)
{
    sf_int_text year = sf_int_to_text(f->award_year);
    const char *params[] = {f->q, f->region, f->function, f->status, f->award_year ? year.s : NULL};
    return sf_db_read_text(pool, &EXPORT_REGISTRY, params, rows);
}

sf_status sf_registry_get(sf_pool *pool, int64_t platform_id, char **doc)
{
    sf_int_text idt = sf_int_to_text(platform_id);
    const char *params[] = {idt.s};
    return sf_db_read_text(pool, &GET_REGISTRY, params, doc);
}

sf_status sf_registry_stamp_read(sf_pool *pool, sf_registry_stamp *stamp)
{
    PGresult *res;
    sf_status status = sf_db_read(pool, &REGISTRY_STAMP, NULL, &res, NULL);
    if (status != SF_OK)
        return status;
    read_stamp(res, 0, stamp);
    PQclear(res);
    return stamp->version > 0 ? SF_OK : SF_NOT_FOUND;
}
