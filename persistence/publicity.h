/*
 * Publicity notices and objections (Art. 18, 25).
 */
#ifndef SF_REPO_PUBLICITY_H
#define SF_REPO_PUBLICITY_H

#include <stddef.h>
#include <stdint.h>

#include "domain/calendar.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "domain/transitions.h"
#include "persistence/applications.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    const char *title;
    sf_day start, end;
    const char *elsewhere_reference;   /* published elsewhere before: where (or NULL) */
    sf_day elsewhere_on;               /* and when (0 with no reference) */
} sf_new_notice;

/* Creates the notice and moves each listed application to "publicized" through `decide`,
 * all in one transaction: one refusal and nothing is written. */
sf_status sf_notice_create(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const sf_new_notice *notice,
                           const int64_t *application_ids, size_t n, sf_app_decide decide, void *ctx, char **doc,
                           sf_errors *errors);

/* Which notices are seen before their start date (domain/permissions.h,
 * sf_notice_seen_before_start): every one, those of the city-level rounds of `own_region`, or
 * (neither) none — the public's view (issue 14, item 7). */
typedef struct {
    int all;
    const char *own_region;
} sf_notice_early;

/* A notice's document and what its objection decisions read (`facts`, and `today`: the
 * database's Liaoning date); SF_NOT_FOUND for one not seen yet (`early`). */
sf_status sf_notice_get(sf_pool *pool, int64_t id, const sf_notice_early *early, char **doc, sf_notice_facts *facts,
                        sf_day *today);
typedef struct {
    int64_t round_id;     /* 0: any */
    const char *status;   /* upcoming | open | closed, or NULL */
    int year;             /* of the start date; 0: any */
    sf_notice_early early;   /* which notices are seen before their start date */
} sf_notice_filter;
sf_status sf_notice_list(sf_pool *pool, const sf_notice_filter *filter, int64_t after_id, int limit, int desc,
                         char **items, int64_t *next_after, int64_t *total);

typedef struct {
    int64_t notice_id, application_id;
    const char *name, *contact, *reason, *client;
    const char *request_id;
} sf_new_objection;

/* Records an objection while the notice is open (sf_decide_file_objection, today by the
 * database's clock): SF_CONFLICT when it is not, SF_INVALID when the application is not
 * on the notice, SF_NOT_FOUND for no such notice. A client that filed `max_per_hour`
 * objections within the last hour is refused with SF_OK and *throttled = 1. */
sf_status sf_objection_create(sf_pool *pool, const sf_new_objection *o, int max_per_hour, int *throttled,
                              char **doc, sf_errors *errors);

/* Records an objection the round's deciding authority received otherwise (by letter, or for
 * a notice published elsewhere), with the day it was received: within the notice's window
 * and not after today, else SF_INVALID under "received_on". A notice of a round the caller
 * does not decide is SF_NOT_FOUND; an application not on the notice or decided already is
 * SF_INVALID. The notice's window may have closed since. */
sf_status sf_objection_record(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, const sf_new_objection *o,
                              sf_day received_on, char **doc, sf_objection_facts *facts, sf_errors *errors);

/* Objections the caller decides on (province: all; city: those in its city rounds). Each item
 * also carries `_round`: {level, region}, the facts of its allowed_actions, which the answer
 * replaces with them (api/publicity.c). */
sf_status sf_objection_list(sf_pool *pool, const sf_caller *caller, const char *status, int64_t after_id, int limit,
                            char **items, int64_t *next_after, int64_t *total);
/* One of those objections, with `_round` as in the list; SF_NOT_FOUND when absent or not the
 * caller's to decide on. */
sf_status sf_objection_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

/* Resolves an open objection (sf_decide_resolve_objection); an upheld one rejects the
 * application through `decide` in the same transaction. `facts`: the objection's, as
 * resolved (for its allowed_actions). */
sf_status sf_objection_resolve(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id, int upheld,
                               const char *resolution, sf_app_decide decide, void *ctx, char **doc,
                               sf_objection_facts *facts, sf_errors *errors);

#endif
