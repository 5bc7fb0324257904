/*
 * Readiness from a check made in the background (api/readiness.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clock.h"
#include "api/readiness.h"
#include "persistence/migrate.h"
#include "persistence/pool.h"
#include "persistence/registry.h"

/* A check unfinished this long past its interval reads as the database unavailable. */
#define HANG_MS 1000
/* How often the background thread also turns the registry's day (check_loop). */
#define TURN_DAY_MS 60000
/* How often the guard looks (sf_readiness_guard), and how long beyond its interval a check
 * must hang before the guard holds the database for hung: longer than /readyz waits
 * (HANG_MS), as the guard refuses every request, and a check held up a moment on a machine
 * short of CPU must not do that. */
#define GUARD_MS 250
#define GUARD_HANG_MS 2000
#define GUARDED_MAX 2

struct sf_readiness {
    sf_pool *primary, *replica;   /* pools of one connection each; replica NULL: none */
    int interval_ms;
    atomic_int code;              /* an sf_code: the last check's finding */
    atomic_llong checked_ms;      /* when the last check finished (CLOCK_MONOTONIC) */
    long long turned_ms;          /* when the registry's day was last turned (check_loop's own) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;                 /* under lock */
    /* the guard (sf_readiness_guard) */
    sf_pool *guarded[GUARDED_MAX];
    int nguarded, guard_started;
    pthread_t guard;
    atomic_int guard_stopping, hung;
};

static sf_code check(sf_readiness *r)
{
    int ready = 0;
    if (sf_migrations_ready(r->primary, &ready) != SF_OK)
        return SF_E_DATABASE_UNAVAILABLE;
    if (!ready)
        return SF_E_SCHEMA_NOT_MIGRATED;
    /* a replica has the primary's schema once it has replayed the migrations */
    if (r->replica != NULL && (sf_migrations_ready(r->replica, &ready) != SF_OK || !ready))
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
            (void)sf_registry_turn_day(r->primary, &turned);
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

void sf_readiness_stop(sf_readiness *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->lock);
    r->stopping = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);   /* the guard still gives up a check that hangs */
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
}

sf_code sf_readiness_now(sf_readiness *r)
{
    if (sf_monotonic_ms() - atomic_load(&r->checked_ms) > r->interval_ms + HANG_MS)
        return SF_E_DATABASE_UNAVAILABLE;   /* the check hangs: so would a request */
    return (sf_code)atomic_load(&r->code);
}

/* ---- the guard ---- */

static void abandon_all(sf_readiness *r)
{
    for (int i = 0; i < r->nguarded; i++)
        sf_pool_abandon_waits(r->guarded[i], HANG_MS);
    sf_pool_abandon_waits(r->primary, HANG_MS);
    if (r->replica != NULL)
        sf_pool_abandon_waits(r->replica, HANG_MS);
}

static void fail_fast(sf_readiness *r, int on)
{
    for (int i = 0; i < r->nguarded; i++)
        sf_pool_fail_fast(r->guarded[i], on);
}

static void *guard_loop(void *arg)
{
    sf_readiness *r = arg;
    long long hung_at = 0;
    struct timespec pause = {0, GUARD_MS * 1000000L};
    while (!atomic_load(&r->guard_stopping)) {
        long long now = sf_monotonic_ms(), checked = atomic_load(&r->checked_ms);
        int stale = now - checked > r->interval_ms + HANG_MS;
        if (!atomic_load(&r->hung) && now - checked > r->interval_ms + GUARD_HANG_MS) {
            hung_at = now;
            fail_fast(r, 1);
            atomic_store(&r->hung, 1);
            fprintf(stderr, "{\"level\":\"error\",\"event\":\"database_hangs\"}\n");
        }
        if (atomic_load(&r->hung)) {
            /* a check answered since: the database speaks again (whatever it said) */
            if (!stale && checked > hung_at && atomic_load(&r->code) != (int)SF_E_DATABASE_UNAVAILABLE) {
                atomic_store(&r->hung, 0);
                fail_fast(r, 0);
                fprintf(stderr, "{\"level\":\"info\",\"event\":\"database_answers\"}\n");
            } else {
                abandon_all(r);
            }
        }
        nanosleep(&pause, NULL);
    }
    fail_fast(r, 0);
    return NULL;
}

void sf_readiness_guard(sf_readiness *r, sf_pool *const *pools, int n)
{
    if (r == NULL || r->guard_started)
        return;
    for (int i = 0; i < n && r->nguarded < GUARDED_MAX; i++)
        if (pools[i] != NULL && (r->nguarded == 0 || r->guarded[0] != pools[i]))
            r->guarded[r->nguarded++] = pools[i];
    r->guard_started = pthread_create(&r->guard, NULL, guard_loop, r) == 0;
}

int sf_readiness_hung(sf_readiness *r)
{
    return r != NULL && atomic_load(&r->hung);
}
