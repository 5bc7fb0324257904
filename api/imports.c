/*
 * Bulk imports, one shape for every kind (api/imports.h). POST /v1/imports/platforms: a
 * city's (or the province's) yearly import of platforms; POST /v1/imports/records?kind=…:
 * the province's records of the past (api/records.c, persistence/records.c). Each takes a
 * JSON array of row objects or CSV (UTF-8 with or without a BOM, or GB18030 — what
 * Excel writes on Chinese Windows — declared by charset or detected). Every row is checked
 * as POST /v1/platforms checks one, every problem is reported at once by row, field and
 * message, and then all rows are written in one transaction or none. ?dry_run=true checks
 * without writing; an Idempotency-Key makes a retry answer what the first request answered.
 */
#include <errno.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/platform_input.h"
#include "api/problem.h"
#include "api/sha256.h"
#include "api/views.h"
#include "domain/platforms.h"
#include "domain/accounts.h"
#include "persistence/imports.h"
#include "persistence/records.h"
#include "api/imports.h"

#define MAX_ROWS 20000
#define MAX_REPORTED_ERRORS 1000
#define MAX_COLUMNS 32

/* Appends `item` (taken) to `array`; sets *no_memory if either is NULL or it cannot. Jansson
 * drops what it cannot add, so every addition is checked: an import never loses a row. */
static void push(json_t *array, json_t *item, int *no_memory)
{
    if (item == NULL || json_array_append_new(array, item) != 0)
        *no_memory = 1;
}

/* The same for a member of an object. */
static void put(json_t *object, const char *name, json_t *value, int *no_memory)
{
    if (value == NULL || json_object_set_new(object, name, value) != 0)
        *no_memory = 1;
}

/* ---- CSV (RFC 4180) ---- */

/* Splits `text` into records of fields, blank lines skipped. Returns a JSON array of arrays
 * of strings, or NULL: with *error_line when a quoted field never closes, with *too_many when
 * there are more than `max_records` records (parsing stops there, so memory stays bounded),
 * with *no_memory when memory ran out. */
static json_t *csv_parse(const char *text, size_t len, size_t max_records, int *error_line, int *too_many,
                         int *no_memory)
{
    json_t *rows = json_array(), *row = json_array();
    sf_buf field = {0};
    int line = 1, quoted = 0, at_start = 1;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? text[i] : '\n';
        int end = i == len;
        if (quoted) {
            if (end) {
                *error_line = line;
                free(field.data);
                json_decref(row);
                json_decref(rows);
                return NULL;
            }
            if (c == '"' && i + 1 < len && text[i + 1] == '"') {
                sf_buf_add(&field, "\"", 1);
                i++;
            } else if (c == '"') {
                quoted = 0;
            } else {
                if (c == '\n')
                    line++;
                sf_buf_add(&field, &c, 1);
            }
            continue;
        }
        if (c == '"' && at_start) {
            quoted = 1;
            at_start = 0;
            continue;
        }
        if (c == ',' || c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
                continue;   /* the \n ends the record */
            push(row, json_stringn(field.data ? field.data : "", field.len), no_memory);
            field.len = 0;
            at_start = 1;
            if (c != ',') {
                /* a record ends; a blank line is not a record */
                if (json_array_size(row) == 1 && json_string_length(json_array_get(row, 0)) == 0)
                    json_decref(row);
                else
                    push(rows, row, no_memory);
                row = json_array();
                line++;
                if (json_array_size(rows) > max_records) {
                    *too_many = 1;
                    free(field.data);
                    json_decref(row);
                    json_decref(rows);
                    return NULL;
                }
            }
            continue;
        }
        at_start = 0;
        sf_buf_add(&field, &c, 1);
    }
    json_decref(row);
    free(field.data);
    if (*no_memory || field.failed) {
        *no_memory = 1;
        json_decref(rows);
        return NULL;
    }
    return rows;
}

/* Counts the elements of a top-level JSON array without building it, so that an oversized
 * import is refused before it costs memory. */
static long count_array_elements(const char *s, size_t len)
{
    long count = 0, depth = 0;
    int in_string = 0, any = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"')
            in_string = 1;
        else if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            depth--;
        else if (c == ',' && depth == 1)
            count++;
        if (depth >= 1 && !(depth == 1 && (c == '[' || c == ',')) && c != ' ' && c != '\n' && c != '\r' && c != '\t')
            any = 1;
    }
    return any ? count + 1 : 0;
}

/* The body as UTF-8: a BOM dropped; GB18030 (declared, or when the bytes are not UTF-8)
 * converted. Returns an allocated string, or NULL when it is neither, or with *no_memory set
 * when it could not be converted for want of memory (or of the converter). */
