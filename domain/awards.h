/*
 * Awards (Art. 19, 23, 24): validity of a title, the renewal window, and the decisions of a
 * title's lifecycle: active → revocation_pending → revoked, revocation_pending → active,
 * active → expired (read, never decided).
 */
#ifndef SF_AWARDS_H
#define SF_AWARDS_H

#include <stdint.h>

#include "domain/calendar.h"
#include "domain/status.h"

/* Art. 23's validity, a rule of the round: how many years (1–10, default 3) and how they end
 * — "year_end" (the default, as the national scheme applies "three years": titles of 2017
 * lapsed on 2020-12-31) or "anniversary". */
typedef enum { SF_VALIDITY_YEAR_END, SF_VALIDITY_ANNIVERSARY } sf_validity_ends;

typedef struct {
    int years;
    sf_validity_ends ends;
} sf_validity_rule;

#define SF_VALIDITY_MIN_YEARS 1
#define SF_VALIDITY_MAX_YEARS 10
#define SF_VALIDITY_DEFAULT_YEARS 3

/* "year_end" | "anniversary" → *out; 0 if neither. */
int sf_validity_ends_parse(const char *text, sf_validity_ends *out);
const char *sf_validity_ends_name(sf_validity_ends ends);

/* valid_from is the award date — or, for a renewal while the previous title is still valid
 * on that date, the day after the previous valid_until (`has_previous` 0: no previous
 * title). valid_until: with "year_end", 31 December of the award year + years; with
 * "anniversary", the day before valid_from's anniversary (sf_anniversary: from 29 February,
 * 28 February of a common year), i.e. valid_from + years − 1 day. A NULL rule is the
 * default (3 years, year_end). */
void sf_award_validity(const sf_validity_rule *rule, sf_day awarded_on, sf_day previous_until, int has_previous,
                       sf_day *valid_from, sf_day *valid_until);

/* Art. 23: a platform holding a title may apply again only in the year its title expires.
 * SF_OK if a round of `round_year` may take the application, else SF_CONFLICT. */
sf_status sf_award_may_reapply(int round_year, sf_day active_valid_until);

/* A title's status as read. "expired" is never stored: SQL's title_status()
 * (sql/016_revocation.sql) derives it from valid_until, its one owner; C reads its answer. */
typedef enum { SF_AWARD_ACTIVE, SF_AWARD_REVOCATION_PENDING, SF_AWARD_REVOKED, SF_AWARD_EXPIRED } sf_award_status;

const char *sf_award_status_name(sf_award_status s);
/* Whether `name` is one of the four statuses a reader may filter by. */
int sf_award_status_is_known(const char *name);
/* Sets *out from a status name; 0 for an unknown name. */
int sf_award_status_parse(const char *name, sf_award_status *out);

/* An assessment of a title (Art. 24), as persistence read it. */
typedef struct {
    int64_t id;              /* 0: none */
    int64_t award_id;        /* the title it assessed */
    int has_result;
    int passed;
    int by_province;         /* commissioned by a user of the province (Art. 24) */
    int superseded;          /* a failed one outweighed by a later pass of the province's: one that
                              * reinstated the title, or one that will (Art. 24) */
} sf_assessment_fact;

/* What persistence read about a title, under its row lock, for a revocation or a
 * reinstatement. */
typedef struct {
    int64_t id;
    sf_award_status status;          /* as read, "expired" included */
    int caller_decides;              /* the caller is the authority that awarded it (sf_decides_round) */
    /* revoke: the assessment the request names (id 0 when there is no such assessment) */
    sf_assessment_fact named;
    /* reinstate: the failed assessment that made the title pending (0 when unknown), the
     * latest assessment of the title commissioned after it that has a result, and the
     * first one commissioned after it still without a result */
    int64_t pending_assessment_id;
    sf_assessment_fact latest_later;
    int64_t open_later_id;
} sf_title_snapshot;

/* The revocation a caller asks for: the ground and what it brings (NULL / 0 when absent). */
typedef struct {
    const char *reason;      /* violation | failed_assessment | surrendered (| other, refused) */
    const char *detail;
    const char *finding;     /* violation: what was verified (查实) */
    const char *reference;   /* the decision's document number; required for violation */
    int64_t assessment_id;   /* failed_assessment: the failed assessment of this very title */
} sf_revocation;

/* Art. 23, 24: whether the caller may revoke the title on this ground. SF_FORBIDDEN when the
 * caller did not award it; SF_INVALID with field errors when the ground lacks what it
 * requires, brings what belongs to another ground, or is `other` (accepted no more);
 * SF_CONFLICT naming the status when the title is revoked or expired already. */
sf_status sf_decide_revoke(const sf_title_snapshot *t, const sf_revocation *r, sf_errors *why);

/* Art. 24: a title pending revocation returns to active only when a later assessment of it
 * (commissioned after the failed one), commissioned by the province, has passed; the latest
 * such result decides (a later failure outweighs an earlier pass). SF_FORBIDDEN when the
 * caller did not award the title; SF_CONFLICT naming what is missing otherwise; SF_OK with
 * t->latest_later the assessment that supersedes the failed ones. */
sf_status sf_decide_reinstate(const sf_title_snapshot *t, sf_errors *why);

/* A title as its page shows it to a caller: the snapshot the decisions read, and whose
 * platform it is (its city's region, the company operating it, 0 if none). */
typedef struct {
    sf_title_snapshot title;
    int caller_is_province;
    int province_level;            /* a title of the province's round (not a city's, Art. 26) */
    int caller_is_its_city;        /* a city whose region the platform is in (Art. 22, 24) */
    int caller_operates_it;        /* the platform company operating it (Art. 22) */
    sf_day valid_from, valid_until, revoked_on;
    sf_day today;                  /* the database's date */
} sf_title_view;

/* Art. 24, 26: the titles the province commissions a third-party assessment of: its own
 * (province-level; a city-level title is its city's), in force today and begun (not a renewal
 * still waiting for its first day). The SQL twin is CREATE_ASSESSMENT's condition
 * (persistence/supervision.c). */
int sf_title_assessable(int province_level, int in_force, sf_day valid_from, sf_day today);

/* allowed_actions of a title (DESIGN.md §3): "revoke" and "reinstate" as sf_decide_revoke
 * (asked with the ground that needs nothing more) and sf_decide_reinstate answer;
 * "commission_assessment" for the province while the title is in force (Art. 24);
 * "file_summary" for the province, its city or its company while it is not revoked and a
 * year of its life has begun (Art. 22, sf_title_covers_year); "inspect" for the province or
 * its city while it is in force, today or before (Art. 24, sf_title_in_force_on): a renewal
 * not yet begun offers neither. Writes up to `cap` names; returns how many. */
size_t sf_title_allowed_actions(const sf_title_view *v, const char **out, size_t cap);

#endif
