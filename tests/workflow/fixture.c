/*
 * The workflow suites' shared fixture (see fixture.h).
 */
#include "tests/workflow/fixture.h"

char *tokens[NROLES];
th_server server;
int port;
char data_dir[512];
long long round_id;
long long assessor_org[NROLES];

/* A metric's value in `on_port`'s /metrics, -1 when absent. */
double wf_metric(int on_port, const char *name)
{
    th_response *r = th_json(on_port, "GET", "/metrics", WF_METRICS_TOKEN, NULL);
    ck_assert_msg(r != NULL && r->status == 200, "no /metrics on port %d", on_port);
    char key[160];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(r->body, key);
    double v = p ? atof(p + strlen(key)) : -1;
    th_free(r);
    return v;
}

void wf_registry_caught_up(int on_port)
{
    long long version = sql_number("SELECT version FROM registry_version");
    for (int i = 0; i < 1000; i++) {
        if (wf_metric(on_port, "shifan_public_cache_listening") == 1 &&
            wf_metric(on_port, "shifan_public_cache_registry_version") >= (double)version)
            return;
        usleep(5000);
    }
    ck_abort_msg("the registry cache of port %d did not hear of registry version %lld within 5 s", on_port, version);
}

/* One connection as the database's owner for the whole run, opened on first use and again if
 * it was lost (a new backend costs some 20-30 ms on this machine, and the helpers below run
 * after every write the fixture makes). No helper leaves session state on it. */
static PGconn *admin_pg;

static PGconn *admin_conn(void)
{
    if (admin_pg != NULL && PQstatus(admin_pg) == CONNECTION_OK && PQtransactionStatus(admin_pg) == PQTRANS_IDLE)
        return admin_pg;
    PQfinish(admin_pg);
    admin_pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    ck_assert_msg(PQstatus(admin_pg) == CONNECTION_OK, "%s", PQerrorMessage(admin_pg));
    return admin_pg;
}

/* The stored details (sql/042) of application `app` — of every application when 0 — against
 * the document assembled as it was per request before (application_detail(a), the oracle):
 * the stored text must be Jansson's canonical text of it, byte for byte, and its ETag the
 * hash api/views.c makes of that text. A row a write marked stale (sql/066) is read first
 * through GET /v1/applications/{id}, as the province, which assembles it: after it, no row
 * may be stale. Answers how many were compared. */
int wf_details_as_assembled(long long app)
{
    char sql[3072];
    snprintf(sql, sizeof sql, "SELECT application_id FROM application_details WHERE stale AND (%lld = 0 OR application_id = %lld)",
             app, app);
    PGresult *stale = PQexec(admin_conn(), sql);
    ck_assert_msg(PQresultStatus(stale) == PGRES_TUPLES_OK, "%s", PQerrorMessage(admin_conn()));
    for (int i = 0; i < PQntuples(stale); i++) {
        char path[64];
        snprintf(path, sizeof path, "/v1/applications/%s", PQgetvalue(stale, i, 0));
        th_free(expect(PROVINCE, "GET", path, NULL, 200));
    }
    PQclear(stale);
    /* column 4: the stored facts of the snapshot and its round's rules (sql/049) against the
     * same read live (persistence's SNAPSHOT_SELECT) */
    snprintf(sql, sizeof sql,
             "SELECT a.id, d.doc, d.etag, application_detail(a)::text,"
             " (d.status, d.recommender_org_id, d.applicant_org_id, d.platform_id, d.round_id, d.platform_region,"
             "  d.platform_created_by, d.platform_operator_org, d.report, d.has_recommendation, d.material_kinds,"
             "  d.open_objections, d.notice_end, d.round_level, d.round_region, d.round_year, d.round_opens_on,"
             "  d.round_closes_on, d.round_quota_per_recommender, d.round_relaxed_regions, d.round_relaxation_factor,"
             "  d.round_thresholds, d.round_require_prior_recognition, d.round_relaxed_thresholds,"
             "  d.round_validity_years, d.round_validity_ends, d.stale) IS NOT DISTINCT FROM"
             " (a.status, a.recommender_org_id, a.applicant_org_id, a.platform_id, a.round_id, p.region_code,"
             "  p.created_by_org, p.operator_org_id, a.report::text, a.recommendation IS NOT NULL,"
             "  (SELECT string_agg(DISTINCT m.kind, ',') FROM materials m WHERE m.application_id = a.id),"
             "  (SELECT count(*) FROM objections o WHERE o.application_id = a.id AND o.status = 'open'),"
             "  (SELECT n.end_date FROM publicity_notice_items i JOIN publicity_notices n ON n.id = i.notice_id"
             "   WHERE i.application_id = a.id), r.level, r.region_code, r.year, r.opens_on, r.closes_on,"
             "  r.quota_per_recommender, r.relaxed_regions, r.relaxation_factor, r.thresholds::text,"
             "  r.require_prior_recognition, r.relaxed_thresholds::text, r.validity_years, r.validity_ends, false)"
             " FROM applications a JOIN platforms p ON p.id = a.platform_id JOIN rounds r ON r.id = a.round_id"
             " LEFT JOIN application_details d ON d.application_id = a.id WHERE %lld = 0 OR a.id = %lld ORDER BY a.id",
             app, app);
    PGconn *pg = admin_conn();
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        const char *id = PQgetvalue(res, i, 0);
        ck_assert_msg(!PQgetisnull(res, i, 1), "application %s has no stored detail", id);
        ck_assert_msg(strcmp(PQgetvalue(res, i, 4), "t") == 0, "application %s: its stored facts are not its own", id);
        json_t *doc = json_loads(PQgetvalue(res, i, 3), 0, NULL);
        char *canonical = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12)) : NULL;
        json_decref(doc);
        ck_assert_msg(canonical != NULL, "application %s: the assembly does not parse", id);
        ck_assert_msg(strcmp(canonical, PQgetvalue(res, i, 1)) == 0, "application %s: stored %s, assembled %s", id,
                      PQgetvalue(res, i, 1), canonical);
        unsigned char digest[32];
        unsigned int dlen = 0;
        EVP_Digest(canonical, strlen(canonical), digest, &dlen, EVP_sha256(), NULL);
        char etag[40];
        etag[0] = '"';
        for (int k = 0; k < 16; k++)
            snprintf(etag + 1 + 2 * k, 3, "%02x", digest[k]);
        etag[33] = '"';
        etag[34] = '\0';
        ck_assert_msg(strcmp(etag, PQgetvalue(res, i, 2)) == 0, "application %s: stored ETag %s, expected %s", id,
                      PQgetvalue(res, i, 2), etag);
        free(canonical);
    }
    PQclear(res);
    return n;
}

