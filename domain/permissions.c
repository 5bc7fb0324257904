/*
 * The permission table: which role may ever take which action. Scope (a city sees its own
 * region only, Art. 15) is checked by each resource against sf_caller.region_code.
 */
#include "domain/permissions.h"

#include <string.h>

static const char *const role_names[] = {
    [SF_ROLE_NONE] = NULL,
    [SF_ROLE_PROVINCE] = "province",
    [SF_ROLE_CITY] = "city",
    [SF_ROLE_ASSOCIATION] = "association",
    [SF_ROLE_ASSESSOR] = "assessor",
    [SF_ROLE_SUPERVISOR] = "supervisor",
    [SF_ROLE_PLATFORM] = "platform",
};

const char *sf_role_name(sf_role role)
{
    if ((unsigned)role >= sizeof role_names / sizeof role_names[0])
        return NULL;
    return role_names[role];
}

sf_role sf_role_parse(const char *name)
{
    if (name == NULL)
        return SF_ROLE_NONE;
    for (size_t i = 1; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(role_names[i], name) == 0)
            return (sf_role)i;
    return SF_ROLE_NONE;
}

#define P (1u << SF_ROLE_PROVINCE)
#define C (1u << SF_ROLE_CITY)
#define A (1u << SF_ROLE_ASSOCIATION)
#define T (1u << SF_ROLE_ASSESSOR)
#define S (1u << SF_ROLE_SUPERVISOR)
#define L (1u << SF_ROLE_PLATFORM)

/* One row per action: the roles that may take it. The supervisor reads everything and
 * changes nothing (Art. 25); organisations and users are the province's business (Art. 3),
 * and a city's for the platform companies of its region (for users, the scope is
 * user_manageable, sql/025_accounts_sessions.sql). A platform company (L) prepares and
 * submits its own applications and files its annual summaries; its scope is its own platforms.
 * The province does everything (DESIGN.md §2): it records supervision for every city too. */
static const unsigned allowed[SF_ACT__COUNT] = {
    [SF_ACT_READ_SELF] = P | C | A | T | S | L,
    [SF_ACT_READ_ORGANIZATIONS] = P | C | S | L,
    [SF_ACT_MANAGE_ORGANIZATIONS] = P | C,
    [SF_ACT_MANAGE_USERS] = P | C,
    [SF_ACT_READ_USERS] = P | C | S,
    [SF_ACT_READ_WORKFLOW] = P | C | A | S | L,
    [SF_ACT_READ_PROCEEDINGS] = P | C | A | S,
    [SF_ACT_MANAGE_ROUNDS] = P | C,
    [SF_ACT_MANAGE_PLATFORMS] = P | C | A,
    [SF_ACT_PREPARE] = C | A | L,
    [SF_ACT_SUBMIT] = L,
    [SF_ACT_RECOMMEND] = C | A,
    [SF_ACT_DECIDE] = P | C,
    [SF_ACT_READ_CALENDAR] = P | C | A | T | S | L,
    [SF_ACT_MANAGE_CALENDAR] = P,
    [SF_ACT_READ_AUDIT] = P | S,
    [SF_ACT_COMMISSION] = P,
    [SF_ACT_READ_ASSESSMENTS] = P | T | S | L,
    [SF_ACT_ASSESS] = T,
    [SF_ACT_FILE_SUMMARY] = P | C | L,
    [SF_ACT_SUPERVISE] = P | C,
    [SF_ACT_READ_COMPLIANCE] = P | C | S,
    [SF_ACT_READ_SUPERVISION] = P | C | T | S | L,
    [SF_ACT_READ_CITY_REPORTS] = P | C | T | S,
    [SF_ACT_IMPORT] = P | C,
    [SF_ACT_READ_STATISTICS] = P | C | S,
    [SF_ACT_IMPORT_RECORDS] = P,
};

int sf_role_may(sf_role role, sf_action action)
{
    if ((unsigned)action >= SF_ACT__COUNT || role == SF_ROLE_NONE)
        return 0;
    return (allowed[action] & (1u << role)) != 0;
}

int sf_decides_round(const sf_caller *c, const char *round_level, const char *round_region)
{
    if (strcmp(round_level, "province") == 0)
        return c->role == SF_ROLE_PROVINCE;
    return c->role == SF_ROLE_CITY && strcmp(c->region_code, round_region) == 0;
}

int sf_may_see_platform(const sf_caller *c, const char *platform_region, int64_t created_by_org,
                        int64_t operator_org)
{
    switch (c->role) {
    case SF_ROLE_PROVINCE:
    case SF_ROLE_SUPERVISOR:
        return 1;
    case SF_ROLE_CITY:
        return strcmp(c->region_code, platform_region) == 0;
    case SF_ROLE_ASSOCIATION:
        return created_by_org == c->org_id;
    case SF_ROLE_PLATFORM:
        return operator_org == c->org_id;
    default:
        return 0;
    }
}

