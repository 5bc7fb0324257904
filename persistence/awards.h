/*
 * Titles (Art. 19, 23) and their revocation (Art. 23, 24).
 */
#ifndef SF_REPO_AWARDS_H
#define SF_REPO_AWARDS_H

#include <stdint.h>

#include "domain/awards.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    const char *status;      /* active | revocation_pending | revoked | expired, or NULL */
    const char *level;       /* province | city, or NULL */
    int64_t platform_id;     /* 0: any */
    int64_t round_id;        /* 0: any */
    int valid_until_year;    /* a year: titles whose valid_until falls in it (Art. 23 renewals); 0: any */
} sf_award_filter;

sf_status sf_award_list(sf_pool *pool, const sf_caller *caller, const sf_award_filter *f, int64_t after_id, int limit, int desc,
                        char **items, int64_t *next_after, int64_t *total);
sf_status sf_award_get(sf_pool *pool, const sf_caller *caller, int64_t id, char **doc);

/* What the decisions on title `id` read, and whose it is to `caller`, for its allowed_actions
 * (visibility is sf_award_get's to check first). */
sf_status sf_award_view(sf_pool *pool, const sf_caller *caller, int64_t id, sf_title_view *view);

/* Art. 23, 24: revokes an active or revocation-pending title on the ground `revocation`
 * names, as sf_decide_revoke decides over the title read under its lock; the change and its
 * audit event in one transaction. SF_NOT_FOUND outside the caller's scope. */
sf_status sf_award_revoke(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                          const sf_revocation *revocation, char **doc, sf_errors *errors);

/* Art. 24: a title pending revocation returns to active, as sf_decide_reinstate decides: a
 * later assessment commissioned by the province has passed. The failed assessments before it
 * are marked superseded by it. `reason` (may be NULL) is kept in the audit event. */
sf_status sf_award_reinstate(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t id,
                             const char *reason, char **doc, sf_errors *errors);

#endif
