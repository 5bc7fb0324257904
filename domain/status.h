/*
 * The one result type shared by every layer, and the refusal that travels with it: a code
 * from the closed list of domain/codes.h with its named parameters — never a sentence. Only
 * api/ turns these into HTTP statuses and words, in the caller's language (api/problem.c,
 * api/messages.c).
 *
 * How a refusal is written (the parameters are those codes.h declares for the code):
 *     sf_errors_add(e, "satisfaction_pct", SF_E_OUT_OF_RANGE, SF_INT("min", 0), SF_INT("max", 100));
 *     sf_errors_add(e, "name", SF_E_REQUIRED);
 *     sf_errors_detail(e, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", "draft"),
 *                      SF_TEXT("action", "award"));
 */
#ifndef SF_STATUS_H
#define SF_STATUS_H

#include <stddef.h>

#include "domain/codes.h"

typedef enum {
    SF_OK = 0,
    SF_INVALID,      /* the input breaks a rule: 422, with field errors */
    SF_NOT_FOUND,    /* absent, or outside the caller's scope: 404 */
    SF_FORBIDDEN,    /* the role may never do this: 403 */
    SF_CONFLICT,     /* clashes with the current state or a unique key: 409 */
    SF_UNAVAILABLE,  /* the database cannot be reached: 503 */
    SF_INTERNAL      /* a bug or an unexpected answer: 500 */
} sf_status;

const char *sf_status_name(sf_status status);

/* ---- parameters of a code ---- */

/* A yes/no parameter is worded in the caller's language (yes/no, 是/否). */
typedef enum { SF_ARG_END = 0, SF_ARG_INT, SF_ARG_NUM, SF_ARG_TEXT, SF_ARG_BOOL } sf_arg_kind;

/* A parameter as a call site passes it (SF_INT, SF_NUM, SF_TEXT): the text is copied. */
typedef struct {
    const char *name;        /* a string literal, one of the code's parameters */
    sf_arg_kind kind;
    long long i;
    double d;
    const char *s;
} sf_arg;

#define SF_INT(n, v)  {(n), SF_ARG_INT, (long long)(v), 0, NULL}
#define SF_NUM(n, v)  {(n), SF_ARG_NUM, 0, (double)(v), NULL}
#define SF_TEXT(n, v) {(n), SF_ARG_TEXT, 0, 0, (v)}
#define SF_BOOL(n, v) {(n), SF_ARG_BOOL, (v) ? 1 : 0, 0, NULL}
#define SF_ARG_END_ {NULL, SF_ARG_END, 0, 0, NULL}

#define SF_MAX_PARAMS 8
/* Room for the longest text a refusal names: the columns of a CSV import and their Chinese
 * titles (a records import's titles: 217 and 264 bytes, api/records.c) */
#define SF_PARAM_TEXT_LEN 320

/* A parameter as kept: its text copied (cut at SF_PARAM_TEXT_LEN - 1 bytes, whole characters). */
typedef struct {
    const char *name;
    sf_arg_kind kind;
    long long i;
    double d;
    char s[SF_PARAM_TEXT_LEN];
} sf_arg_value;

typedef struct {
    size_t count;
    sf_arg_value items[SF_MAX_PARAMS];
} sf_params;

/* Copies the SF_ARG_END-terminated `list` into `out` (extra ones past SF_MAX_PARAMS dropped). */
void sf_params_set(sf_params *out, const sf_arg *list);
/* The parameter named `name`, or NULL. */
const sf_arg_value *sf_params_get(const sf_params *params, const char *name);
/* Whether `params` are exactly the parameters codes.h declares for `code` (any order). */
int sf_params_match(sf_code code, const sf_params *params);

/* ---- the refusal ---- */

#define SF_MAX_FIELD_ERRORS 32
#define SF_FIELD_LEN 96

typedef struct {
    char field[SF_FIELD_LEN];
    sf_code code;
    sf_params params;
} sf_field_error;

/* Field-level problems, collected all at once so a client sees every one in one answer, and
 * the problem-level code (SF_E_NONE: none; api/ then answers the status's generic code).
 * Lives on the caller's stack; never allocates. Past SF_MAX_FIELD_ERRORS further errors are
 * counted in `dropped` and not stored. */
typedef struct {
    size_t count;
    size_t dropped;
    sf_field_error items[SF_MAX_FIELD_ERRORS];
    sf_code code;
    sf_params params;
} sf_errors;

void sf_errors_init(sf_errors *errors);
int sf_errors_any(const sf_errors *errors);

/* sf_errors_add(errors, field, code, SF_INT(..)/SF_NUM(..)/SF_TEXT(..)...): adds a field error. */
#define sf_errors_add(errors, field, ...) \
    sf_errors_add_((errors), (field), SF_CODE_HEAD_(__VA_ARGS__, 0), (const sf_arg[]){SF_CODE_TAIL_(__VA_ARGS__, SF_ARG_END_)})
/* sf_errors_detail(errors, code, params...): sets the problem-level code (the refusal itself,
 * e.g. SF_E_ROUND_CLOSED); its parameters become extension members of the problem. */
#define sf_errors_detail(errors, ...) \
    sf_errors_detail_((errors), SF_CODE_HEAD_(__VA_ARGS__, 0), (const sf_arg[]){SF_CODE_TAIL_(__VA_ARGS__, SF_ARG_END_)})
/* Adds `src`'s field errors to `dst`, each field prefixed with "prefix." */
void sf_errors_merge(sf_errors *dst, const char *prefix, const sf_errors *src);

#define SF_CODE_HEAD_(code, ...) code
#define SF_CODE_TAIL_(code, ...) __VA_ARGS__

void sf_errors_add_(sf_errors *errors, const char *field, sf_code code, const sf_arg *params);
void sf_errors_detail_(sf_errors *errors, sf_code code, const sf_arg *params);

#endif
