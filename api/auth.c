/*
 * JWT keys, issuance and verification (see auth.h).
 */
#include "api/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api/base64url.h"
#include "api/json_input.h"
#include "api/sha256.h"
#include "persistence/clock.h"

#define KEY_MIN 32
#define KEY_MAX 4096
#define GENERATED_KEY_BYTES 48
/* Clock skew tolerated between shifan processes for iat and nbf. */
#define LEEWAY_S 60
#define MAX_HASHERS 64
/* The bounds of every kind of errand (auth.h, sf_errand_kind): queued or running at once, and
 * from one address. Each is one cheap statement whose request waits suspended; a refresh and an
 * objection answered under load while they ran on the HTTP workers, and a portal's back-end
 * may refresh many sessions at once from one address. The hashes' tight bounds (8, 4 from one
 * address) are for the hashes' cost: a login is admitted by its place in the hashing queue
 * (sf_auth_hash_hold), and its last errand, which comes after its hash has given that place
 * back, must not be refused then for a count of logins that have places now (its attempt,
 * reserved, would count as failed). What waits longer than SHIFAN_HASH_WAIT_MS for a thread is
 * refused all the same (503). The logins' errands have as many threads as hash, a refresh's and
 * an objection's one each: all of them together hold at most SHIFAN_HASH_CONCURRENCY + 2 of
 * the pool's connections while they wait on the database. */
#define ERRANDS_QUEUED_MAX 256
#define ERRANDS_PER_CLIENT 32
/* Turns (admitted): a client refused for a full pool keeps its turn while it asks again
 * within TURN_KEPT_MS (503 says Retry-After: 1), and at most TURNS_MAX clients have one. */
#define TURN_KEPT_MS 2000
#define TURNS_MAX 256

/* The hashing threads and their queue (auth.h, sf_auth_hash_submit); jobs queued or running
 * are counted per client.
 *
 * A hashing thread runs at the lowest priority (nice 19): a password hash is a third of a second
 * of CPU that nobody is waiting on but its one client, and on a small machine a flood of logins
 * would otherwise take the cores from every other request (issue 14, item 1: /healthz within
 * 50 ms during the flood). A hash then takes longer only while the cores have other work. So a
 * hashing thread holds no lock that anything else waits for: it only computes. (A login's
 * database work, which takes the connection pool's lock and holds a connection, runs on the
 * errands' pool: the same machinery at the normal priority, auth.h.) It waits for
 * its job on a semaphore of its own and says it is finished on the keeper's; one thread at the
 * normal priority, the keeper, does everything else under the pool's lock: it hands queued jobs
 * to idle hashing threads, calls `done` of the finished ones (which resumes their connections,
 * under libmicrohttpd's locks), and refuses a job no hashing thread has taken up by its
 * deadline. (When the hashing threads took the queue's lock and resumed connections themselves,
 * one preempted while holding a lock left an HTTP thread waiting on it behind the flood's
 * runnable threads: health checks took up to 88 ms during the test's flood.) */
typedef struct {
    struct hash_pool *pool;
    sem_t go;                      /* posted by the keeper with `job` set; by hash_pool_stop with it NULL */
    sf_hash_job *job;              /* under the pool's lock, but for the hashing thread's reads */
    atomic_int finished;           /* set by the hashing thread: job->result holds work's answer */
} hasher;

typedef struct hash_pool {
    pthread_mutex_t lock;
    sem_t poke;                    /* a job was queued or finished, or the pool must stop */
    sf_hash_job *head, *tail;
    hasher hashers[MAX_HASHERS];
    int hashers_started, keeper_started;
    pthread_t threads[MAX_HASHERS], keeper;
    int queued_or_running;
    int closed;                    /* sf_auth_hash_close: every submission refused */
    int stopping;
    int max_total, max_per_client, wait_ms;
    int nice;                      /* of its threads: 19 for hashes, 0 for errands */
    struct hold *holds;            /* places kept for jobs to come (sf_auth_hash_hold) */
    struct turn *turns;            /* clients waiting for a place, first refused first (admitted) */
    int turn_count;
} hash_pool;

/* A client refused for a full pool, whose turn comes when places free (admitted). */
struct turn {
    struct turn *next;
    struct timespec kept_until;   /* dropped unless the client asks again before */
    char client[64];
};

/* A place kept in a pool's queue for a client's job to come; counted as that client's job. */
struct hold {
    struct hold *next;
    char client[64];
};

