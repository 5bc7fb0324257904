/*
 * The recognition workflow end to end, over HTTP against the real server and cluster: a
 * province, two cities, an association, a supervisor and the public drive a platform from
 * registration to the public registry and revocation, and every rule on the way is tried at
 * its edge.
 */
#include <check.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <iconv.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/server.h"
#include "domain/credit_code.h"
#include "domain/permissions.h"
#include "tests/testutil.h"

#define ADMIN_PASSWORD "admin-password-for-tests"
#define USER_PASSWORD "a-long-user-password"

enum { PROVINCE, SHENYANG, DALIAN, ASSOCIATION, SUPERVISOR, ASSESSOR_A, ASSESSOR_B, NROLES };
static char *tokens[NROLES];
static th_server server;
static int port;
static char data_dir[512];
static long long round_id;
static long long assessor_org[NROLES];

static th_response *req(int role, const char *method, const char *path, const char *body)
{
    th_response *r = th_json(port, method, path, role >= 0 ? tokens[role] : NULL, body);
    ck_assert_msg(r != NULL, "no answer to %s %s", method, path);
    return r;
}

/* Calls and checks the status; returns the response for further checks. */
static th_response *expect(int role, const char *method, const char *path, const char *body, int status)
{
    th_response *r = req(role, method, path, body);
    ck_assert_msg(r->status == status, "%s %s: expected %d, got %d: %s", method, path, status, r->status, r->body);
    return r;
}

static long long expect_id(int role, const char *method, const char *path, const char *body, int status)
{
    th_response *r = expect(role, method, path, body, status);
    long long id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    return id;
}

static const char *str(th_response *r, const char *key)
{
    return json_string_value(json_object_get(r->json, key));
}

static int has_error(th_response *r, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return 1;
    return 0;
}

/* A valid unified social credit code with the given serial digits. */
static void credit_code(char out[19], int serial)
{
    snprintf(out, 19, "91210100MA%07d", serial);
    out[17] = sf_credit_code_check_char(out);
    out[18] = '\0';
}

static char *login(const char *user, const char *password)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    th_response *r = th_json(port, "POST", "/v1/auth/token", NULL, body);
    char *t = r && r->status == 200 ? strdup(str(r, "access_token")) : NULL;
    th_free(r);
    return t;
}

static void admin_sql(const char *sql)
{
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s",
                  PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
}

static void setup(void)
{
    snprintf(data_dir, sizeof data_dir, "%s/workflow", th_env("SHIFAN_TEST_TMP"));
    mkdir(data_dir, 0700);
    static const char *env[] = {"SHIFAN_ADMIN_PASSWORD=" ADMIN_PASSWORD, "SHIFAN_THREADS=8", NULL};
    if (th_server_start(&server, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env) != 0) {
        fprintf(stderr, "the server did not start; see %s\n", server.log_path);
        exit(1);
    }
    port = server.port;
    th_contract_start(port);
    tokens[PROVINCE] = login("admin", ADMIN_PASSWORD);
    struct {
        int role;
        const char *org_body;
        long long org_id;
        const char *user;
    } users[] = {
        {SHENYANG, NULL, 2, "shenyang"},
        {DALIAN, NULL, 3, "dalian"},
        {ASSOCIATION, "{\"type\":\"association\",\"name\":\"辽宁省中小企业服务协会\"}", 0, "assoc"},
        {SUPERVISOR, "{\"type\":\"supervisor\",\"name\":\"辽宁省审计厅\"}", 0, "auditor"},
        {ASSESSOR_A, "{\"type\":\"assessor\",\"name\":\"甲评估中心\"}", 0, "assessor-a"},
        {ASSESSOR_B, "{\"type\":\"assessor\",\"name\":\"乙评估中心\"}", 0, "assessor-b"},
    };
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        long long org = users[i].org_id;
        if (users[i].org_body) {
            th_response *r = th_json(port, "POST", "/v1/organizations", tokens[PROVINCE], users[i].org_body);
            org = json_integer_value(json_object_get(r->json, "id"));
            th_free(r);
        }
        char body[256];
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
                 "\"display_name\":\"用户\"}", users[i].user, org);
        th_response *r = th_json(port, "POST", "/v1/users", tokens[PROVINCE], body);
        th_free(r);
        assessor_org[users[i].role] = org;
        tokens[users[i].role] = login(users[i].user, USER_PASSWORD);
        if (tokens[users[i].role] == NULL) {
            fprintf(stderr, "%s cannot log in\n", users[i].user);
            exit(1);
        }
    }
}

static void teardown(void)
{
    if (server.pid > 0)
        th_server_stop(&server);
    for (int i = 0; i < NROLES; i++)
        free(tokens[i]);
}

/* ---- helpers that drive the workflow ---- */

static const char *REPORT =
    "{\"basic\":{\"established_on\":\"2015-03-01\",\"total_assets_cny\":3000000,\"smes_served_last_year\":150,"
    "\"smes_served_prev_year\":120,\"satisfaction_pct\":92,\"has_fixed_premises\":true,\"partner_institutions\":5,"
    "\"prior_recognitions\":[{\"level\":\"city\",\"issuer\":\"沈阳市工业和信息化局\",\"year\":2020}],"
    "\"has_management_rules\":true,\"has_development_plan\":true,\"public_service_share_pct\":20,"
    "\"service_staff\":25,\"qualified_staff\":20},"
    "\"functions\":{\"training\":{\"has_qualification\":true,\"online_and_offline\":true,"
    "\"has_evaluation_mechanism\":true,\"trainee_times_per_year\":2000}},"
    "\"innovation\":\"线上线下结合的培训服务模式\"}";
static const char *FORM =
    "{\"operation_score\":90,\"performance_score\":88,\"satisfaction_score\":92,\"opinion\":\"同意推荐\"}";
static const char *const KINDS[] = {"application_report", "business_license", "audit_report", "premises_proof",
                                    "service_evidence", "prior_recognition", "authenticity_declaration"};

static long long new_platform(int role, const char *name, const char *region, int serial)
{
    char code[19], body[512];
    credit_code(code, serial);
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"region_code\":\"%s\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"%s运营有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
             "\"address\":\"沈阳市和平区\"}}", name, region, name, code);
    return expect_id(role, "POST", "/v1/platforms", body, 201);
}

static long long new_application(int role, long long platform)
{
    char body[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, platform);
    return expect_id(role, "POST", "/v1/applications", body, 201);
}

static void upload(int role, long long app, const char *kind, int expected)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=%s&filename=%s.pdf", app, kind, kind);
    const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    th_response *r = th_request(port, "POST", path, tokens[role], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_msg(r->status == expected, "upload %s: %d %s", kind, r->status, r->body);
    th_free(r);
}

static void fill(int role, long long app)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/report", app);
    th_free(expect(role, "PUT", path, REPORT, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld/recommendation", app);
    th_free(expect(role, "PUT", path, FORM, 200));
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
        upload(role, app, KINDS[i], 201);
}

static void act(int role, long long app, const char *action, const char *body, int status)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", app, action);
    th_free(expect(role, "POST", path, body, status));
}

/* A recommended and approved application of a city (沈阳 unless said otherwise). */
static long long approved_application_of(int city, const char *name, int serial)
{
    long long p = new_platform(city, name, city == DALIAN ? "210200" : "210100", serial);
    long long a = new_application(city, p);
    fill(city, a);
    act(city, a, "recommend", NULL, 200);
    act(PROVINCE, a, "review", "{\"decision\":\"approve\"}", 200);
    return a;
}

static long long approved_application(const char *name, int serial)
{
    return approved_application_of(SHENYANG, name, serial);
}

static long long notice(const char *start, long long app, int status)
{
    char body[256];
    snprintf(body, sizeof body, "{\"title\":\"2026年示范平台公示\",\"start_date\":\"%s\",\"application_ids\":[%lld]}",
             start, app);
    return expect_id(PROVINCE, "POST", "/v1/publicity-notices", body, status);
}

/* ---- tests ---- */

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
               "\"relaxation_factor\":1.5,\"thresholds\":{\"min_satisfaction_pct\":120,\"min_service_staff\":-1}}", 422);
    ck_assert(has_error(r, "closes_on") && has_error(r, "relaxation_factor"));
    ck_assert(has_error(r, "thresholds.min_satisfaction_pct") && has_error(r, "thresholds.min_service_staff"));
    th_free(r);
    th_free(expect(SHENYANG, "POST", "/v1/rounds",
                   "{\"year\":2027,\"level\":\"province\",\"title\":\"x\",\"opens_on\":\"2027-01-01\",\"closes_on\":\"2027-02-01\"}", 403));
    th_free(expect(SUPERVISOR, "POST", "/v1/rounds", "{}", 403));
    th_free(expect(-1, "GET", "/v1/rounds", NULL, 401));
}
END_TEST

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

