/*
 * Workflow: Platforms (Art. 15): credit codes, regions, and the identity a review fixes (what a
 * title fixes is tried in lifecycle.c, once a title exists).
 */
#include "tests/workflow/fixture.h"

START_TEST(platforms_check_credit_codes_and_stay_in_their_region)
{
    char body[512], code[19];
    credit_code(code, 1);
    code[17] = code[17] == '0' ? '1' : '0';   /* a wrong check character */
    snprintf(body, sizeof body, "{\"name\":\"错码平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"某公司\",\"credit_code\":\"%s\"}}", code);
    th_response *r = expect(SHENYANG, "POST", "/v1/platforms", body, 422);
    ck_assert(has_error(r, "operator.credit_code"));
    th_free(r);
    credit_code(code, 2);
    snprintf(body, sizeof body, "{\"name\":\"越界平台\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"某公司\",\"credit_code\":\"%s\"}}", code);
    th_free(expect(SHENYANG, "POST", "/v1/platforms", body, 403));
    th_free(expect(SUPERVISOR, "POST", "/v1/platforms", body, 403));
    long long p = new_platform(SHENYANG, "沈阳中小企业培训服务平台", "210100", 3);
    char path[64];
    snprintf(path, sizeof path, "/v1/platforms/%lld", p);
    th_free(expect(DALIAN, "GET", path, NULL, 404));          /* another city's: as if absent */
    th_free(expect(SUPERVISOR, "GET", path, NULL, 200));
    r = expect(SHENYANG, "GET", "/v1/platforms?q=%E5%9F%B9%E8%AE%AD", NULL, 200);   /* q=培训 */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(DALIAN, "GET", "/v1/platforms?q=%E5%9F%B9%E8%AE%AD", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    /* PATCH honours If-Match */
    r = expect(SHENYANG, "GET", path, NULL, 200);
    char etag[80], header[128];
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    const char *patch = "{\"name\":\"沈阳中小企业培训平台\"}";
    r = th_request(port, "PATCH", path, tokens[SHENYANG], "application/json", patch, strlen(patch),
                   "If-Match: \"0000\"\r\n");
    ck_assert_int_eq(r->status, 412);
    th_free(r);
    snprintf(header, sizeof header, "If-Match: %s\r\n", etag);
    r = th_request(port, "PATCH", path, tokens[SHENYANG], "application/json", patch, strlen(patch), header);
    ck_assert_msg(r->status == 200, "%s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    th_free(r);
    r = th_request(port, "PATCH", path, tokens[SHENYANG], "application/json", patch, strlen(patch), header);
    ck_assert_int_eq(r->status, 412);   /* the old ETag is stale now */
    th_free(r);
    th_free(expect(DALIAN, "PATCH", path, "{\"name\":\"x\"}", 404));
}
END_TEST

/* An operator's date of establishment (Art. 12.1 counts its years from it) is never after today:
 * by POST, by PATCH and in a row of an import; today itself is taken. */
START_TEST(an_operator_is_not_established_after_today)
{
    char today[11], tomorrow[11], body[512], code[19];
    today_text(today);
    time_t next = time(NULL) + 8 * 3600 + 86400;
    strftime(tomorrow, sizeof tomorrow, "%Y-%m-%d", gmtime(&next));
    credit_code(code, 5);
    snprintf(body, sizeof body, "{\"name\":\"明日平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"明日公司\",\"credit_code\":\"%s\",\"established_on\":\"%s\"}}", code, tomorrow);
    th_response *r = expect(SHENYANG, "POST", "/v1/platforms", body, 422);
    ck_assert_str_eq(error_code(r, "operator.established_on"), "after_today");
    th_free(r);
    snprintf(body, sizeof body, "{\"name\":\"今日平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"今日公司\",\"credit_code\":\"%s\",\"established_on\":\"%s\"}}", code, today);
    long long p = expect_id(SHENYANG, "POST", "/v1/platforms", body, 201);
    char path[64];
    snprintf(path, sizeof path, "/v1/platforms/%lld", p);
    snprintf(body, sizeof body, "{\"operator\":{\"established_on\":\"%s\"}}", tomorrow);
    r = expect(SHENYANG, "PATCH", path, body, 422);
    ck_assert_str_eq(error_code(r, "operator.established_on"), "after_today");
    th_free(r);
    snprintf(body, sizeof body, "[{\"name\":\"明日导入平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"明日公司\",\"credit_code\":\"%s\",\"established_on\":\"%s\"}}]", code, tomorrow);
    r = expect(SHENYANG, "POST", "/v1/imports/platforms?dry_run=true", body, 422);
    json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), "operator.established_on");
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "after_today");
    th_free(r);
    /* and in the report (Annex 2) of an application, where 12.1 reads it */
    long long a = new_application(SHENYANG, p);
    char report[4096], from[32], to[32];
    snprintf(from, sizeof from, "\"established_on\":\"2015-03-01\"");
    snprintf(to, sizeof to, "\"established_on\":\"%s\"", tomorrow);
    const char *at = strstr(REPORT, from);
    ck_assert_ptr_nonnull(at);
    snprintf(report, sizeof report, "%.*s%s%s", (int)(at - REPORT), REPORT, to, at + strlen(from));
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    r = expect(SHENYANG, "PUT", path, report, 422);
    ck_assert_str_eq(error_code(r, "basic.established_on"), "after_today");
    th_free(r);
    th_free(expect(SHENYANG, "GET", path, NULL, 404));   /* nothing stored */
}
END_TEST

START_TEST(a_reviewed_platform_keeps_its_identity)
{
    long long a = approved_application("沈阳身份固定平台", 31);
    char path[64];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    long long p = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);
    snprintf(path, sizeof path, "/v1/platforms/%lld", p);
    th_free(expect(SHENYANG, "PATCH", path, "{\"name\":\"改名\"}", 409));
    th_free(expect(SHENYANG, "PATCH", path, "{\"operator\":{\"address\":\"沈阳市浑南区\"}}", 200));
}
END_TEST

Suite *wf_platforms_suite(void)
{
    Suite *s = suite_create("workflow: platforms");
    TCase *tc = tcase_create("platforms");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, platforms_check_credit_codes_and_stay_in_their_region);
    tcase_add_test(tc, a_reviewed_platform_keeps_its_identity);
    tcase_add_test(tc, an_operator_is_not_established_after_today);
    suite_add_tcase(s, tc);
    return s;
}
