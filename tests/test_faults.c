/*
 * Faults (hardening issue, points 12 and 13), against the real server binary and a
 * PostgreSQL cluster of this suite's own (scripts/faultdb.sh), which the tests stop, crash and
 * start again without disturbing the cluster the other suites share:
 *
 *  - PostgreSQL stopped (fast, and immediate: a crash) under a load of concurrent reads,
 *    authenticated reads, writes, transactions and logins: every answer is a success or 503
 *    with Retry-After, never 500, 401 or a dropped connection; the process lives on,
 *    /healthz answers, /readyz says 503; PostgreSQL started again, requests succeed within
 *    10 s without restarting shifan, and no change committed without its audit event.
 *    (The admin the load logs in as has a cheap stored hash: see cheapen_admin_hash.)
 *  - SIGTERM with requests in flight (held inside the database by a lock this suite takes):
 *    each gets its whole answer, new connections are refused, the process exits 0.
 *  - SIGKILL during a 10,000-row import, at several moments: after a restart the rows are
 *    all there or none, the retry with the same Idempotency-Key imports them exactly once,
 *    and the audit chain verifies.
 *
 * Moments are chosen by watching pg_stat_activity, never by sleeping.
 */
#include <check.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain/credit_code.h"
#include "domain/password.h"
#include "tests/testutil.h"

#define ADMIN_PASSWORD "province-password-for-tests"
#define LOAD_THREADS 6
#define IMPORT_ROWS 10000

static char cluster_dir[600], socket_dir[512], db_url[700], admin_url[700], data_dir[512];
static th_server server;
static int port;
static char *token;

/* ---- the private cluster ---- */

/* "start", "fast" (pg_ctl stop -m fast), "immediate" (a crash), or "STOP" / "CONT" (the
 * server and its backends frozen, thawed: a hung database); returns when done. */
static void faultdb(const char *how)
{
    char cmd[1200];
    if (strcmp(how, "STOP") == 0 || strcmp(how, "CONT") == 0)
        snprintf(cmd, sizeof cmd, "%s/scripts/faultdb.sh signal %s %s", SHIFAN_SOURCE_DIR, cluster_dir, how);
    else if (strcmp(how, "start") == 0)
        snprintf(cmd, sizeof cmd, "%s/scripts/faultdb.sh start %s", SHIFAN_SOURCE_DIR, cluster_dir);
    else
        snprintf(cmd, sizeof cmd, "%s/scripts/faultdb.sh stop %s %s", SHIFAN_SOURCE_DIR, cluster_dir, how);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char line[512] = "";
    if (fgets(line, sizeof line, p) != NULL && strcmp(how, "start") == 0) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(socket_dir, sizeof socket_dir, "%s", line);
    }
    while (fgets(line, sizeof line, p) != NULL) {
    }
    int rc = pclose(p);
    ck_assert_msg(rc == 0, "%s failed (%d)", cmd, rc);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static PGconn *admin_connect(void)
{
    PGconn *pg = PQconnectdb(admin_url);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "admin connection: %s", PQerrorMessage(pg));
    return pg;
}

static void admin_exec(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s",
                  sql, PQerrorMessage(pg));
    PQclear(res);
}

/* admin_int's connection, kept between calls (a new backend costs some 20-30 ms here, and the
 * checks after a load ask once per platform created) */
static PGconn *checks_pg;

/* One integer from a query as the admin; on a new connection when the cluster was restarted
 * since the last one. */
static long long admin_int(const char *sql)
{
    PGresult *res = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (checks_pg == NULL || PQstatus(checks_pg) != CONNECTION_OK) {
            PQfinish(checks_pg);
            checks_pg = admin_connect();
        }
        res = PQexec(checks_pg, sql);
        if (PQresultStatus(res) == PGRES_TUPLES_OK || attempt == 1)
            break;
        /* its backend may have gone with a restart: once more, on a new connection */
        PQclear(res);
        PQfinish(checks_pg);
        checks_pg = NULL;
    }
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
                  PQerrorMessage(checks_pg));
    long long v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

/* Waits until `sql` (one integer) reaches at least `want`; fails after 60 s. */
static void await_count(const char *sql, long long want)
{
    double deadline = now_s() + 60;
    long long got;
    while ((got = admin_int(sql)) < want) {
        ck_assert_msg(now_s() < deadline, "waited 60 s for %lld, have %lld: %s", want, got, sql);
        pause_ms(20);
    }
}

/* Waits until `sql` (one integer) is 0; fails after 60 s. */
static void await_none(const char *sql)
{
    double deadline = now_s() + 60;
    long long got;
    while ((got = admin_int(sql)) != 0) {
        ck_assert_msg(now_s() < deadline, "waited 60 s for none, have %lld: %s", got, sql);
        pause_ms(20);
    }
}

/* A transaction that holds the audit trail's table in EXCLUSIVE mode (reads go on, inserts
 * wait): every audited write waits for it at its event, inside the database, until
 * release_tip(). Writers no longer share a lock of their own (sql/031_audit_linker.sql), so
 * this is what stops them all. The chain is linked first, so that no linker waits beside
 * them. One at a time; recover() releases one a failed test left. */
static PGconn *tip_holder;

static void hold_tip(void)
{
    ck_assert_ptr_null(tip_holder);
    tip_holder = admin_connect();
    admin_exec(tip_holder, "SET lock_timeout = '60s'");
    admin_exec(tip_holder, "SELECT audit_link(NULL, true)");
    admin_exec(tip_holder, "BEGIN");
    admin_exec(tip_holder, "LOCK TABLE audit_events IN EXCLUSIVE MODE");
}

static void release_tip(void)
{
    if (tip_holder == NULL)
        return;
    PQclear(PQexec(tip_holder, "ROLLBACK"));
    PQfinish(tip_holder);
    tip_holder = NULL;
}

/* Backends of the suite's database waiting for a lock in a statement. */
static const char *WAITING =
    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'shifan_faults' AND state = 'active'"
    " AND wait_event_type = 'Lock' AND application_name <> 'shifan-audit-linker'";

/* ---- HTTP helpers ---- */

static void credit_code(char out[19], int serial)
{
    snprintf(out, 19, "91210100MA%07u", (unsigned)serial % 10000000u);
    out[17] = sf_credit_code_check_char(out);
    out[18] = '\0';
}

static char *login(int p)
{
    th_response *r = th_json(p, "POST", "/v1/auth/token", NULL,
                             "{\"username\":\"admin\",\"password\":\"" ADMIN_PASSWORD "\"}");
    char *t = r && r->status == 200 ? strdup(json_string_value(json_object_get(r->json, "access_token"))) : NULL;
    th_free(r);
    return t;
}

