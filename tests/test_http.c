/*
 * HTTP tests: the real shifan binary on loopback, against the real test cluster. Every
 * endpoint of the foundation is called by each role that may and may not call it, and with
 * hostile input; the server must still be up afterwards.
 */
#include <check.h>
#include <dirent.h>
#include <jwt.h>
#include <libpq-fe.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/base64url.h"
#include "api/config.h"
#include "api/public_cache.h"
#include "api/sha256.h"
#include "api/statistics_cache.h"
#include "api/upload_stream.h"
#include "api/views.h"
#include "domain/credit_code.h"
#include "domain/permissions.h"
#include "api/server.h"
#include "api/views.h"
#include "tests/contract.h"
#include "tests/testutil.h"

#define ADMIN_PASSWORD "province-password-for-tests"
#define USER_PASSWORD "a-long-user-password"
#define METRICS_TOKEN "metrics-token-for-tests"
/* 900 s, times th_time_factor(): under valgrind the suite outlasts 15 minutes */
static int token_ttl = 900;

static th_server server;
static char data_dir[512], key_path[600];
static unsigned char key[64];
static size_t key_len;
static int port;

enum { PROVINCE, CITY, ASSOCIATION, ASSESSOR, SUPERVISOR, PLATFORM, NROLES };
static const char *role_names[NROLES] = {"province", "city", "association", "assessor", "supervisor", "platform"};
static char *tokens[NROLES];
static long long org_ids[NROLES];
/* The session of the province's token: hand-made tokens name it (`sid`), so that only what
 * each one says besides can make the server refuse it. */
static char province_sid[40];
static char *spare_admin_token;   /* a second session of the admin's, for a test to end */
static const char *hand_sid = province_sid;

/* ---- helpers ---- */

static th_response *call(const char *method, const char *path, int role, const char *json)
{
    th_response *r = th_json(port, method, path, role >= 0 ? tokens[role] : NULL, json);
    ck_assert_msg(r != NULL, "no answer to %s %s", method, path);
    return r;
}

static void expect_problem(th_response *r, int status)
{
    char ct[128];
    ck_assert_msg(r->status == status, "expected %d, got %d: %s", status, r->status, r->body);
    ck_assert_ptr_nonnull(th_header(r, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, "application/problem+json");
    ck_assert_ptr_nonnull(r->json);
    ck_assert(json_is_string(json_object_get(r->json, "type")));
    ck_assert(json_is_string(json_object_get(r->json, "title")));
    ck_assert(json_is_string(json_object_get(r->json, "detail")));
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), status);
}

/* The code of the problem's first error for `field`, or NULL when it lists none. */
static const char *field_error(th_response *r, const char *field)
{
    json_t *errors = json_object_get(r->json, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return json_is_string(json_object_get(e, "code")) ? json_string_value(json_object_get(e, "code")) : "";
    return NULL;
}

/* Whether the problem lists an error for `field`. */
static int has_field_error(th_response *r, const char *field)
{
    return field_error(r, field) != NULL;
}

static char *login(const char *username, const char *password, int *status)
{
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
    th_response *r = th_json(port, "POST", "/v1/auth/token", NULL, body);
    *status = r ? r->status : 0;
    char *token = NULL;
    if (r && r->status == 200)
        token = strdup(json_string_value(json_object_get(r->json, "access_token")));
    th_free(r);
    return token;
}

static long long create_org(const char *type, const char *name)
{
    char body[512];
    snprintf(body, sizeof body, "{\"type\":\"%s\",\"name\":\"%s\"}", type, name);
    th_response *r = call("POST", "/v1/organizations", PROVINCE, body);
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    return id;
}

static void create_user(const char *username, long long org_id)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"username\":\"%s\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,\"display_name\":\"测试用户\"}",
             username, org_id);
    th_response *r = call("POST", "/v1/users", PROVINCE, body);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
}

/* The session (`sid` claim) of a token the server issued, into `out`. */
static void sid_of(const char *token, char out[40])
{
    jwt_t *jwt;
    ck_assert_int_eq(jwt_decode(&jwt, token, key, (int)key_len), 0);
    const char *sid = jwt_get_grant(jwt, "sid");
    ck_assert_ptr_nonnull(sid);
    snprintf(out, 40, "%s", sid);
    jwt_free(jwt);
}

static char *b64url(const char *data, size_t len)
{
    char *out = malloc(len * 2 + 8);
    int n = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)data, (int)len);
    while (n > 0 && out[n - 1] == '=')
        out[--n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return out;
}

/* A token signed with the server's key (or not), with the given claims. */
typedef struct {
    jwt_alg_t alg;
    const char *iss, *aud, *role;
    long long exp, iat;
    int omit_exp;
} claims;

static char *forge(const claims *c)
{
    jwt_t *jwt;
    jwt_new(&jwt);
    jwt_set_alg(jwt, c->alg, c->alg == JWT_ALG_NONE ? NULL : key, c->alg == JWT_ALG_NONE ? 0 : (int)key_len);
    jwt_add_grant(jwt, "iss", c->iss);
    jwt_add_grant(jwt, "aud", c->aud);
    jwt_add_grant(jwt, "sub", "1");
    jwt_add_grant_int(jwt, "org", 1);
    jwt_add_grant(jwt, "role", c->role);
    jwt_add_grant(jwt, "region", "210000");
    jwt_add_grant_int(jwt, "iat", (long)c->iat);
    if (!c->omit_exp)
        jwt_add_grant_int(jwt, "exp", (long)c->exp);
    jwt_add_grant(jwt, "jti", "6f1c2f8e-2f0a-4a5b-8c7d-9e0f1a2b3c4d");
    jwt_add_grant(jwt, "sid", province_sid);
    char *token = jwt_encode_str(jwt);
    jwt_free(jwt);
    return token;
}

static claims good_claims(void)
{
    long long now = time(NULL);
    return (claims){JWT_ALG_HS256, "shifan", "shifan-api", "province", now + 600, now, 0};
}

static int me_status(const char *token)
{
    th_response *r = th_json(port, "GET", "/v1/me", token, NULL);
    int status = r ? r->status : 0;
    th_free(r);
    return status;
}

/* ---- fixture: one server for the suite, users of every role ---- */

static void setup(void)
{
    snprintf(data_dir, sizeof data_dir, "%s/http", th_env("SHIFAN_TEST_TMP"));
    mkdir(data_dir, 0700);
    snprintf(key_path, sizeof key_path, "%s/test-jwt.key", data_dir);
    FILE *f = fopen(key_path, "w");
    key_len = 48;
    for (size_t i = 0; i < key_len; i++)
        key[i] = (unsigned char)('a' + (rand() % 26));
    fwrite(key, 1, key_len, f);
    fclose(f);
    static char key_env[700];
    snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", key_path);
    token_ttl = 900 * th_time_factor();
    static char ttl_env[64];
    snprintf(ttl_env, sizeof ttl_env, "SHIFAN_TOKEN_TTL=%d", token_ttl);
    static const char *env[] = {"SHIFAN_ADMIN_PASSWORD=" ADMIN_PASSWORD, NULL, "SHIFAN_MAX_BODY_BYTES=65536",
                                "SHIFAN_LOGIN_MAX_FAILURES=3", "SHIFAN_LOGIN_CLIENT_MAX_FAILURES=40",
                                NULL, "SHIFAN_THREADS=8",
                                "SHIFAN_CORS_ORIGINS=https://portal.example.gov.cn, http://localhost:5173",
                                "SHIFAN_METRICS_TOKEN=" METRICS_TOKEN, NULL};
    env[1] = key_env;
    env[5] = ttl_env;
    if (th_server_start(&server, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env) != 0) {
        fprintf(stderr, "the server did not start; its log: %s\n", server.log_path);
        exit(1);
    }
    port = server.port;
    th_contract_start(port);
    int status;
    tokens[PROVINCE] = login("admin", ADMIN_PASSWORD, &status);
    if (tokens[PROVINCE] == NULL) {
        fprintf(stderr, "admin cannot log in (%d)\n", status);
        exit(1);
    }
    sid_of(tokens[PROVINCE], province_sid);
    spare_admin_token = login("admin", ADMIN_PASSWORD, &status);
    org_ids[PROVINCE] = 1;
    org_ids[CITY] = 2; /* 沈阳市, seeded second */
    org_ids[ASSOCIATION] = create_org("association", "辽宁省中小企业服务协会");
    org_ids[ASSESSOR] = create_org("assessor", "辽宁某第三方评估中心");
    org_ids[SUPERVISOR] = create_org("supervisor", "辽宁省审计厅");
    /* a platform company of 沈阳 (the applicant, issue 16), created by its city */
    th_response *company = call("POST", "/v1/organizations", PROVINCE,
                                "{\"type\":\"platform\",\"name\":\"沈阳某平台运营有限公司\",\"region_code\":\"210100\","
                                "\"credit_code\":\"91210100MA0P4X6G1Y\"}");
    ck_assert_msg(company->status == 201, "%s", company->body);
    org_ids[PLATFORM] = json_integer_value(json_object_get(company->json, "id"));
    th_free(company);
    const char *usernames[NROLES] = {NULL, "shenyang", "assoc", "assessor1", "auditor", "company"};
    for (int r = CITY; r < NROLES; r++) {
        create_user(usernames[r], org_ids[r]);
        tokens[r] = login(usernames[r], USER_PASSWORD, &status);
        if (tokens[r] == NULL) {
            fprintf(stderr, "%s cannot log in (%d)\n", usernames[r], status);
            exit(1);
        }
    }
}

static void teardown(void)
{
    if (server.pid > 0)
        th_server_stop(&server);
    for (int r = 0; r < NROLES; r++)
        free(tokens[r]);
    free(spare_admin_token);
}

/* ---- operations endpoints ---- */

START_TEST(health_ready_metrics_and_contract_answer)
{
    th_response *r = call("GET", "/healthz", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "ok");
    th_free(r);
    r = call("GET", "/readyz", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = th_json(port, "GET", "/metrics", METRICS_TOKEN, NULL);
    ck_assert_int_eq(r->status, 200);
    char ct[128];
    ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Type", ct, sizeof ct), "text/plain"));
    ck_assert_ptr_nonnull(strstr(r->body, "shifan_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
    ck_assert_ptr_nonnull(strstr(r->body, "shifan_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"}"));
    ck_assert_ptr_nonnull(strstr(r->body, "shifan_db_pool_connections{state=\"in_use\"}"));
    ck_assert_ptr_nonnull(strstr(r->body, "shifan_db_pool_connections{state=\"idle\"}"));
    th_free(r);
    r = call("GET", "/v1/openapi.json", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_nonnull(r->json);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "openapi")), "3.1.0");
    ck_assert(json_is_object(json_object_get(json_object_get(r->json, "paths"), "/v1/me")));
    th_free(r);
}
END_TEST

/* A route's path as OpenAPI writes it: "/v1/organizations/:id" is "/v1/organizations/{id}". */
static void openapi_path(const char *route, char out[256])
{
    out[0] = '\0';
    for (const char *p = route; *p;) {
        if (*p == ':') {
            size_t n = strcspn(p + 1, "/");
            strcat(out, "{");
            strncat(out, p + 1, n);
            strcat(out, "}");
            p += n + 1;
        } else {
            strncat(out, p++, 1);
        }
    }
}

/* The contract and the server cannot drift apart: every route in the table is described in
 * the served OpenAPI document under the same method, and every path it describes is served. */
START_TEST(the_contract_describes_every_route)
{
    th_response *r = call("GET", "/v1/openapi.json", -1, NULL);
    json_t *paths = json_object_get(r->json, "paths");
    ck_assert(json_is_object(paths));
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        char path[256], method[16];
        openapi_path(sf_routes[i].path, path);
        size_t k = 0;
        for (; sf_routes[i].method[k] && k + 1 < sizeof method; k++)
            method[k] = (char)(sf_routes[i].method[k] | 0x20);
        method[k] = '\0';
        json_t *op = json_object_get(json_object_get(paths, path), method);
        ck_assert_msg(json_is_object(op), "the contract lacks %s %s", sf_routes[i].method, path);
        ck_assert_msg(json_is_object(json_object_get(op, "responses")), "%s %s has no responses", method, path);
    }
    const char *described;
    json_t *item;
    json_object_foreach(paths, described, item) {
        int served = 0;
        for (size_t i = 0; sf_routes[i].method != NULL && !served; i++) {
            char path[256];
            openapi_path(sf_routes[i].path, path);
            served = strcmp(path, described) == 0;
        }
        ck_assert_msg(served, "the contract describes %s, which the server does not serve", described);
    }
    th_free(r);
}
END_TEST

START_TEST(cors_allows_the_configured_origins_only)
{
    char value[256];
    th_response *r = th_request(port, "OPTIONS", "/v1/organizations", NULL, NULL, NULL, 0,
                                "Origin: https://portal.example.gov.cn\r\nAccess-Control-Request-Method: POST\r\n"
                                "Access-Control-Request-Headers: authorization, content-type\r\n");
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(th_header(r, "Access-Control-Allow-Origin", value, sizeof value), "https://portal.example.gov.cn");
    ck_assert_ptr_nonnull(strstr(th_header(r, "Access-Control-Allow-Methods", value, sizeof value), "POST"));
    ck_assert_ptr_nonnull(strstr(th_header(r, "Access-Control-Allow-Headers", value, sizeof value), "Authorization"));
    th_free(r);
    /* an origin not listed: refused, and no CORS header on its ordinary answers either */
    r = th_request(port, "OPTIONS", "/v1/organizations", NULL, NULL, NULL, 0,
                   "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
    expect_problem(r, 403);
    ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Origin", value, sizeof value));
    th_free(r);
    r = th_request(port, "OPTIONS", "/v1/organizations", NULL, NULL, NULL, 0,
                   "Origin: http://localhost:5173\r\nAccess-Control-Request-Method: DELETE\r\n");
    expect_problem(r, 405);
    th_free(r);
    r = th_request(port, "GET", "/v1/me", tokens[CITY], NULL, NULL, 0, "Origin: http://localhost:5173\r\n");
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(th_header(r, "Access-Control-Allow-Origin", value, sizeof value), "http://localhost:5173");
    ck_assert_ptr_nonnull(strstr(th_header(r, "Access-Control-Expose-Headers", value, sizeof value), "ETag"));
    th_free(r);
    r = th_request(port, "GET", "/v1/me", tokens[CITY], NULL, NULL, 0, "Origin: http://localhost:5174\r\n");
    ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Origin", value, sizeof value));
    th_free(r);
}
END_TEST

START_TEST(request_id_is_echoed_or_generated)
{
    char id[128];
    th_response *r = th_request(port, "GET", "/healthz", NULL, NULL, NULL, 0, "X-Request-Id: portal-42.a\r\n");
    ck_assert_str_eq(th_header(r, "X-Request-Id", id, sizeof id), "portal-42.a");
    /* the server's own id beside it (issue 14, item 9) */
    ck_assert_uint_eq(strlen(th_header(r, "X-Server-Request-Id", id, sizeof id)), 32);
    th_free(r);
    r = th_request(port, "GET", "/healthz", NULL, NULL, NULL, 0, NULL);
    ck_assert_uint_eq(strlen(th_header(r, "X-Request-Id", id, sizeof id)), 32);
    th_free(r);
    /* an unsafe id (it would reach the log) is replaced */
    r = th_request(port, "GET", "/healthz", NULL, NULL, NULL, 0, "X-Request-Id: a\"b{}\r\n");
    ck_assert_uint_eq(strlen(th_header(r, "X-Request-Id", id, sizeof id)), 32);
    th_free(r);
}
END_TEST

/* The request log's lines are gathered and written together (api/server.c): none is lost when
 * the server stops right after its requests, and each is whole. (Whether the last lines were
 * written by the stop or by the log's own thread during the stop's other work, this does not
 * tell: it holds that the log is whole either way.) */
START_TEST(the_request_log_is_whole_after_a_stop)
{
    th_server s;
    ck_assert_int_eq(th_server_start(&s, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, NULL), 0);
    enum { N = 300 };
    char header[64];
    for (int i = 0; i < N; i++) {
        snprintf(header, sizeof header, "X-Request-Id: stop-flush-%d\r\n", i);
        th_response *r = th_request(s.port, "GET", "/healthz", NULL, NULL, NULL, 0, header);
        ck_assert_int_eq(r->status, 200);
        th_free(r);
    }
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);   /* at once: no pause for the 20 ms */
    char *log = th_read_file(s.log_path);
    ck_assert_ptr_nonnull(log);
    int lines = 0;
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(json_is_object(j), "not a whole JSON line: %.200s", line);
        const char *id = json_string_value(json_object_get(j, "client_request_id"));
        lines += id != NULL && strncmp(id, "stop-flush-", 11) == 0;
        json_decref(j);
    }
    ck_assert_int_eq(lines, N);
    free(log);
}
END_TEST

START_TEST(each_request_logs_one_line_and_no_secret)
{
    th_response *r = th_request(port, "GET", "/v1/me", tokens[CITY], NULL, NULL, 0, "X-Request-Id: log-check-1\r\n");
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    /* the lines are written together, within 20 ms (api/server.c, the request log) */
    char *log = NULL, *line = NULL;
    for (int i = 0; i < 100 && line == NULL; i++) {
        if (i > 0)
            th_pause_ms(20);
        free(log);
        log = th_read_file(server.log_path);
        ck_assert_ptr_nonnull(log);
        line = strstr(log, "\"client_request_id\":\"log-check-1\"");
    }
    ck_assert_ptr_nonnull(line);
    while (line > log && line[-1] != '\n')
        line--;
    json_t *entry = json_loadb(line, strcspn(line, "\n"), 0, NULL);
    ck_assert_ptr_nonnull(entry);
    ck_assert_str_eq(json_string_value(json_object_get(entry, "method")), "GET");
    ck_assert_str_eq(json_string_value(json_object_get(entry, "route")), "/v1/me");
    ck_assert_int_eq(json_integer_value(json_object_get(entry, "status")), 200);
    ck_assert(json_is_number(json_object_get(entry, "duration_ms")));
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(entry, "request_id"))), 32);
    /* the line is written by hand (issue 18, point 5): the time to the millisecond in UTC,
     * the duration with three decimals */
    const char *ts = json_string_value(json_object_get(entry, "ts"));
    ck_assert_ptr_nonnull(ts);
    ck_assert_uint_eq(strlen(ts), 24);
    ck_assert(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' && ts[13] == ':' && ts[16] == ':' && ts[19] == '.' &&
              ts[23] == 'Z' && strspn(ts, "0123456789") == 4 && strspn(ts + 20, "0123456789") == 3);
    const char *d = strstr(line, "\"duration_ms\":") + 14;
    size_t whole = strspn(d, "0123456789");
    ck_assert(whole >= 1 && d[whole] == '.' && strspn(d + whole + 1, "0123456789") == 3 && d[whole + 4] == ',');
    json_decref(entry);
    ck_assert_ptr_null(strstr(log, ADMIN_PASSWORD));
    ck_assert_ptr_null(strstr(log, USER_PASSWORD));
    ck_assert_ptr_null(strstr(log, tokens[CITY]));
    free(log);
}
END_TEST

START_TEST(unknown_paths_and_methods)
{
    th_response *r = call("GET", "/v1/nothing-here", -1, NULL);
    expect_problem(r, 404);
    th_free(r);
    /* an escaped character in a path: no path of the contract has one (the upload routes
     * answered 503, the others read no body) */
    const char *escaped[] = {"/v1/applications/1%2f/materials?kind=other&filename=a.pdf", "/v1/applications/1%00/materials",
                             "/v1/awards/1%2F/revoke", "/v1/awards/1%00/reinstate", "/v1/assessments/%31/result",
                             "/v1/applications/%31/materials?kind=other&filename=a.pdf"};
    for (size_t i = 0; i < sizeof escaped / sizeof *escaped; i++) {
        const int roles[] = {-1, PROVINCE};   /* without a token, and the province's: 404 before anything else */
        for (size_t k = 0; k < 2; k++) {
            r = call("POST", escaped[i], roles[k], "{\"reason\":\"x\"}");
            ck_assert_msg(r->status == 404, "%s: %d %s", escaped[i], r->status, r->body);
            expect_problem(r, r->status);
            th_free(r);
        }
    }
    /* two Content-Length headers (RFC 9112 §6.3): 400, nothing created, whichever comes first */
    const char *org = "{\"type\":\"association\",\"name\":\"两个长度协会\"}";
    const char *second[] = {"Content-Length: 5\r\n", "Content-Length: 99\r\n"};
    for (size_t i = 0; i < 2; i++) {
        r = th_request(port, "POST", "/v1/organizations", tokens[PROVINCE], "application/json", org, strlen(org),
                       second[i]);
        ck_assert_msg(r->status == 400, "%d %s", r->status, r->body);
        expect_problem(r, 400);
        th_free(r);
    }
    r = call("GET", "/v1/organizations?limit=100", PROVINCE, NULL);
    ck_assert_ptr_null(strstr(r->body, "两个长度协会"));
    th_free(r);
    r = th_request(port, "POST", "/v1/nothing-here", tokens[PROVINCE], "application/json", org, strlen(org), second[0]);
    ck_assert_msg(r->status == 400, "%d %s", r->status, r->body);   /* whatever the path */
    th_free(r);
    /* a trailing slash is another path, the contract's has none */
    const char *slashed[] = {"/v1/me/", "/healthz/", "/v1/rounds/", "/v1/organizations/3/", "/v1/public/registry/"};
    char cache[64];
    for (size_t i = 0; i < sizeof slashed / sizeof *slashed; i++) {
        r = call("GET", slashed[i], PROVINCE, NULL);
        expect_problem(r, 404);
        ck_assert_str_eq(th_header(r, "Cache-Control", cache, sizeof cache), "no-store");   /* else cacheable */
        th_free(r);
    }
    r = call("DELETE", "/v1/me", PROVINCE, NULL);
    expect_problem(r, 405);
    char allow[64];
    ck_assert_str_eq(th_header(r, "Allow", allow, sizeof allow), "GET, HEAD, OPTIONS");
    ck_assert_str_eq(th_header(r, "Cache-Control", cache, sizeof cache), "no-store");
    th_free(r);
    r = call("OPTIONS", "/v1/me", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(th_header(r, "Cache-Control", cache, sizeof cache), "no-store");
    th_free(r);
    r = call("PUT", "/v1/organizations/3", PROVINCE, "{}");
    expect_problem(r, 405);
    th_free(r);
}
END_TEST

/* ---- login ---- */

START_TEST(login_issues_a_bearer_jwt_with_every_claim)
{
    th_response *r = call("POST", "/v1/auth/token", -1, "{\"username\":\"shenyang\",\"password\":\"" USER_PASSWORD "\"}");
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "token_type")), "Bearer");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "expires_in")), token_ttl);
    const char *token = json_string_value(json_object_get(r->json, "access_token"));
    jwt_t *jwt;
    ck_assert_int_eq(jwt_decode(&jwt, token, key, (int)key_len), 0);
    ck_assert_int_eq(jwt_get_alg(jwt), JWT_ALG_HS256);
    ck_assert_str_eq(jwt_get_grant(jwt, "role"), "city");
    ck_assert_str_eq(jwt_get_grant(jwt, "region"), "210100");
    ck_assert_str_eq(jwt_get_grant(jwt, "iss"), "shifan");
    ck_assert_str_eq(jwt_get_grant(jwt, "aud"), "shifan-api");
    ck_assert_int_eq(jwt_get_grant_int(jwt, "org"), org_ids[CITY]);
    ck_assert_ptr_nonnull(jwt_get_grant(jwt, "sub"));
    ck_assert_uint_eq(strlen(jwt_get_grant(jwt, "jti")), 36);
    ck_assert_uint_eq(strlen(jwt_get_grant(jwt, "sid")), 36);
    ck_assert_ptr_null(jwt_get_grant(jwt, "password_change_required"));
    ck_assert_int_eq(jwt_get_grant_int(jwt, "exp") - jwt_get_grant_int(jwt, "iat"), token_ttl);
    jwt_free(jwt);
    th_free(r);
}
END_TEST

START_TEST(wrong_password_and_unknown_user_look_the_same)
{
    th_response *a = call("POST", "/v1/auth/token", -1, "{\"username\":\"assoc\",\"password\":\"wrong-password-1\"}");
    th_response *b = call("POST", "/v1/auth/token", -1, "{\"username\":\"no-such-user\",\"password\":\"wrong-password-1\"}");
    expect_problem(a, 401);
    expect_problem(b, 401);
    ck_assert_str_eq(json_string_value(json_object_get(a->json, "detail")),
                     json_string_value(json_object_get(b->json, "detail")));
    th_free(a);
    th_free(b);
}
END_TEST

START_TEST(malformed_bodies_are_refused_with_the_right_status)
{
    th_response *r;
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", "{\"username\":", 12, NULL);
    expect_problem(r, 400);   /* malformed JSON */
    th_free(r);
    r = th_request(port, "POST", "/v1/auth/token", NULL, "text/plain", "{}", 2, NULL);
    expect_problem(r, 415);   /* wrong media type */
    th_free(r);
    r = th_request(port, "POST", "/v1/auth/token", NULL, NULL, "{}", 2, NULL);
    expect_problem(r, 415);   /* no media type */
    th_free(r);
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", "", 0, NULL);
    expect_problem(r, 400);   /* empty */
    th_free(r);
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", "[1,2]", 5, NULL);
    expect_problem(r, 400);   /* not an object */
    th_free(r);
    const char dup[] = "{\"username\":\"a\",\"username\":\"b\",\"password\":\"x\"}";
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", dup, strlen(dup), NULL);
    expect_problem(r, 400);   /* duplicate keys */
    th_free(r);
    const char bad_utf8[] = "{\"username\":\"\xff\xfe\",\"password\":\"x\"}";
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", bad_utf8, strlen(bad_utf8), NULL);
    expect_problem(r, 400);   /* invalid UTF-8 */
    th_free(r);
    const char nul[] = "{\"username\":\"a\\u0000b\",\"password\":\"x\"}";
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", nul, strlen(nul), NULL);
    expect_problem(r, 400);   /* NUL inside a string */
    th_free(r);
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json; charset=latin1", "{}", 2, NULL);
    expect_problem(r, 415);
    th_free(r);
    /* issue 7, point 6: media types that only contain application/json are not it */
    const char *const lookalikes[] = {"text/application/json", "application/jsonx", "application/json-patch+json",
                                      "foo; a=application/json", "xapplication/json"};
    for (size_t i = 0; i < sizeof lookalikes / sizeof *lookalikes; i++) {
        r = th_request(port, "POST", "/v1/auth/token", NULL, lookalikes[i], "{}", 2, NULL);
        ck_assert_msg(r != NULL && r->status == 415, "%s: %d", lookalikes[i], r ? r->status : 0);
        th_free(r);
    }
    /* trailing data, bare scalars, deep nesting, numbers beyond range */
    const char *const malformed[] = {"{\"username\":\"a\",\"password\":\"b\"} x", "{} {}", "\"admin\"", "42", "null",
                                     "true"};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", malformed[i], strlen(malformed[i]), NULL);
        ck_assert_msg(r != NULL && r->status == 400, "%s: %d", malformed[i], r ? r->status : 0);
        th_free(r);
    }
    char deep[4096];
    memset(deep, '[', 2048);
    memset(deep + 2048, ']', 2048);
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", deep, sizeof deep, NULL);
    expect_problem(r, 400);
    th_free(r);
    const char *const huge[] = {"{\"username\":\"a\",\"password\":\"b\",\"org_id\":1e400}",
                                "{\"username\":\"a\",\"password\":\"b\",\"display_name\":\"x\",\"org_id\":99999999999999999999999}"};
    for (size_t i = 0; i < sizeof huge / sizeof *huge; i++) {
        r = call("POST", "/v1/users", PROVINCE, huge[i]);
        ck_assert_msg(r != NULL && (r->status == 400 || r->status == 422), "%s: %d", huge[i], r ? r->status : 0);
        th_free(r);
    }
}
END_TEST

START_TEST(field_errors_name_every_field)
{
    th_response *r = call("POST", "/v1/auth/token", -1, "{}");
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "username"));
    ck_assert(has_field_error(r, "password"));
    th_free(r);
    r = call("POST", "/v1/auth/token", -1, "{\"username\":5,\"password\":[],\"remember\":true}");
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "username"));
    ck_assert(has_field_error(r, "password"));
    ck_assert(has_field_error(r, "remember"));
    th_free(r);
}
END_TEST

