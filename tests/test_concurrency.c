/*
 * Concurrency (hardening, points 10 and 11), over HTTP against TWO shifan processes that share
 * one database: simultaneous awards of one application, a round's certificate numbers under
 * fifty concurrent awards, the interleavings the lifecycle must survive (award against the
 * resolution of an objection, recommend against withdraw, revoke against an assessment
 * result), and what a client sees when a transaction keeps colliding (503 with Retry-After
 * after a bounded number of runs).
 *
 * Concurrent requests are released together by a barrier and spread over both processes.
 * Every outcome is read back from the database through libpq and from the audit trail; no
 * assertion depends on timing.
 */
#include <check.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "domain/credit_code.h"
#include "persistence/db.h"
#include "tests/testutil.h"

#define ADMIN_PASSWORD "province-password-for-tests"
#define USER_PASSWORD "a-long-user-password"
/* rounds of each interleaving, each with fresh objects */
#define ROUNDS 20

enum { PROVINCE, SHENYANG, DALIAN, ANSHAN, FUSHUN, BENXI, ASSESSOR, NROLES };
static const char *const CITY_REGION[NROLES] = {NULL, "210100", "210200", "210300", "210400", "210500", NULL};
static char *tokens[NROLES];
static long long assessor_org;
static th_server servers[2];
static char data_dir[512];
static long long round_id;
static int serial = 1000;

/* ---- the database, read directly ---- */

static PGconn *db(void)
{
    static PGconn *pg;
    if (pg == NULL) {
        pg = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
        PQclear(PQexec(pg, "SET client_min_messages = warning"));
    }
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
    return pg;
}

static void sql(const char *text)
{
    PGresult *res = PQexec(db(), text);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", text,
                  PQresultErrorMessage(res));
    PQclear(res);
}