/* After a write, the details it may have changed are checked against their assembly: the
 * application a path names (or a new one answers), every application after a write to
 * notices, objections, imports, records or platforms. */
static void details_after(const char *method, const char *path, th_response *r)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || r->status >= 500)
        return;
    long long id = 0;
    if (strncmp(path, "/v1/applications/", 18) == 0)
        id = atoll(path + 18);
    else if (strcmp(path, "/v1/applications") == 0 && r->status == 201)
        id = json_integer_value(json_object_get(r->json, "id"));
    if (id > 0)
        wf_details_as_assembled(id);
    else if (strstr(path, "notice") || strstr(path, "objection") || strstr(path, "import") || strstr(path, "record") ||
             strncmp(path, "/v1/platforms/", 14) == 0)
        wf_details_as_assembled(0);
}

th_response *req(int role, const char *method, const char *path, const char *body)
{
    /* the public registry answers from memory once the change has been heard (api/public_cache.h) */
    if (strcmp(method, "GET") == 0 && strncmp(path, "/v1/public/platforms", 20) == 0 && path[20] != '.')
        wf_registry_caught_up(port);
    th_response *r = th_json(port, method, path, role >= 0 ? tokens[role] : NULL, body);
    ck_assert_msg(r != NULL, "no answer to %s %s", method, path);
    details_after(method, path, r);
    return r;
}

/* Calls and checks the status; returns the response for further checks. */
th_response *expect(int role, const char *method, const char *path, const char *body, int status)
{
    th_response *r = req(role, method, path, body);
    ck_assert_msg(r->status == status, "%s %s: expected %d, got %d: %s", method, path, status, r->status, r->body);
    return r;
}

long long expect_id(int role, const char *method, const char *path, const char *body, int status)
{
    th_response *r = expect(role, method, path, body, status);
    long long id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    return id;
}

const char *str(th_response *r, const char *key)
{
    return json_string_value(json_object_get(r->json, key));
}

int has_error(th_response *r, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return 1;
    return 0;
}

/* The code of the first error on `field`, or NULL. */
const char *error_code(th_response *r, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return json_string_value(json_object_get(e, "code"));
    return NULL;
}

/* A valid unified social credit code with the given serial digits. */
void credit_code(char out[19], int serial)
{
    snprintf(out, 19, "91210100MA%07d", serial);
    out[17] = sf_credit_code_check_char(out);
    out[18] = '\0';
}

char *wf_login(const char *user, const char *password)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    th_response *r = th_json(port, "POST", "/v1/auth/token", NULL, body);
    char *t = r && r->status == 200 ? strdup(str(r, "access_token")) : NULL;
    th_free(r);
    return t;
}

void admin_sql(const char *sql)
{
    PGconn *pg = admin_conn();
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s",
                  PQerrorMessage(pg));
    PQclear(res);
}

