/*
 * Reading a stored password hash back (see hashutil.h).
 */
#include "tests/hashutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Standard base64 of `len` characters into out (room for cap bytes); the decoded length, or -1. */
static long decode_base64(const char *in, size_t len, unsigned char *out, size_t cap)
{
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > cap)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0)
        return -1;
    for (size_t i = len; i > 0 && in[i - 1] == '='; i--)
        n--;
    return n;
}

int th_parse_password_hash(const char *encoded, long *iterations, unsigned char *salt, size_t salt_cap,
                           size_t *salt_len, size_t *hash_len)
{
    static const char prefix[] = "$pbkdf2-sha256$";
    if (encoded == NULL || strncmp(encoded, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *p = encoded + sizeof prefix - 1;
    char *end;
    *iterations = strtol(p, &end, 10);
    if (end == p || *end != '$')
        return -1;
    const char *salt64 = end + 1, *dollar = strchr(salt64, '$');
    if (dollar == NULL)
        return -1;
    long s = decode_base64(salt64, (size_t)(dollar - salt64), salt, salt_cap);
    unsigned char hash[128];
    long h = decode_base64(dollar + 1, strlen(dollar + 1), hash, sizeof hash);
    if (s < 0 || h < 0)
        return -1;
    *salt_len = (size_t)s;
    *hash_len = (size_t)h;
    return 0;
}

int th_password_hash_at(const char *password, int iterations, char *out, size_t cap)
{
    static const unsigned char salt[16] = "fixed-test-salt";
    unsigned char hash[32];
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, iterations, EVP_sha256(), sizeof hash,
                          hash) != 1)
        return -1;
    char salt64[32], hash64[48];
    EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof salt);
    EVP_EncodeBlock((unsigned char *)hash64, hash, sizeof hash);
    int n = snprintf(out, cap, "$pbkdf2-sha256$%d$%s$%s", iterations, salt64, hash64);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}
