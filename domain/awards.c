/*
 * Award validity, renewal and status (see awards.h).
 */
#include "domain/awards.h"

#include <string.h>

#include "domain/supervision.h"

int sf_validity_ends_parse(const char *text, sf_validity_ends *out)
{
    if (text != NULL && strcmp(text, "year_end") == 0)
        *out = SF_VALIDITY_YEAR_END;
    else if (text != NULL && strcmp(text, "anniversary") == 0)
        *out = SF_VALIDITY_ANNIVERSARY;
    else
        return 0;
    return 1;
}

const char *sf_validity_ends_name(sf_validity_ends ends)
{
    return ends == SF_VALIDITY_ANNIVERSARY ? "anniversary" : "year_end";
}

void sf_award_validity(const sf_validity_rule *rule, sf_day awarded_on, sf_day previous_until, int has_previous,
                       sf_day *valid_from, sf_day *valid_until)
{
    static const sf_validity_rule standard = {SF_VALIDITY_DEFAULT_YEARS, SF_VALIDITY_YEAR_END};
    if (rule == NULL || rule->years < SF_VALIDITY_MIN_YEARS || rule->years > SF_VALIDITY_MAX_YEARS)
        rule = &standard;
    int y, m, d;
    sf_day_to_ymd(awarded_on, &y, &m, &d);
    *valid_from = has_previous && previous_until >= awarded_on ? previous_until + 1 : awarded_on;
    if (rule->ends == SF_VALIDITY_ANNIVERSARY)
        *valid_until = sf_anniversary(*valid_from, rule->years) - 1;
    else
        *valid_until = sf_day_from_ymd(y + rule->years, 12, 31);
}

sf_status sf_award_may_reapply(int round_year, sf_day active_valid_until)
{
    int y, m, d;
    sf_day_to_ymd(active_valid_until, &y, &m, &d);
    return round_year == y ? SF_OK : SF_CONFLICT;
}

const char *sf_award_status_name(sf_award_status s)
{
    switch (s) {
    case SF_AWARD_ACTIVE: return "active";
    case SF_AWARD_REVOCATION_PENDING: return "revocation_pending";
    case SF_AWARD_REVOKED: return "revoked";
    case SF_AWARD_EXPIRED: return "expired";
    }
    return "active";
}

int sf_award_status_parse(const char *name, sf_award_status *out)
{
    for (int s = SF_AWARD_ACTIVE; name != NULL && s <= SF_AWARD_EXPIRED; s++)
        if (strcmp(name, sf_award_status_name((sf_award_status)s)) == 0) {
            *out = (sf_award_status)s;
            return 1;
        }
    return 0;
}

int sf_award_status_is_known(const char *name)
{
    sf_award_status s;
    return sf_award_status_parse(name, &s);
}

/* ---- revocation (Art. 23, 24) ---- */

/* The grounds, and what each requires and admits. */
typedef struct {
    const char *name;
    int accepted;            /* 0: readable on past rows, refused for a new revocation */
    int needs_finding, needs_reference, needs_assessment;
    int admits_finding, admits_assessment;
} revocation_ground;

static const revocation_ground grounds[] = {
    /* name                accepted finding ref. assess. | admits finding, assessment */
    {"violation",          1,       1,      1,   0,        1, 0},   /* Art. 23: 一经查实 */
    {"failed_assessment",  1,       0,      0,   1,        0, 1},   /* Art. 24 */
    {"surrendered",        1,       0,      0,   0,        0, 0},   /* given up, or the holder ceased */
    {"other",              0,       0,      0,   0,        0, 0},   /* before 2026: past rows only */
};

static const revocation_ground *ground_named(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof grounds / sizeof *grounds; i++)
        if (strcmp(grounds[i].name, name) == 0)
            return &grounds[i];
    return NULL;
}

sf_status sf_decide_revoke(const sf_title_snapshot *t, const sf_revocation *r, sf_errors *why)
{
    if (!t->caller_decides) {
        sf_errors_detail(why, SF_E_NOT_AWARDING_AUTHORITY);
        return SF_FORBIDDEN;
    }
    const revocation_ground *g = ground_named(r->reason);
    if (g == NULL || !g->accepted) {
        sf_errors_add(why, "reason", g == NULL ? SF_E_REVOCATION_REASON_INVALID : SF_E_REVOCATION_REASON_RETIRED);
        return SF_INVALID;
    }
    if (g->needs_finding && r->finding == NULL)
        sf_errors_add(why, "finding", SF_E_FINDING_REQUIRED);
    if (!g->admits_finding && r->finding != NULL)
        sf_errors_add(why, "finding", SF_E_FINDING_NOT_ALLOWED);
    if (g->needs_reference && r->reference == NULL)
        sf_errors_add(why, "reference", SF_E_REFERENCE_REQUIRED);
    if (!g->admits_assessment && r->assessment_id != 0)
        sf_errors_add(why, "assessment_id", SF_E_ASSESSMENT_NOT_ALLOWED);
    if (g->needs_assessment) {
        if (r->assessment_id == 0)
            sf_errors_add(why, "assessment_id", SF_E_ASSESSMENT_REQUIRED);
        else if (t->named.id != r->assessment_id || t->named.award_id != t->id)
            sf_errors_add(why, "assessment_id", SF_E_ASSESSMENT_OF_OTHER_TITLE);
        else if (!t->named.has_result || t->named.passed)
            sf_errors_add(why, "assessment_id", t->named.has_result ? SF_E_ASSESSMENT_PASSED : SF_E_ASSESSMENT_NO_RESULT);
        else if (t->named.superseded)
            sf_errors_add(why, "assessment_id", SF_E_ASSESSMENT_SUPERSEDED);
    }
    if (sf_errors_any(why))
        return SF_INVALID;
    if (t->status == SF_AWARD_REVOKED || t->status == SF_AWARD_EXPIRED) {
        sf_errors_detail(why, SF_E_TITLE_NOT_IN_STATE, SF_TEXT("current_status", sf_award_status_name(t->status)),
                         SF_TEXT("action", "revoke"));
        return SF_CONFLICT;
    }
    return SF_OK;
}

