-- Bulk imports (cities' yearly scripts): an Idempotency-Key makes a retried request answer
-- what the first one answered without importing twice. Keys are kept two days (at least the
-- 24 hours promised), per organisation.
CREATE TABLE idempotency_keys (
    org_id        bigint NOT NULL REFERENCES organizations (id),
    key           text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    request_hash  text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
    status        integer NOT NULL,
    response      text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
