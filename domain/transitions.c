/*
 * The lifecycle's decisions (see transitions.h). Each checks, in this order: who may act,
 * whether the state allows it, then the dates and the content — so the refusal a caller
 * reads is the first thing it could change.
 */
#include "domain/transitions.h"

#include <string.h>

#include "domain/materials.h"
#include "domain/text.h"

#define MAX_MISSING 16

size_t sf_app_evaluate(const sf_app_snapshot *s, sf_eligibility *verdict, const char **missing, size_t cap)
{
    if (s->has_report)
        sf_eligibility_evaluate(&s->facts, &s->thresholds, &s->relaxation, s->require_prior_recognition, s->opens_on,
                                verdict);
    else
        sf_eligibility_missing(verdict);
    return sf_materials_missing(s->material_kinds ? s->material_kinds : "", s->require_prior_recognition, missing,
                                cap);
}

/* The lifecycle step, or a conflict naming the current state. */
static sf_status step(const sf_app_snapshot *s, sf_app_event ev, sf_app_decision *d, sf_errors *why)
{
    if (sf_lifecycle_next(s->status, ev, &d->next) != SF_OK) {
        sf_errors_detail(why, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", sf_app_state_name(s->status)),
                         SF_TEXT("action", sf_app_event_name(ev)));
        return SF_CONFLICT;
    }
    return SF_OK;
}

/* Art. 15, 27: the organisation that recommends the application acts on it. */
static sf_status only_recommender(const sf_app_snapshot *s, const sf_caller *c, sf_errors *why)
{
    if (s->recommender_org != c->org_id) {
        sf_errors_detail(why, SF_E_NOT_RECOMMENDER);
        return SF_FORBIDDEN;
    }
    return SF_OK;
}

/* Art. 18–20, 26: the province decides its rounds, a city its own city-level round. */
static sf_status only_decider(const sf_app_snapshot *s, const sf_caller *c, sf_errors *why)
{
    if (!sf_decides_round(c, s->round_level, s->round_region)) {
        sf_errors_detail(why, SF_E_NOT_DECIDING_AUTHORITY);
        return SF_FORBIDDEN;
    }
    return SF_OK;
}

/* Art. 12, 13, 16, 17: what is missing or failing, every item at once. `with_form`: the
 * recommendation form (Annex 1) is required too. */
static void list_incomplete(const sf_app_snapshot *s, int with_form, sf_errors *why)
{
    sf_eligibility v;
    const char *missing[MAX_MISSING];
    size_t nmissing = sf_app_evaluate(s, &v, missing, MAX_MISSING);
    if (!s->has_report)
        sf_errors_add(why, "report", SF_E_REPORT_NOT_FILLED);
    if (with_form && !s->has_recommendation)
        sf_errors_add(why, "recommendation", SF_E_RECOMMENDATION_NOT_FILLED);
    for (size_t i = 0; i < nmissing; i++)
        sf_errors_add(why, "materials", SF_E_MATERIAL_MISSING, SF_TEXT("kind", missing[i]));
    if (s->has_report) {
        for (int i = 0; i < SF_CONDITION_COUNT; i++)
            if (!v.conditions[i].passed)
                sf_errors_add_check(why, v.conditions[i].id, &v.conditions[i]);
        int any = 0;
        for (int i = 0; i < SF_FUNCTION_COUNT; i++)
            any = any || v.functions[i].passed;
        if (!any)
            sf_errors_add(why, "functions", SF_E_NO_FUNCTION_MET);
    }
}

/* Art. 20: applications move while the round is open, both ends included. */
static sf_status round_open_on(sf_day opens_on, sf_day closes_on, sf_day today, sf_errors *why)
{
    if (today >= opens_on && today <= closes_on)
        return SF_OK;
    char o[11], cl[11];
    sf_date_format(opens_on, o);
    sf_date_format(closes_on, cl);
    sf_errors_detail(why, SF_E_ROUND_CLOSED, SF_TEXT("opens_on", o), SF_TEXT("closes_on", cl));
    return SF_CONFLICT;
}

