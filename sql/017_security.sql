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

-- Items 3 and 4: login throttling by (username, client) and by client, reserved before any
-- password is hashed. A row per key of login_failures: 'client:<address>' for the client, and
-- 'user:<username>|client:<address>' for the pair (the address has no '|', so the key is
-- unique), whose username column lets the province unlock a user from every address.
-- The old per-username rows ('user:<name>') locked a username from everywhere: gone.
ALTER TABLE login_failures ADD COLUMN username text;
DELETE FROM login_failures WHERE key NOT LIKE 'client:%';
CREATE INDEX login_failures_username ON login_failures (username) WHERE username IS NOT NULL;

-- The delay after the n-th failure of a key whose limit is p_max: none below the limit, then
-- p_delay seconds, doubling with each further failure, at most p_max_delay.
CREATE FUNCTION login_delay(p_failures int, p_max int, p_delay int, p_max_delay int)
RETURNS interval LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_failures < p_max THEN NULL
                ELSE make_interval(secs => least(p_max_delay::float8,
                                                 p_delay * power(2::float8, least(p_failures - p_max, 30))))
           END
$$;

-- Reserves one login attempt, atomically, before the password is hashed: both keys' rows are
-- locked (in key order, so two reservations never deadlock), and if neither is delayed the
-- attempt is counted as a failure on both at once, with the delay that failure would earn
-- already in place, so that concurrent attempts beyond the limit are refused while the first
-- ones are still hashing. login_succeeded takes the count back. Answers 0 when reserved,
-- else the seconds to wait (nothing counted).
CREATE FUNCTION login_reserve(p_username text, p_client text, p_pair_max int, p_client_max int,
                              p_window int, p_delay int, p_max_delay int)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_pair text := 'user:' || p_username || '|client:' || p_client;
    v_client text := 'client:' || p_client;
    v_wait bigint;
BEGIN
    INSERT INTO login_failures (key, failures, window_start, username)
    VALUES (v_pair, 0, now(), p_username), (v_client, 0, now(), NULL)
    ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM login_failures WHERE key IN (v_pair, v_client) ORDER BY key FOR UPDATE;
    -- a window that has passed, with no delay running, starts again
    UPDATE login_failures SET failures = 0, window_start = now(), locked_until = NULL
    WHERE key IN (v_pair, v_client) AND window_start < now() - make_interval(secs => p_window)
      AND (locked_until IS NULL OR locked_until <= now());
    SELECT coalesce(ceil(extract(epoch FROM max(locked_until) - now())), 0)::bigint INTO v_wait
    FROM login_failures WHERE key IN (v_pair, v_client) AND locked_until > now();
    IF v_wait > 0 THEN
        RETURN v_wait;
    END IF;
    UPDATE login_failures
    SET failures = failures + 1,
        locked_until = now() + login_delay(failures + 1, CASE WHEN key = v_pair THEN p_pair_max ELSE p_client_max END,
                                           p_delay, p_max_delay)
    WHERE key IN (v_pair, v_client);
    RETURN 0;
END
$$;

-- Failed-login counters whose window and delay are long over are forgotten, a hundred at a
-- time, so that guessing many usernames does not grow the table without bound.
CREATE FUNCTION login_forget(p_window int) RETURNS void LANGUAGE sql AS $$
    DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures
        WHERE window_start < now() - make_interval(secs => p_window)
          AND (locked_until IS NULL OR locked_until < now()) LIMIT 100)
$$;

-- The reserved attempt failed: its count stands; the delay it earned runs from now. The
-- failure is recorded in the audit trail, and a delay begun, as a lock of the pair or the
-- client; p_user_id is the user's id, or NULL for an unknown username.
CREATE FUNCTION login_failed(p_username text, p_client text, p_user_id bigint, p_pair_max int,
                             p_client_max int, p_window int, p_delay int, p_max_delay int,
                             p_request_id text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    PERFORM login_forget(p_window);
    PERFORM audit_append(NULL, NULL, 'login.failed', 'user', p_user_id,
                         jsonb_build_object('username', p_username, 'client', p_client), p_request_id);
    FOR r IN
        UPDATE login_failures
        SET locked_until = now() + login_delay(failures, CASE WHEN username IS NULL THEN p_client_max ELSE p_pair_max END,
                                               p_delay, p_max_delay)
        WHERE key IN ('user:' || p_username || '|client:' || p_client, 'client:' || p_client)
        RETURNING username IS NULL AS whole_client, failures, locked_until
    LOOP
        IF r.locked_until IS NOT NULL THEN
            PERFORM audit_append(NULL, NULL, 'login.locked', 'user', CASE WHEN NOT r.whole_client THEN p_user_id END,
                                 jsonb_build_object('username', CASE WHEN NOT r.whole_client THEN p_username END,
                                                    'client', p_client, 'failures', r.failures,
                                                    'locked_until', rfc3339(r.locked_until)), p_request_id);
        END IF;
    END LOOP;
END
$$;

-- The reserved attempt succeeded: the pair's count is cleared, the client's reservation
-- taken back (one valid account must not reset a client that is guessing others), and the
-- login recorded in the audit trail.
CREATE FUNCTION login_succeeded(p_username text, p_client text, p_user_id bigint, p_org_id bigint,
                                p_client_max int, p_request_id text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM login_failures WHERE key = 'user:' || p_username || '|client:' || p_client;
    UPDATE login_failures
    SET failures = greatest(failures - 1, 0),
        locked_until = CASE WHEN failures - 1 < p_client_max THEN NULL ELSE locked_until END
    WHERE key = 'client:' || p_client;
    PERFORM audit_append(p_user_id, p_org_id, 'login.succeeded', 'user', p_user_id,
                         jsonb_build_object('client', p_client), p_request_id);
END
$$;

-- Item 4: objections per client an hour, counted and taken atomically. The client's lock is
-- held until the inserting statement commits; a second caller waits for it and then counts
-- with a fresh snapshot (READ COMMITTED takes one per statement of this VOLATILE function),
-- which includes the first one's row.
CREATE FUNCTION objection_quota_ok(p_client text, p_max int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('shifan.objection:' || p_client, 0));
    RETURN (SELECT count(*) FROM objections
            WHERE client = p_client AND created_at > now() - interval '1 hour') < p_max;
END
$$;

-- Item 1: a reserved attempt that was never hashed (the hashing queue was full) is taken
-- back on both keys: it was no guess.
CREATE FUNCTION login_release(p_username text, p_client text, p_pair_max int, p_client_max int)
RETURNS void LANGUAGE sql AS $$
    UPDATE login_failures
    SET failures = greatest(failures - 1, 0),
        locked_until = CASE WHEN failures - 1 < CASE WHEN username IS NULL THEN p_client_max ELSE p_pair_max END
                            THEN NULL ELSE locked_until END
    WHERE key IN ('user:' || p_username || '|client:' || p_client, 'client:' || p_client)
$$;

-- Item 7: a notice is public from its start_date. The change feed says notice_opened when
-- the notice opens, not when it is created: the first read of the feed on or after its
-- start date appends a 'notice.opened' event, once (the primary key keeps two readers from
-- both announcing one notice), as titles' expiries are announced (012_expiry_events.sql).
CREATE TABLE notice_openings (
    notice_id    bigint PRIMARY KEY REFERENCES publicity_notices (id),
    announced_at timestamptz NOT NULL DEFAULT now()
);
