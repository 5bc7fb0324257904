/*
 * The dispatcher every request passes through, and starting and stopping the HTTP server
 * (see server.h). libmicrohttpd runs an epoll thread pool: handlers block on the database,
 * so the pool is larger than the core count (STYLE.md, "Traps").
 */
#include "api/server.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/cors.h"
#include "api/handlers.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/problem.h"
#include "api/readiness.h"
#include "api/upload_stream.h"
#include "api/views.h"
#include "domain/accounts.h"
#include "domain/text.h"
#include "persistence/api_tokens.h"
#include "persistence/clock.h"
#include "persistence/users.h"

#define TRIM_AFTER_BODY_BYTES (256 * 1024)
#define TRIM_EVERY_MS 10000

/* The periodic trim, on a thread of its own: every TRIM_EVERY_MS, whatever the requests.
 * Churn of small allocations across the threads' arenas (the public registry's entries evicted
 * under their budget and read again, over a registry larger than it) leaves freed pages
 * resident that no single request is large enough to trim: 39 MB after the registry read over
 * all 30,000 entries and three imports (bench/RESULTS.md). A trim takes 3 to 19 ms: made by the
 * request that happened to come when it was due, it was that request's latency (a health probe
 * during a login flood, a read in a benchmark's tail); here a request waits at most for the
 * trim of its own thread's arena, if it allocates while that one is trimmed. */
static struct {
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    pthread_t thread;
    int running, stopping;   /* under mutex */
} trimmer = {.mutex = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void *trim_loop(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&trimmer.mutex);
    while (!trimmer.stopping) {
        /* on the clock `wake` waits on (trim_start) */
        struct timespec until = sf_clock_after_ms(CLOCK_MONOTONIC, TRIM_EVERY_MS);
        pthread_cond_timedwait(&trimmer.wake, &trimmer.mutex, &until);
        if (trimmer.stopping)
            break;
        pthread_mutex_unlock(&trimmer.mutex);
        malloc_trim(0);
        pthread_mutex_lock(&trimmer.mutex);
    }
    pthread_mutex_unlock(&trimmer.mutex);
    return NULL;
}

/* `cond` (statically initialised, no thread waiting on it) made anew to wait on the monotonic
 * clock: a change of the wall clock holds no wait. */
static void cond_on_monotonic_clock(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_destroy(cond);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

static void trim_start(void)
{
    cond_on_monotonic_clock(&trimmer.wake);
    trimmer.stopping = 0;
    /* without the thread, memory is still given back after large requests (route) */
    trimmer.running = pthread_create(&trimmer.thread, NULL, trim_loop, NULL) == 0;
}

static void trim_stop(void)
{
    pthread_mutex_lock(&trimmer.mutex);
    trimmer.stopping = 1;
    pthread_cond_signal(&trimmer.wake);
    pthread_mutex_unlock(&trimmer.mutex);
    if (trimmer.running)
        pthread_join(trimmer.thread, NULL);
    trimmer.running = 0;
}

static sf_app *the_app;   /* one server per process; set by sf_server_start */

/* The body of the streamed upload being dispatched on this thread: libmicrohttpd calls the
 * access handler, and it Ulfius's dispatcher, on the connection's own thread (early_access). */
static _Thread_local const sf_upload_file *current_upload;

/* Set by the dispatcher when its handler deferred its answer (sf_hash_then): the answer Ulfius
 * then queues for the request is not the request's, and is dropped (MHD_queue_response). */
static _Thread_local int drop_answer;

const char *sf_header(const sf_ctx *ctx, const char *name)
{
    return u_map_get_case(ctx->req->map_header, name);
}

const char *sf_param(const sf_ctx *ctx, const char *name)
{
    return u_map_get(ctx->req->map_url, name);
}

void sf_set_header(sf_ctx *ctx, const char *name, const char *value)
{
    u_map_put(ctx->res->map_header, name, value);
}

static int trusted_proxy(const sf_config *c, int family, const unsigned char *addr)
{
    for (int i = 0; i < c->trusted_proxy_count; i++)
        if (sf_network_contains(&c->trusted_proxies[i], family, addr))
            return 1;
    return 0;
}

/* One X-Forwarded-For entry (trimmed) as an address; 0, or -1 if it is not one. */
static int forwarded_entry(const char *start, size_t len, int *family, unsigned char addr[16])
{
    while (len > 0 && (*start == ' ' || *start == '\t')) {
        start++;
        len--;
    }
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    char text[INET6_ADDRSTRLEN];
    if (len == 0 || len >= sizeof text)
        return -1;
    memcpy(text, start, len);
    text[len] = '\0';
    if (inet_pton(AF_INET, text, addr) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, text, addr) == 1)
        *family = AF_INET6;
    else
        return -1;
    return 0;
}

static const struct sockaddr *connection_peer(void);

void sf_client_address(const sf_ctx *ctx, char *out, size_t len)
{
    /* Ulfius 2.7 keeps only sizeof(struct sockaddr), 16 bytes, of the client's address: an
     * IPv6 address (bytes 8 to 23 of a sockaddr_in6) is not in it. The connection's is whole. */
    const struct sockaddr *sa = connection_peer();
    if (sa == NULL)
        sa = ctx->req->client_address;   /* an answer given outside Ulfius: request_of copied it whole */
    unsigned char addr[16] = {0};
    int family = AF_UNSPEC;
    if (sa != NULL && sa->sa_family == AF_INET) {
        family = AF_INET;
        memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        family = AF_INET6;
        memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    }
    const char *xff = family != AF_UNSPEC && trusted_proxy(ctx->app->config, family, addr)
                          ? sf_header(ctx, "X-Forwarded-For") : NULL;
    /* from the right: each hop a trusted proxy appended, until one that is not a proxy */
    for (size_t end = xff ? strlen(xff) : 0; end > 0;) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        int f;
        unsigned char a[16];
        if (forwarded_entry(xff + start, end - start, &f, a) != 0)
            break;   /* not an address: the last hop believed stands */
        family = f;
        memcpy(addr, a, sizeof a);
        if (!trusted_proxy(ctx->app->config, f, a))
            break;
        end = start > 0 ? start - 1 : 0;
    }
    if (family == AF_UNSPEC || inet_ntop(family, addr, out, (socklen_t)len) == NULL)
        snprintf(out, len, "unknown");
}

/* The client's X-Request-Id kept with the request, or NULL. */
static const char *client_request_id(const sf_ctx *ctx)
{
    return ctx->request_id[SF_REQUEST_ID_LEN] == '/' ? ctx->request_id + SF_REQUEST_ID_LEN + 1 : NULL;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The server always generates the request id it logs and records; a client's X-Request-Id,
 * if short and plain, is kept beside it (ctx->request_id, server.h) and echoed in
 * X-Request-Id, while X-Server-Request-Id carries the server's own (issue 14, item 9). */
/* 128 bits for a request id, from a per-thread generator seeded once from the CSPRNG
 * (splitmix64): unique without a CSPRNG call per request, which took 7 % of a request's CPU
 * (issue 18, point 5). The id names a request; it is no secret and guards nothing. */
static void request_id_bits(uint64_t out[2])
{
    static _Thread_local uint64_t state;
    static _Thread_local int seeded;
    if (!seeded) {
        if (sf_random_bytes((unsigned char *)&state, sizeof state) != 0)
            state = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&state;
        seeded = 1;
    }
    for (int i = 0; i < 2; i++) {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        out[i] = z ^ (z >> 31);
    }
}

/* X-Server-Request-Id and X-Request-Id for ctx->request_id. */
static void request_id_headers(sf_ctx *ctx)
{
    char own[SF_REQUEST_ID_LEN + 1];
    memcpy(own, ctx->request_id, SF_REQUEST_ID_LEN);
    own[SF_REQUEST_ID_LEN] = '\0';
    sf_set_header(ctx, "X-Server-Request-Id", own);
    sf_set_header(ctx, "X-Request-Id", client_request_id(ctx) ? client_request_id(ctx) : own);
}

static void assign_request_id(sf_ctx *ctx)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t bits[2];
    request_id_bits(bits);
    for (int i = 0; i < SF_REQUEST_ID_LEN; i++)
        ctx->request_id[i] = hex[(bits[i / 16] >> (4 * (i % 16))) & 0xF];
    ctx->request_id[SF_REQUEST_ID_LEN] = '\0';
    const char *given = sf_header(ctx, "X-Request-Id");
    size_t len = given ? strlen(given) : 0;
    if (len >= 1 && len <= SF_CLIENT_REQUEST_ID_MAX &&
        strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == len) {
        ctx->request_id[SF_REQUEST_ID_LEN] = '/';
        memcpy(ctx->request_id + SF_REQUEST_ID_LEN + 1, given, len + 1);
    }
    request_id_headers(ctx);
}

