/*
 * The statistics in memory (issue 17, point 4): finished statistics documents — the JSON body
 * and the CSV body, each with its ETag — kept per key (the caller's scope, the filters with
 * the date titles are counted at resolved, and the database's date) together with the
 * statistics' version they were counted at (persistence/statistics.h, sql/040).
 *
 * Protocol. A request reads the version now (one statement over 129 small rows) and serves
 * the kept document of its key only if it was counted at that very version; otherwise it
 * counts afresh — the document and its version in one snapshot — and keeps what it counted.
 * sql/040_statistics_versions.sql argues why equal versions mean equal documents; the
 * versions live in the database, so every process (and a change by hand in psql) is seen
 * alike, and nothing is ever served that the request's own snapshot would not count.
 *
 * Bounded: at most `max_entries` documents and `budget_bytes` bytes (SHIFAN_STATISTICS_CACHE_*);
 * the least recently used go first, and a document larger than a quarter of the budget is
 * not kept.
 */
#ifndef SF_STATISTICS_CACHE_H
#define SF_STATISTICS_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sf_statistics_cache sf_statistics_cache;

/* One finished document, immutable while held. */
typedef struct sf_statistics_doc {
    atomic_int refs;
    int64_t version;              /* the statistics' version it was counted at */
    size_t cost;                  /* bytes it holds, against the budget */
    const char *key;
    const char *json, *csv;       /* the bodies as sent (NUL-terminated) */
    size_t json_len, csv_len;
    char json_etag[40], csv_etag[40];
    struct sf_statistics_doc *prev, *next;   /* the recency list, under the cache's lock */
    char data[];
} sf_statistics_doc;

/* A document of `key` counted at `version`, holding copies of both bodies (one reference);
 * NULL when memory ran out. */
sf_statistics_doc *sf_statistics_doc_new(const char *key, int64_t version, const char *json, size_t json_len,
                                         const char *json_etag, const char *csv, size_t csv_len,
                                         const char *csv_etag);
void sf_statistics_doc_release(sf_statistics_doc *doc);

/* NULL (no cache) when budget_bytes or max_entries is 0, or on failure. */
sf_statistics_cache *sf_statistics_cache_create(size_t budget_bytes, long max_entries);
void sf_statistics_cache_destroy(sf_statistics_cache *cache);

/* The kept document of `key` if it was counted at `version`, held (release it), or NULL. A
 * document of an older version is dropped: no later read can match it. */
sf_statistics_doc *sf_statistics_cache_get(sf_statistics_cache *cache, const char *key, int64_t version);

/* Keeps `doc` (takes a reference of its own), replacing a document of the same key counted
 * at an older or equal version, evicting the least recently used to stay within bounds. */
void sf_statistics_cache_keep(sf_statistics_cache *cache, sf_statistics_doc *doc);

/* One count at a time per key: a request that misses claims its key before counting. While
 * another request counts the same key, a claim waits (at most `wait_ms`) for that count to
 * be kept, and answers SF_STATISTICS_WAITED: look again (the version read anew). Otherwise
 * SF_STATISTICS_CLAIMED — count, keep, and then call sf_statistics_cache_done — or, when
 * SF_STATISTICS_CLAIMS counts run already, SF_STATISTICS_UNCLAIMED: count without a claim.
 * So that after a change the documents most asked for are counted once, not by every
 * request that arrives while they are. */
#define SF_STATISTICS_CLAIMS 32
enum { SF_STATISTICS_UNCLAIMED, SF_STATISTICS_CLAIMED, SF_STATISTICS_WAITED };
int sf_statistics_cache_claim(sf_statistics_cache *cache, const char *key, int wait_ms);
void sf_statistics_cache_done(sf_statistics_cache *cache, const char *key);

typedef struct {
    long entries;
    size_t bytes;
    unsigned long hits, misses, waits;   /* waits: claims that waited for another's count */
} sf_statistics_cache_stats;
void sf_statistics_cache_get_stats(sf_statistics_cache *cache, sf_statistics_cache_stats *out);

#endif
