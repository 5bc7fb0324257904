/*
 * The public registry's reads (see registry.h).
 */
#include "persistence/registry.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "persistence/clock.h"
#include "persistence/db.h"

/* Substring search ($2) through the registry's index of one- and two-character substrings
 * (sql/013_registry.sql), then LIKE on each candidate; like_substring escapes the term. */
#define REGISTRY_MATCHES(q, region, function, status, year)                                             \
    "(" q "::text IS NULL OR (grams @> search_term_grams(" q ") AND (name LIKE like_substring(" q ")"     \
    "   OR operator_name LIKE like_substring(" q "))))"                                                  \
    " AND (" region "::text IS NULL OR region_code = " region ")"                                        \
    " AND (" function "::text IS NULL OR " function " = ANY (functions))"                                \
    " AND (" status "::text IS NULL OR status = " status ") AND (" year "::int IS NULL OR award_year = " year ")"
static const sf_stmt LIST_REGISTRY = SF_LIST_STMT(
    SF_PAGE_SELECT_TEXT, "SELECT id, doc, row_number() OVER (ORDER BY " SF_KEYSET_ORDER("id", "$8") ") AS rn"
    " FROM registry_docs WHERE " REGISTRY_MATCHES("$2", "$3", "$4", "$6", "$7")
    "   AND " SF_KEYSET_AFTER("id", "$8") " ORDER BY " SF_KEYSET_ORDER("id", "$8") " LIMIT $5 + 1", 8, 1, 5);
/* The same selection for export, every row (up to a bound), flat. */
static const sf_stmt EXPORT_REGISTRY = {
    "SELECT coalesce(jsonb_agg(jsonb_build_array(r.id, r.name, r.operator_name, r.region_code, g.name,"
    "        array_to_string(r.functions, ';'), r.level, r.certificate_no, r.awarded_on, r.valid_from, r.valid_until,"
    "        r.status, r.revoked_on, r.revocation_reason) ORDER BY r.id), '[]')::text"
    " FROM (SELECT * FROM registry_docs WHERE " REGISTRY_MATCHES("$1", "$2", "$3", "$4", "$5")
    "       ORDER BY id LIMIT 100000) r"
    " JOIN regions g ON g.code = r.region_code", 5, SF_PLAN_EACH_CALL};
static const sf_stmt GET_REGISTRY = {"SELECT doc FROM registry_docs WHERE id = $1", 1};

sf_status sf_registry_list(sf_pool *pool, const sf_registry_filter *f, int64_t after_id, int limit, int desc,
                           char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text after = sf_int_to_text(after_id), lim = sf_int_to_text(limit), year = sf_int_to_text(f->award_year);
    const char *params[] = {after.s, f->q, f->region, f->function, lim.s, f->status, f->award_year ? year.s : NULL, desc ? "true" : "false"};
    return sf_db_read_page(pool, &LIST_REGISTRY, params, items, next_after, total);
}

sf_status sf_registry_export(sf_pool *pool, const sf_registry_filter *f, char **rows)
{
    sf_int_text year = sf_int_to_text(f->award_year);
    const char *params[] = {f->q, f->region, f->function, f->status, f->award_year ? year.s : NULL};
    return sf_db_read_text(pool, &EXPORT_REGISTRY, params, rows);
}

sf_status sf_registry_get(sf_pool *pool, int64_t platform_id, char **doc)
{
    sf_int_text idt = sf_int_to_text(platform_id);
    const char *params[] = {idt.s};
    return sf_db_read_text(pool, &GET_REGISTRY, params, doc);
}

/* ---- the listening connection ---- */

struct sf_registry_listener {
    PGconn *pg;
};


/* 1: the socket is readable, 0: timeout, -1: stop_fd is readable. */
static int wait_socket(PGconn *pg, int stop_fd, int ms)
{
    struct pollfd fds[2] = {{stop_fd, POLLIN, 0}, {PQsocket(pg), POLLIN, 0}};
    int n = poll(fds, 2, ms < 0 ? 0 : ms);
    if (n > 0 && fds[0].revents)
        return -1;
    return n > 0 ? 1 : 0;
}

