/*
 * The words of the codes (domain/codes.h), one catalogue per language (api/messages_zh.c,
 * api/messages_en.c), and the choice of language from Accept-Language. Pure C, no HTTP, so
 * the domain suite tests the catalogues.
 */
#ifndef SF_MESSAGES_H
#define SF_MESSAGES_H

#include <stddef.h>

#include "domain/status.h"

/* zh-CN is the default: the portal's users are Chinese offices. */
typedef enum { SF_LANG_ZH = 0, SF_LANG_EN, SF_LANG__COUNT } sf_lang;

/* The language an Accept-Language header asks for: of zh (zh, zh-CN, zh-Hans, …) and en
 * (en, en-US, …), the one with the higher q-value (the earlier one on a tie); anything
 * else, a missing or malformed header, or q=0 for both, is zh-CN. */
sf_lang sf_lang_from_header(const char *accept_language);
/* "zh-CN" or "en", for Content-Language. */
const char *sf_lang_tag(sf_lang lang);

/* The catalogues, indexed by sf_code; every code has an entry in each (tests/test_domain.c). */
extern const char *const sf_messages_zh[SF_CODE_COUNT];
extern const char *const sf_messages_en[SF_CODE_COUNT];

/* The template of `code` in `lang`: text with {name} placeholders for the code's parameters. */
const char *sf_message_template(sf_lang lang, sf_code code);

/* Writes the template of `code` with `params` filled in into out (at most n bytes, cut at a
 * whole character); returns out. An integer is written as is, a number with %g, a yes/no in
 * the language (是/否, yes/no); a placeholder with no parameter stays as written. */
char *sf_message_render(char *out, size_t n, sf_lang lang, sf_code code, const sf_params *params);

#endif
