/*
 * The one result type shared by every layer, and the list of field-level problems that
 * travels with SF_INVALID. Only api/ turns these into HTTP statuses (api/problem.c).
 */
#ifndef SF_STATUS_H
#define SF_STATUS_H

#include <stddef.h>

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

#define SF_MAX_FIELD_ERRORS 32
#define SF_FIELD_LEN 96
#define SF_MESSAGE_LEN 192

typedef struct {
    char field[SF_FIELD_LEN];
    char message[SF_MESSAGE_LEN];
} sf_field_error;

/* Field-level problems, collected all at once so a client sees every one in one answer.
 * Lives on the caller's stack; never allocates. Past SF_MAX_FIELD_ERRORS further errors are
 * counted in `dropped` and not stored. */
typedef struct {
    size_t count;
    size_t dropped;
    sf_field_error items[SF_MAX_FIELD_ERRORS];
    char detail[256];   /* one sentence for the problem's "detail", or "" */
} sf_errors;

void sf_errors_init(sf_errors *errors);
void sf_errors_add(sf_errors *errors, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sf_errors_any(const sf_errors *errors);

/* Sets the one-sentence detail (e.g. "the application is awarded, not recommended"). */
void sf_errors_detail(sf_errors *errors, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