static sf_status round_open(const sf_app_snapshot *s, sf_day today, sf_errors *why)
{
    return round_open_on(s->opens_on, s->closes_on, today, why);
}

sf_status sf_may_open_in_round(const sf_caller *c, sf_day opens_on, sf_day closes_on, sf_day today, sf_errors *why)
{
    return c->role == SF_ROLE_PLATFORM ? round_open_on(opens_on, closes_on, today, why) : SF_OK;
}

int sf_app_visible(const sf_app_snapshot *s, const sf_caller *c)
{
    return sf_may_see_application(c, s->recommender_org, s->platform_operator_org, s->round_level, s->round_region);
}

sf_status sf_decide_edit(const sf_app_snapshot *s, const sf_caller *c, sf_app_part part, sf_errors *why)
{
    if (part == SF_PART_RECOMMENDATION) {
        if (s->recommender_org != c->org_id) {
            sf_errors_detail(why, SF_E_NOT_RECOMMENDER);
            return SF_FORBIDDEN;
        }
        if (s->status != SF_APP_DRAFT && s->status != SF_APP_SUBMITTED) {
            sf_errors_detail(why, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", sf_app_state_name(s->status)),
                             SF_TEXT("action", "edit_recommendation"));
            return SF_CONFLICT;
        }
        return SF_OK;
    }
    int64_t preparer = s->applicant_org != 0 ? s->applicant_org : s->recommender_org;
    if (preparer != c->org_id) {
        sf_errors_detail(why, s->applicant_org != 0 ? SF_E_APPLICANT_PREPARES : SF_E_NOT_RECOMMENDER);
        return SF_FORBIDDEN;
    }
    if (s->status != SF_APP_DRAFT) {
        sf_errors_detail(why, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", sf_app_state_name(s->status)),
                         SF_TEXT("action", "edit"));
        return SF_CONFLICT;
    }
    return SF_OK;
}

sf_status sf_decide_submit(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                           sf_errors *why)
{
    if (s->applicant_org == 0 || s->applicant_org != c->org_id) {
        sf_errors_detail(why, SF_E_NOT_APPLICANT);
        return SF_FORBIDDEN;
    }
    sf_status st = step(s, SF_EV_SUBMIT, d, why);
    if (st == SF_OK)
        st = round_open(s, today, why);
    if (st != SF_OK)
        return st;
    list_incomplete(s, 0, why);
    if (sf_errors_any(why)) {
        sf_errors_detail(why, SF_E_NOT_READY_TO_SUBMIT);
        return SF_INVALID;
    }
    d->action = "application.submitted";
    return SF_OK;
}

sf_status sf_decide_send_back(const sf_app_snapshot *s, const sf_caller *c, const char *comment, sf_day today,
                              sf_app_decision *d, sf_errors *why)
{
    (void)today;
    sf_status st = only_recommender(s, c, why);
    if (st == SF_OK)
        st = step(s, SF_EV_SEND_BACK, d, why);
    if (st != SF_OK)
        return st;
    /* the platform reads why and may act on it */
    if (comment == NULL || sf_text_is_blank(comment)) {
        sf_errors_add(why, "comment", SF_E_RETURN_COMMENT_REQUIRED);
        return SF_INVALID;
    }
    sf_text_check_lines("comment", comment, why);
    if (sf_errors_any(why))
        return SF_INVALID;
    d->return_comment = comment;
    d->action = "application.returned_to_applicant";
    return SF_OK;
}

sf_status sf_decide_recommend(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                              sf_errors *why)
{
    sf_status st = only_recommender(s, c, why);
    if (st == SF_OK)
        st = step(s, SF_EV_RECOMMEND, d, why);
    /* a platform's own application reaches its recommender when the platform submits it */
    if (st == SF_OK && s->applicant_org != 0 && s->status == SF_APP_DRAFT) {
        sf_errors_detail(why, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", "draft"),
                         SF_TEXT("action", "recommend"));
        st = SF_CONFLICT;
    }
    if (st == SF_OK)
        st = round_open(s, today, why);
    if (st != SF_OK)
        return st;
    if (!sf_quota_allows(s->recommended_by_recommender, s->quota)) {
        sf_errors_detail(why, SF_E_QUOTA_EXHAUSTED, SF_INT("quota", s->quota));
        return SF_CONFLICT;
    }
    list_incomplete(s, 1, why);
    if (sf_errors_any(why)) {
        sf_errors_detail(why, SF_E_NOT_READY_TO_RECOMMEND);
        return SF_INVALID;
    }
    d->action = "application.recommended";
    return SF_OK;
}

