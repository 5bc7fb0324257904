/*
 * The harnesses' shared request and application (see fuzz.h).
 */
#include "fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/auth.h"
#include "persistence/pool.h"

const unsigned char fz_key[48] = "shifan-fuzz-key: 48 fixed bytes, never deployed!";

sf_app *fz_app(void)
{
    static sf_app app;
    static sf_config config;
    if (app.config != NULL)
        return &app;
    /* the shipped defaults (api/config.c), so that the harnesses judge what shifan serves;
     * only what a process without a database or threads needs differs */
    setenv("SHIFAN_DATABASE_URL", "host=/nonexistent dbname=none", 1);
    if (sf_config_load(&config) != 0) {
        fprintf(stderr, "fuzz: cannot load the default configuration\n");
        abort();
    }
    config.threads = 1;
    config.pool_size = 1;
    config.hash_concurrency = 1;

    /* sf_auth_create reads the key from a file: a private temporary one, removed at once */
    char path[] = "/tmp/shifan-fuzz-key.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, fz_key, sizeof fz_key) != (ssize_t)sizeof fz_key) {
        perror("fuzz: key file");
        abort();
    }
    close(fd);
    char *configured = config.jwt_key_file;   /* NULL unless SHIFAN_JWT_KEY_FILE is set */
    config.jwt_key_file = path;
    app.auth = sf_auth_create(&config);
    unlink(path);
    config.jwt_key_file = configured;
    /* no connection ever: size 0, checkout timeout 0 ms, so every acquisition fails at once */
    app.pool = sf_pool_create("host=/nonexistent dbname=none", 0, 0);
    app.read_pool = app.pool;
    if (app.auth == NULL || app.pool == NULL) {
        fprintf(stderr, "fuzz: cannot set up the application\n");
        abort();
    }
    app.config = &config;
    return &app;
}

void fz_request_init(fz_request *r, const void *body, size_t len)
{
    memset(r, 0, sizeof *r);
    if (ulfius_init_request(&r->req) != U_OK || ulfius_init_response(&r->res) != U_OK)
        abort();
    if (len > 0) {
        r->req.binary_body = malloc(len);
        if (r->req.binary_body == NULL)
            abort();
        memcpy(r->req.binary_body, body, len);
        r->req.binary_body_length = len;
    }
    r->ctx.app = fz_app();
    r->ctx.req = &r->req;
    r->ctx.res = &r->res;
    r->ctx.caller.user_id = 1;
    r->ctx.caller.org_id = 1;
    r->ctx.caller.role = SF_ROLE_PROVINCE;
    strcpy(r->ctx.caller.region_code, "210000");
    strcpy(r->ctx.caller.jti, "00000000-0000-4000-8000-000000000000");
    r->ctx.caller.token_expires_at = 4102444800LL;
    strcpy(r->ctx.request_id, "fuzz");
}

void fz_request_free(fz_request *r)
{
    ulfius_clean_request(&r->req);
    ulfius_clean_response(&r->res);
}

void fz_check_answer(const fz_request *r)
{
    static const long allowed[] = {200, 201, 204, 304, 400, 403, 404, 409, 412, 413, 415, 422, 503};
    long status = r->res.status;
    int ok = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        ok |= status == allowed[i];
    if (!ok) {
        fprintf(stderr, "fuzz: unexpected status %ld\n", status);
        abort();
    }
    if (r->res.binary_body_length > 0) {
        json_t *doc = json_loadb(r->res.binary_body, r->res.binary_body_length, 0, NULL);
        if (doc == NULL) {
            fprintf(stderr, "fuzz: the answer is not JSON\n");
            abort();
        }
        if (status >= 400 && !json_is_integer(json_object_get(doc, "status"))) {
            fprintf(stderr, "fuzz: a %ld answer without a problem's status\n", status);
            abort();
        }
        json_decref(doc);
    } else if (status >= 400) {
        fprintf(stderr, "fuzz: a %ld answer with no body\n", status);
        abort();
    }
}
