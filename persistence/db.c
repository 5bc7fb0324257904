/*
 * Statement execution, SQLSTATE mapping and transactions (see db.h).
 */
#include "persistence/db.h"

#include <errno.h>
#include <libpq/libpq-fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

sf_status sf_db_status_for_sqlstate(const char *sqlstate)
{
    if (sqlstate == NULL || strlen(sqlstate) != 5)
        return SF_INTERNAL;
    if (strcmp(sqlstate, "23505") == 0)
        return SF_CONFLICT;
    if (strcmp(sqlstate, "23503") == 0 || strcmp(sqlstate, "23514") == 0 ||
        strcmp(sqlstate, "23502") == 0 || strncmp(sqlstate, "22", 2) == 0)
        return SF_INVALID;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
        return SF_UNAVAILABLE;
    /* the database cannot do it now, whatever was asked: unreachable, out of resources, shutting
     * down, the statement cancelled or timed out, a lock not had in time, read-only (a standby,
     * a demoted primary), an I/O error */
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "53", 2) == 0 || strncmp(sqlstate, "58", 2) == 0 ||
        strncmp(sqlstate, "57P0", 4) == 0 || strcmp(sqlstate, "57014") == 0 || strcmp(sqlstate, "55P03") == 0 ||
        strcmp(sqlstate, "25006") == 0 || strcmp(sqlstate, "25P03") == 0)
        return SF_UNAVAILABLE;
    return SF_INTERNAL;
}

static int is_retryable(const char *sqlstate)
{
    return strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0;
}

/* The pause before run `done` + 1 of a retried transaction or statement (SF_TX_BACKOFF_MS),
 * and its log line. The random part comes from the clock's nanoseconds: enough to put
 * requests that collided out of step, with no shared generator to lock. */
static void back_off(int done, const char *sqlstate)
{
    fprintf(stderr, "{\"level\":\"warn\",\"event\":\"tx_retry\",\"sqlstate\":\"%s\",\"attempt\":%d}\n",
            sqlstate, done + 1);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long us = (long long)done * SF_TX_BACKOFF_MS * 1000 + now.tv_nsec / 1000 % (SF_TX_BACKOFF_MS * 1000);
    struct timespec pause = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&pause, &pause) != 0)
        ;
}

/* The link to the server is gone (or the server is shutting down). A failure without a
 * SQLSTATE did not come from the server, which always sends one: libpq lost the link (an
 * immediate shutdown leaves the connection "OK" with a failed result and no SQLSTATE). */
static int is_link_state(const char *sqlstate)
{
    return sqlstate[0] == '\0' || strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P0", 4) == 0;
}

static int is_link_failure(PGconn *pg, const char *sqlstate)
{
    return PQstatus(pg) != CONNECTION_OK || is_link_state(sqlstate);
}

static void fill_error(sf_db_error *err, const PGresult *res)
{
    if (err == NULL)
        return;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state ? state : "");
    snprintf(err->constraint, sizeof err->constraint, "%s", constraint ? constraint : "");
}

/* Prepares `stmt` on this connection unless it already is. */
static PGresult *prepare_once(sf_conn *conn, const sf_stmt *stmt, char name[32])
{
    snprintf(name, 32, "sf_%p", (const void *)stmt);
    if (sf_conn_is_prepared(conn, stmt))
        return NULL;
    sf_conn_wait_begin(conn);
    PGresult *res = PQprepare(sf_conn_pg(conn), name, stmt->sql, stmt->nparams, NULL);
    sf_conn_wait_end(conn);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        sf_conn_set_prepared(conn, stmt);
        PQclear(res);
        return NULL;
    }
    return res; /* the failure, for the caller to map */
}

