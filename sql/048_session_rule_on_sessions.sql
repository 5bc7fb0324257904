-- The session rule on the session's row alone (issue 18, point 3).
--
-- Every authenticated request checked three things in its statement: the token's session open,
-- its user active, its own id not revoked (sql/025, session_token_valid; written out in each
-- read, persistence/sessions.h). Each relation a statement touches costs PostgreSQL some 5-10 µs
-- of CPU whatever it reads (bench/RESULTS.md, "Authenticated reads: where the time goes"), and
-- the users and revoked_tokens look-ups only repeated what the session's row already says when
-- every path that deactivates a user, changes a password or revokes a token also ends the
-- sessions concerned in the same transaction — which the API's paths did (user_update,
-- user_set_password, sf_session_revoke), but a hand-made change in psql did not.
--
-- Now the database does it, whatever the path, with triggers:
--   * a user made inactive, or whose password hash changes, has every open session ended and
--     every API token revoked (user_end_sessions) by the statement that changes the row;
--   * a revoked token id (revoked_tokens) ends its session: the one it names (session_id, which
--     sf_session_revoke now records), or, when a row written by hand names none, every session
--     of its user that was open (a jti alone does not say which of them issued it);
--   * a session is started only for a user who is active at that moment, the user's row locked
--     (FOR SHARE) against a deactivation committing meanwhile: a login whose password was being
--     hashed while its user was deactivated does not leave an open session behind.
-- The rule is then: the token's session exists, is the token's user's, and is not ended. A
-- token's jti and sid are both in its signature, so a revoked jti never comes with another,
-- open session. The jti must still be a UUID (a token shifan issued).

ALTER TABLE revoked_tokens ADD COLUMN session_id uuid;

CREATE FUNCTION users_end_sessions_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM user_end_sessions(NEW.id, CASE WHEN NOT NEW.active THEN 'deactivated'
                                           WHEN NEW.password_change_required THEN 'password_reset'
                                           ELSE 'password_changed' END);
    RETURN NULL;
END
$$;
CREATE TRIGGER users_end_sessions AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.active AND NOT NEW.active) OR NEW.password_hash IS DISTINCT FROM OLD.password_hash)
    EXECUTE FUNCTION users_end_sessions_on_change();

CREATE FUNCTION revoked_tokens_end_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sessions SET ended_at = now(), end_reason = 'revoked'
    WHERE user_id = NEW.user_id AND ended_at IS NULL AND (NEW.session_id IS NULL OR id = NEW.session_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER revoked_tokens_end_session AFTER INSERT ON revoked_tokens FOR EACH ROW
    EXECUTE FUNCTION revoked_tokens_end_session();

-- The API's own paths end the sessions before they change the user's row (so that the count
-- they audit, sessions_ended, is theirs; the trigger then finds none open). Otherwise as in
-- sql/025.
CREATE OR REPLACE FUNCTION user_update(p_id bigint, p_role text, p_region text, p_active boolean, p_display_name text,
                                       p_actor_user_id bigint, p_actor_org_id bigint, p_request_id text)
RETURNS SETOF users LANGUAGE plpgsql AS $$
DECLARE
    b users;
    a users;
    v_ended bigint;
BEGIN
    SELECT * INTO b FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT user_manageable(p_role, p_region, b.org_id) THEN
        RETURN;
    END IF;
    IF b.active AND p_active IS FALSE THEN
        v_ended := user_end_sessions(p_id, 'deactivated');
    END IF;
    UPDATE users SET active = coalesce(p_active, active), display_name = coalesce(p_display_name, display_name)
    WHERE id = p_id RETURNING * INTO a;
    IF b.active AND NOT a.active THEN
        PERFORM audit_append(p_actor_user_id, p_actor_org_id, 'user.deactivated', 'user', p_id,
                             jsonb_build_object('username', a.username, 'sessions_ended', v_ended),
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

CREATE OR REPLACE FUNCTION user_set_password(p_id bigint, p_hash text, p_reset boolean, p_expected_hash text,
                                             p_role text, p_region text, p_actor_user_id bigint,
                                             p_actor_org_id bigint, p_request_id text)
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
    v_ended := user_end_sessions(p_id, CASE WHEN p_reset THEN 'password_reset' ELSE 'password_changed' END);
    UPDATE users SET password_hash = p_hash, password_change_required = p_reset, password_changed_at = now()
    WHERE id = p_id;
    PERFORM audit_append(p_actor_user_id, p_actor_org_id,
                         CASE WHEN p_reset THEN 'user.password_reset' ELSE 'user.password_changed' END,
                         'user', p_id, jsonb_build_object('sessions_ended', v_ended), p_request_id);
    RETURN v_ended;
END
$$;

-- A login's session, for an active user only (NULL otherwise: the login is refused).
CREATE OR REPLACE FUNCTION session_start(p_user_id bigint, p_client text, p_refresh_hash text, p_refresh_ttl int)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_sid uuid;
BEGIN
    PERFORM 1 FROM users WHERE id = p_user_id AND active FOR SHARE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM session_forget();
    INSERT INTO sessions (user_id, client) VALUES (p_user_id, p_client) RETURNING id INTO v_sid;
    INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
    VALUES (p_refresh_hash, v_sid, now() + make_interval(secs => p_refresh_ttl));
    RETURN v_sid;
END
$$;

-- Still the one statement of the rule, as persistence/sessions.h writes it out.
CREATE OR REPLACE FUNCTION session_token_valid(p_user_id bigint, p_jti uuid, p_sid uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM sessions s WHERE s.id = p_sid AND s.user_id = p_user_id AND s.ended_at IS NULL);
END
$$;

-- What the old rule refused and the new one would not, ended now: open sessions of inactive
-- users; and open sessions of a user with a revoked, unexpired token id that the API did not
-- revoke (it ends a session as it records the id, at the same now(): a hand-written row),
-- begun before the revocation.
UPDATE sessions s SET ended_at = now(), end_reason = 'deactivated'
FROM users u WHERE u.id = s.user_id AND NOT u.active AND s.ended_at IS NULL;
UPDATE sessions s SET ended_at = now(), end_reason = 'revoked'
WHERE s.ended_at IS NULL
  AND EXISTS (SELECT 1 FROM revoked_tokens r
              WHERE r.user_id = s.user_id AND r.expires_at > now() AND r.revoked_at >= s.created_at
                AND NOT EXISTS (SELECT 1 FROM sessions x WHERE x.user_id = r.user_id AND x.end_reason = 'revoked'
                                AND x.ended_at = r.revoked_at));