/* The first column of the first row of a query with one integer parameter. */
static long long sql_int(const char *text, long long param)
{
    char p[24];
    snprintf(p, sizeof p, "%lld", param);
    const char *params[] = {p};
    PGresult *res = PQexecParams(db(), text, strstr(text, "$1") ? 1 : 0, NULL, params, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", text,
                  PQresultErrorMessage(res));
    long long v = PQgetisnull(res, 0, 0) ? -1 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

/* How many stored details (sql/042) of application `app` — of every application when 0 — are
 * not marked stale (sql/066: a write marks them at its commit, the next read assembles them)
 * and yet are not the assembly of what is committed now: the canonical text of
 * application_detail(a) (the workflow suite holds that text to Jansson's) and its ETag; a
 * missing one counts. */
static long long stale_details_unread(long long app)
{
    return sql_int("SELECT count(*) FROM applications a LEFT JOIN application_details d ON d.application_id = a.id"
                   " WHERE ($1 = 0 OR a.id = $1) AND (d.application_id IS NULL OR (NOT d.stale"
                   " AND (d.doc IS DISTINCT FROM canonical_json(application_detail(a))"
                   "      OR d.etag IS DISTINCT FROM canonical_etag(d.doc))))", app);
}

static long long stale_details(long long app);

/* Waits until more lock requests wait than `waiting` (a count of ungranted pg_locks taken
 * before the call that is to block); no time limit of its own: the test case's timeout is
 * the bound. */
static void await_one_more_lock_waiter(long long waiting)
{
    while (sql_int("SELECT count(*) FROM pg_locks WHERE NOT granted", 0) == waiting) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* A text value of the same kind, copied into out. */
static const char *sql_text(const char *text, long long param, char *out, size_t len)
{
    char p[24];
    snprintf(p, sizeof p, "%lld", param);
    const char *params[] = {p};
    PGresult *res = PQexecParams(db(), text, 1, NULL, params, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", text,
                  PQresultErrorMessage(res));
    snprintf(out, len, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
    PQclear(res);
    return out;
}

/* ---- HTTP ---- */

static th_response *expect_on(int server, int role, const char *method, const char *path, const char *body,
                              int status)
{
    th_response *r = th_json(servers[server].port, method, path, role >= 0 ? tokens[role] : NULL, body);
    ck_assert_msg(r != NULL, "no answer to %s %s", method, path);
    ck_assert_msg(r->status == status, "%s %s: expected %d, got %d: %s", method, path, status, r->status, r->body);
    return r;
}

static th_response *expect(int role, const char *method, const char *path, const char *body, int status)
{
    return expect_on(0, role, method, path, body, status);
}

static long long expect_id(int role, const char *method, const char *path, const char *body, int status)
{
    th_response *r = expect(role, method, path, body, status);
    long long id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    ck_assert(id > 0);
    return id;
}

static char *login(const char *user, const char *password)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    th_response *r = th_json(servers[0].port, "POST", "/v1/auth/token", NULL, body);
    char *t = r && r->status == 200 ? strdup(json_string_value(json_object_get(r->json, "access_token"))) : NULL;
    th_free(r);
    return t;
}

/* One request of a group released together: who, what, and what came back. */
typedef struct {
    pthread_barrier_t *barrier;
    int server, role;
    char method[8], path[128], body[256];
    int status;
    char retry_after[16];
    char *answer;
} call;

static void *call_thread(void *p)
{
    call *c = p;
    pthread_barrier_wait(c->barrier);
    th_response *r = th_json(servers[c->server].port, c->method, c->path, c->role >= 0 ? tokens[c->role] : NULL, c->body[0] ? c->body : NULL);
    c->status = r ? r->status : 0;
    c->retry_after[0] = '\0';
    if (r != NULL)
        th_header(r, "Retry-After", c->retry_after, sizeof c->retry_after);
    c->answer = r ? strdup(r->body) : NULL;
    th_free(r);
    return NULL;
}

/* Sends the n calls at once (a barrier lets them go together) and waits for every answer. */
static void run_together(call *calls, int n)
{
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    for (int i = 0; i < n; i++) {
        calls[i].barrier = &barrier;
        ck_assert_int_eq(pthread_create(&threads[i], NULL, call_thread, &calls[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_barrier_destroy(&barrier);
}

static void free_calls(call *calls, int n)
{
    for (int i = 0; i < n; i++)
        free(calls[i].answer);
}

__attribute__((format(printf, 6, 7)))
static void set_call(call *c, int server, int role, const char *method, const char *body, const char *path_fmt, ...)
{
    memset(c, 0, sizeof *c);
    c->server = server;
    c->role = role;
    snprintf(c->method, sizeof c->method, "%s", method);
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(c->path, sizeof c->path, path_fmt, ap);
    va_end(ap);
    snprintf(c->body, sizeof c->body, "%s", body ? body : "");
}

/* ---- driving the workflow to the state a test starts from ---- */

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

/* A new platform of city `role`. */
static long long new_platform(int role)
{
    int n = ++serial;
    char code[19], body[512];
    snprintf(code, sizeof code, "91210100MA%07u", (unsigned)n % 10000000u);
    code[17] = sf_credit_code_check_char(code);
    code[18] = '\0';
    snprintf(body, sizeof body,
             "{\"name\":\"并发示范平台%d\",\"region_code\":\"%s\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"并发运营%d有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
             "\"address\":\"辽宁省\"}}", n, CITY_REGION[role], n, code);
    return expect_id(role, "POST", "/v1/platforms", body, 201);
}

/* A filled draft of city `role` in round `round`, ready to be recommended. */
static long long filled_draft_in(long long round, int role)
{
    char body[512], path[160];
    long long platform = new_platform(role);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round, platform);
    long long app = expect_id(role, "POST", "/v1/applications", body, 201);
    snprintf(path, sizeof path, "/v1/applications/%lld/report", app);
    th_free(expect(role, "PUT", path, REPORT, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld/recommendation", app);
    th_free(expect(role, "PUT", path, FORM, 200));
    const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++) {
        snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=%s&filename=%s.pdf", app, KINDS[i], KINDS[i]);
        th_response *r = th_request(servers[0].port, "POST", path, tokens[role], "application/pdf", pdf,
                                    sizeof pdf - 1, NULL);
        ck_assert_msg(r->status == 201, "upload %s: %d %s", KINDS[i], r->status, r->body);
        th_free(r);
    }
    return app;
}

static long long filled_draft(int role)
{
    return filled_draft_in(round_id, role);
}

static void act(int role, long long app, const char *action, const char *body, int status)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", app, action);
    th_free(expect(role, "POST", path, body, status));
}

/* n applications of city `role` in `round`, recommended, approved by `decider` and on one
 * publicity notice of it that ended long ago, so that each may be awarded now. */
static void awardable_in(long long round, int decider, int role, long long *apps, int n)
{
    char body[4096];
    int len = snprintf(body, sizeof body, "{\"title\":\"并发测试公示\",\"start_date\":\"2026-09-28\",\"published_elsewhere\":"
                       "{\"reference\":\"辽宁省工业和信息化厅网站\",\"published_on\":\"2026-09-28\"},\"application_ids\":[");
    for (int i = 0; i < n; i++) {
        apps[i] = filled_draft_in(round, role);
        act(role, apps[i], "recommend", NULL, 200);
        act(decider, apps[i], "review", "{\"decision\":\"approve\"}", 200);
        char back[128];   /* reviewed before the notice of the past that publicizes it (Art. 18) */
        snprintf(back, sizeof back, "UPDATE applications SET approved_at = '2026-09-28' WHERE id = %lld", apps[i]);
        sql(back);
        len += snprintf(body + len, sizeof body - (size_t)len, "%s%lld", i ? "," : "", apps[i]);
    }
    snprintf(body + len, sizeof body - (size_t)len, "]}");
    th_response *r = expect(decider, "POST", "/v1/publicity-notices", body, 201);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "closed");
    th_free(r);
}

/* The same in the province's round. */
static void awardable(int role, long long *apps, int n)
{
    awardable_in(round_id, PROVINCE, role, apps, n);
}

static long long award(long long app)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", app);
    return expect_id(PROVINCE, "POST", path, NULL, 201);
}

/* How many audit events of `action` name entity id. */
static long long events(const char *action, long long id)
{
    char text[256];
    snprintf(text, sizeof text, "SELECT count(*) FROM audit_events WHERE action = '%s' AND entity_id = $1", action);
    return sql_int(text, id);
}

/* How often the log of server s (-1: of both) holds `needle` so far. */
static int log_count_on(int s, const char *needle)
{
    int n = 0;
    for (int i = 0; i < 2; i++) {
        if (s >= 0 && i != s)
            continue;
        char *log = th_read_file(servers[i].log_path);
        for (const char *p = log; p && (p = strstr(p, needle)) != NULL; p++)
            n++;
        free(log);
    }
    return n;
}

static int log_count(const char *needle)
{
    return log_count_on(-1, needle);
}

/* A log line of an award that was made */
#define AWARD_CREATED "\"route\":\"/v1/applications/:id/award\",\"status\":201"

/* ---- fixture ---- */

static void setup(void)
{
    snprintf(data_dir, sizeof data_dir, "%s/concurrency", th_env("SHIFAN_TEST_TMP"));
    mkdir(data_dir, 0700);
    static const char *env[] = {"SHIFAN_ADMIN_PASSWORD=" ADMIN_PASSWORD, "SHIFAN_THREADS=16", NULL};
    /* two processes on one database and one key: a token of one is good at the other */
    for (int s = 0; s < 2; s++)
        if (th_server_start(&servers[s], th_env("SHIFAN_TEST_CONCURRENCY_URL"), data_dir, env) != 0) {
            fprintf(stderr, "server %d did not start; see %s\n", s, servers[s].log_path);
            exit(1);
        }
    th_contract_start(servers[0].port);
    tokens[PROVINCE] = login("admin", ADMIN_PASSWORD);
    static const char *const names[NROLES] = {NULL, "shenyang", "dalian", "anshan", "fushun", "benxi", "assessor"};
    assessor_org = expect_id(PROVINCE, "POST", "/v1/organizations", "{\"type\":\"assessor\",\"name\":\"并发评估中心\"}", 201);
    for (int role = SHENYANG; role < NROLES; role++) {
        long long org = assessor_org;
        if (role != ASSESSOR) {
            char text[160];
            snprintf(text, sizeof text, "SELECT id FROM organizations WHERE type = 'city' AND region_code = '%s'",
                     CITY_REGION[role]);
            org = sql_int(text, 0);
        }
        char body[256];
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
                 "\"display_name\":\"用户\"}", names[role], org);
        th_free(expect(PROVINCE, "POST", "/v1/users", body, 201));
        tokens[role] = login(names[role], USER_PASSWORD);
        if (tokens[role] == NULL) {
            fprintf(stderr, "%s cannot log in\n", names[role]);
            exit(1);
        }
    }
    /* no quota: fifty applications of five cities */
    round_id = expect_id(PROVINCE, "POST", "/v1/rounds",
                         "{\"year\":2026,\"level\":\"province\",\"title\":\"2026年度省级示范平台认定\","
                         "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\",\"relaxed_regions\":[],"
                         "\"relaxation_factor\":1}", 201);
}

static void teardown(void)
{
    for (int s = 0; s < 2; s++)
        if (servers[s].pid > 0)
            th_server_stop(&servers[s]);
    for (int i = 0; i < NROLES; i++)
        free(tokens[i]);
}

/* ---- point 10 ---- */

/* Awards all n applications at once, as `decider`, through both processes or the first
 * only, and checks that the round numbers them 1..n: no gap, no duplicate, each in the
 * documented form (`prefix` and a three-digit number). */
static void award_all_at_once(long long round, int decider, const long long *apps, int n, int processes,
                              const char *prefix)
{
    int logged[2] = {log_count_on(0, AWARD_CREATED), log_count_on(1, AWARD_CREATED)};
    call *calls = calloc((size_t)n, sizeof *calls);
    for (int i = 0; i < n; i++)
        set_call(&calls[i], i % processes, decider, "POST", NULL, "/v1/applications/%lld/award", apps[i]);
    run_together(calls, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(calls[i].status == 201, "award %d: %d %s", i, calls[i].status, calls[i].answer);
    free_calls(calls, n);
    free(calls);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM awards WHERE round_id = $1", round), n);
    ck_assert_int_eq(sql_int("SELECT count(DISTINCT application_id) FROM awards WHERE round_id = $1", round), n);
    char text[256];
    snprintf(text, sizeof text, "SELECT count(*) FROM (SELECT certificate_seq FROM awards WHERE round_id = $1"
             " INTERSECT SELECT generate_series(1, %d)) s", n);
    ck_assert_int_eq(sql_int(text, round), n);
    snprintf(text, sizeof text, "SELECT count(*) FROM awards WHERE round_id = $1"
             " AND certificate_no <> '%s' || lpad(certificate_seq::text, 3, '0')", prefix);
    ck_assert_int_eq(sql_int(text, round), 0);
    ck_assert_int_eq(sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", round), n + 1);
    /* each award has its one event, and its application moved once */
    ck_assert_int_eq(sql_int("SELECT count(*) FROM audit_events e JOIN awards w ON w.id = e.entity_id"
                             " WHERE e.action = 'award.created' AND w.round_id = $1", round), n);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(events("application.awarded", apps[i]), 1);
        char status[32];
        ck_assert_str_eq(sql_text("SELECT status FROM applications WHERE id = $1", apps[i], status, sizeof status),
                         "awarded");
    }
    /* the processes shared the work as sent (their request logs are written within 20 ms:
     * api/server.c) */
    for (int s = 0; s < 2; s++) {
        int expected = s < processes ? n / processes : 0, seen = 0;
        for (int i = 0; i < 100 && (seen = log_count_on(s, AWARD_CREATED) - logged[s]) < expected; i++)
            th_pause_ms(20);
        ck_assert_int_eq(seen, expected);
    }
}

/* The first test of the suite: the province's round has no title yet. */
START_TEST(fifty_concurrent_awards_number_the_round_one_to_fifty)
{
    enum { N = 50 };
    long long apps[N];
    for (int c = 0; c < 5; c++)   /* five recommenders, so the awards do not queue behind one */
        awardable(SHENYANG + c, apps + c * 10, 10);
    award_all_at_once(round_id, PROVINCE, apps, N, 2, "LNSME-2026-");
}
END_TEST

/* The same in one process: 沈阳's own city-level round, which it decides. */
START_TEST(fifty_concurrent_awards_in_one_process)
{
    enum { N = 50 };
    long long city_round = expect_id(SHENYANG, "POST", "/v1/rounds",
                                     "{\"year\":2026,\"level\":\"city\",\"title\":\"2026年度沈阳市示范平台认定\","
                                     "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\",\"relaxed_regions\":[],"
                                     "\"relaxation_factor\":1}", 201);
    long long apps[N];
    awardable_in(city_round, SHENYANG, SHENYANG, apps, N);
    award_all_at_once(city_round, SHENYANG, apps, N, 1, "LNSME-210100-2026-");
}
END_TEST

START_TEST(twenty_simultaneous_awards_of_one_application_make_one_award_row)
{
    enum { N = 20 };
    long long seq_before = sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", round_id);
    for (int repeat = 0; repeat < 3; repeat++) {
        long long app;
        awardable(SHENYANG + repeat, &app, 1);
        call calls[N];
        for (int i = 0; i < N; i++)
            set_call(&calls[i], i % 2, PROVINCE, "POST", NULL, "/v1/applications/%lld/award", app);
        run_together(calls, N);
        int created = 0;
        for (int i = 0; i < N; i++) {
            /* the one that won, and conflicts with the state it left: never 500, never 503 */
            ck_assert_msg(calls[i].status == 201 || calls[i].status == 409, "award %d: %d %s", i, calls[i].status,
                          calls[i].answer);
            created += calls[i].status == 201;
        }
        free_calls(calls, N);
        ck_assert_int_eq(created, 1);
        ck_assert_int_eq(sql_int("SELECT count(*) FROM awards WHERE application_id = $1", app), 1);
        ck_assert_int_eq(events("application.awarded", app), 1);
        ck_assert_int_eq(sql_int("SELECT count(*) FROM audit_events e JOIN awards w ON w.id = e.entity_id"
                                 " WHERE e.action = 'award.created' AND w.application_id = $1", app), 1);
        /* and the round's numbers stay gapless: the losers took none */
        ck_assert_int_eq(sql_int("SELECT certificate_seq FROM awards WHERE application_id = $1", app), seq_before + repeat);
    }
    ck_assert_int_eq(sql_int("SELECT max(certificate_seq) - count(*) FROM awards WHERE round_id = $1", round_id), 0);
}
END_TEST

/* Issue 15: a round whose titles 001–007 were recorded (awarded on paper before shifan) awards
 * 008 next, and two concurrent awards take 008 and 009: the import raised the round's counter
 * in its transaction, and the awards go on from it, gapless. */
START_TEST(awards_continue_after_recorded_certificate_numbers)
{
    long long anshan_round = expect_id(ANSHAN, "POST", "/v1/rounds",
                                       "{\"year\":2026,\"level\":\"city\",\"title\":\"2026年度鞍山市示范平台认定\","
                                       "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\",\"relaxed_regions\":[],"
                                       "\"relaxation_factor\":1}", 201);
    char body[8192];
    int len = snprintf(body, sizeof body, "[");
    for (int i = 1; i <= 7; i++) {
        char code[19];
        snprintf(code, sizeof code, "91210300MB%07d", i);
        code[17] = sf_credit_code_check_char(code);
        code[18] = '\0';
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "%s{\"platform_name\":\"鞍山纸质认定平台%d\",\"region_code\":\"210300\",\"functions\":[\"training\"],"
                        "\"operator_name\":\"鞍山纸质认定运营%d有限公司\",\"credit_code\":\"%s\",\"round_id\":%lld,"
                        "\"certificate_no\":\"LNSME-210300-2026-%03d\",\"awarded_on\":\"2026-03-02\","
                        "\"valid_from\":\"2026-03-02\",\"valid_until\":\"2029-12-31\",\"status\":\"active\"}",
                        i > 1 ? "," : "", i, i, code, anshan_round, i);
    }
    snprintf(body + len, sizeof body - (size_t)len, "]");
    th_response *r = th_request(servers[0].port, "POST", "/v1/imports/records?kind=titles", tokens[PROVINCE],
                                "application/json", body, strlen(body), NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    th_free(r);
    ck_assert_int_eq(sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", anshan_round), 8);
    long long apps[2];
    awardable_in(anshan_round, ANSHAN, ANSHAN, apps, 2);
    call calls[2];
    for (int i = 0; i < 2; i++)
        set_call(&calls[i], i, ANSHAN, "POST", NULL, "/v1/applications/%lld/award", apps[i]);
    run_together(calls, 2);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(calls[i].status == 201, "award %d: %d %s", i, calls[i].status, calls[i].answer);
    free_calls(calls, 2);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM awards WHERE round_id = $1 AND origin = 'decided'"
                             " AND certificate_no IN ('LNSME-210300-2026-008', 'LNSME-210300-2026-009')", anshan_round), 2);
    ck_assert_int_eq(sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", anshan_round), 10);
    /* recorded afterwards: a number shifan has awarded in the round is taken, whatever its
     * prefix (the round's numbers stay unique), and one past them moves the counter on */
    for (int seq = 8; seq <= 12; seq += 4) {
        char code[19];
        snprintf(code, sizeof code, "91210300MB%07d", 100 + seq);
        code[17] = sf_credit_code_check_char(code);
        code[18] = '\0';
        snprintf(body, sizeof body,
                 "[{\"platform_name\":\"鞍山补录平台%d\",\"region_code\":\"210300\",\"functions\":[\"training\"],"
                 "\"operator_name\":\"鞍山补录运营%d有限公司\",\"credit_code\":\"%s\",\"round_id\":%lld,"
                 "\"certificate_no\":\"鞍中小示范〔2026〕%03d\",\"awarded_on\":\"2026-03-02\","
                 "\"valid_from\":\"2026-03-02\",\"valid_until\":\"2029-12-31\",\"status\":\"active\"}]",
                 seq, seq, code, anshan_round, seq);
        r = th_request(servers[0].port, "POST", "/v1/imports/records?kind=titles", tokens[PROVINCE], "application/json",
                       body, strlen(body), NULL);
        if (seq == 8) {
            ck_assert_msg(r->status == 422 && strstr(r->body, "record_sequence_taken") != NULL, "%d %s", r->status,
                          r->body);
            ck_assert_ptr_nonnull(strstr(r->body, "LNSME-210300-2026-008"));
        } else {
            ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
        }
        th_free(r);
    }
    ck_assert_int_eq(sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", anshan_round), 13);
}
END_TEST

/* ---- point 11: interleavings ---- */

START_TEST(award_against_the_resolution_of_an_objection)
{
    long long apps[ROUNDS];
    awardable(DALIAN, apps, ROUNDS);
    for (int i = 0; i < ROUNDS; i++) {
        /* an objection filed during the publicity period, still open */
        char text[512];
        snprintf(text, sizeof text, "INSERT INTO objections (notice_id, application_id, objector_name, contact, reason, client)"
                 " SELECT notice_id, application_id, '王五', '13900000000', '数据存疑', '192.0.2.1'"
                 " FROM publicity_notice_items WHERE application_id = %lld", apps[i]);
        sql(text);
    }
    int awarded = 0, refused = 0;
    for (int i = 0; i < ROUNDS; i++) {
        int upheld = i % 2 == 0;
        long long objection = sql_int("SELECT id FROM objections WHERE application_id = $1", apps[i]);
        call calls[2];
        set_call(&calls[0], i % 2, PROVINCE, "POST", NULL, "/v1/applications/%lld/award", apps[i]);
        set_call(&calls[1], 1 - i % 2, PROVINCE, "POST",
                 upheld ? "{\"upheld\":true,\"resolution\":\"经核实属实\"}" : "{\"upheld\":false,\"resolution\":\"经核实不属实\"}",
                 "/v1/objections/%lld/resolve", objection);
        run_together(calls, 2);
        /* the resolution always goes through; the award only if it found no open objection */
        ck_assert_msg(calls[1].status == 200, "resolve: %d %s", calls[1].status, calls[1].answer);
        ck_assert_msg(calls[0].status == 201 || calls[0].status == 409, "award: %d %s", calls[0].status, calls[0].answer);
        char app_status[32], objection_status[32];
        sql_text("SELECT status FROM applications WHERE id = $1", apps[i], app_status, sizeof app_status);
        sql_text("SELECT status FROM objections WHERE id = $1", objection, objection_status, sizeof objection_status);
        long long award_rows = sql_int("SELECT count(*) FROM awards WHERE application_id = $1", apps[i]);
        if (upheld) {
            /* never both a title and an upheld objection */
            ck_assert_int_eq(calls[0].status, 409);
            ck_assert_str_eq(app_status, "rejected");
            ck_assert_str_eq(objection_status, "upheld");
            ck_assert_int_eq(award_rows, 0);
            ck_assert_int_eq(events("application.rejected_on_objection", apps[i]), 1);
        } else {
            ck_assert_str_eq(objection_status, "dismissed");
            ck_assert_str_eq(app_status, calls[0].status == 201 ? "awarded" : "publicized");
            ck_assert_int_eq(award_rows, calls[0].status == 201);
        }
        ck_assert_int_eq(events("application.awarded", apps[i]), calls[0].status == 201);
        awarded += calls[0].status == 201;
        refused += calls[0].status == 409;
        free_calls(calls, 2);
    }
    ck_assert_int_eq(awarded + refused, ROUNDS);
    fprintf(stderr, "award against resolution: %d of %d awards went through (dismissed rounds only)\n", awarded, ROUNDS);
    ck_assert_int_eq(sql_int("SELECT max(certificate_seq) - count(*) FROM awards WHERE round_id = $1", round_id), 0);
}
END_TEST

static void *call_alone(void *p)
{
    pthread_barrier_t one;
    pthread_barrier_init(&one, NULL, 1);
    ((call *)p)->barrier = &one;
    call_thread(p);
    pthread_barrier_destroy(&one);
    return NULL;
}

/* The same once the marked rows are read: application `app`'s through GET as the province (the
 * read assembles it), every one's when 0 by the assembly itself; after it, a row still marked
 * counts too. */
static long long stale_details(long long app)
{
    long long wrong = stale_details_unread(app);
    if (app > 0) {
        call c;
        set_call(&c, 0, PROVINCE, "GET", NULL, "/v1/applications/%lld", app);
        call_alone(&c);
        ck_assert_msg(c.status == 200, "GET: %d %s", c.status, c.answer);
        free(c.answer);
    } else {
        sql("SELECT application_details_refresh(ARRAY(SELECT application_id FROM application_details WHERE stale))");
    }
    return wrong + sql_int("SELECT count(*) FROM applications a JOIN application_details d ON d.application_id = a.id"
                           " WHERE ($1 = 0 OR a.id = $1) AND (d.stale"
                           " OR d.doc IS DISTINCT FROM canonical_json(application_detail(a))"
                           " OR d.etag IS DISTINCT FROM canonical_etag(d.doc))", app);
}

/* Filing an objection and awarding cannot overlap by date alone (objections until end_date,
 * awards after it) except across midnight: an objection filed at 23:59:59 of the last day
 * whose transaction still holds its share lock on the application when an award starts at
 * 00:00:00. The award must then see that objection once it has the application's row. Here a
 * connection of the test files one exactly as POST …/objections does (share lock on the
 * application, insert, commit later), with the notice's end_date already past, and the award
 * is sent while it is open. */
START_TEST(an_objection_committed_while_the_award_waits_is_seen_by_it)
{
    long long app;
    awardable(DALIAN, &app, 1);
    PGconn *filer = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    ck_assert_int_eq(PQstatus(filer), CONNECTION_OK);
    char text[512];
    snprintf(text, sizeof text,
             "BEGIN; SELECT 1 FROM applications WHERE id = %lld AND status = 'publicized' FOR SHARE;"
             " INSERT INTO objections (notice_id, application_id, objector_name, contact, reason, client)"
             " SELECT notice_id, application_id, '赵六', '13700000000', '最后一刻的异议', '192.0.2.2'"
             " FROM publicity_notice_items WHERE application_id = %lld", app, app);
    PGresult *res = PQexec(filer, text);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(filer));
    PQclear(res);
    long long waiting = sql_int("SELECT count(*) FROM pg_locks WHERE NOT granted", 0);
    call c;
    set_call(&c, 0, PROVINCE, "POST", NULL, "/v1/applications/%lld/award", app);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, call_alone, &c), 0);
    await_one_more_lock_waiter(waiting);   /* the award waits for the filer's lock on the application */
    res = PQexec(filer, "COMMIT");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(filer);
    pthread_join(thread, NULL);
    ck_assert_msg(c.status == 409, "award: %d %s", c.status, c.answer);
    free(c.answer);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM awards WHERE application_id = $1", app), 0);
    char status[32];
    ck_assert_str_eq(sql_text("SELECT status FROM applications WHERE id = $1", app, status, sizeof status), "publicized");
    ck_assert_int_eq(sql_int("SELECT count(*) FROM objections WHERE application_id = $1 AND status = 'open'", app), 1);
    ck_assert_int_eq(stale_details(app), 0);   /* the objection committed from outside is in it */
}
END_TEST

typedef struct {
    long long app;
    int ok;
} hand_write;

/* A change by hand to an application, committed on a connection of its own. */
static void *hand_write_thread(void *p)
{
    hand_write *w = p;
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    char text[160];
    snprintf(text, sizeof text, "UPDATE applications SET review_comment = '读时写入' WHERE id = %lld", w->app);
    PGresult *res = PQexec(pg, text);
    w->ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    PQfinish(pg);
    return NULL;
}

/* The stored detail assembled by a read (sql/066) while a write commits: the read's assembly
 * holds the row's lock (as GET /v1/applications/{id} does for a stale row), and a write of the
 * application commits meanwhile. Its mark waits for the assembly's transaction and is set
 * after it, so the row is stale afterwards, never the read's assembly passed off as current,
 * and the next GET answers the write. */
START_TEST(a_write_committed_while_a_read_assembles_the_detail_marks_it_after)
{
    long long app = filled_draft(ANSHAN);
    PGconn *reader = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    ck_assert_int_eq(PQstatus(reader), CONNECTION_OK);
    char text[160];
    snprintf(text, sizeof text, "BEGIN; SELECT application_details_refresh(ARRAY[%lld::bigint])", app);
    PGresult *res = PQexec(reader, text);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(reader));
    PQclear(res);
    long long waiting = sql_int("SELECT count(*) FROM pg_locks WHERE NOT granted", 0);
    hand_write w = {app, 0};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, hand_write_thread, &w), 0);
    await_one_more_lock_waiter(waiting);   /* the write's commit waits for the assembly's lock */
    res = PQexec(reader, "COMMIT");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(reader);
    pthread_join(thread, NULL);
    ck_assert(w.ok);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM application_details WHERE application_id = $1 AND stale", app), 1);
    ck_assert_int_eq(stale_details_unread(app), 0);
    call c;
    set_call(&c, 0, ANSHAN, "GET", NULL, "/v1/applications/%lld", app);
    call_alone(&c);
    ck_assert_msg(c.status == 200, "GET: %d %s", c.status, c.answer);
    ck_assert_ptr_nonnull(strstr(c.answer, "读时写入"));
    free(c.answer);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM application_details WHERE application_id = $1 AND NOT stale", app), 1);
    ck_assert_int_eq(stale_details(app), 0);
}
END_TEST