struct sf_auth {
    unsigned char key[KEY_MAX];
    size_t key_len;
    jwt_alg_t alg;
    char *issuer;
    char *audience;
    int ttl_s;
    hash_pool hashing;
    hash_pool errands[SF_ERRAND_KINDS];   /* the same at the normal priority, a pool per kind of
                                           * database work (auth.h, sf_auth_errand_submit) */
    uint64_t generation;   /* names this key among every sf_auth the process made (verified_memo) */
};

static _Atomic uint64_t auth_generations;

int sf_random_bytes(unsigned char *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

static int read_key(const char *path, unsigned char *key, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(key, 1, KEY_MAX, f);
    int too_long = !feof(f);
    fclose(f);
    if (too_long)
        return -2;
    while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r' || key[n - 1] == ' '))
        n--;
    *len = n;
    return 0;
}

/* Writes a fresh random key to `path` unless it exists; O_EXCL makes a concurrent start by
 * another instance read the winner's key instead of overwriting it. */
static int generate_key(const char *dir, const char *path)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    unsigned char raw[GENERATED_KEY_BYTES];
    char text[GENERATED_KEY_BYTES * 2];
    if (sf_random_bytes(raw, sizeof raw) != 0)
        return -1;
    int len = EVP_EncodeBlock((unsigned char *)text, raw, sizeof raw);
    memset(raw, 0, sizeof raw);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    text[len++] = '\n';
    ssize_t w = write(fd, text, (size_t)len);
    memset(text, 0, sizeof text);
    if (close(fd) != 0 || w != len)
        return -1;
    return 0;
}

/* The digest of an HMAC algorithm (the only kind shifan signs with); NULL for any other. */
static const EVP_MD *hmac_digest(jwt_alg_t alg)
{
    switch (alg) {
    case JWT_ALG_HS256: return EVP_sha256();
    case JWT_ALG_HS384: return EVP_sha384();
    case JWT_ALG_HS512: return EVP_sha512();
    default: return NULL;
    }
}

/* The signature of `input` under the key; its length, or 0 if it could not be computed. */
static unsigned sign(const sf_auth *auth, const char *input, size_t len, unsigned char mac[EVP_MAX_MD_SIZE])
{
    unsigned mac_len = 0;
    if (HMAC(hmac_digest(auth->alg), auth->key, (int)auth->key_len, (const unsigned char *)input, len, mac,
             &mac_len) == NULL)
        return 0;
    return mac_len;
}

/* The queue's first job, taken off it; the pool's lock is held. */
static sf_hash_job *take_head(hash_pool *pool)
{
    sf_hash_job *job = pool->head;
    pool->head = job->next;
    if (pool->head == NULL)
        pool->tail = NULL;
    return job;
}

/* A pool's thread: runs what the keeper hands it, and nothing else (see hash_pool). */
static void *hash_thread(void *p)
{
    hasher *h = p;
    hash_pool *pool = h->pool;
    if (pool->nice != 0)
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), pool->nice);
    for (;;) {
        while (sem_wait(&h->go) != 0) {
        }
        sf_hash_job *job = h->job;   /* set before the post, cleared only after `finished` */
        if (job == NULL)
            break;
        job->result = job->work(job->arg);
        atomic_store(&h->finished, 1);
        sem_post(&pool->poke);
    }
    return NULL;
}

static int passed_at(const struct timespec *deadline, const struct timespec *now)
{
    return now->tv_sec > deadline->tv_sec || (now->tv_sec == deadline->tv_sec && now->tv_nsec >= deadline->tv_nsec);
}

static int passed(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return passed_at(deadline, &now);
}

/* Appends `job` with its outcome to the list whose last `next` is *last. */
static void settle(sf_hash_job ***last, sf_hash_job *job, sf_status status)
{
    job->status = status;
    job->next = NULL;
    **last = job;
    *last = &job->next;
}

/* One round of the keeper, under the pool's lock: the finished jobs taken back from their
 * hashing threads, the queue's jobs handed to the idle ones, and the jobs left queued past their
 * deadline (SHIFAN_HASH_WAIT_MS) refused. Answers the finished and refused jobs as a list, for
 * their `done` to be called without the lock. Every job waits as long, so the queue's head is
 * always the first to expire. */
