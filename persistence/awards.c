/*
 * Titles and their revocation (see awards.h).
 */
#include "persistence/awards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* The SQL twin of award visibility: province and supervisor all; a city the titles of its
 * region's platforms; an association those of its own applications; a platform company the
 * titles of the platforms it operates. $2 role, $3 region, $4 organisation. */
#define AWARD_VISIBLE                                                                           \
    "($2::text IN ('province', 'supervisor') OR ($2 = 'city' AND region_code = $3)"              \
    " OR ($2 = 'association' AND recommender_org_id = $4::bigint)"                               \
    " OR ($2 = 'platform' AND EXISTS (SELECT 1 FROM platforms o WHERE o.id = platform_id"        \
    "                                 AND o.operator_org_id = $4::bigint)))"

static const sf_stmt LIST_AWARDS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$11") ") AS rn FROM award_docs"
    " WHERE " AWARD_VISIBLE " AND ($6::text IS NULL OR status = $6)"
    "   AND ($7::text IS NULL OR level = $7) AND ($8::bigint IS NULL OR platform_id = $8)"
    "   AND ($9::bigint IS NULL OR round_id = $9)"
    "   AND ($10::int IS NULL OR extract(year FROM valid_until) = $10) AND " SF_KEYSET_AFTER("id", "$11") " ORDER BY " SF_KEYSET_ORDER("id", "$11") " LIMIT $5 + 1", 11, 1, 5);
static const sf_stmt GET_AWARD = {
    "SELECT doc::text FROM award_docs WHERE id = $1 AND " AWARD_VISIBLE, 4};
/* The title under its row lock, with its status as SQL's title_status() derives it (the one
 * owner of "expired"), the round that awarded it, and the assessment a revocation names ($2):
 * superseded once a later assessment of the province's passed, whatever came after it (a
 * later failure grounds a revocation of its own; reinstatement reads only the latest result,
 * LATER_ASSESSMENTS). */
#define TITLE_SQL                                                                                        \
    "SELECT award_status(w), w.level, r.region_code, coalesce(w.pending_assessment_id, 0),"              \
    "       coalesce(n.id, 0), coalesce(n.award_id, 0), n.submitted_on IS NOT NULL, coalesce(n.passed, false)," \
    "       n.superseded_by IS NOT NULL OR EXISTS (SELECT 1 FROM assessments l"                           \
    "         JOIN users u ON u.id = l.commissioned_by JOIN organizations g ON g.id = u.org_id"                \
    "         WHERE l.award_id = n.award_id AND l.id > n.id AND l.passed AND g.type = 'province'),"          \
    "       p.region_code, coalesce(p.operator_org_id, 0), w.valid_from - date '1970-01-01',"                   \
    "       w.valid_until - date '1970-01-01', coalesce(w.revoked_on - date '1970-01-01', 0),"                   \
    "       current_date - date '1970-01-01'"                                                                   \
    " FROM awards w JOIN rounds r ON r.id = w.round_id JOIN platforms p ON p.id = w.platform_id"         \
    " LEFT JOIN assessments n ON n.id = $2::bigint WHERE w.id = $1"
static const sf_stmt LOCK_AWARD = {TITLE_SQL " FOR UPDATE OF w", 2};
/* The same, read for a title's page (allowed_actions), without the lock. */
static const sf_stmt READ_AWARD = {TITLE_SQL, 2};
/* After the lock (a statement of its own, so that it reads what committed while it waited):
 * the latest assessment with a result commissioned after the one that made the title
 * pending ($2), whether the province commissioned it, and the first later one still open. */
static const sf_stmt LATER_ASSESSMENTS = {
    "SELECT coalesce(l.id, 0), coalesce(l.passed, false), coalesce(l.by_province, false), coalesce(o.id, 0)"
    " FROM (SELECT 1) one"
    " LEFT JOIN (SELECT s.id, s.passed, g.type = 'province' AS by_province FROM assessments s"
    "            LEFT JOIN users u ON u.id = s.commissioned_by LEFT JOIN organizations g ON g.id = u.org_id"
    "            WHERE s.award_id = $1 AND s.id > $2 AND s.submitted_on IS NOT NULL ORDER BY s.id DESC LIMIT 1) l ON true"
    " LEFT JOIN (SELECT s.id FROM assessments s WHERE s.award_id = $1 AND s.id > $2 AND s.submitted_on IS NULL"
    "            ORDER BY s.id LIMIT 1) o ON true", 2};
