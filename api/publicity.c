/*
 * Publicity (Art. 18) and objections (Art. 18, 25): the deciding authority publishes a
 * notice of approved applications for 15 working days; anyone may object while it is open;
 * the authority resolves each objection, and an upheld one rejects the application.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app_record.h"
#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/calendar.h"
#include "domain/lifecycle.h"
#include "domain/permissions.h"
#include "domain/text.h"
#include "domain/transitions.h"
#include "persistence/calendar.h"
#include "persistence/publicity.h"

#define MAX_NOTICE_ITEMS 200
#define OBJECTIONS_PER_CLIENT_HOUR 5

/* published_elsewhere: {reference, published_on}, optional. */
static void read_elsewhere(json_t *body, sf_notice_plan *plan, const char **reference, sf_errors *e)
{
    static const char *const fields[] = {"reference", "published_on", NULL};
    json_t *pe = json_object_get(body, "published_elsewhere");
    if (pe == NULL || json_is_null(pe))
        return;
    if (!json_is_object(pe)) {
        sf_errors_add(e, "published_elsewhere", SF_E_PUBLISHED_ELSEWHERE_INVALID);
        return;
    }
    sf_errors sub;
    sf_errors_init(&sub);
    sf_json_only(pe, fields, &sub);
    sf_errors_merge(e, "published_elsewhere", &sub);
    const char *ref = json_string_value(json_object_get(pe, "reference"));
    const char *on = json_string_value(json_object_get(pe, "published_on"));
    long rl = ref ? sf_utf8_length(ref) : 0;
    if (ref == NULL || rl < 1 || rl > 200 || sf_text_is_blank(ref))
        sf_errors_add(e, "published_elsewhere.reference", SF_E_REFERENCE_REQUIRED_TEXT);
    else
        sf_text_check_name("published_elsewhere.reference", ref, e);
    if (on == NULL || !sf_date_parse(on, &plan->published_on))
        sf_errors_add(e, "published_elsewhere.published_on", SF_E_REQUIRED_DATE);
    plan->published_elsewhere = 1;
    *reference = ref;
}

void sf_post_notice(sf_ctx *ctx)
{
    static const char *const fields[] = {"title", "start_date", "application_ids", "published_elsewhere", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    const char *title = sf_json_string(body, "title", 1, &e);
    const char *start_text = sf_json_string(body, "start_date", 1, &e);
    long tlen = title ? sf_utf8_length(title) : 0;
    if (title != NULL && (tlen < 1 || tlen > 200))
        sf_errors_add(&e, "title", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 200));
    else
        sf_text_check_name("title", title, &e);
    sf_notice_plan plan = {0};
    const char *reference = NULL;
    if (start_text != NULL && !sf_date_parse(start_text, &plan.start))
        sf_errors_add(&e, "start_date", SF_E_NOT_DATE);
    read_elsewhere(body, &plan, &reference, &e);
    json_t *list = json_object_get(body, "application_ids");
    int64_t ids[MAX_NOTICE_ITEMS];
    size_t n = 0;
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > MAX_NOTICE_ITEMS) {
        sf_errors_add(&e, "application_ids", SF_E_IDS_INVALID, SF_INT("max", MAX_NOTICE_ITEMS));
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                sf_errors_add(&e, "application_ids", SF_E_ITEM_NOT_ID, SF_INT("index", i));
                continue;
            }
            for (size_t k = 0; k < n; k++)
                if (ids[k] == json_integer_value(v))
                    sf_errors_add(&e, "application_ids", SF_E_LISTED_TWICE, SF_INT("item", ids[k]));
            ids[n++] = json_integer_value(v);
        }
    }
    sf_day end = 0;
    if (!sf_errors_any(&e)) {
        /* Art. 18 (domain/transitions.h): the start date, and the end of 15 working days */
        sf_calendar_data cal;
        sf_status status = sf_calendar_load(ctx->app->pool, &cal);
        if (status != SF_OK) {
            sf_reply_status(ctx, status, SF_E_NONE, NULL);
            goto out;
        }
        sf_decide_notice(&plan, &cal.cal, cal.today, &end, &e);
        sf_calendar_free(&cal);
    }
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    sf_new_notice notice = {title, plan.start, end, reference, plan.published_elsewhere ? plan.published_on : 0};
    char *doc = NULL;
    sf_app_request publicize = {SF_EV_PUBLICIZE, &ctx->caller, NULL};
    sf_status status = sf_notice_create(ctx->app->pool, &actor, &ctx->caller, &notice, ids, n, sf_app_record_decide,
                                        &publicize, &doc, &e);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_INVALID ? SF_E_NOTICE_APPLICATIONS_INVALID : SF_E_NONE, &e);
        goto out;
    }
    sf_reply_doc(ctx, 201, doc);
