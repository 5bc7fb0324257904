/*
 * The HTTP server: one route table (api/routes.c), one dispatcher that every request passes
 * through, and the context a handler receives.
 *
 * The dispatcher, in order: assigns the request id, refuses oversized bodies (413),
 * authenticates the bearer token when the route needs one (401), checks that the caller's
 * role may take the route's action (403), calls the handler, then logs one line and counts
 * the request in the metrics. Handlers therefore start with an authenticated caller.
 */
#ifndef SF_SERVER_H
#define SF_SERVER_H

#include <jansson.h>
#include <stdatomic.h>
#include <time.h>
#include <ulfius.h>

#include "api/auth.h"
#include "api/config.h"
#include "domain/permissions.h"
#include "persistence/pool.h"
#include "persistence/sessions.h"

typedef struct sf_auth sf_auth;

#define SF_REQUEST_ID_LEN 32          /* the server's own: 16 random bytes in hex */
#define SF_CLIENT_REQUEST_ID_MAX 64   /* a client's X-Request-Id kept beside it */
typedef struct sf_metrics sf_metrics;

/* Everything the handlers share; lives as long as the server. */
typedef struct {
    const sf_config *config;
    sf_pool *pool;
    /* The public registry's reads (list, entry, CSV): a pool on SHIFAN_DATABASE_READ_URL, a
     * replica that may lag the primary by its replication delay; otherwise `pool` itself. */
    sf_pool *read_pool;
    struct sf_public_cache *public_cache;   /* NULL: none (api/public_cache.h) */
    struct sf_statistics_cache *statistics_cache;   /* NULL: none (api/statistics_cache.h) */
    struct sf_readiness *readiness;   /* what /readyz says (api/readiness.h); NULL: never ready */
    sf_auth *auth;
    sf_metrics *metrics;
    atomic_int draining;        /* set on SIGTERM: /readyz answers 503 */
    atomic_long in_flight;      /* requests received and not yet completed */
    /* Bytes of request bodies held in memory across all connections, reserved as they are
     * declared or arrive and released when the request completes; bounded by
     * SHIFAN_MAX_BUFFERED_BYTES (503 beyond). */
    atomic_size_t buffered_bytes;
} sf_app;

struct sf_route;

/* One request, as a handler sees it. */
typedef struct {
    sf_app *app;
    const struct sf_route *route;
    const struct _u_request *req;
    struct _u_response *res;
    sf_caller caller;           /* valid when the route requires a token */
    /* What the audit trail records of this request (issue 14, item 9): the id the server
     * generated, then, if the client sent a plain X-Request-Id, '/' and the client's value.
     * audit_append (sql/017_security.sql) keeps the first part as the event's request_id and
     * the second as detail.client_request_id, so a client cannot file its events under the
     * id of another request. */
    char request_id[SF_REQUEST_ID_LEN + 1 + SF_CLIENT_REQUEST_ID_MAX + 1];
    int session_unchecked;      /* SF_TOKEN_FOLDED: the session is still to be checked */
    const struct sf_upload_file *upload;   /* an SF_UPLOAD_STREAMED route's body; else NULL */
    struct timespec start;      /* when the dispatcher took the request up (CLOCK_MONOTONIC) */
    int deferred;               /* handed to sf_hash_then: answered once its hash is done */
    /* Set by a handler whose work passed through megabytes of memory for an answer that may
     * be small (the statistics: thousands of counter rows and their JSON): the server gives
     * the freed memory back to the system after it (malloc_trim), as after a large body. */
    int trim_after;
} sf_ctx;

typedef void (*sf_handler)(sf_ctx *ctx);

typedef enum {
    SF_PUBLIC,                  /* no token needed (a token, if sent, is ignored) */
    SF_TOKEN,                   /* a valid bearer token is required */
    /* The same, with the session check (user active, token not revoked) folded into the
     * handler's own read: one round trip instead of two (issue 18, point 3). The dispatcher
     * verifies the token's signature and claims; the handler passes sf_session_of(ctx) to a
     * read that checks it (persistence/sessions.h, SF_SESSION_LIVE) and reports the answer
     * with sf_session_seen. If the handler answers without that, the dispatcher checks the
     * session after it and answers 401 instead when it has ended: a revoked token is refused
     * on its very next request whatever the handler does. */
    SF_TOKEN_FOLDED
} sf_access;

typedef struct sf_route {
    const char *method;
    const char *path;           /* Ulfius format, e.g. "/v1/organizations/:id" */
    sf_handler handler;
    sf_access access;
    int action;                 /* an sf_action the role must be allowed, or -1 */
    int index;                  /* position in the table, for metrics (set at start) */
    int upload;                 /* takes a raw file: SHIFAN_MAX_UPLOAD_BYTES, not the JSON limit; 1:
                                 * buffered (an import), SF_UPLOAD_STREAMED: written to a temporary
                                 * file as it arrives (api/upload_stream.h) */
} sf_route;
#define SF_UPLOAD_STREAMED 2

