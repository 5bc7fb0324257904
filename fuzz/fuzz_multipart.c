/*
 * Harness: a multipart/form-data upload (api/multipart.c), sf_multipart_parse. The input is
 * "Content-Type header \n body" (with no newline, all of it is the body under the boundary
 * "x"), as a client may send any header and any body.
 * Oracle: no crash, leak or UB; an accepted form has a file part, and every part it found
 * lies inside the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/multipart.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int inside(const sf_part *p, const unsigned char *body, size_t len)
{
    return p->data == NULL || (p->data >= body && p->len <= len && p->data + p->len <= body + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ct_len = nl ? (size_t)(nl - data) : 0;
    char *ct = malloc(ct_len + 40);
    if (ct == NULL)
        return 0;
    if (nl != NULL) {
        memcpy(ct, data, ct_len);
        ct[ct_len] = '\0';
    } else {
        strcpy(ct, "multipart/form-data; boundary=x");
    }
    const uint8_t *body = nl ? nl + 1 : data;
    size_t len = nl ? size - ct_len - 1 : size;
    /* the body in a buffer of its exact size, so a read past its end is caught */
    unsigned char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        free(ct);
        return 0;
    }
    memcpy(copy, body, len);
    sf_upload_form form;
    sf_code why = SF_E_NONE;
    if (sf_multipart_parse(ct, copy, len, &form, &why) == 0) {
        if (form.file.data == NULL || !inside(&form.file, copy, len) || !inside(&form.kind, copy, len) ||
            !inside(&form.filename, copy, len)) {
            fprintf(stderr, "fuzz: an accepted form has no file part, or a part outside the body\n");
            abort();
        }
    } else if (why == SF_E_NONE) {
        fprintf(stderr, "fuzz: a refused form says no reason\n");
        abort();
    }
    free(copy);
    free(ct);
    return 0;
}
