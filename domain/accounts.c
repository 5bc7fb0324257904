/*
 * Validation of organisations and accounts.
 */
#include "domain/accounts.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain/credit_code.h"
#include "domain/regions.h"
#include "domain/text.h"

long sf_utf8_length(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        unsigned c = *p;
        int extra;
        unsigned min;
        if (c < 0x80) { extra = 0; min = 0; }
        else if ((c & 0xE0) == 0xC0) { extra = 1; min = 0x80; c &= 0x1F; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; min = 0x800; c &= 0x0F; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; min = 0x10000; c &= 0x07; }
        else return -1;
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return -1;
            c = (c << 6) | (*p & 0x3F);
        }
        /* overlong forms, surrogates and code points past U+10FFFF are not UTF-8 */
        if (c < min || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
            return -1;
        n++;
    }
    return n;
}

/* A human-readable name: non-empty after trimming, at most max code points, no control or
 * bidirectional formatting characters (domain/text.h). */
static void check_name(const char *field, const char *value, long max_chars, sf_errors *errors)
{
    long len = sf_utf8_length(value);
    if (len < 0) {
        sf_errors_add(errors, field, SF_E_NOT_UTF8);
        return;
    }
    if (sf_text_is_blank(value)) {
        sf_errors_add(errors, field, SF_E_EMPTY);
        return;
    }
    if (len > max_chars) {
        sf_errors_add(errors, field, SF_E_TOO_LONG, SF_INT("max", max_chars));
        return;
    }
    if (sf_text_has_hidden_controls(value))
        sf_errors_add(errors, field, SF_E_HIDDEN_CONTROLS);
}

sf_status sf_organization_validate(const sf_new_organization *org, char region_out[7], sf_errors *errors)
{
    check_name("name", org->name, SF_NAME_MAX_CHARS, errors);
    region_out[0] = '\0';
    switch (org->type) {
    case SF_ROLE_NONE:
        sf_errors_add(errors, "type", SF_E_ORGANIZATION_TYPE_INVALID);
        break;
    case SF_ROLE_PROVINCE:
        sf_errors_add(errors, "type", SF_E_PROVINCE_EXISTS);
        break;
    case SF_ROLE_CITY:
    case SF_ROLE_PLATFORM:
        if (org->region_code == NULL)
            sf_errors_add(errors, "region_code", SF_E_REQUIRED);
        else if (sf_region_city(org->region_code) == NULL)
            sf_errors_add(errors, "region_code", SF_E_REGION_INVALID);
        else
            memcpy(region_out, org->region_code, 7);
        break;
    case SF_ROLE_ASSOCIATION:
    case SF_ROLE_ASSESSOR:
    case SF_ROLE_SUPERVISOR:
        /* Provincial bodies (Art. 24, 25, 27): they belong to the province as a whole. */
        if (org->region_code != NULL && strcmp(org->region_code, SF_PROVINCE_CODE) != 0)
            sf_errors_add(errors, "region_code", SF_E_REGION_PROVINCIAL);
        else
            memcpy(region_out, SF_PROVINCE_CODE, 7);
        break;
    }
    if (org->type == SF_ROLE_PLATFORM && org->credit_code == NULL)
        sf_errors_add(errors, "credit_code", SF_E_REQUIRED);
    else if (org->type == SF_ROLE_PLATFORM && !sf_credit_code_is_valid(org->credit_code))
        sf_errors_add(errors, "credit_code", SF_E_CREDIT_CODE_INVALID);
    else if (org->type != SF_ROLE_PLATFORM && org->credit_code != NULL)
        sf_errors_add(errors, "credit_code", SF_E_CREDIT_CODE_NOT_ALLOWED);
    return sf_errors_any(errors) ? SF_INVALID : SF_OK;
}

int sf_may_manage_organization(const sf_caller *c, sf_role type, const char *region)
{
    if (c->role == SF_ROLE_PROVINCE)
        return 1;
    return c->role == SF_ROLE_CITY && type == SF_ROLE_PLATFORM && region != NULL &&
           strcmp(region, c->region_code) == 0;
}

