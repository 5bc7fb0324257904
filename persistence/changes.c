/*
 * The change feed over the audit trail (see changes.h and sql/010_changes.sql). A platform
 * changed while it held no title (as recorded with the change) is not public and is left out; a title's expiry, which no
 * transaction makes, is announced by the first read after it (sql/012_expiry_events.sql).
 */
#include "persistence/changes.h"

#include <stdlib.h>

#include "persistence/audit.h"
#include "persistence/db.h"

static const sf_stmt CHANGES = {
    "SELECT coalesce(jsonb_agg(jsonb_build_object('cursor', e.seq, 'at', rfc3339(e.at),"
    "        'kind', CASE e.action WHEN 'award.created' THEN 'platform_awarded'"
    "                              WHEN 'award.recorded' THEN 'platform_recorded'"
    "                              WHEN 'award.revoked' THEN 'platform_revoked'"
    "                              WHEN 'award.revocation_pending' THEN 'revocation_pending'"
    "                              WHEN 'award.reinstated' THEN 'platform_reinstated'"
    "                              WHEN 'award.expired' THEN 'platform_expired'"
    "                              WHEN 'notice.opened' THEN 'notice_opened'"
    "                              ELSE 'platform_changed' END,"
    "        'platform_id', CASE WHEN e.entity = 'award' THEN w.platform_id"
    "                            WHEN e.entity = 'platform' THEN e.entity_id END,"
    "        'award_id', CASE WHEN e.entity = 'award' THEN e.entity_id END,"
    "        'notice_id', CASE WHEN e.entity = 'publicity_notice' THEN e.entity_id END)"
    "        ORDER BY e.seq) FILTER (WHERE e.public), '[]')::text,"
    /* past the chain's head (a cursor of a database restored from an earlier backup, a typo)
     * the next cursor is the head: the client resumes where the chain is, not beyond it */
    "       coalesce(max(e.seq), least($1, (SELECT seq FROM audit_head)))"
    " FROM (SELECT e.*, (e.entity <> 'platform' OR (e.detail->>'public')::boolean IS TRUE) AS public"
    "       FROM audit_events e WHERE e.seq > $1"
    "         AND e.action IN ('award.created', 'award.recorded', 'award.revoked', 'award.revocation_pending', 'award.reinstated',"
    "                          'award.expired', 'notice.opened', 'platform.updated')"
    "       ORDER BY e.seq LIMIT $2) e"
    " LEFT JOIN awards w ON e.entity = 'award' AND w.id = e.entity_id", 2};

/* Titles that lapsed since the feed was last read get their 'award.expired' event now, once
 * (sql/012_expiry_events.sql): the primary key of award_expiries keeps two readers from both
 * announcing one title. "Lapsed" is title_status() = 'expired' (sql/016, sql/062: a title
 * active or pending revocation past its valid_until), written in the form the index
 * awards_status can serve; tests/test_persistence.c proves the two agree at valid_until - 1,
 * valid_until and valid_until + 1 for every stored status. */
static const sf_stmt ANNOUNCE_EXPIRED = {
    "WITH x AS (INSERT INTO award_expiries (award_id)"
    "           SELECT id FROM awards WHERE status IN ('active', 'revocation_pending') AND valid_until < current_date"
    "             AND NOT EXISTS (SELECT 1 FROM award_expiries e WHERE e.award_id = awards.id)"
    "           ORDER BY id ON CONFLICT (award_id) DO NOTHING RETURNING award_id)"
    " SELECT audit_append(NULL, NULL, 'award.expired', 'award', w.id, jsonb_build_object('valid_until', w.valid_until), NULL)"
    " FROM (SELECT w.id, w.valid_until FROM x JOIN awards w ON w.id = x.award_id ORDER BY w.id) w", 0};

/* Notices whose start date has come get their 'notice.opened' event now, once (sql/017):
 * a notice is public from its start date, not from its creation (issue 14, item 7). */
static const sf_stmt ANNOUNCE_OPENED = {
    "WITH x AS (INSERT INTO notice_openings (notice_id)"
    "           SELECT id FROM publicity_notices n WHERE start_date <= current_date"
    "             AND NOT EXISTS (SELECT 1 FROM notice_openings o WHERE o.notice_id = n.id)"
    "           ORDER BY id ON CONFLICT (notice_id) DO NOTHING RETURNING notice_id)"
    " SELECT audit_append(NULL, NULL, 'notice.opened', 'publicity_notice', n.id,"
    "                     jsonb_build_object('start_date', n.start_date), NULL)"
    " FROM (SELECT n.id, n.start_date FROM x JOIN publicity_notices n ON n.id = x.notice_id ORDER BY n.id) n", 0};

sf_status sf_changes_after(sf_pool *pool, int64_t after, int limit, char **items, int64_t *last)
{
    sf_int_text a = sf_int_to_text(after), l = sf_int_to_text(limit);
    const char *params[] = {a.s, l.s};
    PGresult *res;
    /* best effort: a failed announcement must not take the public feed down; the next read
     * announces what this one could not */
    (void)sf_db_write(pool, &ANNOUNCE_EXPIRED, NULL, NULL, NULL);
    (void)sf_db_write(pool, &ANNOUNCE_OPENED, NULL, NULL, NULL);
    /* the feed reads positions: every event committed before this read is linked first, and
     * positions are given in one serial step each, so what it reads has no gap */
    sf_status status = sf_audit_link(pool);
    if (status == SF_OK)
        status = sf_db_read(pool, &CHANGES, params, &res, NULL);
    if (status != SF_OK)
        return status;
    *items = sf_db_strdup(res, 0);
    *last = sf_db_get_int(res, 0, 1);
    PQclear(res);
    return *items ? SF_OK : SF_INTERNAL;
}
