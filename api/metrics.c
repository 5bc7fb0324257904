/*
 * Request counters and latency histograms (see metrics.h).
 */
#include "api/metrics.h"

#include "api/views.h"
#include "domain/password.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statuses shifan answers; anything else is counted under "other". */
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409,
                               412, 413, 415, 422, 429, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKET (sizeof buckets / sizeof buckets[0])

typedef struct {
    atomic_ulong by_status[NSTATUS];
    atomic_ulong bucket[NBUCKET];        /* not cumulative: rendered as running sums */
    atomic_ulong count;
    atomic_ulong sum_us;
    char label[192];
} route_metrics;

struct sf_metrics {
    size_t nroutes;                      /* including the "unmatched" slot */
    route_metrics *routes;
};

sf_metrics *sf_metrics_create(size_t nroutes)
{
    sf_metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->nroutes = nroutes + 1;
    m->routes = calloc(m->nroutes, sizeof *m->routes);
    if (m->routes == NULL) {
        free(m);
        return NULL;
    }
    snprintf(m->routes[nroutes].label, sizeof m->routes[nroutes].label, "route=\"unmatched\"");
    return m;
}

void sf_metrics_destroy(sf_metrics *m)
{
    if (m == NULL)
        return;
    free(m->routes);
    free(m);
}

void sf_metrics_label(sf_metrics *m, size_t route, const char *method, const char *path)
{
    if (route + 1 < m->nroutes)
        snprintf(m->routes[route].label, sizeof m->routes[route].label,
                 "method=\"%s\",route=\"%s\"", method, path);
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void sf_metrics_observe(sf_metrics *m, size_t route, int status, double seconds)
{
    if (route >= m->nroutes)
        route = m->nroutes - 1;
    route_metrics *r = &m->routes[route];
    atomic_fetch_add_explicit(&r->by_status[status_slot(status)], 1, memory_order_relaxed);
    for (size_t b = 0; b < NBUCKET; b++)
        if (seconds <= buckets[b]) {
            atomic_fetch_add_explicit(&r->bucket[b], 1, memory_order_relaxed);
            break;
        }
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

char *sf_metrics_render(sf_metrics *m, const sf_pool_stats *pool, long in_flight, size_t buffered_bytes,
                         int calendar_last_year)
{
    sf_buf b = {0};
    sf_buf_printf(&b, "# HELP shifan_http_requests_total HTTP requests answered, by route and status.\n"
            "# TYPE shifan_http_requests_total counter\n");
    for (size_t i = 0; i < m->nroutes; i++) {
        const char *name = m->routes[i].label;
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long n = atomic_load_explicit(&m->routes[i].by_status[s], memory_order_relaxed);
            if (n == 0)
                continue;
            if (s == NSTATUS - 1)
                sf_buf_printf(&b, "shifan_http_requests_total{%s,status=\"other\"} %lu\n", name, n);
            else
                sf_buf_printf(&b, "shifan_http_requests_total{%s,status=\"%d\"} %lu\n", name, statuses[s], n);
        }
    }
    sf_buf_printf(&b, "# HELP shifan_http_request_duration_seconds Time from routing to the handler's answer.\n"
            "# TYPE shifan_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->nroutes; i++) {
        route_metrics *r = &m->routes[i];
        unsigned long count = atomic_load_explicit(&r->count, memory_order_relaxed);
        if (count == 0)
            continue;
        const char *name = m->routes[i].label;
        unsigned long cumulative = 0;
        for (size_t k = 0; k < NBUCKET; k++) {
            cumulative += atomic_load_explicit(&r->bucket[k], memory_order_relaxed);
            sf_buf_printf(&b, "shifan_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lu\n", name,
                buckets[k], cumulative);
        }
        sf_buf_printf(&b, "shifan_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n", name, count);
        sf_buf_printf(&b, "shifan_http_request_duration_seconds_sum{%s} %.6f\n", name,
            atomic_load_explicit(&r->sum_us, memory_order_relaxed) / 1e6);
        sf_buf_printf(&b, "shifan_http_request_duration_seconds_count{%s} %lu\n", name, count);
    }
    sf_buf_printf(&b, "# HELP shifan_http_requests_in_flight Requests received and not yet completed.\n"
            "# TYPE shifan_http_requests_in_flight gauge\nshifan_http_requests_in_flight %ld\n", in_flight);
    sf_buf_printf(&b, "# HELP shifan_http_buffered_body_bytes Bytes of request bodies held in memory now "
            "(bounded by SHIFAN_MAX_BUFFERED_BYTES; an upload counts up to the 64 KiB it holds before it streams to a file).\n"
            "# TYPE shifan_http_buffered_body_bytes gauge\nshifan_http_buffered_body_bytes %zu\n", buffered_bytes);
    sf_buf_printf(&b, "# HELP shifan_password_hash_iterations_total PBKDF2 iterations computed for logins and new "
            "passwords (an unknown username costs the same as a known one).\n"
            "# TYPE shifan_password_hash_iterations_total counter\nshifan_password_hash_iterations_total %llu\n",
        sf_password_iterations_spent());
    sf_buf_printf(&b, "# HELP shifan_db_pool_connections Database connections by state.\n"
            "# TYPE shifan_db_pool_connections gauge\n"
            "shifan_db_pool_connections{state=\"in_use\"} %d\n"
            "shifan_db_pool_connections{state=\"idle\"} %d\n"
            "# HELP shifan_db_pool_size Configured size of the database pool.\n"
            "# TYPE shifan_db_pool_size gauge\nshifan_db_pool_size %d\n"
            "# HELP shifan_db_pool_waiting Requests waiting for a database connection.\n"
            "# TYPE shifan_db_pool_waiting gauge\nshifan_db_pool_waiting %ld\n",
        pool->in_use, pool->idle, pool->size, pool->waiting);
    if (calendar_last_year > 0)
        sf_buf_printf(&b, "# HELP shifan_calendar_last_year The last year of the working-day calendar (Art. 18) loaded.\n"
                "# TYPE shifan_calendar_last_year gauge\nshifan_calendar_last_year %d\n", calendar_last_year);
    sf_buf_add(&b, "", 1);   /* the terminating NUL */
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}
