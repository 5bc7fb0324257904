/*
 * Art. 12 (basic conditions) and Art. 13 (function requirements), evaluated over the report
 * (see eligibility.h). Each condition reads as the article does; the detail names the
 * threshold applied and the value found, as codes and numbers (api/ words them).
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

/* One fact a condition measures: the value found against its minimum (a yes/no requirement
 * is 1 against 1). */
typedef struct {
    const char *name;
    const char *unit;
    double value, threshold;
    int ok;
} measure;

/* The structured verdict: the first unmet measure, or the first when all are met. */
static void judge(sf_check *c, const measure *m, size_t n)
{
    size_t k = 0;
    while (k < n && m[k].ok)
        k++;
    if (k == n)
        k = 0;
    c->code = !c->passed && !m[k].ok ? (strcmp(m[k].unit, "bool") == 0 ? SF_E_REQUIREMENT_UNMET : SF_E_BELOW_MINIMUM)
                                     : SF_E_MET;
    c->measure = m[k].name;
    c->unit = m[k].unit;
    c->value = m[k].value;
    c->threshold = m[k].threshold;
}

#define DETAIL(c, code, ...) \
    do { (c)->detail = (code); sf_params_set(&(c)->params, (const sf_arg[]){__VA_ARGS__, SF_ARG_END_}); } while (0)

void sf_errors_add_check(sf_errors *errors, const char *field, const sf_check *check)
{
    if (errors->count == SF_MAX_FIELD_ERRORS) {
        errors->dropped++;
        return;
    }
    sf_errors_add(errors, field, SF_E_NONE);
    sf_field_error *e = &errors->items[errors->count - 1];
    e->code = check->detail;
    e->params = check->params;
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
    int64_t days = opens_on - f->established_on;
    int64_t needed = sf_anniversary(f->established_on, (int)a->min_years_operating) - f->established_on;
    if (min_days > 0 && min_days < needed)
        needed = min_days;
    if (min_days > 0)
        DETAIL(c, SF_E_ELIG_12_1_RELAXED, SF_TEXT("established_on", est), SF_INT("days", days), SF_TEXT("opens_on", opens),
               SF_INT("min_years", a->min_years_operating), SF_INT("total_assets", f->total_assets_cny),
               SF_INT("min_total_assets", a->min_total_assets_cny), SF_INT("min_days", min_days));
    else
        DETAIL(c, SF_E_ELIG_12_1, SF_TEXT("established_on", est), SF_INT("days", days), SF_TEXT("opens_on", opens),
               SF_INT("min_years", a->min_years_operating), SF_INT("total_assets", f->total_assets_cny),
               SF_INT("min_total_assets", a->min_total_assets_cny));
    measure m[] = {{"days_operating", "days", (double)days, (double)needed, days >= needed},
                   {"total_assets_cny", "cny", (double)f->total_assets_cny, (double)a->min_total_assets_cny,
                    f->total_assets_cny >= a->min_total_assets_cny}};
    judge(c, m, 2);
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
    double growth_pct = f->smes_served_prev_year > 0 ? 100.0 * (double)diff / (double)f->smes_served_prev_year : 0;
    if (f->smes_served_prev_year > 0)
        snprintf(growth, sizeof growth, "%+lld = %+.2f%%", (long long)diff, growth_pct);
    else
        snprintf(growth, sizeof growth, "%+lld", (long long)diff);
    DETAIL(c, SF_E_ELIG_12_2, SF_INT("smes_served", f->smes_served_last_year), SF_INT("min_smes_served", a->min_smes_served),
           SF_INT("smes_served_prev", f->smes_served_prev_year), SF_TEXT("growth", growth),
           SF_NUM("min_growth_pct", a->min_sme_growth_pct), SF_NUM("satisfaction_pct", f->satisfaction_pct),
           SF_NUM("min_satisfaction_pct", a->min_satisfaction_pct));
    measure m[] = {{"smes_served_last_year", "count", (double)f->smes_served_last_year, (double)a->min_smes_served,
                    f->smes_served_last_year >= a->min_smes_served},
                   {"sme_growth_pct", "pct", growth_pct, a->min_sme_growth_pct, growing(f, a)},
                   {"satisfaction_pct", "pct", f->satisfaction_pct, a->min_satisfaction_pct,
                    f->satisfaction_pct >= a->min_satisfaction_pct}};
    judge(c, m, 3);
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
    DETAIL(c, SF_E_ELIG_12_3, SF_BOOL("has_fixed_premises", f->has_fixed_premises),
           SF_INT("partner_institutions", f->partner_institutions),
           SF_INT("min_partner_institutions", a->min_partner_institutions));
    measure m[] = {{"has_fixed_premises", "bool", f->has_fixed_premises != 0, 1, f->has_fixed_premises != 0},
                   {"partner_institutions", "count", (double)f->partner_institutions, (double)a->min_partner_institutions,
                    f->partner_institutions >= a->min_partner_institutions}};
    judge(c, m, 2);
}

