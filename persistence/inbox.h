/*
 * The inbox: the work that is the caller's now, computed from state (nothing is stored).
 */
#ifndef SF_REPO_INBOX_H
#define SF_REPO_INBOX_H

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/pool.h"

/* A JSON array of {kind, entity, entity_id, title, due_on, overdue}, soonest due first
 * (items without a due date last). */
sf_status sf_inbox(sf_pool *pool, const sf_caller *caller, char **items);

#endif