START_TEST(the_whole_path_from_platform_to_registry_and_revocation)
{
    long long p = new_platform(SHENYANG, "沈阳创业服务示范平台", "210100", 10);
    long long a = new_application(SHENYANG, p);
    char body[128], path[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, p);
    th_free(expect(SHENYANG, "POST", "/v1/applications", body, 409));         /* one per round */
    th_free(expect(DALIAN, "POST", "/v1/applications", body, 422));           /* not its platform */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_free(expect(DALIAN, "GET", path, NULL, 404));

    /* recommending an empty draft lists everything missing at once */
    th_response *r = expect(SHENYANG, "POST", strcat(strcpy(body, path), "/recommend"), NULL, 422);
    ck_assert(has_error(r, "report") && has_error(r, "recommendation") && has_error(r, "materials"));
    th_free(r);

    /* If-Match on the report: a stale ETag is refused, the current one accepted */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    char etag[80], if_match[128];
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", REPORT, strlen(REPORT), if_match);
    ck_assert_msg(r->status == 200, "%s", r->body);
    th_free(r);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", REPORT, strlen(REPORT), if_match);
    ck_assert_int_eq(r->status, 412);   /* the first PUT changed the application */
    th_free(r);
    fill(SHENYANG, a);
    snprintf(path, sizeof path, "/v1/applications/%lld/eligibility", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert(json_is_true(json_object_get(r->json, "eligible")));
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "conditions")), 6);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "missing_materials")), 0);
    th_free(r);

    /* materials page like every collection */
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?limit=3", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 3);
    char more[256];
    snprintf(more, sizeof more, "/v1/applications/%lld/materials?limit=10&page_token=%s", a, str(r, "next_page_token"));
    th_free(r);
    r = expect(SHENYANG, "GET", more, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 4);   /* 7 in all */
    ck_assert(json_is_null(json_object_get(r->json, "next_page_token")));
    th_free(r);
    /* a file that is not what it claims is refused */
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=qualifications&filename=x.pdf", a);
    r = th_request(port, "POST", path, tokens[SHENYANG], "application/pdf", "MZ\x90\x00 not a pdf", 15, NULL);
    ck_assert_int_eq(r->status, 415);
    th_free(r);

    act(PROVINCE, a, "recommend", NULL, 403);
    act(SHENYANG, a, "review", "{\"decision\":\"approve\"}", 403);   /* a city does not review */
    act(SHENYANG, a, "recommend", NULL, 200);
    act(SHENYANG, a, "recommend", NULL, 409);
    /* the report and materials are frozen now */
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    th_free(expect(SHENYANG, "PUT", path, REPORT, 409));
    upload(SHENYANG, a, "qualifications", 409);

    act(PROVINCE, a, "review", "{\"decision\":\"reject\"}", 422);    /* a rejection needs a comment */
    act(PROVINCE, a, "review", "{\"decision\":\"approve\",\"comment\":\"符合条件\"}", 200);
    act(PROVINCE, a, "award", NULL, 409);                             /* not publicized */

    /* publicity from Monday 2026-09-28: National Day (1–7 Oct) and the makeup Saturday 10 Oct */
    snprintf(body, sizeof body, "{\"title\":\"公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld]}", a);
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 201);
    ck_assert_str_eq(str(r, "end_date"), "2026-10-22");
    ck_assert_str_eq(str(r, "status"), "closed");
    long long notice_id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/calendar/working-days?start=2026-09-28&count=15", NULL, 200);
    ck_assert_str_eq(str(r, "end"), "2026-10-22");
    th_free(r);

    /* an objection after the notice closed */
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld/objections", notice_id);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"name\":\"张三\",\"contact\":\"13800000000\",\"reason\":\"晚了\"}", a);
    th_free(expect(-1, "POST", path, body, 409));

    act(SHENYANG, a, "award", NULL, 403);
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    r = expect(PROVINCE, "POST", path, NULL, 201);
    ck_assert_str_eq(str(r, "certificate_no"), "LNSME-2026-001");
    ck_assert_str_eq(str(r, "valid_until"), "2029-12-31");
    ck_assert_str_eq(str(r, "status"), "active");
    long long award = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);

    /* the public registry, without a token */
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    json_t *aw = json_object_get(r->json, "award");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "certificate_no")), "LNSME-2026-001");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "status")), "active");
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?region_code=210100", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);

    /* revocation: only the awarding authority, with a reason */
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    th_free(expect(SHENYANG, "POST", path, "{\"reason\":\"violation\",\"detail\":\"x\"}", 403));
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"whim\",\"detail\":\"x\"}", 422));
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"violation\",\"detail\":\"违规收费\"}", 200);
    ck_assert_str_eq(str(r, "status"), "revoked");
    th_free(r);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"violation\",\"detail\":\"again\"}", 409));
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    aw = json_object_get(r->json, "award");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "status")), "revoked");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "revocation_reason")), "violation");
    th_free(r);
}
END_TEST

START_TEST(award_waits_for_the_end_of_publicity_and_objections)
{
    long long a = approved_application("沈阳技术服务平台", 20);
    char date[11];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    long long n = notice(date, a, 201);
    act(PROVINCE, a, "award", NULL, 409);                       /* publicity still runs */
    char path[128], body[256];
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld/objections", n);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"name\":\"李四\",\"contact\":\"lisi@example.com\","
             "\"reason\":\"服务数据不实\"}", a);
    long long objection = expect_id(-1, "POST", path, body, 201);
    th_response *r = expect(PROVINCE, "GET", "/v1/objections?status=open", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    th_free(expect(DALIAN, "GET", "/v1/objections?status=open", NULL, 200));
    snprintf(path, sizeof path, "/v1/objections/%lld/resolve", objection);
    th_free(expect(SHENYANG, "POST", path, "{\"upheld\":true,\"resolution\":\"x\"}", 404));
    th_free(expect(PROVINCE, "POST", path, "{\"upheld\":true,\"resolution\":\"经核实数据不实\"}", 200));
    th_free(expect(PROVINCE, "POST", path, "{\"upheld\":false,\"resolution\":\"again\"}", 409));
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "rejected");
    th_free(r);
    /* a notice needs approved applications */
    notice(date, a, 422);
}
END_TEST

typedef struct {
    long long app;
    int status;
} award_call;

static void *award_thread(void *p)
{
    award_call *c = p;
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", c->app);
    th_response *r = th_json(port, "POST", path, tokens[PROVINCE], NULL);
    c->status = r ? r->status : 0;
    th_free(r);
    return NULL;
}

START_TEST(ten_concurrent_awards_make_one_award)
{
    long long a = approved_application("沈阳\\\"融资\\\",服务平台", 30);
    notice("2026-09-28", a, 201);
    award_call calls[10];
    pthread_t threads[10];
    for (int i = 0; i < 10; i++) {
        calls[i] = (award_call){a, 0};
        pthread_create(&threads[i], NULL, award_thread, &calls[i]);
    }
    int created = 0, conflicts = 0;
    for (int i = 0; i < 10; i++) {
        pthread_join(threads[i], NULL);
        created += calls[i].status == 201;
        conflicts += calls[i].status == 409;
    }
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(conflicts, 9);
    /* certificates stay gapless: this is the round's second */
    char path[64];
    snprintf(path, sizeof path, "/v1/awards?round_id=%lld", round_id);
    th_response *r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 1),
                                                       "certificate_no")), "LNSME-2026-002");
    th_free(r);
}
END_TEST

START_TEST(the_registry_exports_csv_for_excel)
{
    th_response *r = expect(-1, "GET", "/v1/public/platforms.csv?region_code=210100", NULL, 200);
    char ct[64];
    ck_assert_str_eq(th_header(r, "Content-Type", ct, sizeof ct), "text/csv; charset=utf-8");
    ck_assert(r->body_len > 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0);     /* the BOM */
    ck_assert_ptr_nonnull(strstr(r->body, "id,name,operator_name,region_code,region_name,"));
    /* a name with a comma and quotes is one field, its quotes doubled */
    ck_assert_ptr_nonnull(strstr(r->body, ",\"沈阳\"\"融资\"\",服务平台\","));
    ck_assert_ptr_nonnull(strstr(r->body, "LNSME-2026-002"));
    ck_assert_ptr_nonnull(strstr(r->body, "沈阳市"));
    ck_assert_ptr_null(strstr(r->body, "大连市"));
    th_free(r);
    th_free(expect(-1, "GET", "/v1/public/platforms.csv?status=forever", NULL, 422));
    /* titles expiring in 2029 (awarded in 2026), for the cities to invite re-applications */
    r = expect(SHENYANG, "GET", "/v1/awards?expires_in=2029", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 2);
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/awards?expires_in=2028", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
}
END_TEST

START_TEST(the_summary_sheet_lists_a_recommenders_applications)
{
    char path[64];
    snprintf(path, sizeof path, "/v1/rounds/%lld/summary.csv", round_id);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert(memcmp(r->body, "\xEF\xBB\xBF", 3) == 0);
    ck_assert_ptr_nonnull(strstr(r->body, "recommender,application_id,platform,"));
    ck_assert_ptr_nonnull(strstr(r->body, "沈阳创业服务示范平台"));
    ck_assert_ptr_nonnull(strstr(r->body, ",150,120,92,25,20,training,90,88,92"));   /* Annex 2 and Annex 1 figures */
    ck_assert_ptr_null(strstr(r->body, "大连"));             /* another recommender's rows stay out */
    th_free(r);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_ptr_nonnull(strstr(r->body, "大连市工业和信息化局"));
    ck_assert_ptr_nonnull(strstr(r->body, "沈阳市工业和信息化局"));
    ck_assert_ptr_nonnull(strstr(r->body, "辽宁省中小企业服务协会"));
    th_free(r);
    th_free(expect(ASSESSOR_A, "GET", path, NULL, 403));
}
END_TEST

START_TEST(a_recommender_stops_at_its_quota)
{
    /* 沈阳's recommendations so far: two awarded, one rejected, one approved; the quota is 4 */
    long long counted = 0;
    th_response *r = expect(SHENYANG, "GET", "/v1/applications?limit=100", NULL, 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        const char *st = json_string_value(json_object_get(it, "status"));
        counted += strcmp(st, "draft") != 0 && strcmp(st, "withdrawn") != 0;
    }
    th_free(r);
    ck_assert_int_eq(counted, 4);   /* a rejected recommendation still used its place */
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳信息服务平台甲", "210100", 50));
    long long b = new_application(SHENYANG, new_platform(SHENYANG, "沈阳信息服务平台乙", "210100", 51));
    fill(SHENYANG, a);
    fill(SHENYANG, b);
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/recommend", a);
    r = expect(SHENYANG, "POST", path, NULL, 409);
    ck_assert_ptr_nonnull(strstr(str(r, "detail"), "quota of 4"));
    th_free(r);
    /* one place more: a takes it, b is refused; a withdrawn gives it back to b */
    admin_sql("UPDATE rounds SET quota_per_recommender = 5 WHERE level = 'province'");
    act(SHENYANG, a, "recommend", NULL, 200);
    act(SHENYANG, b, "recommend", NULL, 409);
    act(SHENYANG, a, "withdraw", NULL, 200);
    act(SHENYANG, b, "recommend", NULL, 200);
    /* the rest of the run works without a quota */
    admin_sql("UPDATE rounds SET quota_per_recommender = NULL WHERE level = 'province'");
}
END_TEST

