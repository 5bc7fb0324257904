/*
 * Applications: create, read, forms, and status transitions under a row lock (see
 * applications.h).
 */
#include "persistence/applications.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/awards.h"
#include "domain/platforms.h"
#include "domain/records.h"
#include "persistence/db.h"

#define DAYS(expr) "((" expr ") - date '1970-01-01')"

/* The snapshot of one application. A transition reads it by a statement of its own once it holds
 * its locks (LOCK_RECOMMENDER, LOCK_APPLICATION: transition_body), so that its
 * snapshot is taken after the lock waits. */
#define SNAPSHOT_SELECT                                                                                \
    "SELECT a.id, a.status, a.recommender_org_id, a.platform_id, p.region_code, p.created_by_org,"    \
    " r.id, r.level, r.region_code, r.year, " DAYS("r.opens_on") ", " DAYS("r.closes_on") ","          \
    " " DAYS("current_date") ", coalesce(r.quota_per_recommender, 0),"                                 \
    /* the recommender's used quota: counted only where it can decide anything — a round with a \
     * quota, an application a recommendation can take (draft or submitted: domain/lifecycle.c) */ \
    " CASE WHEN r.quota_per_recommender > 0 AND a.status IN ('draft', 'submitted') THEN"            \
    " recommender_quota_used(r.id, a.recommender_org_id) ELSE 0 END,"                                  \
    " p.region_code = ANY (r.relaxed_regions), (r.relaxation_factor * 1000)::int, r.thresholds::text," \
    " a.report::text, a.recommendation IS NOT NULL,"                                                   \
    " (SELECT string_agg(DISTINCT m.kind, ',') FROM materials m WHERE m.application_id = a.id),"       \
    " city_title_active(p.id),"                                                                        \
    " (SELECT count(*) FROM objections o WHERE o.application_id = a.id AND o.status = 'open'),"        \
    " (SELECT " DAYS("n.end_date") " FROM publicity_notice_items i"                                    \
    "    JOIN publicity_notices n ON n.id = i.notice_id WHERE i.application_id = a.id),"               \
    " (SELECT " DAYS("w.valid_until") " FROM awards w WHERE w.platform_id = p.id AND w.level = r.level" \
    "    AND title_in_force(w.status, w.valid_until)"           \
    "    AND w.application_id IS DISTINCT FROM a.id ORDER BY w.valid_until DESC LIMIT 1),"              \
    " r.require_prior_recognition, r.relaxed_thresholds::text, r.validity_years, r.validity_ends,"     \
    " a.applicant_org_id, p.operator_org_id"
#define SNAPSHOT_FROM " FROM applications a JOIN platforms p ON p.id = a.platform_id JOIN rounds r ON r.id = a.round_id"
#define SNAPSHOT_SQL SNAPSHOT_SELECT SNAPSHOT_FROM " WHERE a.id = $1"
#define SNAPSHOT_COLUMNS 31

static const sf_stmt SNAPSHOT = {SNAPSHOT_SQL, 1};
/* What an edit (a form, a material) is decided on — sf_app_visible and sf_decide_edit — under
 * the application's row lock: the snapshot's few columns they read, not the whole of it (its
 * subqueries and the report's text cost a material's upload a third of its time). */
static const sf_stmt EDIT_LOCKED = {
    "SELECT a.status, a.recommender_org_id, a.applicant_org_id, p.operator_org_id, r.level, r.region_code,"
    " " DAYS("current_date")
    " FROM applications a JOIN platforms p ON p.id = a.platform_id JOIN rounds r ON r.id = a.round_id"
    " WHERE a.id = $1 FOR UPDATE OF a", 1};
/* The application's row, locked by a statement of its own before a transition reads the
 * snapshot. One statement that waits for the lock and reads sees the locked row as it is now
 * but everything else (open objections, awards, materials) as it was when it started, before
 * the transaction it waited for committed: an objection filed in that transaction (it holds a
 * share lock on the application) would go unseen by the award. */
static const sf_stmt LOCK_APPLICATION = {"SELECT version FROM applications WHERE id = $1 FOR UPDATE", 1};
/* Serialises the transitions of one recommender in one round, so the quota holds under
 * concurrent recommendations. */
static const sf_stmt LOCK_RECOMMENDER = {
    "SELECT pg_advisory_xact_lock(a.round_id::int, a.recommender_org_id::int) FROM applications a WHERE a.id = $1", 1};
/* A return is counted on the application (returned_count, for the statistics) in the same
 * statement as the transition and its audit event. */
