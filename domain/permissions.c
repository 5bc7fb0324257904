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
 * changes nothing (Art. 25); organisations and users are the province's business (Art. 3). */
static const unsigned allowed[SF_ACT__COUNT] = {
    [SF_ACT_READ_SELF] = P | C | A | T | S,
    [SF_ACT_READ_ORGANIZATIONS] = P | S,
    [SF_ACT_MANAGE_ORGANIZATIONS] = P,
    [SF_ACT_MANAGE_USERS] = P,
    [SF_ACT_READ_WORKFLOW] = P | C | A | S,
    [SF_ACT_MANAGE_ROUNDS] = P | C,
    [SF_ACT_MANAGE_PLATFORMS] = P | C | A,
    [SF_ACT_RECOMMEND] = C | A,
    [SF_ACT_DECIDE] = P | C,
    [SF_ACT_READ_CALENDAR] = P | C | A | T | S,
    [SF_ACT_MANAGE_CALENDAR] = P,
    [SF_ACT_READ_AUDIT] = P | S,
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
