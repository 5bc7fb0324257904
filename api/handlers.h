/*
 * Every route handler, one group per resource file. The route table (routes.c) names them.
 */
#ifndef SF_HANDLERS_H
#define SF_HANDLERS_H

#include "api/server.h"

/* health.c */
void sf_get_healthz(sf_ctx *ctx);
void sf_get_readyz(sf_ctx *ctx);
void sf_get_metrics(sf_ctx *ctx);
void sf_get_openapi(sf_ctx *ctx);

/* login.c */
void sf_post_auth_token(sf_ctx *ctx);
void sf_post_auth_revoke(sf_ctx *ctx);

/* me.c */
void sf_get_me(sf_ctx *ctx);

/* organizations.c */
void sf_post_organization(sf_ctx *ctx);
void sf_list_organizations(sf_ctx *ctx);
void sf_get_organization(sf_ctx *ctx);

/* users.c */
void sf_post_user(sf_ctx *ctx);

/* rounds.c */
void sf_post_round(sf_ctx *ctx);
void sf_list_rounds(sf_ctx *ctx);
void sf_get_round(sf_ctx *ctx);

/* platforms.c */
void sf_post_platform(sf_ctx *ctx);
void sf_list_platforms(sf_ctx *ctx);
void sf_get_platform(sf_ctx *ctx);
void sf_patch_platform(sf_ctx *ctx);

#endif