out:
    json_decref(body);
}

/* Which notices the caller sees before their start date: the public none. */
static sf_notice_early notice_early(const sf_ctx *ctx)
{
    sf_notice_early early = {0, NULL};
    if (ctx->route->access != SF_PUBLIC)
        early.all = sf_notice_seen_before_start(&ctx->caller, &early.own_region);
    return early;
}

void sf_list_notices(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    sf_notice_filter f = {.status = sf_param(ctx, "status")};
    f.round_id = sf_query_int(ctx, "round_id", 1, INT64_MAX / 2, &e);
    f.year = (int)sf_query_int(ctx, "year", 2018, 9999, &e);
    f.early = notice_early(ctx);
    if (f.status && strcmp(f.status, "upcoming") && strcmp(f.status, "open") && strcmp(f.status, "closed"))
        sf_errors_add(&e, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "upcoming, open, closed"));
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_notice_list(ctx->app->pool, &f, page.after_id, page.limit, page.desc, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

static const char *text_or_empty(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "";
}

/* A list of action names as JSON (a new reference). */
static json_t *action_list(const char *const *actions, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(actions[i]));
    return list;
}

void sf_get_notice(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_notice_facts facts;
    sf_day today = 0;
    sf_notice_early early = notice_early(ctx);
    sf_status status = id <= 0 ? SF_NOT_FOUND : sf_notice_get(ctx->app->pool, id, &early, &doc, &facts, &today);
    json_t *body = status == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (status == SF_OK && body == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_NOTICE_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    /* what the caller may do with it now, as the decisions answer (issue 13 §2) */
    const char *actions[4];
    size_t n = sf_actions_offered(&ctx->caller, sf_notice_allowed_actions(&facts, &ctx->caller, today, actions, 4));
    sf_reply_resource_with(ctx, 200, body, json_pack("{s:o}", "allowed_actions", action_list(actions, n)));
}

/* An objection's answer (JSON text, taken) with its allowed_actions for the caller. */
static void reply_objection(sf_ctx *ctx, int http_status, char *doc, const sf_objection_facts *facts)
{
    json_t *body = sf_json_loads(doc);
    free(doc);
    if (body == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    const char *actions[4];
    size_t n = sf_actions_offered(&ctx->caller, sf_objection_allowed_actions(facts, &ctx->caller, actions, 4));
    sf_reply_resource_with(ctx, http_status, body, json_pack("{s:o}", "allowed_actions", action_list(actions, n)));
}

/* A page of objections (JSON array text, taken) with each item's allowed_actions in place of
 * the `_round` its repository adds; NULL when it cannot be read. */
static char *objections_with_actions(const sf_caller *caller, char *items_json)
{
    json_t *items = sf_json_loads(items_json);
    free(items_json);
    if (!json_is_array(items)) {
        json_decref(items);
        return NULL;
    }
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *round = json_object_get(item, "_round");
        sf_objection_facts facts = {.open = strcmp(text_or_empty(json_object_get(item, "status")), "open") == 0};
        snprintf(facts.round_level, sizeof facts.round_level, "%s", text_or_empty(json_object_get(round, "level")));
        snprintf(facts.round_region, sizeof facts.round_region, "%s", text_or_empty(json_object_get(round, "region")));
        const char *actions[4];
        size_t n = sf_actions_offered(caller, sf_objection_allowed_actions(&facts, caller, actions, 4));
        json_object_del(item, "_round");
        json_object_set_new(item, "allowed_actions", action_list(actions, n));
    }
    char *text = sf_json_dumps(items, JSON_COMPACT);
    json_decref(items);
    return text;
}

/* The objection's fields; `recorded` adds received_on (into *received_on). Errors in e. */
static void read_objection(json_t *body, int recorded, sf_new_objection *o, sf_day *received_on, sf_errors *e)
{
    static const char *const fields[] = {"application_id", "objector_name", "contact", "reason", NULL};
    static const char *const recorded_fields[] = {"application_id", "objector_name", "contact", "reason", "received_on", NULL};
    sf_json_only(body, recorded ? recorded_fields : fields, e);
    int64_t application = 0;
    sf_json_int(body, "application_id", 1, 1, INT64_MAX / 2, &application, e);
    o->application_id = application;
    o->name = sf_json_string(body, "objector_name", 1, e);
    o->contact = sf_json_string(body, "contact", 1, e);
    o->reason = sf_json_string(body, "reason", 1, e);
    long nl = o->name ? sf_utf8_length(o->name) : 1, cl = o->contact ? sf_utf8_length(o->contact) : 1,
         rl = o->reason ? sf_utf8_length(o->reason) : 1;
    if (nl < 1 || nl > 100)
        sf_errors_add(e, "objector_name", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 100));
    else
        sf_text_check_name("objector_name", o->name, e);
    if (cl < 1 || cl > 200)
        sf_errors_add(e, "contact", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 200));
    else
        sf_text_check_name("contact", o->contact, e);
    if (rl < 1 || rl > 5000)
        sf_errors_add(e, "reason", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 5000));
    else
        sf_text_check_lines("reason", o->reason, e);
    if (recorded) {
        const char *day = sf_json_string(body, "received_on", 1, e);
        if (day != NULL && !sf_date_parse(day, received_on))
            sf_errors_add(e, "received_on", SF_E_NOT_DATE);
    }
}

