/*
 * Awards (Art. 19, 23): validity of a title, the renewal window, revocation reasons, and
 * the status a reader sees.
 */
#ifndef SF_AWARDS_H
#define SF_AWARDS_H

#include "domain/calendar.h"
#include "domain/status.h"

/* Art. 23's validity, a rule of the round: how many years (1–10, default 3) and how they end
 * — "year_end" (the default, as the national scheme applies "three years": titles of 2017
 * lapsed on 2020-12-31) or "anniversary". */
typedef enum { SF_VALIDITY_YEAR_END, SF_VALIDITY_ANNIVERSARY } sf_validity_ends;

typedef struct {
    int years;
    sf_validity_ends ends;
} sf_validity_rule;

#define SF_VALIDITY_MIN_YEARS 1
#define SF_VALIDITY_MAX_YEARS 10
#define SF_VALIDITY_DEFAULT_YEARS 3

/* "year_end" | "anniversary" → *out; 0 if neither. */
int sf_validity_ends_parse(const char *text, sf_validity_ends *out);
const char *sf_validity_ends_name(sf_validity_ends ends);

/* valid_from is the award date — or, for a renewal while the previous title is still valid
 * on that date, the day after the previous valid_until (`has_previous` 0: no previous
 * title). valid_until: with "year_end", 31 December of the award year + years; with
 * "anniversary", the day before valid_from's anniversary (sf_anniversary: from 29 February,
 * 28 February of a common year), i.e. valid_from + years − 1 day. A NULL rule is the
 * default (3 years, year_end). */
void sf_award_validity(const sf_validity_rule *rule, sf_day awarded_on, sf_day previous_until, int has_previous,
                       sf_day *valid_from, sf_day *valid_until);

/* Art. 23: a platform holding a title may apply again only in the year its title expires.
 * SF_OK if a round of `round_year` may take the application, else SF_CONFLICT. */
sf_status sf_award_may_reapply(int round_year, sf_day active_valid_until);

/* Stored states; "expired" is derived on reading: an active title past its valid_until. */
typedef enum { SF_AWARD_ACTIVE, SF_AWARD_REVOCATION_PENDING, SF_AWARD_REVOKED, SF_AWARD_EXPIRED } sf_award_status;

const char *sf_award_status_name(sf_award_status s);
/* The status as of `today`. */
sf_award_status sf_award_effective_status(sf_award_status stored, sf_day valid_until, sf_day today);

/* Art. 23, 24: violation | failed_assessment | other */
int sf_revocation_reason_is_valid(const char *reason);

#endif
