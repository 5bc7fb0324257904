/*
 * Materials: upload under the application's lock, list, download (see materials.h).
 */
#include "persistence/materials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/lifecycle.h"
#include "persistence/applications.h"
#include "persistence/db.h"

static const sf_stmt INSERT = {
    "WITH m AS (INSERT INTO materials (application_id, kind, filename, content_type, size_bytes, sha256, content,"
    "                                  uploaded_by)"
    "           VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::bytea, lo_get($11::oid)), $8)"
    "           RETURNING id, application_id, kind, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at)"
    " SELECT jsonb_build_object('id', m.id, 'application_id', m.application_id, 'kind', m.kind,"
    "        'filename', m.filename, 'content_type', m.content_type, 'size_bytes', m.size_bytes,"
    "        'sha256', m.sha256, 'uploaded_by', m.uploaded_by, 'uploaded_at', rfc3339(m.uploaded_at))::text,"
    "        audit_append($8, $9, 'material.uploaded', 'application', m.application_id,"
    "        jsonb_build_object('material_id', m.id, 'kind', m.kind, 'sha256', m.sha256), $10)"
    " FROM m", 11};
static const sf_stmt LIST = SF_LIST_STMT(
    SF_PAGE_SELECT_N("$4"), "SELECT id, jsonb_build_object('id', id, 'application_id', application_id, 'kind', kind,"
    "       'filename', filename, 'content_type', content_type, 'size_bytes', size_bytes, 'sha256', sha256,"
    "       'uploaded_by', uploaded_by, 'uploaded_at', rfc3339(uploaded_at)) AS doc,"
    "       row_number() OVER (ORDER BY id) AS rn"
    " FROM materials WHERE application_id = $2 AND ($3::text IS NULL OR kind = $3)"
    "   AND id > $1 ORDER BY id LIMIT $4 + 1", 4, 1, 4);
static const sf_stmt CONTENT = {
    "SELECT m.application_id, m.content_type, m.filename, m.sha256, m.content FROM materials m WHERE m.id = $1", 1};

typedef struct {
    const sf_actor *actor;
    const sf_caller *caller;
    int64_t application_id;
    const sf_new_material *m;
    char **doc;
    sf_errors *errors;
} add_args;

static sf_status add_body(sf_conn *conn, void *p)
{
    add_args *a = p;
    sf_int_text idt = sf_int_to_text(a->application_id);
    /* Art. 17 materials are frozen once the application leaves draft */
    sf_status status = sf_application_edit_locked(conn, a->application_id, a->caller, SF_PART_MATERIALS, NULL, a->errors);
    if (status != SF_OK)
        return status;
    PGresult *res;
    sf_actor_params ap;
    sf_actor_to_params(a->actor, &ap);
    sf_int_text size = sf_int_to_text((long long)a->m->size);
    const char *params[] = {idt.s, a->m->kind, a->m->filename, a->m->content_type, size.s, a->m->sha256, NULL,
                            ap.values[0], ap.values[1], ap.values[2], NULL};
    status = sf_db_exec_with_file(conn, &INSERT, params, 6, 10, a->m->data, a->m->size, a->m->content_fd, &res, NULL);
    if (status != SF_OK)
        return status;
    free(*a->doc);
    *a->doc = sf_db_strdup(res, 0);
    PQclear(res);
    return *a->doc ? SF_OK : SF_INTERNAL;
}

sf_status sf_material_add(sf_pool *pool, const sf_actor *actor, const sf_caller *caller, int64_t application_id,
                          const sf_new_material *m, char **doc, sf_errors *errors)
{
    *doc = NULL;
    add_args a = {actor, caller, application_id, m, doc, errors};
    sf_status status = sf_tx_run(pool, add_body, &a);
    if (status != SF_OK) {
        free(*doc);
        *doc = NULL;
    }
    return status;
}

sf_status sf_material_list(sf_pool *pool, const sf_caller *caller, int64_t application_id, const char *kind,
                           int64_t after_id, int limit, char **items, int64_t *next_after, int64_t *total)
{
    sf_app_record *r;
    sf_status status = sf_application_snapshot(pool, application_id, &r);
    if (status != SF_OK)
        return status;
    int visible = sf_app_visible(&r->snap, caller);
    sf_app_record_free(r);
    if (!visible)
        return SF_NOT_FOUND;
    sf_int_text idt = sf_int_to_text(application_id), after = sf_int_to_text(after_id), lim = sf_int_to_text(limit);
    const char *params[] = {after.s, idt.s, kind, lim.s};
    return sf_db_read_page(pool, &LIST, params, items, next_after, total);
}

sf_status sf_material_content_get(sf_pool *pool, const sf_caller *caller, int64_t id, sf_material_content *out)
{
    sf_int_text idt = sf_int_to_text(id);
    const char *params[] = {idt.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &CONTENT, params, &res, NULL);
    if (status != SF_OK)
        return status;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SF_NOT_FOUND;
    }
    int64_t app = sf_db_get_int(res, 0, 0);
    sf_app_record *r = NULL;
    status = sf_application_snapshot(pool, app, &r);
    if (status == SF_OK &&
        !sf_app_visible(&r->snap, caller))
        status = SF_NOT_FOUND;
    sf_app_record_free(r);
    if (status == SF_OK)
        status = sf_material_content_from_row(res, 1, out);
    PQclear(res);
    return status;
}

sf_status sf_material_content_from_row(const PGresult *res, int col, sf_material_content *out)
{
    snprintf(out->content_type, sizeof out->content_type, "%s", PQgetvalue(res, 0, col));
    snprintf(out->filename, sizeof out->filename, "%s", PQgetvalue(res, 0, col + 1));
    snprintf(out->sha256, sizeof out->sha256, "%s", PQgetvalue(res, 0, col + 2));
    size_t len = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, col + 3), &len);
    out->data = bytes ? malloc(len ? len : 1) : NULL;
    sf_status status = out->data ? SF_OK : SF_INTERNAL;
    if (out->data) {
        memcpy(out->data, bytes, len);
        out->size = len;
    }
    PQfreemem(bytes);
    return status;
}
