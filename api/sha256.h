/*
 * SHA-256 as shifan uses it: ETags, API tokens' stored hashes, files' checksums, the key of an
 * import's request. The digest is fetched from OpenSSL's providers once for the process:
 * EVP_sha256() is fetched again, under a lock, on every use, and that fetch cost nearly as much
 * as hashing GET /v1/me's 3.8 kB answer (issue 18, point 5; bench/RESULTS.md).
 */
#ifndef SF_SHA256_H
#define SF_SHA256_H

#include <openssl/evp.h>
#include <stddef.h>

/* The digest for EVP_DigestInit_ex; lives as long as the process. */
const EVP_MD *sf_sha256_md(void);
/* The digest of `len` bytes. */
void sf_sha256(const void *data, size_t len, unsigned char out[32]);
/* The same in lower-case hex, NUL-terminated. */
void sf_sha256_hex(const void *data, size_t len, char out[65]);
/* `n` bytes in lower-case hex at `out` (2 * n characters), not terminated. */
void sf_hex(const unsigned char *bytes, size_t n, char *out);

#endif