/* Art. 12(4): a city-level recognition, or one by a provincial department or association;
 * an active city-level award recorded in shifan counts (Art. 26). A rule of the round: a
 * city's own round does not require it by default (its recognition cannot require itself).
 * A recognition the report dates after the round's year is not one the platform held when it
 * applied: it does not count. */
static void condition_12_4(const sf_report_facts *f, int required, sf_day opens_on, sf_check *c)
{
    int round_year, month, day, held = 0;
    sf_day_to_ymd(opens_on, &round_year, &month, &day);
    for (int i = 0; i < f->prior_recognitions && i < SF_MAX_RECOGNITIONS; i++)
        held += f->prior_recognition_year[i] <= round_year;
    c->required = required;
    c->passed = !required || held > 0 || f->has_active_city_award;
    DETAIL(c, required ? SF_E_ELIG_12_4 : SF_E_ELIG_12_4_NOT_REQUIRED, SF_INT("recognitions", held),
           SF_BOOL("has_city_award", f->has_active_city_award));
    int count = held + (f->has_active_city_award != 0);
    measure m[] = {{"recognitions", "count", count, 1, count >= 1}};
    judge(c, m, 1);
    if (!required)
        c->code = SF_E_NOT_REQUIRED;
}

/* Art. 12(5): management and fee rules, a development plan, ≥ 15 % public-interest or
 * low-fee services. Never relaxed. */
static void condition_12_5(const sf_report_facts *f, const sf_thresholds *t, sf_check *c)
{
    c->passed = f->has_management_rules && f->has_development_plan &&
                f->public_service_share_pct >= t->min_public_service_share_pct;
    DETAIL(c, SF_E_ELIG_12_5, SF_BOOL("has_management_rules", f->has_management_rules),
           SF_BOOL("has_development_plan", f->has_development_plan), SF_NUM("share_pct", f->public_service_share_pct),
           SF_NUM("min_share_pct", t->min_public_service_share_pct));
    measure m[] = {{"has_management_rules", "bool", f->has_management_rules != 0, 1, f->has_management_rules != 0},
                   {"has_development_plan", "bool", f->has_development_plan != 0, 1, f->has_development_plan != 0},
                   {"public_service_share_pct", "pct", f->public_service_share_pct, t->min_public_service_share_pct,
                    f->public_service_share_pct >= t->min_public_service_share_pct}};
    judge(c, m, 3);
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
    char shown[16];
    snprintf(shown, sizeof shown, "%.1f", share);
    DETAIL(c, SF_E_ELIG_12_6, SF_INT("service_staff", f->service_staff), SF_INT("min_service_staff", a->min_service_staff),
           SF_INT("qualified_staff", f->qualified_staff), SF_TEXT("qualified_pct", shown),
           SF_NUM("min_qualified_pct", a->min_qualified_staff_pct));
    measure m[] = {{"service_staff", "count", (double)f->service_staff, (double)a->min_service_staff,
                    f->service_staff >= a->min_service_staff},
                   {"qualified_staff_pct", "pct", share, a->min_qualified_staff_pct,
                    f->service_staff > 0 && f->qualified_staff <= f->service_staff &&
                        f->qualified_staff * 10000 >= sf_pct_hundredths(a->min_qualified_staff_pct) * f->service_staff}};
    judge(c, m, 2);
}

/* A function's structured verdict: not reported, or its first unmet measure. */
static void judge_function(sf_check *c, int present, const measure *m, size_t n)
{
    if (present) {
        judge(c, m, n);
        return;
    }
    c->code = SF_E_NOT_REPORTED;
    c->measure = NULL;
    c->unit = NULL;
    c->value = c->threshold = 0;
}

