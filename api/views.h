/*
 * JSON views of resources, shared by the handlers that answer them, and the paging
 * conventions of every collection (DESIGN.md §3): ?limit= (default 20, 1–100) and an opaque
 * keyset ?page_token= bound to the collection that issued it; answers {"items":[…],"next_page_token":…}.
 */
#ifndef SF_VIEWS_H
#define SF_VIEWS_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "api/server.h"
#include "persistence/organizations.h"
#include "persistence/users.h"

json_t *sf_view_organization(const sf_organization *org);
json_t *sf_view_user(const sf_user *user);

/* ---- text written by hand: the request log's line (api/server.c), GET /v1/me (api/me.c) ----
 * Each appends at `at`, in a buffer its caller sized, and answers the position after it. */
static inline char *sf_put(char *at, const char *text, size_t len)
{
    memcpy(at, text, len);
    return at + len;
}
/* a string literal, its length known when compiled */
#define SF_PUT_LITERAL(at, literal) sf_put((at), (literal), sizeof(literal) - 1)
/* `value` in decimal, zero-padded to at least `width` digits */
static inline char *sf_put_uint(char *at, unsigned long long value, int width)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 || n < width);
    while (n > 0)
        *at++ = digits[--n];
    return at;
}
/* `value` in decimal */
static inline char *sf_put_int(char *at, long long value)
{
    if (value >= 0)
        return sf_put_uint(at, (unsigned long long)value, 1);
    *at++ = '-';
    return sf_put_uint(at, 0ULL - (unsigned long long)value, 1);
}

#define SF_PAGE_DEFAULT 20
#define SF_PAGE_MAX 100

typedef struct {
    int limit;
    int64_t after_id;   /* 0: from the start */
    int desc;           /* ?order=desc: newest first */
    int count;          /* ?count=true: the answer adds `total` */
    int64_t total;      /* what the repository counted (when count) */
} sf_page;

/* Reads ?limit=, ?page_token=, ?order= (asc, the default, or desc: newest first) and
 * ?count= (true or false, the default); adds field errors for bad values. */
void sf_page_read(const sf_ctx *ctx, sf_page *page, sf_errors *errors);

/* Where a repository's list puts its count: &page->total when ?count=true, else NULL (the
 * list then runs no COUNT at all). */
int64_t *sf_page_total(sf_page *page);

/* The collection a request reads: its route's path ("" when there is none). */
const char *sf_collection(const sf_ctx *ctx);

/* The token that continues the request's collection, in the page's order, after `last_id`; a
 * new reference (a JSON string). sf_page_read refuses it on any other collection or order. */
json_t *sf_page_token(const sf_ctx *ctx, const sf_page *page, int64_t last_id);
/* The same for `collection` (a route's path) walked newest first (`desc`) or not. */
json_t *sf_page_token_of(const char *collection, int desc, int64_t last_id);

/* Reads a positive integer id from a path segment; 0 if it is not one. */
int64_t sf_path_id(const sf_ctx *ctx, const char *name);

/* The strong ETag of a document: a hash of its canonical JSON, quoted. 0 or -1. */
int sf_etag(const json_t *doc, char out[40]);

/* Whether an If-Match header is present and names another ETag (answer 412). */
int sf_if_match_fails(const sf_ctx *ctx, const char *etag);
/* Whether a GET's (or HEAD's) If-None-Match names `etag` (or is "*"): answer 304. */
int sf_none_match_names(const sf_ctx *ctx, const char *etag);
/* For a write's If-Match: the ETag of a resource as its GET answers it, from the status and the
 * text (taken) of the read that fetched its document; `drop` names a member the read adds for
 * the caller and GET leaves out (NULL: none); with `version`, the document's "version" too.
 * SF_OK, the read's own failure, or SF_INTERNAL for a text that does not parse. */
sf_status sf_read_etag(sf_status read, char *doc, const char *drop, char etag[40], int *version);
/* After sf_read_etag: answers its failure (`not_found` for SF_NOT_FOUND), or 412 `changed`
 * when If-Match names another ETag; whether it answered (0: the write may go on). */