static const sf_stmt SET_STATUS = {
    "WITH before AS (SELECT status FROM applications WHERE id = $1),"
    " u AS (UPDATE applications SET status = $2, review_comment = coalesce($3, review_comment),"
    "       return_comment = coalesce($8, return_comment),"
    "       recommended_at = CASE WHEN $2 = 'recommended' THEN now() ELSE recommended_at END,"
    "       approved_at = CASE WHEN $2 = 'approved' THEN now() ELSE approved_at END,"
    "       submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,"
    "       returned_count = returned_count + CASE WHEN $6::text = 'application.returned' THEN 1 ELSE 0 END,"
    "       version = version + 1, updated_at = now() WHERE id = $1 RETURNING *)"
    " SELECT d.doc::text, audit_append($4, $5, $6, 'application', d.id,"
    "        jsonb_build_object('before', jsonb_build_object('status', (SELECT status FROM before)),"
    "                           'after', jsonb_build_object('status', $2::text, 'comment', coalesce($3, $8)::text)), $7)"
    " FROM (SELECT u.id, application_doc(ROW(u.*)::applications) AS doc FROM u) d", 8};
/* Certificate numbers are gapless within a round: the counter is taken in the awarding
 * transaction and rolls back with it. */
static const sf_stmt NEXT_CERTIFICATE = {
    "UPDATE rounds SET next_certificate_seq = next_certificate_seq + 1 WHERE id = $1"
    " RETURNING next_certificate_seq - 1, level, region_code, year", 1};
static const sf_stmt INSERT_AWARD = {
    "WITH w AS (INSERT INTO awards (application_id, platform_id, round_id, level, certificate_no, certificate_seq,"
    "                               awarded_on, valid_from, valid_until)"
    "           VALUES ($1, $2, $3, $4, $5, $6, current_date, date '1970-01-01' + $7::int,"
    "                   date '1970-01-01' + $8::int) RETURNING *)"
    " SELECT d.doc::text, audit_append($9, $10, 'award.created', 'award', d.id,"
    "        jsonb_build_object('origin', 'decided', 'after', d.doc), $11)"
    " FROM (SELECT w.id, award_doc(ROW(w.*)::awards) AS doc FROM w) d", 11};
/* The platform's row is held (FOR SHARE) before the row goes in, so that its commit, which
 * holds it again to assemble the stored detail with the platform's current operator (sql/068,
 * 069), takes it in the order a platform's edit does — the platform, then the statistics
 * bucket the INSERT's trigger locks (sql/043) — and the two never wait for each other
 * crosswise (a deadlock, found in review, when the hold came only at the commit). */
static const sf_stmt INSERT_APPLICATION = {
    "WITH a AS (INSERT INTO applications (round_id, platform_id, recommender_org_id, applicant_org_id)"
    "           SELECT $1, p.id, $3, $6::bigint FROM platforms p WHERE p.id = $2 FOR SHARE RETURNING *)"
    " SELECT d.doc::text, audit_append($4, coalesce($6::bigint, $3), 'application.created', 'application', d.id,"
    "        jsonb_build_object('after', d.doc), $5)"
    " FROM (SELECT a.id, application_doc(ROW(a.*)::applications) AS doc FROM a) d", 6};
static const sf_stmt ROUND_AND_PLATFORM = {
    "SELECT r.level, r.region_code, r.year, p.region_code, p.created_by_org,"
    " (SELECT " DAYS("w.valid_until") " FROM awards w WHERE w.platform_id = p.id AND w.level = r.level"
    "    AND title_in_force(w.status, w.valid_until)"
    "    ORDER BY w.valid_until DESC LIMIT 1),"
    " (SELECT o.type = 'association' FROM organizations o WHERE o.id = p.created_by_org),"
    " p.operator_org_id, rec.type, rec.region_code, rec.id, r.origin = 'recorded',"
    " " DAYS("r.opens_on") ", " DAYS("r.closes_on") ", " DAYS("current_date")
    " FROM rounds r CROSS JOIN platforms p"
    /* the recommender a platform company names; by default the city of the platform's region */
    " LEFT JOIN LATERAL (SELECT o.id, o.type, o.region_code FROM organizations o"
    "                    WHERE o.id = $3::bigint OR ($3 IS NULL AND o.type = 'city' AND o.region_code = p.region_code)"
    "                    LIMIT 1) rec ON true"
    " WHERE r.id = $1 AND p.id = $2", 3};
