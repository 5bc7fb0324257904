/*
 * Supervision records and the compliance rows (see supervision.h).
 */
#include "persistence/supervision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/supervision.h"
#include "persistence/db.h"

static const sf_stmt CREATE_ASSESSMENT = {
    /* the SQL twin of sf_title_assessable (domain/awards.h) */
    "WITH ok AS (SELECT 1 FROM awards w, organizations o WHERE w.id = $1 AND o.id = $2 AND o.type = 'assessor'"
    "            AND w.level = 'province' AND title_in_force(w.status, w.valid_until) AND w.valid_from <= current_date),"
    " s AS (INSERT INTO assessments (award_id, assessor_org_id, due_on, commissioned_by)"
    "       SELECT $1, $2, $3::date, $4 FROM ok RETURNING *)"
    " SELECT d.doc::text, audit_append($4, $5, 'assessment.commissioned', 'assessment', d.id,"
    "        jsonb_build_object('after', d.doc), $6)"
    " FROM (SELECT s.id, assessment_doc(ROW(s.*)::assessments) AS doc FROM s) d", 6};
/* The SQL twin of sf_may_see_assessment: $2 role, $3 organisation. */
/* Who reads a title's supervision records: $2 role, $3 region, $4 organisation; `w` is the
 * title (awards), `p` its platform. The one statement of this rule (no C twin). */
#define TITLE_RECORD_VISIBLE                                                                        \
    "($2::text IN ('province', 'supervisor') OR ($2 = 'city' AND p.region_code = $3)"                \
    " OR ($2 = 'platform' AND p.operator_org_id = $4::bigint)"                                      \
    " OR ($2 = 'assessor' AND EXISTS (SELECT 1 FROM assessments x WHERE x.award_id = w.id"          \
    "                                 AND x.assessor_org_id = $4::bigint AND x.submitted_on IS NULL)))"
#define ASSESSMENT_VISIBLE                                                                           \
    "($2::text IN ('province', 'supervisor') OR ($2 = 'assessor' AND s.assessor_org_id = $3::bigint)"     \
    " OR ($2 = 'platform' AND EXISTS (SELECT 1 FROM awards x JOIN platforms o ON o.id = x.platform_id"     \
    "                                 WHERE x.id = s.award_id AND o.operator_org_id = $3::bigint)))"
static const sf_stmt LIST_ASSESSMENTS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT s.id, assessment_doc(s) AS doc, row_number() OVER (ORDER BY s.id) AS rn"
    " FROM assessments s WHERE " ASSESSMENT_VISIBLE " AND ($4::text IS NULL OR assessment_status(s.submitted_on, s.due_on) = $4)"
    "   AND s.id > $1 ORDER BY s.id LIMIT $5 + 1", 5, 1, 5);
static const sf_stmt GET_ASSESSMENT = {
    "SELECT assessment_doc(s)::text FROM assessments s WHERE s.id = $1 AND " ASSESSMENT_VISIBLE, 3};
/* Locks the title with the assessment, before anything else: a failed result changes the
 * title under the title writers' lock (sql/031), and a revocation locks the title first, so
 * taking the title's row only at PEND_REVOCATION made the two wait on each other (40P01). */
static const sf_stmt LOCK_ASSESSMENT = {
    "SELECT s.assessor_org_id, s.submitted_on IS NOT NULL, s.award_id FROM assessments s"
    " JOIN awards w ON w.id = s.award_id WHERE s.id = $1 FOR UPDATE OF s, w", 1};
static const sf_stmt SUBMIT = {
    "WITH s AS (UPDATE assessments SET score = $2::numeric, passed = $3::boolean, summary = $4,"
    "           submitted_by = $5, submitted_on = current_date WHERE id = $1 RETURNING *)"
    " SELECT d.doc::text, audit_append($5, $6, 'assessment.submitted', 'assessment', d.id,"
    "        jsonb_build_object('after', d.doc), $7)"
    " FROM (SELECT s.id, assessment_doc(ROW(s.*)::assessments) AS doc FROM s) d", 7};
/* Art. 24: a failed assessment puts an active title up for revocation, and is named as the
 * one that did (a reinstatement needs a passed assessment commissioned after it). */
static const sf_stmt PEND_REVOCATION = {
    "WITH w AS (UPDATE awards SET status = 'revocation_pending', pending_assessment_id = $5"
    "           WHERE id = $1 AND status = 'active' RETURNING id)"
    " SELECT audit_append($2, $3, 'award.revocation_pending', 'award', w.id,"
    "        jsonb_build_object('before', jsonb_build_object('status', 'active'),"
    "                           'after', jsonb_build_object('status', 'revocation_pending',"
    "                                                       'pending_assessment_id', $5::bigint)), $4) FROM w", 5};
/* The title's platform must be in the caller's region (Art. 22, 24: the city of the platform),
 * or operated by the caller (Art. 22: the platform files its own summary). */
