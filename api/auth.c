/*
 * JWT keys, issuance and verification (see auth.h).
 */
#include "api/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/base64url.h"

#define KEY_MIN 32
#define KEY_MAX 4096
#define GENERATED_KEY_BYTES 48
/* Clock skew tolerated between shifan processes for iat and nbf. */
#define LEEWAY_S 60

struct sf_auth {
    unsigned char key[KEY_MAX];
    size_t key_len;
    jwt_alg_t alg;
    char *issuer;
    char *audience;
    int ttl_s;
    sem_t hashing;
};

int sf_random_bytes(unsigned char *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

static int read_key(const char *path, unsigned char *key, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(key, 1, KEY_MAX, f);
    int too_long = !feof(f);
    fclose(f);
    if (too_long)
        return -2;
    while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r' || key[n - 1] == ' '))
        n--;
    *len = n;
    return 0;
}

/* Writes a fresh random key to `path` unless it exists; O_EXCL makes a concurrent start by
 * another instance read the winner's key instead of overwriting it. */
static int generate_key(const char *dir, const char *path)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    unsigned char raw[GENERATED_KEY_BYTES];
    char text[GENERATED_KEY_BYTES * 2];
    if (sf_random_bytes(raw, sizeof raw) != 0)
        return -1;
    int len = EVP_EncodeBlock((unsigned char *)text, raw, sizeof raw);
    memset(raw, 0, sizeof raw);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    text[len++] = '\n';
    ssize_t w = write(fd, text, (size_t)len);
    memset(text, 0, sizeof text);
    if (close(fd) != 0 || w != len)
        return -1;
    return 0;
}

sf_auth *sf_auth_create(const sf_config *config)
{
    sf_auth *auth = calloc(1, sizeof *auth);
    if (auth == NULL)
        return NULL;
    char path[4096];
    if (config->jwt_key_file != NULL) {
        snprintf(path, sizeof path, "%s", config->jwt_key_file);
    } else {
        snprintf(path, sizeof path, "%s/jwt.key", config->data_dir);
        if (generate_key(config->data_dir, path) != 0) {
            fprintf(stderr, "shifan: cannot create the JWT key under SHIFAN_DATA_DIR\n");
            free(auth);
            return NULL;
        }
    }
    int r = read_key(path, auth->key, &auth->key_len);
    if (r != 0 || auth->key_len < KEY_MIN) {
        fprintf(stderr, "shifan: the JWT key file %s; it must hold at least %d random bytes\n",
                r == -1 ? "cannot be read" : r == -2 ? "is too long" : "is too short", KEY_MIN);
        sf_auth_destroy(auth);
        return NULL;
    }
    auth->alg = jwt_str_alg(config->jwt_algorithm);
    auth->issuer = strdup(config->jwt_issuer);
    auth->audience = strdup(config->jwt_audience);
    auth->ttl_s = config->token_ttl_s;
    sem_init(&auth->hashing, 0, (unsigned)config->hash_concurrency);
    if (auth->alg == JWT_ALG_INVAL || auth->alg == JWT_ALG_NONE || !auth->issuer || !auth->audience) {
        sf_auth_destroy(auth);
        return NULL;
    }
    return auth;
}

void sf_auth_destroy(sf_auth *auth)
{
    if (auth == NULL)
        return;
    memset(auth->key, 0, sizeof auth->key);
    free(auth->issuer);
    free(auth->audience);
    sem_destroy(&auth->hashing);
    free(auth);
}

static void new_uuid(char out[37])
{
    unsigned char b[16];
    sf_random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

int sf_auth_issue(sf_auth *auth, sf_caller *caller, long long now, char **token, long long *expires_at)
{
    jwt_t *jwt = NULL;
    char sub[24];
    int rc = -1;
    *token = NULL;
    new_uuid(caller->jti);
    snprintf(sub, sizeof sub, "%lld", (long long)caller->user_id);
    *expires_at = now + auth->ttl_s;
    if (jwt_new(&jwt) != 0)
        return -1;
    if (jwt_set_alg(jwt, auth->alg, auth->key, (int)auth->key_len) == 0 &&
        jwt_add_grant(jwt, "iss", auth->issuer) == 0 && jwt_add_grant(jwt, "aud", auth->audience) == 0 &&
        jwt_add_grant(jwt, "sub", sub) == 0 && jwt_add_grant_int(jwt, "org", (long)caller->org_id) == 0 &&
        jwt_add_grant(jwt, "role", sf_role_name(caller->role)) == 0 &&
        jwt_add_grant(jwt, "region", caller->region_code) == 0 &&
        jwt_add_grant_int(jwt, "iat", (long)now) == 0 && jwt_add_grant_int(jwt, "exp", (long)*expires_at) == 0 &&
        jwt_add_grant(jwt, "jti", caller->jti) == 0) {
        *token = jwt_encode_str(jwt);
        rc = *token != NULL ? 0 : -1;
    }
    jwt_free(jwt);
    return rc;
}

void sf_auth_free_token(char *token)
{
    free(token); /* libjwt 1.10 allocates with malloc and has no jwt_free_str */
}

/* An integer claim; -1 if absent or not an integer. */
static long long int_claim(jwt_t *jwt, const char *name, int *present)
{
    errno = 0;
    long v = jwt_get_grant_int(jwt, name);
    *present = errno == 0;
    return v;
}

static int is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return 1;
}

