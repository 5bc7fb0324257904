/*
 * Publicity notices and objections (see publicity.h).
 */
#include "persistence/publicity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

static const sf_stmt INSERT_NOTICE = {
    "INSERT INTO publicity_notices (round_id, title, start_date, end_date, created_by, published_elsewhere_reference,"
    "                               published_elsewhere_on)"
    " SELECT round_id, $2, date '1970-01-01' + $3::int, date '1970-01-01' + $4::int, $5, $6,"
    "        date '1970-01-01' + $7::int FROM applications WHERE id = $1"
    " RETURNING id, round_id", 7};
static const sf_stmt INSERT_ITEM = {
    "INSERT INTO publicity_notice_items (notice_id, application_id)"
    " SELECT $1, id FROM applications WHERE id = $2 AND round_id = $3", 3};
/* The day (Liaoning's date: the session's time zone) an application was last approved
 * (sql/057); NULL if it never was. */
static const sf_stmt APPROVED_ON = {"SELECT approved_at::date - date '1970-01-01' FROM applications WHERE id = $1", 1};
static const sf_stmt NOTICE_AUDIT = {
    "SELECT d.doc::text, audit_append($2, $3, 'notice.created', 'publicity_notice', d.id,"
    "       jsonb_build_object('after', d.doc), $4) FROM notice_docs d WHERE d.id = $1", 4};
/* sf_notice_facts.all_decided of notice `id`: none of its applications is publicized still. */
#define ALL_DECIDED(id)                                                                                     \
    "NOT EXISTS (SELECT 1 FROM publicity_notice_items i JOIN applications a ON a.id = i.application_id"     \
    "            WHERE i.notice_id = " id " AND a.status = 'publicized')"
/* The document, and the facts of sf_notice_facts with today's date ($2: the public's view). */
static const sf_stmt GET_NOTICE = {
    "SELECT d.doc::text, d.start_date - date '1970-01-01', d.end_date - date '1970-01-01', r.level, r.region_code,"
    "       current_date - date '1970-01-01', " ALL_DECIDED("d.id")
    " FROM notice_docs d JOIN rounds r ON r.id = d.round_id WHERE d.id = $1"
    "   AND (d.start_date <= current_date OR $2 OR (r.level = 'city' AND r.region_code = $3::text))",
    3};
/* What sf_notice_facts holds, and today's date, for the objection decisions (a notice's dates
 * and round never change once it is published). */
static const sf_stmt NOTICE_FACTS = {
    "SELECT n.start_date - date '1970-01-01', n.end_date - date '1970-01-01', r.level, r.region_code,"
    "       current_date - date '1970-01-01', " ALL_DECIDED("n.id")
    " FROM publicity_notices n JOIN rounds r ON r.id = n.round_id WHERE n.id = $1", 1};
static const sf_stmt LIST_NOTICES = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$6") ") AS rn FROM notice_docs"
    " WHERE ($2::bigint IS NULL OR round_id = $2) AND ($3::text IS NULL OR doc->>'status' = $3)"
    "   AND ($4::int IS NULL OR extract(year FROM start_date) = $4)"
    "   AND (start_date <= current_date OR $7 OR round_id IN (SELECT r.id FROM rounds r WHERE r.level = 'city'"
    "                                                         AND r.region_code = $8::text))"
    "   AND " SF_KEYSET_AFTER("id", "$6") " ORDER BY " SF_KEYSET_ORDER("id", "$6") " LIMIT $5 + 1", 8, 1, 5);
/* The client's quota ($8 an hour) is taken in the same statement as the insert, under a lock
 * of the client (objection_quota_ok, sql/017): parallel objections cannot all count the same
 * rows (issue 14, item 4). */
