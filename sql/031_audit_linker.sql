-- The audit chain without a writers' lock (issue 18, point 4).
--
-- Until now audit_append took the chain head's row lock and held it from the append to the
-- commit's flush: every audited write in the database waited for the one before it. Now a
-- write only inserts its event — an id from a sequence, no position, no hashes — in its own
-- transaction, so a change and its event still commit together or not at all. Linking is
-- done afterwards, by audit_link(), one linker at a time (the head's row lock, now held only
-- by a linker, for the length of its short transaction): it takes the committed events that
-- have no position yet, in id order, and gives each the next position (seq) and its hashes,
-- exactly as audit_append did (audit_event_text of 004 and the previous hash), and moves the
-- head. An event whose transaction has not committed is not visible to the linker and is
-- linked by a later round, after everything linked before it: positions are the order of
-- record, and they follow commit order (an event committed before another's transaction
-- began is linked before it, in the same round by id or in an earlier round; two
-- transactions that overlap and commit within one round are ordered by their events' ids).
--
-- Whoever promises the chain reads positions only: verify, the audit list and the change
-- feed link first (audit_link(NULL, true), which waits for a linker at work) and then read
-- what has a position, so they see every event committed before the request, gapless. The
-- shifan processes each run a background linker (persistence/audit_linker.c); after a crash
-- between a commit and its linking the events wait, unlinked but stored, for the next round.
-- An event is unprotected by the hashes only while it waits for its position (bounded in
-- README: the linker's poll interval plus one round).

-- Events get an id when written and a position when linked.
CREATE SEQUENCE audit_event_ids;
ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
ALTER TABLE audit_events ADD COLUMN id bigint;
UPDATE audit_events SET id = seq;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
SELECT setval('audit_event_ids', coalesce((SELECT max(id) FROM audit_events), 0) + 1, false);
ALTER SEQUENCE audit_event_ids OWNED BY audit_events.id;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events
    ALTER COLUMN id SET DEFAULT nextval('audit_event_ids'),
    ALTER COLUMN id SET NOT NULL,
    ALTER COLUMN seq DROP NOT NULL,
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL,
    ADD PRIMARY KEY (id),
    ADD CONSTRAINT audit_events_linked CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL));
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX audit_events_unlinked ON audit_events (id) WHERE seq IS NULL;

-- Still append-only: the one update allowed is the linker's, giving an event that has no
-- position its position and hashes and changing nothing else.
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_user_id, NEW.actor_org_id, NEW.action, NEW.entity, NEW.entity_id, NEW.detail,
            NEW.request_id) IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_user_id, OLD.actor_org_id, OLD.action, OLD.entity, OLD.entity_id, OLD.detail,
            OLD.request_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'P0001';
END
$$;

