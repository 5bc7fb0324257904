/*
 * /v1/calendar: the working-day calendar of Art. 18. Anyone with a token reads it and asks
 * for "the 15th working day from…"; the province adds or corrects a year.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/calendar.h"
#include "persistence/calendar.h"

/* The year from the path: 1900–9999, else 0. */
static int path_year(const sf_ctx *ctx)
{
    int64_t y = sf_path_id(ctx, "year");
    return y >= 1900 && y <= 9999 ? (int)y : 0;
}

void sf_get_calendar_year(sf_ctx *ctx)
{
    int year = path_year(ctx);
    char *doc = NULL;
    sf_status status = year ? sf_calendar_year_json(ctx->app->pool, year, &doc) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_CALENDAR_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_reply_doc(ctx, 200, doc);
}

/* A JSON array of distinct dates of `year`, as a date-array literal. The notices also list
 * days that merely confirm the ordinary rule (a Sunday inside a holiday as off), so the day
 * of the week is not checked. */
static char *read_days(json_t *list, const char *field, int year, sf_errors *e)
{
    if (!json_is_array(list) || json_array_size(list) > 366) {
        sf_errors_add(e, field, SF_E_NOT_DATE_ARRAY);
        return NULL;
    }
    char *out = malloc(json_array_size(list) * 11 + 3);
    if (out == NULL)
        return NULL;
    strcpy(out, "{");
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        sf_day d;
        int y, m, dd;
        const char *text = json_string_value(v);
        if (text == NULL || !sf_date_parse(text, &d)) {
            sf_errors_add(e, field, SF_E_ITEM_NOT_DATE, SF_INT("index", i));
            continue;
        }
        sf_day_to_ymd(d, &y, &m, &dd);
        if (y != year)
            sf_errors_add(e, field, SF_E_DATE_NOT_IN_YEAR, SF_TEXT("date", text), SF_INT("year", year));
        else if (strstr(out, text) != NULL)
            sf_errors_add(e, field, SF_E_LISTED_TWICE, SF_TEXT("item", text));
        if (i > 0)
            strcat(out, ",");
        strcat(out, text);
    }
    strcat(out, "}");
    return out;
}

/* The official data set's year file ({"year", "days":[{"name","date","isOffDay"}]}, as the
 * holiday-cn files publish the State Council's notices): its days of `year` are appended to
 * `holidays` and `working` (the plain form's two lists), and the days of adjacent years —
 * checked against the stored calendar by domain/calendar.h — are written as date-array
 * literals into other_off and other_working (each at least 11 × 32 + 3 bytes). */
#define MAX_OTHER_DAYS 32
static void read_official(json_t *body, int year, const sf_calendar *stored, json_t *holidays, json_t *working,
                          char *other_off, char *other_working, sf_errors *e)
{
    static const char *const fields[] = {"$schema", "$id", "year", "papers", "days", NULL};
    static const char *const day_fields[] = {"name", "date", "isOffDay", NULL};
    sf_json_only(body, fields, e);
    json_t *y = json_object_get(body, "year");
    if (!json_is_integer(y) || json_integer_value(y) != year)
        sf_errors_add(e, "year", SF_E_YEAR_NOT_PATH, SF_INT("year", year));
    json_t *days = json_object_get(body, "days");
    if (!json_is_array(days) || json_array_size(days) > 400) {
        sf_errors_add(e, "days", SF_E_CALENDAR_DAYS_INVALID);
        return;
    }
    sf_calendar_entry entries[400];
    size_t n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(days, i, v) {
        sf_errors sub;
        sf_errors_init(&sub);
        if (json_is_object(v))
            sf_json_only(v, day_fields, &sub);
        const char *date = json_string_value(json_object_get(v, "date"));
        json_t *off = json_object_get(v, "isOffDay");
        sf_day d;
        if (!json_is_object(v) || sf_errors_any(&sub) || date == NULL || !sf_date_parse(date, &d) ||
            !json_is_boolean(off) || !json_is_string(json_object_get(v, "name"))) {
            sf_errors_add(e, "days", SF_E_CALENDAR_DAY_INVALID, SF_INT("index", i));
            continue;
        }
        entries[n++] = (sf_calendar_entry){d, !json_is_true(off)};
    }
    if (sf_errors_any(e) || sf_calendar_check_notice(year, entries, n, stored, e) != SF_OK)
        return;
    strcpy(other_off, "{");
    strcpy(other_working, "{");
    size_t others = 0;
    for (size_t k = 0; k < n; k++) {
        char text[11];
        sf_date_format(entries[k].day, text);
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            dup |= entries[j].day == entries[k].day;
        if (dup)
            continue;   /* listed twice, the same way both times */
        int y2, m, d;
        sf_day_to_ymd(entries[k].day, &y2, &m, &d);
        if (y2 == year) {
            json_array_append_new(entries[k].working ? working : holidays, json_string(text));
        } else if (others++ < MAX_OTHER_DAYS) {
            char *list = entries[k].working ? other_working : other_off;
            if (list[1] != '\0')
                strcat(list, ",");
            strcat(list, text);
        } else {
            sf_errors_add(e, "days", SF_E_TOO_MANY_ADJACENT_DAYS, SF_INT("max", MAX_OTHER_DAYS));
            return;
        }
    }
    strcat(other_off, "}");
    strcat(other_working, "}");
}