static const sf_stmt INSERT_OBJECTION = {
    "WITH q AS (SELECT objection_quota_ok($6, $8) AS ok),"
    " n AS (SELECT id, $9::boolean AS open FROM publicity_notices"   /* sf_decide_file_objection */
    "       WHERE id = $1 AND (SELECT ok FROM q)),"
    " item AS (SELECT 1 FROM publicity_notice_items i JOIN applications a ON a.id = i.application_id"
    "          WHERE i.notice_id = $1 AND i.application_id = $2 AND a.status = 'publicized' FOR SHARE OF a),"
    " o AS (INSERT INTO objections (notice_id, application_id, objector_name, contact, reason, client)"
    "       SELECT $1, $2, $3, $4, $5, $6 FROM n WHERE n.open AND EXISTS (SELECT 1 FROM item)"
    "       RETURNING id, notice_id, application_id, status, rfc3339(created_at) AS created_at)"
    " SELECT (SELECT count(*) FROM n), (SELECT bool_or(open) FROM n), (SELECT count(*) FROM item),"
    "  (SELECT jsonb_build_object('id', id, 'notice_id', notice_id, 'application_id', application_id,"
    "          'status', status, 'created_at', created_at)::text FROM o),"
    "  (SELECT audit_append(NULL, NULL, 'objection.filed', 'objection', o.id,"
    "          jsonb_build_object('notice_id', o.notice_id, 'application_id', o.application_id), $7) FROM o),"
    "  (SELECT ok FROM q)", 9};
/* The objections a caller (role, region) sees: the province and the supervisor all (DESIGN.md
 * §2: the province everything; it resolves those of its own rounds only, sf_decides_round), a
 * city those of its own city-level rounds (Art. 26). */
#define OBJECTION_SEEN(role, region)                                                                      \
    "(" role "::text IN ('province', 'supervisor')"                                                         \
    " OR (" role " = 'city' AND round_level = 'city' AND round_region = " region "))"
/* $2 role, $3 region. Each item carries its round under "_round" for the objection's
 * allowed_actions (sf_objection_list). */
static const sf_stmt LIST_OBJECTIONS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT id, doc || jsonb_build_object('_round', jsonb_build_object('level', round_level,"
    "       'region', round_region)) AS doc, row_number() OVER (ORDER BY id) AS rn FROM objection_docs"
    " WHERE " OBJECTION_SEEN("$2", "$3")
    "   AND ($4::text IS NULL OR status = $4) AND id > $1 ORDER BY id LIMIT $5 + 1", 5, 1, 5);
/* One objection the caller decides on, as LIST_OBJECTIONS shows it ($1 id, $2 role, $3 region). */
static const sf_stmt GET_OBJECTION = {
    "SELECT (doc || jsonb_build_object('_round', jsonb_build_object('level', round_level, 'region', round_region)))::text"
    " FROM objection_docs WHERE id = $1 AND " OBJECTION_SEEN("$2", "$3"), 3};
/* A recorded objection, once sf_decide_record_objection has accepted it. */
static const sf_stmt RECORD_OBJECTION = {
    "WITH item AS (SELECT 1 FROM publicity_notice_items i JOIN applications a ON a.id = i.application_id"
    "          WHERE i.notice_id = $1 AND i.application_id = $2 AND a.status = 'publicized' FOR SHARE OF a),"
    " o AS (INSERT INTO objections (notice_id, application_id, objector_name, contact, reason, client, received_on,"
    "                               recorded_by)"
    "       SELECT $1, $2, $3, $4, $5, 'recorded', date '1970-01-01' + $6::int, $7"
    "       WHERE EXISTS (SELECT 1 FROM item) RETURNING *)"
    " SELECT (SELECT count(*) FROM item),"
    "  (SELECT objection_doc(ROW(o.*)::objections)::text FROM o),"
    "  (SELECT audit_append($7, $8, 'objection.recorded', 'objection', o.id,"
    "          jsonb_build_object('after', objection_doc(ROW(o.*)::objections)), $9) FROM o)", 9};
/* The facts of sf_objection_facts, under the objection's row lock. */
static const sf_stmt LOCK_OBJECTION = {
    "SELECT o.status, o.application_id, r.level, r.region_code FROM objections o"
    " JOIN applications a ON a.id = o.application_id JOIN rounds r ON r.id = a.round_id"
    " WHERE o.id = $1 FOR UPDATE OF o", 1};
static const sf_stmt RESOLVE = {
    "WITH u AS (UPDATE objections SET status = $2, resolution = $3, resolved_by = $4, resolved_at = now()"
    "           WHERE id = $1 RETURNING *)"
    " SELECT d.doc::text, audit_append($4, $5, 'objection.resolved', 'objection', d.id,"
    "        jsonb_build_object('after', jsonb_build_object('status', $2::text, 'resolution', $3::text)), $6)"
    " FROM (SELECT u.id, objection_doc(ROW(u.*)::objections) AS doc FROM u) d", 6};

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    const sf_new_notice *notice;
    const int64_t *ids;
    size_t n;
    sf_app_decide decide;
    void *ctx;
    char **doc;
    sf_errors *errors;
} notice_args;

