/*
 * The audit chain's linking thread (see audit_linker.h).
 */
#include "persistence/audit_linker.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "persistence/db.h"

#define RETRY_MAX_MS 2000
/* A round ends within its lock timeout (a second) on a database that answers; one that hangs
 * answers never. */
#define LINKER_STOP_WAIT_S 10

struct sf_audit_linker {
    char *conninfo;
    pthread_t thread;
    int wake[2];             /* written to stop the thread */
    atomic_int stopping;
    atomic_long rounds;      /* rounds that looked for events to link (sf_audit_linker_rounds) */
};

/* 1: slept `ms`, 0: asked to stop. */
static int nap(sf_audit_linker *l, int ms)
{
    struct pollfd stop = {l->wake[0], POLLIN, 0};
    return poll(&stop, 1, ms) == 0 && !atomic_load(&l->stopping);
}

#define LINK "sf_audit_link"

static PGconn *connect_linker(const char *conninfo)
{
    /* the connection string's options and ours (sf_db_options); a linker that waits for a
     * lock gives up after a second and tries again in its next round */
    char options[640];
    sf_db_options(conninfo, SF_DB_SESSION_OPTIONS " -c lock_timeout=1s -c statement_timeout=60s", options,
                  sizeof options);
    const char *const keys[] = {"dbname", "options", "application_name", NULL};
    const char *const values[] = {conninfo, options, "shifan-audit-linker", NULL};
    PGconn *pg = sf_db_connect(keys, values, 2000);
    if (pg == NULL)
        return NULL;
    /* a round is one statement, prepared once: parsed and planned once per connection, not
     * at every poll */
    PGresult *res = PQprepare(pg, LINK, "SELECT audit_link($1::int, false)", 1, NULL);
    int prepared = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (prepared)
        return pg;
    PQfinish(pg);
    return NULL;
}

#define ROUND_FAILED (-1)
#define IMPORT_OPEN (-2)

/* Events linked by one round, IMPORT_OPEN when an import of records is open (the round looked
 * for nothing), or ROUND_FAILED. */
static long round_once(sf_audit_linker *l, PGconn *pg)
{
    char batch[16];
    snprintf(batch, sizeof batch, "%d", SF_AUDIT_LINK_BATCH);
    const char *params[] = {batch};
    PGresult *res = PQexecPrepared(pg, LINK, 1, params, NULL, NULL, 0);
    long n = ROUND_FAILED;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        n = PQgetisnull(res, 0, 0) ? IMPORT_OPEN : atol(PQgetvalue(res, 0, 0));
        if (n != IMPORT_OPEN)
            atomic_fetch_add(&l->rounds, 1);
    } else {
        fprintf(stderr, "{\"level\":\"warn\",\"event\":\"audit_link_failed\",\"sqlstate\":\"%s\"}\n",
                PQresultErrorField(res, PG_DIAG_SQLSTATE) ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "");
    }
    PQclear(res);
    return n;
}

/* Waits, within the connection's lock timeout (a second), for the open imports to end
 * (sql/046_audit_link_set_based.sql); 0 when they ended or the wait ran out (the loop asks
 * again), -1 when the statement failed. */
static int wait_for_imports(PGconn *pg)
{
    PGresult *res = PQexec(pg, "SELECT audit_imports_wait()");
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
    PQclear(res);
    return rc;
}

static void *link_loop(void *arg)
{
    sf_audit_linker *l = arg;
    PGconn *pg = NULL;
    int retry_ms = 100, pause_ms = SF_AUDIT_LINK_POLL_MS;
    while (!atomic_load(&l->stopping)) {
        if (pg == NULL && (pg = connect_linker(l->conninfo)) == NULL) {
            if (!nap(l, retry_ms))
                break;
            retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
            continue;
        }
        long n = round_once(l, pg);
        if (n == IMPORT_OPEN) {   /* nothing to look at until it ends: wait for that, not poll */
            if (wait_for_imports(pg) == 0)
                continue;
            n = ROUND_FAILED;
        }
        if (n < 0 && PQstatus(pg) != CONNECTION_OK) {
            PQfinish(pg);
            pg = NULL;
            continue;
        }
        if (n < 0) {   /* a lock timeout, say: the next round later, and a log line less often */
            if (!nap(l, retry_ms))
                break;
            retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
            continue;
        }
        retry_ms = 100;
        /* a full batch: more are waiting, no pause. Otherwise SF_AUDIT_LINK_POLL_MS after a round
         * that linked events, and twice the last pause after one that found none, up to
         * SF_AUDIT_LINK_IDLE_MS: a quiet server polls ten times a second, not a hundred */
        pause_ms = n > 0 ? SF_AUDIT_LINK_POLL_MS
                         : (pause_ms * 2 > SF_AUDIT_LINK_IDLE_MS ? SF_AUDIT_LINK_IDLE_MS : pause_ms * 2);
        if (n < SF_AUDIT_LINK_BATCH && !nap(l, pause_ms))
            break;
    }
    PQfinish(pg);
    return NULL;
}

sf_audit_linker *sf_audit_linker_start(const char *conninfo)
{
    sf_audit_linker *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    atomic_init(&l->stopping, 0);
    atomic_init(&l->rounds, 0);
    l->wake[0] = l->wake[1] = -1;
    l->conninfo = conninfo ? strdup(conninfo) : NULL;
    if (l->conninfo == NULL || pipe(l->wake) != 0 || pthread_create(&l->thread, NULL, link_loop, l) != 0) {
        if (l->wake[0] >= 0) {
            close(l->wake[0]);
            close(l->wake[1]);
        }
        free(l->conninfo);
        free(l);
        return NULL;
    }
    return l;
}

long sf_audit_linker_rounds(sf_audit_linker *l)
{
    return atomic_load(&l->rounds);
}

int sf_audit_linker_stop(sf_audit_linker *l)
{
    if (l == NULL)
        return 0;
    atomic_store(&l->stopping, 1);
    ssize_t w = write(l->wake[1], "x", 1);
    (void)w;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += LINKER_STOP_WAIT_S;
    if (pthread_timedjoin_np(l->thread, NULL, &until) != 0)
        return -1;   /* waiting on a database that hangs: left to it */
    close(l->wake[0]);
    close(l->wake[1]);
    free(l->conninfo);
    free(l);
    return 0;
}
