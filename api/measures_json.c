/*
 * Strict JSON for thresholds, the report (Annex 2), the recommendation form (Annex 1) and
 * eligibility verdicts (see measures_json.h).
 */
#include "api/measures_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/json_input.h"

#define MAX_COUNT 1000000000LL          /* counts of SMEs, staff, events */
#define MAX_AMOUNT 1000000000000000LL   /* CNY */

/* A prefixed field name, e.g. "report.basic.satisfaction_pct". */
static const char *path(char buf[128], const char *prefix, const char *name)
{
    snprintf(buf, 128, "%s%s", prefix, name);
    return buf;
}

/* Reads an integer member into *out (unchanged when absent and optional). */
static void get_int(json_t *obj, const char *prefix, const char *name, int required, int64_t max, int64_t *out,
                    sf_errors *e)
{
    char p[128];
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(e, path(p, prefix, name), "is required");
        return;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        sf_errors_add(e, path(p, prefix, name), "must be an integer from 0 to %lld", (long long)max);
        return;
    }
    *out = json_integer_value(v);
}

static void get_pct(json_t *obj, const char *prefix, const char *name, int required, double *out, sf_errors *e)
{
    char p[128];
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(e, path(p, prefix, name), "is required");
        return;
    }
    double d = json_number_value(v);
    if (!json_is_number(v) || !(d >= 0 && d <= 100)) {
        sf_errors_add(e, path(p, prefix, name), "must be a number from 0 to 100");
        return;
    }
    *out = d;
}

static void get_bool(json_t *obj, const char *prefix, const char *name, int required, int *out, sf_errors *e)
{
    char p[128];
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(e, path(p, prefix, name), "is required");
        return;
    }
    if (!json_is_boolean(v)) {
        sf_errors_add(e, path(p, prefix, name), "must be true or false");
        return;
    }
    *out = json_is_true(v);
}

/* Unknown members of `obj` are errors, named with the prefix. */
static void only(json_t *obj, const char *prefix, const char *const *allowed, sf_errors *e)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known) {
            char p[128];
            sf_errors_add(e, path(p, prefix, key), "is not a field of this object");
        }
    }
}

/* ---- thresholds ---- */

void sf_thresholds_read(json_t *obj, sf_thresholds *t, sf_errors *e)
{
    static const char *const fields[] = {
        "min_years_operating", "min_total_assets_cny", "min_smes_served", "min_satisfaction_pct",
        "min_partner_institutions", "min_public_service_share_pct", "min_service_staff",
        "min_qualified_staff_pct", "info_min_offline_smes", "info_min_activities", "tech_min_activities",
        "startup_min_events", "training_min_trainee_times", "financing_min_activities",
        "financing_min_raised_cny", "guarantee_min_new_cny", NULL};
    *t = sf_thresholds_2018();
    if (obj == NULL || json_is_null(obj))
        return;
    if (!json_is_object(obj)) {
        sf_errors_add(e, "thresholds", "must be an object");
        return;
    }
    only(obj, "thresholds.", fields, e);
    int64_t v;
#define INT_FIELD(name, max)                                                \
    v = t->name;                                                            \
    get_int(obj, "thresholds.", #name, 0, max, &v, e);                      \
    t->name = (__typeof__(t->name))v
    INT_FIELD(min_years_operating, 100);
    INT_FIELD(min_total_assets_cny, MAX_AMOUNT);
    INT_FIELD(min_smes_served, MAX_COUNT);
    INT_FIELD(min_partner_institutions, MAX_COUNT);
    INT_FIELD(min_service_staff, MAX_COUNT);
    INT_FIELD(info_min_offline_smes, MAX_COUNT);
    INT_FIELD(info_min_activities, MAX_COUNT);
    INT_FIELD(tech_min_activities, MAX_COUNT);
    INT_FIELD(startup_min_events, MAX_COUNT);
    INT_FIELD(training_min_trainee_times, MAX_COUNT);
    INT_FIELD(financing_min_activities, MAX_COUNT);
    INT_FIELD(financing_min_raised_cny, MAX_AMOUNT);
    INT_FIELD(guarantee_min_new_cny, MAX_AMOUNT);
#undef INT_FIELD
    get_pct(obj, "thresholds.", "min_satisfaction_pct", 0, &t->min_satisfaction_pct, e);
    get_pct(obj, "thresholds.", "min_public_service_share_pct", 0, &t->min_public_service_share_pct, e);
    get_pct(obj, "thresholds.", "min_qualified_staff_pct", 0, &t->min_qualified_staff_pct, e);
}

json_t *sf_thresholds_json(const sf_thresholds *t)
{
    return json_pack("{s:i, s:I, s:i, s:f, s:i, s:f, s:i, s:f, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I}",
                     "min_years_operating", t->min_years_operating,
                     "min_total_assets_cny", (json_int_t)t->min_total_assets_cny,
                     "min_smes_served", t->min_smes_served,
                     "min_satisfaction_pct", t->min_satisfaction_pct,
                     "min_partner_institutions", t->min_partner_institutions,
                     "min_public_service_share_pct", t->min_public_service_share_pct,
                     "min_service_staff", t->min_service_staff,
                     "min_qualified_staff_pct", t->min_qualified_staff_pct,
                     "info_min_offline_smes", t->info_min_offline_smes,
                     "info_min_activities", t->info_min_activities,
                     "tech_min_activities", t->tech_min_activities,
                     "startup_min_events", t->startup_min_events,
                     "training_min_trainee_times", t->training_min_trainee_times,
                     "financing_min_activities", t->financing_min_activities,
                     "financing_min_raised_cny", (json_int_t)t->financing_min_raised_cny,
                     "guarantee_min_new_cny", (json_int_t)t->guarantee_min_new_cny);
}

/* ---- the report (Annex 2) ---- */

static json_t *object_member(json_t *obj, const char *name, const char *field, int required, sf_errors *e)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(e, field, "is required");
        return NULL;
    }
    if (!json_is_object(v)) {
        sf_errors_add(e, field, "must be an object");
        return NULL;
    }
    return v;
}