int sf_reply_if_stale(sf_ctx *ctx, sf_status read, const char *etag, sf_code not_found, sf_code changed);

/* Answers the resource with an ETag (a hash of its JSON), or 304 when If-None-Match names
 * it. Steals `body`. */
void sf_reply_resource(sf_ctx *ctx, int status, json_t *body);

/* The strong ETag of bytes as sent: a hash of them, quoted. */
void sf_etag_of_bytes(const char *bytes, size_t len, char out[40]);
/* A JSON string of `s` (valid UTF-8) at `at`, as the canonical text writes it (Jansson's
 * compact dump: `"`, `\\` and control characters escaped, nothing else); at most
 * 6 * strlen(s) + 2 bytes, not terminated. Answers the end. For a document written without
 * building it (GET /v1/me). */
char *sf_json_string_put(char *at, const char *s);
/* A document's canonical text as sent (allocated; NULL when memory ran out) and its ETag. */
char *sf_canonical_tagged(const json_t *doc, char etag[40]);
/* A resource document produced by the database (JSON text, taken) as it is sent — its
 * canonical text, allocated — and its ETag; NULL when it does not parse or memory ran out. */
char *sf_doc_tagged(char *json_text, char etag[40]);
/* Sends `text` (len bytes, not taken) under `etag`, or 304 when a GET's If-None-Match names it. */
void sf_reply_tagged(sf_ctx *ctx, int status, const char *text, size_t len, const char *etag);
/* Answers a resource document produced by the database (JSON text, taken and freed). */
void sf_reply_doc(sf_ctx *ctx, int status, char *json_text);
/* The resource `body` with the members of `extra` added for this caller (e.g. its
 * allowed_actions), under the ETag of `body` alone: the resource's state, which If-Match
 * compares. Takes both references. */
void sf_reply_resource_with(sf_ctx *ctx, int status, json_t *body, json_t *extra);
/* The resource `body` with the member `key` (which it lacks) whose value is given as its
 * canonical text `raw` (JSON_COMPACT | JSON_SORT_KEYS, not taken), all of it under the ETag of
 * the whole: what sf_reply_resource answers for the body with that member. Takes `body`. */
void sf_reply_resource_raw(sf_ctx *ctx, int status, json_t *body, const char *key, const char *raw);

/* Answers a repository's page read: when `status` is SF_OK, the items (JSON array text, taken
 * and freed), the token for the page after `next_after` (none when 0) and, when `page` asked
 * ?count=true, its `total`; otherwise the problem for `status` (the items are not touched: a
 * failed read allocates nothing). */
void sf_reply_page(sf_ctx *ctx, sf_status status, char *items_json, int64_t next_after, const sf_page *page);

/* The envelope of a page built in C (`items` and `next_page_token` taken), with `total` when
 * `page` asked for it; a new reference. */
json_t *sf_page_envelope(json_t *items, json_t *next_page_token, const sf_page *page);

/* Answers a repository's write: when `status` is SF_OK, `doc` (taken and freed) with
 * `http_status`; otherwise the problem for `status`, with `invalid_code` and the field
 * `errors` when the input was not valid (SF_INVALID). */
void sf_reply_written(sf_ctx *ctx, sf_status status, int http_status, char *doc, sf_code invalid_code,
                      const sf_errors *errors);

/* Adds Location to a 201 answer, if it has none: the GET that reads what the route created
 * (a table in views.c), filled from the created document. Called by the dispatcher. */
void sf_set_created_location(sf_ctx *ctx);

/* Answers 422 listing the query parameters in `errors`, if there are any; returns whether it
 * did, so that a handler ends there. */
int sf_reply_query_errors(sf_ctx *ctx, const sf_errors *errors);

/* Adds a field error for each query parameter not in `allowed` (NULL-terminated): a
 * misspelt filter is refused (422 naming it), never silently ignored. */
void sf_query_only(const sf_ctx *ctx, const char *const *allowed, sf_errors *errors);

/* Reads an optional non-negative integer query parameter; 0 when absent. */
int64_t sf_query_int(const sf_ctx *ctx, const char *name, int64_t min, int64_t max, sf_errors *errors);

