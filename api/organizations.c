/*
 * /v1/organizations: the province creates and lists the organisations whose users act in
 * shifan (Art. 3, 24, 25, 27); the supervisor may read them (Art. 25); a city creates and
 * reads the platform companies of its region (Art. 17, 22: the applicants); a platform
 * company reads itself and the recommenders it may name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/accounts.h"

void sf_post_organization(sf_ctx *ctx)
{
    static const char *const fields[] = {"type", "name", "region_code", "credit_code", NULL};
    json_t *body = sf_json_body(ctx);
    if (body == NULL)
        return;
    sf_errors errors;
    sf_errors_init(&errors);
    sf_json_only(body, fields, &errors);
    const char *type = sf_json_string(body, "type", 1, &errors);
    const char *name = sf_json_string(body, "name", 1, &errors);
    const char *region = sf_json_string(body, "region_code", 0, &errors);
    const char *credit_code = sf_json_string(body, "credit_code", 0, &errors);
    char region_code[7];
    if (!sf_errors_any(&errors)) {
        sf_new_organization org = {sf_role_parse(type), name, region, credit_code};
        sf_organization_validate(&org, region_code, &errors);
    }
    if (sf_errors_any(&errors)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, &errors);
        goto out;
    }
    if (!sf_may_manage_organization(&ctx->caller, sf_role_parse(type), region_code)) {
        sf_reply_problem(ctx, 403, SF_E_ORGANIZATION_OUT_OF_SCOPE);
        goto out;
    }
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    sf_organization created;
    sf_status status = sf_org_create(ctx->app->pool, &actor, type, name, region_code, credit_code, &created,
                                     &errors);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_CONFLICT ? SF_E_ORGANIZATION_EXISTS : SF_E_NONE, &errors);
        goto out;
    }
    sf_reply_resource(ctx, 201, sf_view_organization(&created));
out:
    json_decref(body);
}

void sf_list_organizations(sf_ctx *ctx)
{
    sf_errors errors;
    sf_errors_init(&errors);
    sf_page page;
    sf_page_read(ctx, &page, &errors);
    if (page.desc)
        sf_errors_add(&errors, "order", SF_E_OLDEST_FIRST_ONLY);
    const char *type = sf_param(ctx, "type");
    if (type != NULL && sf_role_parse(type) == SF_ROLE_NONE)
        sf_errors_add(&errors, "type", SF_E_NOT_ONE_OF,
                      SF_TEXT("allowed", "province, city, association, assessor, supervisor, platform"));
    if (sf_reply_query_errors(ctx, &errors))
        return;
    sf_organization *items = calloc((size_t)page.limit, sizeof *items);
    if (items == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    size_t count;
    int has_more;
    sf_org_query query = {&ctx->caller, type, page.after_id, page.limit};
    sf_status status = sf_org_list(ctx->app->pool, &query, items, &count, &has_more, sf_page_total(&page));
    if (status != SF_OK) {
        free(items);
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, sf_view_organization(&items[i]));
    json_t *next = has_more && count > 0 ? sf_page_token(ctx, &page, items[count - 1].id) : json_null();
    free(items);
    sf_reply_json(ctx, 200, sf_page_envelope(list, next, &page));
}

void sf_get_organization(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_organization org;
    sf_status status = id > 0 ? sf_org_get(ctx->app->pool, &ctx->caller, id, &org) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_ORGANIZATION_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_reply_resource(ctx, 200, sf_view_organization(&org));
}
