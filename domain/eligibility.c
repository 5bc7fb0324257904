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

sf_thresholds sf_thresholds_applied(const sf_thresholds *t, const sf_relaxation *r)
{
    sf_thresholds out = *t;
    if (r == NULL || !r->applies)
        return out;
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        if (!sf_threshold_is_relaxable(d))
            continue;
        if (r->set_mask & (1u << i))
            sf_threshold_set(&out, d, sf_threshold_get(&r->set, d));
        else if (d->scale && i != SF_TH_min_years_operating && r->factor_permille < 1000)
            sf_threshold_set(&out, d, (double)((int64_t)sf_threshold_get(t, d) * r->factor_permille / 1000));
    }
    return out;
}

/* Appends "; relaxed region: <name> <applied> (normally <normal>)" for every threshold of
 * condition `cond` that relaxation changed. */
static void name_relaxed(const sf_thresholds *normal, const sf_thresholds *applied, const char *cond, sf_check *c)
{
    const char *sep = strstr(c->detail, "; relaxed region: ") ? ", " : "; relaxed region: ";
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        double n = sf_threshold_get(normal, d), a = sf_threshold_get(applied, d);
        if (strcmp(d->condition, cond) != 0 || n == a)
            continue;
        size_t len = strlen(c->detail);
        if (d->kind == SF_TK_PCT)
            snprintf(c->detail + len, sizeof c->detail - len, "%s%s %g (normally %g)", sep, d->name, a, n);
        else
            snprintf(c->detail + len, sizeof c->detail - len, "%s%s %lld (normally %lld)", sep, d->name,
                     (long long)a, (long long)n);
        sep = ", ";
    }
}

/* Art. 12(1): operating ≥ 2 years at the round's opening, total assets ≥ 1,000,000. With
 * `min_days` > 0 (a relaxation factor on the years), that many days suffice as well. */
static int pass_12_1(const sf_report_facts *f, const sf_thresholds *t, int64_t min_days, sf_day opens_on)
{
    int full_years = opens_on >= sf_anniversary(f->established_on, (int)t->min_years_operating);
    int years_ok = full_years || (min_days > 0 && opens_on - f->established_on >= min_days);
    return years_ok && f->total_assets_cny >= t->min_total_assets_cny;
}

static void condition_12_1(const sf_report_facts *f, const sf_thresholds *t, const sf_thresholds *a,
                           const sf_relaxation *r, sf_day opens_on, sf_check *c, int *normal_pass)
{
    char est[11], opens[11];
    sf_date_format(f->established_on, est);
    sf_date_format(opens_on, opens);
    /* the factor counts the years in days: 0.8 × 2 years = 584 days */
    int64_t min_days = 0;
    if (r->applies && !(r->set_mask & (1u << SF_TH_min_years_operating)) && r->factor_permille < 1000)
        min_days = t->min_years_operating * 365 * r->factor_permille / 1000;
    *normal_pass = pass_12_1(f, t, 0, opens_on);
    c->passed = r->applies ? pass_12_1(f, a, min_days, opens_on) : *normal_pass;
    snprintf(c->detail, sizeof c->detail,
             "established %s, %lld days before the round opens on %s (minimum %lld years); "
             "total assets %lld CNY (minimum %lld)",
             est, (long long)(opens_on - f->established_on), opens, (long long)a->min_years_operating,
             (long long)f->total_assets_cny, (long long)a->min_total_assets_cny);
    if (min_days > 0) {
        size_t n = strlen(c->detail);
        snprintf(c->detail + n, sizeof c->detail - n, "; relaxed region: %lld days suffice (normally %lld years)",
                 (long long)min_days, (long long)t->min_years_operating);
    }
}

/* Art. 12(2): ≥ 80 SMEs served last year, satisfaction ≥ 80 %, and steady growth (稳步增长):
 * last year's count greater than the year before's, by at least min_sme_growth_pct —
 * compared exactly, in hundredths of a percent. */
static int growing(const sf_report_facts *f, const sf_thresholds *t)
{
    int64_t pct = sf_pct_hundredths(t->min_sme_growth_pct);
    return f->smes_served_last_year > f->smes_served_prev_year &&
           f->smes_served_last_year * 10000 >= f->smes_served_prev_year * (10000 + pct);
}

