/*
 * Connection pool: a mutex, an array of slots and a FIFO queue of waiters, each with its own
 * condition variable, so a released connection goes to the oldest waiter (see pool.h).
 */
#include "persistence/pool.h"

#include "persistence/clock.h"
#include "persistence/db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PREPARED 256

struct sf_conn {
    PGconn *pg;            /* NULL until first opened, or after being found broken */
    PGcancel *cancel;      /* for pg; set and cleared under cancel_lock (sf_pool_cancel_all) */
    pthread_mutex_t cancel_lock;   /* a cancel sent to a hung server holds it, not the pool's */
    int broken;
    int reopen;            /* closed when released (sf_conn_reopen_later), opened at the next checkout */
    int in_use;
    /* a blocking call to the server under way (sf_conn_wait_begin): since when (0: none), on
     * which socket; under wait_lock, so that sf_pool_abandon_waits never shuts down a socket
     * the connection has closed meanwhile (its number may be another's by then) */
    pthread_mutex_t wait_lock;
    long long wait_since_ms;
    int wait_fd;
    int outcome_matters;   /* sf_conn_outcome_matters; the owner's, read under wait_lock */
    char sqlstate[6];
    size_t nprepared;
    const void *prepared[MAX_PREPARED];
};

typedef struct waiter {
    pthread_cond_t cond;
    sf_conn *handed;       /* set by a releasing thread before signalling */
    struct waiter *next;
} waiter;

struct sf_pool {
    char *conninfo;
    char options[192];     /* the sessions' options (SF_DB_SESSION_OPTIONS and the timeout) */
    int size;
    int checkout_timeout_ms;
    pthread_mutex_t mutex;
    sf_conn *conns;
    waiter *head, *tail;   /* FIFO of callers waiting for a connection */
    long waiting;
    atomic_int checked_out;   /* read without the mutex (sf_pool_checked_out) */
    atomic_int fail_fast;     /* sf_pool_fail_fast */
};


sf_pool *sf_pool_create(const char *conninfo, int size, int checkout_timeout_ms)
{
    sf_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return NULL;
    pool->conninfo = strdup(conninfo);
    pool->conns = calloc((size_t)size, sizeof *pool->conns);
    if (pool->conninfo == NULL || pool->conns == NULL) {
        free(pool->conninfo);
        free(pool->conns);
        free(pool);
        return NULL;
    }
    pool->size = size;
    pool->checkout_timeout_ms = checkout_timeout_ms;
    for (int i = 0; i < size; i++) {
        pthread_mutex_init(&pool->conns[i].wait_lock, NULL);
        pthread_mutex_init(&pool->conns[i].cancel_lock, NULL);
    }
    snprintf(pool->options, sizeof pool->options, "%s", SF_DB_SESSION_OPTIONS);
    pthread_mutex_init(&pool->mutex, NULL);
    return pool;
}

void sf_pool_set_statement_timeout(sf_pool *pool, int ms)
{
    if (ms > 0)
        snprintf(pool->options, sizeof pool->options, "%s -c statement_timeout=%d", SF_DB_SESSION_OPTIONS, ms);
    else
        snprintf(pool->options, sizeof pool->options, "%s", SF_DB_SESSION_OPTIONS);
}

void sf_pool_destroy(sf_pool *pool)
{
    if (pool == NULL)
        return;
    for (int i = 0; i < pool->size; i++) {
        if (pool->conns[i].cancel != NULL)
            PQfreeCancel(pool->conns[i].cancel);
        if (pool->conns[i].pg != NULL)
            PQfinish(pool->conns[i].pg);
        pthread_mutex_destroy(&pool->conns[i].wait_lock);
        pthread_mutex_destroy(&pool->conns[i].cancel_lock);
    }
    pthread_mutex_destroy(&pool->mutex);
    free(pool->conns);
    free(pool->conninfo);
    free(pool);
}

static void set_cancel(sf_conn *conn, PGcancel *cancel)
{
    pthread_mutex_lock(&conn->cancel_lock);
    PGcancel *old = conn->cancel;
    conn->cancel = cancel;
    pthread_mutex_unlock(&conn->cancel_lock);
    if (old != NULL)
        PQfreeCancel(old);
}

