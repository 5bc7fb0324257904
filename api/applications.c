/*
 * /v1/applications: one per platform per round; the report (Annex 2) and recommendation
 * form (Annex 1); eligibility (Art. 12, 13); and the lifecycle — recommend, withdraw,
 * review, award (DESIGN.md §2). Each transition is decided by a function below that asks
 * domain/ (lifecycle, eligibility, award validity) over a locked snapshot of the
 * application (persistence/applications.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/measures_json.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/awards.h"
#include "domain/lifecycle.h"
#include "domain/materials.h"
#include "persistence/applications.h"

#define MAX_MISSING 8

/* Eligibility of a snapshot: the verdict, and the missing required materials. Returns 0, or
 * -1 when the report is absent (errors say so). */
static int evaluate(const sf_app_snapshot *s, sf_eligibility *verdict, const char **missing, size_t *nmissing,
                    sf_errors *errors)
{
    *nmissing = sf_materials_missing(s->material_kinds, s->require_prior_recognition, missing, MAX_MISSING);
    if (s->report_json == NULL) {
        sf_errors_add(errors, "report", "the application report (Annex 2) is not filled");
        return -1;
    }
    json_t *report = sf_json_loads(s->report_json);
    json_t *tj = s->thresholds_json ? sf_json_loads(s->thresholds_json) : NULL;
    json_t *rj = s->relaxed_thresholds_json ? sf_json_loads(s->relaxed_thresholds_json) : NULL;
    sf_report_facts facts;
    sf_thresholds t;
    sf_relaxation relax = {s->region_relaxed, s->factor_permille, {0}, 0};
    sf_errors ignored;
    sf_errors_init(&ignored);
    sf_report_read(report, &facts, &ignored);   /* stored reports were validated when filled */
    sf_thresholds_read(tj, &t, &ignored);
    sf_relaxed_thresholds_read(rj, &relax.set, &relax.set_mask, &ignored);
    json_decref(report);
    json_decref(tj);
    json_decref(rj);
    facts.has_active_city_award = s->has_active_city_award;
    sf_eligibility_evaluate(&facts, &t, &relax, s->require_prior_recognition, s->opens_on, verdict);
    return 0;
}

static json_t *missing_json(const char **missing, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(missing[i]));
    return list;
}

/* ---- create, read, list ---- */

void sf_post_application(sf_ctx *ctx)
{
    static const char *const fields[] = {"round_id", "platform_id", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t round_id = 0, platform_id = 0;
    sf_json_int(body, "round_id", 1, 1, INT64_MAX / 2, &round_id, &e);
    sf_json_int(body, "platform_id", 1, 1, INT64_MAX / 2, &platform_id, &e);
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, "the application is not valid", &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_application_create(ctx->app->pool, &actor, &ctx->caller, round_id, platform_id, &doc, &e);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_INVALID ? "the application is not valid" : NULL, &e);
        goto out;
    }
    sf_reply_doc(ctx, 201, doc);
out:
    json_decref(body);
}

