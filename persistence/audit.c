/*
 * Actor parameters for audit_append(), the audit trail's list and the verification of its
 * hash chain (see audit.h).
 */
#include "persistence/audit.h"

#include <stdio.h>
#include <stdlib.h>

#include "persistence/db.h"

void sf_actor_to_params(const sf_actor *actor, sf_actor_params *out)
{
    snprintf(out->user_id, sizeof out->user_id, "%lld", (long long)actor->user_id);
    snprintf(out->org_id, sizeof out->org_id, "%lld", (long long)actor->org_id);
    out->values[0] = actor->user_id > 0 ? out->user_id : NULL;
    out->values[1] = actor->org_id > 0 ? out->org_id : NULL;
    out->values[2] = actor->request_id;
}

static const sf_stmt LIST_AUDIT = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT seq AS id, jsonb_build_object('seq', seq, 'at', rfc3339(at),"
    "   'actor_user_id', actor_user_id, 'actor_org_id', actor_org_id, 'action', action, 'entity', entity,"
    "   'entity_id', entity_id, 'detail', detail, 'request_id', request_id, 'hash', encode(hash, 'hex')) AS doc,"
    "   row_number() OVER (ORDER BY " SF_KEYSET_ORDER("seq", "$8") ") AS rn FROM audit_events"
    " WHERE ($2::text IS NULL OR entity = $2) AND ($3::bigint IS NULL OR entity_id = $3)"
    "   AND ($4::bigint IS NULL OR actor_user_id = $4) AND ($6::timestamptz IS NULL OR at >= $6)"
    "   AND ($7::timestamptz IS NULL OR at < $7) AND seq IS NOT NULL AND " SF_KEYSET_AFTER("seq", "$8") " ORDER BY " SF_KEYSET_ORDER("seq", "$8") " LIMIT $5 + 1", 8, 1, 5);
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

/* The head, whether it matches its event, and whether any event lies beyond it (a linker
 * moves the head with the events it links, in one transaction, so one beyond is a break at
 * head + 1). Events not linked yet have no position and are not part of the chain. */
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

/* Links what has committed and waits for a linker at work (sql/031_audit_linker.sql): what a
 * reader of positions reads next includes every event committed before it. */
static const sf_stmt LINK_ALL = {"SELECT audit_link(NULL, true)", 0};

sf_status sf_audit_link(sf_pool *pool)
{
    return sf_db_write(pool, &LINK_ALL, NULL, NULL, NULL);
}

sf_status sf_audit_list(sf_pool *pool, const sf_audit_filter *f, int64_t after_seq, int limit, int desc,
                        char **items, int64_t *next_after, int64_t *total)
{
    sf_status status = sf_audit_link(pool);
    if (status != SF_OK)
        return status;
    sf_int_text after = sf_int_to_text(after_seq), lim = sf_int_to_text(limit), eid = sf_int_to_text(f->entity_id),
                actor = sf_int_to_text(f->actor);
    const char *params[] = {after.s, f->entity, f->entity_id ? eid.s : NULL, f->actor ? actor.s : NULL, lim.s,
                            f->from, f->to, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_AUDIT, params, items, next_after, total);
}

sf_status sf_audit_verify(sf_pool *pool, int *ok, int64_t *checked, int64_t *first_broken)
{
    sf_conn *conns[VERIFY_PARTS];
    int n = 0;
    sf_status status = sf_audit_link(pool);
    if (status != SF_OK)
        return status;
    status = sf_pool_acquire(pool, &conns[n]);
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
