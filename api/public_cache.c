/*
 * The public registry in memory (see public_cache.h): two direct-mapped tables of held
 * answers — entries by platform id, list pages by a hash of the URL — under one read-write
 * lock, and the thread that listens for the registry's notifications.
 */
#include "api/public_cache.h"
#include "persistence/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "persistence/registry.h"

#define ENTRY_SLOTS 65536
#define PAGE_SLOTS 1024
#define MAX_KEY 1024
#define CHECK_EVERY_MS 1000     /* the listening connection's check, and its reply's timeout */
#define RETRY_MAX_MS 2000

struct sf_public_cache {
    pthread_rwlock_t lock;
    size_t budget, used;
    /* under the lock */
    sf_cached **entries;
    sf_cached *pages[PAGE_SLOTS];
    long nentries, npages;
    size_t hand;                /* where eviction looks next */
    int listening;
    int from_before_loss;       /* not listening, and what is kept was read before the loss */
    int32_t day;
    int64_t version;
    /* bumped (under the write lock) by every invalidation: a ticket older than it keeps nothing */
    _Atomic uint64_t seq;
    atomic_ulong hits, misses, notifications, resets;
    /* the listening thread */
    char *conninfo;
    pthread_t thread;
    int started;
    int wake[2];                /* written to stop the thread */
    atomic_int stopping;
};

static size_t page_slot(const char *key)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % PAGE_SLOTS);
}

static size_t entry_slot(int64_t id)
{
    return (size_t)((uint64_t)id * 11400714819323198485ULL >> 48) % ENTRY_SLOTS;
}

void sf_cached_release(sf_cached *answer)
{
    sf_cached *a = answer;
    if (a != NULL && atomic_fetch_sub(&a->refs, 1) == 1) {
        free(a->key);
        free(a);
    }
}

/* Under the write lock. */
static void drop(sf_public_cache *c, sf_cached **slot)
{
    sf_cached *a = *slot;
    if (a == NULL)
        return;
    c->used -= a->cost;
    if (a->id > 0)
        c->nentries--;
    else
        c->npages--;
    *slot = NULL;
    sf_cached_release(a);
}

static void drop_pages(sf_public_cache *c)
{
    for (size_t i = 0; i < PAGE_SLOTS; i++)
        drop(c, &c->pages[i]);
}

static void drop_all(sf_public_cache *c)
{
    drop_pages(c);
    if (c->nentries > 0)
        for (size_t i = 0; i < ENTRY_SLOTS; i++)
            drop(c, &c->entries[i]);
    atomic_fetch_add(&c->seq, 1);
}

static void *listen_loop(void *arg);

sf_public_cache *sf_public_cache_create(size_t budget_bytes, const char *conninfo)
{
    if (budget_bytes == 0)
        return NULL;
    sf_public_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->entries = calloc(ENTRY_SLOTS, sizeof *c->entries);
    c->wake[0] = c->wake[1] = -1;
    /* writers first: under a flood of hits a notification must not wait for a gap */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int locked = pthread_rwlock_init(&c->lock, &attr) == 0;
    pthread_rwlockattr_destroy(&attr);
    if (c->entries == NULL || !locked) {
        free(c->entries);
        free(c);
        return NULL;
    }
    c->budget = budget_bytes;
    atomic_init(&c->seq, 1);
    if (conninfo != NULL) {
        c->conninfo = strdup(conninfo);
        if (c->conninfo == NULL || pipe(c->wake) != 0 || pthread_create(&c->thread, NULL, listen_loop, c) != 0) {
            sf_public_cache_destroy(c);
            return NULL;
        }
        c->started = 1;
    }
    return c;
}

void sf_public_cache_destroy(sf_public_cache *c)
{
    if (c == NULL)
        return;
    if (c->started) {
        atomic_store(&c->stopping, 1);
        ssize_t w = write(c->wake[1], "x", 1);
        (void)w;
        pthread_join(c->thread, NULL);
    }
    if (c->wake[0] >= 0) {
        close(c->wake[0]);
        close(c->wake[1]);
    }
    pthread_rwlock_wrlock(&c->lock);
    drop_all(c);
    pthread_rwlock_unlock(&c->lock);
    pthread_rwlock_destroy(&c->lock);
    free(c->entries);
    free(c->conninfo);
    free(c);
}

uint64_t sf_public_cache_ticket(sf_public_cache *c)
{
    if (c == NULL)
        return 0;
    pthread_rwlock_rdlock(&c->lock);
    uint64_t t = atomic_load(&c->seq);   /* while not listening too: sf_public_cache_keep_* */
    pthread_rwlock_unlock(&c->lock);
    return t;
}

