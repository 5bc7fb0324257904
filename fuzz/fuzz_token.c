/*
 * Harness: the bearer-token verifier, sf_auth_verify (api/auth.c) with the harnesses' fixed
 * HS256 key: token_shape_is_strict (segments, base64url, duplicate keys, alg spelled exactly,
 * integer time claims), then libjwt's jwt_decode with the key and every claim check. The
 * first byte picks how the rest becomes a token:
 *   0: the bytes are the token's text, as a client sends it;
 *   1: the bytes are "header JSON \n payload JSON", base64url-encoded and signed here with the
 *      right key (HMAC-SHA256), so the claim checks behind the signature are reached;
 *   2: the bytes fill a caller (ids, role, region), sf_auth_issue signs it, and the verifier
 *      must accept it and give the same caller back (a round trip).
 * The revocation and active-user lookups happen in the database after this (server.c) and
 * are not part of the harness. Oracle: no crash, leak or UB; an accepted token yields a sane
 * caller; an issued token is accepted.
 */
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/base64url.h"
#include "fuzz/fuzz.h"

#define NOW 1800000000LL

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_app();
    return 0;
}

static void check_caller(const sf_caller *c, long long expires_at)
{
    if (c->user_id <= 0 || c->org_id <= 0 || c->role == SF_ROLE_NONE || strlen(c->region_code) != 6 ||
        strlen(c->jti) != 36 || expires_at <= NOW) {
        fprintf(stderr, "fuzz: a token was accepted with a malformed caller\n");
        abort();
    }
}

static void verify_text(const char *token)
{
    sf_caller c;
    memset(&c, 0, sizeof c);
    long long exp = 0;
    if (sf_auth_verify(fz_app()->auth, token, NOW, &c, &exp) == SF_OK)
        check_caller(&c, exp);
}

static void signed_token(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL || size > 6000)
        return;
    size_t hlen = (size_t)(nl - data), plen = size - hlen - 1;
    char *token = malloc(4 * (size / 3 + 2) + 64);
    if (token == NULL)
        return;
    size_t n = sf_base64url_encode(data, hlen, token);
    token[n++] = '.';
    n += sf_base64url_encode(nl + 1, plen, token + n);
    unsigned char mac[32];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), fz_key, (int)sizeof fz_key, (const unsigned char *)token, n, mac, &maclen);
    token[n++] = '.';
    sf_base64url_encode(mac, maclen, token + n);
    verify_text(token);
    free(token);
}

static void round_trip(const uint8_t *data, size_t size)
{
    static const char *const regions[] = {"210000", "210100", "210200", "211400"};
    if (size < 10)
        return;
    sf_caller in;
    memset(&in, 0, sizeof in);
    memcpy(&in.user_id, data, 4);
    memcpy(&in.org_id, data + 4, 4);
    in.user_id = in.user_id % 1000000000 + 1;
    in.org_id = in.org_id % 1000000000 + 1;
    in.role = (sf_role)(data[8] % 5 + 1);
    strcpy(in.region_code, regions[data[9] % 4]);
    strcpy(in.sid, "3f0c9a51-7d2e-4b8a-9c1d-2e3f4a5b6c7d");
    in.password_change_required = data[8] & 0x80 ? 1 : 0;
    char *token = NULL;
    long long expires_at = 0;
    if (sf_auth_issue(fz_app()->auth, &in, NOW, &token, &expires_at) != 0)
        abort();
    sf_caller out;
    memset(&out, 0, sizeof out);
    long long exp = 0;
    if (sf_auth_verify(fz_app()->auth, token, NOW + 1, &out, &exp) != SF_OK || out.user_id != in.user_id ||
        out.org_id != in.org_id || out.role != in.role || strcmp(out.region_code, in.region_code) != 0 ||
        strcmp(out.jti, in.jti) != 0 || strcmp(out.sid, in.sid) != 0 ||
        out.password_change_required != in.password_change_required || exp != expires_at) {
        fprintf(stderr, "fuzz: an issued token did not verify to its caller\n");
        abort();
    }
    sf_auth_free_token(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: {
        char *text = malloc(size);
        if (text == NULL)
            return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        verify_text(text);
        free(text);
        break;
    }
    case 1:
        signed_token(data + 1, size - 1);
        break;
    default:
        round_trip(data + 1, size - 1);
    }
    return 0;
}
