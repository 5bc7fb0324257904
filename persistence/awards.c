/*
 * Titles and their revocation (see awards.h).
 */
#include "persistence/awards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* The SQL twin of award visibility: province and supervisor all; a city the titles of its
 * region's platforms; an association those of its own applications. $2 role, $3 region,
 * $4 organisation. */
#define AWARD_VISIBLE                                                                           \
    "($2::text IN ('province', 'supervisor') OR ($2 = 'city' AND region_code = $3)"              \
    " OR ($2 = 'association' AND recommender_org_id = $4::bigint))"

static const sf_stmt LIST_AWARDS = {
    SF_PAGE_SELECT " FROM (SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$11") ") AS rn FROM award_docs"
    " WHERE " AWARD_VISIBLE " AND ($6::text IS NULL OR status = $6)"
    "   AND ($7::text IS NULL OR level = $7) AND ($8::bigint IS NULL OR platform_id = $8)"
    "   AND ($9::bigint IS NULL OR round_id = $9)"
    "   AND ($10::int IS NULL OR extract(year FROM valid_until) = $10) AND " SF_KEYSET_AFTER("id", "$11") " ORDER BY " SF_KEYSET_ORDER("id", "$11") " LIMIT $5 + 1) page", 11, SF_PLAN_EACH_CALL};
static const sf_stmt GET_AWARD = {
    "SELECT doc::text FROM award_docs WHERE id = $1 AND " AWARD_VISIBLE, 4};
static const sf_stmt LOCK_AWARD = {
    "SELECT w.status, w.valid_until < current_date, w.level, r.region_code FROM awards w"
    " JOIN rounds r ON r.id = w.round_id WHERE w.id = $1 FOR UPDATE OF w", 1};
static const sf_stmt REVOKE = {
    "WITH before AS (SELECT doc FROM award_docs WHERE id = $1),"
    " u AS (UPDATE awards SET status = 'revoked', revoked_on = current_date, revocation_reason = $2,"
    "       revocation_detail = $3 WHERE id = $1 RETURNING *)"
    " SELECT d.doc::text, audit_append($4, $5, 'award.revoked', 'award', d.id,"
    "        jsonb_build_object('before', (SELECT doc FROM before), 'after', d.doc), $6)"
    " FROM (SELECT u.id, award_doc(ROW(u.*)::awards) AS doc FROM u) d", 6};

sf_status sf_award_list(sf_pool *pool, const sf_caller *caller, const sf_award_filter *f, int64_t after_id, int limit,
                        int desc, char **items, int64_t *next_after)
{
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit),
                platform = sf_int_to_text(f->platform_id), round = sf_int_to_text(f->round_id),
                expires = sf_int_to_text(f->expires_in);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, org.s, lim.s, f->status,
                            f->level, f->platform_id ? platform.s : NULL, f->round_id ? round.s : NULL,
                            f->expires_in ? expires.s : NULL, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_AWARDS, params, items, next_after);
}

sf_status sf_award_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code, org.s};
    return sf_db_read_text(pool, &GET_AWARD, params, doc);
}

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    int64_t id;
    const char *reason, *detail;
    char **doc;
    sf_errors *errors;
} revoke_args;

static sf_status revoke_body(sf_conn *conn, void *p)
{
    revoke_args *a = p;
    sf_int_text idt = sf_int_to_text(a->id);
    const char *lp[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &LOCK_AWARD, lp, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    char stored[24];
    snprintf(stored, sizeof stored, "%s", PQgetvalue(res, 0, 0));
    int expired = sf_db_get_bool(res, 0, 1);
    int decides = sf_decides_round(a->caller, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
    PQclear(res);
    if (!decides) {
        sf_errors_detail(a->errors, "only the authority that awarded the title revokes it");
        return SF_FORBIDDEN;
    }
    if (strcmp(stored, "revoked") == 0 || (expired && strcmp(stored, "active") == 0)) {
        sf_errors_detail(a->errors, "the title is %s already", expired && strcmp(stored, "active") == 0 ? "expired" : stored);
        return SF_CONFLICT;
    }
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *params[] = {idt.s, a->reason, a->detail, ap.values[0], ap.values[1], ap.values[2]};
    status = sf_db_exec(conn, &REVOKE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_award_revoke(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                          const char *reason, const char *detail, char **doc, sf_errors *errors)
{
    /* visible first: a title outside the caller's scope does not exist for it */
    char *seen = NULL;
    sf_status status = sf_award_get(pool, caller, id, &seen);
    free(seen);
    if (status != SF_OK)
        return status;
    *doc = NULL;
    revoke_args a = {actor, caller, id, reason, detail, doc, errors};
    status = sf_tx_run(pool, revoke_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}
