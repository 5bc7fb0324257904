/*
 * Applications: one per platform per round, their report and recommendation form, and
 * every change of status. A change runs in one transaction: the application row is locked,
 * the caller's decision function (which asks domain/ — lifecycle, eligibility, validity)
 * sees a consistent snapshot of everything the rules read, and the new state, its side
 * effects and the audit event commit together.
 */
#ifndef SF_REPO_APPLICATIONS_H
#define SF_REPO_APPLICATIONS_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/lifecycle.h"
#include "domain/transitions.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"
#include "persistence/sessions.h"

/* A snapshot as read from the database: the domain's snapshot (domain/transitions.h), the
 * database's date, and the stored texts the snapshot's facts and thresholds are read from
 * (api/ reads them: persistence does not interpret the report). All owned by the record. */
typedef struct {
    sf_app_snapshot snap;
    sf_day today;                   /* current_date in Asia/Shanghai */
    char *report_json;              /* NULL if not filled */
    char *thresholds_json;          /* NULL: the 2018 measures' values */
    char *material_kinds;           /* comma-separated kinds present ("" for none) */
    char *relaxed_thresholds_json;  /* the round's thresholds set outright for relaxed regions, or NULL */
} sf_app_record;

/* Asks domain/transitions.h for the decision on `rec` (after completing its snapshot's facts
 * from the stored texts). Returns SF_OK with the decision filled, or a failure (with errors)
 * that rolls back. */
typedef sf_status (*sf_app_decide)(sf_app_record *rec, void *ctx, sf_app_decision *decision, sf_errors *errors);

/* Loads the snapshot of application `id` (SF_NOT_FOUND if absent), read-only. The caller
 * frees it with sf_app_record_free. */
sf_status sf_application_snapshot(sf_pool *pool, int64_t id, sf_app_record **out);
void sf_app_record_free(sf_app_record *rec);

/* Locks the application, decides, applies. `visible` is checked on the snapshot first:
 * 0 → SF_NOT_FOUND. With `expected_version` (0: any) the application must still be at that
 * version once locked, else *stale = 1 and SF_CONFLICT, nothing done (If-Match). On success
 * *doc is the application's (or, with create_award, the award's) new document. */
sf_status sf_application_transition(sf_pool *pool, const sf_actor *actor, int64_t id, const sf_caller *caller,
                                    sf_app_decide decide, void *ctx, int expected_version, int *stale, char **doc,
                                    sf_errors *errors);

/* The same, inside a transaction the caller runs (several applications change together,
 * e.g. when a publicity notice lists them). */
sf_status sf_application_apply(sf_conn *conn, const sf_actor *actor, int64_t id, const sf_caller *caller,
                               sf_app_decide decide, void *ctx, char **doc, sf_errors *errors);

/* Creates a draft. The round and platform must be open to the caller as sf_may_apply says;
 * Art. 23's renewal rule is checked against the platform's active award. A platform company
 * names `recommender_org_id` (0 otherwise: the caller recommends its own). */
sf_status sf_application_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t round_id,
                                int64_t platform_id, int64_t recommender_org_id, char **doc, sf_errors *errors);

/* Inside the caller's transaction, takes application `id`'s row lock and decides whether the
 * caller may edit `part` of it now (sf_decide_edit): SF_OK, SF_NOT_FOUND when it is outside
 * the caller's scope (sf_app_visible), or the refusal with its reason in `errors`. *today
 * (unless NULL) is the database's date. */
sf_status sf_application_edit_locked(sf_conn *conn, int64_t id, const sf_caller *caller, sf_app_part part,
                                     sf_day *today, sf_errors *errors);

/* GET /v1/applications/{id} in one statement: the session check (persistence/sessions.h),
 * then the stored detail and the snapshot, if visible to the caller. *live 0: the session has
 * ended (nothing read); else SF_NOT_FOUND, or SF_OK with *doc (free: the detail's canonical
 * text, sql/042, as it is sent), `etag` (its ETag, quoted) and *rec (sf_app_record_free). */
sf_status sf_application_read(sf_pool *pool, const sf_caller *caller, const sf_session *session, int64_t id,
                              char **doc, char etag[40], sf_app_record **rec, int *live);

/* The document, if visible to the caller. */
sf_status sf_application_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

sf_status sf_application_list(sf_pool *pool, const sf_caller *caller, int64_t round_id, const char *status,
                              int64_t after_id, int limit, int desc, char **items, int64_t *next_after, int64_t *total);

/* Stores the report (Annex 2) or the recommendation form (Annex 1) while the application is
 * a draft of the caller's organisation. `which` is "report" or "recommendation"; a report's
 * `established_on` (its basic.established_on, read) is a date of the past (SF_INVALID
 * otherwise, sf_platform_established_check). With `expected_version` (0: any) the application
 * must still be at that version, else SF_CONFLICT with *stale = 1 (If-Match failed). */
sf_status sf_application_put_form(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                                  const char *which, const char *json, sf_day established_on, int expected_version,
                                  int *stale, char **doc, sf_errors *errors);

/* The stored report or form (JSON text, free()), if visible. SF_NOT_FOUND if not filled. */
sf_status sf_application_get_form(sf_pool *pool, const sf_caller *caller, int64_t id, const char *which,
                                  char **json);

#endif
