/*
 * Resource views, paging tokens and ETags (see views.h).
 */
#include "api/views.h"


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/base64url.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/sha256.h"

json_t *sf_view_organization(const sf_organization *org)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)org->id, "type", org->type, "name",
                          org->name, "region_code", org->region_code, "created_at", org->created_at);
    if (o != NULL && org->credit_code[0] != '\0')
        json_object_set_new(o, "credit_code", json_string(org->credit_code));
    return o;
}

json_t *sf_view_user(const sf_user *user)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:b, s:s, s:b}", "id", (json_int_t)user->id, "username",
                     user->username, "display_name", user->display_name, "org_id",
                     (json_int_t)user->org_id, "active", user->active, "created_at", user->created_at,
                     "password_change_required", user->password_change_required);
}

/* A decimal within [min, max] and nothing else. Up to 19 digits, as many as a bigint has:
 * with 18 at most, the page token the server issued after an id of 10^18 or more (the
 * tokens go up to INT64_MAX / 2) was refused as not its own. */
static int parse_int(const char *s, long long min, long long max, long long *out)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s))
        return 0;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* Page tokens are base64url("k2:<collection>:<last id>"): opaque to clients, so the keyset
 * can change, and bound to the collection that issued them and its order (<collection>: 8 hex
 * digits of a hash of its route, and of "desc" for a newest-first one), so that a token of one
 * collection is refused by another, and one of an ascending walk by a descending one (its last
 * id continues only the walk it came from). */
#define TOKEN_PREFIX "k2:"

static unsigned collection_hash(const char *collection, int desc)
{
    unsigned h = 2166136261u;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)collection; *p; p++)
        h = (h ^ *p) * 16777619u;
    for (const unsigned char *p = (const unsigned char *)(desc ? "|desc" : ""); *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

const char *sf_collection(const sf_ctx *ctx)
{
    return ctx->route != NULL ? ctx->route->path : "";
}

json_t *sf_page_token(const sf_ctx *ctx, const sf_page *page, int64_t last_id)
{
    return sf_page_token_of(sf_collection(ctx), page->desc, last_id);
}

json_t *sf_page_token_of(const char *collection, int desc, int64_t last_id)
{
    char raw[48], b64[72];
    int n = snprintf(raw, sizeof raw, TOKEN_PREFIX "%08x:%lld", collection_hash(collection, desc), (long long)last_id);
    sf_base64url_encode((const unsigned char *)raw, (size_t)n, b64);
    return json_string(b64);
}

static int decode_page_token(const char *collection, int desc, const char *token, int64_t *after)
{
    char raw[48], expected[16];
    size_t len = strlen(token);
    long n = len <= 44 ? sf_base64url_decode(token, len, (unsigned char *)raw, sizeof raw - 1) : -1;
    if (n < 0)
        return 0;
    raw[n] = '\0';
    int elen = snprintf(expected, sizeof expected, TOKEN_PREFIX "%08x:", collection_hash(collection, desc));
    long long id;
    if (strncmp(raw, expected, (size_t)elen) != 0 || !parse_int(raw + elen, 1, INT64_MAX / 2, &id))
        return 0;
    *after = id;
    return 1;
}

void sf_page_read(const sf_ctx *ctx, sf_page *page, sf_errors *errors)
{
    long long limit = SF_PAGE_DEFAULT;
    const char *l = sf_param(ctx, "limit");
    if (l != NULL && !parse_int(l, 1, SF_PAGE_MAX, &limit))
        sf_errors_add(errors, "limit", SF_E_LIMIT_INVALID, SF_INT("max", SF_PAGE_MAX));
    page->limit = (int)limit;
    page->after_id = 0;
    const char *order = sf_param(ctx, "order");
    page->desc = order != NULL && strcmp(order, "desc") == 0;
    if (order != NULL && strcmp(order, "desc") != 0 && strcmp(order, "asc") != 0)
        sf_errors_add(errors, "order", SF_E_ORDER_INVALID);
    const char *t = sf_param(ctx, "page_token");
    if (t != NULL && !decode_page_token(sf_collection(ctx), page->desc, t, &page->after_id))
        sf_errors_add(errors, "page_token", SF_E_PAGE_TOKEN_INVALID);
    const char *count = sf_param(ctx, "count");
    page->count = count != NULL && strcmp(count, "true") == 0;
    page->total = 0;
    if (count != NULL && strcmp(count, "true") != 0 && strcmp(count, "false") != 0)
        sf_errors_add(errors, "count", SF_E_NOT_BOOLEAN);
}

int64_t *sf_page_total(sf_page *page)
{
    return page->count ? &page->total : NULL;
}

json_t *sf_page_envelope(json_t *items, json_t *next_page_token, const sf_page *page)
{
    json_t *envelope = json_pack("{s:o, s:o}", "items", items, "next_page_token", next_page_token);
    if (envelope != NULL && page->count)
        json_object_set_new(envelope, "total", json_integer((json_int_t)page->total));
    return envelope;
}

/* Read from the path itself, by the route's pattern: Ulfius keeps route variables and the
 * query string in one map, where "?id=" could stand in for the path's id. */
int64_t sf_path_id(const sf_ctx *ctx, const char *name)
{
    const char *pattern = ctx->route->path, *path = ctx->req->url_path;
    size_t name_len = strlen(name);
    while (*pattern == '/' && *path == '/') {
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/"), len = strcspn(path, "/");
        if (pattern[0] == ':' && plen == name_len + 1 && strncmp(pattern + 1, name, name_len) == 0) {
            char segment[24];
            long long id;
            if (len == 0 || len >= sizeof segment)
                return 0;
            memcpy(segment, path, len);
            segment[len] = '\0';
            return parse_int(segment, 1, INT64_MAX / 2, &id) ? (int64_t)id : 0;
        }
        pattern += plen;
        path += len;
    }
    return 0;
}

/* The canonical text of a document: what its ETag is computed over, and what is sent. */
static char *canonical_text(const json_t *doc)
{
    return sf_json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
}

char *sf_json_string_put(char *at, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    *at++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *at++ = (char)c;
            continue;
        }
        *at++ = '\\';
        switch (c) {
        case '"': *at++ = '"'; break;
        case '\\': *at++ = '\\'; break;
        case '\b': *at++ = 'b'; break;
        case '\f': *at++ = 'f'; break;
        case '\n': *at++ = 'n'; break;
        case '\r': *at++ = 'r'; break;
        case '\t': *at++ = 't'; break;
        default:
            *at++ = 'u';
            *at++ = '0';
            *at++ = '0';
            *at++ = hex[c >> 4];
            *at++ = hex[c & 0xF];
        }
    }
    *at++ = '"';
    return at;
}

