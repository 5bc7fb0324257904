/*
 * Supervision of titles: third-party assessments (Art. 24), annual summaries (Art. 22),
 * inspections and city reports (Art. 24), and the compliance view that tells who is on time,
 * late or missing — computed from dates by domain/supervision.c, never typed in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/measures_json.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/calendar.h"
#include "domain/regions.h"
#include "domain/supervision.h"
#include "domain/text.h"
#include "domain/transitions.h"
#include "persistence/awards.h"
#include "persistence/calendar.h"
#include "persistence/inbox.h"
#include "persistence/supervision.h"

/* A text of several lines of `min` to `max` characters, when present (NULL: nothing to judge):
 * its field error into `e`. */
static void check_text(const char *field, const char *s, long min, long max, sf_errors *e)
{
    long n = s ? sf_utf8_length(s) : min;
    if (n < min || n > max)
        sf_errors_add(e, field, SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", min), SF_INT("max", max));
    else
        sf_text_check_lines(field, s, e);
}

void sf_post_assessment(sf_ctx *ctx)
{
    static const char *const fields[] = {"award_id", "assessor_org_id", "due_on", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t award = 0, assessor = 0;
    sf_json_int(body, "award_id", 1, 1, INT64_MAX / 2, &award, &e);
    sf_json_int(body, "assessor_org_id", 1, 1, INT64_MAX / 2, &assessor, &e);
    const char *due = sf_json_string(body, "due_on", 1, &e);
    sf_day d;
    if (due && !sf_date_parse(due, &d))
        sf_errors_add(&e, "due_on", SF_E_NOT_DATE);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                                         : sf_assessment_create(ctx->app->pool, &actor, award, assessor, due, &doc, &e);
    sf_reply_written(ctx, status, 201, doc, SF_E_VALIDATION_FAILED, &e);
    json_decref(body);
}

void sf_list_assessments(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    if (page.desc)
        sf_errors_add(&e, "order", SF_E_OLDEST_FIRST_ONLY);
    const char *st = sf_param(ctx, "status");
    if (st && strcmp(st, "open") && strcmp(st, "overdue") && strcmp(st, "submitted"))
        sf_errors_add(&e, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "open, overdue, submitted"));
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_assessment_list(ctx->app->pool, &ctx->caller, st, page.after_id, page.limit, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

/* allowed_actions as JSON: {"allowed_actions": [...]}, for sf_reply_resource_with. */
static json_t *actions_json(const char **actions, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(actions[i]));
    return json_pack("{s:o}", "allowed_actions", list);
}

void sf_get_assessment(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_assessment_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    json_t *body = status == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (status == SF_OK && body == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_ASSESSMENT_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    /* what the caller may do with it now (DESIGN.md §3), as the result's decision answers */
    const char *actions[4];
    size_t n = sf_actions_offered(&ctx->caller,
                                  sf_assessment_allowed_actions(&ctx->caller,
                                                                json_integer_value(json_object_get(body, "assessor_org_id")),
                                                                !json_is_null(json_object_get(body, "submitted_on")),
                                                                !json_is_null(json_object_get(body, "report")), actions, 4));
    sf_reply_resource_with(ctx, 200, body, actions_json(actions, n));
}

/* If-Match on an assessment's result names the assessment as last read (GET
 * /v1/assessments/{id}); whether it answered: 412 when it has changed since, or the read's own
 * failure. Without If-Match, 0. (The result itself is taken under the assessment's lock, over
 * its state then: one in between is refused by that state, 409.) */
static int assessment_changed(sf_ctx *ctx, int64_t id)
{
    if (sf_header(ctx, "If-Match") == NULL || id <= 0)
        return 0;
    char *doc = NULL, etag[40];
    sf_status status = sf_assessment_get(ctx->app->pool, &ctx->caller, id, &doc);
    status = sf_read_etag(status, doc, NULL, etag, NULL);
    return sf_reply_if_stale(ctx, status, etag, SF_E_ASSESSMENT_NOT_FOUND, SF_E_PRECONDITION_FAILED);
}

void sf_post_assessment_result(sf_ctx *ctx)
{
    static const char *const fields[] = {"score", "passed", "summary", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    json_t *score = json_object_get(body, "score");
    json_t *passed = json_object_get(body, "passed");
    const char *summary = sf_json_string(body, "summary", 1, &e);
    double sv = json_number_value(score);
    if (!json_is_number(score) || !(sv >= 0 && sv <= 100))
        sf_errors_add(&e, "score", SF_E_PERCENT_OUT_OF_RANGE);
    if (!json_is_boolean(passed))
        sf_errors_add(&e, "passed", SF_E_NOT_BOOLEAN);
    check_text("summary", summary, 1, 20000, &e);
    if (!sf_errors_any(&e) && assessment_changed(ctx, id)) {
        json_decref(body);
        return;
    }
    char score_text[32];
    snprintf(score_text, sizeof score_text, "%.2f", sv);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                       : id > 0 ? sf_assessment_submit(ctx->app->pool, &actor, &ctx->caller, id, score_text,
                                                       json_is_true(passed), summary, &doc, &e)
                                : SF_NOT_FOUND;
    if (status != SF_OK)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_ASSESSMENT_NOT_FOUND
                                     : status == SF_INVALID ? SF_E_VALIDATION_FAILED : SF_E_NONE, &e);
    else
        sf_reply_doc(ctx, 200, doc);
    json_decref(body);
}

/* received_on (issue 15): the day a record arrived, as its recorder states it; 0 when not
 * given (today). */
static sf_day read_received_on(json_t *body, sf_errors *e)
{
    sf_day day = 0;
    const char *text = sf_json_string(body, "received_on", 0, e);
    if (text != NULL && !sf_date_parse(text, &day))
        sf_errors_add(e, "received_on", SF_E_NOT_DATE);
    return day;
}

void sf_post_annual_summary(sf_ctx *ctx)
{
    static const char *const fields[] = {"award_id", "year", "summary", "figures", "received_on", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t award = 0, year = 0;
    sf_json_int(body, "award_id", 1, 1, INT64_MAX / 2, &award, &e);
    sf_json_int(body, "year", 1, 2018, 9999, &year, &e);
    const char *summary = sf_json_string(body, "summary", 1, &e);
    check_text("summary", summary, 1, 50000, &e);
    /* the year's figures (optional): what dynamic management re-tests (Art. 4, 24) */
    json_t *figures = json_object_get(body, "figures");
    char *figures_text = NULL;
    if (figures != NULL && !json_is_null(figures)) {
        sf_report_facts ignored;
        sf_summary_figures_read(figures, &ignored, &e);
        if (!sf_errors_any(&e) && (figures_text = sf_json_dumps(figures, JSON_COMPACT)) == NULL) {
            sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
            json_decref(body);
            return;
        }
    }
    sf_day received_on = read_received_on(body, &e);
    if (received_on != 0)
        sf_may_state_received_on(&ctx->caller, 0, &e);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                       : sf_annual_summary_create(ctx->app->pool, &actor, &ctx->caller, award, (int)year, summary,
                                                  figures_text, received_on, &doc, &e);
    free(figures_text);
    sf_reply_written(ctx, status, 201, doc, SF_E_VALIDATION_FAILED, &e);
    json_decref(body);
}

void sf_post_inspection(sf_ctx *ctx)
{
    static const char *const fields[] = {"award_id", "inspected_on", "service_quality", "fees", "satisfaction",
                                         "findings", "outcome", "closes_rectification_id", "rectification_due_on",
                                         NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t award = 0;
    sf_json_int(body, "award_id", 1, 1, INT64_MAX / 2, &award, &e);
    const char *on = sf_json_string(body, "inspected_on", 1, &e);
    /* DESIGN.md §3's body is {award_id, inspected_on, findings, outcome}; what the inspection
     * found of the service's quality, its fees and its users' satisfaction (Art. 24) may be
     * given besides, each on its own (stored as "" when not) */
    const char *f[5] = {sf_json_string(body, "service_quality", 0, &e), sf_json_string(body, "fees", 0, &e),
                        sf_json_string(body, "satisfaction", 0, &e), sf_json_string(body, "findings", 1, &e),
                        sf_json_string(body, "outcome", 1, &e)};
    sf_day d;
    if (on && !sf_date_parse(on, &d))
        sf_errors_add(&e, "inspected_on", SF_E_NOT_DATE);
    static const char *const names[4] = {"service_quality", "fees", "satisfaction", "findings"};
    for (int i = 0; i < 4; i++)
        check_text(names[i], f[i], 1, i == 3 ? 20000 : 5000, &e);
    for (int i = 0; i < 3; i++)
        if (f[i] == NULL)   /* absent or null (one of another type is refused above) */
            f[i] = "";
    if (f[4] && strcmp(f[4], "satisfactory") && strcmp(f[4], "needs_improvement") && strcmp(f[4], "unsatisfactory"))
        sf_errors_add(&e, "outcome", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "satisfactory, needs_improvement, unsatisfactory"));
    /* Art. 24: the rectification it closes as a follow-up, or the due date of the one it opens */
    sf_new_inspection_rectification rect = {0, 0};
    sf_json_int(body, "closes_rectification_id", 0, 1, INT64_MAX / 2, &rect.closes_id, &e);
    const char *due = sf_json_string(body, "rectification_due_on", 0, &e);
    if (due && !sf_date_parse(due, &rect.due_on))
        sf_errors_add(&e, "rectification_due_on", SF_E_NOT_DATE);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                       : sf_inspection_create(ctx->app->pool, &actor, &ctx->caller, award, on, f, &rect, &doc, &e);
    sf_reply_written(ctx, status, 201, doc, SF_E_VALIDATION_FAILED, &e);
    json_decref(body);
}

void sf_post_city_report(sf_ctx *ctx)
{
    static const char *const fields[] = {"year", "summary_report", "inspection_report", "received_on", "region_code",
                                         NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t year = 0;
    sf_json_int(body, "year", 1, 2018, 9999, &year, &e);
    const char *summary = sf_json_string(body, "summary_report", 1, &e);
    const char *inspection = sf_json_string(body, "inspection_report", 1, &e);
    check_text("summary_report", summary, 1, 100000, &e);
    check_text("inspection_report", inspection, 1, 100000, &e);
    sf_day received_on = read_received_on(body, &e);
    if (received_on != 0)
        sf_may_state_received_on(&ctx->caller, 1, &e);
    /* whose reports: a city's own; the province names the city it records them for */
    const char *region = NULL;
    sf_city_report_region(&ctx->caller, sf_json_string(body, "region_code", 0, &e), &region, &e);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_errors_any(&e) ? SF_INVALID
                       : sf_city_report_create(ctx->app->pool, &actor, region, (int)year, summary, inspection,
                                               received_on, &doc, &e);
    sf_reply_written(ctx, status, 201, doc, SF_E_VALIDATION_FAILED, &e);
    json_decref(body);
}

/* The compliance view, assembled city by city from the rows (cities first, then titles). */
/* A title's standing (Art. 4, 24) from what persistence read: the summary's figures
 * re-tested by sf_standing_evaluate. NULL when memory runs out. */
static json_t *standing_json(const sf_standing_data *d, sf_lang lang)
{
    json_t *figures = sf_json_loads(d->figures_json);
    json_t *tj = d->thresholds_json ? sf_json_loads(d->thresholds_json) : NULL;
    json_t *rj = d->relaxed_thresholds_json ? sf_json_loads(d->relaxed_thresholds_json) : NULL;
    json_t *body = NULL;
    if (figures != NULL && (tj != NULL || d->thresholds_json == NULL) && (rj != NULL || d->relaxed_thresholds_json == NULL)) {
        sf_report_facts facts;
        sf_thresholds t;
        sf_relaxation relax = {d->region_relaxed, d->factor_permille, {0}, 0};
        sf_errors ignored;
        sf_errors_init(&ignored);
        sf_summary_figures_read(figures, &facts, &ignored);   /* validated when recorded */
        facts.smes_served_prev_year = d->has_prev ? d->smes_served_prev : 0;
        facts.smes_served_prev_unknown = !d->has_prev;
        sf_thresholds_read(tj, &t, &ignored);
        sf_relaxed_thresholds_read(rj, &relax.set, &relax.set_mask, &ignored);
        unsigned titled = 0;
        for (const char *fn = d->functions; fn != NULL && *fn != '\0';) {
            size_t len = strcspn(fn, ",");
            for (int i = 0; i < SF_FUNCTION_COUNT; i++)
                if (strlen(sf_function_ids[i]) == len && strncmp(fn, sf_function_ids[i], len) == 0)
                    titled |= 1u << i;
            fn += len + (fn[len] == ',');
        }
        sf_standing st;
        sf_standing_evaluate(&facts, &t, &relax, titled, &st);
        body = sf_standing_json(&st, lang);
    }
    json_decref(figures);
    json_decref(tj);
    json_decref(rj);
    return body;
}

typedef struct {
    int year;
    sf_day due_summary, due_report;
    sf_day today;
    json_t *cities;   /* array */
    json_t *current;  /* the city object being filled */
    char current_code[8];
    sf_lang lang;
} compliance_build;

static json_t *item_json(sf_day due, const sf_compliance_row *r, sf_day today)
{
    char d[11], got[11];
    sf_date_format(due, d);
    if (r->arrived)
        sf_date_format(r->received_on, got);
    return json_pack("{s:s, s:o, s:s}", "due_on", d, "received_on", r->arrived ? json_string(got) : json_null(),
                     "status", sf_timeliness_name(sf_timeliness_of(due, r->arrived, r->received_on, today)));
}

static void add_row(const sf_compliance_row *r, void *p)
{
    compliance_build *b = p;
    if (r->award_id == 0) {
        b->current = json_pack("{s:s, s:s, s:o, s:[]}", "region_code", r->region_code, "name", r->region_name,
                               "city_report", item_json(b->due_report, r, b->today), "platforms");
        json_array_append_new(b->cities, b->current);
        snprintf(b->current_code, sizeof b->current_code, "%s", r->region_code);
        return;
    }
    if (b->current == NULL || strcmp(b->current_code, r->region_code) != 0)
        return;
    /* standing: the summary's figures re-tested (null without figures); unmet: what failed (a
     * condition not judged did not fail) */
    json_t *standing = json_null();
    if (r->standing.figures_json != NULL) {
        json_t *full = standing_json(&r->standing, b->lang);
        json_t *unmet = json_array();
        json_t *lists[] = {json_object_get(full, "conditions"), json_object_get(full, "functions")};
        for (size_t l = 0; l < 2; l++) {
            size_t i;
            json_t *c;
            json_array_foreach(lists[l], i, c)
                if (json_is_false(json_object_get(c, "passed")) &&
                    strcmp(json_string_value(json_object_get(c, "code")), "not_judged") != 0)
                    json_array_append(unmet, json_object_get(c, "id"));
        }
        standing = json_pack("{s:O?, s:o}", "meets", json_object_get(full, "meets"), "unmet", unmet);
        json_decref(full);
    }
    json_array_append_new(json_object_get(b->current, "platforms"),
                          json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:{s:i, s:i}}", "award_id", (json_int_t)r->award_id,
                                    "platform_id", (json_int_t)r->platform_id, "name", r->platform_name,
                                    "certificate_no", r->certificate_no, "annual_summary",
                                    item_json(b->due_summary, r, b->today), "standing", standing, "rectifications",
                                    "open", r->rectifications_open, "overdue", r->rectifications_overdue));
}

void sf_get_compliance(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    int64_t year = sf_query_int(ctx, "year", 2018, 9999, &e);
    if (year == 0 && !sf_errors_any(&e))
        sf_errors_add(&e, "year", SF_E_REQUIRED);
    if (sf_reply_query_errors(ctx, &e))
        return;
    compliance_build b = {(int)year, sf_due_annual_summary((int)year), sf_due_city_report((int)year), 0, json_array(),
                          NULL, "", sf_ctx_lang(ctx)};
    /* today is the database's date; the rows come sorted by region, each city before its
     * titles, so each title lands under its city */
    sf_status status = sf_compliance_rows(ctx->app->pool, &ctx->caller, (int)year, &b.today, add_row, &b);
    if (status != SF_OK) {
        json_decref(b.cities);
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    char ds[11], dr[11];
    sf_date_format(b.due_summary, ds);
    sf_date_format(b.due_report, dr);
    sf_reply_json(ctx, 200, json_pack("{s:I, s:{s:s, s:s}, s:o}", "year", (json_int_t)year, "due", "annual_summary", ds,
                                      "city_reports", dr, "cities", b.cities));
}

/* GET /v1/inbox: each caller's work now, soonest due first — the portal's home page. */
void sf_get_inbox(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    if (page.desc)
        sf_errors_add(&e, "order", SF_E_SOONEST_FIRST_ONLY);
    if (sf_reply_query_errors(ctx, &e))
        return;
    /* the province is told before a notice needs next year's calendar (Art. 18) */
    sf_inbox_calendar alert, *calendar = NULL;
    if (ctx->caller.role == SF_ROLE_PROVINCE) {
        sf_calendar_data cal;
        sf_status st = sf_calendar_load(ctx->app->pool, &cal);
        if (st != SF_OK) {
            sf_reply_status(ctx, st, SF_E_NONE, NULL);
            return;
        }
        if (sf_calendar_alert(&cal.cal, cal.today, SF_PUBLICITY_WORKING_DAYS, &alert.missing_year, &alert.needed_from))
            calendar = &alert;
        sf_calendar_free(&cal);
    }
    char *items = NULL;
    int64_t next = 0;
    sf_status status = sf_inbox(ctx->app->pool, &ctx->caller, calendar, page.after_id, page.limit, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

/* Optional files: an assessment's report (Art. 24) and an annual summary's document (Art. 22). */
static void put_attachment(sf_ctx *ctx, const char *entity)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_errors e;
    sf_errors_init(&e);
    sf_new_material m = {.kind = entity};
    char sha[65];
    if (!sf_read_upload(ctx, &m, sha, &e))
        return;
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = id > 0 ? sf_attachment_put(ctx->app->pool, &actor, &ctx->caller, entity, id, &m, &doc, &e)
                              : SF_NOT_FOUND;
    if (status != SF_OK)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_RECORD_NOT_FOUND : SF_E_NONE, &e);
    else
        sf_reply_doc(ctx, 201, doc);
}

static void get_attachment(sf_ctx *ctx, const char *entity)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_material_content c = {0};
    sf_status status = id > 0 ? sf_attachment_get(ctx->app->pool, &ctx->caller, entity, id, &c) : SF_NOT_FOUND;
    if (status != SF_OK)
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_FILE_NOT_FOUND : SF_E_NONE, NULL);
    else
        sf_send_file(ctx, &c);
}

void sf_put_assessment_report(sf_ctx *ctx) { put_attachment(ctx, "assessment"); }
void sf_get_assessment_report(sf_ctx *ctx) { get_attachment(ctx, "assessment"); }
void sf_put_summary_file(sf_ctx *ctx) { put_attachment(ctx, "annual_summary"); }
void sf_get_summary_file(sf_ctx *ctx) { get_attachment(ctx, "annual_summary"); }

/* ---- records read back (Art. 22, 24, 25) ---- */

/* GET /v1/annual-summaries, /v1/inspections, /v1/city-reports: filters by year and region,
 * and — for a title's records — by award and platform; inspections also by outcome;
 * summaries and city reports by timeliness (Art. 22, 24: judged in SQL by the twin of
 * domain/supervision.c, sql/032). */
static void list_records(sf_ctx *ctx, const char *kind)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    int titled = strcmp(kind, "city_report") != 0;
    sf_record_filter f = {.kind = kind};
    f.year = (int)sf_query_int(ctx, "year", 2006, 9999, &e);
    f.region = sf_param(ctx, "region_code");
    if (f.region != NULL && sf_region_city(f.region) == NULL)
        sf_errors_add(&e, "region_code", SF_E_REGION_INVALID);
    if (titled) {
        f.award_id = sf_query_int(ctx, "award_id", 1, INT64_MAX / 2, &e);
        f.platform_id = sf_query_int(ctx, "platform_id", 1, INT64_MAX / 2, &e);
    }
    if (strcmp(kind, "inspection") == 0) {
        f.state = sf_param(ctx, "outcome");
        if (f.state != NULL && strcmp(f.state, "satisfactory") && strcmp(f.state, "needs_improvement") &&
            strcmp(f.state, "unsatisfactory"))
            sf_errors_add(&e, "outcome", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "satisfactory, needs_improvement, unsatisfactory"));
    }
    if (strcmp(kind, "rectification") == 0) {
        f.state = sf_param(ctx, "status");
        if (f.state != NULL && strcmp(f.state, "open") && strcmp(f.state, "overdue") && strcmp(f.state, "closed"))
            sf_errors_add(&e, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "open, overdue, closed"));
    }
    if (strcmp(kind, "annual_summary") == 0 || strcmp(kind, "city_report") == 0) {
        /* a record that is listed arrived: on time or late (a missing one is no record; the
         * compliance view and the statistics count those) */
        f.timeliness = sf_param(ctx, "timeliness");
        if (f.timeliness != NULL && strcmp(f.timeliness, "on_time") && strcmp(f.timeliness, "late"))
            sf_errors_add(&e, "timeliness", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "on_time, late"));
    }
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items = NULL;
    int64_t next = 0;
    sf_status status = sf_record_list(ctx->app->pool, &ctx->caller, &f, page.after_id, page.limit, page.desc, &items,
                                      &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

static void get_record(sf_ctx *ctx, const char *kind, sf_code not_found)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_record_get(ctx->app->pool, &ctx->caller, kind, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? not_found : SF_E_NONE, NULL);
        return;
    }
    if (strcmp(kind, "rectification") != 0) {
        sf_reply_doc(ctx, 200, doc);
        return;
    }
    /* a rectification's page: whether the caller may follow it up (DESIGN.md §3) */
    json_t *body = sf_json_loads(doc);
    free(doc);
    if (body == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    const char *region = json_string_value(json_object_get(json_object_get(body, "title"), "region_code"));
    const char *state = json_string_value(json_object_get(body, "status"));
    const char *actions[2];
    size_t n = sf_actions_offered(&ctx->caller, sf_rectification_allowed_actions(&ctx->caller, region ? region : "", state ? state : "", actions, 2));
    sf_reply_resource_with(ctx, 200, body, actions_json(actions, n));
}

