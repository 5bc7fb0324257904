/*
 * Workflow: titles (Art. 23, 24) — a revocation names its ground with what that ground
 * requires, and a title pending revocation is reinstated only on a later passed assessment
 * the province commissioned.
 */
#include "tests/workflow/fixture.h"

/* Commissions an assessment of `award` by assessor A and, unless `passed` is -1, submits its
 * result; the assessment's id. */
static long long assessed(long long award, int passed)
{
    char body[256], path[96];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", award,
             assessor_org[ASSESSOR_A]);
    long long id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    if (passed >= 0) {
        snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
        th_free(expect(ASSESSOR_A, "POST", path, passed ? "{\"score\":88,\"passed\":true,\"summary\":\"合格\"}"
                                                        : "{\"score\":40,\"passed\":false,\"summary\":\"不合格\"}", 200));
    }
    return id;
}

/* A refusal of 422 naming `field`. */
static void refused(const char *path, const char *body, const char *field)
{
    th_response *r = expect(PROVINCE, "POST", path, body, 422);
    ck_assert_msg(has_error(r, field), "%s: no error on %s: %s", body, field, r->body);
    th_free(r);
}

START_TEST(a_revocation_names_its_ground_with_what_it_requires)
{
    long long award = dalian_award("大连撤销依据平台", 960);
    long long other_title = dalian_award("大连另一测评平台", 961);
    long long others_failed = assessed(other_title, 0);
    long long passed = assessed(award, 1);
    char path[96], body[512];
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    refused(path, "{\"reason\":\"other\",\"detail\":\"旧的理由\"}", "reason");
    refused(path, "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\"}", "reference");
    refused(path, "{\"reason\":\"violation\",\"reference\":\"辽工信发〔2026〕12号\"}", "finding");
    refused(path, "{\"reason\":\"failed_assessment\"}", "assessment_id");
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld}", others_failed);
    refused(path, body, "assessment_id");   /* a failed assessment, of another title */
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld}", passed);
    refused(path, body, "assessment_id");   /* of this title, but passed */
    refused(path, "{\"reason\":\"surrendered\",\"finding\":\"查实\"}", "finding");
    refused(path, "{\"reason\":\"violation\",\"finding\":\"查实\",\"reference\":\"\"}", "reference");
    /* a finding of several lines keeps them, never an override; a reference is one line */
    refused(path, "{\"reason\":\"violation\",\"finding\":\"查实\\u202e\",\"reference\":\"辽工信发〔2026〕12号\"}", "finding");
    refused(path, "{\"reason\":\"violation\",\"finding\":\"查实\",\"reference\":\"辽工信发\\n12号\"}", "reference");
    /* none of the refusals changed the title */
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "active");
    char etag[80], if_match[128];
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    /* If-Match names the title as last read: another ETag is 412 and nothing is done */
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    const char *surrender = "{\"reason\":\"surrendered\"}";
    r = th_request(port, "POST", path, tokens[PROVINCE], "application/json", surrender, strlen(surrender),
                   "If-Match: \"00000000000000000000000000000000\"\r\n");
    ck_assert_int_eq(r->status, 412);
    th_free(r);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "POST", path, tokens[DALIAN], "application/json", surrender, strlen(surrender), if_match);
    ck_assert_int_eq(r->status, 403);   /* the role is refused before anything is read */
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "active");
    th_free(r);

    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\","
               "\"reference\":\"辽工信发〔2026〕12号\",\"detail\":\"收费标准未公示\"}", 200);
    ck_assert_str_eq(str(r, "status"), "revoked");
    ck_assert_str_eq(str(r, "revocation_reason"), "violation");
    ck_assert_str_eq(str(r, "revocation_finding"), "违规收费，经查属实");
    ck_assert_str_eq(str(r, "revocation_reference"), "辽工信发〔2026〕12号");
    ck_assert(json_is_null(json_object_get(r->json, "revocation_assessment_id")));
    long long platform = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", platform);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), "revoked");
    th_free(r);

    /* the other title: revoked on its failed assessment, which it names */
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", other_title);
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld}", others_failed);
    r = expect(PROVINCE, "POST", path, body, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "revocation_assessment_id")), others_failed);
    th_free(r);

    /* a title revoked as `other` before the ground was refused reads it back; the database
     * refuses a new one by hand too */
    long long old = dalian_award("大连旧撤销平台", 962);
    char sql[512];
    snprintf(sql, sizeof sql, "UPDATE awards SET status = 'revoked', revoked_on = current_date, revocation_reason = 'other'"
                              " WHERE id = %lld", old);
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    PGresult *res = PQexec(pg, sql);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23514");
    PQclear(res);
    PQfinish(pg);
    snprintf(sql, sizeof sql, "ALTER TABLE awards DISABLE TRIGGER awards_revocation_ground;"
                              "UPDATE awards SET status = 'revoked', revoked_on = current_date, revocation_reason = 'other'"
                              " WHERE id = %lld; ALTER TABLE awards ENABLE TRIGGER awards_revocation_ground", old);
    admin_sql(sql);
    snprintf(path, sizeof path, "/v1/awards/%lld", old);
    r = expect(DALIAN, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "revocation_reason"), "other");
    th_free(r);

    /* a title its holder surrenders (Art. 23); the statistics count it under its ground, as
     * their schema says (which lacked `surrendered`: every answer is checked against it) */
    long long given_up = dalian_award("大连放弃称号平台", 978);
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", given_up);
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"surrendered\",\"detail\":\"运营单位注销\"}", 200);
    ck_assert_str_eq(str(r, "revocation_reason"), "surrendered");
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/statistics", NULL, 200);
    int counted = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r->json, "revocations"), i, row)
        counted |= strcmp(json_string_value(json_object_get(row, "reason")), "surrendered") == 0;
    ck_assert(counted);
    th_free(r);
}
END_TEST

