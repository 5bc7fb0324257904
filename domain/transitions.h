/*
 * The decisions of an application's lifecycle (DESIGN.md §2), one pure function per action:
 * recommend (Art. 15, 16, 27), withdraw, review (approve, reject, return), publicize (Art. 18),
 * objection upheld (Art. 18, 25) and award (Art. 19, 23). Each reads a snapshot of everything
 * the rules look at — filled by persistence under the application's row lock — and today's
 * date, and answers either a decision (the next state, the audit action, the award's
 * validity) or the refusal and its reason:
 *
 *   SF_FORBIDDEN  the caller is not the party that takes this action (403)
 *   SF_CONFLICT   not possible in the current state or at this date (409; `why->detail`)
 *   SF_INVALID    the application is incomplete or ineligible (422; every problem listed)
 *
 * Visibility (404) is judged before a decision is asked for (sf_may_see_application).
 */
#ifndef SF_TRANSITIONS_H
#define SF_TRANSITIONS_H

#include <stdint.h>

#include "domain/awards.h"
#include "domain/calendar.h"
#include "domain/eligibility.h"
#include "domain/lifecycle.h"
#include "domain/permissions.h"
#include "domain/status.h"

/* Everything the rules of a transition read, as of the locked row. Strings are owned by
 * whoever filled the snapshot and stay valid during the decision. */
typedef struct {
    int64_t id;
    sf_app_state status;
    int64_t recommender_org;
    int64_t applicant_org;          /* the platform company preparing its own application; 0: a paper file */
    int64_t platform_id;
    int64_t platform_operator_org;  /* the company operating the platform, 0 if it has no account */
    char platform_region[8];
    int64_t platform_created_by;
    int64_t round_id;
    char round_level[12];
    char round_region[8];
    int round_year;
    sf_day opens_on, closes_on;
    int quota;                      /* 0: none */
    int recommended_by_recommender; /* applications of this recommender counted against the quota */
    /* the report (Annex 2) as the rules read it, with the round's thresholds and relaxation */
    int has_report;
    sf_report_facts facts;
    sf_thresholds thresholds;
    sf_relaxation relaxation;
    int has_recommendation;         /* the recommendation form (Annex 1) */
    const char *material_kinds;     /* comma-separated kinds present */
    int has_active_city_award;      /* Art. 26: satisfies 12.4 */
    int open_objections;
    sf_day notice_end;              /* 0 when not publicized */
    int has_active_award;           /* the platform's current title, for renewals */
    sf_day active_award_until;
    /* the round's rules (sql/015): 12.4 required or not (Art. 26), Art. 23 validity */
    int require_prior_recognition;
    sf_validity_rule validity;
} sf_app_snapshot;

/* What a decision asks persistence to apply. */
typedef struct {
    sf_app_state next;
    const char *action;             /* audit action, e.g. "application.recommended" */
    const char *comment;            /* stored as review_comment (may be NULL) */
    const char *return_comment;     /* stored as return_comment: the recommender's, to the platform */
    int create_award;               /* with valid_from/valid_until below */
    sf_day award_from, award_until;
} sf_app_decision;

/* The eligibility of the snapshot's report (Art. 12, 13) and the required materials (Art. 17)
 * it lacks: writes up to `cap` kinds into `missing` and returns how many. With no report the
 * verdict is sf_eligibility_missing's. */
size_t sf_app_evaluate(const sf_app_snapshot *s, sf_eligibility *verdict, const char **missing, size_t cap);

/* Whether `c` sees the application at all (sf_may_see_application over the snapshot): the
 * answer is 404 when not. */
int sf_app_visible(const sf_app_snapshot *s, const sf_caller *c);

/* The parts of an application that are written. */
typedef enum {
    SF_PART_REPORT,          /* Annex 2 */
    SF_PART_MATERIALS,       /* Art. 17 */
    SF_PART_RECOMMENDATION   /* Annex 1, Art. 16: the recommender's evaluation */
} sf_app_part;

/* Who writes which part, when: the report and the materials by whoever prepares the
 * application — the platform company for its own, else its recommender — in draft only; the
 * recommendation form by the recommender, in draft or once the platform has submitted.
 * SF_FORBIDDEN for anyone else, SF_CONFLICT naming the state. */