static sf_hash_job *keep(hash_pool *pool)
{
    sf_hash_job *settled = NULL, **last = &settled;
    for (int i = 0; i < pool->hashers_started; i++) {
        hasher *h = &pool->hashers[i];
        if (h->job != NULL && atomic_load(&h->finished)) {
            sf_hash_job *job = h->job;
            h->job = NULL;
            atomic_store(&h->finished, 0);
            pool->queued_or_running--;
            settle(&last, job, SF_OK);
        }
    }
    for (int i = 0; i < pool->hashers_started && pool->head != NULL; i++) {
        hasher *h = &pool->hashers[i];
        if (h->job == NULL) {
            h->job = take_head(pool);
            sem_post(&h->go);
        }
    }
    while (pool->head != NULL && passed(&pool->head->deadline)) {
        pool->queued_or_running--;
        settle(&last, take_head(pool), SF_UNAVAILABLE);
    }
    return settled;
}

/* Calls `done` of each job of a list from keep(); a job is not touched after its `done`. */
static void call_done(sf_hash_job *job)
{
    while (job != NULL) {
        sf_hash_job *next = job->next;
        job->done(job->arg, job->status, job->result);
        job = next;
    }
}

static void *keeper_thread(void *p)
{
    hash_pool *pool = p;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        sf_hash_job *settled = keep(pool);
        int busy = 0;
        for (int i = 0; i < pool->hashers_started; i++)
            busy += pool->hashers[i].job != NULL;
        /* stopping, the queue is empty (sf_auth_hash_close): once nothing runs, nothing is owed */
        int stop = pool->stopping && busy == 0;
        int timed = pool->head != NULL;
        struct timespec deadline = timed ? pool->head->deadline : (struct timespec){0};
        pthread_mutex_unlock(&pool->lock);
        call_done(settled);
        if (stop)
            break;
        if (timed)
            (void)sem_clockwait(&pool->poke, CLOCK_MONOTONIC, &deadline);
        else
            (void)sem_wait(&pool->poke);
        pthread_mutex_lock(&pool->lock);
    }
    return NULL;
}

static int hash_pool_start(hash_pool *pool, const sf_config *config, int threads, int nice, int max_total,
                           int max_per_client)
{
    pthread_mutex_init(&pool->lock, NULL);
    sem_init(&pool->poke, 0, 0);
    pool->max_total = max_total;
    pool->max_per_client = max_per_client;
    pool->wait_ms = config->hash_wait_ms;
    pool->nice = nice;
    int n = threads < MAX_HASHERS ? threads : MAX_HASHERS;
    for (int i = 0; i < n; i++) {
        hasher *h = &pool->hashers[i];
        h->pool = pool;
        sem_init(&h->go, 0, 0);
        atomic_init(&h->finished, 0);
        if (pthread_create(&pool->threads[i], NULL, hash_thread, h) != 0) {
            sem_destroy(&h->go);
            return -1;
        }
        pool->hashers_started++;
    }
    if (pthread_create(&pool->keeper, NULL, keeper_thread, pool) != 0)
        return -1;
    pool->keeper_started = 1;
    return 0;
}

static void hash_pool_close(hash_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->closed = 1;
    sf_hash_job *queued = pool->head;
    for (sf_hash_job *j = queued; j != NULL; j = j->next)
        pool->queued_or_running--;
    pool->head = pool->tail = NULL;
    pthread_mutex_unlock(&pool->lock);
    while (queued != NULL) {
        sf_hash_job *next = queued->next;   /* read first: done() hands the job back */
        queued->done(queued->arg, SF_UNAVAILABLE, 0);
        queued = next;
    }
}

void sf_auth_hash_close(sf_auth *auth)
{
    hash_pool_close(&auth->hashing);
    for (int k = 0; k < SF_ERRAND_KINDS; k++)
        hash_pool_close(&auth->errands[k]);
}

/* The jobs running finish and are answered (the keeper waits for them), then every thread
 * ends. */
static void hash_pool_stop(hash_pool *pool)
{
    hash_pool_close(pool);
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_mutex_unlock(&pool->lock);
    sem_post(&pool->poke);
    if (pool->keeper_started)
        pthread_join(pool->keeper, NULL);
    for (int i = 0; i < pool->hashers_started; i++) {
        sem_post(&pool->hashers[i].go);   /* its job is NULL: it ends */
        pthread_join(pool->threads[i], NULL);
        sem_destroy(&pool->hashers[i].go);
    }
    while (pool->holds != NULL) {   /* none: every request ended before */
        struct hold *next = pool->holds->next;
        free(pool->holds);
        pool->holds = next;
    }
    while (pool->turns != NULL) {
        struct turn *next = pool->turns->next;
        free(pool->turns);
        pool->turns = next;
    }
    sem_destroy(&pool->poke);
    pthread_mutex_destroy(&pool->lock);
}

