/*
 * A bounded in-process cache of public registry answers (issue 6), exact by construction.
 *
 * Every answer is stored with the stamp of the data it was read from: the registry's version
 * (sql/014_registry_version.sql: bumped by a trigger in the same transaction as any change of
 * the registry), the database's date (an active title reads as expired from the day after
 * valid_until) and the database server's start (a restore may repeat a version). A cached answer is served only while the stamp read for the request is the
 * same, so a change committed by any process — or by hand in SQL — is never hidden, and a
 * replica's answers carry the replica's own stamp. See api/registry.c for the protocol.
 */
#ifndef SF_PUBLIC_CACHE_H
#define SF_PUBLIC_CACHE_H

#include <stddef.h>

#include "persistence/registry.h"

typedef struct sf_public_cache sf_public_cache;

/* A cache holding at most `budget_bytes` of answers; NULL if budget_bytes is 0 or on
 * allocation failure (callers treat NULL as "no cache"). */
sf_public_cache *sf_public_cache_create(size_t budget_bytes);
void sf_public_cache_destroy(sf_public_cache *cache);

/* The answer kept for `key` under `stamp`, copied into *body (free()) with its length; 0
 * when there is none. */
int sf_public_cache_get(sf_public_cache *cache, const char *key, const sf_registry_stamp *stamp, char **body,
                        size_t *len);

/* Keeps a copy of an answer for `key` read under `stamp`, replacing what its slot held. When
 * the budget is reached, answers kept under other stamps go first (they can never be served
 * again once the stamp has moved on); an answer that still does not fit is not kept. */
void sf_public_cache_put(sf_public_cache *cache, const char *key, const sf_registry_stamp *stamp, const char *body,
                         size_t len);

#endif