START_TEST(a_title_is_reinstated_only_on_a_later_passed_assessment_of_the_province)
{
    long long award = dalian_award("大连复评恢复平台", 963);
    long long failed = assessed(award, 0);
    char path[96], body[256];
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "revocation_pending");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "pending_assessment_id")), failed);
    long long platform = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);

    snprintf(path, sizeof path, "/v1/awards/%lld/reinstate", award);
    /* roles: the city sees the title but did not award it; the others may never reinstate */
    const int refused_roles[] = {DALIAN, ASSOCIATION, ASSESSOR_A, SUPERVISOR};
    for (size_t i = 0; i < sizeof refused_roles / sizeof *refused_roles; i++)
        th_free(expect(refused_roles[i], "POST", path, "{}", 403));
    th_free(expect(SHENYANG, "POST", path, "{}", 404));   /* not of its region: not there for it */

    /* no later assessment; one without a result yet; one that failed too */
    r = expect(PROVINCE, "POST", path, "{}", 409);
    snprintf(body, sizeof body, "failed assessment %lld", failed);
    ck_assert_msg(strstr(str(r, "detail"), body) != NULL, "%s", r->body);
    th_free(r);
    long long open = assessed(award, -1);
    r = expect(PROVINCE, "POST", path, "{}", 409);
    snprintf(body, sizeof body, "assessment %lld", open);
    ck_assert_msg(strstr(str(r, "detail"), body) != NULL && strstr(str(r, "detail"), "no result") != NULL, "%s", r->body);
    th_free(r);
    snprintf(body, sizeof body, "/v1/assessments/%lld/result", open);
    th_free(expect(ASSESSOR_A, "POST", body, "{\"score\":45,\"passed\":false,\"summary\":\"仍不合格\"}", 200));
    r = expect(PROVINCE, "POST", path, "{}", 409);
    ck_assert_msg(strstr(str(r, "detail"), "failed too") != NULL, "%s", r->body);
    th_free(r);

    /* a later pass, but not commissioned by the province */
    long long later = assessed(award, 1);
    snprintf(body, sizeof body, "UPDATE assessments SET commissioned_by = (SELECT min(u.id) FROM users u JOIN organizations o"
                                " ON o.id = u.org_id WHERE o.type = 'city') WHERE id = %lld", later);
    admin_sql(body);
    r = expect(PROVINCE, "POST", path, "{}", 409);
    ck_assert_msg(strstr(str(r, "detail"), "not commissioned by the province") != NULL, "%s", r->body);
    th_free(r);
    snprintf(body, sizeof body, "UPDATE assessments SET commissioned_by = (SELECT min(u.id) FROM users u JOIN organizations o"
                                " ON o.id = u.org_id WHERE o.type = 'province') WHERE id = %lld", later);
    admin_sql(body);

    /* the later pass of the province's outweighs the failed assessments before it at once:
     * neither grounds a revocation any more, even before the title is reinstated */
    char revoke[96];
    snprintf(revoke, sizeof revoke, "/v1/awards/%lld/revoke", award);
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld}", failed);
    r = expect(PROVINCE, "POST", revoke, body, 422);
    ck_assert_str_eq(error_code(r, "assessment_id"), "assessment_superseded");
    th_free(r);

    r = expect(PROVINCE, "POST", path, "{\"reason\":\"复评合格，维持认定\"}", 200);
    ck_assert_str_eq(str(r, "status"), "active");
    ck_assert(json_is_null(json_object_get(r->json, "pending_assessment_id")));
    th_free(r);
    th_free(expect(PROVINCE, "POST", path, "{}", 409));   /* active: nothing to reinstate */

    /* both failed assessments are kept, superseded by the pass; the pass is not */
    const long long ids[] = {failed, open, later};
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body, "/v1/assessments/%lld", ids[i]);
        r = expect(SUPERVISOR, "GET", body, NULL, 200);
        json_t *by = json_object_get(r->json, "superseded_by");
        if (i < 2)
            ck_assert_int_eq(json_integer_value(by), later);
        else
            ck_assert(json_is_null(by));
        th_free(r);
    }
    /* the registry shows the title active again, and the audit trail tells why */
    snprintf(body, sizeof body, "/v1/public/platforms/%lld", platform);
    r = expect(-1, "GET", body, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), "active");
    th_free(r);
    snprintf(body, sizeof body, "/v1/audit-events?entity=award&entity_id=%lld&order=desc&limit=1", award);
    r = expect(SUPERVISOR, "GET", body, NULL, 200);
    json_t *event = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(event, "action")), "award.reinstated");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(event, "detail"), "passed_assessment_id")), later);
    th_free(r);
    /* a superseded failure is no ground for a revocation any more */
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    snprintf(body, sizeof body, "{\"reason\":\"failed_assessment\",\"assessment_id\":%lld}", failed);
    refused(path, body, "assessment_id");
}
END_TEST

Suite *wf_titles_suite(void)
{
    Suite *s = suite_create("workflow: titles");
    TCase *tc = tcase_create("titles");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_revocation_names_its_ground_with_what_it_requires);
    tcase_add_test(tc, a_title_is_reinstated_only_on_a_later_passed_assessment_of_the_province);
    suite_add_tcase(s, tc);
    return s;
}