static char *platform_body(const char *stem, int serial)
{
    char code[19];
    credit_code(code, serial);
    char *body = malloc(512);
    snprintf(body, 512,
             "{\"name\":\"%s%d\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"%s运营公司%d\",\"credit_code\":\"%s\"}}", stem, serial, stem, serial, code);
    return body;
}

/* A JSON array of n platforms named stem1..stemN. */
static char *platform_rows(const char *stem, int n, int serial0)
{
    size_t cap = (size_t)n * 400 + 16, len = 0;
    char *out = malloc(cap);
    len += (size_t)snprintf(out + len, cap - len, "[");
    for (int i = 1; i <= n; i++) {
        char code[19];
        credit_code(code, serial0 + i);
        len += (size_t)snprintf(out + len, cap - len,
                                "%s{\"name\":\"%s%d\",\"region_code\":\"210100\",\"functions\":[\"information\"],"
                                "\"operator\":{\"name\":\"%s运营公司%d\",\"credit_code\":\"%s\"}}",
                                i > 1 ? "," : "", stem, i, stem, i, code);
    }
    snprintf(out + len, cap - len, "]");
    return out;
}

static th_response *import(int p, const char *rows, const char *key)
{
    char headers[256];
    snprintf(headers, sizeof headers, "Idempotency-Key: %s\r\n", key);
    return th_request(p, "POST", "/v1/imports/platforms", token, "application/json", rows, strlen(rows), headers);
}

static long long platforms_named(const char *stem)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM platforms WHERE name LIKE '%s%%'", stem);
    return admin_int(sql);
}

