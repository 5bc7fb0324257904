/*
 * The kinds of records of POST /v1/imports/records (DESIGN.md §2 "Records of the past"): for
 * each, its CSV columns and the check of one row, which answers the row as
 * persistence/records.c takes it. What a row must say on its own is checked here and in
 * domain/records.c; what it must not clash with (a round or a certificate number taken, an
 * overlapping title) is checked by persistence, against what is stored, in the writing
 * transaction. The transport (JSON or CSV, keys, dry runs, all or none) is api/imports.c's.
 */
#include <stdio.h>
#include <string.h>

#include "api/imports.h"
#include "api/json_input.h"
#include "api/measures_json.h"
#include "domain/accounts.h"
#include "domain/awards.h"
#include "domain/credit_code.h"
#include "domain/platforms.h"
#include "domain/records.h"
#include "domain/regions.h"
#include "domain/supervision.h"
#include "domain/text.h"
#include "domain/thresholds.h"

/* Sets `name` of `row` to `value` (taken); *no_memory when it cannot. */
static void set(json_t *row, const char *name, json_t *value, int *no_memory)
{
    if (value == NULL || json_object_set_new(row, name, value) != 0)
        *no_memory = 1;
}

/* A text member of min..max characters (valid UTF-8, showing something, no hidden controls:
 * domain/text.h; a text of several `lines` keeps its line breaks), copied into `row` under the
 * same name; NULL when absent (an error if required) or wrong. */
static const char *text(json_t *body, const char *name, int required, long min, long max, int lines, json_t *row,
                        sf_errors *e, int *no_memory)
{
    const char *s = sf_json_string(body, name, required, e);
    if (s == NULL)
        return NULL;
    long n = sf_utf8_length(s);
    if (n < min || n > max) {
        sf_errors_add(e, name, SF_E_LENGTH_OUT_OF_RANGE, SF_INT("min", min), SF_INT("max", max));
        return NULL;
    }
    size_t before = e->count + e->dropped;
    (lines ? sf_text_check_lines : sf_text_check_name)(name, s, e);
    if (e->count + e->dropped != before)
        return NULL;
    set(row, name, json_string(s), no_memory);
    return s;
}

/* A date member, copied into `row`; 0 when absent (an error if required) or unreadable. */
static sf_day date(json_t *body, const char *name, int required, json_t *row, sf_errors *e, int *no_memory)
{
    const char *s = sf_json_string(body, name, required, e);
    sf_day day = 0;
    if (s != NULL && !sf_date_parse(s, &day)) {
        sf_errors_add(e, name, SF_E_NOT_DATE);
        return 0;
    }
    if (s != NULL)
        set(row, name, json_string(s), no_memory);
    return day;
}

/* An integer member within min..max, copied into `row`; 0 when absent or wrong. */
static int64_t integer(json_t *body, const char *name, int required, int64_t min, int64_t max, json_t *row,
                       sf_errors *e, int *no_memory)
{
    int64_t v = 0;
    if (!sf_json_int(body, name, required, min, max, &v, e))
        return 0;
    set(row, name, json_integer((json_int_t)v), no_memory);
    return v;
}

