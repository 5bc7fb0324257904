/*
 * Allocation failure (hardening issue, point 16): for each request of a representative set,
 * every allocation on its path is made to fail in turn — the k-th alone, then the k-th and
 * every one after it — and the request must end in its normal answer or a well-formed 500
 * problem+json, the server must live on, and nothing allocated for the request may be left
 * behind.
 *
 * No hook in the production binary: this executable links the same static libraries as
 * shifan and runs the real server in-process (sf_server_start, an sf_app built as api/main.c
 * builds it). The allocator is taken over from outside, with the linker's --wrap
 * (CMakeLists.txt) for malloc, calloc, realloc, strdup and free: it redirects the calls made
 * from the statically linked objects of shifan (and of this file) and none made inside shared
 * libraries. Jansson allocates through shifan's own malloc (sf_json_watch_allocations, as in
 * api/main.c), so its allocations, Ulfius's JSON included, fail in turn too.
 * libmicrohttpd, Ulfius (orcania), libpq, OpenSSL and libjwt's own mallocs are not failed:
 * they are not shifan's code, and their behaviour out of memory is not this test's subject.
 *
 * Leaks: every block allocated while a request is recorded is kept in a table until it is
 * freed; when the request has completed (the server's in-flight count is back to zero) the
 * table must be empty. Under ASan (the sanitize pass) LeakSanitizer checks the whole run too.
 * The public cache is off (SHIFAN_PUBLIC_CACHE_BYTES=0), because a cached answer is meant to
 * outlive its request; the cache is failed on its own below.
 *
 * The client side of a recorded request allocates nothing (a socket and static buffers), so
 * every allocation counted is the server's.
 */
#include <check.h>
#include <errno.h>
#include <execinfo.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/config.h"
#include "api/json_input.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/public_cache.h"
#include "api/server.h"
#include "domain/credit_code.h"
#include "domain/password.h"
#include "persistence/migrate.h"
#include "persistence/users.h"
#include "tests/hashutil.h"
#include "tests/testutil.h"

#define ADMIN_PASSWORD "alloc-province-password-1"

/* ---- the failing, recording allocator ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void __real_free(void *p);

#define TABLE_SIZE (1 << 16)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int recording;            /* count, fail and track allocations */
static long counted;             /* allocations seen while recording */
static long fail_at;             /* 0: none; else the allocation number that fails */
static int fail_rest;            /* and every one after it */
static long failed;              /* allocations refused */
static void *live[TABLE_SIZE];   /* blocks allocated while recording and not yet freed */
static long live_count;
static int table_full;
static int trace;
static FILE *report;             /* this test's messages; the server's log goes to a file */

static size_t slot_of(const void *p)
{
    return ((uintptr_t)p >> 4) * 2654435761u % TABLE_SIZE;
}

static void track(void *p)
{
    size_t i = slot_of(p);
    for (size_t n = 0; n < TABLE_SIZE; n++, i = (i + 1) % TABLE_SIZE) {
        if (live[i] == NULL || live[i] == (void *)1) {
            live[i] = p;
            live_count++;
            return;
        }
    }
    table_full = 1;
}

static void untrack(void *p)
{
    size_t i = slot_of(p);
    for (size_t n = 0; n < TABLE_SIZE && live[i] != NULL; n++, i = (i + 1) % TABLE_SIZE) {
        if (live[i] == p) {
            live[i] = (void *)1;   /* a tombstone keeps later probes going */
            live_count--;
            return;
        }
    }
}

/* Whether the next allocation may go ahead. */
static int allow(void)
{
    pthread_mutex_lock(&lock);
    int ok = 1;
    if (recording) {
        counted++;
        if (fail_at > 0 && (counted == fail_at || (fail_rest && counted > fail_at))) {
            ok = 0;
            failed++;
            if (trace) {   /* ALLOC_TRACE=1: where each refused allocation was asked for */
                void *frames[32];
                fprintf(report, "alloc: refusing allocation %ld:\n", counted);
                backtrace_symbols_fd(frames, backtrace(frames, 32), fileno(report));
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return ok;
}


static void *allocated(void *p)
{
    if (p != NULL) {
        pthread_mutex_lock(&lock);
        if (recording)
            track(p);
        pthread_mutex_unlock(&lock);
    }
    return p;
}

static void released(void *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&lock);
    untrack(p);
    pthread_mutex_unlock(&lock);
}

void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size)
{
    return allow() ? allocated(__real_malloc(size)) : NULL;
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
    return allow() ? allocated(__real_calloc(n, size)) : NULL;
}

char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
    return allow() ? allocated(__real_strdup(s)) : NULL;
}

