/*
 * An application's record as persistence read it, made whole for domain/transitions.h: the
 * stored report and the round's thresholds parsed into the snapshot (the texts are api/'s to
 * read), and the one callback every transition hands persistence — which asks sf_decide.
 */
#include "api/app_record.h"

#include "api/json_input.h"
#include "api/measures_json.h"

/* Reads the stored report (Annex 2) and the round's thresholds into the record's snapshot,
 * which is then what domain/transitions.h reads. Stored texts were validated when they were
 * written. SF_INTERNAL when memory runs out. */
sf_status sf_app_record_complete(sf_app_record *r)
{
    sf_app_snapshot *s = &r->snap;
    json_t *report = r->report_json ? sf_json_loads(r->report_json) : NULL;
    json_t *tj = r->thresholds_json ? sf_json_loads(r->thresholds_json) : NULL;
    json_t *rj = r->relaxed_thresholds_json ? sf_json_loads(r->relaxed_thresholds_json) : NULL;
    sf_status status = (r->report_json && !report) || (r->thresholds_json && !tj) ||
                       (r->relaxed_thresholds_json && !rj) ? SF_INTERNAL : SF_OK;
    sf_errors ignored;
    sf_errors_init(&ignored);
    if (report != NULL)
        sf_report_read(report, &s->facts, &ignored);
    sf_thresholds_read(tj, &s->thresholds, &ignored);
    sf_relaxed_thresholds_read(rj, &s->relaxation.set, &s->relaxation.set_mask, &ignored);
    s->facts.has_active_city_award = s->has_active_city_award;
    json_decref(report);
    json_decref(tj);
    json_decref(rj);
    return status;
}

sf_status sf_app_record_decide(sf_app_record *r, void *request, sf_app_decision *d, sf_errors *why)
{
    sf_status st = sf_app_record_complete(r);
    return st != SF_OK ? st : sf_decide(&r->snap, request, r->today, d, why);
}
