-- User accounts. Passwords are stored only as PBKDF2 hashes (domain/password.h).

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES organizations (id),
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    password_hash text NOT NULL CHECK (password_hash LIKE '$pbkdf2-sha256$%'),
    display_name  text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX users_org_id ON users (org_id, id);
