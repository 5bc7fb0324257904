/*
 * Harness: the platform import, POST /v1/imports/platforms (api/imports.c), through its real
 * handler with no database: the encoding (a UTF-8 BOM dropped; GB18030 declared by charset or
 * detected when the bytes are not UTF-8, converted with iconv), the RFC 4180 CSV parser
 * (csv_parse), the header check, records to platform bodies (csv_to_bodies), the JSON-array
 * form with its row count before parsing (count_array_elements), and every row through the
 * platform validation (sf_platform_fields_read) and the duplicate-row check. The first byte
 * picks the Content-Type (text/csv bare, charset=utf-8, charset=gb18030, application/json),
 * whether it is a dry run, whether the caller is a city, and a differential mode: the rest,
 * when it is UTF-8 CSV, is also converted to GB18030 and imported with charset=gb18030, and
 * both answers must be the same. A valid import that is not a dry run ends in 503 (no
 * database). Oracle: no crash, leak or UB; a well-formed answer; both encodings agree.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "fuzz/fuzz.h"

static const char *const types[] = {"text/csv", "text/csv; charset=utf-8", "text/csv; charset=GB18030",
                                    "application/json"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_app();
    return 0;
}

static void import(fz_request *r, const void *body, size_t len, const char *type, int dry_run, int city)
{
    fz_request_init(r, body, len);
    if (city) {
        r->ctx.caller.role = SF_ROLE_CITY;
        strcpy(r->ctx.caller.region_code, "210100");
    }
    u_map_put(r->req.map_header, "Content-Type", type);
    if (dry_run)
        u_map_put(r->req.map_url, "dry_run", "true");
    sf_post_import_platforms(&r->ctx);
    fz_check_answer(r);
}

/* The UTF-8 text as GB18030; NULL if iconv refuses it. */
static char *to_gb18030(const uint8_t *in, size_t len, size_t *out_len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    if (cd == (iconv_t)-1)
        abort();
    size_t cap = len * 2 + 4, in_left = len, out_left = cap;
    char *out = malloc(cap), *o = out, *i = (char *)(uintptr_t)in;
    if (out == NULL || iconv(cd, &i, &in_left, &o, &out_left) == (size_t)-1) {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    *out_len = cap - out_left;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    int dry_run = (mode >> 2) & 1, city = (mode >> 3) & 1, differential = (mode >> 4) & 1;
    fz_request a;
    import(&a, body, len, types[mode & 3], dry_run, city);
    if (differential && (mode & 3) == 1 && !(len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)) {
        size_t gb_len = 0;
        char *gb = to_gb18030(body, len, &gb_len);
        if (gb != NULL) {
            fz_request b;
            import(&b, gb, gb_len, types[2], dry_run, city);
            if (a.res.status != b.res.status || a.res.binary_body_length != b.res.binary_body_length ||
                memcmp(a.res.binary_body, b.res.binary_body, a.res.binary_body_length) != 0) {
                fprintf(stderr, "fuzz: the same CSV in UTF-8 and in GB18030 was answered differently\n");
                abort();
            }
            fz_request_free(&b);
            free(gb);
        }
    }
    fz_request_free(&a);
    return 0;
}
