/*
 * Characters a name must not hold, and text that shows nothing (see text.h).
 */
#include "domain/text.h"

#include <stdint.h>

/* The code point at `p` (UTF-8, trusted: the callers have checked it), its length in `*len`. */
static uint32_t code_point(const unsigned char *p, int *len)
{
#define CONT(b) (((b) & 0xC0) == 0x80)
    if (p[0] < 0x80) {
        *len = 1;
        return p[0];
    }
    if ((p[0] & 0xE0) == 0xC0 && CONT(p[1])) {
        *len = 2;
        return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if ((p[0] & 0xF0) == 0xE0 && CONT(p[1]) && CONT(p[2])) {
        *len = 3;
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    if ((p[0] & 0xF8) == 0xF0 && CONT(p[1]) && CONT(p[2]) && CONT(p[3])) {
        *len = 4;
        return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 | (uint32_t)(p[2] & 0x3F) << 6 |
               (p[3] & 0x3F);
    }
#undef CONT
    *len = 1;   /* not UTF-8: a byte at a time, judged as nothing in particular */
    return 0xFFFD;
}

static int is_line_break(uint32_t c)
{
    return c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

static int is_hidden_control(uint32_t c)
{
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x061C ||
           c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

static int hidden(const char *s, int lines)
{
    int len;
    for (const unsigned char *p = (const unsigned char *)s; *p; p += len) {
        uint32_t c = code_point(p, &len);
        if (is_hidden_control(c) && !(lines && is_line_break(c)))
            return 1;
    }
    return 0;
}

int sf_text_has_hidden_controls(const char *s)
{
    return hidden(s, 0);
}

int sf_text_lines_have_hidden_controls(const char *s)
{
    return hidden(s, 1);
}

/* Spaces, characters of no width, and the combining marks' blocks. */
static int shows_nothing(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0xAD || c == 0x115F || c == 0x1160 ||
           c == 0x1680 || c == 0x180E || c == 0x2800 || c == 0x3164 || c == 0xFFA0 || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0x2000 && c <= 0x200D) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x2060 || c == 0x3000 || c == 0xFEFF || (c >= 0x0300 && c <= 0x036F) ||
           (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F);
}

int sf_text_is_blank(const char *s)
{
    int len;
    for (const unsigned char *p = (const unsigned char *)s; *p; p += len)
        if (!shows_nothing(code_point(p, &len)))
            return 0;
    return 1;
}

static void check(const char *field, const char *s, int lines, sf_errors *e)
{
    if (s == NULL)
        return;
    if (sf_text_is_blank(s))
        sf_errors_add(e, field, SF_E_EMPTY);
    else if (hidden(s, lines))
        sf_errors_add(e, field, SF_E_HIDDEN_CONTROLS);
}

void sf_text_check_name(const char *field, const char *s, sf_errors *e)
{
    check(field, s, 0, e);
}

void sf_text_check_lines(const char *field, const char *s, sf_errors *e)
{
    check(field, s, 1, e);
}
