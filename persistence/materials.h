/*
 * Materials of an application (Art. 17): stored in the database with their SHA-256.
 */
#ifndef SF_REPO_MATERIALS_H
#define SF_REPO_MATERIALS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/permissions.h"
#include "domain/status.h"
#include "persistence/audit.h"
#include "persistence/pool.h"

typedef struct {
    const char *kind, *filename, *content_type, *sha256;
    const unsigned char *data;   /* the content in memory, or NULL when it is in content_fd */
    size_t size;
    int content_fd;              /* > 0: a file holding the content (from offset 0): read whole when
                                  * it fits in one piece, else streamed into the database in pieces
                                  * (sf_db_exec_with_file) */
} sf_new_material;

/* Stores the file while the application is a draft of the caller's organisation (checked
 * under the application's row lock, so a recommend cannot slip in between). */
sf_status sf_material_add(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t application_id,
                          const sf_new_material *m, char **doc, sf_errors *errors);

/* A page of the application's materials (metadata only, optionally of one kind), if the
 * caller may see the application. */
sf_status sf_material_list(sf_pool *pool, const sf_caller *caller, int64_t application_id, const char *kind,
                           int64_t after_id, int limit, char **items, int64_t *next_after, int64_t *total);

/* A material's content, if the caller may see its application. *data is allocated
 * (free()); the strings are copied into the buffers given. */
typedef struct {
    unsigned char *data;
    size_t size;
    char content_type[96];
    char filename[512];
    char sha256[65];
} sf_material_content;
sf_status sf_material_content_get(sf_pool *pool, const sf_caller *caller, int64_t id, sf_material_content *out);

/* Fills `out` from row 0 of a result whose columns from `col` on are content type, file
 * name, SHA-256 and content (bytea). SF_INTERNAL on allocation failure. */
struct pg_result;
sf_status sf_material_content_from_row(const struct pg_result *res, int col, sf_material_content *out);

#endif
