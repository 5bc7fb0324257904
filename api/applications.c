/*
 * /v1/applications: one per platform per round; the report (Annex 2) and recommendation
 * form (Annex 1); eligibility (Art. 12, 13); and the lifecycle — submit and return (a
 * platform's own application), recommend, withdraw, review, award (DESIGN.md §2). Each transition is decided by domain/transitions.h over a
 * snapshot of the application read under its row lock (persistence/applications.h); this
 * file parses the request and maps the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/measures_json.h"
#include "api/problem.h"
#include "api/views.h"
#include "api/app_record.h"
#include "domain/accounts.h"
#include "domain/lifecycle.h"
#include "domain/transitions.h"
#include "persistence/applications.h"

#define MAX_MISSING 16

static json_t *missing_json(const char **missing, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(missing[i]));
    return list;
}

/* ---- create, read, list ---- */

static void reply_detail(sf_ctx *ctx, int64_t id, int http_status, char *created);

void sf_post_application(sf_ctx *ctx)
{
    static const char *const fields[] = {"round_id", "platform_id", "recommender_org_id", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    int64_t round_id = 0, platform_id = 0, recommender = 0;
    sf_json_int(body, "round_id", 1, 1, INT64_MAX / 2, &round_id, &e);
    sf_json_int(body, "platform_id", 1, 1, INT64_MAX / 2, &platform_id, &e);
    sf_json_int(body, "recommender_org_id", 0, 1, INT64_MAX / 2, &recommender, &e);
    /* a platform company names its recommender (by default its city); a city or an
     * association recommends what it opens itself */
    if (recommender > 0 && ctx->caller.role != SF_ROLE_PLATFORM && recommender != ctx->caller.org_id)
        sf_errors_add(&e, "recommender_org_id", SF_E_RECOMMENDER_OWN_ONLY);
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = sf_application_create(ctx->app->pool, &actor, &ctx->caller, round_id, platform_id,
                                             ctx->caller.role == SF_ROLE_PLATFORM ? recommender : 0, &doc, &e);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_INVALID ? SF_E_VALIDATION_FAILED : SF_E_NONE, &e);
        goto out;
    }
    /* answered as GET reads it (its history, allowed_actions and ETag), once committed */
    json_t *created = sf_json_loads(doc);
    int64_t id = json_integer_value(json_object_get(created, "id"));
    json_decref(created);
    if (id > 0)
        reply_detail(ctx, id, 201, doc);   /* takes doc */
    else
        sf_reply_doc(ctx, 201, doc);
out:
    json_decref(body);
}

/* The detail as it is sent: the stored canonical text (sql/042) with the caller's
 * allowed_actions as its first member — "allowed_actions" sorts before every key of the
 * document, so the whole stays canonical (api/views.c) without parsing the document. NULL when
 * memory ran out or the document does not start with a later key (then the caller parses). */
static char *with_actions(const char *doc, const char *const *actions, size_t n, size_t *len)
{
    static const char head[] = "{\"allowed_actions\":[";
    size_t doc_len = strlen(doc);
    if (strncmp(doc, "{\"", 2) != 0 || strncmp(doc + 2, "allowed_actions\"", 16) <= 0 || doc_len < 3)
        return NULL;
    size_t cap = sizeof head + doc_len + 4;
    for (size_t i = 0; i < n; i++)
        cap += strlen(actions[i]) + 3;   /* "name", */
    char *text = malloc(cap), *end = text;
    if (text == NULL)
        return NULL;
    memcpy(end, head, sizeof head - 1);
    end += sizeof head - 1;
    for (size_t i = 0; i < n; i++) {   /* action names are plain identifiers: nothing to escape */
        end += sprintf(end, "%s\"%s\"", i ? "," : "", actions[i]);
    }
    *end++ = ']';
    *end++ = ',';
    memcpy(end, doc + 1, doc_len);   /* the document's members and its "}" with the NUL */
    *len = (size_t)(end - text) + doc_len - 1;
    return text;
}

/* Answers application `id` as GET /v1/applications/{id} reads it, under `http_status` (200, or
 * 201 for the one just created: the same body and ETag, so that the creator may send the ETag
 * back in If-Match or If-None-Match). `created` (taken; NULL for a read) is the document the
 * creating write answered: sent instead if the detail cannot be read, for the application is
 * committed whatever happens to this read, and a retry would be refused as a second one. */
