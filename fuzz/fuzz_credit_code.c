/*
 * Harness: the unified social credit code (domain/credit_code.c, GB 32100-2015):
 * sf_credit_code_is_valid and sf_credit_code_check_char on any text. Oracle, besides no
 * crash, leak or UB: an independent reading of the standard written here (weights 3^(i-1)
 * mod 31 computed, not tabled) must agree, and a valid code must stop being valid when any one
 * of its first 17 characters is replaced by another character of the alphabet (mod 31 with
 * weights prime to 31 catches every single substitution).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/credit_code.h"
#include "fuzz/fuzz.h"

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int index_of(char c)
{
    for (int i = 0; i < 31; i++)
        if (alphabet[i] == c)
            return i;
    return -1;
}

static int reference_valid(const char *s, size_t len)
{
    if (len != 18)
        return 0;
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++, w = w * 3 % 31) {
        int v = index_of(s[i]);
        if (v < 0 || (i >= 2 && i < 8 && (s[i] < '0' || s[i] > '9')))
            return 0;
        sum += v * w;
    }
    int c = (31 - sum % 31) % 31;
    return s[17] == alphabet[c];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *code = malloc(size + 1);
    if (code == NULL)
        return 0;
    memcpy(code, data, size);
    code[size] = '\0';
    size_t len = strlen(code);
    int valid = sf_credit_code_is_valid(code);
    if (valid != reference_valid(code, len)) {
        fprintf(stderr, "fuzz: the credit code check and the standard disagree\n");
        abort();
    }
    if (len >= 17)
        (void)sf_credit_code_check_char(code);
    if (valid) {
        for (int i = 0; i < 17; i++) {
            char saved = code[i];
            for (int k = 0; k < 31; k++) {
                if (alphabet[k] == saved)
                    continue;
                code[i] = alphabet[k];
                if (sf_credit_code_is_valid(code)) {
                    fprintf(stderr, "fuzz: a code with one character changed is still valid\n");
                    abort();
                }
            }
            code[i] = saved;
        }
    }
    free(code);
    return 0;
}
