/*
 * Roles and what each may do (DESIGN.md §2, "Actors and roles"). The role of a token is the
 * type of the caller's organisation. An action a role may never take answers 403; an object
 * outside the caller's scope answers 404 (that check lives with each resource).
 */
#ifndef SF_PERMISSIONS_H
#define SF_PERMISSIONS_H

#include <stdint.h>
#include <stddef.h>

#include "domain/status.h"

typedef enum {
    SF_ROLE_NONE = 0,     /* the public: no token */
    SF_ROLE_PROVINCE,     /* 省工业和信息化委, Art. 3 */
    SF_ROLE_CITY,         /* 市工业和信息化主管部门, Art. 3, 15, 16, 22, 24, 26 */
    SF_ROLE_ASSOCIATION,  /* 省级行业协会, Art. 27 */
    SF_ROLE_ASSESSOR,     /* third-party assessment body, Art. 24 */
    SF_ROLE_SUPERVISOR,   /* audit and supervision departments, Art. 25 */
    SF_ROLE_PLATFORM      /* the operating company of platforms, the applicant (Art. 17, 22) */
} sf_role;

/* "province", "city", … ; NULL for SF_ROLE_NONE. */
const char *sf_role_name(sf_role role);
/* SF_ROLE_NONE for an unknown or NULL name. */
sf_role sf_role_parse(const char *name);

typedef enum {
    SF_ACT_READ_SELF,            /* GET /v1/me, POST /v1/auth/revoke */
    SF_ACT_READ_ORGANIZATIONS,   /* a city its region's platform companies; a platform its recommenders */
    SF_ACT_MANAGE_ORGANIZATIONS, /* the province; a city the platform companies of its region */
    SF_ACT_MANAGE_USERS,         /* the province; a city the users of its region's platform companies */
    SF_ACT_READ_USERS,           /* those, and the supervisor every user (Art. 25) */
    SF_ACT_READ_WORKFLOW,        /* rounds, platforms, applications, notices, awards */
    SF_ACT_READ_PROCEEDINGS,     /* a round's summary sheet, the objections: recommenders and deciders */
    SF_ACT_MANAGE_ROUNDS,        /* Art. 20 (province), Art. 26 (city) */
    SF_ACT_MANAGE_PLATFORMS,     /* Art. 15, 27 */
    SF_ACT_PREPARE,              /* open an application, fill its report, upload its materials (Art. 17) */
    SF_ACT_SUBMIT,               /* the platform submits its own application to its recommender */
    SF_ACT_RECOMMEND,            /* the recommendation form, recommend, withdraw, return (Art. 15, 16, 27) */
    SF_ACT_DECIDE,               /* review, publicity, objections, award, revocation, reinstatement */
    SF_ACT_READ_CALENDAR,
    SF_ACT_MANAGE_CALENDAR,
    SF_ACT_READ_AUDIT,           /* Art. 25 */
    SF_ACT_COMMISSION,           /* Art. 24: assessments */
    SF_ACT_READ_ASSESSMENTS,
    SF_ACT_ASSESS,               /* Art. 24: the assessor's result */
    SF_ACT_FILE_SUMMARY,         /* Art. 22: the annual summary (the platform, or its city on paper) */
    SF_ACT_SUPERVISE,            /* Art. 24: inspections, city reports */
    SF_ACT_READ_COMPLIANCE,
    SF_ACT_READ_SUPERVISION,     /* Art. 22, 24, 25: summaries, inspections, rectifications read back */
    SF_ACT_READ_CITY_REPORTS,    /* Art. 24: the cities' yearly reports */
    SF_ACT_IMPORT,               /* bulk imports of platforms (cities' scripts) */
    SF_ACT_READ_STATISTICS,      /* the province's numbers: a city reads its region's */
    SF_ACT_IMPORT_RECORDS,       /* records of the past (going live): the province alone */
    SF_ACT__COUNT
} sf_action;

/* Whether the role may ever take the action. Pure table look-up. */
int sf_role_may(sf_role role, sf_action action);

/* Who is calling, as established from a verified token. */
typedef struct {
    int64_t user_id;
    int64_t org_id;
    sf_role role;
    char region_code[8];  /* the organisation's region: a city's code, else 210000 */
    char jti[40];         /* the token's id, for revocation */
    char sid[40];         /* the session the token belongs to (issue 13 §3): ending it ends the token */
    int password_change_required;  /* the token's user must change the password first (issue 14, 6) */
    int64_t token_expires_at;  /* Unix seconds */
    int64_t api_token_id;      /* > 0 when the caller is a script with an API token */
    unsigned scopes;           /* an API token's SF_SCOPE_* bits; unused for a person's JWT */
} sf_caller;

