/*
 * JSON forms of the measures' data: a round's thresholds, the application report (Annex 2),
 * the recommendation form (Annex 1), and the eligibility verdict. Parsing is strict — every
 * field typed and bounded, unknown fields refused — and reports every problem at once.
 */
#ifndef SF_MEASURES_JSON_H
#define SF_MEASURES_JSON_H

#include <jansson.h>

#include "domain/eligibility.h"
#include "domain/status.h"

/* Reads `obj` (may be NULL: all defaults) over the 2018 values. */
void sf_thresholds_read(json_t *obj, sf_thresholds *t, sf_errors *errors);
json_t *sf_thresholds_json(const sf_thresholds *t);

/* Checks an Annex 2 report; on success fills `facts` (prior recognitions counted; the
 * caller sets has_active_city_award). `opens_on` bounds established_on. */
void sf_report_read(json_t *report, sf_report_facts *facts, sf_errors *errors);

/* Checks an Annex 1 recommendation form. */
void sf_recommendation_read(json_t *form, sf_errors *errors);

json_t *sf_eligibility_json(const sf_eligibility *e);

#endif
