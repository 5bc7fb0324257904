/*
 * Rounds (Art. 20, 26): the yearly call for applications with its rule set.
 */
#ifndef SF_REPO_ROUNDS_H
#define SF_REPO_ROUNDS_H

#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    const char *level;             /* "province" | "city" */
    const char *region_code;       /* 210000 or the city's code */
    int year;
    const char *title;
    const char *opens_on, *closes_on;
    const char *relaxed_regions;   /* PostgreSQL array literal text, e.g. {210900,211300} */
    const char *relaxation_factor; /* decimal text */
    int quota;                     /* 0: none */
    const char *thresholds_json;
    const char *relaxed_thresholds_json;  /* an object, possibly empty */
    int require_prior_recognition; /* -1: the level's default (sql/015: Art. 26) */
    int validity_years;
    const char *validity_ends;     /* "year_end" | "anniversary" */
    int rectification_days;        /* Art. 24 */
} sf_new_round;

/* Inserts the round with its audit event. A second round of the same level, region and year
 * is SF_CONFLICT. *json receives the round's document (free()). */
sf_status sf_round_create(sf_pool *pool, const sf_actor *actor, const sf_new_round *round, char **json,
                          sf_errors *errors);

/* The round's document, if the caller may see it (province and supervisor: all; others: the
 * province's rounds and their own city's). */
sf_status sf_round_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **json);

/* A page of rounds as a JSON array text, newest year first; *next_after is the last id or 0. */
sf_status sf_round_list(sf_pool *pool, const sf_caller *caller, int year, int64_t after_id, int limit, int desc,
                        char **json_array, int64_t *next_after, int64_t *total);

/* The round's 汇总表 rows (JSON array of arrays), the province's all grouped by recommender,
 * a recommender's own otherwise: recommender, application, platform, operator, credit code,
 * region, status, Annex 2 figures (established on, total assets, SMEs served last year and the
 * year before, satisfaction, staff, qualified staff, functions reported) and the Annex 1
 * scores. SF_NOT_FOUND if the round is not visible. */
sf_status sf_round_summary(sf_pool *pool, const sf_caller *caller, int64_t round_id, char **rows);

#endif