/* ---- the request log ----
 *
 * Its lines are gathered and written together (issue 18, point 5): a write(2) for each was one
 * of the seven system calls of an authenticated read (strace), and system calls are what this
 * kind of machine charges most for. A line is added to the gathering buffer under a mutex, so
 * lines stay in the order their requests finished. Every LOG_FLUSH_MS a thread of its own
 * swaps in the other buffer and writes the full one outside that mutex, so requests do not
 * wait for the write; a request that finds the buffer full (more than LOG_BUFFER bytes of
 * lines within LOG_FLUSH_MS) writes it itself. `writing` orders the writes: taken before the
 * gathering mutex is let go, so the text leaves in the order it was gathered. The stop writes
 * what is left. Each write(2) is of whole lines and at most LOG_WRITE_MAX bytes (PIPE_BUF), so
 * that on a pipe no other writer's line can land inside one. Before the server starts and
 * after it stops (or if its thread could not start), each line is written at once. A crash
 * loses at most the last LOG_FLUSH_MS of lines. */
#define LOG_BUFFER (256 * 1024)
#define LOG_WRITE_MAX 4096
#define LOG_FLUSH_MS 20
static struct {
    pthread_mutex_t mutex;     /* the gathering buffer, its length, the flags */
    pthread_mutex_t writing;   /* held from a buffer's taking to the end of its write */
    pthread_cond_t wake;
    pthread_t flusher;
    int running, stopping;
    char *text;                /* the gathering buffer: one of `buffers` */
    size_t len;
    char buffers[2][LOG_BUFFER];
} request_log = {.mutex = PTHREAD_MUTEX_INITIALIZER, .writing = PTHREAD_MUTEX_INITIALIZER,
                 .wake = PTHREAD_COND_INITIALIZER};

static void write_lines(const char *text, size_t len)
{
    while (len > 0) {
        size_t part = len;
        if (part > LOG_WRITE_MAX) {   /* up to the last newline within the limit */
            part = LOG_WRITE_MAX;
            while (part > 0 && text[part - 1] != '\n')
                part--;
            if (part == 0)
                part = LOG_WRITE_MAX;
        }
        ssize_t n = write(STDERR_FILENO, text, part);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;   /* nowhere to log to: the lines are dropped, the requests are not held */
        text += n;
        len -= (size_t)n;
    }
}

/* With the gathering mutex held: the gathered text is written (under `writing`, after any
 * write of earlier text) and the buffer emptied. */
static void log_write_gathered(void)
{
    pthread_mutex_lock(&request_log.writing);
    write_lines(request_log.text, request_log.len);
    pthread_mutex_unlock(&request_log.writing);
    request_log.len = 0;
}

static void log_line(const char *line, size_t len)
{
    pthread_mutex_lock(&request_log.mutex);
    if (!request_log.running) {
        write_lines(line, len);
    } else {
        if (request_log.len + len > LOG_BUFFER)
            log_write_gathered();
        memcpy(request_log.text + request_log.len, line, len);
        request_log.len += len;
    }
    pthread_mutex_unlock(&request_log.mutex);
}

static void *log_flusher(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&request_log.mutex);
    while (!request_log.stopping) {
        /* on the clock `wake` waits on (log_start) */
        struct timespec until = sf_clock_after_ms(CLOCK_MONOTONIC, LOG_FLUSH_MS);
        pthread_cond_timedwait(&request_log.wake, &request_log.mutex, &until);
        if (request_log.len == 0)
            continue;
        /* the full buffer is taken and the other one gathers meanwhile */
        char *full = request_log.text;
        size_t len = request_log.len;
        request_log.text = full == request_log.buffers[0] ? request_log.buffers[1] : request_log.buffers[0];
        request_log.len = 0;
        pthread_mutex_lock(&request_log.writing);
        pthread_mutex_unlock(&request_log.mutex);
        write_lines(full, len);
        pthread_mutex_unlock(&request_log.writing);
        pthread_mutex_lock(&request_log.mutex);
    }
    pthread_mutex_unlock(&request_log.mutex);
    return NULL;
}

static void log_start(void)
{
    cond_on_monotonic_clock(&request_log.wake);   /* the log's flushes are not held either */
    pthread_mutex_lock(&request_log.mutex);
    request_log.text = request_log.buffers[0];
    request_log.len = 0;
    request_log.stopping = 0;
    request_log.running = pthread_create(&request_log.flusher, NULL, log_flusher, NULL) == 0;
    pthread_mutex_unlock(&request_log.mutex);
}

/* Everything gathered is written; lines are written at once from here on. */
static void log_stop(void)
{
    pthread_mutex_lock(&request_log.mutex);
    int running = request_log.running;
    request_log.stopping = 1;
    pthread_cond_signal(&request_log.wake);
    pthread_mutex_unlock(&request_log.mutex);
    if (running)
        pthread_join(request_log.flusher, NULL);
    pthread_mutex_lock(&request_log.mutex);
    if (running)
        log_write_gathered();
    request_log.running = 0;
    pthread_mutex_unlock(&request_log.mutex);
}

/* One JSON line per request on stderr (log_line: gathered, and never interleaved with another
 * line). Only the route pattern is logged: no query string, header or body, which may carry
 * secrets. Written by hand rather than by snprintf, which took most of the line's cost (issue
 * 18, point 5); the same text as before. */
static void log_request(const sf_ctx *ctx, const char *route, int status, double seconds)
{
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    const char *verb = ctx->req->http_verb ? ctx->req->http_verb : "";
    const char *client = client_request_id(ctx);
    size_t verb_len = strlen(verb), route_len = strlen(route), client_len = client ? strlen(client) : 0;
    char line[512];
    /* the fixed text, the numbers (at most 60 digits), the three strings */
    if (verb_len + route_len + client_len + 240 > sizeof line)
        return;
    long long micros = (long long)(seconds * 1e6 + 0.5);
    if (micros < 0)
        micros = 0;
    char *at = line;
    at = SF_PUT_LITERAL(at, "{\"ts\":\"");
    at = sf_put_uint(at, (unsigned)(tm.tm_year + 1900), 4);
    *at++ = '-';
    at = sf_put_uint(at, (unsigned)(tm.tm_mon + 1), 2);
    *at++ = '-';
    at = sf_put_uint(at, (unsigned)tm.tm_mday, 2);
    *at++ = 'T';
    at = sf_put_uint(at, (unsigned)tm.tm_hour, 2);
    *at++ = ':';
    at = sf_put_uint(at, (unsigned)tm.tm_min, 2);
    *at++ = ':';
    at = sf_put_uint(at, (unsigned)tm.tm_sec, 2);
    *at++ = '.';
    at = sf_put_uint(at, (unsigned long long)(now.tv_nsec / 1000000), 3);
    static const char middle[] = "Z\",\"level\":\"info\",\"event\":\"request\",\"method\":\"";
    at = sf_put(at, middle, sizeof middle - 1);
    at = sf_put(at, verb, verb_len);
    at = SF_PUT_LITERAL(at, "\",\"route\":\"");
    at = sf_put(at, route, route_len);
    at = SF_PUT_LITERAL(at, "\",\"status\":");
    at = sf_put_uint(at, (unsigned)(status < 0 ? 0 : status), 1);
    at = SF_PUT_LITERAL(at, ",\"duration_ms\":");
    at = sf_put_uint(at, (unsigned long long)(micros / 1000), 1);
    *at++ = '.';
    at = sf_put_uint(at, (unsigned long long)(micros % 1000), 3);
    at = SF_PUT_LITERAL(at, ",\"request_id\":\"");
    at = sf_put(at, ctx->request_id, SF_REQUEST_ID_LEN);
    *at++ = '"';
    if (client != NULL) {
        at = SF_PUT_LITERAL(at, ",\"client_request_id\":\"");
        at = sf_put(at, client, client_len);
        *at++ = '"';
    }
    at = SF_PUT_LITERAL(at, "}\n");
    log_line(line, (size_t)(at - line));
}

