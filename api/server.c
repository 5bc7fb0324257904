/*
 * The dispatcher every request passes through, and starting and stopping the HTTP server
 * (see server.h). libmicrohttpd runs an epoll thread pool: handlers block on the database,
 * so the pool is larger than the core count (STYLE.md, "Traps").
 */
#include "api/server.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/cors.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/problem.h"
#include "api/views.h"
#include "persistence/api_tokens.h"
#include "persistence/users.h"

#define TRIM_AFTER_BODY_BYTES (256 * 1024)
#define CANCEL_GRACE_S 10

static sf_app *the_app;   /* one server per process; set by sf_server_start */

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

void sf_client_address(const sf_ctx *ctx, char *out, size_t len)
{
    const struct sockaddr *sa = ctx->req->client_address;
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

static void assign_request_id(sf_ctx *ctx)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t bits[2];
    request_id_bits(bits);
    for (int i = 0; i < SF_REQUEST_ID_LEN; i++)
        ctx->request_id[i] = hex[(bits[i / 16] >> (4 * (i % 16))) & 0xF];
    ctx->request_id[SF_REQUEST_ID_LEN] = '\0';
    sf_set_header(ctx, "X-Server-Request-Id", ctx->request_id);
    const char *given = sf_header(ctx, "X-Request-Id");
    size_t len = given ? strlen(given) : 0;
    if (len >= 1 && len <= SF_CLIENT_REQUEST_ID_MAX &&
        strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == len) {
        ctx->request_id[SF_REQUEST_ID_LEN] = '/';
        memcpy(ctx->request_id + SF_REQUEST_ID_LEN + 1, given, len + 1);
    }
    sf_set_header(ctx, "X-Request-Id", client_request_id(ctx) ? client_request_id(ctx) : ctx->request_id);
}

/* One JSON line per request on stderr, written with a single write(2) so lines from
 * concurrent threads never interleave. Only the route pattern is logged: no query string,
 * header or body, which may carry secrets. */
