/*
 * Harness: a multipart/form-data upload (api/multipart.c), sf_multipart_parse. The input is
 * "Content-Type header \n body" (with no newline, all of it is the body under the boundary
 * "x"), as a client may send any header and any body.
 * Oracle: no crash, leak or UB; an accepted form has a file part, and every part it found
 * lies inside the body; the streamed reader (sf_multipart_stream_*), fed the body in pieces
 * of a size the input chooses, reaches the same verdict with the same parts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/multipart.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int inside(const sf_part *p, const unsigned char *body, size_t len)
{
    return p->data == NULL || (p->data >= body && p->len <= len && p->data + p->len <= body + len);
}

typedef struct {
    unsigned char *data;
    size_t len;
} collected;

static int collect(void *cls, const unsigned char *data, size_t len)
{
    collected *c = cls;
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

static int same_field(const sf_part *whole, const sf_part *streamed)
{
    if ((whole->data == NULL) != (streamed->data == NULL) || whole->len != streamed->len)
        return 0;
    return whole->data == NULL || whole->len > SF_MULTIPART_FIELD_MAX ||
           memcmp(whole->data, streamed->data, whole->len) == 0;
}

static void streamed_agrees(const char *ct, const unsigned char *body, size_t len, int parsed,
                            const sf_upload_form *form, sf_code why)
{
    collected file = {malloc(len ? len : 1), 0};
    sf_multipart_stream *s = malloc(sizeof *s);
    if (file.data == NULL || s == NULL)
        abort();
    size_t piece = len > 0 ? (size_t)body[0] % 13 + 1 : 1;
    sf_code swhy = SF_E_NONE;
    sf_upload_form sform;
    int ok = sf_multipart_stream_begin(s, ct, collect, &file, &swhy) == 0;
    for (size_t i = 0; ok && i < len; i += piece)
        sf_multipart_stream_feed(s, body + i, len - i < piece ? len - i : piece);
    ok = ok && sf_multipart_stream_end(s, &sform, &swhy) == 0;
    int agree = ok == (parsed == 0) && (ok ? same_field(&form->kind, &sform.kind) &&
                                                 same_field(&form->filename, &sform.filename) &&
                                                 same_field(&form->file_name, &sform.file_name) &&
                                                 file.len == form->file.len &&
                                                 memcmp(file.data, form->file.data, file.len) == 0
                                           : swhy == why);
    if (!agree) {
        fprintf(stderr, "fuzz: the streamed reader disagrees with the whole-body parser\n");
        abort();
    }
    free(s);
    free(file.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ct_len = nl ? (size_t)(nl - data) : 0;
    char *ct = malloc(ct_len + 40);
    if (ct == NULL)
        return 0;
    if (nl != NULL) {
        memcpy(ct, data, ct_len);
        ct[ct_len] = '\0';
    } else {
        strcpy(ct, "multipart/form-data; boundary=x");
    }
    const uint8_t *body = nl ? nl + 1 : data;
    size_t len = nl ? size - ct_len - 1 : size;
    /* the body in a buffer of its exact size, so a read past its end is caught */
    unsigned char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        free(ct);
        return 0;
    }
    memcpy(copy, body, len);
    sf_upload_form form;
    sf_code why = SF_E_NONE;
    int parsed = sf_multipart_parse(ct, copy, len, &form, &why);
    if (parsed == 0) {
        if (form.file.data == NULL || !inside(&form.file, copy, len) || !inside(&form.kind, copy, len) ||
            !inside(&form.filename, copy, len)) {
            fprintf(stderr, "fuzz: an accepted form has no file part, or a part outside the body\n");
            abort();
        }
    } else if (why == SF_E_NONE) {
        fprintf(stderr, "fuzz: a refused form says no reason\n");
        abort();
    }
    streamed_agrees(ct, copy, len, parsed, &form, why);
    free(copy);
    free(ct);
    return 0;
}
