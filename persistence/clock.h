/*
 * Milliseconds on the monotonic clock: what deadlines and intervals are measured in (the
 * readiness check's age and its guard, the registry listener's checks, the pool's waits), and
 * a deadline some milliseconds from now.
 * Here, the lowest layer that reads the system, so that persistence/ and api/ share it.
 */
#ifndef SF_CLOCK_H
#define SF_CLOCK_H

#include <time.h>

static inline long long sf_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `ms` milliseconds from now on `clock`: a deadline for pthread_cond_timedwait (on the clock its
 * condition variable was made on), sem_clockwait or pthread_mutex_timedlock. */
static inline struct timespec sf_clock_after_ms(clockid_t clock, long long ms)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

#endif
