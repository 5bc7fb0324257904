/*
 * Eligibility (Art. 12 and 13): the six basic conditions, all of which must hold, and the
 * five function requirements, at least one of which must hold. Pure: the report, the round's
 * thresholds and relaxation in; a verdict per condition out, each with the threshold and the
 * value: in structure (code, measure, threshold, value, unit) and as a coded sentence (detail,
 * params) that api/ words in the caller's language.
 */
#ifndef SF_ELIGIBILITY_H
#define SF_ELIGIBILITY_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/status.h"
#include "domain/thresholds.h"

/* Art. 12, last paragraph, for the regions a round names: the scale thresholds of 12(1),
 * 12(2), 12(3) and 12(6) multiplied by a factor in (0, 1], counts rounded down, and any
 * threshold of those four conditions set outright (the round's relaxed_thresholds), which
 * wins over the factor. The factor is held in thousandths (800 = 0.8) so that 0.8 × 80 is
 * exactly 64. */
typedef struct {
    int applies;                 /* the platform's region is one the round relaxes */
    int factor_permille;         /* 1..1000 */
    sf_thresholds set;           /* the thresholds set outright … */
    uint32_t set_mask;           /* … those whose bit (1u << SF_TH_name) is set */
} sf_relaxation;

/* The thresholds a platform is judged by: the round's, or in a relaxed region the relaxed
 * ones (relaxed_thresholds first, else the factor on scale thresholds). Years of operation
 * under the factor are counted in days by 12.1 and stay as they are here. */
sf_thresholds sf_thresholds_applied(const sf_thresholds *t, const sf_relaxation *relax);

typedef struct {
    int present;
    int has_online_system, online_offline_linkage;
    int64_t offline_smes_served_per_year, activities_per_year;
} sf_fn_information;
typedef struct {
    int present;
    int has_expert_pool, has_project_pool, shares_instruments;
    int64_t activities_per_year;
} sf_fn_technology;
typedef struct {
    int present;
    int has_project_pool, has_startup_guide, has_hotline, offers_agency_services;
    int64_t events_per_year;
} sf_fn_entrepreneurship;
typedef struct {
    int present;
    int has_qualification, online_and_offline, has_evaluation_mechanism;
    int64_t trainee_times_per_year;
} sf_fn_training;
typedef struct {
    int present;
    int64_t activities_per_year, financing_raised_cny;
    int is_guarantee_institution;
    int64_t new_guarantees_cny;
} sf_fn_financing;

/* The most recognitions a report lists (Art. 12(4)). */
#define SF_MAX_RECOGNITIONS 50

/* The data of the application report (Annex 2) that the rules read. */
typedef struct {
    sf_day established_on;
    int64_t total_assets_cny;
    int64_t smes_served_last_year, smes_served_prev_year;
    int smes_served_prev_unknown;    /* standing only: no figure of the year before is held (a
                                      * recorded title's first summary): growth is not judged */
    double satisfaction_pct;
    int has_fixed_premises;
    int64_t partner_institutions;
    int prior_recognitions;          /* how many recognitions the report lists */
    int prior_recognition_year[SF_MAX_RECOGNITIONS];   /* the year of each (0: not given) */
    int has_active_city_award;       /* an active city-level award recorded in shifan */
    int has_management_rules, has_development_plan;
    double public_service_share_pct;
    int64_t service_staff, qualified_staff;
    sf_fn_information information;
    sf_fn_technology technology;
    sf_fn_entrepreneurship entrepreneurship;
    sf_fn_training training;
    sf_fn_financing financing;
} sf_report_facts;

typedef struct {
    const char *id;          /* "12.1" … "12.6", or a function id */
    int passed;
    int relaxed;             /* passed only thanks to relaxation */
    int required;            /* 0: the round does not ask for it (12.4, Art. 26); passed */
    int missing;             /* not judged: the report (Annex 2) is not filled */
    sf_code detail;          /* the sentence api/ words: SF_E_ELIG_12_1 …, with … */
    sf_params params;        /* … the values and thresholds it names */
    /* The verdict in structure: SF_E_MET, SF_E_BELOW_MINIMUM, SF_E_REQUIREMENT_UNMET,
     * SF_E_NOT_REPORTED, SF_E_NOT_REQUIRED or SF_E_NOT_JUDGED, about `measure` (the first
     * unmet one, or the condition's first when all are met; NULL when nothing was measured):
     * its minimum, the value found, and their unit ("days", "cny", "count", "pct", "bool"). */
    sf_code code;
    const char *measure;
    double threshold, value;
    const char *unit;
} sf_check;

/* Adds the check's sentence as a field error under `field` (a failing condition refuses a
 * recommendation with it). */
void sf_errors_add_check(sf_errors *errors, const char *field, const sf_check *check);

#define SF_CONDITION_COUNT 6
#define SF_FUNCTION_COUNT 5

typedef struct {
    int eligible;            /* all conditions and at least one function */
    sf_check conditions[SF_CONDITION_COUNT];
    sf_check functions[SF_FUNCTION_COUNT];
    sf_thresholds normal;    /* the round's thresholds */
    sf_thresholds applied;   /* those the platform was judged by (differ only when relaxed) */
} sf_eligibility;

/* The verdict on an application whose report is not filled yet: not eligible, every condition
 * and function `missing` (a UI shows what is to be filled rather than an error). */
void sf_eligibility_missing(sf_eligibility *out);

/* Evaluates the report as of `opens_on`, the round's opening date. With
 * `require_prior_recognition` 0 (a rule of the round, Art. 26), 12.4 passes as not required. */
void sf_eligibility_evaluate(const sf_report_facts *facts, const sf_thresholds *t,
                             const sf_relaxation *relax, int require_prior_recognition, sf_day opens_on,
                             sf_eligibility *out);

/* Dynamic management (Art. 4, 24): a title holder's annual summary re-tested against the
 * thresholds of the round that awarded the title, by the same checks as eligibility. The
 * summary states the year's SMEs served (against the year before: the previous summary's
 * figure, else the application's), satisfaction, the public-interest share and each
 * function's activity; what it cannot state (premises, staff, rules) is not re-tested. */
typedef struct {
    int meets;                          /* every re-tested condition and every titled function */
    sf_check conditions[2];             /* 12.2 and 12.5 (its share) */
    sf_check functions[SF_FUNCTION_COUNT];
    int titled[SF_FUNCTION_COUNT];      /* the functions the title covers: only these count */
    sf_thresholds normal, applied;
} sf_standing;

/* `f` holds the summary's figures (smes_served_last_year, smes_served_prev_year — or
 * smes_served_prev_unknown, when 12.2 is not judged: its growth cannot be, and a year before
 * read as 0 passed it whatever the figure — satisfaction_pct, public_service_share_pct and the
 * function reports); `titled` has bit (1u << i) for sf_function_ids[i] the title covers. */
void sf_standing_evaluate(const sf_report_facts *f, const sf_thresholds *t, const sf_relaxation *relax,
                          unsigned titled, sf_standing *out);

/* The function ids of Art. 13, in order. */
extern const char *const sf_function_ids[SF_FUNCTION_COUNT];
int sf_function_is_known(const char *id);

#endif
