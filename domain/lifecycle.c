/*
 * The application lifecycle's transition table (see lifecycle.h).
 */
#include "domain/lifecycle.h"

#include <string.h>

static const char *const state_names[SF_APP__COUNT] = {
    "draft", "recommended", "approved", "publicized", "awarded", "rejected", "withdrawn",
};
static const char *const event_names[SF_EV__COUNT] = {
    "recommend", "withdraw", "approve", "reject", "return", "publicize", "award", "objection_upheld",
};

#define NONE (-1)
/* next[state][event]: the state after, or NONE */
static const int next[SF_APP__COUNT][SF_EV__COUNT] = {
    [SF_APP_DRAFT] = {[SF_EV_RECOMMEND] = SF_APP_RECOMMENDED, [SF_EV_WITHDRAW] = SF_APP_WITHDRAWN,
                      [SF_EV_APPROVE] = NONE, [SF_EV_REJECT] = NONE, [SF_EV_RETURN] = NONE,
                      [SF_EV_PUBLICIZE] = NONE, [SF_EV_AWARD] = NONE, [SF_EV_OBJECTION_UPHELD] = NONE},
    [SF_APP_RECOMMENDED] = {[SF_EV_RECOMMEND] = NONE, [SF_EV_WITHDRAW] = SF_APP_WITHDRAWN,
                            [SF_EV_APPROVE] = SF_APP_APPROVED, [SF_EV_REJECT] = SF_APP_REJECTED,
                            [SF_EV_RETURN] = SF_APP_DRAFT, [SF_EV_PUBLICIZE] = NONE, [SF_EV_AWARD] = NONE,
                            [SF_EV_OBJECTION_UPHELD] = NONE},
    [SF_APP_APPROVED] = {[SF_EV_RECOMMEND] = NONE, [SF_EV_WITHDRAW] = NONE, [SF_EV_APPROVE] = NONE,
                         [SF_EV_REJECT] = NONE, [SF_EV_RETURN] = NONE, [SF_EV_PUBLICIZE] = SF_APP_PUBLICIZED,
                         [SF_EV_AWARD] = NONE, [SF_EV_OBJECTION_UPHELD] = NONE},
    [SF_APP_PUBLICIZED] = {[SF_EV_RECOMMEND] = NONE, [SF_EV_WITHDRAW] = NONE, [SF_EV_APPROVE] = NONE,
                           [SF_EV_REJECT] = NONE, [SF_EV_RETURN] = NONE, [SF_EV_PUBLICIZE] = NONE,
                           [SF_EV_AWARD] = SF_APP_AWARDED, [SF_EV_OBJECTION_UPHELD] = SF_APP_REJECTED},
    [SF_APP_AWARDED] = {NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    [SF_APP_REJECTED] = {NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    [SF_APP_WITHDRAWN] = {NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
};

const char *sf_app_state_name(sf_app_state s)
{
    return (unsigned)s < SF_APP__COUNT ? state_names[s] : "unknown";
}

int sf_app_state_parse(const char *name)
{
    for (int i = 0; name != NULL && i < SF_APP__COUNT; i++)
        if (strcmp(state_names[i], name) == 0)
            return i;
    return -1;
}

const char *sf_app_event_name(sf_app_event e)
{
    return (unsigned)e < SF_EV__COUNT ? event_names[e] : "unknown";
}

sf_status sf_lifecycle_next(sf_app_state from, sf_app_event event, sf_app_state *to)
{
    if ((unsigned)from >= SF_APP__COUNT || (unsigned)event >= SF_EV__COUNT || next[from][event] == NONE)
        return SF_CONFLICT;
    *to = (sf_app_state)next[from][event];
    return SF_OK;
}

int sf_quota_allows(int used, int quota)
{
    return quota <= 0 || used < quota;
}