/* Jobs queued or running for `client`, and places kept for its jobs; the pool's lock is held. */
static int jobs_of(const hash_pool *pool, const char *client)
{
    int n = 0;
    for (const struct hold *h = pool->holds; h != NULL; h = h->next)
        n += strcmp(h->client, client) == 0;
    for (const sf_hash_job *j = pool->head; j != NULL; j = j->next)
        n += strcmp(j->client, client) == 0;
    for (int i = 0; i < pool->hashers_started; i++)
        n += pool->hashers[i].job != NULL && strcmp(pool->hashers[i].job->client, client) == 0;
    return n;
}

/* Whether a job of `client` is admitted now; the pool's lock is held. Under its own bound, a
 * client is admitted while the pool has a place free for it: places that free while others
 * wait go to them first, one client address at a time, in the order they were first refused
 * for a full pool. (First come, first served, a flood's clients, asking again the moment they
 * are answered, took every place that freed, and a login asking once a second could wait
 * through the whole flood: the http suite's test of it waited 60 s in vain.) A client keeps its
 * turn while it asks again within TURN_KEPT_MS, and turns keep at most half the places free
 * for those ahead (none of a pool of one): clients that went away (a flood that stopped) keep
 * no more than half the pool from the others, and for no longer than that. A client refused
 * for its own bound neither takes nor loses a turn. When TURNS_MAX clients hold turns, one
 * without a turn is served first come, first served, as before turns: it is not kept out by
 * those ahead it cannot join. */
static int admitted(hash_pool *pool, const char *client)
{
    if (pool->closed || jobs_of(pool, client) >= pool->max_per_client)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int ahead = 0;
    struct turn **t = &pool->turns;
    while (*t != NULL && strcmp((*t)->client, client) != 0) {
        struct turn *turn = *t;
        if (passed_at(&turn->kept_until, &now)) {
            *t = turn->next;
            free(turn);
            pool->turn_count--;
            continue;
        }
        ahead++;
        t = &turn->next;
    }
    struct turn *mine = *t;   /* the client's turn, or NULL with t at the list's end */
    int kept = ahead < pool->max_total / 2 ? ahead : pool->max_total / 2;
    if (mine == NULL && pool->turn_count >= TURNS_MAX)
        kept = 0;   /* no turn to be had: first come, first served, as without turns */
    if (pool->max_total - pool->queued_or_running > kept) {
        if (mine != NULL) {
            *t = mine->next;
            free(mine);
            pool->turn_count--;
        }
        return 1;
    }
    if (mine == NULL && pool->turn_count < TURNS_MAX && (mine = calloc(1, sizeof *mine)) != NULL) {
        snprintf(mine->client, sizeof mine->client, "%s", client);
        *t = mine;
        pool->turn_count++;
    }
    if (mine != NULL)
        mine->kept_until = sf_clock_after_ms(CLOCK_MONOTONIC, TURN_KEPT_MS);
    return 0;
}

int sf_auth_hash_hold(sf_auth *auth, const char *client)
{
    hash_pool *pool = &auth->hashing;
    struct hold *h = malloc(sizeof *h);
    if (h == NULL)
        return -2;
    snprintf(h->client, sizeof h->client, "%s", client ? client : "");
    pthread_mutex_lock(&pool->lock);
    int full = !admitted(pool, h->client);
    if (!full) {
        h->next = pool->holds;
        pool->holds = h;
        pool->queued_or_running++;
    }
    pthread_mutex_unlock(&pool->lock);
    if (full)
        free(h);
    return full ? -1 : 0;
}

/* Gives up a place `client` kept (any: they are alike); the pool's lock is held. */
static void unhold(hash_pool *pool, const char *client)
{
    for (struct hold **h = &pool->holds; *h != NULL; h = &(*h)->next) {
        if (strcmp((*h)->client, client) == 0) {
            struct hold *gone = *h;
            *h = gone->next;
            free(gone);
            pool->queued_or_running--;
            return;
        }
    }
}

void sf_auth_hash_unhold(sf_auth *auth, const char *client)
{
    hash_pool *pool = &auth->hashing;
    pthread_mutex_lock(&pool->lock);
    unhold(pool, client ? client : "");
    pthread_mutex_unlock(&pool->lock);
}