static void close_conn(sf_conn *conn)
{
    set_cancel(conn, NULL);
    if (conn->pg != NULL)
        PQfinish(conn->pg);
    conn->pg = NULL;
    conn->broken = 0;
    conn->nprepared = 0;
}

/* What the server says outside a result (a WARNING as it shuts down, say) goes to the log as
 * one JSON line with its severity and SQLSTATE, not as libpq's raw text on stderr. */
void sf_db_log_notice(void *arg, const PGresult *res)
{
    (void)arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    char line[160];
    int n = snprintf(line, sizeof line, "{\"level\":\"warn\",\"event\":\"db_notice\",\"severity\":\"%.16s\","
                     "\"sqlstate\":\"%.5s\"}\n", severity ? severity : "", state ? state : "");
    if (n > 0 && (size_t)n < sizeof line)
        (void)!write(STDERR_FILENO, line, (size_t)n);
}

void sf_db_options(const char *conninfo, const char *ours, char *out, size_t len)
{
    PQconninfoOption *parsed = conninfo ? PQconninfoParse(conninfo, NULL) : NULL;
    const char *theirs = NULL;
    for (PQconninfoOption *o = parsed; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL && o->val[0] != '\0')
            theirs = o->val;
    snprintf(out, len, "%s%s%s", theirs ? theirs : "", theirs ? " " : "", ours);
    PQconninfoFree(parsed);
}

PGconn *sf_db_connect(const char *const *keys, const char *const *values, int timeout_ms)
{
    PGconn *pg = PQconnectStartParams(keys, values, /* expand_dbname= */ 1);
    if (pg == NULL)
        return NULL;
    PQsetNoticeReceiver(pg, sf_db_log_notice, NULL);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* libpq's connect_timeout does not apply to a connection polled by its caller: the
     * deadline is kept here */
    PostgresPollingStatusType st = PQstatus(pg) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L);
        struct pollfd p = {PQsocket(pg), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0};
        if (left <= 0 || p.fd < 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR))
            break;
        if (p.revents != 0)
            st = PQconnectPoll(pg);
    }
    if (st == PGRES_POLLING_OK && PQstatus(pg) == CONNECTION_OK)
        return pg;
    PQfinish(pg);
    return NULL;
}

/* Opens the connection if needed and makes sure it is usable: outside any transaction and
 * connected. Runs without the pool mutex held (it may block on the network). */
static sf_status make_ready(sf_pool *pool, sf_conn *conn)
{
    if (conn->pg != NULL && (conn->broken || PQstatus(conn->pg) != CONNECTION_OK))
        close_conn(conn);
    if (conn->pg != NULL) {
        PGTransactionStatusType ts = PQtransactionStatus(conn->pg);
        /* an idle connection the server has spoken on since: almost always its goodbye (a
         * restart, a terminated backend), which would fail the request that took it; it is
         * opened anew instead (one poll, no round trip) */
        struct pollfd p = {PQsocket(conn->pg), POLLIN, 0};
        if (ts == PQTRANS_IDLE && poll(&p, 1, 0) == 0)
            return SF_OK;
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            sf_conn_wait_begin(conn);
            PGresult *res = PQexec(conn->pg, "ROLLBACK");
            sf_conn_wait_end(conn);
            int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            PQclear(res);
            if (ok)
                return SF_OK;
        }
        close_conn(conn);
    }
    /* Keywords before "dbname" are defaults that the caller's connection string overrides;
     * "options" after it holds the string's own options and ours (sf_db_options). */
    const char *const keys[] = {"application_name", "dbname", "options", NULL};
    /* TimeZone: every date rule of the measures (round windows, publicity, objections, award
     * dates, expiry) is judged on the date in Liaoning, not in UTC.
     * plan_cache_mode is left at "auto", so that a lookup by id keeps its generic plan: forcing
     * custom plans everywhere cost a full planning (about 0.5 ms, ten times the execution) on
     * every lookup; see bench/RESULTS.md. The lists with optional filters ("$1 IS NULL OR …"),
     * whose generic plans scan, are planned with their values instead (SF_PLAN_EACH_CALL). */
    char options[640];
    sf_db_options(pool->conninfo, pool->options, options, sizeof options);
    const char *const values[] = {"shifan", pool->conninfo, options, NULL};
    conn->pg = sf_db_connect(keys, values, 5000);
    if (conn->pg == NULL) {
        close_conn(conn);
        return SF_UNAVAILABLE;
    }
    set_cancel(conn, PQgetCancel(conn->pg));
    return SF_OK;
}