typedef struct {
    call c;
    atomic_int done;
} watched_call;

static void *watched_call_thread(void *p)
{
    watched_call *w = p;
    call_alone(&w->c);
    atomic_store(&w->done, 1);
    return NULL;
}

/* A new application's stored row holds its platform's parties (sql/067) as they are when it
 * commits, even when a change of the platform's operator commits meanwhile (sql/068): here the
 * operator is changed in a transaction left open while the application is created through the
 * API. The application's commit waits for it (it holds the platform), and its row names the new
 * operator, who may then read it. Without the hold, the row named the old one, and the change's
 * trigger, which listed the platform's applications before the new one was committed, never
 * had it assembled: a stale row whose scope was judged on the old operator. */
START_TEST(a_new_application_takes_its_platforms_operator_as_it_commits)
{
    long long platform = new_platform(ANSHAN);
    long long operator = sql_int("SELECT min(id) FROM organizations WHERE id <> $1", 0);
    PGconn *changer = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    ck_assert_int_eq(PQstatus(changer), CONNECTION_OK);
    char text[200];
    snprintf(text, sizeof text, "BEGIN; UPDATE platforms SET operator_org_id = %lld WHERE id = %lld", operator, platform);
    PGresult *res = PQexec(changer, text);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(changer));
    PQclear(res);
    long long waiting = sql_int("SELECT count(*) FROM pg_locks WHERE NOT granted", 0);
    static watched_call w;
    memset(&w, 0, sizeof w);
    char body[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, platform);
    set_call(&w.c, 0, ANSHAN, "POST", body, "/v1/applications");
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, watched_call_thread, &w), 0);
    /* until the creation answers, or waits on a lock (the platform's, held by the change) */
    while (!atomic_load(&w.done) && sql_int("SELECT count(*) FROM pg_locks WHERE NOT granted", 0) == waiting) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    res = PQexec(changer, "COMMIT");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(changer);
    pthread_join(thread, NULL);
    ck_assert_msg(w.c.status == 201, "create: %d %s", w.c.status, w.c.answer);
    free(w.c.answer);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM application_details d JOIN applications a ON a.id = d.application_id"
                             " WHERE a.platform_id = $1 AND d.platform_operator_org = (SELECT operator_org_id"
                             " FROM platforms WHERE id = a.platform_id)", platform), 1);
}
END_TEST

