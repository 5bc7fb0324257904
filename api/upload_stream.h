/*
 * An upload's body written to a temporary file as it arrives (issue 14, item 2): never held
 * whole in memory. A file of at most SF_UPLOAD_IN_MEMORY bytes is kept in memory instead (issue
 * 18, point 4: creating and dropping a file for each small material was a fifth of shifan's
 * CPU in the write mix); the first byte past it creates the file, writes what memory held
 * and frees it. The file is created in the data directory and unlinked at once, so it
 * disappears with its descriptor on every path — an answer, a refusal, a dropped connection, a crash.
 * The SHA-256 is computed as the bytes pass and the first bytes are kept for the type check.
 * A multipart/form-data body is read as it arrives too (api/multipart.h): only its `file`
 * part reaches the file; the small text fields are kept in memory.
 */
#ifndef SF_UPLOAD_STREAM_H
#define SF_UPLOAD_STREAM_H

#include <stddef.h>

#include "api/multipart.h"

#define SF_UPLOAD_HEAD 16   /* the bytes kept for sniffing (domain/materials.c needs 8) */
#define SF_UPLOAD_IN_MEMORY (64 * 1024)   /* a file up to this size is never written out */

typedef struct sf_upload_stream sf_upload_stream;

/* A stream for a body of `content_type` of at most `limit` bytes, its file (if it needs one)
 * in `dir`; NULL when memory is short. */
sf_upload_stream *sf_upload_stream_open(const char *dir, const char *content_type, size_t limit);

typedef enum {
    SF_UPLOAD_TAKEN,
    SF_UPLOAD_TOO_LARGE,   /* the body passed the limit: refuse with 413 */
    SF_UPLOAD_FAILED       /* the file could not be made or written, or memory is short */
} sf_upload_result;

/* The next bytes of the body. After anything but SF_UPLOAD_TAKEN, further bytes are ignored
 * and the same result is returned. */
sf_upload_result sf_upload_stream_write(sf_upload_stream *s, const void *data, size_t len);

/* What the whole body came to, once it has ended (the first call ends it). */
typedef struct sf_upload_file {
    sf_upload_result result;
    sf_code malformed;      /* a multipart body refused (a 400), or SF_E_NONE */
    int multipart;
    int fd;                 /* the file's bytes, from offset 0; -1 when they are in `data` */
    const unsigned char *data;   /* the file's bytes when they fit in memory (fd -1), else NULL */
    size_t size;
    char sha256[65];
    unsigned char head[SF_UPLOAD_HEAD];
    size_t head_len;
    sf_upload_form form;    /* multipart: the fields (the file part's bytes are in fd) */
} sf_upload_file;
const sf_upload_file *sf_upload_stream_end(sf_upload_stream *s);

/* Closes the file (it is gone), frees the bytes in memory and the stream; NULL is fine. */
void sf_upload_stream_free(sf_upload_stream *s);

#endif