static const sf_stmt AWARD_REGION = {
    "SELECT p.region_code, w.status = 'revoked', current_date - date '1970-01-01', p.operator_org_id,"
    " w.valid_from - date '1970-01-01', w.valid_until - date '1970-01-01', w.revoked_on - date '1970-01-01'"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id WHERE w.id = $1", 1};
static const sf_stmt CREATE_SUMMARY = {
    "WITH s AS (INSERT INTO annual_summaries (award_id, year, summary, recorded_by, figures, received_on)"
    "           VALUES ($1, $2, $3, $4, $7::jsonb, coalesce(date '1970-01-01' + $8::int, current_date)) RETURNING *)"
    " SELECT annual_summary_doc(ROW(s.*)::annual_summaries)::text,"
    "        audit_append($4, $5, 'annual_summary.recorded', 'award', s.award_id,"
    "        jsonb_build_object('origin', 'decided', 'year', s.year, 'received_on', s.received_on,"
    "                           'figures', s.figures), $6) FROM s", 8};
/* What a title's standing in `year` is judged on (Art. 4, 24): the summary's figures, the
 * year before's SMEs served (the previous summary's, else the application's report), the
 * awarding round's thresholds and relaxation for the platform's region, and the functions the
 * title covers. $1 award, $2 year. */
static const sf_stmt STANDING_DATA = {
    "SELECT s.id, s.figures::text,"
    " coalesce((SELECT (x.figures->>'smes_served')::bigint FROM annual_summaries x"
    "           WHERE x.award_id = w.id AND x.year = $2 - 1 AND x.figures IS NOT NULL),"
    "          (a.report->'basic'->>'smes_served_last_year')::bigint),"
    " r.thresholds::text, r.relaxed_thresholds::text, p.region_code = ANY (r.relaxed_regions),"
    " (r.relaxation_factor * 1000)::int, array_to_string(p.functions, ',')"
    " FROM awards w JOIN rounds r ON r.id = w.round_id JOIN platforms p ON p.id = w.platform_id"
    " LEFT JOIN applications a ON a.id = w.application_id"
    " LEFT JOIN annual_summaries s ON s.award_id = w.id AND s.year = $2"
    " WHERE w.id = $1", 2};
static const sf_stmt CREATE_INSPECTION = {
    "WITH i AS (INSERT INTO inspections (award_id, inspected_on, service_quality, fees, satisfaction, findings, outcome,"
    "                                    recorded_by) VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8) RETURNING *)"
    " SELECT inspection_doc(ROW(i.*)::inspections)::text,"
    "        audit_append($8, $9, 'inspection.recorded', 'award', i.award_id,"
    "        jsonb_build_object('origin', 'decided', 'inspection_id', i.id, 'outcome', i.outcome), $10), i.id FROM i", 10};
/* The round's rule for a title's rectifications (Art. 24). */
static const sf_stmt RECTIFICATION_DAYS = {
    "SELECT r.rectification_days, w.valid_from <= current_date AND title_in_force(w.status, w.valid_until),"
    "       w.valid_until - date '1970-01-01'"
    " FROM awards w JOIN rounds r ON r.id = w.round_id WHERE w.id = $1", 1};
static const sf_stmt LOCK_RECTIFICATION = {
    "SELECT r.award_id, r.status, i.inspected_on - date '1970-01-01' FROM rectifications r"
    " JOIN inspections i ON i.id = r.opened_by_inspection_id WHERE r.id = $1 FOR UPDATE OF r", 1};
static const sf_stmt OPEN_RECTIFICATION = {
    "WITH r AS (INSERT INTO rectifications (award_id, opened_by_inspection_id, due_on)"
    "           VALUES ($1, $2, date '1970-01-01' + $3::int) RETURNING *)"
    " SELECT audit_append($4, $5, 'rectification.opened', 'award', r.award_id,"
    "        jsonb_build_object('after', rectification_doc(ROW(r.*)::rectifications)), $6) FROM r", 6};
static const sf_stmt CLOSE_RECTIFICATION = {
    "WITH r AS (UPDATE rectifications SET status = 'closed', closed_by_inspection_id = $2, closed_on = $3::date"
    "           WHERE id = $1 RETURNING *)"
    " SELECT audit_append($4, $5, 'rectification.closed', 'award', r.award_id,"
    "        jsonb_build_object('after', rectification_doc(ROW(r.*)::rectifications)), $6) FROM r", 6};
static const sf_stmt INSPECTION_DOC = {"SELECT inspection_doc(i)::text FROM inspections i WHERE i.id = $1", 1};
static const sf_stmt CREATE_CITY_REPORT = {
    "WITH c AS (INSERT INTO city_reports (region_code, year, summary_report, inspection_report, recorded_by, received_on)"
    "           VALUES ($1, $2, $3, $4, $5, coalesce(date '1970-01-01' + $8::int, current_date)) RETURNING *)"
    " SELECT city_report_doc(ROW(c.*)::city_reports)::text,"
    "        audit_append($5, $6, 'city_report.recorded', 'city_report', c.id,"
    "        jsonb_build_object('origin', 'decided', 'region_code', c.region_code, 'year', c.year,"
    "                           'received_on', c.received_on), $7) FROM c", 8};
static const sf_stmt TODAY = {"SELECT current_date - date '1970-01-01'", 0};
/* Cities first (award_id 0), then the titles that owe a summary of year $1. $2 role, $3 region. */
static const sf_stmt COMPLIANCE = {
    "SELECT * FROM ("
    " SELECT g.code, g.name, 0::bigint AS award_id, 0::bigint, '', '', c.received_on IS NOT NULL,"
    "        coalesce(c.received_on - date '1970-01-01', 0), current_date - date '1970-01-01',"
    "        NULL::text, NULL::bigint, NULL::text, NULL::text, false, 1000, NULL::text, 0::bigint, 0::bigint"
    " FROM regions g LEFT JOIN city_reports c ON c.region_code = g.code AND c.year = $1"
    " WHERE g.level = 'city'"
    " UNION ALL"
    " SELECT p.region_code, g.name, w.id, p.id, p.name, w.certificate_no, s.received_on IS NOT NULL,"
    "        coalesce(s.received_on - date '1970-01-01', 0), current_date - date '1970-01-01',"
    /* standing (Art. 4, 24): what sf_standing_data_read reads, for every title at once */
    "        s.figures::text,"
    "        coalesce((SELECT (x.figures->>'smes_served')::bigint FROM annual_summaries x"
    "                  WHERE x.award_id = w.id AND x.year = $1 - 1 AND x.figures IS NOT NULL),"
    "                 (a.report->'basic'->>'smes_served_last_year')::bigint),"
    "        r.thresholds::text, r.relaxed_thresholds::text, p.region_code = ANY (r.relaxed_regions),"
    "        (r.relaxation_factor * 1000)::int, array_to_string(p.functions, ','),"
    /* rectifications (Art. 24) */
    "        (SELECT count(*) FROM rectifications x WHERE x.award_id = w.id AND x.status = 'open'),"
    "        (SELECT count(*) FROM rectifications x WHERE x.award_id = w.id"
    "         AND rectification_status(x) = 'overdue')"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id JOIN regions g ON g.code = p.region_code"
    " JOIN rounds r ON r.id = w.round_id LEFT JOIN applications a ON a.id = w.application_id"
    " LEFT JOIN annual_summaries s ON s.award_id = w.id AND s.year = $1"
    " WHERE w.level = 'province' AND w.valid_from <= make_date($1, 12, 31) AND w.valid_until >= make_date($1, 1, 1)"
    "   AND (w.revoked_on IS NULL OR w.revoked_on > make_date($1, 12, 31))"
    ") rows WHERE $2::text IN ('province', 'supervisor') OR rows.code = $3"
    " ORDER BY 1, 3", 3};

/* An assessment's assessor organisation, and whether its result is in. */
static const sf_stmt ASSESSMENT_OWNER = {
    "SELECT assessor_org_id, submitted_on IS NOT NULL FROM assessments WHERE id = $1", 1};
/* An annual summary, if the caller ($2 role, $3 region, $4 organisation) reads it: the
 * organisation of the user who recorded it (NULL: not known) and its platform's region. */
static const sf_stmt SUMMARY_FILE_SCOPE = {
    "SELECT u.org_id, p.region_code FROM annual_summaries s JOIN awards w ON w.id = s.award_id"
    " JOIN platforms p ON p.id = w.platform_id LEFT JOIN users u ON u.id = s.recorded_by"
    " WHERE s.id = $1 AND " TITLE_RECORD_VISIBLE, 4};
static const sf_stmt PUT_ATTACHMENT = {
    "WITH f AS (INSERT INTO attachments (entity, entity_id, filename, content_type, size_bytes, sha256, content,"
    "                                    uploaded_by)"
    "           VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::bytea, lo_get($11::oid)), $8)"
    "           RETURNING id, entity, entity_id, filename, content_type, size_bytes, sha256, uploaded_at)"
    " SELECT jsonb_build_object('id', f.id, 'entity', f.entity, 'entity_id', f.entity_id, 'filename', f.filename,"
    "        'content_type', f.content_type, 'size_bytes', f.size_bytes, 'sha256', f.sha256,"
    "        'uploaded_at', rfc3339(f.uploaded_at))::text,"
    "        audit_append($8, $9, 'attachment.uploaded', f.entity, f.entity_id,"
    "        jsonb_build_object('attachment_id', f.id, 'sha256', f.sha256), $10) FROM f", 11};
static const sf_stmt GET_ATTACHMENT = {
    "SELECT content_type, filename, sha256, content FROM attachments WHERE entity = $1 AND entity_id = $2", 2};

/* Whether the record exists for the caller: 1 it attaches the file (the assessor of an
 * assessment; the organisation that recorded a summary, domain/supervision.h), 0 it only reads
 * it, -1 neither. *submitted tells whether an assessment's result is in. */
static sf_status attachment_scope(sf_pool *pool, const sf_caller *c, const char *entity, int64_t id, int *scope,
                                  int *submitted)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(c->org_id);
    int assessment = strcmp(entity, "assessment") == 0;
    const char *params[] = {idt.s, sf_role_name(c->role) ? sf_role_name(c->role) : "", c->region_code, org.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, assessment ? &ASSESSMENT_OWNER : &SUMMARY_FILE_SCOPE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *scope = -1;
    *submitted = 0;
    if (PQntuples(res) == 1 && assessment) {
        int64_t assessor = sf_db_get_int(res, 0, 0);
        if (c->role == SF_ROLE_ASSESSOR && sf_may_see_assessment(c, assessor, 0))
            *scope = 1;
        else if (c->role == SF_ROLE_PROVINCE || c->role == SF_ROLE_SUPERVISOR)
            *scope = 0;
        *submitted = sf_db_get_bool(res, 0, 1);
    } else if (PQntuples(res) == 1) {
        int64_t recorder = PQgetisnull(res, 0, 0) ? 0 : sf_db_get_int(res, 0, 0);
        *scope = sf_attaches_summary_file(c, recorder, PQgetvalue(res, 0, 1)) ? 1 : 0;
    }
    PQclear(res);
    return SF_OK;
}

typedef struct {
    const char **params;
    const sf_new_material *file;
    char **doc;
} put_args;

static sf_status put_body(sf_conn *conn, void *p)
{
    put_args *a = p;
    PGresult *res;
    sf_status status = sf_db_exec_with_file(conn, &PUT_ATTACHMENT, a->params, 6, 10, a->file->data, a->file->size,
                                            a->file->content_fd, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_attachment_put(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const char *entity,
                            int64_t id, const sf_new_material *file, char **doc, sf_errors *errors)
{
    int scope, submitted;
    sf_status status = attachment_scope(pool, caller, entity, id, &scope, &submitted);
    if (status != SF_OK)
        return status;
    if (scope < 0)
        return SF_NOT_FOUND;
    if (scope == 0) {
        sf_errors_detail(errors, strcmp(entity, "assessment") == 0 ? SF_E_ASSESSOR_ATTACHES : SF_E_CITY_OR_PLATFORM_ATTACHES);
        return SF_FORBIDDEN;
    }
    if (submitted) {
        sf_errors_detail(errors, SF_E_RESULT_SUBMITTED);
        return SF_CONFLICT;
    }
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text idt = sf_int_to_text(id), size = sf_int_to_text((long long)file->size);
    const char *params[] = {entity, idt.s, file->filename, file->content_type, size.s, file->sha256, NULL,
                            a.values[0], a.values[1], a.values[2], NULL};
    put_args args = {params, file, doc};
    *doc = NULL;
    status = sf_tx_run(pool, put_body, &args);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    if (status == SF_CONFLICT)
        sf_errors_detail(errors, SF_E_FILE_ATTACHED);
    return status;
}

sf_status sf_attachment_get(sf_pool *pool, const sf_caller *caller, const char *entity, int64_t id,
                            sf_material_content *out)
{
    int scope, submitted;
    sf_status status = attachment_scope(pool, caller, entity, id, &scope, &submitted);
    if (status != SF_OK)
        return status;
    if (scope < 0)
        return SF_NOT_FOUND;
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {entity, idt.s};
    PGresult *res;
    status = sf_db_read(pool, &GET_ATTACHMENT, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    status = sf_material_content_from_row(res, 0, out);
    PQclear(res);
    return status;
}

sf_status sf_assessment_create(sf_pool *pool, const sf_actor *actor, int64_t award_id, int64_t assessor_org,
                               const char *due_on, char **doc, sf_errors *errors)
{
    PGresult *res;
    sf_status st = sf_db_read(pool, &TODAY, NULL, &res, NULL);
    if (st != SF_OK)
        return st;
    sf_day today = (sf_day)sf_db_get_int(res, 0, 0), due = 0;
    PQclear(res);
    if (!sf_date_parse(due_on, &due) || !sf_assessment_due_ok(due, today)) {
        char t[11];
        sf_date_format(today, t);
        sf_errors_add(errors, "due_on", SF_E_DUE_IN_PAST, SF_TEXT("today", t));
        return SF_INVALID;
    }
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text w = sf_int_to_text(award_id), o = sf_int_to_text(assessor_org);
    const char *params[] = {w.s, o.s, due_on, a.values[0], a.values[1], a.values[2]};
    sf_status status = sf_db_write_text(pool, &CREATE_ASSESSMENT, params, doc, NULL);
    if (status == SF_NOT_FOUND) {
        sf_errors_add(errors, "award_id", SF_E_ASSESSMENT_TARGET_INVALID);
        status = SF_INVALID;
    }
    return status;
}

sf_status sf_assessment_list(sf_pool *pool, const sf_caller *caller, const char *status_filter, int64_t after_id,
                             int limit, char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit);
    const char *params[] = {after.s, sf_role_name(caller->role), org.s, status_filter, lim.s};
    return sf_db_read_page(pool, &LIST_ASSESSMENTS, params, items, next_after, total);
}

sf_status sf_assessment_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc)
{
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {idt.s, sf_role_name(caller->role), org.s};
    return sf_db_read_text(pool, &GET_ASSESSMENT, params, doc);
}

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    int64_t id;
    const char *score, *summary;
    int passed;
    char **doc;
    sf_errors *errors;
} submit_args;

static sf_status submit_body(sf_conn *conn, void *p)
{
    submit_args *a = p;
    sf_int_text idt = sf_int_to_text(a->id);
    const char *lp[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &LOCK_ASSESSMENT, lp, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    /* another assessor's assessment does not exist for this one; a result is submitted once */
    status = sf_decide_assessment_result(a->caller, sf_db_get_int(res, 0, 0), sf_db_get_bool(res, 0, 1), a->errors);
    char award[24];
    snprintf(award, sizeof award, "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    if (status != SF_OK)
        return status;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *params[] = {idt.s, a->score, a->passed ? "true" : "false", a->summary, ap.values[0], ap.values[1],
                            ap.values[2]};
    status = sf_db_exec(conn, &SUBMIT, params, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    if (!a->passed) {
        const char *pp[] = {award, ap.values[0], ap.values[1], ap.values[2], idt.s};
        status = sf_db_exec(conn, &PEND_REVOCATION, pp, NULL, NULL);
    }
    return status;
}

sf_status sf_assessment_submit(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                               const char *score, int passed, const char *summary, char **doc, sf_errors *errors)
{
    *doc = NULL;
    submit_args a = {actor, caller, id, score, summary, passed, doc, errors};
    sf_status status = sf_tx_run(pool, submit_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

/* What a title's supervision records are checked against (domain/supervision.h). */
typedef struct {
    int revoked;
    sf_day valid_from, valid_until, revoked_on;
    sf_day today;            /* the database's date */
} title_facts;

/* The refusal `code` on `field`, naming the title's validity. */
static void refuse_outside_validity(sf_errors *errors, const char *field, sf_code code, const title_facts *t)
{
    char from[11], until[11];
    sf_date_format(t->valid_from, from);
    sf_date_format(t->valid_until, until);
    sf_errors_add(errors, field, code, SF_TEXT("valid_from", from), SF_TEXT("valid_until", until));
}

/* SF_OK when the title exists and its platform is in the caller's region (a city) or
 * operated by the caller (a platform company), or for the province, any; then *t holds its
 * facts. */
static sf_status own_award(sf_pool *pool, const sf_caller *caller, int64_t award_id, title_facts *t,
                           sf_errors *errors)
{
    sf_int_text w = sf_int_to_text(award_id);
    const char *params[] = {w.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &AWARD_REGION, params, &res, NULL);
    if (status != SF_OK)
        return status;
    int ok = PQntuples(res) == 1 &&
             (caller->role == SF_ROLE_PROVINCE ||
              (caller->role == SF_ROLE_PLATFORM ? !PQgetisnull(res, 0, 3) && sf_db_get_int(res, 0, 3) == caller->org_id
                                                : strcmp(PQgetvalue(res, 0, 0), caller->region_code) == 0));
    if (ok) {
        t->revoked = sf_db_get_bool(res, 0, 1);
        t->today = (sf_day)sf_db_get_int(res, 0, 2);
        t->valid_from = (sf_day)sf_db_get_int(res, 0, 4);
        t->valid_until = (sf_day)sf_db_get_int(res, 0, 5);
        t->revoked_on = PQgetisnull(res, 0, 6) ? 0 : (sf_day)sf_db_get_int(res, 0, 6);
    }
    PQclear(res);
    if (!ok) {
        sf_errors_add(errors, "award_id", caller->role == SF_ROLE_PLATFORM ? SF_E_TITLE_NOT_OPERATED : SF_E_TITLE_NOT_IN_REGION);
        return SF_INVALID;
    }
    return SF_OK;
}

sf_status sf_annual_summary_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t award_id,
                                   int year, const char *summary, const char *figures, sf_day received_on, char **doc,
                                   sf_errors *errors)
{
    title_facts t = {0};
    sf_status status = own_award(pool, caller, award_id, &t, errors);
    if (status != SF_OK)
        return status;
    /* after the revocation: a summary filed today is refused for the title, one stated to have
     * arrived then for its date, as the import of records names it */
    if (!sf_title_takes_summary(t.revoked, t.revoked_on, year, received_on != 0 ? received_on : t.today)) {
        char revoked_on[11];
        sf_date_format(t.revoked_on, revoked_on);
        if (received_on != 0)
            sf_errors_add(errors, "received_on", SF_E_RECORD_AFTER_REVOCATION, SF_TEXT("revoked_on", revoked_on));
        else
            sf_errors_add(errors, "award_id", SF_E_TITLE_REVOKED);
    }
    if (!sf_summary_year_has_begun(year, t.today))
        sf_errors_add(errors, "year", SF_E_YEAR_NOT_BEGUN);
    else if (!sf_title_covers_year(t.valid_from, sf_title_life_end(t.revoked, t.revoked_on, t.valid_until), year))
        refuse_outside_validity(errors, "year", SF_E_YEAR_NOT_COVERED, &t);
    if (received_on != 0 && !sf_stated_date_has_come(received_on, t.today))
        sf_errors_add(errors, "received_on", SF_E_AFTER_TODAY);
    else if (received_on != 0 && !sf_received_in_or_after_year(year, received_on))
        sf_errors_add(errors, "received_on", SF_E_RECEIVED_BEFORE_YEAR, SF_INT("year", year));
    if (sf_errors_any(errors))
        return SF_INVALID;
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text w = sf_int_to_text(award_id), y = sf_int_to_text(year), got = sf_int_to_text(received_on);
    const char *params[] = {w.s, y.s, summary, a.values[0], a.values[1], a.values[2], figures,
                            received_on ? got.s : NULL};
    status = sf_db_write_text(pool, &CREATE_SUMMARY, params, doc, NULL);
    if (status == SF_CONFLICT) {
        sf_errors_add(errors, "year", SF_E_SUMMARY_EXISTS, SF_INT("year", year));
        sf_errors_detail(errors, SF_E_SUMMARY_EXISTS, SF_INT("year", year));
    }
    return status;
}

typedef struct {
    const sf_actor *actor;
    int64_t award_id;
    const char *inspected_on;
    const char *const *f;
    const sf_new_inspection_rectification *r;
    char **doc;
    sf_errors *errors;
} inspection_args;

/* The inspection, and the rectification it opens or closes (domain/supervision.h decides),
 * in one transaction with their audit events. */
static sf_status inspection_body(sf_conn *conn, void *p)
{
    inspection_args *a = p;
    sf_int_text w = sf_int_to_text(a->award_id), closes = sf_int_to_text(a->r->closes_id);
    const char *wp[] = {w.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &RECTIFICATION_DAYS, wp, &res, NULL);
    if (status != SF_OK)
        return status;
    int found = PQntuples(res) == 1;
    int days = found ? (int)sf_db_get_int(res, 0, 0) : SF_RECTIFICATION_DAYS;
    int in_force_today = !found || sf_db_get_bool(res, 0, 1);
    /* no such title: the inspection's insert answers that */
    sf_day valid_until = found ? (sf_day)sf_db_get_int(res, 0, 2) : INT32_MAX;
    PQclear(res);
    sf_rectification_state follow = {0};
    if (a->r->closes_id > 0) {
        const char *cp[] = {closes.s};
        if ((status = sf_db_exec(conn, &LOCK_RECTIFICATION, cp, &res, NULL)) != SF_OK)
            return status;
        follow.exists = PQntuples(res) == 1;
        if (follow.exists) {
            follow.award_id = sf_db_get_int(res, 0, 0);
            follow.open = strcmp(PQgetvalue(res, 0, 1), "open") == 0;
            follow.opened_on = (sf_day)sf_db_get_int(res, 0, 2);
        }
        PQclear(res);
    }
    sf_day on = 0;
    sf_date_parse(a->inspected_on, &on);
    sf_inspection_effect effect;
    status = sf_decide_inspection(a->award_id, a->f[4], on, a->r->due_on, days, a->r->closes_id > 0 ? &follow : NULL,
                                  in_force_today, valid_until, &effect, a->errors);
    if (status != SF_OK)
        return status;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *params[] = {w.s, a->inspected_on, a->f[0], a->f[1], a->f[2], a->f[3], a->f[4],
                            ap.values[0], ap.values[1], ap.values[2]};
    if ((status = sf_db_exec(conn, &CREATE_INSPECTION, params, &res, NULL)) != SF_OK)
        return status;
    char inspection[24];
    snprintf(inspection, sizeof inspection, "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    if (effect.opens) {
        sf_int_text due = sf_int_to_text(effect.due_on);
        const char *op[] = {w.s, inspection, due.s, ap.values[0], ap.values[1], ap.values[2]};
        if ((status = sf_db_exec(conn, &OPEN_RECTIFICATION, op, NULL, NULL)) != SF_OK)
            return status;
    }
    if (effect.closes) {
        const char *cp[] = {closes.s, inspection, a->inspected_on, ap.values[0], ap.values[1], ap.values[2]};
        if ((status = sf_db_exec(conn, &CLOSE_RECTIFICATION, cp, NULL, NULL)) != SF_OK)
            return status;
    }
    const char *ip[] = {inspection};
    if ((status = sf_db_exec(conn, &INSPECTION_DOC, ip, &res, NULL)) != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_inspection_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t award_id,
                               const char *inspected_on, const char *const f[5],
                               const sf_new_inspection_rectification *r, char **doc, sf_errors *errors)
{
    title_facts t = {0};
    sf_day on = 0;
    sf_status status = own_award(pool, caller, award_id, &t, errors);
    if (status != SF_OK)
        return status;
    if (sf_date_parse(inspected_on, &on) && !sf_stated_date_has_come(on, t.today)) {
        sf_errors_add(errors, "inspected_on", SF_E_AFTER_TODAY);
        return SF_INVALID;
    }
    if (on != 0 && !sf_title_in_force_on(t.valid_from, t.valid_until, t.revoked, t.revoked_on, on)) {
        refuse_outside_validity(errors, "inspected_on", SF_E_TITLE_NOT_IN_FORCE_ON, &t);
        return SF_INVALID;
    }
    *doc = NULL;
    inspection_args a = {actor, award_id, inspected_on, f, r, doc, errors};
    status = sf_tx_run(pool, inspection_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

sf_status sf_city_report_create(sf_pool *pool, const sf_actor *actor, const char *region_code, int year,
                                const char *summary_report, const char *inspection_report, sf_day received_on,
                                char **doc, sf_errors *errors)
{
    PGresult *res;
    sf_status st = sf_db_read(pool, &TODAY, NULL, &res, NULL);
    if (st != SF_OK)
        return st;
    sf_day today = (sf_day)sf_db_get_int(res, 0, 0);
    PQclear(res);
    /* a report of a year reports on that year (Art. 24): never of one that has not begun */
    if (!sf_summary_year_has_begun(year, today))
        sf_errors_add(errors, "year", SF_E_YEAR_NOT_BEGUN);
    if (received_on != 0 && !sf_stated_date_has_come(received_on, today))
        sf_errors_add(errors, "received_on", SF_E_AFTER_TODAY);
    else if (received_on != 0 && !sf_received_in_or_after_year(year, received_on))
        sf_errors_add(errors, "received_on", SF_E_RECEIVED_BEFORE_YEAR, SF_INT("year", year));
    if (sf_errors_any(errors))
        return SF_INVALID;
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    sf_int_text y = sf_int_to_text(year), got = sf_int_to_text(received_on);
    const char *params[] = {region_code, y.s, summary_report, inspection_report, a.values[0], a.values[1],
                            a.values[2], received_on ? got.s : NULL};
    sf_status status = sf_db_write_text(pool, &CREATE_CITY_REPORT, params, doc, NULL);
    if (status == SF_CONFLICT) {
        sf_errors_add(errors, "year", SF_E_CITY_REPORT_EXISTS, SF_INT("year", year));
        sf_errors_detail(errors, SF_E_CITY_REPORT_EXISTS, SF_INT("year", year));
    }
    return status;
}

sf_status sf_compliance_rows(sf_pool *pool, const sf_caller *caller, int year, sf_day *today,
                             void (*row)(const sf_compliance_row *r, void *ctx), void *ctx)
{
    sf_int_text y = sf_int_to_text(year);
    const char *params[] = {y.s, sf_role_name(caller->role), caller->region_code};
    PGresult *res;
    sf_status status = sf_db_read(pool, &COMPLIANCE, params, &res, NULL);
    if (status != SF_OK)
        return status;
    /* the database's date, set before the rows are handed out */
    *today = PQntuples(res) > 0 ? (sf_day)sf_db_get_int(res, 0, 8) : 0;
    for (int i = 0; i < PQntuples(res); i++) {
        sf_compliance_row r;
        snprintf(r.region_code, sizeof r.region_code, "%s", PQgetvalue(res, i, 0));
        snprintf(r.region_name, sizeof r.region_name, "%s", PQgetvalue(res, i, 1));
        r.award_id = sf_db_get_int(res, i, 2);
        r.platform_id = sf_db_get_int(res, i, 3);
        snprintf(r.platform_name, sizeof r.platform_name, "%s", PQgetvalue(res, i, 4));
        snprintf(r.certificate_no, sizeof r.certificate_no, "%s", PQgetvalue(res, i, 5));
        r.arrived = sf_db_get_bool(res, i, 6);
        r.received_on = (sf_day)sf_db_get_int(res, i, 7);
        sf_standing_data *d = &r.standing;
        memset(d, 0, sizeof *d);
        d->figures_json = PQgetisnull(res, i, 9) ? NULL : PQgetvalue(res, i, 9);
        d->has_prev = !PQgetisnull(res, i, 10);
        d->smes_served_prev = d->has_prev ? sf_db_get_int(res, i, 10) : 0;
        d->thresholds_json = PQgetisnull(res, i, 11) ? NULL : PQgetvalue(res, i, 11);
        d->relaxed_thresholds_json = PQgetisnull(res, i, 12) ? NULL : PQgetvalue(res, i, 12);
        d->region_relaxed = sf_db_get_bool(res, i, 13);
        d->factor_permille = (int)sf_db_get_int(res, i, 14);
        d->functions = PQgetisnull(res, i, 15) ? NULL : PQgetvalue(res, i, 15);
        r.rectifications_open = (int)sf_db_get_int(res, i, 16);
        r.rectifications_overdue = (int)sf_db_get_int(res, i, 17);
        row(&r, ctx);
    }
    PQclear(res);
    return SF_OK;
}

/* ---- records read back ---- */

#define CITY_REPORT_VISIBLE \
    "($2::text IN ('province', 'supervisor') OR ($2 = 'city' AND c.region_code = $3 AND $4::bigint > 0))"

/* $1 after, $2 role, $3 region, $4 org, $5 limit, $6 desc, $7 year, $8 region filter,
 * $9 award, $10 platform, $11 outcome or status, $12 timeliness (on_time | late: by the date
 * of receipt, the SQL twin of domain/supervision.c, sql/032) */
static const sf_stmt LIST_SUMMARIES = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT s.id, annual_summary_doc(s) AS doc,"
    " row_number() OVER (ORDER BY " SF_KEYSET_ORDER("s.id", "$6") ") AS rn"
    " FROM annual_summaries s JOIN awards w ON w.id = s.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE " TITLE_RECORD_VISIBLE " AND ($7::int IS NULL OR s.year = $7) AND ($8::text IS NULL OR p.region_code = $8)"
    "   AND ($9::bigint IS NULL OR w.id = $9) AND ($10::bigint IS NULL OR p.id = $10) AND $11::text IS NULL"
    "   AND ($12::text IS NULL OR timeliness(annual_summary_due(s.year), s.received_on, current_date) = $12)"
    "   AND " SF_KEYSET_AFTER("s.id", "$6") " ORDER BY " SF_KEYSET_ORDER("s.id", "$6") " LIMIT $5 + 1", 12, 1, 5);
static const sf_stmt LIST_INSPECTIONS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT i.id, inspection_doc(i) AS doc,"
    " row_number() OVER (ORDER BY " SF_KEYSET_ORDER("i.id", "$6") ") AS rn"
    " FROM inspections i JOIN awards w ON w.id = i.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE " TITLE_RECORD_VISIBLE " AND ($7::int IS NULL OR extract(year FROM i.inspected_on) = $7)"
    "   AND ($8::text IS NULL OR p.region_code = $8) AND ($9::bigint IS NULL OR w.id = $9)"
    "   AND ($10::bigint IS NULL OR p.id = $10) AND ($11::text IS NULL OR i.outcome = $11) AND $12::text IS NULL"
    "   AND " SF_KEYSET_AFTER("i.id", "$6") " ORDER BY " SF_KEYSET_ORDER("i.id", "$6") " LIMIT $5 + 1", 12, 1, 5);
static const sf_stmt LIST_CITY_REPORTS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT c.id, city_report_doc(c) AS doc,"
    " row_number() OVER (ORDER BY " SF_KEYSET_ORDER("c.id", "$6") ") AS rn"
    " FROM city_reports c WHERE " CITY_REPORT_VISIBLE " AND ($7::int IS NULL OR c.year = $7)"
    "   AND ($8::text IS NULL OR c.region_code = $8) AND $9::bigint IS NULL AND $10::bigint IS NULL"
    "   AND $11::text IS NULL"
    "   AND ($12::text IS NULL OR timeliness(city_report_due(c.year), c.received_on, current_date) = $12)"
    "   AND " SF_KEYSET_AFTER("c.id", "$6") " ORDER BY " SF_KEYSET_ORDER("c.id", "$6") " LIMIT $5 + 1", 12, 1, 5);
static const sf_stmt LIST_RECTIFICATIONS = SF_LIST_STMT(
    SF_PAGE_SELECT, "SELECT x.id, rectification_doc(x) AS doc,"
    " row_number() OVER (ORDER BY " SF_KEYSET_ORDER("x.id", "$6") ") AS rn"
    " FROM rectifications x JOIN awards w ON w.id = x.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE " TITLE_RECORD_VISIBLE " AND ($7::int IS NULL OR extract(year FROM x.due_on) = $7)"
    "   AND ($8::text IS NULL OR p.region_code = $8) AND ($9::bigint IS NULL OR w.id = $9)"
    "   AND ($10::bigint IS NULL OR p.id = $10) AND ($11::text IS NULL OR rectification_status(x) = $11)"
    "   AND $12::text IS NULL"
    "   AND " SF_KEYSET_AFTER("x.id", "$6") " ORDER BY " SF_KEYSET_ORDER("x.id", "$6") " LIMIT $5 + 1", 12, 1, 5);
static const sf_stmt GET_RECTIFICATION = {
    "SELECT rectification_doc(x)::text FROM rectifications x JOIN awards w ON w.id = x.award_id"
    " JOIN platforms p ON p.id = w.platform_id WHERE x.id = $1 AND " TITLE_RECORD_VISIBLE, 4};
static const sf_stmt GET_SUMMARY = {
    "SELECT annual_summary_doc(s)::text FROM annual_summaries s JOIN awards w ON w.id = s.award_id"
    " JOIN platforms p ON p.id = w.platform_id WHERE s.id = $1 AND " TITLE_RECORD_VISIBLE, 4};
static const sf_stmt GET_INSPECTION = {
    "SELECT inspection_doc(i)::text FROM inspections i JOIN awards w ON w.id = i.award_id"
    " JOIN platforms p ON p.id = w.platform_id WHERE i.id = $1 AND " TITLE_RECORD_VISIBLE, 4};
static const sf_stmt GET_CITY_REPORT = {
    "SELECT city_report_doc(c)::text FROM city_reports c WHERE c.id = $1 AND " CITY_REPORT_VISIBLE, 4};

static const struct {
    const char *kind;
    const sf_stmt *list, *get;
} record_kinds[] = {
    {"annual_summary", &LIST_SUMMARIES, &GET_SUMMARY},
    {"inspection", &LIST_INSPECTIONS, &GET_INSPECTION},
    {"city_report", &LIST_CITY_REPORTS, &GET_CITY_REPORT},
    {"rectification", &LIST_RECTIFICATIONS, &GET_RECTIFICATION},
};

static int record_kind(const char *kind)
{
    for (size_t i = 0; i < sizeof record_kinds / sizeof *record_kinds; i++)
        if (strcmp(record_kinds[i].kind, kind) == 0)
            return (int)i;
    return -1;
}

sf_status sf_record_list(sf_pool *pool, const sf_caller *caller, const sf_record_filter *f, int64_t after_id,
                         int limit, int desc, char **items, int64_t *next_after, int64_t *total)
{
    int k = record_kind(f->kind);
    if (k < 0)
        return SF_INTERNAL;
    sf_int_text after = sf_int_to_text(after_id), org = sf_int_to_text(caller->org_id), lim = sf_int_to_text(limit),
                year = sf_int_to_text(f->year), award = sf_int_to_text(f->award_id),
                platform = sf_int_to_text(f->platform_id);
    const char *params[] = {after.s, sf_role_name(caller->role), caller->region_code, org.s, lim.s,
                            desc ? "true" : "false", f->year ? year.s : NULL, f->region,
                            f->award_id ? award.s : NULL, f->platform_id ? platform.s : NULL, f->state,
                            f->timeliness};
    return sf_db_read_page(pool, record_kinds[k].list, params, items, next_after, total);
}

sf_status sf_record_get(sf_pool *pool, const sf_caller *caller, const char *kind, int64_t id, char **doc)
{
    int k = record_kind(kind);
    if (k < 0)
        return SF_INTERNAL;
    sf_int_text idt = sf_int_to_text(id), org = sf_int_to_text(caller->org_id);
    const char *params[] = {idt.s, sf_role_name(caller->role), caller->region_code, org.s};
    return sf_db_read_text(pool, record_kinds[k].get, params, doc);
}

sf_status sf_standing_data_read(sf_pool *pool, int64_t award_id, int year, sf_standing_data *out)
{
    memset(out, 0, sizeof *out);
    sf_int_text w = sf_int_to_text(award_id), y = sf_int_to_text(year);
    const char *params[] = {w.s, y.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &STANDING_DATA, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    out->summary_id = PQgetisnull(res, 0, 0) ? 0 : sf_db_get_int(res, 0, 0);
    out->has_prev = !PQgetisnull(res, 0, 2);
    out->smes_served_prev = out->has_prev ? sf_db_get_int(res, 0, 2) : 0;
    out->region_relaxed = sf_db_get_bool(res, 0, 5);
    out->factor_permille = (int)sf_db_get_int(res, 0, 6);
    const int text_cols[] = {1, 3, 4, 7};
    char **texts[] = {&out->figures_json, &out->thresholds_json, &out->relaxed_thresholds_json, &out->functions};
    for (int i = 0; i < 4 && status == SF_OK; i++)
        if (!PQgetisnull(res, 0, text_cols[i]) && (*texts[i] = strdup(PQgetvalue(res, 0, text_cols[i]))) == NULL)
            status = SF_INTERNAL;
    PQclear(res);
    if (status != SF_OK)
        sf_standing_data_free(out);
    return status;
}

void sf_standing_data_free(sf_standing_data *d)
{
    free(d->figures_json);
    free(d->thresholds_json);
    free(d->relaxed_thresholds_json);
    free(d->functions);
    memset(d, 0, sizeof *d);
}
