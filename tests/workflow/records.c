/*
 * Workflow: records of the past (issue 15, DESIGN.md §2 "Records of the past"). The province
 * loads its past from the sample files of docs/samples/ — rounds, titles, supervision
 * records — and the registry, the renewal rule (Art. 23) and 12.4 treat the recorded titles as
 * titles decided in shifan; every recorded fact says so; imports are all or none, idempotent,
 * and the province's alone.
 */
#include "tests/workflow/fixture.h"

static char *read_sample(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/docs/samples/%s", SHIFAN_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static th_response *records(int role, const char *kind, const char *query, const char *ct, const char *body,
                            size_t len, const char *key)
{
    char path[160], headers[256] = "";
    snprintf(path, sizeof path, "/v1/imports/records?kind=%s%s", kind, query);
    if (key)
        snprintf(headers, sizeof headers, "Idempotency-Key: %s\r\n", key);
    th_response *r = th_request(port, "POST", path, tokens[role], ct, body, len, headers);
    ck_assert_ptr_nonnull(r);
    return r;
}

static th_response *sample(const char *kind, const char *file, int status)
{
    size_t len;
    char *csv = read_sample(file, &len);
    th_response *r = records(PROVINCE, kind, "", "text/csv; charset=utf-8", csv, len, NULL);
    ck_assert_msg(r->status == status, "%s: %d %s", file, r->status, r->body);
    free(csv);
    return r;
}

/* The platform a recorded title of the samples gave, by its credit code. */
static long long platform_of(const char *credit_code)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM platforms WHERE credit_code = '%s'", credit_code);
    return sql_number(sql);
}

static const char *registry_status(long long platform, char *origin, size_t len)
{
    static char status[32];
    char path[96];
    /* the public registry is served from memory, current once the change's notification has
     * come (README: its staleness bound): read it after that, as a reader of one's own write */
    wf_registry_caught_up(port);
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", platform);
    th_response *r = th_request(port, "GET", path, NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 200);
    json_t *award = json_object_get(r->json, "award");
    snprintf(status, sizeof status, "%s", json_string_value(json_object_get(award, "status")));
    snprintf(origin, len, "%s", json_string_value(json_object_get(award, "origin")));
    th_free(r);
    return status;
}

START_TEST(only_the_province_records_the_past)
{
    const char *body = "[{\"year\":2015,\"level\":\"province\"}]";
    for (int role = SHENYANG; role <= SUPERVISOR; role++) {
        th_response *r = records(role, "rounds", "", "application/json", body, strlen(body), NULL);
        ck_assert_msg(r->status == 403, "role %d: %d", role, r->status);
        th_free(r);
    }
    th_response *r = records(PROVINCE, "platforms", "", "application/json", body, strlen(body), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert(has_error(r, "kind"));
    th_free(r);
    /* a round of the future, or of before the 2006 measures, is no record */
    const char *bad = "[{\"year\":2005,\"level\":\"province\"},{\"year\":2031,\"level\":\"city\",\"region_code\":\"210100\"}]";
    r = records(PROVINCE, "rounds", "", "application/json", bad, strlen(bad), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "\"row\":1"));
    ck_assert_ptr_nonnull(strstr(r->body, "\"row\":2"));
    th_free(r);
}
END_TEST

