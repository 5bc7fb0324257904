/*
 * Art. 12 (basic conditions) and Art. 13 (function requirements), evaluated over the report
 * (see eligibility.h). Each condition reads as the article does; the detail names the
 * threshold applied and the value found.
 */
#include "domain/eligibility.h"

#include <stdio.h>
#include <string.h>

const char *const sf_function_ids[SF_FUNCTION_COUNT] = {"information", "technology", "entrepreneurship",
                                                        "training", "financing"};

int sf_function_is_known(const char *id)
{
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        if (id != NULL && strcmp(id, sf_function_ids[i]) == 0)
            return 1;
    return 0;
}

sf_thresholds sf_thresholds_2018(void)
{
    return (sf_thresholds){
        .min_years_operating = 2, .min_total_assets_cny = 1000000, .min_smes_served = 80,
        .min_satisfaction_pct = 80, .min_partner_institutions = 3, .min_public_service_share_pct = 15,
        .min_service_staff = 10, .min_qualified_staff_pct = 70, .info_min_offline_smes = 120,
        .info_min_activities = 5, .tech_min_activities = 3, .startup_min_events = 5,
        .training_min_trainee_times = 1500, .financing_min_activities = 8,
        .financing_min_raised_cny = 500000000, .guarantee_min_new_cny = 2000000000LL,
    };
}

sf_status sf_thresholds_validate(const sf_thresholds *t, sf_errors *e)
{
#define COUNT(f) if (t->f < 0) sf_errors_add(e, "thresholds." #f, "must not be negative")
#define PCT(f) if (!(t->f >= 0 && t->f <= 100)) sf_errors_add(e, "thresholds." #f, "must be within 0-100")
    COUNT(min_years_operating); COUNT(min_total_assets_cny); COUNT(min_smes_served);
    COUNT(min_partner_institutions); COUNT(min_service_staff); COUNT(info_min_offline_smes);
    COUNT(info_min_activities); COUNT(tech_min_activities); COUNT(startup_min_events);
    COUNT(training_min_trainee_times); COUNT(financing_min_activities);
    COUNT(financing_min_raised_cny); COUNT(guarantee_min_new_cny);
    PCT(min_satisfaction_pct); PCT(min_public_service_share_pct); PCT(min_qualified_staff_pct);
#undef COUNT
#undef PCT
    return sf_errors_any(e) ? SF_INVALID : SF_OK;
}

/* A scale threshold under relaxation: value × factor, rounded down (Art. 12, last para.). */
static int64_t relaxed(int64_t threshold, const sf_relaxation *r)
{
    return r->applies ? threshold * r->factor_permille / 1000 : threshold;
}

/* The day on which `years` full years since `from` are complete: the same month and day,
 * or the last day of the month where there is no such day (29 February → 28 February), as
 * the Civil Code counts periods in years (民法典 第二百零三条). */
static sf_day anniversary(sf_day from, int years)
{
    int y, m, d;
    sf_day_to_ymd(from, &y, &m, &d);
    if (m == 2 && d == 29 && !sf_is_leap_year(y + years))
        d = 28;
    return sf_day_from_ymd(y + years, m, d);
}

/* Art. 12(1): independent legal person, operating ≥ 2 years, total assets ≥ 1,000,000. */
static void condition_12_1(const sf_report_facts *f, const sf_thresholds *t, const sf_relaxation *r,
                           sf_day opens_on, sf_check *c)
{
    char est[11], opens[11];
    sf_date_format(f->established_on, est);
    sf_date_format(opens_on, opens);
    int full_years = opens_on >= anniversary(f->established_on, t->min_years_operating);
    int64_t days = opens_on - f->established_on;
    int64_t min_days = relaxed((int64_t)t->min_years_operating * 365, r);
    int years_ok = full_years || (r->applies && days >= min_days);
    int assets_strict = f->total_assets_cny >= t->min_total_assets_cny;
    int64_t min_assets = relaxed(t->min_total_assets_cny, r);
    int assets_ok = f->total_assets_cny >= min_assets;
    c->passed = years_ok && assets_ok;
    c->relaxed = c->passed && (!full_years || !assets_strict);
    snprintf(c->detail, sizeof c->detail,
             "established %s, %lld days before the round opens on %s (minimum %d years); "
             "total assets %lld CNY (minimum %lld)",
             est, (long long)days, opens, t->min_years_operating, (long long)f->total_assets_cny,
             (long long)min_assets);
    if (r->applies) {
        size_t n = strlen(c->detail);
        snprintf(c->detail + n, sizeof c->detail - n, "; relaxed region: %lld days suffice",
                 (long long)min_days);
    }
}