START_TEST(recommend_against_withdraw)
{
    long long apps[ROUNDS];
    for (int i = 0; i < ROUNDS; i++)
        apps[i] = filled_draft(ANSHAN);
    int both = 0;
    for (int i = 0; i < ROUNDS; i++) {
        call calls[2];
        set_call(&calls[0], i % 2, ANSHAN, "POST", NULL, "/v1/applications/%lld/recommend", apps[i]);
        set_call(&calls[1], 1 - i % 2, ANSHAN, "POST", NULL, "/v1/applications/%lld/withdraw", apps[i]);
        run_together(calls, 2);
        /* withdraw is allowed from draft and from recommended: it always goes through; recommend
         * only if it came first */
        ck_assert_msg(calls[1].status == 200, "withdraw: %d %s", calls[1].status, calls[1].answer);
        ck_assert_msg(calls[0].status == 200 || calls[0].status == 409, "recommend: %d %s", calls[0].status,
                      calls[0].answer);
        char status[32];
        ck_assert_str_eq(sql_text("SELECT status FROM applications WHERE id = $1", apps[i], status, sizeof status),
                         "withdrawn");
        /* the audit trail tells the same story, in order: draft → (recommended →) withdrawn */
        long long recommended = events("application.recommended", apps[i]);
        ck_assert_int_eq(recommended, calls[0].status == 200);
        ck_assert_int_eq(events("application.withdrawn", apps[i]), 1);
        char chain[256];
        sql("SELECT audit_link(NULL, true)");   /* positions are the order of record */
        sql_text("SELECT string_agg((detail->'before'->>'status') || '>' || (detail->'after'->>'status'), ' ' ORDER BY seq)"
                 " FROM audit_events WHERE entity = 'application' AND entity_id = $1"
                 " AND action IN ('application.recommended', 'application.withdrawn')", apps[i], chain, sizeof chain);
        ck_assert_str_eq(chain, recommended ? "draft>recommended recommended>withdrawn" : "draft>withdrawn");
        ck_assert_int_eq(stale_details(apps[i]), 0);   /* whichever committed last stored both */
        both += calls[0].status == 200;
        free_calls(calls, 2);
    }
    fprintf(stderr, "recommend against withdraw: recommend came first in %d of %d rounds\n", both, ROUNDS);
}
END_TEST