/* The SQL twin of sf_may_see_application: $2 role, $3 region, $4 organisation (READ_FOR_CALLER
 * judges the same over the parties stored in application_details). */
#define APPLICATION_VISIBLE_OF(d)                                                                  \
    "($2::text IN ('province', 'supervisor')"                                                      \
    " OR ($2 = 'platform' AND EXISTS (SELECT 1 FROM platforms o WHERE o.id = " d ".platform_id"   \
    "                                 AND o.operator_org_id = $4::bigint))"                         \
    " OR ($2 <> 'platform' AND " d ".recommender_org_id = $4::bigint)"                             \
    " OR ($2 = 'city' AND r.level = 'city' AND r.region_code = $3))"
#define APPLICATION_VISIBLE APPLICATION_VISIBLE_OF("d")
/* GET /v1/applications/{id} in one round trip (issue 18, point 3): the session check, then —
 * only if it holds — the stored detail (sql/042: the document with its history as the
 * canonical text that is sent, its ETag, the snapshot's facts that depend neither on the
 * caller nor on the date, and its round's rules, sql/049) by its key, if the caller may see it:
 * one indexed look-up, no other relation read. Its columns are SNAPSHOT_SELECT's, in its order,
 * so that read_snapshot reads them; what depends on the date or on other rows is read here as
 * the snapshot reads it, and only where allowed_actions can depend on it — the recommender's
 * used quota and the platform's city title (Art. 26, eligibility) for a draft or a submitted
 * application (the only states whose decisions read them), called as functions (sql/064) so that
 * a read in any other state sets up no plan for them. The title in force that a renewal's
 * validity starts from (column 24) is not read: only the award's own transition uses it, over
 * its own snapshot. Always one row: the snapshot's columns, the document, its ETag and whether
 * it is stale (NULL when there is none to see), then whether the session is live (checked
 * once: OFFSET 0 keeps the planner from copying the check into both places that read it).
 *
 * A stale row (a write changed its application since it was assembled: sql/066) is assembled
 * by REFRESH_DETAIL and read again. Its scope may be judged on it all the same: the parties it
 * is judged on are never stale: a new application's row is assembled at its commit, its
 * platform held (sql/068, 069), the recommender is never changed, the platform's operator,
 * region and creator are assembled at the commit that changes them (sql/066), and the round's
 * rules are written in at once (sql/049). */
static const sf_stmt READ_FOR_CALLER = {
    "SELECT x.*, s.live FROM (SELECT " SF_SESSION_LIVE("$5", "$6", "$7") " AS live OFFSET 0) s"
    " LEFT JOIN LATERAL (SELECT d.application_id, d.status, d.recommender_org_id, d.platform_id, d.platform_region,"
    "   d.platform_created_by, d.round_id, d.round_level, d.round_region, d.round_year, " DAYS("d.round_opens_on") ","
    "   " DAYS("d.round_closes_on") ", " DAYS("current_date") ", coalesce(d.round_quota_per_recommender, 0),"
    "   CASE WHEN d.round_quota_per_recommender > 0 AND d.status IN ('draft', 'submitted') THEN"
    "   recommender_quota_used(d.round_id, d.recommender_org_id) ELSE 0 END,"
    "   d.platform_region = ANY (d.round_relaxed_regions), (d.round_relaxation_factor * 1000)::int, d.round_thresholds,"
    "   d.report, d.has_recommendation, d.material_kinds,"
    "   CASE WHEN d.status IN ('draft', 'submitted') THEN city_title_active(d.platform_id) ELSE false END,"
    "   d.open_objections, " DAYS("d.notice_end") ", NULL::int,"
    "   d.round_require_prior_recognition, d.round_relaxed_thresholds, d.round_validity_years, d.round_validity_ends,"
    "   d.applicant_org_id, d.platform_operator_org, d.doc, d.etag, d.stale"
    "   FROM application_details d"
    "   WHERE d.application_id = $1 AND s.live AND ($2::text IN ('province', 'supervisor')"
    "     OR ($2 = 'platform' AND d.platform_operator_org = $4::bigint)"
    "     OR ($2 <> 'platform' AND d.recommender_org_id = $4::bigint)"
    "     OR ($2 = 'city' AND d.round_level = 'city' AND d.round_region = $3))) x ON true", 7};
/* Assembles the detail if it is still stale once its row is locked: of readers that found it
 * stale together, the first assembles it and the others find it done. */
