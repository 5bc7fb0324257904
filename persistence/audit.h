/*
 * The actor recorded with each audit event. Events themselves are appended by the SQL
 * function audit_append() (sql/004_audit.sql) inside the statement or transaction that makes
 * the change, so a change and its event commit together or not at all.
 */
#ifndef SF_AUDIT_H
#define SF_AUDIT_H

#include <stdint.h>

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

#endif
