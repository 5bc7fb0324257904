/*
 * Platforms: Art. 15 region scope and the facts a review or a title fixes (see platforms.h).
 */
#include "domain/platforms.h"

#include <string.h>

#include "domain/eligibility.h"

sf_status sf_platform_may_register(const sf_caller *c, const char *region_code, sf_errors *why)
{
    if (c->role == SF_ROLE_CITY && (region_code == NULL || strcmp(region_code, c->region_code) != 0)) {
        sf_errors_add(why, "region_code", SF_E_OUTSIDE_OWN_REGION);
        sf_errors_detail(why, SF_E_OUTSIDE_OWN_REGION);
        return SF_FORBIDDEN;
    }
    return SF_OK;
}

void sf_platform_established_check(const char *field, sf_day established_on, sf_day today, sf_errors *why)
{
    if (established_on > today)
        sf_errors_add(why, field, SF_E_AFTER_TODAY);
}

sf_status sf_platform_may_edit(const sf_caller *c, int64_t created_by_org, sf_errors *why)
{
    if (created_by_org != c->org_id && c->role != SF_ROLE_PROVINCE) {
        sf_errors_detail(why, SF_E_NOT_PLATFORM_OWNER);
        return SF_FORBIDDEN;
    }
    return SF_OK;
}

sf_function_set sf_function_bit(const char *id)
{
    for (int i = 0; id != NULL && i < SF_FUNCTION_COUNT; i++)
        if (strcmp(id, sf_function_ids[i]) == 0)
            return 1u << i;
    return 0;
}

sf_status sf_platform_may_change(const sf_caller *c, const sf_platform_standing *st, const sf_platform_change *ch,
                                 sf_errors *why)
{
    int functions_changed = ch->functions_given && ch->functions != st->functions;
    if (st->under_review) {
        const sf_code reason = SF_E_PLATFORM_UNDER_REVIEW;
        if (ch->name)
            sf_errors_add(why, "name", reason);
        if (ch->operator_name)
            sf_errors_add(why, "operator.name", reason);
        if (ch->credit_code)
            sf_errors_add(why, "operator.credit_code", reason);
        if (ch->established_on)
            sf_errors_add(why, "operator.established_on", reason);
    }
    if (st->titled && c->role != SF_ROLE_PROVINCE) {
        const sf_code reason = SF_E_TITLE_FROZEN_FIELD;
        if (ch->name && !st->under_review)
            sf_errors_add(why, "name", reason);
        if (ch->operator_name && !st->under_review)
            sf_errors_add(why, "operator.name", reason);
        if (ch->credit_code && !st->under_review)
            sf_errors_add(why, "operator.credit_code", reason);
        if (ch->established_on && !st->under_review)
            sf_errors_add(why, "operator.established_on", reason);
        if (functions_changed)
            sf_errors_add(why, "functions", reason);
    } else if (st->titled && functions_changed) {
        sf_function_set added = ch->functions & ~st->functions;
        for (int i = 0; i < SF_FUNCTION_COUNT; i++)
            if (added & (1u << i))
                sf_errors_add(why, "functions", SF_E_TITLE_FUNCTION_ADDED, SF_TEXT("function", sf_function_ids[i]));
    }
    if (sf_errors_any(why)) {
        sf_errors_detail(why, st->titled ? SF_E_PLATFORM_TITLED : SF_E_PLATFORM_UNDER_REVIEW);
        return SF_CONFLICT;
    }
    return SF_OK;
}