static const sf_stmt REFRESH_DETAIL = {
    "SELECT application_details_refresh(ARRAY(SELECT application_id FROM application_details"
    " WHERE application_id = $1::bigint AND stale FOR UPDATE))", 1};
/* One round trip: the document with its history (sql/024) if the caller may see it. */
static const sf_stmt GET_VISIBLE_DOC = {
    "SELECT (d.doc || jsonb_build_object('history', application_history(d.id)))::text"
    " FROM application_docs d JOIN rounds r ON r.id = d.round_id WHERE d.id = $1 AND " APPLICATION_VISIBLE, 4};
static const sf_stmt LIST = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT d.id, d.doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("d.id", "$8") ") AS rn"
    " FROM application_docs d JOIN rounds r ON r.id = d.round_id"
    " WHERE " APPLICATION_VISIBLE " AND ($6::bigint IS NULL OR d.round_id = $6)"
    "   AND ($7::text IS NULL OR d.status = $7) AND " SF_KEYSET_AFTER("d.id", "$8") " ORDER BY " SF_KEYSET_ORDER("d.id", "$8") " LIMIT $5 + 1", 8, 1, 5);
/* A form's write answers the application as GET /v1/applications/{id} reads it, its history
 * included (what the form's own event adds to it: nothing, sql/024), so that the answer's ETag
 * is the one GET gives and the next write's If-Match may name it. */
#define ANSWERED_DOC "(d.doc || jsonb_build_object('history', application_history(d.id)))::text"
static const sf_stmt PUT_REPORT = {
    "WITH u AS (UPDATE applications SET report = $2::jsonb, version = version + 1, updated_at = now()"
    "           WHERE id = $1 AND ($6::int IS NULL OR version = $6) RETURNING *)"
    " SELECT " ANSWERED_DOC ", audit_append($3, $4, 'application.report_filled', 'application', d.id, '{}', $5)"
    " FROM (SELECT u.id, application_doc(ROW(u.*)::applications) AS doc FROM u) d", 6};
static const sf_stmt PUT_RECOMMENDATION = {
    "WITH u AS (UPDATE applications SET recommendation = $2::jsonb, version = version + 1, updated_at = now()"
    "           WHERE id = $1 AND ($6::int IS NULL OR version = $6) RETURNING *)"
    " SELECT " ANSWERED_DOC ", audit_append($3, $4, 'application.recommendation_filled', 'application', d.id,"
    "        jsonb_build_object('after', $2::jsonb), $5)"
    " FROM (SELECT u.id, application_doc(ROW(u.*)::applications) AS doc FROM u) d", 6};
static const sf_stmt GET_REPORT = {"SELECT report::text FROM applications WHERE id = $1", 1};
static const sf_stmt GET_RECOMMENDATION = {"SELECT recommendation::text FROM applications WHERE id = $1", 1};

