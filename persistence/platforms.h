/*
 * Platforms and their operators.
 */
#ifndef SF_REPO_PLATFORMS_H
#define SF_REPO_PLATFORMS_H

#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    const char *name;
    const char *region_code;
    const char *functions;        /* PostgreSQL array literal, e.g. {training,financing} */
    const char *operator_name;
    const char *credit_code;
    const char *established_on;   /* may be NULL */
    const char *address;
} sf_platform_fields;

typedef struct {
    char region_code[8];
    int64_t created_by_org;
    int64_t operator_org;   /* the company operating it, 0 if it has no account */
    int version;
} sf_platform_meta;

sf_status sf_platform_create(sf_pool *pool, const sf_actor *actor, const sf_platform_fields *f, char **doc,
                             sf_errors *errors);

/* The document and what scope checks need. SF_NOT_FOUND if absent. */
sf_status sf_platform_get(sf_pool *pool, int64_t id, char **doc, sf_platform_meta *meta);

/* Fields left NULL keep their value. SF_CONFLICT if the platform is no longer at
 * `expected_version` (someone else changed it first). */
sf_status sf_platform_update(sf_pool *pool, const sf_actor *actor, int64_t id, int expected_version,
                             const sf_platform_fields *f, char **doc, sf_errors *errors);

/* Where the platform stands for domain/platforms.h: under review (an application recommended,
 * approved or publicized) and titled (a title active or pending revocation, as award_status()
 * derives it). */
sf_status sf_platform_standing_read(sf_pool *pool, int64_t id, int *under_review, int *titled);

/* The caller's platforms (scope of domain/permissions.h), optionally by a substring of the
 * name and by region. */
sf_status sf_platform_list(sf_pool *pool, const sf_caller *caller, const char *q, const char *region,
                           int64_t after_id, int limit, int desc, char **items, int64_t *next_after, int64_t *total);

#endif
