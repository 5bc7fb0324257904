/*
 * Awards (Art. 19, 23): validity of a title, the renewal window, revocation reasons, and
 * the status a reader sees.
 */
#ifndef SF_AWARDS_H
#define SF_AWARDS_H

#include "domain/calendar.h"
#include "domain/status.h"

/* Art. 23, as the national scheme applies "three years" (titles of 2017 lapsed on
 * 2020-12-31): valid_until is 31 December of the award year + 3. valid_from is the award
 * date — or, for a renewal while the previous title is still valid on that date, the day
 * after the previous valid_until. `previous_until` is 0 when there is no previous title. */
void sf_award_validity(sf_day awarded_on, sf_day previous_until, int has_previous,
                       sf_day *valid_from, sf_day *valid_until);

/* Art. 23: a platform holding a title may apply again only in the year its title expires.
 * SF_OK if a round of `round_year` may take the application, else SF_CONFLICT. */
sf_status sf_award_may_reapply(int round_year, sf_day active_valid_until);

/* Stored states; "expired" is derived on reading: an active title past its valid_until. */
typedef enum { SF_AWARD_ACTIVE, SF_AWARD_REVOCATION_PENDING, SF_AWARD_REVOKED, SF_AWARD_EXPIRED } sf_award_status;

const char *sf_award_status_name(sf_award_status s);
/* Whether `name` is one of the four statuses a reader may filter by. */
int sf_award_status_is_known(const char *name);
/* The status as of `today`. */
sf_award_status sf_award_effective_status(sf_award_status stored, sf_day valid_until, sf_day today);

/* Art. 23, 24: violation | failed_assessment | other */
int sf_revocation_reason_is_valid(const char *reason);

#endif
