/*
 * PBKDF2-HMAC-SHA256 password hashes (see password.h for the choice of algorithm).
 */
#include "domain/password.h"

/* SHA256_Init, _Update and _Final: see pbkdf2_sha256 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "$pbkdf2-sha256$"
/* Bounds on a stored iteration count: refuse absurd values from a corrupted row. */
#define MIN_ITERATIONS 1000
#define MAX_ITERATIONS 10000000

/* PBKDF2 iterations computed by this process: every derivation, the dummy one included. */
static atomic_ullong iterations_spent;

/* PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) for one 32-byte block, the only length stored.
 *
 * Written out over SHA-256 rather than calling PKCS5_PBKDF2_HMAC because OpenSSL 3's HMAC
 * allocates and frees four times per iteration: 2.4 million allocations per login made a hash
 * take three to four times as long as its SHA-256 work (and ten times under AddressSanitizer,
 * which intercepts every one). Here the keyed inner and outer states are computed once and
 * each iteration copies them: two SHA-256 hashes and no allocation. The attacker's cost is the
 * algorithm's, unchanged; the server's falls to it. tests/test_domain.c holds this equal to
 * PKCS5_PBKDF2_HMAC and to the RFC 7914 vectors. The SHA256_* functions are deprecated in
 * OpenSSL 3 in favour of EVP, whose contexts cannot be copied without an allocation. */
static void pbkdf2_sha256(const char *password, const unsigned char *salt, size_t salt_len,
                          int iterations, unsigned char out[SHA256_DIGEST_LENGTH])
{
    unsigned char key[SHA256_CBLOCK] = {0}, pad[SHA256_CBLOCK];
    size_t password_len = strlen(password);
    if (password_len > SHA256_CBLOCK)   /* HMAC hashes a key longer than a block */
        SHA256((const unsigned char *)password, password_len, key);
    else
        memcpy(key, password, password_len);
    SHA256_CTX inner, outer, ctx;
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = key[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = key[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, sizeof pad);

    static const unsigned char block_index[4] = {0, 0, 0, 1};   /* INT(1): the first block */
    unsigned char u[SHA256_DIGEST_LENGTH];
    ctx = inner;                                                /* U1 = PRF(P, S || INT(1)) */
    SHA256_Update(&ctx, salt, salt_len);
    SHA256_Update(&ctx, block_index, sizeof block_index);
    SHA256_Final(u, &ctx);
    ctx = outer;
    SHA256_Update(&ctx, u, sizeof u);
    SHA256_Final(u, &ctx);
    memcpy(out, u, sizeof u);
    for (int n = 1; n < iterations; n++) {                      /* Uc = PRF(P, Uc-1); T ^= Uc */
        ctx = inner;
        SHA256_Update(&ctx, u, sizeof u);
        SHA256_Final(u, &ctx);
        ctx = outer;
        SHA256_Update(&ctx, u, sizeof u);
        SHA256_Final(u, &ctx);
        for (size_t i = 0; i < sizeof u; i++)
            out[i] ^= u[i];
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(u, sizeof u);
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
    OPENSSL_cleanse(&ctx, sizeof ctx);
}

static int derive(const char *password, const unsigned char *salt, int salt_len, int iterations,
                  unsigned char out[SF_PASSWORD_HASH_LEN])
{
    atomic_fetch_add_explicit(&iterations_spent, (unsigned long long)iterations, memory_order_relaxed);
    if (password == NULL || salt_len < 0 || iterations < 1)
        return -1;
    pbkdf2_sha256(password, salt, (size_t)salt_len, iterations, out);
    return 0;
}

int sf_password_hash(const char *password, const unsigned char salt[SF_PASSWORD_SALT_LEN],
                     char out[SF_PASSWORD_ENCODED_MAX])
{
    unsigned char hash[SF_PASSWORD_HASH_LEN];
    if (derive(password, salt, SF_PASSWORD_SALT_LEN, SF_PASSWORD_ITERATIONS, hash) != 0)
        return -1;
    char salt64[32], hash64[48];
    EVP_EncodeBlock((unsigned char *)salt64, salt, SF_PASSWORD_SALT_LEN);
    EVP_EncodeBlock((unsigned char *)hash64, hash, SF_PASSWORD_HASH_LEN);
    OPENSSL_cleanse(hash, sizeof hash);
    int n = snprintf(out, SF_PASSWORD_ENCODED_MAX, PREFIX "%d$%s$%s", SF_PASSWORD_ITERATIONS, salt64, hash64);
    return n > 0 && n < SF_PASSWORD_ENCODED_MAX ? 0 : -1;
}

/* Decodes standard base64 of a known decoded length; -1 on any mismatch. */
static int decode64(const char *in, size_t in_len, unsigned char *out, int expected)
{
    unsigned char buf[64];
    if (in_len == 0 || in_len % 4 != 0 || in_len > 4 * sizeof buf / 3)
        return -1;
    int n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)in_len);
    if (n < 0)
        return -1;
    /* EVP_DecodeBlock counts '=' padding as zero bytes */
    while (in_len > 0 && in[in_len - 1] == '=') {
        n--;
        in_len--;
    }
    if (n != expected)
        return -1;
    memcpy(out, buf, (size_t)expected);
    return 0;
}

int sf_password_verify(const char *password, const char *encoded)
{
    if (password == NULL || encoded == NULL || strncmp(encoded, PREFIX, strlen(PREFIX)) != 0)
        return 0;
    const char *p = encoded + strlen(PREFIX);
    char *end;
    long iterations = strtol(p, &end, 10);
    if (end == p || *end != '$' || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS)
        return 0;
    const char *salt64 = end + 1;
    const char *dollar = strchr(salt64, '$');
    if (dollar == NULL)
        return 0;
    const char *hash64 = dollar + 1;
    unsigned char salt[SF_PASSWORD_SALT_LEN], want[SF_PASSWORD_HASH_LEN], got[SF_PASSWORD_HASH_LEN];
    if (decode64(salt64, (size_t)(dollar - salt64), salt, SF_PASSWORD_SALT_LEN) != 0 ||
        decode64(hash64, strlen(hash64), want, SF_PASSWORD_HASH_LEN) != 0)
        return 0;
    if (derive(password, salt, SF_PASSWORD_SALT_LEN, (int)iterations, got) != 0)
        return 0;
    int match = CRYPTO_memcmp(got, want, SF_PASSWORD_HASH_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return match;
}

void sf_password_verify_dummy(const char *password)
{
    static const unsigned char salt[SF_PASSWORD_SALT_LEN] = {0};
    unsigned char out[SF_PASSWORD_HASH_LEN];
    (void)derive(password, salt, SF_PASSWORD_SALT_LEN, SF_PASSWORD_ITERATIONS, out);
}

unsigned long long sf_password_iterations_spent(void)
{
    return atomic_load_explicit(&iterations_spent, memory_order_relaxed);
}
