-- Revoked token ids (kept until the token would have expired anyway) and failed-login
-- counters, shared by every shifan process on the database.

CREATE TABLE revoked_tokens (
    jti        uuid PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    revoked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- One row per throttled key ('user:<name>' or 'client:<address>'): failures counted within
-- a window; once over the limit, logins for the key are refused until locked_until.
CREATE TABLE login_failures (
    key           text PRIMARY KEY,
    failures      integer NOT NULL CHECK (failures >= 0),
    window_start  timestamptz NOT NULL,
    locked_until  timestamptz
);
