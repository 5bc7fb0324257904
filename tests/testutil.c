/*
 * Test helpers (see testutil.h).
 */
#include "tests/testutil.h"

#include "tests/contract.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *th_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "%s is not set: run the suites through `make test`\n", name);
        exit(2);
    }
    return v;
}

int th_time_factor(void)
{
    const char *v = getenv("SHIFAN_TEST_TIME_FACTOR");
    int f = v ? atoi(v) : 1;
    return f < 1 ? 1 : f > 100 ? 100 : f;
}

void th_pause_ms(long ms)
{
    long total = ms * th_time_factor();
    struct timespec pause = {total / 1000, (total % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

size_t th_read_until_closed(int fd, char *buf, size_t size)
{
    size_t got = 0;
    ssize_t k;
    while (got + 1 < size && (k = recv(fd, buf + got, size - 1 - got, 0)) > 0)
        got += (size_t)k;
    buf[got] = '\0';
    return got;
}

int th_run_suite(Suite *suite)
{
    return th_run_runner(srunner_create(suite), NULL, NULL);
}

int th_run_runner(SRunner *sr, void (*setup)(void), void (*teardown)(void))
{
    srunner_set_fork_status(sr, CK_NOFORK);
    if (setup)
        setup();
    srunner_run_all(sr, CK_NORMAL);
    if (teardown)
        teardown();
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int th_ipv6;

int th_connect(int port)
{
    int fd = socket(th_ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct sockaddr_in6 addr6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    addr6.sin6_addr = in6addr_loopback;
    struct timeval tv = {30 * th_time_factor(), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (th_ipv6 ? connect(fd, (struct sockaddr *)&addr6, sizeof addr6) != 0
                : connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Answers that do not fit the contract, kept for the suite's last check (distinct texts). */
static int checking;
static char *misfits[256];
static size_t nmisfits;

/* "METHOD path" of every answer 201 seen while checking (th_created_seen). */
static char *created[4096];   /* one per distinct path: a run creates a few hundred */
static size_t ncreated;

int th_created_seen(const char *method, const char *pattern)
{
    for (size_t i = 0; i < ncreated; i++) {
        size_t mlen = strlen(method);
        if (strncmp(created[i], method, mlen) != 0 || created[i][mlen] != ' ')
            continue;
        const char *a = pattern, *b = created[i] + mlen + 1;
        int ok = 1;
        while (ok && *a && *b && *b != '?') {
            if (*a == ':') {
                a += strcspn(a, "/");
                b += strcspn(b, "/?");
            } else {
                ok = *a++ == *b++;
            }
        }
        if (ok && *a == '\0' && (*b == '\0' || *b == '?'))
            return 1;
    }
    return 0;
}

static void add_misfit(const char *why)
{
    for (size_t i = 0; i < nmisfits; i++)
        if (strcmp(misfits[i], why) == 0)
            return;
    if (nmisfits < sizeof misfits / sizeof misfits[0])
        misfits[nmisfits++] = strdup(why);
}

const char *th_leaked_internals(const char *body)
{
    static const char *const marks[] = {"ERROR:", "FATAL:", "SQLSTATE", "syntax error at", "relation \"",
                                        "column \"", "violates ", "duplicate key value", "could not connect",
                                        "PQexec", "libpq", "jansson", "ulfius", "microhttpd", "/tmp/", "/work/",
                                        "/usr/", "/var/", ".c:", "Segmentation", "AddressSanitizer"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strstr(body, marks[i]) != NULL)
            return marks[i];
    return NULL;
}

const char *th_accept_language = "en";

th_response *th_request(int port, const char *method, const char *path, const char *token,
                        const char *content_type, const char *body, size_t body_len,
                        const char *extra_headers)
{
    int fd = th_connect(port);
    if (fd < 0)
        return NULL;
    char head[8192];
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s",
                     method, path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
    if (content_type != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", content_type);
    if (body != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", body_len);
    if (th_accept_language != NULL && (extra_headers == NULL || strcasestr(extra_headers, "Accept-Language:") == NULL))
        n += snprintf(head + n, sizeof head - (size_t)n, "Accept-Language: %s\r\n", th_accept_language);
    n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", extra_headers ? extra_headers : "");
    /* a server may answer early (413) and close while the body is still being sent */
    if (send_all(fd, head, (size_t)n) != 0 || (body != NULL && send_all(fd, body, body_len) != 0)) {
        /* read whatever answer arrived */
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.", 7) != 0 || end == NULL) {
        free(buf);
        return NULL;
    }
    th_response *res = calloc(1, sizeof *res);
    res->status = atoi(buf + 9);
    *end = '\0';
    res->headers = strdup(buf);
    res->body_len = len - (size_t)(end + 4 - buf);
    res->body = malloc(res->body_len + 1);
    memcpy(res->body, end + 4, res->body_len);
    res->body[res->body_len] = '\0';
    free(buf);
    res->json = json_loadb(res->body, res->body_len, 0, NULL);
    if (checking) {
        char ct[160], why[512];
        if (!th_contract_check(method, path, res->status, th_header(res, "Content-Type", ct, sizeof ct), res->body,
                               res->body_len, why, sizeof why))
            add_misfit(why);
        /* issue 13: every 201 names, in Location, a GET that answers 200 for its creator */
        char where[256];
        if (res->status == 201 && th_header(res, "Location", where, sizeof where) == NULL) {
            snprintf(why, sizeof why, "%s %.200s -> 201 without Location", method, path);
            add_misfit(why);
        } else if (res->status == 201) {
            char seen[320];
            snprintf(seen, sizeof seen, "%s %.300s", method, path);
            if (ncreated < sizeof created / sizeof *created && !th_created_seen(method, path))
                created[ncreated++] = strdup(seen);
            int saved = checking;
            checking = 0;
            th_response *back = th_request(port, "GET", where, token, NULL, NULL, 0, NULL);
            checking = saved;
            /* an API token whose scopes do not include read (403) is the one exception */
            int write_only = back != NULL && back->status == 403 && token != NULL && strncmp(token, "sft_", 4) == 0;
            if (back == NULL || (back->status != 200 && !write_only)) {
                snprintf(why, sizeof why, "%s %.200s -> 201, Location %s answers %d", method, path, where,
                         back ? back->status : 0);
                add_misfit(why);
            }
            th_free(back);
        }
        /* issue 7, point 8: an error never shows SQL, a server message, a path or a library */
        const char *leak = NULL;
        if (res->status >= 400 && (leak = th_leaked_internals(res->body)) != NULL) {
            snprintf(why, sizeof why, "%s %s -> %d shows \"%s\"", method, path, res->status, leak);
            add_misfit(why);
        }
    }
    return res;
}

void th_contract_start(int port)
{
    th_response *r = th_request(port, "GET", "/v1/openapi.json", NULL, NULL, NULL, 0, NULL);
    if (r && r->json) {
        th_contract_load(r->json);
        checking = 1;
    }
    th_free(r);
}

size_t th_contract_misfits(void)
{
    for (size_t i = 0; i < nmisfits; i++)
        fprintf(stderr, "contract: %s\n", misfits[i]);
    return nmisfits;
}

th_response *th_json(int port, const char *method, const char *path, const char *token, const char *json)
{
    return th_request(port, method, path, token, json ? "application/json" : NULL, json,
                      json ? strlen(json) : 0, NULL);
}

th_response *th_readyz_becomes(int port, int status)
{
    /* /readyz says what its background check found, at most SHIFAN_READY_CHECK_MS (200 ms)
     * ago (api/readiness.h): a change shows within a few checks */
    for (int tries = 0;; tries++) {
        th_response *r = th_json(port, "GET", "/readyz", NULL, NULL);
        if (r != NULL && (r->status == status || tries >= 200 * th_time_factor()))
            return r;
        th_free(r);
        th_pause_ms(25);
    }
}

void th_free(th_response *r)
{
    if (r == NULL)
        return;
    json_decref(r->json);
    free(r->headers);
    free(r->body);
    free(r);
}

const char *th_header(const th_response *r, const char *name, char *buf, size_t len)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(r->headers, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        const char *p = line + 2;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            p += nlen + 1;
            while (*p == ' ')
                p++;
            size_t vlen = strcspn(p, "\r\n");
            if (vlen >= len)
                vlen = len - 1;
            memcpy(buf, p, vlen);
            buf[vlen] = '\0';
            return buf;
        }
    }
    return NULL;
}

int th_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &alen);
    int port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

int th_server_start(th_server *server, const char *database_url, const char *data_dir, const char *const *env)
{
    server->port = th_free_port();
    snprintf(server->log_path, sizeof server->log_path, "%s/server-%d.log", data_dir, server->port);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* the server dies with the test process, even when a failed test skips teardown */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        char port[16];
        snprintf(port, sizeof port, "%d", server->port);
        setenv("SHIFAN_PORT", port, 1);
        setenv("SHIFAN_DATABASE_URL", database_url, 1);
        setenv("SHIFAN_DATA_DIR", data_dir, 1);
        setenv("SHIFAN_LISTEN_ADDRESS", "127.0.0.1", 1);
        for (const char *const *e = env; e && *e; e++)
            putenv((char *)(uintptr_t)*e);
        FILE *log = freopen(server->log_path, "a", stderr);
        (void)log;
        const char *bin = th_env("SHIFAN_BIN");
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    server->pid = pid;
    /* up to 30 s (× the time factor): a fresh database runs every migration first, slowly
     * under the sanitizers on a busy machine */
    for (int i = 0; i < 600 * th_time_factor(); i++) {
        th_response *r = th_request(server->port, "GET", "/healthz", NULL, NULL, NULL, 0, NULL);
        int ok = r != NULL && r->status == 200;
        th_free(r);
        if (ok)
            return 0;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return -1;
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    return -1;
}

int th_server_stop(th_server *server)
{
    int status;
    kill(server->pid, SIGTERM);
    if (waitpid(server->pid, &status, 0) != server->pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *th_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

int th_server_stop_reporting(th_server *server)
{
    int status = th_server_stop(server);
    server->pid = 0;
    if (status != 0) {
        char *log = th_read_file(server->log_path);
        const char *report = log ? strstr(log, "==ERROR") : NULL;
        if (report == NULL && log != NULL)   /* valgrind's report is at the end of the log */
            report = strlen(log) > 8000 ? log + strlen(log) - 8000 : log;
        fprintf(stderr, "server exit status %d\n%s\n", status, report ? report : "(no log)");
        free(log);
    }
    return status;
}


void th_assert_canonical_tagged(const th_response *r, const char *const *extra)
{
    const size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(json_is_object(r->json), "not a JSON object: %s", r->body);
    char *text = json_dumps(r->json, flags);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(r->body, text);
    free(text);
    json_t *state = json_deep_copy(r->json);
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
        json_object_del(state, extra[i]);
    text = json_dumps(state, flags);
    json_decref(state);
    unsigned char digest[32];
    unsigned int len = 0;
    ck_assert(EVP_Digest(text, strlen(text), digest, &len, EVP_sha256(), NULL) == 1);
    free(text);
    char expected[40], etag[80];
    expected[0] = '"';
    for (int i = 0; i < 16; i++)
        snprintf(expected + 1 + 2 * i, 3, "%02x", digest[i]);
    snprintf(expected + 33, sizeof expected - 33, "\"");
    ck_assert_ptr_nonnull(th_header(r, "ETag", etag, sizeof etag));
    ck_assert_str_eq(etag, expected);
}