START_TEST(revoke_against_a_failed_assessment_result)
{
    long long apps[ROUNDS], awards[ROUNDS], assessments[ROUNDS];
    awardable(FUSHUN, apps, ROUNDS);
    for (int i = 0; i < ROUNDS; i++) {
        awards[i] = award(apps[i]);
        char body[256];
        snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", awards[i],
                 assessor_org);
        assessments[i] = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    }
    int deadlocks_before = log_count("\"sqlstate\":\"40P01\"");
    int pending_first = 0;
    for (int i = 0; i < ROUNDS; i++) {
        call calls[2];
        set_call(&calls[0], i % 2, PROVINCE, "POST", "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\",\"reference\":\"辽工信发〔2026〕12号\",\"detail\":\"违规收费\"}",
                 "/v1/awards/%lld/revoke", awards[i]);
        set_call(&calls[1], 1 - i % 2, ASSESSOR, "POST", "{\"score\":52.5,\"passed\":false,\"summary\":\"服务记录不实\"}",
                 "/v1/assessments/%lld/result", assessments[i]);
        run_together(calls, 2);
        /* an active title and one pending revocation may both be revoked; a result is recorded
         * whatever became of the title meanwhile */
        ck_assert_msg(calls[0].status == 200, "revoke: %d %s", calls[0].status, calls[0].answer);
        ck_assert_msg(calls[1].status == 200, "result: %d %s", calls[1].status, calls[1].answer);
        char status[32];
        ck_assert_str_eq(sql_text("SELECT status FROM awards WHERE id = $1", awards[i], status, sizeof status), "revoked");
        ck_assert_int_eq(sql_int("SELECT count(*) FROM assessments WHERE id = $1 AND submitted_on IS NOT NULL"
                                 " AND passed = false", assessments[i]), 1);
        /* active → (revocation_pending →) revoked, never pending after revoked */
        char chain[256];
        sql("SELECT audit_link(NULL, true)");   /* positions are the order of record */
        sql_text("SELECT string_agg(action, ' ' ORDER BY seq) FROM audit_events"
                 " WHERE entity = 'award' AND entity_id = $1", awards[i], chain, sizeof chain);
        ck_assert_msg(strcmp(chain, "award.created award.revoked") == 0 ||
                      strcmp(chain, "award.created award.revocation_pending award.revoked") == 0, "%s", chain);
        pending_first += strstr(chain, "pending") != NULL;
        free_calls(calls, 2);
    }
    fprintf(stderr, "revoke against result: the result came first in %d of %d rounds\n", pending_first, ROUNDS);
    /* the two take their locks in one order: they queue, they do not deadlock */
    ck_assert_int_eq(log_count("\"sqlstate\":\"40P01\""), deadlocks_before);
}
END_TEST

/* ---- point 11: collisions that persist ---- */

/* A trigger on `table` that counts its runs (in a sequence: no rollback undoes it) and fails
 * with `sqlstate` on the first `failing` of them. */
static void install_collider(const char *table, const char *sqlstate, int failing)
{
    char text[1024];
    sql("DROP SEQUENCE IF EXISTS shifan_test_collisions");
    sql("CREATE SEQUENCE shifan_test_collisions");
    snprintf(text, sizeof text,
             "CREATE OR REPLACE FUNCTION shifan_test_collide() RETURNS trigger LANGUAGE plpgsql AS $$"
             " BEGIN IF nextval('shifan_test_collisions') <= %d THEN"
             "  RAISE EXCEPTION 'collision' USING ERRCODE = '%s'; END IF; RETURN NEW; END $$", failing, sqlstate);
    sql(text);
    snprintf(text, sizeof text, "CREATE TRIGGER shifan_test_collide BEFORE INSERT ON %s"
             " FOR EACH ROW EXECUTE FUNCTION shifan_test_collide()", table);
    sql(text);
}

static void remove_collider(const char *table)
{
    char text[256];
    snprintf(text, sizeof text, "DROP TRIGGER shifan_test_collide ON %s", table);
    sql(text);
    sql("DROP FUNCTION shifan_test_collide()");
}

static long long collisions(void)
{
    return sql_int("SELECT last_value - CASE WHEN is_called THEN 0 ELSE 1 END FROM shifan_test_collisions", 0);
}

static void expect_unavailable(th_response *r)
{
    char retry_after[16], type[64];
    ck_assert_msg(r->status == 503, "%d %s", r->status, r->body);
    ck_assert_ptr_nonnull(th_header(r, "Retry-After", retry_after, sizeof retry_after));
    ck_assert_int_ge(atoi(retry_after), 1);
    ck_assert_str_eq(th_header(r, "Content-Type", type, sizeof type), "application/problem+json");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), 503);
}

START_TEST(a_transaction_that_keeps_colliding_answers_503_after_bounded_retries)
{
    long long app;
    awardable(BENXI, &app, 1);
    long long next = sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", round_id);
    long long events_before = sql_int("SELECT count(*) FROM audit_events", 0);
    const char *states[] = {"40001", "40P01"};
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", app);
    for (int i = 0; i < 2; i++) {
        /* every run of the award collides: SF_TX_ATTEMPTS runs, then 503 with Retry-After */
        install_collider("awards", states[i], 1000);
        th_response *r = th_json(servers[i].port, "POST", path, tokens[PROVINCE], NULL);
        expect_unavailable(r);
        th_free(r);
        ck_assert_int_eq(collisions(), SF_TX_ATTEMPTS);
        remove_collider("awards");
    }
    /* nothing of those runs is left: no title, no number taken, no event */
    ck_assert_int_eq(sql_int("SELECT count(*) FROM awards WHERE application_id = $1", app), 0);
    ck_assert_int_eq(sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", round_id), next);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM audit_events", 0), events_before);
    char status[32];
    ck_assert_str_eq(sql_text("SELECT status FROM applications WHERE id = $1", app, status, sizeof status), "publicized");

    /* colliding on all runs but the last: the client sees one clean award, numbered next */
    install_collider("awards", "40P01", SF_TX_ATTEMPTS - 1);
    th_response *r = expect_on(1, PROVINCE, "POST", path, NULL, 201);
    long long award_id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    ck_assert_int_eq(collisions(), SF_TX_ATTEMPTS);
    remove_collider("awards");
    ck_assert_int_eq(sql_int("SELECT certificate_seq FROM awards WHERE id = $1", award_id), next);
    ck_assert_int_eq(events("application.awarded", app), 1);
    ck_assert_int_eq(events("award.created", award_id), 1);

    /* a lone statement (commissioning an assessment) is held to the same bound */
    char body[256];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", award_id,
             assessor_org);
    install_collider("assessments", "40001", 1000);
    r = th_json(servers[0].port, "POST", "/v1/assessments", tokens[PROVINCE], body);
    expect_unavailable(r);
    th_free(r);
    ck_assert_int_eq(collisions(), SF_TX_ATTEMPTS);
    remove_collider("assessments");
    ck_assert_int_eq(sql_int("SELECT count(*) FROM assessments WHERE award_id = $1", award_id), 0);
    sql("DROP SEQUENCE shifan_test_collisions");
}
END_TEST

/* A real deadlock, not a raised one: the award holds its application and waits for the
 * round's certificate counter (and the title writers' lock), which a connection of the test
 * holds while it asks for the application. PostgreSQL breaks the cycle by failing one of the two with 40P01; if it is the award,
 * the award runs again once the test's transaction is gone. The client sees one title,
 * numbered next, never 409 or 500. */