START_TEST(objections_are_rate_limited_per_client)
{
    long long a = approved_application_of(DALIAN, "大连公示限流平台", 60);
    char date[11], path[128], body[256];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    long long n = notice(date, a, 201);
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld/objections", n);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"name\":\"王五\",\"contact\":\"x\",\"reason\":\"y\"}", a);
    /* one objection was filed from this client earlier in the run; five an hour are taken */
    for (int i = 0; i < 4; i++)
        th_free(expect(-1, "POST", path, body, 201));
    th_response *r = expect(-1, "POST", path, body, 429);
    char retry[16];
    ck_assert_ptr_nonnull(th_header(r, "Retry-After", retry, sizeof retry));
    th_free(r);
}
END_TEST

START_TEST(associations_recommend_their_own_platforms)
{
    /* a platform an association registered in 沈阳 is the association's to recommend */
    long long q = new_platform(ASSOCIATION, "沈阳协会推荐的平台", "210100", 41);
    char qbody[128], qpath[64];
    snprintf(qbody, sizeof qbody, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, q);
    th_response *qr = expect(SHENYANG, "POST", "/v1/applications", qbody, 422);
    ck_assert(has_error(qr, "platform_id"));
    th_free(qr);
    snprintf(qpath, sizeof qpath, "/v1/platforms/%lld", q);
    th_free(expect(SHENYANG, "PATCH", qpath, "{\"operator\":{\"address\":\"别处\"}}", 403));
    new_application(ASSOCIATION, q);
    long long p = new_platform(ASSOCIATION, "鞍山行业服务平台", "210300", 40);
    long long a = new_application(ASSOCIATION, p);
    char path[64];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(PROVINCE, "GET", path, NULL, 200));
    th_free(expect(SUPERVISOR, "GET", path, NULL, 200));
    act(ASSOCIATION, a, "withdraw", NULL, 200);
    act(ASSOCIATION, a, "withdraw", NULL, 409);
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


/* An awarded title of 大连, through the whole flow. */
static long long dalian_award(const char *name, int serial)
{
    long long a = approved_application_of(DALIAN, name, serial);
    notice("2026-09-28", a, 201);
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    return expect_id(PROVINCE, "POST", path, NULL, 201);
}

START_TEST(assessments_are_scoped_and_a_failure_leads_to_revocation)
{
    long long award = dalian_award("大连融资担保服务平台", 70);
    char body[256], path[128];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2026-12-31\"}", award,
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
    th_free(r);
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
    snprintf(file_path, sizeof file_path, "/v1/assessments/%lld/report", id);
    f = expect(PROVINCE, "GET", file_path, NULL, 200);
    ck_assert_uint_eq(f->body_len, sizeof pdf - 1);
    ck_assert(memcmp(f->body, pdf, sizeof pdf - 1) == 0);
    char disposition[256];
    ck_assert_ptr_nonnull(strstr(th_header(f, "Content-Disposition", disposition, sizeof disposition),
                                 "filename*=UTF-8''%E6%B5%8B%E8%AF%84.pdf"));
    th_free(f);
    th_free(expect(ASSESSOR_B, "GET", file_path, NULL, 404));
    th_free(expect(ASSESSOR_A, "POST", path, failed, 200));
    snprintf(file_path, sizeof file_path, "/v1/assessments/%lld/report?filename=again.pdf", id);
    f = th_request(port, "POST", file_path, tokens[ASSESSOR_A], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_int_eq(f->status, 409);   /* the result is in: its report is final */
    th_free(f);
    th_free(expect(ASSESSOR_A, "POST", path, failed, 409));       /* a result is final */
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "revocation_pending");
    th_free(r);
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"failed_assessment\",\"detail\":\"第三方测评不合格\"}", 200);
    ck_assert_str_eq(str(r, "status"), "revoked");
    ck_assert_str_eq(str(r, "revocation_reason"), "failed_assessment");
    th_free(r);

    /* or the province records why it does not revoke */
    long long second = dalian_award("大连信息化服务平台", 71);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2026-12-31\"}", second,
             assessor_org[ASSESSOR_B]);
    id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
    th_free(expect(ASSESSOR_B, "POST", path, failed, 200));
    snprintf(path, sizeof path, "/v1/awards/%lld/reinstate", second);
    th_free(expect(SHENYANG, "POST", path, "{\"reason\":\"x\"}", 403));
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"复核后整改到位\"}", 200);
    ck_assert_str_eq(str(r, "status"), "active");
    th_free(r);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"again\"}", 409));
    /* an assessment commissioned in the past and still open is overdue */
    admin_sql("UPDATE assessments SET due_on = current_date - 1 WHERE submitted_on IS NULL");
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2026-01-31\"}", second,
             assessor_org[ASSESSOR_A]);
    id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(path, sizeof path, "/v1/assessments/%lld", id);
    r = expect(SUPERVISOR, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "overdue");
    th_free(r);
}
END_TEST

START_TEST(compliance_is_computed_from_dates)
{
    long long award = dalian_award("大连年度总结平台", 80);
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
    th_free(expect(DALIAN, "POST", "/v1/city-reports",
                   "{\"year\":2026,\"summary_report\":\"汇总报告\",\"inspection_report\":\"检查情况报告\"}", 201));

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
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"other\",\"detail\":\"x\"}", 409));
    /* the day before, it was active */
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_until = current_date WHERE id = %lld", award);
    admin_sql(sql);
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    r = expect(DALIAN, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "active");
    th_free(r);
}
END_TEST

START_TEST(a_city_level_title_satisfies_condition_12_4)
{
    long long city_round = expect_id(SHENYANG, "POST", "/v1/rounds",
                                     "{\"year\":2026,\"level\":\"city\",\"title\":\"沈阳市2026年市级示范平台认定\","
                                     "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\"}", 201);
    th_free(expect(SHENYANG, "POST", "/v1/rounds", "{\"year\":2026,\"level\":\"city\",\"title\":\"又一轮\","
                   "\"opens_on\":\"2026-02-01\",\"closes_on\":\"2026-12-31\"}", 409));
    long long p = new_platform(SHENYANG, "沈阳市级示范培训平台", "210100", 95);
    char body[256], path[128];
    /* 大连 cannot act in 沈阳's city round */
    long long dalian_platform = new_platform(DALIAN, "大连不该进沈阳轮次的平台", "210200", 96);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", city_round, dalian_platform);
    th_response *r = expect(DALIAN, "POST", "/v1/applications", body, 422);
    ck_assert(has_error(r, "round_id"));
    th_free(r);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", city_round, p);
    long long a = expect_id(SHENYANG, "POST", "/v1/applications", body, 201);
    fill(SHENYANG, a);
    act(SHENYANG, a, "recommend", NULL, 200);
    act(PROVINCE, a, "review", "{\"decision\":\"approve\"}", 403);    /* the city decides its own round */
    act(DALIAN, a, "review", "{\"decision\":\"approve\"}", 404);
    act(SHENYANG, a, "review", "{\"decision\":\"approve\"}", 200);
    snprintf(body, sizeof body, "{\"title\":\"沈阳市级公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld]}", a);
    th_free(expect(PROVINCE, "POST", "/v1/publicity-notices", body, 403));
    th_free(expect(SHENYANG, "POST", "/v1/publicity-notices", body, 201));
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    r = expect(SHENYANG, "POST", path, NULL, 201);
    ck_assert_str_eq(str(r, "certificate_no"), "LNSME-210100-2026-001");
    ck_assert_str_eq(str(r, "level"), "city");
    th_free(r);
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "level")), "city");
    th_free(r);

    /* in the province's round, a report listing no recognition still meets 12.4 */
    long long b = new_application(SHENYANG, p);
    const char *bare = strstr(REPORT, "\"prior_recognitions\"");
    ck_assert_ptr_nonnull(bare);
    char report[2048];
    size_t head = (size_t)(bare - REPORT);
    const char *after = strstr(bare, "]") + 2;   /* past the array and its comma */
    snprintf(report, sizeof report, "%.*s%s", (int)head, REPORT, after);
    snprintf(path, sizeof path, "/v1/applications/%lld/report", b);
    th_free(expect(SHENYANG, "PUT", path, report, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld/eligibility", b);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    json_t *c4 = json_array_get(json_object_get(r->json, "conditions"), 3);
    ck_assert_str_eq(json_string_value(json_object_get(c4, "id")), "12.4");
    ck_assert(json_is_true(json_object_get(c4, "passed")));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c4, "detail")), "city-level award in shifan: yes"));
    th_free(r);
}
END_TEST

START_TEST(the_public_finds_platforms_by_chinese_substrings)
{
    th_response *r = expect(-1, "GET", "/v1/public/platforms?q=%E8%9E%8D%E8%B5%84", NULL, 200);   /* 融资 */
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?q=%E8%BF%90%E8%90%A5%E6%9C%89%E9%99%90", NULL, 200);  /* 运营有限: operator */
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?q=%E4%B8%8D%E5%AD%98%E5%9C%A8", NULL, 200);   /* 不存在: a miss */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?q=%25", NULL, 200);   /* a literal %, not a wildcard */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?function=training&region_code=210200&award_year=2026", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
}
END_TEST


