/*
 * multipart/form-data (RFC 7578), as a browser's FormData sends an upload: a `file` part
 * (the file's bytes) and the text fields `kind` and `filename`. Parsed in place: the parts
 * point into the body, nothing is copied. Pure: no HTTP library, no allocation.
 */
#ifndef SF_MULTIPART_H
#define SF_MULTIPART_H

#include <stddef.h>

#include "domain/codes.h"

typedef struct {
    const unsigned char *data;   /* NULL: the part was not sent */
    size_t len;
} sf_part;

typedef struct {
    sf_part file;                /* the `file` part's bytes */
    sf_part file_name;           /* the `file` part's own filename="…" parameter, if any */
    sf_part kind, filename;      /* the text fields */
} sf_upload_form;

/* Whether a Content-Type header names multipart/form-data (case-insensitively). */
int sf_multipart_is_form(const char *content_type);

/* Parses `body` as multipart/form-data with the boundary of `content_type`. Returns 0, or -1
 * with the code of a 400 in `why`: no or a bad boundary (RFC 2046: 1-70 characters), a
 * body that does not open, part or close by it, a part without a form-data name, a part
 * other than file, kind and filename, a part sent twice, or no file part. */
int sf_multipart_parse(const char *content_type, const unsigned char *body, size_t len, sf_upload_form *form,
                       sf_code *why);

/* The same grammar, read as the bytes arrive (an upload streamed to a file, api/upload_stream.c),
 * with the same verdict on every body: the `file` part's bytes go to `sink` as soon as they are
 * known not to begin the next delimiter; the text fields and the file part's own filename are
 * kept up to SF_MULTIPART_FIELD_MAX bytes (a longer one keeps its true length, so that it reads
 * as too long). One departure: a part's header section longer than SF_MULTIPART_HEADERS_MAX is
 * refused as SF_E_MULTIPART_NO_HEADERS. */
#define SF_MULTIPART_FIELD_MAX 1024
#define SF_MULTIPART_HEADERS_MAX 8192
#define SF_MULTIPART_BOUNDARY_MAX 70

typedef int (*sf_multipart_sink)(void *cls, const unsigned char *data, size_t len);   /* 0, or -1 */

typedef struct {
    unsigned char value[SF_MULTIPART_FIELD_MAX];
    size_t len;                  /* the true length; value holds the first SF_MULTIPART_FIELD_MAX */
    int sent;
} sf_multipart_field;

typedef struct {
    char delim[SF_MULTIPART_BOUNDARY_MAX + 5];
    size_t dlen, match;          /* bytes of delim matched and held back */
    int state, after;            /* where the reader is; within what follows a delimiter */
    int part;                    /* the part being read: 0 file, 1 kind, 2 filename, -1 refused */
    sf_code pending;             /* the refusal of that part, raised when it closes */
    unsigned char headers[SF_MULTIPART_HEADERS_MAX];
    size_t hlen;
    sf_multipart_field fields[3];   /* file (its bytes are not kept), kind, filename */
    sf_multipart_field file_name;   /* the file part's own filename="…" */
    size_t file_len;
    sf_multipart_sink sink;
    void *cls;
    sf_code why;
} sf_multipart_stream;

/* Starts reading a body of `content_type`. 0, or -1 with the code of a 400 in `why` (the
 * boundary). */
int sf_multipart_stream_begin(sf_multipart_stream *s, const char *content_type, sf_multipart_sink sink, void *cls,
                              sf_code *why);
/* The next bytes of the body. 0; -1 when the body is refused (the code in s->why); -2 when the
 * sink failed. After a refusal further bytes are ignored. */
int sf_multipart_stream_feed(sf_multipart_stream *s, const unsigned char *data, size_t len);
/* The body has ended: 0 (the parts in `form`, their data pointing into `s`; the file part's
 * data is a non-NULL empty part, its bytes being the sink's), or -1 with the code in `why`. */
int sf_multipart_stream_end(sf_multipart_stream *s, sf_upload_form *form, sf_code *why);

#endif
