/*
 * shifan: reads the configuration, migrates the database, bootstraps the admin, serves until
 * SIGINT or SIGTERM, then drains in-flight requests and closes the pool.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/messages.h"
#include "api/auth.h"
#include "api/config.h"
#include "api/json_input.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/public_cache.h"
#include "api/readiness.h"
#include "api/statistics_cache.h"
#include "api/server.h"
#include "domain/accounts.h"
#include "domain/password.h"
#include "persistence/audit_linker.h"
#include "persistence/migrate.h"
#include "persistence/users.h"

#define MALLOC_ARENAS 2

/* SHIFAN_ADMIN_PASSWORD: creates user "admin" in the province when the province has no
 * user yet. The password is checked like any other and never logged. */
static int bootstrap_admin(sf_app *app)
{
    const char *password = app->config->admin_password;
    if (password == NULL)
        return 0;
    sf_errors errors;
    sf_errors_init(&errors);
    if (sf_user_validate("admin", password, "Administrator", &errors) != SF_OK) {
        char message[256];
        sf_message_render(message, sizeof message, SF_LANG_EN, errors.items[0].code, &errors.items[0].params);
        fprintf(stderr, "shifan: SHIFAN_ADMIN_PASSWORD %s\n", message);
        return -1;
    }
    unsigned char salt[SF_PASSWORD_SALT_LEN];
    char hash[SF_PASSWORD_ENCODED_MAX];
    if (sf_random_bytes(salt, sizeof salt) != 0 || sf_password_hash(password, salt, hash) != 0)
        return -1;
    int created = 0;
    if (sf_user_bootstrap_admin(app->pool, hash, &created) != SF_OK) {
        fprintf(stderr, "shifan: could not create the admin user\n");
        return -1;
    }
    if (created)
        fprintf(stderr, "{\"level\":\"info\",\"event\":\"admin_created\",\"username\":\"admin\"}\n");
    return 0;
}

int main(void)
{
    sf_config config;
    sf_app app = {0};
    struct _u_instance instance;
    sf_audit_linker *linker = NULL;
    int exit_code = 1;

    /* Signals are taken by sigwait below; every thread started later inherits the mask. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* glibc gives each of the HTTP threads its own malloc arena, and freed memory stays in
     * them: after imports and bursts of writes that kept resident memory some 10 MB above
     * the 32 MB budget of issue 6. Two arenas, one per core of the machines shifan is
     * sized for: after the registry read over all 30,000 entries, the statistics and three
     * imports of 10,000 rows, malloc counted 11.5 MB in use while four arenas kept 34 MB
     * resident, the rest freed memory held in pages still partly used (bench/RESULTS.md). */
    mallopt(M_ARENA_MAX, MALLOC_ARENAS);
    sf_json_watch_allocations();

    if (sf_config_load(&config) != 0)
        goto out_config;
    app.config = &config;
    if (sf_openapi_init() != 0) {
        fprintf(stderr, "shifan: the embedded OpenAPI document does not parse\n");
        goto out_config;
    }
    app.auth = sf_auth_create(&config);
    app.pool = sf_pool_create(config.database_url, config.pool_size, config.pool_timeout_ms);
    app.read_pool = config.read_database_url && config.read_database_url[0]
                        ? sf_pool_create(config.read_database_url, config.pool_size, config.pool_timeout_ms)
                        : app.pool;
    app.metrics = sf_metrics_create(sf_route_count());
    if (app.auth == NULL || app.pool == NULL || app.read_pool == NULL || app.metrics == NULL)
        goto out;
    /* no request waits on the database for ever: a held lock, a hung server (503) */
    sf_pool_set_statement_timeout(app.pool, config.statement_timeout_ms);
    if (app.read_pool != app.pool)
        sf_pool_set_statement_timeout(app.read_pool, config.statement_timeout_ms);

    /* A database not up yet (started beside shifan, restarting) is waited for, a second at a
     * time, up to SHIFAN_DATABASE_WAIT seconds; SIGINT or SIGTERM ends the wait. */
    char message[512];
    sf_status migrated;
    for (int waited = 0;; waited++) {
        migrated = sf_migrate(app.pool, message, sizeof message);
        if (migrated != SF_UNAVAILABLE || waited >= config.database_wait_s)
            break;
        if (waited == 0)
            fprintf(stderr, "{\"level\":\"warn\",\"event\":\"database_unreachable\",\"waiting_s\":%d}\n",
                    config.database_wait_s);
        struct timespec second = {1, 0};
        if (sigtimedwait(&signals, NULL, &second) > 0)
            goto out;
    }
    if (migrated != SF_OK) {
        fprintf(stderr, "shifan: cannot migrate the database: %s\n", message);
        goto out;
    }
    if (bootstrap_admin(&app) != 0)
        goto out;
    /* after the migrations, which create what it listens to. NOTIFY does not reach a hot
     * standby: with a read replica the registry is not kept in memory (api/public_cache.h) */
    if (app.read_pool == app.pool)
        app.public_cache = sf_public_cache_create(config.public_cache_bytes, config.database_url);
    app.statistics_cache = sf_statistics_cache_create(config.statistics_cache_bytes, config.statistics_cache_entries);
    /* the audit chain's linker (persistence/audit_linker.h), one per process: the head's row
     * lock lets one link at a time */
    linker = sf_audit_linker_start(config.database_url);
    if (linker == NULL) {
        fprintf(stderr, "shifan: cannot start the audit chain's linker\n");
        goto out;
    }
    app.readiness = sf_readiness_start(config.database_url, config.read_database_url, config.ready_check_ms);
    if (app.readiness == NULL) {
        fprintf(stderr, "shifan: cannot start the readiness check\n");
        goto out;
    }
    /* a database that hangs answers 503 at once, not a request held for ever */
    sf_readiness_guard(app.readiness, app.pool, app.read_pool);
    if (sf_server_start(&app, &instance) != 0)
        goto out;
    fprintf(stderr, "{\"level\":\"info\",\"event\":\"listening\",\"address\":\"%s\",\"port\":%d}\n",
            config.listen_address, config.port);

    int sig;
    sigwait(&signals, &sig);
    fprintf(stderr, "{\"level\":\"info\",\"event\":\"stopping\",\"signal\":\"%s\"}\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    sf_server_stop(&app, &instance);
    exit_code = 0;
out:
    /* the threads that talk to the database by themselves (the check, the audit linker) may
     * wait on one that hangs for ever: not waited for beyond a bound; the server rolls back
     * what they had begun */
    if (sf_readiness_hung(app.readiness) || sf_readiness_stop(app.readiness) != 0 ||
        sf_audit_linker_stop(linker) != 0) {
        fprintf(stderr, "{\"level\":\"error\",\"event\":\"shutdown_abandoned\",\"database\":\"hangs\"}\n");
        _exit(EXIT_FAILURE);
    }
    if (exit_code == 0)
        fprintf(stderr, "{\"level\":\"info\",\"event\":\"stopped\"}\n");
    sf_metrics_destroy(app.metrics);
    sf_public_cache_destroy(app.public_cache);
    sf_statistics_cache_destroy(app.statistics_cache);
    if (app.read_pool != app.pool)
        sf_pool_destroy(app.read_pool);
    sf_pool_destroy(app.pool);
    sf_auth_destroy(app.auth);
    sf_openapi_free();
out_config:
    sf_config_free(&config);
    return exit_code;
}