static sf_status notice_body(sf_conn *conn, void *p)
{
    notice_args *a = p;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const sf_new_notice *nn = a->notice;
    sf_int_text first = sf_int_to_text(a->ids[0]), s = sf_int_to_text(nn->start), e = sf_int_to_text(nn->end),
                on = sf_int_to_text(nn->elsewhere_on);
    const char *np[] = {first.s, nn->title, s.s, e.s, ap.values[0], nn->elsewhere_reference,
                        nn->elsewhere_reference ? on.s : NULL};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &INSERT_NOTICE, np, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        sf_errors_add(a->errors, "application_ids", SF_E_APPLICATION_ID_UNKNOWN, SF_INT("id", a->ids[0]));
        return SF_INVALID;
    }
    char notice_id[24], round_id[24];
    snprintf(notice_id, sizeof notice_id, "%s", PQgetvalue(res, 0, 0));
    snprintf(round_id, sizeof round_id, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    for (size_t i = 0; i < a->n && status == SF_OK; i++) {
        char *app_doc = NULL;
        status = sf_application_apply(conn, a->actor, a->ids[i], a->caller, a->decide, a->ctx, &app_doc, a->errors);
        free(app_doc);
        if (status == SF_NOT_FOUND) {
            sf_errors_add(a->errors, "application_ids", SF_E_APPLICATION_ID_UNKNOWN, SF_INT("id", a->ids[i]));
            status = SF_INVALID;
        }
        if (status != SF_OK)
            break;
        /* Art. 18: after the review it publicizes (the application is locked as publicized now) */
        sf_int_text app = sf_int_to_text(a->ids[i]);
        const char *id_param[] = {app.s};
        status = sf_db_exec(conn, &APPROVED_ON, id_param, &res, NULL);
        if (status != SF_OK)
            break;
        if (!PQgetisnull(res, 0, 0))
            sf_decide_notice_after_review(nn->start, nn->elsewhere_reference ? nn->elsewhere_on : 0, a->ids[i],
                                          (sf_day)sf_db_get_int(res, 0, 0), a->errors);
        PQclear(res);
        if (sf_errors_any(a->errors)) {
            status = SF_INVALID;
            break;
        }
        const char *ip[] = {notice_id, app.s, round_id};
        status = sf_db_exec(conn, &INSERT_ITEM, ip, &res, NULL);
        if (status == SF_OK) {
            int inserted = atoi(PQcmdTuples(res)) == 1;
            PQclear(res);
            if (!inserted) {
                sf_errors_add(a->errors, "application_ids", SF_E_APPLICATION_OTHER_ROUND, SF_INT("id", a->ids[i]));
                status = SF_INVALID;
            }
        }
    }
    if (status != SF_OK)
        return status;
    const char *audit[] = {notice_id, ap.values[0], ap.values[1], ap.values[2]};
    status = sf_db_exec(conn, &NOTICE_AUDIT, audit, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_notice_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const sf_new_notice *notice,
                           const int64_t *application_ids, size_t n, sf_app_decide decide, void *ctx, char **doc,
                           sf_errors *errors)
{
    *doc = NULL;
    notice_args a = {actor, caller, notice, application_ids, n, decide, ctx, doc, errors};
    sf_status status = sf_tx_run(pool, notice_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

/* Reads sf_notice_facts and today from columns `col`… of row 0. */
static void read_notice_facts(const PGresult *res, int col, sf_notice_facts *f, sf_day *today)
{
    f->start = (sf_day)sf_db_get_int(res, 0, col);
    f->end = (sf_day)sf_db_get_int(res, 0, col + 1);
    snprintf(f->round_level, sizeof f->round_level, "%s", PQgetvalue(res, 0, col + 2));
    snprintf(f->round_region, sizeof f->round_region, "%s", PQgetvalue(res, 0, col + 3));
    *today = (sf_day)sf_db_get_int(res, 0, col + 4);
    f->all_decided = sf_db_get_bool(res, 0, col + 5);
}

sf_status sf_notice_get(sf_pool *pool, int64_t id, const sf_notice_early *early, char **doc, sf_notice_facts *facts,
                        sf_day *today)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, early->all ? "true" : "false", early->own_region};
    PGresult *res;
    sf_status status = sf_db_read(pool, &GET_NOTICE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) != 1) {
        status = SF_NOT_FOUND;
    } else if ((*doc = sf_db_strdup(res, 0)) == NULL) {
        status = SF_INTERNAL;
    } else {
        read_notice_facts(res, 1, facts, today);
    }
    PQclear(res);
    return status;
}

