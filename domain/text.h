/*
 * Text a person reads: the one check for characters that do not show but change what is
 * shown (issue 14, item 10). Names of organisations, platforms, operators and people, and
 * file names, are refused when they hold any.
 */
#ifndef SF_TEXT_H
#define SF_TEXT_H

/* Whether `s` (NUL-terminated UTF-8) holds a control character — C0 (U+0000–U+001F: tab, CR
 * and LF included), DEL (U+007F) or C1 (U+0080–U+009F) — or a bidirectional embedding,
 * override or isolate (U+202A–U+202E, U+2066–U+2069), which can make "fdp.exe" read as
 * "exe.pdf". Invalid UTF-8 is the caller's to refuse (sf_utf8_length); it is not judged here. */
int sf_text_has_hidden_controls(const char *s);

#endif