/* One of `choices` (NULL-terminated), copied into `row`. */
static const char *choice(json_t *body, const char *name, int required, const char *const *choices, json_t *row,
                          sf_errors *e, int *no_memory)
{
    const char *s = sf_json_string(body, name, required, e);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) {
            set(row, name, json_string(s), no_memory);
            return s;
        }
    char list[160] = "";
    for (size_t i = 0; choices[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", choices[i]);
    sf_errors_add(e, name, SF_E_NOT_ONE_OF, SF_TEXT("allowed", list));
    return NULL;
}

/* A city's code (GB/T 2260), copied into `row`. */
static const char *city(json_t *body, const char *name, int required, json_t *row, sf_errors *e, int *no_memory)
{
    const char *s = sf_json_string(body, name, required, e);
    if (s != NULL && sf_region_city(s) == NULL) {
        sf_errors_add(e, name, SF_E_REGION_INVALID);
        return NULL;
    }
    if (s != NULL)
        set(row, name, json_string(s), no_memory);
    return s;
}

static const char *const LEVELS[] = {"province", "city", NULL};

/* ---- rounds ---- */

static const sf_import_column ROUND_COLUMNS[] = {
    {"year", SF_COL_INT, 0}, {"level", SF_COL_TEXT, 0}, {"region_code", SF_COL_TEXT, 1}, {"title", SF_COL_TEXT, 1},
    {"opens_on", SF_COL_TEXT, 1}, {"closes_on", SF_COL_TEXT, 1}, {"thresholds", SF_COL_JSON, 1},
    {"require_prior_recognition", SF_COL_BOOL, 1}, {"validity_years", SF_COL_INT, 1},
    {"validity_ends", SF_COL_TEXT, 1},
};

static json_t *round_row(const sf_ctx *ctx, json_t *body, json_int_t n, json_t *state, sf_day today, sf_errors *e,
                         int *no_memory)
{
    (void)ctx;
    (void)state;
    static const char *const fields[] = {"year", "level", "region_code", "title", "opens_on", "closes_on",
                                         "thresholds", "require_prior_recognition", "validity_years",
                                         "validity_ends", NULL};
    static const char *const ENDS[] = {"year_end", "anniversary", NULL};
    json_t *row = json_pack("{s:I}", "row", n);
    sf_json_only(body, fields, e);
    int year = (int)integer(body, "year", 1, SF_RECORDS_FIRST_YEAR, 9999, row, e, no_memory);
    if (year)
        sf_record_round_check(year, today, e);
    const char *level = choice(body, "level", 1, LEVELS, row, e, no_memory);
    int city_level = level && strcmp(level, "city") == 0;
    if (city_level) {
        city(body, "region_code", 1, row, e, no_memory);
    } else {
        const char *region = sf_json_string(body, "region_code", 0, e);
        if (region && strcmp(region, "210000") != 0)
            sf_errors_add(e, "region_code", SF_E_REGION_PROVINCIAL);
        set(row, "region_code", json_string("210000"), no_memory);
    }
    if (!text(body, "title", 0, 1, 200, 0, row, e, no_memory) && year && level) {
        char title[128];
        snprintf(title, sizeof title, "%d年度%s中小企业公共服务示范平台认定", year, city_level ? "市级" : "辽宁省");
        set(row, "title", json_string(title), no_memory);
    }
    sf_day opens = date(body, "opens_on", 0, row, e, no_memory);
    sf_day closes = date(body, "closes_on", 0, row, e, no_memory);
    if (year) {
        /* the dates of a round of the past, where known; else its year */
        if (!opens)
            set(row, "opens_on", json_sprintf("%d-01-01", year), no_memory);
        if (!closes)
            set(row, "closes_on", json_sprintf("%d-12-31", year), no_memory);
        int y, m, d;
        if (opens && (sf_day_to_ymd(opens, &y, &m, &d), y != year))
            sf_errors_add(e, "opens_on", SF_E_DATE_OUTSIDE_YEAR, SF_INT("year", year));
        if (closes && (sf_day_to_ymd(closes, &y, &m, &d), y != year))
            sf_errors_add(e, "closes_on", SF_E_DATE_OUTSIDE_YEAR, SF_INT("year", year));
    }
    if (opens && closes && closes < opens)
        sf_errors_add(e, "closes_on", SF_E_CLOSES_BEFORE_OPENS);
    json_t *th = json_object_get(body, "thresholds");
    if (th != NULL && !json_is_null(th)) {
        sf_thresholds t;
        sf_errors te;
        sf_errors_init(&te);
        sf_thresholds_read(th, &t, &te);
        if (!sf_errors_any(&te))
            sf_thresholds_validate(&t, &te);
        sf_errors_merge(e, "thresholds", &te);
        if (!sf_errors_any(&te))
            set(row, "thresholds", json_deep_copy(th), no_memory);
    }
    json_t *prior = json_object_get(body, "require_prior_recognition");
    if (prior != NULL && !json_is_null(prior)) {
        if (!json_is_boolean(prior))
            sf_errors_add(e, "require_prior_recognition", SF_E_NOT_BOOLEAN);
        else
            set(row, "require_prior_recognition", json_boolean(json_is_true(prior)), no_memory);
    }
    integer(body, "validity_years", 0, SF_VALIDITY_MIN_YEARS, SF_VALIDITY_MAX_YEARS, row, e, no_memory);
    choice(body, "validity_ends", 0, ENDS, row, e, no_memory);
    return row;
}

/* ---- titles ---- */

static const sf_import_column TITLE_COLUMNS[] = {
    {"platform_name", SF_COL_TEXT, 0}, {"region_code", SF_COL_TEXT, 0}, {"functions", SF_COL_LIST, 1},
    {"operator_name", SF_COL_TEXT, 0}, {"credit_code", SF_COL_TEXT, 0}, {"round_id", SF_COL_INT, 1},
    {"year", SF_COL_INT, 1}, {"level", SF_COL_TEXT, 1}, {"certificate_no", SF_COL_TEXT, 0},
    {"awarded_on", SF_COL_TEXT, 0}, {"valid_from", SF_COL_TEXT, 0}, {"valid_until", SF_COL_TEXT, 0},
    {"status", SF_COL_TEXT, 0}, {"revoked_on", SF_COL_TEXT, 1}, {"revocation_reason", SF_COL_TEXT, 1},
    {"revocation_detail", SF_COL_TEXT, 1}, {"notice_reference", SF_COL_TEXT, 1},
};

static json_t *title_row(const sf_ctx *ctx, json_t *body, json_int_t n, json_t *state, sf_day today, sf_errors *e,
                         int *no_memory)
{
    (void)ctx;
    (void)state;
    static const char *const fields[] = {"platform_name", "region_code", "functions", "operator_name", "credit_code",
                                         "round_id", "year", "level", "certificate_no", "awarded_on", "valid_from",
                                         "valid_until", "status", "revoked_on", "revocation_reason",
                                         "revocation_detail", "notice_reference", NULL};
    static const char *const STATUSES[] = {"active", "expired", "revoked", NULL};
    json_t *row = json_pack("{s:I}", "row", n);
    sf_json_only(body, fields, e);
    /* the platform: matched by credit code and name, else created in its city */
    text(body, "platform_name", 1, 1, 200, 0, row, e, no_memory);
    city(body, "region_code", 1, row, e, no_memory);
    text(body, "operator_name", 1, 1, 200, 0, row, e, no_memory);
    const char *code = sf_json_string(body, "credit_code", 1, e);
    if (code && !sf_credit_code_is_valid(code))
        sf_errors_add(e, "credit_code", SF_E_CREDIT_CODE_INVALID);
    else if (code)
        set(row, "credit_code", json_string(code), no_memory);
    json_t *functions = json_object_get(body, "functions");
    if (functions != NULL && !json_is_null(functions)) {
        size_t i;
        json_t *f;
        int ok = json_is_array(functions);
        json_array_foreach(functions, i, f) ok = ok && json_is_string(f) && sf_function_bit(json_string_value(f));
        if (!ok)
            sf_errors_add(e, "functions", SF_E_FUNCTIONS_INVALID);
        else
            set(row, "functions", json_deep_copy(functions), no_memory);
    }
    /* the round: by id, or by year and level (a city-level one: the platform's city) */
    int64_t round_id = integer(body, "round_id", 0, 1, INT64_MAX, row, e, no_memory);
    integer(body, "year", round_id == 0, SF_RECORDS_FIRST_YEAR, 9999, row, e, no_memory);
    choice(body, "level", round_id == 0, LEVELS, row, e, no_memory);
    /* the title as it was decided */
    const char *no = text(body, "certificate_no", 1, 1, 100, 0, row, e, no_memory);
    int seq = no ? sf_certificate_seq(no) : 0;
    if (seq > 0)
        set(row, "seq", json_integer(seq), no_memory);
    sf_recorded_title t = {0};
    t.awarded_on = date(body, "awarded_on", 1, row, e, no_memory);
    t.valid_from = date(body, "valid_from", 1, row, e, no_memory);
    t.valid_until = date(body, "valid_until", 1, row, e, no_memory);
    const char *status = choice(body, "status", 1, STATUSES, row, e, no_memory);
    t.status_known = status && sf_recorded_status_parse(status, &t.status);
    t.revoked_on = date(body, "revoked_on", 0, row, e, no_memory);
    t.revocation_reason = text(body, "revocation_reason", 0, 1, 40, 0, row, e, no_memory);
    text(body, "revocation_detail", 0, 1, 2000, 1, row, e, no_memory);
    text(body, "notice_reference", 0, 1, 200, 0, row, e, no_memory);
    sf_record_title_check(&t, today, e);
    return row;
}

/* ---- supervision records ---- */

static const sf_import_column SUMMARY_COLUMNS[] = {
    {"certificate_no", SF_COL_TEXT, 0}, {"year", SF_COL_INT, 0}, {"received_on", SF_COL_TEXT, 0},
    {"summary", SF_COL_TEXT, 1}, {"figures", SF_COL_JSON, 1},
};

static json_t *summary_row(const sf_ctx *ctx, json_t *body, json_int_t n, json_t *state, sf_day today,
                           sf_errors *e, int *no_memory)
{
    (void)ctx;
    (void)state;
    static const char *const fields[] = {"certificate_no", "year", "received_on", "summary", "figures", NULL};
    json_t *row = json_pack("{s:I}", "row", n);
    sf_json_only(body, fields, e);
    text(body, "certificate_no", 1, 1, 100, 0, row, e, no_memory);
    int year = (int)integer(body, "year", 1, SF_RECORDS_FIRST_YEAR, 9999, row, e, no_memory);
    if (year && !sf_summary_year_has_begun(year, today))
        sf_errors_add(e, "year", SF_E_YEAR_NOT_BEGUN);
    sf_day received = date(body, "received_on", 1, row, e, no_memory);
    sf_record_date_check("received_on", received, today, e);
    if (year && received && !sf_received_in_or_after_year(year, received))
        sf_errors_add(e, "received_on", SF_E_RECEIVED_BEFORE_YEAR, SF_INT("year", year));
    text(body, "summary", 0, 1, 50000, 1, row, e, no_memory);
    json_t *figures = json_object_get(body, "figures");
    if (figures != NULL && !json_is_null(figures)) {
        sf_report_facts ignored;
        size_t before = e->count + e->dropped;
        sf_summary_figures_read(figures, &ignored, e);
        if (e->count + e->dropped == before)
            set(row, "figures", json_deep_copy(figures), no_memory);
    }
    return row;
}

static const sf_import_column INSPECTION_COLUMNS[] = {
    {"certificate_no", SF_COL_TEXT, 0}, {"inspected_on", SF_COL_TEXT, 0}, {"outcome", SF_COL_TEXT, 0},
    {"findings", SF_COL_TEXT, 1}, {"service_quality", SF_COL_TEXT, 1}, {"fees", SF_COL_TEXT, 1},
    {"satisfaction", SF_COL_TEXT, 1},
};

static json_t *inspection_row(const sf_ctx *ctx, json_t *body, json_int_t n, json_t *state, sf_day today,
                              sf_errors *e, int *no_memory)
{
    (void)ctx;
    (void)state;
    static const char *const fields[] = {"certificate_no", "inspected_on", "outcome", "findings", "service_quality",
                                         "fees", "satisfaction", NULL};
    static const char *const OUTCOMES[] = {"satisfactory", "needs_improvement", "unsatisfactory", NULL};
    json_t *row = json_pack("{s:I}", "row", n);
    sf_json_only(body, fields, e);
    text(body, "certificate_no", 1, 1, 100, 0, row, e, no_memory);
    sf_record_date_check("inspected_on", date(body, "inspected_on", 1, row, e, no_memory), today, e);
    choice(body, "outcome", 1, OUTCOMES, row, e, no_memory);
    text(body, "findings", 0, 1, 20000, 1, row, e, no_memory);
    text(body, "service_quality", 0, 1, 5000, 1, row, e, no_memory);
    text(body, "fees", 0, 1, 5000, 1, row, e, no_memory);
    text(body, "satisfaction", 0, 1, 5000, 1, row, e, no_memory);
    return row;
}

static const sf_import_column CITY_REPORT_COLUMNS[] = {
    {"region_code", SF_COL_TEXT, 0}, {"year", SF_COL_INT, 0}, {"received_on", SF_COL_TEXT, 0},
    {"summary_report", SF_COL_TEXT, 1}, {"inspection_report", SF_COL_TEXT, 1},
};

static json_t *city_report_row(const sf_ctx *ctx, json_t *body, json_int_t n, json_t *state, sf_day today,
                               sf_errors *e, int *no_memory)
{
    (void)ctx;
    (void)state;
    static const char *const fields[] = {"region_code", "year", "received_on", "summary_report", "inspection_report",
                                         NULL};
    json_t *row = json_pack("{s:I}", "row", n);
    sf_json_only(body, fields, e);
    city(body, "region_code", 1, row, e, no_memory);
    int year = (int)integer(body, "year", 1, SF_RECORDS_FIRST_YEAR, 9999, row, e, no_memory);
    if (year && !sf_summary_year_has_begun(year, today))
        sf_errors_add(e, "year", SF_E_YEAR_NOT_BEGUN);
    sf_day received = date(body, "received_on", 1, row, e, no_memory);
    sf_record_date_check("received_on", received, today, e);
    if (year && received && !sf_received_in_or_after_year(year, received))
        sf_errors_add(e, "received_on", SF_E_RECEIVED_BEFORE_YEAR, SF_INT("year", year));
    text(body, "summary_report", 0, 1, 100000, 1, row, e, no_memory);
    text(body, "inspection_report", 0, 1, 100000, 1, row, e, no_memory);
    return row;
}

/* The Chinese titles a clerk's sheet may head the columns with instead of the field names (as
 * for platforms, api/imports.c; the titles of the registry's CSV where the facts are the same),
 * in the order of the kind's columns. */
static const char *const ROUND_LABELS[] = {"年度", "认定级别", "行政区划代码", "名称", "申报开始日期", "申报截止日期",
                                           "认定条件", "要求曾获认定", "有效年限", "有效期截止方式"};
static const char *const TITLE_LABELS[] = {"平台名称", "行政区划代码", "服务功能", "运营单位", "统一社会信用代码",
                                           "轮次编号", "年度", "认定级别", "证书编号", "认定日期", "有效期起",
                                           "有效期至", "状态", "撤销日期", "撤销原因", "撤销说明", "认定文件文号"};
static const char *const SUMMARY_LABELS[] = {"证书编号", "年度", "收到日期", "总结", "数据"};
static const char *const INSPECTION_LABELS[] = {"证书编号", "检查日期", "检查结论", "检查发现", "服务质量",
                                                "收费情况", "满意度"};
static const char *const CITY_REPORT_LABELS[] = {"行政区划代码", "年度", "收到日期", "年度总结报告", "检查情况报告"};

#define KIND(name, columns, reader, labels) {name, columns, sizeof columns / sizeof *columns, NULL, reader, labels}
static const sf_import_kind kinds[] = {
    KIND("rounds", ROUND_COLUMNS, round_row, ROUND_LABELS),
    KIND("titles", TITLE_COLUMNS, title_row, TITLE_LABELS),
    KIND("annual_summaries", SUMMARY_COLUMNS, summary_row, SUMMARY_LABELS),
    KIND("inspections", INSPECTION_COLUMNS, inspection_row, INSPECTION_LABELS),
    KIND("city_reports", CITY_REPORT_COLUMNS, city_report_row, CITY_REPORT_LABELS),
};
_Static_assert(sizeof ROUND_LABELS / sizeof *ROUND_LABELS == sizeof ROUND_COLUMNS / sizeof *ROUND_COLUMNS, "rounds");
_Static_assert(sizeof TITLE_LABELS / sizeof *TITLE_LABELS == sizeof TITLE_COLUMNS / sizeof *TITLE_COLUMNS, "titles");
_Static_assert(sizeof SUMMARY_LABELS / sizeof *SUMMARY_LABELS == sizeof SUMMARY_COLUMNS / sizeof *SUMMARY_COLUMNS,
               "summaries");
_Static_assert(sizeof INSPECTION_LABELS / sizeof *INSPECTION_LABELS ==
                   sizeof INSPECTION_COLUMNS / sizeof *INSPECTION_COLUMNS, "inspections");
_Static_assert(sizeof CITY_REPORT_LABELS / sizeof *CITY_REPORT_LABELS ==
                   sizeof CITY_REPORT_COLUMNS / sizeof *CITY_REPORT_COLUMNS, "city reports");

const sf_import_kind *sf_records_kind(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}