START_TEST(bodies_over_the_limit_are_413_and_at_the_limit_are_read)
{
    size_t limit = 65536;
    char *body = malloc(limit + 2);
    /* exactly the limit: a valid JSON object with a long field, read and judged (422) */
    const char *head = "{\"username\":\"", *tail = "\",\"password\":\"x\"}";
    size_t fill = limit - strlen(head) - strlen(tail);
    strcpy(body, head);
    memset(body + strlen(head), 'u', fill);
    strcpy(body + strlen(head) + fill, tail);
    ck_assert_uint_eq(strlen(body), limit);
    th_response *r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", body, limit, NULL);
    expect_problem(r, 422);
    th_free(r);
    /* one byte more */
    memmove(body + 1, body, limit + 1);
    body[0] = ' ';
    r = th_request(port, "POST", "/v1/auth/token", NULL, "application/json", body, limit + 1, NULL);
    expect_problem(r, 413);
    /* its title is the status's reason phrase (RFC 9110), as the status line says */
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "title")), "Content Too Large");
    th_free(r);
    free(body);
    /* far over the limit (16x): the server keeps at most limit + 1 bytes and answers 413 */
    size_t big = 16 * limit;
    body = malloc(big);
    memset(body, ' ', big);
    body[0] = '{';
    body[big - 1] = '}';
    r = th_request(port, "POST", "/v1/organizations", tokens[PROVINCE], "application/json", body, big, NULL);
    ck_assert_ptr_nonnull(r);
    expect_problem(r, 413);
    th_free(r);
    free(body);

    /* issue 7, point 6: the same with no Content-Length (chunked), for a body that is valid
     * but for its size — whitespace around a good organisation: 413, and nothing written */
    const char *org = "{\"type\":\"association\",\"name\":\"分块协会\"}";
    size_t olen = strlen(org), pad = limit + 1 - olen;
    char chunk_head[1024];   /* a token names its session too (issue 13 §3) */
    int fd = th_connect(port);
    ck_assert_int_ge(fd, 0);
    int n = snprintf(chunk_head, sizeof chunk_head,
                     "POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                     tokens[PROVINCE]);
    ck_assert_int_eq(send(fd, chunk_head, (size_t)n, MSG_NOSIGNAL), n);
    char *spaces = malloc(pad);
    memset(spaces, ' ', pad);
    char size_line[32];
    n = snprintf(size_line, sizeof size_line, "%zx\r\n", pad);
    int sent = send(fd, size_line, (size_t)n, MSG_NOSIGNAL) == n && send(fd, spaces, pad, MSG_NOSIGNAL) == (ssize_t)pad;
    n = snprintf(size_line, sizeof size_line, "\r\n%zx\r\n", olen);
    if (sent)
        sent = send(fd, size_line, (size_t)n, MSG_NOSIGNAL) == n && send(fd, org, olen, MSG_NOSIGNAL) == (ssize_t)olen &&
               send(fd, "\r\n0\r\n\r\n", 7, MSG_NOSIGNAL) == 7;
    free(spaces);
    char answer[2048];
    ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
    close(fd);
    ck_assert_int_gt(got, 12);
    answer[got] = '\0';
    ck_assert_msg(strncmp(answer, "HTTP/1.1 413", 12) == 0, "chunked over the limit: %.60s", answer);
    r = call("GET", "/v1/organizations?type=association&limit=100", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_null(strstr(r->body, "分块协会"));
    th_free(r);
}
END_TEST

/* ---- tokens ---- */

START_TEST(me_answers_every_role)
{
    for (int role = 0; role < NROLES; role++) {
        th_response *r = call("GET", "/v1/me", role, NULL);
        ck_assert_int_eq(r->status, 200);
        ck_assert_str_eq(json_string_value(json_object_get(r->json, "role")), role_names[role]);
        json_t *org = json_object_get(r->json, "organization");
        ck_assert_str_eq(json_string_value(json_object_get(org, "type")), role_names[role]);
        ck_assert_int_eq(json_integer_value(json_object_get(org, "id")), org_ids[role]);
        ck_assert_ptr_null(json_object_get(r->json, "password_hash"));
        char etag[80];
        ck_assert_ptr_nonnull(th_header(r, "ETag", etag, sizeof etag));
        /* the operations it lists are exactly those of the route table its role may call */
        json_t *ops = json_object_get(r->json, "permitted_operations");
        size_t expected = 0;
        for (size_t i = 0; sf_routes[i].method != NULL; i++)
            expected += sf_routes[i].access != SF_PUBLIC &&
                        (sf_routes[i].action < 0 || sf_role_may(sf_role_parse(role_names[role]), (sf_action)sf_routes[i].action));
        ck_assert_uint_eq(json_array_size(ops), expected);
        int submit = 0, post_rounds = 0;
        size_t k;
        json_t *op;
        json_array_foreach(ops, k, op) {
            const char *m = json_string_value(json_object_get(op, "method"));
            const char *p = json_string_value(json_object_get(op, "path"));
            ck_assert_ptr_null(strchr(p, ':'));   /* {id}, as the contract writes it */
            submit += strcmp(m, "POST") == 0 && strcmp(p, "/v1/applications/{id}/submit") == 0;
            post_rounds += strcmp(m, "POST") == 0 && strcmp(p, "/v1/rounds") == 0;
        }
        ck_assert_int_eq(submit, role == PLATFORM);
        ck_assert_int_eq(post_rounds, role == PROVINCE || role == CITY);
        th_free(r);
    }
}
END_TEST

START_TEST(me_needs_a_valid_bearer_token)
{
    th_response *r = call("GET", "/v1/me", -1, NULL);
    expect_problem(r, 401);
    char www[128];
    ck_assert_ptr_nonnull(th_header(r, "WWW-Authenticate", www, sizeof www));
    th_free(r);
    ck_assert_int_eq(me_status("not-a-jwt"), 401);
    ck_assert_int_eq(me_status(""), 401);
    r = th_request(port, "GET", "/v1/me", NULL, NULL, NULL, 0, "Authorization: Basic YWRtaW46eA==\r\n");
    expect_problem(r, 401);
    th_free(r);
}
END_TEST

START_TEST(forged_tokens_are_refused)
{
    claims c = good_claims();
    char *t = forge(&c);
    ck_assert_int_eq(me_status(t), 200);  /* the control: the key makes a valid token */
    free(t);

    c = good_claims();
    c.alg = JWT_ALG_NONE;
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* alg: none */
    free(t);

    /* alg none written by hand, with and without a trailing dot */
    const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
    char payload[512];
    snprintf(payload, sizeof payload,
             "{\"iss\":\"shifan\",\"aud\":\"shifan-api\",\"sub\":\"1\",\"org\":1,\"role\":\"province\","
             "\"region\":\"210000\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"6f1c2f8e-2f0a-4a5b-8c7d-9e0f1a2b3c4d\"}",
             (long long)time(NULL), (long long)time(NULL) + 600);
    char *h64 = b64url(hdr, strlen(hdr)), *p64 = b64url(payload, strlen(payload));
    char manual[2048];
    snprintf(manual, sizeof manual, "%s.%s.", h64, p64);
    ck_assert_int_eq(me_status(manual), 401);
    snprintf(manual, sizeof manual, "%s.%s", h64, p64);
    ck_assert_int_eq(me_status(manual), 401);
    free(h64);

    /* a tampered payload under a genuine signature: the city's token made "province" */
    const char *city = tokens[CITY];
    const char *dot2 = strrchr(city, '.');
    const char *dot1 = strchr(city, '.');
    snprintf(manual, sizeof manual, "%.*s.%s%s", (int)(dot1 - city), city, p64, dot2);
    ck_assert_int_eq(me_status(manual), 401);
    free(p64);

    c = good_claims();
    c.exp = time(NULL) - 1;
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* expired */
    free(t);

    c = good_claims();
    c.omit_exp = 1;
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* no exp at all */
    free(t);

    c = good_claims();
    c.iss = "someone-else";
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* wrong issuer */
    free(t);

    c = good_claims();
    c.aud = "another-api";
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* wrong audience */
    free(t);

    c = good_claims();
    c.alg = JWT_ALG_HS512;
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* not the configured algorithm */
    free(t);

    c = good_claims();
    c.role = "superuser";
    t = forge(&c);
    ck_assert_int_eq(me_status(t), 401);  /* no such role */
    free(t);
}
END_TEST

START_TEST(a_revoked_token_stops_working_at_once)
{
    int status;
    char *t = login("assoc", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(me_status(t), 200);
    th_response *r = th_json(port, "POST", "/v1/auth/revoke", t, NULL);
    ck_assert_int_eq(r->status, 204);
    th_free(r);
    ck_assert_int_eq(me_status(t), 401);
    r = th_json(port, "POST", "/v1/auth/revoke", t, NULL);
    expect_problem(r, 401);
    th_free(r);
    r = th_json(port, "POST", "/v1/auth/revoke", NULL, NULL);
    expect_problem(r, 401);
    th_free(r);
    /* other tokens of the same user still work */
    ck_assert_int_eq(me_status(tokens[ASSOCIATION]), 200);
    free(t);
}
END_TEST

/* ---- issue 7, point 1: tokens made by hand, signed right, refused for what they say ---- */

/* A JWT written byte for byte: `header` and `payload` as given, signed with HMAC-`md` under
 * the server's key, so that only what the token says can make the server refuse it. */
static char *hand_token(const char *header, const char *payload, const EVP_MD *md)
{
    char *h64 = b64url(header, strlen(header)), *p64 = b64url(payload, strlen(payload));
    size_t len = strlen(h64) + 1 + strlen(p64);
    char *token = malloc(len + 1 + 2 * EVP_MAX_MD_SIZE + 8);
    snprintf(token, len + 1, "%s.%s", h64, p64);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    ck_assert_ptr_nonnull(HMAC(md, key, (int)key_len, (const unsigned char *)token, len, mac, &mac_len));
    char *s64 = b64url((const char *)mac, mac_len);
    token[len] = '.';
    strcpy(token + len + 1, s64);
    free(h64);
    free(p64);
    free(s64);
    return token;
}

#define GOOD_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define GOOD_JTI "0b7e4a1c-5d2f-4e3a-9b8c-7d6e5f4a3b2c"

/* The claims of a valid token for the admin (user 1, org 1), as JSON with `claim` changed:
 * to the JSON `value`, or removed if `value` is NULL; a value "@N" is the time now + N. */
static char *hand_payload(const char *claim, const char *value)
{
    long long now = time(NULL);
    json_t *p = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:I, s:s, s:s}", "iss", "shifan", "aud", "shifan-api",
                          "sub", "1", "org", 1, "role", "province", "region", "210000", "iat", (json_int_t)now,
                          "exp", (json_int_t)(now + 600), "jti", GOOD_JTI, "sid", hand_sid);
    ck_assert_ptr_nonnull(p);
    if (claim != NULL && value == NULL) {
        json_object_del(p, claim);
    } else if (claim != NULL && value[0] == '@') {
        json_object_set_new(p, claim, json_integer(now + atoll(value + 1)));
    } else if (claim != NULL) {
        json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
        ck_assert_msg(v != NULL, "bad test value %s", value);
        json_object_set_new(p, claim, v);
    }
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    return text;
}

/* Issue 18, point 5: GET /v1/me is written from its members, the list of permitted
 * operations kept per role as text: still exactly its canonical text under its hash, the same
 * list as the role's twice over, and each role's own. */
START_TEST(the_me_answer_is_its_canonical_text_under_its_hash)
{
    char *first[NROLES];
    for (int round = 0; round < 2; round++)
        for (int role = 0; role < NROLES; role++) {
            th_response *r = call("GET", "/v1/me", role, NULL);
            ck_assert_int_eq(r->status, 200);
            th_assert_canonical_tagged(r, NULL);
            char *ops = json_dumps(json_object_get(r->json, "permitted_operations"), JSON_COMPACT);
            ck_assert_ptr_nonnull(ops);
            if (round == 0) {
                first[role] = ops;
            } else {
                ck_assert_str_eq(ops, first[role]);
                free(ops);
            }
            th_free(r);
        }
    ck_assert_str_ne(first[PROVINCE], first[CITY]);
    ck_assert_str_ne(first[CITY], first[PLATFORM]);
    for (int role = 0; role < NROLES; role++)
        free(first[role]);
}
END_TEST

/* Issue 18, point 5: a worker thread keeps what it found of the tokens it verified, but judges
 * their time claims again on every request: a token accepted many times (on every worker) is
 * refused once it has expired. */
START_TEST(a_token_accepted_before_is_refused_once_it_expires)
{
    char *payload = hand_payload("exp", "@3");
    char *t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    long long expires = time(NULL) + 3;
    for (int i = 0; i < 100 && time(NULL) < expires - 1; i++)
        ck_assert_int_eq(me_status(t), 200);
    while (time(NULL) < expires + 1)
        usleep(100 * 1000);
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(me_status(t), 401);
    free(t);
    free(payload);
}
END_TEST

START_TEST(hand_made_tokens_signed_right_are_refused_for_what_they_say)
{
    /* the control: written by hand, every claim right, the table cannot pass vacuously */
    char *payload = hand_payload(NULL, NULL);
    char *t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 200);
    free(t);
    /* a token issued a little in the future, within the 60 s of skew, is still good */
    free(payload);
    payload = hand_payload("iat", "@30");
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 200);
    free(t);
    free(payload);

    const struct {
        const char *why, *header, *md, *claim, *value;
    } cases[] = {
        /* the algorithm: only the configured HS256, spelled exactly so, is accepted */
        {"alg none, signed", "{\"alg\":\"none\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg NONE", "{\"alg\":\"NONE\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        /* libjwt compares names without case; api/auth.c checks the header's text itself */
        {"alg hs256", "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg HS384, signed HMAC-SHA384", "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", "SHA384", NULL, NULL},
        {"alg HS512, signed HMAC-SHA512", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "SHA512", NULL, NULL},
        {"alg RS256, HMAC with the key", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"no alg", "{\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg twice, HS256 then none", "{\"alg\":\"HS256\",\"alg\":\"none\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        /* libjwt lets the last duplicate win; api/auth.c refuses duplicate keys */
        {"alg twice, none then HS256", "{\"alg\":\"none\",\"alg\":\"HS256\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg twice, HS256 both times", "{\"alg\":\"HS256\",\"alg\":\"HS256\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg null", "{\"alg\":null,\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg empty", "{\"alg\":\"\",\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"alg an array", "{\"alg\":[\"HS256\"],\"typ\":\"JWT\"}", "SHA256", NULL, NULL},
        {"header not JSON", "alg=HS256", "SHA256", NULL, NULL},
        /* the claims */
        {"no exp", NULL, NULL, "exp", NULL},
        {"exp a string", NULL, NULL, "exp", "\"9999999999\""},
        {"exp null", NULL, NULL, "exp", "null"},
        {"exp true", NULL, NULL, "exp", "true"},
        {"exp an object", NULL, NULL, "exp", "{\"t\":9999999999}"},
        {"expired a second ago", NULL, NULL, "exp", "@-1"},
        {"expired now", NULL, NULL, "exp", "@0"},
        {"expired a day ago", NULL, NULL, "exp", "@-86400"},
        {"no iat", NULL, NULL, "iat", NULL},
        /* libjwt reads a mistyped time claim as 0; api/auth.c requires integers */
        {"iat a string", NULL, NULL, "iat", "\"1700000000\""},
        {"iat null", NULL, NULL, "iat", "null"},
        {"nbf a string", NULL, NULL, "nbf", "\"1700000000\""},
        {"issued 2 minutes ahead", NULL, NULL, "iat", "@120"},
        {"issued a day ahead", NULL, NULL, "iat", "@86400"},
        {"not before 2 minutes ahead", NULL, NULL, "nbf", "@120"},
        {"no sub", NULL, NULL, "sub", NULL},
        {"sub a number", NULL, NULL, "sub", "1"},
        {"sub not an id", NULL, NULL, "sub", "\"admin\""},
        {"sub empty", NULL, NULL, "sub", "\"\""},
        {"sub 0", NULL, NULL, "sub", "\"0\""},
        {"sub negative", NULL, NULL, "sub", "\"-1\""},
        {"no jti", NULL, NULL, "jti", NULL},
        {"jti a number", NULL, NULL, "jti", "42"},
        {"jti not a UUID", NULL, NULL, "jti", "\"not-a-uuid\""},
        {"jti null", NULL, NULL, "jti", "null"},
        /* the session (issue 13 §3): required, a UUID, one that exists and is the user's */
        {"no sid", NULL, NULL, "sid", NULL},
        {"sid a number", NULL, NULL, "sid", "42"},
        {"sid not a UUID", NULL, NULL, "sid", "\"not-a-uuid\""},
        {"sid of no session", NULL, NULL, "sid", "\"6f1c2f8e-2f0a-4a5b-8c7d-9e0f1a2b3c4d\""},
        {"password_change_required a string", NULL, NULL, "password_change_required", "\"no\""},
        {"password_change_required 0", NULL, NULL, "password_change_required", "0"},
        {"no iss", NULL, NULL, "iss", NULL},
        {"iss a number", NULL, NULL, "iss", "1"},
        {"iss in capitals", NULL, NULL, "iss", "\"SHIFAN\""},
        {"no aud", NULL, NULL, "aud", NULL},
        {"aud another API", NULL, NULL, "aud", "\"shifan-api-2\""},
        {"aud a prefix", NULL, NULL, "aud", "\"shifan\""},
    };
    int accepted = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const EVP_MD *md = EVP_get_digestbyname(cases[i].md ? cases[i].md : "SHA256");
        ck_assert_ptr_nonnull(md);
        payload = hand_payload(cases[i].claim, cases[i].value);
        t = hand_token(cases[i].header ? cases[i].header : GOOD_HEADER, payload, md);
        int status = me_status(t);
        if (status != 401) {
            fprintf(stderr, "%s: expected 401, got %d for %s\n", cases[i].why, status, t);
            accepted++;
        }
        free(t);
        free(payload);
    }
    ck_assert_msg(accepted == 0, "%d hand-made tokens were not refused (listed above)", accepted);
}
END_TEST

/* A flipped byte anywhere in a valid token, header, payload, dots or signature, makes it invalid. */
START_TEST(a_flipped_byte_anywhere_is_refused)
{
    char *payload = hand_payload(NULL, NULL);
    char *good = hand_token(GOOD_HEADER, payload, EVP_sha256());
    free(payload);
    ck_assert_int_eq(me_status(good), 200);
    size_t len = strlen(good);
    char *t = strdup(good);
    int accepted = 0;
    for (size_t i = 0; i < len; i++) {
        /* two changes per byte: its lowest bit flipped, and its top base64 bit flipped (a
         * character of the alphabet that always decodes differently) */
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *at = strchr(alphabet, good[i]);
        char changed[2] = {(char)(good[i] ^ 1), at ? alphabet[(at - alphabet) ^ 32] : '~'};
        for (int k = 0; k < 2; k++) {
            t[i] = changed[k];
            int status = me_status(t);
            if (status != 401) {
                fprintf(stderr, "byte %zu of %zu ('%c' -> '%c'): expected 401, got %d: %s\n", i, len, good[i],
                        changed[k], status, t);
                accepted++;
            }
        }
        t[i] = good[i];
    }
    ck_assert_msg(accepted == 0, "%d tokens with a flipped byte were not refused (listed above)", accepted);
    free(t);
    free(good);
}
END_TEST

/* A revoked jti stays revoked: another token carrying the same jti is refused too; and
 * revoking ends the token's session: every other token of it is refused (issue 13 §3). */
START_TEST(a_revoked_jti_is_refused_in_any_token)
{
    char *own = spare_admin_token, own_sid[40];
    spare_admin_token = NULL;
    ck_assert_ptr_nonnull(own);
    sid_of(own, own_sid);
    hand_sid = own_sid;
    char jti[37];
    snprintf(jti, sizeof jti, "%08x-%04x-4%03x-a%03x-%04x%08x", (unsigned)rand(), (unsigned)rand() & 0xffff,
             (unsigned)rand() & 0xfff, (unsigned)rand() & 0xfff, (unsigned)rand() & 0xffff, (unsigned)rand());
    char value[64];
    snprintf(value, sizeof value, "\"%s\"", jti);
    char *payload = hand_payload("jti", value);
    char *t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    free(payload);
    ck_assert_int_eq(me_status(t), 200);
    th_response *r = th_json(port, "POST", "/v1/auth/revoke", t, NULL);
    ck_assert_int_eq(r->status, 204);
    th_free(r);
    ck_assert_int_eq(me_status(t), 401);
    /* the same jti under other claims (issued a second earlier, another expiry) */
    json_t *p = json_loads(payload = hand_payload("jti", value), 0, NULL);
    free(payload);
    json_object_set_new(p, "iat", json_integer((json_int_t)time(NULL) - 1));
    json_object_set_new(p, "exp", json_integer((json_int_t)time(NULL) + 300));
    payload = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    char *again = hand_token(GOOD_HEADER, payload, EVP_sha256());
    free(payload);
    ck_assert_str_ne(again, t);
    ck_assert_int_eq(me_status(again), 401);
    free(again);
    free(t);
    /* the session is ended: another jti of it, and the token it was issued with, are refused */
    payload = hand_payload(NULL, NULL);
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    free(payload);
    ck_assert_int_eq(me_status(t), 401);
    ck_assert_int_eq(me_status(own), 401);
    free(t);
    free(own);
    /* the control: tokens of the user's other sessions still work */
    hand_sid = province_sid;
    payload = hand_payload(NULL, NULL);
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 200);
    free(t);
    free(payload);
}
END_TEST

/* A jku or x5u header is ignored: the key stays the server's own and no URL is fetched. The
 * URL points at a socket this test listens on; no connection may arrive. */
START_TEST(jku_and_x5u_headers_are_ignored_and_never_fetched)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(lfd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(lfd, 8), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&addr, &alen), 0);
    int lport = ntohs(addr.sin_port);
    char forms[3][256];
    snprintf(forms[0], sizeof forms[0], "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"jku\":\"http://127.0.0.1:%d/jwks.json\"}",
             lport);
    snprintf(forms[1], sizeof forms[1], "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x5u\":\"http://127.0.0.1:%d/cert.pem\"}",
             lport);
    snprintf(forms[2], sizeof forms[2],
             "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"jku\":\"http://127.0.0.1:%d/jwks.json\",\"kid\":\"k1\"}", lport);
    char *payload = hand_payload(NULL, NULL);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const char *header = forms[i];
        /* signed right with the server's key: valid, the header changes nothing */
        char *t = hand_token(header, payload, EVP_sha256());
        ck_assert_msg(me_status(t) == 200, "%s", header);
        free(t);
        /* signed with another key (the one the URL would serve): refused */
        unsigned char saved = key[0];
        key[0] ^= 0x55;
        t = hand_token(header, payload, EVP_sha256());
        key[0] = saved;
        ck_assert_msg(me_status(t) == 401, "%s under another key", header);
        free(t);
    }
    free(payload);
    struct pollfd pfd = {.fd = lfd, .events = POLLIN};
    int ready = poll(&pfd, 1, 300 * th_time_factor());
    ck_assert_msg(ready == 0, "the server connected to the jku/x5u URL");
    close(lfd);
}
END_TEST

/* ---- issue 7, point 2: a short signing key stops the start, with the reason ---- */

START_TEST(a_signing_key_under_32_bytes_stops_the_start)
{
    /* 31 bytes; and 31 bytes and a newline, which the server trims */
    for (size_t i = 0; i < 2; i++) {
        char short_path[700], secret[32];
        snprintf(short_path, sizeof short_path, "%s/short-%zu.key", data_dir, i);
        for (size_t k = 0; k < 31; k++)
            secret[k] = (char)('a' + rand() % 26);
        secret[31] = '\0';
        FILE *f = fopen(short_path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%s%s", secret, i ? "\n" : "");
        fclose(f);
        static char key_env[800];
        snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", short_path);
        const char *env[] = {key_env, NULL};
        th_server weak;
        int started = th_server_start(&weak, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env);
        if (started == 0)
            th_server_stop(&weak);
        ck_assert_msg(started == -1, "the server started with a 31-byte key (%s)", i ? "and a newline" : "exactly");
        char *log = th_read_file(weak.log_path);
        ck_assert_ptr_nonnull(log);
        ck_assert_msg(strstr(log, "too short") != NULL && strstr(log, "32") != NULL, "the log does not say why: %s",
                      log);
        ck_assert_ptr_null(strstr(log, secret)); /* and does not show the key */
        free(log);
    }
}
END_TEST

/* ---- organisations ---- */

START_TEST(the_province_creates_organisations)
{
    th_response *r = call("POST", "/v1/organizations", PROVINCE, "{\"type\":\"association\",\"name\":\"辽宁省软件行业协会\"}");
    ck_assert_int_eq(r->status, 201);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "region_code")), "210000");
    char location[128], etag[80], etag2[80];
    ck_assert_ptr_nonnull(th_header(r, "Location", location, sizeof location));
    ck_assert_ptr_nonnull(th_header(r, "ETag", etag, sizeof etag));
    th_free(r);
    r = call("GET", location, PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "辽宁省软件行业协会");
    ck_assert_str_eq(th_header(r, "ETag", etag2, sizeof etag2), etag);
    th_free(r);
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
    r = th_request(port, "GET", location, tokens[SUPERVISOR], NULL, NULL, 0, inm);
    ck_assert_int_eq(r->status, 304);
    th_free(r);
}
END_TEST

START_TEST(only_the_province_may_create_organisations)
{
    for (int role = CITY; role < NROLES; role++) {
        th_response *r = call("POST", "/v1/organizations", role, "{\"type\":\"assessor\",\"name\":\"不该有的机构\"}");
        expect_problem(r, 403);
        th_free(r);
    }
    th_response *r = call("POST", "/v1/organizations", -1, "{\"type\":\"assessor\",\"name\":\"不该有的机构\"}");
    expect_problem(r, 401);
    th_free(r);
}
END_TEST

/* The province and the supervisor read every organisation; a city itself and its region's
 * platform companies; a platform company itself and the recommenders it may name (the city
 * organisation 2 is one of them); the others none. */
START_TEST(province_and_supervisor_read_organisations_others_may_not)
{
    int may[NROLES] = {1, 1, 0, 0, 1, 1};
    for (int role = 0; role < NROLES; role++) {
        th_response *r = call("GET", "/v1/organizations", role, NULL);
        ck_assert_int_eq(r->status, may[role] ? 200 : 403);
        th_free(r);
        r = call("GET", "/v1/organizations/2", role, NULL);
        ck_assert_int_eq(r->status, may[role] ? 200 : 403);
        th_free(r);
    }
    th_response *r = call("GET", "/v1/organizations", -1, NULL);
    expect_problem(r, 401);
    th_free(r);
}
END_TEST

START_TEST(organisation_rules_are_enforced)
{
    struct {
        const char *body;
        int status;
        const char *field;
    } cases[] = {
        {"{\"type\":\"city\",\"name\":\"无代码市\"}", 422, "region_code"},
        {"{\"type\":\"city\",\"name\":\"北京\",\"region_code\":\"110100\"}", 422, "region_code"},
        {"{\"type\":\"province\",\"name\":\"第二个省\"}", 422, "type"},
        {"{\"type\":\"bank\",\"name\":\"银行\"}", 422, "type"},
        {"{\"type\":\"association\",\"name\":\"协会\",\"region_code\":\"210100\"}", 422, "region_code"},
        {"{\"type\":\"association\",\"name\":42}", 422, "name"},
        {"{\"type\":\"association\",\"name\":\"\"}", 422, "name"},
        {"{\"type\":\"city\",\"name\":\"又一个沈阳\",\"region_code\":\"210100\"}", 409, "region_code"},
        {"{\"type\":\"assessor\",\"name\":\"辽宁省审计厅\"}", 409, "name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_response *r = call("POST", "/v1/organizations", PROVINCE, cases[i].body);
        expect_problem(r, cases[i].status);
        ck_assert_msg(has_field_error(r, cases[i].field), "case %zu: %s", i, r->body);
        th_free(r);
    }
}
END_TEST

START_TEST(organisations_page_with_opaque_tokens)
{
    th_response *r = call("GET", "/v1/organizations?type=city&limit=5", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_uint_eq(json_array_size(items), 5);
    const char *next = json_string_value(json_object_get(r->json, "next_page_token"));
    ck_assert_ptr_nonnull(next);
    long long last = json_integer_value(json_object_get(json_array_get(items, 4), "id"));
    char path[256];
    snprintf(path, sizeof path, "/v1/organizations?type=city&limit=100&page_token=%s", next);
    th_response *r2 = call("GET", path, PROVINCE, NULL);
    ck_assert_int_eq(r2->status, 200);
    items = json_object_get(r2->json, "items");
    ck_assert_uint_eq(json_array_size(items), 9);
    ck_assert(json_integer_value(json_object_get(json_array_get(items, 0), "id")) > last);
    ck_assert(json_is_null(json_object_get(r2->json, "next_page_token")));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        ck_assert_str_eq(json_string_value(json_object_get(it, "type")), "city");
    th_free(r);
    th_free(r2);
    /* a token the server issues for an id of 19 digits reads back (found by
     * fuzz/fuzz_page_token: ids of 10^18 and more were refused as not its tokens) */
    json_t *far = sf_page_token_of("/v1/organizations", 0, 1000000000000000000LL);
    snprintf(path, sizeof path, "/v1/organizations?page_token=%s", json_string_value(far));
    json_decref(far);
    r = call("GET", path, PROVINCE, NULL);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    /* beyond the tokens' range, and beyond a bigint, it is still refused */
    far = sf_page_token_of("/v1/organizations", 0, INT64_MAX / 2 + 1);
    snprintf(path, sizeof path, "/v1/organizations?page_token=%s", json_string_value(far));
    json_decref(far);
    r = call("GET", path, PROVINCE, NULL);
    expect_problem(r, 422);
    th_free(r);
    const char *bad[] = {"?limit=0", "?limit=101", "?limit=abc", "?limit=-1", "?page_token=%27%3B--", "?type=bank",
                         "?page_token=azE6OTk5OTk5OTk5OTk5OTk5OTk5OQ"};   /* k1:9999999999999999999 */
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(path, sizeof path, "/v1/organizations%s", bad[k]);
        r = call("GET", path, PROVINCE, NULL);
        expect_problem(r, 422);
        th_free(r);
    }
    /* without ?limit= a page holds 20 */
    for (int n = 0; n < 6; n++) {
        char body[128];
        snprintf(body, sizeof body, "{\"type\":\"assessor\",\"name\":\"评估机构%d\"}", n);
        r = call("POST", "/v1/organizations", PROVINCE, body);
        th_free(r);
    }
    r = call("GET", "/v1/organizations", PROVINCE, NULL);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 20);
    ck_assert(json_is_string(json_object_get(r->json, "next_page_token")));
    th_free(r);
}
END_TEST

START_TEST(unknown_organisations_are_404)
{
    const char *paths[] = {"/v1/organizations/999999", "/v1/organizations/abc", "/v1/organizations/0",
                           "/v1/organizations/99999999999999999999"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        th_response *r = call("GET", paths[i], PROVINCE, NULL);
        expect_problem(r, 404);
        th_free(r);
    }
    /* ?id= is no parameter of it: refused, never read as the path's id */
    th_response *r = call("GET", "/v1/organizations/999999?id=1", PROVINCE, NULL);
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "id"));
    th_free(r);
}
END_TEST

/* ---- users ---- */