START_TEST(the_past_in_three_requests_behaves_as_if_decided_in_shifan)
{
    /* 1. rounds */
    th_response *r = sample("rounds", "rounds.csv", 201);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 3);
    long long round2019 = (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    char path[160];
    snprintf(path, sizeof path, "/v1/rounds/%lld", round2019);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "origin"), "recorded");
    th_free(r);
    /* a recorded round takes no applications */
    long long fresh = new_platform(SHENYANG, "记录轮次外的平台", "210100", 915001);
    char body[512];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round2019, fresh);
    th_free(expect(SHENYANG, "POST", "/v1/applications", body, 409));

    /* 2. titles */
    r = sample("titles", "titles.csv", 201);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 4);
    ck_assert_str_eq(str(r, "origin"), "recorded");
    long long import_id = (long long)json_integer_value(json_object_get(r->json, "import_id"));
    long long award2019 = (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    char origin[16];
    /* a title of 2019, valid to 2022-12-31: expired */
    long long p2019 = platform_of("91210100MA0Y00001X");
    ck_assert_str_eq(registry_status(p2019, origin, sizeof origin), "expired");
    ck_assert_str_eq(origin, "recorded");
    /* one of 2023: active */
    long long p2023 = platform_of("91210100MA0Y000021");
    ck_assert_str_eq(registry_status(p2023, origin, sizeof origin), "active");
    ck_assert_str_eq(registry_status(platform_of("91210100MA0Y000047"), origin, sizeof origin), "revoked");
    /* Art. 21: a revoked provincial title does not hide an active city one in the registry
     * (the provincial title came first whatever its state) */
    const char *revoked_province = "[{\"platform_name\":\"样例·浑南创业孵化平台\",\"region_code\":\"210100\","
                                   "\"operator_name\":\"样例沈阳浑南孵化器有限公司\",\"credit_code\":\"91210100MA0Y000034\","
                                   "\"year\":2019,\"level\":\"province\",\"certificate_no\":\"辽中小示范〔2019〕050\","
                                   "\"awarded_on\":\"2019-12-20\",\"valid_from\":\"2019-12-20\",\"valid_until\":\"2022-12-31\","
                                   "\"status\":\"revoked\",\"revoked_on\":\"2020-06-30\",\"revocation_reason\":\"surrendered\"}]";
    r = records(PROVINCE, "titles", "", "application/json", revoked_province, strlen(revoked_province), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    long long hunnan = platform_of("91210100MA0Y000034");
    ck_assert_str_eq(registry_status(hunnan, origin, sizeof origin), "active");
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", hunnan);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "level")), "city");
    th_free(r);
    /* nor does an expired title hide a revoked renewal: the 2019 holder's 2023 title, revoked
     * in 2024, is what the registry shows, not the title that lapsed in 2022 (Art. 21, 25) */
    const char *revoked_renewal = "[{\"platform_name\":\"样例·沈阳工业设计服务平台\",\"region_code\":\"210100\","
                                  "\"operator_name\":\"样例沈阳工业设计有限公司\",\"credit_code\":\"91210100MA0Y00001X\","
                                  "\"year\":2023,\"level\":\"province\",\"certificate_no\":\"辽中小示范〔2023〕051\","
                                  "\"awarded_on\":\"2023-01-01\",\"valid_from\":\"2023-01-01\",\"valid_until\":\"2025-12-31\","
                                  "\"status\":\"revoked\",\"revoked_on\":\"2024-06-30\",\"revocation_reason\":\"surrendered\"}]";
    r = records(PROVINCE, "titles", "", "application/json", revoked_renewal, strlen(revoked_renewal), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    ck_assert_str_eq(registry_status(p2019, origin, sizeof origin), "revoked");
    /* the title's own document and its audit event say where it comes from */
    snprintf(path, sizeof path, "/v1/awards/%lld", award2019);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "origin"), "recorded");
    ck_assert(json_is_null(json_object_get(r->json, "application_id")));
    ck_assert_str_eq(str(r, "certificate_no"), "辽中小示范〔2019〕001");
    th_free(r);
    snprintf(path, sizeof path, "/v1/audit-events?entity=award&entity_id=%lld", award2019);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    json_t *event = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(event, "action")), "award.recorded");
    json_t *detail = json_object_get(event, "detail");
    ck_assert_str_eq(json_string_value(json_object_get(detail, "origin")), "recorded");
    ck_assert_int_eq(json_integer_value(json_object_get(detail, "import_id")), import_id);
    th_free(r);

    /* Art. 23: the holder of the 2023 title may apply again only in a round of 2026 */
    long long round2027 = expect_id(PROVINCE, "POST", "/v1/rounds",
                                    "{\"year\":2027,\"level\":\"province\",\"title\":\"2027年度省级认定\","
                                    "\"opens_on\":\"2027-03-01\",\"closes_on\":\"2027-06-30\"}", 201);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round2027, p2023);
    th_free(expect(SHENYANG, "POST", "/v1/applications", body, 409));
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, p2023);
    th_free(expect(SHENYANG, "POST", "/v1/applications", body, 201));

    /* 12.4: a recorded city-level title is a prior recognition, with none declared */
    long long p_city = platform_of("91210100MA0Y000034");
    long long app = new_application(SHENYANG, p_city);
    char *report = strdup(REPORT), *from = strstr(report, "\"prior_recognitions\":[");
    ck_assert_ptr_nonnull(from);
    char *to = strchr(from, ']');
    memmove(from + strlen("\"prior_recognitions\":["), to, strlen(to) + 1);
    snprintf(path, sizeof path, "/v1/applications/%lld/report", app);
    th_free(expect(SHENYANG, "PUT", path, report, 200));
    free(report);
    snprintf(path, sizeof path, "/v1/applications/%lld/eligibility", app);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    size_t i;
    json_t *c;
    int seen = 0;
    json_array_foreach(json_object_get(r->json, "conditions"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "id")), "12.4") == 0) {
            ck_assert_msg(json_is_true(json_object_get(c, "passed")), "%s", r->body);
            seen = 1;
        }
    }
    ck_assert(seen);
    th_free(r);

    /* 3. supervision records, their dates as stated */
    r = sample("annual_summaries", "annual_summaries.csv", 201);
    long long summary = (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    snprintf(path, sizeof path, "/v1/annual-summaries/%lld", summary);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "origin"), "recorded");
    ck_assert_str_eq(str(r, "received_on"), "2025-01-20");
    th_free(r);
    /* its standing (Art. 4, 24): 12.2's growth has no year before to be measured against (no
     * earlier summary, no application report): not judged — it passed, against a year of 0 */
    snprintf(path, sizeof path, "/v1/awards/%lld/standing?year=2024",
             sql_number("SELECT id FROM awards WHERE certificate_no = '辽中小示范〔2023〕012'"));
    r = expect(PROVINCE, "GET", path, NULL, 200);
    json_t *growth = json_array_get(json_object_get(r->json, "conditions"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(growth, "id")), "12.2");
    ck_assert_str_eq(json_string_value(json_object_get(growth, "code")), "not_judged");
    ck_assert(json_is_false(json_object_get(growth, "passed")));
    ck_assert(json_is_false(json_object_get(r->json, "meets")));
    th_free(r);
    /* in the compliance view it is not met, and 12.2 is not among what failed */
    r = expect(PROVINCE, "GET", "/v1/compliance?year=2024", NULL, 200);
    int listed = 0;
    size_t ci, pi, ui;
    json_t *city, *pl, *id;
    json_array_foreach(json_object_get(r->json, "cities"), ci, city)
        json_array_foreach(json_object_get(city, "platforms"), pi, pl) {
            if (strcmp(json_string_value(json_object_get(pl, "certificate_no")), "辽中小示范〔2023〕012") != 0)
                continue;
            listed++;
            json_t *standing = json_object_get(pl, "standing");
            ck_assert(json_is_false(json_object_get(standing, "meets")));
            json_array_foreach(json_object_get(standing, "unmet"), ui, id)
                ck_assert_str_ne(json_string_value(id), "12.2");
        }
    ck_assert_int_eq(listed, 1);
    th_free(r);
    th_free(sample("inspections", "inspections.csv", 201));
    th_free(sample("city_reports", "city_reports.csv", 201));
    /* a report of a year is not received before that year began: a city's, a title's summary */
    const char *early = "[{\"region_code\":\"210100\",\"year\":2017,\"received_on\":\"2016-12-30\"}]";
    r = records(PROVINCE, "city_reports", "", "application/json", early, strlen(early), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert(has_error(r, "received_on"));
    ck_assert_ptr_nonnull(strstr(r->body, "received_before_year"));
    th_free(r);
    const char *early_summary = "[{\"certificate_no\":\"辽中小示范〔2023〕012\",\"year\":2025,"
                                "\"received_on\":\"2024-12-31\",\"summary\":\"早到的总结\"}]";
    r = records(PROVINCE, "annual_summaries", "", "application/json", early_summary, strlen(early_summary), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert(has_error(r, "received_on"));
    ck_assert_ptr_nonnull(strstr(r->body, "received_before_year"));
    th_free(r);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM rectifications r JOIN inspections i"
                                " ON i.id = r.opened_by_inspection_id WHERE i.origin = 'recorded'"), 0);
    /* a past record falls within its title's life, as a live one does (Art. 22, 24): 〔2019〕001
     * was valid 2019-12-20 to 2022-12-31; 〔2019〕002 the same, revoked on 2021-06-30 */
    const struct {
        const char *kind, *row, *field;   /* field NULL: the row passes (a dry run) */
    } life[] = {
        {"annual_summaries", "\"辽中小示范〔2019〕001\",\"year\":2019,\"received_on\":\"2020-01-20\"", NULL},
        {"annual_summaries", "\"辽中小示范〔2019〕001\",\"year\":2022,\"received_on\":\"2023-01-20\"", NULL},
        {"annual_summaries", "\"辽中小示范〔2019〕001\",\"year\":2018,\"received_on\":\"2019-01-20\"", "year"},
        {"annual_summaries", "\"辽中小示范〔2019〕001\",\"year\":2023,\"received_on\":\"2024-01-20\"", "year"},
        {"annual_summaries", "\"辽中小示范〔2019〕002\",\"year\":2020,\"received_on\":\"2021-06-30\"", NULL},
        /* 2020 was held through (revoked in 2021): its summary is owed, and taken late too */
        {"annual_summaries", "\"辽中小示范〔2019〕002\",\"year\":2020,\"received_on\":\"2021-07-01\"", NULL},
        {"annual_summaries", "\"辽中小示范〔2019〕002\",\"year\":2021,\"received_on\":\"2022-01-20\"", "received_on"},
        {"annual_summaries", "\"辽中小示范〔2019〕002\",\"year\":2022,\"received_on\":\"2023-01-20\"", "year"},
        {"inspections", "\"辽中小示范〔2019〕001\",\"inspected_on\":\"2019-12-20\",\"outcome\":\"satisfactory\"", NULL},
        {"inspections", "\"辽中小示范〔2019〕001\",\"inspected_on\":\"2019-12-19\",\"outcome\":\"satisfactory\"", "inspected_on"},
        {"inspections", "\"辽中小示范〔2019〕001\",\"inspected_on\":\"2022-12-31\",\"outcome\":\"satisfactory\"", NULL},
        {"inspections", "\"辽中小示范〔2019〕001\",\"inspected_on\":\"2023-01-01\",\"outcome\":\"satisfactory\"", "inspected_on"},
        {"inspections", "\"辽中小示范〔2019〕002\",\"inspected_on\":\"2021-06-30\",\"outcome\":\"satisfactory\"", NULL},
        {"inspections", "\"辽中小示范〔2019〕002\",\"inspected_on\":\"2021-07-01\",\"outcome\":\"satisfactory\"", "inspected_on"},
    };
    for (size_t k = 0; k < sizeof life / sizeof *life; k++) {
        char one[300];
        snprintf(one, sizeof one, "[{\"certificate_no\":%s}]", life[k].row);
        r = records(PROVINCE, life[k].kind, "&dry_run=true", "application/json", one, strlen(one), NULL);
        ck_assert_msg(r->status == (life[k].field ? 422 : 200), "%s %s: %d %s", life[k].kind, life[k].row, r->status,
                      r->body);
        if (life[k].field)
            ck_assert_msg(error_code(r, life[k].field) != NULL &&
                              strcmp(error_code(r, life[k].field),
                                     strcmp(life[k].field, "year") == 0 ? "year_not_covered"
                                     : strcmp(life[k].field, "received_on") == 0 ? "record_after_revocation"
                                                                                 : "title_not_in_force_on") == 0,
                          "%s %s: %s", life[k].kind, life[k].row, r->body);
        th_free(r);
    }

    /* the same titles again: every clash is a row error, and nothing is written */
    long long before = sql_number("SELECT count(*) FROM awards");
    r = sample("titles", "titles.csv", 422);
    ck_assert_ptr_nonnull(strstr(r->body, "certificate_no"));
    /* coded, and worded in the caller's language (these tests ask for en) */
    ck_assert_str_eq(error_code(r, "certificate_no"), "record_certificate_taken");
    ck_assert_ptr_nonnull(strstr(r->body, "is the number of a title shifan holds already"));
    th_free(r);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM awards"), before);
    /* a second active provincial title of the 2023 holder overlaps the first */
    const char *overlap = "[{\"platform_name\":\"样例·沈阳中小企业融资服务平台\",\"region_code\":\"210100\","
                          "\"operator_name\":\"样例沈阳融资服务有限公司\",\"credit_code\":\"91210100MA0Y000021\","
                          "\"year\":2019,\"level\":\"province\",\"certificate_no\":\"辽中小示范〔2019〕099\","
                          "\"awarded_on\":\"2019-12-20\",\"valid_from\":\"2019-12-20\",\"valid_until\":\"2024-12-31\","
                          "\"status\":\"expired\"}]";
    r = records(PROVINCE, "titles", "", "application/json", overlap, strlen(overlap), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_str_eq(error_code(r, "valid_from"), "record_validity_overlaps");
    json_t *params = json_object_get(json_array_get(json_object_get(r->json, "errors"), 0), "params");
    ck_assert_str_eq(json_string_value(json_object_get(params, "certificate_no")), "辽中小示范〔2023〕012");
    ck_assert_str_eq(json_string_value(json_object_get(params, "valid_until")), "2026-12-31");
    th_free(r);
}
END_TEST