void wf_setup(void)
{
    static int started;
    if (started++)
        return;
    snprintf(data_dir, sizeof data_dir, "%s/workflow", th_env("SHIFAN_TEST_TMP"));
    mkdir(data_dir, 0700);
    static const char *env[] = {"SHIFAN_ADMIN_PASSWORD=" ADMIN_PASSWORD, "SHIFAN_THREADS=8",
                                 "SHIFAN_METRICS_TOKEN=" WF_METRICS_TOKEN, NULL};
    if (th_server_start(&server, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env) != 0) {
        fprintf(stderr, "the server did not start; see %s\n", server.log_path);
        exit(1);
    }
    port = server.port;
    th_contract_start(port);
    tokens[PROVINCE] = wf_login("admin", ADMIN_PASSWORD);
    char company[160], other_company[160], code[19];
    credit_code(code, COMPANY_SERIAL);
    snprintf(company, sizeof company, "{\"type\":\"platform\",\"name\":\"沈阳平台运营有限公司\","
             "\"region_code\":\"210100\",\"credit_code\":\"%s\"}", code);
    credit_code(code, OTHER_COMPANY_SERIAL);
    snprintf(other_company, sizeof other_company, "{\"type\":\"platform\",\"name\":\"大连平台运营有限公司\","
             "\"region_code\":\"210200\",\"credit_code\":\"%s\"}", code);
    struct {
        int role;
        const char *org_body;
        long long org_id;
        const char *user;
        int creator;   /* who creates the organisation and its user: a city its platform companies */
    } users[] = {
        {SHENYANG, NULL, 2, "shenyang", PROVINCE},
        {DALIAN, NULL, 3, "dalian", PROVINCE},
        {ASSOCIATION, "{\"type\":\"association\",\"name\":\"辽宁省中小企业服务协会\"}", 0, "assoc", PROVINCE},
        {SUPERVISOR, "{\"type\":\"supervisor\",\"name\":\"辽宁省审计厅\"}", 0, "auditor", PROVINCE},
        {ASSESSOR_A, "{\"type\":\"assessor\",\"name\":\"甲评估中心\"}", 0, "assessor-a", PROVINCE},
        {ASSESSOR_B, "{\"type\":\"assessor\",\"name\":\"乙评估中心\"}", 0, "assessor-b", PROVINCE},
        {COMPANY, company, 0, "company", SHENYANG},
        {OTHER_COMPANY, other_company, 0, "other-company", DALIAN},
    };
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        long long org = users[i].org_id;
        const char *creator = tokens[users[i].creator];
        if (users[i].org_body) {
            th_response *r = th_json(port, "POST", "/v1/organizations", creator, users[i].org_body);
            org = json_integer_value(json_object_get(r->json, "id"));
            if (r->status != 201)
                fprintf(stderr, "organisation of %s: %d %s\n", users[i].user, r->status, r->body);
            th_free(r);
        }
        char body[256];
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
                 "\"display_name\":\"用户\"}", users[i].user, org);
        th_response *r = th_json(port, "POST", "/v1/users", creator, body);
        th_free(r);
        assessor_org[users[i].role] = org;
        tokens[users[i].role] = wf_login(users[i].user, USER_PASSWORD);
        if (tokens[users[i].role] == NULL) {
            fprintf(stderr, "%s cannot log in\n", users[i].user);
            exit(1);
        }
    }
}

void wf_teardown(void)
{
    if (server.pid > 0)
        th_server_stop(&server);
    for (int i = 0; i < NROLES; i++)
        free(tokens[i]);
    PQfinish(admin_pg);
    admin_pg = NULL;
}

/* ---- helpers that drive the workflow ---- */

const char *REPORT =
    "{\"basic\":{\"established_on\":\"2015-03-01\",\"total_assets_cny\":3000000,\"smes_served_last_year\":150,"
    "\"smes_served_prev_year\":120,\"satisfaction_pct\":92,\"has_fixed_premises\":true,\"partner_institutions\":5,"
    "\"prior_recognitions\":[{\"level\":\"city\",\"issuer\":\"沈阳市工业和信息化局\",\"year\":2020}],"
    "\"has_management_rules\":true,\"has_development_plan\":true,\"public_service_share_pct\":20,"
    "\"service_staff\":25,\"qualified_staff\":20},"
    "\"functions\":{\"training\":{\"has_qualification\":true,\"online_and_offline\":true,"
    "\"has_evaluation_mechanism\":true,\"trainee_times_per_year\":2000}},"
    "\"innovation\":\"线上线下结合的培训服务模式\"}";
const char *FORM =
    "{\"operation_score\":90,\"performance_score\":88,\"satisfaction_score\":92,\"opinion\":\"同意推荐\"}";
