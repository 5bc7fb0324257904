/*
 * An upload kept in memory while it is small, written to a temporary file as it arrives once
 * it is not (see upload_stream.h).
 */
#include "api/upload_stream.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/sha256.h"

struct sf_upload_stream {
    size_t limit, received;
    EVP_MD_CTX *md;
    sf_upload_file file;
    int ended;
    sf_multipart_stream form;   /* when file.multipart */
    char path[4096];            /* the file's template, in the data directory */
    unsigned char *mem;         /* the file's bytes while they fit in SF_UPLOAD_IN_MEMORY */
    size_t mem_size;            /* what mem holds room for */
};

sf_upload_stream *sf_upload_stream_open(const char *dir, const char *content_type, size_t limit)
{
    sf_upload_stream *s = calloc(1, sizeof *s);
    if (s == NULL || snprintf(s->path, sizeof s->path, "%s/upload-XXXXXX", dir) >= (int)sizeof s->path) {
        free(s);
        return NULL;
    }
    s->limit = limit;
    s->file.fd = -1;   /* no file until the bytes outgrow memory */
    s->md = EVP_MD_CTX_new();
    if (s->md == NULL || EVP_DigestInit_ex(s->md, sf_sha256_md(), NULL) != 1) {
        sf_upload_stream_free(s);
        return NULL;
    }
    s->file.multipart = sf_multipart_is_form(content_type);
    if (s->file.multipart)
        (void)sf_multipart_stream_begin(&s->form, content_type, NULL, NULL, &s->file.malformed);
    return s;
}

static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The file made, nameless at once (it cannot outlive its descriptor), and what memory held
 * written to it. 0, or -1. */
static int spill(sf_upload_stream *s)
{
    s->file.fd = mkstemp(s->path);
    if (s->file.fd < 0)
        return -1;
    unlink(s->path);
    int rc = write_all(s->file.fd, s->mem, s->file.size);
    free(s->mem);
    s->mem = NULL;
    s->mem_size = 0;
    return rc;
}

/* Bytes of the file itself: hashed, the first kept, kept in memory or written out. 0, or -1. */
static int file_bytes(void *cls, const unsigned char *data, size_t len)
{
    sf_upload_stream *s = cls;
    sf_upload_file *f = &s->file;
    if (len == 0)
        return 0;
    if (f->head_len < SF_UPLOAD_HEAD) {
        size_t n = len < SF_UPLOAD_HEAD - f->head_len ? len : SF_UPLOAD_HEAD - f->head_len;
        memcpy(f->head + f->head_len, data, n);
        f->head_len += n;
    }
    if (EVP_DigestUpdate(s->md, data, len) != 1)
        return -1;
    if (f->fd < 0 && f->size + len <= SF_UPLOAD_IN_MEMORY) {
        if (f->size + len > s->mem_size) {
            size_t want = s->mem_size ? s->mem_size : 4096;
            while (want < f->size + len)
                want *= 2;
            if (want > SF_UPLOAD_IN_MEMORY)
                want = SF_UPLOAD_IN_MEMORY;
            unsigned char *grown = realloc(s->mem, want);
            if (grown == NULL)
                return -1;
            s->mem = grown;
            s->mem_size = want;
        }
        memcpy(s->mem + f->size, data, len);
        f->size += len;
        return 0;
    }
    if (f->fd < 0 && spill(s) != 0)
        return -1;
    f->size += len;
    return write_all(f->fd, data, len);
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
    if (f->fd < 0)
        f->data = s->mem;
    unsigned char digest[32];
    unsigned int dlen = 0;
    if (EVP_DigestFinal_ex(s->md, digest, &dlen) != 1 || dlen != 32) {
        if (f->result == SF_UPLOAD_TAKEN)
            f->result = SF_UPLOAD_FAILED;
        return f;
    }
    sf_hex(digest, 32, f->sha256);
    f->sha256[64] = '\0';
    return f;
}

void sf_upload_stream_free(sf_upload_stream *s)
{
    if (s == NULL)
        return;
    if (s->file.fd >= 0)
        close(s->file.fd);
    free(s->mem);
    EVP_MD_CTX_free(s->md);
    free(s);
}
