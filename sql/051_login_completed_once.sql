-- Issue 14, items 3 and 6: a login whose password matched is one step — its session started,
-- then the attempt recorded as a success, or, when no session could start because the user
-- was deactivated while the password was being hashed, recorded as the failure it is
-- answered as (401): counted against the pair and the client, and written to the audit trail
-- as login.failed. Before, the success was recorded (its counters cleared, login.succeeded in
-- the audit trail) whether or not the session then started.
CREATE FUNCTION login_completed(p_username text, p_client text, p_user_id bigint, p_org_id bigint,
                                p_pair_max int, p_client_max int, p_window int, p_delay int, p_max_delay int,
                                p_request_id text, p_refresh_hash text, p_refresh_ttl int)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_sid uuid := session_start(p_user_id, p_client, p_refresh_hash, p_refresh_ttl);
BEGIN
    IF v_sid IS NULL THEN
        PERFORM login_failed(p_username, p_client, p_user_id, p_pair_max, p_client_max, p_window, p_delay,
                             p_max_delay, p_request_id);
    ELSE
        PERFORM login_succeeded(p_username, p_client, p_user_id, p_org_id, p_client_max, p_request_id);
    END IF;
    RETURN v_sid;
END
$$;
