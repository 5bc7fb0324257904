/*
 * Environment configuration (see config.h).
 */
#include "api/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *env_string(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        v = fallback;
    return v ? strdup(v) : NULL;
}

/* An integer within [min, max]; the fallback when unset. */
static int env_int(const char *name, long fallback, long min, long max, long *out)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        *out = fallback;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "shifan: %s must be an integer from %ld to %ld\n", name, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

int sf_config_load(sf_config *c)
{
    memset(c, 0, sizeof *c);
    long cache, upload, port, threads, pool, pool_timeout, body, idle, shutdown, ttl, umax, cmax, window, delay, lock, hashes,
        per_client;
    if (env_int("SHIFAN_PORT", 8080, 1, 65535, &port) || env_int("SHIFAN_THREADS", 16, 1, 256, &threads) ||
        env_int("SHIFAN_POOL_SIZE", 8, 1, 256, &pool) ||
        env_int("SHIFAN_POOL_TIMEOUT_MS", 5000, 10, 600000, &pool_timeout) ||
        env_int("SHIFAN_MAX_BODY_BYTES", 1048576, 1024, 64L * 1048576, &body) ||
        env_int("SHIFAN_MAX_UPLOAD_BYTES", 20L * 1048576, 1024, 256L * 1048576, &upload) ||
        env_int("SHIFAN_IDLE_TIMEOUT", 60, 1, 3600, &idle) ||
        env_int("SHIFAN_MAX_CONNECTIONS_PER_CLIENT", 128, 0, 65535, &per_client) ||
        env_int("SHIFAN_SHUTDOWN_TIMEOUT", 30, 0, 3600, &shutdown) ||
        env_int("SHIFAN_TOKEN_TTL", 3600, 60, 7 * 86400, &ttl) ||
        env_int("SHIFAN_LOGIN_MAX_FAILURES", 10, 1, 1000, &umax) ||
        env_int("SHIFAN_LOGIN_CLIENT_MAX_FAILURES", 20, 1, 100000, &cmax) ||
        env_int("SHIFAN_LOGIN_WINDOW", 900, 1, 86400, &window) ||
        env_int("SHIFAN_LOGIN_DELAY", 30, 1, 86400, &delay) ||
        env_int("SHIFAN_LOGIN_LOCK", 900, 1, 86400, &lock) ||
        env_int("SHIFAN_HASH_CONCURRENCY", 2, 1, 64, &hashes) ||
        env_int("SHIFAN_PUBLIC_CACHE_BYTES", 4L * 1048576, 0, 1024L * 1048576, &cache))
        return -1;
    c->port = (int)port;
    c->threads = (int)threads;
    c->pool_size = (int)pool;
    c->pool_timeout_ms = (int)pool_timeout;
    c->max_body_bytes = (size_t)body;
    c->max_upload_bytes = (size_t)upload;
    c->public_cache_bytes = (size_t)cache;
    c->idle_timeout_s = (int)idle;
    c->max_connections_per_client = (int)per_client;
    c->shutdown_timeout_s = (int)shutdown;
    c->token_ttl_s = (int)ttl;
    c->login_user_max_failures = (int)umax;
    c->login_client_max_failures = (int)cmax;
    c->login_window_s = (int)window;
    c->login_delay_s = (int)delay;
    c->login_lock_s = (int)(lock > delay ? lock : delay);
    c->hash_concurrency = (int)hashes;

    c->database_url = env_string("SHIFAN_DATABASE_URL", NULL);
    c->read_database_url = env_string("SHIFAN_DATABASE_READ_URL", NULL);
    c->data_dir = env_string("SHIFAN_DATA_DIR", "./.shifan");
    c->listen_address = env_string("SHIFAN_LISTEN_ADDRESS", "127.0.0.1");
    c->jwt_key_file = env_string("SHIFAN_JWT_KEY_FILE", NULL);
    c->jwt_algorithm = env_string("SHIFAN_JWT_ALGORITHM", "HS256");
    c->jwt_issuer = env_string("SHIFAN_JWT_ISSUER", "shifan");
    c->jwt_audience = env_string("SHIFAN_JWT_AUDIENCE", "shifan-api");
    c->admin_password = env_string("SHIFAN_ADMIN_PASSWORD", NULL);
    c->cors_origins = env_string("SHIFAN_CORS_ORIGINS", "");
    if (c->database_url == NULL) {
        fprintf(stderr, "shifan: SHIFAN_DATABASE_URL is not set (`make run` starts a private "
                        "PostgreSQL and sets it)\n");
        return -1;
    }
    if (strcmp(c->jwt_algorithm, "HS256") != 0 && strcmp(c->jwt_algorithm, "HS384") != 0 &&
        strcmp(c->jwt_algorithm, "HS512") != 0) {
        fprintf(stderr, "shifan: SHIFAN_JWT_ALGORITHM must be HS256, HS384 or HS512\n");
        return -1;
    }
    return 0;
}

void sf_config_free(sf_config *c)
{
    free(c->database_url);
    free(c->read_database_url);
    free(c->data_dir);
    free(c->listen_address);
    free(c->jwt_key_file);
    free(c->jwt_algorithm);
    free(c->jwt_issuer);
    free(c->jwt_audience);
    free(c->cors_origins);
    if (c->admin_password != NULL) {
        memset(c->admin_password, 0, strlen(c->admin_password));
        free(c->admin_password);
    }
    memset(c, 0, sizeof *c);
}