static char *dup_or_null(const PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

static sf_app_record *read_snapshot(const PGresult *res)
{
    sf_app_record *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    sf_app_snapshot *s = &r->snap;
    s->id = sf_db_get_int(res, 0, 0);
    s->status = (sf_app_state)sf_app_state_parse(PQgetvalue(res, 0, 1));
    s->recommender_org = sf_db_get_int(res, 0, 2);
    s->platform_id = sf_db_get_int(res, 0, 3);
    snprintf(s->platform_region, sizeof s->platform_region, "%s", PQgetvalue(res, 0, 4));
    s->platform_created_by = sf_db_get_int(res, 0, 5);
    s->round_id = sf_db_get_int(res, 0, 6);
    snprintf(s->round_level, sizeof s->round_level, "%s", PQgetvalue(res, 0, 7));
    snprintf(s->round_region, sizeof s->round_region, "%s", PQgetvalue(res, 0, 8));
    s->round_year = (int)sf_db_get_int(res, 0, 9);
    s->opens_on = (sf_day)sf_db_get_int(res, 0, 10);
    s->closes_on = (sf_day)sf_db_get_int(res, 0, 11);
    r->today = (sf_day)sf_db_get_int(res, 0, 12);
    s->quota = (int)sf_db_get_int(res, 0, 13);
    s->recommended_by_recommender = (int)sf_db_get_int(res, 0, 14);
    s->relaxation.applies = sf_db_get_bool(res, 0, 15);
    s->relaxation.factor_permille = (int)sf_db_get_int(res, 0, 16);
    r->thresholds_json = dup_or_null(res, 17);
    r->report_json = dup_or_null(res, 18);
    s->has_report = r->report_json != NULL;
    s->has_recommendation = sf_db_get_bool(res, 0, 19);
    r->material_kinds = PQgetisnull(res, 0, 20) ? strdup("") : strdup(PQgetvalue(res, 0, 20));
    s->material_kinds = r->material_kinds;
    s->has_active_city_award = sf_db_get_bool(res, 0, 21);
    s->open_objections = (int)sf_db_get_int(res, 0, 22);
    s->notice_end = PQgetisnull(res, 0, 23) ? 0 : (sf_day)sf_db_get_int(res, 0, 23);
    s->has_active_award = !PQgetisnull(res, 0, 24);
    s->active_award_until = (sf_day)sf_db_get_int(res, 0, 24);
    s->require_prior_recognition = sf_db_get_bool(res, 0, 25);
    r->relaxed_thresholds_json = dup_or_null(res, 26);
    s->validity.years = (int)sf_db_get_int(res, 0, 27);
    if (!sf_validity_ends_parse(PQgetvalue(res, 0, 28), &s->validity.ends))
        s->validity.ends = SF_VALIDITY_YEAR_END;
    s->applicant_org = PQgetisnull(res, 0, 29) ? 0 : sf_db_get_int(res, 0, 29);
    s->platform_operator_org = PQgetisnull(res, 0, 30) ? 0 : sf_db_get_int(res, 0, 30);
    if (r->material_kinds == NULL || (r->relaxed_thresholds_json == NULL && !PQgetisnull(res, 0, 26)) ||
        (r->report_json == NULL && !PQgetisnull(res, 0, 18)) || (r->thresholds_json == NULL && !PQgetisnull(res, 0, 17))) {
        sf_app_record_free(r);
        return NULL;
    }
    return r;
}

void sf_app_record_free(sf_app_record *r)
{
    if (r == NULL)
        return;
    free(r->thresholds_json);
    free(r->report_json);
    free(r->material_kinds);
    free(r->relaxed_thresholds_json);
    free(r);
}

sf_status sf_application_snapshot(sf_pool *pool, int64_t id, sf_app_record **out)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &SNAPSHOT, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0)
        status = SF_NOT_FOUND;
    else if ((*out = read_snapshot(res)) == NULL)
        status = SF_INTERNAL;
    PQclear(res);
    return status;
}

typedef struct {
    const sf_actor *actor;
    int64_t id;
    const sf_caller *caller;
    sf_app_decide decide;
    void *ctx;
    char **doc;
    sf_errors *errors;
    int expected_version;   /* 0: any */
    int *stale;             /* set when the application is at another version */
} transition_args;

static sf_status transition_body(sf_conn *conn, void *p);

static sf_status award_in_tx(sf_conn *conn, const transition_args *t, const sf_app_snapshot *s,
                             const sf_app_decision *d, const sf_actor_params *a)
{
    sf_int_text round = sf_int_to_text(s->round_id);
    const char *rp[] = {round.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &NEXT_CERTIFICATE, rp, &res, NULL);
    if (status != SF_OK)
        return status;
    long long seq = sf_db_get_int(res, 0, 0);
    char certificate[64];
    /* LNSME-2026-001 for the province's titles; LNSME-210100-2026-001 for a city's */
    if (strcmp(PQgetvalue(res, 0, 1), "province") == 0)
        snprintf(certificate, sizeof certificate, "LNSME-%s-%03lld", PQgetvalue(res, 0, 3), seq);
    else
        snprintf(certificate, sizeof certificate, "LNSME-%s-%s-%03lld", PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), seq);
    PQclear(res);
    sf_int_text app = sf_int_to_text(s->id), platform = sf_int_to_text(s->platform_id), seqt = sf_int_to_text(seq),
                from = sf_int_to_text(d->award_from), until = sf_int_to_text(d->award_until);
    const char *params[] = {app.s, platform.s, round.s, s->round_level, certificate, seqt.s, from.s, until.s,
                            a->values[0], a->values[1], a->values[2]};
    status = sf_db_exec(conn, &INSERT_AWARD, params, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*t->doc);
    *t->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *t->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_application_apply(sf_conn *conn, const sf_actor *actor, int64_t id, const sf_caller *caller,
                               sf_app_decide decide, void *ctx, char **doc, sf_errors *errors)
{
    transition_args t = {actor, id, caller, decide, ctx, doc, errors, 0, NULL};
    return transition_body(conn, &t);
}