/* The kinds in a caller's inbox, checking that due dates never go down. */
static int inbox_has(int role, const char *kind, int *count)
{
    th_response *r = expect(role, "GET", "/v1/inbox?limit=100", NULL, 200);
    json_t *items = json_object_get(r->json, "items");
    int found = 0;
    const char *last = "";
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *due = json_string_value(json_object_get(it, "due_on"));
        if (due != NULL) {
            ck_assert_msg(strcmp(last, due) <= 0, "inbox out of order: %s after %s", due, last);
            last = due;
        } else {
            last = "9999";   /* undated items come last */
        }
        found += strcmp(json_string_value(json_object_get(it, "kind")), kind) == 0;
    }
    if (count)
        *count = (int)json_array_size(items);
    th_free(r);
    return found;
}

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


static char *new_api_token(int role, const char *scopes)
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\":\"导入脚本\",\"scopes\":%s,\"expires_in_days\":30}", scopes);
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

START_TEST(api_tokens_are_scoped_expiring_and_revocable)
{
    char *reader = new_api_token(PROVINCE, "[\"read\"]");
    char *writer = new_api_token(PROVINCE, "[\"write\"]");
    const char *org = "{\"type\":\"assessor\",\"name\":\"脚本建立的评估机构\"}";
    const char *year = "{\"holidays\":[\"2031-01-01\"],\"working_days\":[]}";
    ck_assert_int_eq(status_with(reader, "GET", "/v1/platforms", NULL), 200);
    ck_assert_int_eq(status_with(reader, "PUT", "/v1/calendar/2031", year), 403);   /* scope */
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
    th_free(expect(SHENYANG, "DELETE", path, NULL, 404));
    th_free(expect(PROVINCE, "DELETE", path, NULL, 204));
    ck_assert_int_eq(status_with(reader, "GET", "/v1/platforms", NULL), 401);
    /* expired: refused at once */
    admin_sql("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'");
    ck_assert_int_eq(status_with(writer, "PUT", "/v1/calendar/2031", year), 401);
    ck_assert_int_eq(status_with("sft_not-a-token-at-all-not-a-token-at-all-xxxx", "GET", "/v1/me", NULL), 401);
    th_free(expect(PROVINCE, "POST", "/v1/api-tokens", "{\"name\":\"x\",\"scopes\":[\"admin\"]}", 422));
    free(reader);
    free(writer);
}
END_TEST


typedef struct {
    long long platform;
    int round;
} patch_job;

static void *patch_thread(void *p)
{
    patch_job *j = p;
    for (int i = 0; i < 5; i++) {
        char path[64], body[128];
        snprintf(path, sizeof path, "/v1/platforms/%lld", j->platform);
        snprintf(body, sizeof body, "{\"operator\":{\"address\":\"辽宁省第%d号楼%d室\"}}", j->round, i);
        th_response *r = th_json(port, "PATCH", path, tokens[PROVINCE], body);
        th_free(r);
    }
    return NULL;
}

/* Reads the whole feed from `after`, page by page, appending cursors; returns the count. */
static size_t read_feed(long long after, int limit, long long *cursors, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld&limit=%d", after, limit);
        th_response *r = expect(-1, "GET", path, NULL, 200);
        json_t *items = json_object_get(r->json, "items");
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it) {
            long long c = json_integer_value(json_object_get(it, "cursor"));
            ck_assert_msg(c > after, "cursor %lld not after %lld", c, after);
            if (n < cap)
                cursors[n++] = c;
            after = c;
        }
        long long next = atoll(str(r, "next_cursor"));
        size_t got = json_array_size(items);
        th_free(r);
        if (got == 0 && next == after)
            break;
        after = next;
    }
    return n;
}

START_TEST(the_change_feed_never_skips_or_repeats)
{
    long long all[4096], paged[4096];
    size_t n = read_feed(0, 1000, all, 4096);
    ck_assert_uint_gt(n, 5);
    ck_assert_uint_eq(read_feed(0, 3, paged, 4096), n);          /* small pages: the same events */
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(paged[i], all[i]);
    /* every title awarded so far appears once as platform_awarded */
    th_response *r = expect(-1, "GET", "/v1/public/changes?after=0&limit=1000", NULL, 200);
    int awarded = 0;
    size_t k;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), k, it)
        awarded += strcmp(json_string_value(json_object_get(it, "kind")), "platform_awarded") == 0;
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/awards?limit=100", NULL, 200);
    ck_assert_int_eq(awarded, (int)json_array_size(json_object_get(r->json, "items")));
    th_free(r);
    /* writers change platforms that hold a title now: those changes are public */
    r = expect(PROVINCE, "GET", "/v1/awards?status=active&limit=100", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 4);
    /* concurrent writers while a reader follows the feed */
    patch_job jobs[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        json_t *award = json_array_get(json_object_get(r->json, "items"), (size_t)i % json_array_size(json_object_get(r->json, "items")));
        jobs[i] = (patch_job){json_integer_value(json_object_get(award, "platform_id")), i};
        pthread_create(&threads[i], NULL, patch_thread, &jobs[i]);
    }
    th_free(r);
    long long start = all[n - 1], seen[4096];
    size_t nseen = 0;
    long long after = start;
    for (int polls = 0; polls < 200; polls++) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld&limit=7", after);
        th_response *p = expect(-1, "GET", path, NULL, 200);
        json_array_foreach(json_object_get(p->json, "items"), k, it) {
            long long c = json_integer_value(json_object_get(it, "cursor"));
            ck_assert(c > after);
            seen[nseen++] = c;
            after = c;
        }
        th_free(p);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    nseen += read_feed(after, 7, seen + nseen, 4096 - nseen);
    long long final[4096];
    size_t nfinal = read_feed(start, 1000, final, 4096);
    ck_assert_uint_eq(nseen, nfinal);                            /* none missed, none twice */
    for (size_t i = 0; i < nfinal; i++)
        ck_assert_int_eq(seen[i], final[i]);
    ck_assert_uint_ge(nfinal, 20);                               /* 4 writers x 5 changes */
    th_free(expect(-1, "GET", "/v1/public/changes?after=-1", NULL, 422));

    /* a title that lapses is announced once, by the first read after it */
    admin_sql("UPDATE awards SET valid_from = current_date - 100, valid_until = current_date - 1"
              " WHERE id = (SELECT min(id) FROM awards WHERE status = 'active' AND valid_until >= current_date)");
    long long last = final[nfinal - 1];
    int expired = 0;
    for (int reads = 0; reads < 2; reads++) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld", last);
        th_response *p = expect(-1, "GET", path, NULL, 200);
        json_array_foreach(json_object_get(p->json, "items"), k, it)
            expired += strcmp(json_string_value(json_object_get(it, "kind")), "platform_expired") == 0;
        th_free(p);
    }
    ck_assert_int_eq(expired, 2);   /* the same single event, seen by both reads from `last` */
    th_response *again = expect(-1, "GET", "/v1/public/changes?after=0&limit=1000", NULL, 200);
    expired = 0;
    json_array_foreach(json_object_get(again->json, "items"), k, it)
        expired += strcmp(json_string_value(json_object_get(it, "kind")), "platform_expired") == 0;
    th_free(again);
    ck_assert_int_eq(expired, 1);
}
END_TEST


/* A JSON array of `n` platforms of 沈阳 named <stem><i>, codes from `serial0`; row `bad`
 * (1-based, 0 for none) gets a wrong check character. */
static char *platform_rows(const char *stem, int n, int serial0, int bad)
{
    size_t cap = (size_t)n * 400 + 16, len = 0;
    char *out = malloc(cap);
    len += (size_t)snprintf(out + len, cap - len, "[");
    for (int i = 1; i <= n; i++) {
        char code[19];
        credit_code(code, serial0 + i);
        if (i == bad)
            code[17] = code[17] == '0' ? '1' : '0';
        len += (size_t)snprintf(out + len, cap - len,
                                "%s{\"name\":\"%s%d\",\"region_code\":\"210100\",\"functions\":[\"information\"],"
                                "\"operator\":{\"name\":\"%s运营公司%d\",\"credit_code\":\"%s\"}}",
                                i > 1 ? "," : "", stem, i, stem, i, code);
    }
    snprintf(out + len, cap - len, "]");
    return out;
}

static long long platforms_named(int role, const char *utf8_q_escaped)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/platforms?limit=100&q=%s", utf8_q_escaped);
    th_response *r = expect(role, "GET", path, NULL, 200);
    long long n = (long long)json_array_size(json_object_get(r->json, "items"));
    th_free(r);
    return n;
}

static th_response *import(int role, const char *query, const char *ct, const char *body, size_t len, const char *key)
{
    char path[128], headers[256] = "";
    snprintf(path, sizeof path, "/v1/imports/platforms%s", query);
    if (key)
        snprintf(headers, sizeof headers, "Idempotency-Key: %s\r\n", key);
    th_response *r = th_request(port, "POST", path, tokens[role], ct, body, len, headers);
    ck_assert_ptr_nonnull(r);
    return r;
}