void *__wrap_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size)
{
    if (!allow())
        return NULL;   /* p stays valid, as realloc promises */
    void *q = __real_realloc(p, size);
    if (q != NULL && p != NULL) {
        pthread_mutex_lock(&lock);
        untrack(p);
        if (recording)
            track(q);
        pthread_mutex_unlock(&lock);
    } else if (q != NULL) {
        allocated(q);
    }
    return q;
}

void __wrap_free(void *p);
void __wrap_free(void *p)
{
    released(p);
    __real_free(p);
}

static void record(long k, int rest)
{
    pthread_mutex_lock(&lock);
    memset(live, 0, sizeof live);
    live_count = 0;
    table_full = 0;
    counted = 0;
    failed = 0;
    fail_at = k;
    fail_rest = rest;
    recording = 1;
    pthread_mutex_unlock(&lock);
}

static void stop_recording(void)
{
    pthread_mutex_lock(&lock);
    recording = 0;
    fail_at = 0;
    pthread_mutex_unlock(&lock);
}

/* ---- the server, in this process ---- */

static sf_config config;
static sf_app app;
static struct _u_instance instance;
static char admin_token[2048];
static long long registry_id;       /* a registry entry (an awarded platform) */
static long long application_id;    /* an application of the seed */
static char second_page[256];       /* the page token of the registry list's second page */
static int serial = 5000000;        /* for new platforms' credit codes and names */

static void set_env(const char *name, const char *value)
{
    if (setenv(name, value, 1) != 0)
        abort();
}

static void start_server(void)
{
    char dir[512], url[1024], port[16];
    snprintf(dir, sizeof dir, "%s/alloc", th_env("SHIFAN_TEST_TMP"));
    mkdir(dir, 0700);
    /* a database of its own, made afresh */
    PGconn *admin = PQconnectdb(th_env("SHIFAN_TEST_ADMIN_URL"));
    PQclear(PQexec(admin, "DROP DATABASE IF EXISTS shifan_alloc"));
    PGresult *res = PQexec(admin, "CREATE DATABASE shifan_alloc OWNER shifan");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(report, "cannot create shifan_alloc: %s", PQerrorMessage(admin));
        exit(1);
    }
    PQclear(res);
    PQfinish(admin);
    snprintf(url, sizeof url, "host=%s dbname=shifan_alloc user=shifan", th_env("PG_SOCKET_DIR"));
    snprintf(port, sizeof port, "%d", th_free_port());
    set_env("SHIFAN_DATABASE_URL", url);
    set_env("SHIFAN_DATA_DIR", dir);
    set_env("SHIFAN_PORT", port);
    set_env("SHIFAN_LISTEN_ADDRESS", "127.0.0.1");
    set_env("SHIFAN_THREADS", "2");
    set_env("SHIFAN_POOL_SIZE", "1");     /* one connection, opened before any recording */
    set_env("SHIFAN_PUBLIC_CACHE_BYTES", "0");
    set_env("SHIFAN_ADMIN_PASSWORD", ADMIN_PASSWORD);

    /* the server logs every request on stderr: into a file, as the other suites keep it */
    char log_path[600];
    snprintf(log_path, sizeof log_path, "%s/shifan.log", dir);
    if (freopen(log_path, "w", stderr) == NULL)
        exit(1);
    fprintf(report, "alloc: the in-process server logs to %s (and so do the sanitizers while it runs)\n", log_path);

    char message[512];
    char hash[SF_PASSWORD_ENCODED_MAX];
    int created = 0;
    if (sf_config_load(&config) != 0 || sf_openapi_init() != 0)
        exit(1);
    app.config = &config;
    app.auth = sf_auth_create(&config);
    app.pool = sf_pool_create(config.database_url, config.pool_size, config.pool_timeout_ms);
    app.read_pool = app.pool;
    app.metrics = sf_metrics_create(sf_route_count());
    app.public_cache = NULL;
    if (app.auth == NULL || app.pool == NULL || app.metrics == NULL ||
        sf_migrate(app.pool, message, sizeof message) != SF_OK ||
        th_password_hash_at(ADMIN_PASSWORD, 1000, hash, sizeof hash) != 0 ||
        sf_user_bootstrap_admin(app.pool, hash, &created) != SF_OK ||
        sf_server_start(&app, &instance) != 0) {
        fprintf(report, "the in-process server did not start; see %s\n", log_path);
        exit(1);
    }
}