START_TEST(the_province_creates_users_who_can_log_in)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"dalian\",\"password\":\"" USER_PASSWORD "\",\"org_id\":3,\"display_name\":\"大连市用户\"}");
    th_response *r = call("POST", "/v1/users", PROVINCE, body);
    ck_assert_int_eq(r->status, 201);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "username")), "dalian");
    ck_assert_ptr_null(json_object_get(r->json, "password"));
    ck_assert_ptr_null(json_object_get(r->json, "password_hash"));
    th_free(r);
    int status;
    char *t = login("dalian", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t);
    r = th_json(port, "GET", "/v1/me", t, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "organization"), "region_code")), "210200");
    long long id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    free(t);
    /* the supervisor reads every user (Art. 25: it reads everything) and changes none */
    r = call("GET", "/v1/users?limit=100", SUPERVISOR, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_nonnull(strstr(r->body, "\"dalian\""));
    th_free(r);
    char path[64];
    snprintf(path, sizeof path, "/v1/users/%lld", id);
    r = call("GET", path, SUPERVISOR, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = call("PATCH", path, SUPERVISOR, "{\"display_name\":\"改名\"}");
    expect_problem(r, 403);
    th_free(r);
}
END_TEST

/* A city administers the users of the platform operators of its region only (issue 14,
 * item 6): an office's organisation, its own included, is as if absent (422 org_id); the
 * other roles may not (403). */
START_TEST(only_the_province_may_create_users)
{
    const char *body = "{\"username\":\"intruder\",\"password\":\"" USER_PASSWORD "\",\"org_id\":1,\"display_name\":\"X\"}";
    for (int role = CITY; role < NROLES; role++) {
        th_response *r = call("POST", "/v1/users", role, body);
        /* a city creates the users of its region's platform companies: any other organisation
         * is none of its own (422 naming org_id); every other role may not at all */
        expect_problem(r, role == CITY ? 422 : 403);
        if (role == CITY)
            ck_assert(has_field_error(r, "org_id"));
        th_free(r);
    }
    char own[256];
    snprintf(own, sizeof own, "{\"username\":\"intruder\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
             "\"display_name\":\"X\"}", org_ids[CITY]);
    th_response *r0 = call("POST", "/v1/users", CITY, own);
    expect_problem(r0, 422);
    ck_assert(has_field_error(r0, "org_id"));
    th_free(r0);
    th_response *r = call("POST", "/v1/users", -1, body);
    expect_problem(r, 401);
    th_free(r);
    int status;
    ck_assert_ptr_null(login("intruder", USER_PASSWORD, &status));
}
END_TEST

START_TEST(user_rules_are_enforced)
{
    struct {
        const char *body;
        int status;
        const char *field;
    } cases[] = {
        {"{\"username\":\"shenyang\",\"password\":\"" USER_PASSWORD "\",\"org_id\":2,\"display_name\":\"重名\"}", 409, "username"},
        {"{\"username\":\"ghost\",\"password\":\"" USER_PASSWORD "\",\"org_id\":999999,\"display_name\":\"G\"}", 422, "org_id"},
        {"{\"username\":\"ghost\",\"password\":\"" USER_PASSWORD "\",\"org_id\":\"2\",\"display_name\":\"G\"}", 422, "org_id"},
        {"{\"username\":\"ghost\",\"password\":\"short\",\"org_id\":2,\"display_name\":\"G\"}", 422, "password"},
        /* the password policy (issue 14, item 6): not the username, not a common password */
        {"{\"username\":\"ghost\",\"password\":\"my-GHOST-password\",\"org_id\":2,\"display_name\":\"G\"}", 422, "password"},
        {"{\"username\":\"ghost\",\"password\":\"1qaz2wsx3edc\",\"org_id\":2,\"display_name\":\"G\"}", 422, "password"},
        {"{\"username\":\"Ghost\",\"password\":\"" USER_PASSWORD "\",\"org_id\":2,\"display_name\":\"G\"}", 422, "username"},
        {"{\"username\":\"ghost\",\"password\":\"" USER_PASSWORD "\",\"display_name\":\"G\"}", 422, "org_id"},
        {"{\"username\":\"ghost\",\"password\":\"" USER_PASSWORD "\",\"org_id\":2,\"display_name\":\"G\",\"role\":\"province\"}", 422, "role"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_response *r = call("POST", "/v1/users", PROVINCE, cases[i].body);
        expect_problem(r, cases[i].status);
        ck_assert_msg(has_field_error(r, cases[i].field), "case %zu: %s", i, r->body);
        th_free(r);
    }
}
END_TEST

/* ---- throttling ---- */

START_TEST(failed_logins_lock_the_username)
{
    int status;
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_null(login("auditor", "not-the-password", &status));
        ck_assert_int_eq(status, 401);
    }
    /* locked: even the right password is refused, with Retry-After */
    th_response *r = call("POST", "/v1/auth/token", -1, "{\"username\":\"auditor\",\"password\":\"" USER_PASSWORD "\"}");
    expect_problem(r, 429);
    char retry[32];
    ck_assert_ptr_nonnull(th_header(r, "Retry-After", retry, sizeof retry));
    ck_assert(atoi(retry) > 0);
    th_free(r);
    /* other users are not affected */
    char *t = login("assessor1", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t);
    free(t);
    /* the tokens issued before still work */
    ck_assert_int_eq(me_status(tokens[SUPERVISOR]), 200);
}
END_TEST

/* ---- the database stopped under a running server ---- */

static void admin_sql(const char *sql)
{
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_ADMIN_URL"));
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s",
                  PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
}

START_TEST(a_lost_database_answers_503_and_recovers)
{
    admin_sql("ALTER DATABASE shifan_http ALLOW_CONNECTIONS false");
    admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'shifan_http'");
    th_response *r = call("GET", "/v1/organizations", PROVINCE, NULL);
    expect_problem(r, 503);
    char retry[32];
    ck_assert_ptr_nonnull(th_header(r, "Retry-After", retry, sizeof retry));
    ck_assert_ptr_null(strstr(r->body, "FATAL"));       /* no library message */
    ck_assert_ptr_null(strstr(r->body, "shifan_http")); /* no database name */
    th_free(r);
    r = th_readyz_becomes(port, 503);
    expect_problem(r, 503);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "code")), "database_unavailable");
    th_free(r);
    r = call("GET", "/healthz", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    admin_sql("ALTER DATABASE shifan_http ALLOW_CONNECTIONS true");
    r = call("GET", "/v1/organizations", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = th_readyz_becomes(port, 200);   /* and readiness comes back by itself */
    ck_assert_int_eq(r->status, 200);
    th_free(r);
}
END_TEST

/* ---- shutdown and a second instance ---- */

START_TEST(sigterm_drains_in_flight_requests_and_exits_cleanly)
{
    /* a second instance on the same database: migrations are applied already, so it starts */
    th_server second;
    static char key_env[700];
    snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", key_path);
    const char *env[] = {key_env, NULL};
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env), 0);
    /* a token from one instance works on the other */
    th_response *r = th_json(second.port, "GET", "/v1/me", tokens[CITY], NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    /* A request is in flight: its head and half its body have arrived when SIGTERM comes. */
    const char *body = "{\"username\":\"nobody-at-all\",\"password\":\"not-a-password\"}";
    size_t len = strlen(body), half = len / 2;
    char head[256];
    int n = snprintf(head, sizeof head, "POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", len);
    int fd = th_connect(second.port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(send(fd, head, (size_t)n, 0), n);
    ck_assert_int_eq(send(fd, body, half, 0), (ssize_t)half);
    th_pause_ms(300);
    kill(second.pid, SIGTERM);
    th_pause_ms(300);
    /* the server stops accepting, but finishes this request */
    ck_assert_int_lt(th_connect(second.port), 0);
    ck_assert_int_eq(send(fd, body + half, len - half, 0), (ssize_t)(len - half));
    char answer[4096];
    th_read_until_closed(fd, answer, sizeof answer);
    close(fd);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 401", 12) == 0, "answer: %s", answer);
    ck_assert_ptr_nonnull(strstr(answer, "application/problem+json"));
    ck_assert_int_eq(th_server_stop_reporting(&second), 0);
}
END_TEST

START_TEST(guessing_from_one_client_is_throttled)
{
    /* last: this locks 127.0.0.1 out of logging in for the rest of the run */
    int status = 0, attempts = 0;
    char name[64];
    while (attempts < 60) {
        snprintf(name, sizeof name, "guess-%d", attempts++);
        char *t = login(name, "wrong-password-x", &status);
        free(t);
        if (status == 429)
            break;
        ck_assert_int_eq(status, 401);
    }
    ck_assert_int_eq(status, 429);
    ck_assert(attempts <= 41);
}
END_TEST

/* GET /docs in a real browser: headless Chromium loads the page, its script renders the
 * contract, and the rendered page lists every endpoint the server has. */
START_TEST(the_docs_page_lists_every_endpoint_in_a_browser)
{
#if !defined(__SANITIZE_ADDRESS__)
    /* The browser renders the same page from every build (some 17 s of Chromium): the pass
     * under the sanitizers serves it (below) and leaves the rendering to the plain pass. */
    const char *chromium = "/usr/bin/chromium";
    ck_assert_msg(access(chromium, X_OK) == 0, "Chromium is missing: scripts/deps.sh --test installs it");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
             " --disable-component-update --disable-sync --user-data-dir=%s/chromium-profile"
             " --virtual-time-budget=15000 --dump-dom http://127.0.0.1:%d/docs 2>/dev/null",
             chromium, data_dir, port);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 1 << 22, len = 0, n;
    char *dom = malloc(cap);
    while ((n = fread(dom + len, 1, cap - len - 1, p)) > 0)
        len += n;
    dom[len] = '\0';
    pclose(p);
    /* Redoc rendered one section per operation of the contract, each route's */
    char expected[64];
    snprintf(expected, sizeof expected, "data-operations=\"%zu\"", sf_route_count());
    const char *said = strstr(dom, "data-operations=");
    ck_assert_msg(strstr(dom, expected) != NULL, "the rendered page does not show %zu operations: %.40s", sf_route_count(),
                  said ? said : "(no count)");
    /* uploadMaterial with its request schemas (the raw body and the form's parts) and its answers */
    const char *upload = strstr(dom, "id=\"operation/uploadMaterial\"");
    ck_assert_ptr_nonnull(upload);
    const char *after = strstr(upload + 1, "data-section-id=\"operation/");
    size_t span = after ? (size_t)(after - upload) : strlen(upload);
    char *section = strndup(upload, span);
    const char *shown[] = {"Request Body schema", "multipart/form-data", "Responses", "201", "415", "sha256"};
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++)
        ck_assert_msg(strstr(section, shown[i]) != NULL, "uploadMaterial's section does not show %s", shown[i]);
    free(section);
    free(dom);
#endif
    /* the page needs nothing from outside: no http(s) URL but the server's own */
    th_response *r = call("GET", "/docs", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_null(strstr(r->body, "src=\"http"));
    ck_assert_ptr_null(strstr(r->body, "href=\"http"));
    ck_assert_ptr_nonnull(strstr(r->body, "\"Noto Sans CJK SC\""));   /* a CJK font named in its CSS */
    th_free(r);
}
END_TEST

/* ---- passwords at rest and at login (issue 7, point 3) ---- */

/* Users created through the API: each stored hash parses, has the foundation's cost and a
 * salt of at least 16 bytes, and no two share a salt. */
START_TEST(stored_hashes_of_users_created_through_the_api_have_distinct_salts)
{
    create_user("salt-a", org_ids[ASSOCIATION]);
    create_user("salt-b", org_ids[ASSOCIATION]);   /* the same password as every test user */
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
    PGresult *res = PQexec(pg, "SELECT username, password_hash FROM users ORDER BY id");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    int n = PQntuples(res);
    ck_assert_int_ge(n, 7);
    unsigned char (*salts)[64] = calloc((size_t)n, sizeof *salts);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    for (int i = 0; i < n; i++) {
        long iterations;
        size_t hash_len;
        ck_assert_msg(th_parse_password_hash(PQgetvalue(res, i, 1), &iterations, salts[i], sizeof salts[i], &lens[i],
                                             &hash_len) == 0, "%s: not a PBKDF2 hash", PQgetvalue(res, i, 0));
        ck_assert_int_eq(iterations, 600000);
        ck_assert_uint_ge(lens[i], 16);
        ck_assert_uint_eq(hash_len, 32);
        for (int j = 0; j < i; j++)
            ck_assert_msg(lens[i] != lens[j] || memcmp(salts[i], salts[j], lens[i]) != 0, "%s and %s share a salt",
                          PQgetvalue(res, i, 0), PQgetvalue(res, j, 0));
    }
    free(salts);
    free(lens);
    PQclear(res);
    PQfinish(pg);
}
END_TEST

/* The server's count of PBKDF2 iterations, from /metrics. */
static unsigned long long hash_iterations(int on_port)
{
    th_response *r = th_json(on_port, "GET", "/metrics", METRICS_TOKEN, NULL);
    ck_assert(r != NULL && r->status == 200);
    const char *line = strstr(r->body, "\nshifan_password_hash_iterations_total ");
    ck_assert_msg(line != NULL, "no shifan_password_hash_iterations_total in /metrics");
    unsigned long long n = strtoull(line + strlen("\nshifan_password_hash_iterations_total "), NULL, 10);
    th_free(r);
    return n;
}

/* Timing is for bench/; here the structure: a login for an unknown username computes exactly
 * the PBKDF2 work of a wrong password for a known one (the dummy verification in login.c). */
START_TEST(an_unknown_username_costs_the_same_hashing_as_a_known_one)
{
    create_user("hash-work", org_ids[ASSOCIATION]);
    int status;
    unsigned long long before = hash_iterations(port);
    ck_assert_ptr_null(login("hash-work", "a-wrong-password", &status));
    ck_assert_int_eq(status, 401);
    unsigned long long known = hash_iterations(port) - before;
    before = hash_iterations(port);
    ck_assert_ptr_null(login("no-such-user-at-all", "a-wrong-password", &status));
    ck_assert_int_eq(status, 401);
    unsigned long long unknown = hash_iterations(port) - before;
    ck_assert_uint_eq(known, 600000);
    ck_assert_uint_eq(unknown, known);
}
END_TEST

/* The issue's numbers, which are the defaults: ten failures of one username in the window
 * answer 401, the eleventh attempt 429 with a positive Retry-After, and so does the right
 * password while the lock lasts. (The client limit is raised only so that the earlier tests'
 * failures from this address do not count here.) */
START_TEST(the_eleventh_failed_login_answers_429_with_retry_after)
{
    create_user("boundary", org_ids[ASSOCIATION]);
    th_server s;
    static char key_env[700];
    snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", key_path);
    const char *env[] = {key_env, "SHIFAN_LOGIN_CLIENT_MAX_FAILURES=1000",
                         "SHIFAN_THREADS=4", NULL};
    ck_assert_int_eq(th_server_start(&s, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env), 0);
    const char *wrong = "{\"username\":\"boundary\",\"password\":\"not-the-password\"}";
    for (int i = 1; i <= 10; i++) {
        th_response *r = th_json(s.port, "POST", "/v1/auth/token", NULL, wrong);
        ck_assert_msg(r != NULL && r->status == 401, "failure %d: %d", i, r ? r->status : 0);
        th_free(r);
    }
    const char *bodies[] = {wrong, "{\"username\":\"boundary\",\"password\":\"" USER_PASSWORD "\"}"};
    for (int i = 0; i < 2; i++) {
        th_response *r = th_json(s.port, "POST", "/v1/auth/token", NULL, bodies[i]);
        ck_assert_ptr_nonnull(r);
        expect_problem(r, 429);
        char retry[32], *end;
        ck_assert_ptr_nonnull(th_header(r, "Retry-After", retry, sizeof retry));
        long seconds = strtol(retry, &end, 10);
        ck_assert_msg(*end == '\0' && end != retry && seconds > 0, "Retry-After: %s", retry);
        ck_assert_ptr_null(json_object_get(r->json, "access_token"));
        th_free(r);
    }
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* ---- connections (issue 7, point 9): idle and slow clients dropped, a per-client limit ---- */

/* A TCP connection to 127.0.0.1:port from the loopback address `source` (any 127.x.y.z is
 * the local host on Linux, so a second "client" needs no other machine), or -1. */
static int connect_from(const char *source, int to_port)
{
    if (strchr(source, ':') != NULL) {   /* ::1, to a server on ::1 */
        th_ipv6 = 1;
        int fd = th_connect(to_port);
        th_ipv6 = 0;
        return fd;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
    inet_pton(AF_INET, source, &from.sin_addr);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Whether the server closed `fd` (end of stream or a reset) within `ms` milliseconds; bytes
 * that arrive meanwhile are read and dropped. */
static int closed_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return 0;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno == ECONNRESET))
        return 1;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : closed_within(fd, 0);
}

/* Sends GET `path` on an open connection (asking the server to close it afterwards, or
 * not) and reads exactly one answer; returns its status, or 0 if there was none (the
 * connection was closed). */
static int get_on(int fd, const char *path, int close_after)
{
    char req[256];
    int req_len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path,
                           close_after ? "Connection: close\r\n" : "");
    if (send(fd, req, (size_t)req_len, MSG_NOSIGNAL) != (ssize_t)req_len)
        return 0;
    char buf[8192];
    size_t len = 0;
    char *end = NULL;
    while (end == NULL && len + 1 < sizeof buf) {
        ssize_t n = recv(fd, buf + len, sizeof buf - len - 1, 0);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (end == NULL)
        return 0;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t want = (size_t)(end + 4 - buf) + (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
    while (len < want && len + 1 < sizeof buf) {
        ssize_t n = recv(fd, buf + len, sizeof buf - len - 1, 0);
        if (n <= 0)
            return 0;
        len += (size_t)n;
    }
    int status = 0;
    return sscanf(buf, "HTTP/1.1 %d", &status) == 1 ? status : 0;
}

static int healthz_request(int fd, int close_after)
{
    return get_on(fd, "/healthz", close_after);
}

static int healthz_on(int fd)
{
    return healthz_request(fd, 0);
}

/* GET /healthz on a fresh connection from `source`: its status, 0 if refused. */
static int fresh_healthz(int to_port, const char *source)
{
    int fd = connect_from(source, to_port);
    if (fd < 0)
        return 0;
    int status = healthz_request(fd, 1);   /* the server closes its end, and counts it closed, at once */
    close(fd);
    return status;
}

static void start_limited(th_server *s, const char *idle, const char *limit)
{
    static char key_env[700];
    snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", key_path);
    const char *env[] = {key_env, idle, limit, "SHIFAN_THREADS=4", NULL};
    ck_assert_int_eq(th_server_start(s, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env), 0);
}

START_TEST(idle_and_half_sent_connections_are_dropped_while_healthz_answers)
{
    th_server s;
    start_limited(&s, "SHIFAN_IDLE_TIMEOUT=2", "SHIFAN_MAX_CONNECTIONS_PER_CLIENT=16");
    double start = now_s(), idle_closed = 0, slow_closed = 0;   /* before the server accepts either */
    int idle = connect_from("127.0.0.1", s.port);
    int slow = connect_from("127.0.0.1", s.port);
    ck_assert(idle >= 0 && slow >= 0);
    /* a request line and one header, never the blank line that ends the head */
    const char partial[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    ck_assert_int_eq(send(slow, partial, sizeof partial - 1, MSG_NOSIGNAL), (ssize_t)(sizeof partial - 1));
    int probes = 0;
    /* poll, never sleep a fixed time: the deadline is generous (15 times the timeout) */
    while ((idle_closed == 0 || slow_closed == 0) && now_s() - start < 30) {
        if (idle_closed == 0 && closed_within(idle, 100))
            idle_closed = now_s();
        if (slow_closed == 0 && closed_within(slow, 100))
            slow_closed = now_s();
        /* the service answers throughout, on a fresh connection */
        ck_assert_int_eq(fresh_healthz(s.port, "127.0.0.1"), 200);
        probes++;
    }
    ck_assert_msg(idle_closed > 0, "an idle connection was still open after 30 s");
    ck_assert_msg(slow_closed > 0, "a half-sent request was still open after 30 s");
    /* dropped by the timeout, not at once: both were open for more than half its 2 seconds */
    ck_assert(idle_closed - start > 1.0);
    ck_assert(slow_closed - start > 1.0);
    ck_assert_int_gt(probes, 1);
    close(idle);
    close(slow);
    ck_assert_int_eq(fresh_healthz(s.port, "127.0.0.1"), 200);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

START_TEST(connections_beyond_the_per_client_limit_are_refused)
{
    enum { LIMIT = 4 };
    th_server s;
    start_limited(&s, "SHIFAN_IDLE_TIMEOUT=60", "SHIFAN_MAX_CONNECTIONS_PER_CLIENT=4");
    int held[LIMIT];
    /* each is open and has been served once, so the server has accepted all of them (retried:
     * the server may not have counted the connections of th_server_start's probes closed yet) */
    for (int i = 0; i < LIMIT; i++) {
        int status = 0;
        for (int attempt = 0; status != 200 && attempt < 100; attempt++) {
            if (attempt > 0) {
                close(held[i]);
                struct timespec pause = {0, 50 * 1000000L};
                nanosleep(&pause, NULL);
            }
            held[i] = connect_from("127.0.0.1", s.port);
            ck_assert_int_ge(held[i], 0);
            status = healthz_on(held[i]);
        }
        ck_assert_int_eq(status, 200);
    }
    /* one more from the same address: closed without an answer */
    int extra = connect_from("127.0.0.1", s.port);
    if (extra >= 0) {
        ck_assert_int_eq(healthz_on(extra), 0);
        close(extra);
    }
    ck_assert_int_eq(fresh_healthz(s.port, "127.0.0.1"), 0);
    /* another client is not affected */
    ck_assert_int_eq(fresh_healthz(s.port, "127.0.0.2"), 200);
    /* the first ones still work */
    for (int i = 0; i < LIMIT; i++)
        ck_assert_int_eq(healthz_on(held[i]), 200);
    /* once one is closed, the address may open one again (poll: the server sees the close
     * when it next reads that socket) */
    close(held[0]);
    int again = 0;
    for (double start = now_s(); again != 200 && now_s() - start < 30;) {
        again = fresh_healthz(s.port, "127.0.0.1");
        if (again != 200) {
            struct timespec pause = {0, 50 * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    ck_assert_int_eq(again, 200);
    for (int i = 1; i < LIMIT; i++)
        close(held[i]);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

START_TEST(every_answer_fits_the_contract)
{
    ck_assert_uint_eq(th_contract_misfits(), 0);
    /* and the check can fail: wrong shapes, undeclared statuses and types are caught */
    char why[512];
    const char *wrong = "{\"id\":\"seven\"}";
    ck_assert(!th_contract_check("GET", "/v1/me", 200, "application/json", wrong, strlen(wrong), why, sizeof why));
    ck_assert(!th_contract_check("GET", "/v1/me", 418, "application/json", "{}", 2, why, sizeof why));
    ck_assert(!th_contract_check("GET", "/v1/organizations/3", 200, "text/html", "<p>", 3, why, sizeof why));
    ck_assert(!th_contract_check("GET", "/healthz", 200, "application/json", "{\"status\":\"nope\"}", 17, why,
                                 sizeof why));                                         /* not the constant */
    const char *extra = "{\"type\":\"urn:x\",\"title\":\"t\",\"status\":404}";   /* no detail */
    ck_assert(!th_contract_check("GET", "/v1/organizations/3", 404, "application/problem+json", extra, strlen(extra), why,
                                 sizeof why));
}
END_TEST

START_TEST(the_server_is_still_up_and_stops_cleanly)
{
    th_response *r = call("GET", "/healthz", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    ck_assert_int_eq(me_status(tokens[PROVINCE]), 200);
    /* exit status 0: drained, and (in the sanitizer build) no leak or error reported */
    int status = th_server_stop_reporting(&server);
    ck_assert_int_eq(status, 0);
}
END_TEST

/* ---- the public registry cache, as a unit (api/public_cache.h) ---- */

static int page_has(sf_public_cache *c, const char *url, int fallback, const char *expected)
{
    sf_cached *a = sf_public_cache_page(c, url, fallback);
    if (a != NULL && expected != NULL)
        ck_assert(a->len == strlen(expected) && memcmp(a->body, expected, a->len) == 0);
    sf_cached_release(a);
    return a != NULL;
}

static int entry_has(sf_public_cache *c, int64_t id, int fallback)
{
    sf_cached *a = sf_public_cache_entry(c, id, fallback);
    sf_cached_release(a);
    return a != NULL;
}

/* The protocol of api/public_cache.h, driven as its listening thread drives it. */
START_TEST(the_cache_serves_only_what_no_notification_has_touched)
{
    sf_public_cache *c = sf_public_cache_create(16 * 1024, NULL);
    /* not listening: what is read is kept only as the fallback, never a hit */
    sf_public_cache_keep_page(c, sf_public_cache_ticket(c), "/p?q=a", "{\"items\":[]}", 12);
    ck_assert(!page_has(c, "/p?q=a", 0, NULL));
    ck_assert(page_has(c, "/p?q=a", 1, NULL));
    sf_public_cache_connected(c, 9800, 7);
    ck_assert(!page_has(c, "/p?q=a", 1, NULL));   /* listening: everything before goes */
    uint64_t t = sf_public_cache_ticket(c);
    ck_assert_uint_gt(t, 0);
    sf_public_cache_keep_page(c, t, "/p?q=a", "{\"items\":[]}", 12);
    sf_public_cache_keep_entry(c, t, 5, "{\"id\":5}", 8, "\"e5\"");
    sf_public_cache_keep_entry(c, t, 6, "{\"id\":6}", 8, "\"e6\"");
    ck_assert(page_has(c, "/p?q=a", 0, "{\"items\":[]}"));
    ck_assert(!page_has(c, "/p?q=b", 0, NULL));
    sf_cached *e = sf_public_cache_entry(c, 5, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->etag, "\"e5\"");
    /* a change of entry 5: it and every page go, entry 6 stays; a held answer stays whole */
    sf_public_cache_notified(c, "8 5");
    ck_assert_str_eq(e->body, "{\"id\":5}");
    sf_cached_release(e);
    ck_assert(!entry_has(c, 5, 0));
    ck_assert(entry_has(c, 6, 0));
    ck_assert(!page_has(c, "/p?q=a", 0, NULL));
    sf_public_cache_stats st;
    sf_public_cache_get_stats(c, &st);
    ck_assert_int_eq(st.version, 8);
    /* what was read before a notification is not kept after it */
    sf_public_cache_keep_entry(c, t, 5, "{\"id\":5}", 8, "\"old\"");
    ck_assert(!entry_has(c, 5, 0));
    /* many ids; "*" or an unreadable payload drops everything */
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 5, "{\"id\":5}", 8, "\"e5\"");
    sf_public_cache_notified(c, "9 4,5,7");
    ck_assert(!entry_has(c, 5, 0));
    ck_assert(entry_has(c, 6, 0));
    sf_public_cache_notified(c, "10 *");
    ck_assert(!entry_has(c, 6, 0));
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 6, "{\"id\":6}", 8, "\"e6\"");
    sf_public_cache_notified(c, "garbage");
    ck_assert(!entry_has(c, 6, 0));
    /* the next day: everything goes (titles expire by date) */
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 6, "{\"id\":6}", 8, "\"e6\"");
    sf_public_cache_day(c, 9800);
    ck_assert(entry_has(c, 6, 0));
    sf_public_cache_day(c, 9801);
    ck_assert(!entry_has(c, 6, 0));
    /* the connection lost: no hit, but the fallback (the database down) still has it; a
     * read begun before the loss keeps nothing */
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 6, "{\"id\":6}", 8, "\"e6\"");
    sf_public_cache_keep_entry(c, t, 8, "{\"id\":8}", 8, "\"e8\"");
    uint64_t before_loss = sf_public_cache_ticket(c);
    sf_public_cache_lost(c);
    ck_assert(!entry_has(c, 6, 0));
    ck_assert(entry_has(c, 6, 1));
    sf_public_cache_keep_entry(c, before_loss, 7, "{\"id\":7}", 8, "\"e7\"");
    ck_assert(!entry_has(c, 7, 1));
    /* a read while not listening (the database answered, and may have committed what no
     * notification told): it is the fallback now, and what was kept before the loss no more
     * (from an outside review: a change made by hand while the listener was down was hidden
     * again once the database stopped) */
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 6, "{\"id\":6,\"new\":1}", 16, "\"e6b\"");
    ck_assert(!entry_has(c, 6, 0));
    sf_cached *fallback = sf_public_cache_entry(c, 6, 1);
    ck_assert_str_eq(fallback->etag, "\"e6b\"");
    sf_cached_release(fallback);
    ck_assert(!entry_has(c, 8, 1));
    /* an answer of none (a platform removed by hand) drops them too */
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 9, "{\"id\":9}", 8, "\"e9\"");
    sf_public_cache_connected(c, 9801, 9);
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_entry(c, t, 9, "{\"id\":9}", 8, "\"e9\"");
    sf_public_cache_lost(c);
    ck_assert(entry_has(c, 9, 1));
    sf_public_cache_answered(c);
    ck_assert(!entry_has(c, 9, 1));
    /* reconnecting drops everything */
    sf_public_cache_connected(c, 9801, 10);
    ck_assert(!entry_has(c, 6, 1));
    /* nothing larger than a sixteenth of the budget is kept, and the budget holds */
    static char big[2048];
    memset(big, 'x', sizeof big);
    t = sf_public_cache_ticket(c);
    sf_public_cache_keep_page(c, t, "/big", big, sizeof big);
    ck_assert(!page_has(c, "/big", 0, NULL));
    for (int64_t i = 1; i <= 200; i++)
        sf_public_cache_keep_entry(c, t, i, big, 900, "\"x\"");
    int kept = 0;
    for (int64_t i = 1; i <= 200; i++)
        kept += entry_has(c, i, 0);
    sf_public_cache_get_stats(c, &st);
    ck_assert_int_gt(kept, 0);
    ck_assert_int_le(kept, 18);
    ck_assert_uint_le(st.bytes, 16 * 1024);
    sf_public_cache_destroy(c);
    ck_assert_ptr_null(sf_public_cache_create(0, NULL));
}
END_TEST

static sf_statistics_doc *stats_doc(const char *name, int64_t version, size_t len)
{
    static char body[4096];
    memset(body, 'x', sizeof body);
    return sf_statistics_doc_new(name, version, body, len, "\"j\"", body, len, "\"c\"");
}

static int stats_has(sf_statistics_cache *c, const char *name, int64_t version)
{
    sf_statistics_doc *d = sf_statistics_cache_get(c, name, version);
    sf_statistics_doc_release(d);
    return d != NULL;
}

/* The protocol of api/statistics_cache.h: a document is served only at the version it was
 * counted at; a newer count replaces an older one, never the reverse; entries and bytes stay
 * within their bounds, the least recently used going first. */
START_TEST(the_statistics_cache_serves_only_the_version_counted_and_stays_bounded)
{
    sf_statistics_cache *c = sf_statistics_cache_create(4 * 4096, 3);
    sf_statistics_doc *d = stats_doc("*|0|0|||1|1", 7, 10);
    sf_statistics_cache_keep(c, d);
    sf_statistics_doc_release(d);
    ck_assert(stats_has(c, "*|0|0|||1|1", 7));
    ck_assert(!stats_has(c, "210100|0|0|||1|1", 7));   /* another scope */
    ck_assert(!stats_has(c, "*|0|0|||1|1", 6));          /* a reader of an older snapshot */
    ck_assert(stats_has(c, "*|0|0|||1|1", 7));           /* ... leaves it */
    sf_statistics_doc *held = sf_statistics_cache_get(c, "*|0|0|||1|1", 7);
    ck_assert_ptr_nonnull(held);
    ck_assert_str_eq(held->json_etag, "\"j\"");
    ck_assert_str_eq(held->csv_etag, "\"c\"");
    ck_assert(!stats_has(c, "*|0|0|||1|1", 8));          /* a change: it goes */
    ck_assert(!stats_has(c, "*|0|0|||1|1", 7));
    ck_assert_uint_eq(held->json_len, 10);               /* a held document stays whole */
    sf_statistics_doc_release(held);
    /* an older count does not replace a newer one */
    d = stats_doc("k", 9, 10);
    sf_statistics_cache_keep(c, d);
    sf_statistics_doc_release(d);
    d = stats_doc("k", 8, 10);
    sf_statistics_cache_keep(c, d);
    sf_statistics_doc_release(d);
    ck_assert(stats_has(c, "k", 9));
    /* at most 3 entries: the least recently used goes */
    const char *keys[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        d = stats_doc(keys[i], 1, 10);
        sf_statistics_cache_keep(c, d);
        sf_statistics_doc_release(d);
        if (i == 1)
            ck_assert(stats_has(c, "a", 1));   /* "a" used again: "k" is the oldest now */
    }
    ck_assert(!stats_has(c, "k", 9));
    ck_assert(stats_has(c, "a", 1) && stats_has(c, "b", 1) && stats_has(c, "c", 1));
    /* the bytes: nothing over a quarter of the budget is kept, and the budget holds */
    d = stats_doc("big", 1, 4096);
    sf_statistics_cache_keep(c, d);
    sf_statistics_doc_release(d);
    ck_assert(!stats_has(c, "big", 1));
    for (int i = 0; i < 20; i++) {
        char name[8];
        snprintf(name, sizeof name, "m%d", i);
        d = stats_doc(name, 1, 1500);
        sf_statistics_cache_keep(c, d);
        sf_statistics_doc_release(d);
    }
    sf_statistics_cache_stats st;
    sf_statistics_cache_get_stats(c, &st);
    ck_assert_int_le(st.entries, 3);
    ck_assert_uint_le(st.bytes, 4 * 4096);
    ck_assert(stats_has(c, "m19", 1));
    sf_statistics_cache_destroy(c);
    ck_assert_ptr_null(sf_statistics_cache_create(0, 64));
    ck_assert_ptr_null(sf_statistics_cache_create(4096, 0));
}
END_TEST

static void *end_claim_later(void *arg)
{
    usleep(100 * 1000);
    sf_statistics_cache_done(arg, "k");
    return NULL;
}

/* One count at a time per key: a second claim waits for the first to end (or for its time
 * limit), then answers "look again". */
START_TEST(a_statistics_count_under_way_is_waited_for_not_repeated)
{
    sf_statistics_cache *c = sf_statistics_cache_create(4096, 4);
    ck_assert_int_eq(sf_statistics_cache_claim(c, "k", 1000), SF_STATISTICS_CLAIMED);
    ck_assert_int_eq(sf_statistics_cache_claim(c, "other", 1000), SF_STATISTICS_CLAIMED);
    ck_assert_int_eq(sf_statistics_cache_claim(c, "k", 50), SF_STATISTICS_WAITED);   /* its time limit */
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, end_claim_later, c), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(sf_statistics_cache_claim(c, "k", 10000), SF_STATISTICS_WAITED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(t, NULL);
    ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 5);   /* woken by the end, not the limit */
    ck_assert_int_eq(sf_statistics_cache_claim(c, "k", 1000), SF_STATISTICS_CLAIMED);
    sf_statistics_cache_done(c, "k");
    sf_statistics_cache_done(c, "other");
    sf_statistics_cache_stats st;
    sf_statistics_cache_get_stats(c, &st);
    ck_assert_uint_eq(st.waits, 2);
    sf_statistics_cache_destroy(c);
    ck_assert_int_eq(sf_statistics_cache_claim(NULL, "k", 10), SF_STATISTICS_UNCLAIMED);
}
END_TEST

START_TEST(leaked_internals_are_recognised)
{
    ck_assert_ptr_nonnull(th_leaked_internals("{\"detail\":\"ERROR:  relation \\\"users\\\" does not exist\"}"));
    ck_assert_ptr_nonnull(th_leaked_internals("{\"detail\":\"duplicate key value violates unique constraint\"}"));
    ck_assert_ptr_nonnull(th_leaked_internals("{\"detail\":\"cannot open /tmp/shifan/jwt.key\"}"));
    ck_assert_ptr_null(th_leaked_internals("{\"type\":\"urn:shifan:problem:conflict\",\"detail\":\"the username is taken\"}"));
    ck_assert_ptr_null(th_leaked_internals(
        "{\"detail\":\"the body is not valid JSON (UTF-8, no duplicate keys): line 1, column 2\"}"));
}
END_TEST

/* Issue 7, point 4: from the route table itself — every (role, route) pair the permission
 * table does not allow answers 403, whatever the body, before anything else happens. */
START_TEST(every_role_a_route_does_not_allow_is_refused_with_403)
{
    int checked = 0;
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        const sf_route *rt = &sf_routes[i];
        if (rt->access == SF_PUBLIC || rt->action < 0)
            continue;
        char path[256];
        size_t len = 0;
        for (const char *p = rt->path; *p && len + 2 < sizeof path;) {
            if (*p == ':') {   /* a path variable: an id that exists for nobody in particular */
                path[len++] = '1';
                p += strcspn(p, "/");
            } else {
                path[len++] = *p++;
            }
        }
        path[len] = '\0';
        int has_body = strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "DELETE") != 0;
        for (int role = 0; role < NROLES; role++) {
            if (sf_role_may(sf_role_parse(role_names[role]), (sf_action)rt->action))
                continue;
            th_response *r = th_request(port, rt->method, path, tokens[role], has_body ? "application/json" : NULL,
                                        has_body ? "{}" : NULL, has_body ? 2 : 0, NULL);
            ck_assert_msg(r != NULL && r->status == 403, "%s %s as %s: %d", rt->method, path, role_names[role],
                          r ? r->status : 0);
            th_free(r);
            checked++;
        }
    }
    ck_assert_int_gt(checked, 60);   /* the table is not vacuous */
}
END_TEST

