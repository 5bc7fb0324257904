/*
 * Loading and replacing calendar years (see calendar.h).
 */
#include "persistence/calendar.h"

#include <stdlib.h>
#include <string.h>

#include "domain/transitions.h"
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
/* The notices whose window a change of `year` may move: those ending in it or after its start,
 * and starting before it ends (an end date never moves a notice that ended before the year). */
static const sf_stmt NOTICES_OF_YEAR = {
    "SELECT id, start_date - date '1970-01-01', end_date - date '1970-01-01' FROM publicity_notices"
    " WHERE end_date >= make_date($1, 1, 1) AND start_date <= make_date($1, 12, 31) ORDER BY id", 1};
static const sf_stmt AUDIT_YEAR = {
    "SELECT audit_append($1, $2, 'calendar.replaced', 'calendar', $3,"
    " jsonb_build_object('holidays', $4::date[], 'working_days', $5::date[],"
    "                    'adjacent_days_off', $7::date[], 'adjacent_working_days', $8::date[]), $6)", 8};

/* Fills `out` from LOAD's result (cleared). */
static sf_status take_calendar(PGresult *res, sf_calendar_data *out);

sf_status sf_calendar_load(sf_pool *pool, sf_calendar_data *out)
{
    memset(out, 0, sizeof *out);
    PGresult *res;
    sf_status status = sf_db_read(pool, &LOAD, NULL, &res, NULL);
    if (status != SF_OK)
        return status;
    return take_calendar(res, out);
}

static sf_status take_calendar(PGresult *res, sf_calendar_data *out)
{
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
    int64_t *moved;      /* the notices the change would move (SF_CONFLICT), up to SF_CALENDAR_MOVED_MAX */
    size_t *nmoved;
} put_args;

/* A change of the year that would move a published notice's window (domain/transitions.h,
 * sf_notice_window_stands) is refused, naming the notices (SF_CONFLICT), rather than silently
 * shortening or lengthening a publicity (from an outside review: an end date stood while the
 * calendar said otherwise, and objections closed a working day early). Read within the
 * writing transaction, after the change. */
static sf_status notices_stay(sf_conn *conn, int year, int64_t *moved, size_t *nmoved)
{
    *nmoved = 0;
    sf_int_text y = sf_int_to_text(year);
    const char *yp[] = {y.s};
    PGresult *res;
    sf_status status = sf_db_exec(conn, &NOTICES_OF_YEAR, yp, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_OK;
    }
    PGresult *days;
    if ((status = sf_db_exec(conn, &LOAD, NULL, &days, NULL)) != SF_OK) {
        PQclear(res);
        return status;
    }
    sf_calendar_data cal;
    memset(&cal, 0, sizeof cal);
    if ((status = take_calendar(days, &cal)) != SF_OK) {
        PQclear(res);
        return status;
    }
    for (int i = 0; i < PQntuples(res) && *nmoved < SF_CALENDAR_MOVED_MAX; i++)
        if (!sf_notice_window_stands(&cal.cal, (sf_day)sf_db_get_int(res, i, 1), (sf_day)sf_db_get_int(res, i, 2)))
            moved[(*nmoved)++] = sf_db_get_int(res, i, 0);
    sf_calendar_free(&cal);
    PQclear(res);
    return *nmoved > 0 ? SF_CONFLICT : SF_OK;
}

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
    if ((status = notices_stay(conn, a->year, a->moved, a->nmoved)) != SF_OK)
        return status;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    const char *params[] = {ap.values[0], ap.values[1], y.s, days->holidays, days->working_days, ap.values[2],
                            days->other_off, days->other_working};
    return sf_db_exec(conn, &AUDIT_YEAR, params, NULL, NULL);
}

sf_status sf_calendar_put_year(sf_pool *pool, const sf_actor *actor, int year, const sf_calendar_days *days,
                               int *created, int64_t *moved, size_t *nmoved)
{
    put_args a = {actor, year, days, created, moved, nmoved};
    return sf_tx_run(pool, put_body, &a);
}
