/*
 * The table of thresholds and what follows from it (see thresholds.h).
 */
#include "domain/thresholds.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

const sf_threshold_desc sf_threshold_table[SF_THRESHOLD_COUNT] = {
#define SF_X(name, kind, def, max, cond, scale, art)                                               \
    {#name, SF_THRESHOLD_KIND_##kind, def, max, cond, scale, art, offsetof(sf_thresholds, name)},
    SF_THRESHOLDS(SF_X)
#undef SF_X
};

const sf_threshold_desc *sf_threshold_find(const char *name)
{
    for (int i = 0; name != NULL && i < SF_THRESHOLD_COUNT; i++)
        if (strcmp(sf_threshold_table[i].name, name) == 0)
            return &sf_threshold_table[i];
    return NULL;
}

int sf_threshold_is_relaxable(const sf_threshold_desc *d)
{
    /* Art. 12, last paragraph: conditions (一)(二)(三)(六) "may be appropriately relaxed" */
    static const char *const relaxable[] = {"12.1", "12.2", "12.3", "12.6"};
    for (size_t i = 0; i < sizeof relaxable / sizeof *relaxable; i++)
        if (strcmp(d->condition, relaxable[i]) == 0)
            return 1;
    return 0;
}

double sf_threshold_get(const sf_thresholds *t, const sf_threshold_desc *d)
{
    const char *p = (const char *)t + d->offset;
    if (d->kind == SF_TK_PCT)
        return *(const double *)(const void *)p;
    return (double)*(const int64_t *)(const void *)p;
}

void sf_threshold_set(sf_thresholds *t, const sf_threshold_desc *d, double value)
{
    char *p = (char *)t + d->offset;
    if (d->kind == SF_TK_PCT)
        *(double *)(void *)p = value;
    else
        *(int64_t *)(void *)p = (int64_t)value;
}

sf_thresholds sf_thresholds_2018(void)
{
    sf_thresholds t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++)
        sf_threshold_set(&t, &sf_threshold_table[i], sf_threshold_table[i].defaults);
    return t;
}

int64_t sf_pct_hundredths(double pct)
{
    return (int64_t)llround(pct * 100);
}

sf_status sf_thresholds_validate_masked(const sf_thresholds *t, uint32_t mask, const char *prefix, sf_errors *e)
{
    sf_status status = SF_OK;
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        if (!(mask & (1u << i)))
            continue;
        double v = sf_threshold_get(t, d);
        char field[SF_FIELD_LEN];
        snprintf(field, sizeof field, "%s%s", prefix, d->name);
        if (d->kind == SF_TK_PCT) {
            if (!(v >= 0 && v <= 100) || fabs(v * 100 - (double)sf_pct_hundredths(v)) > 1e-6) {
                sf_errors_add(e, field, SF_E_PERCENT_INVALID);
                status = SF_INVALID;
            }
        } else if (v < 0) {
            sf_errors_add(e, field, SF_E_NEGATIVE);
            status = SF_INVALID;
        } else if (v > (double)d->max) {
            sf_errors_add(e, field, SF_E_TOO_LARGE, SF_INT("max", d->max));
            status = SF_INVALID;
        }
    }
    return status;
}

sf_status sf_thresholds_validate(const sf_thresholds *t, sf_errors *e)
{
    return sf_thresholds_validate_masked(t, ~0u, "thresholds.", e);
}
