/*
 * Who may open which round, and its rule set (see rounds.h).
 */
#include "domain/rounds.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "domain/regions.h"

_Static_assert(SF_THRESHOLD_COUNT <= 32, "relaxed_mask holds one bit per threshold");

sf_round_rules sf_round_defaults(void)
{
    sf_round_rules r;
    memset(&r, 0, sizeof r);
    r.thresholds = sf_thresholds_2018();
    r.relaxation_factor = 1;
    r.require_prior_recognition = -1;
    r.validity = (sf_validity_rule){SF_VALIDITY_DEFAULT_YEARS, SF_VALIDITY_YEAR_END};
    r.rectification_days = SF_RECTIFICATION_DAYS;
    return r;
}

int sf_round_factor_permille(double factor)
{
    return (int)lround(factor * 1000);
}

/* Art. 20, 26: the province opens province-level rounds; a city its own city-level ones. */
static sf_status who_opens(const sf_round_rules *r, const sf_caller *c, const char **region, sf_errors *e)
{
    if (r->level != NULL && strcmp(r->level, "province") == 0) {
        if (c->role != SF_ROLE_PROVINCE) {
            sf_errors_detail(e, SF_E_PROVINCE_ROUNDS_ONLY);
            return SF_FORBIDDEN;
        }
        *region = SF_PROVINCE_CODE;
    } else if (r->level != NULL && strcmp(r->level, "city") == 0) {
        if (c->role != SF_ROLE_CITY) {
            sf_errors_detail(e, SF_E_CITY_ROUNDS_ONLY);
            return SF_FORBIDDEN;
        }
        *region = c->region_code;
    } else if (r->level != NULL) {
        sf_errors_add(e, "level", SF_E_LEVEL_INVALID);
    }
    return SF_OK;
}

/* Both dates within the round's year, and closes_on not before opens_on. */
static void dates(const sf_round_rules *r, sf_errors *e)
{
    int y, m, d;
    if (r->opens_on && r->year) {
        sf_day_to_ymd(r->opens_on, &y, &m, &d);
        if (y != r->year)
            sf_errors_add(e, "opens_on", SF_E_DATE_OUTSIDE_YEAR, SF_INT("year", r->year));
    }
    if (r->closes_on && r->year) {
        sf_day_to_ymd(r->closes_on, &y, &m, &d);
        if (y != r->year)
            sf_errors_add(e, "closes_on", SF_E_DATE_OUTSIDE_YEAR, SF_INT("year", r->year));
    }
    if (r->opens_on && r->closes_on && r->closes_on < r->opens_on)
        sf_errors_add(e, "closes_on", SF_E_CLOSES_BEFORE_OPENS);
}

/* Art. 12, last paragraph: the relaxed regions, the factor on scale thresholds, and the
 * thresholds of 12.1, 12.2, 12.3 and 12.6 set outright — never 12.4, 12.5 or Art. 13, and
 * never stricter than the round's own. */
static void relaxation(const sf_round_rules *r, sf_errors *e)
{
    for (size_t i = 0; i < r->nrelaxed_regions; i++)
        if (sf_region_city(r->relaxed_regions[i]) == NULL)
            sf_errors_add(e, "relaxed_regions", SF_E_ITEM_NOT_CITY_CODE, SF_INT("index", i));
    double permille = r->relaxation_factor * 1000;
    if (!(r->relaxation_factor > 0 && r->relaxation_factor <= 1) || fabs(permille - round(permille)) > 1e-6)
        sf_errors_add(e, "relaxation_factor", SF_E_RELAXATION_FACTOR_INVALID);
    if (r->relaxed_mask == 0)
        return;
    if (r->nrelaxed_regions == 0)
        sf_errors_add(e, "relaxed_thresholds", SF_E_RELAXED_REGIONS_REQUIRED);
    uint32_t relaxable = 0;
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        if (!(r->relaxed_mask & (1u << i)))
            continue;
        char field[SF_FIELD_LEN];
        snprintf(field, sizeof field, "relaxed_thresholds.%s", d->name);
        if (!sf_threshold_is_relaxable(d)) {
            sf_errors_add(e, field, SF_E_THRESHOLD_NOT_RELAXABLE, SF_TEXT("condition", d->condition));
            continue;
        }
        relaxable |= 1u << i;
        if (sf_threshold_get(&r->relaxed, d) > sf_threshold_get(&r->thresholds, d))
            sf_errors_add(e, field, SF_E_RELAXED_STRICTER, SF_TEXT("threshold", d->name),
                          SF_NUM("normal", sf_threshold_get(&r->thresholds, d)));
    }
    sf_thresholds_validate_masked(&r->relaxed, relaxable, "relaxed_thresholds.", e);
}

sf_status sf_round_validate(const sf_round_rules *r, const sf_caller *c, const char **region, sf_errors *e)
{
    *region = NULL;
    sf_status st = who_opens(r, c, region, e);
    if (st != SF_OK)
        return st;
    if (r->year && (r->year < SF_ROUND_MIN_YEAR || r->year > SF_ROUND_MAX_YEAR))
        sf_errors_add(e, "year", SF_E_OUT_OF_RANGE, SF_INT("min", SF_ROUND_MIN_YEAR), SF_INT("max", SF_ROUND_MAX_YEAR));
    dates(r, e);
    sf_thresholds_validate(&r->thresholds, e);
    relaxation(r, e);
    /* Art. 26: a city's round takes its own platforms only: it relaxes its own region or none */
    for (size_t i = 0; *region != NULL && strcmp(*region, "210000") != 0 && i < r->nrelaxed_regions; i++)
        if (sf_region_city(r->relaxed_regions[i]) != NULL && strcmp(r->relaxed_regions[i], *region) != 0)
            sf_errors_add(e, "relaxed_regions", SF_E_RELAXED_REGION_OTHER_CITY, SF_INT("index", i));
    if (r->quota < 0 || r->quota > SF_ROUND_MAX_QUOTA)
        sf_errors_add(e, "quota_per_recommender", SF_E_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", SF_ROUND_MAX_QUOTA));
    /* Art. 24: the time an inspection gives for a rectification */
    if (r->rectification_days < 1 || r->rectification_days > 365)
        sf_errors_add(e, "rectification_days", SF_E_OUT_OF_RANGE, SF_INT("min", 1), SF_INT("max", 365));
    /* Art. 23: a title's validity */
    if (r->validity.years < SF_VALIDITY_MIN_YEARS || r->validity.years > SF_VALIDITY_MAX_YEARS)
        sf_errors_add(e, "validity_years", SF_E_OUT_OF_RANGE, SF_INT("min", SF_VALIDITY_MIN_YEARS),
                      SF_INT("max", SF_VALIDITY_MAX_YEARS));
    return sf_errors_any(e) ? SF_INVALID : SF_OK;
}