START_TEST(imports_are_all_or_nothing_and_idempotent)
{
    /* 导入 = %E5%AF%BC%E5%85%A5 */
    char *rows = platform_rows("导入平台", 1000, 100000, 537);
    th_response *r = import(SHENYANG, "", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 422);
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_uint_eq(json_array_size(errors), 1);                  /* exactly the bad row */
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(errors, 0), "row")), 537);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "operator.credit_code");
    th_free(r);
    ck_assert_int_eq(platforms_named(SHENYANG, "%E5%AF%BC%E5%85%A5"), 0);   /* nothing written */
    free(rows);

    rows = platform_rows("导入平台", 1000, 100000, 0);
    r = import(SHENYANG, "?dry_run=true", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "valid_rows")), 1000);
    th_free(r);
    ck_assert_int_eq(platforms_named(SHENYANG, "%E5%AF%BC%E5%85%A5"), 0);   /* a dry run writes nothing */

    r = import(SHENYANG, "", "application/json", rows, strlen(rows), "yearly-2026-a");
    ck_assert_msg(r->status == 201, "%s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 1000);
    char first_answer[64];
    snprintf(first_answer, sizeof first_answer, "%lld",
             (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0)));
    th_free(r);
    /* the retry answers the same and imports nothing twice */
    r = import(SHENYANG, "", "application/json", rows, strlen(rows), "yearly-2026-a");
    ck_assert_int_eq(r->status, 201);
    char replayed[16];
    ck_assert_ptr_nonnull(th_header(r, "Idempotent-Replayed", replayed, sizeof replayed));
    char id0[64];
    snprintf(id0, sizeof id0, "%lld", (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0)));
    ck_assert_str_eq(id0, first_answer);
    th_free(r);
    /* without the key, the same rows clash with what exists: nothing is written */
    r = import(SHENYANG, "", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 409);
    th_free(r);
    free(rows);
    rows = platform_rows("另一批", 2, 200000, 0);
    r = import(SHENYANG, "", "application/json", rows, strlen(rows), "yearly-2026-a");
    ck_assert_int_eq(r->status, 422);                               /* a key reused for another body */
    th_free(r);
    free(rows);

    /* a city imports into its own region only; an association not at all */
    char valid[19], other[512];
    credit_code(valid, 300500);
    snprintf(other, sizeof other, "[{\"name\":\"大连的平台\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"某公司\",\"credit_code\":\"%s\"}}]", valid);
    r = import(SHENYANG, "", "application/json", other, strlen(other), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "\"row\":1"));
    ck_assert_ptr_nonnull(strstr(r->body, "region_code"));
    th_free(r);
    r = import(ASSOCIATION, "", "application/json", other, strlen(other), NULL);
    ck_assert_int_eq(r->status, 403);
    th_free(r);
}
END_TEST

/* Found by fuzz/fuzz_csv_import: a row repeating an earlier one was reported with json_pack
 * given a key without its value (undefined behaviour: the server read a stray pointer), and
 * an empty body reached memchr as NULL (undefined; the sanitizer build stops on it). */
START_TEST(imports_report_a_repeated_row_and_refuse_an_empty_body)
{
    char code[19], row[256], json[600], csv[700];
    credit_code(code, 300900);
    snprintf(row, sizeof row, "{\"name\":\"重复的平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"重复运营公司\",\"credit_code\":\"%s\"}}", code);
    snprintf(json, sizeof json, "[%s,%s]", row, row);
    snprintf(csv, sizeof csv, "name,region_code,functions,operator_name,credit_code,established_on,address\n"
             "重复的平台,210100,training,重复运营公司,%s,,\n重复的平台,210100,training,重复运营公司,%s,,\n", code, code);
    const char *types[] = {"application/json", "text/csv"};
    const char *bodies[] = {json, csv};
    for (int k = 0; k < 2; k++) {
        th_response *r = import(SHENYANG, "?dry_run=true", types[k], bodies[k], strlen(bodies[k]), NULL);
        ck_assert_msg(r->status == 422, "%s: %d %s", types[k], r->status, r->body);
        json_t *errors = json_object_get(r->json, "errors");
        ck_assert_uint_eq(json_array_size(errors), 1);
        json_t *e = json_array_get(errors, 0);
        ck_assert_int_eq(json_integer_value(json_object_get(e, "row")), 2);
        ck_assert_str_eq(json_string_value(json_object_get(e, "field")), "name");
        ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "repeats an earlier row of this import");
        ck_assert_uint_eq(json_object_size(e), 3);
        th_free(r);
    }
    th_response *r = import(SHENYANG, "", "text/csv", "", 0, NULL);
    ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);      /* no header line */
    th_free(r);
    r = import(SHENYANG, "", "application/json", "", 0, NULL);
    ck_assert_msg(r->status == 400, "%d %s", r->status, r->body);      /* not a JSON array */
    th_free(r);
    th_free(expect(-1, "GET", "/healthz", NULL, 200));                /* and the server is still there */
}
END_TEST

START_TEST(csv_imports_in_utf8_and_gb18030)
{
    char code1[19], code2[19];
    credit_code(code1, 300001);
    credit_code(code2, 300002);
    /* UTF-8 with a BOM; quotes doubled inside a quoted name, a comma inside a quoted address */
    char fixed[1024];
    snprintf(fixed, sizeof fixed,
             "\xEF\xBB\xBF" "name,region_code,functions,operator_name,credit_code,established_on,address\r\n"
             "\"铁西区\"\"智造\"\"服务平台\",210100,technology;training,沈阳铁西智造有限公司,%s,2016-05-01,"
             "\"沈阳市铁西区, 北二路\"\r\n", code1);
    th_response *r = import(SHENYANG, "", "text/csv", fixed, strlen(fixed), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    /* GB18030, as Excel saves it on Chinese Windows, detected without a charset */
    char utf8[512];
    snprintf(utf8, sizeof utf8, "name,region_code,functions,operator_name,credit_code,established_on,address\n"
                                "沈河区创业孵化平台,210100,entrepreneurship,沈阳沈河孵化器有限公司,%s,,沈阳市沈河区\n", code2);
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    char gb[512], *in = utf8, *out = gb;
    size_t in_left = strlen(utf8), out_left = sizeof gb;
    ck_assert(iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1);
    iconv_close(cd);
    size_t gb_len = sizeof gb - out_left;
    r = import(SHENYANG, "", "text/csv", gb, gb_len, NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long id = json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    char path[64];
    snprintf(path, sizeof path, "/v1/platforms/%lld", id);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "name"), "沈河区创业孵化平台");                 /* the Chinese round-trips exactly */
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "operator"), "name")),
                     "沈阳沈河孵化器有限公司");
    th_free(r);
    r = import(SHENYANG, "", "text/csv", "a,b\n1,2\n", 8, NULL);
    ck_assert_int_eq(r->status, 422);                                        /* not the header */
    th_free(r);
    r = import(SHENYANG, "", "text/plain", "x", 1, NULL);
    ck_assert_int_eq(r->status, 415);
    th_free(r);
    /* hostile bodies: an empty object is a row like any other; too many records are refused
     * while parsing; a NUL byte is refused before decoding */
    r = import(SHENYANG, "", "application/json", "[{}]", 4, NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "\"field\":\"name\""));
    th_free(r);
    size_t big = 20001 * 2 + 100;
    char *many = malloc(big + 1);
    size_t len = (size_t)snprintf(many, big, "name,region_code,functions,operator_name,credit_code,established_on,address\n");
    for (int i = 0; i < 20001; i++) {
        many[len++] = 'x';
        many[len++] = '\n';
    }
    r = import(SHENYANG, "", "text/csv", many, len, NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "20000"));
    th_free(r);
    free(many);
    r = import(SHENYANG, "", "text/csv", "name\n\0x\n", 9, NULL);
    ck_assert_int_eq(r->status, 400);
    th_free(r);
}
END_TEST

START_TEST(ten_thousand_rows_import_in_one_request)
{
    char *rows = platform_rows("万行平台", 10000, 400000, 0);
    th_response *r = import(PROVINCE, "", "application/json", rows, strlen(rows), NULL);
    ck_assert_msg(r->status == 201, "%.300s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 10000);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "ids")), 10000);
    th_free(r);
    free(rows);
}
END_TEST


/* The ids of a list walked page by page with `order`, at most `cap`. */
static size_t walk_ids(int role, const char *collection, const char *order, int limit, long long *ids, size_t cap)
{
    size_t n = 0;
    char token[128] = "";
    for (int pages = 0; pages < 200; pages++) {
        char path[512];
        snprintf(path, sizeof path, "%s%slimit=%d&order=%s%s%s", collection, strchr(collection, '?') ? "&" : "?", limit,
                 order, token[0] ? "&page_token=" : "", token);
        th_response *r = expect(role, "GET", path, NULL, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), i, it) {
            json_t *id = json_object_get(it, "id") ? json_object_get(it, "id") : json_object_get(it, "seq");
            if (n < cap)
                ids[n++] = json_integer_value(id);
        }
        const char *next = str(r, "next_page_token");
        snprintf(token, sizeof token, "%s", next ? next : "");
        th_free(r);
        if (token[0] == '\0')
            break;
    }
    return n;
}

START_TEST(lists_read_newest_first_on_request)
{
    static long long asc[20000], desc[20000];
    const char *collections[] = {"/v1/platforms", "/v1/applications", "/v1/awards", "/v1/rounds",
                                 "/v1/publicity-notices", "/v1/public/platforms", "/v1/public/publicity-notices?status=closed"};
    for (size_t c = 0; c < sizeof collections / sizeof *collections; c++) {
        size_t na = walk_ids(PROVINCE, collections[c], "asc", 100, asc, 20000);
        size_t nd = walk_ids(PROVINCE, collections[c], "desc", c == 0 || c == 5 ? 97 : 3, desc, 20000);
        ck_assert_msg(na == nd, "%s: %zu ascending, %zu descending", collections[c], na, nd);
        for (size_t i = 0; i < nd; i++) {
            ck_assert_int_eq(desc[i], asc[na - 1 - i]);   /* the same items, newest first */
            if (i > 0)
                ck_assert(desc[i] < desc[i - 1]);
        }
    }
    th_response *r = expect(SUPERVISOR, "GET", "/v1/audit-events?order=desc&limit=3", NULL, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert(json_integer_value(json_object_get(json_array_get(items, 0), "seq")) >
              json_integer_value(json_object_get(json_array_get(items, 2), "seq")));
    th_free(r);
    th_free(expect(PROVINCE, "GET", "/v1/objections?order=desc", NULL, 422));
    th_free(expect(PROVINCE, "GET", "/v1/platforms?order=sideways", NULL, 422));
}
END_TEST

/* ---- uploads, downloads and CSV cells (issue 7, point 7) ---- */

/* A number from the database (as its owner), e.g. a count. */
static long long sql_number(const char *sql)
{
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s", PQerrorMessage(pg));
    long long n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(pg);
    return n;
}

static long long files_seen;
static int count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)st, (void)ftw;
    files_seen += flag == FTW_F;
    return 0;
}