START_TEST(a_real_deadlock_on_the_award_route_is_retried)
{
    long long app;
    awardable(ANSHAN, &app, 1);
    long long next = sql_int("SELECT next_certificate_seq FROM rounds WHERE id = $1", round_id);
    int retries_before = log_count("\"sqlstate\":\"40P01\"");
    PGconn *other = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    ck_assert_int_eq(PQstatus(other), CONNECTION_OK);
    char text[256];
    snprintf(text, sizeof text, "BEGIN; UPDATE rounds SET title = title WHERE id = %lld", round_id);
    PGresult *res = PQexec(other, text);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    long long waiting = sql_int("SELECT count(*) FROM pg_locks WHERE NOT granted", 0);
    call c;
    set_call(&c, 1, PROVINCE, "POST", NULL, "/v1/applications/%lld/award", app);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, call_alone, &c), 0);
    await_one_more_lock_waiter(waiting);
    /* the award waits for the round (the title writers' lock its update took, sql/031),
     * holding its application: close the cycle */
    snprintf(text, sizeof text, "SELECT 1 FROM applications WHERE id = %lld FOR UPDATE", app);
    res = PQexec(other, text);
    int other_lost = PQresultStatus(res) != PGRES_TUPLES_OK;
    if (other_lost)
        ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "40P01");
    PQclear(res);
    PQclear(PQexec(other, "ROLLBACK"));
    PQfinish(other);
    pthread_join(thread, NULL);
    ck_assert_msg(c.status == 201, "award: %d %s", c.status, c.answer);
    free(c.answer);
    fprintf(stderr, "real deadlock: PostgreSQL chose %s as the victim\n", other_lost ? "the test's transaction" : "the award");
    /* one of the two was the victim; if it was the award, it was retried */
    ck_assert_int_eq(log_count("\"sqlstate\":\"40P01\"") - retries_before, other_lost ? 0 : 1);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM awards WHERE application_id = $1", app), 1);
    ck_assert_int_eq(sql_int("SELECT certificate_seq FROM awards WHERE application_id = $1", app), next);
    ck_assert_int_eq(events("application.awarded", app), 1);
}
END_TEST

/* ---- issue 18, point 4: the chain without a writers' lock ---- */

#define CHAIN_SQL_WRITERS 6
#define CHAIN_SQL_WRITES 40
#define CHAIN_HTTP_WRITERS 4
#define CHAIN_HTTP_WRITES 15
#define CHAIN_WRITES (CHAIN_SQL_WRITERS * CHAIN_SQL_WRITES + CHAIN_HTTP_WRITERS * CHAIN_HTTP_WRITES)
#define CHAIN_FEED_MAX 4096

/* One write of the load: when it began and ended (its answer, or its commit) and what names
 * its event: an event id (by SQL) or a platform id (through HTTP). */
typedef struct {
    double began, ended;
    long long event_id, platform_id;
    long long seq;
} chain_write;

typedef struct {
    int index;
    chain_write *writes;   /* this writer's */
    int failures;
    char first_failure[256];
} chain_writer;

static chain_write chain_writes[CHAIN_WRITES];
static atomic_int chain_writers_done;
static long long chain_first_seq;   /* the head before the load */
static long long chain_held_event;  /* the event kept open through the load */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends public events (platform.updated, "public": true) by hand, each in a transaction
 * of its own that stays open for a random few milliseconds, so that transactions commit out
 * of the order of their ids. */
static void *chain_sql_writer(void *p)
{
    chain_writer *w = p;
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    /* the old chain made every append wait for the open transaction of the held event */
    PQclear(PQexec(pg, "SET lock_timeout = '5s'"));
    for (int i = 0; i < CHAIN_SQL_WRITES; i++) {
        chain_write *c = &w->writes[i];
        char text[320];
        snprintf(text, sizeof text,
                 "BEGIN; SELECT audit_append(NULL, NULL, 'platform.updated', 'platform', %d,"
                 " '{\"public\":true,\"chain_test\":true}', 'chain-feed'), pg_sleep(random() * 0.005)",
                 900000 + w->index * 1000 + i);
        c->began = mono_s();
        PGresult *res = PQexec(pg, text);
        int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (ok)
            c->event_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        else if (w->failures++ == 0)
            snprintf(w->first_failure, sizeof w->first_failure, "%s", PQresultErrorMessage(res));
        PQclear(res);
        res = PQexec(pg, ok ? "COMMIT" : "ROLLBACK");
        PQclear(res);
        c->ended = mono_s();
    }
    PQfinish(pg);
    return NULL;
}

/* Creates platforms through both processes (each a transaction with its event). */
static void *chain_http_writer(void *p)
{
    chain_writer *w = p;
    int role = SHENYANG + w->index % 5;
    for (int i = 0; i < CHAIN_HTTP_WRITES; i++) {
        chain_write *c = &w->writes[i];
        unsigned n = 700000u + (unsigned)(w->index * 1000 + i);
        char code[19], body[512];
        snprintf(code, sizeof code, "91210100MB%07u", n);
        code[17] = sf_credit_code_check_char(code);
        code[18] = '\0';
        snprintf(body, sizeof body,
                 "{\"name\":\"链测试平台%u\",\"region_code\":\"%s\",\"functions\":[\"training\"],"
                 "\"operator\":{\"name\":\"链测试运营%u有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
                 "\"address\":\"辽宁省\"}}", n, CITY_REGION[role], n, code);
        c->began = mono_s();
        th_response *r = th_json(servers[(w->index + i) % 2].port, "POST", "/v1/platforms", tokens[role], body);
        c->ended = mono_s();
        if (r != NULL && r->status == 201)
            c->platform_id = json_integer_value(json_object_get(r->json, "id"));
        else if (w->failures++ == 0)
            snprintf(w->first_failure, sizeof w->first_failure, "%d %.200s", r ? r->status : 0, r ? r->body : "");
        th_free(r);
    }
    return NULL;
}

/* What the feed reader saw: every item's cursor and platform id, in the order read. */
typedef struct {
    long long cursor[CHAIN_FEED_MAX], platform[CHAIN_FEED_MAX];
    int n, pages, bad;
    char first_bad[256];
} chain_feed;

/* Pages the public change feed through both processes while the writers write, from the
 * head before the load, until a page read after they were done is empty. */
static void *chain_feed_reader(void *p)
{
    chain_feed *f = p;
    long long after = chain_first_seq;
    for (;;) {
        int done = atomic_load(&chain_writers_done);
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld&limit=37", after);
        th_response *r = th_json(servers[f->pages++ % 2].port, "GET", path, NULL, NULL);
        if (r == NULL || r->status != 200) {
            if (f->bad++ == 0)
                snprintf(f->first_bad, sizeof f->first_bad, "%d %.200s", r ? r->status : 0, r ? r->body : "");
            th_free(r);
            if (f->bad > 20)
                return NULL;
            continue;
        }
        size_t k;
        json_t *it, *items = json_object_get(r->json, "items");
        json_array_foreach(items, k, it) {
            if (f->n < CHAIN_FEED_MAX) {
                f->cursor[f->n] = json_integer_value(json_object_get(it, "cursor"));
                f->platform[f->n] = json_integer_value(json_object_get(it, "platform_id"));
                f->n++;
            }
        }
        size_t got = json_array_size(items);
        after = json_integer_value(json_object_get(r->json, "next_cursor"));
        th_free(r);
        if (got == 0 && done)
            return NULL;
    }
}

/* Writers of both processes and writers by hand at once, one transaction kept open through
 * it all, and a reader paging the change feed meanwhile. Every write succeeds without
 * waiting for the open transaction (the old chain's head lock made them all wait for it);
 * then the chain is gapless, every event linked, and in commit order: a write that ended
 * before another began has the lower position — the open transaction's event, written
 * first, comes after them all; and the feed reader saw each public event exactly once, in
 * increasing cursors. */
