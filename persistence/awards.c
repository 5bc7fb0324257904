/*
 * Awards, registry and audit trail queries (see awards.h).
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
static const sf_stmt LIST_AUDIT = {
    SF_PAGE_SELECT " FROM (SELECT seq AS id, jsonb_build_object('seq', seq, 'at', rfc3339(at),"
    "   'actor_user_id', actor_user_id, 'actor_org_id', actor_org_id, 'action', action, 'entity', entity,"
    "   'entity_id', entity_id, 'detail', detail, 'request_id', request_id, 'hash', encode(hash, 'hex')) AS doc,"
    "   row_number() OVER (ORDER BY " SF_KEYSET_ORDER("seq", "$8") ") AS rn FROM audit_events"
    " WHERE ($2::text IS NULL OR entity = $2) AND ($3::bigint IS NULL OR entity_id = $3)"
    "   AND ($4::bigint IS NULL OR actor_user_id = $4) AND ($6::timestamptz IS NULL OR at >= $6)"
    "   AND ($7::timestamptz IS NULL OR at < $7) AND " SF_KEYSET_AFTER("seq", "$8") " ORDER BY " SF_KEYSET_ORDER("seq", "$8") " LIMIT $5 + 1) page", 8, SF_PLAN_EACH_CALL};
/* Verify walks the chain in parts, one per connection it can have at once, so that the server
 * hashes them in parallel. A part [$1, $2] recomputes each hash from the previous one as
 * stored; its first row's predecessor is the stored row before the part (the zero hash before
 * the first), so a part that starts after a missing row is broken there. */
#define VERIFY_PARTS 4
static int64_t verify_part_rows = 100000;

void sf_audit_verify_set_part_rows(int64_t rows)
{
    verify_part_rows = rows > 0 ? rows : 100000;
}

/* The head, whether it matches its event, and whether any event lies beyond it (an event
 * and the head move in one transaction, so one beyond is a break at head + 1). */
static const sf_stmt VERIFY_HEAD = {
    "SELECT h.seq, h.hash IS NOT DISTINCT FROM (SELECT hash FROM audit_events WHERE seq = h.seq) OR h.seq = 0,"
    "       EXISTS (SELECT 1 FROM audit_events WHERE seq > h.seq) FROM audit_head h", 0};
static const sf_stmt VERIFY_PART = {
    "SELECT count(*), min(seq) FILTER (WHERE broken) FROM ("
    " SELECT e.seq, e.prev_hash IS DISTINCT FROM CASE WHEN row_number() OVER w = 1"
    "        THEN CASE WHEN $1::bigint = 1 THEN '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea"
    "                  ELSE (SELECT p.hash FROM audit_events p WHERE p.seq = $1::bigint - 1) END"
    "        ELSE lag(e.hash) OVER w END"
    "     OR e.hash <> sha256(e.prev_hash || audit_event_text(e.seq, e.at, e.actor_user_id, e.actor_org_id,"
    "        e.action, e.entity, e.entity_id, e.detail, e.request_id))"
    "     OR e.seq <> $1::bigint - 1 + row_number() OVER w AS broken"
    " FROM audit_events e WHERE e.seq BETWEEN $1 AND $2 WINDOW w AS (ORDER BY e.seq)) part", 2};

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

sf_status sf_audit_list(sf_pool *pool, const sf_audit_filter *f, int64_t after_seq, int limit, int desc,
                        char **items, int64_t *next_after)
{
    sf_int_text after = sf_int_to_text(after_seq), lim = sf_int_to_text(limit), eid = sf_int_to_text(f->entity_id),
                actor = sf_int_to_text(f->actor);
    const char *params[] = {after.s, f->entity, f->entity_id ? eid.s : NULL, f->actor ? actor.s : NULL, lim.s,
                            f->from, f->to, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_AUDIT, params, items, next_after);
}

sf_status sf_audit_verify(sf_pool *pool, int *ok, int64_t *checked, int64_t *first_broken)
{
    sf_conn *conns[VERIFY_PARTS];
    int n = 0;
    sf_status status = sf_pool_acquire(pool, &conns[n]);
    if (status != SF_OK)
        return status;
    n++;
    PGresult *res;
    status = sf_db_exec(conns[0], &VERIFY_HEAD, NULL, &res, NULL);
    if (status != SF_OK) {
        sf_pool_release(pool, conns[0]);
        return status;
    }
    if (PQntuples(res) != 1) {   /* the chain's head is gone: nothing can be vouched for */
        PQclear(res);
        sf_pool_release(pool, conns[0]);
        *ok = 0;
        *checked = 0;
        *first_broken = 1;
        return SF_OK;
    }
    int64_t head = sf_db_get_int(res, 0, 0);
    int head_matches = sf_db_get_bool(res, 0, 1), beyond_head = sf_db_get_bool(res, 0, 2);
    PQclear(res);
    /* more connections only if they are free now: never queue while holding one */
    while (n < VERIFY_PARTS && head > verify_part_rows * n && sf_pool_try_acquire(pool, &conns[n]) == SF_OK)
        n++;
    sf_int_text bounds[VERIFY_PARTS][2];
    const char *values[VERIFY_PARTS][2];
    const char *const *params[VERIFY_PARTS];
    for (int i = 0; i < n; i++) {
        bounds[i][0] = sf_int_to_text(head * i / n + 1);
        bounds[i][1] = sf_int_to_text(head * (i + 1) / n);
        values[i][0] = bounds[i][0].s;
        values[i][1] = bounds[i][1].s;
        params[i] = values[i];
    }
    PGresult *parts[VERIFY_PARTS];
    status = sf_db_exec_parts(conns, n, &VERIFY_PART, params, parts);
    for (int i = 0; i < n; i++)
        sf_pool_release(pool, conns[i]);
    if (status != SF_OK)
        return status;
    *checked = 0;
    *first_broken = 0;
    for (int i = 0; i < n; i++) {
        *checked += sf_db_get_int(parts[i], 0, 0);
        if (*first_broken == 0 && !PQgetisnull(parts[i], 0, 1))
            *first_broken = sf_db_get_int(parts[i], 0, 1);
        PQclear(parts[i]);
    }
    /* rows missing at the end of the chain, a head that does not match its row, or events
     * beyond the head */
    if (*first_broken == 0 && *checked != head)
        *first_broken = *checked + 1;
    else if (*first_broken == 0 && !head_matches)
        *first_broken = head;
    else if (*first_broken == 0 && beyond_head)
        *first_broken = head + 1;
    *ok = *first_broken == 0;
    return SF_OK;
}
