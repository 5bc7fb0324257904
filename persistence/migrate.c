/*
 * Applying migrations under an advisory lock (see migrate.h).
 */
#include "persistence/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

/* An arbitrary constant naming shifan's migration lock ("shifan" in ASCII). */
#define MIGRATION_LOCK_KEY "126935142212974"

/* The bookkeeping table must exist before any migration can be recorded, so it is the one
 * piece of schema created here rather than in sql/. */
static const sf_stmt CREATE_TABLE = {
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())", 0};
static const sf_stmt LOCK = {"SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", 0};
static const sf_stmt UNLOCK = {"SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")", 0};
static const sf_stmt FIND = {
    "SELECT checksum = encode(sha256(convert_to($2, 'UTF8')), 'hex')"
    " FROM schema_migrations WHERE version = $1", 2};
static const sf_stmt RECORD = {
    "INSERT INTO schema_migrations (version, name, checksum)"
    " VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))", 3};
static const sf_stmt COUNT = {"SELECT count(*) FROM schema_migrations", 0};

static int version_of(const char *name)
{
    return atoi(name);
}

/* Runs one migration's text and its record in one transaction. */
static sf_status apply_one(sf_conn *conn, const sf_migration *m, char *message, size_t len)
{
    PGconn *pg = sf_conn_pg(conn);
    PGresult *res = PQexec(pg, "BEGIN");
    PQclear(res);
    res = PQexec(pg, m->sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(message, len, "migration %s failed: %s", m->name, PQresultErrorMessage(res));
        PQclear(res);
        PQclear(PQexec(pg, "ROLLBACK"));
        return PQstatus(pg) == CONNECTION_OK ? SF_INTERNAL : SF_UNAVAILABLE;
    }
    PQclear(res);
    char version[16];
    snprintf(version, sizeof version, "%d", version_of(m->name));
    const char *params[] = {version, m->name, m->sql};
    sf_status status = sf_db_exec(conn, &RECORD, params, NULL, NULL);
    if (status != SF_OK) {
        PQclear(PQexec(pg, "ROLLBACK"));
        snprintf(message, len, "migration %s could not be recorded", m->name);
        return status;
    }
    res = PQexec(pg, "COMMIT");
    status = PQresultStatus(res) == PGRES_COMMAND_OK ? SF_OK : SF_INTERNAL;
    if (status != SF_OK)
        snprintf(message, len, "migration %s failed at commit: %s", m->name, PQresultErrorMessage(res));
    PQclear(res);
    return status;
}

static sf_status apply_pending(sf_conn *conn, char *message, size_t len)
{
    for (unsigned long i = 0; i < sf_migration_count; i++) {
        const sf_migration *m = &sf_migrations[i];
        char version[16];
        snprintf(version, sizeof version, "%d", version_of(m->name));
        const char *params[] = {version, m->sql};
        PGresult *res;
        sf_status status = sf_db_exec(conn, &FIND, params, &res, NULL);
        if (status != SF_OK) {
            snprintf(message, len, "could not read schema_migrations");
            return status;
        }
        int recorded = PQntuples(res) == 1;
        int same = recorded && sf_db_get_bool(res, 0, 0);
        PQclear(res);
        if (recorded && !same) {
            snprintf(message, len, "migration %s was changed after it was applied; add a new migration instead", m->name);
            return SF_CONFLICT;
        }
        if (recorded)
            continue;
        status = apply_one(conn, m, message, len);
        if (status != SF_OK)
            return status;
        fprintf(stderr, "{\"level\":\"info\",\"event\":\"migration_applied\",\"name\":\"%s\"}\n", m->name);
    }
    return SF_OK;
}

sf_status sf_migrate(sf_pool *pool, char *message, size_t message_len)
{
    sf_conn *conn;
    message[0] = '\0';
    if (sf_pool_acquire(pool, &conn) != SF_OK) {
        snprintf(message, message_len, "database unreachable");
        return SF_UNAVAILABLE;
    }
    /* a migration (and the wait for another instance's) takes what it takes: the pool's
     * statement timeout (sf_pool_set_statement_timeout) is lifted for it, then restored */
    static const sf_stmt NO_TIMEOUT = {"SET statement_timeout = 0", 0};
    static const sf_stmt TIMEOUT_BACK = {"RESET statement_timeout", 0};
    sf_status status = sf_db_exec(conn, &NO_TIMEOUT, NULL, NULL, NULL);
    if (status == SF_OK)
        status = sf_db_exec(conn, &LOCK, NULL, NULL, NULL);
    if (status == SF_OK) {
        /* Two instances starting at once: both may try CREATE TABLE IF NOT EXISTS, which can
         * race in the catalog, so it runs under the lock too. */
        status = sf_db_exec(conn, &CREATE_TABLE, NULL, NULL, NULL);
        if (status == SF_OK)
            status = apply_pending(conn, message, message_len);
        else
            snprintf(message, message_len, "could not create schema_migrations");
        sf_db_exec(conn, &UNLOCK, NULL, NULL, NULL);
    } else {
        snprintf(message, message_len, "could not take the migration lock");
    }
    if (sf_db_exec(conn, &TIMEOUT_BACK, NULL, NULL, NULL) != SF_OK)
        sf_conn_mark_broken(conn);   /* never handed out without its timeout */
    sf_pool_release(pool, conn);
    return status;
}

sf_status sf_migrations_ready(sf_pool *pool, int *ready)
{
    PGresult *res;
    *ready = 0;
    sf_status status = sf_db_read(pool, &COUNT, NULL, &res, NULL);
    if (status != SF_OK)
        return status;
    *ready = sf_db_get_int(res, 0, 0) >= (long long)sf_migration_count;
    PQclear(res);
    return SF_OK;
}
