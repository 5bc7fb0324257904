/*
 * Harness: the paging parameters of every collection, sf_page_read (api/views.c): ?page_token=
 * (base64url of "k2:<collection>:<id>", decoded by decode_page_token with sf_base64url_decode), ?limit= and
 * ?order=. The first byte picks the mode:
 *   0: the rest is "page_token \n limit \n order", as query parameters;
 *   1: the rest is an id; sf_page_token encodes it and sf_page_read must read the same id back.
 * Oracle: no crash, leak or UB; an accepted page has a limit of 1-100 and a positive id that
 * the token of that id reads back as.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/views.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_app();
    return 0;
}

/* Reads the page of a request whose query has `token` (and `limit`, `order` when not NULL);
 * returns whether it was accepted. */
static int read_page(const char *token, const char *limit, const char *order, sf_page *page)
{
    fz_request r;
    fz_request_init(&r, NULL, 0);
    if (token)
        u_map_put(r.req.map_url, "page_token", token);
    if (limit)
        u_map_put(r.req.map_url, "limit", limit);
    if (order)
        u_map_put(r.req.map_url, "order", order);
    sf_errors errors;
    sf_errors_init(&errors);
    sf_page_read(&r.ctx, page, &errors);
    int ok = !sf_errors_any(&errors);
    fz_request_free(&r);
    return ok;
}

static int64_t token_id(int64_t id)
{
    json_t *t = sf_page_token_of("", 0, id);   /* the harness's requests have no route */
    sf_page page;
    int ok = read_page(json_string_value(t), NULL, NULL, &page);
    json_decref(t);
    return ok ? page.after_id : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        int64_t id = 0;
        memcpy(&id, data + 1, size - 1 < sizeof id ? size - 1 : sizeof id);
        if (id <= 0 || id > INT64_MAX / 2)
            return 0;
        if (token_id(id) != id) {
            fprintf(stderr, "fuzz: the page token of %lld does not read back\n", (long long)id);
            abort();
        }
        return 0;
    }
    /* three NUL-terminated parameters, split at '\n' */
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *limit = strchr(text, '\n'), *order = NULL;
    if (limit) {
        *limit++ = '\0';
        order = strchr(limit, '\n');
        if (order)
            *order++ = '\0';
    }
    sf_page page;
    if (read_page(text, limit, order, &page)) {
        if (page.limit < 1 || page.limit > SF_PAGE_MAX || page.after_id < 0 ||
            (page.after_id > 0 && token_id(page.after_id) != page.after_id)) {
            fprintf(stderr, "fuzz: an accepted page is out of its bounds\n");
            abort();
        }
    }
    free(text);
    return 0;
}