/* `n` recorded titles of new platforms of 大连 in the 2019 round as JSON; row `bad` (1-based,
 * 0 for none) has valid_until before valid_from, and row `dup` repeats row 1's number. */
static char *bulk_titles(const char *stem, int n, int serial0, int bad, int dup)
{
    size_t cap = (size_t)n * 520 + 16, len = 0;
    char *out = malloc(cap);
    len += (size_t)snprintf(out + len, cap - len, "[");
    for (int i = 1; i <= n; i++) {
        char code[19];
        credit_code(code, serial0 + i);
        len += (size_t)snprintf(out + len, cap - len,
                                "%s{\"platform_name\":\"%s%d\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
                                "\"operator_name\":\"%s运营%d\",\"credit_code\":\"%s\",\"year\":2019,\"level\":"
                                "\"province\",\"certificate_no\":\"%s-%d\",\"awarded_on\":\"2019-12-20\","
                                "\"valid_from\":\"2019-12-20\",\"valid_until\":\"%s\",\"status\":\"expired\"}",
                                i > 1 ? "," : "", stem, i, stem, i, code, stem, i == dup ? 1 : i,
                                i == bad ? "2019-01-01" : "2022-12-31");
    }
    snprintf(out + len, cap - len, "]");
    return out;
}

START_TEST(a_bad_row_among_a_thousand_leaves_nothing_and_keys_replay)
{
    long long before = sql_number("SELECT count(*) FROM awards");
    char *rows = bulk_titles("批量记录", 1000, 916000, 537, 0);
    th_response *r = records(PROVINCE, "titles", "", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 422);
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_uint_eq(json_array_size(errors), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(errors, 0), "row")), 537);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "valid_until");
    th_free(r);
    free(rows);
    /* a clash only the database sees: row 999 repeats row 1's certificate number */
    rows = bulk_titles("批量记录", 1000, 916000, 0, 999);
    r = records(PROVINCE, "titles", "", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 422);
    errors = json_object_get(r->json, "errors");
    ck_assert_uint_eq(json_array_size(errors), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(errors, 0), "row")), 999);
    ck_assert_str_eq(error_code(r, "certificate_no"), "repeats_row");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")), "repeats row 1");
    th_free(r);
    /* in Chinese, every word of it (the reason was English inside a Chinese sentence) */
    r = th_request(port, "POST", "/v1/imports/records?kind=titles", tokens[PROVINCE], "application/json", rows,
                   strlen(rows), "Accept-Language: zh-CN\r\n");
    ck_assert_int_eq(r->status, 422);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "errors"), 0), "message")),
                     "与第 1 行重复");
    th_free(r);
    free(rows);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM awards"), before);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM platforms WHERE name LIKE '批量记录%'"), 0);

    /* a dry run checks against what is stored and writes nothing */
    rows = bulk_titles("批量记录", 3, 917000, 0, 0);
    r = records(PROVINCE, "titles", "&dry_run=true", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "valid_rows")), 3);
    th_free(r);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM awards"), before);
    /* the same key and body replay the first answer; another body under the key is refused */
    r = records(PROVINCE, "titles", "", "application/json", rows, strlen(rows), "records-2019-a");
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long import_id = (long long)json_integer_value(json_object_get(r->json, "import_id"));
    th_free(r);
    r = records(PROVINCE, "titles", "", "application/json", rows, strlen(rows), "records-2019-a");
    ck_assert_int_eq(r->status, 201);
    char replayed[16];
    ck_assert_ptr_nonnull(th_header(r, "Idempotent-Replayed", replayed, sizeof replayed));
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "import_id")), import_id);
    th_free(r);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM awards"), before + 3);
    free(rows);
    rows = bulk_titles("另一批记录", 2, 918000, 0, 0);
    r = records(PROVINCE, "titles", "", "application/json", rows, strlen(rows), "records-2019-a");
    ck_assert_int_eq(r->status, 422);
    th_free(r);
    free(rows);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM awards"), before + 3);
}
END_TEST