sf_status sf_notice_list(sf_pool *pool, const sf_notice_filter *f, int64_t after_id, int limit, int desc, char **items,
                         int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), lim = sf_int_to_text(limit), round = sf_int_to_text(f->round_id),
                year = sf_int_to_text(f->year);
    const char *params[] = {after.s, f->round_id ? round.s : NULL, f->status, f->year ? year.s : NULL, lim.s,
                            desc ? "true" : "false", f->early.all ? "true" : "false", f->early.own_region};
    return sf_db_read_page(pool, &LIST_NOTICES, params, items, next_after, total);
}

/* The facts a read of NOTICE_FACTS found, and the database's today; clears `res`.
 * SF_NOT_FOUND when there is no such notice. */
static sf_status take_notice_facts(PGresult *res, sf_notice_facts *facts, sf_day *today)
{
    int found = PQntuples(res) == 1;
    if (found)
        read_notice_facts(res, 0, facts, today);
    PQclear(res);
    return found ? SF_OK : SF_NOT_FOUND;
}

sf_status sf_objection_create(sf_pool *pool, const sf_new_objection *o, int max_per_hour, int *throttled,
                              char **doc, sf_errors *errors)
{
    PGresult *res;
    *throttled = 0;
    sf_int_text n = sf_int_to_text(o->notice_id), a = sf_int_to_text(o->application_id),
                max = sf_int_to_text(max_per_hour);
    /* the window is the notice's dates, which never change: decided before the insert */
    const char *fp[] = {n.s};
    sf_status status = sf_db_read(pool, &NOTICE_FACTS, fp, &res, NULL);
    if (status != SF_OK)
        return status;
    sf_notice_facts facts;
    sf_day today = 0;
    status = take_notice_facts(res, &facts, &today);
    if (status != SF_OK)
        return status;
    sf_errors why;
    sf_errors_init(&why);
    sf_status decided = sf_decide_file_objection(&facts, today, &why);
    if (decided == SF_NOT_FOUND)
        return decided;
    int open = decided == SF_OK;
    const char *params[] = {n.s, a.s, o->name, o->contact, o->reason, o->client, o->request_id, max.s,
                            open ? "true" : "false"};
    status = sf_db_write(pool, &INSERT_OBJECTION, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (!sf_db_get_bool(res, 0, 5)) {
        *throttled = 1;
    } else if (sf_db_get_int(res, 0, 0) == 0) {
        status = SF_NOT_FOUND;
    } else if (!sf_db_get_bool(res, 0, 1)) {
        status = sf_decide_file_objection(&facts, today, errors);   /* the refusal, with its reason */
    } else if (sf_db_get_int(res, 0, 2) == 0) {
        sf_errors_add(errors, "application_id", SF_E_NOT_ON_NOTICE);
        status = SF_INVALID;
    } else if ((*doc = sf_db_strdup(res, 3)) == NULL) {
        status = SF_INTERNAL;
    }
    PQclear(res);
    return status;
}

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    const sf_new_objection *o;
    sf_day received_on;
    char **doc;
    sf_objection_facts *facts;
    sf_errors *errors;
} record_args;

