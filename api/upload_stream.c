/*
 * An upload written to a temporary file as it arrives (see upload_stream.h).
 */
#include "api/upload_stream.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sf_upload_stream {
    size_t limit, received;
    EVP_MD_CTX *md;
    sf_upload_file file;
    int ended;
    sf_multipart_stream form;   /* when file.multipart */
};

sf_upload_stream *sf_upload_stream_open(const char *dir, const char *content_type, size_t limit)
{
    sf_upload_stream *s = calloc(1, sizeof *s);
    char path[4096];
    if (s == NULL || snprintf(path, sizeof path, "%s/upload-XXXXXX", dir) >= (int)sizeof path) {
        free(s);
        return NULL;
    }
    s->limit = limit;
    s->file.fd = mkstemp(path);
    if (s->file.fd >= 0)
        unlink(path);   /* nameless from now on: it cannot outlive its descriptor */
    s->md = EVP_MD_CTX_new();
    if (s->file.fd < 0 || s->md == NULL || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
        sf_upload_stream_free(s);
        return NULL;
    }
    s->file.multipart = sf_multipart_is_form(content_type);
    if (s->file.multipart)
        (void)sf_multipart_stream_begin(&s->form, content_type, NULL, NULL, &s->file.malformed);
    return s;
}

/* Bytes of the file itself: hashed, the first kept, written out. 0, or -1. */
static int file_bytes(void *cls, const unsigned char *data, size_t len)
{
    sf_upload_stream *s = cls;
    sf_upload_file *f = &s->file;
    if (f->head_len < SF_UPLOAD_HEAD) {
        size_t n = len < SF_UPLOAD_HEAD - f->head_len ? len : SF_UPLOAD_HEAD - f->head_len;
        memcpy(f->head + f->head_len, data, n);
        f->head_len += n;
    }
    if (EVP_DigestUpdate(s->md, data, len) != 1)
        return -1;
    f->size += len;
    while (len > 0) {
        ssize_t n = write(f->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

sf_upload_result sf_upload_stream_write(sf_upload_stream *s, const void *data, size_t len)
{
    if (s->file.result != SF_UPLOAD_TAKEN || s->ended)
        return s->file.result;
    s->received += len;
    if (s->received > s->limit)
        return s->file.result = SF_UPLOAD_TOO_LARGE;
    if (s->file.malformed != SF_E_NONE)   /* refused already: the rest is dropped */
        return SF_UPLOAD_TAKEN;
    if (!s->file.multipart)
        return file_bytes(s, data, len) == 0 ? SF_UPLOAD_TAKEN : (s->file.result = SF_UPLOAD_FAILED);
    s->form.sink = file_bytes;
    s->form.cls = s;
    int rc = sf_multipart_stream_feed(&s->form, data, len);
    if (rc == -1)
        s->file.malformed = s->form.why;
    return rc == -2 ? (s->file.result = SF_UPLOAD_FAILED) : SF_UPLOAD_TAKEN;
}

const sf_upload_file *sf_upload_stream_end(sf_upload_stream *s)
{
    if (s->ended)
        return &s->file;
    s->ended = 1;
    sf_upload_file *f = &s->file;
    if (f->multipart && f->malformed == SF_E_NONE && f->result == SF_UPLOAD_TAKEN)
        (void)sf_multipart_stream_end(&s->form, &f->form, &f->malformed);
    unsigned char digest[32];
    unsigned int dlen = 0;
    if (EVP_DigestFinal_ex(s->md, digest, &dlen) != 1 || dlen != 32) {
        if (f->result == SF_UPLOAD_TAKEN)
            f->result = SF_UPLOAD_FAILED;
        return f;
    }
    for (int i = 0; i < 32; i++)
        snprintf(f->sha256 + 2 * i, 3, "%02x", digest[i]);
    return f;
}

void sf_upload_stream_free(sf_upload_stream *s)
{
    if (s == NULL)
        return;
    if (s->file.fd >= 0)
        close(s->file.fd);
    EVP_MD_CTX_free(s->md);
    free(s);
}
