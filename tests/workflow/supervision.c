/*
 * Workflow: Supervision of titles (Art. 22, 24): assessments, annual summaries, inspections,
 * city reports, compliance, expiry, the inbox.
 */
#include "tests/workflow/fixture.h"

START_TEST(assessments_are_scoped_and_a_failure_leads_to_revocation)
{
    long long award = dalian_award("大连融资担保服务平台", 70);
    char body[256], path[128];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", award,
             assessor_org[ASSESSOR_A]);
    th_free(expect(SHENYANG, "POST", "/v1/assessments", body, 403));
    long long id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    /* the other assessor sees nothing of it */
    th_response *r = expect(ASSESSOR_B, "GET", "/v1/assessments", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    snprintf(path, sizeof path, "/v1/assessments/%lld", id);
    th_free(expect(ASSESSOR_B, "GET", path, NULL, 404));
    r = expect(ASSESSOR_A, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "platform"), "name")), "大连融资担保服务平台");
    ck_assert_str_eq(str(r, "status"), "open");
    /* its buttons: the assessor's until the result is in, nobody else's */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 2);
    th_free(r);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    char assessment_path[128];
    snprintf(assessment_path, sizeof assessment_path, "%s", path);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
    const char *failed = "{\"score\":52.5,\"passed\":false,\"summary\":\"服务记录不实\"}";
    th_free(expect(ASSESSOR_B, "POST", path, failed, 404));
    th_free(expect(PROVINCE, "POST", path, failed, 403));
    th_free(expect(ASSESSOR_A, "POST", path, "{\"score\":101,\"passed\":false,\"summary\":\"x\"}", 422));
    /* the report file goes with the result */
    char file_path[128];
    snprintf(file_path, sizeof file_path, "/v1/assessments/%lld/report?filename=%%E6%%B5%%8B%%E8%%AF%%84.pdf", id);
    const char pdf[] = "%PDF-1.7\nassessment report\n%%EOF\n";
    th_response *f = th_request(port, "POST", file_path, tokens[ASSESSOR_B], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_int_eq(f->status, 404);
    th_free(f);
    f = th_request(port, "POST", file_path, tokens[ASSESSOR_A], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_msg(f->status == 201, "%s", f->body);
    th_free(f);
    /* attached: the assessment shows it, and attach_report is no longer offered (a second is
     * 409 file_attached) */
    r = expect(ASSESSOR_A, "GET", assessment_path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "report"), "filename")), "测评.pdf");
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "allowed_actions"), 0)), "submit_result");
    th_free(r);
    f = th_request(port, "POST", file_path, tokens[ASSESSOR_A], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_int_eq(f->status, 409);
    th_free(f);
    snprintf(file_path, sizeof file_path, "/v1/assessments/%lld/report", id);
    f = expect(PROVINCE, "GET", file_path, NULL, 200);
    ck_assert_uint_eq(f->body_len, sizeof pdf - 1);
    ck_assert(memcmp(f->body, pdf, sizeof pdf - 1) == 0);
    char disposition[256];
    ck_assert_ptr_nonnull(strstr(th_header(f, "Content-Disposition", disposition, sizeof disposition),
                                 "filename*=UTF-8''%E6%B5%8B%E8%AF%84.pdf"));
    th_free(f);
    th_free(expect(ASSESSOR_B, "GET", file_path, NULL, 404));
    /* If-Match names the assessment as last read: another ETag is 412 and nothing is done */
    r = expect(ASSESSOR_A, "GET", assessment_path, NULL, 200);
    char etag[80], if_match[128];
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    r = th_request(port, "POST", path, tokens[ASSESSOR_A], "application/json", failed, strlen(failed),
                   "If-Match: \"00000000000000000000000000000000\"\r\n");
    ck_assert_int_eq(r->status, 412);
    ck_assert_str_eq(str(r, "code"), "precondition_failed");
    th_free(r);
    r = expect(ASSESSOR_A, "GET", assessment_path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "open");
    th_free(r);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "POST", path, tokens[ASSESSOR_A], "application/json", failed, strlen(failed), if_match);
    ck_assert_msg(r->status == 200, "%s", r->body);
    th_free(r);
    snprintf(file_path, sizeof file_path, "/v1/assessments/%lld/report?filename=again.pdf", id);
    f = th_request(port, "POST", file_path, tokens[ASSESSOR_A], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_int_eq(f->status, 409);   /* the result is in: its report is final */
    th_free(f);
    th_free(expect(ASSESSOR_A, "POST", path, failed, 409));       /* a result is final */
    r = expect(ASSESSOR_A, "GET", assessment_path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "revocation_pending");
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld,\"detail\":\"第三方测评不合格\"}", id);
    r = expect(PROVINCE, "POST", path, body, 200);
    ck_assert_str_eq(str(r, "status"), "revoked");
    ck_assert_str_eq(str(r, "revocation_reason"), "failed_assessment");
    th_free(r);

    /* or a later assessment passes and the province reinstates the title (Art. 24) */
    long long second = dalian_award("大连信息化服务平台", 71);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", second,
             assessor_org[ASSESSOR_B]);
    id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
    th_free(expect(ASSESSOR_B, "POST", path, failed, 200));
    snprintf(path, sizeof path, "/v1/awards/%lld/reinstate", second);
    th_free(expect(DALIAN, "POST", path, "{\"reason\":\"x\"}", 403));   /* it did not award the title */
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"复核后整改到位\"}", 409));   /* no later assessment */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", second,
             assessor_org[ASSESSOR_A]);
    id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
    th_free(expect(ASSESSOR_A, "POST", path, "{\"score\":86,\"passed\":true,\"summary\":\"整改到位\"}", 200));
    snprintf(path, sizeof path, "/v1/awards/%lld/reinstate", second);
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"复核后整改到位\"}", 200);
    ck_assert_str_eq(str(r, "status"), "active");
    th_free(r);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"again\"}", 409));
    /* an assessment is commissioned for the time ahead: a due date before today is refused,
     * today's taken */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2026-01-31\"}", second,
             assessor_org[ASSESSOR_A]);
    r = expect(PROVINCE, "POST", "/v1/assessments", body, 422);
    ck_assert_str_eq(error_code(r, "due_on"), "due_in_past");
    th_free(r);
    char today[11];
    today_text(today);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"%s\"}", second,
             assessor_org[ASSESSOR_A], today);
    id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    /* one whose due date has passed and that is still open is overdue */
    admin_sql("UPDATE assessments SET due_on = current_date - 1 WHERE submitted_on IS NULL");
    snprintf(path, sizeof path, "/v1/assessments/%lld", id);
    r = expect(SUPERVISOR, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "overdue");
    th_free(r);
}
END_TEST