int sf_may_see_application(const sf_caller *c, int64_t recommender_org, int64_t operator_org,
                           const char *round_level, const char *round_region)
{
    if (c->role == SF_ROLE_PROVINCE || c->role == SF_ROLE_SUPERVISOR)
        return 1;
    if (c->role == SF_ROLE_PLATFORM)
        return operator_org == c->org_id;
    return recommender_org == c->org_id || sf_decides_round(c, round_level, round_region);
}

int sf_may_see_assessment(const sf_caller *c, int64_t assessor_org, int64_t operator_org)
{
    if (c->role == SF_ROLE_PROVINCE || c->role == SF_ROLE_SUPERVISOR)
        return 1;
    if (c->role == SF_ROLE_PLATFORM)
        return operator_org == c->org_id;
    return c->role == SF_ROLE_ASSESSOR && assessor_org == c->org_id;
}

int sf_notice_seen_before_start(const sf_caller *c, const char **own_region)
{
    *own_region = c->role == SF_ROLE_CITY ? c->region_code : NULL;
    return c->role == SF_ROLE_PROVINCE || c->role == SF_ROLE_SUPERVISOR;
}

/* Art. 15, 26, 27: the recommender a platform company may name for its own application. */
static sf_status may_name_recommender(const sf_apply_request *r, sf_errors *e)
{
    int province_round = strcmp(r->round_level, "province") == 0;
    if (r->recommender_type == SF_ROLE_CITY && strcmp(r->recommender_region, r->platform_region) == 0)
        return SF_OK;   /* its city: in the province's round, or in its own city round (checked above) */
    if (r->recommender_type == SF_ROLE_ASSOCIATION && province_round)
        return SF_OK;   /* a provincial association recommends directly to the province (Art. 27) */
    if (r->recommender_type == SF_ROLE_ASSOCIATION)
        sf_errors_add(e, "recommender_org_id", SF_E_ASSOCIATION_PROVINCE_ONLY);
    else
        sf_errors_add(e, "recommender_org_id", SF_E_RECOMMENDER_NOT_ALLOWED);
    return SF_INVALID;
}

sf_status sf_may_apply(const sf_caller *c, const sf_apply_request *r, sf_errors *e)
{
    int province_round = strcmp(r->round_level, "province") == 0;
    if (c->role == SF_ROLE_CITY) {
        if (!province_round && strcmp(r->round_region, c->region_code) != 0) {
            sf_errors_add(e, "round_id", SF_E_ROUND_NOT_OPEN_TO_CITY);
            return SF_INVALID;
        }
        if (strcmp(r->platform_region, c->region_code) != 0) {
            sf_errors_add(e, "platform_id", SF_E_PLATFORM_NOT_IN_REGION);
            return SF_INVALID;
        }
        if (r->created_by_association) {
            sf_errors_add(e, "platform_id", SF_E_PLATFORM_OF_ASSOCIATION);
            return SF_INVALID;
        }
        return SF_OK;
    }
    if (c->role == SF_ROLE_ASSOCIATION) {
        if (!province_round) {
            sf_errors_add(e, "round_id", SF_E_ASSOCIATION_PROVINCE_ONLY);
            return SF_INVALID;
        }
        if (r->platform_created_by != c->org_id) {
            sf_errors_add(e, "platform_id", SF_E_PLATFORM_NOT_OF_ASSOCIATION);
            return SF_INVALID;
        }
        return SF_OK;
    }
    if (c->role == SF_ROLE_PLATFORM) {
        if (r->platform_operator_org != c->org_id) {
            sf_errors_add(e, "platform_id", SF_E_PLATFORM_NOT_OPERATED);
            return SF_INVALID;
        }
        if (!province_round && strcmp(r->round_region, r->platform_region) != 0) {
            sf_errors_add(e, "round_id", SF_E_ROUND_OTHER_CITY);
            return SF_INVALID;
        }
        if (r->recommender_type == SF_ROLE_NONE) {
            sf_errors_add(e, "recommender_org_id", SF_E_ORGANIZATION_UNKNOWN);
            return SF_INVALID;
        }
        return may_name_recommender(r, e);
    }
    return SF_FORBIDDEN;
}

size_t sf_actions_offered(const sf_caller *c, size_t n)
{
    return c->api_token_id > 0 && !(c->scopes & SF_SCOPE_WRITE) ? 0 : n;
}

unsigned sf_scope_needed(const char *method, int import_route)
{
    if (import_route)
        return SF_SCOPE_IMPORTS;
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? SF_SCOPE_READ : SF_SCOPE_WRITE;
}

unsigned sf_scope_parse(const char *name)
{
    if (name == NULL)
        return 0;
    if (strcmp(name, "read") == 0)
        return SF_SCOPE_READ;
    if (strcmp(name, "write") == 0)
        return SF_SCOPE_WRITE;
    if (strcmp(name, "imports") == 0)
        return SF_SCOPE_IMPORTS;
    return 0;
}

int sf_action_allows_api_token(int action)
{
    return action != SF_ACT_MANAGE_USERS && action != SF_ACT_READ_USERS && action != SF_ACT_MANAGE_ORGANIZATIONS;
}
