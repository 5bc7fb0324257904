/*
 * Harness: what an uploaded file is, judged by its bytes (domain/materials.c):
 * sf_material_sniff (PDF, JPEG, PNG, and the ZIP family told apart by the file name: DOCX,
 * XLSX, OFD) and sf_material_filename_is_valid (UTF-8, no separators or control characters).
 * The input is "file name \0 file bytes" (with no NUL, all of it is the file and the name
 * is the file's bytes up to 64, as a client may send anything as ?filename=).
 * Oracle: no crash, leak or UB; a type, when given, is one of the accepted ones; a file name
 * judged valid is 1-255 bytes with no '/', '\\' or control character.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/materials.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static const char *const accepted[] = {
    "application/pdf", "image/jpeg", "image/png", "application/ofd",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t name_len = nul ? (size_t)(nul - data) : (size < 64 ? size : 64);
    char *name = malloc(name_len + 1);
    if (name == NULL)
        return 0;
    memcpy(name, data, name_len);
    name[name_len] = '\0';
    const uint8_t *file = nul ? nul + 1 : data;
    size_t file_len = nul ? size - name_len - 1 : size;
    /* the file in a buffer of its exact size, so a read past its end is caught */
    uint8_t *copy = malloc(file_len ? file_len : 1);
    if (copy == NULL) {
        free(name);
        return 0;
    }
    memcpy(copy, file, file_len);
    const char *type = sf_material_sniff(copy, file_len, name);
    if (type != NULL) {
        int known = 0;
        for (const char *const *a = accepted; *a != NULL; a++)
            known |= strcmp(*a, type) == 0;
        if (!known) {
            fprintf(stderr, "fuzz: sniffed an unknown type %s\n", type);
            abort();
        }
    }
    if (sf_material_filename_is_valid(name)) {
        if (name_len < 1 || name_len > 255 || strpbrk(name, "/\\") != NULL || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0) {
            fprintf(stderr, "fuzz: a file name was accepted that is not safe\n");
            abort();
        }
        for (size_t i = 0; i < name_len; i++)
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
                fprintf(stderr, "fuzz: a file name with a control character was accepted\n");
                abort();
            }
    }
    free(copy);
    free(name);
    return 0;
}