/* Art. 22: a summary's document is attached by whoever recorded the summary — its city, or the
 * company that filed it — and read by whoever reads the summary (from an outside review: the
 * company attached a file to the summary its city had recorded, and as a summary takes one
 * file, the city's scan was then refused). */
static int attach_summary_file(int role, long long summary)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/annual-summaries/%lld/file?filename=scan.pdf", summary);
    const char pdf[] = "%PDF-1.4\nsummary scan\n%%EOF\n";
    th_response *f = th_request(port, "POST", path, tokens[role], "application/pdf", pdf, sizeof pdf - 1, NULL);
    int status = f->status;
    th_free(f);
    return status;
}

START_TEST(a_summary_file_is_attached_by_its_recorder)
{
    long long award = dalian_title_since("大连总结文件归属平台", OTHER_COMPANY_SERIAL, "2025-01-01");
    char body[256], path[128];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"2025年度纸质总结\","
             "\"received_on\":\"2026-01-20\"}", award);
    long long by_city = expect_id(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"2026年度总结\"}", award);
    long long by_company = expect_id(OTHER_COMPANY, "POST", "/v1/annual-summaries", body, 201);
    ck_assert_int_eq(attach_summary_file(OTHER_COMPANY, by_city), 403);   /* it reads it, did not record it */
    ck_assert_int_eq(attach_summary_file(PROVINCE, by_city), 403);
    ck_assert_int_eq(attach_summary_file(SHENYANG, by_city), 404);        /* another city's */
    ck_assert_int_eq(attach_summary_file(DALIAN, by_city), 201);
    ck_assert_int_eq(attach_summary_file(DALIAN, by_company), 403);
    ck_assert_int_eq(attach_summary_file(OTHER_COMPANY, by_company), 201);
    ck_assert_int_eq(attach_summary_file(OTHER_COMPANY, by_company), 409);   /* one per summary */
    /* each is read by whoever reads the summary, the company included */
    const int readers[] = {DALIAN, OTHER_COMPANY, PROVINCE, SUPERVISOR};
    for (size_t k = 0; k < sizeof readers / sizeof *readers; k++) {
        snprintf(path, sizeof path, "/v1/annual-summaries/%lld/file", by_city);
        th_free(expect(readers[k], "GET", path, NULL, 200));
    }
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(COMPANY, "GET", path, NULL, 404));
}
END_TEST

