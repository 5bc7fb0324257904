/*
 * Civil dates and working days (Art. 18: publicity lasts 15 working days).
 *
 * A working day is Monday–Friday unless it is a statutory holiday, or a Saturday or Sunday
 * that the State Council made a working day (调休). The exceptions of each year are data
 * (the calendar table, loaded from the official notices); a computation that reaches a year
 * with no data fails and names that year, never guesses.
 */
#ifndef SF_CALENDAR_H
#define SF_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

/* Days since 1970-01-01 (proleptic Gregorian). */
typedef int32_t sf_day;

/* From year/month/day; the caller checks validity with sf_date_is_valid first. */
sf_day sf_day_from_ymd(int year, int month, int day);
void sf_day_to_ymd(sf_day d, int *year, int *month, int *day);
int sf_date_is_valid(int year, int month, int day);
/* 0 = Monday … 6 = Sunday */
int sf_day_of_week(sf_day d);

/* Parses "YYYY-MM-DD" strictly (a real date, years 1900–9999); 1 on success. */
int sf_date_parse(const char *text, sf_day *out);
/* Writes "YYYY-MM-DD" into out (at least 11 bytes). */
void sf_date_format(sf_day d, char out[11]);

int sf_is_leap_year(int year);
/* The last day of `month` in `year`. */
sf_day sf_last_day_of_month(int year, int month);

/* The day on which `years` full years since `from` are complete: the same month and day,
 * or the last day of the month where there is no such day (29 February → 28 February), as
 * the Civil Code counts periods in years (民法典 第二百零二条). Art. 12(1)'s years of
 * operation and Art. 23's anniversary validity both count with it. */
sf_day sf_anniversary(sf_day from, int years);

/* The exceptions to Monday–Friday: sorted, without duplicates, and the years they cover. */
typedef struct {
    const sf_day *holidays;      /* days off that would be working days */
    size_t nholidays;
    const sf_day *makeup_days;   /* weekend days made working days */
    size_t nmakeup;
    const int *years;            /* years whose exceptions are known, sorted */
    size_t nyears;
} sf_calendar;

int sf_calendar_has_year(const sf_calendar *cal, int year);

/* Whether `d` is a working day; SF_INVALID (with *missing_year) if its year is unknown. */
sf_status sf_calendar_is_working_day(const sf_calendar *cal, sf_day d, int *working, int *missing_year);

/* The `count`-th working day counting from `start`: day 1 is `start` if it is a working day,
 * else the next working day (Art. 18, DESIGN.md). count >= 1. SF_INVALID with *missing_year
 * when the count runs into a year without calendar data. */
sf_status sf_calendar_nth_working_day(const sf_calendar *cal, sf_day start, int count, sf_day *end,
                                      int *missing_year);

/* One day of a State Council holiday notice as the official data set publishes it (the
 * holiday-cn files: {"date", "isOffDay", "name"}). */
typedef struct {
    sf_day day;
    int working;   /* !isOffDay: a weekend day made a working day */
} sf_calendar_entry;

/* Checks the days of `year`'s notice against what is stored. A notice may list days of the
 * adjacent years (the 2019 New Year holiday begins on 2018-12-30), each of which is kept under
 * its own date: such a day must agree with the calendar already stored for its year (which
 * must be known). Refused, naming the date under "days": a date listed both off and working,
 * a day of a year other than `year` ± 1, and a day that contradicts the stored calendar of
 * its year. SF_INVALID or SF_OK. */
sf_status sf_calendar_check_notice(int year, const sf_calendar_entry *days, size_t n, const sf_calendar *stored,
                                   sf_errors *why);

/* The first start date whose `count`-th working day falls after `year` ends — from that day
 * on, a notice needs the next year's calendar. SF_INVALID (with *missing_year) if `year`
 * itself is unknown. */
sf_status sf_calendar_needed_from(const sf_calendar *cal, int year, int count, sf_day *first, int *missing_year);

/* From 1 November, while next year's calendar is missing, the province must be told before
 * a notice needs it: 1 with the missing year and the first start date that needs it, else 0. */
int sf_calendar_alert(const sf_calendar *cal, sf_day today, int count, int *missing_year, sf_day *needed_from);

#endif