START_TEST(base64url_round_trips_and_refuses_what_is_not_it)
{
    const unsigned char data[] = {0xfb, 0xff, 0x00, 'k', '1', ':'};
    for (size_t len = 1; len <= sizeof data; len++) {
        char text[16];
        unsigned char back[8];
        size_t n = sf_base64url_encode(data, len, text);
        ck_assert_uint_eq(n, (len * 4 + 2) / 3);            /* no padding */
        ck_assert_ptr_null(strpbrk(text, "+/="));
        ck_assert_int_eq(sf_base64url_decode(text, n, back, sizeof back), (long)len);
        ck_assert(memcmp(back, data, len) == 0);
        ck_assert_int_eq(sf_base64url_decode(text, n, back, len - 1), -1);   /* does not fit */
    }
    unsigned char out[8];
    ck_assert_int_eq(sf_base64url_decode("A", 1, out, sizeof out), -1);       /* 4n + 1 characters */
    ck_assert_int_eq(sf_base64url_decode("ab+c", 4, out, sizeof out), -1);    /* standard alphabet */
    ck_assert_int_eq(sf_base64url_decode("ab==", 4, out, sizeof out), -1);    /* padding */
    ck_assert_int_eq(sf_base64url_decode("", 0, out, sizeof out), -1);
}
END_TEST

/* api/sha256.c: the digest fetched once gives SHA-256 (FIPS 180-2's vectors), in lower-case hex
 * as stored checksums and API tokens' hashes are, and the ETag is its first half quoted. */
START_TEST(sha256_gives_the_standard_digests_in_lower_case_hex)
{
    char hex[65];
    sf_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sf_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unsigned char digest[32];
    sf_sha256("abc", 3, digest);
    ck_assert_uint_eq(digest[0], 0xba);
    ck_assert_uint_eq(digest[31], 0xad);
    char etag[40];
    sf_etag_of_bytes("abc", 3, etag);
    ck_assert_str_eq(etag, "\"ba7816bf8f01cfea414140de5dae2223\"");
}
END_TEST

/* SHIFAN_MAX_CONNECTIONS_PER_CLIENT is read and checked like every other variable. */
START_TEST(the_per_client_connection_limit_is_configured_and_validated)
{
    sf_config c;
    setenv("SHIFAN_DATABASE_URL", "dbname=unused", 1);
    unsetenv("SHIFAN_MAX_CONNECTIONS_PER_CLIENT");
    ck_assert_int_eq(sf_config_load(&c), 0);
    ck_assert_int_eq(c.max_connections_per_client, 128);
    sf_config_free(&c);
    static const struct {
        const char *value;
        int ok, limit;
    } cases[] = {{"0", 1, 0}, {"1", 1, 1}, {"65535", 1, 65535}, {"65536", 0, 0}, {"-1", 0, 0}, {"ten", 0, 0}, {"4x", 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        setenv("SHIFAN_MAX_CONNECTIONS_PER_CLIENT", cases[i].value, 1);
        int rc = sf_config_load(&c);
        ck_assert_msg((rc == 0) == cases[i].ok, "%s: %d", cases[i].value, rc);
        if (rc == 0)
            ck_assert_int_eq(c.max_connections_per_client, cases[i].limit);
        sf_config_free(&c);
    }
    unsetenv("SHIFAN_MAX_CONNECTIONS_PER_CLIENT");
    unsetenv("SHIFAN_DATABASE_URL");
}
END_TEST

/* A place that frees in a full hashing queue goes to the clients refused for it, one address at
 * a time, in the order they were first refused (api/auth.c, admitted): with first come, first
 * served, a flood's clients took every place that freed and a login asking now and then waited
 * through the whole flood (the login flood test below failed so in CI). A client keeps its turn
 * while it asks again within 2 s; one that went away holds no place after that, and those that
 * wait keep at most half the places from a newcomer, and none from one that cannot have a turn
 * (256 addresses hold them). */
START_TEST(a_full_hashing_queue_gives_its_places_in_turn)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/turns", th_env("SHIFAN_TEST_TMP"));
    setenv("SHIFAN_DATABASE_URL", "dbname=unused", 1);
    setenv("SHIFAN_DATA_DIR", dir, 1);
    setenv("SHIFAN_HASH_QUEUE", "2", 1);
    setenv("SHIFAN_HASH_QUEUE_PER_CLIENT", "2", 1);
    sf_config c;
    ck_assert_int_eq(sf_config_load(&c), 0);
    sf_auth *auth = sf_auth_create(&c);
    ck_assert_ptr_nonnull(auth);

    ck_assert_int_eq(sf_auth_hash_hold(auth, "a"), 0);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "b"), 0);   /* full */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "patient"), -1);   /* first refused: first turn */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "a"), -1);         /* second */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "c"), -1);         /* third */
    sf_auth_hash_unhold(auth, "a");   /* one place free: the patient's */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "a"), -1);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "c"), -1);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "patient"), 0);
    sf_auth_hash_unhold(auth, "b");   /* a's, not c's, though c asks first */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "c"), -1);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "a"), 0);
    sf_auth_hash_unhold(auth, "patient");   /* c's */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "patient"), -1);   /* back in line, after c */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "c"), 0);
    /* the patient, refused for the full queue, goes away: after 2 s its turn is gone */
    sf_auth_hash_unhold(auth, "c");
    ck_assert_int_eq(sf_auth_hash_hold(auth, "d"), -1);   /* the patient's place, kept */
    th_pause_ms(2100);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "d"), 0);
    /* a client at its own bound neither takes a turn nor is kept out by one */
    sf_auth_hash_unhold(auth, "a");
    sf_auth_hash_unhold(auth, "d");
    ck_assert_int_eq(sf_auth_hash_hold(auth, "e"), 0);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "e"), 0);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "e"), -1);   /* its bound, and the queue's */
    sf_auth_hash_unhold(auth, "e");
    ck_assert_int_eq(sf_auth_hash_hold(auth, "f"), 0);
    /* two clients wait, then go away: they keep one place of the two free, not both */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "g"), -1);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "h"), -1);
    sf_auth_hash_unhold(auth, "e");
    sf_auth_hash_unhold(auth, "f");
    ck_assert_int_eq(sf_auth_hash_hold(auth, "newcomer"), 0);
    ck_assert_int_eq(sf_auth_hash_hold(auth, "another"), -1);   /* the place kept for g */
    ck_assert_int_eq(sf_auth_hash_hold(auth, "g"), 0);
    /* 256 addresses hold turns: one more, which can have none, is served first come, first
     * served (kept out by those ahead, it would never be served while they keep asking) */
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "flood-%d", i);
        ck_assert_int_eq(sf_auth_hash_hold(auth, name), -1);
    }
    sf_auth_hash_unhold(auth, "g");
    ck_assert_int_eq(sf_auth_hash_hold(auth, "late"), 0);

    sf_auth_destroy(auth);   /* its places and turns freed with it */
    sf_config_free(&c);
    unsetenv("SHIFAN_HASH_QUEUE");
    unsetenv("SHIFAN_HASH_QUEUE_PER_CLIENT");
    unsetenv("SHIFAN_DATA_DIR");
    unsetenv("SHIFAN_DATABASE_URL");
}
END_TEST

/* Issue 7, point 7: a cell a spreadsheet would run as a formula is written as text. */
START_TEST(csv_cells_beginning_like_a_formula_are_escaped)
{
    static const struct {
        const char *cell, *written;
    } cases[] = {
        {"=1+2", "'=1+2"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"}, {"\rx", "\"'\rx\""}, {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"a=b", "a=b"}, {"平台", "平台"}, {"", ""}, {"a,b", "\"a,b\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_buf b = {0};
        sf_csv_field(&b, cases[i].cell);
        sf_buf_add(&b, "", 1);
        ck_assert_msg(!b.failed && strcmp(b.data, cases[i].written) == 0, "%s written as %s", cases[i].cell, b.data);
        free(b.data);
    }
}
END_TEST


/* ---- for front ends (issue 13) ---- */

/* Every GET route answers HEAD with the GET's status and headers and no body. */
START_TEST(every_get_route_answers_head_with_the_same_headers_and_no_body)
{
    char a[256], b[256];
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        if (strcmp(sf_routes[i].method, "GET") != 0)
            continue;
        char path[256];
        snprintf(path, sizeof path, "%s", sf_routes[i].path);
        for (char *c; (c = strchr(path, ':')) != NULL;) {   /* :id, :year -> a value */
            size_t len = strcspn(c, "/");
            const char *v = strstr(sf_routes[i].path, ":year") ? "2026" : "1";
            memmove(c + strlen(v), c + len, strlen(c + len) + 1);
            memcpy(c, v, strlen(v));
        }
        if (strcmp(path, "/v1/audit-events/verify") == 0 || strcmp(path, "/metrics") == 0)
            continue;   /* the hash chain's walk and the counters change between two calls */
        th_response *g = th_request(port, "GET", path, tokens[PROVINCE], NULL, NULL, 0, NULL);
        th_response *h = th_request(port, "HEAD", path, tokens[PROVINCE], NULL, NULL, 0, NULL);
        ck_assert_msg(g != NULL && h != NULL, "no answer to %s", path);
        ck_assert_msg(h->status == g->status, "HEAD %s: %d, GET: %d", path, h->status, g->status);
        ck_assert_msg(h->body_len == 0, "HEAD %s sent a body", path);
        const char *same[] = {"Content-Type", "ETag", "Content-Length", "Content-Disposition"};
        for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
            const char *x = th_header(g, same[k], a, sizeof a), *y = th_header(h, same[k], b, sizeof b);
            ck_assert_msg((x == NULL) == (y == NULL) && (x == NULL || strcmp(x, y) == 0), "HEAD %s: %s %s vs %s", path,
                          same[k], y ? y : "(none)", x ? x : "(none)");
        }
        th_free(g);
        th_free(h);
    }
    /* a conditional HEAD is answered like the GET: 304 */
    th_response *g = call("GET", "/v1/me", CITY, NULL);
    char etag[96], extra[160];
    ck_assert_msg(g->status == 200 && th_header(g, "ETag", etag, sizeof etag) != NULL, "GET /v1/me: %d %s", g->status,
                  g->body);
    snprintf(extra, sizeof extra, "If-None-Match: %s\r\n", etag);
    th_free(g);
    th_response *h = th_request(port, "HEAD", "/v1/me", tokens[CITY], NULL, NULL, 0, extra);
    ck_assert_msg(h->status == 304, "HEAD /v1/me If-None-Match %s: %d", etag, h->status);
    th_free(h);
    h = th_request(port, "HEAD", "/v1/me", NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(h->status, 401);
    ck_assert_uint_eq(h->body_len, 0);
    th_free(h);
}
END_TEST

START_TEST(options_without_origin_answers_allow_and_shadowed_patterns_do_not_count)
{
    char v[256];
    th_response *r = th_request(port, "OPTIONS", "/v1/applications/7/report", NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(th_header(r, "Allow", v, sizeof v), "PUT, GET, HEAD, OPTIONS");
    ck_assert_uint_eq(r->body_len, 0);
    th_free(r);
    r = th_request(port, "OPTIONS", "/v1/nothing-here", NULL, NULL, NULL, 0, NULL);
    expect_problem(r, 404);
    th_free(r);
    /* working-days is GET only: /v1/calendar/:year's PUT is not its */
    r = th_request(port, "OPTIONS", "/v1/calendar/working-days", NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(th_header(r, "Allow", v, sizeof v), "GET, HEAD, OPTIONS");
    th_free(r);
    r = call("PUT", "/v1/calendar/working-days", PROVINCE, "{\"days\":[]}");
    expect_problem(r, 405);
    ck_assert_str_eq(th_header(r, "Allow", v, sizeof v), "GET, HEAD, OPTIONS");
    th_free(r);
    r = th_request(port, "OPTIONS", "/v1/calendar/2026", NULL, NULL, NULL, 0, NULL);
    ck_assert_str_eq(th_header(r, "Allow", v, sizeof v), "GET, HEAD, PUT, OPTIONS");
    th_free(r);
}
END_TEST

START_TEST(public_routes_are_readable_from_any_origin_credentialed_ones_keep_the_list)
{
    char v[256];
    const char *public_paths[] = {"/v1/public/platforms", "/v1/public/changes", "/v1/public/publicity-notices",
                                  "/v1/public/platforms.csv"};
    for (size_t i = 0; i < sizeof public_paths / sizeof *public_paths; i++) {
        th_response *r = th_request(port, "GET", public_paths[i], NULL, NULL, NULL, 0, "Origin: https://dalian.example\r\n");
        ck_assert_msg(r->status == 200, "%s: %d", public_paths[i], r->status);
        ck_assert_str_eq(th_header(r, "Access-Control-Allow-Origin", v, sizeof v), "*");
        ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Credentials", v, sizeof v));
        th_free(r);
        r = th_request(port, "OPTIONS", public_paths[i], NULL, NULL, NULL, 0,
                       "Origin: https://dalian.example\r\nAccess-Control-Request-Method: GET\r\n");
        ck_assert_int_eq(r->status, 204);
        ck_assert_str_eq(th_header(r, "Access-Control-Allow-Origin", v, sizeof v), "*");
        ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Credentials", v, sizeof v));
        th_free(r);
    }
    /* a credentialed route: the same origin is refused, a listed one is named */
    th_response *r = th_request(port, "GET", "/v1/me", tokens[CITY], NULL, NULL, 0, "Origin: https://dalian.example\r\n");
    ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Origin", v, sizeof v));
    th_free(r);
    r = th_request(port, "OPTIONS", "/v1/me", NULL, NULL, NULL, 0,
                   "Origin: https://dalian.example\r\nAccess-Control-Request-Method: GET\r\n");
    expect_problem(r, 403);
    th_free(r);
    r = th_request(port, "GET", "/v1/me", NULL, NULL, NULL, 0, "Origin: https://portal.example.gov.cn\r\n");
    ck_assert_int_eq(r->status, 401);
    ck_assert_str_eq(th_header(r, "Access-Control-Allow-Origin", v, sizeof v), "https://portal.example.gov.cn");
    const char *exposed = th_header(r, "Access-Control-Expose-Headers", v, sizeof v);
    const char *must[] = {"Idempotent-Replayed", "WWW-Authenticate", "Allow", "ETag", "Location", "Retry-After",
                          "X-Request-Id"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        ck_assert_msg(strstr(exposed, must[i]) != NULL, "%s not exposed: %s", must[i], exposed);
    th_free(r);
}
END_TEST


/* ?count= is true or false, on every collection; any other value is 422 naming "count"
 * (not_boolean), and false or absent leaves `total` out. */
START_TEST(count_takes_only_true_or_false)
{
    const char *collections[] = {"/v1/organizations", "/v1/users", "/v1/rounds", "/v1/platforms", "/v1/applications",
                                 "/v1/awards", "/v1/publicity-notices", "/v1/objections", "/v1/audit-events",
                                 "/v1/assessments", "/v1/annual-summaries", "/v1/inspections", "/v1/city-reports",
                                 "/v1/rectifications", "/v1/api-tokens", "/v1/inbox", "/v1/public/platforms",
                                 "/v1/public/publicity-notices"};
    const char *bad[] = {"yes", "1", "TRUE", "", "true%20"};
    char path[256];
    for (size_t c = 0; c < sizeof collections / sizeof *collections; c++) {
        for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
            snprintf(path, sizeof path, "%s?count=%s", collections[c], bad[b]);
            th_response *r = call("GET", path, PROVINCE, NULL);
            expect_problem(r, 422);
            ck_assert_msg(has_field_error(r, "count"), "%s", path);
            ck_assert_ptr_nonnull(strstr(r->body, "not_boolean"));
            th_free(r);
        }
        snprintf(path, sizeof path, "%s?count=false", collections[c]);
        th_response *r = call("GET", path, PROVINCE, NULL);
        ck_assert_msg(r->status == 200, "%s: %d", path, r->status);
        ck_assert_ptr_null(json_object_get(r->json, "total"));
        th_free(r);
        r = call("GET", collections[c], PROVINCE, NULL);
        ck_assert_ptr_null(json_object_get(r->json, "total"));
        th_free(r);
        snprintf(path, sizeof path, "%s?count=true&limit=1", collections[c]);
        r = call("GET", path, PROVINCE, NULL);
        ck_assert_msg(r->status == 200, "%s: %d", path, r->status);
        ck_assert_msg(json_is_integer(json_object_get(r->json, "total")), "%s", path);
        ck_assert_int_ge(json_integer_value(json_object_get(r->json, "total")),
                         (json_int_t)json_array_size(json_object_get(r->json, "items")));
        th_free(r);
    }
}
END_TEST

/* An undeclared query parameter is 422 naming it, on every route (the contract is the
 * table); a page token works only on the collection that issued it. */
START_TEST(unknown_query_parameters_and_foreign_page_tokens_are_422)
{
    th_response *r = call("GET", "/v1/organizations?sort=name&page=2", PROVINCE, NULL);
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "sort") && has_field_error(r, "page"));
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "errors")), 2);
    th_free(r);
    r = call("GET", "/v1/me?verbose=1", CITY, NULL);
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "verbose"));
    th_free(r);
    r = call("GET", "/v1/public/platforms?q=%E5%B9%B3%E5%8F%B0&colour=red", -1, NULL);
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "colour") && !has_field_error(r, "q"));
    th_free(r);
    /* a declared one with a value it does not take: the same code as every list's (it was
     * validation_failed for the organisations alone) */
    r = call("GET", "/v1/organizations?type=mayor", PROVINCE, NULL);
    expect_problem(r, 422);
    ck_assert(has_field_error(r, "type"));
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "code")), "query_invalid");
    th_free(r);
    /* a value that is not UTF-8 once decoded is refused, never read as no value at all (Ulfius
     * drops such a parameter: `?q=%FF` listed everything) */
    const char *not_text[] = {"/v1/public/platforms?q=%FF", "/v1/public/platforms?q=%C3%28",
                              "/v1/public/platforms?q=%E5%B9&limit=1"};
    for (size_t i = 0; i < sizeof not_text / sizeof *not_text; i++) {
        r = call("GET", not_text[i], -1, NULL);
        expect_problem(r, 422);
        ck_assert_msg(has_field_error(r, "q") && strstr(r->body, "not_utf8") != NULL, "%s: %s", not_text[i], r->body);
        ck_assert_msg(!has_field_error(r, "limit"), "%s", r->body);
        th_free(r);
    }
    /* nor cut at an encoded NUL, nor joined when given twice, nor a boolean read from
     * anything but true and false (`?dry_run=yes` imported for real) */
    const struct {
        const char *path, *field, *code;
    } wrong[] = {
        {"/v1/public/platforms?q=P30%00zzz", "q", "hidden_controls"},
        {"/v1/public/platforms?q=%E5%B9%B3%E2%80%AE", "q", "hidden_controls"},
        {"/v1/applications?status=draft%00junk", "status", "hidden_controls"},
        {"/v1/public/platforms?q=a&q=b", "q", "parameter_repeated"},
        {"/v1/organizations?limit=1&limit=2", "limit", "parameter_repeated"},
        {"/v1/organizations?count=yes", "count", "not_boolean"},
        {"/v1/organizations?count=TRUE", "count", "not_boolean"},
        {"/v1/organizations?count=", "count", "not_boolean"},
        {"/v1/organizations?count", "count", "not_boolean"},
        {"/v1/imports/platforms?dry_run=yes", "dry_run", "not_boolean"},
        {"/v1/imports/platforms?dry_run=1", "dry_run", "not_boolean"},
        {"/v1/imports/records?kind=rounds&dry_run=%20true", "dry_run", "not_boolean"},
        {"/v1/users?active=yes", "active", "not_boolean"},
        /* a number that is no whole number, and one out of range, are told apart */
        {"/v1/statistics?year=abc", "year", "not_integer"},
        {"/v1/public/changes?after=1e3", "after", "not_integer"},
        {"/v1/statistics?year=1900", "year", "out_of_range"},
        {"/v1/public/changes?after=-1", "after", "out_of_range"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
        int post = strncmp(wrong[i].path, "/v1/imports/", 12) == 0;
        r = call(post ? "POST" : "GET", wrong[i].path, PROVINCE, post ? "[]" : NULL);
        expect_problem(r, 422);
        const char *code = field_error(r, wrong[i].field);
        ck_assert_msg(code != NULL && strcmp(code, wrong[i].code) == 0, "%s: %s", wrong[i].path, r->body);
        th_free(r);
    }
    r = call("GET", "/v1/organizations?count=true", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = call("GET", "/v1/users?active=false", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    /* the values it takes, every one of them, in the parameters and the message (the longest
     * lists were cut at 47 bytes: "…, approved, public") */
    const struct {
        const char *path;
        const char *last;
    } lists[] = {{"/v1/applications?status=x", "withdrawn"}, {"/v1/public/platforms?function=x", "financing"}};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        r = call("GET", lists[i].path, PROVINCE, NULL);
        expect_problem(r, 422);
        json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
        const char *allowed = json_string_value(json_object_get(json_object_get(e, "params"), "allowed"));
        const char *message = json_string_value(json_object_get(e, "message"));
        ck_assert_msg(allowed != NULL && strstr(allowed, lists[i].last) != NULL, "%s", r->body);
        ck_assert_msg(message != NULL && strstr(message, lists[i].last) != NULL, "%s", r->body);
        th_free(r);
    }
    /* the declared ones still work, each route with its own */
    r = call("GET", "/v1/organizations?type=city&limit=1", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    const char *token = json_string_value(json_object_get(r->json, "next_page_token"));
    ck_assert_ptr_nonnull(token);
    char path[256];
    /* the token continues its own collection, and no other */
    snprintf(path, sizeof path, "/v1/organizations?type=city&limit=1&page_token=%s", token);
    th_response *r2 = call("GET", path, PROVINCE, NULL);
    ck_assert_int_eq(r2->status, 200);
    th_free(r2);
    snprintf(path, sizeof path, "/v1/rounds?page_token=%s", token);
    r2 = call("GET", path, PROVINCE, NULL);
    expect_problem(r2, 422);
    ck_assert(has_field_error(r2, "page_token"));
    th_free(r2);
    json_t *t = sf_page_token_of("/v1/platforms", 0, 1);
    snprintf(path, sizeof path, "/v1/organizations?page_token=%s", json_string_value(t));
    json_decref(t);
    r2 = call("GET", path, PROVINCE, NULL);
    expect_problem(r2, 422);
    th_free(r2);
    th_free(r);
    /* on every route of the table, those whose path ends in a variable among them (their
     * parameters were never found in the contract, and every name passed: a DELETE of
     * /v1/api-tokens/2?bogus=1 deleted), refused before the handler: 422 naming the
     * parameter, or the role's 403 before it */
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        if (sf_routes[i].upload)   /* their body is read first (tested with uploads) */
            continue;
        char concrete[256] = "";
        for (const char *p = sf_routes[i].path; *p;) {
            if (*p == ':') {
                strcat(concrete, strncmp(p, ":year", 5) == 0 ? "2024" : "999999999");
                p += strcspn(p, "/");
            } else {
                strncat(concrete, p, 1);
                p++;
            }
        }
        strcat(concrete, "?zz_undeclared=1");
        const char *m = sf_routes[i].method;
        int writes = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
        r = call(m, concrete, sf_routes[i].access == SF_PUBLIC ? -1 : PROVINCE, writes ? "{}" : NULL);
        ck_assert_msg(r->status == 403 || (r->status == 422 && has_field_error(r, "zz_undeclared")), "%s %s: %d %s", m,
                      concrete, r->status, r->body);
        th_free(r);
    }
    /* refused before anything is read or written: a POST with an unknown parameter too */
    r = call("POST", "/v1/organizations?force=1", PROVINCE, "{\"type\":\"city\",\"name\":\"不应创建\"}");
    expect_problem(r, 422);
    th_free(r);
    r = call("GET", "/v1/organizations?limit=100", PROVINCE, NULL);
    ck_assert_ptr_null(strstr(r->body, "不应创建"));
    th_free(r);
}
END_TEST

/* ---- issue 14: security, second pass ---- */

/* Item 5: a token signed with the key is still refused when it would live longer than shifan
 * issues tokens for (exp − iat over SHIFAN_TOKEN_TTL), or names a critical extension. */
START_TEST(tokens_living_past_the_lifetime_or_with_crit_are_refused)
{
    long long now = time(NULL);
    char value[32];
    /* the boundary: exp − iat exactly the lifetime is good, a second more is not */
    snprintf(value, sizeof value, "@%d", token_ttl);
    char *payload = hand_payload("exp", value);
    char *t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 200);
    free(t);
    free(payload);
    snprintf(value, sizeof value, "@%d", token_ttl + 1);
    payload = hand_payload("exp", value);
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 401);
    free(t);
    free(payload);
    /* exp in the year 5000 */
    snprintf(value, sizeof value, "%lld", 95617584000LL);
    payload = hand_payload("exp", value);
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 401);
    free(t);
    free(payload);
    /* issued an hour ago with a lifetime that reaches just past now: older than it may be */
    json_t *p = json_loads(payload = hand_payload(NULL, NULL), 0, NULL);
    free(payload);
    json_object_set_new(p, "iat", json_integer((json_int_t)(now - token_ttl - 10)));
    json_object_set_new(p, "exp", json_integer((json_int_t)(now + 60)));
    payload = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 401);
    free(t);
    /* RFC 7515 §4.1.11: crit names extensions that must be understood; shifan understands none */
    static const char *const crits[] = {
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"b64\"],\"b64\":false}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[]}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":null}",
    };
    free(payload);
    payload = hand_payload(NULL, NULL);
    for (size_t i = 0; i < sizeof crits / sizeof *crits; i++) {
        t = hand_token(crits[i], payload, EVP_sha256());
        ck_assert_msg(me_status(t) == 401, "accepted: %s", crits[i]);
        free(t);
    }
    /* the control: the same payload under the plain header */
    t = hand_token(GOOD_HEADER, payload, EVP_sha256());
    ck_assert_int_eq(me_status(t), 200);
    free(t);
    free(payload);
}
END_TEST

/* Rows of a query on the suite's database (the caller PQclears); fails the test on error. */
static PGresult *db_rows(const char *sql, int nparams, const char *const *params)
{
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
    PQfinish(pg);
    return res;
}

/* Item 9: a client sending the X-Request-Id of another request (here: the province's) does
 * not file its audit events under that request: the trail's request ids are the server's,
 * the client's value is kept beside them, and the chain still verifies. */
START_TEST(a_reused_client_request_id_leaves_audit_rows_under_distinct_ids)
{
    char client_id[64], header[128], server_ids[2][128];
    snprintf(client_id, sizeof client_id, "province-award-%d", rand() % 1000000);
    snprintf(header, sizeof header, "X-Request-Id: %s\r\n", client_id);
    const char *org = "{\"type\":\"association\",\"name\":\"请求编号测试协会\"}";
    th_response *r = th_request(port, "POST", "/v1/organizations", tokens[PROVINCE], "application/json", org,
                                strlen(org), header);
    ck_assert_int_eq(r->status, 201);
    ck_assert_ptr_nonnull(th_header(r, "X-Server-Request-Id", server_ids[0], sizeof server_ids[0]));
    th_free(r);
    /* another user, the same client id: the city makes itself an API token */
    const char *api = "{\"name\":\"请求编号\",\"scopes\":[\"read\"]}";
    r = th_request(port, "POST", "/v1/api-tokens", tokens[CITY], "application/json", api, strlen(api), header);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    char echoed[128];
    ck_assert_str_eq(th_header(r, "X-Request-Id", echoed, sizeof echoed), client_id);
    ck_assert_ptr_nonnull(th_header(r, "X-Server-Request-Id", server_ids[1], sizeof server_ids[1]));
    th_free(r);
    ck_assert_str_ne(server_ids[0], server_ids[1]);

    const char *params[] = {client_id};
    PQclear(db_rows("SELECT audit_link(NULL, true)", 0, NULL));   /* positions are the order of record */
    PGresult *res = db_rows("SELECT request_id, actor_user_id FROM audit_events"
                            " WHERE detail->>'client_request_id' = $1 ORDER BY seq", 1, params);
    ck_assert_int_eq(PQntuples(res), 2);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), server_ids[0]);
    ck_assert_str_eq(PQgetvalue(res, 1, 0), server_ids[1]);
    ck_assert_str_ne(PQgetvalue(res, 0, 1), PQgetvalue(res, 1, 1));
    PQclear(res);
    res = db_rows("SELECT count(*) FROM audit_events WHERE request_id = $1", 1, params);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
    PQclear(res);
    r = call("GET", "/v1/audit-events/verify", PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_true(json_object_get(r->json, "ok")));
    th_free(r);
}
END_TEST