/* The events of an import are written for all its rows at once (persistence/records.c EVENTS):
 * each recorded title and each platform the import created has exactly one event, with the
 * actor, the request and the detail an event appended for it alone carries (origin, the import,
 * the fact's document as stored, the client's request id), in the order of the facts, after the
 * import's own event; linked into the chain like every other, and the chain verifies. The
 * registry entries they make carry the documents registry_doc() gives their rows. */
START_TEST(each_recorded_fact_has_its_one_event_in_the_chain)
{
    char *rows = bulk_titles("事件核对", 40, 919000, 0, 0);
    th_response *r = th_request(port, "POST", "/v1/imports/records?kind=titles", tokens[PROVINCE],
                                "application/json", rows, strlen(rows), "X-Request-Id: records-events-1\r\n");
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    long long import_id = (long long)json_integer_value(json_object_get(r->json, "import_id"));
    th_free(r);
    free(rows);
    char sql[2048];
#define FACTS(entity, of_import)                                                                              \
    "FROM " entity " JOIN record_imports i ON i.id = %lld JOIN audit_events e ON e.entity_id = x.id"         \
    " WHERE " of_import
    /* every title of the import: one event, the one a per-row append wrote */
    snprintf(sql, sizeof sql,
             "SELECT count(*) " FACTS("awards x", "x.import_id = i.id") " AND e.entity = 'award'", import_id);
    ck_assert_int_eq(sql_number(sql), 40);
    snprintf(sql, sizeof sql,
             "SELECT count(*) " FACTS("awards x", "x.import_id = i.id")
             " AND e.entity = 'award' AND e.action = 'award.recorded' AND e.actor_user_id = i.imported_by"
             " AND e.actor_org_id = i.org_id AND e.request_id = split_part(i.request_id, '/', 1)"
             " AND e.detail = jsonb_build_object('origin', 'recorded', 'import_id', i.id, 'after', award_doc(x),"
             "                                   'client_request_id', 'records-events-1')",
             import_id);
    ck_assert_int_eq(sql_number(sql), 40);
    /* every platform it created: one event */
    snprintf(sql, sizeof sql,
             "SELECT count(*) " FACTS("platforms x", "x.name LIKE '事件核对%%'") " AND e.entity = 'platform'",
             import_id);
    ck_assert_int_eq(sql_number(sql), 40);
    snprintf(sql, sizeof sql,
             "SELECT count(*) " FACTS("platforms x", "x.name LIKE '事件核对%%'")
             " AND e.entity = 'platform' AND e.action = 'platform.created' AND e.actor_user_id = i.imported_by"
             " AND e.actor_org_id = i.org_id AND e.request_id = split_part(i.request_id, '/', 1)"
             " AND e.detail = jsonb_build_object('origin', 'recorded', 'import_id', i.id, 'after', platform_doc(x),"
             "                                   'client_request_id', 'records-events-1')",
             import_id);
    ck_assert_int_eq(sql_number(sql), 40);
#undef FACTS
    /* in order: the import's event, the platforms', the titles', each by its fact's id; their
     * times of entry never go back */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT e.at, lag(e.at) OVER (ORDER BY e.id) AS before,"
             "   row_number() OVER (ORDER BY e.id) AS n,"
             "   row_number() OVER (ORDER BY CASE e.action WHEN 'records.imported' THEN 0"
             "                        WHEN 'platform.created' THEN 1 ELSE 2 END, e.entity_id) AS m"
             " FROM audit_events e WHERE (e.detail->>'import_id')::bigint = %lld"
             "    OR (e.entity = 'record_import' AND e.entity_id = %lld)) s WHERE n <> m OR at < before",
             import_id, import_id);
    ck_assert_int_eq(sql_number(sql), 0);
    /* in the chain, in that order, and the chain holds from before them to them (the audit
     * suite forges an older event in this database: its break comes before them) */