START_TEST(concurrent_writers_of_two_processes_leave_a_gapless_chain_in_commit_order)
{
    sql("SELECT audit_link(NULL, true)");
    chain_first_seq = sql_int("SELECT seq FROM audit_head", 0);
    PGconn *held = PQconnectdb(th_env("SHIFAN_TEST_CONCURRENCY_URL"));
    PGresult *res = PQexec(held, "BEGIN; SELECT audit_append(NULL, NULL, 'platform.updated', 'platform', 899999,"
                                 " '{\"public\":true,\"chain_test\":true}', 'chain-held')");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    chain_held_event = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    double held_began = mono_s();

    static chain_feed feed;
    memset(&feed, 0, sizeof feed);
    atomic_store(&chain_writers_done, 0);
    pthread_t reader, threads[CHAIN_SQL_WRITERS + CHAIN_HTTP_WRITERS];
    chain_writer writers[CHAIN_SQL_WRITERS + CHAIN_HTTP_WRITERS];
    ck_assert_int_eq(pthread_create(&reader, NULL, chain_feed_reader, &feed), 0);
    chain_write *next = chain_writes;
    for (int i = 0; i < CHAIN_SQL_WRITERS + CHAIN_HTTP_WRITERS; i++) {
        int by_sql = i < CHAIN_SQL_WRITERS;
        writers[i] = (chain_writer){.index = i, .writes = next};
        next += by_sql ? CHAIN_SQL_WRITES : CHAIN_HTTP_WRITES;
        ck_assert_int_eq(pthread_create(&threads[i], NULL, by_sql ? chain_sql_writer : chain_http_writer, &writers[i]),
                         0);
    }
    for (int i = 0; i < CHAIN_SQL_WRITERS + CHAIN_HTTP_WRITERS; i++)
        pthread_join(threads[i], NULL);
    /* every write went through while the held transaction was open */
    for (int i = 0; i < CHAIN_SQL_WRITERS + CHAIN_HTTP_WRITERS; i++)
        ck_assert_msg(writers[i].failures == 0, "writer %d: %d failures, first: %s", i, writers[i].failures,
                      writers[i].first_failure);
    /* The chain promises the order of transactions that do not overlap; two that overlap and
     * commit within one linker round are ordered by id (sql/031). The held transaction began
     * before every write, so its event comes after them only once they are linked: link what
     * has committed, then commit the held one (a write committed just before it and linked
     * with it in one round would be linked after it, by id, and rightly so). */
    sql("SELECT audit_link(NULL, true)");
    double held_committed_before = mono_s();
    res = PQexec(held, "COMMIT");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(held);
    atomic_store(&chain_writers_done, 1);
    pthread_join(reader, NULL);
    ck_assert_msg(feed.bad == 0, "the feed failed %d times: %s", feed.bad, feed.first_bad);

    /* the chain: every event linked, gapless, and it verifies (through the other process) */
    sql("SELECT audit_link(NULL, true)");
    ck_assert_int_eq(sql_int("SELECT count(*) FROM audit_events WHERE seq IS NULL", 0), 0);
    ck_assert_int_eq(sql_int("SELECT max(seq) - count(*) FROM audit_events", 0), 0);
    th_response *r = expect_on(1, PROVINCE, "GET", "/v1/audit-events/verify", NULL, 200);
    ck_assert_msg(json_is_true(json_object_get(r->json, "ok")), "%s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "checked")), sql_int("SELECT seq FROM audit_head", 0));
    th_free(r);

    /* commit order */
    for (int i = 0; i < CHAIN_WRITES; i++) {
        chain_write *c = &chain_writes[i];
        c->seq = c->event_id ? sql_int("SELECT seq FROM audit_events WHERE id = $1", c->event_id)
                             : sql_int("SELECT seq FROM audit_events WHERE action = 'platform.created'"
                                       " AND entity_id = $1", c->platform_id);
        ck_assert_int_gt(c->seq, chain_first_seq);
    }
    long long held_seq = sql_int("SELECT seq FROM audit_events WHERE id = $1", chain_held_event);
    int ordered_pairs = 0;
    for (int i = 0; i < CHAIN_WRITES; i++) {
        ck_assert_msg(chain_writes[i].seq < held_seq, "write %d (position %lld) committed before the held event"
                      " (position %lld, id %lld) but comes after it", i, chain_writes[i].seq, held_seq, chain_held_event);
        ck_assert(chain_writes[i].ended < held_committed_before);
        for (int j = 0; j < CHAIN_WRITES; j++)
            if (chain_writes[i].ended < chain_writes[j].began) {
                ordered_pairs++;
                ck_assert_msg(chain_writes[i].seq < chain_writes[j].seq,
                              "write %d ended before write %d began, but has position %lld after %lld", i, j,
                              chain_writes[i].seq, chain_writes[j].seq);
            }
    }
    ck_assert_int_gt(ordered_pairs, CHAIN_WRITES);   /* the check had something to check */
    ck_assert(held_began < chain_writes[0].began);
    ck_assert_int_lt(sql_int("SELECT id FROM audit_events WHERE id = $1", chain_held_event),
                     sql_int("SELECT min(id) FROM audit_events WHERE request_id = 'chain-feed'", 0));

    /* the feed: increasing cursors (no repeat), and every public event of the load once */
    ck_assert_int_lt(feed.n, CHAIN_FEED_MAX);
    for (int i = 1; i < feed.n; i++)
        ck_assert_msg(feed.cursor[i - 1] < feed.cursor[i], "the feed went from cursor %lld to %lld", feed.cursor[i - 1],
                      feed.cursor[i]);
    long long expected = sql_int("SELECT count(*) FROM audit_events WHERE seq > $1 AND request_id IN ('chain-feed',"
                                 " 'chain-held')", chain_first_seq);
    ck_assert_int_eq(expected, CHAIN_SQL_WRITERS * CHAIN_SQL_WRITES + 1);
    int seen = 0;
    for (int i = 0; i < feed.n; i++)
        if (feed.platform[i] >= 899999 && feed.platform[i] < 900000 + CHAIN_SQL_WRITERS * 1000) {
            seen++;
            ck_assert_int_eq(sql_int("SELECT entity_id FROM audit_events WHERE seq = $1", feed.cursor[i]),
                             feed.platform[i]);
        }
    ck_assert_int_eq(seen, expected);
    /* and everything public the feed has after the load's start, not only the load's */
    ck_assert_int_eq(feed.n, sql_int("SELECT count(*) FROM audit_events WHERE seq > $1"
                                     " AND action IN ('award.created', 'award.recorded', 'award.revoked',"
                                     " 'award.revocation_pending', 'award.reinstated', 'award.expired', 'notice.opened',"
                                     " 'platform.updated') AND (entity <> 'platform' OR (detail->>'public')::boolean)",
                                     chain_first_seq));
    fprintf(stderr, "chain: %d writes, %d ordered pairs checked, the feed read in %d pages\n", CHAIN_WRITES,
            ordered_pairs, feed.pages);
}
END_TEST

/* A linked event altered by hand is found by verify, at its position, through either
 * process; put back, the chain verifies again. */
START_TEST(an_event_altered_by_hand_is_found_by_verify)
{
    sql("SELECT audit_link(NULL, true)");
    long long seq = sql_int("SELECT min(seq) + 100 FROM audit_events WHERE request_id = 'chain-feed'", 0);
    ck_assert_int_gt(seq, 100);
    char text[512];
    ck_assert_int_eq(sql_int("SELECT count(*) FROM audit_events WHERE seq = $1 AND detail ? 'forged'", seq), 0);
    snprintf(text, sizeof text, "BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;"
             " UPDATE audit_events SET detail = detail || '{\"forged\":true}' WHERE seq = %lld;"
             " ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only; COMMIT", seq);
    sql(text);
    for (int s = 0; s < 2; s++) {
        th_response *r = expect_on(s, PROVINCE, "GET", "/v1/audit-events/verify", NULL, 200);
        ck_assert_msg(json_is_false(json_object_get(r->json, "ok")), "%s", r->body);
        ck_assert_int_eq(json_integer_value(json_object_get(r->json, "first_broken")), seq);
        th_free(r);
    }
    /* put back as it was (the forged member removed: jsonb keeps no order of members) */
    snprintf(text, sizeof text, "BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;"
             " UPDATE audit_events SET detail = detail - 'forged' WHERE seq = %lld;"
             " ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only; COMMIT", seq);
    sql(text);
    th_response *r = expect_on(0, PROVINCE, "GET", "/v1/audit-events/verify", NULL, 200);
    ck_assert_msg(json_is_true(json_object_get(r->json, "ok")), "%s", r->body);
    th_free(r);
}
END_TEST

START_TEST(the_audit_chain_verifies_after_it_all)
{
    th_response *r = expect_on(1, PROVINCE, "GET", "/v1/audit-events/verify", NULL, 200);
    ck_assert_msg(json_is_true(json_object_get(r->json, "ok")), "%s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "checked")),
                     sql_int("SELECT max(seq) FROM audit_events", 0));
    th_free(r);
    /* and every stored detail is what was committed, after every concurrent write above */
    ck_assert_int_eq(stale_details(0), 0);
    ck_assert_int_eq(th_contract_misfits(), 0);
    /* no request met an unexpected error in either process */
    ck_assert_int_eq(log_count("\"status\":500"), 0);
    for (int s = 0; s < 2; s++)
        ck_assert_int_eq(th_server_stop_reporting(&servers[s]), 0);
}
END_TEST

/* ---- issue 14, item 4: the objection quota is taken atomically ---- */

/* 15 objections from one client at once, with five an hour allowed: exactly five are taken
 * (counted from what this client filed in the last hour before), the rest answer 429. */
START_TEST(parallel_objections_from_one_client_take_exactly_the_quota)
{
    long long app;
    awardable(DALIAN, &app, 1);
    /* its notice, open from yesterday for three weeks */
    long long notice = sql_int("SELECT notice_id FROM publicity_notice_items WHERE application_id = $1", app);
    char text[256];
    snprintf(text, sizeof text, "UPDATE publicity_notices SET start_date = current_date - 1,"
             " end_date = current_date + 20 WHERE id = %lld", notice);
    sql(text);
    long long before = sql_int("SELECT count(*) FROM objections WHERE client = '127.0.0.1'"
                               " AND created_at > now() - interval '1 hour' AND $1 > 0", 1);
    long long quota = before >= 5 ? 0 : 5 - before;
    enum { N = 15 };
    call calls[N];
    char body[256];
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"王五\",\"contact\":\"13900000000\","
             "\"reason\":\"数据存疑\"}", app);
    for (int i = 0; i < N; i++)
        set_call(&calls[i], i % 2, -1, "POST", body, "/v1/public/publicity-notices/%lld/objections", notice);
    run_together(calls, N);
    int accepted = 0, throttled = 0;
    for (int i = 0; i < N; i++) {
        ck_assert_msg(calls[i].status == 201 || calls[i].status == 429, "objection %d: %d %s", i, calls[i].status,
                      calls[i].answer);
        accepted += calls[i].status == 201;
        throttled += calls[i].status == 429;
    }
    free_calls(calls, N);
    ck_assert_int_eq(accepted, quota);
    ck_assert_int_eq(throttled, N - quota);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM objections WHERE application_id = $1", app), quota);
}
END_TEST

