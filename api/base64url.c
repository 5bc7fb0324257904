/*
 * base64url (see base64url.h), by way of OpenSSL's standard base64.
 */
#include "api/base64url.h"

#include <openssl/evp.h>

#define MAX_TEXT 4096

size_t sf_base64url_encode(const unsigned char *in, size_t len, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    while (n > 0 && out[n - 1] == '=')
        out[--n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return (size_t)n;
}

long sf_base64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    char b64[MAX_TEXT + 4];
    unsigned char raw[MAX_TEXT / 4 * 3 + 3];
    if (len == 0 || len % 4 == 1 || len > MAX_TEXT)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return -1;
        b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t padded = len, pad = 0;
    while (padded % 4 != 0) {
        b64[padded++] = '=';
        pad++;
    }
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)padded);
    if (n < 0 || (size_t)n < pad || (size_t)n - pad > cap)
        return -1;
    for (size_t i = 0; i < (size_t)n - pad; i++)
        out[i] = raw[i];
    return (long)((size_t)n - pad);
}