static int pass_12_2(const sf_report_facts *f, const sf_thresholds *t)
{
    return f->smes_served_last_year >= t->min_smes_served && f->satisfaction_pct >= t->min_satisfaction_pct &&
           growing(f, t);
}

static void condition_12_2(const sf_report_facts *f, const sf_thresholds *t, const sf_thresholds *a,
                           const sf_relaxation *r, sf_check *c, int *normal_pass)
{
    *normal_pass = pass_12_2(f, t);
    c->passed = r->applies ? pass_12_2(f, a) : *normal_pass;
    char growth[64];
    int64_t diff = f->smes_served_last_year - f->smes_served_prev_year;
    if (f->smes_served_prev_year > 0)
        snprintf(growth, sizeof growth, "%+lld = %+.2f%%", (long long)diff,
                 100.0 * (double)diff / (double)f->smes_served_prev_year);
    else
        snprintf(growth, sizeof growth, "%+lld", (long long)diff);
    snprintf(c->detail, sizeof c->detail,
             "served %lld SMEs last year (minimum %lld) and %lld the year before: growth %s (steady growth "
             "required: more than the year before, by at least %g%%); satisfaction %g%% (minimum %g%%)",
             (long long)f->smes_served_last_year, (long long)a->min_smes_served, (long long)f->smes_served_prev_year,
             growth, a->min_sme_growth_pct, f->satisfaction_pct, a->min_satisfaction_pct);
}

/* Art. 12(3): fixed premises; brings together ≥ 3 service institutions. */
static int pass_12_3(const sf_report_facts *f, const sf_thresholds *t)
{
    return f->has_fixed_premises && f->partner_institutions >= t->min_partner_institutions;
}

static void condition_12_3(const sf_report_facts *f, const sf_thresholds *t, const sf_thresholds *a,
                           const sf_relaxation *r, sf_check *c, int *normal_pass)
{
    *normal_pass = pass_12_3(f, t);
    c->passed = r->applies ? pass_12_3(f, a) : *normal_pass;
    snprintf(c->detail, sizeof c->detail, "fixed premises: %s; %lld partner institutions (minimum %lld)",
             f->has_fixed_premises ? "yes" : "no", (long long)f->partner_institutions,
             (long long)a->min_partner_institutions);
}

/* Art. 12(4): a city-level recognition, or one by a provincial department or association;
 * an active city-level award recorded in shifan counts (Art. 26). A rule of the round: a
 * city's own round does not require it by default (its recognition cannot require itself). */
static void condition_12_4(const sf_report_facts *f, int required, sf_check *c)
{
    c->required = required;
    c->passed = !required || f->prior_recognitions > 0 || f->has_active_city_award;
    snprintf(c->detail, sizeof c->detail, "%s%d recognition(s) reported; active city-level award in shifan: %s",
             required ? "" : "not required in this round (Art. 26); ", f->prior_recognitions,
             f->has_active_city_award ? "yes" : "no");
}

/* Art. 12(5): management and fee rules, a development plan, ≥ 15 % public-interest or
 * low-fee services. Never relaxed. */
static void condition_12_5(const sf_report_facts *f, const sf_thresholds *t, sf_check *c)
{
    c->passed = f->has_management_rules && f->has_development_plan &&
                f->public_service_share_pct >= t->min_public_service_share_pct;
    snprintf(c->detail, sizeof c->detail,
             "management rules: %s; development plan: %s; public-interest share %g%% (minimum %g%%)",
             f->has_management_rules ? "yes" : "no", f->has_development_plan ? "yes" : "no",
             f->public_service_share_pct, t->min_public_service_share_pct);
}

/* Art. 12(6): ≥ 10 staff serving SMEs, ≥ 70 % of them with a college degree or an
 * intermediate title (compared exactly: qualified × 100 ≥ pct × staff). */
static int pass_12_6(const sf_report_facts *f, const sf_thresholds *t)
{
    int qualified = f->service_staff > 0 && f->qualified_staff <= f->service_staff &&
                    f->qualified_staff * 10000 >= sf_pct_hundredths(t->min_qualified_staff_pct) * f->service_staff;
    return f->service_staff >= t->min_service_staff && qualified;
}

