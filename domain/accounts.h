/*
 * Rules for organisations and user accounts: what a valid new organisation or user looks
 * like. Field errors are added to `errors` under the JSON field names of the API.
 */
#ifndef SF_ACCOUNTS_H
#define SF_ACCOUNTS_H

#include <stddef.h>
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

/* Checks a new user's fields (username, password, display name); the password by
 * sf_password_policy_check. */
sf_status sf_user_validate(const char *username, const char *password, const char *display_name,
                           sf_errors *errors);

/* The password policy (issue 14, item 6), for a new user, a reset and a change alike: at
 * least SF_PASSWORD_MIN characters (at most SF_PASSWORD_MAX bytes, valid UTF-8), not
 * containing the username (without regard to case), and not one of the 10,000 most common
 * passwords (domain/data/common-passwords.txt, compared without regard to case). Adds its
 * refusals to `errors` under `field`. */
sf_status sf_password_policy_check(const char *field, const char *username, const char *password,
                                   sf_errors *errors);

/* Whether `password`, in lower case, is one of the 10,000 most common passwords. The list is
 * compiled in and read into a hash set on first use (thread-safe); sf_common_passwords_count
 * says how many it holds. */
int sf_password_is_common(const char *password);
size_t sf_common_passwords_count(void);

/* The changes a PATCH /v1/users/{id} asks for: each present or not. */
typedef struct {
    int has_active, active;
    const char *display_name;   /* NULL: unchanged */
} sf_user_patch;

/* Checks the changes: a display name as for a new user; an administrator never deactivates
 * their own account (SF_CONFLICT: the province would lock itself out). */
sf_status sf_user_patch_validate(const sf_user_patch *patch, int64_t target_user_id, int64_t caller_user_id,
                                 sf_errors *errors);

/* Number of UTF-8 code points in s, or -1 if s is not valid UTF-8. */
long sf_utf8_length(const char *s);

#endif