/* Maps a failed result on `conn` (or NULL: the link failed) to a status, as sf_db_exec does. */
static sf_status failure_status(sf_conn *conn, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL)
        state = "";
    /* the first failure of a transaction decides: the statements after it only fail 25P02 */
    if (sf_conn_sqlstate(conn)[0] == '\0')
        sf_conn_set_sqlstate(conn, state);
    if (is_link_failure(sf_conn_pg(conn), state)) {
        sf_conn_mark_broken(conn);
        return SF_UNAVAILABLE;
    }
    sf_status status = sf_db_status_for_sqlstate(state);
    if (status == SF_INTERNAL)
        fprintf(stderr, "{\"level\":\"error\",\"event\":\"sql_error\",\"sqlstate\":\"%s\"}\n", state);
    return status;
}

/* Values larger than this in one statement (an import's rows: megabytes) grow libpq's output
 * buffer, which it keeps for the connection's life: with a pool of connections that took turns
 * at imports, megabytes stayed resident (issue 18, point 6). Such a connection is closed when
 * it is released and opened again at its next checkout. */
#define LARGE_VALUES_BYTES (1024 * 1024)

static size_t values_size(int n, const char *const *params, const int *lengths, const int *formats)
{
    size_t total = 0;
    for (int i = 0; params != NULL && i < n; i++)
        if (params[i] != NULL)
            total += formats != NULL && formats[i] == 1 ? (size_t)lengths[i] : strlen(params[i]);
    return total;
}

/* sf_db_exec with each parameter's length and format (NULL: all text), as libpq takes them. */
static sf_status exec_formats(sf_conn *conn, const sf_stmt *stmt, const char *const *params, const int *lengths,
                              const int *formats, PGresult **out, sf_db_error *err)
{
    if (values_size(stmt->nparams, params, lengths, formats) > LARGE_VALUES_BYTES)
        sf_conn_reopen_later(conn);
    PGconn *pg = sf_conn_pg(conn);
    PGresult *res;
    char name[32];
    if (out != NULL)
        *out = NULL;
    if (stmt->plan_each_call || (!sf_conn_is_prepared(conn, stmt) && sf_conn_prepared_full(conn))) {
        sf_conn_wait_begin(conn);
        res = PQexecParams(pg, stmt->sql, stmt->nparams, NULL, params, lengths, formats, 0);
        sf_conn_wait_end(conn);
    } else {
        res = prepare_once(conn, stmt, name);
        if (res == NULL) {
            sf_conn_wait_begin(conn);
            res = PQexecPrepared(pg, name, stmt->nparams, params, lengths, formats, 0);
            sf_conn_wait_end(conn);
        }
    }
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (out != NULL)
            *out = res;
        else
            PQclear(res);
        if (err != NULL)
            err->sqlstate[0] = err->constraint[0] = '\0';
        return SF_OK;
    }
    fill_error(err, res);
    sf_status status = failure_status(conn, res);
    PQclear(res);
    return status;
}

sf_status sf_db_exec(sf_conn *conn, const sf_stmt *stmt, const char *const *params,
                     PGresult **out, sf_db_error *err)
{
    return exec_formats(conn, stmt, params, NULL, NULL, out, err);
}

sf_status sf_db_exec_parts(sf_conn *const *conns, int n, const sf_stmt *stmt, const char *const *const *params,
                           PGresult **out)
{
    sf_status status = SF_OK;
    int sent[SF_DB_MAX_PARTS];
    if (n < 1 || n > SF_DB_MAX_PARTS)
        return SF_INTERNAL;
    for (int i = 0; i < n; i++) {
        out[i] = NULL;
        sf_conn_wait_begin(conns[i]);
        sent[i] = PQsendQueryParams(sf_conn_pg(conns[i]), stmt->sql, stmt->nparams, NULL, params[i], NULL, NULL, 0);
        if (!sent[i] && status == SF_OK)
            status = failure_status(conns[i], NULL);
    }
    /* every sent query is read to its end, so each connection goes back to the pool idle */
    for (int i = 0; i < n; i++) {
        if (!sent[i])
            continue;
        PGresult *res;
        while ((res = PQgetResult(sf_conn_pg(conns[i]))) != NULL) {
            if (PQresultStatus(res) == PGRES_TUPLES_OK && out[i] == NULL) {
                out[i] = res;
                continue;
            }
            if (PQresultStatus(res) != PGRES_TUPLES_OK && status == SF_OK)
                status = failure_status(conns[i], res);
            PQclear(res);
        }
        if (out[i] == NULL && status == SF_OK)
            status = failure_status(conns[i], NULL);
    }
    for (int i = 0; i < n; i++)
        sf_conn_wait_end(conns[i]);
    if (status != SF_OK)
        for (int i = 0; i < n; i++) {
            PQclear(out[i]);
            out[i] = NULL;
        }
    return status;
}

