/*
 * JSON forms of the measures' data: a round's thresholds, the application report (Annex 2),
 * the recommendation form (Annex 1), and the eligibility verdict. Parsing is strict — every
 * field typed and bounded, unknown fields refused — and reports every problem at once.
 */
#ifndef SF_MEASURES_JSON_H
#define SF_MEASURES_JSON_H

#include <jansson.h>

#include "api/messages.h"
#include "domain/eligibility.h"
#include "domain/status.h"

/* Reads `obj` (may be NULL: all defaults) over the 2018 values. Members are typed and bounded
 * by domain/thresholds.h's table; unknown ones are errors ("thresholds.<name>"). */
void sf_thresholds_read(json_t *obj, sf_thresholds *t, sf_errors *errors);
json_t *sf_thresholds_json(const sf_thresholds *t);

/* A round's relaxed_thresholds (may be NULL: none): the members present, each marked in
 * *mask (bit 1u << SF_TH_name); errors under "relaxed_thresholds.<name>". */
void sf_relaxed_thresholds_read(json_t *obj, sf_thresholds *set, uint32_t *mask, sf_errors *errors);
/* The thresholds whose bit is set in `mask`, as an object. */
json_t *sf_thresholds_json_masked(const sf_thresholds *t, uint32_t mask);

/* Checks an Annex 2 report; on success fills `facts` (prior recognitions counted; the
 * caller sets has_active_city_award). `opens_on` bounds established_on. */
void sf_report_read(json_t *report, sf_report_facts *facts, sf_errors *errors);

/* Checks an Annex 1 recommendation form. */
void sf_recommendation_read(json_t *form, sf_errors *errors);

/* An annual summary's figures: {smes_served, satisfaction_pct, public_service_share_pct,
 * functions: {<id>: {its counts and amounts}}} into the facts sf_standing_evaluate reads
 * (field errors under "figures."). */
void sf_summary_figures_read(json_t *figures, sf_report_facts *facts, sf_errors *errors);
/* {meets, conditions:[{id, passed, relaxed, detail}], functions:[{id, passed, detail}]}:
 * the titled functions only. */
json_t *sf_standing_json(const sf_standing *standing, sf_lang lang);

json_t *sf_eligibility_json(const sf_eligibility *e, sf_lang lang);

#endif
