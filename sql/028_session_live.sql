-- Whether a token's session is live (issue 18, point 3): its user is active and the token has
-- not been revoked. The one statement of the rule: the per-request check
-- (persistence/users.c, sf_user_session_valid) and every read that folds the check into
-- itself (persistence/sessions.h, SF_SESSION_LIVE) call it, so a rule that ends sessions in
-- another way (a deactivation, a password change, a refresh family revoked) changes here and
-- reaches them all. A SQL function of one expression: the planner inlines it.
CREATE FUNCTION session_live(p_user_id bigint, p_jti uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM users WHERE id = p_user_id AND active)
       AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = p_jti)
$$;
