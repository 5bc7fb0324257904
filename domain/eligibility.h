/*
 * Eligibility (Art. 12 and 13): the six basic conditions, all of which must hold, and the
 * five function requirements, at least one of which must hold. Pure: the report, the round's
 * thresholds and relaxation in; a verdict per condition out, each with the threshold and the
 * value in its detail.
 */
#ifndef SF_ELIGIBILITY_H
#define SF_ELIGIBILITY_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/status.h"

/* The thresholds of a round (DESIGN.md, "Rules are data"); sf_thresholds_2018 gives the
 * measures' own values. */
typedef struct {
    int min_years_operating;            /* 12(1): 2 */
    int64_t min_total_assets_cny;       /* 12(1): 1,000,000 */
    int min_smes_served;                /* 12(2): 80 a year */
    double min_satisfaction_pct;        /* 12(2): 80 */
    int min_partner_institutions;       /* 12(3): 3 */
    double min_public_service_share_pct;/* 12(5): 15 */
    int min_service_staff;              /* 12(6): 10 */
    double min_qualified_staff_pct;     /* 12(6): 70 */
    int info_min_offline_smes;          /* 13(1): 120 */
    int info_min_activities;            /* 13(1): 5 */
    int tech_min_activities;            /* 13(2): 3 */
    int startup_min_events;             /* 13(3): 5 */
    int training_min_trainee_times;     /* 13(4): 1,500 */
    int financing_min_activities;       /* 13(5): 8 */
    int64_t financing_min_raised_cny;   /* 13(5): 500,000,000 */
    int64_t guarantee_min_new_cny;      /* 13(5): 2,000,000,000 */
} sf_thresholds;

sf_thresholds sf_thresholds_2018(void);

/* Checks a round's thresholds: counts and amounts ≥ 0, percentages within 0–100. Field
 * errors under "thresholds.<name>". */
sf_status sf_thresholds_validate(const sf_thresholds *t, sf_errors *errors);

/* Art. 12, last paragraph: the scale thresholds of 12(1), 12(2), 12(3) and 12(6) multiplied
 * by a factor in (0, 1] for the regions a round names, counts rounded down. The factor is
 * held in thousandths (800 = 0.8) so that 0.8 × 80 is exactly 64. */
typedef struct {
    int applies;                 /* the platform's region is one the round relaxes */
    int factor_permille;         /* 1..1000 */
} sf_relaxation;

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

/* The data of the application report (Annex 2) that the rules read. */
typedef struct {
    sf_day established_on;
    int64_t total_assets_cny;
    int64_t smes_served_last_year, smes_served_prev_year;
    double satisfaction_pct;
    int has_fixed_premises;
    int64_t partner_institutions;
    int prior_recognitions;          /* how many recognitions the report lists */
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

#define SF_DETAIL_LEN 320

typedef struct {
    const char *id;          /* "12.1" … "12.6", or a function id */
    int passed;
    int relaxed;             /* passed only thanks to relaxation */
    char detail[SF_DETAIL_LEN];
} sf_check;

#define SF_CONDITION_COUNT 6
#define SF_FUNCTION_COUNT 5

typedef struct {
    int eligible;            /* all conditions and at least one function */
    sf_check conditions[SF_CONDITION_COUNT];
    sf_check functions[SF_FUNCTION_COUNT];
} sf_eligibility;

/* Evaluates the report as of `opens_on`, the round's opening date. */
void sf_eligibility_evaluate(const sf_report_facts *facts, const sf_thresholds *t,
                             const sf_relaxation *relax, sf_day opens_on, sf_eligibility *out);

/* The function ids of Art. 13, in order. */
extern const char *const sf_function_ids[SF_FUNCTION_COUNT];
int sf_function_is_known(const char *id);

#endif
