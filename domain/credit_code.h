/*
 * The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a
 * 31-character alphabet (digits and capitals without I, O, Z, S, V), the last a check
 * character computed from the first 17 with fixed weights, modulo 31.
 */
#ifndef SF_CREDIT_CODE_H
#define SF_CREDIT_CODE_H

/* 1 if `code` is 18 characters of the alphabet, with positions 3–8 a numeric division code,
 * and its check character matches. */
int sf_credit_code_is_valid(const char *code);

/* The check character for the first 17 characters of `code`, or 0 if any is not in the
 * alphabet. */
char sf_credit_code_check_char(const char *code17);

#endif
