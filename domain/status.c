/*
 * Names of result codes, the refusal's codes with their parameters, and the field-error list.
 */
#include "domain/status.h"

#include <assert.h>
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

void sf_params_set(sf_params *out, const sf_arg *list)
{
    out->count = 0;
    for (const sf_arg *p = list; p != NULL && p->kind != SF_ARG_END; p++) {
        if (out->count == SF_MAX_PARAMS)
            break;
        sf_arg_value *v = &out->items[out->count++];
        v->name = p->name;
        v->kind = p->kind;
        v->i = p->i;
        v->d = p->d;
        v->s[0] = '\0';
        if (p->kind == SF_ARG_TEXT) {
            snprintf(v->s, sizeof v->s, "%s", p->s ? p->s : "");
            trim_partial_utf8(v->s);
        }
    }
}

const sf_arg_value *sf_params_get(const sf_params *params, const char *name)
{
    for (size_t i = 0; i < params->count; i++)
        if (strcmp(params->items[i].name, name) == 0)
            return &params->items[i];
    return NULL;
}

int sf_params_match(sf_code code, const sf_params *params)
{
    size_t declared = sf_code_param_count(code);
    if (declared != params->count)
        return 0;
    for (size_t i = 0; i < params->count; i++)
        if (!sf_code_has_param(code, params->items[i].name))
            return 0;
    return 1;
}

void sf_errors_init(sf_errors *errors)
{
    errors->count = 0;
    errors->dropped = 0;
    errors->code = SF_E_NONE;
    errors->params.count = 0;
}

void sf_errors_detail_(sf_errors *errors, sf_code code, const sf_arg *params)
{
    errors->code = code;
    sf_params_set(&errors->params, params);
    assert(sf_params_match(code, &errors->params));   /* a call site passes what codes.h declares */
}

void sf_errors_add_(sf_errors *errors, const char *field, sf_code code, const sf_arg *params)
{
    if (errors->count == SF_MAX_FIELD_ERRORS) {
        errors->dropped++;
        return;
    }
    sf_field_error *e = &errors->items[errors->count++];
    snprintf(e->field, sizeof e->field, "%s", field);
    trim_partial_utf8(e->field);
    e->code = code;
    sf_params_set(&e->params, params);
    assert(sf_params_match(code, &e->params));
}

void sf_errors_merge(sf_errors *dst, const char *prefix, const sf_errors *src)
{
    for (size_t i = 0; i < src->count; i++) {
        if (dst->count == SF_MAX_FIELD_ERRORS) {
            dst->dropped++;
            continue;
        }
        sf_field_error *e = &dst->items[dst->count++];
        *e = src->items[i];
        char joined[2 * SF_FIELD_LEN];
        snprintf(joined, sizeof joined, "%s.%s", prefix, src->items[i].field);
        size_t n = strlen(joined);
        if (n >= sizeof e->field)
            n = sizeof e->field - 1;
        memcpy(e->field, joined, n);
        e->field[n] = '\0';
        trim_partial_utf8(e->field);
    }
    dst->dropped += src->dropped;
}

int sf_errors_any(const sf_errors *errors)
{
    return errors->count > 0 || errors->dropped > 0;
}