/* `held`: the job takes the place sf_auth_hash_hold kept for it, whatever the answer. */
static sf_status pool_submit(hash_pool *pool, int held, const char *client, sf_hash_job *job,
                             int (*work)(void *arg), void (*done)(void *arg, sf_status status, int result),
                             void *arg)
{
    *job = (sf_hash_job){.work = work, .done = done, .arg = arg};
    snprintf(job->client, sizeof job->client, "%s", client ? client : "");
    job->deadline = sf_clock_after_ms(CLOCK_MONOTONIC, pool->wait_ms);
    pthread_mutex_lock(&pool->lock);
    if (held)
        unhold(pool, job->client);   /* the place becomes the job's */
    if (held ? pool->closed : !admitted(pool, job->client)) {
        pthread_mutex_unlock(&pool->lock);
        return SF_UNAVAILABLE;
    }
    pool->queued_or_running++;
    if (pool->tail != NULL)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pthread_mutex_unlock(&pool->lock);
    sem_post(&pool->poke);
    return SF_OK;
}

sf_status sf_auth_hash_submit(sf_auth *auth, const char *client, sf_hash_job *job, int (*work)(void *arg),
                              void (*done)(void *arg, sf_status status, int result), void *arg)
{
    return pool_submit(&auth->hashing, 0, client, job, work, done, arg);
}

sf_status sf_auth_hash_submit_held(sf_auth *auth, const char *client, sf_hash_job *job, int (*work)(void *arg),
                                   void (*done)(void *arg, sf_status status, int result), void *arg)
{
    return pool_submit(&auth->hashing, 1, client, job, work, done, arg);
}

sf_status sf_auth_errand_submit(sf_auth *auth, sf_errand_kind kind, const char *client, sf_hash_job *job,
                                int (*work)(void *arg), void (*done)(void *arg, sf_status status, int result),
                                void *arg)
{
    return pool_submit(&auth->errands[kind], 0, client, job, work, done, arg);
}

sf_auth *sf_auth_create(const sf_config *config)
{
    sf_auth *auth = calloc(1, sizeof *auth);
    if (auth == NULL)
        return NULL;
    auth->generation = atomic_fetch_add(&auth_generations, 1) + 1;
    char path[4096];
    if (config->jwt_key_file != NULL) {
        snprintf(path, sizeof path, "%s", config->jwt_key_file);
    } else {
        snprintf(path, sizeof path, "%s/jwt.key", config->data_dir);
        if (generate_key(config->data_dir, path) != 0) {
            fprintf(stderr, "shifan: cannot create the JWT key under SHIFAN_DATA_DIR\n");
            free(auth);
            return NULL;
        }
    }
    int r = read_key(path, auth->key, &auth->key_len);
    if (r != 0 || auth->key_len < KEY_MIN) {
        fprintf(stderr, "shifan: the JWT key file %s; it must hold at least %d random bytes\n",
                r == -1 ? "cannot be read" : r == -2 ? "is too long" : "is too short", KEY_MIN);
        sf_auth_destroy(auth);
        return NULL;
    }
    auth->alg = jwt_str_alg(config->jwt_algorithm);
    auth->issuer = strdup(config->jwt_issuer);
    auth->audience = strdup(config->jwt_audience);
    auth->ttl_s = config->token_ttl_s;
    int started = hmac_digest(auth->alg) != NULL && auth->issuer && auth->audience &&
                  hash_pool_start(&auth->hashing, config, config->hash_concurrency, 19, config->hash_queue,
                                  config->hash_queue_per_client) == 0;
    for (int k = 0; k < SF_ERRAND_KINDS && started; k++)
        started = hash_pool_start(&auth->errands[k], config, k == SF_ERRAND_LOGIN ? config->hash_concurrency : 1, 0,
                                  ERRANDS_QUEUED_MAX, ERRANDS_PER_CLIENT) == 0;
    if (!started) {
        sf_auth_destroy(auth);
        return NULL;
    }
    return auth;
}

void sf_auth_destroy(sf_auth *auth)
{
    if (auth == NULL)
        return;
    memset(auth->key, 0, sizeof auth->key);
    free(auth->issuer);
    free(auth->audience);
    if (auth->hashing.max_total > 0)
        hash_pool_stop(&auth->hashing);
    for (int k = 0; k < SF_ERRAND_KINDS; k++)
        if (auth->errands[k].max_total > 0)
            hash_pool_stop(&auth->errands[k]);
    free(auth);
}