/* Files under the server's data directory. */
static long long data_files(void)
{
    files_seen = 0;
    ck_assert_int_eq(nftw(data_dir, count_file, 16, FTW_PHYS), 0);
    return files_seen;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* POST of `len` bytes of `body` with Transfer-Encoding: chunked, in chunks of at most 1000
 * bytes; the answer's status, or 0 if there was none. */
static int post_chunked(int to_port, const char *path, const char *token, const char *body, size_t len)
{
    int fd = th_connect(to_port);
    ck_assert_int_ge(fd, 0);
    char head[2048];
    int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n",
                     path, token);
    int ok = send(fd, head, (size_t)n, MSG_NOSIGNAL) == n;
    for (size_t off = 0; ok && off < len; off += 1000) {
        size_t part = len - off < 1000 ? len - off : 1000;
        char size_line[16];
        int m = snprintf(size_line, sizeof size_line, "%zx\r\n", part);
        ok = send(fd, size_line, (size_t)m, MSG_NOSIGNAL) == m &&
             send(fd, body + off, part, MSG_NOSIGNAL) == (ssize_t)part && send(fd, "\r\n", 2, MSG_NOSIGNAL) == 2;
    }
    if (ok)
        (void)!send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
    char answer[512];
    ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
    close(fd);
    int status = 0;
    if (got > 0) {
        answer[got] = '\0';
        sscanf(answer, "HTTP/1.1 %d", &status);
    }
    return status;
}

START_TEST(uploads_whose_bytes_or_names_lie_are_refused_and_nothing_is_kept)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳上传检查平台", "210100", 880001));
    static const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1";
    static const char jpeg[] = "\xFF\xD8\xFF\xE0\0\x10JFIF";
    static const char text[] = "just some text, not a document\n";
    static const struct {
        const char *filename;   /* as it appears in the query string */
        const char *body;
        size_t len;
        int status;
    } cases[] = {
        {"scan.png", pdf, sizeof pdf - 1, 415},          /* PDF bytes named .png */
        {"scan.pdf", png, sizeof png - 1, 415},          /* PNG bytes named .pdf */
        {"photo.png", jpeg, sizeof jpeg - 1, 415},
        {"notes.pdf", text, sizeof text - 1, 415},       /* plain text named .pdf */
        {"noextension", pdf, sizeof pdf - 1, 415},
        {"empty.pdf", "", 0, 400},
        {"../x.pdf", pdf, sizeof pdf - 1, 422},
        {"..%2F..%2Fetc%2Fx.pdf", pdf, sizeof pdf - 1, 422},
        {"dir%2Fx.pdf", pdf, sizeof pdf - 1, 422},
        {"dir%5Cx.pdf", pdf, sizeof pdf - 1, 422},
        {"x.pdf%00.png", pdf, sizeof pdf - 1, 422},      /* NUL: decoded, the name would end at it */
        {"x.png%00.pdf", pdf, sizeof pdf - 1, 422},
        {"a%00", pdf, sizeof pdf - 1, 422},
        {"x.pdf&file%6Eame=y.pdf%00.png", pdf, sizeof pdf - 1, 422},   /* the key encoded, its value with a NUL */
        {"%2E%2E", pdf, sizeof pdf - 1, 422},
        {"x%0A.pdf", pdf, sizeof pdf - 1, 422},
        {"", pdf, sizeof pdf - 1, 422},
    };
    char count_sql[128];
    snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM materials WHERE application_id = %lld", a);
    long long files = data_files();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[256];
        snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=business_license&filename=%s", a,
                 cases[i].filename);
        th_response *r = th_request(port, "POST", path, tokens[SHENYANG], "application/pdf", cases[i].body,
                                    cases[i].len, NULL);
        ck_assert_msg(r->status == cases[i].status, "%s: expected %d, got %d %s", cases[i].filename, cases[i].status,
                      r->status, r->body);
        th_free(r);
    }
    ck_assert_int_eq(sql_number(count_sql), 0);
    ck_assert_int_eq(data_files(), files);

    /* over SHIFAN_MAX_UPLOAD_BYTES, on a second server with a small limit: exactly the limit
     * is read, one byte more is 413 whether its length is declared or it comes chunked */
    th_server small;
    const char *env[] = {"SHIFAN_MAX_UPLOAD_BYTES=4096", "SHIFAN_THREADS=4", NULL};
    ck_assert_int_eq(th_server_start(&small, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env), 0);
    char *big = malloc(4097);
    memcpy(big, pdf, sizeof pdf - 1);
    memset(big + sizeof pdf - 1, 'x', 4097 - (sizeof pdf - 1));
    char path[160];
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=audit_report&filename=big.pdf", a);
    th_response *r = th_request(small.port, "POST", path, tokens[SHENYANG], "application/pdf", big, 4097, NULL);
    ck_assert_msg(r->status == 413, "%d %s", r->status, r->body);
    th_free(r);
    ck_assert_int_eq(post_chunked(small.port, path, tokens[SHENYANG], big, 4097), 413);
    ck_assert_int_eq(sql_number(count_sql), 0);
    files = data_files();   /* the second server's log is a new file */
    r = th_request(small.port, "POST", path, tokens[SHENYANG], "application/pdf", big, 4096, NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    th_free(r);
    ck_assert_int_eq(sql_number(count_sql), 1);
    ck_assert_int_eq(data_files(), files);   /* materials live in the database only */
    free(big);
    ck_assert_int_eq(th_server_stop_reporting(&small), 0);
}
END_TEST

START_TEST(a_download_is_byte_for_byte_what_was_uploaded)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳下载校验平台", "210100", 880002));
    size_t len = 3000;
    unsigned char *file = malloc(len);
    memcpy(file, "\x89PNG\r\n\x1a\n", 8);
    for (size_t i = 8; i < len; i++)
        file[i] = (unsigned char)(rand() & 0xFF);   /* NULs and high bytes included */
    char path[160], sha[65];
    sha256_hex(file, len, sha);
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=premises_proof&filename=%%E5%%9C%%BA%%E5%%9C%%B0.png", a);
    th_response *r = th_request(port, "POST", path, tokens[SHENYANG], "image/png", (const char *)file, len, NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    long long id = json_integer_value(json_object_get(r->json, "id"));
    ck_assert_str_eq(str(r, "sha256"), sha);
    ck_assert_str_eq(str(r, "content_type"), "image/png");
    th_free(r);
    char sql[128], stored[65];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM materials WHERE id = %lld AND sha256 = '%s'", id, sha);
    ck_assert_int_eq(sql_number(sql), 1);
    snprintf(stored, sizeof stored, "%s", sha);
    snprintf(path, sizeof path, "/v1/materials/%lld/content", id);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(r->body_len, len);
    char got[65], etag[80], expected_etag[80];
    sha256_hex(r->body, r->body_len, got);
    ck_assert_str_eq(got, stored);
    ck_assert(memcmp(r->body, file, len) == 0);
    snprintf(expected_etag, sizeof expected_etag, "\"%s\"", stored);
    ck_assert_str_eq(th_header(r, "ETag", etag, sizeof etag), expected_etag);
    th_free(r);
    free(file);
}
END_TEST

/* Cells a spreadsheet would run as formulas leave the CSV exports as text ('-prefixed), and
 * the import takes such cells as plain text. */
START_TEST(csv_cells_that_look_like_formulas_stay_text)
{
    static const char *const names[] = {"=HYPERLINK(1)平台", "+1+2平台", "-3平台", "@SUM(1)平台"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        new_application(SHENYANG, new_platform(SHENYANG, names[i], "210100", 880010 + (int)i));
    char path[64];
    snprintf(path, sizeof path, "/v1/rounds/%lld/summary.csv", round_id);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char escaped[160], bare[160];
        /* the platform's name and its operator's (new_platform: "<name>运营有限公司") */
        snprintf(escaped, sizeof escaped, ",'%s,'%s运营有限公司,", names[i], names[i]);
        snprintf(bare, sizeof bare, ",%s,", names[i]);
        ck_assert_msg(strstr(r->body, escaped) != NULL, "%s is not escaped in:\n%s", names[i], r->body);
        ck_assert_ptr_null(strstr(r->body, bare));
    }
    th_free(r);

    char code[19], csv[1024];
    credit_code(code, 880020);
    snprintf(csv, sizeof csv, "name,region_code,functions,operator_name,credit_code,established_on,address\r\n"
                              "=SUM(1)导入平台,210100,training,@导入运营有限公司,%s,2016-05-01,-沈阳市\r\n", code);
    r = import(SHENYANG, "", "text/csv", csv, strlen(csv), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long id = json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    snprintf(path, sizeof path, "/v1/platforms/%lld", id);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "name"), "=SUM(1)导入平台");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "operator"), "name")), "@导入运营有限公司");
    th_free(r);
}
END_TEST

/* ---- another party's objects do not exist for it (issue 7, point 4, second half) ---- */