static sf_status transition_body(sf_conn *conn, void *p)
{
    transition_args *t = p;
    sf_int_text idt = sf_int_to_text(t->id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &LOCK_RECOMMENDER, params, NULL, NULL);
    if (status == SF_OK)
        status = sf_db_exec(conn, &LOCK_APPLICATION, params, &res, NULL);
    if (status == SF_OK) {
        /* the version the caller read (If-Match), under the lock: a change since is stale */
        int moved = t->expected_version != 0 &&
                    (PQntuples(res) == 0 || sf_db_get_int(res, 0, 0) != t->expected_version);
        PQclear(res);
        if (moved) {
            *t->stale = 1;
            return SF_CONFLICT;
        }
    }
    if (status == SF_OK)   /* a new statement: a snapshot taken with the lock held */
        status = sf_db_exec(conn, &SNAPSHOT, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    sf_app_record *rec = read_snapshot(res);
    PQclear(res);
    if (rec == NULL)
        return SF_INTERNAL;
    const sf_app_snapshot *s = &rec->snap;
    sf_app_decision d = {0};
    if (!sf_app_visible(s, t->caller))
        status = SF_NOT_FOUND;
    else
        status = t->decide(rec, t->ctx, &d, t->errors);
    if (status == SF_OK) {
        sf_actor_params a;
        sf_actor_to_params(t->actor, &a);
        const char *up[] = {idt.s, sf_app_state_name(d.next), d.comment, a.values[0], a.values[1], d.action,
                            a.values[2], d.return_comment};
        status = sf_db_exec(conn, &SET_STATUS, up, &res, NULL);
        if (status == SF_OK) {
            free(*t->doc);
            *t->doc = sf_db_strdup(res, 0);
            PQclear(res);
            if (d.create_award)
                status = award_in_tx(conn, t, s, &d, &a);
        }
    }
    sf_app_record_free(rec);
    return status;
}

sf_status sf_application_transition(sf_pool *pool, const sf_actor *actor, int64_t id, const sf_caller *caller,
                                    sf_app_decide decide, void *ctx, int expected_version, int *stale, char **doc,
                                    sf_errors *errors)
{
    *doc = NULL;
    *stale = 0;
    transition_args t = {actor, id, caller, decide, ctx, doc, errors, expected_version, stale};
    sf_status status = sf_tx_run(pool, transition_body, &t);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

sf_status sf_application_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t round_id,
                                int64_t platform_id, int64_t recommender_org_id, char **doc, sf_errors *errors)
{
    sf_int_text r = sf_int_to_text(round_id), p = sf_int_to_text(platform_id), rec = sf_int_to_text(recommender_org_id);
    const char *params[] = {r.s, p.s, recommender_org_id > 0 ? rec.s : NULL};
    PGresult *res;
    sf_status status = sf_db_read(pool, &ROUND_AND_PLATFORM, params, &res, NULL);
    if (status != SF_OK)
        return status;
    int found = PQntuples(res) == 1;
    char level[12] = "", round_region[8] = "", platform_region[8] = "", recommender_region[8] = "";
    int year = 0, has_award = 0, recorded_round = 0;
    sf_day opens_on = 0, closes_on = 0, today = 0;
    sf_apply_request req = {level, round_region, platform_region, 0, 0, 0, SF_ROLE_NONE, recommender_region};
    sf_day award_until = 0;
    if (found) {
        snprintf(level, sizeof level, "%s", PQgetvalue(res, 0, 0));
        snprintf(round_region, sizeof round_region, "%s", PQgetvalue(res, 0, 1));
        year = (int)sf_db_get_int(res, 0, 2);
        snprintf(platform_region, sizeof platform_region, "%s", PQgetvalue(res, 0, 3));
        req.platform_created_by = sf_db_get_int(res, 0, 4);
        has_award = !PQgetisnull(res, 0, 5);
        award_until = (sf_day)sf_db_get_int(res, 0, 5);
        req.created_by_association = sf_db_get_bool(res, 0, 6);
        req.platform_operator_org = PQgetisnull(res, 0, 7) ? 0 : sf_db_get_int(res, 0, 7);
        req.recommender_type = PQgetisnull(res, 0, 8) ? SF_ROLE_NONE : sf_role_parse(PQgetvalue(res, 0, 8));
        snprintf(recommender_region, sizeof recommender_region, "%s", PQgetvalue(res, 0, 9));
        if (!PQgetisnull(res, 0, 10))
            rec = sf_int_to_text(sf_db_get_int(res, 0, 10));
        recorded_round = sf_db_get_bool(res, 0, 11);
        opens_on = (sf_day)sf_db_get_int(res, 0, 12);
        closes_on = (sf_day)sf_db_get_int(res, 0, 13);
        today = (sf_day)sf_db_get_int(res, 0, 14);
    }
    PQclear(res);
    status = found ? sf_may_apply(caller, &req, errors) : SF_INVALID;
    if (!found)
        sf_errors_add(errors, "round_id", SF_E_ROUND_OR_PLATFORM_NOT_FOUND);
    if (status == SF_OK)
        status = sf_round_takes_applications(recorded_round, errors);
    if (status == SF_OK)
        status = sf_may_open_in_round(caller, opens_on, closes_on, today, errors);
    if (status == SF_OK && has_award && sf_award_may_reapply(year, award_until) != SF_OK) {
        char until[11];
        sf_date_format(award_until, until);
        sf_errors_detail(errors, SF_E_TITLE_STILL_VALID, SF_TEXT("valid_until", until));
        status = SF_CONFLICT;
    }
    if (status != SF_OK)
        return status;
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    /* a platform company prepares its own application for the recommender it named; a city
     * or an association opens one it recommends itself */
    int own = caller->role == SF_ROLE_PLATFORM;
    sf_int_text applicant = sf_int_to_text(caller->org_id);
    const char *ip[] = {r.s, p.s, own ? rec.s : a.values[1], a.values[0], a.values[2], own ? applicant.s : NULL};
    sf_db_error err;
    status = sf_db_write(pool, &INSERT_APPLICATION, ip, &res, &err);
    if (status == SF_CONFLICT) {
        sf_errors_add(errors, "platform_id", SF_E_APPLICATION_EXISTS);
        sf_errors_detail(errors, SF_E_APPLICATION_EXISTS);
        return status;
    }
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {   /* the platform went meanwhile */
        PQclear(res);
        sf_errors_add(errors, "round_id", SF_E_ROUND_OR_PLATFORM_NOT_FOUND);
        return SF_INVALID;
    }
    *doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *doc ? SF_OK : SF_INTERNAL;
}

/* Loads the snapshot and checks visibility: SF_NOT_FOUND when outside the caller's scope. */
static sf_status visible_snapshot(sf_pool *pool, const sf_caller *caller, int64_t id, sf_app_record **s)
{
    sf_status status = sf_application_snapshot(pool, id, s);
    const sf_app_snapshot *snap = status == SF_OK ? &(*s)->snap : NULL;
    if (snap != NULL && !sf_app_visible(snap, caller)) {
        sf_app_record_free(*s);
        *s = NULL;
        status = SF_NOT_FOUND;
    }
    return status;
}

static sf_status read_text(sf_pool *pool, const sf_stmt *stmt, int64_t id, char **out)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, stmt, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
        status = SF_NOT_FOUND;
    else if ((*out = sf_db_strdup(res, 0)) == NULL)
        status = SF_INTERNAL;
    PQclear(res);
    return status;
}

