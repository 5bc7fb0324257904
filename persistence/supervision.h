/*
 * Assessments (Art. 24), annual summaries (Art. 22), inspections and city reports (Art. 24),
 * and the rows of the compliance view.
 */
#ifndef SF_REPO_SUPERVISION_H
#define SF_REPO_SUPERVISION_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

/* The province commissions an assessment of an active title, or of one pending revocation (a
 * passed later assessment reinstates it, Art. 24), by an assessor organisation. */
sf_status sf_assessment_create(sf_pool *pool, const sf_actor *actor, int64_t award_id, int64_t assessor_org,
                               const char *due_on, char **doc, sf_errors *errors);

/* Province and supervisor: all; an assessor: its organisation's only. `status` (open,
 * overdue, submitted) may be NULL. */
sf_status sf_assessment_list(sf_pool *pool, const sf_caller *caller, const char *status, int64_t after_id, int limit,
                             char **items, int64_t *next_after, int64_t *total);
sf_status sf_assessment_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

/* The assessor's result; a failed one moves an active title to revocation_pending in the same
 * transaction (Art. 24). Once submitted, a result is final (SF_CONFLICT). */
sf_status sf_assessment_submit(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                               const char *score, int passed, const char *summary, char **doc, sf_errors *errors);

/* The city of the title's platform records what arrived; `figures` (JSON text, validated by
 * the caller, or NULL) are the year's figures dynamic management re-tests. `received_on` is
 * the day it arrived as the recorder states it (0: today; never after today, issue 15): the
 * date timeliness is judged by. A city report likewise. */
sf_status sf_annual_summary_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t award_id,
                                   int year, const char *summary, const char *figures, sf_day received_on, char **doc,
                                   sf_errors *errors);

/* An inspection's rectification (Art. 24): the one it closes as a follow-up (0: none), and
 * the due date of the one it opens, if the inspector sets it (0: the round's rule). */
typedef struct {
    int64_t closes_id;
    sf_day due_on;
} sf_new_inspection_rectification;
/* The inspection, and the rectification it opens or closes (domain/supervision.h), in one
 * transaction. */
sf_status sf_inspection_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t award_id,
                               const char *inspected_on, const char *const fields[5],
                               const sf_new_inspection_rectification *r, char **doc, sf_errors *errors);
/* The reports of city `region_code` (the caller's own, for a city) of `year` (Art. 24). */
sf_status sf_city_report_create(sf_pool *pool, const sf_actor *actor, const char *region_code, int year,
                                const char *summary_report, const char *inspection_report, sf_day received_on,
                                char **doc, sf_errors *errors);

/* Supervision records read back (Art. 22, 24, 25), and rectifications (Art. 24). Province and supervisor: all; a city: its
 * region's; an assessor: those of the titles it has an open assessment of. Anything else is
 * SF_NOT_FOUND. Filters left 0 or NULL do not filter. */
typedef struct {
    const char *kind;       /* "annual_summary", "inspection", "city_report" or "rectification" */
    int year;               /* of the summary or report; of inspected_on for inspections; of
                               due_on for rectifications */
    const char *region;     /* a city's code */
    int64_t award_id, platform_id;
    const char *state;      /* inspections: their outcome; rectifications: open | overdue | closed */
    const char *timeliness; /* annual summaries and city reports: on_time | late */
} sf_record_filter;

sf_status sf_record_list(sf_pool *pool, const sf_caller *caller, const sf_record_filter *f, int64_t after_id,
                         int limit, int desc, char **items, int64_t *next_after, int64_t *total);
sf_status sf_record_get(sf_pool *pool, const sf_caller *caller, const char *kind, int64_t id, char **doc);

/* The optional file of an assessment (its assessor, before the result is submitted) or of an
 * annual summary (the platform's city). `entity` is "assessment" or "annual_summary". */
#include "persistence/materials.h"
sf_status sf_attachment_put(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const char *entity,
                            int64_t id, const sf_new_material *file, char **doc, sf_errors *errors);
/* The file, for the province, the supervisor, and the assessor or city it belongs to. */
sf_status sf_attachment_get(sf_pool *pool, const sf_caller *caller, const char *entity, int64_t id,
                            sf_material_content *out);

/* What a title's standing in a year is judged on (Art. 4, 24). Texts owned, freed by
 * sf_standing_data_free. SF_NOT_FOUND if the title does not exist (scope is the caller's). */
typedef struct {
    int64_t summary_id;              /* 0: no summary of the year */
    char *figures_json;              /* NULL: the summary states no figures */
    int has_prev;
    int64_t smes_served_prev;        /* the year before's SMEs served */
    char *thresholds_json, *relaxed_thresholds_json;
    int region_relaxed, factor_permille;
    char *functions;                 /* the title's functions, comma-separated */
} sf_standing_data;
sf_status sf_standing_data_read(sf_pool *pool, int64_t award_id, int year, sf_standing_data *out);
void sf_standing_data_free(sf_standing_data *d);

/* One row of the compliance view: a title due a summary of `year`, or (award_id 0) a city. */
typedef struct {
    char region_code[8];
    char region_name[40];
    int64_t award_id;
    int64_t platform_id;
    char platform_name[808];
    char certificate_no[48];
    int arrived;
    sf_day received_on;
    sf_standing_data standing;       /* titles: its texts point into the result, valid during the call */
    int rectifications_open, rectifications_overdue;
} sf_compliance_row;

/* Calls `row` for each city in scope (award_id 0, its report) and each title in scope that
 * owes a summary of `year` (active at some time in the year, not revoked before it ended).
 * *today is set to the database's date before the first call. */
sf_status sf_compliance_rows(sf_pool *pool, const sf_caller *caller, int year, sf_day *today,
                             void (*row)(const sf_compliance_row *r, void *ctx), void *ctx);

#endif