static void read_recognitions(json_t *basic, sf_report_facts *f, sf_errors *e)
{
    json_t *list = json_object_get(basic, "prior_recognitions");
    if (list == NULL || json_is_null(list))
        return;
    if (!json_is_array(list) || json_array_size(list) > 50) {
        sf_errors_add(e, "basic.prior_recognitions", "must be an array of at most 50 recognitions");
        return;
    }
    static const char *const fields[] = {"level", "issuer", "year", NULL};
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        char prefix[64], p[128];
        snprintf(prefix, sizeof prefix, "basic.prior_recognitions[%zu].", i);
        if (!json_is_object(r)) {
            sf_errors_add(e, "basic.prior_recognitions", "item %zu must be an object", i);
            continue;
        }
        only(r, prefix, fields, e);
        const char *level = json_string_value(json_object_get(r, "level"));
        if (level == NULL || (strcmp(level, "city") != 0 && strcmp(level, "provincial_department") != 0 &&
                              strcmp(level, "association") != 0))
            sf_errors_add(e, path(p, prefix, "level"), "must be city, provincial_department or association");
        const char *issuer = json_string_value(json_object_get(r, "issuer"));
        if (issuer == NULL || issuer[0] == '\0' || strlen(issuer) > 600)
            sf_errors_add(e, path(p, prefix, "issuer"), "must be a non-empty string of at most 200 characters");
        int64_t year = 0;
        get_int(r, prefix, "year", 1, 9999, &year, e);
        if (year != 0 && year < 1990)
            sf_errors_add(e, path(p, prefix, "year"), "must be 1990 or later");
    }
    f->prior_recognitions = (int)json_array_size(list);
}

