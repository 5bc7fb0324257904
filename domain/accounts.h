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
} sf_new_organization;

/* Checks a new organisation; on success fills `region_out` (7 bytes) with the region it
 * belongs to. Cities need one of the 14 city codes; other bodies are provincial (210000).
 * A second province organisation is refused: there is one province (Art. 3). */
sf_status sf_organization_validate(const sf_new_organization *org, char region_out[7], sf_errors *errors);

/* Usernames: 3–64 of a–z, 0–9, '.', '_', '-', starting with a letter or digit. */
int sf_username_is_valid(const char *username);

/* Checks a new user's fields (username, password, display name). */
sf_status sf_user_validate(const char *username, const char *password, const char *display_name,
                           sf_errors *errors);

/* Number of UTF-8 code points in s, or -1 if s is not valid UTF-8. */
long sf_utf8_length(const char *s);

#endif