sf_status sf_decide_edit(const sf_app_snapshot *s, const sf_caller *c, sf_app_part part, sf_errors *why);

/* Submit (DESIGN.md §2): the platform company that prepared the application, from draft,
 * while the round is open, with the report filled, the required materials present and the
 * report eligible — every failing condition and missing item listed (422). */
sf_status sf_decide_submit(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                           sf_errors *why);

/* DESIGN.md §2: a platform company opens its own application in an open round (Art. 20, both
 * ends included; 409 round_closed otherwise), as it submits it; a city or an association may
 * open one for a platform without an account before the round opens (recommending needs it
 * open). */
sf_status sf_may_open_in_round(const sf_caller *caller, sf_day opens_on, sf_day closes_on, sf_day today,
                               sf_errors *why);

/* Return to the platform: its recommender sends a submitted application back to draft with a
 * comment the platform reads. */
sf_status sf_decide_send_back(const sf_app_snapshot *s, const sf_caller *c, const char *comment, sf_day today,
                              sf_app_decision *d, sf_errors *why);

/* Recommend (Art. 15, 16, 27): the recommender, from draft (from submitted for a platform's
 * own application), while the round is open, within
 * its quota, with the report and the recommendation form filled, the required materials
 * present and the report eligible. Every failing condition and missing item is listed. */
sf_status sf_decide_recommend(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                              sf_errors *why);

/* Withdraw: the recommender, from draft or recommended. */
sf_status sf_decide_withdraw(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                             sf_errors *why);

/* Review by the round's deciding authority: `event` is SF_EV_APPROVE, SF_EV_REJECT or
 * SF_EV_RETURN (back to draft), from recommended. `comment` is kept with the application. */
sf_status sf_decide_review(const sf_app_snapshot *s, const sf_caller *c, sf_app_event event, const char *comment,
                           sf_day today, sf_app_decision *d, sf_errors *why);

/* Publicize (Art. 18): the deciding authority lists an approved application on a notice. A
 * refusal is SF_INVALID naming the application under "application_ids". */
sf_status sf_decide_publicize(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                              sf_errors *why);

/* allowed_actions (DESIGN.md §3): the actions on the application `c` may take now, as the
 * decisions above answer them — each asked in turn, those that pass kept (a rejection and a
 * return are asked with a comment, which the caller will give). Writes up to `cap` action
 * names ("edit", "edit_recommendation", "submit", "return_to_applicant", "recommend",
 * "withdraw", "approve", "reject", "return", "publicize", "award") into `out` and returns how
 * many. "edit" is the report and the materials, "edit_recommendation" the recommendation form
 * (sf_decide_edit); "return" is the review's, "return_to_applicant" the recommender's. */
size_t sf_app_allowed_actions(const sf_app_snapshot *s, const sf_caller *c, sf_day today, const char **out,
                              size_t cap);

/* A transition asked of an application: the event (recommend, withdraw, approve, reject,
 * return, publicize, award, objection upheld, submit, send back), by whom, with the comment a
 * rejection or a return gives. */
typedef struct {
    sf_app_event event;
    const sf_caller *caller;
    const char *comment;
} sf_app_request;

/* The one entry to the decisions above: the decision of `r->event` over the snapshot. An
 * event with no decision of its own is a conflict naming the state. */
sf_status sf_decide(const sf_app_snapshot *s, const sf_app_request *r, sf_day today, sf_app_decision *d,
                    sf_errors *why);

/* Art. 18: the publicity period lasts 15 working days. */
#define SF_PUBLICITY_WORKING_DAYS 15

/* A publicity notice to be published or recorded. */
typedef struct {
    sf_day start;                /* start_date */
    int published_elsewhere;     /* recorded after the fact (the province's website, a newspaper) */
    sf_day published_on;         /* with published_elsewhere */
} sf_notice_plan;

/* Art. 18: the objection window must be real. A notice published through shifan starts today
 * or later; one already published elsewhere may start in the past, but not before it was
 * published, and was published no later than today. Its end_date is the 15th working day
 * counted from start_date (day 1 is start_date if it is a working day). SF_INVALID with
 * field errors, including a calendar year that has no data. */
