/*
 * Characters a name must not hold (see text.h).
 */
#include "domain/text.h"

int sf_text_has_hidden_controls(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return 1;
        /* C1: U+0080–U+009F is C2 80 – C2 9F */
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return 1;
        /* U+202A–U+202E is E2 80 AA – E2 80 AE; U+2066–U+2069 is E2 81 A6 – E2 81 A9 */
        if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE)
            return 1;
        if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
            return 1;
    }
    return 0;
}
