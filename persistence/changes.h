/*
 * The public change feed: what the registry and the publicity notices show, in commit order.
 */
#ifndef SF_REPO_CHANGES_H
#define SF_REPO_CHANGES_H

#include <stdint.h>

#include "domain/status.h"
#include "persistence/pool.h"

/* Up to `limit` changes after cursor `after`, as a JSON array; *last is the cursor of the
 * last one (or `after` when there is none). */
sf_status sf_changes_after(sf_pool *pool, int64_t after, int limit, char **items, int64_t *last);

#endif