static const sf_stmt REVOKE = {
    "WITH before AS (SELECT doc FROM award_docs WHERE id = $1),"
    " u AS (UPDATE awards SET status = 'revoked', revoked_on = current_date, revocation_reason = $2,"
    "       revocation_detail = $3, revocation_finding = $4, revocation_reference = $5,"
    "       revocation_assessment_id = $6::bigint, pending_assessment_id = NULL WHERE id = $1 RETURNING *)"
    " SELECT d.doc::text, audit_append($7, $8, 'award.revoked', 'award', d.id,"
    "        jsonb_build_object('before', (SELECT doc FROM before), 'after', d.doc), $9)"
    " FROM (SELECT u.id, award_doc(ROW(u.*)::awards) AS doc FROM u) d", 9};
/* Art. 24: back to active; the failed assessments before the passed one ($2) are superseded
 * by it, kept and readable. */
static const sf_stmt REINSTATE = {
    "WITH before AS (SELECT doc FROM award_docs WHERE id = $1),"
    " s AS (UPDATE assessments SET superseded_by = $2 WHERE award_id = $1 AND passed = false"
    "       AND superseded_by IS NULL AND id < $2 RETURNING id),"
    " w AS (UPDATE awards SET status = 'active', pending_assessment_id = NULL WHERE id = $1 RETURNING *)"
    " SELECT d.doc::text, audit_append($4, $5, 'award.reinstated', 'award', d.id,"
    "        jsonb_build_object('before', (SELECT doc FROM before), 'after', d.doc, 'passed_assessment_id', $2::bigint,"
    "                           'superseded_assessment_ids', (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM s),"
    "                           'reason', $3::text), $6)"
    " FROM (SELECT w.id, award_doc(ROW(w.*)::awards) AS doc FROM w) d", 6};

sf_status sf_award_list(sf_pool *pool, const sf_caller *caller, const sf_award_filter *f, int64_t after_id, int limit,
                        int desc, char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit),
                platform = sf_int_to_text(f->platform_id), round = sf_int_to_text(f->round_id),
                expires = sf_int_to_text(f->valid_until_year);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, org.s, lim.s, f->status,
                            f->level, f->platform_id ? platform.s : NULL, f->round_id ? round.s : NULL,
                            f->valid_until_year ? expires.s : NULL, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_AWARDS, params, items, next_after, total);
}

sf_status sf_award_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code, org.s};
    return sf_db_read_text(pool, &GET_AWARD, params, doc);
}

/* Reads the title's snapshot (under its row lock for a decision; `view`, when given, for a
 * page): SF_NOT_FOUND if it is gone. */