int sf_username_is_valid(const char *username)
{
    size_t len = strlen(username);
    if (len < 3 || len > SF_USERNAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = username[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

/* The list, compiled in from domain/data/common-passwords.txt (CMakeLists.txt). */
extern const unsigned char sf_common_passwords_txt[];
extern const unsigned long sf_common_passwords_txt_len;

/* An open-addressing hash set of the list's lines, built once: offsets into the compiled-in
 * text, each line ending in '\n'. A power of two at least twice the line count. */
#define COMMON_SLOTS 32768
static struct {
    pthread_once_t once;
    unsigned long slot[COMMON_SLOTS];   /* offset + 1; 0: empty */
    size_t count;
} common = {PTHREAD_ONCE_INIT, {0}, 0};

static unsigned long fnv1a(const unsigned char *s, size_t n)
{
    unsigned long h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static void common_load(void)
{
    const unsigned char *text = sf_common_passwords_txt;
    for (unsigned long at = 0; at < sf_common_passwords_txt_len && common.count < COMMON_SLOTS / 2;) {
        const unsigned char *nl = memchr(text + at, '\n', sf_common_passwords_txt_len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : sf_common_passwords_txt_len - at;
        if (n > 0) {
            unsigned long i = fnv1a(text + at, n) & (COMMON_SLOTS - 1);
            while (common.slot[i] != 0)
                i = (i + 1) & (COMMON_SLOTS - 1);
            common.slot[i] = at + 1;
            common.count++;
        }
        at += n + 1;
    }
}

size_t sf_common_passwords_count(void)
{
    pthread_once(&common.once, common_load);
    return common.count;
}

int sf_password_is_common(const char *password)
{
    unsigned char lower[SF_PASSWORD_MAX + 1];
    size_t n = strlen(password);
    if (n > SF_PASSWORD_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        lower[i] = (unsigned char)tolower((unsigned char)password[i]);
    pthread_once(&common.once, common_load);
    for (unsigned long i = fnv1a(lower, n) & (COMMON_SLOTS - 1); common.slot[i] != 0; i = (i + 1) & (COMMON_SLOTS - 1)) {
        const unsigned char *line = sf_common_passwords_txt + common.slot[i] - 1;
        if (memcmp(line, lower, n) == 0 && (line[n] == '\n' || line[n] == '\0'))
            return 1;
    }
    return 0;
}

/* Whether `haystack` contains `needle`, ASCII letters compared without regard to case
 * (usernames are ASCII: a-z, 0-9, '.', '_', '-'). */
static int contains_ignoring_case(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (const char *h = haystack; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

sf_status sf_password_policy_check(const char *field, const char *username, const char *password,
                                   sf_errors *errors)
{
    long plen = sf_utf8_length(password);
    if (plen < 0)
        sf_errors_add(errors, field, SF_E_NOT_UTF8);
    else if (plen < SF_PASSWORD_MIN)
        sf_errors_add(errors, field, SF_E_TOO_SHORT, SF_INT("min", SF_PASSWORD_MIN));
    else if (strlen(password) > SF_PASSWORD_MAX)
        sf_errors_add(errors, field, SF_E_TOO_MANY_BYTES, SF_INT("max", SF_PASSWORD_MAX));
    else if (username != NULL && contains_ignoring_case(password, username))
        sf_errors_add(errors, field, SF_E_PASSWORD_CONTAINS_USERNAME);
    else if (sf_password_is_common(password))
        sf_errors_add(errors, field, SF_E_PASSWORD_COMMON);
    else
        return SF_OK;
    return SF_INVALID;
}

sf_status sf_user_validate(const char *username, const char *password, const char *display_name,
                           sf_errors *errors)
{
    int username_ok = sf_username_is_valid(username);
    if (!username_ok)
        sf_errors_add(errors, "username", SF_E_USERNAME_INVALID);
    sf_password_policy_check("password", username_ok ? username : NULL, password, errors);
    check_name("display_name", display_name, SF_DISPLAY_NAME_MAX_CHARS, errors);
    return sf_errors_any(errors) ? SF_INVALID : SF_OK;
}

sf_status sf_user_patch_validate(const sf_user_patch *patch, int64_t target_user_id, int64_t caller_user_id,
                                 sf_errors *errors)
{
    if (patch->display_name != NULL)
        check_name("display_name", patch->display_name, SF_DISPLAY_NAME_MAX_CHARS, errors);
    if (sf_errors_any(errors))
        return SF_INVALID;
    if (patch->has_active && !patch->active && target_user_id == caller_user_id) {
        sf_errors_add(errors, "active", SF_E_SELF_DEACTIVATION);
        return SF_CONFLICT;
    }
    return SF_OK;
}