sf_status sf_decide_withdraw(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                             sf_errors *why)
{
    (void)today;
    sf_status st = only_recommender(s, c, why);
    if (st == SF_OK)
        st = step(s, SF_EV_WITHDRAW, d, why);
    d->action = "application.withdrawn";
    return st;
}

sf_status sf_decide_review(const sf_app_snapshot *s, const sf_caller *c, sf_app_event event, const char *comment,
                           sf_day today, sf_app_decision *d, sf_errors *why)
{
    (void)today;
    if (event != SF_EV_APPROVE && event != SF_EV_REJECT && event != SF_EV_RETURN) {
        sf_errors_add(why, "decision", SF_E_DECISION_INVALID);
        return SF_INVALID;
    }
    sf_status st = only_decider(s, c, why);
    if (st == SF_OK)
        st = step(s, event, d, why);
    /* a rejection or a return says why: the recommender reads it and may act on it */
    if (st == SF_OK && event != SF_EV_APPROVE && (comment == NULL || sf_text_is_blank(comment))) {
        sf_errors_add(why, "comment", SF_E_COMMENT_REQUIRED);
        return SF_INVALID;
    }
    if (st == SF_OK && comment != NULL) {
        sf_text_check_lines("comment", comment, why);
        if (sf_errors_any(why))
            return SF_INVALID;
    }
    d->comment = comment;
    d->action = event == SF_EV_APPROVE ? "application.approved"
              : event == SF_EV_REJECT  ? "application.rejected" : "application.returned";
    return st;
}

sf_status sf_decide_publicize(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                              sf_errors *why)
{
    (void)today;
    if (only_decider(s, c, why) != SF_OK)
        return SF_FORBIDDEN;
    if (sf_lifecycle_next(s->status, SF_EV_PUBLICIZE, &d->next) != SF_OK) {
        sf_errors_add(why, "application_ids", SF_E_APPLICATION_NOT_APPROVED, SF_INT("id", s->id),
                      SF_TEXT("current_status", sf_app_state_name(s->status)));
        return SF_INVALID;
    }
    d->action = "application.publicized";
    return SF_OK;
}

sf_status sf_decide_notice(const sf_notice_plan *n, const sf_calendar *cal, sf_day today, sf_day *end_date,
                           sf_errors *why)
{
    char t[11];
    sf_date_format(today, t);
    if (!n->published_elsewhere && n->start < today)
        sf_errors_add(why, "start_date", SF_E_START_IN_PAST, SF_TEXT("today", t));
    if (n->published_elsewhere && n->published_on > today)
        sf_errors_add(why, "published_elsewhere.published_on", SF_E_DATE_IN_FUTURE, SF_TEXT("today", t));
    if (n->published_elsewhere && n->start < n->published_on)
        sf_errors_add(why, "start_date", SF_E_START_BEFORE_PUBLISHED);
    int missing = 0;
    if (!sf_errors_any(why) &&
        sf_calendar_nth_working_day(cal, n->start, SF_PUBLICITY_WORKING_DAYS, end_date, &missing) != SF_OK)
        sf_errors_add(why, "start_date", SF_E_CALENDAR_YEAR_MISSING, SF_INT("year", missing));
    return sf_errors_any(why) ? SF_INVALID : SF_OK;
}

int sf_notice_window_stands(const sf_calendar *cal, sf_day start, sf_day end)
{
    sf_day counted = 0;
    int missing = 0;
    return sf_calendar_nth_working_day(cal, start, SF_PUBLICITY_WORKING_DAYS, &counted, &missing) != SF_OK ||
           counted == end;
}