/* ---- reinstatement (Art. 24) ---- */

sf_status sf_decide_reinstate(const sf_title_snapshot *t, sf_errors *why)
{
    if (!t->caller_decides) {
        sf_errors_detail(why, SF_E_NOT_AWARDING_AUTHORITY);
        return SF_FORBIDDEN;
    }
    if (t->status != SF_AWARD_REVOCATION_PENDING) {
        sf_errors_detail(why, SF_E_TITLE_NOT_IN_STATE, SF_TEXT("current_status", sf_award_status_name(t->status)),
                         SF_TEXT("action", "reinstate"));
        return SF_CONFLICT;
    }
    const sf_assessment_fact *later = &t->latest_later;
    if (later->id == 0 && t->open_later_id != 0) {
        sf_errors_detail(why, SF_E_REINSTATE_ASSESSMENT_PENDING, SF_INT("assessment_id", t->open_later_id));
        return SF_CONFLICT;
    }
    if (later->id == 0) {
        sf_errors_detail(why, SF_E_REINSTATE_NO_LATER_ASSESSMENT, SF_INT("assessment_id", t->pending_assessment_id));
        return SF_CONFLICT;
    }
    if (!later->passed) {
        sf_errors_detail(why, SF_E_REINSTATE_LATER_FAILED, SF_INT("assessment_id", later->id));
        return SF_CONFLICT;
    }
    if (!later->by_province) {
        sf_errors_detail(why, SF_E_REINSTATE_NOT_BY_PROVINCE, SF_INT("assessment_id", later->id));
        return SF_CONFLICT;
    }
    return SF_OK;
}

/* ---- what a title's page offers (DESIGN.md §3) ---- */

int sf_title_assessable(int province_level, int in_force, sf_day valid_from, sf_day today)
{
    return province_level && in_force && valid_from <= today;
}

size_t sf_title_allowed_actions(const sf_title_view *v, const char **out, size_t cap)
{
    size_t n = 0;
    sf_errors e;
    sf_errors_init(&e);
    const sf_title_snapshot *t = &v->title;
    int in_force = t->status == SF_AWARD_ACTIVE || t->status == SF_AWARD_REVOCATION_PENDING;
    sf_revocation surrender = {.reason = "surrendered"};
    if (n < cap && sf_decide_revoke(t, &surrender, &e) == SF_OK)
        out[n++] = "revoke";
    sf_errors_init(&e);
    if (n < cap && sf_decide_reinstate(t, &e) == SF_OK)
        out[n++] = "reinstate";
    if (n < cap && v->caller_is_province && sf_title_assessable(v->province_level, in_force, v->valid_from, v->today))
        out[n++] = "commission_assessment";
    /* the summaries (of a year begun, within its life) and inspections (on a day it was in
     * force, up to today) the supervision routes take (domain/supervision.h): there is such a
     * year, or such a day, once the first of its life has come */
    int first_year, month, day;
    sf_day_to_ymd(v->valid_from, &first_year, &month, &day);
    int revoked = t->status == SF_AWARD_REVOKED;
    /* a revoked or lapsed title is still supervised over its life: a summary received, an
     * inspection held, while it was in force, recorded now */
    int some_year = sf_summary_year_has_begun(first_year, v->today) &&
                    sf_title_covers_year(v->valid_from, sf_title_life_end(revoked, v->revoked_on, v->valid_until),
                                         first_year);
    int some_day = v->valid_from <= v->today &&
                   sf_title_in_force_on(v->valid_from, v->valid_until, revoked, v->revoked_on, v->valid_from);
    int supervises = v->caller_is_province || v->caller_is_its_city;
    if (n < cap && (supervises || v->caller_operates_it) && some_year)
        out[n++] = "file_summary";
    if (n < cap && supervises && some_day)
        out[n++] = "inspect";
    return n;
}
