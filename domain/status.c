/*
 * Names of result codes and the field-error list.
 */
#include "domain/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sf_status_name(sf_status status)
{
    switch (status) {
    case SF_OK: return "ok";
    case SF_INVALID: return "invalid";
    case SF_NOT_FOUND: return "not_found";
    case SF_FORBIDDEN: return "forbidden";
    case SF_CONFLICT: return "conflict";
    case SF_UNAVAILABLE: return "unavailable";
    case SF_INTERNAL: return "internal";
    }
    return "internal";
}

/* A truncated copy may end inside a multibyte character: drop that partial character, so
 * the text stays valid UTF-8 (a JSON answer could not carry it otherwise). */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;                                   /* continuation bytes */
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < want)
        s[i - 1] = '\0';
}

void sf_errors_init(sf_errors *errors)
{
    errors->count = 0;
    errors->dropped = 0;
    errors->detail[0] = '\0';
}

void sf_errors_detail(sf_errors *errors, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errors->detail, sizeof errors->detail, fmt, ap);
    va_end(ap);
}

void sf_errors_add(sf_errors *errors, const char *field, const char *fmt, ...)
{
    if (errors->count == SF_MAX_FIELD_ERRORS) {
        errors->dropped++;
        return;
    }
    sf_field_error *e = &errors->items[errors->count++];
    snprintf(e->field, sizeof e->field, "%s", field);
    trim_partial_utf8(e->field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    trim_partial_utf8(e->message);
}

int sf_errors_any(const sf_errors *errors)
{
    return errors->count > 0 || errors->dropped > 0;
}
