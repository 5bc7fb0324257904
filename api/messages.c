/*
 * Choosing the language and filling in templates (see messages.h).
 */
#include "api/messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *sf_lang_tag(sf_lang lang)
{
    return lang == SF_LANG_EN ? "en" : "zh-CN";
}

/* The language of one range ("zh-CN", "en-US", "*"), or -1 for one shifan does not speak. */
static int lang_of_range(const char *range, size_t len)
{
    if ((len == 2 || (len > 2 && range[2] == '-')) && strncasecmp(range, "zh", 2) == 0)
        return SF_LANG_ZH;
    if ((len == 2 || (len > 2 && range[2] == '-')) && strncasecmp(range, "en", 2) == 0)
        return SF_LANG_EN;
    if (len == 1 && range[0] == '*')
        return SF_LANG_ZH;
    return -1;
}

/* The q-value of the parameters after a range (";q=0.8"), 1 when none, -1 when malformed. */
static double q_of(const char *p, const char *end)
{
    double q = 1;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char buf[16];
            size_t n = 0;
            for (p += 2; p < end && *p != ';' && *p != ' ' && n < sizeof buf - 1; p++)
                buf[n++] = *p;
            buf[n] = '\0';
            char *stop;
            q = strtod(buf, &stop);
            if (n == 0 || *stop != '\0' || q < 0 || q > 1)
                return -1;
        }
        while (p < end && *p != ';')
            p++;
    }
    return q;
}

sf_lang sf_lang_from_header(const char *header)
{
    double best_q = 0;
    sf_lang best = SF_LANG_ZH;
    for (const char *p = header; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        size_t len = strcspn(p, ";, \t");
        if (p + len > end)
            len = (size_t)(end - p);
        int lang = lang_of_range(p, len);
        double q = q_of(p + len, end);
        if (lang >= 0 && q > best_q) {
            best_q = q;
            best = (sf_lang)lang;
        }
        p = *end == ',' ? end + 1 : end;
    }
    return best;
}

const char *sf_message_template(sf_lang lang, sf_code code)
{
    if ((unsigned)code >= SF_CODE_COUNT)
        code = SF_E_INTERNAL_ERROR;
    const char *t = lang == SF_LANG_EN ? sf_messages_en[code] : sf_messages_zh[code];
    return t != NULL ? t : sf_messages_en[code] != NULL ? sf_messages_en[code] : sf_code_name(code);
}

/* Appends `len` bytes of `s` to out at *at, keeping room for the NUL; never cuts a character. */
static void append(char *out, size_t n, size_t *at, const char *s, size_t len)
{
    if (*at + len >= n) {
        len = n - 1 - *at;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;   /* s[len] would start the cut-off rest: stop before a partial character */
    }
    memcpy(out + *at, s, len);
    *at += len;
    out[*at] = '\0';
}

/* A number as a person writes it: 1000000, 0.8, 79.99 — not %g's "1e+06". At most four
 * decimals (the measures' figures have no more), trailing zeros dropped. */
static void plain_number(double d, char *out, size_t n)
{
    if (!(d > -1e15 && d < 1e15)) {   /* beyond what any figure of the measures is */
        snprintf(out, n, "%g", d);
        return;
    }
    snprintf(out, n, "%.4f", d);
    char *dot = strchr(out, '.');
    if (dot == NULL)
        return;
    char *end = out + strlen(out) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
    if (strcmp(out, "-0") == 0)
        snprintf(out, n, "0");
}

char *sf_message_render(char *out, size_t n, sf_lang lang, sf_code code, const sf_params *params)
{
    const char *t = sf_message_template(lang, code);
    size_t at = 0;
    out[0] = '\0';
    while (*t != '\0' && at + 1 < n) {
        const char *open = strchr(t, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (open == NULL || close == NULL) {
            append(out, n, &at, t, strlen(t));
            break;
        }
        append(out, n, &at, t, (size_t)(open - t));
        char name[48];
        size_t len = (size_t)(close - open - 1);
        const sf_arg_value *v = NULL;
        if (len < sizeof name) {
            memcpy(name, open + 1, len);
            name[len] = '\0';
            v = params ? sf_params_get(params, name) : NULL;
        }
        char num[40];
        const char *text = NULL;
        if (v == NULL) {
            append(out, n, &at, open, (size_t)(close - open + 1));
        } else {
            switch (v->kind) {
            case SF_ARG_INT: snprintf(num, sizeof num, "%lld", v->i); text = num; break;
            case SF_ARG_NUM: plain_number(v->d, num, sizeof num); text = num; break;
            case SF_ARG_BOOL: text = lang == SF_LANG_EN ? (v->i ? "yes" : "no") : (v->i ? "是" : "否"); break;
            default: text = v->s; break;
            }
            append(out, n, &at, text, strlen(text));
        }
        t = close + 1;
    }
    return out;
}