#define OF_IMPORT "((e.detail->>'import_id')::bigint = %lld OR (e.entity = 'record_import' AND e.entity_id = %lld))"
    r = expect(SUPERVISOR, "GET", "/v1/audit-events/verify", NULL, 200);
    snprintf(sql, sizeof sql, "SELECT min(seq) FROM audit_events e WHERE " OF_IMPORT, import_id, import_id);
    ck_assert_msg(json_is_true(json_object_get(r->json, "ok")) ||
                      json_integer_value(json_object_get(r->json, "first_broken")) < sql_number(sql),
                  "%s", r->body);
    th_free(r);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_events e JOIN audit_events b ON b.seq = e.seq - 1 WHERE " OF_IMPORT
             " AND e.prev_hash = b.hash AND e.hash = sha256(e.prev_hash || audit_event_text(e.seq, e.at,"
             "   e.actor_user_id, e.actor_org_id, e.action, e.entity, e.entity_id, e.detail, e.request_id))",
             import_id, import_id);
    ck_assert_int_eq(sql_number(sql), 81);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT e.seq, row_number() OVER (ORDER BY e.id) AS n,"
             "   row_number() OVER (ORDER BY e.seq) AS m FROM audit_events e WHERE " OF_IMPORT ") s"
             " WHERE seq IS NULL OR n <> m",
             import_id, import_id);
    ck_assert_int_eq(sql_number(sql), 0);