/* 413 for a body over the limit. Ulfius truncates oversized bodies silently, so the limit is
 * checked on the declared length and on what arrived (the server reads one byte more than
 * the limit, to tell "exactly at the limit" from "over it"). */
static size_t body_limit(const sf_ctx *ctx)
{
    const sf_config *c = ctx->app->config;
    return ctx->route && ctx->route->upload ? c->max_upload_bytes : c->max_body_bytes;
}

static int body_too_large(const sf_ctx *ctx)
{
    size_t max = body_limit(ctx);
    const char *declared = sf_header(ctx, "Content-Length");
    if (declared != NULL) {
        char *end;
        unsigned long long n = strtoull(declared, &end, 10);
        if (*end == '\0' && n > max)
            return 1;
    }
    return ctx->req->binary_body_length > max;
}

int sf_hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* What is wrong with the raw (percent-encoded) query value of `len` bytes at `v`, once decoded
 * (SF_E_NONE: nothing): not UTF-8 (Ulfius drops such a parameter: `?q=%FF` read as no `q` at
 * all, and listed everything), a hidden control (domain/text.h: an encoded NUL cut the value
 * Ulfius read, `?q=P30%00zzz` searched for "P30"), or, for a boolean of the contract, anything
 * but `true` or `false` (`?dry_run=yes` read as false, and imported). */
static sf_code raw_value_problem(const char *v, size_t len, int boolean)
{
    char small[64], *text = len < sizeof small ? small : malloc(len + 1), *at = text;
    if (text == NULL)
        return SF_E_NONE;   /* not judged; Ulfius's own reading stands */
    int nul = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '%' && i + 2 < len && sf_hex_digit(v[i + 1]) >= 0 && sf_hex_digit(v[i + 2]) >= 0) {
            *at = (char)(sf_hex_digit(v[i + 1]) * 16 + sf_hex_digit(v[i + 2]));
            i += 2;
        } else {
            *at = v[i] == '+' ? ' ' : v[i];
        }
        nul |= *at++ == '\0';
    }
    *at = '\0';
    sf_code why = sf_utf8_length(text) < 0 ? SF_E_NOT_UTF8
                  : nul || sf_text_has_hidden_controls(text) ? SF_E_HIDDEN_CONTROLS
                  : boolean && strcmp(text, "true") != 0 && strcmp(text, "false") != 0 ? SF_E_NOT_BOOLEAN
                                                                                     : SF_E_NONE;
    if (text != small)
        free(text);
    return why;
}

/* 422 naming every query parameter the route's operation does not declare (api/openapi.h):
 * `?sort=name&page=2` is refused, never silently ignored; every one given twice (Ulfius joined
 * the values with a comma: two file names read as "a.pdf,b.pdf"); and every one whose value is
 * wrong once decoded (raw_value_problem). Returns whether it answered. */
static int refuse_undeclared_query(sf_ctx *ctx)
{
    const char *q = strchr(ctx->req->http_url ? ctx->req->http_url : "", '?');
    sf_errors errors;
    sf_errors_init(&errors);
    enum { SEEN_MAX = 32 };
    const char *seen[SEEN_MAX];
    size_t seen_len[SEEN_MAX], nseen = 0;
    for (const char *p = q ? q + 1 : ""; *p; p += *p == '&') {
        size_t pair = strcspn(p, "&"), len = strcspn(p, "=&");
        char name[65];
        snprintf(name, sizeof name, "%.*s", (int)(len < 64 ? len : 64), p);
        int again = 0;
        for (size_t k = 0; k < nseen && !again; k++)
            again = seen_len[k] == len && strncmp(seen[k], p, len) == 0;
        if (!again && nseen < SEEN_MAX) {
            seen[nseen] = p;
            seen_len[nseen++] = len;
        }
        size_t route = (size_t)ctx->route->index;
        sf_code why;
        if (len > 0 && !sf_openapi_query_declared(route, p, len))
            sf_errors_add(&errors, name, SF_E_UNKNOWN_PARAMETER);
        else if (len > 0 && again)
            sf_errors_add(&errors, name, SF_E_PARAMETER_REPEATED);
        else if (len > 0 && (why = raw_value_problem(len < pair ? p + len + 1 : "", len < pair ? pair - len - 1 : 0,
                                                    sf_openapi_query_boolean(route, p, len))) != SF_E_NONE)
            /* a file name has its own code for what it may not hold (the contract's, and a form
             * part's: api/materials.c) */
            sf_errors_add(&errors, name, strcmp(name, "filename") == 0 && why == SF_E_HIDDEN_CONTROLS
                                             ? SF_E_FILENAME_INVALID : why);
        p += pair;
    }
    if (!sf_errors_any(&errors))
        return 0;
    sf_reply_errors(ctx, 422, SF_E_QUERY_INVALID, &errors);
    return 1;
}

/* 401: no bearer token, or one that is not valid. */
static void refuse_token(sf_ctx *ctx, int had_token)
{
    sf_set_header(ctx, "WWW-Authenticate",
                  had_token ? "Bearer realm=\"shifan\", error=\"invalid_token\"" : "Bearer realm=\"shifan\"");
    sf_reply_problem(ctx, 401, had_token ? SF_E_TOKEN_INVALID : SF_E_TOKEN_MISSING);
}

sf_session sf_session_of(const sf_ctx *ctx)
{
    sf_session s = {ctx->caller.user_id, ctx->session_unchecked ? ctx->caller.jti : NULL,
                    ctx->session_unchecked && ctx->caller.sid[0] != '\0' ? ctx->caller.sid : NULL};
    return s;
}

int sf_session_seen(sf_ctx *ctx, int live)
{
    ctx->session_unchecked = 0;
    if (!live)
        refuse_token(ctx, 1);
    return live;
}

/* A folded route's handler answered without checking the session: checked now, and its
 * answer replaced when the session has ended (or could not be checked). */
static void settle_session(sf_ctx *ctx)
{
    int valid = 0;
    sf_status status = sf_user_session_valid(ctx->app->pool, ctx->caller.user_id, ctx->caller.jti, ctx->caller.sid,
                                             &valid);
    ctx->session_unchecked = 0;
    if (status == SF_OK && valid)
        return;
    u_map_remove_from_key(ctx->res->map_header, "ETag");
    u_map_remove_from_key(ctx->res->map_header, "Location");
    if (status != SF_OK)
        sf_reply_status(ctx, status == SF_INTERNAL ? SF_INTERNAL : SF_UNAVAILABLE, SF_E_NONE, NULL);
    else
        refuse_token(ctx, 1);
}

static int authenticate(sf_ctx *ctx)
{
    const char *h = sf_header(ctx, "Authorization");
    const char *token = NULL;
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
        token = h + 7;
    long long expires_at;
    int valid = 0;
    sf_status status = SF_INVALID;
    if (token != NULL && strncmp(token, SF_API_TOKEN_PREFIX, strlen(SF_API_TOKEN_PREFIX)) == 0) {
        /* a script's API token: looked up by its hash; revoked or expired ones are gone */
        char hash[65];
        sf_api_token_hash(token, hash);
        status = sf_api_token_authenticate(ctx->app->pool, hash, &ctx->caller);
        valid = status == SF_OK;
        if (status == SF_NOT_FOUND)
            status = SF_INVALID;
    } else if (token != NULL) {
        status = sf_auth_verify(ctx->app->auth, token, (long long)time(NULL), &ctx->caller, &expires_at);
        if (status == SF_OK) {
            ctx->caller.token_expires_at = expires_at;
            if (ctx->route->access == SF_TOKEN_FOLDED) {   /* checked by the handler's read */
                ctx->session_unchecked = 1;
                valid = 1;
            } else {
                status = sf_user_session_valid(ctx->app->pool, ctx->caller.user_id, ctx->caller.jti, ctx->caller.sid,
                                               &valid);
            }
        }
    }
    /* the database could not say: 503 (or 500), never 401, which would tell a client whose
     * token is fine to log in again */
    if (status == SF_UNAVAILABLE || status == SF_INTERNAL) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return 0;
    }
    if (status != SF_OK || !valid) {
        refuse_token(ctx, token != NULL);
        return 0;
    }
    return 1;
}

static void finish(sf_ctx *ctx, const char *route_label, size_t route_index, const struct timespec *start)
{
    double elapsed = seconds_since(start);
    int status = (int)ctx->res->status;
    sf_metrics_observe(ctx->app->metrics, route_index, status, elapsed);
    log_request(ctx, route_label, status, elapsed);
}