static int is_decimal_id(const char *s)
{
    if (s == NULL || s[0] == '\0' || s[0] == '0' || strlen(s) > 18)
        return 0;
    return strspn(s, "0123456789") == strlen(s);
}

/* Decodes one base64url segment of a token into a JSON object, refusing duplicate keys
 * (libjwt reads header and payload with the last duplicate winning). NULL if it is not one. */
static json_t *segment_object(const char *seg, size_t len)
{
    unsigned char raw[3100];
    long n = sf_base64url_decode(seg, len, raw, sizeof raw);
    json_t *obj = n > 0 ? json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* RFC 8725: the token's own text, before libjwt reads it. The header is a JSON object with
 * no duplicate key whose "alg" is exactly the configured algorithm's name (libjwt compares
 * names without case); the payload is an object with no duplicate key whose time claims
 * are integers when present (libjwt reads a string or null there as 0). */
static int token_shape_is_strict(const sf_auth *auth, const char *token)
{
    const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
        return 0;
    json_t *header = segment_object(token, (size_t)(dot1 - token));
    json_t *payload = segment_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    const char *alg = json_string_value(json_object_get(header, "alg"));
    int ok = header != NULL && payload != NULL && alg != NULL && strcmp(alg, jwt_alg_str(auth->alg)) == 0;
    static const char *const times[] = {"exp", "iat", "nbf", "org"};
    for (size_t i = 0; ok && i < sizeof times / sizeof *times; i++) {
        json_t *v = json_object_get(payload, times[i]);
        ok = v == NULL || json_is_integer(v);
    }
    json_decref(header);
    json_decref(payload);
    return ok;
}

sf_status sf_auth_verify(sf_auth *auth, const char *token, long long now, sf_caller *caller,
                         long long *expires_at)
{
    jwt_t *jwt = NULL;
    sf_status status = SF_INVALID;
    if (token == NULL || strlen(token) > 4096 || !token_shape_is_strict(auth, token))
        return SF_INVALID;
    /* Always with the key: libjwt accepts an unsigned "none" token when given no key. */
    if (jwt_decode(&jwt, token, auth->key, (int)auth->key_len) != 0 || jwt == NULL)
        return SF_INVALID;
    if (jwt_get_alg(jwt) != auth->alg)
        goto out;
    int has_exp, has_iat, has_nbf, has_org;
    long long exp = int_claim(jwt, "exp", &has_exp);
    long long iat = int_claim(jwt, "iat", &has_iat);
    long long nbf = int_claim(jwt, "nbf", &has_nbf);
    long long org = int_claim(jwt, "org", &has_org);
    if (!has_exp || now >= exp || !has_iat || iat > now + LEEWAY_S || (has_nbf && nbf > now + LEEWAY_S))
        goto out;
    const char *iss = jwt_get_grant(jwt, "iss");
    const char *aud = jwt_get_grant(jwt, "aud");
    if (iss == NULL || strcmp(iss, auth->issuer) != 0 || aud == NULL || strcmp(aud, auth->audience) != 0)
        goto out;
    const char *sub = jwt_get_grant(jwt, "sub");
    const char *role = jwt_get_grant(jwt, "role");
    const char *region = jwt_get_grant(jwt, "region");
    const char *jti = jwt_get_grant(jwt, "jti");
    if (!is_decimal_id(sub) || !has_org || org <= 0 || sf_role_parse(role) == SF_ROLE_NONE ||
        region == NULL || strlen(region) != 6 || !is_uuid(jti))
        goto out;
    caller->user_id = strtoll(sub, NULL, 10);
    caller->org_id = org;
    caller->role = sf_role_parse(role);
    snprintf(caller->region_code, sizeof caller->region_code, "%s", region);
    snprintf(caller->jti, sizeof caller->jti, "%s", jti);
    *expires_at = exp;
    status = SF_OK;
out:
    jwt_free(jwt);
    return status;
}

void sf_auth_hash_begin(sf_auth *auth)
{
    while (sem_wait(&auth->hashing) != 0 && errno == EINTR)
        ;
}

void sf_auth_hash_end(sf_auth *auth)
{
    sem_post(&auth->hashing);
}

int sf_api_token_new(char token[SF_API_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    char b64[48];
    if (sf_random_bytes(raw, sizeof raw) != 0)
        return -1;
    size_t n = sf_base64url_encode(raw, sizeof raw, b64);
    memset(raw, 0, sizeof raw);
    size_t prefix = strlen(SF_API_TOKEN_PREFIX);
    if (prefix + n != SF_API_TOKEN_LEN)
        return -1;
    memcpy(token, SF_API_TOKEN_PREFIX, prefix);
    memcpy(token + prefix, b64, n + 1);
    memset(b64, 0, sizeof b64);
    return 0;
}

void sf_api_token_hash(const char *token, char hash[65])
{
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_Digest(token, strlen(token), digest, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hash + 2 * i, 3, "%02x", digest[i]);
}
