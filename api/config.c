/*
 * Environment configuration (see config.h).
 */
#include "api/config.h"

#include <arpa/inet.h>
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

int sf_network_parse(const char *text, sf_network *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len + 1);
    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, out->addr) == 1)
        out->family = AF_INET6;
    else
        return -1;
    int bits = out->family == AF_INET ? 32 : 128;
    out->prefix = bits;
    if (slash != NULL) {
        char *end;
        long n = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || n < 0 || n > bits)
            return -1;
        out->prefix = (int)n;
    }
    return 0;
}

int sf_network_contains(const sf_network *net, int family, const unsigned char *addr)
{
    if (net->family != family)
        return 0;
    int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr, (size_t)full) != 0)
        return 0;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return rest == 0 || (net->addr[full] & mask) == (addr[full] & mask);
}

/* SHIFAN_TRUSTED_PROXIES into c->trusted_proxies; -1 after printing what is wrong. */
static int load_trusted_proxies(sf_config *c)
{
    const char *v = getenv("SHIFAN_TRUSTED_PROXIES");
    if (v == NULL)
        return 0;
    char *list = strdup(v), *save = NULL;
    int rc = list ? 0 : -1;
    for (char *item = list ? strtok_r(list, ", ", &save) : NULL; item != NULL && rc == 0;
         item = strtok_r(NULL, ", ", &save)) {
        if (c->trusted_proxy_count == SF_MAX_TRUSTED_PROXIES ||
            sf_network_parse(item, &c->trusted_proxies[c->trusted_proxy_count]) != 0) {
            fprintf(stderr, "shifan: SHIFAN_TRUSTED_PROXIES must list up to %d IPv4 or IPv6 addresses or "
                            "networks (a.b.c.d/n), separated by commas\n", SF_MAX_TRUSTED_PROXIES);
            rc = -1;
        } else {
            c->trusted_proxy_count++;
        }
    }
    free(list);
    return rc;
}