void sf_list_annual_summaries(sf_ctx *ctx) { list_records(ctx, "annual_summary"); }
void sf_get_annual_summary(sf_ctx *ctx) { get_record(ctx, "annual_summary", SF_E_SUMMARY_NOT_FOUND); }
void sf_list_inspections(sf_ctx *ctx) { list_records(ctx, "inspection"); }
void sf_get_inspection(sf_ctx *ctx) { get_record(ctx, "inspection", SF_E_INSPECTION_NOT_FOUND); }
void sf_list_city_reports(sf_ctx *ctx) { list_records(ctx, "city_report"); }
void sf_get_city_report(sf_ctx *ctx) { get_record(ctx, "city_report", SF_E_CITY_REPORT_NOT_FOUND); }
void sf_list_rectifications(sf_ctx *ctx) { list_records(ctx, "rectification"); }
void sf_get_rectification(sf_ctx *ctx) { get_record(ctx, "rectification", SF_E_RECTIFICATION_NOT_FOUND); }

/* GET /v1/awards/{id}/standing?year=: dynamic management (Art. 4, 24) — the title's annual
 * summary of the year re-tested against the thresholds of the round that awarded it, by the
 * checks of eligibility (domain/eligibility.h sf_standing_evaluate). A finding, not a
 * revocation. */
