/*
 * Materials of an application (Art. 17): their kinds, which are required before
 * recommending, and what a file is, judged by its first bytes rather than by what the
 * uploader claims.
 */
#ifndef SF_MATERIALS_H
#define SF_MATERIALS_H

#include <stddef.h>

/* When a kind is needed before recommending. */
typedef enum {
    SF_MATERIAL_OPTIONAL = 0,
    SF_MATERIAL_REQUIRED,
    SF_MATERIAL_IF_PRIOR_RECOGNITION   /* only where the round requires prior recognition (12.4) */
} sf_material_need;

typedef struct {
    const char *kind;
    sf_material_need required;
    const char *article;
} sf_material_kind;

extern const sf_material_kind sf_material_kinds[];
extern const size_t sf_material_kind_count;

/* The kind's entry, or NULL. */
const sf_material_kind *sf_material_kind_find(const char *kind);

/* The content type of a file by its magic bytes: application/pdf, image/jpeg, image/png,
 * application/ofd, application/vnd.openxmlformats-officedocument.* (docx, xlsx), or NULL
 * when it is none of the accepted types or when `filename`'s extension names another type
 * (.pdf; .jpg or .jpeg; .png; .ofd, .docx, .xlsx, which also tell the ZIP containers apart). */
const char *sf_material_sniff(const unsigned char *data, size_t len, const char *filename);

/* A file name safe to store and to send back: 1–255 bytes of UTF-8, no path separators or
 * control characters, not "." or "..". */
int sf_material_filename_is_valid(const char *filename);

/* Writes into `missing` (capacity n) the required kinds absent from `present` (a
 * comma-separated list); returns how many. `prior_recognition` is required only when the
 * round requires prior recognition (Art. 17(6), 26). */
size_t sf_materials_missing(const char *present, int require_prior_recognition, const char **missing, size_t n);

#endif
