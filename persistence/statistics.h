/*
 * Statistics (issue 17, point 4): the counts behind the province's charts and its reports,
 * aggregated in SQL. Scope: the province and the supervisor count everything; a city its own
 * region only (its platforms), whatever region it asks for.
 */
#ifndef SF_REPO_STATISTICS_H
#define SF_REPO_STATISTICS_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/pool.h"

/* Filters; 0 or NULL for "all". `year` is the round's year (titles, applications, renewals,
 * relaxation), the year of revocation (revocations) and the summary's year (annual summaries).
 * `at` (YYYY-MM-DD, NULL: today) is the date at which titles are counted. */
typedef struct {
    int year;
    int64_t round_id;
    const char *level;     /* province | city */
    const char *region;    /* a city's code */
    const char *at;
} sf_statistics_filter;

/* The sections counted in SQL, each a JSON array of objects (text, free() each):
 * titles        {region_code, function, level, status, count}   status as award_status_at()
 * applications  {round_id, recommender_org_id, draft, recommended, approved, publicized,
 *                awarded, rejected, withdrawn, returned, total}
 * revocations   {reason, year, count}
 * renewals      {round_id, titles, renewals}
 * relaxation    {round_id, region_code, recommended}                                        */
typedef struct {
    char *titles, *applications, *revocations, *renewals, *relaxation;
    char at[11];   /* the date the titles were counted at */
    int64_t version;   /* the statistics' version they were counted at (sf_statistics_version) */
    sf_day today;      /* the database's date they were counted on */
} sf_statistics_sections;
void sf_statistics_sections_free(sf_statistics_sections *s);

/* A group of titles that owed an annual summary of `year` (Art. 22: the titles the compliance
 * view lists), by city and by the date their summary arrived (`arrived` 0: none). Whether
 * that is on time, late or missing is decided by domain/supervision.c, not here. */
typedef struct {
    char region_code[8];
    int year;
    int arrived;
    sf_day received_on;
    int64_t count;
    sf_day today;   /* the database's date */
} sf_summary_group;

/* Reads every section and calls `group` for each summary group, sorted by city and year, all
 * in one snapshot (a REPEATABLE READ transaction) with the statistics' version. On failure
 * nothing is left allocated in `out`. */
sf_status sf_statistics_read(sf_pool *pool, const sf_caller *caller, const sf_statistics_filter *f,
                             sf_statistics_sections *out,
                             void (*group)(const sf_summary_group *g, void *ctx), void *ctx);

/* The statistics' version (sql/040_statistics_versions.sql): a number that grows with every
 * committed change to what the statistics count, and the database's date, read in one
 * snapshot. Sections read at the same version and date (and the same filters and scope) are
 * the same. */
sf_status sf_statistics_version(sf_pool *pool, int64_t *version, sf_day *today);

#endif
