-- Substring search on Chinese names (Art. 21: a registry the public can search). Trigram
-- indexes need a multibyte-aware LC_CTYPE (the private cluster is initialised with
-- C.UTF-8); pg_trgm is a trusted extension, so the database owner may create it. No pending
-- list (fastupdate = off): platforms are written rarely and searched often, and a long pending
-- list makes the planner fall back to a sequential scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX platforms_name_trgm ON platforms USING gin (name gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX platforms_operator_trgm ON platforms USING gin (operator_name gin_trgm_ops) WITH (fastupdate = off);

-- A LIKE pattern that matches `q` literally anywhere: its wildcards and escapes are escaped.
CREATE FUNCTION like_substring(q text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT '%' || replace(replace(replace(q, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