void sf_decide_notice_after_review(sf_day start, sf_day published_on, int64_t application_id, sf_day approved_on,
                                   sf_errors *why)
{
    char on[11];
    sf_date_format(approved_on, on);
    if (start < approved_on)
        sf_errors_add(why, "start_date", SF_E_START_BEFORE_REVIEW, SF_INT("id", application_id), SF_TEXT("approved_on", on));
    if (published_on != 0 && published_on < approved_on)
        sf_errors_add(why, "published_elsewhere.published_on", SF_E_START_BEFORE_REVIEW, SF_INT("id", application_id),
                      SF_TEXT("approved_on", on));
}

sf_status sf_decide_file_objection(const sf_notice_facts *n, sf_day today, sf_errors *why)
{
    if (today < n->start)
        return SF_NOT_FOUND;   /* not public yet: nothing tells that it exists */
    if (today > n->end) {
        sf_errors_detail(why, SF_E_NOTICE_NOT_OPEN);
        return SF_CONFLICT;
    }
    return SF_OK;
}

sf_status sf_decide_record_objection(const sf_notice_facts *n, const sf_caller *c, sf_day received_on, sf_day today,
                                     sf_errors *why)
{
    if (!sf_decides_round(c, n->round_level, n->round_region))
        return SF_NOT_FOUND;
    if (received_on < n->start || received_on > n->end || received_on > today) {
        sf_errors_add(why, "received_on", SF_E_RECEIVED_OUTSIDE_WINDOW);
        return SF_INVALID;
    }
    return SF_OK;
}

sf_status sf_decide_resolve_objection(const sf_objection_facts *o, const sf_caller *c, sf_errors *why)
{
    if (!sf_decides_round(c, o->round_level, o->round_region)) {
        if (c->role != SF_ROLE_PROVINCE)
            return SF_NOT_FOUND;   /* another city's: not in its scope */
        /* the province reads a city round's objection, which its city resolves (Art. 26) */
        sf_errors_detail(why, SF_E_NOT_DECIDING_AUTHORITY);
        return SF_FORBIDDEN;
    }
    if (!o->open) {
        sf_errors_detail(why, SF_E_OBJECTION_RESOLVED);
        return SF_CONFLICT;
    }
    return SF_OK;
}

size_t sf_notice_allowed_actions(const sf_notice_facts *n, const sf_caller *c, sf_day today, const char **out,
                                 size_t cap)
{
    size_t count = 0;
    sf_errors e;
    sf_errors_init(&e);
    if (n->all_decided)   /* an objection names an application still publicized (not_on_notice) */
        return 0;
    if (count < cap && sf_decide_file_objection(n, today, &e) == SF_OK)
        out[count++] = "object";
    /* the latest day an objection could have been received so far */
    sf_day latest = today < n->end ? today : n->end;
    sf_errors_init(&e);
    if (count < cap && sf_decide_record_objection(n, c, latest, today, &e) == SF_OK)
        out[count++] = "record_objection";
    return count;
}

size_t sf_objection_allowed_actions(const sf_objection_facts *o, const sf_caller *c, const char **out, size_t cap)
{
    size_t count = 0;
    sf_errors e;
    sf_errors_init(&e);
    if (count < cap && sf_decide_resolve_objection(o, c, &e) == SF_OK)
        out[count++] = "resolve";
    return count;
}

sf_status sf_decide_objection_upheld(const sf_app_snapshot *s, sf_day today, sf_app_decision *d, sf_errors *why)
{
    (void)today;
    d->action = "application.rejected_on_objection";
    if (s->status == SF_APP_REJECTED) {
        d->next = SF_APP_REJECTED;
        return SF_OK;
    }
    if (sf_lifecycle_next(s->status, SF_EV_OBJECTION_UPHELD, &d->next) != SF_OK) {
        sf_errors_detail(why, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", sf_app_state_name(s->status)),
                         SF_TEXT("action", sf_app_event_name(SF_EV_OBJECTION_UPHELD)));
        return SF_CONFLICT;
    }
    return SF_OK;
}

