/*
 * The actor recorded with each audit event. Events themselves are appended by the SQL
 * function audit_append() (sql/031_audit_linker.sql) inside the statement or transaction that
 * makes the change, so a change and its event commit together or not at all; a linker gives
 * them their position in the hash chain after they commit (persistence/audit_linker.h). The
 * trail is read back (Art. 25) by sf_audit_list, and its hash chain checked by
 * sf_audit_verify; both link first, so they see every event committed before them.
 */
#ifndef SF_AUDIT_H
#define SF_AUDIT_H

#include <stdint.h>

#include "domain/status.h"
#include "persistence/pool.h"

typedef struct {
    int64_t user_id;         /* 0: shifan itself (bootstrap) */
    int64_t org_id;          /* 0: none */
    const char *request_id;  /* may be NULL */
} sf_actor;

/* The actor's fields as statement parameters: NULL for 0 / absent. `buf` holds the text. */
typedef struct {
    char user_id[24];
    char org_id[24];
    const char *values[3];   /* user_id, org_id, request_id */
} sf_actor_params;

void sf_actor_to_params(const sf_actor *actor, sf_actor_params *out);

typedef struct {
    const char *entity;
    int64_t entity_id;       /* 0: any */
    int64_t actor;           /* 0: any */
    const char *from, *to;   /* RFC 3339 or date, or NULL */
} sf_audit_filter;

/* Links every committed event not linked yet, waiting for a linker at work: a read of
 * positions after it sees every event committed before the call. */
sf_status sf_audit_link(sf_pool *pool);

/* Events by seq (linked events only, after sf_audit_link); the keyset is seq. */
sf_status sf_audit_list(sf_pool *pool, const sf_audit_filter *f, int64_t after_seq, int limit, int desc, char **items,
                        int64_t *next_after, int64_t *total);

/* Recomputes every hash: *ok, *checked, *first_broken (0 when none). The chain is checked
 * in up to four parts at once, one more for each further `sf_audit_verify_part_rows` events
 * (default 100,000), on as many connections as are free. */
sf_status sf_audit_verify(sf_pool *pool, int *ok, int64_t *checked, int64_t *first_broken);
/* Sets the events per extra part (for tests, so that a short chain is split too). */
void sf_audit_verify_set_part_rows(int64_t rows);

#endif
