/*
 * The codes' names and parameter lists (see codes.h).
 */
#include "domain/codes.h"

#include <string.h>

static const struct {
    const char *name;
    const char *params;
} codes[SF_CODE_COUNT] = {
#define SF_CODE_ROW_(id, name, params) [SF_E_##id] = {name, params},
    SF_CODE_LIST(SF_CODE_ROW_)
#undef SF_CODE_ROW_
};

const char *sf_code_name(sf_code code)
{
    return (unsigned)code < SF_CODE_COUNT ? codes[code].name : "internal_error";
}

sf_code sf_code_by_name(const char *name)
{
    for (int i = 0; name != NULL && i < SF_CODE_COUNT; i++)
        if (strcmp(codes[i].name, name) == 0)
            return (sf_code)i;
    return SF_E_NONE;
}

const char *sf_code_params(sf_code code)
{
    return (unsigned)code < SF_CODE_COUNT ? codes[code].params : "";
}

size_t sf_code_param_count(sf_code code)
{
    const char *p = sf_code_params(code);
    if (*p == '\0')
        return 0;
    size_t n = 1;
    for (; *p; p++)
        n += *p == ',';
    return n;
}

int sf_code_has_param(sf_code code, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = sf_code_params(code); *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}