sf_status sf_db_read(sf_pool *pool, const sf_stmt *stmt, const char *const *params,
                     PGresult **out, sf_db_error *err)
{
    sf_db_error own;
    if (err == NULL)
        err = &own;
    sf_status status = SF_UNAVAILABLE;
    for (int attempt = 0; attempt < 2; attempt++) {
        sf_conn *conn;
        status = sf_pool_acquire(pool, &conn);
        if (status != SF_OK)
            return status;
        status = sf_db_exec(conn, stmt, params, out, err);
        sf_pool_release(pool, conn);
        /* a read is tried again on a fresh connection only when the link failed: a statement
         * the server refused (timed out, a lock not had, read-only, out of resources) would
         * only take as long again */
        if (status != SF_UNAVAILABLE || !is_link_state(err->sqlstate))
            break;
    }
    return status;
}

sf_status sf_db_write(sf_pool *pool, const sf_stmt *stmt, const char *const *params,
                      PGresult **out, sf_db_error *err)
{
    sf_db_error own;
    if (err == NULL)
        err = &own;
    for (int attempt = 1;; attempt++) {
        sf_conn *conn;
        sf_status status = sf_pool_acquire(pool, &conn);
        if (status != SF_OK)
            return status;
        sf_conn_outcome_matters(conn, 1);   /* it commits by itself: never given up (pool.h) */
        status = sf_db_exec(conn, stmt, params, out, err);
        sf_conn_outcome_matters(conn, 0);
        sf_pool_release(pool, conn);
        /* a lone statement that failed 40001/40P01 was rolled back whole: safe to run again */
        if (status == SF_OK || !is_retryable(err->sqlstate))
            return status;
        if (attempt == SF_TX_ATTEMPTS)
            return SF_UNAVAILABLE;
        back_off(attempt, err->sqlstate);
    }
}

/* Runs a fixed, parameterless command such as BEGIN; its SQLSTATE goes to `state`. */
static sf_status run_command(sf_conn *conn, const char *sql, char state[6])
{
    PGconn *pg = sf_conn_pg(conn);
    sf_conn_wait_begin(conn);
    PGresult *res = PQexec(pg, sql);
    sf_conn_wait_end(conn);
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(state, 6, "%s", s ? s : "");
    sf_status status = SF_OK;
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (is_link_failure(pg, state)) {
            sf_conn_mark_broken(conn);
            status = SF_UNAVAILABLE;
        } else {
            status = sf_db_status_for_sqlstate(state);
        }
    }
    PQclear(res);
    return status;
}

sf_status sf_tx_run(sf_pool *pool, sf_tx_body body, void *ctx)
{
    for (int attempt = 1;; attempt++) {
        sf_conn *conn;
        char state[6] = "";
        sf_status status = sf_pool_acquire(pool, &conn);
        if (status != SF_OK)
            return status;
        sf_conn_set_sqlstate(conn, "");
        status = run_command(conn, "BEGIN", state);
        int dead_at_begin = status == SF_UNAVAILABLE;   /* died in the pool: nothing ran */
        if (status == SF_OK)
            status = body(conn, ctx);
        if (status == SF_OK) {
            sf_conn_outcome_matters(conn, 1);
            status = run_command(conn, "COMMIT", state);
            sf_conn_outcome_matters(conn, 0);
        } else if (!dead_at_begin) {
            snprintf(state, sizeof state, "%s", sf_conn_sqlstate(conn));
            if (PQstatus(sf_conn_pg(conn)) == CONNECTION_OK)
                run_command(conn, "ROLLBACK", (char[6]){0});
        }
        sf_pool_release(pool, conn);
        if (status == SF_OK || !(dead_at_begin || is_retryable(state)))
            return status;
        /* serialization failure or deadlock: the whole body runs again, a bounded number of times */
        if (attempt == SF_TX_ATTEMPTS)
            return SF_UNAVAILABLE;
        if (!dead_at_begin)
            back_off(attempt, state);
    }
}

