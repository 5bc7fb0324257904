/*
 * Password hashing: PBKDF2-HMAC-SHA256 with 600,000 iterations and a 16-byte random salt.
 *
 * Why PBKDF2 and not scrypt: both are acceptable (OWASP's 2023 guidance names PBKDF2-SHA256
 * at 600,000 iterations and scrypt at N=2^17, r=8). PBKDF2 needs no memory beyond a few
 * hundred bytes, whereas scrypt at that strength needs 128 MiB per login in flight — on a
 * 2-core server that must stay under 32 MB resident, concurrent logins would dominate memory.
 * PBKDF2's cost is CPU only, which the API bounds with a limit on concurrent hashing.
 *
 * The encoded form carries its own parameters, so the iteration count can be raised later
 * and old hashes still verify:  $pbkdf2-sha256$600000$<base64 salt>$<base64 hash>
 */
#ifndef SF_PASSWORD_H
#define SF_PASSWORD_H

#include <stddef.h>

#define SF_PASSWORD_ITERATIONS 600000
#define SF_PASSWORD_SALT_LEN 16
#define SF_PASSWORD_HASH_LEN 32
#define SF_PASSWORD_ENCODED_MAX 128

/* Hashes `password` with `salt` (the caller draws it from a CSPRNG) into `out` (at least
 * SF_PASSWORD_ENCODED_MAX bytes). Returns 0, or -1 if OpenSSL fails. */
int sf_password_hash(const char *password, const unsigned char salt[SF_PASSWORD_SALT_LEN],
                     char out[SF_PASSWORD_ENCODED_MAX]);

/* 1 if `password` matches `encoded`, 0 if not or if `encoded` is malformed. Compares in
 * constant time. */
int sf_password_verify(const char *password, const char *encoded);

/* Spends the same time as a verification and matches nothing: called for an unknown
 * username, so that response times do not reveal which usernames exist. */
void sf_password_verify_dummy(const char *password);

/* PBKDF2 iterations this process has computed so far, dummy verifications included: lets a
 * test (and /metrics) see that a login for an unknown username does the same hashing work as
 * one for a known username. */
unsigned long long sf_password_iterations_spent(void);

#endif
