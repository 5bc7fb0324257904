/*
 * Strict JSON for thresholds, the report (Annex 2), the recommendation form (Annex 1) and
 * eligibility verdicts (see measures_json.h).
 */
#include "api/measures_json.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/json_input.h"

#define MAX_COUNT SF_MAX_COUNT
#define MAX_AMOUNT SF_MAX_AMOUNT

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
            sf_errors_add(e, path(p, prefix, name), SF_E_REQUIRED);
        return;
    }
    if (!json_is_integer(v)) {
        sf_errors_add(e, path(p, prefix, name), SF_E_NOT_INTEGER);
        return;
    }
    if (json_integer_value(v) < 0 || json_integer_value(v) > max) {
        sf_errors_add(e, path(p, prefix, name), SF_E_INTEGER_OUT_OF_RANGE, SF_INT("max", max));
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
            sf_errors_add(e, path(p, prefix, name), SF_E_REQUIRED);
        return;
    }
    double d = json_number_value(v);
    if (!json_is_number(v) || !(d >= 0 && d <= 100)) {
        sf_errors_add(e, path(p, prefix, name), SF_E_PERCENT_OUT_OF_RANGE);
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
            sf_errors_add(e, path(p, prefix, name), SF_E_REQUIRED);
        return;
    }
    if (!json_is_boolean(v)) {
        sf_errors_add(e, path(p, prefix, name), SF_E_NOT_BOOLEAN);
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
            sf_errors_add(e, path(p, prefix, key), SF_E_UNKNOWN_FIELD);
        }
    }
}

/* ---- thresholds: one reader and one writer over domain/thresholds.h's table ---- */

/* Reads the members of `obj` named in the table into *t, marking each in *mask; `where` is
 * "thresholds" or "relaxed_thresholds". */
static void read_thresholds(json_t *obj, const char *where, sf_thresholds *t, uint32_t *mask, sf_errors *e)
{
    if (obj == NULL || json_is_null(obj))
        return;
    if (!json_is_object(obj)) {
        sf_errors_add(e, where, SF_E_NOT_OBJECT);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char field[128];
        snprintf(field, sizeof field, "%s.%s", where, key);
        const sf_threshold_desc *d = sf_threshold_find(key);
        if (d == NULL) {
            sf_errors_add(e, field, SF_E_UNKNOWN_FIELD);
            continue;
        }
        if (json_is_null(v))
            continue;
        if (d->kind == SF_TK_PCT) {
            double x = json_number_value(v);
            if (!json_is_number(v) || !(x >= 0 && x <= 100)) {
                sf_errors_add(e, field, SF_E_PERCENT_OUT_OF_RANGE);
                continue;
            }
            sf_threshold_set(t, d, x);
        } else {
            if (!json_is_integer(v)) {
                sf_errors_add(e, field, SF_E_NOT_INTEGER);
                continue;
            }
            if (json_integer_value(v) < 0 || json_integer_value(v) > d->max) {
                sf_errors_add(e, field, SF_E_INTEGER_OUT_OF_RANGE, SF_INT("max", d->max));
                continue;
            }
            sf_threshold_set(t, d, (double)json_integer_value(v));
        }
        if (mask != NULL)
            *mask |= 1u << (d - sf_threshold_table);
    }
}

void sf_thresholds_read(json_t *obj, sf_thresholds *t, sf_errors *e)
{
    *t = sf_thresholds_2018();
    read_thresholds(obj, "thresholds", t, NULL, e);
}

void sf_relaxed_thresholds_read(json_t *obj, sf_thresholds *set, uint32_t *mask, sf_errors *e)
{
    memset(set, 0, sizeof *set);
    *mask = 0;
    read_thresholds(obj, "relaxed_thresholds", set, mask, e);
}

json_t *sf_thresholds_json_masked(const sf_thresholds *t, uint32_t mask)
{
    json_t *obj = json_object();
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        if (!(mask & (1u << i)))
            continue;
        double v = sf_threshold_get(t, d);
        json_object_set_new(obj, d->name, d->kind == SF_TK_PCT ? json_real(v) : json_integer((json_int_t)v));
    }
    return obj;
}

json_t *sf_thresholds_json(const sf_thresholds *t)
{
    return sf_thresholds_json_masked(t, ~0u);
}

/* ---- the report (Annex 2) ---- */

static json_t *object_member(json_t *obj, const char *name, const char *field, int required, sf_errors *e)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            sf_errors_add(e, field, SF_E_REQUIRED);
        return NULL;
    }
    if (!json_is_object(v)) {
        sf_errors_add(e, field, SF_E_NOT_OBJECT);
        return NULL;
    }
    return v;
}

