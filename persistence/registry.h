/*
 * The public registry (Art. 19, 21): one row per platform that holds or held a title, kept by
 * the triggers of sql/013_registry.sql (and notifying its readers, sql/027); its reads.
 */
#ifndef SF_REPO_REGISTRY_H
#define SF_REPO_REGISTRY_H

#include <stdint.h>

#include "domain/status.h"
#include "persistence/pool.h"

typedef struct {
    const char *q;           /* substring of the platform or operator name */
    const char *region;
    const char *function;
    const char *status;
    int award_year;          /* 0: any */
} sf_registry_filter;

/* A page of the registry. */
sf_status sf_registry_list(sf_pool *pool, const sf_registry_filter *f, int64_t after_id, int limit, int desc, char **items,
                           int64_t *next_after, int64_t *total);
/* The same selection, all rows (at most 100,000), as a JSON array of arrays: id, name,
 * operator, region code, region name, functions (;-separated), level, certificate, awarded,
 * valid from, valid until, status, revoked on, revocation reason. */
sf_status sf_registry_export(sf_pool *pool, const sf_registry_filter *f, char **rows);
sf_status sf_registry_get(sf_pool *pool, int64_t platform_id, char **doc);

/* Chooses again, now that a date may have passed, the entries whose title is no longer in force
 * while another title of their platform is — a renewal's first day (sql/059 registry_turn_day):
 * *turned, how many. */
sf_status sf_registry_turn_day(sf_pool *pool, int *turned);

/* A connection of its own that LISTENs to the registry's change notifications
 * (sql/027_registry_notify.sql), for the public cache's thread (api/public_cache.h). */
typedef struct sf_registry_listener sf_registry_listener;
/* A notification's payload: "<version> <id>,<id>,…" or "<version> *". */
typedef void (*sf_registry_heard)(void *arg, const char *payload);
/* Connects (application_name "shifan-registry-listener", the pool's session settings),
 * LISTENs, then reads the database's date (days since 2000-01-01) and the registry's
 * version: everything committed after that read is notified. NULL when it cannot. */
sf_registry_listener *sf_registry_listen(const char *conninfo, int32_t *day, int64_t *version);
/* Waits up to `ms` for notifications, handing each to `heard`, or for `stop_fd` to be
 * readable. 1: sound (notifications or none), 0: the connection is lost, -1: stop. */
int sf_registry_listener_wait(sf_registry_listener *l, int stop_fd, int ms, sf_registry_heard heard, void *arg);
/* Asks the database's date, waiting at most `ms` for the answer (notifications meanwhile go to
 * `heard`). 1: answered, 0: the connection is lost or too slow, -1: stop. */
int sf_registry_listener_check(sf_registry_listener *l, int stop_fd, int ms, int32_t *day, sf_registry_heard heard,
                               void *arg);
void sf_registry_listener_close(sf_registry_listener *l);

#endif