static char *to_utf8(const char *body, size_t len, const char *content_type, int *no_memory)
{
    const char *charset = content_type ? strcasestr(content_type, "charset=") : NULL;
    int gb = charset && (strncasecmp(charset + 8, "gb18030", 7) == 0 || strncasecmp(charset + 8, "gbk", 3) == 0 ||
                         strncasecmp(charset + 8, "gb2312", 6) == 0);
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        len -= 3;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        *no_memory = 1;
        return NULL;
    }
    memcpy(copy, body, len);
    copy[len] = '\0';
    if (!gb && strlen(copy) == len && sf_utf8_length(copy) >= 0)
        return copy;
    /* GB18030 → UTF-8: at most 2 bytes become 3, 4 bytes stay 4 */
    free(copy);
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        *no_memory = 1;
        return NULL;
    }
    size_t out_len = len * 2 + 1, in_left = len, out_left = out_len - 1;
    char *out = malloc(out_len), *in = (char *)(uintptr_t)body, *o = out;
    if (out == NULL)
        *no_memory = 1;
    if (out == NULL || iconv(cd, &in, &in_left, &o, &out_left) == (size_t)-1) {
        iconv_close(cd);
        free(out);
        return NULL;
    }
    iconv_close(cd);
    *o = '\0';
    if (sf_utf8_length(out) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* The rows of a body that is not UTF-8 whose bytes GB18030 cannot decode: one error per
 * such row (1-based, header excluded: CSV records end at a line break outside quotes, and no
 * byte of a GB18030 character but a single one is a quote or a line break), or none when
 * the header itself is undecodable (or the converter is missing). */
static void encoding_errors(const char *body, size_t len, sf_lang lang, json_t *errors, int *no_memory)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return;
    char out[4096];
    size_t at = 0;
    long row = 0;
    int quoted = 0;
    while (at < len) {
        char *in = (char *)(uintptr_t)(body + at), *o = out;
        size_t in_left = len - at, out_left = sizeof out;
        int bad = iconv(cd, &in, &in_left, &o, &out_left) == (size_t)-1 && errno != E2BIG;
        size_t upto = (size_t)(in - body);
        for (; at < upto; at++) {
            if (body[at] == '"')
                quoted = !quoted;
            else if (body[at] == '\n' && !quoted)
                row++;
        }
        if (!bad)
            continue;
        if (row == 0)
            break;   /* the header: the whole file is refused (csv_encoding) */
        if (json_array_size(errors) < MAX_REPORTED_ERRORS) {
            sf_field_error fe = {.field = "*", .code = SF_E_CSV_ROW_ENCODING};
            push(errors, sf_field_error_json(&fe, lang, row), no_memory);
        }
        /* on to the next record */
        while (at < len && (body[at] != '\n' || quoted)) {
            if (body[at] == '"')
                quoted = !quoted;
            at++;
        }
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
}

/* A platform's CSV record (the 7 columns of PLATFORM_COLUMNS) as POST /v1/platforms takes
 * the body: functions split on ';', the operator's fields nested. */
static json_t *platform_csv_body(const char *const *f, int *no_memory)
{
    json_t *functions = json_array();
    for (const char *p = f[2]; *p;) {
        size_t n = strcspn(p, ";");
        if (n > 0)
            push(functions, json_stringn(p, n), no_memory);
        p += n;
        if (*p == ';')
            p++;
    }
    json_t *op = json_pack("{s:s, s:s}", "name", f[3], "credit_code", f[4]);
    if (f[5][0] != '\0')
        put(op, "established_on", json_string(f[5]), no_memory);
    if (f[6][0] != '\0')
        put(op, "address", json_string(f[6]), no_memory);
    return json_pack("{s:s, s:s, s:o, s:o}", "name", f[0], "region_code", f[1], "functions", functions, "operator", op);
}

/* A CSV cell as the member its column declares (see sf_column_type). */
static json_t *cell_value(const sf_import_column *c, const char *cell, int *no_memory)
{
    switch (c->type) {
    case SF_COL_INT: {
        char *end;
        long long v = strtoll(cell, &end, 10);
        return *end == '\0' && cell[strspn(cell, "0123456789")] == '\0' && strlen(cell) <= 18 ? json_integer(v)
                                                                                             : json_string(cell);
    }
    case SF_COL_BOOL:
        return strcmp(cell, "true") == 0 ? json_true() : strcmp(cell, "false") == 0 ? json_false() : json_string(cell);
    case SF_COL_JSON: {
        int oom = 0;
        json_t *v = sf_json_loadb(cell, strlen(cell), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL, &oom);
        if (oom)
            *no_memory = 1;
        return v ? v : json_string(cell);
    }
    case SF_COL_LIST: {
        json_t *list = json_array();
        for (const char *p = cell; *p;) {
            size_t n = strcspn(p, ";");
            if (n > 0)
                push(list, json_stringn(p, n), no_memory);
            p += n;
            if (*p == ';')
                p++;
        }
        return list;
    }
    default:
        return json_string(cell);
    }
}

/* A CSV record of a kind of records as its row object: an empty cell leaves its member out. */
static json_t *columns_csv_body(const sf_import_kind *k, const char *const *f, int *no_memory)
{
    json_t *body = json_object();
    for (size_t c = 0; c < k->ncolumns; c++)
        if (f[c][0] != '\0')
            put(body, k->columns[c].name, cell_value(&k->columns[c], f[c], no_memory), no_memory);
    return body;
}

/* Maps the header's columns: col[c] is where the kind's column c stands, headed by its field
 * name or its Chinese title, in any order. Each unknown, repeated or missing column is a field
 * error naming it. */
/* The columns of `k` for the messages that list them: field names joined by ", " and their
 * Chinese titles joined by "、" (truncated, never overrun, if they do not fit). */
static void column_lists(const sf_import_kind *k, char *keys, size_t nkeys, char *titles, size_t ntitles)
{
    size_t kl = 0, tl = 0;
    keys[0] = titles[0] = '\0';
    for (size_t c = 0; c < k->ncolumns; c++) {
        int n = snprintf(keys + kl, nkeys - kl, "%s%s", c ? ", " : "", k->columns[c].name);
        kl = n < 0 || (size_t)n >= nkeys - kl ? nkeys - 1 : kl + (size_t)n;
        n = snprintf(titles + tl, ntitles - tl, "%s%s", c ? "、" : "", k->labels ? k->labels[c] : k->columns[c].name);
        tl = n < 0 || (size_t)n >= ntitles - tl ? ntitles - 1 : tl + (size_t)n;
    }
}

static void read_header(const sf_import_kind *k, json_t *header, int *col, sf_errors *e)
{
    char keys[512], titles[512];
    column_lists(k, keys, sizeof keys, titles, sizeof titles);
    for (size_t c = 0; c < k->ncolumns; c++)
        col[c] = -1;
    for (size_t i = 0; i < json_array_size(header); i++) {
        const char *name = json_string_value(json_array_get(header, i));
        if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
            name += 3;   /* a byte order mark, as Excel writes one */
        size_t c = 0;
        while (c < k->ncolumns && strcmp(name, k->columns[c].name) != 0 &&
               (k->labels == NULL || strcmp(name, k->labels[c]) != 0))
            c++;
        if (c == k->ncolumns)
            sf_errors_add(e, name[0] ? name : "*", SF_E_CSV_COLUMN_UNKNOWN, SF_TEXT("column", name),
                          SF_TEXT("columns", keys), SF_TEXT("titles", titles));
        else if (col[c] >= 0)
            sf_errors_add(e, k->columns[c].name, SF_E_CSV_COLUMN_TWICE, SF_TEXT("column", name));
        else
            col[c] = (int)i;
    }
    for (size_t c = 0; c < k->ncolumns; c++)
        if (col[c] < 0 && !k->columns[c].optional)
            sf_errors_add(e, k->columns[c].name, SF_E_CSV_COLUMN_MISSING, SF_TEXT("key", k->columns[c].name),
                          SF_TEXT("label", k->labels ? k->labels[c] : k->columns[c].name));
}

/* CSV records to row bodies, as the JSON form of the import takes them (NULL, with
 * *no_memory set, if memory runs out). A record with another number of cells than the header
 * is reported and stands as null; a column the header left out (col[c] < 0) is empty. */
static json_t *csv_to_bodies(const sf_import_kind *k, json_t *records, const int *col, sf_lang lang, json_t *errors,
                             int *no_memory)
{
    json_t *bodies = json_array();
    size_t i, width = json_array_size(json_array_get(records, 0));
    json_t *rec;
    json_array_foreach(records, i, rec) {
        if (i == 0)
            continue;   /* the header, checked by the caller */
        if (json_array_size(rec) != width) {
            if (json_array_size(errors) < MAX_REPORTED_ERRORS) {
                sf_field_error fe = {.field = "*", .code = SF_E_CSV_COLUMN_COUNT};
                sf_params_set(&fe.params, (const sf_arg[]){SF_INT("count", (long long)width), SF_ARG_END_});
                push(errors, sf_field_error_json(&fe, lang, (long long)i), no_memory);
            }
            push(bodies, json_null(), no_memory);   /* reported; skipped when checking rows */
            continue;
        }
        const char *f[MAX_COLUMNS];
        for (size_t c = 0; c < k->ncolumns && c < MAX_COLUMNS; c++)
            f[c] = col[c] >= 0 ? json_string_value(json_array_get(rec, (size_t)col[c])) : "";
        push(bodies, k->csv_body ? k->csv_body(f, no_memory) : columns_csv_body(k, f, no_memory), no_memory);
    }
    if (*no_memory) {
        json_decref(bodies);
        return NULL;
    }
    return bodies;
}

/* The request an Idempotency-Key stands for: its media type, dry run, body and (for records)
 * kind. */
static void hash_request(const sf_ctx *ctx, const char *kind, int dry_run, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[32];
    unsigned int len = 0;
    const char *ct = sf_header(ctx, "Content-Type");
    EVP_DigestInit_ex(md, sf_sha256_md(), NULL);
    EVP_DigestUpdate(md, ct ? ct : "", ct ? strlen(ct) : 0);
    EVP_DigestUpdate(md, dry_run ? "\1" : "\0", 1);
    if (kind != NULL)
        EVP_DigestUpdate(md, kind, strlen(kind) + 1);
    EVP_DigestUpdate(md, ctx->req->binary_body, ctx->req->binary_body_length);
    EVP_DigestFinal_ex(md, digest, &len);
    EVP_MD_CTX_free(md);
    sf_hex(digest, 32, out);
    out[64] = '\0';
}

/* What the checks made of a request: a final answer, or rows to write. */
typedef struct {
    int status;        /* of the answer, when there is one */
    json_t *body;      /* the answer (owned), or NULL */
    char *rows;        /* the rows to import as JSON text (free()), or NULL */
    long long nrows;   /* how many */
} verdict;

static void settle(verdict *v, int status, json_t *body)
{
    v->status = status;
    v->body = body;
}

/* The problem of `status` with `code` (api/problem.c words it) and the row errors, if any
 * (stolen). */
#define problem(lang, status, errors, ...) \
    problem_((lang), (status), (errors), SF_CODE_HEAD_(__VA_ARGS__, 0), \
             (const sf_arg[]){SF_CODE_TAIL_(__VA_ARGS__, SF_ARG_END_)})
static json_t *problem_(sf_lang lang, int status, json_t *errors, sf_code code, const sf_arg *args)
{
    sf_params params;
    sf_params_set(&params, args);
    json_t *p = sf_problem_json(status, lang, code, &params);
    int no_memory = p == NULL;
    if (errors)
        put(p, "errors", errors, &no_memory);
    if (no_memory) {
        json_decref(p);
        return NULL;
    }
    return p;
}

#define refuse(v, lang, status, ...) settle((v), (status), problem((lang), (status), NULL, __VA_ARGS__))

static json_t *conflict_problem(sf_lang lang)
{
    return problem(lang, 409, NULL, SF_E_IMPORT_PLATFORM_EXISTS);
}

/* The answer to an import that wrote the rows with these ids (a JSON array as text). */
static char *success_answer(const char *ids_json)
{
    json_t *ids = sf_json_loads(ids_json);
    if (!json_is_array(ids)) {
        json_decref(ids);
        return NULL;
    }
    json_t *body = json_pack("{s:b, s:I, s:o}", "dry_run", 0, "imported", (json_int_t)json_array_size(ids), "ids", ids);
    char *text = body ? sf_json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

/* Sends an answer kept as text (a first answer, or one recorded under the key). */
static void send_text(sf_ctx *ctx, int status, const char *text)
{
    ulfius_set_binary_body_response(ctx->res, (unsigned)status, text, strlen(text));
    sf_set_header(ctx, "Content-Type", status >= 400 ? "application/problem+json" : "application/json");
}

static void send_json(sf_ctx *ctx, int status, json_t *body)
{
    char *text = sf_json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    send_text(ctx, status, text);
    free(text);
}

/* ---- platforms, the first kind ---- */

static const sf_import_column PLATFORM_COLUMNS[] = {
    {"name", SF_COL_TEXT, 0}, {"region_code", SF_COL_TEXT, 0}, {"functions", SF_COL_LIST, 0},
    {"operator_name", SF_COL_TEXT, 0}, {"credit_code", SF_COL_TEXT, 0}, {"established_on", SF_COL_TEXT, 0},
    {"address", SF_COL_TEXT, 0},
};

/* A row as POST /v1/platforms checks one, flattened for the one INSERT of
 * sf_import_platforms; `seen` holds the credit code and name of each earlier row. */
static json_t *platform_row(const sf_ctx *ctx, json_t *body, json_int_t n, json_t *seen, sf_day today, sf_errors *e,
                            int *no_memory)
{
    (void)n;
    sf_platform_fields f;
    char functions[128];
    if (!json_is_object(body)) {
        sf_errors_add(e, "*", SF_E_NOT_OBJECT);
        return NULL;
    }
    sf_platform_fields_read(body, 0, &f, functions, sizeof functions, e);
    sf_platform_fields_dated(&f, today, e);
    if (!sf_errors_any(e))
        sf_platform_may_register(&ctx->caller, f.region_code, e);   /* Art. 15: a row error */
    if (sf_errors_any(e))
        return NULL;
    json_t *functions_list = json_deep_copy(json_object_get(body, "functions"));
    json_t *row = json_pack("{s:s, s:s, s:o, s:s, s:s}", "name", f.name, "region_code", f.region_code, "functions",
                            functions_list, "operator_name", f.operator_name, "credit_code", f.credit_code);
    if (f.established_on)
        put(row, "established_on", json_string(f.established_on), no_memory);
    if (f.address)
        put(row, "address", json_string(f.address), no_memory);
    /* the same platform twice in one file (a set keyed by credit code and name) */
    char identity[1200];
    snprintf(identity, sizeof identity, "%s|%s", f.credit_code, f.name);
    if (json_object_get(seen, identity) != NULL)
        sf_errors_add(e, "name", SF_E_ROW_REPEATED);
    put(seen, identity, json_true(), no_memory);
    return row;
}

/* The titles of the registry's CSV (api/views.c) for the same facts, and the address. */
static const char *const PLATFORM_LABELS[] = {"平台名称", "行政区划代码", "服务功能", "运营单位",
                                              "统一社会信用代码", "成立日期", "地址"};

static const sf_import_kind PLATFORMS = {"platforms", PLATFORM_COLUMNS, sizeof PLATFORM_COLUMNS / sizeof *PLATFORM_COLUMNS,
                                         platform_csv_body, platform_row, PLATFORM_LABELS};

static void push_stored_errors(json_t *errors, const char *errors_json, sf_lang lang, size_t cap, int *no_memory);

/* For a dry run of the rows that passed their own checks, alongside rows that did not: the
 * database's refusal as it is (its errors' JSON), or nothing when the rows pass. */
static char *refusal_as_is(const char *errors_json, int lang)
{
    (void)lang;
    return strdup(errors_json);
}

static char *passed_as_nothing(const char *kind, long long rows)
{
    (void)kind;
    (void)rows;
    return strdup("");
}

/* Records whose rows are refused on their own: the rows that passed are still checked against
 * what is stored and against each other (a dry run), so that every problem is told at once
 * (from an outside review: a clash with a stored title came out only once the other rows were
 * mended). A database that cannot answer leaves the rows' own errors. */
static void add_stored_refusals(sf_ctx *ctx, const sf_import_kind *kind, json_t *rows, json_t *errors, sf_lang lang,
                                int *no_memory)
{
    if (json_array_size(rows) == 0 || json_array_size(errors) >= MAX_REPORTED_ERRORS)
        return;
    char *text = sf_json_dumps(rows, JSON_COMPACT);
    if (text == NULL) {
        *no_memory = 1;
        return;
    }
    sf_records_request check = {kind->name, refusal_as_is, (int)lang, NULL, passed_as_nothing, 1,
                                (long long)json_array_size(rows)};
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    int status = 0;
    char *answer = NULL;
    if (sf_records_import(ctx->app->pool, &actor, &check, text, &status, &answer) == SF_OK && status == 422 &&
        answer != NULL)
        push_stored_errors(errors, answer, lang, MAX_REPORTED_ERRORS, no_memory);
    free(answer);
    free(text);
}

/* Parses and checks the body as rows of `kind`: v gets the answer, or the rows to write. A dry
 * run of platforms is answered here; one of records is the writer's (its checks against what
 * is stored are the point of it). The database is read only when rows of records are refused
 * on their own, to tell the other rows' clashes with what is stored too (add_stored_refusals). */
static void judge(sf_ctx *ctx, const sf_import_kind *kind, int dry_run, sf_day today, verdict *v)
{
    const char *ct = sf_header(ctx, "Content-Type");
    sf_lang lang = sf_ctx_lang(ctx);
    json_t *errors = json_array(), *bodies = NULL;
    /* Ulfius leaves binary_body NULL for an empty body, and memchr, memcpy and the like may
     * not be given NULL even with a length of 0 */
    const char *body_bytes = ctx->req->binary_body ? ctx->req->binary_body : "";
    size_t body_len = ctx->req->binary_body_length;
    if (memchr(body_bytes, 0, body_len) != NULL) {
        settle(v, 400, problem(lang, 400, errors, SF_E_BODY_HAS_NUL));
        return;
    }
    if (ct && strncasecmp(ct, "application/json", 16) == 0 &&
        count_array_elements(body_bytes, body_len) > MAX_ROWS) {
        settle(v, 422, problem(lang, 422, errors, SF_E_IMPORT_ROWS, SF_INT("max", MAX_ROWS)));
        return;
    }
    if (ct && strncasecmp(ct, "application/json", 16) == 0) {
        int no_memory;
        bodies = sf_json_loadb(body_bytes, body_len, JSON_REJECT_DUPLICATES, NULL,
                               &no_memory);
        if (no_memory) {
            json_decref(errors);
            settle(v, 500, NULL);
            return;
        }
        if (!json_is_array(bodies)) {
            json_decref(bodies);
            json_decref(errors);
            refuse(v, lang, 400, SF_E_IMPORT_NOT_ARRAY);
            return;
        }
    } else if (ct && strncasecmp(ct, "text/csv", 8) == 0) {
        int no_memory = 0;
        char *text = to_utf8(body_bytes, body_len, ct, &no_memory);
        if (text == NULL) {
            /* the rows GB18030 cannot decode, each named; the file, if its header */
            if (!no_memory)
                encoding_errors(body_bytes, body_len, lang, errors, &no_memory);
            if (no_memory) {
                json_decref(errors);
                settle(v, 500, NULL);
            } else if (json_array_size(errors) > 0) {
                settle(v, 422, problem(lang, 422, errors, SF_E_IMPORT_REFUSED));
            } else {
                json_decref(errors);
                refuse(v, lang, 400, SF_E_CSV_ENCODING);
            }
            return;
        }
        int bad_line = 0, too_many = 0;
        json_t *records = csv_parse(text, strlen(text), MAX_ROWS + 1, &bad_line, &too_many, &no_memory);
        free(text);
        if (records == NULL && no_memory) {
            json_decref(errors);
            settle(v, 500, NULL);
            return;
        }
        if (records == NULL) {
            json_decref(errors);
            if (too_many)
                refuse(v, lang, 422, SF_E_IMPORT_ROWS, SF_INT("max", MAX_ROWS));
            else
                refuse(v, lang, 400, SF_E_CSV_QUOTE_OPEN, SF_INT("line", bad_line));
            return;
        }
        int col[MAX_COLUMNS];
        sf_errors he;
        sf_errors_init(&he);
        read_header(kind, json_array_get(records, 0), col, &he);
        if (sf_errors_any(&he)) {
            json_decref(records);
            for (size_t k = 0; k < he.count; k++)
                push(errors, sf_field_error_json(&he.items[k], lang, 0), &no_memory);
            char keys[512], titles[512];
            column_lists(kind, keys, sizeof keys, titles, sizeof titles);
            settle(v, 422, problem(lang, 422, errors, SF_E_CSV_HEADER_INVALID, SF_TEXT("columns", keys),
                                   SF_TEXT("titles", titles)));
            return;
        }
        bodies = csv_to_bodies(kind, records, col, lang, errors, &no_memory);
        json_decref(records);
        if (no_memory) {
            json_decref(errors);
            settle(v, 500, NULL);
            return;
        }
    } else {
        json_decref(errors);
        refuse(v, lang, 415, SF_E_IMPORT_MEDIA_TYPE);
        return;
    }
    size_t n = json_array_size(bodies);
    if (n == 0 || n > MAX_ROWS) {
        json_decref(bodies);
        json_decref(errors);
        refuse(v, lang, 422, SF_E_IMPORT_ROWS, SF_INT("max", MAX_ROWS));
        return;
    }

    /* every row, as the kind checks one; rows are numbered from 1, header excluded */
    json_t *rows = json_array(), *state = json_object();
    int refused = json_array_size(errors) > 0;             /* the error list is capped; this is not */
    int no_memory = errors == NULL || rows == NULL || state == NULL;
    size_t i;
    json_t *body;
    json_array_foreach(bodies, i, body) {
        sf_errors e;
        sf_errors_init(&e);
        if (json_is_null(body))
            continue;   /* a CSV line with the wrong number of columns, reported already */
        json_t *row = NULL;
        if (!json_is_object(body))
            sf_errors_add(&e, "*", SF_E_NOT_OBJECT);
        else
            row = kind->read_row(ctx, body, (json_int_t)(i + 1), state, today, &e, &no_memory);
        if (sf_errors_any(&e))
            refused = 1;
        for (size_t k = 0; k < e.count && json_array_size(errors) < MAX_REPORTED_ERRORS; k++)
            push(errors, sf_field_error_json(&e.items[k], lang, (long long)(i + 1)), &no_memory);
        if (row != NULL && !sf_errors_any(&e))
            push(rows, row, &no_memory);
        else
            json_decref(row);
    }
    json_decref(bodies);
    json_decref(state);
    if (no_memory) {
        json_decref(rows);
        json_decref(errors);
        settle(v, 500, NULL);
        return;
    }
    if (refused) {
        if (kind != &PLATFORMS)
            add_stored_refusals(ctx, kind, rows, errors, lang, &no_memory);
        json_decref(rows);
        if (no_memory) {
            json_decref(errors);
            settle(v, 500, NULL);
            return;
        }
        settle(v, 422, problem(lang, 422, errors, SF_E_IMPORT_REFUSED));
        return;
    }
    json_decref(errors);
    v->nrows = (long long)n;
    if (dry_run && kind == &PLATFORMS) {
        json_decref(rows);
        settle(v, 200, json_pack("{s:b, s:I, s:I}", "dry_run", 1, "valid_rows", (json_int_t)n, "imported", (json_int_t)0));
        return;
    }
    v->rows = sf_json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    if (v->rows == NULL)
        settle(v, 500, NULL);
}

/* Without a key: the rows in one statement, and the answer. */
static void import_unkeyed(sf_ctx *ctx, const char *rows)
{
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *ids = NULL;
    sf_status st = sf_import_platforms(ctx->app->pool, &actor, rows, &ids);
    if (st == SF_CONFLICT) {
        send_json(ctx, 409, conflict_problem(sf_ctx_lang(ctx)));
        return;
    }
    char *text = st == SF_OK ? success_answer(ids) : NULL;
    free(ids);
    if (text == NULL) {
        sf_reply_status(ctx, st == SF_OK ? SF_INTERNAL : st, SF_E_NONE, NULL);
        return;
    }
    send_text(ctx, 201, text);
    free(text);
}

/* With a key: the answer is recorded in the transaction that writes the rows (see
 * sf_import_keyed), so that a crash never leaves rows without their recorded answer, nor a
 * key taken by a request that is gone. `records` is NULL for platforms. */
static void import_keyed(sf_ctx *ctx, const char *key, const char *hash, verdict *v, sf_records_request *records)
{
    char *answer = v->body ? sf_json_dumps(v->body, JSON_COMPACT) : NULL;
    json_t *conflict = conflict_problem(sf_ctx_lang(ctx));
    char *conflict_text = sf_json_dumps(conflict, JSON_COMPACT);
    json_decref(conflict);
    sf_keyed_request req = {.org_id = ctx->caller.org_id, .key = key, .hash = hash, .rows_json = v->rows,
                            .status = v->status, .answer = answer, .conflict_answer = conflict_text,
                            .success_answer = success_answer, .write = records ? sf_records_write : NULL,
                            .write_arg = records};
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    sf_keyed_outcome out = {0};
    sf_status st = (v->rows != NULL || answer != NULL) && conflict_text != NULL
                       ? sf_import_keyed(ctx->app->pool, &actor, &req, &out)
                       : SF_INTERNAL;
    free(answer);
    free(conflict_text);
    if (st != SF_OK) {
        sf_reply_status(ctx, st, SF_E_NONE, NULL);
    } else if (out.state == SF_KEY_IN_PROGRESS) {
        sf_set_header(ctx, "Retry-After", "2");
        sf_reply_problem(ctx, 409, SF_E_IDEMPOTENCY_IN_PROGRESS);
    } else if (out.state == SF_KEY_MISMATCH) {
        sf_reply_problem(ctx, 422, SF_E_IDEMPOTENCY_KEY_REUSED);
    } else {
        send_text(ctx, out.status, out.response);
        if (out.state == SF_KEY_REPLAY)   /* the first answer, again: nothing is imported twice */
            sf_set_header(ctx, "Idempotent-Replayed", "true");
    }
    free(out.response);
}

/* ---- the answers of an import of records (persistence/records.h) ---- */

/* The rows the database refused ({row, field, code, params} from persistence/records.c) as
 * coded row errors in `lang`, pushed onto `errors` while it holds fewer than `cap`. The
 * parameters' names are the JSON's, alive while each error is written. */
static void push_stored_errors(json_t *errors, const char *errors_json, sf_lang lang, size_t cap, int *no_memory)
{
    json_t *found = sf_json_loads(errors_json);
    if (!json_is_array(found) || errors == NULL)
        *no_memory = 1;
    size_t i;
    json_t *it;
    json_array_foreach(found, i, it) {
        sf_field_error fe = {.code = sf_code_by_name(json_string_value(json_object_get(it, "code")))};
        const char *field = json_string_value(json_object_get(it, "field"));
        snprintf(fe.field, sizeof fe.field, "%s", field ? field : "*");
        sf_arg args[SF_MAX_PARAMS + 1];
        size_t n = 0;
        const char *name;
        json_t *v;
        json_object_foreach(json_object_get(it, "params"), name, v) {
            if (n == SF_MAX_PARAMS)
                break;
            if (json_is_integer(v))
                args[n++] = (sf_arg)SF_INT(name, json_integer_value(v));
            else if (json_is_string(v))
                args[n++] = (sf_arg)SF_TEXT(name, json_string_value(v));
        }
        args[n] = (sf_arg)SF_ARG_END_;
        sf_params_set(&fe.params, args);
        if (fe.code == SF_E_NONE || !sf_params_match(fe.code, &fe.params)) {
            /* not a refusal this build can word (never, when persistence/records.c is this
             * build's): said as such rather than misworded */
            fe.code = SF_E_RECORD_ROW_REFUSED;
            const char *code = json_string_value(json_object_get(it, "code"));
            sf_params_set(&fe.params, (const sf_arg[]){SF_TEXT("reason", code ? code : ""), SF_ARG_END_});
        }
        if (json_array_size(errors) < cap)
            push(errors, sf_field_error_json(&fe, lang, json_integer_value(json_object_get(it, "row"))), no_memory);
    }
    json_decref(found);
}

static char *records_refused(const char *errors_json, int language)
{
    sf_lang lang = (sf_lang)language;
    json_t *errors = json_array();
    int no_memory = errors == NULL;
    push_stored_errors(errors, errors_json, lang, (size_t)-1, &no_memory);
    json_t *p = no_memory ? (json_decref(errors), NULL) : problem(lang, 422, errors, SF_E_IMPORT_REFUSED);
    char *text = p ? sf_json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    return text;
}

static char *records_recorded(const char *kind, long long import_id, const char *ids_json)
{
    json_t *ids = sf_json_loads(ids_json);
    if (!json_is_array(ids)) {
        json_decref(ids);
        return NULL;
    }
    json_t *body = json_pack("{s:b, s:s, s:I, s:I, s:o, s:s}", "dry_run", 0, "kind", kind, "import_id",
                             (json_int_t)import_id, "imported", (json_int_t)json_array_size(ids), "ids", ids,
                             "origin", "recorded");
    char *text = body ? sf_json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

static char *records_checked(const char *kind, long long rows)
{
    json_t *body = json_pack("{s:b, s:s, s:I, s:I}", "dry_run", 1, "kind", kind, "valid_rows", (json_int_t)rows,
                             "imported", (json_int_t)0);
    char *text = body ? sf_json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

/* The import of `kind` (NULL: refused before, the handler answered): the same steps for
 * every kind — a replay answered before the body is parsed, the rows judged, then written
 * with or without the key. */
static void run_import(sf_ctx *ctx, const sf_import_kind *kind)
{
    const char *dry = sf_param(ctx, "dry_run");
    int dry_run = dry && strcmp(dry, "true") == 0;   /* true or false: the query's check (api/server.c) */
    const char *key = sf_header(ctx, "Idempotency-Key");
    char hash[65] = "";
    if (key != NULL && (strlen(key) < 1 || strlen(key) > 200)) {
        sf_reply_problem(ctx, 400, SF_E_IDEMPOTENCY_KEY_INVALID);
        return;
    }
    if (key != NULL) {
        /* a replay is answered before the body is even parsed */
        hash_request(ctx, kind == &PLATFORMS ? NULL : kind->name, dry_run, hash);
        sf_key_state state;
        int status = 0;
        char *earlier = NULL;
        sf_status st = sf_idempotency_lookup(ctx->app->pool, ctx->caller.org_id, key, hash, &state, &status, &earlier);
        if (st != SF_OK) {
            sf_reply_status(ctx, st, SF_E_NONE, NULL);
            return;
        }
        if (state == SF_KEY_MISMATCH) {
            sf_reply_problem(ctx, 422, SF_E_IDEMPOTENCY_KEY_REUSED);
            return;
        }
        if (state == SF_KEY_REPLAY) {
            send_text(ctx, status, earlier);
            free(earlier);
            sf_set_header(ctx, "Idempotent-Replayed", "true");
            return;
        }
    }
    sf_day today;
    sf_status dated = sf_records_today(ctx->app->pool, &today);
    if (dated != SF_OK) {
        sf_reply_status(ctx, dated, SF_E_NONE, NULL);
        return;
    }
    verdict v = {0};
    judge(ctx, kind, dry_run, today, &v);
    sf_records_request records = {kind->name, records_refused, (int)sf_ctx_lang(ctx), records_recorded, records_checked,
                                  dry_run, v.nrows};
    if (v.rows == NULL && v.body == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
    } else if (key != NULL) {
        import_keyed(ctx, key, hash, &v, kind == &PLATFORMS ? NULL : &records);
    } else if (v.body != NULL) {
        send_json(ctx, v.status, v.body);
        v.body = NULL;
    } else if (kind == &PLATFORMS) {
        import_unkeyed(ctx, v.rows);
    } else {
        sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
        int status = 0;
        char *answer = NULL;
        sf_status st = sf_records_import(ctx->app->pool, &actor, &records, v.rows, &status, &answer);
        if (st != SF_OK)
            sf_reply_status(ctx, st, SF_E_NONE, NULL);
        else
            send_text(ctx, status, answer);
        free(answer);
    }
    json_decref(v.body);
    free(v.rows);
}

void sf_post_import_platforms(sf_ctx *ctx)
{
    run_import(ctx, &PLATFORMS);
}

void sf_post_import_records(sf_ctx *ctx)
{
    const sf_import_kind *kind = sf_records_kind(sf_param(ctx, "kind"));
    if (kind == NULL) {
        sf_errors e;
        sf_errors_init(&e);
        sf_errors_add(&e, "kind", SF_E_NOT_ONE_OF,
                      SF_TEXT("allowed", "rounds, titles, annual_summaries, inspections, city_reports"));
        sf_reply_errors(ctx, 422, SF_E_RECORDS_KIND_REQUIRED, &e);
        return;
    }
    run_import(ctx, kind);
}
