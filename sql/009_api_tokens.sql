-- Named, scoped, expiring, revocable tokens for an organisation's scripts. Only the SHA-256
-- of a token is stored; the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    org_id      bigint NOT NULL REFERENCES organizations (id),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scopes      text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'write', 'imports']),
    token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    prefix      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CONSTRAINT api_tokens_expire_later CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

CREATE FUNCTION api_token_doc(t api_tokens) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', t.id, 'name', t.name, 'scopes', to_jsonb(t.scopes), 'prefix', t.prefix,
                              'user_id', t.user_id, 'created_at', rfc3339(t.created_at),
                              'expires_at', rfc3339(t.expires_at), 'revoked_at', rfc3339(t.revoked_at),
                              'status', CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'
                                             WHEN t.expires_at <= now() THEN 'expired' ELSE 'active' END)
$$;