/* Art. 18: a published notice's window stands under the calendar `cal` when its 15th working
 * day from `start` is still `end` (a calendar change must not shorten or lengthen it); one
 * whose count runs into a year `cal` lacks stands (it was counted when the year was there). */
int sf_notice_window_stands(const sf_calendar *cal, sf_day start, sf_day end);

sf_status sf_decide_notice(const sf_notice_plan *n, const sf_calendar *cal, sf_day today, sf_day *end_date,
                           sf_errors *why);

/* Art. 18 publicizes the result of the review: a notice begins, and one recorded as published
 * elsewhere was published (`published_on`, 0: not recorded so), no earlier than the day each of
 * its applications was approved (`approved_on`) — or a title could be awarded the moment it is
 * approved, on a window that closed before the review. Adds "start_date" or
 * "published_elsewhere.published_on" to why otherwise. */
void sf_decide_notice_after_review(sf_day start, sf_day published_on, int64_t application_id, sf_day approved_on,
                                   sf_errors *why);

/* An upheld objection rejects the publicized application (Art. 18); one already rejected
 * (by another upheld objection) stays so. */
sf_status sf_decide_objection_upheld(const sf_app_snapshot *s, sf_day today, sf_app_decision *d, sf_errors *why);

/* A publicity notice as the objection decisions read it: its window and its round. */
typedef struct {
    sf_day start, end;           /* start_date, end_date */
    char round_level[16];        /* "province" | "city" */
    char round_region[8];
    int all_decided;             /* none of its applications is publicized still: nothing left to object to */
} sf_notice_facts;

/* Art. 18: anyone may object online while the notice is open, from its start_date to its
 * end_date. SF_NOT_FOUND before its start_date (the public does not see it yet, issue 14,
 * item 7), SF_CONFLICT (notice_not_open) after its end_date. */
sf_status sf_decide_file_objection(const sf_notice_facts *n, sf_day today, sf_errors *why);

/* Art. 18, 25: the deciding authority (sf_decides_round) records an objection it received
 * otherwise — by letter, or for a notice published elsewhere — received within the window and
 * not after today. SF_NOT_FOUND for any other caller (the notice is not its to keep);
 * SF_INVALID (received_outside_window) for a day outside. */
sf_status sf_decide_record_objection(const sf_notice_facts *n, const sf_caller *c, sf_day received_on, sf_day today,
                                     sf_errors *why);

/* An objection as its resolution reads it. */
typedef struct {
    int open;                    /* status "open": not yet resolved */
    char round_level[16];
    char round_region[8];
} sf_objection_facts;

/* Art. 18: the deciding authority resolves an open objection, once. SF_NOT_FOUND for any
 * other caller; SF_CONFLICT (objection_resolved) once resolved. Upholding it then rejects the
 * application (sf_decide_objection_upheld). */
sf_status sf_decide_resolve_objection(const sf_objection_facts *o, const sf_caller *c, sf_errors *why);

/* What the caller may do with a notice now (issue 13 §2), as the decisions above answer:
 * "object" (POST /v1/public/publicity-notices/{id}/objections) while it is open,
 * "record_objection" (POST /v1/publicity-notices/{id}/objections) for its deciding authority
 * once some day of the window has come. Fills `out` (static names); returns how many. */
size_t sf_notice_allowed_actions(const sf_notice_facts *n, const sf_caller *c, sf_day today, const char **out,
                                 size_t cap);
/* The same for an objection: "resolve" (POST /v1/objections/{id}/resolve). */
size_t sf_objection_allowed_actions(const sf_objection_facts *o, const sf_caller *c, const char **out, size_t cap);

/* Award (Art. 19, 23): the deciding authority, once the publicity period has ended — the day
 * after its end_date at the earliest — with no objection unresolved. The title's validity
 * follows sf_award_validity (a renewal starts the day after the old title ends). */
sf_status sf_decide_award(const sf_app_snapshot *s, const sf_caller *c, sf_day today, sf_app_decision *d,
                          sf_errors *why);

#endif
