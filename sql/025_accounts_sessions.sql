-- Accounts an office needs (issue 14, item 6) and sessions that fit an office (issue 13 §3).

-- A password set by an administrator (POST /v1/users/{id}/password) must be changed by its
-- user at the next login: until then the user's tokens reach only GET /v1/me,
-- POST /v1/me/password and POST /v1/auth/revoke (api/server.c).
ALTER TABLE users
    ADD COLUMN password_change_required boolean NOT NULL DEFAULT false,
    ADD COLUMN password_changed_at      timestamptz;

-- A session: one login, and the access tokens refreshed from it. Every access token names
-- its session (the `sid` claim); a session ended — revoked, its refresh token used twice,
-- its user's password changed or reset, its user deactivated — refuses all of them at once,
-- and its refresh tokens too. revoked_tokens keeps refusing single token ids as before.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     bigint NOT NULL REFERENCES users (id),
    client      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    end_reason  text CHECK (end_reason IN ('revoked', 'refresh_reused', 'password_changed', 'password_reset',
                                           'deactivated')),
    CONSTRAINT sessions_ended_with_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX sessions_user_open ON sessions (user_id) WHERE ended_at IS NULL;

-- Refresh tokens: only their SHA-256 is stored. Each is used once: a refresh marks it used
-- and issues the next one of the chain; presenting a used one ends the session.
CREATE TABLE refresh_tokens (
    token_hash  text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CONSTRAINT refresh_tokens_expire_later CHECK (expires_at > issued_at)
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Per request: the token's user exists and is active, its session is open, and its own id
-- has not been revoked. The one owner of that rule: persistence/users.c asks it, and any
-- read that folds the check into its own statement calls it too.
CREATE FUNCTION session_token_valid(p_user_id bigint, p_jti uuid, p_sid uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.id = p_sid AND s.user_id = p_user_id AND s.ended_at IS NULL AND u.active)
       AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = p_jti)
$$;

-- Sessions whose every token has long expired are forgotten, a hundred at a time: no access
-- token lives longer than SHIFAN_TOKEN_TTL (at most 7 days), and none is issued after the
-- session's last refresh token.
CREATE FUNCTION session_forget() RETURNS void LANGUAGE sql AS $$
    DELETE FROM sessions WHERE id IN (
        SELECT s.id FROM sessions s
        WHERE s.created_at < now() - interval '8 days'
          AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = s.id
                          AND (r.expires_at > now() - interval '8 days' OR r.issued_at > now() - interval '8 days'))
        LIMIT 100)
$$;

-- A login's session and its first refresh token (expiring p_refresh_ttl seconds from now).
CREATE FUNCTION session_start(p_user_id bigint, p_client text, p_refresh_hash text, p_refresh_ttl int)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_sid uuid;
BEGIN
    PERFORM session_forget();
    INSERT INTO sessions (user_id, client) VALUES (p_user_id, p_client) RETURNING id INTO v_sid;
    INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
    VALUES (p_refresh_hash, v_sid, now() + make_interval(secs => p_refresh_ttl));
    RETURN v_sid;
END
$$;

