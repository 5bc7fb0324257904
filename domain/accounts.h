/*
 * Rules for organisations and user accounts: what a valid new organisation or user looks
 * like. Field errors are added to `errors` under the JSON field names of the API.
 */
#ifndef SF_ACCOUNTS_H
#define SF_ACCOUNTS_H

#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"

#define SF_USERNAME_MAX 64
#define SF_PASSWORD_MIN 12
#define SF_PASSWORD_MAX 256
#define SF_NAME_MAX_CHARS 200
#define SF_DISPLAY_NAME_MAX_CHARS 100

typedef struct {
    sf_role type;
    const char *name;
    const char *region_code;  /* may be NULL: then the province code for non-cities */
    const char *credit_code;  /* a platform company's unified social credit code; NULL otherwise */
} sf_new_organization;

/* Checks a new organisation; on success fills `region_out` (7 bytes) with the region it
 * belongs to. Cities and platform companies need one of the 14 city codes; other bodies are
 * provincial (210000). A platform company is identified by its unified social credit code
 * (GB 32100-2015, check character verified); no other body has one. A second province
 * organisation is refused: there is one province (Art. 3). */
sf_status sf_organization_validate(const sf_new_organization *org, char region_out[7], sf_errors *errors);

/* Whether `caller` may create (or manage the users of) an organisation of `type` in
 * `region`: the province any; a city platform companies of its own region (DESIGN.md §2). */
int sf_may_manage_organization(const sf_caller *caller, sf_role type, const char *region);

/* Usernames: 3–64 of a–z, 0–9, '.', '_', '-', starting with a letter or digit. */
int sf_username_is_valid(const char *username);

/* Checks a new user's fields (username, password, display name). */
sf_status sf_user_validate(const char *username, const char *password, const char *display_name,
                           sf_errors *errors);

/* Number of UTF-8 code points in s, or -1 if s is not valid UTF-8. */
long sf_utf8_length(const char *s);

#endif
