/*
 * Platforms (Art. 15, 19, 21, 27): who registers and changes a platform, and what may change
 * while it is under review or holds a title.
 */
#ifndef SF_PLATFORMS_H
#define SF_PLATFORMS_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"

/* Art. 15: a city registers (and imports) platforms of its own region only; the province
 * and associations (Art. 27) any region. SF_FORBIDDEN with the reason in why->detail and
 * under "region_code". */
sf_status sf_platform_may_register(const sf_caller *c, const char *region_code, sf_errors *why);

/* Art. 12.1 counts an operator's years from its date of establishment: a date of the past, never
 * after today. Adds `field` (the operator's, or the report's basic.established_on) to why
 * otherwise. */
void sf_platform_established_check(const char *field, sf_day established_on, sf_day today, sf_errors *why);

/* The organisation that registered the platform changes it, and the province: SF_FORBIDDEN
 * otherwise. */
sf_status sf_platform_may_edit(const sf_caller *c, int64_t created_by_org, sf_errors *why);

/* A set of Art. 13 functions, one bit per entry of sf_function_ids. */
typedef unsigned sf_function_set;
/* The bit of a function id, 0 for an unknown one. */
sf_function_set sf_function_bit(const char *id);

/* Where the platform stands. */
typedef struct {
    int under_review;          /* an application recommended, approved or publicized */
    int titled;                /* a title active or pending revocation (Art. 23, 24) */
    sf_function_set functions; /* the functions it has now */
} sf_platform_standing;

/* What a change touches (1 for each field given with a new value). */
typedef struct {
    int name, operator_name, credit_code, established_on;
    int functions_given;
    sf_function_set functions;
} sf_platform_change;

/* Art. 19, 21: what the registry publishes of a titled platform — its name, its operator and
 * the functions its title was assessed for — changes only by the province, which may correct
 * a name or an operator (a company renamed) and withdraw a function but never add one: a new
 * function needs a new application. While an application is under review, the identity it
 * was recommended under (name, operator, credit code, founding date) is fixed for everyone.
 * SF_CONFLICT naming every refused field, or SF_OK. */
sf_status sf_platform_may_change(const sf_caller *c, const sf_platform_standing *st, const sf_platform_change *ch,
                                 sf_errors *why);

#endif
