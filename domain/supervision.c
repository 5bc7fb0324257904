/*
 * Deadlines and timeliness of Art. 22 and 24 (see supervision.h).
 */
#include "domain/supervision.h"

sf_day sf_due_annual_summary(int year)
{
    return sf_day_from_ymd(year + 1, 1, 31);
}

sf_day sf_due_city_report(int year)
{
    return sf_last_day_of_month(year + 1, 2);
}

sf_timeliness sf_timeliness_of(sf_day due, int arrived, sf_day arrived_on, sf_day today)
{
    if (arrived)
        return arrived_on <= due ? SF_DUE_ON_TIME : SF_DUE_LATE;
    return today > due ? SF_DUE_MISSING : SF_DUE_NOT_YET;
}

const char *sf_timeliness_name(sf_timeliness t)
{
    switch (t) {
    case SF_DUE_NOT_YET: return "not_due";
    case SF_DUE_ON_TIME: return "on_time";
    case SF_DUE_LATE: return "late";
    case SF_DUE_MISSING: return "missing";
    }
    return "missing";
}

int sf_assessment_is_overdue(int has_result, sf_day due_on, sf_day today)
{
    return !has_result && today > due_on;
}

int sf_summary_year_has_begun(int year, sf_day today)
{
    return sf_day_from_ymd(year, 1, 1) <= today;
}

int sf_inspection_date_has_come(sf_day inspected_on, sf_day today)
{
    return inspected_on <= today;
}

int sf_title_takes_summaries(int revoked)
{
    return !revoked;
}