/* A fingerprint of every table a scoped route could change. */
static char *scoped_tables_fingerprint(void)
{
    static const char *const tables[] = {"platforms", "applications", "materials", "rounds", "objections", "awards",
                                         "assessments", "annual_summaries", "attachments", "api_tokens",
                                         "publicity_notices", "audit_events"};
    char sql[2048] = "SELECT ''";
    size_t n = strlen(sql);
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " || coalesce((SELECT md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) FROM %s t), '-')",
                              tables[i]);
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
    char *out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(pg);
    return out;
}

static const char *role_of(int party)
{
    switch (party) {
    case PROVINCE: return "province";
    case SHENYANG: case DALIAN: return "city";
    case ASSOCIATION: return "association";
    case SUPERVISOR: return "supervisor";
    default: return "assessor";
    }
}

/* A body each write would accept from the object's owner, so that what answers is the scope
 * check, not the validation. */
static const char *valid_body(const char *method, const char *pattern)
{
    static const struct {
        const char *method, *pattern, *body;
    } bodies[] = {
        {"PATCH", "/v1/platforms/:id", "{\"name\":\"改名的平台\"}"},
        {"PUT", "/v1/applications/:id/report", NULL},          /* REPORT */
        {"PUT", "/v1/applications/:id/recommendation", NULL},  /* FORM */
        {"POST", "/v1/applications/:id/review", "{\"decision\":\"approve\"}"},
        {"POST", "/v1/objections/:id/resolve", "{\"upheld\":false,\"resolution\":\"不成立\"}"},
        {"POST", "/v1/awards/:id/revoke", "{\"reason\":\"violation\",\"detail\":\"违规收费\"}"},
        {"POST", "/v1/assessments/:id/result", "{\"score\":80,\"passed\":true,\"summary\":\"合格\"}"},
    };
    if (strcmp(pattern, "/v1/applications/:id/report") == 0 && strcmp(method, "PUT") == 0)
        return REPORT;
    if (strcmp(pattern, "/v1/applications/:id/recommendation") == 0 && strcmp(method, "PUT") == 0)
        return FORM;
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        if (strcmp(bodies[i].method, method) == 0 && strcmp(bodies[i].pattern, pattern) == 0)
            return bodies[i].body;
    return NULL;
}

START_TEST(another_partys_objects_answer_404_on_every_route)
{
    /* objects of one city, of the association, of one assessor */
    long long sy_platform = new_platform(SHENYANG, "沈阳范围检查平台", "210100", 880101);
    long long sy_app = new_application(SHENYANG, sy_platform);
    upload(SHENYANG, sy_app, "business_license", 201);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT max(id) FROM materials WHERE application_id = %lld", sy_app);
    long long sy_material = sql_number(sql);
    long long as_platform = new_platform(ASSOCIATION, "协会范围检查平台", "210100", 880102);
    long long as_app = new_application(ASSOCIATION, as_platform);
    long long sy_round = sql_number("SELECT coalesce(max(id), 0) FROM rounds WHERE level = 'city' AND region_code = '210100'");
    if (sy_round == 0)
        sy_round = expect_id(SHENYANG, "POST", "/v1/rounds", "{\"year\":2026,\"level\":\"city\",\"title\":\"沈阳市级认定\","
                             "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\"}", 201);
    long long dl_award = dalian_award("大连范围检查平台", 880103);
    char body[256];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2026-12-31\"}", dl_award,
             assessor_org[ASSESSOR_A]);
    long long assessment = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"2026年度工作总结\"}", dl_award);
    long long dl_summary = expect_id(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    long long objection = sql_number("SELECT coalesce(min(o.id), 0) FROM objections o JOIN applications a ON a.id = o.application_id"
                                     " JOIN rounds r ON r.id = a.round_id WHERE r.level = 'province' AND o.status = 'open'");
    ck_assert_msg(objection > 0, "the run has no open objection of the province's round to try");
    snprintf(body, sizeof body, "{\"name\":\"沈阳脚本\",\"scopes\":[\"read\"],\"expires_in_days\":30}");
    th_response *t = expect(SHENYANG, "POST", "/v1/api-tokens", body, 201);
    long long sy_token = json_integer_value(json_object_get(t->json, "id"));
    th_free(t);

    /* each route prefix with an :id, the object, and the parties it must not exist for */
    static const int NONE = -1;
    const struct {
        const char *prefix;
        long long id;
        int others[6];
    } cases[] = {
        {"/v1/api-tokens/:id", sy_token, {DALIAN, ASSOCIATION, PROVINCE, SUPERVISOR, ASSESSOR_B, NONE}},
        {"/v1/rounds/:id", sy_round, {DALIAN, ASSOCIATION, NONE}},
        {"/v1/platforms/:id", sy_platform, {DALIAN, ASSOCIATION, NONE}},
        {"/v1/platforms/:id", as_platform, {DALIAN, NONE}},
        {"/v1/applications/:id", sy_app, {DALIAN, ASSOCIATION, NONE}},
        {"/v1/applications/:id", as_app, {SHENYANG, DALIAN, NONE}},
        {"/v1/materials/:id", sy_material, {DALIAN, ASSOCIATION, NONE}},
        {"/v1/objections/:id", objection, {SHENYANG, DALIAN, NONE}},
        {"/v1/awards/:id", dl_award, {SHENYANG, ASSOCIATION, NONE}},
        {"/v1/assessments/:id", assessment, {ASSESSOR_B, NONE}},
        {"/v1/annual-summaries/:id", dl_summary, {SHENYANG, NONE}},
    };
    /* routes with a path variable that no party owns, and why */
    static const char *const unowned[] = {
        "/v1/organizations/:id",      /* read by the province and the supervisor only, who see all */
        "/v1/calendar/:year",         /* a year, the same for everyone */
        "/v1/publicity-notices/:id",  /* public: the same notice is at /v1/public/publicity-notices/:id */
        "/v1/users/:id",              /* the province administers every user (issue 14) */
    };
    char *before = scoped_tables_fingerprint();
    int checked = 0;
    for (size_t r = 0; sf_routes[r].method != NULL; r++) {
        const sf_route *rt = &sf_routes[r];
        if (rt->access != SF_TOKEN || strchr(rt->path, ':') == NULL)
            continue;
        int owned = 0, exempt = 0;
        for (size_t u = 0; u < sizeof unowned / sizeof *unowned; u++)
            exempt |= strncmp(rt->path, unowned[u], strlen(unowned[u])) == 0;
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
            size_t plen = strlen(cases[c].prefix);
            if (strncmp(rt->path, cases[c].prefix, plen) != 0 || (rt->path[plen] != '\0' && rt->path[plen] != '/'))
                continue;
            owned = 1;
            char id[24], path[256];
            snprintf(id, sizeof id, "%lld", cases[c].id);
            snprintf(path, sizeof path, "%.*s%s%s%s", (int)(strstr(rt->path, ":id") - rt->path), rt->path, id,
                     strstr(rt->path, ":id") + 3,
                     !rt->upload ? "" : strstr(rt->path, "/materials") ? "?kind=business_license&filename=x.pdf"
                                                                      : "?filename=x.pdf");
            for (int k = 0; cases[c].others[k] != NONE; k++) {
                int party = cases[c].others[k];
                if (!sf_role_may(sf_role_parse(role_of(party)), (sf_action)rt->action))
                    continue;   /* 403 for the role: the other half of point 4 (test_http.c) */
                th_response *res;
                if (rt->upload) {
                    const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
                    res = th_request(port, rt->method, path, tokens[party], "application/pdf", pdf, sizeof pdf - 1, NULL);
                } else {
                    const char *json = valid_body(rt->method, rt->path);
                    int has_body = strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "DELETE") != 0;
                    res = req(party, rt->method, path, has_body ? (json ? json : "{}") : NULL);
                }
                ck_assert_msg(res != NULL && res->status == 404, "%s %s as %s's %s: expected 404, got %d: %s", rt->method,
                              path, role_of(party), rt->path, res ? res->status : 0, res ? res->body : "");
                th_free(res);
                checked++;
            }
        }
        ck_assert_msg(owned || exempt, "%s %s has a path variable and no case here: add its owner and the parties "
                      "it must not exist for", rt->method, rt->path);
    }
    char *after = scoped_tables_fingerprint();
    ck_assert_msg(strcmp(before, after) == 0, "a refused request changed something");
    free(before);
    free(after);
    ck_assert_int_ge(checked, 40);
}
END_TEST

START_TEST(every_answer_fits_the_contract)
{
    ck_assert_uint_eq(th_contract_misfits(), 0);
}
END_TEST

/* SHIFAN_DATABASE_READ_URL (issue 6): the public registry reads from the replica named there,
 * everything else from the primary; readiness covers both. A separate database stands in for
 * the replica, so what is read where shows. */
/* The public registry's cache (issue 6) never shows a registry older than the committed one:
 * not after a change through the API, not after a change made by hand in SQL. */
/* Issue 7, point 5: what a caller may not set is refused and changes nothing; what the public
 * sees is an allow-listed set of fields. */
static void only_allowed_keys(json_t *obj, const char *const *allowed, const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        ck_assert_msg(ok, "%s shows \"%s\"", where, key);
    }
}