/* Whether `path` fits the route pattern (":name" segments match any one segment). */
static int path_matches(const char *pattern, const char *path)
{
    /* A path written with percent-escapes fits no pattern: libmicrohttpd decodes it for the
     * decisions at header time, Ulfius routes it as written — "/v1/applications/a%2fb/materials"
     * was two segments for one and one for the other, so its body was dropped unread and the
     * handler answered as if none had come. No path of the contract needs an escape. */
    if (strchr(path, '%') != NULL)
        return 0;
    while (*pattern == '/' && *path == '/') {
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/"), len = strcspn(path, "/");
        if (*pattern == ':') {
            if (len == 0)
                return 0;
        } else if (plen != len || strncmp(pattern, path, len) != 0) {
            return 0;
        }
        pattern += plen;
        path += len;
    }
    return *pattern == '\0' && *path == '\0';   /* a trailing slash names another resource: 404 */
}

static void answer_unmatched(sf_ctx *ctx);

/* What a token whose password an administrator reset may reach (issue 14, item 6): who it
 * is, the change itself, and logging out; everything else answers 403 until the change. */
static int reachable_before_change(const sf_route *route)
{
    return route->handler == sf_get_me || route->handler == sf_post_me_password ||
           route->handler == sf_post_auth_revoke;
}

sf_code sf_route_refusal(const sf_caller *c, const sf_route *route, const char *method)
{
    if (c->password_change_required && !reachable_before_change(route))
        return SF_E_PASSWORD_CHANGE_REQUIRED;
    if (route->action >= 0 && !sf_role_may(c->role, (sf_action)route->action))
        return SF_E_ROLE_FORBIDDEN;
    if (c->api_token_id > 0 && (!sf_action_allows_api_token(route->action) ||
                                (strncmp(route->path, "/v1/api-tokens", 14) == 0 && strcmp(method, "GET") != 0)))
        return SF_E_TOKEN_NOT_ADMIN;
    if (c->api_token_id > 0 && !(c->scopes & sf_scope_needed(method, strncmp(route->path, "/v1/imports/", 12) == 0)))
        return SF_E_TOKEN_SCOPE_FORBIDDEN;
    return SF_E_NONE;
}

static int dispatch(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    sf_ctx ctx = {.app = the_app, .route = user_data, .req = req, .res = res, .start = start};
    const sf_route *route = ctx.route;
    if (route->upload == SF_UPLOAD_STREAMED)
        ctx.upload = current_upload;
    assign_request_id(&ctx);
    sf_set_header(&ctx, "X-Content-Type-Options", "nosniff");
    sf_set_header(&ctx, "Cache-Control", "no-store");
    sf_code refusal;
    /* While draining, requests already on open connections are still served, but each
     * answer closes its connection so the client's next request goes elsewhere. */
    if (atomic_load(&the_app->draining))
        sf_set_header(&ctx, "Connection", "close");
    if (body_too_large(&ctx)) {
        sf_set_header(&ctx, "Connection", "close");
        sf_reply_problem(&ctx, 413, SF_E_BODY_TOO_LARGE, SF_INT("max", body_limit(&ctx)));
    } else if (route->upload == SF_UPLOAD_STREAMED && (ctx.upload == NULL || ctx.upload->result != SF_UPLOAD_TAKEN)) {
        sf_reply_problem(&ctx, 503, SF_E_UPLOAD_NOT_STORED);   /* refused mid-body otherwise */
    } else if (route->upload && sf_upload_form_refused(&ctx)) {
        /* a malformed multipart body: 400, whoever sent it */
    } else if (route->access != SF_PUBLIC && !authenticate(&ctx)) {
        /* answered */
    } else if (route->access != SF_PUBLIC && (refusal = sf_route_refusal(&ctx.caller, route, req->http_verb)) != SF_E_NONE) {
        sf_reply_problem(&ctx, 403, refusal);
    } else if (refuse_undeclared_query(&ctx)) {
        /* answered */
    } else {
        route->handler(&ctx);
        if (ctx.deferred) {   /* answered once its hash is done (answer_resumed) */
            drop_answer = 1;
            return U_CALLBACK_COMPLETE;
        }
        sf_set_created_location(&ctx);
        /* A large body (an import, an upload) leaves tens of megabytes of freed parse
         * structures in this thread's malloc arena, and a large answer or a handler that says
         * so (ctx.trim_after: the statistics) megabytes of freed rows and JSON; give them
         * back, so that resident memory stays flat (issues 6 and 18: the statistics' reads
         * left 6 MB resident that a trim returns). Small requests never pay for a trim: the
         * periodic one has a thread of its own (trim_loop). */
        if (ctx.trim_after || req->binary_body_length > TRIM_AFTER_BODY_BYTES ||
            res->binary_body_length > TRIM_AFTER_BODY_BYTES)
            malloc_trim(0);
    }
    if (ctx.session_unchecked)   /* answered without the folded read: checked here */
        settle_session(&ctx);
    sf_cors_headers(&ctx);
    finish(&ctx, route->path, (size_t)route->index, &start);
    return U_CALLBACK_COMPLETE;
}

/* The methods `path` takes, e.g. "GET, HEAD, PUT", into `allow` ("" when none). Only the
 * routes of the first pattern that fits count: an earlier, more literal route shadows a
 * later pattern (/v1/calendar/working-days is not the PUT of /v1/calendar/:year). Every GET
 * also answers HEAD. */
static void allowed_methods(const char *path, char *allow, size_t size)
{
    const char *pattern = NULL;
    allow[0] = '\0';
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        if (pattern == NULL && path_matches(sf_routes[i].path, path))
            pattern = sf_routes[i].path;
        if (pattern == NULL || strcmp(sf_routes[i].path, pattern) != 0 || strstr(allow, sf_routes[i].method))
            continue;
        if (allow[0] != '\0')
            strncat(allow, ", ", size - strlen(allow) - 1);
        strncat(allow, sf_routes[i].method, size - strlen(allow) - 1);
        if (strcmp(sf_routes[i].method, "GET") == 0)
            strncat(allow, ", HEAD", size - strlen(allow) - 1);
    }
    if (allow[0] != '\0')   /* every path that exists answers OPTIONS too */
        strncat(allow, ", OPTIONS", size - strlen(allow) - 1);
}

/* No route matched: 405 with Allow if the path exists under other methods, else 404; an
 * OPTIONS request is answered here (api/cors.c). */
static void answer_unmatched(sf_ctx *ctx)
{
    char allow[128];
    allowed_methods(ctx->req->url_path, allow, sizeof allow);
    if (strcmp(ctx->req->http_verb, "OPTIONS") == 0) {
        sf_cors_preflight(ctx, allow);
    } else if (allow[0] != '\0') {
        sf_set_header(ctx, "Allow", allow);
        sf_reply_problem(ctx, 405, SF_E_METHOD_NOT_ALLOWED);
    } else {
        sf_reply_problem(ctx, 404, SF_E_NOT_FOUND);
    }
}

static int unmatched(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    sf_ctx ctx = {.app = the_app, .route = NULL, .req = req, .res = res};
    assign_request_id(&ctx);
    sf_set_header(&ctx, "X-Content-Type-Options", "nosniff");
    sf_set_header(&ctx, "Cache-Control", "no-store");   /* a 404 or 405 is cacheable by default */
    answer_unmatched(&ctx);
    sf_cors_headers(&ctx);
    finish(&ctx, "unmatched", sf_route_count(), &start);
    return U_CALLBACK_COMPLETE;
}

/* ---- decisions at header time (issue 14, item 2) ----
 *
 * Ulfius reads a request's whole body — up to the largest limit of any route, the upload
 * limit — before it calls shifan's dispatcher, whatever the route and whether or not the
 * request carries a token. So what can be decided from the request line and the headers is
 * decided before the body is read: a declared Content-Length over the route's own limit
 * answers 413, and a route that needs a token answers 401 when the request has none or one
 * that cannot be valid (a JWT whose signature or claims fail, an API token of the wrong
 * shape); the body is then never read, and the connection closes after the answer. Whether
 * the token is still valid (its session, its user) is checked by the dispatcher, as before.
 *
 * libulfius 2.7 keeps its libmicrohttpd access handler to itself (a static function it hands
 * to MHD_start_daemon). shifan therefore defines MHD_start_daemon: the dynamic linker binds
 * libulfius's call to this definition, which starts libmicrohttpd through MHD_start_daemon_va
 * with early_access in front of Ulfius's handler. Each request's per-request value is shifan's
 * (request_started), holding Ulfius's own, which Ulfius's callbacks get unchanged. */

