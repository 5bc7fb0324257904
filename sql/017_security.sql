-- Security, second pass (issue 14).

-- Item 9: the request id an event is filed under is the server's own. api/server.c passes
-- "<server id>/<client's X-Request-Id>" when the client sent one; the client's part is kept
-- beside the server's, in the event's detail as client_request_id (hashed with the rest, so
-- the chain covers it and audit_event_text is unchanged). A value without '/' is taken whole.
CREATE OR REPLACE FUNCTION audit_append(p_actor_user_id bigint, p_actor_org_id bigint, p_action text,
                                        p_entity text, p_entity_id bigint, p_detail jsonb,
                                        p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head audit_head%ROWTYPE;
    v_seq bigint;
    v_at timestamptz;
    v_detail jsonb := coalesce(p_detail, '{}'::jsonb);
    v_request_id text := p_request_id;
    v_hash bytea;
BEGIN
    IF strpos(p_request_id, '/') > 0 THEN
        v_request_id := split_part(p_request_id, '/', 1);
        v_detail := v_detail || jsonb_build_object('client_request_id',
                                                   substr(p_request_id, strpos(p_request_id, '/') + 1));
    END IF;
    -- the row lock on the tip is held until commit: appends are serialised in commit order
    SELECT * INTO head FROM audit_head FOR UPDATE;
    v_seq := head.seq + 1;
    v_at := clock_timestamp();
    v_hash := sha256(head.hash || audit_event_text(v_seq, v_at, p_actor_user_id, p_actor_org_id,
                                                   p_action, p_entity, p_entity_id, v_detail,
                                                   v_request_id));
    INSERT INTO audit_events (seq, at, actor_user_id, actor_org_id, action, entity, entity_id,
                              detail, request_id, prev_hash, hash)
    VALUES (v_seq, v_at, p_actor_user_id, p_actor_org_id, p_action, p_entity, p_entity_id,
            v_detail, v_request_id, head.hash, v_hash);
    UPDATE audit_head SET seq = v_seq, hash = v_hash;
    RETURN v_seq;
END
$$;