START_TEST(compliance_is_computed_from_dates)
{
    long long award = dalian_title_since("大连年度总结平台", 80, "2026-01-01");
    char body[256];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"2026年度工作总结\"}", award);
    th_free(expect(SHENYANG, "POST", "/v1/annual-summaries", body, 422));   /* not its platform */
    th_free(expect(SUPERVISOR, "POST", "/v1/annual-summaries", body, 403));
    long long summary = expect_id(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 409));
    char file_path[128];
    snprintf(file_path, sizeof file_path, "/v1/annual-summaries/%lld/file?filename=summary.png", summary);
    const char png[] = "\x89PNG\r\n\x1a\n....";
    th_response *f = th_request(port, "POST", file_path, tokens[SHENYANG], "image/png", png, sizeof png - 1, NULL);
    ck_assert_int_eq(f->status, 404);
    th_free(f);
    /* the recorder attaches its file, not the province that reads it */
    f = th_request(port, "POST", file_path, tokens[PROVINCE], "image/png", png, sizeof png - 1, NULL);
    ck_assert_int_eq(f->status, 403);
    th_free(f);
    f = th_request(port, "POST", file_path, tokens[DALIAN], "image/png", png, sizeof png - 1, NULL);
    ck_assert_int_eq(f->status, 201);
    th_free(f);
    snprintf(file_path, sizeof file_path, "/v1/annual-summaries/%lld/file", summary);
    f = expect(SUPERVISOR, "GET", file_path, NULL, 200);
    char ctype[64];
    ck_assert_str_eq(th_header(f, "Content-Type", ctype, sizeof ctype), "image/png");
    th_free(f);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2026-11-20\",\"service_quality\":\"良好\","
             "\"fees\":\"符合规定\",\"satisfaction\":\"95%%\",\"findings\":\"无\",\"outcome\":\"satisfactory\"}", award);
    th_free(expect(DALIAN, "POST", "/v1/inspections", body, 201));
    /* DESIGN.md §3's body alone: the quality, fees and satisfaction are optional */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2026-11-21\",\"findings\":\"复查无异常\","
             "\"outcome\":\"satisfactory\"}", award);
    th_response *plain = expect(DALIAN, "POST", "/v1/inspections", body, 201);
    ck_assert_str_eq(json_string_value(json_object_get(plain->json, "service_quality")), "");
    th_free(plain);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2026-11-21\",\"findings\":\"x\","
             "\"outcome\":\"satisfactory\",\"fees\":5}", award);
    plain = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert_str_eq(error_code(plain, "fees"), "not_string");
    th_free(plain);
    /* a city records its own reports only */
    plain = expect(DALIAN, "POST", "/v1/city-reports",
                   "{\"year\":2026,\"region_code\":\"210100\",\"summary_report\":\"汇总报告\",\"inspection_report\":\"检查情况报告\"}",
                   422);
    ck_assert_str_eq(error_code(plain, "region_code"), "city_report_own_region");
    th_free(plain);
    th_free(expect(DALIAN, "POST", "/v1/city-reports",
                   "{\"year\":2026,\"summary_report\":\"汇总报告\",\"inspection_report\":\"检查情况报告\"}", 201));
    /* the province does everything (DESIGN.md §2): it records a city's inspection and a
     * city's reports too, naming the city of the reports */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2026-11-22\",\"findings\":\"省级抽查无异常\","
             "\"outcome\":\"satisfactory\"}", award);
    th_free(expect(PROVINCE, "POST", "/v1/inspections", body, 201));
    plain = expect(PROVINCE, "POST", "/v1/city-reports",
                   "{\"year\":2025,\"summary_report\":\"汇总报告\",\"inspection_report\":\"检查情况报告\"}", 422);
    ck_assert_str_eq(error_code(plain, "region_code"), "required");
    th_free(plain);
    plain = expect(PROVINCE, "POST", "/v1/city-reports",
                   "{\"year\":2025,\"region_code\":\"210200\",\"summary_report\":\"汇总报告\","
                   "\"inspection_report\":\"检查情况报告\",\"received_on\":\"2026-02-20\"}", 201);
    ck_assert_str_eq(str(plain, "region_code"), "210200");
    th_free(plain);

    th_response *r = expect(DALIAN, "GET", "/v1/compliance?year=2026", NULL, 200);
    json_t *due = json_object_get(r->json, "due");
    ck_assert_str_eq(json_string_value(json_object_get(due, "annual_summary")), "2027-01-31");
    ck_assert_str_eq(json_string_value(json_object_get(due, "city_reports")), "2027-02-28");
    json_t *cities = json_object_get(r->json, "cities");
    ck_assert_uint_eq(json_array_size(cities), 1);                       /* its own city only */
    json_t *city = json_array_get(cities, 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(city, "city_report"), "status")), "on_time");
    int found = 0;
    size_t i;
    json_t *pl;
    json_array_foreach(json_object_get(city, "platforms"), i, pl) {
        json_t *s = json_object_get(pl, "annual_summary");
        if (json_integer_value(json_object_get(pl, "award_id")) == award) {
            found = 1;
            ck_assert_str_eq(json_string_value(json_object_get(s, "status")), "on_time");
        } else {
            ck_assert_str_eq(json_string_value(json_object_get(s, "status")), "not_due");
        }
    }
    ck_assert(found);
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/compliance?year=2026", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "cities")), 14);
    th_free(r);
    th_free(expect(ASSOCIATION, "GET", "/v1/compliance?year=2026", NULL, 403));
    th_free(expect(PROVINCE, "GET", "/v1/compliance", NULL, 422));

    /* hand-computed: a summary received on 1 February is late; a year long past is missing */
    admin_sql("UPDATE annual_summaries SET received_on = '2027-02-01'");
    admin_sql("UPDATE city_reports SET received_on = '2027-03-01'");
    r = expect(DALIAN, "GET", "/v1/compliance?year=2026", NULL, 200);
    city = json_array_get(json_object_get(r->json, "cities"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(city, "city_report"), "status")), "late");
    json_array_foreach(json_object_get(city, "platforms"), i, pl)
        if (json_integer_value(json_object_get(pl, "award_id")) == award)
            ck_assert_str_eq(json_string_value(json_object_get(json_object_get(pl, "annual_summary"), "status")), "late");
    th_free(r);
    admin_sql("UPDATE awards SET valid_from = '2024-01-01', awarded_on = '2024-01-01' WHERE id = (SELECT max(id) FROM awards)");
    r = expect(DALIAN, "GET", "/v1/compliance?year=2024", NULL, 200);
    city = json_array_get(json_object_get(r->json, "cities"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(city, "city_report"), "status")), "missing");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(city, "platforms"), 0),
                                                                       "annual_summary"), "status")), "missing");
    th_free(r);
}
END_TEST

START_TEST(a_title_reads_expired_the_day_after_valid_until)
{
    long long award = dalian_award("大连过期平台", 90);
    char path[64], sql[256];
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_from = current_date - 1000, valid_until = current_date - 1"
             " WHERE id = %lld", award);
    admin_sql(sql);
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(DALIAN, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "expired");
    long long platform = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", platform);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), "expired");
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?status=expired", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"surrendered\",\"detail\":\"x\"}", 409));
    /* Art. 24: it is inspected on a day it was in force, its last one included, not after */
    char body[320], today[11], last[11];
    today_text(today);
    time_t y = time(NULL) + 8 * 3600 - 86400;
    strftime(last, sizeof last, "%Y-%m-%d", gmtime(&y));
#define EXPIRED_INSPECTION "{\"award_id\":%lld,\"inspected_on\":\"%s\",\"service_quality\":\"良好\",\"fees\":\"符合规定\"," \
                           "\"satisfaction\":\"90%%\",\"findings\":\"无\",\"outcome\":\"satisfactory\"}"
    snprintf(body, sizeof body, EXPIRED_INSPECTION, award, today);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert(has_error(r, "inspected_on"));
    ck_assert_ptr_nonnull(strstr(r->body, "title_not_in_force_on"));
    th_free(r);
    snprintf(body, sizeof body, EXPIRED_INSPECTION, award, last);
    th_free(expect(DALIAN, "POST", "/v1/inspections", body, 201));
#undef EXPIRED_INSPECTION
    /* the day before, it was active */
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_until = current_date WHERE id = %lld", award);
    admin_sql(sql);
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(DALIAN, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "active");
    th_free(r);
}
END_TEST