static sf_cached *hold(sf_public_cache *c, sf_cached *a, int fallback)
{
    if (a != NULL && (c->listening || fallback)) {
        atomic_fetch_add(&a->refs, 1);
        return a;
    }
    return NULL;
}

sf_cached *sf_public_cache_entry(sf_public_cache *c, int64_t id, int fallback)
{
    if (c == NULL)
        return NULL;
    pthread_rwlock_rdlock(&c->lock);
    sf_cached *a = c->entries[entry_slot(id)];
    sf_cached *held = hold(c, a != NULL && a->id == id ? a : NULL, fallback);
    pthread_rwlock_unlock(&c->lock);
    atomic_fetch_add(held ? &c->hits : &c->misses, 1);
    return held;
}

sf_cached *sf_public_cache_page(sf_public_cache *c, const char *url, int fallback)
{
    if (c == NULL || strlen(url) > MAX_KEY)
        return NULL;
    pthread_rwlock_rdlock(&c->lock);
    sf_cached *a = c->pages[page_slot(url)];
    sf_cached *held = hold(c, a != NULL && strcmp(a->key, url) == 0 ? a : NULL, fallback);
    pthread_rwlock_unlock(&c->lock);
    atomic_fetch_add(held ? &c->hits : &c->misses, 1);
    return held;
}

/* The database answered while the cache was not listening: it may have committed changes that
 * no notification told of, so what was kept before the loss is no fallback any more (from an
 * outside review: a change made by hand while the listener was down was hidden again by the old
 * answer once the database stopped). Under the write lock. */
static void forget_before_loss(sf_public_cache *c)
{
    if (!c->listening && c->from_before_loss) {
        drop_all(c);
        c->from_before_loss = 0;
    }
}

/* Files `a` in its slot if the ticket still holds, making room by evicting from a moving
 * hand; takes `a` either way. */