sf_status sf_decide_award(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                          sf_errors *why)
{
    sf_status st = only_decider(s, c, why);
    if (st == SF_OK)
        st = step(s, SF_EV_AWARD, d, why);
    if (st != SF_OK)
        return st;
    /* Art. 18, 19: the title is awarded after the 15 working days of publicity, not on the last */
    if (s->notice_end == 0 || today <= s->notice_end) {
        char end[11] = "?";
        if (s->notice_end)
            sf_date_format(s->notice_end, end);
        sf_errors_detail(why, SF_E_PUBLICITY_NOT_ENDED, SF_TEXT("end_date", end));
        return SF_CONFLICT;
    }
    if (s->open_objections > 0) {
        sf_errors_detail(why, SF_E_OBJECTION_UNRESOLVED, SF_INT("count", s->open_objections));
        return SF_CONFLICT;
    }
    d->action = "application.awarded";
    d->create_award = 1;
    sf_award_validity(&s->validity, today, s->active_award_until, s->has_active_award, &d->award_from,
                      &d->award_until);
    return SF_OK;
}

size_t sf_app_allowed_actions(const sf_app_snapshot *s, const sf_caller *c, sf_day today, const char **out,
                              size_t cap)
{
    size_t n = 0;
    sf_app_decision d;
    sf_errors e;
#define ALLOWED(name, call)                                                          \
    do {                                                                             \
        memset(&d, 0, sizeof d);                                                     \
        sf_errors_init(&e);                                                          \
        if ((call) == SF_OK && n < cap)                                              \
            out[n++] = name;                                                         \
    } while (0)
    ALLOWED("edit", sf_decide_edit(s, c, SF_PART_REPORT, &e));
    ALLOWED("edit_recommendation", sf_decide_edit(s, c, SF_PART_RECOMMENDATION, &e));
    ALLOWED("submit", sf_decide_submit(s, c, today, &d, &e));
    ALLOWED("return_to_applicant", sf_decide_send_back(s, c, "-", today, &d, &e));
    ALLOWED("recommend", sf_decide_recommend(s, c, today, &d, &e));
    ALLOWED("withdraw", sf_decide_withdraw(s, c, today, &d, &e));
    ALLOWED("approve", sf_decide_review(s, c, SF_EV_APPROVE, NULL, today, &d, &e));
    ALLOWED("reject", sf_decide_review(s, c, SF_EV_REJECT, "-", today, &d, &e));
    ALLOWED("return", sf_decide_review(s, c, SF_EV_RETURN, "-", today, &d, &e));
    ALLOWED("publicize", sf_decide_publicize(s, c, today, &d, &e));
    ALLOWED("award", sf_decide_award(s, c, today, &d, &e));
#undef ALLOWED
    return n;
}

sf_status sf_decide(const sf_app_snapshot *s, const sf_app_request *r, sf_day today, sf_app_decision *d,
                    sf_errors *why)
{
    switch (r->event) {
    case SF_EV_SUBMIT:
        return sf_decide_submit(s, r->caller, today, d, why);
    case SF_EV_SEND_BACK:
        return sf_decide_send_back(s, r->caller, r->comment, today, d, why);
    case SF_EV_RECOMMEND:
        return sf_decide_recommend(s, r->caller, today, d, why);
    case SF_EV_WITHDRAW:
        return sf_decide_withdraw(s, r->caller, today, d, why);
    case SF_EV_APPROVE:
    case SF_EV_REJECT:
    case SF_EV_RETURN:
        return sf_decide_review(s, r->caller, r->event, r->comment, today, d, why);
    case SF_EV_PUBLICIZE:
        return sf_decide_publicize(s, r->caller, today, d, why);
    case SF_EV_AWARD:
        return sf_decide_award(s, r->caller, today, d, why);
    case SF_EV_OBJECTION_UPHELD:
        return sf_decide_objection_upheld(s, today, d, why);
    case SF_EV__COUNT:
        break;
    }
    return step(s, r->event, d, why);
}