void sf_etag_of_bytes(const char *bytes, size_t len, char out[40])
{
    unsigned char digest[32];
    sf_sha256(bytes, len, digest);
    /* in hex by hand: sixteen snprintf calls were a few percent of a small answer's CPU */
    out[0] = '"';
    sf_hex(digest, 16, out + 1);
    out[33] = '"';
    out[34] = '\0';
}

static void etag_of_text(const char *text, char out[40])
{
    sf_etag_of_bytes(text, strlen(text), out);
}

int sf_etag(const json_t *doc, char out[40])
{
    char *text = canonical_text(doc);
    if (text == NULL)
        return -1;
    etag_of_text(text, out);
    free(text);
    return 0;
}

int sf_if_match_fails(const sf_ctx *ctx, const char *etag)
{
    const char *im = sf_header(ctx, "If-Match");
    if (im == NULL || strcmp(im, "*") == 0)
        return 0;
    return strstr(im, etag) == NULL;
}

sf_status sf_read_etag(sf_status read, char *doc, const char *drop, char etag[40], int *version)
{
    json_t *body = read == SF_OK ? sf_json_loads(doc) : NULL;
    free(doc);
    if (read != SF_OK)
        return read;
    if (body != NULL && drop != NULL)
        json_object_del(body, drop);
    sf_status st = body != NULL && sf_etag(body, etag) == 0 ? SF_OK : SF_INTERNAL;
    if (st == SF_OK && version != NULL)
        *version = (int)json_integer_value(json_object_get(body, "version"));
    json_decref(body);
    return st;
}

int sf_reply_if_stale(sf_ctx *ctx, sf_status read, const char *etag, sf_code not_found, sf_code changed)
{
    if (read != SF_OK)
        sf_reply_status(ctx, read, read == SF_NOT_FOUND ? not_found : SF_E_NONE, NULL);
    else if (sf_if_match_fails(ctx, etag))
        sf_reply_problem(ctx, 412, changed);
    else
        return 0;
    return 1;
}

