/*
 * Every route handler, one group per resource file. The route table (routes.c) names them.
 */
#ifndef SF_HANDLERS_H
#define SF_HANDLERS_H

#include "api/server.h"
#include "domain/accounts.h"
#include "domain/password.h"

/* health.c */
void sf_get_healthz(sf_ctx *ctx);
void sf_get_readyz(sf_ctx *ctx);
void sf_get_metrics(sf_ctx *ctx);
void sf_get_openapi(sf_ctx *ctx);
void sf_get_docs(sf_ctx *ctx);

/* login.c */
void sf_post_auth_token(sf_ctx *ctx);
void sf_post_auth_refresh(sf_ctx *ctx);
void sf_post_auth_revoke(sf_ctx *ctx);

/* me.c */
void sf_get_me(sf_ctx *ctx);
void sf_post_me_password(sf_ctx *ctx);

/* organizations.c */
void sf_post_organization(sf_ctx *ctx);
void sf_list_organizations(sf_ctx *ctx);
void sf_get_organization(sf_ctx *ctx);

/* users.c */
void sf_post_user(sf_ctx *ctx);
void sf_list_users(sf_ctx *ctx);
void sf_get_user(sf_ctx *ctx);
void sf_patch_user(sf_ctx *ctx);
void sf_post_user_password(sf_ctx *ctx);
void sf_post_user_unlock(sf_ctx *ctx);
/* A new password to hash without holding the worker (server.h, sf_hash_then): the first
 * member of a handler's saved state, which sf_new_password_work (its `work`) hashes into
 * `hash`. sf_new_password_set: 0 when the password does not fit (checked by the policy
 * before, so never). sf_new_password_hashed, in `then`: whether `hash` is there; 0 after
 * answering 503 (hashing busy) or 500. */
typedef struct {
    char password[SF_PASSWORD_MAX + 1];
    char hash[SF_PASSWORD_ENCODED_MAX];
} sf_new_password;
int sf_new_password_set(sf_new_password *np, const char *password);
int sf_new_password_work(void *saved);
int sf_new_password_hashed(sf_ctx *ctx, sf_status status, int hashed);

/* rounds.c */
void sf_post_round(sf_ctx *ctx);
void sf_list_rounds(sf_ctx *ctx);
void sf_get_round(sf_ctx *ctx);
void sf_get_round_summary(sf_ctx *ctx);

/* platforms.c */
void sf_post_platform(sf_ctx *ctx);
void sf_list_platforms(sf_ctx *ctx);
void sf_get_platform(sf_ctx *ctx);
void sf_patch_platform(sf_ctx *ctx);

/* applications.c */
void sf_post_application(sf_ctx *ctx);
void sf_list_applications(sf_ctx *ctx);
void sf_get_application(sf_ctx *ctx);
void sf_put_report(sf_ctx *ctx);
void sf_get_report(sf_ctx *ctx);
void sf_put_recommendation(sf_ctx *ctx);
void sf_get_recommendation(sf_ctx *ctx);
void sf_get_eligibility(sf_ctx *ctx);
void sf_post_recommend(sf_ctx *ctx);
void sf_post_withdraw(sf_ctx *ctx);
void sf_post_submit(sf_ctx *ctx);
void sf_post_return(sf_ctx *ctx);
void sf_post_review(sf_ctx *ctx);
void sf_post_award(sf_ctx *ctx);

/* calendar.c */
void sf_get_calendar_year(sf_ctx *ctx);
void sf_put_calendar_year(sf_ctx *ctx);
void sf_get_working_days(sf_ctx *ctx);

/* publicity.c */
void sf_post_notice(sf_ctx *ctx);
void sf_list_notices(sf_ctx *ctx);
void sf_get_notice(sf_ctx *ctx);
void sf_post_objection(sf_ctx *ctx);
void sf_post_recorded_objection(sf_ctx *ctx);
void sf_list_objections(sf_ctx *ctx);
void sf_get_objection(sf_ctx *ctx);
void sf_post_resolve_objection(sf_ctx *ctx);

/* awards.c */
void sf_list_awards(sf_ctx *ctx);
void sf_get_award(sf_ctx *ctx);
void sf_post_revoke_award(sf_ctx *ctx);
void sf_post_reinstate_award(sf_ctx *ctx);

/* registry.c */
void sf_list_registry(sf_ctx *ctx);
void sf_get_registry_entry(sf_ctx *ctx);
void sf_get_registry_csv(sf_ctx *ctx);

/* audit.c */
void sf_list_audit(sf_ctx *ctx);
void sf_get_audit_verify(sf_ctx *ctx);
void sf_get_changes(sf_ctx *ctx);

/* materials.c */
void sf_post_material(sf_ctx *ctx);
void sf_list_materials(sf_ctx *ctx);
void sf_get_material_content(sf_ctx *ctx);

/* supervision.c */
void sf_post_assessment(sf_ctx *ctx);
void sf_list_assessments(sf_ctx *ctx);
void sf_get_assessment(sf_ctx *ctx);
void sf_post_assessment_result(sf_ctx *ctx);
void sf_post_annual_summary(sf_ctx *ctx);
void sf_post_inspection(sf_ctx *ctx);
void sf_post_city_report(sf_ctx *ctx);
void sf_list_annual_summaries(sf_ctx *ctx);
void sf_get_annual_summary(sf_ctx *ctx);
void sf_list_inspections(sf_ctx *ctx);
void sf_get_inspection(sf_ctx *ctx);
void sf_list_city_reports(sf_ctx *ctx);
void sf_get_city_report(sf_ctx *ctx);
void sf_list_rectifications(sf_ctx *ctx);
void sf_get_rectification(sf_ctx *ctx);
void sf_get_award_standing(sf_ctx *ctx);
void sf_get_compliance(sf_ctx *ctx);
void sf_get_statistics(sf_ctx *ctx);
void sf_get_statistics_csv(sf_ctx *ctx);
void sf_get_inbox(sf_ctx *ctx);
void sf_put_assessment_report(sf_ctx *ctx);
void sf_get_assessment_report(sf_ctx *ctx);
void sf_put_summary_file(sf_ctx *ctx);
void sf_get_summary_file(sf_ctx *ctx);

/* api_tokens.c */
void sf_post_api_token(sf_ctx *ctx);
void sf_list_api_tokens(sf_ctx *ctx);
void sf_get_api_token(sf_ctx *ctx);
void sf_delete_api_token(sf_ctx *ctx);

/* imports.c */
void sf_post_import_platforms(sf_ctx *ctx);
void sf_post_import_records(sf_ctx *ctx);

#endif
