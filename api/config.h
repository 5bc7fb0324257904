/*
 * Configuration from the environment (all variables prefixed SHIFAN_). Read once at start;
 * an invalid value stops the program with a message naming the variable.
 */
#ifndef SF_CONFIG_H
#define SF_CONFIG_H

#include <stddef.h>

/* An address or network (CIDR) of SHIFAN_TRUSTED_PROXIES. */
typedef struct {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char addr[16];    /* network byte order */
    int prefix;                /* bits that must match */
} sf_network;
#define SF_MAX_TRUSTED_PROXIES 32

typedef struct {
    char *database_url;        /* SHIFAN_DATABASE_URL (required by the binary; `make run` sets it) */
    char *read_database_url;   /* SHIFAN_DATABASE_READ_URL: a streaming replica for the public
                                * registry's reads; NULL: everything goes to the primary */
    char *data_dir;            /* SHIFAN_DATA_DIR, default ./.shifan */
    char *listen_address;      /* SHIFAN_LISTEN_ADDRESS, default 127.0.0.1 */
    int port;                  /* SHIFAN_PORT, default 8080 */
    int threads;               /* SHIFAN_THREADS: HTTP worker threads, default 16 */
    int pool_size;             /* SHIFAN_POOL_SIZE: database connections, default 8 */
    int pool_timeout_ms;       /* SHIFAN_POOL_TIMEOUT_MS: wait for a connection, default 5000 */
    int statement_timeout_ms;  /* SHIFAN_STATEMENT_TIMEOUT_MS: a statement cancelled (503) after,
                                * default 30000; 0: never */
    int database_wait_s;       /* SHIFAN_DATABASE_WAIT: at start, wait this long for the
                                * database to come up, default 60 */
    int ready_check_ms;        /* SHIFAN_READY_CHECK_MS: /readyz's background check, every 200 ms */
    size_t max_body_bytes;     /* SHIFAN_MAX_BODY_BYTES: JSON bodies, default 1 MiB */
    size_t max_upload_bytes;   /* SHIFAN_MAX_UPLOAD_BYTES: a material's file, default 20 MiB */
    size_t max_buffered_bytes; /* SHIFAN_MAX_BUFFERED_BYTES: request bodies held in memory across
                                * all connections at once, default 64 MiB; at least both limits above */
    int idle_timeout_s;        /* SHIFAN_IDLE_TIMEOUT: close idle connections, default 60 */
    int max_connections_per_client; /* SHIFAN_MAX_CONNECTIONS_PER_CLIENT: open connections from one
                                     * address, default 128; 0: no limit (behind a reverse proxy) */
    int shutdown_timeout_s;    /* SHIFAN_SHUTDOWN_TIMEOUT: drain in-flight requests, default 30 */
    int cancel_grace_s;        /* SHIFAN_CANCEL_GRACE: then cancel their statements and wait this
                                * long before exiting 1 without them, default 10 */
    char *jwt_key_file;        /* SHIFAN_JWT_KEY_FILE, default <data_dir>/jwt.key (generated) */
    char *jwt_algorithm;       /* SHIFAN_JWT_ALGORITHM: HS256 (default), HS384 or HS512 */
    char *jwt_issuer;          /* SHIFAN_JWT_ISSUER, default "shifan" */
    char *jwt_audience;        /* SHIFAN_JWT_AUDIENCE, default "shifan-api" */
    int token_ttl_s;           /* SHIFAN_TOKEN_TTL: seconds, default 3600 */
    int refresh_ttl_s;         /* SHIFAN_REFRESH_TTL: a refresh token's lifetime, seconds, default
                                * 43200 (a working day and more); each refresh issues a new one */
    char *admin_password;      /* SHIFAN_ADMIN_PASSWORD: bootstrap of user admin; never logged */
    int login_user_max_failures;    /* SHIFAN_LOGIN_MAX_FAILURES: failures of a username from one
                                     * client before delays begin, default 10 */
    int login_client_max_failures;  /* SHIFAN_LOGIN_CLIENT_MAX_FAILURES, default 20 per client */
    int login_window_s;        /* SHIFAN_LOGIN_WINDOW: seconds, default 900 */
    int login_delay_s;         /* SHIFAN_LOGIN_DELAY: the first delay, seconds, default 30;
                                * it doubles with each further failure */
    int login_lock_s;          /* SHIFAN_LOGIN_LOCK: the longest delay, seconds, default 900 */
    int hash_concurrency;      /* SHIFAN_HASH_CONCURRENCY: password hashes at once, default 2 */
    int hash_queue;            /* SHIFAN_HASH_QUEUE: hashes queued or running, default 8 */
    int hash_queue_per_client; /* SHIFAN_HASH_QUEUE_PER_CLIENT: of them from one address, default 4 */
    int hash_wait_ms;          /* SHIFAN_HASH_WAIT_MS: wait for a hashing thread, default 1000 */
    size_t public_cache_bytes; /* SHIFAN_PUBLIC_CACHE_BYTES: public registry answers kept, default 8 MiB; 0: none */
    size_t statistics_cache_bytes; /* SHIFAN_STATISTICS_CACHE_BYTES: finished statistics documents
                                    * kept (api/statistics_cache.h), default 4 MiB; 0: none */
    long statistics_cache_entries; /* SHIFAN_STATISTICS_CACHE_ENTRIES: of them at most, default 64; 0: none */
    char *cors_origins;        /* SHIFAN_CORS_ORIGINS: comma-separated origins allowed by CORS; none by default */
    char *metrics_token;       /* SHIFAN_METRICS_TOKEN: the bearer token /metrics requires (at
                                * least 16 characters); unset, /metrics answers 404 */
    /* SHIFAN_TRUSTED_PROXIES: comma-separated addresses or networks (CIDR) whose
     * X-Forwarded-For is believed for the client's address; none by default */
    sf_network trusted_proxies[SF_MAX_TRUSTED_PROXIES];
    int trusted_proxy_count;
} sf_config;

/* Reads the environment into `config`. Returns 0, or -1 after printing what is wrong. Free
 * with sf_config_free. */
int sf_config_load(sf_config *config);
void sf_config_free(sf_config *config);

/* "a.b.c.d", "a.b.c.d/n" or their IPv6 forms into *out; 0, or -1 if it is not one. */
int sf_network_parse(const char *text, sf_network *out);
/* Whether the address (family, network byte order) lies in `net`. */
int sf_network_contains(const sf_network *net, int family, const unsigned char *addr);

#endif