/* Art. 12(2): ≥ 80 SMEs served a year, satisfaction ≥ 80 %, steady growth over two years. */
static void condition_12_2(const sf_report_facts *f, const sf_thresholds *t, const sf_relaxation *r, sf_check *c)
{
    int64_t min_smes = relaxed(t->min_smes_served, r);
    int strict = f->smes_served_last_year >= t->min_smes_served;
    int served = f->smes_served_last_year >= min_smes;
    int satisfied = f->satisfaction_pct >= t->min_satisfaction_pct;   /* a ratio: never relaxed */
    int growing = f->smes_served_last_year >= f->smes_served_prev_year;
    c->passed = served && satisfied && growing;
    c->relaxed = c->passed && !strict;
    snprintf(c->detail, sizeof c->detail,
             "served %lld SMEs last year (minimum %lld), %lld the year before (growth required); "
             "satisfaction %g%% (minimum %g%%)",
             (long long)f->smes_served_last_year, (long long)min_smes, (long long)f->smes_served_prev_year,
             f->satisfaction_pct, t->min_satisfaction_pct);
}

/* Art. 12(3): fixed premises; brings together ≥ 3 service institutions. */
static void condition_12_3(const sf_report_facts *f, const sf_thresholds *t, const sf_relaxation *r, sf_check *c)
{
    int64_t min_partners = relaxed(t->min_partner_institutions, r);
    int strict = f->partner_institutions >= t->min_partner_institutions;
    c->passed = f->has_fixed_premises && f->partner_institutions >= min_partners;
    c->relaxed = c->passed && !strict;
    snprintf(c->detail, sizeof c->detail, "fixed premises: %s; %lld partner institutions (minimum %lld)",
             f->has_fixed_premises ? "yes" : "no", (long long)f->partner_institutions, (long long)min_partners);
}

/* Art. 12(4): a city-level recognition, or one by a provincial department or association;
 * an active city-level award recorded in shifan counts (Art. 26). */
static void condition_12_4(const sf_report_facts *f, sf_check *c)
{
    c->passed = f->prior_recognitions > 0 || f->has_active_city_award;
    c->relaxed = 0;
    snprintf(c->detail, sizeof c->detail, "%d recognition(s) reported; active city-level award in shifan: %s",
             f->prior_recognitions, f->has_active_city_award ? "yes" : "no");
}

/* Art. 12(5): management and fee rules, a development plan, ≥ 15 % public-interest or
 * low-fee services. */
static void condition_12_5(const sf_report_facts *f, const sf_thresholds *t, sf_check *c)
{
    c->passed = f->has_management_rules && f->has_development_plan &&
                f->public_service_share_pct >= t->min_public_service_share_pct;
    c->relaxed = 0;
    snprintf(c->detail, sizeof c->detail,
             "management rules: %s; development plan: %s; public-interest share %g%% (minimum %g%%)",
             f->has_management_rules ? "yes" : "no", f->has_development_plan ? "yes" : "no",
             f->public_service_share_pct, t->min_public_service_share_pct);
}

/* Art. 12(6): ≥ 10 staff serving SMEs, ≥ 70 % of them with a college degree or an
 * intermediate title. The share is a ratio and is not relaxed. */
static void condition_12_6(const sf_report_facts *f, const sf_thresholds *t, const sf_relaxation *r, sf_check *c)
{
    int64_t min_staff = relaxed(t->min_service_staff, r);
    int strict = f->service_staff >= t->min_service_staff;
    double share = f->service_staff > 0 ? 100.0 * (double)f->qualified_staff / (double)f->service_staff : 0;
    /* compare exactly: qualified × 100 ≥ pct × staff */
    int qualified = f->service_staff > 0 && f->qualified_staff <= f->service_staff &&
                    (double)f->qualified_staff * 100.0 >= t->min_qualified_staff_pct * (double)f->service_staff;
    c->passed = f->service_staff >= min_staff && qualified;
    c->relaxed = c->passed && !strict;
    snprintf(c->detail, sizeof c->detail, "%lld service staff (minimum %lld), %lld qualified = %.1f%% (minimum %g%%)",
             (long long)f->service_staff, (long long)min_staff, (long long)f->qualified_staff, share,
             t->min_qualified_staff_pct);
}