void sf_get_award_standing(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *award = NULL;   /* the title, if the caller may see it: scope before the query */
    sf_status status = id > 0 ? sf_award_get(ctx->app->pool, &ctx->caller, id, &award) : SF_NOT_FOUND;
    free(award);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_TITLE_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_errors e;
    sf_errors_init(&e);
    int64_t year = sf_query_int(ctx, "year", 2006, 9999, &e);
    if (year == 0 && !sf_errors_any(&e))
        sf_errors_add(&e, "year", SF_E_SUMMARY_YEAR_REQUIRED);
    if (sf_reply_query_errors(ctx, &e))
        return;
    sf_standing_data d = {0};
    if (status == SF_OK)
        status = sf_standing_data_read(ctx->app->pool, id, (int)year, &d);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_TITLE_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    if (d.summary_id == 0 || d.figures_json == NULL) {
        sf_code why = d.summary_id == 0 ? SF_E_SUMMARY_OF_YEAR_MISSING : SF_E_SUMMARY_NO_FIGURES;
        sf_standing_data_free(&d);
        sf_reply_problem(ctx, 404, why);
        return;
    }
    json_t *body = standing_json(&d, sf_ctx_lang(ctx));
    if (body != NULL) {
        json_object_set_new(body, "award_id", json_integer(id));
        json_object_set_new(body, "year", json_integer(year));
        json_object_set_new(body, "annual_summary_id", json_integer(d.summary_id));
    }
    sf_standing_data_free(&d);
    if (body == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_reply_json(ctx, 200, body);
}
