/*
 * The public registry in memory (issue 18, point 2): registry entries and list pages answered
 * with no database round trip on a hit, kept current by the database itself.
 *
 * Protocol. A thread of the cache holds one connection of its own to the primary and
 * LISTENs on "shifan_registry". Every transaction that changes the registry table — through
 * the service, from a second shifan process, or by hand in psql — notifies on commit with
 * the registry's version and the ids of the entries it changed (sql/027_registry_notify.sql).
 * On a notification the cache drops those entries and every list page. On (re)connecting it
 * drops everything, LISTENs, and only then serves hits again; when the connection is lost
 * (an error, EOF, or a check every second that goes unanswered for a second) it stops
 * serving hits at once. It also drops everything when the database's date changes, since a
 * title reads as expired from the day after valid_until.
 *
 * A miss reads the database and keeps the answer only if no invalidation happened between
 * taking a ticket before the read and keeping it after (sf_public_cache_ticket): an answer
 * read before a change is never filed after the change's notification.
 *
 * Staleness bound: a change is hidden from a hit at most for the time its notification takes
 * to reach this process (a fraction of a millisecond on a local socket; the test suites wait
 * for it through /metrics' shifan_public_cache_registry_version), or, if the listening
 * connection dies silently, for at most two seconds (one check interval and its reply
 * timeout). A streaming replica lags by its replay delay, unbounded under load; this bound is
 * no worse.
 *
 * While the listening connection is down, hits are not served; a request reads the database,
 * and only when the database cannot answer (SF_UNAVAILABLE) does it get the answer kept
 * (sf_public_cache_*(…, fallback = 1)); misses then answer 503. What is kept then is what was
 * kept before the loss — a database that went down with the listener commits nothing, so that
 * is the last committed answer — until the database answers a read while the cache is not
 * listening: changes may have been committed since that no notification told of, so what was
 * kept before the loss goes, and the answers read from then on are the fallback.
 *
 * Only with the registry read from the primary: NOTIFY does not reach a hot standby, so with
 * SHIFAN_DATABASE_READ_URL there is no cache (api/main.c).
 */
#ifndef SF_PUBLIC_CACHE_H
#define SF_PUBLIC_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sf_public_cache sf_public_cache;

/* One kept answer, immutable while held: the body as sent and, for an entry, its ETag
 * (computed once per entry version, when it was read). */
typedef struct {
    atomic_int refs;
    size_t len;
    size_t cost;            /* bytes it holds, against the budget */
    int64_t id;             /* an entry's platform id; 0 for a list page */
    char etag[40];          /* "" for a list page */
    char *key;              /* a list page's URL */
    char body[];
} sf_cached;

/* A cache of at most `budget_bytes`, with its listening thread on `conninfo`. NULL if
 * budget_bytes is 0 or on failure (callers treat NULL as "no cache"). With conninfo NULL no
 * thread is started and the cache is driven by the calls below alone (the unit tests). */
sf_public_cache *sf_public_cache_create(size_t budget_bytes, const char *conninfo);
void sf_public_cache_destroy(sf_public_cache *cache);

/* Taken before the read of a miss (while not listening too: the answer is then kept as the
 * fallback only). */
uint64_t sf_public_cache_ticket(sf_public_cache *cache);

/* The kept entry of platform `id` / the kept page of `url`, held (release it), or NULL. A hit
 * needs the cache to be listening, unless `fallback`. */
sf_cached *sf_public_cache_entry(sf_public_cache *cache, int64_t id, int fallback);
sf_cached *sf_public_cache_page(sf_public_cache *cache, const char *url, int fallback);
void sf_cached_release(sf_cached *answer);

/* Keeps what a miss read under `ticket`, unless an invalidation came in between; an answer
 * larger than a sixteenth of the budget is not kept. */
void sf_public_cache_keep_entry(sf_public_cache *cache, uint64_t ticket, int64_t id, const char *body, size_t len,
                                const char *etag);
void sf_public_cache_keep_page(sf_public_cache *cache, uint64_t ticket, const char *url, const char *body,
                               size_t len);

/* A read of the registry that the database answered (an entry, a page, or none): while the
 * cache is not listening, what it kept from before the loss is dropped (it may hide changes
 * committed since, which no notification told of). Every answer read from then on is the
 * fallback as of its own read. */
void sf_public_cache_answered(sf_public_cache *cache);

/* What the listening thread does; public for the unit tests. `connected`: listening now (day:
 * the database's date in days, version: the registry's), everything dropped. `notified`: one
 * notification's payload, "<version> <id>,<id>,…" or "<version> *". `lost`: not listening. */
void sf_public_cache_connected(sf_public_cache *cache, int32_t day, int64_t version);
void sf_public_cache_notified(sf_public_cache *cache, const char *payload);
void sf_public_cache_lost(sf_public_cache *cache);
void sf_public_cache_day(sf_public_cache *cache, int32_t day);

typedef struct {
    int listening;
    int64_t version;         /* the registry version of the last notification applied */
    long entries, pages;
    size_t bytes;
    unsigned long hits, misses, notifications, resets;
} sf_public_cache_stats;
void sf_public_cache_get_stats(sf_public_cache *cache, sf_public_cache_stats *out);

#endif
