/*
 * Readiness from a check made in the background (issue 14, item 1): GET /readyz answers from
 * the last check instead of reading the database itself, so a probe never waits for a pooled
 * connection or for a database round trip, and answers at once during a flood of logins or
 * of anything else.
 *
 * A thread of its own checks every `interval_ms` that the database answers and has every
 * migration applied (and, with a read replica, that the replica answers and has replayed
 * them), each over a connection of its own (a pool of one: a saturated request pool neither
 * delays the check nor fails it). What /readyz says is therefore at most one interval old;
 * a check that has not finished for a second beyond its interval (the database hangs) reads
 * as the database unavailable. The first check is made before sf_readiness_start returns.
 */
#ifndef SF_READINESS_H
#define SF_READINESS_H

#include "domain/codes.h"
#include "persistence/pool.h"

typedef struct sf_readiness sf_readiness;

/* Checks once, then every interval_ms on a thread of its own. replica_url NULL or equal to
 * the primary's: no replica. NULL on failure to start. */
sf_readiness *sf_readiness_start(const char *primary_url, const char *replica_url, int interval_ms);
/* Stops the checks and the guard: 0, or -1 when the check's thread did not end within
 * STOP_WAIT_S (it waits on a database that hangs: `r` is left to it, not freed). */
int sf_readiness_stop(sf_readiness *r);

/* SF_E_NONE when the last check found everything ready and is recent; else why not
 * (SF_E_DATABASE_UNAVAILABLE, SF_E_SCHEMA_NOT_MIGRATED, SF_E_REPLICA_UNAVAILABLE). */
sf_code sf_readiness_now(sf_readiness *r);

/* The guard of the request pools against a database that hangs (its server frozen, not gone:
 * a statement sent to it waits for ever, and with it the request's thread — with as many
 * waiting as there are threads, shifan answered nothing, /healthz and the registry's held
 * answers included). A thread of its own looks every GUARD_MS at each database the check
 * reads: once the check has waited two seconds for one (the day's turn, its statement timeout
 * and a margin), the request pool reading it fails fast (sf_pool_fail_fast: a request that
 * needs it answers 503 at once, the public registry's held answers are served) and every
 * statement that has waited a second on it is given up (sf_pool_abandon_waits: 503), the
 * check's own included, so that it tries again; until that database answers a check again.
 * `pool` writes and reads the primary; `read_pool` reads the replica if there is one (it may
 * be `pool`). Call once, after sf_readiness_start. */
void sf_readiness_guard(sf_readiness *r, sf_pool *pool, sf_pool *read_pool);
/* Whether the guard holds a database for hung now (a shutdown does not wait for it). */
int sf_readiness_hung(sf_readiness *r);

#endif
