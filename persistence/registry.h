/*
 * The public registry (Art. 19, 21): one row per platform that holds or held a title, kept by
 * the triggers of sql/013_registry.sql; the reads of the registry and of its stamp.
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

/* What the registry's answers depend on besides the request, read in one snapshot: its
 * version (bumped with every change, sql/014_registry_version.sql), the database's date
 * (titles expire by it) and the database server's start (a restored backup restarts it, and
 * may bring the version back to a number it had). SF_NOT_FOUND if the version row is gone. */
typedef struct {
    int64_t version;
    int64_t epoch;
    int32_t day;   /* days since 2000-01-01 */
} sf_registry_stamp;
sf_status sf_registry_stamp_read(sf_pool *pool, sf_registry_stamp *stamp);

/* A page of the registry; *stamp (if not NULL) is the stamp of the snapshot it was read
 * from, version 0 when unknown. */
sf_status sf_registry_list(sf_pool *pool, const sf_registry_filter *f, int64_t after_id, int limit, int desc, char **items,
                           int64_t *next_after, sf_registry_stamp *stamp);
/* The same selection, all rows (at most 100,000), as a JSON array of arrays: id, name,
 * operator, region code, region name, functions (;-separated), level, certificate, awarded,
 * valid from, valid until, status, revoked on, revocation reason. */
sf_status sf_registry_export(sf_pool *pool, const sf_registry_filter *f, char **rows);
sf_status sf_registry_get(sf_pool *pool, int64_t platform_id, char **doc);

#endif
