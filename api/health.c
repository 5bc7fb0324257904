/*
 * Liveness, readiness, metrics and the contract: the endpoints operators and tooling call.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/problem.h"
#include "api/public_cache.h"
#include "api/readiness.h"
#include "api/statistics_cache.h"
#include "api/views.h"
#include "persistence/calendar.h"

/* The process is up and serving. Touches nothing else, so it stays cheap. */
void sf_get_healthz(sf_ctx *ctx)
{
    /* its text as written, not built and dumped with Jansson on every probe (about a twentieth
     * of a probe's CPU in a perf profile of shifan at 32 connections) */
    static const char body[] = "{\"status\":\"ok\"}";
    sf_reply_json_text(ctx, 200, body, sizeof body - 1);
}

/* Ready when the database answers and every migration is applied, and not shutting down: as
 * the last background check found it (api/readiness.h), so that a probe touches neither the
 * pool nor the database and answers at once under any load. */
void sf_get_readyz(sf_ctx *ctx)
{
    if (atomic_load(&ctx->app->draining)) {
        sf_reply_problem(ctx, 503, SF_E_SHUTTING_DOWN);
        return;
    }
    sf_code why = ctx->app->readiness ? sf_readiness_now(ctx->app->readiness) : SF_E_DATABASE_UNAVAILABLE;
    if (why != SF_E_NONE) {
        sf_reply_problem(ctx, 503, why);
        return;
    }
    sf_reply_json(ctx, 200, json_pack("{s:s, s:s}", "status", "ready", "database", "ok"));
}

/* /metrics tells per-route outcomes (logins refused, awards made): only to the holder of
 * SHIFAN_METRICS_TOKEN, and to nobody when it is unset (issue 14, item 8). A token rather than
 * a second listener: it holds behind any reverse proxy, where every request comes from the
 * proxy's address, and Prometheus sends one as `authorization: credentials`. */
static int metrics_allowed(sf_ctx *ctx)
{
    const char *want = ctx->app->config->metrics_token;
    if (want == NULL) {
        sf_reply_problem(ctx, 404, SF_E_NOT_FOUND);
        return 0;
    }
    const char *h = sf_header(ctx, "Authorization");
    size_t len = strlen(want);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != len || CRYPTO_memcmp(h + 7, want, len) != 0) {
        sf_set_header(ctx, "WWW-Authenticate", "Bearer realm=\"shifan-metrics\"");
        sf_reply_problem(ctx, 401, SF_E_METRICS_TOKEN_REQUIRED);
        return 0;
    }
    return 1;
}