/* The route table (api/routes.c); terminated by an entry with a NULL method. */
extern sf_route sf_routes[];
size_t sf_route_count(void);

/* Why `caller` may not call the token route `route` with `method` — its role may never
 * (domain/permissions.c), or an API token's limits — as the 403's code; SF_E_NONE when it may.
 * The one statement of who may call what: dispatch refuses by it and /v1/me lists by it. */
sf_code sf_route_refusal(const sf_caller *caller, const sf_route *route, const char *method);
/* For a route of access SF_TOKEN_FOLDED: the session the handler's read checks (jti NULL when
 * nothing is left to check). */
sf_session sf_session_of(const sf_ctx *ctx);
/* What that read said of the session. Live: the check is done, returns 1. Ended: answers 401
 * as the dispatcher would, returns 0 (the handler then returns). */
int sf_session_seen(sf_ctx *ctx, int live);

/* Hashing without holding an HTTP worker (issue 14, item 1). libmicrohttpd keeps each
 * connection on the worker that accepted it, so a worker waiting ~0.3 s for a password hash
 * would stall every connection it serves (/healthz among them). A handler that needs a hash
 * therefore calls sf_hash_then and returns at once, answering nothing: the request's
 * connection is suspended, `work(saved)` runs on a hashing thread (api/auth.h, within its
 * bounds) and the worker goes on serving others. When the hash is done — or refused: the
 * queue full (at once), no hashing thread free within SHIFAN_HASH_WAIT_MS, the server
 * stopping — the connection is resumed and `then(ctx, saved, status, result)` is called on a
 * worker, with the request's route, caller and request id (headers set before the call are
 * not kept, nor is the body: what `then` needs is in `saved`), to answer or to hash again
 * with sf_hash_then. `status`: SF_OK (`result` is what work answered) or SF_UNAVAILABLE.
 * From this call on `saved` is the request's, whatever happens: it is freed with free_saved,
 * once, when the request ends — answered, or its client gone; `work` reads nothing else. */
typedef void (*sf_hashed)(sf_ctx *ctx, void *saved, sf_status status, int result);
void sf_hash_then(sf_ctx *ctx, const char *client, int (*work)(void *saved), sf_hashed then, void *saved,
                  void (*free_saved)(void *saved));
/* The same, in the place sf_auth_hash_hold kept (api/auth.h): refused only once hashing is
 * closed. */
void sf_hash_then_held(sf_ctx *ctx, const char *client, int (*work)(void *saved), sf_hashed then, void *saved,
                       void (*free_saved)(void *saved));
/* The same for database work that must not hold a worker either — the writes anyone may make
 * without signing in, which a flood of them slows: a login's and a refresh's (api/login.c), a
 * public objection's (api/publicity.c) — on the errands' threads of its kind (api/auth.h,
 * sf_auth_errand_submit): at the normal priority, never on a hashing thread. `then` may go on
 * with sf_hash_then, and the reverse. */
void sf_errand_then(sf_ctx *ctx, sf_errand_kind kind, const char *client, int (*work)(void *saved), sf_hashed then,
                    void *saved, void (*free_saved)(void *saved));
/* In an errand's `then`, with the status it was called with: whether the errand ran. If not —
 * its queue full, no thread in time, or the server stopping — answers 503 requests_busy with
 * Retry-After and returns 0. (A login answers its own logins_busy: api/login.c.) */
int sf_errand_ran(sf_ctx *ctx, sf_status ran);

/* Starts serving on config->listen_address:port. Returns 0, or -1 after logging why. */
int sf_server_start(sf_app *app, struct _u_instance *instance);

/* Stops accepting, waits for in-flight requests (up to the shutdown timeout), then stops. */
void sf_server_stop(sf_app *app, struct _u_instance *instance);

/* The value of a request header, case-insensitively; NULL if absent. */
const char *sf_header(const sf_ctx *ctx, const char *name);
/* A URL parameter (route variable or query string); NULL if absent. */
const char *sf_param(const sf_ctx *ctx, const char *name);
/* The value of a hexadecimal digit of a percent-encoding (RFC 3986 §2.1); -1 if `c` is none. */
int sf_hex_digit(char c);
/* Adds a response header. */
void sf_set_header(sf_ctx *ctx, const char *name, const char *value);

/* The client's address as text (at least 48 bytes): the connection's peer, or, when the peer
 * is one of SHIFAN_TRUSTED_PROXIES, the address its X-Forwarded-For names — the rightmost
 * entry that is not itself a trusted proxy. Nobody else's X-Forwarded-For is believed. What
 * the login throttle, the hashing queue and the objection quota count by (issue 14, item 3). */
void sf_client_address(const sf_ctx *ctx, char *out, size_t len);

#endif