#undef OF_IMPORT
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_events WHERE (detail->>'import_id')::bigint = %lld", import_id);
    ck_assert_int_eq(sql_number(sql), 80);
    /* the registry entries: the documents of their rows, as the trigger builds them on an update */
    ck_assert_int_eq(sql_number("SELECT count(*) FROM registry r JOIN platforms p ON p.id = r.platform_id"
                                " WHERE p.name LIKE '事件核对%'"), 40);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM registry r WHERE r.doc IS DISTINCT FROM registry_doc(r, r.status)"
                                " OR r.doc_expired IS DISTINCT FROM"
                                "    CASE WHEN r.status IN ('active', 'revocation_pending') THEN registry_doc(r, 'expired') END"),
                     0);
}
END_TEST

/* `utf8` in GB18030 (after GB18030's own byte order mark, 84 31 95 33, when `bom`); `*len` its
 * length. */
static char *gb18030(const char *utf8, int bom, size_t *len)
{
    size_t cap = strlen(utf8) * 2 + 8, out_left = cap;
    char *gb = malloc(cap), *in = (char *)(uintptr_t)utf8, *out = gb;
    size_t in_left = strlen(utf8);
    if (bom) {
        memcpy(out, "\x84\x31\x95\x33", 4);
        out += 4;
        out_left -= 4;
    }
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    ck_assert(cd != (iconv_t)-1);
    ck_assert(iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1);
    iconv_close(cd);
    *len = cap - out_left;
    return gb;
}

/* Two recorded titles of 鞍山 in a file headed by the Chinese titles of the columns; `tag`
 * (ASCII) keeps the certificate numbers of each copy apart, `serial` the credit codes (the
 * names are the same in every copy). 𠮷 (U+20BB7) takes four bytes in GB18030, 〔〕“”· two. */
static char *chinese_titles_csv(const char *tag, int serial)
{
    char code1[19], code2[19];
    credit_code(code1, serial);
    credit_code(code2, serial + 1);
    char *csv = malloc(2048);
    snprintf(csv, 2048,
             "平台名称,行政区划代码,服务功能,运营单位,统一社会信用代码,轮次编号,年度,认定级别,证书编号,认定日期,"
             "有效期起,有效期至,状态,撤销日期,撤销原因,撤销说明,认定文件文号\r\n"
             "鞍山𠮷祥·工业设计服务平台,210300,technology;training,鞍山吉祥设计有限公司,%s,,2016,province,"
             "辽中小示范〔2016〕%s01,2016-12-20,2016-12-20,2019-12-31,expired,,,,辽工信发〔2016〕66号\r\n"
             "\"鞍山“创业”孵化平台\",210300,entrepreneurship,鞍山创业孵化器有限公司,%s,,2016,province,"
             "辽中小示范〔2016〕%s02,2016-12-20,2016-12-20,2019-12-31,revoked,2018-06-30,violation,"
             "虚报服务数据，经查实撤销,\r\n",
             code1, tag, code2, tag);
    return csv;
}

