/*
 * Actor parameters for audit_append() (see audit.h).
 */
#include "persistence/audit.h"

#include <stdio.h>

void sf_actor_to_params(const sf_actor *actor, sf_actor_params *out)
{
    snprintf(out->user_id, sizeof out->user_id, "%lld", (long long)actor->user_id);
    snprintf(out->org_id, sizeof out->org_id, "%lld", (long long)actor->org_id);
    out->values[0] = actor->user_id > 0 ? out->user_id : NULL;
    out->values[1] = actor->org_id > 0 ? out->org_id : NULL;
    out->values[2] = actor->request_id;
}
