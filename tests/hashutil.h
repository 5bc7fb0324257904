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

/* The stored form of `password` at `iterations` (domain/password.c accepts 1,000 and more),
 * with a fixed salt, made by OpenSSL's own PBKDF2: for a test whose subject is not the
 * hash's cost to log in without spending 600,000 iterations at each attempt. Returns 0, or
 * -1 if it does not fit in `cap` bytes. */
int th_password_hash_at(const char *password, int iterations, char *out, size_t cap);

#endif