int sf_none_match_names(const sf_ctx *ctx, const char *etag)
{
    const char *inm = sf_header(ctx, "If-None-Match");
    return (strcmp(ctx->req->http_verb, "GET") == 0 || strcmp(ctx->req->http_verb, "HEAD") == 0) && inm != NULL &&
           (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

void sf_reply_tagged(sf_ctx *ctx, int status, const char *text, size_t len, const char *etag)
{
    sf_set_header(ctx, "ETag", etag);
    if (status == 200 && sf_none_match_names(ctx, etag))
        sf_reply_empty(ctx, 304);
    else
        sf_reply_json_text(ctx, status, text, len);
}

/* Sends `text` (taken) under `etag`, or 304 when a GET's If-None-Match names it. */
static void send_tagged(sf_ctx *ctx, int status, char *text, const char *etag)
{
    sf_reply_tagged(ctx, status, text, strlen(text), etag);
    free(text);
}

char *sf_canonical_tagged(const json_t *doc, char etag[40])
{
    char *text = canonical_text(doc);
    if (text != NULL)
        etag_of_text(text, etag);
    return text;
}

char *sf_doc_tagged(char *json_text, char etag[40])
{
    json_t *doc = json_text ? sf_json_loads(json_text) : NULL;
    free(json_text);
    char *text = doc ? canonical_text(doc) : NULL;
    json_decref(doc);
    if (text != NULL)
        etag_of_text(text, etag);
    return text;
}

void sf_reply_resource(sf_ctx *ctx, int status, json_t *body)
{
    char etag[40];
    char *text = canonical_text(body);
    json_decref(body);
    if (text == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    etag_of_text(text, etag);
    send_tagged(ctx, status, text, etag);
}

/* An object's canonical text is made of its members' (issue 18, point 5): "{", then each
 * member as "key":value in strcmp order of the keys, joined by ",", then "}" — what
 * canonical_text writes. Assembling it from the members lets one answer carry the resource's
 * own text (its ETag) and the same with the caller's extra members, each member dumped once,
 * and lets a member whose canonical text is kept (GET /v1/me's permitted operations) be
 * written as it is. */
typedef struct {
    const char *key;   /* the object's own: valid while the object is */
    char *text;     /* "key":value */
    int extra;      /* not part of the resource's state */
} member_text;

typedef struct {
    member_text *items;
    size_t count, cap;
    int failed;
} member_texts;

static void member_add(member_texts *m, const char *key, const json_t *value, const char *raw, int extra)
{
    if (m->failed)
        return;
    if (m->count == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        member_text *items = realloc(m->items, cap * sizeof *items);
        if (items == NULL) {
            m->failed = 1;
            return;
        }
        m->items = items;
        m->cap = cap;
    }
    json_t *name = json_string(key);
    char *key_text = name ? sf_json_dumps(name, JSON_ENCODE_ANY) : NULL;
    json_decref(name);
    char *value_text = raw == NULL ? sf_json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS |
                                                              JSON_REAL_PRECISION(12))
                                   : NULL;
    const char *v = raw != NULL ? raw : value_text;
    size_t klen = key_text ? strlen(key_text) : 0, vlen = v ? strlen(v) : 0;
    char *text = key_text && v ? malloc(klen + 1 + vlen + 1) : NULL;
    if (text != NULL) {
        memcpy(text, key_text, klen);
        text[klen] = ':';
        memcpy(text + klen + 1, v, vlen + 1);
        m->items[m->count++] = (member_text){key, text, extra};
    } else {
        m->failed = 1;
    }
    free(key_text);
    free(value_text);
}

static void members_of(member_texts *m, json_t *obj, int extra)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) member_add(m, key, value, NULL, extra);
}

static int member_order(const void *a, const void *b)
{
    return strcmp(((const member_text *)a)->key, ((const member_text *)b)->key);
}

static void members_free(member_texts *m)
{
    for (size_t i = 0; i < m->count; i++)
        free(m->items[i].text);
    free(m->items);
}

/* The object of the sorted members (those of the state only, or all of them; an extra
 * member replaces the resource's of the same key); NULL when memory ran out. */
static char *members_join(const member_texts *m, int with_extra)
{
    size_t len = 2;
    for (size_t i = 0; i < m->count; i++)
        len += strlen(m->items[i].text) + 1;
    char *text = malloc(len + 1), *end = text;
    if (text == NULL)
        return NULL;
    *end++ = '{';
    for (size_t i = 0; i < m->count; i++) {
        const member_text *it = &m->items[i];
        if (it->extra ? !with_extra
                      : with_extra && i + 1 < m->count && m->items[i + 1].extra && strcmp(m->items[i + 1].key, it->key) == 0)
            continue;
        if (end > text + 1)
            *end++ = ',';
        size_t n = strlen(it->text);
        memcpy(end, it->text, n);
        end += n;
    }
    *end++ = '}';
    *end = '\0';
    return text;
}