-- Appends one event (unlinked) and answers its id. The client's part of the request id is
-- kept in the detail as before (017).
CREATE OR REPLACE FUNCTION audit_append(p_actor_user_id bigint, p_actor_org_id bigint, p_action text,
                                        p_entity text, p_entity_id bigint, p_detail jsonb,
                                        p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_detail jsonb := coalesce(p_detail, '{}'::jsonb);
    v_request_id text := p_request_id;
    v_id bigint;
BEGIN
    IF strpos(p_request_id, '/') > 0 THEN
        v_request_id := split_part(p_request_id, '/', 1);
        v_detail := v_detail || jsonb_build_object('client_request_id',
                                                   substr(p_request_id, strpos(p_request_id, '/') + 1));
    END IF;
    INSERT INTO audit_events (at, actor_user_id, actor_org_id, action, entity, entity_id, detail, request_id)
    VALUES (clock_timestamp(), p_actor_user_id, p_actor_org_id, p_action, p_entity, p_entity_id, v_detail,
            v_request_id)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- The events of one import, in its order (026); answers the last id.
CREATE OR REPLACE FUNCTION audit_append_all(p_actor_user_id bigint, p_actor_org_id bigint, p_events jsonb,
                                            p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
    v_detail jsonb;
    v_request_id text := p_request_id;
    v_client text;
    v_id bigint;
BEGIN
    IF strpos(p_request_id, '/') > 0 THEN
        v_request_id := split_part(p_request_id, '/', 1);
        v_client := substr(p_request_id, strpos(p_request_id, '/') + 1);
    END IF;
    FOR e IN SELECT value FROM jsonb_array_elements(coalesce(p_events, '[]')) LOOP
        v_detail := coalesce(e->'detail', '{}'::jsonb);
        IF v_client IS NOT NULL THEN
            v_detail := v_detail || jsonb_build_object('client_request_id', v_client);
        END IF;
        INSERT INTO audit_events (at, actor_user_id, actor_org_id, action, entity, entity_id, detail, request_id)
        VALUES (clock_timestamp(), p_actor_user_id, p_actor_org_id, e->>'action', e->>'entity',
                (e->>'entity_id')::bigint, v_detail, v_request_id)
        RETURNING id INTO v_id;
    END LOOP;
    RETURN v_id;
END
$$;

-- Links up to p_limit (NULL: all) committed unlinked events, in id order, after the head;
-- answers how many. p_wait: wait for a linker at work (and then link what it left), else
-- answer 0 at once. Nothing to link costs one look at an index and takes no lock.
CREATE FUNCTION audit_link(p_limit integer, p_wait boolean) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    head audit_head%ROWTYPE;
    e audit_events%ROWTYPE;
    v_seq bigint;
    v_prev bytea;
    v_hash bytea;
    n integer := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL) THEN
        RETURN 0;
    END IF;
    IF p_wait THEN
        SELECT * INTO head FROM audit_head FOR UPDATE;
    ELSE
        SELECT * INTO head FROM audit_head FOR UPDATE SKIP LOCKED;
    END IF;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- a statement of its own, so a snapshot taken after the head was ours: what the linker
    -- before committed is seen linked
    v_seq := head.seq;
    v_hash := head.hash;
    FOR e IN SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT p_limit LOOP
        v_seq := v_seq + 1;
        v_prev := v_hash;
        v_hash := sha256(v_prev || audit_event_text(v_seq, e.at, e.actor_user_id, e.actor_org_id, e.action, e.entity,
                                                    e.entity_id, e.detail, e.request_id));
        UPDATE audit_events SET seq = v_seq, prev_hash = v_prev, hash = v_hash WHERE id = e.id;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE audit_head SET seq = v_seq, hash = v_hash;
    END IF;
    RETURN n;
END
$$;

-- The head's row lock used to be the one lock every writer of titles, rounds and the
-- registry took (with its event); the import of records took it first, so that its checks
-- and its writes were one serial step (persistence/records.c), and the registry's refresh
-- took it so that two titles of one platform are never refreshed from stale reads (013).
-- That lock is now a row of its own, taken by every statement that writes titles or rounds
-- (before it writes: the award route then takes it before its round's counter, as it took
-- the head before), by the registry's refresh and by the import of records.
CREATE TABLE title_writers (
    id boolean PRIMARY KEY DEFAULT true CHECK (id)
);
INSERT INTO title_writers VALUES (true);

CREATE FUNCTION title_writers_lock() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM title_writers FOR UPDATE;
END
$$;
CREATE FUNCTION title_writers_wait() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM title_writers_lock();
    RETURN NULL;
END
$$;
CREATE TRIGGER awards_title_writers BEFORE INSERT OR UPDATE OR DELETE ON awards
    FOR EACH STATEMENT EXECUTE FUNCTION title_writers_wait();
CREATE TRIGGER rounds_title_writers BEFORE INSERT OR UPDATE OR DELETE ON rounds
    FOR EACH STATEMENT EXECUTE FUNCTION title_writers_wait();

CREATE OR REPLACE FUNCTION registry_refresh_all(p_platform_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_platform_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM title_writers_lock();
    INSERT INTO registry AS r (platform_id, award_id, name, operator_name, region_code, functions, level,
                               certificate_no, awarded_on, valid_from, valid_until, status, revoked_on,
                               revocation_reason, grams, origin)
    SELECT p.id, w.id, p.name, p.operator_name, p.region_code, p.functions, w.level, w.certificate_no,
           w.awarded_on, w.valid_from, w.valid_until, w.status, w.revoked_on, w.revocation_reason,
           search_grams(p.name) || search_grams(p.operator_name), w.origin
    FROM platforms p
    JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
                  ORDER BY (x.level = 'province') DESC, x.valid_until DESC, x.id DESC LIMIT 1) w ON true
    WHERE p.id = ANY (p_platform_ids)
    ORDER BY p.id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams,
        origin = excluded.origin;
END
$$;

CREATE OR REPLACE FUNCTION registry_on_platform() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM registry WHERE platform_id = NEW.id) THEN
        PERFORM title_writers_lock();
        UPDATE registry SET name = NEW.name, operator_name = NEW.operator_name, region_code = NEW.region_code,
                            functions = NEW.functions,
                            grams = search_grams(NEW.name) || search_grams(NEW.operator_name)
        WHERE platform_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

-- An application's history orders its events by time, then by the order they were written
-- in (their id: one application's transitions are serialised by its row lock), not by their
-- position, which an event just written does not have yet.
CREATE OR REPLACE FUNCTION application_history(app bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(h.item ORDER BY h.at, h.ord), '[]'::jsonb) FROM (
        SELECT e.at, e.id AS ord,
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
    ) h
$$;