/* PUT /v1/calendar/{year}: the year's exceptions, as {"holidays", "working_days"} or as the
 * official data set's year file. */
void sf_put_calendar_year(sf_ctx *ctx)
{
    static const char *const fields[] = {"holidays", "working_days", NULL};
    int year = path_year(ctx);
    if (year == 0) {
        sf_reply_problem(ctx, 404, SF_E_CALENDAR_NOT_FOUND);
        return;
    }
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    char *holidays = NULL, *working = NULL;
    char other_off[MAX_OTHER_DAYS * 11 + 3] = "{}", other_working[MAX_OTHER_DAYS * 11 + 3] = "{}";
    /* If-Match names the year as last read (GET /v1/calendar/{year}) */
    if (sf_header(ctx, "If-Match") != NULL) {
        char *current = NULL, etag[40] = "\"none\"";
        sf_status st = sf_calendar_year_json(ctx->app->pool, year, &current);
        json_t *cur = st == SF_OK ? sf_json_loads(current) : NULL;
        free(current);
        if (st != SF_OK && st != SF_NOT_FOUND) {
            sf_reply_status(ctx, st, SF_E_NONE, NULL);
            goto out;
        }
        if (cur != NULL)
            sf_etag(cur, etag);
        json_decref(cur);
        if (sf_if_match_fails(ctx, etag)) {
            sf_reply_problem(ctx, 412, SF_E_CALENDAR_CHANGED);
            goto out;
        }
    }
    sf_errors e;
    sf_errors_init(&e);
    json_t *off_list = json_object_get(body, "holidays"), *work_list = json_object_get(body, "working_days");
    json_t *official_off = NULL, *official_work = NULL;
    if (json_object_get(body, "days") != NULL) {
        sf_calendar_data cal;
        sf_status st = sf_calendar_load(ctx->app->pool, &cal);
        if (st != SF_OK) {
            sf_reply_status(ctx, st, SF_E_NONE, NULL);
            goto out;
        }
        official_off = json_array();
        official_work = json_array();
        if (official_off && official_work)
            read_official(body, year, &cal.cal, official_off, official_work, other_off, other_working, &e);
        sf_calendar_free(&cal);
        off_list = official_off;
        work_list = official_work;
    } else {
        sf_json_only(body, fields, &e);
    }
    if (!sf_errors_any(&e)) {
        holidays = read_days(off_list, "holidays", year, &e);
        working = read_days(work_list, "working_days", year, &e);
    }
    if (holidays && working) {
        /* a day is either off or working, not both */
        size_t i;
        json_t *v;
        json_array_foreach(work_list, i, v)
            if (json_string_value(v) && strstr(holidays, json_string_value(v)))
                sf_errors_add(&e, "working_days", SF_E_ALSO_HOLIDAY, SF_TEXT("date", json_string_value(v)));
    }
    json_decref(official_off);
    json_decref(official_work);
    if (sf_errors_any(&e) || holidays == NULL || working == NULL) {
        if (!sf_errors_any(&e))
            sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        else
            sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &e);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    int created = 0;
    sf_calendar_days days = {holidays, working, other_off, other_working};
    int64_t moved[SF_CALENDAR_MOVED_MAX];
    size_t nmoved = 0;
    sf_status status = sf_calendar_put_year(ctx->app->pool, &actor, year, &days, &created, moved, &nmoved);
    if (status == SF_CONFLICT && nmoved > 0) {
        char ids[SF_CALENDAR_MOVED_MAX * 22] = "";
        for (size_t i = 0; i < nmoved; i++)
            snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%lld", i ? ", " : "", (long long)moved[i]);
        sf_reply_problem(ctx, 409, SF_E_CALENDAR_MOVES_NOTICES, SF_TEXT("notices", ids));
        goto out;
    }
    char *doc = NULL;
    if (status == SF_OK)
        status = sf_calendar_year_json(ctx->app->pool, year, &doc);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        goto out;
    }
    sf_reply_doc(ctx, created ? 201 : 200, doc);
out:
    free(holidays);
    free(working);
    json_decref(body);
}

/* GET /v1/calendar/working-days?start=&count= : the count-th working day from start. */
void sf_get_working_days(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_day start = 0;
    const char *s = sf_param(ctx, "start");
    if (s == NULL)
        sf_errors_add(&e, "start", SF_E_REQUIRED);
    else if (!sf_date_parse(s, &start))
        sf_errors_add(&e, "start", SF_E_NOT_DATE);
    int64_t count = sf_param(ctx, "count") ? sf_query_int(ctx, "count", 1, 366, &e) : 15;
    if (sf_reply_query_errors(ctx, &e))
        return;
    sf_calendar_data data;
    sf_status status = sf_calendar_load(ctx->app->pool, &data);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    sf_day end;
    int missing = 0;
    status = sf_calendar_nth_working_day(&data.cal, start, (int)count, &end, &missing);
    sf_calendar_free(&data);
    if (status != SF_OK) {
        sf_errors_add(&e, "start", SF_E_CALENDAR_YEAR_MISSING, SF_INT("year", missing));
        sf_reply_errors(ctx, 422, SF_E_CALENDAR_LACKS_YEAR, &e);
        return;
    }
    char end_text[11];
    sf_date_format(end, end_text);
    sf_reply_json(ctx, 200, json_pack("{s:s, s:I, s:s}", "start", s, "count", (json_int_t)count, "end", end_text));
}
