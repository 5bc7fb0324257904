/*
 * A fixed-size pool of libpq connections for a threaded server.
 *
 * Waiting callers are served first come, first served: a released connection is handed
 * directly to the longest-waiting caller, so no thread starves while others overtake it.
 * Connections are opened lazily; a connection found broken is reopened on checkout, and one
 * left inside a transaction is rolled back. When the database cannot be reached, or no
 * connection frees up within the checkout timeout, acquisition fails with SF_UNAVAILABLE.
 *
 * This header is free of libpq so that api/ can hold a pool without seeing the driver;
 * persistence/db.h gives the repositories the libpq handle.
 */
#ifndef SF_POOL_H
#define SF_POOL_H

#include "domain/status.h"

typedef struct sf_pool sf_pool;
typedef struct sf_conn sf_conn;

typedef struct {
    int size;         /* connections in the pool */
    int in_use;       /* checked out now */
    int idle;         /* open and waiting in the pool */
    long waiting;     /* callers waiting for a connection */
} sf_pool_stats;

/* Creates a pool of `size` connections to `conninfo` (a libpq connection string or URI);
 * connects nothing yet. Returns NULL on allocation failure. Free with sf_pool_destroy. */
sf_pool *sf_pool_create(const char *conninfo, int size, int checkout_timeout_ms);

/* Every statement on this pool's connections is cancelled after `ms` milliseconds (0: never;
 * the server's statement_timeout). Call before the first checkout: it applies to connections
 * opened afterwards. */
void sf_pool_set_statement_timeout(sf_pool *pool, int ms);

/* Closes every connection. No connection may be checked out. */
void sf_pool_destroy(sf_pool *pool);

/* Checks a connection out: SF_OK and *out, or SF_UNAVAILABLE (database unreachable, or
 * timeout). The caller returns it with sf_pool_release on every path. */
sf_status sf_pool_acquire(sf_pool *pool, sf_conn **out);
void sf_pool_release(sf_pool *pool, sf_conn *conn);
/* Checks a connection out only if one is free now and nobody waits: SF_OK and *out, or
 * SF_UNAVAILABLE at once. For work that can use extra connections but must not queue for
 * them (a request that holds one and waits for another could wait on itself). */
sf_status sf_pool_try_acquire(sf_pool *pool, sf_conn **out);

void sf_pool_get_stats(sf_pool *pool, sf_pool_stats *stats);

/* How many connections are checked out now, read without the pool's lock. */
int sf_pool_checked_out(sf_pool *pool);

/* Asks the server to cancel whatever statement runs on each checked-out connection (for a
 * shutdown that has waited long enough): those statements fail with SQLSTATE 57014, which
 * maps to SF_UNAVAILABLE, and their transactions roll back. Returns how many requests were
 * sent. Safe to call from any thread. */
int sf_pool_cancel_all(sf_pool *pool);

/* A database that hangs (its server frozen, a network that drops packets without a word):
 * a statement sent to it waits for ever, and with it the request's thread. The readiness
 * check sees the hang (api/readiness.h) and its guard calls these two:
 *   sf_pool_fail_fast: while on, sf_pool_acquire and sf_pool_try_acquire answer
 *     SF_UNAVAILABLE at once instead of sending anything (or connecting);
 *   sf_pool_abandon_waits: every statement of a checked-out connection that has waited for
 *     the server at least `older_than_ms` is given up: its socket is shut down, so libpq
 *     reports the link failed, the request answers 503 and the connection is reopened on its
 *     next checkout (the server rolls the transaction back when it sees the socket closed).
 *     Not a statement whose outcome the caller must learn (sf_conn_outcome_matters: a write
 *     outside a transaction, a COMMIT): the server would still carry it out once thawed, and
 *     the 503 would say that nothing changed. Returns how many. Safe to call from any
 *     thread. */
void sf_pool_fail_fast(sf_pool *pool, int on);
int sf_pool_abandon_waits(sf_pool *pool, int older_than_ms);
/* Around every blocking call to the server on `conn` (persistence/db.c): what
 * sf_pool_abandon_waits looks at. */
void sf_conn_wait_begin(sf_conn *conn);
void sf_conn_wait_end(sf_conn *conn);
/* Whether the calls on `conn` from here on commit by themselves (on: a lone write, a
 * COMMIT): sf_pool_abandon_waits leaves them waiting for their outcome. */
void sf_conn_outcome_matters(sf_conn *conn, int on);

/* Marks a connection whose link to the server failed; the pool reopens it on next use. */
void sf_conn_mark_broken(sf_conn *conn);
/* The connection is closed when released and opened anew at its next checkout, though it
 * works: libpq keeps the buffers it grew for a large statement (an import's values) for a
 * connection's life. */
void sf_conn_reopen_later(sf_conn *conn);

/* The SQLSTATE of the last statement that failed on this connection ("" if none since the
 * last sf_conn_set_sqlstate(conn, "")). sf_tx_run reads it to retry serialization failures. */
const char *sf_conn_sqlstate(const sf_conn *conn);
void sf_conn_set_sqlstate(sf_conn *conn, const char *sqlstate);

/* Whether `stmt_key` was prepared on this connection; sf_conn_set_prepared records it.
 * Used by persistence/db.c: a named statement exists only on the connection that made it. */
int sf_conn_is_prepared(const sf_conn *conn, const void *stmt_key);
int sf_conn_prepared_full(const sf_conn *conn);
void sf_conn_set_prepared(sf_conn *conn, const void *stmt_key);

#endif