static void reply_detail(sf_ctx *ctx, int64_t id, int http_status, char *created)
{
    /* one round trip: the session check, the stored detail (sql/042) and the snapshot that
     * decides what the caller may do next (domain/transitions.h over the same snapshot a
     * transition reads; DESIGN.md §3: allowed_actions) */
    char *doc = NULL, etag[40];
    sf_app_record *r = NULL;
    sf_session session = sf_session_of(ctx);
    int live = 0;
    sf_status status = sf_application_read(ctx->app->pool, &ctx->caller, &session, id, &doc, etag, &r, &live);
    if (created != NULL && (status != SF_OK || !live)) {
        free(doc);
        sf_app_record_free(r);
        sf_reply_doc(ctx, http_status, created);
        return;
    }
    free(created);
    if ((status == SF_OK || status == SF_NOT_FOUND) && !sf_session_seen(ctx, live))
        return;
    /* the report and the round's thresholds are read (parsed) only where a decision reads
     * them: the eligibility that submit and recommend check, from draft or submitted */
    if (status == SF_OK && (r->snap.status == SF_APP_DRAFT || r->snap.status == SF_APP_SUBMITTED))
        status = sf_app_record_complete(r);
    if (status != SF_OK) {
        free(doc);
        sf_app_record_free(r);
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    const char *actions[16];
    size_t n = sf_actions_offered(&ctx->caller, sf_app_allowed_actions(&r->snap, &ctx->caller, r->today, actions, 16));
    sf_app_record_free(r);
    size_t len = 0;
    char *text = with_actions(doc, actions, n, &len);
    if (text != NULL) {
        free(doc);
        sf_reply_tagged(ctx, http_status, text, len, etag);
        free(text);
        return;
    }
    json_t *body = sf_json_loads(doc);   /* not a document this file knows how to extend */
    free(doc);
    if (body == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(actions[i]));
    sf_reply_resource_with(ctx, http_status, body, json_pack("{s:o}", "allowed_actions", list));
}

void sf_get_application(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    if (id <= 0) {
        sf_reply_status(ctx, SF_NOT_FOUND, SF_E_APPLICATION_NOT_FOUND, NULL);
        return;
    }
    reply_detail(ctx, id, 200, NULL);
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
        sf_errors_add(&e, "status", SF_E_NOT_ONE_OF,
                      SF_TEXT("allowed", "draft, submitted, recommended, approved, publicized, awarded, rejected, withdrawn"));
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_application_list(ctx->app->pool, &ctx->caller, round_id, status_filter, page.after_id,
                                           page.limit, page.desc, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

/* ---- the report (Annex 2) and the recommendation form (Annex 1) ---- */

/* The application as GET /v1/applications/{id} reads it for the caller now: its ETag, which
 * If-Match names, and its version, which the write then expects (a change between this read
 * and the write's lock is stale too). */
static sf_status application_tag(sf_ctx *ctx, int64_t id, char etag[40], int *version)
{
    char *current = NULL;
    sf_status st = sf_application_get(ctx->app->pool, &ctx->caller, id, &current);
    return sf_read_etag(st, current, NULL, etag, version);
}

static void put_form(sf_ctx *ctx, const char *which)
{
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_report_facts facts = {0};
    if (strcmp(which, "report") == 0) {
        sf_report_read(body, &facts, &e);
    } else {
        sf_recommendation_read(body, &e);
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        json_decref(body);
        return;
    }
    char *text = sf_json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(body);
    /* If-Match names the form's own ETag as last read (GET …/report), or the application's
     * (GET /v1/applications/{id}). The application is read first: its version is what the
     * write expects, so a change after this read is stale even if the form read below
     * already shows it. */
    int expected = 0, stale = 0;
    if (sf_header(ctx, "If-Match") != NULL && id > 0) {
        char *form = NULL;
        char etag[40], form_etag[40] = "";
        sf_status st = application_tag(ctx, id, etag, &expected);
        if (st != SF_OK) {
            free(text);
            sf_reply_status(ctx, st, st == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, NULL);
            return;
        }
        if (sf_application_get_form(ctx->app->pool, &ctx->caller, id, which, &form) == SF_OK) {
            json_t *f = sf_json_loads(form);
            if (f == NULL || sf_etag(f, form_etag) != 0)
                form_etag[0] = '\0';
            json_decref(f);
        }
        free(form);
        stale = sf_if_match_fails(ctx, etag) && (form_etag[0] == '\0' || sf_if_match_fails(ctx, form_etag));
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = stale ? SF_CONFLICT
                       : text && id > 0 ? sf_application_put_form(ctx->app->pool, &actor, &ctx->caller, id, which, text,
                                                                  facts.established_on, expected, &stale, &doc, &e)
                                        : (id > 0 ? SF_INTERNAL : SF_NOT_FOUND);
    free(text);
    if (stale) {
        sf_reply_problem(ctx, 412, SF_E_APPLICATION_CHANGED);
        return;
    }
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, &e);
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
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_PART_NOT_FOUND : SF_E_NONE, NULL);
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
    sf_app_record *r = NULL;
    sf_status status = id > 0 ? sf_application_snapshot(ctx->app->pool, id, &r) : SF_NOT_FOUND;
    if (status == SF_OK && !sf_app_visible(&r->snap, &ctx->caller))
        status = SF_NOT_FOUND;
    if (status == SF_OK)
        status = sf_app_record_complete(r);
    if (status != SF_OK) {
        sf_app_record_free(r);
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_eligibility verdict;
    const char *missing[MAX_MISSING];
    size_t nmissing = sf_app_evaluate(&r->snap, &verdict, missing, MAX_MISSING);
    json_t *body = sf_eligibility_json(&verdict, sf_ctx_lang(ctx));
    json_object_set_new(body, "missing_materials", missing_json(missing, nmissing));
    json_object_set_new(body, "relaxed_region", json_boolean(r->snap.relaxation.applies));
    sf_app_record_free(r);
    sf_reply_json(ctx, 200, body);
}

/* ---- transitions: parse, ask domain/transitions.h, map ---- */

/* A transition honours If-Match as a form's PUT does: the ETag of the application as last
 * read (GET /v1/applications/{id}); stale, 412 and nothing done. */
static void transition(sf_ctx *ctx, sf_app_request *request, int status_ok)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_errors e;
    sf_errors_init(&e);
    int expected = 0, stale = 0;
    if (sf_header(ctx, "If-Match") != NULL && id > 0) {
        char etag[40];
        sf_status st = application_tag(ctx, id, etag, &expected);
        if (sf_reply_if_stale(ctx, st, etag, SF_E_APPLICATION_NOT_FOUND, SF_E_APPLICATION_CHANGED))
            return;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = id > 0 ? sf_application_transition(ctx->app->pool, &actor, id, &ctx->caller, sf_app_record_decide,
                                                            request, expected, &stale, &doc, &e)
                              : SF_NOT_FOUND;
    if (stale) {
        sf_reply_problem(ctx, 412, SF_E_APPLICATION_CHANGED);
        return;
    }
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, &e);
        return;
    }
    sf_reply_doc(ctx, status_ok, doc);
}

static void simple_transition(sf_ctx *ctx, sf_app_event event, int status_ok)
{
    sf_app_request request = {event, &ctx->caller, NULL};
    transition(ctx, &request, status_ok);
}

void sf_post_recommend(sf_ctx *ctx) { simple_transition(ctx, SF_EV_RECOMMEND, 200); }
void sf_post_withdraw(sf_ctx *ctx) { simple_transition(ctx, SF_EV_WITHDRAW, 200); }
void sf_post_submit(sf_ctx *ctx) { simple_transition(ctx, SF_EV_SUBMIT, 200); }
void sf_post_award(sf_ctx *ctx) { simple_transition(ctx, SF_EV_AWARD, 201); }

void sf_post_return(sf_ctx *ctx)
{
    static const char *const fields[] = {"comment", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    sf_app_request a = {SF_EV_SEND_BACK, &ctx->caller, sf_json_string(body, "comment", 1, &e)};
    if (a.comment != NULL && sf_utf8_length(a.comment) > 5000)
        sf_errors_add(&e, "comment", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 5000));
    if (sf_errors_any(&e))
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
    else
        transition(ctx, &a, 200);
    json_decref(body);
}

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
    sf_app_request r = {SF_EV_APPROVE, &ctx->caller, comment};
    if (decision != NULL) {
        if (strcmp(decision, "approve") == 0)
            r.event = SF_EV_APPROVE;
        else if (strcmp(decision, "reject") == 0)
            r.event = SF_EV_REJECT;
        else if (strcmp(decision, "return") == 0)
            r.event = SF_EV_RETURN;
        else
            sf_errors_add(&e, "decision", SF_E_DECISION_INVALID);
    }
    if (comment != NULL && strlen(comment) > 15000)
        sf_errors_add(&e, "comment", SF_E_TOO_LONG, SF_INT("max", 5000));
    if (sf_errors_any(&e))
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
    else
        transition(ctx, &r, 200);
    json_decref(body);
}
