/*
 * Reading a platform body (POST /v1/platforms, PATCH, and each row of an import): one
 * definition of what a valid platform is, field by field.
 */
#ifndef SF_PLATFORM_INPUT_H
#define SF_PLATFORM_INPUT_H

#include <jansson.h>
#include <stddef.h>

#include "domain/calendar.h"
#include "domain/status.h"
#include "persistence/platforms.h"

/* Fills `f` (pointers into `body`) and `functions` (a PostgreSQL array literal); adds a field
 * error for each problem. For a PATCH (`partial`) every field is optional and region_code may
 * not change. */
void sf_platform_fields_read(json_t *body, int partial, sf_platform_fields *f, char *functions, size_t flen,
                             sf_errors *errors);

/* The operator's date of establishment that `f` gives, if any and valid, against today
 * (domain/platforms.h sf_platform_established_check). */
void sf_platform_fields_dated(const sf_platform_fields *f, sf_day today, sf_errors *errors);

#endif
