/*
 * The regions shifan knows: Liaoning Province and its 14 prefecture-level cities, by their
 * GB/T 2260 administrative division codes. The same list is seeded into the database by
 * sql/002_organizations.sql; tests check that the two agree.
 */
#ifndef SF_REGIONS_H
#define SF_REGIONS_H

#include <stddef.h>

#define SF_PROVINCE_CODE "210000"

typedef struct {
    const char *code;  /* GB/T 2260, six digits */
    const char *name;  /* official Chinese name */
} sf_region;

/* The 14 cities, in code order. */
extern const sf_region sf_cities[];
extern const size_t sf_city_count;

/* The city with that code, or NULL. The province code is not a city. */
const sf_region *sf_region_city(const char *code);

/* True for the province code and for a city code. */
int sf_region_is_known(const char *code);

#endif
