-- Plans kept for the authenticated reads (issue 18, points 3 and 5). PostgreSQL 15 plans the
-- body of a LANGUAGE sql function it cannot inline anew on every execution of the statement
-- that calls it; a prepared statement's own plan is kept, but not those. Measured with
-- pgbench on the bench data set (bench/RESULTS.md): application_history(id) took 2.4 ms of
-- which 0.3 ms was its work, so that GET /v1/applications/{id} spent 6.7 ms in the database
-- where its work is 1.3 ms; each rfc3339() (5 in every application document, 1 in a user
-- row) cost a planning of its own. Nothing of what these functions answer changes.

-- rfc3339 calls to_char, which is STABLE: declared IMMUTABLE, it could not be inlined into the
-- statements that call it (an IMMUTABLE function's body must be immutable to be inlined), so
-- each call site was planned per execution. STABLE is also what it is; nothing indexes it.
ALTER FUNCTION rfc3339(timestamptz) STABLE;

-- The same statements in PL/pgSQL, which keeps its plans for the life of the connection.
CREATE OR REPLACE FUNCTION application_history(app bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT coalesce(jsonb_agg(h.item ORDER BY h.at, h.ord), '[]'::jsonb) FROM (
        SELECT e.at, e.id AS ord,   -- by id: a just-written event may not be linked yet (sql/031)
               jsonb_strip_nulls(jsonb_build_object('at', rfc3339(e.at), 'action', e.action,
                                 'status', e.detail->'after'->>'status',
                                 'comment', e.detail->'after'->>'comment')) AS item
        FROM audit_events e
        WHERE e.entity = 'application' AND e.entity_id = app AND e.action LIKE 'application.%'
          AND e.action NOT IN ('application.report_filled', 'application.recommendation_filled')
        UNION ALL
        SELECT n.created_at, 0, jsonb_build_object('at', rfc3339(n.created_at), 'action', 'notice.published',
                                 'notice_id', n.id, 'start_date', n.start_date, 'end_date', n.end_date)
        FROM publicity_notice_items i JOIN publicity_notices n ON n.id = i.notice_id WHERE i.application_id = app
        UNION ALL
        SELECT coalesce(o.resolved_at, o.created_at), 0,
               jsonb_strip_nulls(jsonb_build_object('at', rfc3339(coalesce(o.resolved_at, o.created_at)),
                                 'action', 'objection.' || CASE o.status WHEN 'open' THEN 'received' ELSE o.status END,
                                 'objection_id', o.id, 'received_on', o.received_on, 'resolution', o.resolution))
        FROM objections o WHERE o.application_id = app
    ) h);
END
$$;

-- Still the one statement of the session rule (sql/025): the user active, the session open,
-- the token not revoked. A STABLE function reads with its caller's snapshot, as before, so a
-- revocation committed before the request's statement began refuses it.
CREATE OR REPLACE FUNCTION session_token_valid(p_user_id bigint, p_jti uuid, p_sid uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.id = p_sid AND s.user_id = p_user_id AND s.ended_at IS NULL AND u.active)
       AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = p_jti);
END
$$;