static void log_request(const sf_ctx *ctx, const char *route, int status, double seconds)
{
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    char line[512];
    int n = snprintf(line, sizeof line,
                     "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"info\",\"event\":\"request\","
                     "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,\"request_id\":\"%.*s\""
                     "%s%s%s}\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     now.tv_nsec / 1000000, ctx->req->http_verb, route, status,
                     seconds * 1000.0, SF_REQUEST_ID_LEN, ctx->request_id,
                     client_request_id(ctx) ? ",\"client_request_id\":\"" : "",
                     client_request_id(ctx) ? client_request_id(ctx) : "", client_request_id(ctx) ? "\"" : "");
    if (n > 0 && (size_t)n < sizeof line)
        (void)!write(STDERR_FILENO, line, (size_t)n);
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

/* Establishes the caller from "Authorization: Bearer <token>". Answers 401 or 503 itself and
 * returns 0 on failure. */
/* 422 naming every query parameter the route's operation does not declare (api/openapi.h):
 * `?sort=name&page=2` is refused, never silently ignored. Returns whether it answered. */
static int refuse_undeclared_query(sf_ctx *ctx)
{
    const char *q = strchr(ctx->req->http_url ? ctx->req->http_url : "", '?');
    sf_errors errors;
    sf_errors_init(&errors);
    for (const char *p = q ? q + 1 : ""; *p; p += *p == '&') {
        size_t pair = strcspn(p, "&"), len = strcspn(p, "=&");
        if (len > 0 && !sf_openapi_query_declared((size_t)ctx->route->index, p, len)) {
            char name[65];
            snprintf(name, sizeof name, "%.*s", (int)(len < 64 ? len : 64), p);
            sf_errors_add(&errors, name, "is not a parameter of this operation");
        }
        p += pair;
    }
    if (!sf_errors_any(&errors))
        return 0;
    sf_reply_errors(ctx, 422, "the query is not valid", &errors);
    return 1;
}

/* 401 for a token that is missing, invalid, expired or revoked. */
static void refuse_token(sf_ctx *ctx, int had_token)
{
    sf_set_header(ctx, "WWW-Authenticate",
                  had_token ? "Bearer realm=\"shifan\", error=\"invalid_token\"" : "Bearer realm=\"shifan\"");
    sf_reply_problem(ctx, 401, had_token ? "the token is invalid, expired or revoked"
                                         : "a bearer token is required (POST /v1/auth/token)");
}

sf_session sf_session_of(const sf_ctx *ctx)
{
    sf_session s = {ctx->caller.user_id, ctx->session_unchecked ? ctx->caller.jti : NULL};
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
    sf_status status = sf_user_session_valid(ctx->app->pool, ctx->caller.user_id, ctx->caller.jti, &valid);
    ctx->session_unchecked = 0;
    if (status == SF_OK && valid)
        return;
    u_map_remove_from_key(ctx->res->map_header, "ETag");
    u_map_remove_from_key(ctx->res->map_header, "Location");
    if (status != SF_OK)
        sf_reply_status(ctx, status == SF_INTERNAL ? SF_INTERNAL : SF_UNAVAILABLE, NULL, NULL);
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
                status = sf_user_session_valid(ctx->app->pool, ctx->caller.user_id, ctx->caller.jti, &valid);
            }
        }
    }
    /* the database could not say: 503 (or 500), never 401, which would tell a client whose
     * token is fine to log in again */
    if (status == SF_UNAVAILABLE || status == SF_INTERNAL) {
        sf_reply_status(ctx, status, NULL, NULL);
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
    return *pattern == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

static void answer_unmatched(sf_ctx *ctx);

static int dispatch(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    sf_ctx ctx = {.app = the_app, .route = user_data, .req = req, .res = res};
    assign_request_id(&ctx);
    sf_set_header(&ctx, "X-Content-Type-Options", "nosniff");
    sf_set_header(&ctx, "Cache-Control", "no-store");
    const sf_route *route = ctx.route;
    /* While draining, requests already on open connections are still served, but each
     * answer closes its connection so the client's next request goes elsewhere. */
    if (atomic_load(&the_app->draining))
        sf_set_header(&ctx, "Connection", "close");
    if (body_too_large(&ctx)) {
        sf_set_header(&ctx, "Connection", "close");
        char detail[96];
        snprintf(detail, sizeof detail, "the body exceeds %zu bytes", body_limit(&ctx));
        sf_reply_problem(&ctx, 413, detail);
    } else if (route->upload && sf_upload_form_refused(&ctx)) {
        /* a malformed multipart body: 400, whoever sent it */
    } else if (route->access != SF_PUBLIC && !authenticate(&ctx)) {
        /* answered */
    } else if (route->action >= 0 && !sf_role_may(ctx.caller.role, (sf_action)route->action)) {
        sf_reply_problem(&ctx, 403, "your role may not do this");
    } else if (route->access != SF_PUBLIC && ctx.caller.api_token_id > 0 &&
               (!sf_action_allows_api_token(route->action) ||
                (strncmp(route->path, "/v1/api-tokens", 14) == 0 && strcmp(req->http_verb, "GET") != 0))) {
        sf_reply_problem(&ctx, 403, "API tokens do not administer organisations, users or tokens; log in as a person");
    } else if (route->access != SF_PUBLIC && ctx.caller.api_token_id > 0 &&
               !(ctx.caller.scopes & sf_scope_needed(req->http_verb, strncmp(route->path, "/v1/imports/", 12) == 0))) {
        sf_reply_problem(&ctx, 403, "this API token's scopes do not allow this request");
    } else if (refuse_undeclared_query(&ctx)) {
        /* answered */
    } else {
        route->handler(&ctx);
        sf_set_created_location(&ctx);
        /* A large body (an import, an upload) leaves tens of megabytes of freed parse
         * structures in this thread's malloc arena; give them back, so that resident memory
         * stays flat (issue 6). Small requests never pay for the trim. */
        if (req->binary_body_length > TRIM_AFTER_BODY_BYTES)
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
        sf_reply_problem(ctx, 405, "this path does not take that method; see the Allow header");
    } else {
        sf_reply_problem(ctx, 404, "no such resource");
    }
}

static int unmatched(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    sf_ctx ctx = {.app = the_app, .route = NULL, .req = req, .res = res};
    assign_request_id(&ctx);
    sf_set_header(&ctx, "X-Content-Type-Options", "nosniff");
    answer_unmatched(&ctx);
    sf_cors_headers(&ctx);
    finish(&ctx, "unmatched", sf_route_count(), &start);
    return U_CALLBACK_COMPLETE;
}

/* Routing is shifan's own (issue 18, point 5): Ulfius matched each request against each of
 * its 141 endpoints (a HEAD beside each GET), splitting every pattern anew — a third of a
 * request's CPU. The first route whose pattern fits the path decides the pattern (an
 * earlier, more literal route shadows a later one: PUT /v1/calendar/working-days is not PUT
 * /v1/calendar/:year); among that pattern's routes, the request's method (HEAD: the GET's
 * handler and headers; libmicrohttpd sends no body). None: 405 with Allow, or 404
 * (answer_unmatched). Path variables are read from the path by the route's pattern
 * (sf_path_id). */
static int route(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    const char *pattern = NULL, *method = req->http_verb, *path = req->url_path;
    int head = strcmp(method, "HEAD") == 0;
    for (size_t i = 0; path != NULL && sf_routes[i].method != NULL; i++) {
        if (pattern == NULL) {
            if (!path_matches(sf_routes[i].path, path))
                continue;
            pattern = sf_routes[i].path;
        } else if (strcmp(sf_routes[i].path, pattern) != 0) {
            continue;
        }
        if (strcmp(sf_routes[i].method, method) == 0 || (head && strcmp(sf_routes[i].method, "GET") == 0))
            return dispatch(req, res, &sf_routes[i]);
    }
    return unmatched(req, res, user_data);
}

/* In-flight accounting around libmicrohttpd's request life cycle, wrapping Ulfius's own
 * callbacks (which ulfius_start_framework_with_mhd_options requires). */
static void *request_started(void *cls, const char *uri, struct MHD_Connection *connection)
{
    atomic_fetch_add(&the_app->in_flight, 1);
    return ulfius_uri_logger(cls, uri);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    mhd_request_completed(cls, connection, con_cls, toe);
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
        sf_metrics_label(app->metrics, i, sf_routes[i].method, sf_routes[i].path);
    }
    /* every request comes to route(): Ulfius registers no endpoint of ours */
    ulfius_set_default_endpoint(instance, route, NULL);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
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
    int rc = ulfius_start_framework_with_mhd_options(instance, flags, options);
    freeaddrinfo(addr);
    if (rc != U_OK) {
        fprintf(stderr, "shifan: cannot listen on %s port %d\n", config->listen_address, config->port);
        ulfius_clean_instance(instance);
        return -1;
    }
    return 0;
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
     * their statements are cancelled, so that they roll back and answer 503, and the stop
     * goes on. A statement that ignores the cancel for CANCEL_GRACE_S seconds is abandoned. */
    if (atomic_load(&app->in_flight) > 0) {
        fprintf(stderr, "{\"level\":\"warn\",\"event\":\"shutdown_timeout\",\"in_flight\":%ld}\n",
                atomic_load(&app->in_flight));
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (int i = 0; atomic_load(&app->in_flight) > 0 && seconds_since(&start) < CANCEL_GRACE_S; i++) {
            if (i % 10 == 0) {   /* again every 100 ms: a request may have moved on to its next statement */
                sf_pool_cancel_all(app->pool);
                if (app->read_pool != app->pool)
                    sf_pool_cancel_all(app->read_pool);
            }
            nanosleep(&pause, NULL);
        }
    }
    ulfius_stop_framework(instance);
    ulfius_clean_instance(instance);
}