/* POST `path` with a JSON body from the loopback address `source` (another "client"), with
 * `extra` header lines; the answer's status (0: none), and its Retry-After into `retry` if
 * not NULL. */
static int post_from(const char *source, int to_port, const char *path, const char *body, const char *extra,
                     char *retry, size_t retry_len)
{
    int fd = connect_from(source, to_port);
    if (fd < 0)
        return 0;
    char head[4096];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                     "%sContent-Length: %zu\r\n\r\n", path, extra ? extra : "", strlen(body));
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n || send(fd, body, strlen(body), MSG_NOSIGNAL) != (ssize_t)strlen(body)) {
        close(fd);
        return 0;
    }
    static __thread char answer[16384];
    th_read_until_closed(fd, answer, sizeof answer);
    close(fd);
    int status = 0;
    if (sscanf(answer, "HTTP/1.1 %d", &status) != 1)
        return 0;
    if (retry != NULL) {
        retry[0] = '\0';
        const char *h = strcasestr(answer, "\r\nRetry-After: ");
        if (h != NULL)
            snprintf(retry, retry_len, "%.*s", (int)strcspn(h + 15, "\r"), h + 15);
    }
    return status;
}

static int login_from(const char *source, int to_port, const char *username, const char *password)
{
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
    return post_from(source, to_port, "/v1/auth/token", body, NULL, NULL, 0);
}

/* A second server on the suite's database with the given extra settings (and the suite's key). */
static void start_with(th_server *s, const char *const *extra)
{
    static char key_env[700];
    snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", key_path);
    const char *env[16] = {key_env};
    size_t n = 1;
    for (size_t i = 0; extra[i] != NULL && n < 15; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    ck_assert_int_eq(th_server_start(s, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env), 0);
}

typedef struct {
    pthread_barrier_t *go;
    const char *source, *username, *password;
    int port, status;
} login_call;

static void *login_thread(void *p)
{
    login_call *c = p;
    pthread_barrier_wait(c->go);
    c->status = login_from(c->source, c->port, c->username, c->password);
    return NULL;
}

/* Item 4: 20 wrong passwords for one username from one client at once, with a limit of 10:
 * the attempt is reserved before hashing, so at most 10 are hashed and answered 401, the rest
 * 429; then even the right password is refused. */
START_TEST(concurrent_logins_cannot_pass_the_limit_while_hashing)
{
    create_user("racer", org_ids[ASSOCIATION]);
    th_server s;
    /* a hashing queue that takes all twenty: the throttle, not the queue, is under test */
    start_with(&s, (const char *const[]){"SHIFAN_LOGIN_MAX_FAILURES=10", "SHIFAN_LOGIN_CLIENT_MAX_FAILURES=1000",
                                         "SHIFAN_THREADS=24", "SHIFAN_HASH_CONCURRENCY=2", "SHIFAN_HASH_QUEUE=20",
                                         "SHIFAN_HASH_QUEUE_PER_CLIENT=20", "SHIFAN_HASH_WAIT_MS=60000", NULL});
    enum { N = 20 };
    login_call calls[N];
    pthread_t threads[N];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        calls[i] = (login_call){&go, "127.0.0.41", "racer", "not-the-password", s.port, 0};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, login_thread, &calls[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(threads[i], NULL);
    int refused = 0, throttled = 0;
    for (int i = 0; i < N; i++) {
        ck_assert_msg(calls[i].status == 401 || calls[i].status == 429, "attempt %d: %d", i, calls[i].status);
        refused += calls[i].status == 401;
        throttled += calls[i].status == 429;
    }
    pthread_barrier_destroy(&go);
    ck_assert_msg(refused <= 10, "%d wrong passwords were hashed and answered 401, with a limit of 10", refused);
    ck_assert_int_eq(refused + throttled, N);
    ck_assert_int_eq(login_from("127.0.0.41", s.port, "racer", USER_PASSWORD), 429);
    /* the same username from another client is not held up by this one (item 3) */
    ck_assert_int_eq(login_from("127.0.0.42", s.port, "racer", USER_PASSWORD), 200);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

typedef struct {
    int port, index;
    volatile int *stop;
    int answered, hashed_or_refused, busy, other;
} flood_client;

static void *flood_thread(void *p)
{
    flood_client *c = p;
    /* the attackers' own CPU is not the server's: they stand for machines elsewhere, so on
     * this shared machine they yield to the server and to the probe */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 15);
    char source[32], user[64];
    snprintf(source, sizeof source, "127.0.1.%d", 10 + c->index);
    for (int k = 0; !*c->stop; k++) {
        snprintf(user, sizeof user, "flood-%d-%d", c->index, k);
        int status = login_from(source, c->port, user, "not-a-password-at-all");
        c->answered++;
        if (status == 401)
            c->hashed_or_refused++;
        else if (status == 503)
            c->busy++;
        else
            c->other++;
        usleep(2000);   /* no faster than a client across a network's round trip */
    }
    return NULL;
}

/* 20 flooding clients, each from its own address (127.0.1.10-29) and under its limits. */
enum { FLOODERS = 20 };
typedef struct {
    volatile int stop;
    flood_client clients[FLOODERS];
    pthread_t threads[FLOODERS];
} flood;

static void flood_start(flood *f, int to_port)
{
    f->stop = 0;
    for (int i = 0; i < FLOODERS; i++) {
        f->clients[i] = (flood_client){to_port, i, &f->stop, 0, 0, 0, 0};
        ck_assert_int_eq(pthread_create(&f->threads[i], NULL, flood_thread, &f->clients[i]), 0);
    }
}

/* Stops the flood; its totals into `total`. */
static void flood_stop(flood *f, flood_client *total)
{
    f->stop = 1;
    *total = (flood_client){0};
    for (int i = 0; i < FLOODERS; i++) {
        pthread_join(f->threads[i], NULL);
        total->answered += f->clients[i].answered;
        total->hashed_or_refused += f->clients[i].hashed_or_refused;
        total->busy += f->clients[i].busy;
        total->other += f->clients[i].other;
    }
}

/* A login from `source`: its status, and the access token of a 200 into `token` (or ""). */
static int login_token_from(const char *source, int to_port, const char *username, const char *password,
                            char *token, size_t token_len)
{
    token[0] = '\0';
    int fd = connect_from(source, to_port);
    if (fd < 0)
        return 0;
    char body[512], head[512];
    int len = snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
    int n = snprintf(head, sizeof head,
                     "POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", len);
    char answer[16384];
    answer[0] = '\0';
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n && send(fd, body, (size_t)len, MSG_NOSIGNAL) == len)
        th_read_until_closed(fd, answer, sizeof answer);
    close(fd);
    int status = 0;
    if (sscanf(answer, "HTTP/1.1 %d", &status) != 1)
        return 0;
    const char *json = strstr(answer, "\r\n\r\n");
    json_t *doc = status == 200 && json != NULL ? json_loads(json + 4, 0, NULL) : NULL;
    const char *access = json_string_value(json_object_get(doc, "access_token"));
    if (access != NULL)
        snprintf(token, token_len, "%s", access);
    json_decref(doc);
    return status;
}

/* The user a token names, by GET /v1/me on `to_port`: whether it is `username`. */
static int token_is_of(int to_port, const char *token, const char *username)
{
    th_response *r = th_json(to_port, "GET", "/v1/me", token, NULL);
    int ok = r != NULL && r->status == 200 &&
             json_is_string(json_object_get(r->json, "username")) &&
             strcmp(json_string_value(json_object_get(r->json, "username")), username) == 0;
    if (!ok)
        fprintf(stderr, "GET /v1/me: %d %s\n", r ? r->status : 0, r && r->body ? r->body : "");
    th_free(r);
    return ok;
}

typedef struct {
    int port;
    double deadline;   /* now_s() */
    int status, attempts;
    char token[2048];
} patient_login;

/* During a flood: a login with the right password, from its own address, tried again while
 * the hashing queue is full (503) until it is answered otherwise. */
static void *patient_login_thread(void *p)
{
    patient_login *l = p;
    do {
        l->attempts++;
        l->status = login_token_from("127.0.2.1", l->port, "floodproof", USER_PASSWORD, l->token, sizeof l->token);
        if (l->status == 503)
            usleep(20000);
    } while (l->status == 503 && now_s() < l->deadline);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Item 1: 20 clients, each from its own address and under its limits, log in with unknown
 * usernames as fast as they are answered, for five seconds; meanwhile /healthz and /readyz,
 * probed in turn on a fresh connection every 10 ms, answer every time and within 50 ms. A
 * login is worked out (its database work and its hash) with its connection suspended, never
 * holding the HTTP worker that serves the probes too (server.h, sf_hash_then); what the
 * hashing queue cannot take answers 503 with Retry-After at once. A login with the right
 * password still succeeds during the flood and after it, with a token that works: asking every
 * 20 ms against the flood's 2 ms, it gets its turn among the 21 addresses (api/auth.c,
 * admitted; before, a CI run saw 503 through 2,776 attempts in 60 s). */
START_TEST(a_login_flood_does_not_stall_the_health_checks)
{
    create_user("floodproof", org_ids[ASSOCIATION]);
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_LOGIN_CLIENT_MAX_FAILURES=100000", "SHIFAN_HASH_CONCURRENCY=2",
                                         "SHIFAN_THREADS=8", NULL});
    static flood f;   /* static: a thread never outlives what it reads, even if an assertion ends the test */
    flood_start(&f, s.port);
    th_pause_ms(300);   /* the flood under way */
    static patient_login during;
    during = (patient_login){.port = s.port, .deadline = now_s() + 60.0 * th_time_factor()};
    pthread_t patient;
    ck_assert_int_eq(pthread_create(&patient, NULL, patient_login_thread, &during), 0);
    enum { MAX_SAMPLES = 1000 };
    static double took[MAX_SAMPLES];
    double worst = 0, start = now_s();
    int samples = 0, failed = 0, slow = 0;
    while (now_s() - start < 5.0 && samples < MAX_SAMPLES) {
        const char *path = samples % 2 == 0 ? "/healthz" : "/readyz";
        double t0 = now_s();
        int fd = th_connect(s.port);
        int status = fd >= 0 ? get_on(fd, path, 1) : 0;
        took[samples] = now_s() - t0;
        if (fd >= 0)
            close(fd);
        if (status != 200 && failed++ == 0)
            fprintf(stderr, "%s during the flood: %d\n", path, status);
        if (took[samples] > 0.050 * th_time_factor() && slow++ < 5)
            fprintf(stderr, "%s during the flood took %.1f ms (probe %d)\n", path, took[samples] * 1000, samples);
        worst = took[samples] > worst ? took[samples] : worst;
        samples++;
        usleep(10000);
    }
    pthread_join(patient, NULL);
    flood_client total;
    flood_stop(&f, &total);
    qsort(took, (size_t)samples, sizeof *took, by_value);
    fprintf(stderr, "login flood: %d logins (%d 401, %d 503, %d other); %d probes, %d over 50 ms,"
            " median %.1f ms, 99th percentile %.1f ms, worst %.1f ms; the right password: %d after %d attempts\n",
            total.answered, total.hashed_or_refused, total.busy, total.other, samples, slow,
            took[samples / 2] * 1000, took[samples * 99 / 100] * 1000, worst * 1000, during.status, during.attempts);
    ck_assert_int_eq(failed, 0);
    ck_assert_int_eq(total.other, 0);
    ck_assert_int_gt(total.hashed_or_refused, 0);
    /* Before, a probe accepted by a worker that had taken up a login waited for its hash: up
     * to 9.9 s against the previous server, 4.4 s in the issue. Then, with the hash off the
     * worker but the login's database work still on it, a third of the runs had a probe or
     * two over 50 ms (up to 240 ms): under the flood, PostgreSQL's backends (each a
     * scheduling group of its own on Linux) wait their turn for the CPU, a login's statement
     * took 20-400 ms, and the worker waiting on it held the probe it had accepted. Now the
     * whole login runs off the worker (api/login.c): in 10 runs the worst probe took
     * 2.4-4.7 ms. */
#if defined(__SANITIZE_ADDRESS__)
    /* under AddressSanitizer every answer of the flood costs three to four times the CPU */
    ck_assert_msg(worst <= 0.150 * th_time_factor(), "a health check took %.1f ms during the flood", worst * 1000);
#else
    ck_assert_msg(slow == 0, "%d of %d health checks over 50 ms during the flood (the worst: %.1f ms)", slow,
                  samples, worst * 1000);
#endif
    /* the right password during the flood, and after it */
    ck_assert_int_eq(during.status, 200);
    ck_assert(token_is_of(s.port, during.token, "floodproof"));
    char token[2048];
    ck_assert_int_eq(login_token_from("127.0.2.2", s.port, "floodproof", USER_PASSWORD, token, sizeof token), 200);
    ck_assert(token_is_of(s.port, token, "floodproof"));
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

typedef struct {
    int port;
    const char *token;
    int status;
} held_read;

static void *held_read_thread(void *p)
{
    held_read *h = p;
    th_response *r = th_json(h->port, "GET", "/v1/organizations?limit=1", h->token, NULL);
    h->status = r ? r->status : 0;
    th_free(r);
    return NULL;
}

/* Issue 14, item 1: /readyz is answered from a check made in the background over a
 * connection of its own (api/readiness.h), not through the request pool: with the pool's
 * only connection held by a request waiting on a lock, it still answers 200, where before it
 * waited for a connection until SHIFAN_POOL_TIMEOUT_MS and answered 503. */
START_TEST(readiness_answers_while_every_pooled_connection_is_busy)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_POOL_SIZE=1", "SHIFAN_POOL_TIMEOUT_MS=3000", NULL});
    th_response *r = th_readyz_becomes(s.port, 200);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    PGconn *locker = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    ck_assert_int_eq(PQstatus(locker), CONNECTION_OK);
    PQclear(PQexec(locker, "BEGIN"));
    PGresult *res = PQexec(locker, "LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    static held_read held;
    held = (held_read){.port = s.port, .token = tokens[PROVINCE]};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, held_read_thread, &held), 0);
    /* the read holds the pool's one connection, waiting for the lock */
    PGconn *watcher = PQconnectdb(th_env("SHIFAN_TEST_ADMIN_URL"));
    for (int waiting = 0, tries = 0; !waiting; tries++) {
        ck_assert_msg(tries < 1000, "the read never waited for the lock");
        res = PQexec(watcher, "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                              " WHERE d.datname = 'shifan_http' AND NOT l.granted");
        waiting = PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) > 0;
        PQclear(res);
        if (!waiting)
            th_pause_ms(10);
    }
    PQfinish(watcher);
    r = th_json(s.port, "GET", "/readyz", NULL, NULL);
    int ready = r ? r->status : 0;
    char body[400];
    snprintf(body, sizeof body, "%s", r ? r->body : "");
    th_free(r);
    /* released before judging: a failure leaves nothing held for the tests after it */
    PQclear(PQexec(locker, "ROLLBACK"));
    PQfinish(locker);
    pthread_join(t, NULL);
    ck_assert_msg(ready == 200, "/readyz with the pool busy: %d %s", ready, body);
    ck_assert_int_eq(held.status, 200);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* A readiness check that hangs (here: its read of schema_migrations waits on a lock, as it
 * would on a database that stopped answering) reads as the database unavailable a second past
 * its time, not as the last answer kept for ever; and ready again once it answers. */
START_TEST(readiness_says_unavailable_while_its_check_hangs)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_READY_CHECK_MS=50", NULL});
    th_response *r = th_readyz_becomes(s.port, 200);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    PGconn *locker = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    ck_assert_int_eq(PQstatus(locker), CONNECTION_OK);
    PQclear(PQexec(locker, "BEGIN"));
    PGresult *res = PQexec(locker, "LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE");
    int locked = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    r = locked ? th_readyz_becomes(s.port, 503) : NULL;
    int status = r ? r->status : 0;
    char code[64];
    const char *said = r ? json_string_value(json_object_get(r->json, "code")) : NULL;
    snprintf(code, sizeof code, "%s", said ? said : "");
    th_free(r);
    /* released before judging: nothing is left locked for the tests after it */
    PQclear(PQexec(locker, "ROLLBACK"));
    PQfinish(locker);
    ck_assert(locked);
    ck_assert_int_eq(status, 503);
    ck_assert_str_eq(code, "database_unavailable");
    r = th_readyz_becomes(s.port, 200);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

typedef struct {
    int port;
    const char *source, *path, *token, *body;   /* from an address of its own: no other test's throttle */
    int status;
    double done;   /* now_s() when answered */
} hashing_call;

static void *hashing_call_thread(void *p)
{
    hashing_call *c = p;
    char authorization[2200] = "";
    if (c->token != NULL)
        snprintf(authorization, sizeof authorization, "Authorization: Bearer %s\r\n", c->token);
    c->status = post_from(c->source, c->port, c->path, c->body, authorization, NULL, 0);
    c->done = now_s();
    return NULL;
}

/* The threads of process `pid` whose nice value is `nice` (/proc/<pid>/task/<tid>/stat, the
 * 19th field). */
static int threads_at_nice(pid_t pid, int nice)
{
    char dir_path[64];
    snprintf(dir_path, sizeof dir_path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(dir_path);
    ck_assert_ptr_nonnull(dir);
    int found = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        char path[sizeof dir_path + sizeof e->d_name + 8], stat[1024];
        snprintf(path, sizeof path, "%s/%s/stat", dir_path, e->d_name);
        FILE *f = e->d_name[0] != '.' ? fopen(path, "r") : NULL;
        if (f == NULL)
            continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        const char *p = strrchr(stat, ')');   /* the name may hold spaces: fields start after it */
        int field = 2, value = 0;
        for (; p != NULL && *p != '\0' && field < 19; p++)
            if (*p == ' ')
                field++;
        if (p != NULL && sscanf(p, "%d", &value) == 1 && value == nice)
            found++;
    }
    closedir(dir);
    return found;
}

/* Item 1: the hashing threads, and only they, run at nice 19, so that a flood of logins
 * leaves the cores to every other request. */
START_TEST(the_hashing_threads_and_only_they_run_at_the_lowest_priority)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_HASH_CONCURRENCY=3", "SHIFAN_THREADS=4", NULL});
    ck_assert_int_eq(threads_at_nice(s.pid, 19), 3);
    ck_assert_int_gt(threads_at_nice(s.pid, 0), 4);   /* the HTTP workers (and the rest) as they were */
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Item 1, every route that hashes a password — a login, creating a user, an administrator's
 * reset, a change of one's own (two hashes) — with one HTTP worker: while their hashes run,
 * /healthz is answered at once by that worker (before, it waited for a whole hash). */
START_TEST(requests_that_hash_never_hold_the_only_worker)
{
    create_user("hash-changer", org_ids[ASSOCIATION]);
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"hash-reset-me\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
             "\"display_name\":\"x\"}", (long long)org_ids[ASSOCIATION]);
    th_response *r = call("POST", "/v1/users", PROVINCE, body);
    ck_assert_int_eq(r->status, 201);
    long long reset_id = (long long)json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    /* from an address of its own: the suite's failed logins from the default one may have it
     * waiting out a delay (the whole-client throttle, counted across the suite's servers) */
    static char changer[2048];
    int status = login_token_from("127.0.4.6", port, "hash-changer", USER_PASSWORD, changer, sizeof changer);
    ck_assert_msg(status == 200, "hash-changer could not log in: %d", status);
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_THREADS=1", "SHIFAN_HASH_CONCURRENCY=1", "SHIFAN_HASH_QUEUE=8",
                                         "SHIFAN_HASH_QUEUE_PER_CLIENT=8", "SHIFAN_HASH_WAIT_MS=60000", NULL});
    char create[512], reset_path[64];
    snprintf(create, sizeof create, "{\"username\":\"made-while-hashing\",\"password\":\"" USER_PASSWORD "\","
             "\"org_id\":%lld,\"display_name\":\"x\"}", (long long)org_ids[ASSOCIATION]);
    snprintf(reset_path, sizeof reset_path, "/v1/users/%lld/password", reset_id);
    enum { CALLS = 4 };
    static hashing_call calls[CALLS];
    calls[0] = (hashing_call){s.port, "127.0.4.1", "/v1/auth/token", NULL,
                              "{\"username\":\"hash-changer\",\"password\":\"not-the-password\"}", 0, 0};
    calls[1] = (hashing_call){s.port, "127.0.4.2", "/v1/users", tokens[PROVINCE], create, 0, 0};
    calls[2] = (hashing_call){s.port, "127.0.4.3", reset_path, tokens[PROVINCE], "{\"password\":\"Another-long-passphrase-42\"}", 0, 0};
    calls[3] = (hashing_call){s.port, "127.0.4.4", "/v1/me/password", changer,
                              "{\"old_password\":\"" USER_PASSWORD "\",\"new_password\":\"Another-long-passphrase-42\"}", 0, 0};
    pthread_t threads[CALLS];
    for (int i = 0; i < CALLS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hashing_call_thread, &calls[i]), 0);
    th_pause_ms(100);   /* the requests read, their hashes under way one after another (checked below) */
    double worst = 0, last_probe = 0;
    for (int i = 0; i < 10; i++) {
        double t0 = now_s();
        ck_assert_int_eq(fresh_healthz(s.port, "127.0.0.1"), 200);
        last_probe = now_s();
        worst = last_probe - t0 > worst ? last_probe - t0 : worst;
        usleep(20000);
    }
    double last_done = 0;
    for (int i = 0; i < CALLS; i++) {
        pthread_join(threads[i], NULL);
        last_done = calls[i].done > last_done ? calls[i].done : last_done;
    }
    fprintf(stderr, "one worker, five hashes: /healthz worst %.1f ms; answers %d %d %d %d, the last %.0f ms after"
            " the last probe\n", worst * 1000, calls[0].status, calls[1].status, calls[2].status, calls[3].status,
            (last_done - last_probe) * 1000);
    /* below one hash's time (~0.2-0.3 s, plain or under ASan; before, /healthz waited 4.1 s for
     * all five), above this shared machine's scheduling noise (up to ~70 ms seen at a load of 25) */
    ck_assert_msg(worst <= 0.150 * th_time_factor(), "/healthz took %.1f ms while passwords hashed", worst * 1000);
    ck_assert_msg(last_done > last_probe, "the probes did not overlap the hashing");   /* five hashes in a row */
    ck_assert_int_eq(calls[0].status, 401);
    ck_assert_int_eq(calls[1].status, 201);
    ck_assert_int_eq(calls[2].status, 204);
    ck_assert_int_eq(calls[3].status, 204);
    ck_assert_int_eq(login_from("127.0.4.5", s.port, "hash-changer", "Another-long-passphrase-42"), 200);
    ck_assert_int_eq(login_from("127.0.4.5", s.port, "made-while-hashing", USER_PASSWORD), 200);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* A lock on `table` in `mode` (LOCK TABLE's words), taken by another session for a second and
 * a half (statements that need a conflicting lock wait on it, as statements wait for a core
 * during a flood), once it is held; NULL if it could not be taken. Finished with lock_finish. */
static PGconn *lock_table(const char *table, const char *mode)
{
    char sql[200], held_sql[200];
    snprintf(sql, sizeof sql, "BEGIN; LOCK TABLE %s IN %s MODE; SELECT pg_sleep(1.5); ROLLBACK", table, mode);
    PGconn *locker = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    if (PQstatus(locker) != CONNECTION_OK || !PQsendQuery(locker, sql)) {
        PQfinish(locker);
        return NULL;
    }
    snprintf(held_sql, sizeof held_sql, "SELECT count(*) FROM pg_locks WHERE relation = '%s'::regclass AND granted"
             " AND pid = %d", table, PQbackendPID(locker));
    PGconn *watcher = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    int held = 0;
    for (double until = now_s() + 1.0; !held && now_s() < until; th_pause_ms(5)) {
        PGresult *res = PQexec(watcher, held_sql);
        held = PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) > 0;
        PQclear(res);
    }
    PQfinish(watcher);
    return locker;
}

/* Statements waiting on a lock on `table` now. */
static int waiting_on(const char *table)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_locks WHERE relation = '%s'::regclass AND NOT granted", table);
    PGconn *watcher = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    PGresult *res = PQexec(watcher, sql);
    int n = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    PQfinish(watcher);
    return n;
}

/* Until `n` statements wait on a lock on `table`, for a second at most: whether they do. */
static int until_waiting_on(const char *table, int n)
{
    for (double until = now_s() + 1.0; now_s() < until; th_pause_ms(5))
        if (waiting_on(table) == n)
            return 1;
    return 0;
}

/* Five /healthz on fresh connections to `to_port`, 20 ms apart: the longest one took, in
 * seconds, and in *answered how many answered 200. */
static double probes_worst(int to_port, int *answered)
{
    double worst = 0;
    *answered = 0;
    for (int i = 0; i < 5; i++) {
        double t0 = now_s();
        *answered += fresh_healthz(to_port, "127.0.0.1") == 200;
        worst = now_s() - t0 > worst ? now_s() - t0 : worst;
        th_pause_ms(20);
    }
    return worst;
}

/* POST /v1/users by the province on `to_port` (a password to hash): its status, and in *took
 * the seconds it took to answer. */
static int create_user_timed(int to_port, const char *username, double *took)
{
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
             "\"display_name\":\"x\"}", username, (long long)org_ids[ASSOCIATION]);
    double t0 = now_s();
    th_response *r = th_json(to_port, "POST", "/v1/users", tokens[PROVINCE], body);
    *took = now_s() - t0;
    int status = r != NULL ? r->status : 0;
    th_free(r);
    return status;
}

/* The lock's transaction ended (its pg_sleep done) and its session closed. */
static void lock_finish(PGconn *locker)
{
    PGresult *res;
    while ((res = PQgetResult(locker)) != NULL)
        PQclear(res);
    PQfinish(locker);
}

/* Item 1: logins whose database work waits (here: their reservations, on a lock another
 * session holds for a second and a half, as statements wait for a core during a flood) hold
 * neither the only HTTP worker nor the hashing threads: /healthz is answered at once meanwhile,
 * a new user (whose password is hashed) is created at once, and the logins are answered once
 * the lock goes. Before, the worker waited with the statement, and /healthz with it; with the
 * statements on the hashing threads, two logins took both and the new user waited a second
 * for a hashing thread, then was refused (503). */
START_TEST(logins_waiting_on_the_database_hold_neither_the_worker_nor_the_hashing)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_THREADS=1", "SHIFAN_HASH_CONCURRENCY=2", NULL});
    PGconn *locker = lock_table("login_failures", "EXCLUSIVE");
    ck_assert_ptr_nonnull(locker);
    enum { LOGINS = 2 };
    static hashing_call logins[LOGINS];
    pthread_t threads[LOGINS];
    for (int i = 0; i < LOGINS; i++) {
        logins[i] = (hashing_call){s.port, i == 0 ? "127.0.4.7" : "127.0.4.8", "/v1/auth/token", NULL,
                                   "{\"username\":\"nobody-at-all\",\"password\":\"not-the-password\"}", 0, 0};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hashing_call_thread, &logins[i]), 0);
    }
    int waiting = until_waiting_on("login_failures", LOGINS);
    int answered = 0;
    double worst = waiting ? probes_worst(s.port, &answered) : 0;
    double created_in = 0;
    int created = waiting ? create_user_timed(s.port, "made-while-logins-wait", &created_in) : 0;
    int still_waiting = waiting_on("login_failures");
    lock_finish(locker);   /* released before judging: nothing is left locked for the tests after it */
    for (int i = 0; i < LOGINS; i++)
        pthread_join(threads[i], NULL);
    fprintf(stderr, "one worker, two logins waiting on a lock: /healthz worst %.1f ms, a new user %d in %.0f ms\n",
            worst * 1000, created, created_in * 1000);
    ck_assert(waiting);
    ck_assert_int_eq(answered, 5);
    ck_assert_msg(still_waiting == LOGINS, "the logins stopped waiting before the probes were done");
    ck_assert_msg(worst <= 0.150 * th_time_factor(), "/healthz took %.1f ms while logins waited", worst * 1000);
    ck_assert_int_eq(created, 201);
    ck_assert_int_eq(logins[0].status, 401);
    ck_assert_int_eq(logins[1].status, 401);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Item 1: a login keeps its place in the hashing queue from its start (api/auth.h,
 * sf_auth_hash_hold), while its database step runs, so that it is not refused for a queue
 * filled meanwhile: with one place in all, a login waiting on the database (here: on a lock)
 * holds it, and a new user's password, to be hashed meanwhile, is refused at once (503); the
 * login is then hashed and answered, and its place given back: the new user is created. */
START_TEST(a_login_waiting_on_the_database_keeps_its_place_in_the_hashing_queue)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_HASH_QUEUE=1", "SHIFAN_HASH_QUEUE_PER_CLIENT=1", NULL});
    PGconn *locker = lock_table("login_failures", "EXCLUSIVE");
    ck_assert_ptr_nonnull(locker);
    static hashing_call login;
    login = (hashing_call){s.port, "127.0.4.20", "/v1/auth/token", NULL,
                           "{\"username\":\"nobody-at-all\",\"password\":\"not-the-password\"}", 0, 0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, hashing_call_thread, &login), 0);
    int waiting = until_waiting_on("login_failures", 1);
    double refused_in = 0;
    int meanwhile = waiting ? create_user_timed(s.port, "made-after-the-login", &refused_in) : 0;
    int still_waiting = waiting_on("login_failures");
    lock_finish(locker);   /* released before judging: nothing is left locked for the tests after it */
    pthread_join(t, NULL);
    ck_assert(waiting);
    ck_assert_int_eq(meanwhile, 503);
    ck_assert_msg(refused_in < 0.5 * th_time_factor(), "the new user was refused after %.0f ms", refused_in * 1000);
    ck_assert_int_eq(still_waiting, 1);
    ck_assert_int_eq(login.status, 401);
    double created_in;
    ck_assert_int_eq(create_user_timed(s.port, "made-after-the-login", &created_in), 201);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Bodies of the unsigned writes the errand tests send: a valid objection (to application 1,
 * of whatever notice the path names) and a refresh with a token of no session. */
#define AN_OBJECTION \
    "{\"application_id\":1,\"objector_name\":\"张三\",\"contact\":\"13800000000\",\"reason\":\"材料不实\"}"
#define A_REFRESH_OF_NO_SESSION "{\"refresh_token\":\"sfr_not-a-refresh-token-of-any-session\"}"

/* What holds for a login's database work holds for the other writes anyone may make without
 * signing in (issue 14, item 1): a refresh (a refused one counts against its client) and an
 * objection to a publicity notice (a row of its own, and its client's quota). Each waits here
 * on a lock another session holds for a second and a half (the refresh on its client's failures,
 * the objection on the notice it names), as their statements wait for a core when a flood of
 * them slows the database; with one HTTP worker, /healthz is answered at once meanwhile, and
 * each is answered once the lock goes. Before, the worker waited with the statement (/healthz
 * in 1.5 s), and the next request on it was not even read. */