static sf_status record_body(sf_conn *conn, void *p)
{
    record_args *a = p;
    sf_int_text n = sf_int_to_text(a->o->notice_id), app = sf_int_to_text(a->o->application_id),
                day = sf_int_to_text(a->received_on);
    const char *np[] = {n.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &NOTICE_FACTS, np, &res, NULL);
    if (status != SF_OK)
        return status;
    sf_notice_facts facts;
    sf_day today = 0;
    status = take_notice_facts(res, &facts, &today);
    if (status != SF_OK)
        return status;
    status = sf_decide_record_objection(&facts, a->caller, a->received_on, today, a->errors);
    if (status != SF_OK)
        return status;
    a->facts->open = 1;
    snprintf(a->facts->round_level, sizeof a->facts->round_level, "%s", facts.round_level);
    snprintf(a->facts->round_region, sizeof a->facts->round_region, "%s", facts.round_region);
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *params[] = {n.s, app.s, a->o->name, a->o->contact, a->o->reason, day.s, ap.values[0], ap.values[1],
                            ap.values[2]};
    status = sf_db_exec(conn, &RECORD_OBJECTION, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (sf_db_get_int(res, 0, 0) == 0) {
        sf_errors_add(a->errors, "application_id", SF_E_NOT_ON_NOTICE);
        status = SF_INVALID;
    } else {
        free(*a->doc);
        if ((*a->doc = sf_db_strdup(res, 1)) == NULL)
            status = SF_INTERNAL;
    }
    PQclear(res);
    return status;
}

sf_status sf_objection_record(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const sf_new_objection *o,
                              sf_day received_on, char **doc, sf_objection_facts *facts, sf_errors *errors)
{
    *doc = NULL;
    record_args a = {actor, caller, o, received_on, doc, facts, errors};
    sf_status status = sf_tx_run(pool, record_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

sf_status sf_objection_list(sf_pool *pool, const sf_caller *caller, const char *status_filter, int64_t after_id,
                            int limit, char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), lim = sf_int_to_text(limit);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, status_filter, lim.s};
    return sf_db_read_page(pool, &LIST_OBJECTIONS, params, items, next_after, total);
}

sf_status sf_objection_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code};
    return sf_db_read_text(pool, &GET_OBJECTION, params, doc);
}

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    int64_t id;
    int upheld;
    const char *resolution;
    sf_app_decide decide;
    void *ctx;
    char **doc;
    sf_objection_facts *facts;
    sf_errors *errors;
} resolve_args;

static sf_status resolve_body(sf_conn *conn, void *p)
{
    resolve_args *a = p;
    sf_int_text idt = sf_int_to_text(a->id);
    const char *lp[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &LOCK_OBJECTION, lp, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    sf_objection_facts *f = a->facts;
    f->open = strcmp(PQgetvalue(res, 0, 0), "open") == 0;
    snprintf(f->round_level, sizeof f->round_level, "%s", PQgetvalue(res, 0, 2));
    snprintf(f->round_region, sizeof f->round_region, "%s", PQgetvalue(res, 0, 3));
    int64_t application = sf_db_get_int(res, 0, 1);
    PQclear(res);
    status = sf_decide_resolve_objection(f, a->caller, a->errors);
    if (status != SF_OK)
        return status;
    f->open = 0;   /* as it is once resolved */
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *rp[] = {idt.s, a->upheld ? "upheld" : "dismissed", a->resolution, ap.values[0], ap.values[1],
                        ap.values[2]};
    status = sf_db_exec(conn, &RESOLVE, rp, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    if (a->upheld) {
        /* Art. 18: an upheld objection rejects the application (once: a second upheld
         * objection finds it rejected already, which the decision accepts) */
        char *app_doc = NULL;
        status = sf_application_apply(conn, a->actor, application, a->caller, a->decide, a->ctx, &app_doc, a->errors);
        free(app_doc);
    }
    return status;
}

sf_status sf_objection_resolve(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id, int upheld,
                               const char *resolution, sf_app_decide decide, void *ctx, char **doc,
                               sf_objection_facts *facts, sf_errors *errors)
{
    *doc = NULL;
    resolve_args a = {actor, caller, id, upheld, resolution, decide, ctx, doc, facts, errors};
    sf_status status = sf_tx_run(pool, resolve_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}
