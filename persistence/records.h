/*
 * Records of the past (DESIGN.md §2 "Records of the past (going live)"): rounds, titles and
 * supervision records the province imports once, every row or none, each recorded fact marked
 * origin 'recorded' and naming its import (sql/026_records.sql).
 */
#ifndef SF_REPO_RECORDS_H
#define SF_REPO_RECORDS_H

#include "domain/calendar.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/imports.h"
#include "persistence/pool.h"

/* What an import of records is and how its answers read (the answers are api/'s to write). */
typedef struct {
    const char *kind;   /* rounds | titles | annual_summaries | inspections | city_reports */
    /* the answer (malloc'd) when rows clash with what is stored or with each other: the row
     * errors as a JSON array of {row, field, code, params} (a code's name, domain/codes.h, and
     * its parameters as a JSON object of numbers and texts) */
    char *(*refused)(const char *errors_json, int lang);
    int lang;           /* passed to `refused`: the language its words are in (api/'s) */
    /* the answer (malloc'd) when the rows are recorded: the import's id and the new ids */
    char *(*recorded)(const char *kind, long long import_id, const char *ids_json);
    /* the answer (malloc'd) of a dry run whose rows passed every check */
    char *(*checked)(const char *kind, long long rows);
    int dry_run;        /* check against what is stored, write nothing */
    long long rows;     /* how many rows */
} sf_records_request;

/* An sf_import_write_fn (persistence/imports.h) for records: `arg` is an sf_records_request.
 * In the caller's transaction it takes the title writers' lock (every writer of titles,
 * rounds and the registry takes it: the import runs alone), checks the rows (a JSON array of
 * the rows api/imports.c validated) against what is stored and against each other, and then
 * either answers 422 with every row error, having written nothing, or (a dry run) 200, or
 * records every row, the import and its audit events, and answers 201. */
sf_status sf_records_write(sf_conn *conn, const sf_actor *actor, const char *rows_json, void *arg, int *status,
                           char **answer);

/* The same as a transaction of its own (no Idempotency-Key). */
sf_status sf_records_import(sf_pool *pool, const sf_actor *actor, sf_records_request *req,
                            const char *rows_json, int *status, char **answer);

/* The database's date: what a record's dates are checked against. */
sf_status sf_records_today(sf_pool *pool, sf_day *today);

#endif