START_TEST(refreshes_and_objections_waiting_on_the_database_hold_not_the_worker)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_THREADS=1", NULL});
    PGconn *failures = lock_table("login_failures", "EXCLUSIVE");
    ck_assert_ptr_nonnull(failures);
    PGconn *notices = lock_table("publicity_notices", "ACCESS EXCLUSIVE");
    ck_assert_ptr_nonnull(notices);
    static hashing_call calls[2];
    calls[0] = (hashing_call){s.port, "127.0.4.30", "/v1/auth/refresh", NULL, A_REFRESH_OF_NO_SESSION, 0, 0};
    calls[1] = (hashing_call){s.port, "127.0.4.31", "/v1/public/publicity-notices/999999999/objections", NULL,
                              AN_OBJECTION, 0, 0};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hashing_call_thread, &calls[i]), 0);
    int waiting = until_waiting_on("login_failures", 1) && until_waiting_on("publicity_notices", 1);
    int answered = 0;
    double worst = waiting ? probes_worst(s.port, &answered) : 0;
    int still_waiting = waiting_on("login_failures") == 1 && waiting_on("publicity_notices") == 1;
    lock_finish(failures);   /* released before judging: nothing is left locked for the tests after it */
    lock_finish(notices);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    fprintf(stderr, "one worker, a refresh and an objection waiting on locks: /healthz worst %.1f ms\n",
            worst * 1000);
    ck_assert(waiting);
    ck_assert_int_eq(answered, 5);
    ck_assert_msg(still_waiting, "the refresh or the objection stopped waiting before the probes were done");
    ck_assert_msg(worst <= 0.150 * th_time_factor(), "/healthz took %.1f ms while they waited", worst * 1000);
    ck_assert_int_eq(calls[0].status, 401);
    ck_assert_int_eq(calls[1].status, 404);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Each kind of errand has a pool of its own (api/auth.h, sf_errand_kind): with one thread a
 * kind, a refresh waiting on the database (a lock on its client's failures) holds the
 * refreshes' thread; a second refresh, not taken up within SHIFAN_HASH_WAIT_MS, answers 503
 * requests_busy with Retry-After (not database_unavailable: the database is up), while an
 * objection is answered at once (404, no such notice) by a thread of its own; and with the
 * objections' one thread held in turn (a lock on the notices), one to a notice id that cannot
 * be is answered at once too (404, without the database), not queued behind it. */
START_TEST(a_refused_errand_answers_requests_busy_and_delays_no_other_kind)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_HASH_CONCURRENCY=1", "SHIFAN_HASH_WAIT_MS=300", NULL});
    PGconn *failures = lock_table("login_failures", "EXCLUSIVE");
    ck_assert_ptr_nonnull(failures);
    static hashing_call first;
    first = (hashing_call){s.port, "127.0.4.40", "/v1/auth/refresh", NULL, A_REFRESH_OF_NO_SESSION, 0, 0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, hashing_call_thread, &first), 0);
    int waiting = until_waiting_on("login_failures", 1);
    th_response *second = waiting ? th_json(s.port, "POST", "/v1/auth/refresh", NULL,
                                            "{\"refresh_token\":\"sfr_another-token-of-no-session\"}")
                                  : NULL;
    double t0 = now_s();
    th_response *objection = waiting ? th_json(s.port, "POST", "/v1/public/publicity-notices/999999999/objections",
                                               NULL, AN_OBJECTION)
                                     : NULL;
    double objection_took = now_s() - t0;
    th_response *no_id = th_json(s.port, "POST", "/v1/public/publicity-notices/0/objections", NULL, AN_OBJECTION);
    int still_waiting = waiting_on("login_failures") == 1;
    lock_finish(failures);   /* released before judging: nothing is left locked for the tests after it */
    pthread_join(t, NULL);
    /* the objections' one thread held by an objection waiting on the notices: one to a notice
     * id that cannot be is answered at once, not queued behind it (then refused after 300 ms) */
    PGconn *notices = lock_table("publicity_notices", "ACCESS EXCLUSIVE");
    ck_assert_ptr_nonnull(notices);
    static hashing_call held;
    held = (hashing_call){s.port, "127.0.4.41", "/v1/public/publicity-notices/999999999/objections", NULL,
                          AN_OBJECTION, 0, 0};
    ck_assert_int_eq(pthread_create(&t, NULL, hashing_call_thread, &held), 0);
    int objection_waiting = until_waiting_on("publicity_notices", 1);
    t0 = now_s();
    th_response *no_id_queued = th_json(s.port, "POST", "/v1/public/publicity-notices/0/objections", NULL,
                                        AN_OBJECTION);
    double no_id_took = now_s() - t0;
    lock_finish(notices);
    pthread_join(t, NULL);
    ck_assert(objection_waiting);
    ck_assert_int_eq(no_id_queued->status, 404);
    ck_assert_msg(no_id_took < 0.25 * th_time_factor(), "the objection to notice 0 took %.0f ms", no_id_took * 1000);
    ck_assert_int_eq(held.status, 404);
    th_free(no_id_queued);
    ck_assert(waiting);
    ck_assert_msg(still_waiting, "the first refresh stopped waiting before the others were answered");
    ck_assert_ptr_nonnull(second);
    ck_assert_int_eq(second->status, 503);
    ck_assert_str_eq(json_string_value(json_object_get(second->json, "code")), "requests_busy");
    char retry[16];
    ck_assert_ptr_nonnull(th_header(second, "Retry-After", retry, sizeof retry));
    ck_assert_ptr_nonnull(objection);
    ck_assert_int_eq(objection->status, 404);
    ck_assert_msg(objection_took < 0.25 * th_time_factor(), "the objection took %.0f ms", objection_took * 1000);
    ck_assert_int_eq(no_id->status, 404);
    ck_assert_str_eq(json_string_value(json_object_get(no_id->json, "code")), "notice_not_found");
    ck_assert_int_eq(first.status, 401);
    th_free(second);
    th_free(objection);
    th_free(no_id);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* The unsigned writes hold at most SHIFAN_HASH_CONCURRENCY + 2 of the pool's connections while
 * they wait on the database (api/auth.c: the logins' errands as many threads as hash, a
 * refresh's and an objection's one each): with four hashing threads and the default pool of
 * eight, four logins, four refreshes and four objections all waiting on locks leave a
 * connection for a signed-in read, answered at once. With as many threads for every kind, they
 * took all eight, and the read answered 503 after SHIFAN_POOL_TIMEOUT_MS. */
START_TEST(unsigned_writes_waiting_on_the_database_leave_connections_for_signed_in_requests)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_HASH_CONCURRENCY=4", "SHIFAN_POOL_SIZE=8",
                                         "SHIFAN_POOL_TIMEOUT_MS=1000", NULL});
    PGconn *failures = lock_table("login_failures", "EXCLUSIVE");
    ck_assert_ptr_nonnull(failures);
    PGconn *notices = lock_table("publicity_notices", "ACCESS EXCLUSIVE");
    ck_assert_ptr_nonnull(notices);
    enum { EACH = 4, CALLS = 3 * EACH };
    static hashing_call calls[CALLS];
    static char sources[CALLS][16];
    pthread_t threads[CALLS];
    for (int i = 0; i < CALLS; i++) {
        snprintf(sources[i], sizeof sources[i], "127.0.4.%d", 60 + i);
        calls[i] = (hashing_call){s.port, sources[i], NULL, NULL, NULL, 0, 0};
        if (i < EACH) {
            calls[i].path = "/v1/auth/token";
            calls[i].body = "{\"username\":\"nobody-at-all\",\"password\":\"not-the-password\"}";
        } else if (i < 2 * EACH) {
            calls[i].path = "/v1/auth/refresh";
            calls[i].body = A_REFRESH_OF_NO_SESSION;
        } else {
            calls[i].path = "/v1/public/publicity-notices/999999999/objections";
            calls[i].body = AN_OBJECTION;
        }
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hashing_call_thread, &calls[i]), 0);
    }
    /* the four logins and one refresh on the failures, one objection on the notices (at least:
     * more threads would have more of them waiting) */
    int waiting = 0;
    for (double until = now_s() + 1.0; !waiting && now_s() < until; th_pause_ms(5))
        waiting = waiting_on("login_failures") >= EACH + 1 && waiting_on("publicity_notices") >= 1;
    double t0 = now_s();
    th_response *r = waiting ? th_json(s.port, "GET", "/v1/users", tokens[PROVINCE], NULL) : NULL;
    double took = now_s() - t0;
    lock_finish(failures);   /* released before judging: nothing is left locked for the tests after it */
    lock_finish(notices);
    for (int i = 0; i < CALLS; i++)
        pthread_join(threads[i], NULL);
    ck_assert(waiting);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->status, 200);
    ck_assert_msg(took < 0.5 * th_time_factor(), "the signed-in read took %.0f ms", took * 1000);
    th_free(r);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* A lock on `table` in `mode`, taken by a session of the test's and held until
 * release_table; NULL if it could not be taken. */
static PGconn *hold_table(const char *table, const char *mode)
{
    char sql[160];
    snprintf(sql, sizeof sql, "BEGIN; LOCK TABLE %s IN %s MODE", table, mode);
    PGconn *holder = PQconnectdb(th_env("SHIFAN_TEST_HTTP_URL"));
    PGresult *res = PQstatus(holder) == CONNECTION_OK ? PQexec(holder, sql) : NULL;
    int held = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!held) {
        PQfinish(holder);
        return NULL;
    }
    return holder;
}

static void release_table(PGconn *holder)
{
    PQclear(PQexec(holder, "ROLLBACK"));
    PQfinish(holder);
}

/* A login's last errand (its outcome recorded) comes after its hash has given its place in the
 * hashing queue back: it is not refused then for logins admitted meanwhile. From one address,
 * three logins with the right password wait to record their sessions (a lock on `sessions`);
 * two more come from the same address meanwhile; all five are answered 200 once the lock goes.
 * Before, the logins' errands had the hashes' bounds (4 from one address): the fifth answered
 * 503 at once, its attempt counted against the address. */
START_TEST(a_login_recording_its_session_is_not_refused_for_logins_admitted_meanwhile)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_HASH_CONCURRENCY=8", NULL});
    PGconn *holder = hold_table("sessions", "EXCLUSIVE");
    ck_assert_ptr_nonnull(holder);
    enum { LOGINS = 5, FIRST = 3 };
    static hashing_call logins[LOGINS];
    pthread_t threads[LOGINS];
    for (int i = 0; i < LOGINS; i++)
        logins[i] = (hashing_call){s.port, "127.0.4.50", "/v1/auth/token", NULL,
                                   "{\"username\":\"admin\",\"password\":\"" ADMIN_PASSWORD "\"}", 0, 0};
    for (int i = 0; i < FIRST; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hashing_call_thread, &logins[i]), 0);
    int first_waiting = 0;   /* their passwords hashed, each waits to record its session */
    for (double until = now_s() + 20.0; !first_waiting && now_s() < until; th_pause_ms(10))
        first_waiting = waiting_on("sessions") == FIRST;
    for (int i = FIRST; i < LOGINS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hashing_call_thread, &logins[i]), 0);
    int all_waiting = 0;
    for (double until = now_s() + 20.0; first_waiting && !all_waiting && now_s() < until; th_pause_ms(10))
        all_waiting = waiting_on("sessions") == LOGINS || logins[LOGINS - 1].status != 0 ||
                      logins[LOGINS - 2].status != 0;
    release_table(holder);
    for (int i = 0; i < LOGINS; i++)
        pthread_join(threads[i], NULL);
    ck_assert(first_waiting);
    for (int i = 0; i < LOGINS; i++)
        ck_assert_msg(logins[i].status == 200, "login %d: %d", i, logins[i].status);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* shifan_http_requests_in_flight of the server on `on_port`, the asking request included. */
static long requests_in_flight(int on_port)
{
    th_response *r = th_json(on_port, "GET", "/metrics", METRICS_TOKEN, NULL);
    const char *line = r != NULL && r->body != NULL ? strstr(r->body, "\nshifan_http_requests_in_flight ") : NULL;
    long n = line != NULL ? atol(line + strlen("\nshifan_http_requests_in_flight ")) : -1;
    th_free(r);
    return n;
}

/* Item 1: clients that send a login and go away while its password is hashed (their
 * connections suspended) leave nothing behind: each hash runs to its end, the requests
 * complete (none left in flight), the server stays healthy and logs the next user in, and
 * stops cleanly (under the sanitizers: nothing leaked, nothing used after it was freed). */
START_TEST(a_client_gone_while_its_password_hashes_leaves_nothing_behind)
{
    create_user("stays", org_ids[ASSOCIATION]);
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_HASH_CONCURRENCY=1", "SHIFAN_HASH_QUEUE=8",
                                         "SHIFAN_HASH_QUEUE_PER_CLIENT=8", "SHIFAN_HASH_WAIT_MS=60000",
                                         "SHIFAN_METRICS_TOKEN=" METRICS_TOKEN, NULL});
    unsigned long long before = hash_iterations(s.port);
    enum { GONE = 6 };
    for (int i = 0; i < GONE; i++) {
        char source[32];
        snprintf(source, sizeof source, "127.0.3.%d", 10 + i);
        int fd = connect_from(source, s.port);
        ck_assert_int_ge(fd, 0);
        /* a known user's wrong password and unknown usernames alike */
        const char *body = i % 2 == 0 ? "{\"username\":\"stays\",\"password\":\"not-the-password\"}"
                                      : "{\"username\":\"nobody-here\",\"password\":\"not-the-password\"}";
        char head[256];
        int n = snprintf(head, sizeof head,
                         "POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
        ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
        if (i == 0)
            th_pause_ms(100);   /* the first one surely suspended, its hash running */
        close(fd);
    }
    /* meanwhile the server answers at once */
    double t0 = now_s();
    ck_assert_int_eq(fresh_healthz(s.port, "127.0.0.1"), 200);
    ck_assert_msg(now_s() - t0 < 0.5 * th_time_factor(), "/healthz took %.0f ms", (now_s() - t0) * 1000);
    /* nothing is left in flight but the asking request; the first hash ran to its end (a login
     * whose client is found gone between its steps is not hashed at all: api/login.c) */
    unsigned long long each = 600000;
    double deadline = now_s() + 60.0 * th_time_factor();
    long in_flight = -1;
    while ((in_flight = requests_in_flight(s.port)) != 1 && now_s() < deadline)
        th_pause_ms(50);
    ck_assert_int_eq(in_flight, 1);
    unsigned long long done = hash_iterations(s.port);
    ck_assert_uint_ge(done, before + each);
    ck_assert_uint_le(done, before + GONE * each);
    th_pause_ms(300);
    ck_assert_uint_eq(hash_iterations(s.port), done);   /* and no hash still runs */
    char token[2048];
    ck_assert_int_eq(login_token_from("127.0.3.100", s.port, "stays", USER_PASSWORD, token, sizeof token), 200);
    ck_assert(token_is_of(s.port, token, "stays"));
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Item 1: the server stopped (SIGTERM) in the middle of a login flood, with connections
 * suspended while their passwords are hashed and more queued: it resumes every one before
 * libmicrohttpd stops (which would abort otherwise), answers what it can, and exits 0. */
START_TEST(the_server_stops_cleanly_during_a_login_flood)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_LOGIN_CLIENT_MAX_FAILURES=100000", "SHIFAN_HASH_CONCURRENCY=1",
                                         "SHIFAN_HASH_QUEUE=16", "SHIFAN_HASH_WAIT_MS=60000",
                                         "SHIFAN_SHUTDOWN_TIMEOUT=1", NULL});
    static flood f;
    flood_start(&f, s.port);
    th_pause_ms(1000);   /* the queue full, a hash running */
    double t0 = now_s();
    int status = th_server_stop_reporting(&s);
    double stopping = now_s() - t0;
    flood_client total;
    flood_stop(&f, &total);
    fprintf(stderr, "stopped during a login flood in %.2f s: %d logins (%d 401, %d 503, %d other)\n", stopping,
            total.answered, total.hashed_or_refused, total.busy, total.other);
    ck_assert_int_eq(status, 0);
    ck_assert_int_gt(total.answered, 0);
}
END_TEST

/* A login from `source` naming `forwarded` in X-Forwarded-For (NULL: none); its status. */
static int login_via(const char *source, const char *forwarded, int to_port, const char *username, const char *password)
{
    char body[512], extra[128] = "";
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
    if (forwarded != NULL)
        snprintf(extra, sizeof extra, "X-Forwarded-For: %s\r\n", forwarded);
    return post_from(source, to_port, "/v1/auth/token", body, extra, NULL, 0);
}

/* Item 3: wrong passwords delay the pair (username, client), not the username everywhere;
 * behind a trusted proxy the client is the one X-Forwarded-For names, and nobody else's
 * X-Forwarded-For is believed; the province unlocks a user; the audit trail has it all. */
/* A server listening on ::1 knows an IPv6 client by its whole address: Ulfius keeps only the
 * first 16 bytes of the client's sockaddr, which end inside an IPv6 address, so the trusted
 * proxy ::1 was compared with bytes past the copy (a heap overflow under ASan, and a proxy
 * not recognised, so that every client behind it shared one throttle). */
START_TEST(an_ipv6_client_is_known_by_its_whole_address)
{
    create_user("sixer", org_ids[ASSOCIATION]);
    th_server s;
    th_ipv6 = 1;   /* the start's health checks go to ::1 */
    start_with(&s, (const char *const[]){"SHIFAN_LISTEN_ADDRESS=::1", "SHIFAN_TRUSTED_PROXIES=::1",
                                         "SHIFAN_LOGIN_MAX_FAILURES=3", "SHIFAN_LOGIN_CLIENT_MAX_FAILURES=1000",
                                         "SHIFAN_LOGIN_DELAY=600", NULL});
    th_ipv6 = 0;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(login_via("::1", "2001:db8::7", s.port, "sixer", "wrong-password-6"), 401);
    ck_assert_int_eq(login_via("::1", "2001:db8::7", s.port, "sixer", USER_PASSWORD), 429);
    /* another client behind the same proxy is not held by the first one's failures */
    ck_assert_int_eq(login_via("::1", "2001:db8::8", s.port, "sixer", USER_PASSWORD), 200);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
    PGresult *res = db_rows("SELECT count(*) FROM audit_events e JOIN users u ON u.id = e.entity_id"
                            " WHERE e.entity = 'user' AND u.username = 'sixer' AND e.action = 'login.failed'"
                            " AND e.detail->>'client' = '2001:db8::7'", 0, NULL);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "3");
    PQclear(res);
}
END_TEST

START_TEST(lockout_is_per_client_behind_trusted_proxies_and_the_province_unlocks)
{
    create_user("lockee", org_ids[ASSOCIATION]);
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_TRUSTED_PROXIES=127.0.0.1, 10.9.0.0/16", "SHIFAN_LOGIN_MAX_FAILURES=3",
                                         "SHIFAN_LOGIN_CLIENT_MAX_FAILURES=1000", "SHIFAN_LOGIN_DELAY=600", NULL});
    /* an attacker behind the proxy, at 198.51.100.7 (through a second proxy hop, also trusted) */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(login_via("127.0.0.1", "198.51.100.7, 10.9.1.1", s.port, "lockee", "wrong-password-x"), 401);
    ck_assert_int_eq(login_via("127.0.0.1", "198.51.100.7", s.port, "lockee", USER_PASSWORD), 429);
    /* the real user, behind the same proxy at another address, is not locked out */
    ck_assert_int_eq(login_via("127.0.0.1", "198.51.100.8", s.port, "lockee", USER_PASSWORD), 200);
    /* a client that is no proxy cannot pick its address: every guess counts against its own */
    const char *forged[] = {"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(login_via("127.0.0.52", forged[i], s.port, "lockee", "wrong-password-y"), 401);
    ck_assert_int_eq(login_via("127.0.0.52", forged[3], s.port, "lockee", USER_PASSWORD), 429);
    ck_assert_int_eq(login_via("127.0.0.52", NULL, s.port, "lockee", USER_PASSWORD), 429);

    /* the province unlocks the user, from every address at once */
    PGresult *res = db_rows("SELECT id FROM users WHERE username = 'lockee'", 0, NULL);
    char path[64], id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    snprintf(path, sizeof path, "/v1/users/%s/unlock", id);
    const char *params[] = {id};
    th_response *r = th_json(s.port, "POST", path, tokens[CITY], NULL);
    ck_assert_int_eq(r->status, 404);   /* not a user of its region's platform companies */
    th_free(r);
    r = th_json(s.port, "POST", path, tokens[ASSOCIATION], NULL);
    ck_assert_int_eq(r->status, 403);
    th_free(r);
    r = th_json(s.port, "POST", path, tokens[CITY], NULL);   /* not a user of the city's */
    ck_assert_int_eq(r->status, 404);
    th_free(r);
    r = th_json(s.port, "POST", "/v1/users/987654321/unlock", tokens[PROVINCE], NULL);
    expect_problem(r, 404);
    th_free(r);
    r = th_json(s.port, "POST", path, tokens[PROVINCE], NULL);
    ck_assert_int_eq(r->status, 204);
    th_free(r);
    ck_assert_int_eq(login_via("127.0.0.1", "198.51.100.7", s.port, "lockee", USER_PASSWORD), 200);
    ck_assert_int_eq(login_via("127.0.0.52", NULL, s.port, "lockee", USER_PASSWORD), 200);

    /* the trail: failures under the forwarded address, the delays, the logins, the unlock */
    res = db_rows("SELECT count(*) FILTER (WHERE action = 'login.failed' AND detail->>'client' = '198.51.100.7'),"
                  " count(*) FILTER (WHERE action = 'login.failed' AND detail->>'client' = '127.0.0.52'),"
                  " count(*) FILTER (WHERE action = 'login.locked'),"
                  " count(*) FILTER (WHERE action = 'login.succeeded'),"
                  " count(*) FILTER (WHERE action = 'user.unlocked')"
                  " FROM audit_events WHERE entity = 'user' AND entity_id = $1::bigint", 1, params);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "3");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "3");
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "2");
    ck_assert_str_eq(PQgetvalue(res, 0, 3), "3");
    ck_assert_str_eq(PQgetvalue(res, 0, 4), "1");
    PQclear(res);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Item 8: /metrics answers only to SHIFAN_METRICS_TOKEN; without one set, to nobody. */
START_TEST(metrics_need_their_token)
{
    const char *const wrong[] = {NULL, "metrics-token-for-testz", "metrics-token-for-test", tokens[PROVINCE]};
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
        th_response *r = th_json(port, "GET", "/metrics", wrong[i], NULL);
        expect_problem(r, 401);
        ck_assert_ptr_null(strstr(r->body, "shifan_http_requests_total"));
        th_free(r);
    }
    th_response *r = th_json(port, "GET", "/metrics", METRICS_TOKEN, NULL);
    ck_assert_int_eq(r->status, 200);
    /* issue 15: the last calendar year loaded, for an alert that the calendar stays ahead */
    ck_assert_ptr_nonnull(strstr(r->body, "\nshifan_calendar_last_year 20"));
    th_free(r);
    /* a server without the setting keeps its metrics to itself */
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_THREADS=2", NULL});
    r = th_json(s.port, "GET", "/metrics", METRICS_TOKEN, NULL);
    expect_problem(r, 404);
    th_free(r);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* Item 10: names with control or bidirectional formatting characters answer 422, through the
 * one check of domain/text.h, for organisations and platforms alike. */
START_TEST(names_with_hidden_characters_answer_422)
{
    const char *names[] = {"协会\\t名称", "协会\\r\\n名称", "协会\\u202e称名", "协会\\u2066名称", "协会\\u0085名称"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"type\":\"association\",\"name\":\"%s\"}", names[i]);
        th_response *r = call("POST", "/v1/organizations", PROVINCE, body);
        expect_problem(r, 422);
        ck_assert_msg(has_field_error(r, "name"), "%s", names[i]);
        th_free(r);
        char code[19];
        snprintf(code, sizeof code, "91210100MA%07d", 4200 + (int)i);
        code[17] = sf_credit_code_check_char(code);
        code[18] = '\0';
        char platform[768];
        snprintf(platform, sizeof platform,
                 "{\"name\":\"%s平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
                 "\"operator\":{\"name\":\"%s公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
                 "\"address\":\"沈阳\"}}", names[i], names[i], code);
        r = call("POST", "/v1/platforms", PROVINCE, platform);
        expect_problem(r, 422);
        ck_assert_msg(has_field_error(r, "name") && has_field_error(r, "operator.name"), "%s: %s", names[i], r->body);
        th_free(r);
    }
    /* the control: the same without the hidden character */
    th_response *r = call("POST", "/v1/organizations", PROVINCE, "{\"type\":\"association\",\"name\":\"协会名称甲\"}");
    ck_assert_int_eq(r->status, 201);
    th_free(r);
}
END_TEST

/* The text a person types, wherever it is typed (domain/text.h): a name holds no bidirectional
 * mark or line separator and shows something; a text of several lines keeps its line breaks
 * and nothing else hidden. */
START_TEST(every_text_a_person_types_is_judged)
{
    const struct {
        const char *path, *before, *field, *after, *value, *code;
    } cases[] = {
        /* names: a bidi mark, a line separator, nothing visible */
        {"/v1/organizations", "{\"type\":\"association\",\"name\":\"", "name", "\"}", "协会\\u200f名称", "hidden_controls"},
        {"/v1/organizations", "{\"type\":\"association\",\"name\":\"", "name", "\"}", "协会\\u2028名称", "hidden_controls"},
        {"/v1/organizations", "{\"type\":\"association\",\"name\":\"", "name", "\"}", "\\u3000", "empty"},
        {"/v1/organizations", "{\"type\":\"association\",\"name\":\"", "name", "\"}", "\\u200b\\ufeff", "empty"},
        {"/v1/organizations", "{\"type\":\"association\",\"name\":\"", "name", "\"}", "\\u00a0\\u0301", "empty"},
        {"/v1/api-tokens", "{\"scopes\":[\"read\"],\"name\":\"", "name", "\"}", "x\\u202ey", "hidden_controls"},
        {"/v1/api-tokens", "{\"scopes\":[\"read\"],\"name\":\"", "name", "\"}", "\\u200b", "empty"},
        {"/v1/rounds", "{\"year\":2043,\"level\":\"province\",\"opens_on\":\"2043-03-01\",\"closes_on\":\"2043-04-30\","
                       "\"title\":\"", "title", "\"}", "批次\\u202e", "hidden_controls"},
        {"/v1/rounds", "{\"year\":2043,\"level\":\"province\",\"opens_on\":\"2043-03-01\",\"closes_on\":\"2043-04-30\","
                       "\"title\":\"", "title", "\"}", "\\t\\u3000", "empty"},
        {"/v1/platforms", "{\"name\":\"某平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],\"operator\":"
                          "{\"name\":\"某公司\",\"credit_code\":\"91210100MA00042007\",\"address\":\"", "operator.address",
         "\"}}", "沈阳\\u0001市", "hidden_controls"},
        {"/v1/publicity-notices", "{\"start_date\":\"2099-01-05\",\"application_ids\":[999999],\"title\":\"", "title",
         "\"}", "公示\\u202e", "hidden_controls"},
        {"/v1/publicity-notices", "{\"title\":\"公示\",\"start_date\":\"2020-01-06\",\"application_ids\":[999999],"
                                  "\"published_elsewhere\":{\"published_on\":\"2020-01-06\",\"reference\":\"",
         "published_elsewhere.reference", "\"}}", "辽工信\\u200f公示", "hidden_controls"},
        {"/v1/platforms", "{\"region_code\":\"210100\",\"functions\":[\"training\"],\"operator\":"
                          "{\"name\":\"某公司\",\"credit_code\":\"91210100MA00042007\"},\"name\":\"", "name", "\"}",
         "\\u3000\\u3000", "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char body[768];
        snprintf(body, sizeof body, "%s%s%s", cases[i].before, cases[i].value, cases[i].after);
        th_response *r = call("POST", cases[i].path, PROVINCE, body);
        expect_problem(r, 422);
        const char *code = field_error(r, cases[i].field);
        ck_assert_msg(code != NULL && strcmp(code, cases[i].code) == 0, "case %zu: %s", i, r->body);
        th_free(r);
    }
    /* the controls: an address of plain text, an API token named with an ideographic space inside */
    th_response *r = call("POST", "/v1/api-tokens", PROVINCE, "{\"scopes\":[\"read\"],\"name\":\"导入\\u3000脚本\"}");
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
}
END_TEST

/* ---- codes and languages (issue 13, point 1) ---- */

/* The code of a problem, and that its detail is worded in Chinese (zh-CN is the default). */
static const char *code_of(const th_response *r)
{
    const char *c = json_string_value(json_object_get(r->json, "code"));
    return c ? c : "";
}

static int has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0xE4 && *p <= 0xE9)   /* the lead byte of a CJK ideograph in UTF-8 */
            return 1;
    return 0;
}

START_TEST(distinct_conflicts_and_refusals_answer_distinct_codes)
{
    char org[96], user[256], platform[768], code[19];
    snprintf(org, sizeof org, "{\"type\":\"association\",\"name\":\"代码测试协会%d\"}", getpid());
    long long assoc = 0;
    th_response *r = call("POST", "/v1/organizations", PROVINCE, org);
    ck_assert_int_eq(r->status, 201);
    assoc = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    snprintf(user, sizeof user, "{\"username\":\"codes-%d\",\"password\":\"" USER_PASSWORD "\",\"org_id\":%lld,"
             "\"display_name\":\"代码\"}", getpid(), assoc);
    r = call("POST", "/v1/users", PROVINCE, user);
    ck_assert_int_eq(r->status, 201);
    th_free(r);
    snprintf(code, sizeof code, "91210100MA%07d", 4900 + getpid() % 1000);
    code[17] = sf_credit_code_check_char(code);
    code[18] = '\0';
    snprintf(platform, sizeof platform,
             "{\"name\":\"代码测试平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"代码测试公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\"}}", code);
    r = call("POST", "/v1/platforms", PROVINCE, platform);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    r = call("POST", "/v1/rounds", PROVINCE, "{\"year\":2041,\"level\":\"province\",\"title\":\"代码测试批次\","
                                            "\"opens_on\":\"2041-03-01\",\"closes_on\":\"2041-04-30\"}");
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    char other_region[768];
    snprintf(other_region, sizeof other_region,
             "{\"name\":\"大连代码平台\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"大连代码公司\",\"credit_code\":\"%s\"}}", code);
    const struct {
        const char *method, *path;
        int role;
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"POST", "/v1/organizations", PROVINCE, org, 409, "organization_name_taken"},
        {"POST", "/v1/organizations", PROVINCE, "{\"type\":\"city\",\"name\":\"另一个沈阳\",\"region_code\":\"210100\"}",
         409, "city_organization_exists"},
        {"POST", "/v1/users", PROVINCE, user, 409, "username_taken"},
        {"POST", "/v1/platforms", PROVINCE, platform, 409, "platform_name_taken"},
        {"POST", "/v1/rounds", PROVINCE, "{\"year\":2041,\"level\":\"province\",\"title\":\"又一个\","
                                         "\"opens_on\":\"2041-05-01\",\"closes_on\":\"2041-05-30\"}", 409, "round_exists"},
        {"POST", "/v1/organizations", CITY, "{\"type\":\"association\",\"name\":\"不应创建\"}", 403,
         "organization_out_of_scope"},
        {"POST", "/v1/organizations", ASSESSOR, "{\"type\":\"association\",\"name\":\"不应创建\"}", 403, "role_forbidden"},
        {"POST", "/v1/rounds", CITY, "{\"year\":2042,\"level\":\"province\",\"title\":\"市开省批次\","
                                     "\"opens_on\":\"2042-03-01\",\"closes_on\":\"2042-04-30\"}", 403, "province_rounds_only"},
        {"POST", "/v1/rounds", PROVINCE, "{\"year\":2042,\"level\":\"city\",\"title\":\"省开市批次\","
                                         "\"opens_on\":\"2042-03-01\",\"closes_on\":\"2042-04-30\"}", 403, "city_rounds_only"},
        {"POST", "/v1/platforms", CITY, other_region, 403, "outside_own_region"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = call(cases[i].method, cases[i].path, cases[i].role, cases[i].body);
        expect_problem(r, cases[i].status);
        ck_assert_msg(strcmp(code_of(r), cases[i].code) == 0, "case %zu: %s", i, r->body);
        for (size_t k = 0; k < i; k++)   /* distinct within its status */
            ck_assert_msg(cases[k].status != cases[i].status || strcmp(cases[k].code, cases[i].code) != 0, "case %zu", i);
        th_free(r);
    }
    /* a state's parameters are members of the problem: the existing round names its level and year */
    r = call("POST", "/v1/rounds", PROVINCE, cases[4].body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "year")), 2041);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "level")), "province");
    th_free(r);
}
END_TEST

