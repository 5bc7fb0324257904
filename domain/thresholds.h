/*
 * The thresholds of a round (DESIGN.md §2, "Rules are data"), as one table: a threshold is
 * one line of SF_THRESHOLDS, and the struct, the measures' 2018 defaults, validation, the
 * JSON reading and writing (api/measures_json.c) and what Art. 12's last paragraph may relax
 * all follow from that line.
 */
#ifndef SF_THRESHOLDS_H
#define SF_THRESHOLDS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

#define SF_MAX_COUNT 1000000000LL          /* counts of SMEs, staff, events */
#define SF_MAX_AMOUNT 1000000000000000LL   /* CNY */

/* X(name, kind, 2018 value, maximum, condition, scale, article)
 *   kind:      count (int64_t), amount (int64_t, CNY) or pct (double, 0–100, 2 decimals)
 *   condition: the condition of Art. 12 ("12.1" … "12.6") or the function of Art. 13 it
 *              belongs to; only 12.1, 12.2, 12.3 and 12.6 may be relaxed (Art. 12, last para.)
 *   scale:     1 if relaxation_factor multiplies it (the scale numbers of those conditions) */
#define SF_THRESHOLDS(X)                                                                               \
    X(min_years_operating, count, 2, 100, "12.1", 1, "Art. 12(1)")                                     \
    X(min_total_assets_cny, amount, 1000000, SF_MAX_AMOUNT, "12.1", 1, "Art. 12(1)")                    \
    X(min_smes_served, count, 80, SF_MAX_COUNT, "12.2", 1, "Art. 12(2)")                                \
    X(min_satisfaction_pct, pct, 80, 100, "12.2", 0, "Art. 12(2)")                                     \
    X(min_sme_growth_pct, pct, 0, 100, "12.2", 0, "Art. 12(2), steady growth")                         \
    X(min_partner_institutions, count, 3, SF_MAX_COUNT, "12.3", 1, "Art. 12(3)")                        \
    X(min_public_service_share_pct, pct, 15, 100, "12.5", 0, "Art. 12(5)")                             \
    X(min_service_staff, count, 10, SF_MAX_COUNT, "12.6", 1, "Art. 12(6)")                              \
    X(min_qualified_staff_pct, pct, 70, 100, "12.6", 0, "Art. 12(6)")                                  \
    X(info_min_offline_smes, count, 120, SF_MAX_COUNT, "information", 0, "Art. 13(1)")                  \
    X(info_min_activities, count, 5, SF_MAX_COUNT, "information", 0, "Art. 13(1)")                      \
    X(tech_min_activities, count, 3, SF_MAX_COUNT, "technology", 0, "Art. 13(2)")                       \
    X(startup_min_events, count, 5, SF_MAX_COUNT, "entrepreneurship", 0, "Art. 13(3)")                  \
    X(training_min_trainee_times, count, 1500, SF_MAX_COUNT, "training", 0, "Art. 13(4)")               \
    X(financing_min_activities, count, 8, SF_MAX_COUNT, "financing", 0, "Art. 13(5)")                   \
    X(financing_min_raised_cny, amount, 500000000, SF_MAX_AMOUNT, "financing", 0, "Art. 13(5)")         \
    X(guarantee_min_new_cny, amount, 2000000000LL, SF_MAX_AMOUNT, "financing", 0, "Art. 13(5)")

#define SF_THRESHOLD_TYPE_count int64_t
#define SF_THRESHOLD_TYPE_amount int64_t
#define SF_THRESHOLD_TYPE_pct double

typedef struct {
#define SF_X(name, kind, def, max, cond, scale, art) SF_THRESHOLD_TYPE_##kind name;
    SF_THRESHOLDS(SF_X)
#undef SF_X
} sf_thresholds;

/* The index of each threshold in sf_threshold_table, e.g. SF_TH_min_smes_served. */
typedef enum {
#define SF_X(name, kind, def, max, cond, scale, art) SF_TH_##name,
    SF_THRESHOLDS(SF_X)
#undef SF_X
    SF_THRESHOLD_COUNT
} sf_threshold_id;

typedef enum { SF_TK_COUNT, SF_TK_AMOUNT, SF_TK_PCT } sf_threshold_kind;
#define SF_THRESHOLD_KIND_count SF_TK_COUNT
#define SF_THRESHOLD_KIND_amount SF_TK_AMOUNT
#define SF_THRESHOLD_KIND_pct SF_TK_PCT

typedef struct {
    const char *name;
    sf_threshold_kind kind;
    double defaults;          /* the 2018 value */
    int64_t max;
    const char *condition;    /* "12.1" … "12.6", or a function id of Art. 13 */
    int scale;                /* multiplied by relaxation_factor */
    const char *article;
    size_t offset;
} sf_threshold_desc;

extern const sf_threshold_desc sf_threshold_table[SF_THRESHOLD_COUNT];

/* The descriptor named `name`, or NULL. */
const sf_threshold_desc *sf_threshold_find(const char *name);

/* Whether a round may relax it: its condition is 12.1, 12.2, 12.3 or 12.6 (Art. 12, last
 * paragraph); never 12.4, 12.5 or a function of Art. 13. */
int sf_threshold_is_relaxable(const sf_threshold_desc *d);

/* A threshold's value as a number (counts and amounts are exact up to 2^53), and setting it
 * (counts and amounts truncated to integers). */
double sf_threshold_get(const sf_thresholds *t, const sf_threshold_desc *d);
void sf_threshold_set(sf_thresholds *t, const sf_threshold_desc *d, double value);

/* The measures' own values (2018). */
sf_thresholds sf_thresholds_2018(void);

/* Checks a round's thresholds: counts and amounts 0–max, percentages 0–100 with at most two
 * decimals. Field errors under "<prefix><name>" (prefix e.g. "thresholds."). Only the
 * thresholds whose bit is set in `mask` are checked (~0u: all). */
sf_status sf_thresholds_validate_masked(const sf_thresholds *t, uint32_t mask, const char *prefix,
                                        sf_errors *errors);
sf_status sf_thresholds_validate(const sf_thresholds *t, sf_errors *errors);

/* A percentage in hundredths (5.5 → 550), for exact integer comparisons. */
int64_t sf_pct_hundredths(double pct);

#endif