typedef struct {
    void *ulfius;   /* Ulfius's per-request value: what its URI logger answered, then its own */
    int checked;    /* the headers were looked at */
    int answered;   /* refused at header time: the body is not Ulfius's to read */
    const sf_route *route;     /* NULL: none (the body is dropped: no answer then reads it) */
    sf_upload_stream *upload;  /* an SF_UPLOAD_STREAMED route's body, as it arrives */
    size_t reserved;           /* bytes counted in the_app->buffered_bytes for this request */
    size_t received;           /* body bytes handed to Ulfius, or to the upload's stream */
    int refusal;               /* decided mid-body, to be answered when the body ends */
    sf_code refusal_code;
    struct MHD_Connection *connection;
    struct pending *pending;   /* deferred by sf_hash_then; NULL: never */
    int escaped_path;          /* the path as sent holds a percent-escape: it fits no route (path_matches) */
} request_state;

/* The request whose final call runs on this thread (sf_hash_then finds it by this). */
static _Thread_local request_state *current_request;

/* The client's address as libmicrohttpd holds it, for the request whose final call runs on
 * this thread; NULL when there is none. */
static const struct sockaddr *connection_peer(void)
{
    if (current_request == NULL || current_request->connection == NULL)
        return NULL;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(current_request->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info != NULL ? info->client_addr : NULL;
}

static MHD_AccessHandlerCallback ulfius_access;
static void *ulfius_access_cls;

/* The per-request value of a request whose own could not be allocated: it is answered 500 at
 * once, written out in advance (nothing to allocate), and its body dropped. */
static request_state out_of_memory;
static char OUT_OF_MEMORY_ANSWER[] =   /* not const: MHD takes a void *; never written */
    "{\"type\":\"urn:shifan:problem:internal\",\"title\":\"Internal Server Error\",\"status\":500,"
    "\"detail\":\"an unexpected error occurred; the request id identifies it in the server log\"}";

static void answer_out_of_memory(struct MHD_Connection *connection)
{
    struct MHD_Response *answer = MHD_create_response_from_buffer(sizeof OUT_OF_MEMORY_ANSWER - 1,
                                                                  OUT_OF_MEMORY_ANSWER, MHD_RESPMEM_PERSISTENT);
    if (answer == NULL)
        return;
    MHD_add_response_header(answer, "Content-Type", "application/problem+json");
    MHD_add_response_header(answer, "Connection", "close");
    MHD_queue_response(connection, 500, answer);   /* refused, harmlessly, if one is queued already */
    MHD_destroy_response(answer);
}

/* The route a request line names, as route() will dispatch it; NULL for none. */
static sf_route *route_for(const char *method, const char *path);

/* Whether a bearer token could be valid, judged without the database: a JWT that verifies
 * (signature, algorithm, claims, expiry), or an API token of the right shape. */
static int token_could_be_valid(const char *authorization)
{
    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
        return 0;
    const char *token = authorization + 7;
    if (strncmp(token, SF_API_TOKEN_PREFIX, strlen(SF_API_TOKEN_PREFIX)) == 0)
        return strlen(token) == SF_API_TOKEN_LEN;
    sf_caller caller;
    long long expires_at;
    /* memory running out is not the token's fault: the dispatcher decides then */
    return sf_auth_verify(the_app->auth, token, (long long)time(NULL), &caller, &expires_at) != SF_INVALID;
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    u_map_put(((struct _u_request *)cls)->map_header, key, value);
    return MHD_YES;
}

/* Counts `n` more bytes of request bodies held in memory: 0, and nothing counted, when that
 * would pass SHIFAN_MAX_BUFFERED_BYTES. */
static int buffer_reserve(size_t n)
{
    size_t max = the_app->config->max_buffered_bytes;
    size_t now = atomic_load(&the_app->buffered_bytes);
    do {
        if (n > max || now > max - n)
            return 0;
    } while (!atomic_compare_exchange_weak(&the_app->buffered_bytes, &now, now + n));
    return 1;
}

/* A request for an answer given outside Ulfius: the connection's headers, `method`, `path`
 * and the client's address; clean it with request_clean. */
static void request_of(struct MHD_Connection *connection, const char *method, const char *path, struct _u_request *req)
{
    ulfius_init_request(req);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, copy_header, req);
    free(req->http_verb);
    free(req->url_path);
    req->http_verb = strdup(method);
    req->url_path = strdup(path);
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *peer = info != NULL ? info->client_addr : NULL;
    size_t len = peer == NULL ? 0 : peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                  : peer->sa_family == AF_INET ? sizeof(struct sockaddr_in) : 0;
    if (len > 0 && (req->client_address = malloc(sizeof(struct sockaddr_storage))) != NULL)
        memcpy(req->client_address, peer, len);
}

/* Cleans what request_of made: the fields it allocated are freed here, by the allocator that
 * made them (tests/test_alloc.c counts this file's allocations), the rest by Ulfius. */
static void request_clean(struct _u_request *req)
{
    free(req->http_verb);
    free(req->url_path);
    free(req->client_address);
    req->http_verb = req->url_path = NULL;
    req->client_address = NULL;
    ulfius_clean_request(req);
}

/* Queues `res` as the connection's answer; whether libmicrohttpd took it. */
static int queue_answer(struct MHD_Connection *connection, const struct _u_response *res)
{
    struct MHD_Response *answer = MHD_create_response_from_buffer(res->binary_body_length, res->binary_body,
                                                                  MHD_RESPMEM_MUST_COPY);
    if (answer == NULL)
        return 0;
    const char **keys = u_map_enum_keys(res->map_header);
    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
        MHD_add_response_header(answer, keys[i], u_map_get(res->map_header, keys[i]));
    int queued = MHD_queue_response(connection, (unsigned)res->status, answer) == MHD_YES;
    MHD_destroy_response(answer);
    return queued;
}

/* Answers the request now, as the dispatcher would have (problem+json, request ids, CORS,
 * metrics, the log line), and closes the connection after the answer: 413, 401, or 503 with
 * `code` (and Retry-After). Returns whether libmicrohttpd took the answer. */
static int answer_early(struct MHD_Connection *connection, const sf_route *route, const char *method,
                        const char *path, int status, int had_token, sf_code code)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct _u_request req;
    struct _u_response res;
    request_of(connection, method, path, &req);
    ulfius_init_response(&res);
    sf_ctx ctx = {.app = the_app, .route = route, .req = &req, .res = &res};
    assign_request_id(&ctx);
    sf_set_header(&ctx, "X-Content-Type-Options", "nosniff");
    sf_set_header(&ctx, "Cache-Control", "no-store");
    sf_set_header(&ctx, "Connection", "close");
    if (status == 413)
        sf_reply_problem(&ctx, 413, SF_E_BODY_TOO_LARGE, SF_INT("max", body_limit(&ctx)));
    else if (status == 401)
        refuse_token(&ctx, had_token);
    else
        sf_reply_problem(&ctx, status, code);
    sf_cors_headers(&ctx);
    int queued = queue_answer(connection, &res);
    if (queued)
        finish(&ctx, route ? route->path : "unmatched", route ? (size_t)route->index : sf_route_count(), &start);
    request_clean(&req);
    ulfius_clean_response(&res);
    return queued;
}

/* ---- hashing without holding a worker (issue 14, item 1; server.h, sf_hash_then) ----
 *
 * The handler's request is suspended (MHD_suspend_connection, from within the access
 * handler, the one place libmicrohttpd allows it) before its hash is queued, so that the
 * hashing pool's MHD_resume_connection (from its keeper thread, api/auth.c) always follows
 * the suspension; the answer Ulfius
 * builds for the handler's call is dropped. When resumed, libmicrohttpd calls the access
 * handler again and early_access answers through `then` (answer_resumed), outside Ulfius,
 * the way answer_early does. What the hash reads and what `then` needs live in a `pending`
 * that the request and the hashing job each hold a reference to, so neither outlives the
 * other's use of it; the connection itself cannot go while it is suspended (libmicrohttpd
 * neither times out nor notices the close of a suspended connection), and sf_server_stop
 * has every suspended connection resumed before libmicrohttpd stops. */
