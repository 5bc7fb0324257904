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

#endif
