/*
 * Running SQL: named statements prepared lazily on each connection, errors mapped to
 * sf_status by SQLSTATE, a one-statement read helper and the transaction helper.
 *
 * Every statement is a constant with $1, $2… parameters; values travel separately as text
 * (PQexecPrepared). No SQL is ever assembled from data.
 */
#ifndef SF_DB_H
#define SF_DB_H

#include <libpq-fe.h>
#include <stdint.h>

#include "domain/status.h"
#include "persistence/pool.h"

/* The settings of every session shifan opens (the pool's, the registry listener's): dates
 * are Liaoning's (persistence/pool.c says why); the substring indexes' pending lists are
 * moved into the indexes as soon as they pass 64 kB, so that searches stay index scans
 * (sql/033_bulk_search_indexes.sql). */
#define SF_DB_SESSION_OPTIONS                                                                        \
    "-c client_min_messages=warning -c TimeZone=Asia/Shanghai -c gin_pending_list_limit=64"

/* The `options` a connection of shifan's is opened with: those the connection string names
 * (`options=…`, a search_path say), then `ours` (SF_DB_SESSION_OPTIONS and the rest), which
 * win where both set the same parameter. Passed after "dbname" in the keywords, so that the
 * expanded connection string does not replace them: a URL with options= lost the TimeZone
 * that every date rule reads (from an outside review). Cut to `len`. */
void sf_db_options(const char *conninfo, const char *ours, char *out, size_t len);

/* A libpq notice receiver: what the server says outside a result goes to the log as one JSON
 * line (severity, SQLSTATE), never as libpq's raw text on stderr. */
void sf_db_log_notice(void *arg, const PGresult *res);

/* Opens a session (PQconnectStartParams's keys and values, dbname expanded) with
 * sf_db_log_notice as its notice receiver from the first byte: a backend that warns while the
 * session starts (one being shut down says "terminating connection") is logged as JSON too.
 * Every session shifan opens is opened so. NULL on failure, or when it has not started within
 * timeout_ms. */
PGconn *sf_db_connect(const char *const *keys, const char *const *values, int timeout_ms);

/* The libpq handle of a checked-out connection (persistence/ only). */
PGconn *sf_conn_pg(sf_conn *conn);

/* A statement, defined as a static constant next to the repository that uses it. Its
 * address names it on each connection. */
typedef struct {
    const char *sql;
    int nparams;
    /* Plan with the values of each call (PQexecParams) instead of preparing once. For
     * statements with optional filters ("$n IS NULL OR …") and keyset CASEs: their generic
     * plan cannot use the filters' indexes, and PostgreSQL's "auto" mode may settle on it
     * after five calls. Costs a parse and plan per call. */
    int plan_each_call;
    /* A list statement (SF_LIST_STMT, SF_ROWS_STMT): the count of every row its filters match,
     * which is the list's own selection wrapped in count(*), and the positions (1-based) of
     * its keyset and limit parameters, which the count runs with as 0 (from the start) and
     * NULL (LIMIT NULL: no limit). NULL for other statements. */
    const char *count_sql;
    int after_param, limit_param;
} sf_stmt;
#define SF_PLAN_EACH_CALL 1

/* A page statement: SF_PAGE_SELECT…(`select`) over the subquery `inner` (its filters, keyset
 * after $`after` and LIMIT $`limit` + 1), and its count (?count=true, issue 13 §3): the same
 * subquery, so that the total and the page can never disagree on what the filters match. */
#define SF_LIST_STMT(select, inner, nparams, after, limit) \
    {select " FROM (" inner ") page", nparams, SF_PLAN_EACH_CALL, "SELECT count(*) FROM (" inner ") page", after, limit}
/* The same for a statement that answers rows (LIMIT $`limit`, passed as the page size + 1). */
#define SF_ROWS_STMT(sql, nparams, after, limit) \
    {sql, nparams, 0, "SELECT count(*) FROM (" sql ") page", after, limit}

/* What went wrong with the last failed statement on this thread, for repositories that turn
 * a constraint into a field error. Empty strings when unknown. */
typedef struct {
    char sqlstate[6];
    char constraint[64];
} sf_db_error;