/* Sorts the members (stable for equal keys: the resource's before the extra one). */
static void members_sort(member_texts *m)
{
    for (size_t i = 1; i < m->count; i++)   /* insertion sort: a handful of members, mostly in order */
        for (size_t j = i; j > 0 && member_order(&m->items[j - 1], &m->items[j]) > 0; j--) {
            member_text t = m->items[j];
            m->items[j] = m->items[j - 1];
            m->items[j - 1] = t;
        }
}

/* Answers the members as a resource: its state's canonical text is what the ETag hashes,
 * the text with the extra members what is sent. Frees the members. */
static void reply_members(sf_ctx *ctx, int status, member_texts *m)
{
    members_sort(m);
    char etag[40];
    int extras = 0;
    for (size_t i = 0; i < m->count; i++)
        extras |= m->items[i].extra;
    char *state = m->failed ? NULL : members_join(m, 0);
    char *text = state && extras ? members_join(m, 1) : state;
    members_free(m);
    if (text == NULL) {
        free(state);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    etag_of_text(state, etag);
    if (text != state)
        free(state);
    send_tagged(ctx, status, text, etag);
}

void sf_reply_resource_with(sf_ctx *ctx, int status, json_t *body, json_t *extra)
{
    member_texts m = {0};
    if (!json_is_object(body) || !json_is_object(extra))
        m.failed = 1;
    else {
        members_of(&m, body, 0);
        members_of(&m, extra, 1);
    }
    reply_members(ctx, status, &m);   /* the members' keys are the objects' own */
    json_decref(body);
    json_decref(extra);
}

void sf_reply_resource_raw(sf_ctx *ctx, int status, json_t *body, const char *key, const char *raw)
{
    member_texts m = {0};
    if (!json_is_object(body) || json_object_get(body, key) != NULL || raw == NULL)
        m.failed = 1;
    else {
        members_of(&m, body, 0);
        member_add(&m, key, NULL, raw, 0);
    }
    reply_members(ctx, status, &m);   /* the members' keys are the objects' own */
    json_decref(body);
}

void sf_reply_doc(sf_ctx *ctx, int status, char *json_text)
{
    json_t *doc = json_text ? sf_json_loads(json_text) : NULL;
    free(json_text);
    if (doc == NULL) {
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_reply_resource(ctx, status, doc);
}

/* The page is written around the items as PostgreSQL rendered them (valid JSON by
 * construction), not parsed and printed again: for a 20-item page that was most of the
 * request's time (bench/RESULTS.md). Only the array's outer shape is checked. */
void sf_reply_page(sf_ctx *ctx, sf_status status, char *items_json, int64_t next_after, const sf_page *page)
{
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    size_t len = items_json ? strlen(items_json) : 0;
    if (len < 2 || items_json[0] != '[' || items_json[len - 1] != ']') {
        free(items_json);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    json_t *next = next_after > 0 ? sf_page_token(ctx, page, next_after) : NULL;
    sf_buf body = {0};
    sf_buf_add(&body, "{\"items\":", 9);
    sf_buf_add(&body, items_json, len);
    if (next != NULL)   /* base64url: nothing to escape */
        sf_buf_printf(&body, ",\"next_page_token\":\"%s\"", json_string_value(next));
    else
        sf_buf_add(&body, ",\"next_page_token\":null", 23);
    if (page->count)
        sf_buf_printf(&body, ",\"total\":%lld", (long long)page->total);
    sf_buf_add(&body, "}", 1);
    json_decref(next);
    free(items_json);
    if (body.failed || (next_after > 0 && next == NULL)) {
        free(body.data);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    sf_reply_json_text(ctx, 200, body.data, body.len);
    free(body.data);
}

void sf_reply_written(sf_ctx *ctx, sf_status status, int http_status, char *doc, sf_code invalid_code,
                      const sf_errors *errors)
{
    if (status == SF_OK)
        sf_reply_doc(ctx, http_status, doc);
    else
        sf_reply_status(ctx, status, status == SF_INVALID ? invalid_code : SF_E_NONE, errors);
}

int sf_reply_query_errors(sf_ctx *ctx, const sf_errors *errors)
{
    if (!sf_errors_any(errors))
        return 0;
    sf_reply_errors(ctx, 422, SF_E_QUERY_INVALID, errors);
    return 1;
}

void sf_query_only(const sf_ctx *ctx, const char *const *allowed, sf_errors *errors)
{
    const char **keys = u_map_enum_keys(ctx->req->map_url);
    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        size_t k = 0;
        while (allowed[k] != NULL && strcmp(allowed[k], keys[i]) != 0)
            k++;
        if (allowed[k] == NULL)
            sf_errors_add(errors, keys[i], SF_E_UNKNOWN_PARAMETER);
    }
}

int64_t sf_query_int(const sf_ctx *ctx, const char *name, int64_t min, int64_t max, sf_errors *errors)
{
    const char *v = sf_param(ctx, name);
    long long n;
    if (v == NULL)
        return 0;
    if (!parse_int(v, min, max, &n)) {
        /* a whole number out of range ("-1", "101"), or none at all ("abc", "1e3", "") */
        const char *digits = v + (v[0] == '-');
        if (digits[0] != '\0' && strspn(digits, "0123456789") == strlen(digits))
            sf_errors_add(errors, name, SF_E_OUT_OF_RANGE, SF_INT("min", min), SF_INT("max", max));
        else
            sf_errors_add(errors, name, SF_E_NOT_INTEGER);
        return 0;
    }
    return n;
}

void sf_buf_add(sf_buf *b, const char *bytes, size_t n)
{
    if (b->failed || n == 0)
        return;   /* nothing to add (and no copy to or from a buffer not yet allocated) */
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void sf_buf_printf(sf_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        sf_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sf_buf_add(b, big, (size_t)n);
    free(big);
}

void sf_csv_field(sf_buf *out, const char *v)
{
    if (v == NULL)
        return;
    int quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        sf_buf_add(out, "\"", 1);
    /* a cell a spreadsheet would read as a formula (OWASP CSV injection: = + - @, tab, CR)
     * is prefixed with ' so that it stays text */
    if (v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL)
        sf_buf_add(out, "'", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            sf_buf_add(out, "\"", 1);
        sf_buf_add(out, p, 1);
    }
    if (quote)
        sf_buf_add(out, "\"", 1);
}

void sf_csv_value(sf_buf *out, const json_t *v)
{
    char num[32];
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        sf_csv_field(out, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%g", json_real_value(v));
        sf_csv_field(out, num);
    } else if (json_is_boolean(v)) {
        sf_csv_field(out, json_is_true(v) ? "true" : "false");
    } else {
        sf_csv_field(out, json_string_value(v));
    }
}

/* The whole CSV file of `rows` (a JSON array of arrays of cells) onto `out`; -1 when memory ran out. */
void sf_csv_start(sf_buf *out, const char *const *header, size_t ncolumns)
{
    sf_buf_add(out, "\xEF\xBB\xBF", 3);
    for (size_t k = 0; k < ncolumns; k++) {
        if (k)
            sf_buf_add(out, ",", 1);
        sf_csv_field(out, header[k]);
    }
    sf_buf_add(out, "\r\n", 2);
}

static int csv_text(sf_buf *out, const char *const *header, size_t ncolumns, const json_t *rows)
{
    sf_csv_start(out, header, ncolumns);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        for (size_t k = 0; k < json_array_size(row); k++) {
            json_t *v = json_array_get(row, k);
            if (k)
                sf_buf_add(out, ",", 1);
            sf_csv_value(out, v);
        }
        sf_buf_add(out, "\r\n", 2);
    }
    return out->failed ? -1 : 0;
}

static void send_csv(sf_ctx *ctx, const char *text, size_t len, const char *etag, const char *filename)
{
    if (etag != NULL) {
        sf_set_header(ctx, "ETag", etag);
        if (sf_none_match_names(ctx, etag)) {
            sf_reply_empty(ctx, 304);
            return;
        }
    }
    ulfius_set_binary_body_response(ctx->res, 200, text, len);
    char disposition[128];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", filename);
    sf_set_header(ctx, "Content-Type", "text/csv; charset=utf-8");
    sf_set_header(ctx, "Content-Disposition", disposition);
}

void sf_reply_csv(sf_ctx *ctx, const char *const *header, size_t ncolumns, char *rows_text, const char *filename)
{
    json_t *rows = rows_text ? sf_json_loads(rows_text) : NULL;
    free(rows_text);
    sf_buf out = {0};
    if (!json_is_array(rows) || csv_text(&out, header, ncolumns, rows) != 0) {
        json_decref(rows);
        free(out.data);
        sf_reply_status(ctx, SF_INTERNAL, SF_E_NONE, NULL);
        return;
    }
    json_decref(rows);
    send_csv(ctx, out.data, out.len, NULL, filename);
    free(out.data);
}

void sf_reply_csv_tagged(sf_ctx *ctx, const char *text, size_t len, const char *etag, const char *filename)
{
    send_csv(ctx, text, len, etag, filename);
}

/* Where a created resource can be read, by the route that created it: "{field}" is a
 * top-level field of the created document, "{path}" the request's own path. A resource
 * without a GET of its own, or none its creator may read, points at the one that shows it
 * (an import of platforms at the platforms, one of records at its audit events, the public's
 * objection at its notice). */
static const struct {
    const char *route, *location;
} created_at[] = {
    {"/v1/api-tokens", "/v1/api-tokens/{id}"},
    {"/v1/organizations", "/v1/organizations/{id}"},
    {"/v1/users", "/v1/users/{id}"},
    {"/v1/rounds", "/v1/rounds/{id}"},
    {"/v1/platforms", "/v1/platforms/{id}"},
    {"/v1/imports/platforms", "/v1/platforms"},
    {"/v1/imports/records", "/v1/audit-events?entity=record_import&entity_id={import_id}"},
    {"/v1/applications", "/v1/applications/{id}"},
    {"/v1/applications/:id/award", "/v1/awards/{id}"},
    {"/v1/applications/:id/materials", "/v1/materials/{id}/content"},
    {"/v1/calendar/:year", "{path}"},
    {"/v1/publicity-notices", "/v1/publicity-notices/{id}"},
    {"/v1/publicity-notices/:id/objections", "/v1/objections/{id}"},
    {"/v1/public/publicity-notices/:id/objections", "/v1/public/publicity-notices/{notice_id}"},
    {"/v1/assessments", "/v1/assessments/{id}"},
    {"/v1/assessments/:id/report", "{path}"},
    {"/v1/annual-summaries", "/v1/annual-summaries/{id}"},
    {"/v1/annual-summaries/:id/file", "{path}"},
    {"/v1/inspections", "/v1/inspections/{id}"},
    {"/v1/city-reports", "/v1/city-reports/{id}"},
};

void sf_set_created_location(sf_ctx *ctx)
{
    if (ctx->route == NULL || ctx->res->status != 201 || u_map_get_case(ctx->res->map_header, "Location") != NULL)
        return;
    const char *template = NULL;
    for (size_t i = 0; i < sizeof created_at / sizeof *created_at && template == NULL; i++)
        if (strcmp(created_at[i].route, ctx->route->path) == 0)
            template = created_at[i].location;
    if (template == NULL)
        return;
    json_t *doc = strchr(template, '{') != NULL && strstr(template, "{path}") == NULL
                      ? json_loadb(ctx->res->binary_body, ctx->res->binary_body_length, 0, NULL)
                      : NULL;
    sf_buf out = {0};
    for (const char *p = template; *p;) {
        size_t plain = strcspn(p, "{");
        sf_buf_add(&out, p, plain);
        p += plain;
        if (*p != '{')
            break;
        size_t len = strcspn(p, "}");
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(len - 1), p + 1);
        json_t *v = json_object_get(doc, name);
        if (strcmp(name, "path") == 0)
            sf_buf_add(&out, ctx->req->url_path, strlen(ctx->req->url_path));
        else if (json_is_integer(v))
            sf_buf_printf(&out, "%lld", (long long)json_integer_value(v));
        else
            out.failed = 1;   /* not the document expected: no Location rather than a wrong one */
        p += len + (p[len] == '}');
    }
    sf_buf_add(&out, "", 1);
    if (!out.failed)
        sf_set_header(ctx, "Location", out.data);
    free(out.data);
    json_decref(doc);
}

const char *const *sf_csv_header(const sf_ctx *ctx, const char *const *keys, const char *const *labels,
                                 sf_errors *errors)
{
    const char *which = sf_param(ctx, "header");
    if (which != NULL && strcmp(which, "keys") != 0 && strcmp(which, "labels") != 0) {
        sf_errors_add(errors, "header", SF_E_HEADER_CHOICE_INVALID);
        return NULL;
    }
    if (which != NULL)
        return strcmp(which, "keys") == 0 ? keys : labels;
    return sf_ctx_lang(ctx) == SF_LANG_EN ? keys : labels;
}