static void read_basic(json_t *b, sf_report_facts *f, sf_errors *e)
{
    static const char *const fields[] = {
        "established_on", "total_assets_cny", "smes_served_last_year", "smes_served_prev_year",
        "satisfaction_pct", "has_fixed_premises", "partner_institutions", "prior_recognitions",
        "has_management_rules", "has_development_plan", "public_service_share_pct", "service_staff",
        "qualified_staff", NULL};
    const char *pre = "basic.";
    only(b, pre, fields, e);
    const char *est = json_string_value(json_object_get(b, "established_on"));
    if (est == NULL || !sf_date_parse(est, &f->established_on))
        sf_errors_add(e, "basic.established_on", "must be a date YYYY-MM-DD");
    get_int(b, pre, "total_assets_cny", 1, MAX_AMOUNT, &f->total_assets_cny, e);
    get_int(b, pre, "smes_served_last_year", 1, MAX_COUNT, &f->smes_served_last_year, e);
    get_int(b, pre, "smes_served_prev_year", 1, MAX_COUNT, &f->smes_served_prev_year, e);
    get_pct(b, pre, "satisfaction_pct", 1, &f->satisfaction_pct, e);
    get_bool(b, pre, "has_fixed_premises", 1, &f->has_fixed_premises, e);
    get_int(b, pre, "partner_institutions", 1, MAX_COUNT, &f->partner_institutions, e);
    read_recognitions(b, f, e);
    get_bool(b, pre, "has_management_rules", 1, &f->has_management_rules, e);
    get_bool(b, pre, "has_development_plan", 1, &f->has_development_plan, e);
    get_pct(b, pre, "public_service_share_pct", 1, &f->public_service_share_pct, e);
    get_int(b, pre, "service_staff", 1, MAX_COUNT, &f->service_staff, e);
    get_int(b, pre, "qualified_staff", 1, MAX_COUNT, &f->qualified_staff, e);
    if (f->qualified_staff > f->service_staff)
        sf_errors_add(e, "basic.qualified_staff", "must not exceed service_staff");
}

static void read_functions(json_t *fns, sf_report_facts *f, sf_errors *e)
{
    static const char *const names[] = {"information", "technology", "entrepreneurship", "training", "financing", NULL};
    only(fns, "functions.", names, e);
    json_t *o;
    if ((o = object_member(fns, "information", "functions.information", 0, e)) != NULL) {
        static const char *const k[] = {"has_online_system", "online_offline_linkage",
                                        "offline_smes_served_per_year", "activities_per_year", NULL};
        const char *pre = "functions.information.";
        sf_fn_information *x = &f->information;
        only(o, pre, k, e);
        x->present = 1;
        get_bool(o, pre, "has_online_system", 1, &x->has_online_system, e);
        get_bool(o, pre, "online_offline_linkage", 1, &x->online_offline_linkage, e);
        get_int(o, pre, "offline_smes_served_per_year", 1, MAX_COUNT, &x->offline_smes_served_per_year, e);
        get_int(o, pre, "activities_per_year", 1, MAX_COUNT, &x->activities_per_year, e);
    }
    if ((o = object_member(fns, "technology", "functions.technology", 0, e)) != NULL) {
        static const char *const k[] = {"has_expert_pool", "has_project_pool", "shares_instruments",
                                        "activities_per_year", NULL};
        const char *pre = "functions.technology.";
        sf_fn_technology *x = &f->technology;
        only(o, pre, k, e);
        x->present = 1;
        get_bool(o, pre, "has_expert_pool", 1, &x->has_expert_pool, e);
        get_bool(o, pre, "has_project_pool", 1, &x->has_project_pool, e);
        get_bool(o, pre, "shares_instruments", 0, &x->shares_instruments, e);
        get_int(o, pre, "activities_per_year", 1, MAX_COUNT, &x->activities_per_year, e);
    }
    if ((o = object_member(fns, "entrepreneurship", "functions.entrepreneurship", 0, e)) != NULL) {
        static const char *const k[] = {"has_project_pool", "has_startup_guide", "has_hotline",
                                        "offers_agency_services", "events_per_year", NULL};
        const char *pre = "functions.entrepreneurship.";
        sf_fn_entrepreneurship *x = &f->entrepreneurship;
        only(o, pre, k, e);
        x->present = 1;
        get_bool(o, pre, "has_project_pool", 1, &x->has_project_pool, e);
        get_bool(o, pre, "has_startup_guide", 1, &x->has_startup_guide, e);
        get_bool(o, pre, "has_hotline", 1, &x->has_hotline, e);
        get_bool(o, pre, "offers_agency_services", 1, &x->offers_agency_services, e);
        get_int(o, pre, "events_per_year", 1, MAX_COUNT, &x->events_per_year, e);
    }
    if ((o = object_member(fns, "training", "functions.training", 0, e)) != NULL) {
        static const char *const k[] = {"has_qualification", "online_and_offline", "has_evaluation_mechanism",
                                        "trainee_times_per_year", NULL};
        const char *pre = "functions.training.";
        sf_fn_training *x = &f->training;
        only(o, pre, k, e);
        x->present = 1;
        get_bool(o, pre, "has_qualification", 1, &x->has_qualification, e);
        get_bool(o, pre, "online_and_offline", 1, &x->online_and_offline, e);
        get_bool(o, pre, "has_evaluation_mechanism", 1, &x->has_evaluation_mechanism, e);
        get_int(o, pre, "trainee_times_per_year", 1, MAX_COUNT, &x->trainee_times_per_year, e);
    }
    if ((o = object_member(fns, "financing", "functions.financing", 0, e)) != NULL) {
        static const char *const k[] = {"activities_per_year", "financing_raised_cny", "is_guarantee_institution",
                                        "new_guarantees_cny", NULL};
        const char *pre = "functions.financing.";
        sf_fn_financing *x = &f->financing;
        only(o, pre, k, e);
        x->present = 1;
        get_int(o, pre, "activities_per_year", 1, MAX_COUNT, &x->activities_per_year, e);
        get_int(o, pre, "financing_raised_cny", 1, MAX_AMOUNT, &x->financing_raised_cny, e);
        get_bool(o, pre, "is_guarantee_institution", 1, &x->is_guarantee_institution, e);
        get_int(o, pre, "new_guarantees_cny", 1, MAX_AMOUNT, &x->new_guarantees_cny, e);
    }
}

