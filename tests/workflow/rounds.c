/*
 * Workflow: Rounds (Art. 20, 26) and the working-day calendar (Art. 18).
 */
#include "tests/workflow/fixture.h"

START_TEST(rounds_one_a_year_and_validated)
{
    round_id = expect_id(PROVINCE, "POST", "/v1/rounds",
                         "{\"year\":2026,\"level\":\"province\",\"title\":\"2026年度省级示范平台认定\","
                         "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\",\"relaxed_regions\":[\"210900\"],"
                         "\"relaxation_factor\":0.8,\"quota_per_recommender\":4}", 201);
    th_response *r = expect(PROVINCE, "GET", "/v1/rounds", NULL, 200);
    json_t *round = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(round, "thresholds"), "min_smes_served")), 80);
    th_free(r);
    r = expect(PROVINCE, "POST", "/v1/rounds",
               "{\"year\":2026,\"level\":\"province\",\"title\":\"又一轮\",\"opens_on\":\"2026-03-01\","
               "\"closes_on\":\"2026-04-01\"}", 409);
    ck_assert(has_error(r, "year"));
    th_free(r);
    r = expect(PROVINCE, "POST", "/v1/rounds",
               "{\"year\":2027,\"level\":\"province\",\"title\":\"x\",\"opens_on\":\"2027-05-01\",\"closes_on\":\"2027-04-01\","
               "\"relaxation_factor\":1.5,\"thresholds\":{\"min_satisfaction_pct\":120,\"min_service_staff\":-1,"
               "\"min_smes_served\":\"80\"}}", 422);
    ck_assert(has_error(r, "closes_on") && has_error(r, "relaxation_factor"));
    ck_assert_str_eq(error_code(r, "thresholds.min_satisfaction_pct"), "percent_out_of_range");
    ck_assert_str_eq(error_code(r, "thresholds.min_service_staff"), "integer_out_of_range");
    ck_assert_str_eq(error_code(r, "thresholds.min_smes_served"), "not_integer");   /* a string is no integer */
    th_free(r);
    th_free(expect(SHENYANG, "POST", "/v1/rounds",
                   "{\"year\":2027,\"level\":\"province\",\"title\":\"x\",\"opens_on\":\"2027-01-01\",\"closes_on\":\"2027-02-01\"}", 403));
    th_free(expect(SUPERVISOR, "POST", "/v1/rounds", "{}", 403));
    th_free(expect(-1, "GET", "/v1/rounds", NULL, 401));
}
END_TEST

START_TEST(calendar_years_are_data)
{
    th_response *r = expect(SHENYANG, "GET", "/v1/calendar/2024", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "working_days")), 8);
    th_free(r);
    th_free(expect(SHENYANG, "GET", "/v1/calendar/2031", NULL, 404));
    r = expect(SHENYANG, "GET", "/v1/calendar/working-days?start=2026-12-20&count=15", NULL, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "2027"));
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/calendar/working-days?count=15", NULL, 422);
    ck_assert_str_eq(error_code(r, "start"), "required");
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/calendar/working-days?start=2026-02-30", NULL, 422);
    ck_assert_str_eq(error_code(r, "start"), "not_date");
    th_free(r);
    const char *year = "{\"holidays\":[\"2027-01-01\"],\"working_days\":[]}";
    th_free(expect(SHENYANG, "PUT", "/v1/calendar/2027", year, 403));
    r = expect(PROVINCE, "PUT", "/v1/calendar/2027",
               "{\"holidays\":[\"2027-01-01\",\"2027-01-01\",\"2028-01-01\"],\"working_days\":[\"2027-01-01\"]}", 422);
    ck_assert(has_error(r, "holidays") && has_error(r, "working_days"));
    th_free(r);
    /* a year read back is a year that can be written back (the notices list weekend holidays),
     * under If-Match */
    r = expect(PROVINCE, "GET", "/v1/calendar/2026", NULL, 200);
    char etag[80], if_match[128];
    th_header(r, "ETag", etag, sizeof etag);
    json_t *again = json_pack("{s:O, s:O}", "holidays", json_object_get(r->json, "holidays"), "working_days",
                              json_object_get(r->json, "working_days"));
    char *text = json_dumps(again, JSON_COMPACT);
    th_free(r);
    snprintf(if_match, sizeof if_match, "If-Match: \"stale\"\r\n");
    r = th_request(port, "PUT", "/v1/calendar/2026", tokens[PROVINCE], "application/json", text, strlen(text), if_match);
    ck_assert_int_eq(r->status, 412);
    th_free(r);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "PUT", "/v1/calendar/2026", tokens[PROVINCE], "application/json", text, strlen(text), if_match);
    ck_assert_msg(r->status == 200, "%s", r->body);
    th_free(r);
    free(text);
    json_decref(again);
    th_free(expect(PROVINCE, "PUT", "/v1/calendar/2027", year, 201));
    r = expect(SHENYANG, "GET", "/v1/calendar/working-days?start=2026-12-20&count=15", NULL, 200);
    ck_assert_str_eq(str(r, "end"), "2027-01-11");   /* 1 January 2027 is a holiday */
    th_free(r);
}
END_TEST

