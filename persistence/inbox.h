/*
 * The inbox: the work that is the caller's now, computed from state (nothing is stored).
 */
#ifndef SF_REPO_INBOX_H
#define SF_REPO_INBOX_H

#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/pool.h"

/* A page (after position `after`, 0 from the start) of the JSON array of {kind, entity,
 * entity_id, title, due_on, overdue}, soonest due first (items without a due date last);
 * *next_after is the position of the page's last item when another page follows. */
/* The province's item for a missing calendar year, when domain/calendar.h raises it. */
typedef struct {
    int missing_year;
    sf_day needed_from;
} sf_inbox_calendar;

sf_status sf_inbox(sf_pool *pool, const sf_caller *caller, const sf_inbox_calendar *calendar, int64_t after, int limit,
                   char **items, int64_t *next_after, int64_t *total);

#endif
