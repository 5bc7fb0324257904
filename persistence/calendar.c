/*
 * Loading and replacing calendar years (see calendar.h).
 */
#include "persistence/calendar.h"

#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

static const sf_stmt LOAD = {
    "SELECT 'y', year - 0, 0 FROM calendar_years"
    " UNION ALL SELECT CASE WHEN working THEN 'w' ELSE 'h' END, 0, day - date '1970-01-01' FROM calendar_exceptions"
    " UNION ALL SELECT 't', 0, current_date - date '1970-01-01'"
    " ORDER BY 1, 2, 3", 0};
static const sf_stmt YEAR_JSON = {
    "SELECT jsonb_build_object('year', y.year,"
    " 'holidays', coalesce((SELECT jsonb_agg(day ORDER BY day) FROM calendar_exceptions WHERE year = y.year AND NOT working), '[]'),"
    " 'working_days', coalesce((SELECT jsonb_agg(day ORDER BY day) FROM calendar_exceptions WHERE year = y.year AND working), '[]'),"
    " 'updated_at', rfc3339(y.updated_at))::text"
    " FROM calendar_years y WHERE y.year = $1", 1};
static const sf_stmt UPSERT_YEAR = {
    "INSERT INTO calendar_years (year) VALUES ($1) ON CONFLICT (year) DO UPDATE SET updated_at = now()"
    " RETURNING (xmax = 0)", 1};
static const sf_stmt CLEAR_YEAR = {"DELETE FROM calendar_exceptions WHERE year = $1", 1};
static const sf_stmt INSERT_DAYS = {
    "INSERT INTO calendar_exceptions (day, working)"
    " SELECT d, false FROM unnest($1::date[]) d UNION ALL SELECT d, true FROM unnest($2::date[]) d", 2};
/* Days of an adjacent year listed by a year's notice: their year is known and they agree with
 * it (checked before), so an existing row stays as it is. */
static const sf_stmt INSERT_OTHER_DAYS = {
    "INSERT INTO calendar_exceptions (day, working)"
    " SELECT d, false FROM unnest($1::date[]) d UNION ALL SELECT d, true FROM unnest($2::date[]) d"
    " ON CONFLICT (day) DO NOTHING", 2};
static const sf_stmt AUDIT_YEAR = {
    "SELECT audit_append($1, $2, 'calendar.replaced', 'calendar', $3,"
    " jsonb_build_object('holidays', $4::date[], 'working_days', $5::date[],"
    "                    'adjacent_days_off', $7::date[], 'adjacent_working_days', $8::date[]), $6)", 8};

sf_status sf_calendar_load(sf_pool *pool, sf_calendar_data *out)
{
    memset(out, 0, sizeof *out);
    PGresult *res;
    sf_status status = sf_db_read(pool, &LOAD, NULL, &res, NULL);
    if (status != SF_OK)
        return status;
    int n = PQntuples(res);
    out->holidays = calloc((size_t)n + 1, sizeof *out->holidays);
    out->makeup = calloc((size_t)n + 1, sizeof *out->makeup);
    out->years = calloc((size_t)n + 1, sizeof *out->years);
    if (!out->holidays || !out->makeup || !out->years) {
        PQclear(res);
        sf_calendar_free(out);
        return SF_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        char kind = PQgetvalue(res, i, 0)[0];
        if (kind == 'y')
            out->years[out->cal.nyears++] = (int)sf_db_get_int(res, i, 1);
        else if (kind == 'h')
            out->holidays[out->cal.nholidays++] = (sf_day)sf_db_get_int(res, i, 2);
        else if (kind == 't')
            out->today = (sf_day)sf_db_get_int(res, i, 2);
        else
            out->makeup[out->cal.nmakeup++] = (sf_day)sf_db_get_int(res, i, 2);
    }
    PQclear(res);
    out->cal.holidays = out->holidays;
    out->cal.makeup_days = out->makeup;
    out->cal.years = out->years;
    return SF_OK;
}

void sf_calendar_free(sf_calendar_data *d)
{
    free(d->holidays);
    free(d->makeup);
    free(d->years);
    memset(d, 0, sizeof *d);
}

sf_status sf_calendar_year_json(sf_pool *pool, int year, char **json)
{
    sf_int_text y = sf_int_to_text(year);
    const char *params[] = {y.s};
    return sf_db_read_text(pool, &YEAR_JSON, params, json);
}

typedef struct {
    const sf_actor *actor;
    int year;
    const sf_calendar_days *days;
    int *created;
} put_args;

static sf_status put_body(sf_conn *conn, void *p)
{
    put_args *a = p;
    sf_int_text y = sf_int_to_text(a->year);
    const char *yp[] = {y.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &UPSERT_YEAR, yp, &res, NULL);
    if (status != SF_OK)
        return status;
    *a->created = sf_db_get_bool(res, 0, 0);
    PQclear(res);
    if ((status = sf_db_exec(conn, &CLEAR_YEAR, yp, NULL, NULL)) != SF_OK)
        return status;
    const sf_calendar_days *days = a->days;
    const char *dp[] = {days->holidays, days->working_days};
    if ((status = sf_db_exec(conn, &INSERT_DAYS, dp, NULL, NULL)) != SF_OK)
        return status;
    const char *op[] = {days->other_off, days->other_working};
    if ((status = sf_db_exec(conn, &INSERT_OTHER_DAYS, op, NULL, NULL)) != SF_OK)
        return status;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *params[] = {ap.values[0], ap.values[1], y.s, days->holidays, days->working_days, ap.values[2],
                            days->other_off, days->other_working};
    return sf_db_exec(conn, &AUDIT_YEAR, params, NULL, NULL);
}

sf_status sf_calendar_put_year(sf_pool *pool, const sf_actor *actor, int year, const sf_calendar_days *days,
                               int *created)
{
    put_args a = {actor, year, days, created};
    return sf_tx_run(pool, put_body, &a);
}