START_TEST(each_role_finds_its_own_work_in_the_inbox)
{
    int n;
    /* pages of the inbox follow one another */
    th_response *p1 = expect(PROVINCE, "GET", "/v1/inbox?limit=2", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(p1->json, "items")), 2);
    char path[256];
    snprintf(path, sizeof path, "/v1/inbox?limit=2&page_token=%s", str(p1, "next_page_token"));
    th_response *p2 = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert(!json_equal(json_array_get(json_object_get(p1->json, "items"), 0),
                          json_array_get(json_object_get(p2->json, "items"), 0)));
    th_free(p1);
    th_free(p2);
    ck_assert(inbox_has(PROVINCE, "review", NULL));              /* 沈阳's last recommendation */
    ck_assert(inbox_has(PROVINCE, "objection", NULL));           /* the open objections on 大连's notice */
    ck_assert(inbox_has(PROVINCE, "assessment_overdue", NULL));
    ck_assert(!inbox_has(PROVINCE, "draft_to_recommend", NULL));
    ck_assert(inbox_has(SHENYANG, "draft_to_recommend", NULL));
    ck_assert(inbox_has(SHENYANG, "city_report_due", NULL));     /* its 2025 reports never arrived */
    ck_assert(!inbox_has(SHENYANG, "review", NULL));             /* the province reviews, not the city */
    ck_assert(!inbox_has(DALIAN, "draft_to_recommend", NULL));   /* no draft of 大连 is open */
    ck_assert_int_eq(inbox_has(ASSESSOR_A, "assessment", &n), 1);
    ck_assert_int_eq(n, 1);
    inbox_has(ASSESSOR_B, "assessment", &n);
    ck_assert_int_eq(n, 0);                                       /* its only assessment is done */
    inbox_has(SUPERVISOR, "review", &n);
    ck_assert_int_eq(n, 0);
    th_free(expect(-1, "GET", "/v1/inbox", NULL, 401));
}
END_TEST

/* Issue 17, point 1: what cities record is read back by those entitled to it — the province
 * and the supervisor all, a city its region, an assessor the titles it is assessing while the
 * assessment is open. */
START_TEST(supervision_records_are_read_back_in_scope)
{
    long long award = dalian_title_since("大连监督记录平台", 770103, "2025-01-01");
    char body[512], path[160];
    /* Art. 22, 24: nothing of the years or days before the title (held since 2025-01-01) */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2024,\"summary\":\"2024年度\"}", award);
    th_response *before = expect(DALIAN, "POST", "/v1/annual-summaries", body, 422);
    ck_assert(has_error(before, "year"));
    ck_assert_ptr_nonnull(strstr(before->body, "year_not_covered"));
    th_free(before);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2024-12-31\",\"service_quality\":\"一般\","
             "\"fees\":\"符合规定\",\"satisfaction\":\"80%%\",\"findings\":\"无\",\"outcome\":\"satisfactory\"}", award);
    before = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert(has_error(before, "inspected_on"));
    ck_assert_ptr_nonnull(strstr(before->body, "title_not_in_force_on"));
    th_free(before);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"2025年度服务中小企业312家\"}", award);
    th_response *r = expect(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    long long summary = json_integer_value(json_object_get(r->json, "id"));
    ck_assert_str_eq(str(r, "summary"), "2025年度服务中小企业312家");   /* the same document as GET */
    th_free(r);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2026-11-02\",\"service_quality\":\"一般\","
             "\"fees\":\"符合规定\",\"satisfaction\":\"78%%\",\"findings\":\"培训记录不全\",\"outcome\":\"needs_improvement\"}",
             award);
    long long inspection = expect_id(DALIAN, "POST", "/v1/inspections", body, 201);

    snprintf(path, sizeof path, "/v1/annual-summaries/%lld", summary);
    const int readers[] = {PROVINCE, SUPERVISOR, DALIAN};
    for (size_t i = 0; i < 3; i++) {
        r = expect(readers[i], "GET", path, NULL, 200);
        ck_assert_str_eq(str(r, "summary"), "2025年度服务中小企业312家");
        ck_assert_int_eq(json_integer_value(json_object_get(r->json, "year")), 2025);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "recorded_by"), "display_name")),
                         "用户");
        ck_assert_ptr_nonnull(str(r, "recorded_at"));
        ck_assert_ptr_nonnull(str(r, "received_on"));
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "title"), "platform_name")),
                         "大连监督记录平台");
        th_free(r);
    }
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(ASSESSOR_A, "GET", path, NULL, 404));
    th_free(expect(ASSOCIATION, "GET", path, NULL, 403));

    /* an assessor reads the title's records while its assessment is open, not before or after */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-03-31\"}", award,
             assessor_org[ASSESSOR_A]);
    long long assessment = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    th_free(expect(ASSESSOR_A, "GET", path, NULL, 200));
    th_free(expect(ASSESSOR_B, "GET", path, NULL, 404));
    snprintf(path, sizeof path, "/v1/inspections?award_id=%lld", award);
    r = expect(ASSESSOR_A, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", assessment);
    th_free(expect(ASSESSOR_A, "POST", path, "{\"score\":85,\"passed\":true,\"summary\":\"合格\"}", 200));
    snprintf(path, sizeof path, "/v1/annual-summaries/%lld", summary);
    th_free(expect(ASSESSOR_A, "GET", path, NULL, 404));

    /* lists: filters, and nothing of another region */
    snprintf(path, sizeof path, "/v1/inspections?award_id=%lld&outcome=needs_improvement", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_uint_eq(json_array_size(items), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), inspection);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "findings")), "培训记录不全");
    th_free(r);
    snprintf(path, sizeof path, "/v1/inspections?award_id=%lld&outcome=satisfactory", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    th_free(expect(PROVINCE, "GET", "/v1/inspections?outcome=fine", NULL, 422));
    r = expect(SHENYANG, "GET", "/v1/annual-summaries?limit=100", NULL, 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(it, "title"), "region_code")), "210100");
    th_free(r);
    snprintf(path, sizeof path, "/v1/annual-summaries?year=2025&region_code=210200&award_id=%lld", award);
    r = expect(SUPERVISOR, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(DALIAN, "GET", "/v1/city-reports?limit=100", NULL, 200);
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        ck_assert_str_eq(json_string_value(json_object_get(it, "region_code")), "210200");
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/city-reports?region_code=210200", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
}
END_TEST

/* Issue 17, point 3: an unsatisfactory inspection opens a rectification due in 30 days (the
 * round's rule); on day 31 it is overdue in the city's and the province's inbox, not before;
 * a satisfactory follow-up closes it. */
