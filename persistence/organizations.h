/*
 * The organisations repository: provinces, cities, associations, assessors, supervisors.
 */
#ifndef SF_REPO_ORGANIZATIONS_H
#define SF_REPO_ORGANIZATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    int64_t id;
    char type[16];
    char name[808];        /* 200 characters of up to 4 bytes */
    char region_code[8];
    char created_at[40];   /* RFC 3339 */
    char credit_code[24];  /* a platform company's unified social credit code, else "" */
} sf_organization;

/* Inserts an organisation and its audit event in one statement. A second city organisation
 * for the same region, or a duplicate name, is SF_CONFLICT with a field error. */
sf_status sf_org_create(sf_pool *pool, const sf_actor *actor, const char *type, const char *name,
                        const char *region_code, const char *credit_code, sf_organization *out, sf_errors *errors);

/* The organisation if `caller` may read it (ORG_VISIBLE; NULL: unscoped), else SF_NOT_FOUND. */
sf_status sf_org_get(sf_pool *pool, const sf_caller *caller, int64_t id, sf_organization *out);

#define SF_ORG_PAGE_MAX 100
typedef struct {
    const sf_caller *caller;  /* whose scope (NULL: every organisation) */
    const char *type;     /* NULL: all types */
    int64_t after_id;     /* keyset: only ids greater than this */
    int limit;            /* 1..SF_ORG_PAGE_MAX */
} sf_org_query;

/* Fills items (capacity query->limit) ordered by id; *has_more tells whether another page
 * follows; *total (when not NULL) counts every match, paging aside. */
sf_status sf_org_list(sf_pool *pool, const sf_org_query *query, sf_organization *items,
                      size_t *count, int *has_more, int64_t *total);

#endif
