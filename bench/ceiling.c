/*
 * shifan-ceiling: the minimal server bench/run measures shifan against, in the same run on
 * the same database (issue 18, point 1). It is what a C service with no rules costs: Ulfius on
 * libmicrohttpd (epoll, a thread pool, as shifan's server layer), a pool of libpq connections
 * each with the statement prepared once, and two routes:
 *
 *   GET /healthz                      {"status":"ok"} — the HTTP stack alone
 *   GET /v1/public/platforms/:id      one prepared primary-key read of the public registry
 *                                     entry (registry_docs, the view shifan reads), its JSON
 *                                     text as the body; 404 when there is none
 *
 * No logging, metrics, authentication, ETag or validation: a ceiling, not a peer.
 *
 *   shifan-ceiling PORT [THREADS [CONNECTIONS]]     (defaults 8 and 8)
 *   PGCONNINFO or SHIFAN_DATABASE_URL names the database.
 */
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <microhttpd.h>
#include <ulfius.h>

#define MAX_CONNECTIONS 64

static struct {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    PGconn *conns[MAX_CONNECTIONS];
    int free[MAX_CONNECTIONS];
    int nfree;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, {0}, 0};

static int take(void)
{
    pthread_mutex_lock(&pool.lock);
    while (pool.nfree == 0)
        pthread_cond_wait(&pool.freed, &pool.lock);
    int i = pool.free[--pool.nfree];
    pthread_mutex_unlock(&pool.lock);
    return i;
}

static void give(int i)
{
    pthread_mutex_lock(&pool.lock);
    pool.free[pool.nfree++] = i;
    pthread_cond_signal(&pool.freed);
    pthread_mutex_unlock(&pool.lock);
}

static int healthz(const struct _u_request *req, struct _u_response *res, void *data)
{
    (void)req;
    (void)data;
    static const char body[] = "{\"status\":\"ok\"}";
    ulfius_set_binary_body_response(res, 200, body, sizeof body - 1);
    u_map_put(res->map_header, "Content-Type", "application/json");
    return U_CALLBACK_COMPLETE;
}

static int entry(const struct _u_request *req, struct _u_response *res, void *data)
{
    (void)data;
    const char *id = u_map_get(req->map_url, "id");
    char *end;
    long long n = id ? strtoll(id, &end, 10) : 0;
    if (id == NULL || *end != '\0' || n <= 0) {
        ulfius_set_string_body_response(res, 404, "{\"status\":404}");
        return U_CALLBACK_COMPLETE;
    }
    int i = take();
    const char *params[] = {id};
    PGresult *r = PQexecPrepared(pool.conns[i], "entry", 1, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ulfius_set_string_body_response(res, 503, "{\"status\":503}");
        if (PQstatus(pool.conns[i]) != CONNECTION_OK)
            PQreset(pool.conns[i]);
    } else if (PQntuples(r) == 0) {
        ulfius_set_string_body_response(res, 404, "{\"status\":404}");
    } else {
        ulfius_set_binary_body_response(res, 200, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    }
    PQclear(r);
    give(i);
    u_map_put(res->map_header, "Content-Type", "application/json");
    return U_CALLBACK_COMPLETE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: shifan-ceiling PORT [THREADS [CONNECTIONS]]\n");
        return 2;
    }
    int port = atoi(argv[1]), threads = argc > 2 ? atoi(argv[2]) : 8, conns = argc > 3 ? atoi(argv[3]) : 8;
    if (port <= 0 || threads <= 0 || conns <= 0 || conns > MAX_CONNECTIONS) {
        fprintf(stderr, "shifan-ceiling: bad arguments\n");
        return 2;
    }
    const char *url = getenv("PGCONNINFO") ? getenv("PGCONNINFO") : getenv("SHIFAN_DATABASE_URL");
    for (int i = 0; i < conns; i++) {
        pool.conns[i] = PQconnectdb(url ? url : "");
        PGresult *r = PQstatus(pool.conns[i]) == CONNECTION_OK
                          ? PQprepare(pool.conns[i], "entry", "SELECT doc FROM registry_docs WHERE id = $1::bigint", 1, NULL)
                          : NULL;
        if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "shifan-ceiling: %s", PQerrorMessage(pool.conns[i]));
            return 1;
        }
        PQclear(r);
        pool.free[pool.nfree++] = i;
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct _u_instance instance;
    if (ulfius_init_instance(&instance, (unsigned)port, NULL, NULL) != U_OK)
        return 1;
    ulfius_add_endpoint_by_val(&instance, "GET", NULL, "/healthz", 0, healthz, NULL);
    ulfius_add_endpoint_by_val(&instance, "GET", NULL, "/v1/public/platforms/:id", 0, entry, NULL);
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
        /* Ulfius's own request bookkeeping, which it requires with MHD options of one's own */
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (ulfius_start_framework_with_mhd_options(&instance, MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, options) !=
        U_OK) {
        fprintf(stderr, "shifan-ceiling: cannot listen on port %d\n", port);
        return 1;
    }
    int sig;
    sigwait(&signals, &sig);
    ulfius_stop_framework(&instance);
    ulfius_clean_instance(&instance);
    for (int i = 0; i < conns; i++)
        PQfinish(pool.conns[i]);
    return 0;
}