static void function_checks(const sf_report_facts *f, const sf_thresholds *t, sf_check out[SF_FUNCTION_COUNT])
{
    const sf_fn_information *i = &f->information;
    out[0].passed = i->present && i->has_online_system && i->online_offline_linkage &&
                    i->offline_smes_served_per_year >= t->info_min_offline_smes &&
                    i->activities_per_year >= t->info_min_activities;
    snprintf(out[0].detail, SF_DETAIL_LEN,
             "%s; online system and online/offline linkage required; %lld enterprises served offline (minimum %d); "
             "%lld activities (minimum %d)",
             i->present ? "reported" : "not reported", (long long)i->offline_smes_served_per_year,
             t->info_min_offline_smes, (long long)i->activities_per_year, t->info_min_activities);

    const sf_fn_technology *te = &f->technology;
    out[1].passed = te->present && te->has_expert_pool && te->has_project_pool &&
                    te->activities_per_year >= t->tech_min_activities;
    snprintf(out[1].detail, SF_DETAIL_LEN,
             "%s; expert pool and project pool required; %lld activities (minimum %d)",
             te->present ? "reported" : "not reported", (long long)te->activities_per_year, t->tech_min_activities);

    const sf_fn_entrepreneurship *en = &f->entrepreneurship;
    out[2].passed = en->present && en->has_project_pool && en->has_startup_guide && en->has_hotline &&
                    en->offers_agency_services && en->events_per_year >= t->startup_min_events;
    snprintf(out[2].detail, SF_DETAIL_LEN,
             "%s; project pool, start-up guide, hotline and agency services required; %lld events (minimum %d)",
             en->present ? "reported" : "not reported", (long long)en->events_per_year, t->startup_min_events);

    const sf_fn_training *tr = &f->training;
    out[3].passed = tr->present && tr->has_qualification && tr->online_and_offline &&
                    tr->has_evaluation_mechanism && tr->trainee_times_per_year >= t->training_min_trainee_times;
    snprintf(out[3].detail, SF_DETAIL_LEN,
             "%s; qualification, online and offline training and an evaluation mechanism required; "
             "%lld trainee-times (minimum %d)",
             tr->present ? "reported" : "not reported", (long long)tr->trainee_times_per_year,
             t->training_min_trainee_times);

    /* Art. 13(5): a service body (≥ 8 activities and ≥ 500 million raised) or a guarantee
     * institution (≥ 2 billion of new guarantees) */
    const sf_fn_financing *fi = &f->financing;
    int service_route = fi->activities_per_year >= t->financing_min_activities &&
                        fi->financing_raised_cny >= t->financing_min_raised_cny;
    int guarantee_route = fi->is_guarantee_institution && fi->new_guarantees_cny >= t->guarantee_min_new_cny;
    out[4].passed = fi->present && (service_route || guarantee_route);
    snprintf(out[4].detail, SF_DETAIL_LEN,
             "%s; %lld activities (minimum %d) and %lld CNY raised (minimum %lld), or a guarantee institution "
             "with %lld CNY of new guarantees (minimum %lld)",
             fi->present ? "reported" : "not reported", (long long)fi->activities_per_year,
             t->financing_min_activities, (long long)fi->financing_raised_cny,
             (long long)t->financing_min_raised_cny, (long long)fi->new_guarantees_cny,
             (long long)t->guarantee_min_new_cny);
    for (int k = 0; k < SF_FUNCTION_COUNT; k++) {
        out[k].id = sf_function_ids[k];
        out[k].relaxed = 0;   /* Art. 12's relaxation does not reach Art. 13 */
    }
}

void sf_eligibility_evaluate(const sf_report_facts *facts, const sf_thresholds *t,
                             const sf_relaxation *relax, sf_day opens_on, sf_eligibility *out)
{
    static const char *const ids[SF_CONDITION_COUNT] = {"12.1", "12.2", "12.3", "12.4", "12.5", "12.6"};
    sf_relaxation none = {0, 1000};
    /* a factor of 1 lowers nothing: the region is then judged as any other */
    if (relax == NULL || relax->factor_permille >= 1000)
        relax = &none;
    condition_12_1(facts, t, relax, opens_on, &out->conditions[0]);
    condition_12_2(facts, t, relax, &out->conditions[1]);
    condition_12_3(facts, t, relax, &out->conditions[2]);
    condition_12_4(facts, &out->conditions[3]);
    condition_12_5(facts, t, &out->conditions[4]);
    condition_12_6(facts, t, relax, &out->conditions[5]);
    int all = 1;
    for (int i = 0; i < SF_CONDITION_COUNT; i++) {
        out->conditions[i].id = ids[i];
        all = all && out->conditions[i].passed;
    }
    function_checks(facts, t, out->functions);
    int any = 0;
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        any = any || out->functions[i].passed;
    out->eligible = all && any;
}