/* Maps a SQLSTATE to a result: 23505 → SF_CONFLICT; 23503, 23514, 23502, 22xxx → SF_INVALID;
 * classes 08, 53 and 58, 57P0x, 57014 (a statement cancelled, as a shutdown does), 55P03 (a
 * lock not had in time), 25006 (read-only), 25P03 → SF_UNAVAILABLE;
 * 40001, 40P01 → SF_UNAVAILABLE (a transient collision with another transaction, not a conflict
 * with the resource's state: sf_tx_run and sf_db_write retry it first, see SF_TX_ATTEMPTS); the
 * rest → SF_INTERNAL. */
sf_status sf_db_status_for_sqlstate(const char *sqlstate);

/* Executes `stmt` with `params` (nparams text values; NULL for SQL NULL). On success returns
 * SF_OK and, if `out` is not NULL, the result, which the caller frees with PQclear. On
 * failure returns the mapped status, fills `err` if not NULL, frees the result, and marks the
 * connection broken if the link failed. Never logs parameter values. */
sf_status sf_db_exec(sf_conn *conn, const sf_stmt *stmt, const char *const *params,
                     PGresult **out, sf_db_error *err);

/* Checks a connection out, runs one read-only statement, and returns the connection. A read
 * that fails because the connection had died in the pool is retried once on a fresh one. */
sf_status sf_db_read(sf_pool *pool, const sf_stmt *stmt, const char *const *params,
                     PGresult **out, sf_db_error *err);

/* Runs `stmt` on n checked-out connections at once, with params[i] on conns[i] (each
 * planned with its values): sends all, then collects each result into out[i] (PQclear
 * each). For reads that split into independent parts, so that the server works on them in
 * parallel; 1 ≤ n ≤ SF_DB_MAX_PARTS. On failure returns the first failing part's mapped status, with no result kept. */
#define SF_DB_MAX_PARTS 8
sf_status sf_db_exec_parts(sf_conn *const *conns, int n, const sf_stmt *stmt, const char *const *const *params,
                           PGresult **out);

/* Checks a connection out, runs one statement that changes data, and returns the
 * connection. A serialization failure or deadlock rolled the statement back whole, so it is
 * run again as sf_tx_run would (SF_TX_ATTEMPTS); a link that fails mid-statement leaves its
 * outcome unknown, so that is never retried. */
sf_status sf_db_write(sf_pool *pool, const sf_stmt *stmt, const char *const *params,
                      PGresult **out, sf_db_error *err);

/* The body of a transaction: runs its statements on `conn` and returns SF_OK to commit, or
 * anything else to roll back. */
typedef sf_status (*sf_tx_body)(sf_conn *conn, void *ctx);

/* Retrying after a serialization failure or deadlock (40001, 40P01), the one place these
 * numbers live: at most SF_TX_ATTEMPTS runs in all; before run n + 1 a pause of
 * n × SF_TX_BACKOFF_MS plus a random part of up to SF_TX_BACKOFF_MS, so that requests that
 * collided once do not collide again in step. When the runs are spent the answer is
 * SF_UNAVAILABLE: 503 with Retry-After (api/problem.c), never 409 or 500. Each retry is logged
 * as a "tx_retry" event with its SQLSTATE. */
#define SF_TX_ATTEMPTS 3
#define SF_TX_BACKOFF_MS 10

/* Runs `body` inside BEGIN … COMMIT on a pooled connection. A serialization failure or
 * deadlock anywhere in it (the first failed statement of the run decides, not the 25P02s a
 * body may meet after it), or a connection found dead at BEGIN, re-runs the whole body as
 * described above. A body that fails is rolled back and its status returned. State changes
 * and their audit events go through here (or through one statement that does both), so they
 * commit together or not at all. */
sf_status sf_tx_run(sf_pool *pool, sf_tx_body body, void *ctx);

/* Within a transaction (sf_tx_run): runs `stmt` as sf_db_exec does, with a file's content:
 * in memory (`data`, `size`; fd <= 0) or in the file `fd` (from offset 0; an upload,
 * api/upload_stream.h). The statement reads it as `COALESCE($b::bytea, lo_get($o::oid))`,
 * b = bytes_param + 1 and o = oid_param + 1. Content in memory, and a file of at most one
 * piece (256 KiB, read into one buffer), travel as the bytea parameter itself, in binary:
 * stored once, with no large object. A larger file is never read whole into memory: it is
 * first written into a new large object a piece at a time, params[oid_param] is set to its oid
 * and the object is removed after the statement (a rollback removes it too). The other of the
 * two parameters is NULL. */
