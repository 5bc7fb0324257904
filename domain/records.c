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
        sf_errors_add(e, "year", "must be from %d to %d: a recorded round is one of the past (Art. 28)",
                      SF_RECORDS_FIRST_YEAR, this_year);
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
            sf_errors_add(e, "awarded_on", "must be in %d or later (Art. 28)", SF_RECORDS_FIRST_YEAR);
        if (t->awarded_on > today)
            sf_errors_add(e, "awarded_on", "must not be after today: a record states what happened");
    }
    if (t->valid_from && t->valid_until && t->valid_until < t->valid_from)
        sf_errors_add(e, "valid_until", "must not be before valid_from");
    int revoked = t->status_known && t->status == SF_RECORDED_REVOKED;
    if (revoked) {
        if (t->revoked_on == 0)
            sf_errors_add(e, "revoked_on", "is required for a revoked title");
        else if (t->revoked_on > today)
            sf_errors_add(e, "revoked_on", "must not be after today");
        else if (t->awarded_on && t->revoked_on < t->awarded_on)
            sf_errors_add(e, "revoked_on", "must not be before awarded_on");
        if (t->revocation_reason == NULL)
            sf_errors_add(e, "revocation_reason", "is required for a revoked title (its ground)");
        else if (!known_ground(t->revocation_reason))
            sf_errors_add(e, "revocation_reason", "must be violation, failed_assessment, surrendered or other");
    } else if (t->status_known) {
        if (t->revoked_on)
            sf_errors_add(e, "revoked_on", "belongs to a revoked title only");
        if (t->revocation_reason)
            sf_errors_add(e, "revocation_reason", "belongs to a revoked title only");
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
        sf_errors_add(e, field, "must not be after today: a record states the day it happened");
}

sf_status sf_round_takes_applications(int recorded, sf_errors *why)
{
    if (!recorded)
        return SF_OK;
    sf_errors_detail(why, "a recorded round (a round of the past) is closed and takes no applications");
    return SF_CONFLICT;
}