void sf_get_metrics(sf_ctx *ctx)
{
    if (!metrics_allowed(ctx))
        return;
    sf_pool_stats stats;
    sf_pool_get_stats(ctx->app->pool, &stats);
    int last_year = 0;   /* from the database; left out of the answer when it cannot be read */
    sf_calendar_data cal;
    if (sf_calendar_load(ctx->app->pool, &cal) == SF_OK) {
        last_year = cal.cal.nyears > 0 ? cal.cal.years[cal.cal.nyears - 1] : 0;
        sf_calendar_free(&cal);
    }
    char *text = sf_metrics_render(ctx->app->metrics, &stats, atomic_load(&ctx->app->in_flight),
                                    atomic_load(&ctx->app->buffered_bytes), last_year);
    if (text == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_buf body = {0};
    sf_buf_add(&body, text, strlen(text));
    free(text);
    if (ctx->app->public_cache != NULL) {
        /* the registry in memory (api/public_cache.h): whether it listens, and the registry
         * version of the last notification it applied — what a test waits for */
        sf_public_cache_stats c;
        sf_public_cache_get_stats(ctx->app->public_cache, &c);
        sf_buf_printf(&body,
                      "# HELP shifan_public_cache_listening Whether the public registry cache hears the registry's changes.\n"
                      "# TYPE shifan_public_cache_listening gauge\nshifan_public_cache_listening %d\n"
                      "# HELP shifan_public_cache_registry_version The registry version of the last change notification applied.\n"
                      "# TYPE shifan_public_cache_registry_version gauge\nshifan_public_cache_registry_version %lld\n"
                      "# HELP shifan_public_cache_answers Answers kept, by kind.\n# TYPE shifan_public_cache_answers gauge\n"
                      "shifan_public_cache_answers{kind=\"entry\"} %ld\nshifan_public_cache_answers{kind=\"page\"} %ld\n"
                      "# HELP shifan_public_cache_bytes Bytes the kept answers take.\n# TYPE shifan_public_cache_bytes gauge\n"
                      "shifan_public_cache_bytes %zu\n"
                      "# HELP shifan_public_cache_lookups_total Lookups, by outcome.\n# TYPE shifan_public_cache_lookups_total counter\n"
                      "shifan_public_cache_lookups_total{outcome=\"hit\"} %lu\nshifan_public_cache_lookups_total{outcome=\"miss\"} %lu\n"
                      "# HELP shifan_public_cache_notifications_total Change notifications applied.\n"
                      "# TYPE shifan_public_cache_notifications_total counter\nshifan_public_cache_notifications_total %lu\n"
                      "# HELP shifan_public_cache_resets_total Times the cache started listening afresh, everything dropped.\n"
                      "# TYPE shifan_public_cache_resets_total counter\nshifan_public_cache_resets_total %lu\n",
                      c.listening, (long long)c.version, c.entries, c.pages, c.bytes, c.hits, c.misses, c.notifications,
                      c.resets);
    }
    if (ctx->app->statistics_cache != NULL) {
        /* the statistics in memory (api/statistics_cache.h) */
        sf_statistics_cache_stats c;
        sf_statistics_cache_get_stats(ctx->app->statistics_cache, &c);
        sf_buf_printf(&body,
                      "# HELP shifan_statistics_cache_documents Statistics documents kept.\n"
                      "# TYPE shifan_statistics_cache_documents gauge\nshifan_statistics_cache_documents %ld\n"
                      "# HELP shifan_statistics_cache_bytes Bytes the kept statistics documents take.\n"
                      "# TYPE shifan_statistics_cache_bytes gauge\nshifan_statistics_cache_bytes %zu\n"
                      "# HELP shifan_statistics_cache_lookups_total Lookups, by outcome.\n"
                      "# TYPE shifan_statistics_cache_lookups_total counter\n"
                      "shifan_statistics_cache_lookups_total{outcome=\"hit\"} %lu\n"
                      "shifan_statistics_cache_lookups_total{outcome=\"miss\"} %lu\n"
                      "# HELP shifan_statistics_cache_waits_total Misses that waited for another request's count of the same document.\n"
                      "# TYPE shifan_statistics_cache_waits_total counter\nshifan_statistics_cache_waits_total %lu\n",
                      c.entries, c.bytes, c.hits, c.misses, c.waits);
    }
    if (body.failed) {
        free(body.data);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    ulfius_set_binary_body_response(ctx->res, 200, body.data, body.len);
    free(body.data);
    sf_set_header(ctx, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
}

void sf_get_openapi(sf_ctx *ctx)
{
    size_t len;
    const char *doc = sf_openapi_json(&len);
    if (doc == NULL || ulfius_set_binary_body_response(ctx->res, 200, doc, len) != U_OK) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_set_header(ctx, "Content-Type", "application/json");
    sf_set_header(ctx, "Cache-Control", "public, max-age=300");
}

extern const unsigned char sf_docs_html[];
extern const unsigned long sf_docs_html_len;
extern const unsigned char sf_redoc_js[];
extern const unsigned long sf_redoc_js_len;

#define REDOC_MARK "/*REDOC-BUNDLE*/"

/* GET /docs: the browsable reference, rendered in the browser from /v1/openapi.json by
 * Redoc, whose bundle is written into the page (no CDN: it works offline). */
void sf_get_docs(sf_ctx *ctx)
{
    const char *page = (const char *)sf_docs_html, *mark = strstr(page, REDOC_MARK);
    size_t head = mark ? (size_t)(mark - page) : sf_docs_html_len;
    size_t tail = mark ? sf_docs_html_len - head - strlen(REDOC_MARK) : 0;
    char *body = malloc(head + sf_redoc_js_len + tail + 1);
    if (body == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    memcpy(body, page, head);
    memcpy(body + head, sf_redoc_js, sf_redoc_js_len);
    if (mark)
        memcpy(body + head + sf_redoc_js_len, mark + strlen(REDOC_MARK), tail);
    ulfius_set_binary_body_response(ctx->res, 200, body, head + sf_redoc_js_len + tail);
    free(body);
    sf_set_header(ctx, "Content-Type", "text/html; charset=utf-8");
    sf_set_header(ctx, "Content-Security-Policy",
                  "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                  "img-src 'self' data:; worker-src blob:; font-src 'self' data:");
    sf_set_header(ctx, "Cache-Control", "public, max-age=300");
}
