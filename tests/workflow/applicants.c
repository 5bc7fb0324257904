/*
 * Workflow: the applicants themselves (issue 16, DESIGN.md §2): a platform company prepares,
 * submits and follows its own application, files its annual summary, reads its inbox, and
 * sees nothing of anybody else's.
 */
#include "tests/workflow/fixture.h"

static long long company_platform(const char *name, int serial)
{
    return new_platform(SHENYANG, name, "210100", serial);
}

static long long own_application(int company, long long platform, const char *recommender, int status)
{
    char body[160];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld%s%s}", round_id, platform,
             recommender ? ",\"recommender_org_id\":" : "", recommender ? recommender : "");
    th_response *r = expect(company, "POST", "/v1/applications", body, status);
    long long id = status == 201 ? json_integer_value(json_object_get(r->json, "id")) : 0;
    th_free(r);
    return id;
}

static int has_action(th_response *r, const char *action)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r->json, "allowed_actions"), i, a)
        if (strcmp(json_string_value(a), action) == 0)
            return 1;
    return 0;
}

/* The whole path of issue 16's first test: draft → submitted → returned → submitted →
 * recommended → approved → publicized → awarded, each step seen by the platform. */
START_TEST(a_platform_drives_its_own_application_to_a_title)
{
    long long p = company_platform("沈阳自主申报平台", COMPANY_SERIAL);
    long long other = company_platform("沈阳自主申报第二平台", COMPANY_SERIAL);
    /* two platforms of one operator, both its own; nobody else's */
    th_response *r = expect(COMPANY, "GET", "/v1/platforms?limit=100", NULL, 200);
    size_t i;
    json_t *it;
    int mine = 0;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        long long id = json_integer_value(json_object_get(it, "id"));
        ck_assert_msg(id == p || id == other, "platform %lld is not the company's", id);
        mine++;
    }
    ck_assert_int_eq(mine, 2);
    th_free(r);

    long long a = own_application(COMPANY, p, NULL, 201);
    char path[160];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(COMPANY, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "draft");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "recommender_org_id")), 2);   /* its city */
    ck_assert(json_integer_value(json_object_get(r->json, "applicant_org_id")) > 0);
    ck_assert(has_action(r, "edit") && !has_action(r, "edit_recommendation"));
    th_free(r);

    /* it prepares the report and the materials; the form is its city's */
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    th_free(expect(COMPANY, "PUT", path, REPORT, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld/recommendation", a);
    th_free(expect(COMPANY, "PUT", path, FORM, 403));
    snprintf(path, sizeof path, "/v1/applications/%lld/submit", a);
    r = expect(COMPANY, "POST", path, NULL, 422);   /* every missing material listed at once */
    ck_assert(has_error(r, "materials"));
    th_free(r);
    for (size_t k = 0; k < sizeof KINDS / sizeof *KINDS; k++)
        upload(COMPANY, a, KINDS[k], 201);
    snprintf(path, sizeof path, "/v1/applications/%lld/eligibility", a);
    r = expect(COMPANY, "GET", path, NULL, 200);
    ck_assert(json_is_true(json_object_get(r->json, "eligible")));
    th_free(r);
    /* its city cannot recommend what the platform has not submitted, nor submit it */
    act(SHENYANG, a, "recommend", NULL, 409);
    act(SHENYANG, a, "submit", NULL, 403);
    act(COMPANY, a, "recommend", NULL, 403);
    act(COMPANY, a, "submit", NULL, 200);
    /* while submitted it is read-only for the platform */
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    th_free(expect(COMPANY, "PUT", path, REPORT, 409));
    upload(COMPANY, a, "other", 409);
    act(COMPANY, a, "submit", NULL, 409);
    int n;
    ck_assert(inbox_has(SHENYANG, "submitted_to_recommend", &n));

    /* the city returns it with a comment: back to draft, the comment kept */
    act(SHENYANG, a, "return", "{}", 422);
    act(SHENYANG, a, "return", "{\"comment\":\"   \"}", 422);
    act(SHENYANG, a, "return", "{\"comment\":\"\\u200b\\u3000\"}", 422);   /* nothing visible */
    act(SHENYANG, a, "return", "{\"comment\":\"请补充\\u2066材料\"}", 422);   /* an isolate */
    act(COMPANY, a, "return", "{\"comment\":\"自己退回\"}", 403);
    act(DALIAN, a, "return", "{\"comment\":\"不是我的\"}", 404);
    act(SHENYANG, a, "return", "{\"comment\":\"请补充服务案例\"}", 200);
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(COMPANY, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "draft");
    ck_assert_str_eq(str(r, "return_comment"), "请补充服务案例");
    ck_assert(has_action(r, "submit"));
    th_free(r);
    ck_assert(inbox_has(COMPANY, "returned_application", NULL));
    /* it edits and submits again; the city fills the form and recommends */
    upload(COMPANY, a, "other", 201);
    act(COMPANY, a, "submit", NULL, 200);
    ck_assert(!inbox_has(COMPANY, "returned_application", NULL));
    snprintf(path, sizeof path, "/v1/applications/%lld/recommendation", a);
    th_free(expect(SHENYANG, "PUT", path, FORM, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert(has_action(r, "recommend") && has_action(r, "return_to_applicant"));
    th_free(r);
    act(SHENYANG, a, "recommend", NULL, 200);
    act(PROVINCE, a, "review", "{\"decision\":\"approve\",\"comment\":\"符合条件\"}", 200);
    notice("2026-09-28", a, 201);
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    long long award = expect_id(PROVINCE, "POST", path, NULL, 201);

    /* the platform sees every step, the publicity window, and its title */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(COMPANY, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "awarded");
    const char *expected[] = {"application.created", "application.submitted", "application.returned_to_applicant",
                              "application.submitted", "application.recommended", "application.approved",
                              "notice.published", "application.publicized", "application.awarded"};
    size_t step = 0;
    json_array_foreach(json_object_get(r->json, "history"), i, it) {
        const char *action = json_string_value(json_object_get(it, "action"));
        if (step < sizeof expected / sizeof *expected && strcmp(action, expected[step]) == 0)
            step++;
        if (strcmp(action, "application.returned_to_applicant") == 0)
            ck_assert_str_eq(json_string_value(json_object_get(it, "comment")), "请补充服务案例");
        if (strcmp(action, "notice.published") == 0)
            ck_assert_str_eq(json_string_value(json_object_get(it, "start_date")), "2026-09-28");
    }
    ck_assert_msg(step == sizeof expected / sizeof *expected, "history lacks %s", expected[step]);
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(COMPANY, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "active");
    ck_assert_ptr_nonnull(str(r, "certificate_no"));
    th_free(r);
    r = expect(COMPANY, "GET", "/v1/awards", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    /* each party's buttons on the title's page (allowed_actions) */
    static const struct {
        int party;
        const char *actions;
    } pages[] = {
        {COMPANY, "file_summary"},
        {SHENYANG, "file_summary,inspect"},
        {PROVINCE, "revoke,commission_assessment,file_summary,inspect"},   /* it records supervision too */
        {SUPERVISOR, ""},
    };
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        r = expect(pages[k].party, "GET", path, NULL, 200);
        char got[160] = "";
        json_array_foreach(json_object_get(r->json, "allowed_actions"), i, it)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", got[0] ? "," : "", json_string_value(it));
        ck_assert_msg(strcmp(got, pages[k].actions) == 0, "party %d: %s", pages[k].party, got);
        th_free(r);
    }
    /* the other company sees none of it */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_free(expect(OTHER_COMPANY, "GET", path, NULL, 404));
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_free(expect(OTHER_COMPANY, "GET", path, NULL, 404));
    r = expect(OTHER_COMPANY, "GET", "/v1/applications?limit=100", NULL, 200);   /* its own only */
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        ck_assert_int_ne(json_integer_value(json_object_get(it, "id")), a);
    th_free(r);

    /* Art. 22: the platform files its title's summary itself, received the day it is filed */
    char body[256];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"年度工作总结\",\"received_on\":\"2026-01-30\"}",
             award);
    th_free(expect(COMPANY, "POST", "/v1/annual-summaries", body, 422));
    th_free(expect(OTHER_COMPANY, "POST", "/v1/annual-summaries", body, 422));
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"年度工作总结\"}", award);
    long long summary = expect_id(COMPANY, "POST", "/v1/annual-summaries", body, 201);
    snprintf(path, sizeof path, "/v1/annual-summaries/%lld", summary);
    r = expect(SHENYANG, "GET", path, NULL, 200);     /* its city reads it */
    char today[11];
    today_text(today);
    ck_assert_str_eq(str(r, "received_on"), today);
    th_free(r);
    th_free(expect(COMPANY, "GET", path, NULL, 200));
    th_free(expect(OTHER_COMPANY, "GET", path, NULL, 404));
    /* and what it may never do */
    th_free(expect(COMPANY, "GET", "/v1/compliance?year=2025", NULL, 403));
    th_free(expect(COMPANY, "GET", "/v1/objections", NULL, 403));
    th_free(expect(COMPANY, "GET", "/v1/city-reports", NULL, 403));
    th_free(expect(COMPANY, "POST", "/v1/platforms", "{}", 403));
}
END_TEST

/* Art. 27: a platform may name a provincial association in the province's round; a city of
 * another region is refused (422); an organisation it may not name likewise. */
START_TEST(a_platform_names_its_recommender)
{
    long long p = company_platform("沈阳协会推荐平台", COMPANY_SERIAL);
    char assoc[24], dalian[24];
    snprintf(assoc, sizeof assoc, "%lld", assessor_org[ASSOCIATION]);
    snprintf(dalian, sizeof dalian, "%d", 3);
    th_response *r = expect(COMPANY, "POST", "/v1/applications",
                            "{\"round_id\":0,\"platform_id\":1,\"recommender_org_id\":2}", 422);
    th_free(r);
    char body[160];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld,\"recommender_org_id\":%s}", round_id, p, dalian);
    r = expect(COMPANY, "POST", "/v1/applications", body, 422);
    ck_assert(has_error(r, "recommender_org_id"));
    th_free(r);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld,\"recommender_org_id\":%lld}", round_id, p,
             assessor_org[ASSESSOR_A]);
    r = expect(COMPANY, "POST", "/v1/applications", body, 422);
    ck_assert(has_error(r, "recommender_org_id"));
    th_free(r);
    long long a = own_application(COMPANY, p, assoc, 201);
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(ASSOCIATION, "GET", path, NULL, 200);   /* the association it named sees it */
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "recommender_org_id")), assessor_org[ASSOCIATION]);
    th_free(r);
    th_free(expect(SHENYANG, "GET", path, NULL, 404)); /* its city is not the recommender of this one */
    /* another company's platform, or a city's own: as if it did not exist */
    long long not_mine = new_platform(SHENYANG, "沈阳别家平台", "210100", 990101);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, not_mine);
    r = expect(COMPANY, "POST", "/v1/applications", body, 422);
    ck_assert(has_error(r, "platform_id"));
    th_free(r);
    /* a city opens its own only */
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld,\"recommender_org_id\":%lld}", round_id,
             not_mine, assessor_org[ASSOCIATION]);
    r = expect(SHENYANG, "POST", "/v1/applications", body, 422);
    ck_assert(has_error(r, "recommender_org_id"));
    th_free(r);
    /* the recommenders it may name are listed for it; other companies are not */
    r = expect(COMPANY, "GET", "/v1/organizations?limit=100", NULL, 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        const char *type = json_string_value(json_object_get(it, "type"));
        ck_assert_msg(strcmp(type, "city") == 0 || strcmp(type, "association") == 0 ||
                          json_integer_value(json_object_get(it, "id")) == assessor_org[COMPANY],
                      "a platform company reads organisation %s", type);
    }
    th_free(r);
}
END_TEST