static void read_recognitions(json_t *basic, sf_report_facts *f, sf_errors *e)
{
    json_t *list = json_object_get(basic, "prior_recognitions");
    if (list == NULL || json_is_null(list))
        return;
    if (!json_is_array(list) || json_array_size(list) > SF_MAX_RECOGNITIONS) {
        sf_errors_add(e, "basic.prior_recognitions", SF_E_RECOGNITIONS_INVALID, SF_INT("max", SF_MAX_RECOGNITIONS));
        return;
    }
    static const char *const fields[] = {"level", "issuer", "year", NULL};
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        char prefix[64], p[128];
        snprintf(prefix, sizeof prefix, "basic.prior_recognitions[%zu].", i);
        if (!json_is_object(r)) {
            sf_errors_add(e, "basic.prior_recognitions", SF_E_ITEM_NOT_OBJECT, SF_INT("index", i));
            continue;
        }
        only(r, prefix, fields, e);
        const char *level = json_string_value(json_object_get(r, "level"));
        if (level == NULL || (strcmp(level, "city") != 0 && strcmp(level, "provincial_department") != 0 &&
                              strcmp(level, "association") != 0))
            sf_errors_add(e, path(p, prefix, "level"), SF_E_NOT_ONE_OF, SF_TEXT("allowed", "city, provincial_department, association"));
        const char *issuer = json_string_value(json_object_get(r, "issuer"));
        if (issuer == NULL || issuer[0] == '\0' || strlen(issuer) > 600)
            sf_errors_add(e, path(p, prefix, "issuer"), SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 200));
        int64_t year = 0;
        get_int(r, prefix, "year", 1, 9999, &year, e);
        if (year != 0 && year < 1990)
            sf_errors_add(e, path(p, prefix, "year"), SF_E_TOO_SMALL, SF_INT("min", 1990));
        f->prior_recognition_year[i] = (int)year;
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
        sf_errors_add(e, "basic.established_on", SF_E_NOT_DATE);
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
        sf_errors_add(e, "basic.qualified_staff", SF_E_QUALIFIED_EXCEEDS_STAFF);
}

/* The five function reports of Annex 2 (Art. 13), one descriptor table each: a member's
 * name, its kind, whether it is required, and where it goes in sf_report_facts. */
typedef enum { FN_BOOL, FN_COUNT, FN_AMOUNT } fn_kind;
typedef struct {
    const char *name;
    fn_kind kind;
    int required;
    size_t offset;
} fn_field;
typedef struct {
    const char *name;          /* as sf_function_ids */
    size_t present;            /* offset of the function's `present` flag */
    fn_field fields[6];        /* up to a NULL name */
} fn_reader;

#define FN(fn, member, kind, required) {#member, kind, required, offsetof(sf_report_facts, fn.member)}
static const fn_reader FUNCTION_READERS[SF_FUNCTION_COUNT] = {
    {"information", offsetof(sf_report_facts, information.present),
     {FN(information, has_online_system, FN_BOOL, 1), FN(information, online_offline_linkage, FN_BOOL, 1),
      FN(information, offline_smes_served_per_year, FN_COUNT, 1), FN(information, activities_per_year, FN_COUNT, 1)}},
    {"technology", offsetof(sf_report_facts, technology.present),
     {FN(technology, has_expert_pool, FN_BOOL, 1), FN(technology, has_project_pool, FN_BOOL, 1),
      /* reported, not required ("where conditions permit") */
      FN(technology, shares_instruments, FN_BOOL, 0), FN(technology, activities_per_year, FN_COUNT, 1)}},
    {"entrepreneurship", offsetof(sf_report_facts, entrepreneurship.present),
     {FN(entrepreneurship, has_project_pool, FN_BOOL, 1), FN(entrepreneurship, has_startup_guide, FN_BOOL, 1),
      FN(entrepreneurship, has_hotline, FN_BOOL, 1), FN(entrepreneurship, offers_agency_services, FN_BOOL, 1),
      FN(entrepreneurship, events_per_year, FN_COUNT, 1)}},
    {"training", offsetof(sf_report_facts, training.present),
     {FN(training, has_qualification, FN_BOOL, 1), FN(training, online_and_offline, FN_BOOL, 1),
      FN(training, has_evaluation_mechanism, FN_BOOL, 1), FN(training, trainee_times_per_year, FN_COUNT, 1)}},
    {"financing", offsetof(sf_report_facts, financing.present),
     {FN(financing, activities_per_year, FN_COUNT, 1), FN(financing, financing_raised_cny, FN_AMOUNT, 1),
      FN(financing, is_guarantee_institution, FN_BOOL, 1), FN(financing, new_guarantees_cny, FN_AMOUNT, 1)}},
};
#undef FN