static sf_conn *take_free_slot(sf_pool *pool)
{
    /* prefer a slot with an open connection, then an empty one */
    sf_conn *empty = NULL;
    for (int i = 0; i < pool->size; i++) {
        sf_conn *c = &pool->conns[i];
        if (c->in_use)
            continue;
        if (c->pg != NULL) {
            c->in_use = 1;
            return c;
        }
        if (empty == NULL)
            empty = c;
    }
    if (empty != NULL)
        empty->in_use = 1;
    return empty;
}

static void unlink_waiter(sf_pool *pool, waiter *w)
{
    waiter **pp = &pool->head;
    waiter *prev = NULL;
    while (*pp != NULL && *pp != w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp == w) {
        *pp = w->next;
        if (pool->tail == w)
            pool->tail = prev;
    }
}

sf_status sf_pool_acquire(sf_pool *pool, sf_conn **out)
{
    if (atomic_load(&pool->fail_fast))
        return SF_UNAVAILABLE;
    pthread_mutex_lock(&pool->mutex);
    sf_conn *conn = pool->head == NULL ? take_free_slot(pool) : NULL;
    if (conn == NULL) {
        waiter w = {.handed = NULL, .next = NULL};
        pthread_cond_init(&w.cond, NULL);
        if (pool->tail != NULL)
            pool->tail->next = &w;
        else
            pool->head = &w;
        pool->tail = &w;
        pool->waiting++;
        struct timespec deadline = sf_clock_after_ms(CLOCK_REALTIME, pool->checkout_timeout_ms);
        while (w.handed == NULL) {
            if (pthread_cond_timedwait(&w.cond, &pool->mutex, &deadline) == ETIMEDOUT && w.handed == NULL) {
                unlink_waiter(pool, &w);
                break;
            }
        }
        pool->waiting--;
        pthread_cond_destroy(&w.cond);
        conn = w.handed;
    }
    pthread_mutex_unlock(&pool->mutex);
    if (conn == NULL)
        return SF_UNAVAILABLE;
    atomic_fetch_add(&pool->checked_out, 1);
    /* the database was found hanging while this caller waited: no connection is made to it */
    if (atomic_load(&pool->fail_fast) || make_ready(pool, conn) != SF_OK) {
        sf_pool_release(pool, conn);
        return SF_UNAVAILABLE;
    }
    *out = conn;
    return SF_OK;
}

sf_status sf_pool_try_acquire(sf_pool *pool, sf_conn **out)
{
    if (atomic_load(&pool->fail_fast))
        return SF_UNAVAILABLE;
    pthread_mutex_lock(&pool->mutex);
    sf_conn *conn = pool->head == NULL ? take_free_slot(pool) : NULL;
    pthread_mutex_unlock(&pool->mutex);
    if (conn == NULL)
        return SF_UNAVAILABLE;
    atomic_fetch_add(&pool->checked_out, 1);
    /* the database was found hanging while this caller waited: no connection is made to it */
    if (atomic_load(&pool->fail_fast) || make_ready(pool, conn) != SF_OK) {
        sf_pool_release(pool, conn);
        return SF_UNAVAILABLE;
    }
    *out = conn;
    return SF_OK;
}

void sf_pool_release(sf_pool *pool, sf_conn *conn)
{
    if (conn == NULL)
        return;
    atomic_fetch_sub(&pool->checked_out, 1);
    if (conn->reopen) {   /* its buffers are freed now, not when it is next taken */
        conn->reopen = 0;
        close_conn(conn);
    }
    pthread_mutex_lock(&pool->mutex);
    waiter *w = pool->head;
    if (w != NULL) {
        /* hand over directly: the connection stays in use, now by the oldest waiter */
        pool->head = w->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        w->handed = conn;
        pthread_cond_signal(&w->cond);
    } else {
        conn->in_use = 0;
    }
    pthread_mutex_unlock(&pool->mutex);
}

