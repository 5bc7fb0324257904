/*
 * GB 32100-2015 check character (see credit_code.h).
 */
#include "domain/credit_code.h"

#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/* W_i = 3^(i-1) mod 31, for positions 1..17 */
static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static int value_of(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

char sf_credit_code_check_char(const char *code17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = value_of(code17[i]);
        if (v < 0)
            return 0;
        sum += v * weights[i];
    }
    int check = 31 - sum % 31;
    return alphabet[check == 31 ? 0 : check];
}

int sf_credit_code_is_valid(const char *code)
{
    if (code == NULL || strlen(code) != 18)
        return 0;
    for (int i = 2; i < 8; i++)   /* the administrative division code is numeric */
        if (code[i] < '0' || code[i] > '9')
            return 0;
    char check = sf_credit_code_check_char(code);
    return check != 0 && check == code[17];
}