static void audit_chain_verifies(int p)
{
    th_response *r = th_json(p, "GET", "/v1/audit-events/verify", token, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    ck_assert_msg(json_is_true(json_object_get(r->json, "ok")), "%s", r->body);
    th_free(r);
}

/* Whether an answer is "the database is unavailable" as promised: 503, Retry-After, a
 * problem+json body that shows nothing internal. */
static int is_unavailable(const th_response *r, char *why, size_t len)
{
    char buf[128];
    if (r->status != 503) {
        snprintf(why, len, "status %d: %.200s", r->status, r->body);
        return 0;
    }
    if (th_header(r, "Retry-After", buf, sizeof buf) == NULL || atoi(buf) < 1) {
        snprintf(why, len, "503 without Retry-After");
        return 0;
    }
    if (th_header(r, "Content-Type", buf, sizeof buf) == NULL || strcmp(buf, "application/problem+json") != 0 ||
        json_integer_value(json_object_get(r->json, "status")) != 503) {
        snprintf(why, len, "503 that is not problem+json: %.200s", r->body);
        return 0;
    }
    const char *leak = th_leaked_internals(r->body);
    if (leak != NULL) {
        snprintf(why, len, "503 shows \"%s\": %.200s", leak, r->body);
        return 0;
    }
    return 1;
}

/* ---- a load of concurrent requests ---- */

enum { K_READ, K_WRITE, K_PUBLIC, K_TX, K_LOGIN, K_AUTH_READ, NKINDS };
static const char *const kind_names[] = {"GET /v1/platforms", "POST /v1/platforms", "GET /v1/public/platforms",
                                         "PUT /v1/calendar/2031", "POST /v1/auth/token", "GET /v1/me"};
/* the order each thread cycles through (logins are few: they hash a password) */
static const int schedule[] = {K_READ, K_WRITE, K_PUBLIC, K_TX, K_AUTH_READ, K_READ, K_WRITE, K_LOGIN};

static atomic_int load_stop, serial_next;

typedef struct {
    pthread_t thread;
    int index;
    atomic_int ok, unavailable;
    atomic_int bad;
    char first_bad[400];
    long long created[4096];   /* ids of platforms answered 201 */
    atomic_int ncreated;
} worker;

/* One request of `kind`: 1 success, 0 unavailable as promised, -1 anything else (why). */
static int one_request(worker *w, int kind, char *why, size_t len)
{
    th_response *r = NULL;
    char *body = NULL;
    int success = 200;
    switch (kind) {
    case K_READ:
        r = th_json(port, "GET", "/v1/platforms?limit=5", token, NULL);
        break;
    case K_AUTH_READ:
        r = th_json(port, "GET", "/v1/me", token, NULL);
        break;
    case K_PUBLIC:
        r = th_json(port, "GET", "/v1/public/platforms?limit=5", NULL, NULL);
        break;
    case K_WRITE:
        body = platform_body("故障平台", 500000 + atomic_fetch_add(&serial_next, 1));
        r = th_json(port, "POST", "/v1/platforms", token, body);
        success = 201;
        break;
    case K_TX:
        r = th_json(port, "PUT", "/v1/calendar/2031", token, "{\"holidays\":[\"2031-01-01\"],\"working_days\":[]}");
        break;
    case K_LOGIN:
        r = th_json(port, "POST", "/v1/auth/token", NULL, "{\"username\":\"admin\",\"password\":\"" ADMIN_PASSWORD "\"}");
        break;
    }
    free(body);
    int verdict;
    if (r == NULL) {
        snprintf(why, len, "%s: no answer (connection dropped or refused)", kind_names[kind]);
        verdict = -1;
    } else if (r->status == success || (kind == K_TX && r->status == 201)) {
        verdict = 1;
        if (kind == K_WRITE) {
            int n = atomic_load(&w->ncreated);
            if (n < (int)(sizeof w->created / sizeof w->created[0])) {
                w->created[n] = json_integer_value(json_object_get(r->json, "id"));
                atomic_store(&w->ncreated, n + 1);
            }
        }
    } else {
        char detail[300];
        verdict = is_unavailable(r, detail, sizeof detail) ? 0 : -1;
        if (verdict < 0)
            snprintf(why, len, "%s: %s", kind_names[kind], detail);
        else   /* which 503 it was (database_unavailable, logins_busy, ...) */
            snprintf(why, len, "%s: 503 %s", kind_names[kind], json_string_value(json_object_get(r->json, "code"))
                     ? json_string_value(json_object_get(r->json, "code")) : "without a code");
    }
    th_free(r);
    return verdict;
}

static void *load(void *arg)
{
    worker *w = arg;
    for (unsigned i = (unsigned)w->index; !atomic_load(&load_stop); i++) {
        int kind = schedule[i % (sizeof schedule / sizeof *schedule)];
        char why[400] = "";
        int v = one_request(w, kind, why, sizeof why);
        if (v > 0) {
            atomic_fetch_add(&w->ok, 1);
        } else if (v == 0) {
            atomic_fetch_add(&w->unavailable, 1);
        } else {
            if (atomic_fetch_add(&w->bad, 1) == 0)
                snprintf(w->first_bad, sizeof w->first_bad, "%s", why);
        }
    }
    return NULL;
}

/* Waits until every worker's counter (ok or unavailable) has grown by `more` past `base`. */
static void await_workers(worker *ws, int unavailable, const int *base, int more, const char *what)
{
    double deadline = now_s() + 120;
    for (;;) {
        int all = 1;
        for (int i = 0; i < LOAD_THREADS; i++) {
            int v = unavailable ? atomic_load(&ws[i].unavailable) : atomic_load(&ws[i].ok);
            if (v < base[i] + more)
                all = 0;
        }
        if (all)
            return;
        ck_assert_msg(now_s() < deadline, "waited 120 s for every thread to see %s", what);
        pause_ms(20);
    }
}

static int server_alive(const th_server *s)
{
    int status;
    return waitpid(s->pid, &status, WNOHANG) == 0;
}

/* Polls `kind` until it succeeds; returns the seconds it took from `since`. */
static double first_success(int kind, double since)
{
    worker scratch = {0};
    for (;;) {
        char why[400] = "";
        int v = one_request(&scratch, kind, why, sizeof why);
        ck_assert_msg(v >= 0, "after the restart: %s", why);
        if (v > 0)
            return now_s() - since;
        ck_assert_msg(now_s() - since < 10, "%s still fails 10 s after PostgreSQL started again (the last answer: %s)",
                      kind_names[kind], why);
        pause_ms(50);
    }
}

static worker ws[LOAD_THREADS];
static int load_running;

static void stop_load(void)
{
    if (!load_running)
        return;
    atomic_store(&load_stop, 1);
    for (int i = 0; i < LOAD_THREADS; i++)
        pthread_join(ws[i].thread, NULL);
    load_running = 0;
}

static void database_lost_under_load(const char *mode)
{
    int base[LOAD_THREADS];
    memset(ws, 0, sizeof ws);
    atomic_store(&load_stop, 0);
    for (int i = 0; i < LOAD_THREADS; i++) {
        ws[i].index = i;
        ck_assert_int_eq(pthread_create(&ws[i].thread, NULL, load, &ws[i]), 0);
    }
    load_running = 1;
    /* the load runs: every thread has had answers */
    for (int i = 0; i < LOAD_THREADS; i++)
        base[i] = 0;
    await_workers(ws, 0, base, 8, "successes before the stop");

    faultdb(mode);   /* returns when PostgreSQL is down */
    for (int i = 0; i < LOAD_THREADS; i++)
        base[i] = atomic_load(&ws[i].unavailable);
    await_workers(ws, 1, base, 8, "503 while PostgreSQL is down");
    ck_assert_msg(server_alive(&server), "shifan died when PostgreSQL stopped");
    /* liveness answers, readiness does not */
    th_response *r = th_json(port, "GET", "/healthz", NULL, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = th_readyz_becomes(port, 503);
    ck_assert_ptr_nonnull(r);
    char why[400];
    ck_assert_msg(is_unavailable(r, why, sizeof why), "/readyz while down: %s", why);
    th_free(r);

    faultdb("start");   /* returns when PostgreSQL accepts connections */
    double started = now_s();
    static const int kinds[] = {K_READ, K_AUTH_READ, K_WRITE, K_TX, K_LOGIN};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        first_success(kinds[k], started);
    r = th_readyz_becomes(port, 200);   /* readiness comes back by itself */
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    /* and the load thread see it too, without shifan restarting */
    for (int i = 0; i < LOAD_THREADS; i++)
        base[i] = atomic_load(&ws[i].ok);
    await_workers(ws, 0, base, 3, "successes after the restart");
    stop_load();
    int unavailable = 0;
    for (int i = 0; i < LOAD_THREADS; i++) {
        ck_assert_msg(atomic_load(&ws[i].bad) == 0, "thread %d had %d answers that were neither success nor 503: %s", i,
                      atomic_load(&ws[i].bad), ws[i].first_bad);
        unavailable += atomic_load(&ws[i].unavailable);
    }
    ck_assert_int_gt(unavailable, 0);
    ck_assert_msg(server_alive(&server), "shifan died");

    /* Every platform answered 201 exists; every platform has its audit event and every event
     * its platform: a change and its audit event committed together or not at all. */
    for (int i = 0; i < LOAD_THREADS; i++)
        for (int k = 0; k < atomic_load(&ws[i].ncreated); k++) {
            char sql[128];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM platforms WHERE id = %lld", ws[i].created[k]);
            ck_assert_msg(admin_int(sql) == 1, "platform %lld was answered 201 but is not there", ws[i].created[k]);
        }
    ck_assert_int_eq(admin_int("SELECT count(*) FROM platforms p WHERE name LIKE '故障平台%' AND NOT EXISTS"
                               " (SELECT 1 FROM audit_events a WHERE a.action = 'platform.created'"
                               "  AND a.entity_id = p.id)"), 0);
    ck_assert_int_eq(admin_int("SELECT count(*) FROM audit_events a WHERE a.action = 'platform.created' AND NOT EXISTS"
                               " (SELECT 1 FROM platforms p WHERE p.id = a.entity_id)"), 0);
    audit_chain_verifies(port);
    /* the log stayed a log of JSON lines: what PostgreSQL said as it went is not pasted raw */
    char *log = th_read_file(server.log_path);
    ck_assert_ptr_nonnull(log);
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(json_is_object(j), "a log line that is not JSON: %.200s", line);
        json_decref(j);
    }
    free(log);
}

START_TEST(postgres_stopped_under_load_answers_503_and_recovers)
{
    database_lost_under_load("fast");
}
END_TEST

START_TEST(postgres_crashed_under_load_answers_503_and_recovers)
{
    database_lost_under_load("immediate");
}
END_TEST

static int pool_idle(void)
{
    th_response *r = th_json(port, "GET", "/metrics", "metrics-token-for-tests", NULL);
    ck_assert_ptr_nonnull(r);
    const char *p = strstr(r->body, "shifan_db_pool_connections{state=\"idle\"} ");
    int n = p ? atoi(p + strlen("shifan_db_pool_connections{state=\"idle\"} ")) : -1;
    th_free(r);
    return n;
}

static void *warm(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        th_free(th_json(port, "GET", "/v1/platforms?limit=1", token, NULL));
    return NULL;
}

/* Connections that died idle in the pool while PostgreSQL restarted cost no failed request:
 * the very first requests after the restart succeed (a read that meets a dead connection is
 * retried on a fresh one, and the dead one is reopened before anyone uses it again). */
static void restart_under_idle_pool(const char *mode)
{
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, warm, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_ge(pool_idle(), 3);
    faultdb(mode);
    faultdb("start");
    th_response *r = th_json(port, "GET", "/v1/platforms?limit=1", token, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    th_free(r);
    char *body = platform_body("重启后平台", strcmp(mode, "fast") == 0 ? 700000 : 700001);
    r = th_json(port, "POST", "/v1/platforms", token, body);
    free(body);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    th_free(r);
}

START_TEST(connections_that_died_idle_are_not_used)
{
    restart_under_idle_pool("fast");
}
END_TEST

/* The same after a crash: the server's last words on each idle connection are a WARNING,
 * and libpq may then report the lost link as a failed result on a connection it still calls
 * OK, without a SQLSTATE. */
START_TEST(connections_that_died_idle_in_a_crash_are_not_used)
{
    restart_under_idle_pool("immediate");
}
END_TEST

/* A wrong password whose attempt cannot be counted (the database went away meanwhile) is not
 * answered 401: that would be a guess the throttle never saw. It is 503, like the rest. (The
 * attempt is reserved before hashing, issue 14: the login waits on the throttle's row.) */
START_TEST(a_login_failure_that_cannot_be_counted_answers_503)
{
    PGconn *hold = admin_connect();
    admin_exec(hold, "SET lock_timeout = '60s'");
    admin_exec(hold, "INSERT INTO login_failures (key, failures, window_start) VALUES ('user:ghost|client:127.0.0.1', 0, now())"
                     " ON CONFLICT (key) DO NOTHING");
    admin_exec(hold, "BEGIN");
    admin_exec(hold, "SELECT 1 FROM login_failures WHERE key = 'user:ghost|client:127.0.0.1' FOR UPDATE");
    int fd = th_connect(port);
    ck_assert_int_ge(fd, 0);
    const char *body = "{\"username\":\"ghost\",\"password\":\"not-the-password\"}";
    char head[512];
    int n = snprintf(head, sizeof head, "POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    /* the login waits to reserve its attempt */
    await_count(WAITING, 1);
    faultdb("fast");
    char buf[4096];
    th_read_until_closed(fd, buf, sizeof buf);
    close(fd);
    PQfinish(hold);
    faultdb("start");
    ck_assert_msg(strncmp(buf, "HTTP/1.1 503", 12) == 0, "answer: %.300s", buf);
    ck_assert_ptr_nonnull(strcasestr(buf, "\r\nRetry-After:"));
}
END_TEST

static void *start_cluster_later(void *arg)
{
    (void)arg;
    pause_ms(2000);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s/scripts/faultdb.sh start %s >/dev/null", SHIFAN_SOURCE_DIR, cluster_dir);
    int rc = system(cmd);   /* no assertion off the test's thread: checked through the server below */
    (void)rc;
    return NULL;
}

/* shifan started while the database is down waits for it (SHIFAN_DATABASE_WAIT), then
 * migrates and serves (from an outside review: it exited at once, and a plain process
 * supervisor that does not order the two never brought it up). */
START_TEST(shifan_started_before_its_database_waits_for_it)
{
    faultdb("fast");
    pthread_t later;
    ck_assert_int_eq(pthread_create(&later, NULL, start_cluster_later, NULL), 0);
    th_server second;
    static const char *env[] = {"SHIFAN_DATABASE_WAIT=60", NULL};
    int started = th_server_start(&second, db_url, data_dir, env);
    pthread_join(later, NULL);
    ck_assert_int_eq(started, 0);
    th_response *r = th_readyz_becomes(second.port, 200);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    ck_assert_int_eq(th_server_stop(&second), 0);
    /* and with no wait, it gives up at once, exit status 1 */
    faultdb("fast");
    static const char *no_wait[] = {"SHIFAN_DATABASE_WAIT=0", NULL};
    ck_assert_int_eq(th_server_start(&second, db_url, data_dir, no_wait), -1);
    faultdb("start");
    r = th_readyz_becomes(port, 200);   /* the suite's own server is back too */
    th_free(r);
}
END_TEST

/* A session check the database cannot answer (here: a privilege taken away) is not "your token is
 * invalid": a 401 would send a client with a good token to log in again. It is a 500. */
START_TEST(a_session_check_that_fails_in_the_database_is_not_a_401)
{
    PGconn *pg = admin_connect();
    admin_exec(pg, "REVOKE SELECT ON sessions FROM shifan");
    th_response *r = th_json(port, "GET", "/v1/me", token, NULL);
    admin_exec(pg, "GRANT SELECT ON sessions TO shifan");
    PQfinish(pg);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(r->status == 500, "%d %s", r->status, r->body);
    ck_assert_ptr_null(th_leaked_internals(r->body));
    th_free(r);
    r = th_json(port, "GET", "/v1/me", token, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
}
END_TEST

/* ---- SIGTERM with requests in flight ---- */

typedef struct {
    pthread_t thread;
    int port;
    const char *method, *path, *body, *key;
    th_response *answer;
} call_args;

static void *call(void *arg)
{
    call_args *c = arg;
    char headers[256] = "";
    if (c->key)
        snprintf(headers, sizeof headers, "Idempotency-Key: %s\r\n", c->key);
    c->answer = th_request(c->port, c->method, c->path, token, "application/json", c->body, strlen(c->body), headers);
    return NULL;
}

START_TEST(sigterm_lets_requests_in_flight_finish_then_exits_0)
{
    th_server second;
    static const char *env[] = {"SHIFAN_SHUTDOWN_TIMEOUT=300", NULL};
    ck_assert_int_eq(th_server_start(&second, db_url, data_dir, env), 0);   /* data_dir: the same signing key */

    /* Every audited write waits for the audit chain's tip, which this connection holds: the
     * requests below are inside the database, in flight, when SIGTERM comes. */
    hold_tip();
    char *rows = platform_rows("排空导入", IMPORT_ROWS, 1000000);
    char *b1 = platform_body("排空平台", 800001), *b2 = platform_body("排空平台", 800002);
    call_args calls[] = {
        {.port = second.port, .method = "POST", .path = "/v1/imports/platforms", .body = rows, .key = "drain-1"},
        {.port = second.port, .method = "POST", .path = "/v1/platforms", .body = b1},
        {.port = second.port, .method = "POST", .path = "/v1/platforms", .body = b2},
    };
    size_t ncalls = sizeof calls / sizeof *calls;
    /* one after the other: a burst of connections may land on one HTTP thread, which serves
     * them in turn, and the later ones would not be in the database yet */
    for (size_t i = 0; i < ncalls; i++) {
        ck_assert_int_eq(pthread_create(&calls[i].thread, NULL, call, &calls[i]), 0);
        await_count(WAITING, (long long)i + 1);
    }

    ck_assert_int_eq(kill(second.pid, SIGTERM), 0);
    /* it stops taking connections (or, in the moment before, answers that it is stopping) */
    double deadline = now_s() + 60;
    for (;;) {
        th_response *r = th_json(second.port, "GET", "/readyz", NULL, NULL);
        int stopped = r == NULL || r->status == 503;
        th_free(r);
        if (stopped)
            break;
        ck_assert_msg(now_s() < deadline, "60 s after SIGTERM shifan still takes requests as ready");
        pause_ms(20);
    }
    ck_assert_msg(server_alive(&second), "shifan exited with requests in flight");
    release_tip();   /* the requests go on */

    for (size_t i = 0; i < ncalls; i++) {
        pthread_join(calls[i].thread, NULL);
        th_response *r = calls[i].answer;
        ck_assert_msg(r != NULL, "%s %s: no answer", calls[i].method, calls[i].path);
        ck_assert_msg(r->status == 201, "%s %s: %d %.300s", calls[i].method, calls[i].path, r->status, r->body);
        ck_assert_ptr_nonnull(r->json);   /* the whole body arrived */
        if (i == 0) {
            ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), IMPORT_ROWS);
            ck_assert_uint_eq(json_array_size(json_object_get(r->json, "ids")), IMPORT_ROWS);
        } else {
            ck_assert_int_gt(json_integer_value(json_object_get(r->json, "id")), 0);
        }
        th_free(r);
    }
    int status;
    ck_assert_int_eq(waitpid(second.pid, &status, 0), second.pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *log = th_read_file(second.log_path);
        const char *report = log ? strstr(log, "==ERROR") : NULL;
        ck_abort_msg("shifan did not exit 0 after SIGTERM (status %d)\n%s", status, report ? report : "");
    }
    ck_assert_int_eq(platforms_named("排空导入"), IMPORT_ROWS);
    ck_assert_int_eq(platforms_named("排空平台"), 2);
    free(rows);
    free(b1);
    free(b2);
    audit_chain_verifies(port);
}
END_TEST

/* A request stuck in the database (behind a lock nobody releases) does not keep shifan
 * alive for ever: after SHIFAN_SHUTDOWN_TIMEOUT its statement is cancelled, it answers 503
 * with nothing written, and the process exits 0. */
/* A second server started with `env`, and a platform write sent to it that the tip's lock
 * (hold_tip) holds inside the database: the request's body, for the caller to free. */
static char *stuck_write(th_server *s, const char *const *env, const char *name, int serial, call_args *c)
{
    ck_assert_int_eq(th_server_start(s, db_url, data_dir, env), 0);
    hold_tip();
    char *body = platform_body(name, serial);
    *c = (call_args){.port = s->port, .method = "POST", .path = "/v1/platforms", .body = body};
    ck_assert_int_eq(pthread_create(&c->thread, NULL, call, c), 0);
    await_count(WAITING, 1);
    return body;
}

/* Whether `pid` exits within `seconds` (its status in *status); asserts nothing, so that a
 * caller may undo what it must first. */
static int exits_within(pid_t pid, double seconds, int *status)
{
    int exited = 0;
    for (double deadline = now_s() + seconds; !exited && now_s() < deadline;) {
        exited = waitpid(pid, status, WNOHANG) == pid;
        if (!exited)
            pause_ms(50);
    }
    return exited;
}

START_TEST(sigterm_does_not_wait_for_ever_on_a_request_stuck_in_the_database)
{
    th_server second;
    static const char *env[] = {"SHIFAN_SHUTDOWN_TIMEOUT=1", NULL};
    call_args c;
    char *body = stuck_write(&second, env, "卡住平台", 810001, &c);
    ck_assert_int_eq(kill(second.pid, SIGTERM), 0);
    int status = 0, exited = exits_within(second.pid, 60, &status);
    release_tip();   /* only now; a shifan that waited for it has failed */
    if (!exited)
        ck_assert_int_eq(waitpid(second.pid, &status, 0), second.pid);
    pthread_join(c.thread, NULL);
    ck_assert_msg(exited, "shifan was still waiting 60 s after SIGTERM with SHIFAN_SHUTDOWN_TIMEOUT=1");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
    ck_assert_ptr_nonnull(c.answer);
    char why[400];
    ck_assert_msg(is_unavailable(c.answer, why, sizeof why), "the stuck request: %s", why);
    th_free(c.answer);
    free(body);
    ck_assert_int_eq(platforms_named("卡住平台"), 0);
}
END_TEST

/* Nor does a database that hangs (its server frozen, not gone: the cancels go unanswered, and
 * PQcancel itself waits): SHIFAN_CANCEL_GRACE after the shutdown timeout the process ends
 * on its own, exit status 1, leaving the request's transaction to roll back with its
 * connection (from an outside review: shifan stayed as long as the database was stopped). */
START_TEST(sigterm_ends_even_when_the_database_hangs)
{
    th_server second;
    static const char *env[] = {"SHIFAN_SHUTDOWN_TIMEOUT=1", "SHIFAN_CANCEL_GRACE=2", NULL};
    call_args c;
    char *body = stuck_write(&second, env, "悬挂平台", 810002, &c);
    faultdb("STOP");   /* nothing may fail before CONT below: the suite would hang on it */
    int signalled = kill(second.pid, SIGTERM);
    int status = 0;
    double start = now_s();
    int exited = exits_within(second.pid, 40, &status);
    double took = now_s() - start;
    faultdb("CONT");   /* only now; a shifan that waited for the database has failed */
    /* The write is one statement, committed by itself once it runs: what stops it is the
     * cancel shifan sent while the database was frozen, which the postmaster reads only now.
     * Released before that cancel is read, the lock let the statement run and commit first
     * (seen once in a fresh clone's make test); a cancel that never came fails here. */
    await_none(WAITING);
    release_tip();
    ck_assert_int_eq(signalled, 0);
    if (!exited)
        ck_assert_int_eq(waitpid(second.pid, &status, 0), second.pid);
    pthread_join(c.thread, NULL);
    ck_assert_msg(exited, "shifan was still waiting 40 s after SIGTERM with the database frozen");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %d", status);
    ck_assert_msg(took >= 3.0, "it ended after %.1f s, before the cancels' grace", took);
    th_free(c.answer);
    free(body);
    ck_assert_int_eq(platforms_named("悬挂平台"), 0);
}
END_TEST

/* ---- SIGKILL during a 10,000-row import ---- */

/* Starts a server whose connections carry application_name `name`, so that its backends can be
 * told apart from the other server's. */
static void start_named(th_server *s, const char *name)
{
    static char url[800];
    snprintf(url, sizeof url, "%s application_name=%s", db_url, name);
    ck_assert_int_eq(th_server_start(s, url, data_dir, NULL), 0);   /* data_dir: the same signing key */
}

/* Connects to the server on `to_port` and sends the head of a keyed import of `len` bytes of
 * JSON as the province; the socket, for the body. */
static int send_import_head(int to_port, const char *key, size_t len)
{
    char head[1024];
    int n = snprintf(head, sizeof head, "POST /v1/imports/platforms HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\nIdempotency-Key: %s\r\n"
                     "Content-Length: %zu\r\n\r\n", token, key, len);
    int fd = th_connect(to_port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    return fd;
}

static void kill_hard(th_server *s)
{
    int status;
    ck_assert_int_eq(kill(s->pid, SIGKILL), 0);
    ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    s->pid = 0;
}

/* Waits until every backend of the killed server is gone: its transactions have ended. */
static void backends_gone(const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'", name);
    await_none(sql);
}

/* After the kill: all rows or none. Then a restarted server, asked again with the same key,
 * imports them exactly once (or replays the first answer), and the audit chain verifies. */
static void all_or_none_then_retry(const char *stem, const char *rows, const char *key, const char *name)
{
    long long n = platforms_named(stem);
    ck_assert_msg(n == 0 || n == IMPORT_ROWS, "%s: %lld rows of %d after SIGKILL", stem, n, IMPORT_ROWS);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_events WHERE action = 'platforms.imported'"
             " AND detail->'ids' @> (SELECT to_jsonb(min(id)) FROM platforms WHERE name LIKE '%s%%')", stem);
    ck_assert_int_eq(admin_int(sql), n == 0 ? 0 : 1);   /* the rows and their event, together */
    th_server again;
    char again_name[80];
    snprintf(again_name, sizeof again_name, "%s_again", name);
    start_named(&again, again_name);
    for (int attempt = 0; attempt < 2; attempt++) {
        th_response *r = import(again.port, rows, key);
        ck_assert_ptr_nonnull(r);
        ck_assert_msg(r->status == 201, "%s: retry %d with the same key: %d %.300s", stem, attempt, r->status, r->body);
        ck_assert_uint_eq(json_array_size(json_object_get(r->json, "ids")), IMPORT_ROWS);
        char replayed[16];
        if (attempt == 1 || n == IMPORT_ROWS)
            ck_assert_ptr_nonnull(th_header(r, "Idempotent-Replayed", replayed, sizeof replayed));
        th_free(r);
        ck_assert_int_eq(platforms_named(stem), IMPORT_ROWS);
    }
    audit_chain_verifies(again.port);
    ck_assert_int_eq(th_server_stop_reporting(&again), 0);
}

/* The import has reached the database: its statement waits for the audit chain's tip. */
START_TEST(sigkill_while_the_import_runs_in_the_database)
{
    th_server victim;
    start_named(&victim, "kill_in_db");
    hold_tip();
    char *rows = platform_rows("断电导入甲", IMPORT_ROWS, 2000000);
    call_args c = {.port = victim.port, .method = "POST", .path = "/v1/imports/platforms", .body = rows,
                   .key = "kill-in-db"};
    ck_assert_int_eq(pthread_create(&c.thread, NULL, call, &c), 0);
    await_count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kill_in_db' AND state = 'active'"
                " AND wait_event_type = 'Lock'", 1);
    kill_hard(&victim);
    release_tip();   /* the statement may go on, but its client is gone */
    pthread_join(c.thread, NULL);
    ck_assert_ptr_null(c.answer);   /* the client saw the connection drop */
    backends_gone("kill_in_db");
    all_or_none_then_retry("断电导入甲", rows, "kill-in-db", "kill_in_db");
    free(rows);
}
END_TEST

/* The body has only half arrived. */
START_TEST(sigkill_while_the_import_is_still_arriving)
{
    th_server victim;
    start_named(&victim, "kill_arriving");
    char *rows = platform_rows("断电导入乙", IMPORT_ROWS, 3000000);
    size_t len = strlen(rows);
    int fd = send_import_head(victim.port, "kill-arriving", len);
    ck_assert_int_eq(send(fd, rows, len / 2, MSG_NOSIGNAL), (ssize_t)(len / 2));
    kill_hard(&victim);
    backends_gone("kill_arriving");
    close(fd);
    ck_assert_int_eq(platforms_named("断电导入乙"), 0);
    all_or_none_then_retry("断电导入乙", rows, "kill-arriving", "kill_arriving");
    free(rows);
}
END_TEST

/* The whole request has been sent, and nothing holds the import back: the kill lands wherever
 * it lands (parsing, checking, writing, committing, answering). */
START_TEST(sigkill_right_after_the_import_was_sent)
{
    char *rows = platform_rows("断电导入丙", IMPORT_ROWS, 4000000);
    size_t len = strlen(rows);
    th_server victim;
    start_named(&victim, "kill_sent");
    int fd = send_import_head(victim.port, "kill-sent", len);
    ck_assert_int_eq(send(fd, rows, len, MSG_NOSIGNAL), (ssize_t)len);
    kill_hard(&victim);
    backends_gone("kill_sent");
    close(fd);
    all_or_none_then_retry("断电导入丙", rows, "kill-sent", "kill_sent");
    free(rows);
}
END_TEST

/* ---- the public registry in memory (issue 18, point 2) ---- */

static double metric(const char *name)
{
    th_response *r = th_json(port, "GET", "/metrics", "metrics-token-for-tests", NULL);
    ck_assert_ptr_nonnull(r);
    char key[160];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(r->body, key);
    double v = p ? atof(p + strlen(key)) : -1;
    th_free(r);
    return v;
}

static void await_listening(void)
{
    for (int i = 0; i < 2000 && metric("shifan_public_cache_listening") != 1; i++)
        usleep(5000);
    ck_assert_double_eq(metric("shifan_public_cache_listening"), 1);
}

/* A platform named `name` with a registry entry made by hand (no round to title it in here:
 * triggers and keys off), certificate `certificate`: its id. */
static long long platform_in_registry(const char *name, int serial, const char *certificate)
{
    char *body = platform_body(name, serial);
    th_response *r = th_json(port, "POST", "/v1/platforms", token, body);
    free(body);
    ck_assert_int_eq(r->status, 201);
    long long platform = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    char sql[1400];
    snprintf(sql, sizeof sql,
             "SET session_replication_role = replica;"
             " INSERT INTO registry (platform_id, award_id, name, operator_name, region_code, functions, level,"
             "   certificate_no, awarded_on, valid_from, valid_until, status, grams, doc)"
             " VALUES (%lld, 900000000 + %lld, '%s', '运营方', '210100', '{training}', 'province',"
             "   '%s', current_date, current_date, current_date + 1000, 'active', '{}',"
             "   '{\"id\":%lld,\"name\":\"%s\"}')",
             platform, platform, name, certificate, platform, name);
    PGconn *pg = admin_connect();
    admin_exec(pg, sql);
    PQfinish(pg);
    return platform;
}

/* With the database down, what the registry cache holds is still answered (a database that
 * is down commits nothing, so it is the registry as last committed); what it does not hold
 * answers 503. Once the database is back, the cache starts afresh. */
START_TEST(with_the_database_down_registry_hits_are_served_and_misses_answer_503)
{
    long long platform = platform_in_registry("缓存停库平台", 800000, "LNSME-2026-900");
    th_response *r;
    char sql[160];
    PGconn *pg;
    await_listening();
    char entry[64], etag[80], header[80];
    snprintf(entry, sizeof entry, "/v1/public/platforms/%lld", platform);
    const char *page = "/v1/public/platforms?region_code=210100&limit=7";
    for (int i = 0; i < 2; i++) {
        r = th_json(port, "GET", entry, NULL, NULL);
        ck_assert_int_eq(r->status, 200);
        ck_assert_ptr_nonnull(th_header(r, "ETag", etag, sizeof etag));
        th_free(r);
        r = th_json(port, "GET", page, NULL, NULL);
        ck_assert_int_eq(r->status, 200);
        ck_assert_ptr_nonnull(strstr(r->body, "缓存停库平台"));
        th_free(r);
    }
    double resets = metric("shifan_public_cache_resets_total");

    faultdb("fast");
    for (int i = 0; i < 3; i++) {
        r = th_json(port, "GET", entry, NULL, NULL);
        ck_assert_msg(r->status == 200, "a kept entry with the database down: %d %s", r->status, r->body);
        ck_assert_str_eq(th_header(r, "ETag", header, sizeof header), etag);
        ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "缓存停库平台");
        th_free(r);
        r = th_json(port, "GET", page, NULL, NULL);
        ck_assert_int_eq(r->status, 200);
        th_free(r);
        char why[256];
        snprintf(entry, sizeof entry, "/v1/public/platforms/%lld", platform + 1000000);
        r = th_json(port, "GET", entry, NULL, NULL);
        ck_assert_msg(is_unavailable(r, why, sizeof why), "a miss with the database down: %s", why);
        th_free(r);
        r = th_json(port, "GET", "/v1/public/platforms?region_code=210100&limit=8", NULL, NULL);
        ck_assert_msg(is_unavailable(r, why, sizeof why), "a list miss with the database down: %s", why);
        th_free(r);
        snprintf(entry, sizeof entry, "/v1/public/platforms/%lld", platform);
    }
    ck_assert_double_eq(metric("shifan_public_cache_listening"), 0);

    faultdb("start");
    await_listening();
    ck_assert_double_gt(metric("shifan_public_cache_resets_total"), resets);
    snprintf(sql, sizeof sql, "DELETE FROM registry WHERE platform_id = %lld", platform);
    pg = admin_connect();
    admin_exec(pg, sql);
    PQfinish(pg);
    for (int i = 0; i < 1000; i++) {   /* the deletion's notification, then the entry is gone */
        r = th_json(port, "GET", entry, NULL, NULL);
        int status = r->status;
        th_free(r);
        if (status == 404)
            break;
        usleep(5000);
    }
    r = th_json(port, "GET", entry, NULL, NULL);
    ck_assert_int_eq(r->status, 404);
    th_free(r);
}
END_TEST