START_TEST(an_unsatisfactory_inspection_opens_a_rectification_that_a_follow_up_closes)
{
    long long award = dalian_title_since("大连整改平台", 770104, "2025-01-01");
    char today[11], day30[11], day31[11], body[640], path[128];
    today_text(today);
    time_t t = time(NULL) + 8 * 3600;
    time_t d30 = t - 30 * 86400, d31 = t - 31 * 86400;
    strftime(day30, sizeof day30, "%Y-%m-%d", gmtime(&d30));
    strftime(day31, sizeof day31, "%Y-%m-%d", gmtime(&d31));
#define INSPECTION_FMT "{\"award_id\":%lld,\"inspected_on\":\"%s\",\"service_quality\":\"较差\",\"fees\":\"超标收费\"," \
                       "\"satisfaction\":\"60%%\",\"findings\":\"%s\",\"outcome\":\"%s\"%s}"
    /* inspected 30 days ago: due today, not overdue */
    snprintf(body, sizeof body, INSPECTION_FMT, award, day30, "台账缺失", "needs_improvement", "");
    th_response *r = expect(DALIAN, "POST", "/v1/inspections", body, 201);
    json_t *opened = json_object_get(r->json, "opened_rectification");
    ck_assert_ptr_nonnull(opened);
    long long first = json_integer_value(json_object_get(opened, "id"));
    ck_assert_str_eq(json_string_value(json_object_get(opened, "due_on")), today);
    ck_assert_str_eq(json_string_value(json_object_get(opened, "status")), "open");
    th_free(r);
    /* inspected 31 days ago: due yesterday, overdue */
    snprintf(body, sizeof body, INSPECTION_FMT, award, day31, "收费超标", "unsatisfactory", "");
    r = expect(DALIAN, "POST", "/v1/inspections", body, 201);
    long long second = json_integer_value(json_object_get(json_object_get(r->json, "opened_rectification"), "id"));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "opened_rectification"), "status")),
                     "overdue");
    th_free(r);
    int found_city = 0, found_province = 0;
    const int parties[] = {DALIAN, PROVINCE, SHENYANG};
    for (size_t k = 0; k < 3; k++) {
        r = expect(parties[k], "GET", "/v1/inbox?limit=100", NULL, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), i, it) {
            if (strcmp(json_string_value(json_object_get(it, "kind")), "rectification_overdue") != 0)
                continue;
            long long id = json_integer_value(json_object_get(it, "entity_id"));
            ck_assert_msg(id != first, "a rectification due today is not overdue");
            ck_assert_msg(parties[k] != SHENYANG, "another city's rectification reached 沈阳's inbox");
            if (id == second)
                *(parties[k] == DALIAN ? &found_city : &found_province) = 1;
        }
        th_free(r);
    }
    ck_assert(found_city && found_province);

    /* a follow-up of another title, or one judged otherwise, closes nothing */
    snprintf(path, sizeof path, ",\"closes_rectification_id\":%lld", second);
    /* nor one dated before the inspection that opened the rectification */
    char day32[11];
    time_t d32 = t - 32 * 86400;
    strftime(day32, sizeof day32, "%Y-%m-%d", gmtime(&d32));
    snprintf(body, sizeof body, INSPECTION_FMT, award, day32, "倒签复查", "satisfactory", path);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert(has_error(r, "inspected_on"));
    ck_assert_ptr_nonnull(strstr(r->body, "before_rectification_opened"));
    th_free(r);
    long long other = dalian_award("大连整改无关平台", 770105);
    snprintf(body, sizeof body, INSPECTION_FMT, other, today, "复查", "satisfactory", path);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert(has_error(r, "closes_rectification_id"));
    th_free(r);
    snprintf(body, sizeof body, INSPECTION_FMT, award, today, "仍未整改", "needs_improvement", path);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 201);
    ck_assert(json_is_null(json_object_get(r->json, "opened_rectification")));   /* no second one */
    th_free(r);
    snprintf(body, sizeof body, INSPECTION_FMT, award, today, "已整改到位", "satisfactory", path);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 201);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "closed_rectification_id")), second);
    th_free(r);
    th_free(expect(DALIAN, "POST", "/v1/inspections", body, 422));   /* closed already */
    snprintf(path, sizeof path, "/v1/rectifications/%lld", first);
    r = expect(DALIAN, "GET", path, NULL, 200);   /* open: its city may follow it up */
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "allowed_actions"), 0)), "follow_up");
    th_free(r);
    /* and the province, which inspects too (DESIGN.md §3; it was offered nothing, though its
     * follow-up inspection closed the rectification: from an outside review) */
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "allowed_actions"), 0)), "follow_up");
    th_free(r);
    r = expect(SUPERVISOR, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    snprintf(path, sizeof path, "/v1/rectifications/%lld", second);
    r = expect(DALIAN, "GET", path, NULL, 200);   /* closed: nothing left to do */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "closed");
    ck_assert_str_eq(str(r, "closed_on"), today);
    th_free(r);
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(ASSOCIATION, "GET", path, NULL, 403));
    snprintf(path, sizeof path, "/v1/rectifications?award_id=%lld&status=open", award);
    r = expect(DALIAN, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")),
                     first);
    th_free(r);
    /* a due date the inspector sets: after the inspection */
    snprintf(path, sizeof path, ",\"rectification_due_on\":\"%s\"", day30);
    snprintf(body, sizeof body, INSPECTION_FMT, award, today, "设定期限", "needs_improvement", path);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert(has_error(r, "rectification_due_on"));
    th_free(r);
    /* and no later than the title's valid_until (a follow-up inspects a title in force): a title
     * ending in 10 days takes no due date after it, and the round's 30 days stop at it */
    long long ending = dalian_title_since("大连整改将满平台", 770121, "2024-01-01");
    char until[11], sql[160];
    time_t d10 = t + 10 * 86400;
    strftime(until, sizeof until, "%Y-%m-%d", gmtime(&d10));
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_until = '%s' WHERE id = %lld", until, ending);
    admin_sql(sql);
    time_t d11 = t + 11 * 86400;
    char after[11];
    strftime(after, sizeof after, "%Y-%m-%d", gmtime(&d11));
    snprintf(path, sizeof path, ",\"rectification_due_on\":\"%s\"", after);
    snprintf(body, sizeof body, INSPECTION_FMT, ending, today, "期满前检查", "needs_improvement", path);
    r = expect(DALIAN, "POST", "/v1/inspections", body, 422);
    ck_assert(has_error(r, "rectification_due_on"));
    ck_assert_ptr_nonnull(strstr(r->body, "due_after_title_ends"));
    ck_assert_ptr_nonnull(strstr(r->body, until));
    th_free(r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM inspections WHERE award_id = %lld", ending);
    ck_assert_int_eq(sql_number(sql), 0);   /* nothing was written */
    snprintf(body, sizeof body, INSPECTION_FMT, ending, today, "期满前检查", "needs_improvement", "");
    r = expect(DALIAN, "POST", "/v1/inspections", body, 201);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "opened_rectification"), "due_on")),
                     until);
    th_free(r);