static void condition_12_6(const sf_report_facts *f, const sf_thresholds *t, const sf_thresholds *a,
                           const sf_relaxation *r, sf_check *c, int *normal_pass)
{
    *normal_pass = pass_12_6(f, t);
    c->passed = r->applies ? pass_12_6(f, a) : *normal_pass;
    double share = f->service_staff > 0 ? 100.0 * (double)f->qualified_staff / (double)f->service_staff : 0;
    snprintf(c->detail, sizeof c->detail, "%lld service staff (minimum %lld), %lld qualified = %.1f%% (minimum %g%%)",
             (long long)f->service_staff, (long long)a->min_service_staff, (long long)f->qualified_staff, share,
             a->min_qualified_staff_pct);
}

static void function_checks(const sf_report_facts *f, const sf_thresholds *t, sf_check out[SF_FUNCTION_COUNT])
{
    const sf_fn_information *i = &f->information;
    out[0].passed = i->present && i->has_online_system && i->online_offline_linkage &&
                    i->offline_smes_served_per_year >= t->info_min_offline_smes &&
                    i->activities_per_year >= t->info_min_activities;
    snprintf(out[0].detail, SF_DETAIL_LEN,
             "%s; online system and online/offline linkage required; %lld enterprises served offline (minimum %lld); "
             "%lld activities (minimum %lld)",
             i->present ? "reported" : "not reported", (long long)i->offline_smes_served_per_year,
             (long long)t->info_min_offline_smes, (long long)i->activities_per_year,
             (long long)t->info_min_activities);

    const sf_fn_technology *te = &f->technology;
    out[1].passed = te->present && te->has_expert_pool && te->has_project_pool &&
                    te->activities_per_year >= t->tech_min_activities;
    snprintf(out[1].detail, SF_DETAIL_LEN,
             "%s; expert pool and project pool required; %lld activities (minimum %lld)",
             te->present ? "reported" : "not reported", (long long)te->activities_per_year,
             (long long)t->tech_min_activities);

    const sf_fn_entrepreneurship *en = &f->entrepreneurship;
    out[2].passed = en->present && en->has_project_pool && en->has_startup_guide && en->has_hotline &&
                    en->offers_agency_services && en->events_per_year >= t->startup_min_events;
    snprintf(out[2].detail, SF_DETAIL_LEN,
             "%s; project pool, start-up guide, hotline and agency services required; %lld events (minimum %lld)",
             en->present ? "reported" : "not reported", (long long)en->events_per_year,
             (long long)t->startup_min_events);

    const sf_fn_training *tr = &f->training;
    out[3].passed = tr->present && tr->has_qualification && tr->online_and_offline &&
                    tr->has_evaluation_mechanism && tr->trainee_times_per_year >= t->training_min_trainee_times;
    snprintf(out[3].detail, SF_DETAIL_LEN,
             "%s; qualification, online and offline training and an evaluation mechanism required; "
             "%lld trainee-times (minimum %lld)",
             tr->present ? "reported" : "not reported", (long long)tr->trainee_times_per_year,
             (long long)t->training_min_trainee_times);

    /* Art. 13(5): a service body (≥ 8 activities and ≥ 500 million raised) or a guarantee
     * institution (≥ 2 billion of new guarantees) */
    const sf_fn_financing *fi = &f->financing;
    int service_route = fi->activities_per_year >= t->financing_min_activities &&
                        fi->financing_raised_cny >= t->financing_min_raised_cny;
    int guarantee_route = fi->is_guarantee_institution && fi->new_guarantees_cny >= t->guarantee_min_new_cny;
    out[4].passed = fi->present && (service_route || guarantee_route);
    snprintf(out[4].detail, SF_DETAIL_LEN,
             "%s; %lld activities (minimum %lld) and %lld CNY raised (minimum %lld), or a guarantee institution "
             "with %lld CNY of new guarantees (minimum %lld)",
             fi->present ? "reported" : "not reported", (long long)fi->activities_per_year,
             (long long)t->financing_min_activities, (long long)fi->financing_raised_cny,
             (long long)t->financing_min_raised_cny, (long long)fi->new_guarantees_cny,
             (long long)t->guarantee_min_new_cny);
    for (int k = 0; k < SF_FUNCTION_COUNT; k++) {
        out[k].id = sf_function_ids[k];
        out[k].relaxed = 0;   /* Art. 12's relaxation does not reach Art. 13 */
        out[k].required = 1;
    }
}

