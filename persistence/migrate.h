/*
 * Schema migrations: the numbered files of sql/, compiled into the binary in name order
 * (cmake/embed_migrations.cmake), applied at start.
 */
#ifndef SF_MIGRATE_H
#define SF_MIGRATE_H

#include <stddef.h>

#include "domain/status.h"
#include "persistence/pool.h"

typedef struct {
    const char *name;  /* file name, e.g. "001_regions_organizations.sql" */
    const char *sql;
} sf_migration;

extern const sf_migration sf_migrations[];
extern const unsigned long sf_migration_count;

/* Applies every migration not yet recorded in schema_migrations, in order, each in its own
 * transaction together with its record. A session-level advisory lock serialises concurrent
 * starts: a second instance waits, then finds nothing left to do. A recorded migration whose
 * text has changed since it was applied is refused (the schema would no longer match the
 * files). On failure writes a message for the operator's log into `message`. */
sf_status sf_migrate(sf_pool *pool, char *message, size_t message_len);

/* *ready is 1 when every compiled-in migration is recorded as applied. */
sf_status sf_migrations_ready(sf_pool *pool, int *ready);

#endif