#undef INSPECTION_FMT
}
END_TEST

/* A title pending revocation lapses like an active one (Art. 23; sql/062): past its
 * valid_until it reads "expired" — its document, the registry, the province's inbox — and its
 * revocation is moot: neither revoke nor reinstate is offered or taken (it stayed pending for
 * ever). */
START_TEST(a_title_pending_revocation_lapses_at_its_valid_until)
{
    long long award = dalian_award("大连待撤销期满平台", 770122);
    char body[256], path[128];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", award,
             assessor_org[ASSESSOR_B]);
    long long id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
    th_free(expect(ASSESSOR_B, "POST", path, "{\"score\":40,\"passed\":false,\"summary\":\"不合格\"}", 200));
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "revocation_pending");
    long long platform = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_from = current_date - 1000, valid_until = current_date - 1"
             " WHERE id = %lld", award);
    admin_sql(sql);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "expired");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "allowed_actions"), i, it) {
        ck_assert_str_ne(json_string_value(it), "revoke");
        ck_assert_str_ne(json_string_value(it), "reinstate");
    }
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld,\"detail\":\"测评不合格\"}", id);
    th_free(expect(PROVINCE, "POST", path, body, 409));
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", platform);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), "expired");
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/inbox?limit=100", NULL, 200);
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        ck_assert(!(strcmp(json_string_value(json_object_get(it, "kind")), "revocation_pending") == 0 &&
                    json_integer_value(json_object_get(it, "entity_id")) == award));
    th_free(r);
}
END_TEST

/* Issue 17, point 2: dynamic management (Art. 4, 24) — a summary's figures re-tested against
 * the thresholds of the round that awarded the title; a finding, not a revocation. */
START_TEST(a_summary_below_the_rounds_thresholds_shows_in_the_titles_standing)
{
    long long award = dalian_title_since("大连动态管理平台", 770106, "2025-01-01");
    char body[768], path[128];
#define SUMMARY_FMT "{\"award_id\":%lld,\"year\":%d,\"summary\":\"年度总结\",\"figures\":{\"smes_served\":%d," \
                    "\"satisfaction_pct\":90,\"public_service_share_pct\":20," \
                    "\"functions\":{\"training\":{\"trainee_times_per_year\":%d}}}}"
    snprintf(body, sizeof body, SUMMARY_FMT, award, 2025, 160, 2000);   /* the report said 150 */
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 201));
    snprintf(body, sizeof body, SUMMARY_FMT, award, 2026, 70, 1400);
    th_response *r = expect(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r->json, "figures"), "smes_served")), 70);
    th_free(r);
    /* figures are checked like a report's */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2024,\"summary\":\"x\",\"figures\":{\"smes_served\":-1,"
             "\"satisfaction_pct\":101,\"public_service_share_pct\":20,\"functions\":{\"training\":{\"has_x\":1}}}}",
             award);
    r = expect(DALIAN, "POST", "/v1/annual-summaries", body, 422);
    ck_assert(has_error(r, "figures.smes_served") && has_error(r, "figures.satisfaction_pct"));
    th_free(r);

    snprintf(path, sizeof path, "/v1/awards/%lld/standing?year=2025", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert(json_is_true(json_object_get(r->json, "meets")));
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld/standing?year=2026", award);
    r = expect(DALIAN, "GET", path, NULL, 200);
    ck_assert(json_is_false(json_object_get(r->json, "meets")));
    json_t *c122 = json_array_get(json_object_get(r->json, "conditions"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(c122, "id")), "12.2");
    ck_assert(json_is_false(json_object_get(c122, "passed")));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c122, "detail")), "70"));
    json_t *fns = json_object_get(r->json, "functions");
    ck_assert_uint_eq(json_array_size(fns), 1);   /* the titled function only */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(fns, 0), "id")), "training");
    ck_assert(json_is_false(json_object_get(json_array_get(fns, 0), "passed")));
    th_free(r);
    /* compliance shows the finding beside the summary's timeliness */
    r = expect(DALIAN, "GET", "/v1/compliance?year=2026", NULL, 200);
    int seen = 0;
    size_t i, k;
    json_t *city, *pl;
    json_array_foreach(json_object_get(r->json, "cities"), i, city)
        json_array_foreach(json_object_get(city, "platforms"), k, pl) {
            if (json_integer_value(json_object_get(pl, "award_id")) != award)
                continue;
            seen = 1;
            json_t *standing = json_object_get(pl, "standing");
            ck_assert(json_is_false(json_object_get(standing, "meets")));
            int unmet_12_2 = 0;
            size_t u;
            json_t *id;
            json_array_foreach(json_object_get(standing, "unmet"), u, id)
                unmet_12_2 |= strcmp(json_string_value(id), "12.2") == 0;
            ck_assert(unmet_12_2);
            ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(pl, "rectifications"), "open")), 0);
        }
    ck_assert(seen);
    th_free(r);
    /* the title still stands: a finding, not a revocation; its page links its records */
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "active");
    char link[128];
    snprintf(link, sizeof link, "%s",
             json_string_value(json_object_get(json_object_get(r->json, "links"), "annual_summaries")));
    th_free(r);
    r = expect(PROVINCE, "GET", link, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 2);
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld/standing?year=2024", award);
    th_free(expect(PROVINCE, "GET", path, NULL, 404));                 /* no summary that year */
    snprintf(path, sizeof path, "/v1/awards/%lld/standing", award);
    th_free(expect(PROVINCE, "GET", path, NULL, 422));                 /* which year? */
    snprintf(path, sizeof path, "/v1/awards/%lld/standing?year=2025", award);
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(ASSOCIATION, "GET", path, NULL, 403));

    /* judged by the round that awarded it: a round asking 200 SMEs finds 150 short */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE rounds SET thresholds = jsonb_set(thresholds, '{min_smes_served}', '200')"
             " WHERE id = (SELECT round_id FROM awards WHERE id = %lld)", award);
    admin_sql(sql);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert(json_is_false(json_object_get(r->json, "meets")));
    ck_assert_ptr_nonnull(strstr(r->body, "200"));
    th_free(r);
    snprintf(sql, sizeof sql, "UPDATE rounds SET thresholds = jsonb_set(thresholds, '{min_smes_served}', '80')"
             " WHERE id = (SELECT round_id FROM awards WHERE id = %lld)", award);
    admin_sql(sql);