sf_status sf_application_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code, org.s};
    return sf_db_read_text(pool, &GET_VISIBLE_DOC, params, doc);
}

sf_status sf_application_read(sf_pool *pool, const sf_caller *caller, const sf_session *session, int64_t id,
                              char **doc, char etag[40], sf_app_record **rec, int *live)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id), uid;
    const char *jti, *sid;
    sf_session_params(session, &uid, &jti, &sid);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code, org.s, uid.s, jti, sid};
    PGresult *res;
    *live = 0;
    *doc = NULL;
    *rec = NULL;
    sf_status status = sf_db_read(pool, &READ_FOR_CALLER, params, &res, NULL);
    if (status == SF_INVALID && jti != NULL)   /* a jti that is not a UUID: not a token we issued */
        return SF_OK;
    if (status == SF_OK && sf_db_get_bool(res, 0, SNAPSHOT_COLUMNS + 2)) {
        /* stale (a write since it was assembled): assembled now, then read as assembled — once:
         * a write committed meanwhile is one this read may precede */
        PQclear(res);
        const char *refresh_params[] = {idt.s};
        status = sf_db_write(pool, &REFRESH_DETAIL, refresh_params, NULL, NULL);
        if (status == SF_OK)
            status = sf_db_read(pool, &READ_FOR_CALLER, params, &res, NULL);
    }
    if (status != SF_OK)
        return status;
    *live = sf_db_get_bool(res, 0, SNAPSHOT_COLUMNS + 3);
    if (!*live || PQgetisnull(res, 0, SNAPSHOT_COLUMNS))
        status = *live ? SF_NOT_FOUND : SF_OK;
    else if (PQgetlength(res, 0, SNAPSHOT_COLUMNS + 1) >= 40 || (*rec = read_snapshot(res)) == NULL ||
             (*doc = sf_db_strdup(res, SNAPSHOT_COLUMNS)) == NULL)
        status = SF_INTERNAL;
    else
        memcpy(etag, PQgetvalue(res, 0, SNAPSHOT_COLUMNS + 1), (size_t)PQgetlength(res, 0, SNAPSHOT_COLUMNS + 1) + 1);
    if (status != SF_OK || !*live) {
        sf_app_record_free(*rec);
        *rec = NULL;
    }
    PQclear(res);
    return status;
}