/* An objection filed by the public, recorded off its worker: its statement is an errand
 * (api/server.h, sf_errand_then), as a login's are. Anyone may file one without signing in, and
 * each is a write: a flood of them slows the database, and a worker waiting on it would hold
 * every connection it serves, health checks included (issue 14, item 1). The request's own;
 * `o` points into `body`, kept with it. */
typedef struct {
    json_t *body;
    sf_new_objection o;
    char client[64];
    char request_id[sizeof ((sf_ctx *)0)->request_id];
    sf_pool *pool;
    sf_status status;
    int throttled;
    char *doc;
    sf_errors errors;
} objection_wait;

static void objection_wait_free(void *p)
{
    objection_wait *w = p;
    if (w == NULL)
        return;
    json_decref(w->body);
    free(w->doc);
    free(w);
}

/* An errand: the objection recorded, or refused. */
static int objection_file(void *arg)
{
    objection_wait *w = arg;
    w->status = sf_objection_create(w->pool, &w->o, OBJECTIONS_PER_CLIENT_HOUR, &w->throttled, &w->doc, &w->errors);
    return 0;
}

/* On the worker, the errand done (`ran`: whether it ran at all): the answer. */
static void objection_filed(sf_ctx *ctx, void *saved, sf_status ran, int unused)
{
    (void)unused;
    objection_wait *w = saved;
    if (!sf_errand_ran(ctx, ran))
        return;
    if (w->status != SF_OK) {
        sf_reply_status(ctx, w->status, w->status == SF_NOT_FOUND ? SF_E_NOTICE_NOT_FOUND : SF_E_NONE, &w->errors);
    } else if (w->throttled) {
        sf_set_header(ctx, "Retry-After", "3600");
        sf_reply_problem(ctx, 429, SF_E_OBJECTIONS_THROTTLED);
    } else {
        sf_reply_doc(ctx, 201, w->doc);
        w->doc = NULL;
    }
}

/* POST /v1/public/publicity-notices/{id}/objections: anyone, while the notice is open. */
void sf_post_objection(sf_ctx *ctx)
{
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    objection_wait *w = calloc(1, sizeof *w);
    if (w == NULL) {
        json_decref(body);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    w->body = body;
    sf_errors_init(&w->errors);
    sf_client_address(ctx, w->client, sizeof w->client);
    memcpy(w->request_id, ctx->request_id, sizeof w->request_id);
    w->pool = ctx->app->pool;
    w->o = (sf_new_objection){.notice_id = sf_path_id(ctx, "id"), .client = w->client, .request_id = w->request_id};
    read_objection(body, 0, &w->o, NULL, &w->errors);
    if (sf_errors_any(&w->errors) || w->o.notice_id <= 0) {
        if (sf_errors_any(&w->errors))
            sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &w->errors);
        else   /* no such notice, as the database would say: without asking it */
            sf_reply_status(ctx, SF_NOT_FOUND, SF_E_NOTICE_NOT_FOUND, NULL);
        objection_wait_free(w);
        return;
    }
    sf_errand_then(ctx, SF_ERRAND_OBJECTION, w->client, objection_file, objection_filed, w, objection_wait_free);
}

/* POST /v1/publicity-notices/{id}/objections: the deciding authority records an objection it
 * received otherwise — by letter, or for a notice published elsewhere (Art. 18, 25). */
void sf_post_recorded_objection(sf_ctx *ctx)
{
    int64_t notice = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_new_objection o = {.notice_id = notice, .client = "recorded", .request_id = ctx->request_id};
    sf_day received_on = 0;
    read_objection(body, 1, &o, &received_on, &e);
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_objection_facts facts;
    sf_status status = notice > 0 ? sf_objection_record(ctx->app->pool, &actor, &ctx->caller, &o, received_on, &doc,
                                                        &facts, &e)
                                  : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_NOTICE_NOT_FOUND : status == SF_INVALID
                                     ? SF_E_OBJECTION_NOT_RECORDED : SF_E_NONE, &e);
        goto out;
    }
    reply_objection(ctx, 201, doc, &facts);