typedef struct pending {
    atomic_int refs;            /* the request's, and its hashing job's while it is out */
    sf_hash_job job;
    struct MHD_Connection *connection;
    const sf_route *route;
    sf_caller caller;
    char request_id[sizeof ((sf_ctx *)0)->request_id];
    struct timespec start;
    int session_unchecked;
    int (*work)(void *saved);
    sf_hashed then;
    void *saved;
    void (*free_saved)(void *saved);
    sf_status status;           /* the hash's outcome, written before the resumption */
    int result;
} pending;

/* Connections suspended and not yet resumed. */
static atomic_int suspended_connections;

static void pending_release(pending *p)
{
    if (atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    if (p->free_saved != NULL)
        p->free_saved(p->saved);
    free(p);
}

/* On a hashing thread. */
static int pending_work(void *arg)
{
    pending *p = arg;
    return p->work(p->saved);
}

/* On the hashing pool's keeper thread (or on the worker, refused at once; or on the thread
 * that closes hashing, sf_auth_hash_close): the outcome kept, the job's
 * reference given up — never the last, the request keeping its own until it completes, which
 * is after its resumption — and the connection resumed; `p` is not touched after that. */
static void pending_done(void *arg, sf_status status, int result)
{
    pending *p = arg;
    struct MHD_Connection *connection = p->connection;
    p->status = status;
    p->result = result;
    pending_release(p);
    MHD_resume_connection(connection);
    atomic_fetch_sub(&suspended_connections, 1);
}

/* Where a deferred job goes: the hashing queue (held: in the place sf_auth_hash_hold kept), or
 * the errands' pool of a kind (api/auth.h). */
typedef enum { TO_HASHING, TO_HASHING_HELD, TO_ERRANDS } job_queue;

static sf_status submit(sf_auth *auth, job_queue queue, sf_errand_kind kind, const char *client, sf_hash_job *job,
                        int (*work)(void *arg), void (*done)(void *arg, sf_status status, int result), void *arg)
{
    switch (queue) {
    case TO_HASHING:
        return sf_auth_hash_submit(auth, client, job, work, done, arg);
    case TO_HASHING_HELD:
        return sf_auth_hash_submit_held(auth, client, job, work, done, arg);
    case TO_ERRANDS:
        break;
    }
    return sf_auth_errand_submit(auth, kind, client, job, work, done, arg);
}

/* sf_hash_then and sf_errand_then: the request suspended and `work` handed to the queue's pool. */
static void defer_then(sf_ctx *ctx, job_queue queue, sf_errand_kind kind, const char *client,
                       int (*work)(void *saved), sf_hashed then, void *saved, void (*free_saved)(void *saved))
{
    request_state *state = current_request;
    pending *p = state != NULL ? state->pending : NULL;
    if (state != NULL && p == NULL && (p = calloc(1, sizeof *p)) != NULL) {
        atomic_init(&p->refs, 1);
        p->connection = state->connection;
        p->start = ctx->start;
        state->pending = p;
    }
    if (p == NULL) {   /* memory ran out; or no request to suspend: a handler called outside the server (fuzz/) */
        if (free_saved != NULL)
            free_saved(saved);
        sf_reply_status(ctx, state != NULL ? SF_INTERNAL : SF_UNAVAILABLE, SF_E_NONE, NULL);
        return;
    }
    if (p->saved != saved && p->free_saved != NULL)
        p->free_saved(p->saved);
    p->saved = saved;
    p->free_saved = free_saved;
    p->work = work;
    p->then = then;
    p->route = ctx->route;
    p->caller = ctx->caller;
    p->session_unchecked = ctx->session_unchecked;
    memcpy(p->request_id, ctx->request_id, sizeof p->request_id);
    ctx->deferred = 1;
    MHD_suspend_connection(p->connection);
    atomic_fetch_add(&suspended_connections, 1);
    atomic_fetch_add(&p->refs, 1);
    if (submit(ctx->app->auth, queue, kind, client, &p->job, pending_work, pending_done, p) != SF_OK)
        pending_done(p, SF_UNAVAILABLE, 0);   /* answered as soon as this worker is back in its loop */
}

void sf_hash_then(sf_ctx *ctx, const char *client, int (*work)(void *saved), sf_hashed then, void *saved,
                  void (*free_saved)(void *saved))
{
    defer_then(ctx, TO_HASHING, SF_ERRAND_LOGIN, client, work, then, saved, free_saved);
}

void sf_hash_then_held(sf_ctx *ctx, const char *client, int (*work)(void *saved), sf_hashed then, void *saved,
                       void (*free_saved)(void *saved))
{
    defer_then(ctx, TO_HASHING_HELD, SF_ERRAND_LOGIN, client, work, then, saved, free_saved);
}

void sf_errand_then(sf_ctx *ctx, sf_errand_kind kind, const char *client, int (*work)(void *saved), sf_hashed then,
                    void *saved, void (*free_saved)(void *saved))
{
    defer_then(ctx, TO_ERRANDS, kind, client, work, then, saved, free_saved);
}

int sf_errand_ran(sf_ctx *ctx, sf_status ran)
{
    if (ran == SF_OK)
        return 1;
    sf_reply_problem(ctx, 503, SF_E_REQUESTS_BUSY);
    return 0;
}

/* The resumed request's answer, by its `then`: as the dispatcher would answer it. */
static enum MHD_Result answer_resumed(struct MHD_Connection *connection, request_state *state, const char *method,
                                      const char *path)
{
    pending *p = state->pending;
    struct _u_request req;
    struct _u_response res;
    request_of(connection, method, path, &req);
    int have_res = ulfius_init_response(&res) == U_OK;
    if (!have_res || req.http_verb == NULL || req.url_path == NULL) {
        /* memory ran out: 500 (an attempt the login reserved stands, as when its release fails) */
        request_clean(&req);
        if (have_res)
            ulfius_clean_response(&res);
        answer_out_of_memory(connection);
        return MHD_YES;
    }
    sf_ctx ctx = {.app = the_app, .route = p->route, .req = &req, .res = &res, .caller = p->caller,
                  .start = p->start, .session_unchecked = p->session_unchecked};
    memcpy(ctx.request_id, p->request_id, sizeof ctx.request_id);
    request_id_headers(&ctx);
    sf_set_header(&ctx, "X-Content-Type-Options", "nosniff");
    sf_set_header(&ctx, "Cache-Control", "no-store");
    if (atomic_load(&the_app->draining))
        sf_set_header(&ctx, "Connection", "close");
    current_request = state;
    p->then(&ctx, p->saved, p->status, p->result);
    current_request = NULL;
    int queued = 1;
    if (!ctx.deferred) {
        sf_set_created_location(&ctx);
        if (ctx.session_unchecked)
            settle_session(&ctx);
        sf_cors_headers(&ctx);
        queued = queue_answer(connection, &res);
        if (queued)
            finish(&ctx, p->route->path, (size_t)p->route->index, &p->start);
    }
    request_clean(&req);
    ulfius_clean_response(&res);
    return queued ? MHD_YES : MHD_NO;
}

/* Ulfius queues the answer of every call of its dispatcher; that of a handler which deferred
 * its answer is dropped here (libulfius's call binds to this definition, as for
 * MHD_start_daemon below). */
static enum MHD_Result (*mhd_queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
    if (drop_answer) {
        drop_answer = 0;
        return MHD_YES;
    }
    return mhd_queue_response != NULL ? mhd_queue_response(connection, status_code, response) : MHD_NO;
}

/* Counts the Content-Length headers of a request (an iterator of MHD_get_connection_values). */
static enum MHD_Result count_lengths(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        ++*(int *)cls;
    return MHD_YES;
}

/* What the request line and headers decide: 400, 413, 401 or 503 answered now (returns 1), or
 * nothing (0: the body is read — to a file for a streamed upload, past its first
 * SF_UPLOAD_IN_MEMORY bytes, else by Ulfius; what is held in memory counted in the bound on
 * buffered bytes — and the dispatcher decides). */
static int decided_at_header_time(struct MHD_Connection *connection, const char *method, const char *path,
                                  request_state *state)
{
    const sf_route *route = state->escaped_path ? NULL : route_for(method, path);
    /* two lengths (RFC 9112 §6.3), whatever the path: libmicrohttpd reads the first; a proxy
     * that reads the last would see another request in what follows the body */
    int lengths = 0;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, count_lengths, &lengths);
    if (lengths > 1) {
        answer_early(connection, route, method, path, 400, 0, SF_E_BAD_REQUEST);
        return 1;
    }
    if (route == NULL)
        return 0;
    const sf_config *c = the_app->config;
    size_t limit = route->upload ? c->max_upload_bytes : c->max_body_bytes;
    const char *declared = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long length = 0;
    if (declared != NULL) {
        char *end;
        unsigned long long n = strtoull(declared, &end, 10);
        if (*end == '\0' && n > limit) {
            answer_early(connection, route, method, path, 413, 0, SF_E_NONE);
            return 1;
        }
        length = *end == '\0' ? n : 0;
    }
    const char *authorization = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (route->access != SF_PUBLIC && !token_could_be_valid(authorization)) {
        answer_early(connection, route, method, path, 401, authorization != NULL, SF_E_NONE);
        return 1;
    }
    state->route = route;
    /* an upload streams to a file once it outgrows memory: what it may hold in memory until
     * then (SF_UPLOAD_IN_MEMORY) is what it counts in the bound */
    if (route->upload == SF_UPLOAD_STREAMED && length > SF_UPLOAD_IN_MEMORY)
        length = SF_UPLOAD_IN_MEMORY;
    /* the declared length is reserved whole now: a body the bound cannot hold is refused
     * before any of it is read; a chunked one is counted as it arrives */
    if (length > 0 && !buffer_reserve((size_t)length)) {
        answer_early(connection, route, method, path, 503, 0, SF_E_BODIES_BUSY);
        return 1;
    }
    state->reserved = (size_t)length;
    if (route->upload == SF_UPLOAD_STREAMED) {
        const char *type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        state->upload = sf_upload_stream_open(c->data_dir, type, limit);
        if (state->upload == NULL) {
            answer_early(connection, route, method, path, 503, 0, SF_E_UPLOAD_NOT_STORED);
            return 1;
        }
    }
    return 0;
}