void sf_eligibility_evaluate(const sf_report_facts *facts, const sf_thresholds *t,
                             const sf_relaxation *relax, int require_prior_recognition, sf_day opens_on,
                             sf_eligibility *out)
{
    static const char *const ids[SF_CONDITION_COUNT] = {"12.1", "12.2", "12.3", "12.4", "12.5", "12.6"};
    static const sf_relaxation none = {0, 1000, {0}, 0};
    /* a factor of 1 and nothing set outright lowers nothing: the region is judged as any other */
    if (relax == NULL || !relax->applies || (relax->factor_permille >= 1000 && relax->set_mask == 0))
        relax = &none;
    out->normal = *t;
    out->applied = sf_thresholds_applied(t, relax);
    const sf_thresholds *a = &out->applied;
    int normal[SF_CONDITION_COUNT] = {0};
    condition_12_1(facts, t, a, relax, opens_on, &out->conditions[0], &normal[0]);
    condition_12_2(facts, t, a, relax, &out->conditions[1], &normal[1]);
    condition_12_3(facts, t, a, relax, &out->conditions[2], &normal[2]);
    condition_12_4(facts, require_prior_recognition, &out->conditions[3]);
    normal[3] = out->conditions[3].passed;
    condition_12_5(facts, t, &out->conditions[4]);
    normal[4] = out->conditions[4].passed;
    condition_12_6(facts, t, a, relax, &out->conditions[5], &normal[5]);
    int all = 1;
    for (int i = 0; i < SF_CONDITION_COUNT; i++) {
        sf_check *c = &out->conditions[i];
        c->id = ids[i];
        if (i != 3)
            c->required = 1;
        /* passed only thanks to relaxation: it says so and names both thresholds */
        c->relaxed = c->passed && !normal[i];
        if (relax->applies)
            name_relaxed(t, a, ids[i], c);
        all = all && c->passed;
    }
    function_checks(facts, t, out->functions);
    int any = 0;
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        any = any || out->functions[i].passed;
    out->eligible = all && any;
}

void sf_standing_evaluate(const sf_report_facts *figures, const sf_thresholds *t, const sf_relaxation *relax,
                          unsigned titled, sf_standing *out)
{
    static const sf_relaxation none = {0, 1000, {0}, 0};
    if (relax == NULL || !relax->applies || (relax->factor_permille >= 1000 && relax->set_mask == 0))
        relax = &none;
    /* a summary states no rules or plans: 12.5 is re-tested on its share alone */
    sf_report_facts f = *figures;
    f.has_management_rules = f.has_development_plan = 1;
    out->normal = *t;
    out->applied = sf_thresholds_applied(t, relax);
    int normal = 0;
    condition_12_2(&f, t, &out->applied, relax, &out->conditions[0], &normal);
    out->conditions[0].id = "12.2";
    out->conditions[0].required = 1;
    out->conditions[0].relaxed = out->conditions[0].passed && !normal;
    if (relax->applies)
        name_relaxed(t, &out->applied, "12.2", &out->conditions[0]);
    condition_12_5(&f, t, &out->conditions[1]);
    out->conditions[1].id = "12.5";
    out->conditions[1].required = 1;
    out->conditions[1].relaxed = 0;
    function_checks(&f, t, out->functions);
    out->meets = out->conditions[0].passed && out->conditions[1].passed;
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        out->titled[i] = (titled >> i) & 1u;
        if (out->titled[i])
            out->meets = out->meets && out->functions[i].passed;
    }
}

void sf_eligibility_missing(sf_eligibility *out)
{
    static const char *const ids[SF_CONDITION_COUNT] = {"12.1", "12.2", "12.3", "12.4", "12.5", "12.6"};
    memset(out, 0, sizeof *out);
    out->normal = out->applied = sf_thresholds_2018();
    for (int i = 0; i < SF_CONDITION_COUNT; i++) {
        out->conditions[i] = (sf_check){.id = ids[i], .required = 1, .missing = 1};
        snprintf(out->conditions[i].detail, SF_DETAIL_LEN, "not judged: the application report (Annex 2) is not filled");
    }
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        out->functions[i] = (sf_check){.id = sf_function_ids[i], .required = 0, .missing = 1};
        snprintf(out->functions[i].detail, SF_DETAIL_LEN, "not judged: the application report (Annex 2) is not filled");
    }
}
