/*
 * Supervision of titles (Art. 22, 24): when each report is due, and whether it arrived on
 * time, late, or not at all. Pure: dates in, verdicts out; "today" is an argument. Whether an
 * assessment is overdue (Art. 24) is read by SQL, assessment_status() in sql/016_revocation.sql.
 */
#ifndef SF_SUPERVISION_H
#define SF_SUPERVISION_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"

/* Art. 22: a platform's summary of year Y reaches its city by the end of January of Y+1. */
sf_day sf_due_annual_summary(int year);

/* Art. 24: a city's summary report and inspection report of year Y reach the province by the
 * end of February of Y+1 (the 29th in a leap year). */
sf_day sf_due_city_report(int year);

typedef enum {
    SF_DUE_NOT_YET,    /* not arrived, and the due date has not passed */
    SF_DUE_ON_TIME,    /* arrived on or before the due date */
    SF_DUE_LATE,       /* arrived after the due date */
    SF_DUE_MISSING     /* not arrived, and the due date has passed */
} sf_timeliness;

/* `arrived` is 0 when nothing arrived (then `arrived_on` is ignored). */
sf_timeliness sf_timeliness_of(sf_day due, int arrived, sf_day arrived_on, sf_day today);
const char *sf_timeliness_name(sf_timeliness t);

/* Records of supervision tell what happened (issue 14, item 10): a summary (Art. 22) or a
 * city's report (Art. 24) of a year that has not begun is refused, and so is a date of record — the day an inspection took place, the
 * day a summary or a report was received (issue 15: stated by the recorder, which decides
 * timeliness) — after today. */
int sf_summary_year_has_begun(int year, sf_day today);
int sf_stated_date_has_come(sf_day stated, sf_day today);

/* Art. 24: whose yearly reports a caller records: a city its own (`given` left out, NULL, or
 * its own code), the province those of a city it names. *region is that city's code, or NULL
 * with the refusal in `why` (on region_code). */
void sf_city_report_region(const sf_caller *caller, const char *given, const char **region, sf_errors *why);

/* Art. 22, 24: who states the day a record reached its office (received_on): of an annual
 * summary, the office that received it on paper — its city or the province — never the
 * platform company, whose summary filed here is received the day it is filed; of a city's
 * yearly reports, the province that receives them, never the city (from an outside review: a
 * city dated its own late report back and read it as on time). A refusal goes to `why`, on
 * received_on. */
void sf_may_state_received_on(const sf_caller *caller, int city_report, sf_errors *why);

/* Art. 22: who attaches an annual summary's document, of those who read the summary: the
 * organisation that recorded it — the platform's city, the company operating it, or the
 * province — so that one party's file never shuts out the recorder's (a summary takes one
 * file); a summary whose recorder is not known (`recorder_org` 0), its platform's city. */
int sf_attaches_summary_file(const sf_caller *caller, int64_t recorder_org, const char *platform_region);

/* Art. 22: a revoked title files no more annual summaries: one of year `year` is taken of it
 * only if it was received (`received_on`) no later than the day of its revocation — a summary
 * that arrived while the title was in force and is keyed in afterwards — or if the title was
 * revoked after that year ended: the summary of a year it held the title through is owed
 * (compliance counts it, due 31 January after), and taken whenever it comes (from an outside
 * review: compliance listed such a summary as missing and nothing could record it). The SQL
 * twin is persistence/records.c CHECK_SUMMARIES. */
int sf_title_takes_summary(int revoked, sf_day revoked_on, int year, sf_day received_on);
/* The last day of a title's life: its valid_until, or the day of its revocation if earlier. */
sf_day sf_title_life_end(int revoked, sf_day revoked_on, sf_day valid_until);
/* A summary (Art. 22) or a city's report (Art. 24) of `year` reports on that year: it is
 * received on 1 January of it or later, never before the year began. */
int sf_received_in_or_after_year(int year, sf_day received_on);
/* Art. 22: a title files the summaries of the years it is in force — from the year of its
 * valid_from to the year of its valid_until — and of no other. */
int sf_title_covers_year(sf_day valid_from, sf_day valid_until, int year);
/* Art. 24: an inspection inspects a title in force on its date — from valid_from to
 * valid_until, and a revoked title (`revoked`) no later than the day of its revocation. */
int sf_title_in_force_on(sf_day valid_from, sf_day valid_until, int revoked, sf_day revoked_on, sf_day on);

/* Art. 24, rectification (整改): an inspection judged needs_improvement or unsatisfactory
 * opens one, due on the date the inspector sets or `days` after the inspection (a rule of the
 * round, 30 by default); a follow-up inspection of the same title, dated no earlier than the
 * inspection that opened it, judged satisfactory closes it, one judged otherwise leaves it
 * open (and opens no second one). A rectification is due within the title's validity: a
 * follow-up inspects a title in force (sf_title_in_force_on), so one due after valid_until
 * could never be closed in time. A date set later is refused; the default stops at
 * valid_until; an inspection on the title's last day opens none. */
#define SF_RECTIFICATION_DAYS 30

typedef struct {
    int exists;              /* the rectification named by the follow-up */
    int open;
    int64_t award_id;
    sf_day opened_on;        /* the date of the inspection that opened it */
} sf_rectification_state;

typedef struct {
    int opens;               /* with due_on */
    sf_day due_on;
    int closes;
} sf_inspection_effect;

/* `outcome` is satisfactory | needs_improvement | unsatisfactory; `follow_up` is NULL for an
 * inspection that closes nothing; `due_given` is 0 when the inspector set no date;
 * `valid_until` is the title's. A title no longer in force today (revoked, lapsed:
 * `in_force_today` 0) has nothing left to rectify: an inspection of its past is recorded and
 * opens no rectification (nor takes a due date). SF_INVALID with field errors
 * (closes_rectification_id, rectification_due_on). */
sf_status sf_decide_inspection(int64_t award_id, const char *outcome, sf_day inspected_on, sf_day due_given, int days,
                               const sf_rectification_state *follow_up, int in_force_today, sf_day valid_until,
                               sf_inspection_effect *effect, sf_errors *why);

/* Art. 24: the province commissions a third-party assessment for the time ahead: its due
 * date is today or later. */
int sf_assessment_due_ok(sf_day due_on, sf_day today);

/* Art. 24: the assessor assigned to an assessment submits its result, once (an assessment of
 * another assessor does not exist for it: SF_NOT_FOUND; a result in: SF_CONFLICT). Its
 * report is attached under the same rule. */
sf_status sf_decide_assessment_result(const sf_caller *caller, int64_t assessor_org, int has_result, sf_errors *why);

/* allowed_actions (DESIGN.md §3) of an assessment — "submit_result", and "attach_report"
 * while it has no report (one per assessment) — and of a rectification — "follow_up" (an
 * inspection that closes it: the province or the city of the title's platform, who inspect,
 * while it is open or overdue, Art. 24). Each writes up to `cap` names. */
size_t sf_assessment_allowed_actions(const sf_caller *caller, int64_t assessor_org, int has_result, int has_report,
                                     const char **out, size_t cap);
size_t sf_rectification_allowed_actions(const sf_caller *caller, const char *platform_region, const char *status,
                                        const char **out, size_t cap);

#endif
