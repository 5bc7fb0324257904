/*
 * Workflow: The audit trail (Art. 25), the supervisor who changes nothing, and API tokens for
 * scripts.
 */
#include "tests/workflow/fixture.h"

static char *new_api_token(int role, const char *scopes)
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\":\"导入脚本\",\"scopes\":%s,\"expires_in\":2592000}", scopes);
    th_response *r = expect(role, "POST", "/v1/api-tokens", body, 201);
    char *t = strdup(str(r, "token"));
    th_free(r);
    ck_assert_uint_eq(strlen(t), 47);
    ck_assert(strncmp(t, "sft_", 4) == 0);
    return t;
}

static int status_with(const char *token, const char *method, const char *path, const char *body)
{
    th_response *r = th_json(port, method, path, token, body);
    int st = r ? r->status : 0;
    th_free(r);
    return st;
}

START_TEST(the_audit_trail_is_readable_and_verifiable)
{
    th_free(expect(SHENYANG, "GET", "/v1/audit-events", NULL, 403));
    th_response *r = expect(SUPERVISOR, "GET", "/v1/audit-events?entity=award&limit=5", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(SUPERVISOR, "GET", "/v1/audit-events/verify", NULL, 200);
    ck_assert(json_is_true(json_object_get(r->json, "ok")));
    long long checked = json_integer_value(json_object_get(r->json, "checked"));
    ck_assert(checked > 20);
    th_free(r);
    /* someone with database access rewrites history */
    admin_sql("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;"
              "UPDATE audit_events SET detail = '{\"forged\":true}' WHERE seq = 7;"
              "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
    r = expect(PROVINCE, "GET", "/v1/audit-events/verify", NULL, 200);
    ck_assert(json_is_false(json_object_get(r->json, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "first_broken")), 7);
    th_free(r);
}
END_TEST

START_TEST(the_supervisor_changes_nothing)
{
    const char *writes[][2] = {
        {"POST", "/v1/platforms"}, {"POST", "/v1/applications"}, {"POST", "/v1/publicity-notices"},
        {"POST", "/v1/applications/1/review"}, {"POST", "/v1/awards/1/revoke"}, {"PUT", "/v1/calendar/2030"},
        {"POST", "/v1/rounds"}, {"POST", "/v1/objections/1/resolve"}, {"POST", "/v1/assessments"},
        {"POST", "/v1/assessments/1/result"}, {"POST", "/v1/awards/1/reinstate"}, {"POST", "/v1/annual-summaries"},
        {"POST", "/v1/inspections"}, {"POST", "/v1/city-reports"}, {"PATCH", "/v1/platforms/1"},
        {"PUT", "/v1/applications/1/report"}, {"POST", "/v1/applications/1/materials?kind=x&filename=y"},
    };
    for (size_t i = 0; i < sizeof writes / sizeof *writes; i++)
        th_free(expect(SUPERVISOR, writes[i][0], writes[i][1], "{}", 403));
}
END_TEST

/* allowed_actions tell what the caller may do: a read-only token may do nothing, so none is
 * offered (from an outside review: a city's read token was offered edit, recommend and
 * withdraw, each of which answered 403 token_scope_forbidden). */
static json_t *actions_with(const char *token, const char *path)
{
    th_response *r = th_json(port, "GET", path, token, NULL);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    json_t *actions = json_incref(json_object_get(r->json, "allowed_actions"));
    th_free(r);
    return actions;
}

START_TEST(a_read_only_token_is_offered_no_actions)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳只读令牌检查平台", "210100", 880777));
    char path[96];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    char *reader = new_api_token(SHENYANG, "[\"read\"]");
    char *both = new_api_token(SHENYANG, "[\"read\",\"write\"]");
    json_t *none = actions_with(reader, path), *some = actions_with(both, path);
    ck_assert_uint_eq(json_array_size(none), 0);
    ck_assert_uint_gt(json_array_size(some), 0);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);   /* a person: as the read-write token */
    ck_assert(json_equal(json_object_get(r->json, "allowed_actions"), some));
    th_free(r);
    json_decref(none);
    json_decref(some);
    free(reader);
    free(both);
}
END_TEST

/* The change feed: a cursor past the chain's head answers no change and the head as the next
 * cursor, so that a client resumes where the chain is (from an outside review: it echoed the
 * cursor back, and a client that had a wrong one skipped every change to come). */
