/*
 * The statistics in memory (see statistics_cache.h): a list of held documents in order of
 * use, most recent first, under one mutex. A few dozen entries at most: a lookup walks the
 * list.
 */
#include "api/statistics_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "persistence/clock.h"

struct sf_statistics_cache {
    pthread_mutex_t lock;
    size_t budget, used;
    long max_entries, entries;
    sf_statistics_doc *head, *tail;   /* under the lock */
    char *counting[SF_STATISTICS_CLAIMS];   /* the keys being counted (claimed), under the lock */
    pthread_cond_t counted;           /* signalled when a claim ends */
    atomic_ulong hits, misses, waits;
};

sf_statistics_doc *sf_statistics_doc_new(const char *key, int64_t version, const char *json, size_t json_len,
                                         const char *json_etag, const char *csv, size_t csv_len,
                                         const char *csv_etag)
{
    size_t klen = strlen(key);
    size_t cost = sizeof(sf_statistics_doc) + klen + 1 + json_len + 1 + csv_len + 1;
    sf_statistics_doc *d = malloc(cost);
    if (d == NULL)
        return NULL;
    memset(d, 0, sizeof *d);
    atomic_init(&d->refs, 1);
    d->version = version;
    d->cost = cost;
    char *p = d->data;
    memcpy(p, key, klen + 1);
    d->key = p;
    p += klen + 1;
    memcpy(p, json, json_len);
    p[json_len] = '\0';
    d->json = p;
    d->json_len = json_len;
    p += json_len + 1;
    memcpy(p, csv, csv_len);
    p[csv_len] = '\0';
    d->csv = p;
    d->csv_len = csv_len;
    strncpy(d->json_etag, json_etag, sizeof d->json_etag - 1);
    strncpy(d->csv_etag, csv_etag, sizeof d->csv_etag - 1);
    return d;
}

void sf_statistics_doc_release(sf_statistics_doc *doc)
{
    if (doc != NULL && atomic_fetch_sub(&doc->refs, 1) == 1)
        free(doc);
}

sf_statistics_cache *sf_statistics_cache_create(size_t budget_bytes, long max_entries)
{
    if (budget_bytes == 0 || max_entries <= 0)
        return NULL;
    sf_statistics_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int cond = pthread_cond_init(&c->counted, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!cond) {
        free(c);
        return NULL;
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        pthread_cond_destroy(&c->counted);
        free(c);
        return NULL;
    }
    c->budget = budget_bytes;
    c->max_entries = max_entries;
    return c;
}

/* Under the lock. */
static void unlink_doc(sf_statistics_cache *c, sf_statistics_doc *d)
{
    if (d->prev)
        d->prev->next = d->next;
    else
        c->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        c->tail = d->prev;
    d->prev = d->next = NULL;
}

static void push_front(sf_statistics_cache *c, sf_statistics_doc *d)
{
    d->prev = NULL;
    d->next = c->head;
    if (c->head)
        c->head->prev = d;
    c->head = d;
    if (c->tail == NULL)
        c->tail = d;
}

static void drop(sf_statistics_cache *c, sf_statistics_doc *d)
{
    unlink_doc(c, d);
    c->used -= d->cost;
    c->entries--;
    sf_statistics_doc_release(d);
}

void sf_statistics_cache_destroy(sf_statistics_cache *c)
{
    if (c == NULL)
        return;
    while (c->head)
        drop(c, c->head);
    for (int i = 0; i < SF_STATISTICS_CLAIMS; i++)
        free(c->counting[i]);
    pthread_cond_destroy(&c->counted);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static sf_statistics_doc *find(sf_statistics_cache *c, const char *key)
{
    for (sf_statistics_doc *d = c->head; d; d = d->next)
        if (strcmp(d->key, key) == 0)
            return d;
    return NULL;
}

sf_statistics_doc *sf_statistics_cache_get(sf_statistics_cache *c, const char *key, int64_t version)
{
    if (c == NULL)
        return NULL;
    sf_statistics_doc *held = NULL;
    pthread_mutex_lock(&c->lock);
    sf_statistics_doc *d = find(c, key);
    if (d != NULL && d->version == version) {
        unlink_doc(c, d);
        push_front(c, d);
        atomic_fetch_add(&d->refs, 1);
        held = d;
    } else if (d != NULL && d->version < version) {
        drop(c, d);
    }
    pthread_mutex_unlock(&c->lock);
    atomic_fetch_add(held ? &c->hits : &c->misses, 1);
    return held;
}

void sf_statistics_cache_keep(sf_statistics_cache *c, sf_statistics_doc *doc)
{
    if (c == NULL || doc == NULL || doc->cost > c->budget / 4)
        return;
    pthread_mutex_lock(&c->lock);
    sf_statistics_doc *old = find(c, doc->key);
    if (old != NULL && old->version > doc->version) {   /* a newer count is kept already */
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (old != NULL)
        drop(c, old);
    while (c->tail != NULL && (c->entries + 1 > c->max_entries || c->used + doc->cost > c->budget))
        drop(c, c->tail);
    atomic_fetch_add(&doc->refs, 1);
    push_front(c, doc);
    c->used += doc->cost;
    c->entries++;
    pthread_mutex_unlock(&c->lock);
}

/* Under the lock: the slot of `key` among the counts running, or -1. */
static int counting_slot(const sf_statistics_cache *c, const char *key)
{
    for (int i = 0; i < SF_STATISTICS_CLAIMS; i++)
        if (c->counting[i] != NULL && strcmp(c->counting[i], key) == 0)
            return i;
    return -1;
}

int sf_statistics_cache_claim(sf_statistics_cache *c, const char *key, int wait_ms)
{
    if (c == NULL)
        return SF_STATISTICS_UNCLAIMED;
    int outcome = SF_STATISTICS_UNCLAIMED;
    pthread_mutex_lock(&c->lock);
    if (counting_slot(c, key) >= 0) {
        struct timespec until = sf_clock_after_ms(CLOCK_MONOTONIC, wait_ms);
        int rc = 0;
        while (counting_slot(c, key) >= 0 && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&c->counted, &c->lock, &until);
        outcome = SF_STATISTICS_WAITED;
        atomic_fetch_add(&c->waits, 1);
    } else {
        for (int i = 0; i < SF_STATISTICS_CLAIMS; i++)
            if (c->counting[i] == NULL) {
                c->counting[i] = strdup(key);
                if (c->counting[i] != NULL)
                    outcome = SF_STATISTICS_CLAIMED;
                break;
            }
    }
    pthread_mutex_unlock(&c->lock);
    return outcome;
}

void sf_statistics_cache_done(sf_statistics_cache *c, const char *key)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    int i = counting_slot(c, key);
    if (i >= 0) {
        free(c->counting[i]);
        c->counting[i] = NULL;
    }
    pthread_cond_broadcast(&c->counted);
    pthread_mutex_unlock(&c->lock);
}

void sf_statistics_cache_get_stats(sf_statistics_cache *c, sf_statistics_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    out->entries = c->entries;
    out->bytes = c->used;
    pthread_mutex_unlock(&c->lock);
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->waits = atomic_load(&c->waits);
}