const char *const KINDS[7] = {"application_report", "business_license", "audit_report", "premises_proof",
                                    "service_evidence", "prior_recognition", "authenticity_declaration"};

long long new_platform(int role, const char *name, const char *region, int serial)
{
    char code[19], body[512];
    credit_code(code, serial);
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"region_code\":\"%s\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"%s运营有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
             "\"address\":\"沈阳市和平区\"}}", name, region, name, code);
    return expect_id(role, "POST", "/v1/platforms", body, 201);
}

long long new_application(int role, long long platform)
{
    char body[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, platform);
    return expect_id(role, "POST", "/v1/applications", body, 201);
}

void upload(int role, long long app, const char *kind, int expected)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=%s&filename=%s.pdf", app, kind, kind);
    const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    th_response *r = th_request(port, "POST", path, tokens[role], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_msg(r->status == expected, "upload %s: %d %s", kind, r->status, r->body);
    wf_details_as_assembled(app);
    th_free(r);
}

void fill(int role, long long app)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/report", app);
    th_free(expect(role, "PUT", path, REPORT, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld/recommendation", app);
    th_free(expect(role, "PUT", path, FORM, 200));
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
        upload(role, app, KINDS[i], 201);
}

void act(int role, long long app, const char *action, const char *body, int status)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", app, action);
    th_free(expect(role, "POST", path, body, status));
}

/* A recommended and approved application of a city (沈阳 unless said otherwise). */
long long approved_application_of(int city, const char *name, int serial)
{
    long long p = new_platform(city, name, city == DALIAN ? "210200" : "210100", serial);
    long long a = new_application(city, p);
    fill(city, a);
    act(city, a, "recommend", NULL, 200);
    act(PROVINCE, a, "review", "{\"decision\":\"approve\"}", 200);
    return a;
}

long long approved_application(const char *name, int serial)
{
    return approved_application_of(SHENYANG, name, serial);
}

/* Today in Liaoning (Asia/Shanghai, no daylight saving), the date the server's rules use. */
void today_text(char out[11])
{
    time_t now = time(NULL) + 8 * 3600;
    strftime(out, 11, "%Y-%m-%d", gmtime(&now));
}

/* Dates the approval of application `app` back to `day` (YYYY-MM-DD), as if it had been
 * reviewed then: a notice begins no earlier than the review it publicizes (Art. 18), so a test
 * that records a notice of the past approves its application in the past too. */
void approved_back_on(long long app, const char *day)
{
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE applications SET approved_at = '%s' WHERE id = %lld", day, app);
    admin_sql(sql);
}

/* A notice of one application from `start`; one that starts before today is recorded as
 * published elsewhere on that day (Art. 18: shifan publishes no backdated notice), its
 * application approved that day. */
long long notice(const char *start, long long app, int status)
{
    char body[512], today[11];
    today_text(today);
    if (strcmp(start, today) < 0)
        approved_back_on(app, start);
    if (strcmp(start, today) < 0)
        snprintf(body, sizeof body, "{\"title\":\"2026年示范平台公示\",\"start_date\":\"%s\",\"application_ids\":[%lld],"
                 "\"published_elsewhere\":{\"reference\":\"辽宁省工业和信息化厅网站\",\"published_on\":\"%s\"}}",
                 start, app, start);
    else
        snprintf(body, sizeof body, "{\"title\":\"2026年示范平台公示\",\"start_date\":\"%s\",\"application_ids\":[%lld]}",
                 start, app);
    return expect_id(PROVINCE, "POST", "/v1/publicity-notices", body, status);
}


/* An awarded title of 大连, through the whole flow. */
long long dalian_award(const char *name, int serial)
{
    long long a = approved_application_of(DALIAN, name, serial);
    notice("2026-09-28", a, 201);
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    return expect_id(PROVINCE, "POST", path, NULL, 201);
}

/* A title of 大连 held since `since` (YYYY-MM-DD): awarded through the whole flow, then dated
 * back by hand as a title of an earlier round stands, so that its supervision may be dated
 * within its life (Art. 22, 24: summaries of the years it is in force, inspections on days it
 * is in force). */
long long dalian_title_since(const char *name, int serial, const char *since)
{
    long long award = dalian_award(name, serial);
    char sql[192];
    snprintf(sql, sizeof sql, "UPDATE awards SET awarded_on = '%s', valid_from = '%s' WHERE id = %lld", since, since,
             award);
    admin_sql(sql);
    return award;
}

/* The kinds in a caller's inbox, checking that due dates never go down. */
int inbox_has(int role, const char *kind, int *count)
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

/* A number from the database (as its owner), e.g. a count. */
long long sql_number(const char *sql)
{
    PGconn *pg = admin_conn();
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s", PQerrorMessage(pg));
    long long n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}
