/*
 * The lifecycle of an application (DESIGN.md §2), as a transition table:
 *
 *   draft ─submit (platform)→ submitted ─recommend→ recommended   (a platform's own application)
 *     ▲                            │
 *     └──send back (recommender)───┘
 *
 *   draft ─recommend→ recommended ─approve→ approved ─publicize→ publicized ─award→ awarded
 *     ▲                  │  │                                        │
 *     └────return────────┘  └─reject→ rejected ←──objection upheld───┘
 *   draft | recommended ─withdraw→ withdrawn
 *
 * Anything else is a conflict with the current state (409 naming it).
 */
#ifndef SF_LIFECYCLE_H
#define SF_LIFECYCLE_H

#include "domain/status.h"

typedef enum {
    SF_APP_DRAFT,
    SF_APP_SUBMITTED,      /* a platform's own application, with its recommender */
    SF_APP_RECOMMENDED,
    SF_APP_APPROVED,
    SF_APP_PUBLICIZED,
    SF_APP_AWARDED,
    SF_APP_REJECTED,
    SF_APP_WITHDRAWN,
    SF_APP__COUNT
} sf_app_state;

typedef enum {
    SF_EV_RECOMMEND,
    SF_EV_WITHDRAW,
    SF_EV_APPROVE,
    SF_EV_REJECT,
    SF_EV_RETURN,
    SF_EV_PUBLICIZE,
    SF_EV_AWARD,
    SF_EV_OBJECTION_UPHELD,
    SF_EV_SUBMIT,          /* the platform submits its own application to its recommender */
    SF_EV_SEND_BACK,       /* the recommender returns a submitted application ("return") */
    SF_EV__COUNT
} sf_app_event;

const char *sf_app_state_name(sf_app_state s);
/* -1 for an unknown name */
int sf_app_state_parse(const char *name);
const char *sf_app_event_name(sf_app_event e);

/* SF_OK and *to, or SF_CONFLICT when `event` is not allowed in state `from`. */
sf_status sf_lifecycle_next(sf_app_state from, sf_app_event event, sf_app_state *to);

/* The quota of a round (DESIGN.md §2; the national scheme caps provinces and associations at
 * 4, separately-planned cities at 2): whether a recommender that has `used` recommendations
 * in the round may make one more. Recommendations that were approved, publicized, awarded or
 * rejected count; one withdrawn or returned to draft gives its place back (the database
 * counts them by these states: counts_as_recommended, sql/065). quota 0 means no limit. */
int sf_quota_allows(int used, int quota);

#endif
