/*
 * The change feed over the audit trail (see changes.h and sql/010_changes.sql). A platform
 * changed while it holds no title is not public and is left out.
 */
#include "persistence/changes.h"

#include <stdlib.h>

#include "persistence/db.h"

static const sf_stmt CHANGES = {
    "SELECT coalesce(jsonb_agg(jsonb_build_object('cursor', e.seq, 'at', rfc3339(e.at),"
    "        'kind', CASE e.action WHEN 'award.created' THEN 'platform_awarded'"
    "                              WHEN 'award.revoked' THEN 'platform_revoked'"
    "                              WHEN 'award.revocation_pending' THEN 'revocation_pending'"
    "                              WHEN 'award.reinstated' THEN 'platform_reinstated'"
    "                              WHEN 'notice.created' THEN 'notice_opened'"
    "                              ELSE 'platform_changed' END,"
    "        'platform_id', CASE WHEN e.entity = 'award' THEN w.platform_id"
    "                            WHEN e.entity = 'platform' THEN e.entity_id END,"
    "        'award_id', CASE WHEN e.entity = 'award' THEN e.entity_id END,"
    "        'notice_id', CASE WHEN e.entity = 'publicity_notice' THEN e.entity_id END)"
    "        ORDER BY e.seq) FILTER (WHERE e.public), '[]')::text,"
    "       coalesce(max(e.seq), $1)"
    " FROM (SELECT e.*, (e.entity <> 'platform' OR EXISTS (SELECT 1 FROM awards x WHERE x.platform_id = e.entity_id))"
    "              AS public"
    "       FROM audit_events e WHERE e.seq > $1"
    "         AND e.action IN ('award.created', 'award.revoked', 'award.revocation_pending', 'award.reinstated',"
    "                          'notice.created', 'platform.updated')"
    "       ORDER BY e.seq LIMIT $2) e"
    " LEFT JOIN awards w ON e.entity = 'award' AND w.id = e.entity_id", 2};

sf_status sf_changes_after(sf_pool *pool, int64_t after, int limit, char **items, int64_t *last)
{
    sf_int_text a = sf_int_to_text(after), l = sf_int_to_text(limit);
    const char *params[] = {a.s, l.s};
    PGresult *res;
    sf_status status = sf_db_read(pool, &CHANGES, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *items = sf_db_strdup(res, 0);
    *last = sf_db_get_int(res, 0, 1);
    PQclear(res);
    return *items ? SF_OK : SF_INTERNAL;
}
