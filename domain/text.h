/*
 * Text a person reads: the one check for characters that do not show but change what is
 * shown (issue 14, item 10), and for text that shows nothing at all. Names of organisations,
 * platforms, operators, people, tokens, rounds and objectors, and file names, are refused when
 * they hold any such character or show nothing; longer texts (a reason, a finding, a summary)
 * may hold line breaks and tabs, never the rest.
 */
#ifndef SF_TEXT_H
#define SF_TEXT_H

#include "domain/status.h"

/* Whether `s` (NUL-terminated UTF-8) holds a control character — C0 (U+0000–U+001F: tab, CR
 * and LF included), DEL (U+007F) or C1 (U+0080–U+009F) — a line or paragraph separator
 * (U+2028, U+2029), or a bidirectional mark, embedding, override or isolate (U+061C, U+200E,
 * U+200F, U+202A–U+202E, U+2066–U+2069), which can make "fdp.exe" read as "exe.pdf". Invalid
 * UTF-8 is the caller's to refuse (sf_utf8_length); it is not judged here. */
int sf_text_has_hidden_controls(const char *s);

/* The same for a text of several lines: tab, LF and CR (and U+2028, U+2029) are its own. */
int sf_text_lines_have_hidden_controls(const char *s);

/* Whether `s` shows nothing: it is empty, or holds only spaces (ASCII, no-break, ideographic,
 * the U+2000 family), characters of no width (U+00AD, U+200B–U+200D, U+2060, U+FEFF, U+180E,
 * the variation selectors U+FE00–U+FE0F), blank fillers (Hangul U+115F, U+1160, U+3164,
 * U+FFA0; braille U+2800) and combining marks with nothing to combine with. "　" or "\u200b"
 * is no name. */
int sf_text_is_blank(const char *s);

/* A name's field error, if any, into `e` under `field` (s NULL: nothing to judge): `empty` when
 * it shows nothing, `hidden_controls` when it holds a hidden control. Its length is the
 * caller's. */
void sf_text_check_name(const char *field, const char *s, sf_errors *e);
/* The same for a text of several lines (sf_text_lines_have_hidden_controls). */
void sf_text_check_lines(const char *field, const char *s, sf_errors *e);

#endif