START_TEST(fields_nobody_may_set_are_refused_and_the_public_sees_an_allow_list)
{
    char code[19], body[768];
    credit_code(code, 9701);
    const char *const forbidden[] = {"\"status\":\"awarded\"", "\"certificate_no\":\"LNSME-2026-99999\"",
                                     "\"recommender_org_id\":1", "\"created_by_org_id\":1", "\"version\":7",
                                     "\"id\":123456", "\"created_at\":\"2020-01-01T00:00:00Z\""};
    for (size_t i = 0; i < sizeof forbidden / sizeof *forbidden; i++) {
        snprintf(body, sizeof body,
                 "{\"name\":\"越权字段平台%zu\",\"region_code\":\"210100\",\"functions\":[\"training\"],%s,"
                 "\"operator\":{\"name\":\"越权运营有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
                 "\"address\":\"沈阳市\"}}", i, forbidden[i], code);
        th_free(expect(SHENYANG, "POST", "/v1/platforms", body, 422));
    }
    /* another city's region */
    snprintf(body, sizeof body,
             "{\"name\":\"越权字段平台\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"越权运营有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
             "\"address\":\"沈阳市\"}}", code);
    th_response *r = th_json(port, "POST", "/v1/platforms", tokens[SHENYANG], body);
    ck_assert_msg(r->status == 403 || r->status == 422, "another region: %d", r->status);
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/platforms?q=%E8%B6%8A%E6%9D%83&limit=100", NULL, 200);   /* 越权 */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);   /* nothing was written */
    th_free(r);

    /* the public registry and notices: only these fields, never contacts or users */
    static const char *const entry_keys[] = {"id", "name", "operator_name", "region_code", "functions", "award", NULL};
    static const char *const award_keys[] = {"level", "certificate_no", "awarded_on", "valid_from", "valid_until",
                                             "status", "revoked_on", "revocation_reason", NULL};
    r = expect(-1, "GET", "/v1/public/platforms?limit=100", NULL, 200);
    json_t *items = json_object_get(r->json, "items"), *item;
    size_t i;
    ck_assert_uint_gt(json_array_size(items), 0);
    json_array_foreach(items, i, item) {
        only_allowed_keys(item, entry_keys, "a registry entry");
        only_allowed_keys(json_object_get(item, "award"), award_keys, "a registry title");
    }
    th_free(r);
    static const char *const notice_keys[] = {"id", "round_id", "title", "start_date", "end_date", "status",
                                              "applications", "created_at", NULL};
    static const char *const notice_item_keys[] = {"application_id", "platform_id", "platform_name", "operator_name",
                                                   "region_code", NULL};
    r = expect(-1, "GET", "/v1/public/publicity-notices?limit=100", NULL, 200);
    items = json_object_get(r->json, "items");
    ck_assert_uint_gt(json_array_size(items), 0);
    json_array_foreach(items, i, item) {
        only_allowed_keys(item, notice_keys, "a publicity notice");
        size_t k;
        json_t *app;
        json_array_foreach(json_object_get(item, "applications"), k, app)
            only_allowed_keys(app, notice_item_keys, "a publicized application");
    }
    th_free(r);
}
END_TEST

START_TEST(the_public_registry_cache_never_hides_a_change)
{
    long long award = dalian_award("大连缓存检验平台", 92);
    char path[64], sql[256];
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(DALIAN, "GET", path, NULL, 200);
    long long platform = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);
    char entry[64], etag[64] = "";
    snprintf(entry, sizeof entry, "/v1/public/platforms/%lld", platform);
    char header[128];
    for (int i = 0; i < 3; i++) {   /* the entry and its ETag */
        r = expect(-1, "GET", entry, NULL, 200);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), "active");
        const char *e = th_header(r, "ETag", header, sizeof header);
        ck_assert_ptr_nonnull(e);
        if (i > 0)
            ck_assert_str_eq(e, etag);
        snprintf(etag, sizeof etag, "%s", e);
        th_free(r);
    }
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
    th_response *nm = th_request(port, "GET", entry, NULL, NULL, NULL, 0, inm);
    ck_assert_int_eq(nm->status, 304);
    th_free(nm);
    for (int i = 0; i < 3; i++)   /* the list: read, then answered from the cache */
        th_free(expect(-1, "GET", "/v1/public/platforms?region_code=210200&limit=100", NULL, 200));

    /* changed by hand, behind the service: the very next reads show it */
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_from = current_date - 1000, valid_until = current_date - 1"
             " WHERE id = %lld", award);
    admin_sql(sql);
    r = expect(-1, "GET", entry, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), "expired");
    th_free(r);
    nm = th_request(port, "GET", entry, NULL, NULL, NULL, 0, inm);
    ck_assert_int_eq(nm->status, 200);
    th_free(nm);
    r = expect(-1, "GET", "/v1/public/platforms?region_code=210200&limit=100", NULL, 200);
    int seen = 0;
    json_t *items = json_object_get(r->json, "items"), *item;
    size_t i;
    json_array_foreach(items, i, item)
        if (json_integer_value(json_object_get(item, "id")) == platform) {
            seen = 1;
            ck_assert_str_eq(json_string_value(json_object_get(json_object_get(item, "award"), "status")), "expired");
        }
    ck_assert(seen);
    th_free(r);
}
END_TEST

START_TEST(public_registry_reads_go_to_the_read_replica)
{
    admin_sql("DROP DATABASE IF EXISTS shifan_workflow_read");
    admin_sql("CREATE DATABASE shifan_workflow_read OWNER shifan");
    static char read_url[512], read_env[600];
    snprintf(read_url, sizeof read_url, "%s dbname=shifan_workflow_read", th_env("SHIFAN_TEST_WORKFLOW_URL"));
    snprintf(read_env, sizeof read_env, "SHIFAN_DATABASE_READ_URL=%s", read_url);
    const char *env[] = {read_env, NULL};
    th_server second;
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env), 0);
    th_response *r = th_request(second.port, "GET", "/readyz", NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 503);   /* the replica has no schema yet */
    th_free(r);

    /* the replica catches up with the schema (here: migrated as a primary would be) */
    th_server migrator;
    ck_assert_int_eq(th_server_start(&migrator, read_url, data_dir, NULL), 0);
    ck_assert_int_eq(th_server_stop(&migrator), 0);
    r = th_request(second.port, "GET", "/readyz", NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);

    /* a title on the primary: the authenticated read sees it on both instances; the public
     * registry of the second instance reads the replica, which has no title yet */
    r = th_json(second.port, "GET", "/v1/awards?limit=1", tokens[PROVINCE], NULL);
    ck_assert_int_eq(r->status, 200);
    json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_ptr_nonnull(first);
    char path[64];
    snprintf(path, sizeof path, "/v1/public/platforms/%lld",
             (long long)json_integer_value(json_object_get(first, "platform_id")));
    th_free(r);
    r = th_json(port, "GET", path, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = th_json(second.port, "GET", path, NULL, NULL);
    ck_assert_int_eq(r->status, 404);
    th_free(r);
    r = th_json(second.port, "GET", "/v1/public/platforms", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    ck_assert_int_eq(th_server_stop(&second), 0);
    admin_sql("DROP DATABASE shifan_workflow_read");
}
END_TEST

START_TEST(the_server_is_still_up_and_stops_cleanly)
{
    th_free(expect(-1, "GET", "/healthz", NULL, 200));
    int status = th_server_stop_reporting(&server);
    ck_assert_int_eq(status, 0);
}
END_TEST

static Suite *workflow_suite(void)
{
    Suite *s = suite_create("workflow");
    TCase *tc = tcase_create("recognition");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rounds_one_a_year_and_validated);
    tcase_add_test(tc, platforms_check_credit_codes_and_stay_in_their_region);
    tcase_add_test(tc, the_whole_path_from_platform_to_registry_and_revocation);
    tcase_add_test(tc, a_reviewed_platform_keeps_its_identity);
    tcase_add_test(tc, award_waits_for_the_end_of_publicity_and_objections);
    tcase_add_test(tc, ten_concurrent_awards_make_one_award);
    tcase_add_test(tc, the_registry_exports_csv_for_excel);
    tcase_add_test(tc, a_recommender_stops_at_its_quota);
    tcase_add_test(tc, objections_are_rate_limited_per_client);
    tcase_add_test(tc, associations_recommend_their_own_platforms);
    tcase_add_test(tc, calendar_years_are_data);
    tcase_add_test(tc, the_audit_trail_is_readable_and_verifiable);
    tcase_add_test(tc, the_supervisor_changes_nothing);
    tcase_add_test(tc, assessments_are_scoped_and_a_failure_leads_to_revocation);
    tcase_add_test(tc, compliance_is_computed_from_dates);
    tcase_add_test(tc, a_title_reads_expired_the_day_after_valid_until);
    tcase_add_test(tc, a_city_level_title_satisfies_condition_12_4);
    tcase_add_test(tc, the_public_finds_platforms_by_chinese_substrings);
    tcase_add_test(tc, the_summary_sheet_lists_a_recommenders_applications);
    tcase_add_test(tc, each_role_finds_its_own_work_in_the_inbox);
    tcase_add_test(tc, api_tokens_are_scoped_expiring_and_revocable);
    tcase_add_test(tc, the_change_feed_never_skips_or_repeats);
    tcase_add_test(tc, imports_are_all_or_nothing_and_idempotent);
    tcase_add_test(tc, csv_imports_in_utf8_and_gb18030);
    tcase_add_test(tc, imports_report_a_repeated_row_and_refuse_an_empty_body);
    tcase_add_test(tc, ten_thousand_rows_import_in_one_request);
    tcase_add_test(tc, lists_read_newest_first_on_request);
    tcase_add_test(tc, uploads_whose_bytes_or_names_lie_are_refused_and_nothing_is_kept);
    tcase_add_test(tc, a_download_is_byte_for_byte_what_was_uploaded);
    tcase_add_test(tc, csv_cells_that_look_like_formulas_stay_text);
    tcase_add_test(tc, another_partys_objects_answer_404_on_every_route);
    tcase_add_test(tc, every_answer_fits_the_contract);
    tcase_add_test(tc, fields_nobody_may_set_are_refused_and_the_public_sees_an_allow_list);
    tcase_add_test(tc, the_public_registry_cache_never_hides_a_change);
    tcase_add_test(tc, public_registry_reads_go_to_the_read_replica);
    tcase_add_test(tc, the_server_is_still_up_and_stops_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(workflow_suite());
}