/* Refuses a request whose body is still arriving: at once if libmicrohttpd takes an answer
 * now, else when the body has ended (what arrives until then is dropped). The upload's file,
 * if any, is closed now. */
static void refuse_mid_body(struct MHD_Connection *connection, request_state *state, const char *method,
                            const char *path, int status, sf_code code)
{
    sf_upload_stream_free(state->upload);
    state->upload = NULL;
    if (answer_early(connection, state->route, method, path, status, 0, code)) {
        state->answered = 1;
    } else {
        state->refusal = status;
        state->refusal_code = code;
    }
}

/* A piece of the body: written to the upload's file, or handed to Ulfius when the bound on
 * buffered bytes has room for it, or dropped when no route will read it. */
static enum MHD_Result body_arrived(struct MHD_Connection *connection, request_state *state, const char *url,
                                    const char *method, const char *version, const char *data, size_t *size)
{
    size_t len = *size;
    if (state->refusal != 0 || state->route == NULL) {
        *size = 0;
        return MHD_YES;
    }
    /* what the request holds in memory counts in the bound, beyond what its declared length
     * reserved (a chunked body, as it arrives): a body all of it, an upload its first
     * SF_UPLOAD_IN_MEMORY bytes (it streams to a file after them) */
    state->received += len;
    size_t held = state->upload != NULL && state->received > SF_UPLOAD_IN_MEMORY ? SF_UPLOAD_IN_MEMORY
                                                                                  : state->received;
    if (held > state->reserved) {
        if (!buffer_reserve(held - state->reserved)) {
            *size = 0;
            refuse_mid_body(connection, state, method, url, 503, SF_E_BODIES_BUSY);
            return MHD_YES;
        }
        state->reserved = held;
    }
    if (state->upload != NULL) {
        *size = 0;
        sf_upload_result r = sf_upload_stream_write(state->upload, data, len);
        if (r == SF_UPLOAD_TOO_LARGE)
            refuse_mid_body(connection, state, method, url, 413, SF_E_NONE);
        else if (r == SF_UPLOAD_FAILED)
            refuse_mid_body(connection, state, method, url, 503, SF_E_UPLOAD_NOT_STORED);
        return MHD_YES;
    }
    return ulfius_access(ulfius_access_cls, connection, url, method, version, data, size, &state->ulfius);
}

static enum MHD_Result early_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                    const char *version, const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    (void)cls;
    request_state *state = *con_cls;
    if (state == NULL)   /* not ours (no URI logger ran): Ulfius's alone */
        return ulfius_access(ulfius_access_cls, connection, url, method, version, upload_data, upload_data_size,
                             con_cls);
    if (state == &out_of_memory) {
        if (*upload_data_size == 0)
            answer_out_of_memory(connection);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!state->checked) {
        state->checked = 1;
        state->connection = connection;
        if (decided_at_header_time(connection, method, url, state)) {
            state->answered = 1;
            return MHD_YES;
        }
        return ulfius_access(ulfius_access_cls, connection, url, method, version, upload_data, upload_data_size,
                             &state->ulfius);
    }
    if (state->answered) {   /* whatever of the body arrives is dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0)
        return body_arrived(connection, state, url, method, version, upload_data, upload_data_size);
    /* the body has ended */
    if (state->refusal != 0) {
        answer_early(connection, state->route, method, url, state->refusal, 0, state->refusal_code);
        state->answered = 1;
        return MHD_YES;
    }
    if (state->pending != NULL)   /* resumed: its hash is done */
        return answer_resumed(connection, state, method, url);
    current_upload = state->upload ? sf_upload_stream_end(state->upload) : NULL;
    current_request = state;
    enum MHD_Result rc = ulfius_access(ulfius_access_cls, connection, url, method, version, upload_data,
                                       upload_data_size, &state->ulfius);
    current_request = NULL;
    current_upload = NULL;
    if (state->pending != NULL) {   /* suspended (sf_hash_then) */
        drop_answer = 0;
        return MHD_YES;
    }
    return rc;
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    ulfius_access = dh;
    ulfius_access_cls = dh_cls;
    struct MHD_Daemon *daemon = MHD_start_daemon_va(flags, port, apc, apc_cls, early_access, NULL, ap);
    va_end(ap);
    return daemon;
}

/* Routing is shifan's own (issue 18, point 5): Ulfius matched each request against each of
 * its 141 endpoints (a HEAD beside each GET), splitting every pattern anew — a third of a
 * request's CPU. The first route whose pattern fits the path decides the pattern (an
 * earlier, more literal route shadows a later one: PUT /v1/calendar/working-days is not PUT
 * /v1/calendar/:year); among that pattern's routes, the request's method (HEAD: the GET's
 * handler and headers; libmicrohttpd sends no body). None: 405 with Allow, or 404
 * (answer_unmatched). Path variables are read from the path by the route's pattern
 * (sf_path_id). */
/* The slashes of each route's pattern (set at start; ANY_SLASHES: not known): a path with
 * another count cannot fit it, which spares path_matches — walking the table pattern by
 * pattern took a tenth of a registry hit's CPU (issue 18, point 5). */
#define ROUTE_SLASHES_MAX 256
#define ANY_SLASHES 0xFF
static unsigned char route_slashes[ROUTE_SLASHES_MAX];

static unsigned slashes_of(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '/';
    return n;
}

static sf_route *route_for(const char *method, const char *path)
{
    const char *pattern = NULL;
    int head = strcmp(method, "HEAD") == 0;
    unsigned slashes = path != NULL ? slashes_of(path) : 0;
    for (size_t i = 0; path != NULL && sf_routes[i].method != NULL; i++) {
        if (pattern == NULL) {
            if (i < ROUTE_SLASHES_MAX && route_slashes[i] != ANY_SLASHES && route_slashes[i] != slashes)
                continue;
            if (!path_matches(sf_routes[i].path, path))
                continue;
            pattern = sf_routes[i].path;
        } else if (strcmp(sf_routes[i].path, pattern) != 0) {
            continue;
        }
        if (strcmp(sf_routes[i].method, method) == 0 || (head && strcmp(sf_routes[i].method, "GET") == 0))
            return &sf_routes[i];
    }
    return NULL;
}

static int route(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    sf_route *found = route_for(req->http_verb, req->url_path);
    return found != NULL ? dispatch(req, res, found) : unmatched(req, res, user_data);
}

/* In-flight accounting around libmicrohttpd's request life cycle, wrapping Ulfius's own
 * callbacks (which ulfius_start_framework_with_mhd_options requires); the per-request value
 * is shifan's, holding Ulfius's. */