sf_status sf_application_list(sf_pool *pool, const sf_caller *caller, int64_t round_id, const char *status_filter,
                              int64_t after_id, int limit, int desc, char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit),
                round = sf_int_to_text(round_id);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, org.s, lim.s,
                            round_id > 0 ? round.s : NULL, status_filter, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST, params, items, next_after, total);
}

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    int64_t id;
    const sf_stmt *stmt;
    const char *json;
    sf_day established_on;
    int expected_version;
    int *stale;
    char **doc;
    sf_errors *errors;
} form_args;

static sf_status form_body(sf_conn *conn, void *p)
{
    form_args *f = p;
    sf_int_text idt = sf_int_to_text(f->id);
    PGresult *res;
    sf_day today;
    sf_status status = sf_application_edit_locked(
        conn, f->id, f->caller, f->stmt == &PUT_REPORT ? SF_PART_REPORT : SF_PART_RECOMMENDATION, &today, f->errors);
    if (status != SF_OK)
        return status;
    if (f->stmt == &PUT_REPORT) {   /* Art. 12.1 counts the years from it: a date of the past */
        sf_platform_established_check("basic.established_on", f->established_on, today, f->errors);
        if (sf_errors_any(f->errors))
            return SF_INVALID;
    }
    sf_actor_params a;
    sf_actor_to_params(f->actor, &a);
    sf_int_text ver = sf_int_to_text(f->expected_version);
    const char *up[] = {idt.s, f->json, a.values[0], a.values[1], a.values[2], f->expected_version ? ver.s : NULL};
    status = sf_db_exec(conn, f->stmt, up, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        *f->stale = 1;
        return SF_CONFLICT;
    }
    free(*f->doc);
    *f->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *f->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_application_put_form(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                                  const char *which, const char *json, sf_day established_on, int expected_version,
                                  int *stale, char **doc, sf_errors *errors)
{
    *doc = NULL;
    *stale = 0;
    form_args f = {actor, caller, id, strcmp(which, "report") == 0 ? &PUT_REPORT : &PUT_RECOMMENDATION, json,
                   established_on, expected_version, stale, doc, errors};
    sf_status status = sf_tx_run(pool, form_body, &f);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

sf_status sf_application_get_form(sf_pool *pool, const sf_caller *caller, int64_t id, const char *which, char **json)
{
    sf_app_record *s;
    sf_status status = visible_snapshot(pool, caller, id, &s);
    if (status != SF_OK)
        return status;
    sf_app_record_free(s);
    return read_text(pool, strcmp(which, "report") == 0 ? &GET_REPORT : &GET_RECOMMENDATION, id, json);
}

sf_status sf_application_edit_locked(sf_conn *conn, int64_t id, const sf_caller *caller, sf_app_part part,
                                     sf_day *today, sf_errors *errors)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &EDIT_LOCKED, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    sf_app_snapshot s = {0};
    s.id = id;
    s.status = (sf_app_state)sf_app_state_parse(PQgetvalue(res, 0, 0));
    s.recommender_org = sf_db_get_int(res, 0, 1);
    s.applicant_org = sf_db_get_int(res, 0, 2);
    s.platform_operator_org = sf_db_get_int(res, 0, 3);
    snprintf(s.round_level, sizeof s.round_level, "%s", PQgetvalue(res, 0, 4));
    snprintf(s.round_region, sizeof s.round_region, "%s", PQgetvalue(res, 0, 5));
    if (today != NULL)
        *today = (sf_day)sf_db_get_int(res, 0, 6);
    PQclear(res);
    return sf_app_visible(&s, caller) ? sf_decide_edit(&s, caller, part, errors) : SF_NOT_FOUND;
}