/* What a title of an import and its platform read back as, through the API. */
static void read_back(th_response *imported, size_t i, char *out, size_t len)
{
    long long award = (long long)json_integer_value(json_array_get(json_object_get(imported->json, "ids"), i));
    char path[96];
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *w = expect(PROVINCE, "GET", path, NULL, 200);
    snprintf(path, sizeof path, "/v1/platforms/%lld", (long long)json_integer_value(json_object_get(w->json, "platform_id")));
    th_response *p = expect(PROVINCE, "GET", path, NULL, 200);
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", (long long)json_integer_value(json_object_get(w->json, "platform_id")));
    wf_registry_caught_up(port);   /* the registry from memory, once the import's notification has come */
    th_response *e = th_request(port, "GET", path, NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(e->status, 200);
    char *functions = json_dumps(json_object_get(p->json, "functions"), JSON_COMPACT);
    snprintf(out, len, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", str(p, "name"), str(e, "name"),
             json_string_value(json_object_get(json_object_get(p->json, "operator"), "name")), str(e, "operator_name"),
             str(p, "region_code"), functions, str(w, "status"), str(w, "valid_until"), str(w, "origin"),
             json_is_string(json_object_get(w->json, "revocation_detail")) ? str(w, "revocation_detail") : "-",
             json_is_string(json_object_get(w->json, "notice_reference")) ? str(w, "notice_reference") : "-");
    free(functions);
    th_free(e);
    th_free(p);
    th_free(w);
}

START_TEST(titles_in_gb18030_read_back_as_in_utf8)
{
    const char *round = "[{\"year\":2016,\"level\":\"province\"}]";
    th_response *r = records(PROVINCE, "rounds", "", "application/json", round, strlen(round), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    /* UTF-8 first: what every other encoding must give */
    char *csv = chinese_titles_csv("U", 931000);
    r = records(PROVINCE, "titles", "", "text/csv", csv, strlen(csv), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    char want[2][1024];
    for (size_t i = 0; i < 2; i++)
        read_back(r, i, want[i], sizeof want[i]);
    th_free(r);
    free(csv);
    ck_assert_str_eq(want[0], "鞍山𠮷祥·工业设计服务平台|鞍山𠮷祥·工业设计服务平台|鞍山吉祥设计有限公司|鞍山吉祥设计有限公司|"
                              "210300|[\"technology\",\"training\"]|expired|2019-12-31|recorded|-|辽工信发〔2016〕66号");
    ck_assert_str_eq(want[1], "鞍山“创业”孵化平台|鞍山“创业”孵化平台|鞍山创业孵化器有限公司|鞍山创业孵化器有限公司|"
                              "210300|[\"entrepreneurship\"]|revoked|2019-12-31|recorded|虚报服务数据，经查实撤销|-");
    /* GB18030 without and with its byte order mark, detected; and declared by charset */
    const struct {
        const char *tag, *type;
        int bom, serial;
    } copies[] = {{"G", "text/csv", 0, 932000}, {"B", "text/csv", 1, 933000},
                  {"D", "text/csv; charset=GB18030", 1, 934000}};
    for (size_t c = 0; c < sizeof copies / sizeof *copies; c++) {
        char *utf8 = chinese_titles_csv(copies[c].tag, copies[c].serial);
        size_t len;
        char *gb = gb18030(utf8, copies[c].bom, &len);
        ck_assert(len != strlen(utf8) && memcmp(gb, utf8, 20) != 0);   /* not UTF-8 in disguise */
        r = records(PROVINCE, "titles", "", copies[c].type, gb, len, NULL);
        ck_assert_msg(r->status == 201, "%s: %s", copies[c].tag, r->body);
        ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 2);
        for (size_t i = 0; i < 2; i++) {
            char got[1024];
            read_back(r, i, got, sizeof got);
            ck_assert_str_eq(got, want[i]);
        }
        th_free(r);
        free(gb);
        free(utf8);
    }

    /* malformed GB18030: a lead byte followed by a space on row 1, a lone lead byte at the end
     * of row 2's last cell; each row named, nothing written */
    long long before = sql_number("SELECT count(*) FROM awards");
    char *utf8 = chinese_titles_csv("M", 935000);
    size_t len;
    char *gb = gb18030(utf8, 0, &len);
    char *row1 = strstr(gb, "\r\n") + 2;
    ck_assert(row1[0] & 0x80);          /* 鞍: two bytes */
    row1[1] = ' ';
    ck_assert(memcmp(gb + len - 3, ",\r\n", 3) == 0);
    memmove(gb + len - 2, gb + len - 3, 3);
    gb[len - 3] = (char)0x81;
    len++;
    r = records(PROVINCE, "titles", "", "text/csv", gb, len, NULL);
    ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_msg(json_array_size(errors) == 2, "%s", r->body);
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_array_get(errors, i);
        ck_assert_int_eq(json_integer_value(json_object_get(e, "row")), (json_int_t)i + 1);
        ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "csv_row_encoding");
    }
    th_free(r);
    /* with a charset that says so, too */
    r = records(PROVINCE, "titles", "", "text/csv; charset=gb18030", gb, len, NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(r->json, "errors"), 0), "row")), 1);
    th_free(r);
    free(gb);
    free(utf8);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM awards"), before);
    /* four copies of the two platforms: the malformed file added none */
    ck_assert_int_eq(sql_number("SELECT count(*) FROM platforms WHERE name IN ('鞍山𠮷祥·工业设计服务平台',"
                                " '鞍山“创业”孵化平台')"), 8);
    /* an unknown column is named with the columns of this kind of records, not the platforms' */
    const char *odd = "备注\n无\n";
    r = records(PROVINCE, "titles", "", "text/csv", odd, strlen(odd), NULL);
    ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "code")), "csv_header_invalid");
    ck_assert_msg(strstr(r->body, "certificate_no") != NULL && strstr(r->body, "established_on") == NULL, "%s",
                  r->body);
    th_free(r);
}
END_TEST

/* Every problem at once: a row refused on its own does not hide another row's clash with what
 * is stored (from an outside review: the stored title's certificate number came out only once
 * the other row was mended). */
