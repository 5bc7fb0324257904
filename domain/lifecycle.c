/*
 * The application lifecycle's transition table (see lifecycle.h).
 */
#include "domain/lifecycle.h"

#include <string.h>

static const char *const state_names[SF_APP__COUNT] = {
    "draft", "submitted", "recommended", "approved", "publicized", "awarded", "rejected", "withdrawn",
};
static const char *const event_names[SF_EV__COUNT] = {
    "recommend", "withdraw", "approve", "reject", "return", "publicize", "award", "objection_upheld",
    "submit", "return_to_applicant",   /* named as allowed_actions names it */
};

/* Every transition of the lifecycle (lifecycle.h); anything not listed is a conflict. */
static const struct {
    sf_app_state from;
    sf_app_event event;
    sf_app_state to;
} edges[] = {
    {SF_APP_DRAFT, SF_EV_SUBMIT, SF_APP_SUBMITTED},
    {SF_APP_SUBMITTED, SF_EV_SEND_BACK, SF_APP_DRAFT},
    {SF_APP_SUBMITTED, SF_EV_RECOMMEND, SF_APP_RECOMMENDED},
    {SF_APP_DRAFT, SF_EV_RECOMMEND, SF_APP_RECOMMENDED},
    {SF_APP_DRAFT, SF_EV_WITHDRAW, SF_APP_WITHDRAWN},
    {SF_APP_RECOMMENDED, SF_EV_WITHDRAW, SF_APP_WITHDRAWN},
    {SF_APP_RECOMMENDED, SF_EV_APPROVE, SF_APP_APPROVED},
    {SF_APP_RECOMMENDED, SF_EV_REJECT, SF_APP_REJECTED},
    {SF_APP_RECOMMENDED, SF_EV_RETURN, SF_APP_DRAFT},
    {SF_APP_APPROVED, SF_EV_PUBLICIZE, SF_APP_PUBLICIZED},
    {SF_APP_PUBLICIZED, SF_EV_AWARD, SF_APP_AWARDED},
    {SF_APP_PUBLICIZED, SF_EV_OBJECTION_UPHELD, SF_APP_REJECTED},
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
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        if (edges[i].from == from && edges[i].event == event) {
            *to = edges[i].to;
            return SF_OK;
        }
    return SF_CONFLICT;
}

int sf_quota_allows(int used, int quota)
{
    return quota <= 0 || used < quota;
}