/* Accounts: a city creates the platform companies of its region and their users; not those
 * of another region, nor any other kind of organisation. */
START_TEST(a_city_creates_its_platform_companies_and_their_users)
{
    char code[19], body[320];
    credit_code(code, 990201);
    snprintf(body, sizeof body, "{\"type\":\"platform\",\"name\":\"沈阳新运营公司\",\"region_code\":\"210200\","
             "\"credit_code\":\"%s\"}", code);
    th_free(expect(SHENYANG, "POST", "/v1/organizations", body, 403));   /* another city's region */
    th_free(expect(SHENYANG, "POST", "/v1/organizations", "{\"type\":\"association\",\"name\":\"沈阳冒名协会\"}", 403));
    th_free(expect(SHENYANG, "POST", "/v1/organizations",
                   "{\"type\":\"platform\",\"name\":\"无码公司\",\"region_code\":\"210100\"}", 422));
    th_free(expect(SHENYANG, "POST", "/v1/organizations",
                   "{\"type\":\"platform\",\"name\":\"错码公司\",\"region_code\":\"210100\","
                   "\"credit_code\":\"91210100MA0P4X6G1G\"}", 422));   /* check character wrong */
    snprintf(body, sizeof body, "{\"type\":\"platform\",\"name\":\"沈阳新运营公司\",\"region_code\":\"210100\","
             "\"credit_code\":\"%s\"}", code);
    long long org = expect_id(SHENYANG, "POST", "/v1/organizations", body, 201);
    th_free(expect(SHENYANG, "POST", "/v1/organizations", body, 409));   /* one company per credit code */
    char path[64];
    snprintf(path, sizeof path, "/v1/organizations/%lld", org);
    th_free(expect(SHENYANG, "GET", path, NULL, 200));
    th_free(expect(DALIAN, "GET", path, NULL, 404));
    snprintf(body, sizeof body, "{\"username\":\"new-company\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
             "\"display_name\":\"新公司\"}", org);
    th_free(expect(DALIAN, "POST", "/v1/users", body, 422));
    long long user = expect_id(SHENYANG, "POST", "/v1/users", body, 201);
    snprintf(path, sizeof path, "/v1/users/%lld", user);
    th_free(expect(SHENYANG, "GET", path, NULL, 200));
    th_free(expect(DALIAN, "GET", path, NULL, 404));
    th_free(expect(SHENYANG, "GET", "/v1/users/1", NULL, 404));   /* the province's admin is not its business */
    snprintf(body, sizeof body, "{\"username\":\"shenyang-2\",\"password\":\"" USER_PASSWORD "\",\"org_id\":2,"
             "\"display_name\":\"冒名\"}");
    th_free(expect(SHENYANG, "POST", "/v1/users", body, 422));    /* not even its own department's */
}
END_TEST

