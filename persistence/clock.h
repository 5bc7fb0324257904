/*
 * Milliseconds on the monotonic clock: what deadlines and intervals are measured in (the
 * readiness check's age and its guard, the registry listener's checks, the pool's waits).
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

#endif
