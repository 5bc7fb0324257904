/*
 * The kinds of bulk import (POST /v1/imports/platforms, POST /v1/imports/records?kind=…): one
 * shape for all — a JSON array of row objects or CSV (UTF-8 or GB18030, with or without a
 * BOM) with a fixed header, ?dry_run=true, Idempotency-Key, every row or none, every error at
 * once by row (1-based, header excluded) and field. A kind says how a CSV record becomes a
 * row object, how one row is checked, and how the checked rows are written.
 */
#ifndef SF_API_IMPORTS_H
#define SF_API_IMPORTS_H

#include <jansson.h>

#include "api/server.h"
#include "domain/calendar.h"
#include "domain/status.h"

/* How a CSV cell becomes a member of the row object (an empty cell: the member is absent). */
typedef enum {
    SF_COL_TEXT,      /* a string */
    SF_COL_INT,       /* an integer (kept as a string when it is not one: the row check says so) */
    SF_COL_LIST,      /* strings separated by ';' */
    SF_COL_BOOL,      /* true | false */
    SF_COL_JSON       /* a JSON value written in the cell */
} sf_column_type;

typedef struct {
    const char *name;
    sf_column_type type;
    int optional;     /* the CSV header may leave it out: every row's cell is then empty */
} sf_import_column;

typedef struct sf_import_kind sf_import_kind;
struct sf_import_kind {
    const char *name;                    /* "platforms", or a kind of records */
    const sf_import_column *columns;     /* the CSV header, in order */
    size_t ncolumns;
    /* A CSV record (ncolumns cells) as the row object its JSON form would give; NULL: each
     * cell becomes the member its column names, by the column's type. */
    json_t *(*csv_body)(const char *const *cells, int *no_memory);
    /* Checks one row object (`row` 1-based); adds every problem to `e` and answers the row as
     * the writer takes it (a new reference), or NULL (with *no_memory when memory ran out).
     * `state` (an object owned by the import) lets a kind remember earlier rows. */
    json_t *(*read_row)(const sf_ctx *ctx, json_t *body, json_int_t row, json_t *state, sf_day today,
                        sf_errors *e, int *no_memory);
    /* The Chinese title each column may also be headed by (issue 13, point 4: a clerk's sheet
     * imports as it is, its columns in any order), or NULL: the field names only. */
    const char *const *labels;
};

/* The kinds of records of POST /v1/imports/records (api/records.c); NULL for another name. */
const sf_import_kind *sf_records_kind(const char *name);

#endif