static void new_uuid(char out[37])
{
    unsigned char b[16];
    sf_random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* The base64url of `value`'s compact JSON text appended at `out`; the new end, or NULL. */
static char *append_json(char *out, const char *end, json_t *value)
{
    char *text = value ? sf_json_dumps(value, JSON_COMPACT) : NULL;
    json_decref(value);
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    char *next = NULL;
    if ((size_t)(end - out) > 4 * ((len + 2) / 3) + 1)
        next = out + sf_base64url_encode((const unsigned char *)text, len, out);
    free(text);
    return next;
}

/* The payload of a token for `caller`; a new reference, or NULL. `password_change_required`
 * is there only when true. */
static json_t *claims_of(const sf_auth *auth, const sf_caller *caller, const char *sub, long long now,
                         long long expires_at)
{
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:s}", "iss", auth->issuer, "aud",
                               auth->audience, "sub", sub, "org", (json_int_t)caller->org_id, "role",
                               sf_role_name(caller->role), "region", caller->region_code, "iat", (json_int_t)now,
                               "exp", (json_int_t)expires_at, "jti", caller->jti, "sid", caller->sid);
    if (claims != NULL && caller->password_change_required &&
        json_object_set_new(claims, "password_change_required", json_true()) != 0) {
        json_decref(claims);
        return NULL;
    }
    return claims;
}

/* Issued here rather than by libjwt: libjwt 1.10's jwt_encode_str does not check what
 * Jansson returns, and dereferences NULL when memory runs out. */
int sf_auth_issue(sf_auth *auth, sf_caller *caller, long long now, char **token, long long *expires_at)
{
    char sub[24];
    *token = NULL;
    new_uuid(caller->jti);
    snprintf(sub, sizeof sub, "%lld", (long long)caller->user_id);
    *expires_at = now + auth->ttl_s;
    size_t cap = 4096;
    char *text = malloc(cap);
    if (text == NULL)
        return -1;
    char *end = append_json(text, text + cap, json_pack("{s:s, s:s}", "alg", jwt_alg_str(auth->alg), "typ", "JWT"));
    if (end != NULL) {
        *end++ = '.';
        end = append_json(end, text + cap,
                          claims_of(auth, caller, sub, now, *expires_at));
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = end != NULL ? sign(auth, text, (size_t)(end - text), mac) : 0;
    if (mac_len == 0 || (size_t)(text + cap - end) < 2 + 4 * ((mac_len + 2) / 3)) {
        free(text);
        return -1;
    }
    *end++ = '.';
    sf_base64url_encode(mac, mac_len, end);
    *token = text;
    return 0;
}

void sf_auth_free_token(char *token)
{
    free(token);
}

static int is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return 1;
}

static int is_decimal_id(const char *s)
{
    if (s == NULL || s[0] == '\0' || s[0] == '0' || strlen(s) > 18)
        return 0;
    return strspn(s, "0123456789") == strlen(s);
}

/* Decodes one base64url segment of a token into a JSON object, refusing duplicate keys
 * (libjwt reads header and payload with the last duplicate winning). NULL if it is not one,
 * or (with *no_memory set) if memory ran out. */
