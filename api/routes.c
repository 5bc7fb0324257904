/*
 * The route table: every endpoint of shifan, in one place. Earlier entries take priority.
 * `access` says whether a token is needed; `action` is checked against the caller's role
 * before the handler runs (domain/permissions.c), so a handler never repeats it.
 */
#include "api/handlers.h"
#include "api/server.h"

#define NO_ACTION (-1)

sf_route sf_routes[] = {
    {"GET", "/healthz", sf_get_healthz, SF_PUBLIC, NO_ACTION, 0},
    {"GET", "/readyz", sf_get_readyz, SF_PUBLIC, NO_ACTION, 0},
    {"GET", "/metrics", sf_get_metrics, SF_PUBLIC, NO_ACTION, 0},
    {"GET", "/v1/openapi.json", sf_get_openapi, SF_PUBLIC, NO_ACTION, 0},

    {"POST", "/v1/auth/token", sf_post_auth_token, SF_PUBLIC, NO_ACTION, 0},
    {"POST", "/v1/auth/revoke", sf_post_auth_revoke, SF_TOKEN, SF_ACT_READ_SELF, 0},
    {"GET", "/v1/me", sf_get_me, SF_TOKEN, SF_ACT_READ_SELF, 0},

    {"POST", "/v1/organizations", sf_post_organization, SF_TOKEN, SF_ACT_MANAGE_ORGANIZATIONS, 0},
    {"GET", "/v1/organizations", sf_list_organizations, SF_TOKEN, SF_ACT_READ_ORGANIZATIONS, 0},
    {"GET", "/v1/organizations/:id", sf_get_organization, SF_TOKEN, SF_ACT_READ_ORGANIZATIONS, 0},

    {"POST", "/v1/users", sf_post_user, SF_TOKEN, SF_ACT_MANAGE_USERS, 0},

    {"POST", "/v1/rounds", sf_post_round, SF_TOKEN, SF_ACT_MANAGE_ROUNDS, 0},
    {"GET", "/v1/rounds", sf_list_rounds, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0},
    {"GET", "/v1/rounds/:id", sf_get_round, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0},

    {"POST", "/v1/platforms", sf_post_platform, SF_TOKEN, SF_ACT_MANAGE_PLATFORMS, 0},
    {"GET", "/v1/platforms", sf_list_platforms, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0},
    {"GET", "/v1/platforms/:id", sf_get_platform, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0},
    {"PATCH", "/v1/platforms/:id", sf_patch_platform, SF_TOKEN, SF_ACT_MANAGE_PLATFORMS, 0},

    {NULL, NULL, NULL, SF_PUBLIC, NO_ACTION, 0},
};

size_t sf_route_count(void)
{
    size_t n = 0;
    while (sf_routes[n].method != NULL)
        n++;
    return n;
}