START_TEST(a_cursor_past_the_head_resumes_at_the_head)
{
    th_response *r = expect(-1, "GET", "/v1/public/changes?after=99999999", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    long long next = json_integer_value(json_object_get(r->json, "next_cursor"));
    th_free(r);
    ck_assert_int_lt(next, 99999999);
    ck_assert_int_eq(next, sql_number("SELECT seq FROM audit_head"));
    char path[96];
    snprintf(path, sizeof path, "/v1/public/changes?after=%lld", next);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_int_ge(json_integer_value(json_object_get(r->json, "next_cursor")), next);
    th_free(r);
}
END_TEST

START_TEST(api_tokens_are_scoped_expiring_and_revocable)
{
    char *reader = new_api_token(PROVINCE, "[\"read\"]");
    char *writer = new_api_token(PROVINCE, "[\"write\"]");
    const char *org = "{\"type\":\"assessor\",\"name\":\"脚本建立的评估机构\"}";
    const char *year = "{\"holidays\":[\"2031-01-01\"],\"working_days\":[]}";
    ck_assert_int_eq(status_with(reader, "GET", "/v1/platforms", NULL), 200);
    ck_assert_int_eq(status_with(reader, "PUT", "/v1/calendar/2031", year), 403);   /* scope */
    /* nor, whatever its scopes, the users: a leaked token lists no accounts to attack */
    ck_assert_int_eq(status_with(reader, "GET", "/v1/users", NULL), 403);
    ck_assert_int_eq(status_with(reader, "GET", "/v1/users/1", NULL), 403);
    ck_assert_int_eq(status_with(writer, "PUT", "/v1/calendar/2031", year), 201);
    ck_assert_int_eq(status_with(writer, "GET", "/v1/platforms", NULL), 403);       /* scope */
    /* whatever its scopes, a token does not administer accounts: a leak cannot become a login */
    ck_assert_int_eq(status_with(writer, "POST", "/v1/organizations", org), 403);
    ck_assert_int_eq(status_with(writer, "POST", "/v1/users",
                                 "{\"username\":\"backdoor\",\"password\":\"a-long-password-1\",\"org_id\":1,"
                                 "\"display_name\":\"x\"}"), 403);
    /* a token cannot mint tokens */
    ck_assert_int_eq(status_with(writer, "POST", "/v1/api-tokens", "{\"name\":\"x\",\"scopes\":[\"read\"]}"), 403);
    /* listed without the secret; only its hash is stored */
    th_response *r = expect(PROVINCE, "GET", "/v1/api-tokens", NULL, 200);
    ck_assert_ptr_null(strstr(r->body, reader + 4));
    ck_assert_ptr_nonnull(strstr(r->body, "\"prefix\""));
    long long id = json_integer_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
    th_free(r);
    char sql[512];
    snprintf(sql, sizeof sql, "DO $$ BEGIN IF (SELECT count(*) FROM api_tokens WHERE token_hash = "
             "encode(sha256(convert_to('%s', 'UTF8')), 'hex')) <> 1 OR (SELECT count(*) FROM api_tokens t "
             "WHERE strpos(row_to_json(t)::text, '%s') > 0) <> 0 THEN RAISE EXCEPTION 'stored'; END IF; END $$",
             reader, reader + 4);
    admin_sql(sql);
    /* revoked: refused at once; another organisation cannot revoke it */
    char path[64];
    snprintf(path, sizeof path, "/v1/api-tokens/%lld", id);
    /* read one: as listed, without the secret; another organisation's is absent */
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "id")), id);
    ck_assert_str_eq(str(r, "status"), "active");
    ck_assert_ptr_null(json_object_get(r->json, "token"));
    ck_assert_ptr_null(strstr(r->body, reader + 4));
    th_free(r);
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(SHENYANG, "DELETE", path, NULL, 404));
    th_free(expect(PROVINCE, "DELETE", path, NULL, 204));
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "revoked");
    th_free(r);
    ck_assert_int_eq(status_with(reader, "GET", "/v1/platforms", NULL), 401);
    /* expired: refused at once */
    admin_sql("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'");
    ck_assert_int_eq(status_with(writer, "PUT", "/v1/calendar/2031", year), 401);
    ck_assert_int_eq(status_with("sft_not-a-token-at-all-not-a-token-at-all-xxxx", "GET", "/v1/me", NULL), 401);
    th_free(expect(PROVINCE, "POST", "/v1/api-tokens", "{\"name\":\"x\",\"scopes\":[\"admin\"]}", 422));
    /* expires_in counts seconds, as on every token answer; the old expires_in_days is unknown */
    r = expect(PROVINCE, "POST", "/v1/api-tokens", "{\"name\":\"x\",\"scopes\":[\"read\"],\"expires_in_days\":30}", 422);
    ck_assert(has_error(r, "expires_in_days"));
    th_free(r);
    r = expect(PROVINCE, "POST", "/v1/api-tokens", "{\"name\":\"x\",\"scopes\":[\"read\"],\"expires_in\":3600}", 422);
    ck_assert(has_error(r, "expires_in"));
    th_free(r);
    r = expect(PROVINCE, "POST", "/v1/api-tokens", "{\"name\":\"两天的令牌\",\"scopes\":[\"read\"],\"expires_in\":172800}", 201);
    char location[64], expected[64];
    snprintf(expected, sizeof expected, "/v1/api-tokens/%lld", (long long)json_integer_value(json_object_get(r->json, "id")));
    ck_assert_str_eq(th_header(r, "Location", location, sizeof location), expected);   /* the new token itself */
    th_free(r);
    ck_assert_int_eq(sql_number("SELECT count(*) FROM api_tokens WHERE name = '两天的令牌' AND expires_at"
                                " BETWEEN now() + interval '2 days' - interval '1 minute' AND now() + interval '2 days'"), 1);
    free(reader);
    free(writer);
}
END_TEST

Suite *wf_audit_suite(void)
{
    Suite *s = suite_create("workflow: audit");
    TCase *tc = tcase_create("audit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_audit_trail_is_readable_and_verifiable);
    tcase_add_test(tc, the_supervisor_changes_nothing);
    tcase_add_test(tc, api_tokens_are_scoped_expiring_and_revocable);
    tcase_add_test(tc, a_read_only_token_is_offered_no_actions);
    tcase_add_test(tc, a_cursor_past_the_head_resumes_at_the_head);
    suite_add_tcase(s, tc);
    return s;
}
