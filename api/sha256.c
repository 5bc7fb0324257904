#include "api/sha256.h"

#include <pthread.h>

static EVP_MD *fetched;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
    fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *sf_sha256_md(void)
{
    pthread_once(&fetch_once, fetch);
    return fetched != NULL ? fetched : EVP_sha256();
}

void sf_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    EVP_Digest(data, len, out, &n, sf_sha256_md(), NULL);
}

void sf_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xF];
    }
}

void sf_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[32];
    sf_sha256(data, len, digest);
    sf_hex(digest, sizeof digest, out);
    out[64] = '\0';
}