#undef SUMMARY_FMT
}
END_TEST

/* Issue 15, point 2: dates of record — a summary received on 30 January and keyed in later
 * is on time; one stated in the future is refused; the audit event keeps the stated date
 * beside the time it was keyed in. */
START_TEST(timeliness_is_judged_by_the_date_received_not_the_date_keyed_in)
{
    long long on_time = dalian_title_since("大连按时总结平台", 770108, "2025-01-01"),
              late = dalian_title_since("大连迟交总结平台", 770109, "2025-01-01");
    char sql[256], body[256];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"纸质总结\",\"received_on\":\"2099-01-30\"}",
             on_time);
    th_response *r = expect(DALIAN, "POST", "/v1/annual-summaries", body, 422);
    ck_assert(has_error(r, "received_on"));
    th_free(r);
    /* nor before the year it reports on began */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"纸质总结\",\"received_on\":\"2024-12-31\"}",
             on_time);
    r = expect(DALIAN, "POST", "/v1/annual-summaries", body, 422);
    ck_assert(has_error(r, "received_on"));
    ck_assert_ptr_nonnull(strstr(r->body, "received_before_year"));
    th_free(r);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"纸质总结\",\"received_on\":\"2026-01-30\"}",
             on_time);
    r = expect(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    ck_assert_str_eq(str(r, "received_on"), "2026-01-30");
    th_free(r);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"今天才收到\"}", late);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 201));   /* received today */
    r = expect(DALIAN, "GET", "/v1/compliance?year=2025", NULL, 200);
    int seen = 0;
    size_t i, k;
    json_t *city, *pl;
    json_array_foreach(json_object_get(r->json, "cities"), i, city)
        json_array_foreach(json_object_get(city, "platforms"), k, pl) {
            long long id = json_integer_value(json_object_get(pl, "award_id"));
            const char *status = json_string_value(json_object_get(json_object_get(pl, "annual_summary"), "status"));
            if (id == on_time)
                seen += strcmp(status, "on_time") == 0;
            if (id == late)
                seen += strcmp(status, "late") == 0;
        }
    ck_assert_int_eq(seen, 2);
    th_free(r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_events WHERE action = 'annual_summary.recorded'"
             " AND entity_id = %lld AND detail->>'received_on' = '2026-01-30' AND at::date > '2026-01-30'", on_time);
    ck_assert_int_eq(sql_number(sql), 1);
    /* a city report likewise, its day stated by the province that received it; a city does not
     * date its own report (from an outside review: a city dated its late report back) */
    r = expect(DALIAN, "POST", "/v1/city-reports",
               "{\"year\":2024,\"summary_report\":\"汇总\",\"inspection_report\":\"检查\",\"received_on\":\"2025-02-20\"}",
               422);
    ck_assert_str_eq(error_code(r, "received_on"), "received_on_province_only");
    th_free(r);
    th_free(expect(PROVINCE, "POST", "/v1/city-reports",
                   "{\"year\":2024,\"region_code\":\"210200\",\"summary_report\":\"汇总\",\"inspection_report\":\"检查\","
                   "\"received_on\":\"2099-02-01\"}",
                   422));
    th_free(expect(PROVINCE, "POST", "/v1/city-reports",
                   "{\"year\":2024,\"region_code\":\"210200\",\"summary_report\":\"汇总\",\"inspection_report\":\"检查\","
                   "\"received_on\":\"2023-12-31\"}",
                   422));
    /* nor of a year that has not begun (today is 2026-12-05 or later: 2030 has not) */
    r = expect(DALIAN, "POST", "/v1/city-reports", "{\"year\":2030,\"summary_report\":\"汇总\",\"inspection_report\":\"检查\"}",
               422);
    ck_assert_str_eq(error_code(r, "year"), "year_not_begun");
    th_free(r);
    r = expect(PROVINCE, "POST", "/v1/city-reports",
               "{\"year\":2024,\"region_code\":\"210200\",\"summary_report\":\"汇总\",\"inspection_report\":\"检查\","
               "\"received_on\":\"2025-02-20\"}",
               201);
    ck_assert_str_eq(str(r, "received_on"), "2025-02-20");
    th_free(r);
}
END_TEST

/* Art. 22: a revoked title files no more summaries, but one received while it was in force is
 * recorded afterwards (as the import of records takes it); its allowed_actions say so. */