/* The inbox of a platform: a summary due and the re-application in its title's expiry year. */
START_TEST(a_platforms_inbox_shows_what_is_due)
{
    long long p = new_platform(DALIAN, "大连自主平台", "210200", OTHER_COMPANY_SERIAL);
    char sql[512];
    /* a title of 2023, valid to the end of this year: the year it may apply again (Art. 23),
     * and last year's summary is owed (Art. 22) */
    snprintf(sql, sizeof sql,
             "WITH a AS (INSERT INTO applications (round_id, platform_id, recommender_org_id, status)"
             "           VALUES (%lld, %lld, 3, 'awarded') RETURNING id, round_id, platform_id)"
             " INSERT INTO awards (application_id, platform_id, round_id, level, certificate_no, certificate_seq,"
             "                     awarded_on, valid_from, valid_until)"
             " SELECT id, platform_id, round_id, 'province', 'INBOX-2023-1', 9001, '2023-12-20', '2023-12-20',"
             "        make_date(extract(year FROM current_date)::int, 12, 31) FROM a",
             round_id, p);
    admin_sql(sql);
    ck_assert(inbox_has(OTHER_COMPANY, "reapply", NULL));
    ck_assert(inbox_has(OTHER_COMPANY, "annual_summary_due", NULL));
    ck_assert(!inbox_has(COMPANY, "reapply", NULL));
}
END_TEST

Suite *wf_applicants_suite(void)
{
    Suite *s = suite_create("workflow: applicants");
    TCase *tc = tcase_create("applicants");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_platform_drives_its_own_application_to_a_title);
    tcase_add_test(tc, a_platform_names_its_recommender);
    tcase_add_test(tc, a_city_creates_its_platform_companies_and_their_users);
    tcase_add_test(tc, a_platforms_inbox_shows_what_is_due);
    suite_add_tcase(s, tc);
    return s;
}
