/*
 * Materials (Art. 17): uploaded as the raw request body with ?kind= and ?filename=, or as
 * multipart/form-data with the same three (api/uploads.c), their
 * type judged by their first bytes, their SHA-256 stored; downloadable by whoever may read
 * the application; frozen once it leaves draft.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/problem.h"
#include "api/sha256.h"
#include "api/views.h"
#include "domain/materials.h"
#include "domain/text.h"
#include "persistence/materials.h"

int sf_read_upload(sf_ctx *ctx, sf_new_material *m, char sha[65], sf_errors *errors)
{
    sf_upload u;
    return sf_upload_read(ctx, &u) && sf_read_upload_parts(ctx, &u, m, sha, errors);
}

int sf_read_upload_parts(sf_ctx *ctx, const sf_upload *u, sf_new_material *m, char sha[65], sf_errors *errors)
{
    const char *filename = u->filename;
    /* (an encoded NUL in the query's filename never comes this far: api/server.c
     * refuse_undeclared_query answers it, filename_invalid) */
    if (!sf_material_filename_is_valid(filename) || sf_text_has_hidden_controls(filename))
        sf_errors_add(errors, "filename", SF_E_FILENAME_INVALID);
    if (sf_errors_any(errors)) {
        sf_reply_errors(ctx, 422, SF_E_VALIDATION_FAILED, errors);
        return 0;
    }
    const unsigned char *data = u->data;
    size_t size = u->size;
    if (size == 0) {
        sf_reply_problem(ctx, 400, u->multipart ? SF_E_FILE_PART_EMPTY : SF_E_UPLOAD_EMPTY);
        return 0;
    }
    /* a streamed file: its first bytes judge it, its SHA-256 was computed as it arrived */
    const char *type = sf_material_sniff(data, u->fd > 0 ? u->head_len : size, filename);
    if (type == NULL) {
        sf_reply_problem(ctx, 415, SF_E_FILE_TYPE_UNSUPPORTED);
        return 0;
    }
    if (u->sha256 != NULL) {   /* streamed: computed as the bytes arrived */
        memcpy(sha, u->sha256, 65);
    } else {
        sf_sha256_hex(data, size, sha);
    }
    *m = (sf_new_material){m->kind, filename, type, sha, u->fd > 0 ? NULL : data, size, u->fd > 0 ? u->fd : 0};
    return 1;
}

void sf_post_material(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_upload u;
    if (!sf_upload_read(ctx, &u))
        return;
    const char *kind = u.kind;
    sf_errors e;
    sf_errors_init(&e);
    if (sf_material_kind_find(kind) == NULL)
        sf_errors_add(&e, "kind", SF_E_MATERIAL_KIND_INVALID);
    sf_new_material m = {.kind = kind};
    char sha[65];
    if (!sf_read_upload_parts(ctx, &u, &m, sha, &e))
        return;
    sf_actor actor = {ctx->caller.user_id, ctx->caller.org_id, ctx->request_id};
    char *doc = NULL;
    sf_status status = id > 0 ? sf_material_add(ctx->app->pool, &actor, &ctx->caller, id, &m, &doc, &e) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, &e);
        return;
    }
    sf_reply_doc(ctx, 201, doc);
}

void sf_list_materials(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    const char *kind = sf_param(ctx, "kind");
    if (kind && sf_material_kind_find(kind) == NULL)
        sf_errors_add(&e, "kind", SF_E_MATERIAL_KIND_INVALID);
    if (page.desc)
        sf_errors_add(&e, "order", SF_E_OLDEST_FIRST_ONLY);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items = NULL;
    int64_t next = 0;
    sf_status status = id > 0 ? sf_material_list(ctx->app->pool, &ctx->caller, id, kind, page.after_id, page.limit,
                                                 &items, &next, sf_page_total(&page))
                              : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_APPLICATION_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_reply_page(ctx, SF_OK, items, next, &page);
}

/* RFC 6266 / 8187: an ASCII fallback name and the UTF-8 name percent-encoded, so that no
 * byte of the uploader's choice reaches the header unencoded. */
static void content_disposition(const char *name, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char ascii[256], encoded[800];
    size_t a = 0, k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && a + 1 < sizeof ascii; p++)
        ascii[a++] = (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\' && *p != ';' && *p != '%') ? (char)*p : '_';
    ascii[a] = '\0';
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 4 < sizeof encoded; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p)) {
            encoded[k++] = (char)*p;
        } else {
            encoded[k++] = '%';
            encoded[k++] = hex[*p >> 4];
            encoded[k++] = hex[*p & 15];
        }
    }
    encoded[k] = '\0';
    snprintf(out, len, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, encoded);
}

void sf_send_file(sf_ctx *ctx, sf_material_content *c)
{
    char disposition[1200], etag[70];
    snprintf(etag, sizeof etag, "\"%s\"", c->sha256);
    sf_set_header(ctx, "ETag", etag);
    if (sf_none_match_names(ctx, etag)) {
        free(c->data);
        c->data = NULL;
        sf_reply_empty(ctx, 304);
        return;
    }
    ulfius_set_binary_body_response(ctx->res, 200, (const char *)c->data, c->size);
    free(c->data);
    c->data = NULL;
    content_disposition(c->filename, disposition, sizeof disposition);
    sf_set_header(ctx, "Content-Type", c->content_type);
    sf_set_header(ctx, "Content-Disposition", disposition);
}

void sf_get_material_content(sf_ctx *ctx)
{
    int64_t id = sf_path_id(ctx, "id");
    sf_material_content c = {0};
    sf_status status = id > 0 ? sf_material_content_get(ctx->app->pool, &ctx->caller, id, &c) : SF_NOT_FOUND;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, status == SF_NOT_FOUND ? SF_E_MATERIAL_NOT_FOUND : SF_E_NONE, NULL);
        return;
    }
    sf_send_file(ctx, &c);
}
