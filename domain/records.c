/*
 * Records of the past: the checks a recorded fact passes on its own (see records.h).
 */
#include "domain/records.h"

#include <string.h>

#include "domain/supervision.h"

void sf_record_round_check(int year, sf_day today, sf_errors *e)
{
    int this_year, m, d;
    sf_day_to_ymd(today, &this_year, &m, &d);
    if (year < SF_RECORDS_FIRST_YEAR || year > this_year)
        sf_errors_add(e, "year", SF_E_RECORD_YEAR_RANGE, SF_INT("min", SF_RECORDS_FIRST_YEAR), SF_INT("max", this_year));
}

int sf_recorded_status_parse(const char *text, sf_recorded_status *out)
{
    static const char *const names[] = {"active", "expired", "revoked"};
    for (int i = 0; i < 3; i++)
        if (text != NULL && strcmp(text, names[i]) == 0) {
            *out = (sf_recorded_status)i;
            return 1;
        }
    return 0;
}

static int known_ground(const char *reason)
{
    static const char *const grounds[] = {"violation", "failed_assessment", "surrendered", "other"};
    for (int i = 0; i < 4; i++)
        if (strcmp(reason, grounds[i]) == 0)
            return 1;
    return 0;
}

void sf_record_title_check(const sf_recorded_title *t, sf_day today, sf_errors *e)
{
    if (t->awarded_on) {
        int y, m, d;
        sf_day_to_ymd(t->awarded_on, &y, &m, &d);
        if (y < SF_RECORDS_FIRST_YEAR)
            sf_errors_add(e, "awarded_on", SF_E_RECORD_BEFORE_FIRST_YEAR, SF_INT("year", SF_RECORDS_FIRST_YEAR));
        if (t->awarded_on > today)
            sf_errors_add(e, "awarded_on", SF_E_AFTER_TODAY);
    }
    if (t->valid_from && t->valid_until && t->valid_until < t->valid_from)
        sf_errors_add(e, "valid_until", SF_E_VALID_UNTIL_BEFORE_FROM);
    int revoked = t->status_known && t->status == SF_RECORDED_REVOKED;
    if (revoked) {
        if (t->revoked_on == 0)
            sf_errors_add(e, "revoked_on", SF_E_REQUIRED);
        else if (t->revoked_on > today)
            sf_errors_add(e, "revoked_on", SF_E_AFTER_TODAY);
        else if (t->awarded_on && t->revoked_on < t->awarded_on)
            sf_errors_add(e, "revoked_on", SF_E_REVOKED_BEFORE_AWARDED);
        if (t->revocation_reason == NULL)
            sf_errors_add(e, "revocation_reason", SF_E_REQUIRED);
        else if (!known_ground(t->revocation_reason))
            sf_errors_add(e, "revocation_reason", SF_E_NOT_ONE_OF,
                          SF_TEXT("allowed", "violation, failed_assessment, surrendered, other"));
    } else if (t->status_known) {
        if (t->revoked_on)
            sf_errors_add(e, "revoked_on", SF_E_REVOKED_ONLY);
        if (t->revocation_reason)
            sf_errors_add(e, "revocation_reason", SF_E_REVOKED_ONLY);
    }
}

int sf_certificate_seq(const char *no)
{
    size_t len = strlen(no), start = len;
    while (start > 0 && no[start - 1] >= '0' && no[start - 1] <= '9')
        start--;
    if (len - start > 9)
        start = len - 9;
    int seq = 0;
    for (size_t i = start; i < len; i++)
        seq = seq * 10 + (no[i] - '0');
    return seq;
}

void sf_record_date_check(const char *field, sf_day stated, sf_day today, sf_errors *e)
{
    if (stated && !sf_stated_date_has_come(stated, today))
        sf_errors_add(e, field, SF_E_AFTER_TODAY);
}

sf_status sf_round_takes_applications(int recorded, sf_errors *why)
{
    if (!recorded)
        return SF_OK;
    sf_errors_detail(why, SF_E_ROUND_RECORDED);
    return SF_CONFLICT;
}