/* ---- a database that hangs ---- */

typedef struct {
    call_args call;
    double took;
} timed_call;

static void *timed(void *arg)
{
    timed_call *t = arg;
    double start = now_s();
    call(&t->call);
    t->took = now_s() - start;
    return NULL;
}

/* A database that hangs (its server frozen: nothing refused, nothing answered): before, a
 * request sent to it waited for ever, and with as many waiting as the server has threads
 * nothing was answered any more, /healthz and the registry's held answers included. Now the
 * readiness check sees the hang within about two seconds, and from then a request that needs
 * the database answers 503 at once, a read already waiting on it is given up with 503, the
 * health check answers, the held registry entry is served; thawed, the database is used
 * again. A lone write already sent is not given up (the server would carry it out once
 * thawed, and a 503 would say nothing changed): it waits for its outcome, and its answer
 * tells it. Nothing is asserted while the cluster is frozen (a failure there would leave it
 * frozen). */
START_TEST(a_database_that_hangs_answers_503_and_the_server_stays_up)
{
    long long platform = platform_in_registry("冻结停库平台", 800100, "LNSME-2026-901");
    th_response *r;
    await_listening();
    char entry[64];
    snprintf(entry, sizeof entry, "/v1/public/platforms/%lld", platform);
    r = th_json(port, "GET", entry, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    /* one request already waiting inside the database when it freezes */
    hold_tip();
    char *held_body = platform_body("冻结等待平台", 800101);
    timed_call held = {.call = {.port = port, .method = "POST", .path = "/v1/platforms", .body = held_body}};
    ck_assert_int_eq(pthread_create(&held.call.thread, NULL, timed, &held), 0);
    await_count(WAITING, 1);

    faultdb("STOP");
    /* more requests than the server has threads (12), each needing the database */
    enum { CALLS = 16 };
    static timed_call calls[CALLS];
    for (int i = 0; i < CALLS; i++) {
        calls[i] = (timed_call){.call = {.port = port, .method = "GET", .path = "/v1/platforms?limit=1", .body = ""}};
        if (pthread_create(&calls[i].call.thread, NULL, timed, &calls[i]) != 0)
            calls[i].call.thread = 0;
    }
    pause_ms(3500);   /* the hang seen (two seconds and the check's interval), the waits given up */
    double t0 = now_s();
    th_response *health = th_json(port, "GET", "/healthz", NULL, NULL);
    double health_took = now_s() - t0;
    th_response *ready = th_json(port, "GET", "/readyz", NULL, NULL);
    t0 = now_s();
    th_response *kept = th_json(port, "GET", entry, NULL, NULL);
    double kept_took = now_s() - t0;
    t0 = now_s();
    th_response *late = th_json(port, "GET", "/v1/platforms?limit=1", token, NULL);
    double late_took = now_s() - t0;
    /* joined within a bound: calls that still wait are joined once the database is thawed */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 12;
    int unanswered = 0, joined[CALLS] = {0};
    for (int i = 0; i < CALLS; i++) {
        joined[i] = calls[i].call.thread == 0 || pthread_timedjoin_np(calls[i].call.thread, NULL, &until) == 0;
        unanswered += !joined[i];
    }
    faultdb("CONT");
    release_tip();
    for (int i = 0; i < CALLS; i++)
        if (!joined[i])
            pthread_join(calls[i].call.thread, NULL);
    pthread_join(held.call.thread, NULL);
    ck_assert_msg(unanswered == 0, "%d requests waited for the frozen database", unanswered);

    char why[256];
    for (int i = 0; i < CALLS; i++) {
        ck_assert_msg(calls[i].call.answer != NULL, "call %d got no answer", i);
        ck_assert_msg(is_unavailable(calls[i].call.answer, why, sizeof why), "call %d: %s", i, why);
        ck_assert_msg(calls[i].took < 10.0, "call %d took %.1f s", i, calls[i].took);
        th_free(calls[i].call.answer);
    }
    /* the write sent before the hang: its answer is what happened */
    ck_assert_ptr_nonnull(held.call.answer);
    int held_status = held.call.answer->status;
    th_free(held.call.answer);
    free(held_body);
    ck_assert_int_eq(health->status, 200);
    ck_assert_msg(health_took < 1.0, "/healthz took %.1f s", health_took);
    ck_assert_int_eq(ready->status, 503);
    ck_assert_msg(kept->status == 200, "the held entry: %d %s", kept->status, kept->body);
    ck_assert_msg(kept_took < 1.0, "the held entry took %.1f s", kept_took);
    ck_assert_msg(is_unavailable(late, why, sizeof why), "a request after the hang was seen: %s", why);
    ck_assert_msg(late_took < 1.0, "a request after the hang was seen took %.1f s", late_took);
    th_free(health);
    th_free(ready);
    th_free(kept);
    th_free(late);
    ck_assert_int_eq(held_status, 201);
    ck_assert_int_eq(platforms_named("冻结等待平台"), 1);
    /* thawed: answered again, without a restart */
    int status = 0;
    for (double deadline = now_s() + 15; status != 200 && now_s() < deadline; pause_ms(100)) {
        r = th_json(port, "GET", "/v1/platforms?limit=1", token, NULL);
        status = r->status;
        th_free(r);
    }
    ck_assert_int_eq(status, 200);
}
END_TEST

/* ---- the suite ---- */

/* The load logs in as the admin, whose stored hash is made cheap here: the server verifies
 * with the iteration count a hash carries, and this suite is about the database, not hashing.
 * At 600,000 iterations a verification takes about 0.5 s in a plain build but 7 s or more
 * under ASan (OpenSSL 3 allocates four times per iteration and ASan's allocator intercepts
 * every one), so the load's logins kept both hashing threads and this address's share of the
 * hashing queue busy, and a login probe after the restart was refused with 503 logins_busy
 * for more than 10 s however well the server had recovered. */
static int cheapen_admin_hash(void)
{
    static const char salt[] = "faults-test-salt";   /* SF_PASSWORD_SALT_LEN bytes */
    unsigned char hash[SF_PASSWORD_HASH_LEN];
    char salt64[32], hash64[48], sql[256];
    if (PKCS5_PBKDF2_HMAC(ADMIN_PASSWORD, (int)strlen(ADMIN_PASSWORD), (const unsigned char *)salt,
                          SF_PASSWORD_SALT_LEN, 1000, EVP_sha256(), sizeof hash, hash) != 1)
        return -1;
    EVP_EncodeBlock((unsigned char *)salt64, (const unsigned char *)salt, SF_PASSWORD_SALT_LEN);
    EVP_EncodeBlock((unsigned char *)hash64, hash, sizeof hash);
    snprintf(sql, sizeof sql, "UPDATE users SET password_hash = '$pbkdf2-sha256$1000$%s$%s' WHERE username = 'admin'",
             salt64, hash64);
    PGconn *pg = PQconnectdb(admin_url);
    PGresult *res = PQexec(pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    PQfinish(pg);
    return ok ? 0 : -1;
}

static void setup(void)
{
    const char *tmp = th_env("SHIFAN_TEST_TMP");
    snprintf(data_dir, sizeof data_dir, "%s/faults", tmp);
    mkdir(data_dir, 0755);
    snprintf(cluster_dir, sizeof cluster_dir, "%s/cluster", data_dir);
    faultdb("start");
    snprintf(db_url, sizeof db_url, "host=%s dbname=shifan_faults user=shifan", socket_dir);
    snprintf(admin_url, sizeof admin_url, "host=%s dbname=shifan_faults user=postgres", socket_dir);
    static const char *env[] = {"SHIFAN_ADMIN_PASSWORD=" ADMIN_PASSWORD, "SHIFAN_THREADS=12", "SHIFAN_POOL_SIZE=6",
                                "SHIFAN_POOL_TIMEOUT_MS=2000", "SHIFAN_METRICS_TOKEN=metrics-token-for-tests", NULL};
    if (th_server_start(&server, db_url, data_dir, env) != 0) {
        fprintf(stderr, "the server did not start; see %s\n", server.log_path);
        exit(1);
    }
    port = server.port;
    if (cheapen_admin_hash() != 0) {
        fprintf(stderr, "cannot store the admin's test hash\n");
        exit(1);
    }
    token = login(port);
    if (token == NULL) {
        fprintf(stderr, "admin cannot log in\n");
        exit(1);
    }
}

/* Before each test: a failed one may have left a load running or PostgreSQL stopped. */
static void recover(void)
{
    stop_load();
    release_tip();
    faultdb("start");
}

static void teardown(void)
{
    stop_load();
    release_tip();
    if (server.pid > 0 && th_server_stop_reporting(&server) != 0)
        fprintf(stderr, "the faults server did not stop cleanly\n");
    free(token);
    PQfinish(checks_pg);
    checks_pg = NULL;
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s/scripts/faultdb.sh stop %s fast", SHIFAN_SOURCE_DIR, cluster_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not stop the faults cluster\n");
}

static Suite *faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_checked_fixture(tc, recover, NULL);
    tcase_add_test(tc, postgres_stopped_under_load_answers_503_and_recovers);
    tcase_add_test(tc, postgres_crashed_under_load_answers_503_and_recovers);
    tcase_add_test(tc, connections_that_died_idle_are_not_used);
    tcase_add_test(tc, connections_that_died_idle_in_a_crash_are_not_used);
    tcase_add_test(tc, a_login_failure_that_cannot_be_counted_answers_503);
    tcase_add_test(tc, a_session_check_that_fails_in_the_database_is_not_a_401);
    tcase_add_test(tc, with_the_database_down_registry_hits_are_served_and_misses_answer_503);
    tcase_add_test(tc, a_database_that_hangs_answers_503_and_the_server_stays_up);
    tcase_add_test(tc, sigterm_lets_requests_in_flight_finish_then_exits_0);
    tcase_add_test(tc, sigterm_does_not_wait_for_ever_on_a_request_stuck_in_the_database);
    tcase_add_test(tc, sigterm_ends_even_when_the_database_hangs);
    tcase_add_test(tc, shifan_started_before_its_database_waits_for_it);
    tcase_add_test(tc, sigkill_while_the_import_runs_in_the_database);
    tcase_add_test(tc, sigkill_while_the_import_is_still_arriving);
    tcase_add_test(tc, sigkill_right_after_the_import_was_sent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(faults_suite());
}