out:
    json_decref(body);
}

void sf_list_objections(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    if (page.desc)
        sf_errors_add(&e, "order", SF_E_OLDEST_FIRST_ONLY);
    const char *status_filter = sf_param(ctx, "status");
    if (status_filter && strcmp(status_filter, "open") && strcmp(status_filter, "upheld") &&
        strcmp(status_filter, "dismissed"))
        sf_errors_add(&e, "status", SF_E_NOT_ONE_OF, SF_TEXT("allowed", "open, upheld, dismissed"));
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_objection_list(ctx->app->pool, &ctx->caller, status_filter, page.after_id, page.limit,
                                         &items, &next, sf_page_total(&page));
    if (status == SF_OK && (items = objections_with_actions(&ctx->caller, items)) == NULL)
        status = SF_INTERNAL;
    sf_reply_page(ctx, status, items, next, &page);
}

/* GET /v1/objections/{id}: one of the objections the caller decides on, as the list shows it. */
void sf_get_objection(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    char *doc = NULL;
    sf_status status = id > 0 ? sf_objection_get(ctx->app->pool, &ctx->caller, id, &doc) : SF_NOT_FOUND;
    json_t *body = status == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (status == SF_OK && body == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_OBJECTION_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    json_t *round = json_object_get(body, "_round");
    sf_objection_facts facts = {.open = strcmp(text_or_empty(json_object_get(body, "status")), "open") == 0};
    snprintf(facts.round_level, sizeof facts.round_level, "%s", text_or_empty(json_object_get(round, "level")));
    snprintf(facts.round_region, sizeof facts.round_region, "%s", text_or_empty(json_object_get(round, "region")));
    json_object_del(body, "_round");
    const char *actions[4];
    size_t n = sf_actions_offered(&ctx->caller, sf_objection_allowed_actions(&facts, &ctx->caller, actions, 4));
    sf_reply_resource_with(ctx, 200, body, json_pack("{s:o}", "allowed_actions", action_list(actions, n)));
}

/* If-Match on resolving an objection names it as last read (GET /v1/objections/{id}); whether
 * it answered: 412 when it has changed since, or the read's own failure. Without If-Match, 0.
 * (The resolution itself is decided under the objection's lock: one resolved meanwhile is 409.) */
static int objection_changed(sf_ctx *ctx, int64_t id)
{
    if (sf_header(ctx, "If-Match") == NULL || id <= 0)
        return 0;
    char *doc = NULL, etag[40];
    /* as GET answers it: its ETag is of the objection alone, without the round the read adds */
    sf_status status = sf_objection_get(ctx->app->pool, &ctx->caller, id, &doc);
    status = sf_read_etag(status, doc, "_round", etag, NULL);
    return sf_reply_if_stale(ctx, status, etag, SF_E_OBJECTION_NOT_FOUND, SF_E_PRECONDITION_FAILED);
}

void sf_post_resolve_objection(sf_ctx *ctx)
{
    static const char *const fields[] = {"upheld", "resolution", NULL};
    int64_t id = sf_path_id(ctx, "id");
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors e;
    sf_errors_init(&e);
    sf_json_only(body, fields, &e);
    json_t *upheld = json_object_get(body, "upheld");
    if (!json_is_boolean(upheld))
        sf_errors_add(&e, "upheld", SF_E_NOT_BOOLEAN);
    const char *resolution = sf_json_string(body, "resolution", 1, &e);
    long rl = resolution ? sf_utf8_length(resolution) : 1;
    if (rl < 1 || rl > 5000)
        sf_errors_add(&e, "resolution", SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 5000));
    if (sf_errors_any(&e)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    if (objection_changed(ctx, id))
        goto out;
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_app_request uphold = {SF_EV_OBJECTION_UPHELD, &ctx->caller, NULL};
    sf_objection_facts facts;
    sf_status status = id > 0 ? sf_objection_resolve(ctx->app->pool, &actor, &ctx->caller, id, json_is_true(upheld),
                                                     resolution, sf_app_record_decide, &uphold, &doc, &facts, &e)
                              : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_OBJECTION_NOT_FOUND : SF_E_NONE, &e);
        goto out;
    }
    reply_objection(ctx, 200, doc, &facts);
out:
    json_decref(body);
}
