/*
 * Rounds (Art. 20, 26): the yearly call for applications — the province's own, and each
 * city's city-level round — and the rule set it is run under (DESIGN.md §2). Pure: who may
 * open which round, its dates, and every rule of its set, validated at once.
 */
#ifndef SF_ROUNDS_H
#define SF_ROUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/awards.h"
#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "domain/supervision.h"
#include "domain/thresholds.h"

#define SF_ROUND_MIN_YEAR 2018     /* the measures' year; earlier rounds are records of the past */
#define SF_ROUND_MAX_YEAR 9999
#define SF_ROUND_MAX_QUOTA 10000

/* A round as asked for, after parsing. */
typedef struct {
    const char *level;                    /* "province" | "city" */
    int year;
    sf_day opens_on, closes_on;           /* 0: absent or unreadable (the parser said so) */
    sf_thresholds thresholds;
    const char *relaxed_regions[14];      /* city codes */
    size_t nrelaxed_regions;
    double relaxation_factor;             /* (0, 1], at most 3 decimals; 1: none */
    sf_thresholds relaxed;                /* relaxed_thresholds: those whose bit is set … */
    uint32_t relaxed_mask;                /* … in here (1u << SF_TH_name) */
    int quota;                            /* 0: none; else 1..SF_ROUND_MAX_QUOTA */
    int require_prior_recognition;        /* -1: not given: the database's default for the level
                                             (Art. 26: on in province rounds, off in a city's) */
    sf_validity_rule validity;
    int rectification_days;               /* Art. 24: a rectification's time, 1..365 (30) */
} sf_round_rules;

/* The defaults of §2 for what a request may leave out: the 2018 thresholds, no relaxation,
 * no quota, prior recognition by the level's default, three years to 31 December. */
sf_round_rules sf_round_defaults(void);

/* Whether `caller` may open the round, and the round's rules. SF_FORBIDDEN (detail set) if
 * the caller's role may not open a round of that level (Art. 20: the province its own; Art.
 * 26: a city its own city-level round); SF_INVALID with every field error at once; else
 * SF_OK with *region_code the round's region (210000, or the city's: it points into
 * `caller`, valid as long as the caller is). One round a year per
 * level and region is kept by the database's unique key. */
sf_status sf_round_validate(const sf_round_rules *r, const sf_caller *caller, const char **region_code,
                            sf_errors *errors);

/* relaxation_factor in thousandths (0.8 → 800). */
int sf_round_factor_permille(double factor);

#endif
