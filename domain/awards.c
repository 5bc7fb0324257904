/*
 * Award validity, renewal and status (see awards.h).
 */
#include "domain/awards.h"

#include <string.h>

void sf_award_validity(sf_day awarded_on, sf_day previous_until, int has_previous,
                       sf_day *valid_from, sf_day *valid_until)
{
    int y, m, d;
    sf_day_to_ymd(awarded_on, &y, &m, &d);
    *valid_from = has_previous && previous_until >= awarded_on ? previous_until + 1 : awarded_on;
    *valid_until = sf_day_from_ymd(y + 3, 12, 31);
}

sf_status sf_award_may_reapply(int round_year, sf_day active_valid_until)
{
    int y, m, d;
    sf_day_to_ymd(active_valid_until, &y, &m, &d);
    return round_year == y ? SF_OK : SF_CONFLICT;
}

const char *sf_award_status_name(sf_award_status s)
{
    switch (s) {
    case SF_AWARD_ACTIVE: return "active";
    case SF_AWARD_REVOCATION_PENDING: return "revocation_pending";
    case SF_AWARD_REVOKED: return "revoked";
    case SF_AWARD_EXPIRED: return "expired";
    }
    return "active";
}

int sf_award_status_is_known(const char *name)
{
    for (int s = SF_AWARD_ACTIVE; name != NULL && s <= SF_AWARD_EXPIRED; s++)
        if (strcmp(name, sf_award_status_name((sf_award_status)s)) == 0)
            return 1;
    return 0;
}

sf_award_status sf_award_effective_status(sf_award_status stored, sf_day valid_until, sf_day today)
{
    if (stored == SF_AWARD_ACTIVE && today > valid_until)
        return SF_AWARD_EXPIRED;
    return stored;
}

int sf_revocation_reason_is_valid(const char *reason)
{
    return reason != NULL && (strcmp(reason, "violation") == 0 || strcmp(reason, "failed_assessment") == 0 ||
                              strcmp(reason, "other") == 0);
}
