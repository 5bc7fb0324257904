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

/* One row per action: the roles that may take it. The supervisor reads everything and
 * changes nothing (Art. 25); organisations and users are the province's business (Art. 3),
 * and a city's for the platform operators of its region (DESIGN.md §2; the scope is
 * user_manageable, sql/025_accounts_sessions.sql). */
static const unsigned allowed[SF_ACT__COUNT] = {
    [SF_ACT_READ_SELF] = P | C | A | T | S,
    [SF_ACT_READ_ORGANIZATIONS] = P | S,
    [SF_ACT_MANAGE_ORGANIZATIONS] = P,
    [SF_ACT_MANAGE_USERS] = P | C,
    [SF_ACT_READ_WORKFLOW] = P | C | A | S,
    [SF_ACT_MANAGE_ROUNDS] = P | C,
    [SF_ACT_MANAGE_PLATFORMS] = P | C | A,
    [SF_ACT_RECOMMEND] = C | A,
    [SF_ACT_DECIDE] = P | C,
    [SF_ACT_READ_CALENDAR] = P | C | A | T | S,
    [SF_ACT_MANAGE_CALENDAR] = P,
    [SF_ACT_READ_AUDIT] = P | S,
    [SF_ACT_COMMISSION] = P,
    [SF_ACT_READ_ASSESSMENTS] = P | T | S,
    [SF_ACT_ASSESS] = T,
    [SF_ACT_SUPERVISE] = C,
    [SF_ACT_READ_COMPLIANCE] = P | C | S,
    [SF_ACT_READ_SUPERVISION] = P | C | T | S,
    [SF_ACT_IMPORT] = P | C,
    [SF_ACT_READ_STATISTICS] = P | C | S,
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

int sf_may_see_platform(const sf_caller *c, const char *platform_region, int64_t created_by_org)
{
    switch (c->role) {
    case SF_ROLE_PROVINCE:
    case SF_ROLE_SUPERVISOR:
        return 1;
    case SF_ROLE_CITY:
        return strcmp(c->region_code, platform_region) == 0;
    case SF_ROLE_ASSOCIATION:
        return created_by_org == c->org_id;
    default:
        return 0;
    }
}

int sf_may_see_application(const sf_caller *c, int64_t recommender_org, const char *round_level,
                           const char *round_region)
{
    if (c->role == SF_ROLE_PROVINCE || c->role == SF_ROLE_SUPERVISOR)
        return 1;
    return recommender_org == c->org_id || sf_decides_round(c, round_level, round_region);
}

int sf_may_see_assessment(const sf_caller *c, int64_t assessor_org)
{
    if (c->role == SF_ROLE_PROVINCE || c->role == SF_ROLE_SUPERVISOR)
        return 1;
    return c->role == SF_ROLE_ASSESSOR && assessor_org == c->org_id;
}

sf_status sf_may_apply(const sf_caller *c, const char *round_level, const char *round_region,
                       const char *platform_region, int64_t platform_created_by,
                       int created_by_association, sf_errors *e)
{
    int province_round = strcmp(round_level, "province") == 0;
    if (c->role == SF_ROLE_CITY) {
        if (!province_round && strcmp(round_region, c->region_code) != 0) {
            sf_errors_add(e, "round_id", "no such round open to this city");
            return SF_INVALID;
        }
        if (strcmp(platform_region, c->region_code) != 0) {
            sf_errors_add(e, "platform_id", "no such platform in this city's region (Art. 15)");
            return SF_INVALID;
        }
        if (created_by_association) {
            sf_errors_add(e, "platform_id", "the association that registered this platform recommends it (Art. 27)");
            return SF_INVALID;
        }
        return SF_OK;
    }
    if (c->role == SF_ROLE_ASSOCIATION) {
        if (!province_round) {
            sf_errors_add(e, "round_id", "associations recommend to the province only (Art. 27)");
            return SF_INVALID;
        }
        if (platform_created_by != c->org_id) {
            sf_errors_add(e, "platform_id", "no such platform registered by this association");
            return SF_INVALID;
        }
        return SF_OK;
    }
    return SF_FORBIDDEN;
}

sf_status sf_may_edit_application(const sf_caller *c, int64_t recommender_org, int is_draft,
                                  const char *state_name, sf_errors *e)
{
    if (recommender_org != c->org_id) {
        sf_errors_detail(e, "only the recommender changes an application");
        return SF_FORBIDDEN;
    }
    if (!is_draft) {
        sf_errors_detail(e, "the application is %s; it changes only in draft", state_name);
        return SF_CONFLICT;
    }
    return SF_OK;
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
    return action != SF_ACT_MANAGE_USERS && action != SF_ACT_MANAGE_ORGANIZATIONS;
}