#define SF_DB_MAX_PARAMS 16
sf_status sf_db_exec_with_file(sf_conn *conn, const sf_stmt *stmt, const char **params, int bytes_param,
                               int oid_param, const unsigned char *data, size_t size, int fd, PGresult **out,
                               sf_db_error *err);

/* Paging in SQL: a subquery named "page" yields (id, doc, rn) for up to limit + 1 rows
 * ($5 is the limit by convention of the statements that use it); this selects the first
 * `limit` docs as a JSON array, the last id, and whether a further row exists. */
#define SF_PAGE_SELECT_N(limit)                                                             \
    "SELECT coalesce(jsonb_agg(doc ORDER BY rn) FILTER (WHERE rn <= " limit "), '[]')::text,"   \
    " (array_agg(id ORDER BY rn DESC) FILTER (WHERE rn <= " limit "))[1], count(*) > " limit
#define SF_PAGE_SELECT SF_PAGE_SELECT_N("$5")
/* The same where doc is JSON already as text (kept so by the table): joined, not rebuilt. */
#define SF_PAGE_SELECT_TEXT                                                                     \
    "SELECT '[' || coalesce(string_agg(doc, ', ' ORDER BY rn) FILTER (WHERE rn <= $5), '') || ']',"   \
    " (array_agg(id ORDER BY rn DESC) FILTER (WHERE rn <= $5))[1], count(*) > $5"

/* Keyset order in either direction: ascending after id $1, or (with the boolean parameter
 * `desc` true) descending before $1, 0 meaning "from the newest". With custom plans the
 * CASEs fold to a plain comparison and ORDER BY col [DESC], so the index on col serves both. */
#define SF_KEYSET_AFTER(col, desc) \
    "(CASE WHEN " desc "::boolean THEN ($1 = 0 OR " col " < $1) ELSE " col " > $1 END)"
#define SF_KEYSET_ORDER(col, desc) \
    "CASE WHEN " desc "::boolean THEN " col " END DESC, CASE WHEN NOT " desc "::boolean THEN " col " END"

/* Reads a row of SF_PAGE_SELECT: *json_array (free()) and *next_after, the key of the page's
 * last row (0 when no page follows). */
sf_status sf_db_page(const PGresult *res, char **json_array, int64_t *next_after);

/* Copies field (row 0, col) into a new string (free()); NULL on allocation failure. */
char *sf_db_strdup(const PGresult *res, int col);

/* One text value (row 0, column 0) of a read: SF_NOT_FOUND when there is no row or it is
 * NULL; *out is allocated (free()). */
sf_status sf_db_read_text(sf_pool *pool, const sf_stmt *stmt, const char *const *params, char **out);

/* The same for a statement that changes data (sf_db_write). */
sf_status sf_db_write_text(sf_pool *pool, const sf_stmt *stmt, const char *const *params, char **out,
                           sf_db_error *err);

/* A page of a read whose statement ends in SF_PAGE_SELECT (an SF_LIST_STMT); when `total` is
 * not NULL, also the number of rows its filters match, paging aside (sf_db_count). Every
 * repository's list takes the same `int64_t *total`: NULL (no ?count=true) skips the count. */
sf_status sf_db_read_page(sf_pool *pool, const sf_stmt *stmt, const char *const *params, char **items,
                          int64_t *next_after, int64_t *total);

/* The number of rows a list statement (SF_LIST_STMT or SF_ROWS_STMT) selects with `params`
 * when paging is set aside: its count_sql with the keyset parameter 0 and the limit NULL.
 * A separate read: only lists asked ?count=true pay for it. */
sf_status sf_db_count(sf_pool *pool, const sf_stmt *list, const char *const *params, int64_t *total);


/* Small conversions for repositories: a 64-bit integer as decimal text; a field of a result
 * row as an integer / bool (0 for NULL). */
typedef struct {
    char s[24];
} sf_int_text;
sf_int_text sf_int_to_text(long long value);
long long sf_db_get_int(const PGresult *res, int row, int col);
int sf_db_get_bool(const PGresult *res, int row, int col);

#endif
