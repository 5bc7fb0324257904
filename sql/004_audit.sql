-- The audit trail: append-only and hash-chained. Each event's hash is
-- sha256(previous hash || canonical text of the event); audit_head holds the chain's tip,
-- and updating it in the appending transaction serialises appends in commit order.
-- persistence/audit.c appends; nothing updates or deletes events (the trigger refuses it).

CREATE TABLE audit_events (
    seq          bigint PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_user_id bigint REFERENCES users (id),
    actor_org_id bigint REFERENCES organizations (id),
    action       text NOT NULL,
    entity       text NOT NULL,
    entity_id    bigint,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id   text,
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, seq);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- The canonical text hashed for an event. One definition, used by the append and by verify.
CREATE FUNCTION audit_event_text(seq bigint, at timestamptz, actor_user_id bigint,
                                 actor_org_id bigint, action text, entity text,
                                 entity_id bigint, detail jsonb, request_id text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws('|', seq,
                                (extract(epoch FROM at) * 1000000)::bigint,
                                coalesce(actor_user_id::text, '-'),
                                coalesce(actor_org_id::text, '-'),
                                action, entity,
                                coalesce(entity_id::text, '-'),
                                detail::text,
                                coalesce(request_id, '-')), 'UTF8')
$$;

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

-- Appends one event to the chain and answers its sequence number. Called inside the
-- statement or transaction that makes the change it records, so both commit or neither.
CREATE FUNCTION audit_append(p_actor_user_id bigint, p_actor_org_id bigint, p_action text,
                             p_entity text, p_entity_id bigint, p_detail jsonb,
                             p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head audit_head%ROWTYPE;
    v_seq bigint;
    v_at timestamptz;
    v_detail jsonb := coalesce(p_detail, '{}'::jsonb);
    v_hash bytea;
BEGIN
    -- the row lock on the tip is held until commit: appends are serialised in commit order
    SELECT * INTO head FROM audit_head FOR UPDATE;
    v_seq := head.seq + 1;
    v_at := clock_timestamp();
    v_hash := sha256(head.hash || audit_event_text(v_seq, v_at, p_actor_user_id, p_actor_org_id,
                                                   p_action, p_entity, p_entity_id, v_detail,
                                                   p_request_id));
    INSERT INTO audit_events (seq, at, actor_user_id, actor_org_id, action, entity, entity_id,
                              detail, request_id, prev_hash, hash)
    VALUES (v_seq, v_at, p_actor_user_id, p_actor_org_id, p_action, p_entity, p_entity_id,
            v_detail, p_request_id, head.hash, v_hash);
    UPDATE audit_head SET seq = v_seq, hash = v_hash;
    RETURN v_seq;
END
$$;
