/*
 * Awards (Art. 19, 23, 24), the public registry (Art. 21) and the audit trail (Art. 25).
 */
#ifndef SF_REPO_AWARDS_H
#define SF_REPO_AWARDS_H

#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    const char *status;      /* active | revocation_pending | revoked | expired, or NULL */
    const char *level;       /* province | city, or NULL */
    int64_t platform_id;     /* 0: any */
    int64_t round_id;        /* 0: any */
    int expires_in;          /* a year: titles whose valid_until falls in it (Art. 23 renewals); 0: any */
} sf_award_filter;

sf_status sf_award_list(sf_pool *pool, const sf_caller *caller, const sf_award_filter *f, int64_t after_id, int limit, int desc,
                        char **items, int64_t *next_after);
sf_status sf_award_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

/* Revokes an active (or revocation-pending) title; only the authority that awarded it
 * (sf_decides_round) may; a revoked or expired title is SF_CONFLICT naming its status. */
sf_status sf_award_revoke(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                          const char *reason, const char *detail, char **doc, sf_errors *errors);

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


typedef struct {
    const char *entity;
    int64_t entity_id;       /* 0: any */
    int64_t actor;           /* 0: any */
    const char *from, *to;   /* RFC 3339 or date, or NULL */
} sf_audit_filter;

/* Events by seq; the keyset is seq. */
sf_status sf_audit_list(sf_pool *pool, const sf_audit_filter *f, int64_t after_seq, int limit, int desc, char **items,
                        int64_t *next_after);

/* Recomputes every hash: *ok, *checked, *first_broken (0 when none). The chain is checked
 * in up to four parts at once, one more for each further `sf_audit_verify_part_rows` events
 * (default 100,000), on as many connections as are free. */
sf_status sf_audit_verify(sf_pool *pool, int *ok, int64_t *checked, int64_t *first_broken);
/* Sets the events per extra part (for tests, so that a short chain is split too). */
void sf_audit_verify_set_part_rows(int64_t rows);

#endif