sf_int_text sf_int_to_text(long long value)
{
    sf_int_text t;
    snprintf(t.s, sizeof t.s, "%lld", value);
    return t;
}

long long sf_db_get_int(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int sf_db_get_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

sf_status sf_db_page(const PGresult *res, char **json_array, int64_t *next_after)
{
    *json_array = sf_db_strdup(res, 0);
    *next_after = sf_db_get_bool(res, 0, 2) ? sf_db_get_int(res, 0, 1) : 0;
    return *json_array ? SF_OK : SF_INTERNAL;
}

char *sf_db_strdup(const PGresult *res, int col)
{
    return strdup(PQgetvalue(res, 0, col));
}

static sf_status first_text(PGresult *res, char **out)
{
    sf_status status = SF_OK;
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
        status = SF_NOT_FOUND;
    else if ((*out = sf_db_strdup(res, 0)) == NULL)
        status = SF_INTERNAL;
    PQclear(res);
    return status;
}

sf_status sf_db_read_text(sf_pool *pool, const sf_stmt *stmt, const char *const *params, char **out)
{
    PGresult *res;
    sf_status status = sf_db_read(pool, stmt, params, &res, NULL);
    return status == SF_OK ? first_text(res, out) : status;
}

sf_status sf_db_write_text(sf_pool *pool, const sf_stmt *stmt, const char *const *params, char **out,
                           sf_db_error *err)
{
    PGresult *res;
    sf_status status = sf_db_write(pool, stmt, params, &res, err);
    return status == SF_OK ? first_text(res, out) : status;
}

sf_status sf_db_count(sf_pool *pool, const sf_stmt *list, const char *const *params, int64_t *total)
{
    const char *values[32];
    if (list->count_sql == NULL || list->nparams > 32 || list->after_param < 1 || list->after_param > list->nparams ||
        list->limit_param < 1 || list->limit_param > list->nparams)
        return SF_INTERNAL;
    for (int i = 0; i < list->nparams; i++)
        values[i] = params[i];
    values[list->after_param - 1] = "0";
    values[list->limit_param - 1] = NULL;
    /* planned with its values: NULL folds the LIMIT away, 0 the keyset */
    sf_stmt count = {list->count_sql, list->nparams, SF_PLAN_EACH_CALL, NULL, 0, 0};
    PGresult *res;
    sf_status status = sf_db_read(pool, &count, values, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 1)
        *total = sf_db_get_int(res, 0, 0);
    else
        status = SF_INTERNAL;
    PQclear(res);
    return status;
}

sf_status sf_db_read_page(sf_pool *pool, const sf_stmt *stmt, const char *const *params, char **items,
                          int64_t *next_after, int64_t *total)
{
    PGresult *res;
    sf_status status = total != NULL ? sf_db_count(pool, stmt, params, total) : SF_OK;
    if (status != SF_OK)
        return status;
    status = sf_db_read(pool, stmt, params, &res, NULL);
    if (status != SF_OK)
        return status;
    status = sf_db_page(res, items, next_after);
    PQclear(res);
    return status;
}

#define FILE_PIECE (256 * 1024)
static const sf_stmt LO_UNLINK = {"SELECT lo_unlink($1::oid)", 1};

/* The file `fd` (from offset 0) into a new large object, a piece at a time: its oid as text. */
static sf_status file_to_large_object(sf_conn *conn, int fd, char oid_text[16])
{
    PGconn *pg = sf_conn_pg(conn);
    unsigned char *piece = malloc(FILE_PIECE);
    sf_conn_wait_begin(conn);   /* the pieces' round trips, and the reads of the file between */
    Oid oid = piece != NULL ? lo_creat(pg, INV_READ | INV_WRITE) : InvalidOid;
    int lo = oid != InvalidOid ? lo_open(pg, oid, INV_WRITE) : -1;
    int ok = lo >= 0;
    for (off_t at = 0; ok;) {
        ssize_t n = pread(fd, piece, FILE_PIECE, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        ok = lo_write(pg, lo, (const char *)piece, (size_t)n) == (int)n;
        at += n;
    }
    if (lo >= 0 && lo_close(pg, lo) != 0)
        ok = 0;
    sf_conn_wait_end(conn);
    free(piece);
    if (ok) {
        snprintf(oid_text, 16, "%u", (unsigned)oid);
        return SF_OK;
    }
    if (piece == NULL)
        return SF_INTERNAL;
    if (PQstatus(pg) != CONNECTION_OK) {
        sf_conn_mark_broken(conn);
        return SF_UNAVAILABLE;
    }
    /* the server refused a piece (a statement cancelled or timed out, a full disk, a database
     * gone read-only): its transaction failed, nothing is kept, and trying again later may
     * succeed. libpq's large-object calls give no SQLSTATE to tell these apart. */
    fprintf(stderr, "{\"level\":\"error\",\"event\":\"large_object_failed\",\"in_error\":%s}\n",
            PQtransactionStatus(pg) == PQTRANS_INERROR ? "true" : "false");
    return PQtransactionStatus(pg) == PQTRANS_INERROR ? SF_UNAVAILABLE : SF_INTERNAL;
}

/* The whole file `fd` (from offset 0) in `piece` if it fits in FILE_PIECE bytes: its length,
 * or -1 when it is larger (or cannot be read: the large object's path then says so). */
static ssize_t file_in_one_piece(int fd, unsigned char *piece)
{
    size_t got = 0;
    for (;;) {
        ssize_t n = pread(fd, piece + got, FILE_PIECE - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return (ssize_t)got;
        got += (size_t)n;
        if (got == FILE_PIECE) {
            unsigned char more;
            while ((n = pread(fd, &more, 1, (off_t)got)) < 0 && errno == EINTR)
                ;
            return n == 0 ? (ssize_t)got : -1;
        }
    }
}

sf_status sf_db_exec_with_file(sf_conn *conn, const sf_stmt *stmt, const char **params, int bytes_param,
                               int oid_param, const unsigned char *data, size_t size, int fd, PGresult **out,
                               sf_db_error *err)
{
    int lengths[SF_DB_MAX_PARAMS] = {0}, formats[SF_DB_MAX_PARAMS] = {0};
    if (stmt->nparams > SF_DB_MAX_PARAMS)
        return SF_INTERNAL;
    char oid[16];
    unsigned char *piece = NULL;
    params[bytes_param] = NULL;
    params[oid_param] = NULL;
    if (fd > 0) {
        /* a file that fits in one piece is read whole and sent like content in memory */
        piece = malloc(FILE_PIECE);
        if (piece == NULL)
            return SF_INTERNAL;
        ssize_t n = file_in_one_piece(fd, piece);
        if (n >= 0) {
            data = piece;
            size = (size_t)n;
            fd = 0;
        } else {
            free(piece);
            piece = NULL;
        }
    }
    if (fd > 0) {
        sf_status status = file_to_large_object(conn, fd, oid);
        if (status != SF_OK)
            return status;
        params[oid_param] = oid;
    } else {
        /* the bytes themselves, in binary: no encoding either way, stored once */
        params[bytes_param] = (const char *)(data != NULL ? data : (const unsigned char *)"");
        lengths[bytes_param] = (int)size;
        formats[bytes_param] = 1;
    }
    sf_status status = exec_formats(conn, stmt, (const char *const *)params, lengths, formats, out, err);
    free(piece);
    params[bytes_param] = NULL;
    if (status != SF_OK || fd <= 0)
        return status;
    const char *unlink_params[] = {oid};
    status = sf_db_exec(conn, &LO_UNLINK, unlink_params, NULL, NULL);
    if (status != SF_OK && out != NULL) {
        PQclear(*out);
        *out = NULL;
    }
    return status;
}
