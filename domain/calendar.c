/*
 * Civil-date arithmetic (days from civil, after H. Hinnant's public-domain algorithms) and
 * working days (see calendar.h).
 */
#include "domain/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sf_day sf_day_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (sf_day)(era * 146097 + doe - 719468);
}

void sf_day_to_ymd(sf_day z, int *year, int *month, int *day)
{
    int zz = (int)z + 719468;
    int era = (zz >= 0 ? zz : zz - 146096) / 146097;
    int doe = zz - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

int sf_is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

sf_day sf_anniversary(sf_day from, int years)
{
    int y, m, d;
    sf_day_to_ymd(from, &y, &m, &d);
    if (m == 2 && d == 29 && !sf_is_leap_year(y + years))
        d = 28;
    return sf_day_from_ymd(y + years, m, d);
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && sf_is_leap_year(y) ? 29 : days[m - 1];
}

int sf_date_is_valid(int y, int m, int d)
{
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

sf_day sf_last_day_of_month(int y, int m)
{
    return sf_day_from_ymd(y, m, days_in_month(y, m));
}

int sf_day_of_week(sf_day d)
{
    /* 1970-01-01 was a Thursday (3) */
    int w = (int)((d + 3) % 7);
    return w < 0 ? w + 7 : w;
}

int sf_date_parse(const char *t, sf_day *out)
{
    if (t == NULL || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (t[i] < '0' || t[i] > '9'))
            return 0;
    int y = atoi(t), m = atoi(t + 5), d = atoi(t + 8);
    if (!sf_date_is_valid(y, m, d))
        return 0;
    *out = sf_day_from_ymd(y, m, d);
    return 1;
}

void sf_date_format(sf_day d, char out[11])
{
    int y, m, dd;
    sf_day_to_ymd(d, &y, &m, &dd);
    /* years are 1900–9999 (sf_date_parse), months and days two digits */
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, dd);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static int contains(const sf_day *days, size_t n, sf_day d)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (days[mid] == d)
            return 1;
        if (days[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int sf_calendar_has_year(const sf_calendar *cal, int year)
{
    for (size_t i = 0; i < cal->nyears; i++)
        if (cal->years[i] == year)
            return 1;
    return 0;
}

sf_status sf_calendar_is_working_day(const sf_calendar *cal, sf_day d, int *working, int *missing_year)
{
    int y, m, dd;
    sf_day_to_ymd(d, &y, &m, &dd);
    if (!sf_calendar_has_year(cal, y)) {
        *missing_year = y;
        return SF_INVALID;
    }
    if (contains(cal->makeup_days, cal->nmakeup, d))
        *working = 1;
    else if (contains(cal->holidays, cal->nholidays, d))
        *working = 0;
    else
        *working = sf_day_of_week(d) < 5;
    return SF_OK;
}

sf_status sf_calendar_nth_working_day(const sf_calendar *cal, sf_day start, int count, sf_day *end,
                                      int *missing_year)
{
    if (count < 1)
        return SF_INVALID;
    sf_day d = start;
    for (int found = 0;; d++) {
        int working;
        sf_status s = sf_calendar_is_working_day(cal, d, &working, missing_year);
        if (s != SF_OK)
            return s;
        if (working && ++found == count) {
            *end = d;
            return SF_OK;
        }
    }
}

sf_status sf_calendar_check_notice(int year, const sf_calendar_entry *days, size_t n, const sf_calendar *stored,
                                   sf_errors *why)
{
    for (size_t i = 0; i < n; i++) {
        char text[11];
        sf_date_format(days[i].day, text);
        int clash = 0;
        for (size_t k = 0; k < i; k++)
            clash |= days[k].day == days[i].day && days[k].working != days[i].working;
        if (clash) {
            sf_errors_add(why, "days", SF_E_DAY_BOTH_KINDS, SF_TEXT("date", text));
            continue;
        }
        int y, m, d;
        sf_day_to_ymd(days[i].day, &y, &m, &d);
        if (y == year)
            continue;
        if (y != year - 1 && y != year + 1) {
            sf_errors_add(why, "days", SF_E_DAY_NOT_ADJACENT, SF_TEXT("date", text), SF_INT("year", year));
            continue;
        }
        int working = 0, missing = 0;
        if (sf_calendar_is_working_day(stored, days[i].day, &working, &missing) != SF_OK)
            sf_errors_add(why, "days", SF_E_DAY_YEAR_NOT_LOADED, SF_TEXT("date", text), SF_INT("year", y));
        else if (working != days[i].working)
            sf_errors_add(why, "days", working ? SF_E_DAY_STORED_WORKING : SF_E_DAY_STORED_OFF, SF_TEXT("date", text),
                          SF_INT("year", y));
    }
    return sf_errors_any(why) ? SF_INVALID : SF_OK;
}

sf_status sf_calendar_needed_from(const sf_calendar *cal, int year, int count, sf_day *first, int *missing_year)
{
    /* the count-th working day from the end of the year: a start on it still ends in the year */
    sf_day d = sf_day_from_ymd(year, 12, 31), stop = sf_day_from_ymd(year, 1, 1);
    for (int found = 0; d >= stop; d--) {
        int working;
        sf_status s = sf_calendar_is_working_day(cal, d, &working, missing_year);
        if (s != SF_OK)
            return s;
        if (working && ++found == count) {
            *first = d + 1;
            return SF_OK;
        }
    }
    *first = stop;   /* a year with fewer working days than `count`: every notice needs the next */
    return SF_OK;
}

int sf_calendar_alert(const sf_calendar *cal, sf_day today, int count, int *missing_year, sf_day *needed_from)
{
    int y, m, d, missing = 0;
    sf_day_to_ymd(today, &y, &m, &d);
    if (m < 11 || sf_calendar_has_year(cal, y + 1))
        return 0;
    *missing_year = y + 1;
    if (sf_calendar_needed_from(cal, y, count, needed_from, &missing) != SF_OK)
        *needed_from = today;   /* this year is unknown as well: every notice needs data now */
    return 1;
}