void sf_report_read(json_t *report, sf_report_facts *f, sf_errors *e)
{
    static const char *const fields[] = {"basic", "functions", "innovation", NULL};
    memset(f, 0, sizeof *f);
    only(report, "", fields, e);
    json_t *basic = object_member(report, "basic", "basic", 1, e);
    if (basic != NULL)
        read_basic(basic, f, e);
    json_t *fns = object_member(report, "functions", "functions", 1, e);
    if (fns != NULL)
        read_functions(fns, f, e);
    /* Art. 14: the innovation and demonstration narrative is required; the province judges it */
    const char *innovation = json_string_value(json_object_get(report, "innovation"));
    if (innovation == NULL || innovation[strspn(innovation, " \t\r\n")] == '\0')
        sf_errors_add(e, "innovation", "is required (Art. 14)");
    else if (strlen(innovation) > 60000)
        sf_errors_add(e, "innovation", "must be at most 20,000 characters");
}

/* ---- the recommendation form (Annex 1) ---- */

void sf_recommendation_read(json_t *form, sf_errors *e)
{
    static const char *const fields[] = {"operation_score", "performance_score", "satisfaction_score", "opinion", NULL};
    only(form, "", fields, e);
    int64_t v = 0;
    /* Art. 16: the recommender evaluates operations, service performance and satisfaction */
    get_int(form, "", "operation_score", 1, 100, &v, e);
    get_int(form, "", "performance_score", 1, 100, &v, e);
    get_int(form, "", "satisfaction_score", 1, 100, &v, e);
    const char *opinion = json_string_value(json_object_get(form, "opinion"));
    if (opinion == NULL || opinion[strspn(opinion, " \t\r\n")] == '\0')
        sf_errors_add(e, "opinion", "is required");
    else if (strlen(opinion) > 30000)
        sf_errors_add(e, "opinion", "must be at most 10,000 characters");
}

/* ---- the verdict ---- */

json_t *sf_eligibility_json(const sf_eligibility *el)
{
    json_t *conditions = json_array(), *functions = json_array();
    for (int i = 0; i < SF_CONDITION_COUNT; i++) {
        const sf_check *c = &el->conditions[i];
        json_array_append_new(conditions, json_pack("{s:s, s:b, s:b, s:s}", "id", c->id, "passed", c->passed,
                                                    "relaxed", c->relaxed, "detail", c->detail));
    }
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        const sf_check *c = &el->functions[i];
        json_array_append_new(functions, json_pack("{s:s, s:b, s:s}", "id", c->id, "passed", c->passed,
                                                   "detail", c->detail));
    }
    return json_pack("{s:b, s:o, s:o}", "eligible", el->eligible, "conditions", conditions, "functions", functions);
}
