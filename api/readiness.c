/*
 * Readiness from a check made in the background (api/readiness.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "persistence/clock.h"
#include "api/readiness.h"
#include "persistence/migrate.h"
#include "persistence/pool.h"
#include "persistence/registry.h"

/* A check unfinished this long past its interval reads as the database unavailable. */
#define HANG_MS 1000
/* How often the background thread also turns the registry's day (check_loop). */
#define TURN_DAY_MS 60000
/* How often the guard looks (sf_readiness_guard), and how long a database's part of the check
 * must wait for it before the guard holds it for hung: longer than /readyz waits (HANG_MS), as
 * the guard refuses every request, and a check held up a moment on a machine short of CPU
 * must not do that. The day's turn, a write over possibly thousands of entries (on the day a
 * cohort of titles ends), is allowed its statement timeout and a margin. */
#define GUARD_MS 250
#define GUARD_HANG_MS 2000
#define TURN_TIMEOUT_MS 30000
#define TURN_HANG_MS (TURN_TIMEOUT_MS + 5000)
/* How long sf_readiness_stop waits for the check's thread (a check gives up within its
 * connect timeout once the guard holds its database for hung; a turn under way, within its
 * statement timeout). */
#define STOP_WAIT_S 40

/* One database the check reads, as the guard watches it: since when the check waits for it
 * (0: not now) and how long that may take, when it last answered, and whether it is held for
 * hung; with the request pool that reads it, which fails fast while it is. */
typedef struct {
    sf_pool *check;                /* the check's own pool; NULL: no such database */
    sf_pool *requests[2];          /* the request pools reading it (NULL: none) */
    atomic_llong busy_since_ms, busy_limit_ms, answered_ms;
    atomic_int hung;
    long long hung_at;             /* the guard's own */
} watched;

struct sf_readiness {
    sf_pool *primary, *replica;   /* pools of one connection each; replica NULL: none */
    watched dbs[2];               /* the primary, the replica (its `check` NULL: none) */
    int interval_ms;
    atomic_int code;              /* an sf_code: the last check's finding */
    atomic_llong checked_ms;      /* when the last check finished (CLOCK_MONOTONIC) */
    long long turned_ms;          /* when the registry's day was last turned (check_loop's own) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;                 /* under lock */
    /* the guard (sf_readiness_guard) */
    int guard_started;
    pthread_t guard;
    atomic_int guard_stopping;
};

/* Stamps around a wait for database `w` that the guard may judge (`limit_ms`: how long it may
 * take); `answered`: it answered. */
static void busy(watched *w, long long limit_ms)
{
    atomic_store(&w->busy_limit_ms, limit_ms);
    atomic_store(&w->busy_since_ms, sf_monotonic_ms());
}

static void idle(watched *w, int answered)
{
    atomic_store(&w->busy_since_ms, 0);
    if (answered)
        atomic_store(&w->answered_ms, sf_monotonic_ms());
}

static sf_status migrations_ready(watched *w, int *ready)
{
    busy(w, GUARD_HANG_MS);
    sf_status status = sf_migrations_ready(w->check, ready);
    idle(w, status == SF_OK);
    return status;
}

static sf_code check(sf_readiness *r)
{
    int ready = 0;
    if (migrations_ready(&r->dbs[0], &ready) != SF_OK)
        return SF_E_DATABASE_UNAVAILABLE;
    if (!ready)
        return SF_E_SCHEMA_NOT_MIGRATED;
    /* a replica has the primary's schema once it has replayed the migrations */
    if (r->replica != NULL && (migrations_ready(&r->dbs[1], &ready) != SF_OK || !ready))
        return SF_E_REPLICA_UNAVAILABLE;
    return SF_E_NONE;
}

static void check_and_keep(sf_readiness *r)
{
    atomic_store(&r->code, (int)check(r));
    atomic_store(&r->checked_ms, sf_monotonic_ms());
}

static void *check_loop(void *arg)
{
    sf_readiness *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long long ns = until.tv_nsec + (long long)r->interval_ms * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0) {
        }
        if (r->stopping)
            break;
        pthread_mutex_unlock(&r->lock);
        check_and_keep(r);
        /* The registry's entries are chosen when titles change; when a date passes, a renewal
         * that begins takes its platform's entry over from the title that ended
         * (persistence/registry.h). The check's own connection does it, once a minute while
         * the database is ready; one that failed (an import held the title writers' lock past
         * its half second) is tried again the next minute. */
        long long now = sf_monotonic_ms();
        if (atomic_load(&r->code) == (int)SF_E_NONE && now - r->turned_ms >= TURN_DAY_MS) {
            int turned;
            busy(&r->dbs[0], TURN_HANG_MS);
            sf_status status = sf_registry_turn_day(r->primary, &turned);
            idle(&r->dbs[0], status == SF_OK);
            r->turned_ms = now;
        }
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