int sf_config_load(sf_config *c)
{
    memset(c, 0, sizeof *c);
    long refresh_ttl, cache, upload, buffered, port, threads, pool, pool_timeout, statement_timeout, database_wait,
        cancel_grace, body, idle, shutdown, ttl, umax, cmax, window, delay, lock, hashes, hash_queue, hash_per_client, hash_wait,
        per_client, stats_cache, stats_entries, ready_check;
    if (env_int("SHIFAN_PORT", 8080, 1, 65535, &port) || env_int("SHIFAN_THREADS", 16, 1, 256, &threads) ||
        env_int("SHIFAN_POOL_SIZE", 8, 1, 256, &pool) ||
        env_int("SHIFAN_POOL_TIMEOUT_MS", 5000, 10, 600000, &pool_timeout) ||
        env_int("SHIFAN_STATEMENT_TIMEOUT_MS", 30000, 0, 3600000, &statement_timeout) ||
        env_int("SHIFAN_DATABASE_WAIT", 60, 0, 3600, &database_wait) ||
        env_int("SHIFAN_MAX_BODY_BYTES", 1048576, 1024, 64L * 1048576, &body) ||
        env_int("SHIFAN_MAX_UPLOAD_BYTES", 20L * 1048576, 1024, 256L * 1048576, &upload) ||
        env_int("SHIFAN_MAX_BUFFERED_BYTES", 64L * 1048576, 1024, 64L * 1024 * 1048576, &buffered) ||
        env_int("SHIFAN_IDLE_TIMEOUT", 60, 1, 3600, &idle) ||
        env_int("SHIFAN_MAX_CONNECTIONS_PER_CLIENT", 128, 0, 65535, &per_client) ||
        env_int("SHIFAN_SHUTDOWN_TIMEOUT", 30, 0, 3600, &shutdown) ||
        env_int("SHIFAN_CANCEL_GRACE", 10, 1, 600, &cancel_grace) ||
        env_int("SHIFAN_TOKEN_TTL", 3600, 60, 7 * 86400, &ttl) ||
        env_int("SHIFAN_REFRESH_TTL", 43200, 300, 30 * 86400, &refresh_ttl) ||
        env_int("SHIFAN_LOGIN_MAX_FAILURES", 10, 1, 1000, &umax) ||
        env_int("SHIFAN_LOGIN_CLIENT_MAX_FAILURES", 20, 1, 100000, &cmax) ||
        env_int("SHIFAN_LOGIN_WINDOW", 900, 1, 86400, &window) ||
        env_int("SHIFAN_LOGIN_DELAY", 30, 1, 86400, &delay) ||
        env_int("SHIFAN_LOGIN_LOCK", 900, 1, 86400, &lock) ||
        env_int("SHIFAN_HASH_CONCURRENCY", 2, 1, 64, &hashes) ||
        env_int("SHIFAN_HASH_QUEUE", 8, 1, 10000, &hash_queue) ||
        env_int("SHIFAN_HASH_QUEUE_PER_CLIENT", 4, 1, 10000, &hash_per_client) ||
        env_int("SHIFAN_HASH_WAIT_MS", 1000, 1, 60000, &hash_wait) ||
        env_int("SHIFAN_PUBLIC_CACHE_BYTES", 8L * 1048576, 0, 1024L * 1048576, &cache) ||
        env_int("SHIFAN_STATISTICS_CACHE_BYTES", 4L * 1048576, 0, 1024L * 1048576, &stats_cache) ||
        env_int("SHIFAN_STATISTICS_CACHE_ENTRIES", 64, 0, 100000, &stats_entries) ||
        env_int("SHIFAN_READY_CHECK_MS", 200, 10, 60000, &ready_check))
        return -1;
    c->port = (int)port;
    c->threads = (int)threads;
    c->pool_size = (int)pool;
    c->pool_timeout_ms = (int)pool_timeout;
    c->statement_timeout_ms = (int)statement_timeout;
    c->database_wait_s = (int)database_wait;
    c->ready_check_ms = (int)ready_check;
    c->max_body_bytes = (size_t)body;
    c->max_upload_bytes = (size_t)upload;
    c->max_buffered_bytes = (size_t)buffered;
    /* a body the bound could never hold would be refused with 503 for ever */
    if (buffered < body || buffered < upload) {
        fprintf(stderr, "shifan: SHIFAN_MAX_BUFFERED_BYTES must be at least SHIFAN_MAX_BODY_BYTES and "
                        "SHIFAN_MAX_UPLOAD_BYTES\n");
        return -1;
    }
    c->public_cache_bytes = (size_t)cache;
    c->statistics_cache_bytes = (size_t)stats_cache;
    c->statistics_cache_entries = stats_entries;
    c->idle_timeout_s = (int)idle;
    c->max_connections_per_client = (int)per_client;
    c->shutdown_timeout_s = (int)shutdown;
    c->cancel_grace_s = (int)cancel_grace;
    c->token_ttl_s = (int)ttl;
    c->refresh_ttl_s = (int)refresh_ttl;
    c->login_user_max_failures = (int)umax;
    c->login_client_max_failures = (int)cmax;
    c->login_window_s = (int)window;
    c->login_delay_s = (int)delay;
    c->login_lock_s = (int)(lock > delay ? lock : delay);
    c->hash_concurrency = (int)hashes;
    c->hash_queue = (int)hash_queue;
    c->hash_queue_per_client = (int)hash_per_client;
    c->hash_wait_ms = (int)hash_wait;

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
    c->metrics_token = env_string("SHIFAN_METRICS_TOKEN", NULL);
    if (c->metrics_token != NULL && strlen(c->metrics_token) < 16) {
        fprintf(stderr, "shifan: SHIFAN_METRICS_TOKEN must be at least 16 characters\n");
        return -1;
    }
    if (load_trusted_proxies(c) != 0)
        return -1;
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
    free(c->metrics_token);
    if (c->admin_password != NULL) {
        memset(c->admin_password, 0, strlen(c->admin_password));
        free(c->admin_password);
    }
    memset(c, 0, sizeof *c);
}