void sf_get_application(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_application_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such application" : NULL, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

void sf_list_applications(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    int64_t round_id = sf_query_int(ctx, "round_id", 1, INT64_MAX / 2, &e);
    const char *status_filter = sf_param(ctx, "status");
    if (status_filter != NULL && sf_app_state_parse(status_filter) < 0)
        sf_errors_add(&e, "status", "must be one of draft, recommended, approved, publicized, awarded, rejected, withdrawn");
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_application_list(ctx->app->pool, &ctx->caller, round_id, status_filter, page.after_id,
                                           page.limit, page.desc, &items, &next);
    sf_reply_page(ctx, status, items, next);
}

/* ---- the report (Annex 2) and the recommendation form (Annex 1) ---- */

static void put_form(sf_ctx *ctx, const char *which)
{
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    if (strcmp(which, "report") == 0) {
        sf_report_facts facts;
        sf_report_read(body, &facts, &e);
    } else {
        sf_recommendation_read(body, &e);
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, strcmp(which, "report") == 0 ? "the application report (Annex 2) is not valid"
                                                                : "the recommendation form (Annex 1) is not valid", &e);
        json_decref(body);
        return;
    }
    char *text = sf_json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(body);
    /* If-Match names the application's ETag as last read (GET /v1/applications/{id}) */
    int expected = 0, stale = 0;
    if (sf_header(ctx, "If-Match") != NULL && id > 0) {
        char *current = NULL;
        sf_status st = sf_application_get(ctx->app->pool, &ctx->caller, id, &current);
        json_t *cur = st == SF_OK ? sf_json_loads(current) : NULL;
        free(current);
        char etag[40];
        if (cur == NULL || sf_etag(cur, etag) != 0) {
            json_decref(cur);
            free(text);
            sf_reply_status(ctx, st == SF_OK ? SF_INTERNAL : st, st == SF_NOT_FOUND ? "no such application" : NULL, NULL);
            return;
        }
        expected = (int)json_integer_value(json_object_get(cur, "version"));
        json_decref(cur);
        stale = sf_if_match_fails(ctx, etag);
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = stale ? SF_CONFLICT
                       : text && id > 0 ? sf_application_put_form(ctx->app->pool, &actor, &ctx->caller, id, which, text,
                                                                  expected, &stale, &doc, &e)
                                        : (id > 0 ? SF_INTERNAL : SF_NOT_FOUND);
    free(text);
    if (stale) {
        sf_reply_problem(ctx, 412, "the application has changed since it was read (If-Match); read it again");
        return;
    }
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such application" : NULL, &e);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

static void get_form(sf_ctx *ctx, const char *which)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_application_get_form(ctx->app->pool, &ctx->caller, id, which, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such application, or not filled yet" : NULL, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

void sf_put_report(sf_ctx *ctx) { put_form(ctx, "report"); }
void sf_get_report(sf_ctx *ctx) { get_form(ctx, "report"); }
void sf_put_recommendation(sf_ctx *ctx) { put_form(ctx, "recommendation"); }
void sf_get_recommendation(sf_ctx *ctx) { get_form(ctx, "recommendation"); }

/* ---- eligibility ---- */

void sf_get_eligibility(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_app_snapshot *s = NULL;
    sf_status status = id > 0 ? sf_application_snapshot(ctx->app->pool, id, &s) : SF_NOT_FOUND;
    if (status == SF_OK && !sf_may_see_application(&ctx->caller, s->recommender_org, s->round_level, s->round_region))
        status = SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_app_snapshot_free(s);
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such application" : NULL, NULL);
        return;
    }
    sf_eligibility verdict;
    const char *missing[MAX_MISSING];
    size_t nmissing;
    sf_errors e;
    sf_errors_init(&e);
    if (evaluate(s, &verdict, missing, &nmissing, &e) != 0) {
        sf_app_snapshot_free(s);
        sf_reply_status(ctx, SF_CONFLICT, "the application report (Annex 2) is not filled yet", &e);
        return;
    }
    json_t *body = sf_eligibility_json(&verdict);
    json_object_set_new(body, "missing_materials", missing_json(missing, nmissing));
    json_object_set_new(body, "relaxed_region", json_boolean(s->region_relaxed));
    sf_app_snapshot_free(s);
    sf_reply_json(ctx, 200, body);
}

/* ---- transitions ---- */

/* The lifecycle step, or a conflict naming the current state. */
static sf_status step(const sf_app_snapshot *s, sf_app_event ev, sf_app_decision *d, sf_errors *e)
{
    if (sf_lifecycle_next(s->status, ev, &d->next) != SF_OK) {
        sf_errors_detail(e, "the application is %s; '%s' is not possible from that state",
                         sf_app_state_name(s->status), sf_app_event_name(ev));
        return SF_CONFLICT;
    }
    return SF_OK;
}

static sf_status only_recommender(const sf_app_snapshot *s, const sf_caller *c, sf_errors *e)
{
    if (s->recommender_org != c->org_id) {
        sf_errors_detail(e, "only the recommender may do this");
        return SF_FORBIDDEN;
    }
    return SF_OK;
}

static sf_status only_decider(const sf_app_snapshot *s, const sf_caller *c, sf_errors *e)
{
    if (!sf_decides_round(c, s->round_level, s->round_region)) {
        sf_errors_detail(e, "only the round's deciding authority may do this");
        return SF_FORBIDDEN;
    }
    return SF_OK;
}

/* Recommend (Art. 15, 16, 27): everything that fails is reported at once. */
static sf_status decide_recommend(const sf_app_snapshot *s, void *p, sf_app_decision *d, sf_errors *e)
{
    const sf_caller *c = p;
    sf_status st = only_recommender(s, c, e);
    if (st == SF_OK)
        st = step(s, SF_EV_RECOMMEND, d, e);
    if (st != SF_OK)
        return st;
    if (s->today < s->opens_on || s->today > s->closes_on) {
        char o[11], cl[11];
        sf_date_format(s->opens_on, o);
        sf_date_format(s->closes_on, cl);
        sf_errors_detail(e, "the round is open from %s to %s; recommendations are taken only then", o, cl);
        return SF_CONFLICT;
    }
    if (!sf_quota_allows(s->recommended_by_recommender, s->quota)) {
        sf_errors_detail(e, "this recommender has used its quota of %d in this round", s->quota);
        return SF_CONFLICT;
    }
    sf_eligibility v;
    const char *missing[MAX_MISSING];
    size_t nmissing = 0;
    int have_report = evaluate(s, &v, missing, &nmissing, e) == 0;
    if (!s->has_recommendation)
        sf_errors_add(e, "recommendation", "the recommendation form (Annex 1, Art. 16) is not filled");
    for (size_t i = 0; i < nmissing; i++)
        sf_errors_add(e, "materials", "%s is missing (Art. 17)", missing[i]);
    if (have_report) {
        for (int i = 0; i < SF_CONDITION_COUNT; i++)
            if (!v.conditions[i].passed)
                sf_errors_add(e, v.conditions[i].id, "%s", v.conditions[i].detail);
        int any = 0;
        for (int i = 0; i < SF_FUNCTION_COUNT; i++)
            any = any || v.functions[i].passed;
        if (!any)
            sf_errors_add(e, "functions", "no function requirement of Art. 13 is met");
    }
    if (sf_errors_any(e)) {
        sf_errors_detail(e, "the application cannot be recommended yet; every failing condition and missing item is listed");
        return SF_INVALID;
    }
    d->action = "application.recommended";
    return SF_OK;
}

static sf_status decide_withdraw(const sf_app_snapshot *s, void *p, sf_app_decision *d, sf_errors *e)
{
    sf_status st = only_recommender(s, p, e);
    if (st == SF_OK)
        st = step(s, SF_EV_WITHDRAW, d, e);
    d->action = "application.withdrawn";
    return st;
}

typedef struct {
    const sf_caller *caller;
    sf_app_event event;
    const char *comment;
} review_args;

static sf_status decide_review(const sf_app_snapshot *s, void *p, sf_app_decision *d, sf_errors *e)
{
    review_args *r = p;
    sf_status st = only_decider(s, r->caller, e);
    if (st == SF_OK)
        st = step(s, r->event, d, e);
    d->comment = r->comment;
    d->action = r->event == SF_EV_APPROVE ? "application.approved"
              : r->event == SF_EV_REJECT  ? "application.rejected" : "application.returned";
    return st;
}

/* Award (Art. 19, 23): after the publicity period has ended, with no objection open. */
static sf_status decide_award(const sf_app_snapshot *s, void *p, sf_app_decision *d, sf_errors *e)
{
    sf_status st = only_decider(s, p, e);
    if (st == SF_OK)
        st = step(s, SF_EV_AWARD, d, e);
    if (st != SF_OK)
        return st;
    if (s->notice_end == 0 || s->today <= s->notice_end) {
        char end[11] = "?";
        if (s->notice_end)
            sf_date_format(s->notice_end, end);
        sf_errors_detail(e, "the publicity period runs until %s (Art. 18); award after it has ended", end);
        return SF_CONFLICT;
    }
    if (s->open_objections > 0) {
        sf_errors_detail(e, "%d objection(s) to this application are unresolved", s->open_objections);
        return SF_CONFLICT;
    }
    d->action = "application.awarded";
    d->create_award = 1;
    sf_award_validity(&s->validity, s->today, s->active_award_until, s->has_active_award, &d->award_from,
                      &d->award_until);
    return SF_OK;
}

static void transition(sf_ctx *ctx, sf_app_decide decide, void *arg, int status_ok)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_errors e;
    sf_errors_init(&e);
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = id > 0 ? sf_application_transition(ctx->app->pool, &actor, id, &ctx->caller, decide, arg, &doc, &e)
                              : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? "no such application" : NULL, &e);
        return;
    }
    sf_reply_doc(ctx, status_ok, doc);
}