sf_readiness *sf_readiness_start(const char *primary_url, const char *replica_url, int interval_ms)
{
    sf_readiness *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->interval_ms = interval_ms;
    /* the timeout of a checkout nobody else contends for: only a connection being made */
    r->primary = sf_pool_create(primary_url, 1, interval_ms + HANG_MS);
    int with_replica = replica_url != NULL && replica_url[0] != '\0' && strcmp(replica_url, primary_url) != 0;
    r->replica = with_replica ? sf_pool_create(replica_url, 1, interval_ms + HANG_MS) : NULL;
    /* a database that answers answers within this (the day's turn is the longest) */
    if (r->primary != NULL)
        sf_pool_set_statement_timeout(r->primary, TURN_TIMEOUT_MS);
    if (r->replica != NULL)
        sf_pool_set_statement_timeout(r->replica, TURN_TIMEOUT_MS);
    r->dbs[0].check = r->primary;
    r->dbs[1].check = r->replica;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int ok = r->primary != NULL && (!with_replica || r->replica != NULL) && pthread_mutex_init(&r->lock, NULL) == 0;
    if (ok && pthread_cond_init(&r->wake, &attr) != 0) {
        pthread_mutex_destroy(&r->lock);
        ok = 0;
    }
    pthread_condattr_destroy(&attr);
    if (ok) {
        check_and_keep(r);
        if (pthread_create(&r->thread, NULL, check_loop, r) != 0) {
            pthread_cond_destroy(&r->wake);
            pthread_mutex_destroy(&r->lock);
            ok = 0;
        }
    }
    if (!ok) {
        if (r->replica != NULL)
            sf_pool_destroy(r->replica);
        if (r->primary != NULL)
            sf_pool_destroy(r->primary);
        free(r);
        return NULL;
    }
    return r;
}

int sf_readiness_stop(sf_readiness *r)
{
    if (r == NULL)
        return 0;
    pthread_mutex_lock(&r->lock);
    r->stopping = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    /* the guard still gives up a check that hangs meanwhile; a thread that does not end is
     * left as it is, with everything it reads */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STOP_WAIT_S;
    if (pthread_timedjoin_np(r->thread, NULL, &until) != 0)
        return -1;
    if (r->guard_started) {
        atomic_store(&r->guard_stopping, 1);
        pthread_join(r->guard, NULL);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    if (r->replica != NULL)
        sf_pool_destroy(r->replica);
    sf_pool_destroy(r->primary);
    free(r);
    return 0;
}

sf_code sf_readiness_now(sf_readiness *r)
{
    if (sf_monotonic_ms() - atomic_load(&r->checked_ms) > r->interval_ms + HANG_MS)
        return SF_E_DATABASE_UNAVAILABLE;   /* the check hangs: so would a request */
    return (sf_code)atomic_load(&r->code);
}

/* ---- the guard ---- */

static void fail_fast(watched *w, int on)
{
    for (int k = 0; k < 2; k++)
        if (w->requests[k] != NULL)
            sf_pool_fail_fast(w->requests[k], on);
}

static void *guard_loop(void *arg)
{
    sf_readiness *r = arg;
    struct timespec pause = {0, GUARD_MS * 1000000L};
    while (!atomic_load(&r->guard_stopping)) {
        for (int i = 0; i < 2; i++) {
            watched *w = &r->dbs[i];
            if (w->check == NULL)
                continue;
            long long now = sf_monotonic_ms(), since = atomic_load(&w->busy_since_ms);
            if (!atomic_load(&w->hung) && since != 0 && now - since > atomic_load(&w->busy_limit_ms)) {
                w->hung_at = now;
                fail_fast(w, 1);
                atomic_store(&w->hung, 1);
                fprintf(stderr, "{\"level\":\"error\",\"event\":\"database_hangs\",\"database\":\"%s\"}\n",
                        i == 0 ? "primary" : "replica");
            }
            if (!atomic_load(&w->hung))
                continue;
            if (atomic_load(&w->answered_ms) > w->hung_at) {   /* it answered a check since */
                atomic_store(&w->hung, 0);
                fail_fast(w, 0);
                fprintf(stderr, "{\"level\":\"info\",\"event\":\"database_answers\",\"database\":\"%s\"}\n",
                        i == 0 ? "primary" : "replica");
            } else {
                for (int k = 0; k < 2; k++)
                    if (w->requests[k] != NULL)
                        sf_pool_abandon_waits(w->requests[k], HANG_MS);
                sf_pool_abandon_waits(w->check, HANG_MS);
            }
        }
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < 2; i++)
        fail_fast(&r->dbs[i], 0);
    return NULL;
}

void sf_readiness_guard(sf_readiness *r, sf_pool *pool, sf_pool *read_pool)
{
    if (r == NULL || r->guard_started)
        return;
    r->dbs[0].requests[0] = pool;
    /* the read pool reads the replica when there is one, else the primary */
    if (read_pool != pool)
        r->dbs[r->replica != NULL ? 1 : 0].requests[1] = read_pool;
    r->guard_started = pthread_create(&r->guard, NULL, guard_loop, r) == 0;
}

int sf_readiness_hung(sf_readiness *r)
{
    return r != NULL && (atomic_load(&r->dbs[0].hung) || atomic_load(&r->dbs[1].hung));
}
