/*
 * base64url without padding (RFC 4648 §5), as JWTs, page tokens and API tokens use it.
 */
#ifndef SF_BASE64URL_H
#define SF_BASE64URL_H

#include <stddef.h>

/* Encodes `len` bytes into `out` (room for 4 * ceil(len / 3) + 1) and NUL-terminates it;
 * returns the text's length. */
size_t sf_base64url_encode(const unsigned char *in, size_t len, char *out);

/* Decodes `len` characters of base64url (no padding, no other characters) into `out`, which
 * holds `cap` bytes; returns the number of bytes, or -1 if the text is not base64url or the
 * result does not fit. */
long sf_base64url_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
