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

#include "domain/awards.h"
#include "domain/calendar.h"
#include "domain/lifecycle.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

/* Everything the rules of a transition read, as of the locked row. Strings are owned by
 * the snapshot and valid during the decision. */
typedef struct {
    int64_t id;
    sf_app_state status;
    int64_t recommender_org;
    int64_t platform_id;
    char platform_region[8];
    int64_t platform_created_by;
    int64_t round_id;
    char round_level[12];
    char round_region[8];
    int round_year;
    sf_day opens_on, closes_on, today;
    int quota;                      /* 0: none */
    int recommended_by_recommender; /* applications of this recommender counted against the quota */
    int region_relaxed;
    int factor_permille;
    const char *thresholds_json;
    const char *report_json;        /* NULL if not filled */
    int has_recommendation;
    const char *material_kinds;     /* comma-separated kinds present */
    int has_active_city_award;      /* Art. 26: satisfies 12.4 */
    int open_objections;
    sf_day notice_end;              /* 0 when not publicized */
    int has_active_award;           /* the platform's current title, for renewals */
    sf_day active_award_until;
    /* the round's rules (sql/015): 12.4, relaxation set outright, Art. 23 validity */
    int require_prior_recognition;
    const char *relaxed_thresholds_json;
    sf_validity_rule validity;
} sf_app_snapshot;

/* What the decision asks for. */
typedef struct {
    sf_app_state next;
    const char *action;             /* audit action, e.g. "application.recommended" */
    const char *comment;            /* stored as review_comment (may be NULL) */
    int create_award;               /* with valid_from/valid_until below */
    sf_day award_from, award_until;
} sf_app_decision;

/* Returns SF_OK with the decision filled, or a failure (with errors) that rolls back. */
typedef sf_status (*sf_app_decide)(const sf_app_snapshot *snap, void *ctx, sf_app_decision *decision,
                                   sf_errors *errors);

/* Loads the snapshot of application `id` (SF_NOT_FOUND if absent), read-only. The caller
 * frees it with sf_app_snapshot_free. */
sf_status sf_application_snapshot(sf_pool *pool, int64_t id, sf_app_snapshot **out);
void sf_app_snapshot_free(sf_app_snapshot *snap);

/* Locks the application, decides, applies. `visible` is checked on the snapshot first:
 * 0 → SF_NOT_FOUND. On success *doc is the application's (or, with create_award, the
 * award's) new document. */
sf_status sf_application_transition(sf_pool *pool, const sf_actor *actor, int64_t id, const sf_caller *caller,
                                    sf_app_decide decide, void *ctx, char **doc, sf_errors *errors);

/* The same, inside a transaction the caller runs (several applications change together,
 * e.g. when a publicity notice lists them). */
sf_status sf_application_apply(sf_conn *conn, const sf_actor *actor, int64_t id, const sf_caller *caller,
                               sf_app_decide decide, void *ctx, char **doc, sf_errors *errors);

/* Creates a draft. The round and platform must be visible to the recommender as
 * sf_may_apply says; Art. 23's renewal rule is checked against the platform's active award. */
sf_status sf_application_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t round_id,
                                int64_t platform_id, char **doc, sf_errors *errors);

/* The document, if visible to the caller. */
sf_status sf_application_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

sf_status sf_application_list(sf_pool *pool, const sf_caller *caller, int64_t round_id, const char *status,
                              int64_t after_id, int limit, int desc, char **items, int64_t *next_after);

/* Stores the report (Annex 2) or the recommendation form (Annex 1) while the application is
 * a draft of the caller's organisation. `which` is "report" or "recommendation". With
 * `expected_version` (0: any) the application must still be at that version, else
 * SF_CONFLICT with *stale = 1 (If-Match failed). */
sf_status sf_application_put_form(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                                  const char *which, const char *json, int expected_version, int *stale, char **doc,
                                  sf_errors *errors);

/* The stored report or form (JSON text, free()), if visible. SF_NOT_FOUND if not filled. */
sf_status sf_application_get_form(sf_pool *pool, const sf_caller *caller, int64_t id, const char *which,
                                  char **json);

#endif