/* Issue 15, point 3: the calendar stays ahead — the official year file loads as it is
 * published (and gives the migration's 2024 exactly), days of an adjacent year must agree
 * with it, and from 1 November the province is told while next year is missing. */
START_TEST(the_official_calendar_file_loads_and_the_next_year_is_asked_for)
{
    th_response *before = expect(PROVINCE, "GET", "/v1/calendar/2024", NULL, 200);
    char *file = th_read_file(SHIFAN_SOURCE_DIR "/tests/data/holiday-cn/2024.json");
    ck_assert_ptr_nonnull(file);
    th_free(expect(SHENYANG, "PUT", "/v1/calendar/2024", file, 403));
    th_response *r = expect(PROVINCE, "PUT", "/v1/calendar/2024", file, 200);
    ck_assert(json_equal(json_object_get(r->json, "holidays"), json_object_get(before->json, "holidays")));
    ck_assert(json_equal(json_object_get(r->json, "working_days"), json_object_get(before->json, "working_days")));
    th_free(r);
    th_free(before);
    free(file);

    /* 2019's file lists 2018-12-29 (working), 30 and 31 (off): they agree with 2018 */
    file = th_read_file(SHIFAN_SOURCE_DIR "/tests/data/holiday-cn/2019.json");
    ck_assert_ptr_nonnull(file);
    th_free(expect(PROVINCE, "PUT", "/v1/calendar/2019", file, 200));
    r = expect(PROVINCE, "GET", "/v1/calendar/2018", NULL, 200);
    ck_assert_ptr_nonnull(strstr(r->body, "2018-12-29"));
    th_free(r);
    json_t *doc = json_loads(file, 0, NULL);
    free(file);
    json_t *first = json_array_get(json_object_get(doc, "days"), 0);   /* 2018-12-29, a working Saturday */
    ck_assert_str_eq(json_string_value(json_object_get(first, "date")), "2018-12-29");
    json_object_set_new(first, "isOffDay", json_true());
    char *text = json_dumps(doc, JSON_COMPACT);
    r = expect(PROVINCE, "PUT", "/v1/calendar/2019", text, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "2018-12-29"));
    th_free(r);
    free(text);
    /* one date both off and working */
    json_object_set_new(first, "isOffDay", json_false());
    json_array_append_new(json_object_get(doc, "days"),
                          json_pack("{s:s, s:s, s:b}", "name", "元旦", "date", "2019-01-01", "isOffDay", 0));
    text = json_dumps(doc, JSON_COMPACT);
    r = expect(PROVINCE, "PUT", "/v1/calendar/2019", text, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "2019-01-01"));
    th_free(r);
    free(text);
    json_object_set_new(doc, "year", json_integer(2020));
    text = json_dumps(doc, JSON_COMPACT);
    th_free(expect(PROVINCE, "PUT", "/v1/calendar/2019", text, 422));   /* the file of another year */
    free(text);
    json_decref(doc);

    /* from 1 November the province's inbox asks for next year while it is missing (the
     * boundary itself is a domain test: the date is today's here) */
    char today[11];
    today_text(today);
    int next_year = atoi(today) + 1, month = atoi(today + 5);
    char path[64];
    snprintf(path, sizeof path, "/v1/calendar/%d", next_year);
    th_free(expect(PROVINCE, "GET", path, NULL, 404));   /* the migrations stop at 2026 */
    int n = inbox_has(PROVINCE, "calendar_missing", NULL);
    ck_assert_int_eq(n, month >= 11 ? 1 : 0);
    ck_assert_int_eq(inbox_has(SHENYANG, "calendar_missing", NULL), 0);
}
END_TEST

Suite *wf_rounds_suite(void)
{
    Suite *s = suite_create("workflow: rounds");
    TCase *tc = tcase_create("rounds");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rounds_one_a_year_and_validated);
    tcase_add_test(tc, the_official_calendar_file_loads_and_the_next_year_is_asked_for);
    tcase_add_test(tc, calendar_years_are_data);
    suite_add_tcase(s, tc);
    return s;
}