static json_t *segment_object(const char *seg, size_t len, int *no_memory)
{
    unsigned char raw[3100];
    int out_of_memory = 0;
    long n = sf_base64url_decode(seg, len, raw, sizeof raw);
    json_t *obj = n > 0 ? sf_json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL, &out_of_memory)
                        : NULL;
    if (out_of_memory)
        *no_memory = 1;
    if (!json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* RFC 8725: the token's own text. The header is a JSON object with no duplicate key whose
 * "alg" is exactly the configured algorithm's name and with no "crit" (RFC 7515 §4.1.11: a
 * token naming extensions that must be understood is refused, and shifan understands none);
 * the payload is an object with no
 * duplicate key whose time claims are integers when present. Returns the payload (the
 * caller's to json_decref), or NULL, with *no_memory set when memory ran out before the text
 * could be judged. */
static json_t *strict_payload(const sf_auth *auth, const char *token, int *no_memory)
{
    const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
        return NULL;
    json_t *header = segment_object(token, (size_t)(dot1 - token), no_memory);
    json_t *payload = segment_object(dot1 + 1, (size_t)(dot2 - dot1 - 1), no_memory);
    const char *alg = json_string_value(json_object_get(header, "alg"));
    int ok = header != NULL && payload != NULL && alg != NULL && strcmp(alg, jwt_alg_str(auth->alg)) == 0 &&
             json_object_get(header, "crit") == NULL;
    static const char *const times[] = {"exp", "iat", "nbf", "org"};
    for (size_t i = 0; ok && i < sizeof times / sizeof *times; i++) {
        json_t *v = json_object_get(payload, times[i]);
        ok = v == NULL || json_is_integer(v);
    }
    json_decref(header);
    if (!ok) {
        json_decref(payload);
        return NULL;
    }
    return payload;
}

/* Whether the token's signature is the key's over its first two segments, compared as text
 * (so a signature with other trailing bits, which decodes alike, is refused); -1 if it could
 * not be computed. */
static int signature_matches(const sf_auth *auth, const char *token)
{
    const char *dot2 = strrchr(token, '.');
    unsigned char mac[EVP_MAX_MD_SIZE];
    char expected[4 * (EVP_MAX_MD_SIZE + 2) / 3 + 2];
    unsigned mac_len = sign(auth, token, (size_t)(dot2 - token), mac);
    if (mac_len == 0)
        return -1;
    size_t n = sf_base64url_encode(mac, mac_len, expected);
    return strlen(dot2 + 1) == n && CRYPTO_memcmp(dot2 + 1, expected, n) == 0;
}

/* Read here rather than by libjwt: libjwt 1.10 says EINVAL alike for a bad token and for
 * running out of memory, and when Jansson ran out inside jwt_decode it was seen to succeed
 * with part of the token unread (a valid token then answered 401). */
/* The tokens a thread verified last (issue 18, point 5). A request's token was verified
 * twice — when its headers arrived (api/server.c, early_access) and by the dispatcher — and a
 * client sends the same token on each request: each verification decoded and parsed both
 * segments and computed an HMAC (OpenSSL fetching the digest anew each time), 11-16 % of an
 * authenticated read's CPU. What a verification found is a function of the token's text and
 * the key alone, except for the time claims, which are judged again at each use exactly as
 * below; so a token whose very text verified under the same key is taken as it was. Nothing
 * about sessions or revocation is kept: the database decides those on every request. The
 * text is compared in constant time (CRYPTO_memcmp), the length being no secret. */
#define MEMO_SLOTS 4
#define MEMO_TOKEN_MAX 1024
typedef struct {
    uint64_t generation;   /* of the sf_auth that verified it; 0: the slot is empty */
    size_t len;
    char token[MEMO_TOKEN_MAX];
    long long exp, iat, nbf;
    int has_nbf;
    sf_caller caller;      /* the fields sf_auth_verify sets */
} verified_memo;
static _Thread_local verified_memo memo[MEMO_SLOTS];
static _Thread_local unsigned memo_next;

/* The time claims, judged at `now` (the only part of a verification that changes). */
static int times_hold(const sf_auth *auth, long long now, long long exp, long long iat, int has_nbf, long long nbf)
{
    return now < exp && iat <= now + LEEWAY_S && (!has_nbf || nbf <= now + LEEWAY_S) &&
           exp <= iat + auth->ttl_s;   /* iat is at most now + LEEWAY_S here: no overflow */
}

static const verified_memo *memo_find(const sf_auth *auth, const char *token, size_t len)
{
    for (int i = 0; i < MEMO_SLOTS; i++)
        if (memo[i].generation == auth->generation && memo[i].len == len &&
            CRYPTO_memcmp(memo[i].token, token, len) == 0)
            return &memo[i];
    return NULL;
}

static void memo_keep(const sf_auth *auth, const char *token, size_t len, const sf_caller *caller, long long exp,
                      long long iat, int has_nbf, long long nbf)
{
    if (len >= MEMO_TOKEN_MAX)
        return;
    verified_memo *m = &memo[memo_next++ % MEMO_SLOTS];
    m->generation = auth->generation;
    m->len = len;
    memcpy(m->token, token, len);
    m->exp = exp;
    m->iat = iat;
    m->nbf = nbf;
    m->has_nbf = has_nbf;
    m->caller = *caller;
}

static void copy_verified(const sf_caller *from, sf_caller *to)
{
    to->user_id = from->user_id;
    to->org_id = from->org_id;
    to->role = from->role;
    memcpy(to->region_code, from->region_code, sizeof to->region_code);
    memcpy(to->jti, from->jti, sizeof to->jti);
    memcpy(to->sid, from->sid, sizeof to->sid);
    to->password_change_required = from->password_change_required;
}

sf_status sf_auth_verify(sf_auth *auth, const char *token, long long now, sf_caller *caller,
                         long long *expires_at)
{
    int no_memory = 0;
    if (token == NULL || strlen(token) > 4096)
        return SF_INVALID;
    size_t len = strlen(token);
    const verified_memo *seen = memo_find(auth, token, len);
    if (seen != NULL) {
        if (!times_hold(auth, now, seen->exp, seen->iat, seen->has_nbf, seen->nbf))
            return SF_INVALID;
        copy_verified(&seen->caller, caller);
        *expires_at = seen->exp;
        return SF_OK;
    }
    json_t *payload = strict_payload(auth, token, &no_memory);
    if (payload == NULL)
        return no_memory ? SF_INTERNAL : SF_INVALID;
    sf_status status = SF_INVALID;
    int signed_by_us = signature_matches(auth, token);
    if (signed_by_us != 1) {
        status = signed_by_us < 0 ? SF_INTERNAL : SF_INVALID;
        goto out;
    }
    json_t *exp = json_object_get(payload, "exp"), *iat = json_object_get(payload, "iat");
    json_t *nbf = json_object_get(payload, "nbf"), *org = json_object_get(payload, "org");
    /* no token lives longer than shifan issues them for, whoever holds the key (issue 14, 5) */
    if (exp == NULL || iat == NULL ||
        !times_hold(auth, now, json_integer_value(exp), json_integer_value(iat), nbf != NULL, json_integer_value(nbf)))
        goto out;
    const char *iss = json_string_value(json_object_get(payload, "iss"));
    const char *aud = json_string_value(json_object_get(payload, "aud"));
    if (iss == NULL || strcmp(iss, auth->issuer) != 0 || aud == NULL || strcmp(aud, auth->audience) != 0)
        goto out;
    const char *sub = json_string_value(json_object_get(payload, "sub"));
    const char *role = json_string_value(json_object_get(payload, "role"));
    const char *region = json_string_value(json_object_get(payload, "region"));
    const char *jti = json_string_value(json_object_get(payload, "jti"));
    const char *sid = json_string_value(json_object_get(payload, "sid"));
    json_t *must_change = json_object_get(payload, "password_change_required");
    if (!is_decimal_id(sub) || org == NULL || json_integer_value(org) <= 0 || sf_role_parse(role) == SF_ROLE_NONE ||
        region == NULL || strlen(region) != 6 || !is_uuid(jti) || !is_uuid(sid) ||
        (must_change != NULL && !json_is_boolean(must_change)))
        goto out;
    caller->user_id = strtoll(sub, NULL, 10);
    caller->org_id = json_integer_value(org);
    caller->role = sf_role_parse(role);
    snprintf(caller->region_code, sizeof caller->region_code, "%s", region);
    snprintf(caller->jti, sizeof caller->jti, "%s", jti);
    snprintf(caller->sid, sizeof caller->sid, "%s", sid);
    caller->password_change_required = json_is_true(must_change);
    *expires_at = json_integer_value(exp);
    memo_keep(auth, token, len, caller, json_integer_value(exp), json_integer_value(iat), nbf != NULL,
              json_integer_value(nbf));
    status = SF_OK;
out:
    json_decref(payload);
    return status;
}

/* `prefix` and 32 random bytes in base64url into `token` (len + 1 bytes); 0 or -1. */
static int new_secret(const char *prefix_text, size_t len, char *token)
{
    unsigned char raw[32];
    char b64[48];
    if (sf_random_bytes(raw, sizeof raw) != 0)
        return -1;
    size_t n = sf_base64url_encode(raw, sizeof raw, b64);
    memset(raw, 0, sizeof raw);
    size_t prefix = strlen(prefix_text);
    if (prefix + n != len)
        return -1;
    memcpy(token, prefix_text, prefix);
    memcpy(token + prefix, b64, n + 1);
    memset(b64, 0, sizeof b64);
    return 0;
}

int sf_api_token_new(char token[SF_API_TOKEN_LEN + 1])
{
    return new_secret(SF_API_TOKEN_PREFIX, SF_API_TOKEN_LEN, token);
}

int sf_refresh_token_new(char token[SF_REFRESH_TOKEN_LEN + 1])
{
    return new_secret(SF_REFRESH_TOKEN_PREFIX, SF_REFRESH_TOKEN_LEN, token);
}

void sf_api_token_hash(const char *token, char hash[65])
{
    sf_sha256_hex(token, strlen(token), hash);
}