-- Ends every open session of a user and revokes every API token of theirs, at once: what a
-- deactivation and any password change do. Answers how many sessions it ended.
CREATE FUNCTION user_end_sessions(p_user_id bigint, p_reason text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_ended bigint;
BEGIN
    UPDATE sessions SET ended_at = now(), end_reason = p_reason WHERE user_id = p_user_id AND ended_at IS NULL;
    GET DIAGNOSTICS v_ended = ROW_COUNT;
    UPDATE api_tokens SET revoked_at = now() WHERE user_id = p_user_id AND revoked_at IS NULL;
    RETURN v_ended;
END
$$;

-- One refresh (POST /v1/auth/refresh), atomically: throttled per client like logins (the key
-- 'refresh:<client>' of login_failures, with the client's login rule); the presented token,
-- locked, must be unused, unexpired, of an open session of an active user. A used one ends
-- its session ('refresh_reused', audited): whoever holds the chain now, the thief or the
-- user, must log in again. Answers the outcome ('ok', 'throttled', 'invalid', 'reused'),
-- the seconds to wait when throttled, and for 'ok' what the new access token needs.
CREATE FUNCTION session_refresh(p_hash text, p_new_hash text, p_refresh_ttl int, p_client text, p_max int,
                                p_window int, p_delay int, p_max_delay int, p_request_id text,
                                OUT outcome text, OUT retry_after bigint, OUT user_id bigint, OUT org_id bigint,
                                OUT org_type text, OUT region_code text, OUT password_change_required boolean,
                                OUT sid uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_key text := 'refresh:' || p_client;
    r record;
BEGIN
    retry_after := 0;
    INSERT INTO login_failures (key, failures, window_start) VALUES (v_key, 0, now()) ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM login_failures WHERE key = v_key FOR UPDATE;
    UPDATE login_failures SET failures = 0, window_start = now(), locked_until = NULL
    WHERE key = v_key AND window_start < now() - make_interval(secs => p_window)
      AND (locked_until IS NULL OR locked_until <= now());
    SELECT coalesce(ceil(extract(epoch FROM locked_until - now())), 0)::bigint INTO retry_after
    FROM login_failures WHERE key = v_key AND locked_until > now();
    IF coalesce(retry_after, 0) > 0 THEN
        outcome := 'throttled';
        RETURN;
    END IF;
    retry_after := 0;

    SELECT t.session_id, t.expires_at, t.used_at, s.ended_at, s.user_id AS uid, u.active, u.org_id AS oid,
           o.type, o.region_code AS region, u.password_change_required AS pcr
    INTO r
    FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
    JOIN organizations o ON o.id = u.org_id
    WHERE t.token_hash = p_hash FOR UPDATE OF t, s;

    IF NOT FOUND THEN
        outcome := 'invalid';
    ELSIF r.used_at IS NOT NULL THEN
        outcome := 'reused';
        IF r.ended_at IS NULL THEN
            UPDATE sessions SET ended_at = now(), end_reason = 'refresh_reused' WHERE id = r.session_id;
            PERFORM audit_append(NULL, NULL, 'session.refresh_reused', 'user', r.uid,
                                 jsonb_build_object('client', p_client), p_request_id);
        END IF;
    ELSIF r.expires_at <= now() OR r.ended_at IS NOT NULL OR NOT r.active THEN
        outcome := 'invalid';
    ELSE
        UPDATE refresh_tokens SET used_at = now() WHERE token_hash = p_hash;
        INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
        VALUES (p_new_hash, r.session_id, now() + make_interval(secs => p_refresh_ttl));
        outcome := 'ok';
        user_id := r.uid;
        org_id := r.oid;
        org_type := r.type;
        region_code := r.region;
        password_change_required := r.pcr;
        sid := r.session_id;
        RETURN;
    END IF;
    -- a refusal counts against the client, with the delay it earns
    UPDATE login_failures
    SET failures = failures + 1,
        locked_until = now() + login_delay(failures + 1, p_max, p_delay, p_max_delay)
    WHERE key = v_key;
END
$$;

-- Who may administer a user (issue 14, item 6; DESIGN.md §2): the province every user; a city
-- the users of the organisations of its own region that are not offices themselves (the
-- platform operators it registers). The one owner of that scope: every statement of
-- persistence/users.c that reads or changes a user by a caller asks it.
CREATE FUNCTION user_manageable(p_role text, p_region text, p_org_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_role = 'province'
        OR (p_role = 'city' AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = p_org_id
                                        AND o.region_code = p_region
                                        AND o.type NOT IN ('province', 'city', 'association', 'assessor',
                                                           'supervisor')))
$$;

-- PATCH /v1/users/{id} by an administrator in scope: `active` and `display_name` (NULL:
-- unchanged). A deactivation ends every session and API token of the user at once. Each
-- change is audited: user.deactivated, user.reactivated, user.updated (the display name).
-- Answers the user's row, or no row for a user outside the caller's scope.
CREATE FUNCTION user_update(p_id bigint, p_role text, p_region text, p_active boolean, p_display_name text,
                            p_actor_user_id bigint, p_actor_org_id bigint, p_request_id text)
RETURNS SETOF users LANGUAGE plpgsql AS $$
DECLARE
    b users;
    a users;
BEGIN
    SELECT * INTO b FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT user_manageable(p_role, p_region, b.org_id) THEN
        RETURN;
    END IF;
    UPDATE users SET active = coalesce(p_active, active), display_name = coalesce(p_display_name, display_name)
    WHERE id = p_id RETURNING * INTO a;
    IF b.active AND NOT a.active THEN
        PERFORM audit_append(p_actor_user_id, p_actor_org_id, 'user.deactivated', 'user', p_id,
                             jsonb_build_object('username', a.username,
                                                'sessions_ended', user_end_sessions(p_id, 'deactivated')),
                             p_request_id);
    ELSIF a.active AND NOT b.active THEN
        PERFORM audit_append(p_actor_user_id, p_actor_org_id, 'user.reactivated', 'user', p_id,
                             jsonb_build_object('username', a.username), p_request_id);
    END IF;
    IF a.display_name <> b.display_name THEN
        PERFORM audit_append(p_actor_user_id, p_actor_org_id, 'user.updated', 'user', p_id,
                             jsonb_build_object('display_name', jsonb_build_object('before', b.display_name,
                                                                                   'after', a.display_name)),
                             p_request_id);
    END IF;
    RETURN NEXT a;
END
$$;

-- A new password. A reset by an administrator (p_reset; the caller's scope is checked) leaves
-- the user to change it at the next login; a change by the user itself (not p_reset) is
-- made only while the stored hash is still p_expected_hash, the one its old password was
-- verified against (a reset in between wins). Either way every session and API token of the
-- user ends at once, and the event is audited (user.password_reset, user.password_changed).
-- Answers the sessions ended; NULL for no such user in scope; -1 when the hash had changed.
CREATE FUNCTION user_set_password(p_id bigint, p_hash text, p_reset boolean, p_expected_hash text, p_role text,
                                  p_region text, p_actor_user_id bigint, p_actor_org_id bigint, p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_org bigint;
    v_hash text;
    v_ended bigint;
BEGIN
    SELECT org_id, password_hash INTO v_org, v_hash FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR (p_reset AND NOT user_manageable(p_role, p_region, v_org)) THEN
        RETURN NULL;
    END IF;
    IF NOT p_reset AND v_hash IS DISTINCT FROM p_expected_hash THEN
        RETURN -1;
    END IF;
    UPDATE users SET password_hash = p_hash, password_change_required = p_reset, password_changed_at = now()
    WHERE id = p_id;
    v_ended := user_end_sessions(p_id, CASE WHEN p_reset THEN 'password_reset' ELSE 'password_changed' END);
    PERFORM audit_append(p_actor_user_id, p_actor_org_id,
                         CASE WHEN p_reset THEN 'user.password_reset' ELSE 'user.password_changed' END,
                         'user', p_id, jsonb_build_object('sessions_ended', v_ended), p_request_id);
    RETURN v_ended;
END
$$;