static void read_function(json_t *o, const fn_reader *r, sf_report_facts *f, sf_errors *e)
{
    char pre[64];
    snprintf(pre, sizeof pre, "functions.%s.", r->name);
    const char *names[8];
    size_t n = 0;
    for (const fn_field *x = r->fields; x->name != NULL && n < 7; x++)
        names[n++] = x->name;
    names[n] = NULL;
    only(o, pre, names, e);
    char *base = (char *)f;
    *(int *)(void *)(base + r->present) = 1;
    for (const fn_field *x = r->fields; x->name != NULL; x++) {
        if (x->kind == FN_BOOL)
            get_bool(o, pre, x->name, x->required, (int *)(void *)(base + x->offset), e);
        else
            get_int(o, pre, x->name, x->required, x->kind == FN_AMOUNT ? MAX_AMOUNT : MAX_COUNT,
                    (int64_t *)(void *)(base + x->offset), e);
    }
}

static void read_functions(json_t *fns, sf_report_facts *f, sf_errors *e)
{
    const char *names[SF_FUNCTION_COUNT + 1];
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        names[i] = FUNCTION_READERS[i].name;
    names[SF_FUNCTION_COUNT] = NULL;
    only(fns, "functions.", names, e);
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        char field[64];
        snprintf(field, sizeof field, "functions.%s", FUNCTION_READERS[i].name);
        json_t *o = object_member(fns, FUNCTION_READERS[i].name, field, 0, e);
        if (o != NULL)
            read_function(o, &FUNCTION_READERS[i], f, e);
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
        sf_errors_add(e, "innovation", SF_E_INNOVATION_REQUIRED);
    else if (strlen(innovation) > 60000)
        sf_errors_add(e, "innovation", SF_E_TOO_LONG, SF_INT("max", 20000));
}

/* ---- an annual summary's figures (Art. 22; dynamic management, Art. 4, 24) ---- */

void sf_summary_figures_read(json_t *figures, sf_report_facts *f, sf_errors *e)
{
    static const char *const fields[] = {"smes_served", "satisfaction_pct", "public_service_share_pct", "functions",
                                         NULL};
    memset(f, 0, sizeof *f);
    if (!json_is_object(figures)) {
        sf_errors_add(e, "figures", SF_E_NOT_OBJECT);
        return;
    }
    only(figures, "figures.", fields, e);
    get_int(figures, "figures.", "smes_served", 1, MAX_COUNT, &f->smes_served_last_year, e);
    get_pct(figures, "figures.", "satisfaction_pct", 1, &f->satisfaction_pct, e);
    get_pct(figures, "figures.", "public_service_share_pct", 1, &f->public_service_share_pct, e);
    json_t *fns = object_member(figures, "functions", "figures.functions", 0, e);
    if (fns == NULL)
        return;
    const char *names[SF_FUNCTION_COUNT + 1];
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        names[i] = FUNCTION_READERS[i].name;
    names[SF_FUNCTION_COUNT] = NULL;
    only(fns, "figures.functions.", names, e);
    char *base = (char *)f;
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        const fn_reader *r = &FUNCTION_READERS[i];
        char pre[80];
        snprintf(pre, sizeof pre, "figures.functions.%s", r->name);
        json_t *o = object_member(fns, r->name, pre, 0, e);
        if (o == NULL)
            continue;
        /* the year's activity: its counts and amounts; what the function has (pools, systems) is
         * not stated again and not re-tested */
        const char *counted[8];
        size_t n = 0;
        for (const fn_field *x = r->fields; x->name != NULL && n < 7; x++)
            if (x->kind != FN_BOOL)
                counted[n++] = x->name;
        counted[n] = NULL;
        strncat(pre, ".", sizeof pre - strlen(pre) - 1);
        only(o, pre, counted, e);
        *(int *)(void *)(base + r->present) = 1;
        for (const fn_field *x = r->fields; x->name != NULL; x++) {
            if (x->kind == FN_BOOL)
                *(int *)(void *)(base + x->offset) = 1;
            else
                get_int(o, pre, x->name, 1, x->kind == FN_AMOUNT ? MAX_AMOUNT : MAX_COUNT,
                        (int64_t *)(void *)(base + x->offset), e);
        }
    }
}

