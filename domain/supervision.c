/*
 * Deadlines and timeliness of Art. 22 and 24 (see supervision.h).
 */
#include "domain/supervision.h"

#include <string.h>

#include "domain/regions.h"

sf_day sf_due_annual_summary(int year)
{
    return sf_day_from_ymd(year + 1, 1, 31);
}

sf_day sf_due_city_report(int year)
{
    return sf_last_day_of_month(year + 1, 2);
}

sf_timeliness sf_timeliness_of(sf_day due, int arrived, sf_day arrived_on, sf_day today)
{
    if (arrived)
        return arrived_on <= due ? SF_DUE_ON_TIME : SF_DUE_LATE;
    return today > due ? SF_DUE_MISSING : SF_DUE_NOT_YET;
}

const char *sf_timeliness_name(sf_timeliness t)
{
    switch (t) {
    case SF_DUE_NOT_YET: return "not_due";
    case SF_DUE_ON_TIME: return "on_time";
    case SF_DUE_LATE: return "late";
    case SF_DUE_MISSING: return "missing";
    }
    return "missing";
}

sf_status sf_decide_inspection(int64_t award_id, const char *outcome, sf_day inspected_on, sf_day due_given, int days,
                               const sf_rectification_state *follow_up, int in_force_today, sf_day valid_until,
                               sf_inspection_effect *effect, sf_errors *why)
{
    int satisfactory = strcmp(outcome, "satisfactory") == 0;
    *effect = (sf_inspection_effect){0};
    if (follow_up != NULL) {
        if (!follow_up->exists || follow_up->award_id != award_id)
            sf_errors_add(why, "closes_rectification_id", SF_E_RECTIFICATION_NOT_OF_TITLE);
        else if (!follow_up->open)
            sf_errors_add(why, "closes_rectification_id", SF_E_RECTIFICATION_CLOSED);
        else if (inspected_on < follow_up->opened_on) {
            char opened[11];
            sf_date_format(follow_up->opened_on, opened);
            sf_errors_add(why, "inspected_on", SF_E_BEFORE_RECTIFICATION_OPENED, SF_TEXT("opened_on", opened));
        }
        effect->closes = satisfactory;
    }
    /* on the title's last day there is no time left to rectify within it */
    int opens = !satisfactory && follow_up == NULL && in_force_today && inspected_on < valid_until;
    if (due_given != 0 && !opens)
        sf_errors_add(why, "rectification_due_on", SF_E_DUE_ON_NOT_ALLOWED);
    else if (due_given != 0 && due_given <= inspected_on)
        sf_errors_add(why, "rectification_due_on", SF_E_DUE_BEFORE_INSPECTION);
    else if (due_given > valid_until && opens) {
        char until[11];
        sf_date_format(valid_until, until);
        sf_errors_add(why, "rectification_due_on", SF_E_DUE_AFTER_TITLE_ENDS, SF_TEXT("valid_until", until));
    }
    if (opens) {
        sf_day by_rule = inspected_on + (days > 0 ? days : SF_RECTIFICATION_DAYS);
        effect->opens = 1;
        effect->due_on = due_given ? due_given : by_rule < valid_until ? by_rule : valid_until;
    }
    return sf_errors_any(why) ? SF_INVALID : SF_OK;
}

int sf_summary_year_has_begun(int year, sf_day today)
{
    return sf_day_from_ymd(year, 1, 1) <= today;
}

int sf_stated_date_has_come(sf_day stated, sf_day today)
{
    return stated <= today;
}

void sf_city_report_region(const sf_caller *caller, const char *given, const char **region, sf_errors *why)
{
    *region = NULL;
    if (caller->role == SF_ROLE_PROVINCE && given == NULL)
        sf_errors_add(why, "region_code", SF_E_REQUIRED);
    else if (caller->role == SF_ROLE_PROVINCE && sf_region_city(given) == NULL)
        sf_errors_add(why, "region_code", SF_E_REGION_INVALID);
    else if (caller->role != SF_ROLE_PROVINCE && given != NULL && strcmp(given, caller->region_code) != 0)
        sf_errors_add(why, "region_code", SF_E_CITY_REPORT_OWN_REGION);
    else
        *region = given != NULL ? given : caller->region_code;
}

int sf_title_takes_summary(int revoked, sf_day revoked_on, int year, sf_day received_on)
{
    return !revoked || received_on <= revoked_on || revoked_on > sf_day_from_ymd(year, 12, 31);
}

sf_day sf_title_life_end(int revoked, sf_day revoked_on, sf_day valid_until)
{
    return revoked && revoked_on < valid_until ? revoked_on : valid_until;
}

int sf_received_in_or_after_year(int year, sf_day received_on)
{
    return received_on >= sf_day_from_ymd(year, 1, 1);
}

int sf_title_covers_year(sf_day valid_from, sf_day valid_until, int year)
{
    return sf_day_from_ymd(year, 1, 1) <= valid_until && valid_from <= sf_day_from_ymd(year, 12, 31);
}

int sf_title_in_force_on(sf_day valid_from, sf_day valid_until, int revoked, sf_day revoked_on, sf_day on)
{
    return valid_from <= on && on <= valid_until && (!revoked || on <= revoked_on);
}

int sf_assessment_due_ok(sf_day due_on, sf_day today)
{
    return due_on >= today;
}

sf_status sf_decide_assessment_result(const sf_caller *c, int64_t assessor_org, int has_result, sf_errors *why)
{
    if (c->role != SF_ROLE_ASSESSOR || assessor_org != c->org_id)
        return SF_NOT_FOUND;
    if (has_result) {
        sf_errors_detail(why, SF_E_RESULT_SUBMITTED);
        return SF_CONFLICT;
    }
    return SF_OK;
}

void sf_may_state_received_on(const sf_caller *c, int city_report, sf_errors *why)
{
    if (!city_report && c->role == SF_ROLE_PLATFORM)
        sf_errors_add(why, "received_on", SF_E_RECEIVED_ON_CITY_ONLY);
    else if (city_report && c->role != SF_ROLE_PROVINCE)
        sf_errors_add(why, "received_on", SF_E_RECEIVED_ON_PROVINCE_ONLY);
}

int sf_attaches_summary_file(const sf_caller *c, int64_t recorder_org, const char *platform_region)
{
    if (recorder_org > 0)
        return c->org_id == recorder_org;
    return c->role == SF_ROLE_CITY && strcmp(c->region_code, platform_region) == 0;
}

size_t sf_assessment_allowed_actions(const sf_caller *c, int64_t assessor_org, int has_result, int has_report,
                                     const char **out, size_t cap)
{
    sf_errors e;
    sf_errors_init(&e);
    size_t n = 0;
    if (sf_decide_assessment_result(c, assessor_org, has_result, &e) == SF_OK) {
        if (n < cap)
            out[n++] = "submit_result";
        if (n < cap && !has_report)   /* one report per assessment */
            out[n++] = "attach_report";
    }
    return n;
}

size_t sf_rectification_allowed_actions(const sf_caller *c, const char *platform_region, const char *status,
                                        const char **out, size_t cap)
{
    int open = strcmp(status, "open") == 0 || strcmp(status, "overdue") == 0;
    int inspects = c->role == SF_ROLE_PROVINCE || (c->role == SF_ROLE_CITY && strcmp(platform_region, c->region_code) == 0);
    if (cap > 0 && open && inspects) {
        out[0] = "follow_up";
        return 1;
    }
    return 0;
}