/* ---- issue 14, item 10: supervision records tell the past, of titles still held ---- */

START_TEST(future_records_and_summaries_of_revoked_titles_answer_422)
{
    long long app;
    awardable(DALIAN, &app, 1);
    long long award_id = award(app);
    int year = (int)sql_int("SELECT extract(year FROM current_date)::bigint + $1 - 1", 1);
    char body[512];
    /* a summary of next year, and an inspection dated tomorrow: 422 */
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":%d,\"summary\":\"总结\"}", award_id, year + 1);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 422));
    char tomorrow[16], today[16];
    sql_text("SELECT to_char(current_date + 1, 'YYYY-MM-DD') WHERE $1 > 0", 1, tomorrow, sizeof tomorrow);
    sql_text("SELECT to_char(current_date, 'YYYY-MM-DD') WHERE $1 > 0", 1, today, sizeof today);
#define INSPECTION "{\"award_id\":%lld,\"inspected_on\":\"%s\",\"service_quality\":\"良好\",\"fees\":\"符合规定\"," \
                   "\"satisfaction\":\"95%%\",\"findings\":\"无\",\"outcome\":\"satisfactory\"}"
    snprintf(body, sizeof body, INSPECTION, award_id, tomorrow);
    th_free(expect(DALIAN, "POST", "/v1/inspections", body, 422));
    /* today, and this year: taken */
    snprintf(body, sizeof body, INSPECTION, award_id, today);
    th_free(expect(DALIAN, "POST", "/v1/inspections", body, 201));
    /* once revoked, the title files no more summaries: none received after the day of its
     * revocation, yesterday (revoked here by hand, with a ground that needs no further
     * reference: 'surrendered' where the schema has it, else 'other') */
    char text[512];
    snprintf(text, sizeof text, "UPDATE awards SET status = 'revoked', revoked_on = current_date - 1,"
             " revocation_reason = CASE WHEN EXISTS (SELECT 1 FROM pg_constraint"
             "   WHERE conname = 'awards_revocation_reason' AND pg_get_constraintdef(oid) LIKE '%%surrendered%%')"
             " THEN 'surrendered' ELSE 'other' END WHERE id = %lld", award_id);
    sql(text);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":%d,\"summary\":\"总结\"}", award_id, year);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 422));
    ck_assert_int_eq(sql_int("SELECT count(*) FROM annual_summaries WHERE award_id = $1", award_id), 0);
}
END_TEST

/* ---- issue 14, item 7: a notice is public from its start date ---- */

/* How many times the public change feed, read whole, says notice `id` opened. */
static int feed_openings(long long id)
{
    int n = 0;
    long long after = 0;
    for (;;) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld&limit=500", after);
        th_response *r = expect(-1, "GET", path, NULL, 200);
        size_t k;
        json_t *it, *items = json_object_get(r->json, "items");
        json_array_foreach(items, k, it)
            n += strcmp(json_string_value(json_object_get(it, "kind")), "notice_opened") == 0 &&
                 json_integer_value(json_object_get(it, "notice_id")) == id;
        long long next = json_integer_value(json_object_get(r->json, "next_cursor"));   /* an integer (issue 13) */
        size_t got = json_array_size(items);
        th_free(r);
        if (got == 0 || next == after)
            break;
        after = next;
    }
    return n;
}

static int listed_notice(int role, long long id)
{
    th_response *r = expect(role, "GET", role < 0 ? "/v1/public/publicity-notices?status=upcoming&limit=100"
                                                  : "/v1/publicity-notices?status=upcoming&limit=100", NULL, 200);
    int found = 0;
    size_t k;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), k, it)
        found |= json_integer_value(json_object_get(it, "id")) == id;
    th_free(r);
    return found;
}

START_TEST(an_upcoming_notice_is_not_public_until_its_start_date)
{
    long long app;
    awardable(DALIAN, &app, 1);
    long long notice = sql_int("SELECT notice_id FROM publicity_notice_items WHERE application_id = $1", app);
    char text[256], pub[96], priv[96];
    snprintf(text, sizeof text, "UPDATE publicity_notices SET start_date = current_date + 5,"
             " end_date = current_date + 25 WHERE id = %lld", notice);
    sql(text);
    snprintf(pub, sizeof pub, "/v1/public/publicity-notices/%lld", notice);
    snprintf(priv, sizeof priv, "/v1/publicity-notices/%lld", notice);
    th_free(expect(-1, "GET", pub, NULL, 404));
    th_free(expect(PROVINCE, "GET", priv, NULL, 200));
    ck_assert(!listed_notice(-1, notice));
    ck_assert(listed_notice(PROVINCE, notice));
    /* nor does anyone but the deciding authority see its list before that day: not the cities
     * (its recommender included) nor anyone else (from an outside review: every
     * authenticated caller, a competing platform company too, read the shortlist early) */
    const int early_blind[] = {DALIAN, SHENYANG, ANSHAN};
    for (size_t k = 0; k < sizeof early_blind / sizeof *early_blind; k++) {
        th_free(expect(early_blind[k], "GET", priv, NULL, 404));
        ck_assert(!listed_notice(early_blind[k], notice));
    }
    ck_assert_int_eq(feed_openings(notice), 0);
    /* nor does an objection to it tell that it exists: 404 as its read, not 409 notice_not_open */
    char objections[128], body[256];
    snprintf(objections, sizeof objections, "%s/objections", pub);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"王五\",\"contact\":\"x\",\"reason\":\"y\"}",
             app);
    th_response *r = expect(-1, "POST", objections, body, 404);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "code")), "notice_not_found");
    th_free(r);
    /* its start date comes: public, and the feed says so once */
    snprintf(text, sizeof text, "UPDATE publicity_notices SET start_date = current_date WHERE id = %lld", notice);
    sql(text);
    th_free(expect(-1, "GET", pub, NULL, 200));
    for (size_t k = 0; k < sizeof early_blind / sizeof *early_blind; k++)
        th_free(expect(early_blind[k], "GET", priv, NULL, 200));
    ck_assert_int_eq(feed_openings(notice), 1);
    ck_assert_int_eq(feed_openings(notice), 1);
}
END_TEST

static Suite *concurrency_suite(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("two processes, one database");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, fifty_concurrent_awards_number_the_round_one_to_fifty);
    tcase_add_test(tc, fifty_concurrent_awards_in_one_process);
    tcase_add_test(tc, awards_continue_after_recorded_certificate_numbers);
    tcase_add_test(tc, twenty_simultaneous_awards_of_one_application_make_one_award_row);
    tcase_add_test(tc, award_against_the_resolution_of_an_objection);
    tcase_add_test(tc, an_objection_committed_while_the_award_waits_is_seen_by_it);
    tcase_add_test(tc, a_write_committed_while_a_read_assembles_the_detail_marks_it_after);
    tcase_add_test(tc, a_new_application_takes_its_platforms_operator_as_it_commits);
    tcase_add_test(tc, recommend_against_withdraw);
    tcase_add_test(tc, revoke_against_a_failed_assessment_result);
    tcase_add_test(tc, a_transaction_that_keeps_colliding_answers_503_after_bounded_retries);
    tcase_add_test(tc, a_real_deadlock_on_the_award_route_is_retried);
    tcase_add_test(tc, parallel_objections_from_one_client_take_exactly_the_quota);
    tcase_add_test(tc, future_records_and_summaries_of_revoked_titles_answer_422);
    tcase_add_test(tc, an_upcoming_notice_is_not_public_until_its_start_date);
    tcase_add_test(tc, concurrent_writers_of_two_processes_leave_a_gapless_chain_in_commit_order);
    tcase_add_test(tc, an_event_altered_by_hand_is_found_by_verify);
    tcase_add_test(tc, the_audit_chain_verifies_after_it_all);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(concurrency_suite());
}