static sf_status read_title(sf_conn *conn, const sf_caller *caller, int64_t id, int64_t named_assessment,
                            int with_later, sf_title_snapshot *t, sf_title_view *view)
{
    sf_int_text idt = sf_int_to_text(id), named = sf_int_to_text(named_assessment);
    const char *lp[] = {idt.s, named.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, view ? &READ_AWARD : &LOCK_AWARD, lp, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    memset(t, 0, sizeof *t);
    t->id = id;
    if (!sf_award_status_parse(PQgetvalue(res, 0, 0), &t->status))
        status = SF_INTERNAL;
    t->caller_decides = sf_decides_round(caller, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    t->pending_assessment_id = sf_db_get_int(res, 0, 3);
    t->named.id = sf_db_get_int(res, 0, 4);
    t->named.award_id = sf_db_get_int(res, 0, 5);
    t->named.has_result = sf_db_get_bool(res, 0, 6);
    t->named.passed = sf_db_get_bool(res, 0, 7);
    t->named.superseded = sf_db_get_bool(res, 0, 8);
    if (view != NULL) {
        view->caller_is_province = caller->role == SF_ROLE_PROVINCE;
        view->province_level = strcmp(PQgetvalue(res, 0, 1), "province") == 0;
        view->caller_is_its_city = caller->role == SF_ROLE_CITY && strcmp(PQgetvalue(res, 0, 9), caller->region_code) == 0;
        view->caller_operates_it = caller->role == SF_ROLE_PLATFORM && sf_db_get_int(res, 0, 10) == caller->org_id;
        view->valid_from = (sf_day)sf_db_get_int(res, 0, 11);
        view->valid_until = (sf_day)sf_db_get_int(res, 0, 12);
        view->revoked_on = (sf_day)sf_db_get_int(res, 0, 13);
        view->today = (sf_day)sf_db_get_int(res, 0, 14);
    }
    PQclear(res);
    if (status != SF_OK || !with_later)
        return status;
    sf_int_text pending = sf_int_to_text(t->pending_assessment_id);
    const char *ap[] = {idt.s, pending.s};
    status = sf_db_exec(conn, &LATER_ASSESSMENTS, ap, &res, NULL);
    if (status != SF_OK)
        return status;
    t->latest_later.id = sf_db_get_int(res, 0, 0);
    t->latest_later.award_id = id;
    t->latest_later.has_result = t->latest_later.id != 0;
    t->latest_later.passed = sf_db_get_bool(res, 0, 1);
    t->latest_later.by_province = sf_db_get_bool(res, 0, 2);
    t->open_later_id = sf_db_get_int(res, 0, 3);
    PQclear(res);
    return SF_OK;
}

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    int64_t id;
    const sf_revocation *revocation;   /* NULL: a reinstatement */
    const char *reason;                /* a reinstatement's note, or NULL */
    char **doc;
    sf_errors *errors;
} decide_args;

static sf_status revoke_body(sf_conn *conn, void *p)
{
    decide_args *a = p;
    const sf_revocation *r = a->revocation;
    sf_title_snapshot t;
    sf_status status = read_title(conn, a->caller, a->id, r->assessment_id, 0, &t, NULL);
    if (status != SF_OK)
        return status;
    sf_errors_init(a->errors);   /* a retried transaction decides afresh */
    status = sf_decide_revoke(&t, r, a->errors);
    if (status != SF_OK)
        return status;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    sf_int_text idt = sf_int_to_text(a->id), named = sf_int_to_text(r->assessment_id);
    const char *params[] = {idt.s, r->reason, r->detail, r->finding, r->reference,
                            r->assessment_id ? named.s : NULL, ap.values[0], ap.values[1], ap.values[2]};
    PGresult *res;
    status = sf_db_exec(conn, &REVOKE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

static sf_status reinstate_body(sf_conn *conn, void *p)
{
    decide_args *a = p;
    sf_title_snapshot t;
    sf_status status = read_title(conn, a->caller, a->id, 0, 1, &t, NULL);
    if (status != SF_OK)
        return status;
    sf_errors_init(a->errors);
    status = sf_decide_reinstate(&t, a->errors);
    if (status != SF_OK)
        return status;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    sf_int_text idt = sf_int_to_text(a->id), passed = sf_int_to_text(t.latest_later.id);
    const char *params[] = {idt.s, passed.s, a->reason, ap.values[0], ap.values[1], ap.values[2]};
    PGresult *res;
    status = sf_db_exec(conn, &REINSTATE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

/* Visible to the caller first (a title outside its scope does not exist for it), then the
 * decision and its change in one transaction. */
static sf_status decide(sf_pool *pool, sf_tx_body body, decide_args *a)
{
    char *seen = NULL;
    sf_status status = sf_award_get(pool, a->caller, a->id, &seen);
    free(seen);
    if (status != SF_OK)
        return status;
    *a->doc = NULL;
    status = sf_tx_run(pool, body, a);
    if (status != SF_OK) {
        free(*a->doc);
        *a->doc = NULL;
    }
    return status;
}

sf_status sf_award_revoke(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                          const sf_revocation *revocation, char **doc, sf_errors *errors)
{
    decide_args a = {actor, caller, id, revocation, NULL, doc, errors};
    return decide(pool, revoke_body, &a);
}

sf_status sf_award_reinstate(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                             const char *reason, char **doc, sf_errors *errors)
{
    decide_args a = {actor, caller, id, NULL, reason, doc, errors};
    return decide(pool, reinstate_body, &a);
}

typedef struct {
    const sf_caller *caller;
    int64_t id;
    sf_title_view *view;
} view_args;

static sf_status view_body(sf_conn *conn, void *p)
{
    view_args *a = p;
    return read_title(conn, a->caller, a->id, 0, 1, &a->view->title, a->view);
}

sf_status sf_award_view(sf_pool *pool, const sf_caller *caller, int64_t id, sf_title_view *view)
{
    memset(view, 0, sizeof *view);
    view_args a = {caller, id, view};
    return sf_tx_run(pool, view_body, &a);
}
