/*
 * The one test helper of the domain suite, kept apart from testutil (HTTP, JSON, servers) so
 * that test_domain links the domain library alone.
 */
#ifndef SF_HASHUTIL_H
#define SF_HASHUTIL_H

#include <stddef.h>

/* Splits a stored password hash "$pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>"
 * (domain/password.h) and decodes its salt into `salt` (room for `salt_cap` bytes). Returns
 * 0 with the iteration count, salt length and hash length, or -1 if it is not of that form. */
int th_parse_password_hash(const char *encoded, long *iterations, unsigned char *salt, size_t salt_cap,
                           size_t *salt_len, size_t *hash_len);

#endif