START_TEST(problems_are_in_chinese_unless_english_is_asked_for)
{
    const char *saved = th_accept_language;
    th_accept_language = NULL;   /* no Accept-Language: the default, zh-CN */
    th_response *r = call("POST", "/v1/organizations", PROVINCE, "{\"type\":\"city\",\"region_code\":\"210100\",\"x\":1}");
    char lang[32];
    expect_problem(r, 422);
    ck_assert_str_eq(code_of(r), "validation_failed");
    ck_assert_msg(has_cjk(json_string_value(json_object_get(r->json, "detail"))), "%s", r->body);
    ck_assert_str_eq(th_header(r, "Content-Language", lang, sizeof lang), "zh-CN");
    json_t *e;
    size_t i;
    int unknown = 0;
    json_array_foreach(json_object_get(r->json, "errors"), i, e) {
        ck_assert(json_is_string(json_object_get(e, "code")) && json_is_object(json_object_get(e, "params")));
        ck_assert_msg(has_cjk(json_string_value(json_object_get(e, "message"))), "%s", r->body);
        if (strcmp(json_string_value(json_object_get(e, "field")), "x") == 0) {
            ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "unknown_field");
            ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "不是此请求的字段");
            unknown = 1;
        }
    }
    ck_assert(unknown);
    th_free(r);
    /* a language shifan does not speak is answered in Chinese; English when preferred */
    static const struct {
        const char *header;
        int english;
    } asked[] = {{"Accept-Language: fr-FR\r\n", 0},
                 {"Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\n", 0},
                 {"Accept-Language: fr, en-GB;q=0.5\r\n", 1},
                 {"Accept-Language: en;q=0.4, zh;q=0.3\r\n", 1}};
    for (size_t k = 0; k < sizeof asked / sizeof asked[0]; k++) {
        r = th_request(port, "GET", "/v1/rounds/999999", tokens[PROVINCE], NULL, NULL, 0, asked[k].header);
        expect_problem(r, 404);
        ck_assert_str_eq(code_of(r), "round_not_found");
        const char *detail = json_string_value(json_object_get(r->json, "detail"));
        ck_assert_msg(asked[k].english ? strcmp(detail, "no such round") == 0 : strcmp(detail, "批次不存在") == 0,
                      "%s: %s", asked[k].header, detail);
        th_free(r);
    }
    th_accept_language = saved;
}
END_TEST

/* The contract's ProblemCode lists every code shifan answers (domain/codes.h), no more. */
START_TEST(the_contract_lists_every_problem_code)
{
    th_response *r = call("GET", "/v1/openapi.json", -1, NULL);
    ck_assert_int_eq(r->status, 200);
    json_t *codes = json_object_get(json_object_get(json_object_get(json_object_get(r->json, "components"), "schemas"),
                                                    "ProblemCode"), "enum");
    ck_assert_uint_eq(json_array_size(codes), SF_CODE_COUNT - 1);   /* all but "none" */
    for (int c = 1; c < SF_CODE_COUNT; c++) {
        int found = 0;
        size_t i;
        json_t *v;
        json_array_foreach(codes, i, v)
            found |= strcmp(json_string_value(v), sf_code_name((sf_code)c)) == 0;
        ck_assert_msg(found, "%s is not in the contract's ProblemCode", sf_code_name((sf_code)c));
    }
    th_free(r);
}
END_TEST

/* ---- accounts an office needs (issue 14, item 6) and sessions (issue 13 §3) ---- */

/* The client these tests call from: its own address, so that the failed logins of the
 * tests before (from 127.0.0.1, past the client's limit by now) do not throttle them. */
#define ACCOUNTS_CLIENT "127.0.0.81"

/* A request from ACCOUNTS_CLIENT (Connection: close), its answer parsed like th_request's. */
static th_response *as(const char *token, const char *method, const char *path, const char *json)
{
    int fd = connect_from(ACCOUNTS_CLIENT, port);
    ck_assert_int_ge(fd, 0);
    char head[2048];
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
    if (token != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Authorization: Bearer %s\r\n", token);
    if (json != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                      strlen(json));
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    ck_assert_int_lt(n, (int)sizeof head);
    ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    if (json != NULL)
        ck_assert_int_eq(send(fd, json, strlen(json), MSG_NOSIGNAL), (ssize_t)strlen(json));
    static char answer[65536];
    th_read_until_closed(fd, answer, sizeof answer);
    close(fd);
    th_response *r = calloc(1, sizeof *r);
    ck_assert_msg(sscanf(answer, "HTTP/1.1 %d", &r->status) == 1, "no answer to %s %s", method, path);
    const char *end = strstr(answer, "\r\n\r\n");
    ck_assert_ptr_nonnull(end);
    r->headers = strndup(answer, (size_t)(end - answer));
    r->body = strdup(end + 4);
    r->body_len = strlen(r->body);
    r->json = json_loads(r->body, 0, NULL);
    return r;
}

/* A login's whole answer (access and refresh tokens, password_change_required). */
static th_response *login_answer(const char *username, const char *password)
{
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
    return as(NULL, "POST", "/v1/auth/token", body);
}

/* login() from ACCOUNTS_CLIENT. */
static char *login_here(const char *username, const char *password, int *status)
{
    th_response *r = login_answer(username, password);
    *status = r->status;
    char *token = r->status == 200 ? strdup(json_string_value(json_object_get(r->json, "access_token"))) : NULL;
    th_free(r);
    return token;
}

static char *answer_token(th_response *r, const char *field)
{
    const char *v = json_string_value(json_object_get(r->json, field));
    ck_assert_msg(v != NULL, "no %s in %s", field, r->body);
    return strdup(v);
}

/* POST /v1/auth/refresh with `refresh`; the answer. */
static th_response *refresh_with(const char *refresh)
{
    char body[256];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", refresh);
    th_response *r = th_json(port, "POST", "/v1/auth/refresh", NULL, body);   /* held to the contract */
    ck_assert_ptr_nonnull(r);
    return r;
}

static int refresh_status(const char *refresh)
{
    th_response *r = refresh_with(refresh);
    int status = r->status;
    th_free(r);
    return status;
}

static long long user_id_of(const char *username)
{
    const char *params[] = {username};
    PGresult *res = db_rows("SELECT id FROM users WHERE username = $1", 1, params);
    ck_assert_int_eq(PQntuples(res), 1);
    long long id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return id;
}

/* Audit events of `action` about user `id`. */
static int audited(long long id, const char *action)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%lld", id);
    const char *params[] = {idt, action};
    PGresult *res = db_rows("SELECT count(*) FROM audit_events WHERE entity = 'user' AND entity_id = $1::bigint"
                            " AND action = $2", 2, params);
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

/* An API token of the user whose login token is `t`. */
static char *api_token_of(const char *t)
{
    th_response *r = th_json(port, "POST", "/v1/api-tokens", t, "{\"name\":\"脚本\",\"scopes\":[\"read\"]}");
    ck_assert_msg(r->status == 201, "%s", r->body);
    char *token = answer_token(r, "token");
    th_free(r);
    return token;
}


/* GET /v1/users: the province every user, page by page; a city only the users of its
 * region's platform operators (none here: every organisation of this suite is an office);
 * the other roles 403. GET/PATCH/password/unlock of a user outside the caller's scope: 404. */
START_TEST(users_are_listed_read_and_changed_in_scope)
{
    create_user("scoped1", org_ids[ASSOCIATION]);
    long long id = user_id_of("scoped1");
    /* the province: every user, 2 at a time, none twice */
    int seen = 0, pages = 0, found = 0;
    long long last = 0;
    char path[256] = "/v1/users?limit=2";
    for (;;) {
        th_response *r = call("GET", path, PROVINCE, NULL);
        ck_assert_msg(r->status == 200, "%s", r->body);
        json_t *items = json_object_get(r->json, "items");
        ck_assert_uint_le(json_array_size(items), 2);
        size_t i;
        json_t *u;
        json_array_foreach(items, i, u) {
            long long uid = json_integer_value(json_object_get(u, "id"));
            ck_assert(uid > last);
            last = uid;
            found |= uid == id;
            ck_assert_ptr_null(json_object_get(u, "password_hash"));
            seen++;
        }
        pages++;
        const char *next = json_string_value(json_object_get(r->json, "next_page_token"));
        if (next == NULL) {
            th_free(r);
            break;
        }
        snprintf(path, sizeof path, "/v1/users?limit=2&page_token=%s", next);
        th_free(r);
    }
    ck_assert(found);
    ck_assert_int_ge(seen, 6);
    ck_assert_int_ge(pages, 3);
    /* filters; an unknown one is refused */
    char q[128];
    snprintf(q, sizeof q, "/v1/users?org_id=%lld&active=true", org_ids[ASSOCIATION]);
    th_response *r = call("GET", q, PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(r->json, "items"), i, u)
        ck_assert_int_eq(json_integer_value(json_object_get(u, "org_id")), org_ids[ASSOCIATION]);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 2);
    th_free(r);
    r = call("GET", "/v1/users?active=maybe", PROVINCE, NULL);
    expect_problem(r, 422);
    th_free(r);
    /* a city: no office's user is its to see or change; its platform company's user is */
    r = call("GET", "/v1/users", CITY, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "org_id")),
                     org_ids[PLATFORM]);
    th_free(r);
    char one[64], pw[80];
    snprintf(one, sizeof one, "/v1/users/%lld", id);
    snprintf(pw, sizeof pw, "/v1/users/%lld/password", id);
    const struct {
        const char *method, *path, *body;
    } reach[] = {{"GET", one, NULL}, {"PATCH", one, "{\"active\":false}"},
                 {"POST", pw, "{\"password\":\"a-brand-new-password-7\"}"}};
    for (size_t k = 0; k < sizeof reach / sizeof *reach; k++) {
        r = call(reach[k].method, reach[k].path, CITY, reach[k].body);
        expect_problem(r, 404);
        th_free(r);
        for (int role = ASSOCIATION; role < NROLES; role++) {
            r = call(reach[k].method, reach[k].path, role, reach[k].body);
            /* the supervisor reads every user (Art. 25), and changes none */
            if (role == SUPERVISOR && strcmp(reach[k].method, "GET") == 0)
                ck_assert_int_eq(r->status, 200);
            else
                expect_problem(r, 403);
            th_free(r);
        }
    }
    for (int role = ASSOCIATION; role < NROLES; role++) {
        r = call("GET", "/v1/users", role, NULL);
        if (role == SUPERVISOR)
            ck_assert_int_eq(r->status, 200);
        else
            expect_problem(r, 403);
        th_free(r);
    }
    /* the user is untouched by all that */
    r = call("GET", one, PROVINCE, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_true(json_object_get(r->json, "active")));
    ck_assert(json_is_false(json_object_get(r->json, "password_change_required")));
    char etag[64];
    ck_assert_ptr_nonnull(th_header(r, "ETag", etag, sizeof etag));
    th_free(r);
    /* the province renames, with If-Match; a stale one is 412 */
    char extra[128];
    snprintf(extra, sizeof extra, "If-Match: %s\r\n", etag);
    const char *rename = "{\"display_name\":\"协会 李雷\"}";
    r = th_request(port, "PATCH", one, tokens[PROVINCE], "application/json", rename, strlen(rename), extra);
    ck_assert_msg(r->status == 200, "%s", r->body);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "display_name")), "协会 李雷");
    th_free(r);
    r = th_request(port, "PATCH", one, tokens[PROVINCE], "application/json", rename, strlen(rename), extra);
    expect_problem(r, 412);
    th_free(r);
    ck_assert_int_eq(audited(id, "user.updated"), 1);
    /* what a PATCH may not say */
    const char *bad[] = {"{\"active\":\"no\"}", "{\"display_name\":\"\"}", "{\"username\":\"other\"}",
                         "{\"display_name\":\"a\\u202eb\"}"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        r = call("PATCH", one, PROVINCE, bad[k]);
        expect_problem(r, 422);
        th_free(r);
    }
    /* nobody deactivates their own account */
    r = call("PATCH", "/v1/users/1", PROVINCE, "{\"active\":false}");
    expect_problem(r, 409);
    th_free(r);
    ck_assert_int_eq(me_status(tokens[PROVINCE]), 200);
}
END_TEST

/* A deactivation ends every token of the user at once — sessions, their refresh tokens, API
 * tokens — and refuses its logins; a reactivation lets it log in again. Audited. */
START_TEST(deactivating_a_user_ends_every_token_at_once)
{
    create_user("leaver", org_ids[ASSOCIATION]);
    long long id = user_id_of("leaver");
    th_response *a = login_answer("leaver", USER_PASSWORD), *b = login_answer("leaver", USER_PASSWORD);
    char *ta = answer_token(a, "access_token"), *tb = answer_token(b, "access_token");
    char *rb = answer_token(b, "refresh_token");
    char *api = api_token_of(ta);
    th_free(a);
    th_free(b);
    ck_assert_int_eq(me_status(ta), 200);
    ck_assert_int_eq(me_status(api), 200);
    char one[64];
    snprintf(one, sizeof one, "/v1/users/%lld", id);
    th_response *r = call("PATCH", one, PROVINCE, "{\"active\":false}");
    ck_assert_msg(r->status == 200, "%s", r->body);
    ck_assert(json_is_false(json_object_get(r->json, "active")));
    th_free(r);
    /* tokens issued before are refused on their next request */
    ck_assert_int_eq(me_status(ta), 401);
    ck_assert_int_eq(me_status(tb), 401);
    ck_assert_int_eq(me_status(api), 401);
    ck_assert_int_eq(refresh_status(rb), 401);
    int status;
    ck_assert_ptr_null(login_here("leaver", USER_PASSWORD, &status));
    ck_assert_int_eq(status, 401);
    ck_assert_int_eq(audited(id, "user.deactivated"), 1);
    /* back: logs in again; the old tokens stay refused */
    r = call("PATCH", one, PROVINCE, "{\"active\":true}");
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    char *again = login_here("leaver", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(again);
    ck_assert_int_eq(me_status(again), 200);
    ck_assert_int_eq(me_status(ta), 401);
    ck_assert_int_eq(me_status(api), 401);
    ck_assert_int_eq(audited(id, "user.reactivated"), 1);
    free(again);
    free(ta);
    free(tb);
    free(rb);
    free(api);
}
END_TEST

/* One statement of the test's own connection (as psql would run it): the rows it answers. */
static long long by_hand(const char *sql, long long id)
{
    char text[512], idt[24];
    snprintf(idt, sizeof idt, "%lld", id);
    snprintf(text, sizeof text, "WITH x AS (%s RETURNING 1) SELECT count(*) FROM x", sql);
    const char *params[] = {idt};
    PGresult *res = db_rows(text, 1, params);
    long long n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

static long long sessions_of(long long id, const char *reason)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%lld", id);
    const char *params[] = {idt, reason};
    PGresult *res = db_rows("SELECT count(*) FROM sessions WHERE user_id = $1::bigint"
                            " AND end_reason IS NOT DISTINCT FROM $2", 2, params);
    long long n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

static int me_status_at(int at, const char *token)
{
    th_response *r = th_json(at, "GET", "/v1/me", token, NULL);
    int status = r ? r->status : 0;
    th_free(r);
    return status;
}

/* GET /v1/me is written as its canonical text by hand (api/me.c), not dumped by Jansson: the
 * text is still exactly Jansson's canonical dump under its hash for a display name of every
 * character the dump escapes (and some it does not), and its members are the user's and the
 * organisation's as GET /v1/users/{id} and GET /v1/organizations/{id} answer them. */
START_TEST(the_me_answer_is_written_as_jansson_would)
{
    create_user("escapes", org_ids[ASSOCIATION]);
    long long id = user_id_of("escapes");
    ck_assert_int_eq(by_hand("UPDATE users SET display_name = 'a\"b\\c/d' || chr(1) || chr(31) || chr(127)"
                             " || E'\\b\\f\\n\\r\\t' || '中文 ' || chr(8232) || '''' WHERE id = $1::bigint", id), 1);
    int status;
    char *t = login_here("escapes", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t);
    th_response *me = th_json(port, "GET", "/v1/me", t, NULL);
    ck_assert_int_eq(me->status, 200);
    th_assert_canonical_tagged(me, NULL);
    ck_assert_ptr_nonnull(strstr(me->body, "\"display_name\":\"a\\\"b\\\\c/d\\u0001\\u001F\x7f\\b\\f\\n\\r\\t中文 "));
    char path[64];
    snprintf(path, sizeof path, "/v1/users/%lld", id);
    th_response *user = call("GET", path, PROVINCE, NULL);
    ck_assert_int_eq(user->status, 200);
    const char *member;
    json_t *value;
    json_object_foreach(user->json, member, value) {
        ck_assert_msg(json_equal(value, json_object_get(me->json, member)), "%s", member);
    }
    snprintf(path, sizeof path, "/v1/organizations/%lld", org_ids[ASSOCIATION]);
    th_response *org = call("GET", path, PROVINCE, NULL);
    ck_assert_int_eq(org->status, 200);
    ck_assert(json_equal(org->json, json_object_get(me->json, "organization")));
    /* and role, organization, permitted_operations */
    ck_assert_uint_eq(json_object_size(me->json), json_object_size(user->json) + 3);
    ck_assert_str_eq(json_string_value(json_object_get(me->json, "role")), "association");
    th_free(org);
    th_free(user);
    th_free(me);
    free(t);
}
END_TEST

/* A deactivation, a revocation and a password change made by hand in psql, not through the
 * API, end the user's sessions in their own transaction (sql/048's triggers: the session rule
 * reads the session's row alone), so the tokens are refused on their very next request, by
 * either of two processes on the database; and its API tokens are revoked. A token id revoked
 * by hand that names its session ends that one; naming none, every session of its user. */
START_TEST(changes_made_by_hand_in_psql_end_sessions_at_once)
{
    th_server second;
    static char key_env[700];
    snprintf(key_env, sizeof key_env, "SHIFAN_JWT_KEY_FILE=%s", key_path);
    const char *env[] = {key_env, NULL};
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env), 0);
    create_user("by-hand", org_ids[ASSOCIATION]);
    long long id = user_id_of("by-hand");
    th_response *a = login_answer("by-hand", USER_PASSWORD);
    char *ta = answer_token(a, "access_token"), *ra = answer_token(a, "refresh_token");
    th_free(a);
    char *api = api_token_of(ta);
    ck_assert_int_eq(me_status_at(port, ta), 200);
    ck_assert_int_eq(me_status_at(second.port, ta), 200);
    ck_assert_int_eq(me_status_at(second.port, api), 200);
    /* deactivated by hand */
    ck_assert_int_eq(by_hand("UPDATE users SET active = false WHERE id = $1::bigint", id), 1);
    ck_assert_int_eq(sessions_of(id, NULL), 0);
    ck_assert_int_eq(sessions_of(id, "deactivated"), 1);
    ck_assert_int_eq(me_status_at(second.port, ta), 401);
    ck_assert_int_eq(me_status_at(port, ta), 401);
    ck_assert_int_eq(me_status_at(second.port, api), 401);
    ck_assert_int_eq(refresh_status(ra), 401);
    int status;
    ck_assert_ptr_null(login_here("by-hand", USER_PASSWORD, &status));
    ck_assert_int_eq(status, 401);
    /* active again by hand: logs in; the old tokens stay refused */
    ck_assert_int_eq(by_hand("UPDATE users SET active = true WHERE id = $1::bigint", id), 1);
    ck_assert_int_eq(me_status_at(port, ta), 401);
    char *t1 = login_here("by-hand", USER_PASSWORD, &status), *t2 = login_here("by-hand", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t1);
    ck_assert_ptr_nonnull(t2);
    ck_assert_int_eq(me_status_at(second.port, t1), 200);
    ck_assert_int_eq(me_status_at(second.port, t2), 200);
    /* a token id revoked by hand, naming t1's session: that session ends, t2's does not */
    char sid1[40], text[256];
    sid_of(t1, sid1);
    snprintf(text, sizeof text, "INSERT INTO revoked_tokens (jti, user_id, expires_at, session_id)"
             " VALUES (gen_random_uuid(), $1::bigint, now() + interval '1 hour', '%s')", sid1);
    ck_assert_int_eq(by_hand(text, id), 1);
    ck_assert_int_eq(me_status_at(second.port, t1), 401);
    ck_assert_int_eq(me_status_at(port, t1), 401);
    ck_assert_int_eq(me_status_at(second.port, t2), 200);
    /* naming none: every session of the user */
    ck_assert_int_eq(by_hand("INSERT INTO revoked_tokens (jti, user_id, expires_at)"
                             " VALUES (gen_random_uuid(), $1::bigint, now() + interval '1 hour')", id), 1);
    ck_assert_int_eq(me_status_at(second.port, t2), 401);
    ck_assert_int_eq(me_status_at(port, t2), 401);
    ck_assert_int_eq(sessions_of(id, "revoked"), 2);
    free(t1);
    free(t2);
    /* a password changed by hand: every session ends, and every API token */
    t1 = login_here("by-hand", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t1);
    char *api2 = api_token_of(t1);
    ck_assert_int_eq(me_status_at(second.port, t1), 200);
    ck_assert_int_eq(by_hand("UPDATE users SET password_hash = password_hash || 'x' WHERE id = $1::bigint", id), 1);
    ck_assert_int_eq(sessions_of(id, "password_changed"), 1);
    ck_assert_int_eq(sessions_of(id, NULL), 0);
    ck_assert_int_eq(me_status_at(second.port, t1), 401);
    ck_assert_int_eq(me_status_at(port, t1), 401);
    ck_assert_int_eq(me_status_at(port, api2), 401);
    /* a change that is neither leaves the sessions open */
    ck_assert_int_eq(by_hand("UPDATE users SET password_hash = left(password_hash, -1) WHERE id = $1::bigint", id), 1);
    char *t3 = login_here("by-hand", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(t3);
    ck_assert_int_eq(by_hand("UPDATE users SET display_name = 'renamed by hand' WHERE id = $1::bigint", id), 1);
    ck_assert_int_eq(me_status_at(second.port, t3), 200);
    ck_assert_int_eq(th_server_stop_reporting(&second), 0);
    free(t1);
    free(t3);
    free(api);
    free(api2);
    free(ta);
    free(ra);
}
END_TEST

/* An administrator's reset: the policy applies; every token of the user ends; the next
 * login answers password_change_required and its token reaches only /v1/me, the change and
 * revoke (403 elsewhere) until the user sets a password of its own. Audited. */
START_TEST(a_reset_password_must_be_changed_at_the_next_login)
{
    create_user("forgetful", org_ids[ASSOCIATION]);
    long long id = user_id_of("forgetful");
    int status;
    char *before = login_here("forgetful", USER_PASSWORD, &status);
    ck_assert_ptr_nonnull(before);
    char *api = api_token_of(before);
    char pw[80];
    snprintf(pw, sizeof pw, "/v1/users/%lld/password", id);
    const char *refused[] = {"{\"password\":\"short-one\"}", "{\"password\":\"x-Forgetful-2026\"}",
                             "{\"password\":\"qwerty123456\"}", "{\"password\":\"temporary-password-26\",\"x\":1}",
                             "{}"};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) {
        th_response *r = call("POST", pw, PROVINCE, refused[k]);
        expect_problem(r, 422);
        th_free(r);
    }
    ck_assert_int_eq(me_status(before), 200);   /* nothing happened yet */
    th_response *r = call("POST", pw, PROVINCE, "{\"password\":\"temporary-password-26\"}");
    ck_assert_int_eq(r->status, 204);
    th_free(r);
    ck_assert_int_eq(me_status(before), 401);
    ck_assert_int_eq(me_status(api), 401);
    ck_assert_ptr_null(login_here("forgetful", USER_PASSWORD, &status));
    /* the next login: the token says so, and so does the answer */
    r = login_answer("forgetful", "temporary-password-26");
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_true(json_object_get(r->json, "password_change_required")));
    char *limited = answer_token(r, "access_token"), *limited_refresh = answer_token(r, "refresh_token");
    th_free(r);
    jwt_t *jwt;
    ck_assert_int_eq(jwt_decode(&jwt, limited, key, (int)key_len), 0);
    ck_assert_int_eq(jwt_get_grant_bool(jwt, "password_change_required"), 1);
    jwt_free(jwt);
    r = as(limited, "GET", "/v1/me", NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_true(json_object_get(r->json, "password_change_required")));
    th_free(r);
    const struct {
        const char *method, *path, *body;
    } elsewhere[] = {{"GET", "/v1/platforms", NULL}, {"GET", "/v1/inbox", NULL},
                     {"POST", "/v1/api-tokens", "{\"name\":\"x\",\"scopes\":[\"read\"]}"}, {"GET", "/v1/api-tokens", NULL}};
    for (size_t k = 0; k < sizeof elsewhere / sizeof *elsewhere; k++) {
        r = as(limited, elsewhere[k].method, elsewhere[k].path, elsewhere[k].body);
        expect_problem(r, 403);
        ck_assert_ptr_nonnull(strstr(r->body, "/v1/me/password"));
        th_free(r);
    }
    /* a refresh keeps the restriction */
    r = refresh_with(limited_refresh);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_true(json_object_get(r->json, "password_change_required")));
    char *refreshed = answer_token(r, "access_token");
    th_free(r);
    r = as(refreshed, "GET", "/v1/platforms", NULL);
    expect_problem(r, 403);
    th_free(r);
    /* the change: the old password is checked, the policy applies to the new one */
    const struct {
        const char *body, *field;
    } wrong[] = {{"{\"old_password\":\"not-the-password\",\"new_password\":\"my-own-password-2026\"}", "old_password"},
                 {"{\"old_password\":\"temporary-password-26\",\"new_password\":\"forgetful-2026-pass\"}", "new_password"},
                 {"{\"old_password\":\"temporary-password-26\",\"new_password\":\"1q2w3e4r5t6y\"}", "new_password"},
                 {"{\"old_password\":\"temporary-password-26\",\"new_password\":\"temporary-password-26\"}", "new_password"},
                 {"{\"old_password\":\"temporary-password-26\"}", "new_password"}};
    for (size_t k = 0; k < sizeof wrong / sizeof *wrong; k++) {
        r = as(refreshed, "POST", "/v1/me/password", wrong[k].body);
        expect_problem(r, 422);
        ck_assert_msg(has_field_error(r, wrong[k].field), "%s", r->body);
        th_free(r);
    }
    r = as(refreshed, "POST", "/v1/me/password",
           "{\"old_password\":\"temporary-password-26\",\"new_password\":\"my-own-password-2026\"}");
    ck_assert_msg(r->status == 204, "%s", r->body);
    th_free(r);
    /* every token of before the change is refused; the new password logs in unrestricted */
    ck_assert_int_eq(me_status(limited), 401);
    ck_assert_int_eq(me_status(refreshed), 401);
    r = login_answer("forgetful", "my-own-password-2026");
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_false(json_object_get(r->json, "password_change_required")));
    char *free_token = answer_token(r, "access_token");
    th_free(r);
    ck_assert_ptr_null(login_here("forgetful", "temporary-password-26", &status));
    r = as(free_token, "GET", "/v1/platforms", NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    ck_assert_int_eq(audited(id, "user.password_reset"), 1);
    ck_assert_int_eq(audited(id, "user.password_changed"), 1);
    /* the old password after the reset, the wrong old one, the temporary one after the change */
    ck_assert_int_eq(audited(id, "login.failed"), 3);
    free(before);
    free(api);
    free(limited);
    free(limited_refresh);
    free(refreshed);
    free(free_token);
}
END_TEST

/* A user's own change ends every other session and API token of theirs too, and refresh
 * tokens; an API token cannot change a password. */
START_TEST(changing_ones_password_ends_every_session)
{
    create_user("changer", org_ids[ASSOCIATION]);
    long long id = user_id_of("changer");
    th_response *a = login_answer("changer", USER_PASSWORD), *b = login_answer("changer", USER_PASSWORD);
    char *ta = answer_token(a, "access_token"), *tb = answer_token(b, "access_token");
    char *rb = answer_token(b, "refresh_token");
    th_free(a);
    th_free(b);
    char *api = api_token_of(ta);
    th_response *r = as(api, "POST", "/v1/me/password",
                        "{\"old_password\":\"" USER_PASSWORD "\",\"new_password\":\"a-changed-password-9\"}");
    expect_problem(r, 403);
    th_free(r);
    r = as(ta, "POST", "/v1/me/password", "{\"old_password\":\"" USER_PASSWORD "\",\"new_password\":\"a-changed-password-9\"}");
    ck_assert_msg(r->status == 204, "%s", r->body);
    th_free(r);
    ck_assert_int_eq(me_status(ta), 401);
    ck_assert_int_eq(me_status(tb), 401);
    ck_assert_int_eq(me_status(api), 401);
    ck_assert_int_eq(refresh_status(rb), 401);
    int status;
    char *t = login_here("changer", "a-changed-password-9", &status);
    ck_assert_ptr_nonnull(t);
    free(t);
    ck_assert_int_eq(audited(id, "user.password_changed"), 1);
    free(ta);
    free(tb);
    free(rb);
    free(api);
}
END_TEST

/* Issue 13 §3: a login answers a refresh token; a refresh answers the next access token and
 * the next refresh token, of the same session; each refresh token is used once: presenting
 * a used one ends the session — every token of it refused. */