static void hand_over(PGconn *pg, sf_registry_heard heard, void *arg)
{
    PGnotify *n;
    while ((n = PQnotifies(pg)) != NULL) {
        heard(arg, n->extra);
        PQfreemem(n);
    }
}

/* Sends `sql` (one row: the date, optionally the version) and waits for it. */
static int ask(sf_registry_listener *l, int stop_fd, int ms, const char *sql, int32_t *day, int64_t *version,
               sf_registry_heard heard, void *arg)
{
    if (!PQsendQuery(l->pg, sql))
        return 0;
    long long deadline = sf_monotonic_ms() + ms;
    int answered = 0;
    for (;;) {
        while (!PQisBusy(l->pg)) {
            PGresult *res = PQgetResult(l->pg);
            if (res == NULL) {
                if (heard != NULL)
                    hand_over(l->pg, heard, arg);
                return answered;
            }
            if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
                *day = (int32_t)atol(PQgetvalue(res, 0, 0));
                if (version != NULL)
                    *version = PQgetisnull(res, 0, 1) ? 0 : atoll(PQgetvalue(res, 0, 1));
                answered = 1;
            }
            PQclear(res);
        }
        long long left = deadline - sf_monotonic_ms();
        int w = left > 0 ? wait_socket(l->pg, stop_fd, (int)left) : 0;
        if (w <= 0)
            return w;
        if (!PQconsumeInput(l->pg))
            return 0;
    }
}

sf_registry_listener *sf_registry_listen(const char *conninfo, int32_t *day, int64_t *version)
{
    sf_registry_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    /* the connection string's options and ours (sf_db_options) */
    char options[640];
    sf_db_options(conninfo, SF_DB_SESSION_OPTIONS, options, sizeof options);
    const char *const keys[] = {"dbname", "options", "application_name", NULL};
    const char *const values[] = {conninfo, options, "shifan-registry-listener", NULL};
    l->pg = sf_db_connect(keys, values, 2000);
    int ok = l->pg != NULL;
    if (ok) {
        PGresult *res = PQexec(l->pg, "LISTEN shifan_registry");
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
    }
    /* no notification can have arrived yet that this read does not cover: none is handed on */
    if (!ok || ask(l, -1, 2000, "SELECT current_date - date '2000-01-01', (SELECT version FROM registry_version)", day,
                   version, NULL, NULL) != 1) {
        sf_registry_listener_close(l);
        return NULL;
    }
    /* notifications that came with the answer are of changes the read already saw: dropped
     * here, they would only drop what is not cached yet */
    PGnotify *n;
    while ((n = PQnotifies(l->pg)) != NULL)
        PQfreemem(n);
    return l;
}

int sf_registry_listener_wait(sf_registry_listener *l, int stop_fd, int ms, sf_registry_heard heard, void *arg)
{
    int w = wait_socket(l->pg, stop_fd, ms);
    if (w < 0)
        return -1;
    if (w == 1 && !PQconsumeInput(l->pg))
        return 0;
    hand_over(l->pg, heard, arg);
    return PQstatus(l->pg) == CONNECTION_OK;
}

int sf_registry_listener_check(sf_registry_listener *l, int stop_fd, int ms, int32_t *day, sf_registry_heard heard,
                               void *arg)
{
    return ask(l, stop_fd, ms, "SELECT current_date - date '2000-01-01'", day, NULL, heard, arg);
}

void sf_registry_listener_close(sf_registry_listener *l)
{
    if (l == NULL)
        return;
    PQfinish(l->pg);
    free(l);
}

static const sf_stmt TURN_DAY = {"SELECT registry_turn_day()", 0};

sf_status sf_registry_turn_day(sf_pool *pool, int *turned)
{
    PGresult *res;
    sf_status status = sf_db_write(pool, &TURN_DAY, NULL, &res, NULL);
    if (status != SF_OK)
        return status;
    *turned = (int)sf_db_get_int(res, 0, 0);
    PQclear(res);
    return SF_OK;
}