/* A growing byte buffer; after an allocation failure `failed` is set and it stops growing. */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} sf_buf;
void sf_buf_add(sf_buf *b, const char *bytes, size_t n);
void sf_buf_printf(sf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One CSV cell onto `out`: quoted (quotes doubled) when it holds a comma, quote, CR or LF,
 * and prefixed with ' when it begins with = + - @, a tab or a CR, which a spreadsheet would
 * read as a formula (OWASP, CSV injection). NULL adds an empty cell. */
void sf_csv_field(sf_buf *out, const char *v);
/* A JSON value as one CSV cell (sf_csv_field): an integer or real as a number, a boolean as
 * true/false, a string as it is, anything else empty. */
void sf_csv_value(sf_buf *out, const json_t *v);
/* The start of a CSV file onto `out`: the UTF-8 byte order mark (for Excel) and the header
 * line of `ncolumns` titles, CRLF-terminated. */
void sf_csv_start(sf_buf *out, const char *const *header, size_t ncolumns);

/* Answers a CSV file for Excel: UTF-8 with a byte-order mark, CRLF lines, RFC 4180 quoting,
 * and a leading = + - @, tab or CR neutralised with ' (no formula injection; sf_csv_field).
 * `rows` is a JSON array of arrays of strings, integers or nulls (taken and freed). */
void sf_reply_csv(sf_ctx *ctx, const char *const *header, size_t ncolumns, char *rows, const char *filename);
/* Answers a finished CSV file (`len` bytes, not taken) under its strong ETag, or 304 when a
 * GET's If-None-Match names it. */
void sf_reply_csv_tagged(sf_ctx *ctx, const char *text, size_t len, const char *etag, const char *filename);

/* The header row a spreadsheet gets (issue 13 §4): the Chinese column titles Chinese offices
 * keep (`labels`), by default; the field names scripts use (`keys`) with ?header=keys or
 * when Accept-Language asks for English first. NULL (and a field error under "header") for
 * another ?header= value. */
const char *const *sf_csv_header(const sf_ctx *ctx, const char *const *keys, const char *const *labels,
                                 sf_errors *errors);

/* The parts of an upload (api/uploads.c): the raw body with ?kind= and ?filename=, or a
 * multipart/form-data body (a browser's FormData) with a `file` part and `kind` and
 * `filename` fields (the query's, or the file part's own filename, when a field is absent). */
typedef struct {
    /* The file's bytes in memory, or, when streamed to a file (fd > 0), only its first
     * head_len bytes, the whole being in fd; sha256: computed already as a streamed body
     * arrived (in a file or in memory), else NULL */
    const unsigned char *data;
    size_t size, head_len;
    int fd;
    const char *sha256;
    const char *kind, *filename;   /* NULL: not sent */
    int multipart;
    char kind_text[64], filename_text[1024];
} sf_upload;
/* Reads them; answers 400 for a malformed multipart body and returns 0. */
int sf_upload_read(sf_ctx *ctx, sf_upload *u);
/* Whether a multipart/form-data body is malformed, answering 400 if so: the dispatcher asks
 * this of every upload route before anything else, the caller's token included. */
int sf_upload_form_refused(sf_ctx *ctx);

/* Uploads (api/materials.c): reads the parts (sf_upload_read), checks the filename, the type
 * by its magic bytes and computes the SHA-256 into `sha`; fills `m` (its `kind` is kept).
 * Answers the problem itself and returns 0 on failure. */
#include "persistence/materials.h"
int sf_read_upload(sf_ctx *ctx, sf_new_material *m, char sha[65], sf_errors *errors);
/* The same from parts already read (sf_post_material reads the kind among them). */
int sf_read_upload_parts(sf_ctx *ctx, const sf_upload *u, sf_new_material *m, char sha[65], sf_errors *errors);
/* Sends a stored file with its type, a safe Content-Disposition and its SHA-256 as ETag, or
 * 304 when If-None-Match names that ETag; frees c->data. */
void sf_send_file(sf_ctx *ctx, sf_material_content *c);

#endif