static void *request_started(void *cls, const char *uri, struct MHD_Connection *connection)
{
    atomic_fetch_add(&the_app->in_flight, 1);
    request_state *state = calloc(1, sizeof *state);
    void *inner = ulfius_uri_logger(cls, uri);
    if (state == NULL) {   /* Ulfius's value (its request being built) is released as Ulfius would */
        mhd_request_completed(cls, connection, &inner, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return &out_of_memory;
    }
    state->ulfius = inner;
    /* libmicrohttpd hands the header-time decisions the path decoded ("%31" read as "1"):
     * whether it had an escape is known only here, from the URI as sent */
    const char *escape = uri != NULL ? strchr(uri, '%') : NULL;
    state->escaped_path = escape != NULL && escape < uri + strcspn(uri, "?");
    return state;
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    request_state *state = con_cls ? *con_cls : NULL;
    void *none = NULL;
    if (state == &out_of_memory)
        mhd_request_completed(cls, connection, &none, toe);
    else
        mhd_request_completed(cls, connection, state ? &state->ulfius : con_cls, toe);
    if (state != NULL && state != &out_of_memory) {   /* the file goes, the reserved bytes are free again */
        sf_upload_stream_free(state->upload);
        atomic_fetch_sub(&the_app->buffered_bytes, state->reserved);
        if (state->pending != NULL)
            pending_release(state->pending);
        free(state);
    }
    atomic_fetch_sub(&the_app->in_flight, 1);
}

int sf_server_start(sf_app *app, struct _u_instance *instance)
{
    const sf_config *config = app->config;
    the_app = app;
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addr = NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", config->port);
    if (getaddrinfo(config->listen_address, port, &hints, &addr) != 0 || addr == NULL) {
        fprintf(stderr, "shifan: SHIFAN_LISTEN_ADDRESS must be a numeric IPv4 or IPv6 address\n");
        return -1;
    }
    if (ulfius_init_instance(instance, (unsigned)config->port, NULL, NULL) != U_OK) {
        freeaddrinfo(addr);
        return -1;
    }
    size_t largest = config->max_body_bytes > config->max_upload_bytes ? config->max_body_bytes : config->max_upload_bytes;
    instance->max_post_body_size = largest + 1;
    instance->timeout = (unsigned)config->idle_timeout_s;
    /* bodies stay raw: multipart uploads are parsed by api/multipart.c, which answers 400
     * for a malformed one (libmicrohttpd's post processor closed the connection instead) */
    instance->allowed_post_processor = U_POST_PROCESS_NONE;
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        sf_routes[i].index = (int)i;
        if (i < ROUTE_SLASHES_MAX) {
            unsigned n = slashes_of(sf_routes[i].path);
            route_slashes[i] = (unsigned char)(n < ANY_SLASHES ? n : ANY_SLASHES);
        }
        sf_metrics_label(app->metrics, i, sf_routes[i].method, sf_routes[i].path);
    }
    /* every request comes to route(): Ulfius registers no endpoint of ours */
    ulfius_set_default_endpoint(instance, route, NULL);

    void *real = dlsym(RTLD_NEXT, "MHD_queue_response");   /* libmicrohttpd's own (ISO C: copied, not cast) */
    memcpy(&mhd_queue_response, &real, sizeof real);
    if (real == NULL) {
        fprintf(stderr, "shifan: libmicrohttpd's MHD_queue_response not found\n");
        freeaddrinfo(addr);
        ulfius_clean_instance(instance);
        return -1;
    }
    /* suspend and resume: a request waiting for its password hash lets its worker go */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (addr->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, config->threads, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, config->idle_timeout_s, NULL},
        /* a connection beyond the limit of its address is closed as soon as it is accepted;
         * this also bounds what one slow client can hold, since the idle timeout above only
         * counts silence and a client trickling a byte at a time is never silent long enough */
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->max_connections_per_client, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, addr->ai_addr},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)request_started, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    log_start();
    trim_start();
    int rc = ulfius_start_framework_with_mhd_options(instance, flags, options);
    freeaddrinfo(addr);
    if (rc != U_OK) {
        trim_stop();
        log_stop();
        fprintf(stderr, "shifan: cannot listen on %s port %d\n", config->listen_address, config->port);
        ulfius_clean_instance(instance);
        return -1;
    }
    return 0;
}

/* Cancels the pools' running statements every 100 ms until told to stop, on a thread of its
 * own: PQcancel waits for the server, and a hung one (a stopped postmaster) never answers. */
typedef struct {
    sf_app *app;
    atomic_int stop;
} canceller;

static void *cancel_loop(void *p)
{
    canceller *c = p;
    struct timespec pause = {0, 100 * 1000000L};
    while (!atomic_load(&c->stop)) {
        sf_pool_cancel_all(c->app->pool);
        if (c->app->read_pool != c->app->pool)
            sf_pool_cancel_all(c->app->read_pool);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* The stop cannot wait for what waits on a database that hangs: the process ends, exit status
 * 1, its connections close and the server rolls their transactions back. */
static void abandon_shutdown(long in_flight)
{
    fprintf(stderr, "{\"level\":\"error\",\"event\":\"shutdown_abandoned\",\"in_flight\":%ld}\n", in_flight);
    log_stop();
    _exit(EXIT_FAILURE);
}

void sf_server_stop(sf_app *app, struct _u_instance *instance)
{
    atomic_store(&app->draining, 1);
    /* stop accepting; connections already open may finish what they sent */
    MHD_socket listener = MHD_quiesce_daemon(instance->mhd_daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    struct timespec start, pause = {0, 10 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&app->in_flight) > 0 && seconds_since(&start) < app->config->shutdown_timeout_s)
        nanosleep(&pause, NULL);
    /* Requests still running after SHIFAN_SHUTDOWN_TIMEOUT are most likely waiting inside the
     * database (a lock another client holds, say) and would keep the process alive for ever:
     * their statements are cancelled (again every 100 ms: a request may have moved on to its
     * next statement), so that they roll back and answer 503, and the stop goes on. */
    if (atomic_load(&app->in_flight) > 0) {
        fprintf(stderr, "{\"level\":\"warn\",\"event\":\"shutdown_timeout\",\"in_flight\":%ld}\n",
                atomic_load(&app->in_flight));
        sf_auth_hash_close(app->auth);   /* logins still waiting for a hashing thread answer 503 */
        static canceller c;   /* static: a canceller left hanging never reads freed memory */
        c.app = app;
        atomic_store(&c.stop, 0);
        pthread_t thread;
        /* a database that hangs answers no cancel: the readiness guard gives up its statements */
        int cancelling = !sf_readiness_hung(app->readiness) && pthread_create(&thread, NULL, cancel_loop, &c) == 0;
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (atomic_load(&app->in_flight) > 0 && seconds_since(&start) < app->config->cancel_grace_s)
            nanosleep(&pause, NULL);
        atomic_store(&c.stop, 1);
        int in_database = sf_pool_checked_out(app->pool) +
                          (app->read_pool != app->pool ? sf_pool_checked_out(app->read_pool) : 0);
        if (atomic_load(&app->in_flight) > 0 && in_database > 0) {
            /* statements that neither end nor take the cancel for SHIFAN_CANCEL_GRACE: the database
             * hangs (from an outside review: a stopped postmaster kept shifan for as long as
             * it was stopped). Their threads cannot be stopped, nor waited for: the process
             * ends here, its connections close, and the server rolls their transactions back.
             * (Requests still only sending or receiving bytes are closed by the stop below.) */
            abandon_shutdown(atomic_load(&app->in_flight));
        }
        /* the canceller ends within one round of cancels; one still sending after a second
         * waits on a server that hangs (PQcancel has no timeout): the process cannot wait for
         * it, nor free what it reads */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        if (cancelling && pthread_timedjoin_np(thread, NULL, &until) != 0) {
            abandon_shutdown(atomic_load(&app->in_flight));
        }
    }
    /* libmicrohttpd must not stop with a connection suspended: hashes and errands still queued
     * are refused, as is any submitted from now on (their requests answer 503), and those
     * running are waited for: a hash ends within its time; an errand's statement already in the
     * database was cancelled above, or the process was abandoned with it */
    sf_auth_hash_close(app->auth);
    while (atomic_load(&suspended_connections) > 0)
        nanosleep(&pause, NULL);
    ulfius_stop_framework(instance);
    ulfius_clean_instance(instance);
    trim_stop();
    log_stop();
}
