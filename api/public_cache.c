/*
 * The public registry cache (see public_cache.h): a fixed table of slots chosen by a hash of
 * the key, each holding one answer; a new answer replaces the slot's old one. A read-write
 * lock lets hits proceed in parallel.
 */
#include "api/public_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024
#define MAX_KEY 1024

typedef struct {
    char *key;
    char *body;
    size_t len;
    sf_registry_stamp stamp;
} slot;

struct sf_public_cache {
    pthread_rwlock_t lock;
    size_t budget, used;
    slot slots[SLOTS];
};

/* FNV-1a */
static size_t slot_of(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % SLOTS);
}

sf_public_cache *sf_public_cache_create(size_t budget_bytes)
{
    if (budget_bytes == 0)
        return NULL;
    sf_public_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    if (pthread_rwlock_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->budget = budget_bytes;
    return c;
}

static void clear_slot(sf_public_cache *c, slot *s)
{
    if (s->key != NULL)
        c->used -= strlen(s->key) + s->len;
    free(s->key);
    free(s->body);
    memset(s, 0, sizeof *s);
}

void sf_public_cache_destroy(sf_public_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < SLOTS; i++)
        clear_slot(c, &c->slots[i]);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

static int same_stamp(const sf_registry_stamp *a, const sf_registry_stamp *b)
{
    return a->version == b->version && a->day == b->day && a->epoch == b->epoch;
}

int sf_public_cache_get(sf_public_cache *c, const char *key, const sf_registry_stamp *stamp, char **body,
                        size_t *len)
{
    if (c == NULL || strlen(key) > MAX_KEY)
        return 0;
    int found = 0;
    pthread_rwlock_rdlock(&c->lock);
    const slot *s = &c->slots[slot_of(key)];
    if (s->key != NULL && strcmp(s->key, key) == 0 && same_stamp(&s->stamp, stamp)) {
        *body = malloc(s->len ? s->len : 1);
        if (*body != NULL) {
            memcpy(*body, s->body, s->len);
            *len = s->len;
            found = 1;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    return found;
}

void sf_public_cache_put(sf_public_cache *c, const char *key, const sf_registry_stamp *stamp, const char *body,
                         size_t len)
{
    size_t klen = strlen(key);
    if (c == NULL || klen > MAX_KEY || klen + len > c->budget / 16)
        return;   /* no single answer takes more than a sixteenth of the budget */
    char *k = malloc(klen + 1), *b = malloc(len ? len : 1);
    if (k == NULL || b == NULL) {
        free(k);
        free(b);
        return;
    }
    memcpy(k, key, klen + 1);
    memcpy(b, body, len);
    pthread_rwlock_wrlock(&c->lock);
    slot *s = &c->slots[slot_of(key)];
    clear_slot(c, s);
    for (size_t i = 0; i < SLOTS && c->used + klen + len > c->budget; i++)
        if (c->slots[i].key != NULL && !same_stamp(&c->slots[i].stamp, stamp))
            clear_slot(c, &c->slots[i]);
    if (c->used + klen + len <= c->budget) {
        s->key = k;
        s->body = b;
        s->len = len;
        s->stamp = *stamp;
        c->used += klen + len;
        k = b = NULL;
    }
    pthread_rwlock_unlock(&c->lock);
    free(k);
    free(b);
}
