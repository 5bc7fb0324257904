/*
 * The parts of an upload (see views.h): the raw body with ?kind= and ?filename=, or the same
 * three as multipart/form-data, which is what a browser's FormData sends. Either way the
 * upload then takes one path (sf_read_upload): the same limits, sniffing and refusals. On a
 * streamed route (SF_UPLOAD_STREAMED) the file's bytes are already in a temporary file, read
 * as they arrived, or in memory when they are few (api/upload_stream.h), their SHA-256
 * computed as they arrived; an import's body is in memory.
 */
#include <stdio.h>
#include <string.h>

#include "api/multipart.h"
#include "api/problem.h"
#include "api/upload_stream.h"
#include "api/views.h"

/* A text field of the form as a C string in `buf`; NULL if it was not sent. A value too long
 * for `buf`, or holding a NUL, becomes "\x01", which no kind or file name validates as. */
static const char *field_text(const sf_part *part, char *buf, size_t size)
{
    if (part->data == NULL)
        return NULL;
    if (part->len >= size || memchr(part->data, '\0', part->len) != NULL)
        return "\x01";
    memcpy(buf, part->data, part->len);
    buf[part->len] = '\0';
    return buf;
}

int sf_upload_read(sf_ctx *ctx, sf_upload *u)
{
    const char *ct = sf_header(ctx, "Content-Type");
    const sf_upload_file *f = ctx->upload;
    memset(u, 0, sizeof *u);
    if (f != NULL) {   /* in a file (fd), or whole in memory (data) */
        u->fd = f->fd >= 0 ? f->fd : 0;
        u->size = f->size;
        u->data = f->fd >= 0 ? f->head : f->data;
        u->head_len = f->head_len;
        u->sha256 = f->sha256;
    }
    if (!sf_multipart_is_form(ct)) {
        if (f == NULL) {
            u->data = (const unsigned char *)ctx->req->binary_body;
            u->size = ctx->req->binary_body_length;
        }
        u->kind = sf_param(ctx, "kind");
        u->filename = sf_param(ctx, "filename");
        return 1;
    }
    sf_upload_form form;
    sf_code why = f != NULL ? f->malformed : SF_E_NONE;
    if (f != NULL ? why != SF_E_NONE
                  : sf_multipart_parse(ct, ctx->req->binary_body, ctx->req->binary_body_length, &form, &why) != 0) {
        sf_reply_problem(ctx, 400, why);
        return 0;
    }
    if (f != NULL)
        form = f->form;
    else {
        u->data = form.file.data;
        u->size = form.file.len;
    }
    u->multipart = 1;
    /* a field of the form, else the query's, else (the name) the file part's own filename */
    u->kind = field_text(&form.kind, u->kind_text, sizeof u->kind_text);
    if (u->kind == NULL)
        u->kind = sf_param(ctx, "kind");
    u->filename = field_text(&form.filename, u->filename_text, sizeof u->filename_text);
    if (u->filename == NULL)
        u->filename = sf_param(ctx, "filename");
    if (u->filename == NULL)
        u->filename = field_text(&form.file_name, u->filename_text, sizeof u->filename_text);
    return 1;
}

int sf_upload_form_refused(sf_ctx *ctx)
{
    const char *ct = sf_header(ctx, "Content-Type");
    if (!sf_multipart_is_form(ct))
        return 0;
    sf_upload_form form;
    sf_code why = ctx->upload != NULL ? ctx->upload->malformed : SF_E_NONE;
    if (ctx->upload != NULL ? why == SF_E_NONE
                            : sf_multipart_parse(ct, ctx->req->binary_body, ctx->req->binary_body_length, &form,
                                                 &why) == 0)
        return 0;
    sf_reply_problem(ctx, 400, why);
    return 1;
}