static void stop_server(void)
{
    sf_server_stop(&app, &instance);
    sf_metrics_destroy(app.metrics);
    sf_pool_destroy(app.pool);
    sf_auth_destroy(app.auth);
    sf_openapi_free();
    sf_config_free(&config);
}

/* A few awarded platforms, so the public registry has entries: bench/seed.sql, small. */
static void seed(void)
{
    char command[2048];
    snprintf(command, sizeof command,
             "psql '%s' -q -v ON_ERROR_STOP=1 -v platforms=40 -v audit_events=10 -f '%s/bench/seed.sql' "
             ">/dev/null 2>&1", config.database_url, SHIFAN_SOURCE_DIR);
    if (system(command) != 0) {
        fprintf(report, "bench/seed.sql failed: %s\n", command);
        exit(1);
    }
}

/* ---- a client that allocates nothing ---- */

static char answer[1 << 20];

typedef struct {
    int status;
    const char *content_type;   /* into `answer`, NUL-terminated in place */
    const char *body;
    size_t body_len;
} reply;

/* Sends one request (Connection: close) and reads the whole answer into `answer`. Returns
 * 0 with the status, type and body filled in, or -1 if no complete answer came. */
static int send_request(const char *method, const char *path, const char *token, const char *content_type,
                        const char *body, reply *r)
{
    static char head[4096];
    size_t body_len = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
    if (token != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Authorization: Bearer %s\r\n", token);
    if (content_type != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", content_type);
    n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", body_len);
    if (n <= 0 || (size_t)n >= sizeof head)
        return -1;
    int fd = th_connect(config.port);
    if (fd < 0)
        return -1;
    if (write(fd, head, (size_t)n) != n || (body_len && write(fd, body, body_len) != (ssize_t)body_len)) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    ssize_t m;
    while (got < sizeof answer - 1 && (m = read(fd, answer + got, sizeof answer - 1 - got)) > 0)
        got += (size_t)m;
    close(fd);
    answer[got] = '\0';
    char *end = strstr(answer, "\r\n\r\n");
    if (strncmp(answer, "HTTP/1.1 ", 9) != 0 || end == NULL)
        return -1;
    r->status = atoi(answer + 9);
    *end = '\0';
    r->body = end + 4;
    r->body_len = got - (size_t)(r->body - answer);
    r->content_type = "";
    char *ct = strcasestr(answer, "\r\nContent-Type: ");
    if (ct != NULL) {
        ct += strlen("\r\nContent-Type: ");
        ct[strcspn(ct, "\r")] = '\0';
        r->content_type = ct;
    }
    return 0;
}

/* Waits until the server has finished with every request (its clean-up included); 0 when
 * it has. No Check assertion runs while recording: Check allocates for each one. */
static int wait_idle(void)
{
    for (int i = 0; i < 5000 && atomic_load(&app.in_flight) > 0; i++) {
        struct timespec pause = {0, 1000000L};
        nanosleep(&pause, NULL);
    }
    return atomic_load(&app.in_flight) == 0 ? 0 : -1;
}

/* ---- the requests ---- */

typedef struct {
    const char *name;
    const char *method;
    char path[512];
    const char *token;
    const char *content_type;
    char body[2048];
    int expected;                /* the answer when nothing fails */
} request;

/* A body for POST /v1/platforms that the server accepts once: a new name and credit code. */
static void new_platform_body(request *q)
{
    char code[19];
    serial++;
    snprintf(code, sizeof code, "91210100MA%07d", serial % 10000000);
    code[17] = sf_credit_code_check_char(code);
    code[18] = '\0';
    snprintf(q->body, sizeof q->body,
             "{\"name\":\"内存测试平台%d\",\"region_code\":\"210100\",\"functions\":[\"training\",\"technology\"],"
             "\"operator\":{\"name\":\"内存测试运营有限公司%d\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
             "\"address\":\"沈阳市和平区\"}}", serial, serial, code);
}

static void new_import_body(request *q)
{
    char a[19], b[19];
    int s1 = ++serial, s2 = ++serial;
    snprintf(a, sizeof a, "91210100MA%07d", s1 % 10000000);
    a[17] = sf_credit_code_check_char(a);
    a[18] = '\0';
    snprintf(b, sizeof b, "91210100MA%07d", s2 % 10000000);
    b[17] = sf_credit_code_check_char(b);
    b[18] = '\0';
    snprintf(q->body, sizeof q->body,
             "name,region_code,functions,operator_name,credit_code,established_on,address\r\n"
             "导入测试平台%d,210100,training,导入测试公司%d,%s,2015-03-01,沈阳市和平区\r\n"
             "导入测试平台%d,210100,training;financing,导入测试公司%d,%s,2016-04-01,沈阳市皇姑区\r\n",
             s1, s1, a, s2, s2, b);
}

/* The same two rows as a JSON array. */
static void new_json_import_body(request *q)
{
    char a[19], b[19];
    int s1 = ++serial, s2 = ++serial;
    snprintf(a, sizeof a, "91210100MA%07d", s1 % 10000000);
    a[17] = sf_credit_code_check_char(a);
    a[18] = '\0';
    snprintf(b, sizeof b, "91210100MA%07d", s2 % 10000000);
    b[17] = sf_credit_code_check_char(b);
    b[18] = '\0';
    snprintf(q->body, sizeof q->body,
             "[{\"name\":\"导入测试平台%d\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"导入测试公司%d\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\"}},"
             "{\"name\":\"导入测试平台%d\",\"region_code\":\"210100\",\"functions\":[\"training\",\"financing\"],"
             "\"operator\":{\"name\":\"导入测试公司%d\",\"credit_code\":\"%s\",\"address\":\"沈阳市皇姑区\"}}]",
             s1, s1, a, s2, s2, b);
}

static void refresh(request *q)
{
    if (strcmp(q->path, "/v1/platforms") == 0 && q->expected == 201)
        new_platform_body(q);
    else if (strcmp(q->path, "/v1/imports/platforms") == 0 && strcmp(q->content_type, "text/csv") == 0)
        new_import_body(q);
    else if (strcmp(q->path, "/v1/imports/platforms") == 0)
        new_json_import_body(q);
}

/* Whether a reply is the request's own answer or a well-formed 500 problem. */
static const char *judge(const request *q, const reply *r)
{
    if (r->status == q->expected)
        return NULL;
    if (r->status != 500)
        return "neither the normal answer nor 500";
    if (strcmp(r->content_type, "application/problem+json") != 0)
        return "a 500 that is not problem+json";
    json_t *p = json_loadb(r->body, r->body_len, 0, NULL);
    int ok = p && json_integer_value(json_object_get(p, "status")) == 500 &&
             json_is_string(json_object_get(p, "type")) && json_is_string(json_object_get(p, "title")) &&
             json_is_string(json_object_get(p, "detail"));
    json_decref(p);
    return ok ? NULL : "a 500 whose body is not a problem";
}

static long problems;   /* runs that went wrong, for the test at hand */

/* One recorded run of `q` failing allocation k (and those after it with `rest`); 0 for
 * none. Returns the number of allocations counted. */
static long run_once(request *q, long k, int rest)
{
    reply r;
    refresh(q);
    record(k, rest);
    int sent = send_request(q->method, q->path, q->token, q->content_type, q->content_type ? q->body : NULL, &r);
    int idle = wait_idle();
    stop_recording();
    long n = counted, f = failed, left = live_count;
    char why[512] = "";
    const char *wrong = sent == 0 ? judge(q, &r) : NULL;
    if (idle != 0)
        snprintf(why, sizeof why, "the server did not finish the request");
    else if (sent != 0)
        snprintf(why, sizeof why, "no complete answer");
    else if (wrong != NULL)
        snprintf(why, sizeof why, "%s: %d %.300s", wrong, r.status, r.body);
    else if (table_full)
        snprintf(why, sizeof why, "the table of live blocks overflowed");
    else if (left != 0)
        snprintf(why, sizeof why, "%ld blocks left behind (%ld refused, answer %d)", left, f, r.status);
    if (why[0] != '\0') {
        if (problems++ < 40)
            fprintf(report, "alloc: %s, allocation %ld%s of %ld failing: %s\n", q->name, k, rest ? " onwards" : "",
                    n, why);
    }
    return n;
}

/* Every allocation of `q`'s path fails in turn. */
static void fail_each(request *q, int both_modes)
{
    problems = 0;
    long n = run_once(q, 0, 0);
    ck_assert_msg(n > 0, "%s allocates nothing: the wrappers are not in place", q->name);
    ck_assert_msg(problems == 0, "%s goes wrong with no allocation failing", q->name);
    /* the count of a later run can differ a little (ids, names); go some past it */
    long from = 1, to = n + 4;
    if (getenv("ALLOC_K") != NULL)   /* ALLOC_K=k: that allocation only (while working on a path) */
        from = to = atol(getenv("ALLOC_K"));
    for (long k = from; k <= to; k++) {
        run_once(q, k, 0);
        if (both_modes)
            run_once(q, k, 1);
    }
    fprintf(report, "alloc: %s: %ld allocations, each failed%s\n", q->name, n, both_modes ? " (alone and onwards)" : "");
    /* and the server still answers normally */
    run_once(q, 0, 0);
    ck_assert_msg(problems == 0, "%s: %ld runs went wrong (the first ones are above)", q->name, problems);
}

/* ---- setup: an admin token, a registry entry and the list's second page ---- */

static void setup(void)
{
    th_response *r = th_json(config.port, "POST", "/v1/auth/token", NULL,
                             "{\"username\":\"admin\",\"password\":\"" ADMIN_PASSWORD "\"}");
    if (r == NULL || r->status != 200) {
        fprintf(report, "the admin cannot log in\n");
        exit(1);
    }
    snprintf(admin_token, sizeof admin_token, "%s", json_string_value(json_object_get(r->json, "access_token")));
    th_free(r);
    r = th_json(config.port, "GET", "/v1/public/platforms?limit=2", NULL, NULL);
    if (r == NULL || r->status != 200 || json_array_size(json_object_get(r->json, "items")) != 2 ||
        !json_is_string(json_object_get(r->json, "next_page_token"))) {
        fprintf(report, "the registry is not seeded\n");
        exit(1);
    }
    registry_id = json_integer_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
    snprintf(second_page, sizeof second_page, "%s", json_string_value(json_object_get(r->json, "next_page_token")));
    th_free(r);
    r = th_json(config.port, "GET", "/v1/applications?limit=1", admin_token, NULL);
    application_id = r ? json_integer_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")) : 0;
    th_free(r);
    if (application_id <= 0) {
        fprintf(report, "the seed has no application\n");
        exit(1);
    }
}

START_TEST(validation_failure)
{
    request q = {"POST /v1/platforms (invalid)", "POST", "/v1/platforms", admin_token, "application/json",
                 "{\"name\":\"\",\"region_code\":\"999999\",\"functions\":[\"nothing\"],\"unknown\":1,"
                 "\"operator\":{\"name\":\"某公司\",\"credit_code\":\"91210100MA0000000X\"}}", 422};
    fail_each(&q, 1);
}
END_TEST

START_TEST(public_entry)
{
    request q = {"GET /v1/public/platforms/:id", "GET", "", NULL, NULL, "", 200};
    snprintf(q.path, sizeof q.path, "/v1/public/platforms/%lld", registry_id);
    fail_each(&q, 1);
}
END_TEST

START_TEST(public_list_page)
{
    request q = {"GET /v1/public/platforms (second page)", "GET", "", NULL, NULL, "", 200};
    snprintf(q.path, sizeof q.path, "/v1/public/platforms?limit=2&page_token=%s", second_page);
    fail_each(&q, 1);
}
END_TEST

START_TEST(platform_list)
{
    request q = {"GET /v1/platforms (as the province)", "GET", "/v1/platforms?limit=5", admin_token, NULL, "", 200};
    fail_each(&q, 1);
}
END_TEST

START_TEST(platform_create)
{
    request q = {"POST /v1/platforms", "POST", "/v1/platforms", admin_token, "application/json", "", 201};
    fail_each(&q, 1);
}
END_TEST

START_TEST(csv_import)
{
    request q = {"POST /v1/imports/platforms (CSV)", "POST", "/v1/imports/platforms", admin_token, "text/csv", "", 201};
    fail_each(&q, 1);
}
END_TEST

START_TEST(json_import)
{
    request q = {"POST /v1/imports/platforms (JSON)", "POST", "/v1/imports/platforms", admin_token, "application/json",
                 "", 201};
    fail_each(&q, 1);
}
END_TEST

START_TEST(application_detail)
{
    request q = {"GET /v1/applications/:id (as the province)", "GET", "", admin_token, NULL, "", 200};
    snprintf(q.path, sizeof q.path, "/v1/applications/%lld", application_id);
    fail_each(&q, 1);
}
END_TEST

START_TEST(login)
{
    /* the admin's stored hash has 1,000 iterations (start_server): the path is the same as at
     * 600,000, at a thousandth of the cost, so each allocation fails alone and onwards */
    request q = {"POST /v1/auth/token", "POST", "/v1/auth/token", NULL, "application/json",
                 "{\"username\":\"admin\",\"password\":\"" ADMIN_PASSWORD "\"}", 200};
    fail_each(&q, 1);
}
END_TEST

/* The public cache on its own: a put and a get with each allocation failing leave nothing
 * behind once the cache is destroyed, and a get never returns what was not stored whole. */
START_TEST(public_cache)
{
    const char *text = "{\"id\":1,\"name\":\"缓存\"}";
    long n = -1;
    for (long k = 0; k == 0 || k <= n + 2; k++) {
        sf_public_cache *cache = sf_public_cache_create(4096, NULL);
        ck_assert_ptr_nonnull(cache);
        sf_public_cache_connected(cache, 1, 1);
        record(k, 0);
        uint64_t t = sf_public_cache_ticket(cache);
        sf_public_cache_keep_entry(cache, t, 1, text, strlen(text), "\"e\"");
        sf_public_cache_keep_page(cache, t, "/v1/public/platforms?q=a", text, strlen(text));
        sf_cached *a = sf_public_cache_entry(cache, 1, 0);
        sf_cached *p = sf_public_cache_page(cache, "/v1/public/platforms?q=a", 0);
        int hit = a != NULL && p != NULL;
        int whole = (a == NULL || (a->len == strlen(text) && memcmp(a->body, text, a->len) == 0)) &&
                    (p == NULL || (p->len == strlen(text) && memcmp(p->body, text, p->len) == 0));
        sf_cached_release(a);
        sf_cached_release(p);
        sf_public_cache_notified(cache, "2 1");
        sf_public_cache_destroy(cache);
        stop_recording();
        ck_assert(whole);
        if (k == 0) {
            n = counted;
            ck_assert_int_eq(hit, 1);
        }
        ck_assert_msg(live_count == 0, "public cache, allocation %ld failing: %ld blocks left", k, live_count);
    }
}
END_TEST

int main(void)
{
    report = fdopen(dup(STDERR_FILENO), "w");
    if (report == NULL)
        return 1;
    setvbuf(report, NULL, _IONBF, 0);
    trace = getenv("ALLOC_TRACE") != NULL;
    sf_json_watch_allocations();   /* as api/main.c: Jansson allocates through shifan's malloc */
    start_server();
    seed();
    setup();
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("each allocation fails");
    tcase_set_timeout(tc, 900);
    /* ALLOC_ONLY=name runs one test (while working on a path) */
    const char *only = getenv("ALLOC_ONLY");
#define ADD(t) if (only == NULL || strcmp(only, #t) == 0) tcase_add_test(tc, t)
    ADD(validation_failure);
    ADD(public_entry);
    ADD(public_list_page);
    ADD(platform_list);
    ADD(platform_create);
    ADD(csv_import);
    ADD(json_import);
    ADD(application_detail);
    ADD(login);
    ADD(public_cache);
#undef ADD
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);   /* the server's threads live in this process */
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    stop_server();
    dup2(fileno(report), STDERR_FILENO);   /* LeakSanitizer reports at exit, where it can be seen */
    return failures == 0 ? 0 : 1;
}