START_TEST(a_summary_received_before_the_revocation_is_recorded_after_it)
{
    long long award = dalian_title_since("大连撤销前总结平台", 770120, "2025-01-01");
    char path[96], sql[160], body[256];
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"surrendered\"}", 200));
    snprintf(sql, sizeof sql, "UPDATE awards SET revoked_on = '2026-06-30' WHERE id = %lld", award);
    admin_sql(sql);
    const struct {
        int year;
        const char *received_on;
        int status;
    } cases[] = {{2025, "2026-01-30", 201}, {2026, "2026-07-01", 422}, {2026, NULL, 422}, {2026, "2026-06-30", 201}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char received[48] = "";
        if (cases[i].received_on)
            snprintf(received, sizeof received, ",\"received_on\":\"%s\"", cases[i].received_on);
        snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":%d,\"summary\":\"撤销前收到\"%s}", award, cases[i].year,
                 received);
        th_response *r = expect(DALIAN, "POST", "/v1/annual-summaries", body, cases[i].status);
        if (cases[i].status == 422 && cases[i].received_on != NULL)   /* as the import of records names it */
            ck_assert_str_eq(error_code(r, "received_on"), "record_after_revocation");
        else if (cases[i].status == 422)
            ck_assert_str_eq(error_code(r, "award_id"), "title_revoked");
        th_free(r);
    }
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(DALIAN, "GET", path, NULL, 200);
    json_t *acts = json_object_get(r->json, "allowed_actions");
    ck_assert_uint_eq(json_array_size(acts), 2);
    ck_assert_str_eq(json_string_value(json_array_get(acts, 0)), "file_summary");
    ck_assert_str_eq(json_string_value(json_array_get(acts, 1)), "inspect");
    th_free(r);
}
END_TEST

/* The number of records a list gives `role` at `path`. */
static size_t listed(int role, const char *path)
{
    th_response *r = expect(role, "GET", path, NULL, 200);
    size_t n = json_array_size(json_object_get(r->json, "items"));
    th_free(r);
    return n;
}

/* Art. 22, 24: the lists of summaries and city reports filter by timeliness, judged by the
 * date received as stated (the due day itself is on time), for everyone who reads them. */
START_TEST(summaries_and_city_reports_are_listed_by_timeliness)
{
    long long on_time = dalian_title_since("大连准时列表平台", 770110, "2025-01-01"),
              late = dalian_title_since("大连迟到列表平台", 770111, "2025-01-01");
    char body[256], path[160];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"按时\",\"received_on\":\"2026-01-31\"}",
             on_time);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 201));
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2025,\"summary\":\"迟到\",\"received_on\":\"2026-02-01\"}",
             late);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 201));

    const int readers[] = {PROVINCE, SUPERVISOR, DALIAN}, others[] = {SHENYANG, ASSESSOR_A};
    const long long awards[2] = {on_time, late};
    static const char *const verdicts[2] = {"on_time", "late"};
    for (int w = 0; w < 2; w++)
        for (int v = 0; v < 2; v++) {
            snprintf(path, sizeof path, "/v1/annual-summaries?award_id=%lld&timeliness=%s", awards[w], verdicts[v]);
            for (size_t i = 0; i < 3; i++)
                ck_assert_msg(listed(readers[i], path) == (w == v), "role %d: %s", readers[i], path);
            for (size_t i = 0; i < 2; i++)
                ck_assert_uint_eq(listed(others[i], path), 0);
            th_free(expect(ASSOCIATION, "GET", path, NULL, 403));
        }
    /* city reports: 2021's arrived on 1 March 2022 (late), 2020's on the last day of February */
    th_free(expect(PROVINCE, "POST", "/v1/city-reports",
                   "{\"year\":2021,\"region_code\":\"210200\",\"summary_report\":\"汇总\",\"inspection_report\":\"检查\","
                   "\"received_on\":\"2022-03-01\"}",
                   201));
    th_free(expect(PROVINCE, "POST", "/v1/city-reports",
                   "{\"year\":2020,\"region_code\":\"210200\",\"summary_report\":\"汇总\",\"inspection_report\":\"检查\","
                   "\"received_on\":\"2021-02-28\"}",
                   201));
    static const char *const report_paths[4] = {
        "/v1/city-reports?year=2021&timeliness=late", "/v1/city-reports?year=2021&timeliness=on_time",
        "/v1/city-reports?year=2020&timeliness=on_time", "/v1/city-reports?year=2020&timeliness=late"};
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < 3; i++)
            ck_assert_msg(listed(readers[i], report_paths[k]) == (k % 2 == 0), "role %d: %s", readers[i],
                          report_paths[k]);
        ck_assert_uint_eq(listed(SHENYANG, report_paths[k]), 0);
    }
    /* a missing record is no record: the compliance view and the statistics show those */
    th_response *r = expect(PROVINCE, "GET", "/v1/annual-summaries?timeliness=missing", NULL, 422);
    ck_assert(has_error(r, "timeliness"));
    th_free(r);
    r = expect(DALIAN, "GET", "/v1/city-reports?timeliness=soon", NULL, 422);
    ck_assert(has_error(r, "timeliness"));
    th_free(r);
    /* inspections have no due date */
    r = expect(PROVINCE, "GET", "/v1/inspections?timeliness=late", NULL, 422);
    ck_assert(has_error(r, "timeliness"));
    th_free(r);
}
END_TEST

Suite *wf_supervision_suite(void)
{
    Suite *s = suite_create("workflow: supervision");
    TCase *tc = tcase_create("supervision");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, assessments_are_scoped_and_a_failure_leads_to_revocation);
    tcase_add_test(tc, compliance_is_computed_from_dates);
    tcase_add_test(tc, a_title_reads_expired_the_day_after_valid_until);
    tcase_add_test(tc, each_role_finds_its_own_work_in_the_inbox);
    tcase_add_test(tc, supervision_records_are_read_back_in_scope);
    tcase_add_test(tc, an_unsatisfactory_inspection_opens_a_rectification_that_a_follow_up_closes);
    tcase_add_test(tc, a_summary_file_is_attached_by_its_recorder);
    tcase_add_test(tc, a_summary_below_the_rounds_thresholds_shows_in_the_titles_standing);
    tcase_add_test(tc, a_title_pending_revocation_lapses_at_its_valid_until);
    tcase_add_test(tc, timeliness_is_judged_by_the_date_received_not_the_date_keyed_in);
    tcase_add_test(tc, a_summary_received_before_the_revocation_is_recorded_after_it);
    tcase_add_test(tc, summaries_and_city_reports_are_listed_by_timeliness);
    suite_add_tcase(s, tc);
    return s;
}
