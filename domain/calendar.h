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

#endif
