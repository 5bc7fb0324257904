/*
 * The working-day calendar in the database (sql/005_calendar.sql).
 */
#ifndef SF_REPO_CALENDAR_H
#define SF_REPO_CALENDAR_H

#include "domain/calendar.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

/* A loaded calendar: `cal` points into the arrays owned here. Free with sf_calendar_free. */
typedef struct {
    sf_calendar cal;
    sf_day *holidays, *makeup;
    int *years;
    sf_day today;   /* the database's date (Asia/Shanghai), read with the calendar */
} sf_calendar_data;

/* Loads every known year (a few hundred rows at most) and today's date. */
sf_status sf_calendar_load(sf_pool *pool, sf_calendar_data *out);
void sf_calendar_free(sf_calendar_data *data);

/* The year's exceptions as {"year","holidays":[…],"working_days":[…]} (free()); SF_NOT_FOUND
 * if the year is unknown. */
sf_status sf_calendar_year_json(sf_pool *pool, int year, char **json);

/* A year's exceptions as PostgreSQL date-array literals, and the days of adjacent years its
 * official notice lists (kept under their own dates; checked to agree with their years). */
typedef struct {
    const char *holidays, *working_days;
    const char *other_off, *other_working;
} sf_calendar_days;

/* Replaces the year's exceptions and adds the adjacent years' days not stored yet, with its
 * audit event; *created tells whether the year was new. SF_CONFLICT, nothing written, when
 * the change would move the 15th working day of a published notice (Art. 18): those notices'
 * ids in `moved` (up to SF_CALENDAR_MOVED_MAX, *nmoved of them). */
#define SF_CALENDAR_MOVED_MAX 20
sf_status sf_calendar_put_year(sf_pool *pool, const sf_actor *actor, int year, const sf_calendar_days *days,
                               int *created, int64_t *moved, size_t *nmoved);

#endif
