/*
 * Supervision of titles (Art. 22, 24): when each report is due, and whether it arrived on
 * time, late, or not at all. Pure: dates in, verdicts out; "today" is an argument. Whether an
 * assessment is overdue (Art. 24) is read by SQL, assessment_status() in sql/016_revocation.sql.
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

#endif