START_TEST(a_rows_own_error_does_not_hide_a_clash_with_what_is_stored)
{
    char code1[19], code2[19], rows[1400];
    credit_code(code1, 918001);
    credit_code(code2, 918002);
    snprintf(rows, sizeof rows,
             "[{\"platform_name\":\"合并报告甲\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator_name\":\"合并报告甲运营\",\"credit_code\":\"%s\",\"year\":2019,\"level\":\"province\","
             "\"certificate_no\":\"合并报告-1\",\"awarded_on\":\"2019-12-20\",\"valid_from\":\"2019-12-20\","
             "\"valid_until\":\"2019-01-01\",\"status\":\"expired\"},"
             "{\"platform_name\":\"合并报告乙\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator_name\":\"合并报告乙运营\",\"credit_code\":\"%s\",\"year\":2019,\"level\":\"province\","
             "\"certificate_no\":\"辽中小示范〔2019〕001\",\"awarded_on\":\"2019-12-20\",\"valid_from\":\"2019-12-20\","
             "\"valid_until\":\"2022-12-31\",\"status\":\"expired\"}]",
             code1, code2);
    ck_assert_int_gt(sql_number("SELECT count(*) FROM awards WHERE certificate_no = '辽中小示范〔2019〕001'"), 0);
    for (int dry = 0; dry < 2; dry++) {
        th_response *r = records(PROVINCE, "titles", dry ? "&dry_run=true" : "", "application/json", rows, strlen(rows),
                                 NULL);
        ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);
        int own = 0, stored = 0;
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(r->json, "errors"), i, e) {
            long long row = json_integer_value(json_object_get(e, "row"));
            const char *field = json_string_value(json_object_get(e, "field"));
            own |= row == 1 && strcmp(field, "valid_until") == 0;
            stored |= row == 2 && strcmp(field, "certificate_no") == 0;
        }
        ck_assert_msg(own && stored, "%s", r->body);
        th_free(r);
    }
    ck_assert_int_eq(sql_number("SELECT count(*) FROM platforms WHERE name LIKE '合并报告%'"), 0);
}
END_TEST

/* A CSV header names the columns it has: an optional field's column may be left out (its
 * cells are then empty), a required one may not; a record has as many cells as the header.
 * The header's refusal names every column of the kind, whole (from an outside review: the
 * lists were cut at 127 bytes, "valid_fro…", and a header without the optional columns was
 * refused). */
START_TEST(a_csv_header_names_the_columns_it_has)
{
    const char *some = "year,level,title\n2010,province,2010年度示范平台认定（记录）\n";
    th_response *r = records(PROVINCE, "rounds", "&dry_run=true", "text/csv", some, strlen(some), NULL);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "valid_rows")), 1);
    th_free(r);
    const char *titled = "认定级别,年度\nprovince,2011\n";   /* Chinese titles, any order */
    r = records(PROVINCE, "rounds", "&dry_run=true", "text/csv", titled, strlen(titled), NULL);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    th_free(r);
    const char *no_level = "year,title\n2012,无级别\n";
    r = records(PROVINCE, "rounds", "&dry_run=true", "text/csv", no_level, strlen(no_level), NULL);
    ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "code")), "csv_header_invalid");
    ck_assert_str_eq(error_code(r, "level"), "csv_column_missing");
    ck_assert_ptr_null(error_code(r, "title"));
    th_free(r);
    const char *short_row = "year,level\n2013\n";
    r = records(PROVINCE, "rounds", "&dry_run=true", "text/csv", short_row, strlen(short_row), NULL);
    ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);
    ck_assert_str_eq(error_code(r, "*"), "csv_column_count");
    th_free(r);
    const char *odd = "备注\n无\n";
    const char *langs[] = {"en", NULL};
    for (size_t k = 0; k < 2; k++) {
        const char *saved = th_accept_language;
        th_accept_language = langs[k];
        r = records(PROVINCE, "titles", "", "text/csv", odd, strlen(odd), NULL);
        th_accept_language = saved;
        ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);
        const char *detail = json_string_value(json_object_get(r->json, "detail"));
        ck_assert_msg(strstr(detail, "notice_reference") != NULL && strstr(detail, "认定文件文号") != NULL, "%s", detail);
        ck_assert_msg(strstr(json_string_value(json_object_get(r->json, "columns")), "notice_reference") != NULL &&
                          strstr(json_string_value(json_object_get(r->json, "titles")), "认定文件文号") != NULL,
                      "%s", r->body);
        th_free(r);
    }
}
END_TEST

Suite *wf_records_suite(void)
{
    Suite *s = suite_create("records");
    TCase *tc = tcase_create("records");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, only_the_province_records_the_past);
    tcase_add_test(tc, the_past_in_three_requests_behaves_as_if_decided_in_shifan);
    tcase_add_test(tc, a_bad_row_among_a_thousand_leaves_nothing_and_keys_replay);
    tcase_add_test(tc, titles_in_gb18030_read_back_as_in_utf8);
    tcase_add_test(tc, a_csv_header_names_the_columns_it_has);
    tcase_add_test(tc, a_rows_own_error_does_not_hide_a_clash_with_what_is_stored);
    tcase_add_test(tc, each_recorded_fact_has_its_one_event_in_the_chain);
    suite_add_tcase(s, tc);
    return s;
}
