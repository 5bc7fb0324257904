/*
 * The route table: every endpoint of shifan, in one place. Earlier entries take priority.
 * `access` says whether a token is needed; `action` is checked against the caller's role
 * before the handler runs (domain/permissions.c), so a handler never repeats it.
 */
#include "api/handlers.h"
#include "api/server.h"

#define NO_ACTION (-1)

sf_route sf_routes[] = {
    {"GET", "/healthz", sf_get_healthz, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/readyz", sf_get_readyz, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/metrics", sf_get_metrics, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/v1/openapi.json", sf_get_openapi, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/docs", sf_get_docs, SF_PUBLIC, NO_ACTION, 0, 0},

    {"POST", "/v1/auth/token", sf_post_auth_token, SF_PUBLIC, NO_ACTION, 0, 0},
    {"POST", "/v1/auth/refresh", sf_post_auth_refresh, SF_PUBLIC, NO_ACTION, 0, 0},
    {"POST", "/v1/auth/revoke", sf_post_auth_revoke, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},
    {"GET", "/v1/me", sf_get_me, SF_TOKEN_FOLDED, SF_ACT_READ_SELF, 0, 0},
    {"POST", "/v1/me/password", sf_post_me_password, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},

    {"POST", "/v1/api-tokens", sf_post_api_token, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},
    {"GET", "/v1/api-tokens", sf_list_api_tokens, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},
    {"GET", "/v1/api-tokens/:id", sf_get_api_token, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},
    {"DELETE", "/v1/api-tokens/:id", sf_delete_api_token, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},

    {"POST", "/v1/organizations", sf_post_organization, SF_TOKEN, SF_ACT_MANAGE_ORGANIZATIONS, 0, 0},
    {"GET", "/v1/organizations", sf_list_organizations, SF_TOKEN, SF_ACT_READ_ORGANIZATIONS, 0, 0},
    {"GET", "/v1/organizations/:id", sf_get_organization, SF_TOKEN, SF_ACT_READ_ORGANIZATIONS, 0, 0},

    {"POST", "/v1/users", sf_post_user, SF_TOKEN, SF_ACT_MANAGE_USERS, 0, 0},
    {"GET", "/v1/users", sf_list_users, SF_TOKEN, SF_ACT_READ_USERS, 0, 0},
    {"GET", "/v1/users/:id", sf_get_user, SF_TOKEN, SF_ACT_READ_USERS, 0, 0},
    {"PATCH", "/v1/users/:id", sf_patch_user, SF_TOKEN, SF_ACT_MANAGE_USERS, 0, 0},
    {"POST", "/v1/users/:id/password", sf_post_user_password, SF_TOKEN, SF_ACT_MANAGE_USERS, 0, 0},
    {"POST", "/v1/users/:id/unlock", sf_post_user_unlock, SF_TOKEN, SF_ACT_MANAGE_USERS, 0, 0},

    {"POST", "/v1/rounds", sf_post_round, SF_TOKEN, SF_ACT_MANAGE_ROUNDS, 0, 0},
    {"GET", "/v1/rounds", sf_list_rounds, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/rounds/:id", sf_get_round, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/rounds/:id/summary.csv", sf_get_round_summary, SF_TOKEN, SF_ACT_READ_PROCEEDINGS, 0, 0},

    {"POST", "/v1/platforms", sf_post_platform, SF_TOKEN, SF_ACT_MANAGE_PLATFORMS, 0, 0},
    {"POST", "/v1/imports/platforms", sf_post_import_platforms, SF_TOKEN, SF_ACT_IMPORT, 0, /* upload= */ 1},
    {"POST", "/v1/imports/records", sf_post_import_records, SF_TOKEN, SF_ACT_IMPORT_RECORDS, 0, /* upload= */ 1},
    {"GET", "/v1/platforms", sf_list_platforms, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/platforms/:id", sf_get_platform, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"PATCH", "/v1/platforms/:id", sf_patch_platform, SF_TOKEN, SF_ACT_MANAGE_PLATFORMS, 0, 0},

    {"POST", "/v1/applications", sf_post_application, SF_TOKEN, SF_ACT_PREPARE, 0, 0},
    {"GET", "/v1/applications", sf_list_applications, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/applications/:id", sf_get_application, SF_TOKEN_FOLDED, SF_ACT_READ_WORKFLOW, 0, 0},
    {"PUT", "/v1/applications/:id/report", sf_put_report, SF_TOKEN, SF_ACT_PREPARE, 0, 0},
    {"GET", "/v1/applications/:id/report", sf_get_report, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"PUT", "/v1/applications/:id/recommendation", sf_put_recommendation, SF_TOKEN, SF_ACT_RECOMMEND, 0, 0},
    {"GET", "/v1/applications/:id/recommendation", sf_get_recommendation, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/applications/:id/eligibility", sf_get_eligibility, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"POST", "/v1/applications/:id/recommend", sf_post_recommend, SF_TOKEN, SF_ACT_RECOMMEND, 0, 0},
    {"POST", "/v1/applications/:id/withdraw", sf_post_withdraw, SF_TOKEN, SF_ACT_RECOMMEND, 0, 0},
    {"POST", "/v1/applications/:id/submit", sf_post_submit, SF_TOKEN, SF_ACT_SUBMIT, 0, 0},
    {"POST", "/v1/applications/:id/return", sf_post_return, SF_TOKEN, SF_ACT_RECOMMEND, 0, 0},
    {"POST", "/v1/applications/:id/review", sf_post_review, SF_TOKEN, SF_ACT_DECIDE, 0, 0},
    {"POST", "/v1/applications/:id/award", sf_post_award, SF_TOKEN, SF_ACT_DECIDE, 0, 0},

    {"GET", "/v1/calendar/working-days", sf_get_working_days, SF_TOKEN, SF_ACT_READ_CALENDAR, 0, 0},
    {"GET", "/v1/calendar/:year", sf_get_calendar_year, SF_TOKEN, SF_ACT_READ_CALENDAR, 0, 0},
    {"PUT", "/v1/calendar/:year", sf_put_calendar_year, SF_TOKEN, SF_ACT_MANAGE_CALENDAR, 0, 0},

    {"POST", "/v1/publicity-notices", sf_post_notice, SF_TOKEN, SF_ACT_DECIDE, 0, 0},
    {"GET", "/v1/publicity-notices", sf_list_notices, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/publicity-notices/:id", sf_get_notice, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/objections", sf_list_objections, SF_TOKEN, SF_ACT_READ_PROCEEDINGS, 0, 0},
    {"GET", "/v1/objections/:id", sf_get_objection, SF_TOKEN, SF_ACT_READ_PROCEEDINGS, 0, 0},
    {"POST", "/v1/objections/:id/resolve", sf_post_resolve_objection, SF_TOKEN, SF_ACT_DECIDE, 0, 0},
    {"POST", "/v1/publicity-notices/:id/objections", sf_post_recorded_objection, SF_TOKEN, SF_ACT_DECIDE, 0, 0},
    {"GET", "/v1/public/publicity-notices", sf_list_notices, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/v1/public/publicity-notices/:id", sf_get_notice, SF_PUBLIC, NO_ACTION, 0, 0},
    {"POST", "/v1/public/publicity-notices/:id/objections", sf_post_objection, SF_PUBLIC, NO_ACTION, 0, 0},

    {"GET", "/v1/awards", sf_list_awards, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/awards/:id", sf_get_award, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"POST", "/v1/awards/:id/revoke", sf_post_revoke_award, SF_TOKEN, SF_ACT_DECIDE, 0, 0},
    {"POST", "/v1/awards/:id/reinstate", sf_post_reinstate_award, SF_TOKEN, SF_ACT_DECIDE, 0, 0},
    {"GET", "/v1/public/platforms", sf_list_registry, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/v1/public/changes", sf_get_changes, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/v1/public/platforms.csv", sf_get_registry_csv, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/v1/public/platforms/:id", sf_get_registry_entry, SF_PUBLIC, NO_ACTION, 0, 0},
    {"GET", "/v1/audit-events/verify", sf_get_audit_verify, SF_TOKEN, SF_ACT_READ_AUDIT, 0, 0},
    {"GET", "/v1/audit-events", sf_list_audit, SF_TOKEN, SF_ACT_READ_AUDIT, 0, 0},

    {"POST", "/v1/applications/:id/materials", sf_post_material, SF_TOKEN, SF_ACT_PREPARE, 0, SF_UPLOAD_STREAMED},
    {"GET", "/v1/applications/:id/materials", sf_list_materials, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},
    {"GET", "/v1/materials/:id/content", sf_get_material_content, SF_TOKEN, SF_ACT_READ_WORKFLOW, 0, 0},

    {"POST", "/v1/assessments", sf_post_assessment, SF_TOKEN, SF_ACT_COMMISSION, 0, 0},
    {"GET", "/v1/assessments", sf_list_assessments, SF_TOKEN, SF_ACT_READ_ASSESSMENTS, 0, 0},
    {"GET", "/v1/assessments/:id", sf_get_assessment, SF_TOKEN, SF_ACT_READ_ASSESSMENTS, 0, 0},
    {"POST", "/v1/assessments/:id/result", sf_post_assessment_result, SF_TOKEN, SF_ACT_ASSESS, 0, 0},
    {"POST", "/v1/assessments/:id/report", sf_put_assessment_report, SF_TOKEN, SF_ACT_ASSESS, 0, SF_UPLOAD_STREAMED},
    {"GET", "/v1/assessments/:id/report", sf_get_assessment_report, SF_TOKEN, SF_ACT_READ_ASSESSMENTS, 0, 0},
    {"POST", "/v1/annual-summaries/:id/file", sf_put_summary_file, SF_TOKEN, SF_ACT_FILE_SUMMARY, 0, SF_UPLOAD_STREAMED},
    {"GET", "/v1/annual-summaries/:id/file", sf_get_summary_file, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"POST", "/v1/annual-summaries", sf_post_annual_summary, SF_TOKEN, SF_ACT_FILE_SUMMARY, 0, 0},
    {"POST", "/v1/inspections", sf_post_inspection, SF_TOKEN, SF_ACT_SUPERVISE, 0, 0},
    {"POST", "/v1/city-reports", sf_post_city_report, SF_TOKEN, SF_ACT_SUPERVISE, 0, 0},
    {"GET", "/v1/annual-summaries", sf_list_annual_summaries, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/annual-summaries/:id", sf_get_annual_summary, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/inspections", sf_list_inspections, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/inspections/:id", sf_get_inspection, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/city-reports", sf_list_city_reports, SF_TOKEN, SF_ACT_READ_CITY_REPORTS, 0, 0},
    {"GET", "/v1/city-reports/:id", sf_get_city_report, SF_TOKEN, SF_ACT_READ_CITY_REPORTS, 0, 0},
    {"GET", "/v1/rectifications", sf_list_rectifications, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/rectifications/:id", sf_get_rectification, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/awards/:id/standing", sf_get_award_standing, SF_TOKEN, SF_ACT_READ_SUPERVISION, 0, 0},
    {"GET", "/v1/compliance", sf_get_compliance, SF_TOKEN, SF_ACT_READ_COMPLIANCE, 0, 0},
    {"GET", "/v1/statistics", sf_get_statistics, SF_TOKEN, SF_ACT_READ_STATISTICS, 0, 0},
    {"GET", "/v1/statistics.csv", sf_get_statistics_csv, SF_TOKEN, SF_ACT_READ_STATISTICS, 0, 0},
    {"GET", "/v1/inbox", sf_get_inbox, SF_TOKEN, SF_ACT_READ_SELF, 0, 0},

    {NULL, NULL, NULL, SF_PUBLIC, NO_ACTION, 0, 0},
};

size_t sf_route_count(void)
{
    size_t n = 0;
    while (sf_routes[n].method != NULL)
        n++;
    return n;
}