/* A check's verdict in structure and in words: code, measure, threshold, value, unit, detail. */
static json_t *check_json(const sf_check *c, sf_lang lang)
{
    char detail[1024];
    sf_message_render(detail, sizeof detail, lang, c->detail, &c->params);
    json_t *o = json_pack("{s:s, s:b, s:s, s:s}", "id", c->id, "passed", c->passed, "code", sf_code_name(c->code),
                          "detail", detail);
    if (o != NULL && c->measure != NULL) {
        json_object_set_new(o, "measure", json_string(c->measure));
        json_object_set_new(o, "unit", json_string(c->unit));
        int whole = strcmp(c->unit, "pct") != 0;
        json_object_set_new(o, "threshold", whole ? json_integer((json_int_t)c->threshold) : json_real(c->threshold));
        json_object_set_new(o, "value", whole ? json_integer((json_int_t)c->value) : json_real(c->value));
    }
    return o;
}

json_t *sf_standing_json(const sf_standing *st, sf_lang lang)
{
    json_t *conditions = json_array(), *functions = json_array();
    for (int i = 0; i < 2; i++) {
        const sf_check *c = &st->conditions[i];
        json_t *item = check_json(c, lang);
        json_object_set_new(item, "relaxed", json_boolean(c->relaxed));
        json_array_append_new(conditions, item);
    }
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        if (st->titled[i])
            json_array_append_new(functions, check_json(&st->functions[i], lang));
    return json_pack("{s:b, s:o, s:o}", "meets", st->meets, "conditions", conditions, "functions", functions);
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
        sf_errors_add(e, "opinion", SF_E_REQUIRED);
    else if (strlen(opinion) > 30000)
        sf_errors_add(e, "opinion", SF_E_TOO_LONG, SF_INT("max", 10000));
}

/* ---- the verdict ---- */

/* The thresholds of condition `cond` that relaxation changed: [{name, normal, relaxed}]. */
static json_t *relaxed_thresholds_json(const sf_eligibility *el, const char *cond)
{
    json_t *list = json_array();
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        double n = sf_threshold_get(&el->normal, d), a = sf_threshold_get(&el->applied, d);
        if (strcmp(d->condition, cond) != 0 || n == a)
            continue;
        json_t *normal = d->kind == SF_TK_PCT ? json_real(n) : json_integer((json_int_t)n);
        json_t *relaxed = d->kind == SF_TK_PCT ? json_real(a) : json_integer((json_int_t)a);
        json_array_append_new(list, json_pack("{s:s, s:o, s:o}", "name", d->name, "normal", normal, "relaxed", relaxed));
    }
    return list;
}

/* Appends to the detail, in words, each threshold relaxation changed: "; relaxed region:
 * min_smes_served 64 (normally 80), …" (`named`: the detail has begun that list already). */
static void name_relaxed(json_t *item, const json_t *relaxed, int named, sf_lang lang)
{
    char detail[2048], part[256];
    snprintf(detail, sizeof detail, "%s", json_string_value(json_object_get(item, "detail")));
    size_t i;
    json_t *t;
    json_array_foreach(relaxed, i, t) {
        sf_params p;
        sf_params_set(&p, (const sf_arg[]){SF_TEXT("name", json_string_value(json_object_get(t, "name"))),
                                           SF_NUM("relaxed", json_number_value(json_object_get(t, "relaxed"))),
                                           SF_NUM("normal", json_number_value(json_object_get(t, "normal"))),
                                           SF_ARG_END_});
        sf_message_render(part, sizeof part, lang, i == 0 && !named ? SF_E_RELAXED_REGION : SF_E_RELAXED_ALSO, &p);
        strncat(detail, part, sizeof detail - strlen(detail) - 1);
    }
    json_object_set_new(item, "detail", json_string(detail));
}

json_t *sf_eligibility_json(const sf_eligibility *el, sf_lang lang)
{
    json_t *conditions = json_array(), *functions = json_array();
    for (int i = 0; i < SF_CONDITION_COUNT; i++) {
        const sf_check *c = &el->conditions[i];
        json_t *item = check_json(c, lang);
        json_object_set_new(item, "relaxed", json_boolean(c->relaxed));
        json_object_set_new(item, "required", json_boolean(c->required));
        json_object_set_new(item, "missing", json_boolean(c->missing));
        json_t *relaxed = relaxed_thresholds_json(el, c->id);
        if (json_array_size(relaxed) > 0) {
            name_relaxed(item, relaxed, c->detail == SF_E_ELIG_12_1_RELAXED, lang);
            json_object_set_new(item, "relaxed_thresholds", relaxed);
        } else {
            json_decref(relaxed);
        }
        json_array_append_new(conditions, item);
    }
    for (int i = 0; i < SF_FUNCTION_COUNT; i++) {
        const sf_check *c = &el->functions[i];
        json_t *item = check_json(c, lang);
        json_object_set_new(item, "missing", json_boolean(c->missing));
        json_array_append_new(functions, item);
    }
    return json_pack("{s:b, s:o, s:o}", "eligible", el->eligible, "conditions", conditions, "functions", functions);
}