int sf_pool_checked_out(sf_pool *pool)
{
    return atomic_load(&pool->checked_out);
}

int sf_pool_cancel_all(sf_pool *pool)
{
    int sent = 0;
    char err[256];
    for (int i = 0; i < pool->size; i++) {
        sf_conn *c = &pool->conns[i];
        pthread_mutex_lock(&pool->mutex);
        int in_use = c->in_use;
        pthread_mutex_unlock(&pool->mutex);
        /* PQcancel waits for the server's answer, for ever if it hangs: under the connection's
         * own lock, which only its closing takes, never under the pool's */
        pthread_mutex_lock(&c->cancel_lock);
        if (in_use && c->cancel != NULL && PQcancel(c->cancel, err, sizeof err))
            sent++;
        pthread_mutex_unlock(&c->cancel_lock);
    }
    return sent;
}

void sf_pool_fail_fast(sf_pool *pool, int on)
{
    atomic_store(&pool->fail_fast, on != 0);
}

int sf_pool_abandon_waits(sf_pool *pool, int older_than_ms)
{
    int abandoned = 0;
    long long now = sf_monotonic_ms();
    for (int i = 0; i < pool->size; i++) {
        sf_conn *c = &pool->conns[i];
        pthread_mutex_lock(&c->wait_lock);
        if (c->wait_since_ms != 0 && now - c->wait_since_ms >= older_than_ms && c->wait_fd >= 0 &&
            !c->outcome_matters) {
            /* the blocked call's poll wakes, its read finds the end: "server closed the
             * connection"; the descriptor itself stays the connection's to close */
            shutdown(c->wait_fd, SHUT_RDWR);
            c->wait_since_ms = 0;
            abandoned++;
        }
        pthread_mutex_unlock(&c->wait_lock);
    }
    return abandoned;
}

void sf_conn_wait_begin(sf_conn *conn)
{
    pthread_mutex_lock(&conn->wait_lock);
    conn->wait_since_ms = sf_monotonic_ms();
    conn->wait_fd = conn->pg != NULL ? PQsocket(conn->pg) : -1;
    pthread_mutex_unlock(&conn->wait_lock);
}

void sf_conn_outcome_matters(sf_conn *conn, int on)
{
    pthread_mutex_lock(&conn->wait_lock);
    conn->outcome_matters = on;
    pthread_mutex_unlock(&conn->wait_lock);
}

void sf_conn_wait_end(sf_conn *conn)
{
    pthread_mutex_lock(&conn->wait_lock);
    conn->wait_since_ms = 0;
    conn->wait_fd = -1;
    pthread_mutex_unlock(&conn->wait_lock);
}

void sf_pool_get_stats(sf_pool *pool, sf_pool_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    pthread_mutex_lock(&pool->mutex);
    stats->size = pool->size;
    for (int i = 0; i < pool->size; i++) {
        if (pool->conns[i].in_use)
            stats->in_use++;
        else if (pool->conns[i].pg != NULL)
            stats->idle++;
    }
    stats->waiting = pool->waiting;
    pthread_mutex_unlock(&pool->mutex);
}

PGconn *sf_conn_pg(sf_conn *conn)
{
    return conn->pg;
}

void sf_conn_mark_broken(sf_conn *conn)
{
    conn->broken = 1;
}

void sf_conn_reopen_later(sf_conn *conn)
{
    conn->reopen = 1;
}

const char *sf_conn_sqlstate(const sf_conn *conn)
{
    return conn->sqlstate;
}

void sf_conn_set_sqlstate(sf_conn *conn, const char *sqlstate)
{
    snprintf(conn->sqlstate, sizeof conn->sqlstate, "%s", sqlstate ? sqlstate : "");
}

int sf_conn_is_prepared(const sf_conn *conn, const void *stmt_key)
{
    for (size_t i = 0; i < conn->nprepared; i++)
        if (conn->prepared[i] == stmt_key)
            return 1;
    return 0;
}

int sf_conn_prepared_full(const sf_conn *conn)
{
    return conn->nprepared == MAX_PREPARED;
}

void sf_conn_set_prepared(sf_conn *conn, const void *stmt_key)
{
    if (conn->nprepared < MAX_PREPARED)
        conn->prepared[conn->nprepared++] = stmt_key;
}
