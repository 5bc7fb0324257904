/*
 * Supervision of titles (Art. 22, 24): when each report is due, and whether it arrived on
 * time, late, or not at all. Pure: dates in, verdicts out; "today" is an argument.
 */
#ifndef SF_SUPERVISION_H
#define SF_SUPERVISION_H

#include "domain/calendar.h"

/* Art. 22: a platform's summary of year Y reaches its city by the end of January of Y+1. */
sf_day sf_due_annual_summary(int year);

/* Art. 24: a city's summary report and inspection report of year Y reach the province by the
 * end of February of Y+1 (the 29th in a leap year). */
sf_day sf_due_city_report(int year);

typedef enum {
    SF_DUE_NOT_YET,    /* not arrived, and the due date has not passed */
    SF_DUE_ON_TIME,    /* arrived on or before the due date */
    SF_DUE_LATE,       /* arrived after the due date */
    SF_DUE_MISSING     /* not arrived, and the due date has passed */
} sf_timeliness;

/* `arrived` is 0 when nothing arrived (then `arrived_on` is ignored). */
sf_timeliness sf_timeliness_of(sf_day due, int arrived, sf_day arrived_on, sf_day today);
const char *sf_timeliness_name(sf_timeliness t);

/* Records of supervision tell what happened (issue 14, item 10): a summary of a year that has
 * not begun, or an inspection dated after today, is refused. */
int sf_summary_year_has_begun(int year, sf_day today);
int sf_inspection_date_has_come(sf_day inspected_on, sf_day today);

/* Art. 22: a revoked title files no more annual summaries. */
int sf_title_takes_summaries(int revoked);

/* Art. 24: an assessment still open after its due date is overdue. */
int sf_assessment_is_overdue(int has_result, sf_day due_on, sf_day today);

#endif
