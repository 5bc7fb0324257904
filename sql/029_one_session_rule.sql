-- One statement of the session rule: session_token_valid() of sql/025 (the user active, the
-- session not ended, the token not revoked) is what the per-request check and every read
-- that folds the check into itself ask (persistence/sessions.h, SF_SESSION_LIVE).
-- session_live() of sql/028 knew no sessions; it is gone so that nothing asks it.
DROP FUNCTION session_live(bigint, uuid);