START_TEST(refresh_tokens_rotate_and_a_reused_one_ends_the_session)
{
    th_response *r = login_answer("assessor1", USER_PASSWORD);
    ck_assert_int_eq(r->status, 200);
    char *a1 = answer_token(r, "access_token"), *r1 = answer_token(r, "refresh_token");
    ck_assert_int_eq(strncmp(r1, "sfr_", 4), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "refresh_expires_in")), 43200);
    th_free(r);
    char s1[40], s2[40];
    sid_of(a1, s1);
    /* the database keeps only the refresh token's hash */
    const char *params[] = {r1};
    PGresult *res = db_rows("SELECT count(*) FROM refresh_tokens WHERE token_hash = $1 OR token_hash = encode(sha256($1::bytea), 'hex')",
                            1, params);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    res = db_rows("SELECT count(*) FROM refresh_tokens WHERE token_hash = $1", 1, params);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
    PQclear(res);
    r = refresh_with(r1);
    ck_assert_msg(r->status == 200, "%s", r->body);
    char *a2 = answer_token(r, "access_token"), *r2 = answer_token(r, "refresh_token");
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "token_type")), "Bearer");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "expires_in")), token_ttl);
    th_free(r);
    ck_assert_str_ne(r1, r2);
    ck_assert_str_ne(a1, a2);
    sid_of(a2, s2);
    ck_assert_str_eq(s1, s2);
    ck_assert_int_eq(me_status(a2), 200);
    ck_assert_int_eq(me_status(a1), 200);
    /* r1 again: a replay; the session ends — a1, a2 and r2 with it */
    r = refresh_with(r1);
    expect_problem(r, 401);
    ck_assert_ptr_nonnull(strstr(r->body, "used before"));
    th_free(r);
    ck_assert_int_eq(me_status(a1), 401);
    ck_assert_int_eq(me_status(a2), 401);
    ck_assert_int_eq(refresh_status(r2), 401);
    ck_assert_int_eq(audited(user_id_of("assessor1"), "session.refresh_reused"), 1);
    /* other sessions of the user are not touched */
    ck_assert_int_eq(me_status(tokens[ASSESSOR]), 200);
    free(a1);
    free(r1);
    free(a2);
    free(r2);
    /* what a refresh request may not be */
    const char *bad[] = {"{}", "{\"refresh_token\":1}", "{\"refresh_token\":\"x\",\"user\":\"admin\"}"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        r = th_json(port, "POST", "/v1/auth/refresh", NULL, bad[k]);
        expect_problem(r, 422);
        th_free(r);
    }
    ck_assert_int_eq(refresh_status("sfr_not-a-token-we-ever-issued"), 401);
}
END_TEST

/* Revoking (POST /v1/auth/revoke) ends the session: its refresh token too. */
START_TEST(revoking_ends_the_session_and_its_refresh_token)
{
    th_response *r = login_answer("assessor1", USER_PASSWORD);
    char *a = answer_token(r, "access_token"), *rt = answer_token(r, "refresh_token");
    th_free(r);
    r = as(a, "POST", "/v1/auth/revoke", NULL);
    ck_assert_int_eq(r->status, 204);
    th_free(r);
    ck_assert_int_eq(refresh_status(rt), 401);
    ck_assert_int_eq(me_status(a), 401);
    free(a);
    free(rt);
}
END_TEST

/* Refused refreshes are throttled per client like failed logins (the client's limit, here
 * 40): past it, 429 with Retry-After, even for a good refresh token; other clients are not. */
START_TEST(refused_refreshes_are_throttled_per_client)
{
    th_response *r = login_answer("assessor1", USER_PASSWORD);
    char *rt = answer_token(r, "refresh_token");
    th_free(r);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(post_from("127.0.0.71", port, "/v1/auth/refresh", "{\"refresh_token\":\"sfr_guess\"}", NULL,
                                   NULL, 0), 401);
    char body[128], retry[32];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", rt);
    ck_assert_int_eq(post_from("127.0.0.71", port, "/v1/auth/refresh", body, NULL, retry, sizeof retry), 429);
    ck_assert(atoi(retry) > 0);
    /* the token was not used up by the refused attempt: from another client it works */
    ck_assert_int_eq(post_from("127.0.0.72", port, "/v1/auth/refresh", body, NULL, NULL, 0), 200);
    free(rt);
}
END_TEST

/* ---- decisions at header time (issue 14, item 2) ---- */

/* Sends `head` (a request line and headers, nothing of the body) and waits at most 3 s for
 * the answer's status line; the status, or 0 if none came. */
static int status_before_the_body(const char *head)
{
    int fd = th_connect(port);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ck_assert_int_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    char answer[4096];
    ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
    close(fd);
    int status = 0;
    if (got > 12) {
        answer[got] = '\0';
        sscanf(answer, "HTTP/1.1 %d", &status);
    }
    return status;
}

/* A declared Content-Length over the route's limit answers 413 at once, and a route that
 * needs a token answers 401 to a request without a valid one, before any byte of the body
 * is sent (before: the server waited for the 20 MiB and answered nothing within 3 s). */
START_TEST(what_the_headers_decide_is_answered_before_the_body)
{
    char head[2048];
    snprintf(head, sizeof head, "POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: 20971520\r\n\r\n");
    ck_assert_int_eq(status_before_the_body(head), 413);
    /* an upload route's own limit is the upload limit: one byte over it, with a token */
    snprintf(head, sizeof head, "POST /v1/applications/1/materials?kind=other&filename=a.pdf HTTP/1.1\r\n"
             "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/pdf\r\nContent-Length: 20971521\r\n\r\n",
             tokens[CITY]);
    ck_assert_int_eq(status_before_the_body(head), 413);
    /* no token, a forged one, an API token of the wrong shape: 401 before the body */
    const char *authorizations[] = {"", "Authorization: Bearer not.a.token\r\n", "Authorization: Basic YTpi\r\n",
                                    "Authorization: Bearer sft_short\r\n"};
    for (size_t i = 0; i < sizeof authorizations / sizeof *authorizations; i++) {
        snprintf(head, sizeof head, "POST /v1/applications/1/materials?kind=other&filename=a.pdf HTTP/1.1\r\n"
                 "Host: 127.0.0.1\r\n%sContent-Type: application/pdf\r\nContent-Length: 1048576\r\n\r\n", authorizations[i]);
        ck_assert_msg(status_before_the_body(head) == 401, "case %zu", i);
    }
    /* an expired token, signed right, is refused there too */
    char *payload = hand_payload("exp", "@-1");
    char *expired = hand_token(GOOD_HEADER, payload, EVP_sha256());
    free(payload);
    snprintf(head, sizeof head, "POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 60\r\n\r\n", expired);
    free(expired);
    ck_assert_int_eq(status_before_the_body(head), 401);
    /* the answer is the dispatcher's: problem+json, request ids, the challenge, CORS */
    th_response *r = th_request(port, "POST", "/v1/organizations", NULL, "application/json", "{}", 2,
                                "Origin: http://localhost:5173\r\n");
    expect_problem(r, 401);
    char value[128];
    ck_assert_ptr_nonnull(th_header(r, "WWW-Authenticate", value, sizeof value));
    ck_assert_ptr_nonnull(th_header(r, "X-Server-Request-Id", value, sizeof value));
    ck_assert_ptr_nonnull(th_header(r, "Access-Control-Allow-Origin", value, sizeof value));
    ck_assert_str_eq(value, "http://localhost:5173");
    th_free(r);
    /* a public route, and a valid token, still have their bodies read */
    r = call("POST", "/v1/organizations", PROVINCE, "{\"type\":\"association\"}");
    expect_problem(r, 422);
    th_free(r);
}
END_TEST

static long long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %lld kB", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib;
}

typedef struct {
    int status;
} upload_call;

/* One client: a 20 MiB upload with no token — the head, then as much of the body as the
 * server takes before it answers and closes. */
static void *tokenless_upload(void *p)
{
    upload_call *c = p;
    int fd = th_connect(port);
    if (fd < 0)
        return NULL;
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const size_t total = 20u * 1024 * 1024;
    char head[512];
    int n = snprintf(head, sizeof head, "POST /v1/applications/1/materials?kind=other&filename=a.pdf HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\nContent-Type: application/pdf\r\nContent-Length: %zu\r\n\r\n", total);
    static const char chunk[65536];
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n)
        for (size_t sent = 0; sent < total; sent += sizeof chunk)
            if (send(fd, chunk, sizeof chunk, MSG_NOSIGNAL) <= 0)
                break;
    char answer[1024];
    ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
    if (got > 12) {
        answer[got] = '\0';
        sscanf(answer, "HTTP/1.1 %d", &c->status);
    }
    close(fd);
    return NULL;
}

/* 16 clients send 20 MiB bodies without a token: each is answered 401 and the server's
 * resident memory grows by less than 32 MiB (it grew by ~180 MB for 8 such uploads before:
 * every body was buffered whole before the token was looked at). */
START_TEST(bodies_without_a_token_are_never_buffered)
{
    long long before = rss_kib(server.pid), peak = before;
    ck_assert_int_gt(before, 0);
    enum { CLIENTS = 16 };
    pthread_t threads[CLIENTS];
    upload_call calls[CLIENTS];
    memset(calls, 0, sizeof calls);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, tokenless_upload, &calls[i]), 0);
    for (int k = 0; k < 100; k++) {   /* sampled while they send, for up to 2 s */
        long long now = rss_kib(server.pid);
        peak = now > peak ? now : peak;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(threads[i], NULL);
    long long after = rss_kib(server.pid);
    peak = after > peak ? after : peak;
    int refused = 0;
    for (int i = 0; i < CLIENTS; i++)
        refused += calls[i].status == 401;
    ck_assert_msg(refused == CLIENTS, "%d of %d uploads were answered 401", refused, CLIENTS);
    ck_assert_msg(peak - before < 32 * 1024, "resident memory grew from %lld to %lld KiB", before, peak);
    ck_assert_int_eq(me_status(tokens[CITY]), 200);   /* and the server serves on */
}
END_TEST

/* ---- the bound on bytes buffered across connections (issue 14, item 2) ---- */

/* shifan_http_buffered_body_bytes of the server on `on_port`; -1 when absent. */
static long long buffered_bytes(int on_port)
{
    th_response *r = th_json(on_port, "GET", "/metrics", METRICS_TOKEN, NULL);
    const char *line = r != NULL && r->body != NULL ? strstr(r->body, "\nshifan_http_buffered_body_bytes ") : NULL;
    long long n = line != NULL ? atoll(line + 33) : -1;
    th_free(r);
    return n;
}

/* Waits (at most 5 s) for the gauge to read `expected`; its last value. */
static long long buffered_bytes_become(int on_port, long long expected)
{
    long long n = -1;
    for (int i = 0; i < 250 && (n = buffered_bytes(on_port)) != expected; i++)
        th_pause_ms(20);
    return n;
}

/* Sends `head` and `len` bytes of `body` on a new connection to `on_port`, and reads the
 * answer into `answer` (at most `size` bytes); its status, or 0. */
static int raw_exchange(int on_port, const char *head, const char *body, size_t len, char *answer, size_t size)
{
    int fd = th_connect(on_port);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int ok = send(fd, head, strlen(head), MSG_NOSIGNAL) == (ssize_t)strlen(head);
    for (size_t off = 0; ok && off < len;) {
        ssize_t n = send(fd, body + off, len - off, MSG_NOSIGNAL);
        ok = n > 0;
        off += ok ? (size_t)n : 0;
    }
    size_t got = th_read_until_closed(fd, answer, size - 1);
    answer[got] = '\0';
    close(fd);
    int status = 0;
    sscanf(answer, "HTTP/1.1 %d", &status);
    return status;
}

/* With SHIFAN_MAX_BUFFERED_BYTES at 1.5 MiB: while one request holds 1 MB of declared body, a
 * second declaring 600 kB is answered 503 with Retry-After before its body is sent, and a
 * chunked one is refused when it crosses the bound; once the first is gone (cut off) the
 * count is back to zero and the same requests are read and judged. */
START_TEST(bodies_beyond_the_buffered_bound_answer_503_until_there_is_room)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_MAX_BODY_BYTES=1048576", "SHIFAN_MAX_UPLOAD_BYTES=1048576",
                                         "SHIFAN_MAX_BUFFERED_BYTES=1572864", "SHIFAN_METRICS_TOKEN=" METRICS_TOKEN,
                                         "SHIFAN_THREADS=4", NULL});
    ck_assert_int_eq(buffered_bytes(s.port), 0);
    /* the holder: 1,000,000 bytes declared, 10 sent */
    char head[2048];
    snprintf(head, sizeof head, "POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"type\":\"", tokens[PROVINCE]);
    int holder = th_connect(s.port);
    ck_assert_int_ge(holder, 0);
    ck_assert_int_eq(send(holder, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    ck_assert_int_eq(buffered_bytes_become(s.port, 1000000), 1000000);

    size_t big = 600000;
    char *body = malloc(big + 64);
    int n = snprintf(body, big + 64, "{\"type\":\"association\",\"name\":\"");
    memset(body + n, 'x', big - (size_t)n - 2);
    memcpy(body + big - 2, "\"}", 2);
    /* Connection: close, so that each exchange ends with its answer (raw_exchange reads to EOF) */
    snprintf(head, sizeof head, "POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
             "Connection: close\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", tokens[PROVINCE], big);
    static char answer[8192];
    /* declared: refused at header time, nothing of the body sent */
    ck_assert_int_eq(raw_exchange(s.port, head, NULL, 0, answer, sizeof answer), 503);
    ck_assert_ptr_nonnull(strstr(answer, "Retry-After: "));
    ck_assert_ptr_nonnull(strstr(answer, "application/problem+json"));
    ck_assert_ptr_nonnull(strstr(answer, "\"code\":\"bodies_busy\""));
    /* chunked: refused when it crosses the bound */
    char chunked[2048];
    snprintf(chunked, sizeof chunked, "POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
             "Connection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", tokens[PROVINCE]);
    size_t framed_len = 0, cap = big + big / 1000 * 16 + 64;
    char *framed = malloc(cap);
    for (size_t off = 0; off < big; off += 1000) {
        size_t part = big - off < 1000 ? big - off : 1000;
        framed_len += (size_t)snprintf(framed + framed_len, cap - framed_len, "%zx\r\n", part);
        memcpy(framed + framed_len, body + off, part);
        framed_len += part;
        memcpy(framed + framed_len, "\r\n", 2);
        framed_len += 2;
    }
    framed_len += (size_t)snprintf(framed + framed_len, cap - framed_len, "0\r\n\r\n");
    ck_assert_int_eq(raw_exchange(s.port, chunked, framed, framed_len, answer, sizeof answer), 503);
    ck_assert_ptr_nonnull(strstr(answer, "Retry-After: "));
    ck_assert_int_eq(buffered_bytes_become(s.port, 1000000), 1000000);   /* theirs released */

    /* the holder goes away mid-body: its bytes are released */
    close(holder);
    ck_assert_int_eq(buffered_bytes_become(s.port, 0), 0);
    /* and the same requests are now read and judged (the name is too long: 422) */
    ck_assert_int_eq(raw_exchange(s.port, head, body, big, answer, sizeof answer), 422);
    ck_assert_int_eq(raw_exchange(s.port, chunked, framed, framed_len, answer, sizeof answer), 422);
    ck_assert_int_eq(buffered_bytes_become(s.port, 0), 0);
    free(framed);
    free(body);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
}
END_TEST

/* An upload streams to a file once it outgrows SF_UPLOAD_IN_MEMORY; until then its bytes are
 * in memory, and they count in SHIFAN_MAX_BUFFERED_BYTES like any body's: small uploads held
 * open cannot take more than the bound. A larger one counts what it can hold in memory, not
 * its length. */
START_TEST(uploads_count_what_they_hold_in_memory_in_the_bound)
{
    th_server s;
    start_with(&s, (const char *const[]){"SHIFAN_MAX_BODY_BYTES=65536", "SHIFAN_MAX_UPLOAD_BYTES=131072",
                                         "SHIFAN_MAX_BUFFERED_BYTES=131072", "SHIFAN_METRICS_TOKEN=" METRICS_TOKEN,
                                         "SHIFAN_THREADS=4", NULL});
    ck_assert_int_eq(buffered_bytes(s.port), 0);
#define UPLOAD_HEAD                                                                                   \
    "POST /v1/applications/999999/materials?kind=business_license&filename=x.pdf HTTP/1.1\r\n"          \
    "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/pdf\r\n%s"               \
    "Content-Length: %d\r\n\r\n%s"
    char head[2048];
    /* two small uploads held open, 60,000 bytes declared and 9 sent */
    int holders[2];
    for (int i = 0; i < 2; i++) {
        snprintf(head, sizeof head, UPLOAD_HEAD, tokens[CITY], "", 60000, "%PDF-1.4\n");
        holders[i] = th_connect(s.port);
        ck_assert_int_ge(holders[i], 0);
        ck_assert_int_eq(send(holders[i], head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    }
    ck_assert_int_eq(buffered_bytes_become(s.port, 120000), 120000);
    /* a third would pass the bound: refused before any of it is read */
    snprintf(head, sizeof head, UPLOAD_HEAD, tokens[CITY], "Connection: close\r\n", 60000, "");
    static char answer[8192];
    ck_assert_int_eq(raw_exchange(s.port, head, NULL, 0, answer, sizeof answer), 503);
    ck_assert_ptr_nonnull(strstr(answer, "Retry-After: "));
    ck_assert_ptr_nonnull(strstr(answer, "\"code\":\"bodies_busy\""));
    /* a chunked one: refused when what it holds crosses the bound */
    snprintf(head, sizeof head, "POST /v1/applications/999999/materials?kind=business_license&filename=x.pdf"
             " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n"
             "Content-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n", tokens[CITY]);
    static char framed[24 * 1010 + 16];
    size_t framed_len = 0;
    for (int i = 0; i < 24; i++) {   /* 24,000 bytes in chunks of 1,000: the bound has 11,072 left */
        framed_len += (size_t)snprintf(framed + framed_len, sizeof framed - framed_len, "3e8\r\n");
        memset(framed + framed_len, i == 0 ? '%' : 'x', 1000);
        framed_len += 1000;
        memcpy(framed + framed_len, "\r\n", 2);
        framed_len += 2;
    }
    framed_len += (size_t)snprintf(framed + framed_len, sizeof framed - framed_len, "0\r\n\r\n");
    ck_assert_int_eq(raw_exchange(s.port, head, framed, framed_len, answer, sizeof answer), 503);
    ck_assert_ptr_nonnull(strstr(answer, "\"code\":\"bodies_busy\""));
    ck_assert_int_eq(buffered_bytes_become(s.port, 120000), 120000);   /* theirs released */
    /* one holder gone: an upload of 100,000 bytes counts the 65,536 it may hold in memory, and fits */
    close(holders[1]);
    ck_assert_int_eq(buffered_bytes_become(s.port, 60000), 60000);
    snprintf(head, sizeof head, UPLOAD_HEAD, tokens[CITY], "", 100000, "%PDF-1.4\n");
    holders[1] = th_connect(s.port);
    ck_assert_int_ge(holders[1], 0);
    ck_assert_int_eq(send(holders[1], head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    ck_assert_int_eq(buffered_bytes_become(s.port, 60000 + 65536), 60000 + 65536);
    /* all gone: every byte released */
    close(holders[0]);
    close(holders[1]);
    ck_assert_int_eq(buffered_bytes_become(s.port, 0), 0);
    ck_assert_int_eq(th_server_stop_reporting(&s), 0);
#undef UPLOAD_HEAD
}
END_TEST

/* The bound is validated: not a number, or below a body limit, stops the start. */
/* How many of this process's open descriptors are upload files (named "upload-…" in the
 * directory given, unlinked at once, so "(deleted)"). */
static int own_upload_files(void)
{
    DIR *d = opendir("/proc/self/fd");
    char link[600], target[600];
    int n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strstr(target, "/upload-") != NULL;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* An upload of at most SF_UPLOAD_IN_MEMORY bytes stays in memory, no file made (a material of
 * the write mix: issue 18, point 4); one byte more and it is in a file, which holds every byte,
 * the first ones included; either way the SHA-256 and the first bytes are those of the whole,
 * and a multipart body's file part takes the same two paths. */
START_TEST(a_small_upload_stays_in_memory_a_larger_one_goes_to_a_file)
{
    static unsigned char body[SF_UPLOAD_IN_MEMORY + 1];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (unsigned char)(i * 7 + i / 251);
    memcpy(body, "%PDF-1.4\n", 9);
    const char *dir = getenv("SHIFAN_TEST_TMP") ? getenv("SHIFAN_TEST_TMP") : "/tmp";
    int before = own_upload_files();
    for (int big = 0; big <= 1; big++) {
        size_t size = big ? sizeof body : sizeof body - 1;
        sf_upload_stream *s = sf_upload_stream_open(dir, "application/pdf", 1024 * 1024);
        ck_assert_ptr_nonnull(s);
        for (size_t at = 0; at < size; at += 1000)   /* as the bytes arrive, in pieces */
            ck_assert_int_eq(sf_upload_stream_write(s, body + at, size - at < 1000 ? size - at : 1000), SF_UPLOAD_TAKEN);
        const sf_upload_file *f = sf_upload_stream_end(s);
        ck_assert_int_eq(f->result, SF_UPLOAD_TAKEN);
        ck_assert_uint_eq(f->size, size);
        ck_assert_mem_eq(f->head, body, SF_UPLOAD_HEAD);
        unsigned char digest[32];
        unsigned int dlen = 0;
        EVP_Digest(body, size, digest, &dlen, EVP_sha256(), NULL);
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        ck_assert_str_eq(f->sha256, hex);
        if (!big) {
            ck_assert_int_eq(f->fd, -1);
            ck_assert_int_eq(own_upload_files(), before);
            ck_assert_mem_eq(f->data, body, size);
        } else {
            ck_assert_int_ge(f->fd, 0);
            ck_assert_ptr_null(f->data);
            ck_assert_int_eq(own_upload_files(), before + 1);
            unsigned char *back = malloc(size + 1);
            ck_assert_int_eq(pread(f->fd, back, size + 1, 0), (ssize_t)size);
            ck_assert_mem_eq(back, body, size);
            free(back);
        }
        sf_upload_stream_free(s);
        ck_assert_int_eq(own_upload_files(), before);
    }
    /* a form's file part: small in memory, with its fields */
    const char *form = "--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nother\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
                       "Content-Type: application/pdf\r\n\r\n%PDF-1.4 small\r\n--XyZ--\r\n";
    sf_upload_stream *s = sf_upload_stream_open(dir, "multipart/form-data; boundary=XyZ", 1024 * 1024);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(sf_upload_stream_write(s, form, strlen(form)), SF_UPLOAD_TAKEN);
    const sf_upload_file *f = sf_upload_stream_end(s);
    ck_assert_int_eq(f->result, SF_UPLOAD_TAKEN);
    ck_assert_int_eq(f->malformed, SF_E_NONE);
    ck_assert_int_eq(f->fd, -1);
    ck_assert_uint_eq(f->size, 14);
    ck_assert_mem_eq(f->data, "%PDF-1.4 small", 14);
    ck_assert_uint_eq(f->form.kind.len, 5);
    sf_upload_stream_free(s);
    ck_assert_int_eq(own_upload_files(), before);
}
END_TEST

START_TEST(the_buffered_bound_is_configured_and_validated)
{
    const char *bad[] = {"SHIFAN_MAX_BUFFERED_BYTES=lots", "SHIFAN_MAX_BUFFERED_BYTES=1048575"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        th_server s;
        const char *env[] = {bad[i], "SHIFAN_MAX_UPLOAD_BYTES=1048576", NULL};
        ck_assert_msg(th_server_start(&s, th_env("SHIFAN_TEST_HTTP_URL"), data_dir, env) != 0, "%s started", bad[i]);
    }
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("server");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, health_ready_metrics_and_contract_answer);
    tcase_add_test(tc, the_contract_describes_every_route);
    tcase_add_test(tc, cors_allows_the_configured_origins_only);
    tcase_add_test(tc, request_id_is_echoed_or_generated);
    tcase_add_test(tc, each_request_logs_one_line_and_no_secret);
    tcase_add_test(tc, the_request_log_is_whole_after_a_stop);
    tcase_add_test(tc, unknown_paths_and_methods);
    tcase_add_test(tc, login_issues_a_bearer_jwt_with_every_claim);
    tcase_add_test(tc, wrong_password_and_unknown_user_look_the_same);
    tcase_add_test(tc, malformed_bodies_are_refused_with_the_right_status);
    tcase_add_test(tc, field_errors_name_every_field);
    tcase_add_test(tc, bodies_over_the_limit_are_413_and_at_the_limit_are_read);
    tcase_add_test(tc, me_answers_every_role);
    tcase_add_test(tc, me_needs_a_valid_bearer_token);
    tcase_add_test(tc, forged_tokens_are_refused);
    tcase_add_test(tc, a_revoked_token_stops_working_at_once);
    tcase_add_test(tc, the_me_answer_is_its_canonical_text_under_its_hash);
    tcase_add_test(tc, a_token_accepted_before_is_refused_once_it_expires);
    tcase_add_test(tc, the_province_creates_organisations);
    tcase_add_test(tc, only_the_province_may_create_organisations);
    tcase_add_test(tc, province_and_supervisor_read_organisations_others_may_not);
    tcase_add_test(tc, organisation_rules_are_enforced);
    tcase_add_test(tc, organisations_page_with_opaque_tokens);
    tcase_add_test(tc, unknown_organisations_are_404);
    tcase_add_test(tc, the_province_creates_users_who_can_log_in);
    tcase_add_test(tc, only_the_province_may_create_users);
    tcase_add_test(tc, user_rules_are_enforced);
    tcase_add_test(tc, failed_logins_lock_the_username);
    tcase_add_test(tc, a_lost_database_answers_503_and_recovers);
    tcase_add_test(tc, sigterm_drains_in_flight_requests_and_exits_cleanly);
    tcase_add_test(tc, stored_hashes_of_users_created_through_the_api_have_distinct_salts);
    tcase_add_test(tc, an_unknown_username_costs_the_same_hashing_as_a_known_one);
    tcase_add_test(tc, the_eleventh_failed_login_answers_429_with_retry_after);
    tcase_add_test(tc, guessing_from_one_client_is_throttled);
    tcase_add_test(tc, the_docs_page_lists_every_endpoint_in_a_browser);
    tcase_add_test(tc, hand_made_tokens_signed_right_are_refused_for_what_they_say);
    tcase_add_test(tc, a_flipped_byte_anywhere_is_refused);
    tcase_add_test(tc, a_revoked_jti_is_refused_in_any_token);
    tcase_add_test(tc, users_are_listed_read_and_changed_in_scope);
    tcase_add_test(tc, deactivating_a_user_ends_every_token_at_once);
    tcase_add_test(tc, changes_made_by_hand_in_psql_end_sessions_at_once);
    tcase_add_test(tc, the_me_answer_is_written_as_jansson_would);
    tcase_add_test(tc, a_reset_password_must_be_changed_at_the_next_login);
    tcase_add_test(tc, changing_ones_password_ends_every_session);
    tcase_add_test(tc, refresh_tokens_rotate_and_a_reused_one_ends_the_session);
    tcase_add_test(tc, revoking_ends_the_session_and_its_refresh_token);
    tcase_add_test(tc, refused_refreshes_are_throttled_per_client);
    tcase_add_test(tc, what_the_headers_decide_is_answered_before_the_body);
    tcase_add_test(tc, bodies_without_a_token_are_never_buffered);
    tcase_add_test(tc, bodies_beyond_the_buffered_bound_answer_503_until_there_is_room);
    tcase_add_test(tc, uploads_count_what_they_hold_in_memory_in_the_bound);
    tcase_add_test(tc, the_buffered_bound_is_configured_and_validated);
    tcase_add_test(tc, jku_and_x5u_headers_are_ignored_and_never_fetched);
    tcase_add_test(tc, a_signing_key_under_32_bytes_stops_the_start);
    tcase_add_test(tc, every_role_a_route_does_not_allow_is_refused_with_403);
    tcase_add_test(tc, idle_and_half_sent_connections_are_dropped_while_healthz_answers);
    tcase_add_test(tc, connections_beyond_the_per_client_limit_are_refused);
    tcase_add_test(tc, tokens_living_past_the_lifetime_or_with_crit_are_refused);
    tcase_add_test(tc, a_reused_client_request_id_leaves_audit_rows_under_distinct_ids);
    tcase_add_test(tc, concurrent_logins_cannot_pass_the_limit_while_hashing);
    tcase_add_test(tc, a_login_flood_does_not_stall_the_health_checks);
    tcase_add_test(tc, requests_that_hash_never_hold_the_only_worker);
    tcase_add_test(tc, logins_waiting_on_the_database_hold_neither_the_worker_nor_the_hashing);
    tcase_add_test(tc, a_login_waiting_on_the_database_keeps_its_place_in_the_hashing_queue);
    tcase_add_test(tc, refreshes_and_objections_waiting_on_the_database_hold_not_the_worker);
    tcase_add_test(tc, a_refused_errand_answers_requests_busy_and_delays_no_other_kind);
    tcase_add_test(tc, a_login_recording_its_session_is_not_refused_for_logins_admitted_meanwhile);
    tcase_add_test(tc, unsigned_writes_waiting_on_the_database_leave_connections_for_signed_in_requests);
    tcase_add_test(tc, readiness_answers_while_every_pooled_connection_is_busy);
    tcase_add_test(tc, readiness_says_unavailable_while_its_check_hangs);
    tcase_add_test(tc, the_hashing_threads_and_only_they_run_at_the_lowest_priority);
    tcase_add_test(tc, a_client_gone_while_its_password_hashes_leaves_nothing_behind);
    tcase_add_test(tc, the_server_stops_cleanly_during_a_login_flood);
    tcase_add_test(tc, lockout_is_per_client_behind_trusted_proxies_and_the_province_unlocks);
    tcase_add_test(tc, an_ipv6_client_is_known_by_its_whole_address);
    tcase_add_test(tc, metrics_need_their_token);
    tcase_add_test(tc, names_with_hidden_characters_answer_422);
    tcase_add_test(tc, every_text_a_person_types_is_judged);
    tcase_add_test(tc, distinct_conflicts_and_refusals_answer_distinct_codes);
    tcase_add_test(tc, problems_are_in_chinese_unless_english_is_asked_for);
    tcase_add_test(tc, the_contract_lists_every_problem_code);
    tcase_add_test(tc, every_get_route_answers_head_with_the_same_headers_and_no_body);
    tcase_add_test(tc, options_without_origin_answers_allow_and_shadowed_patterns_do_not_count);
    tcase_add_test(tc, public_routes_are_readable_from_any_origin_credentialed_ones_keep_the_list);
    tcase_add_test(tc, unknown_query_parameters_and_foreign_page_tokens_are_422);
    tcase_add_test(tc, count_takes_only_true_or_false);
    tcase_add_test(tc, every_answer_fits_the_contract);
    tcase_add_test(tc, the_server_is_still_up_and_stops_cleanly);
    suite_add_tcase(s, tc);
    TCase *units = tcase_create("units");
    tcase_add_test(units, the_cache_serves_only_what_no_notification_has_touched);
    tcase_add_test(units, the_statistics_cache_serves_only_the_version_counted_and_stays_bounded);
    tcase_add_test(units, a_statistics_count_under_way_is_waited_for_not_repeated);
    tcase_add_test(units, leaked_internals_are_recognised);
    tcase_add_test(units, csv_cells_beginning_like_a_formula_are_escaped);
    tcase_add_test(units, the_per_client_connection_limit_is_configured_and_validated);
    tcase_add_test(units, base64url_round_trips_and_refuses_what_is_not_it);
    tcase_add_test(units, sha256_gives_the_standard_digests_in_lower_case_hex);
    tcase_add_test(units, a_full_hashing_queue_gives_its_places_in_turn);
    tcase_add_test(units, a_small_upload_stays_in_memory_a_larger_one_goes_to_a_file);
    suite_add_tcase(s, units);
    return s;
}

int main(void)
{
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    return th_run_suite(http_suite());   /* the tests share the server, its users and their tokens */
}