/* What an API token may call (issue: tokens for scripts). A person's login token has no
 * scopes and may call whatever the role may. */
#define SF_SCOPE_READ 1u      /* GET */
#define SF_SCOPE_WRITE 2u     /* every other method */
#define SF_SCOPE_IMPORTS 4u   /* bulk imports */

/* The scope a request needs: SF_SCOPE_READ for GET, SF_SCOPE_IMPORTS for an import route,
 * SF_SCOPE_WRITE otherwise. */
unsigned sf_scope_needed(const char *method, int import_route);
/* Whether a script's API token may take the action at all, whatever its scopes: never the
 * administration of organisations, users or tokens, so that a leaked token cannot make
 * itself a lasting login, nor the reading of the users, so that it cannot list the accounts
 * to attack. */
int sf_action_allows_api_token(int action);

/* How many of the `n` allowed_actions a domain decision listed are offered to the caller: all
 * of them to a person and to a script whose API token may write, none to a read-only token
 * (each would answer 403 token_scope_forbidden). Every resource's allowed_actions pass here. */
size_t sf_actions_offered(const sf_caller *caller, size_t n);

/* Parses "read" | "write" | "imports"; 0 for anything else. */
unsigned sf_scope_parse(const char *name);

/* The organisation that decides a round: the province for a province-level round
 * (Art. 18, 19), a city for its own city-level round (Art. 26). */
int sf_decides_round(const sf_caller *caller, const char *round_level, const char *round_region);

/* Who sees a platform: the province and the supervisor all; a city those of its region
 * (Art. 15); an association those it registered (Art. 27); a platform company those it
 * operates (`operator_org`, 0 when the operator has no account). */
int sf_may_see_platform(const sf_caller *caller, const char *platform_region, int64_t created_by_org,
                        int64_t operator_org);

/* Who sees an application: its recommender, the round's deciding authority, the province
 * and the supervisor (Art. 25); a platform company the applications of the platforms it
 * operates (`operator_org`), whoever opened them. */
int sf_may_see_application(const sf_caller *caller, int64_t recommender_org, int64_t operator_org,
                           const char *round_level, const char *round_region);

/* Who sees an assessment (Art. 24, 25): the province and the supervisor all; an assessor
 * those assigned to its organisation; a platform company those of its titles (the company
 * operating the title's platform is `operator_org`). The SQL twin is ASSESSMENT_VISIBLE
 * (persistence/supervision.c); tests/test_persistence.c proves them equal. */
int sf_may_see_assessment(const sf_caller *caller, int64_t assessor_org, int64_t operator_org);

/* Who sees a publicity notice before its start date (Art. 18: the publicity begins that day,
 * and until then its list is the deciding authority's): the province and the supervisor every
 * notice (answers 1); a city those of its own city-level rounds (Art. 26; answers 0 with
 * *own_region its region); anyone else — an association, an assessor, a platform company,
 * another city, the public — none (0, *own_region NULL): a notice from its start date. */
int sf_notice_seen_before_start(const sf_caller *caller, const char **own_region);

/* What opening an application looks at: the round, the platform and, when a platform
 * company opens its own, the recommender it names. */
typedef struct {
    const char *round_level, *round_region;
    const char *platform_region;
    int64_t platform_created_by;
    int created_by_association;     /* the platform was registered by an association */
    int64_t platform_operator_org;  /* the company operating it, 0 if it has no account */
    sf_role recommender_type;       /* the named recommender's type (SF_ROLE_NONE: no such one) */
    const char *recommender_region;
} sf_apply_request;

/* Whether the caller may open an application for this platform in this round: a city for
 * platforms of its region, in the province's round or its own city round (Art. 15, 26), but
 * not one an association registered — that association recommends it; an association for
 * platforms it registered, in the province's round (Art. 27); a platform company for a
 * platform it operates, naming its recommender: the city of the platform's region, or a
 * provincial association in the province's round (Art. 15, 27). SF_INVALID with a field
 * error naming round_id, platform_id or recommender_org_id otherwise. */
sf_status sf_may_apply(const sf_caller *caller, const sf_apply_request *request, sf_errors *errors);

#endif