static void function_checks(const sf_report_facts *f, const sf_thresholds *t, sf_check out[SF_FUNCTION_COUNT])
{
    const sf_fn_information *i = &f->information;
    out[0].passed = i->present && i->has_online_system && i->online_offline_linkage &&
                    i->offline_smes_served_per_year >= t->info_min_offline_smes &&
                    i->activities_per_year >= t->info_min_activities;
    DETAIL(&out[0], SF_E_ELIG_INFORMATION, SF_BOOL("reported", i->present),
           SF_INT("offline_smes", i->offline_smes_served_per_year), SF_INT("min_offline_smes", t->info_min_offline_smes),
           SF_INT("activities", i->activities_per_year), SF_INT("min_activities", t->info_min_activities));
    measure m0[] = {{"has_online_system", "bool", i->has_online_system != 0, 1, i->has_online_system != 0},
                    {"online_offline_linkage", "bool", i->online_offline_linkage != 0, 1, i->online_offline_linkage != 0},
                    {"offline_smes_served_per_year", "count", (double)i->offline_smes_served_per_year,
                     (double)t->info_min_offline_smes, i->offline_smes_served_per_year >= t->info_min_offline_smes},
                    {"activities_per_year", "count", (double)i->activities_per_year, (double)t->info_min_activities,
                     i->activities_per_year >= t->info_min_activities}};
    judge_function(&out[0], i->present, m0, 4);

    const sf_fn_technology *te = &f->technology;
    out[1].passed = te->present && te->has_expert_pool && te->has_project_pool &&
                    te->activities_per_year >= t->tech_min_activities;
    DETAIL(&out[1], SF_E_ELIG_TECHNOLOGY, SF_BOOL("reported", te->present),
           SF_INT("activities", te->activities_per_year), SF_INT("min_activities", t->tech_min_activities));
    measure m1[] = {{"has_expert_pool", "bool", te->has_expert_pool != 0, 1, te->has_expert_pool != 0},
                    {"has_project_pool", "bool", te->has_project_pool != 0, 1, te->has_project_pool != 0},
                    {"activities_per_year", "count", (double)te->activities_per_year, (double)t->tech_min_activities,
                     te->activities_per_year >= t->tech_min_activities}};
    judge_function(&out[1], te->present, m1, 3);

    const sf_fn_entrepreneurship *en = &f->entrepreneurship;
    out[2].passed = en->present && en->has_project_pool && en->has_startup_guide && en->has_hotline &&
                    en->offers_agency_services && en->events_per_year >= t->startup_min_events;
    DETAIL(&out[2], SF_E_ELIG_ENTREPRENEURSHIP, SF_BOOL("reported", en->present),
           SF_INT("events", en->events_per_year), SF_INT("min_events", t->startup_min_events));
    measure m2[] = {{"has_project_pool", "bool", en->has_project_pool != 0, 1, en->has_project_pool != 0},
                    {"has_startup_guide", "bool", en->has_startup_guide != 0, 1, en->has_startup_guide != 0},
                    {"has_hotline", "bool", en->has_hotline != 0, 1, en->has_hotline != 0},
                    {"offers_agency_services", "bool", en->offers_agency_services != 0, 1, en->offers_agency_services != 0},
                    {"events_per_year", "count", (double)en->events_per_year, (double)t->startup_min_events,
                     en->events_per_year >= t->startup_min_events}};
    judge_function(&out[2], en->present, m2, 5);

    const sf_fn_training *tr = &f->training;
    out[3].passed = tr->present && tr->has_qualification && tr->online_and_offline &&
                    tr->has_evaluation_mechanism && tr->trainee_times_per_year >= t->training_min_trainee_times;
    DETAIL(&out[3], SF_E_ELIG_TRAINING, SF_BOOL("reported", tr->present),
           SF_INT("trainee_times", tr->trainee_times_per_year), SF_INT("min_trainee_times", t->training_min_trainee_times));
    measure m3[] = {{"has_qualification", "bool", tr->has_qualification != 0, 1, tr->has_qualification != 0},
                    {"online_and_offline", "bool", tr->online_and_offline != 0, 1, tr->online_and_offline != 0},
                    {"has_evaluation_mechanism", "bool", tr->has_evaluation_mechanism != 0, 1,
                     tr->has_evaluation_mechanism != 0},
                    {"trainee_times_per_year", "count", (double)tr->trainee_times_per_year,
                     (double)t->training_min_trainee_times, tr->trainee_times_per_year >= t->training_min_trainee_times}};
    judge_function(&out[3], tr->present, m3, 4);

    /* Art. 13(5): a service body (≥ 8 activities and ≥ 500 million raised) or a guarantee
     * institution (≥ 2 billion of new guarantees) */
    const sf_fn_financing *fi = &f->financing;
    int service_route = fi->activities_per_year >= t->financing_min_activities &&
                        fi->financing_raised_cny >= t->financing_min_raised_cny;
    int guarantee_route = fi->is_guarantee_institution && fi->new_guarantees_cny >= t->guarantee_min_new_cny;
    out[4].passed = fi->present && (service_route || guarantee_route);
    DETAIL(&out[4], SF_E_ELIG_FINANCING, SF_BOOL("reported", fi->present), SF_INT("activities", fi->activities_per_year),
           SF_INT("min_activities", t->financing_min_activities), SF_INT("raised", fi->financing_raised_cny),
           SF_INT("min_raised", t->financing_min_raised_cny), SF_INT("guarantees", fi->new_guarantees_cny),
           SF_INT("min_guarantees", t->guarantee_min_new_cny));
    measure service[] = {{"activities_per_year", "count", (double)fi->activities_per_year,
                          (double)t->financing_min_activities, fi->activities_per_year >= t->financing_min_activities},
                         {"financing_raised_cny", "cny", (double)fi->financing_raised_cny,
                          (double)t->financing_min_raised_cny, fi->financing_raised_cny >= t->financing_min_raised_cny}};
    measure guarantee[] = {{"new_guarantees_cny", "cny", (double)fi->new_guarantees_cny, (double)t->guarantee_min_new_cny,
                            guarantee_route}};
    /* a guarantee institution is judged by its route unless the service route carries it */
    if (fi->is_guarantee_institution && !service_route)
        judge_function(&out[4], fi->present, guarantee, 1);
    else
        judge_function(&out[4], fi->present, service, 2);
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
    *out = (sf_eligibility){0};   /* every member judged below, and nothing left as it was (`missing`: 0) */
    out->normal = *t;
    out->applied = sf_thresholds_applied(t, relax);
    const sf_thresholds *a = &out->applied;
    int normal[SF_CONDITION_COUNT] = {0};
    condition_12_1(facts, t, a, relax, opens_on, &out->conditions[0], &normal[0]);
    condition_12_2(facts, t, a, relax, &out->conditions[1], &normal[1]);
    condition_12_3(facts, t, a, relax, &out->conditions[2], &normal[2]);
    condition_12_4(facts, require_prior_recognition, opens_on, &out->conditions[3]);
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
    *out = (sf_standing){0};
    out->normal = *t;
    out->applied = sf_thresholds_applied(t, relax);
    int normal = 0;
    condition_12_2(&f, t, &out->applied, relax, &out->conditions[0], &normal);
    out->conditions[0].id = "12.2";
    out->conditions[0].required = 1;
    out->conditions[0].relaxed = out->conditions[0].passed && !normal;
    if (f.smes_served_prev_unknown) {
        /* what can be judged is: the SMEs served and the satisfaction; the growth is not */
        sf_check *c = &out->conditions[0];
        *c = (sf_check){.id = "12.2", .required = 1};
        DETAIL(c, SF_E_STANDING_GROWTH_UNKNOWN, SF_INT("smes_served", f.smes_served_last_year),
               SF_NUM("satisfaction_pct", f.satisfaction_pct));
        measure m[] = {{"smes_served_last_year", "count", (double)f.smes_served_last_year,
                        (double)out->applied.min_smes_served, f.smes_served_last_year >= out->applied.min_smes_served},
                       {"satisfaction_pct", "pct", f.satisfaction_pct, out->applied.min_satisfaction_pct,
                        f.satisfaction_pct >= out->applied.min_satisfaction_pct}};
        if (m[0].ok && m[1].ok) {
            c->missing = 1;
            c->code = SF_E_NOT_JUDGED;
        } else {
            judge(c, m, 2);
        }
    }
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
        out->conditions[i] = (sf_check){.id = ids[i], .required = 1, .missing = 1, .detail = SF_E_NOT_JUDGED,
                                        .code = SF_E_NOT_JUDGED};
    }
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        out->functions[i] = (sf_check){.id = sf_function_ids[i], .required = 0, .missing = 1, .detail = SF_E_NOT_JUDGED,
                                       .code = SF_E_NOT_JUDGED};
    }
}