static void keep(sf_public_cache *c, uint64_t ticket, sf_cached **(*slot_of)(sf_public_cache *, const sf_cached *),
                 sf_cached *a)
{
    pthread_rwlock_wrlock(&c->lock);
    if (ticket == atomic_load(&c->seq)) {
        forget_before_loss(c);
        sf_cached **slot = slot_of(c, a);
        drop(c, slot);
        for (size_t n = 0; n < ENTRY_SLOTS + PAGE_SLOTS && c->used + a->cost > c->budget; n++) {
            size_t i = c->hand++ % (ENTRY_SLOTS + PAGE_SLOTS);
            drop(c, i < ENTRY_SLOTS ? &c->entries[i] : &c->pages[i - ENTRY_SLOTS]);
        }
        if (c->used + a->cost <= c->budget) {
            *slot = a;
            c->used += a->cost;
            if (a->id > 0)
                c->nentries++;
            else
                c->npages++;
            a = NULL;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    sf_cached_release(a);
}

void sf_public_cache_answered(sf_public_cache *c)
{
    if (c == NULL)
        return;
    pthread_rwlock_rdlock(&c->lock);
    int stale = c->from_before_loss;
    pthread_rwlock_unlock(&c->lock);
    if (!stale)
        return;
    pthread_rwlock_wrlock(&c->lock);
    forget_before_loss(c);
    pthread_rwlock_unlock(&c->lock);
}

static sf_cached **entry_slot_of(sf_public_cache *c, const sf_cached *a)
{
    return &c->entries[entry_slot(a->id)];
}

static sf_cached **page_slot_of(sf_public_cache *c, const sf_cached *a)
{
    return &c->pages[page_slot(a->key)];
}

static sf_cached *answer(size_t len, const char *body)
{
    sf_cached *a = malloc(sizeof *a + len + 1);
    if (a == NULL)
        return NULL;
    memset(a, 0, sizeof *a);
    atomic_init(&a->refs, 1);
    a->len = len;
    memcpy(a->body, body, len);
    a->body[len] = '\0';
    a->cost = sizeof *a + len + 1;
    return a;
}

void sf_public_cache_keep_entry(sf_public_cache *c, uint64_t ticket, int64_t id, const char *body, size_t len,
                                const char *etag)
{
    if (c == NULL || ticket == 0 || id <= 0 || len > c->budget / 16)
        return;
    sf_cached *a = answer(len, body);
    if (a == NULL)
        return;
    a->id = id;
    snprintf(a->etag, sizeof a->etag, "%s", etag);
    keep(c, ticket, entry_slot_of, a);
}

void sf_public_cache_keep_page(sf_public_cache *c, uint64_t ticket, const char *url, const char *body, size_t len)
{
    size_t klen = url ? strlen(url) : MAX_KEY + 1;
    if (c == NULL || ticket == 0 || klen > MAX_KEY || klen + len > c->budget / 16)
        return;
    sf_cached *a = answer(len, body);
    if (a == NULL)
        return;
    a->key = strdup(url);
    if (a->key == NULL) {
        sf_cached_release(a);
        return;
    }
    a->cost += klen + 1;
    keep(c, ticket, page_slot_of, a);
}

void sf_public_cache_connected(sf_public_cache *c, int32_t day, int64_t version)
{
    pthread_rwlock_wrlock(&c->lock);
    drop_all(c);
    c->day = day;
    c->version = version;
    c->listening = 1;
    c->from_before_loss = 0;
    pthread_rwlock_unlock(&c->lock);
    atomic_fetch_add(&c->resets, 1);
}

void sf_public_cache_lost(sf_public_cache *c)
{
    pthread_rwlock_wrlock(&c->lock);
    if (c->listening)
        c->from_before_loss = 1;
    c->listening = 0;
    atomic_fetch_add(&c->seq, 1);
    pthread_rwlock_unlock(&c->lock);
}

void sf_public_cache_day(sf_public_cache *c, int32_t day)
{
    pthread_rwlock_wrlock(&c->lock);
    if (day != c->day) {
        drop_all(c);
        c->day = day;
    }
    pthread_rwlock_unlock(&c->lock);
}

void sf_public_cache_notified(sf_public_cache *c, const char *payload)
{
    char *end;
    errno = 0;
    long long version = strtoll(payload, &end, 10);
    int ok = errno == 0 && end != payload && *end == ' ';
    pthread_rwlock_wrlock(&c->lock);
    drop_pages(c);
    if (!ok || strcmp(end + 1, "*") == 0) {
        drop_all(c);
    } else {
        for (const char *p = end + 1; *p;) {
            long long id = strtoll(p, &end, 10);
            if (end == p || (*end != ',' && *end != '\0')) {   /* not ours: assume the worst */
                drop_all(c);
                break;
            }
            sf_cached **slot = &c->entries[entry_slot(id)];
            if (*slot != NULL && (*slot)->id == id)
                drop(c, slot);
            p = *end == ',' ? end + 1 : end;
        }
    }
    atomic_fetch_add(&c->seq, 1);
    if (ok && version > c->version)
        c->version = version;
    pthread_rwlock_unlock(&c->lock);
    atomic_fetch_add(&c->notifications, 1);
}

void sf_public_cache_get_stats(sf_public_cache *c, sf_public_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (c == NULL)
        return;
    pthread_rwlock_rdlock(&c->lock);
    out->listening = c->listening;
    out->version = c->version;
    out->entries = c->nentries;
    out->pages = c->npages;
    out->bytes = c->used;
    pthread_rwlock_unlock(&c->lock);
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->notifications = atomic_load(&c->notifications);
    out->resets = atomic_load(&c->resets);
}

/* ---- the listening thread ---- */

static void heard(void *arg, const char *payload)
{
    sf_public_cache_notified(arg, payload);
}

static void *listen_loop(void *arg)
{
    sf_public_cache *c = arg;
    sf_registry_listener *l = NULL;
    int retry_ms = 100;
    long long next_check = 0;
    while (!atomic_load(&c->stopping)) {
        if (l == NULL) {
            int32_t day;
            int64_t version;
            l = sf_registry_listen(c->conninfo, &day, &version);
            if (l == NULL) {
                struct pollfd stop = {c->wake[0], POLLIN, 0};
                if (poll(&stop, 1, retry_ms) != 0)
                    break;
                retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
                continue;
            }
            sf_public_cache_connected(c, day, version);
            retry_ms = 100;
            next_check = sf_monotonic_ms() + CHECK_EVERY_MS;
        }
        /* notifications as they come; every CHECK_EVERY_MS the date — which also finds a
         * connection that died without a word */
        int sound = sf_registry_listener_wait(l, c->wake[0], (int)(next_check - sf_monotonic_ms()), heard, c);
        if (sound == 1 && sf_monotonic_ms() >= next_check) {
            int32_t day;
            sound = sf_registry_listener_check(l, c->wake[0], CHECK_EVERY_MS, &day, heard, c);
            if (sound == 1)
                sf_public_cache_day(c, day);
            next_check = sf_monotonic_ms() + CHECK_EVERY_MS;
        }
        if (sound < 0)
            break;
        if (sound == 0) {
            sf_public_cache_lost(c);
            fprintf(stderr, "{\"level\":\"warn\",\"event\":\"registry_listener_lost\"}\n");
            sf_registry_listener_close(l);
            l = NULL;
        }
    }
    sf_public_cache_lost(c);
    sf_registry_listener_close(l);
    return NULL;
}