void sf_post_recommend(sf_ctx *ctx) { transition(ctx, decide_recommend, &ctx->caller, 200); }
void sf_post_withdraw(sf_ctx *ctx) { transition(ctx, decide_withdraw, &ctx->caller, 200); }
void sf_post_award(sf_ctx *ctx) { transition(ctx, decide_award, &ctx->caller, 201); }

void sf_post_review(sf_ctx *ctx)
{
    static const char *const fields[] = {"decision", "comment", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    const char *decision = sf_json_string(body, "decision", 1, &e);
    const char *comment = sf_json_string(body, "comment", 0, &e);
    review_args r = {&ctx->caller, SF_EV_APPROVE, comment};
    if (decision != NULL) {
        if (strcmp(decision, "approve") == 0)
            r.event = SF_EV_APPROVE;
        else if (strcmp(decision, "reject") == 0)
            r.event = SF_EV_REJECT;
        else if (strcmp(decision, "return") == 0)
            r.event = SF_EV_RETURN;
        else
            sf_errors_add(&e, "decision", "must be approve, reject or return");
    }
    if (decision != NULL && r.event != SF_EV_APPROVE && (comment == NULL || comment[strspn(comment, " ")] == '\0'))
        sf_errors_add(&e, "comment", "is required to reject or return an application");
    if (comment != NULL && strlen(comment) > 15000)
        sf_errors_add(&e, "comment", "must be at most 5,000 characters");
    if (sf_errors_any(&e))
        sf_reply_errors(ctx, 422, "the review is not valid", &e);
    else
        transition(ctx, decide_review, &r, 200);
    json_decref(body);
}
