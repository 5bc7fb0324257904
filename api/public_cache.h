/*
 * A bounded in-process cache of public registry answers (issue 6), exact by construction.
 *
 * Every answer is stored with the stamp of the data it was read from: the registry's version
 * (sql/014_registry_version.sql: bumped by a trigger in the same transaction as any change of
 * the registry) and the database's date (an active title reads as expired from the day after
 * valid_until). A cached answer is served only while the stamp read for the request is the
 * same, so a change committed by any process — or by hand in SQL — is never hidden, and a
 * replica's answers carry the replica's own stamp. See api/awards.c for the protocol.
 */
#ifndef SF_PUBLIC_CACHE_H
#define SF_PUBLIC_CACHE_H

#include <stddef.h>

#include "persistence/awards.h"

typedef struct sf_public_cache sf_public_cache;

/* A cache holding at most `budget_bytes` of answers; NULL if budget_bytes is 0 or on
 * allocation failure (callers treat NULL as "no cache"). */
sf_public_cache *sf_public_cache_create(size_t budget_bytes);
void sf_public_cache_destroy(sf_public_cache *cache);

/* The answer kept for `key` under `stamp`, copied into *body (free()) with its length and
 * ETag (empty when none); 0 when there is none. */
int sf_public_cache_get(sf_public_cache *cache, const char *key, const sf_registry_stamp *stamp, char **body,
                        size_t *len, char etag[40]);

/* Keeps a copy of an answer for `key` read under `stamp` (replacing what was kept for it or
 * for a key in the same slot). Answers that would not fit the budget are not kept. */
void sf_public_cache_put(sf_public_cache *cache, const char *key, const sf_registry_stamp *stamp, const char *body,
                         size_t len, const char *etag);

#endif
