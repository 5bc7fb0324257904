/*
 * Prometheus metrics: requests by route and status, a latency histogram by route, and the
 * database pool's connections in use and idle. Counting is lock-free (atomics); rendering
 * reads a consistent-enough snapshot, as Prometheus expects of counters.
 */
#ifndef SF_METRICS_H
#define SF_METRICS_H

#include <stddef.h>

#include "persistence/pool.h"

typedef struct sf_metrics sf_metrics;

/* Room for `nroutes` routes plus one slot for requests that matched no route. */
sf_metrics *sf_metrics_create(size_t nroutes);
void sf_metrics_destroy(sf_metrics *metrics);

/* Labels route i (0..nroutes-1) as method="…",route="…" in the exposition. */
void sf_metrics_label(sf_metrics *metrics, size_t route, const char *method, const char *path);

/* route: 0..nroutes-1, or nroutes for "unmatched". */
void sf_metrics_observe(sf_metrics *metrics, size_t route, int status, double seconds);

/* The exposition text. Allocated: the caller frees it. */
/* `calendar_last_year`: the last calendar year loaded (issue 15: an alert rule can watch that
 * it stays ahead), 0 when unknown (the gauge is then left out). */
char *sf_metrics_render(sf_metrics *metrics, const sf_pool_stats *pool, long in_flight, size_t buffered_bytes,
                         int calendar_last_year);

#endif
