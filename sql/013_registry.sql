-- The public registry (Art. 19, 21) as a table of its own: one row per platform that holds or
-- held a provincial or city title, carrying the platform's public fields and its registry
-- title — a provincial one first, then the one valid longest (then the newest). Triggers on
-- awards and platforms keep it exact in the same transaction as the change, so a reader
-- never sees a registry that disagrees with the titles. The registry's reads (by id, by
-- region and function, by substring) are then plain index reads on a table a third the size
-- of platforms, instead of a lateral join the planner could only drive from platforms'
-- primary key (bench/RESULTS.md has the plans before and after).

-- Every one- and two-character substring of t: the keys of the registry's substring index.
-- A term of n ≥ 2 characters can occur in a name only if all its n − 1 two-character
-- substrings do, and a one-character term only if that character does — so the index finds
-- every candidate for terms of any length (trigrams cannot serve one- or two-character
-- Chinese terms), and LIKE then checks each candidate.
CREATE FUNCTION search_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM generate_series(1, char_length(t)) i, LATERAL (VALUES (substr(t, i, 1)), (substr(t, i, 2))) v(g)
$$;

-- The keys a search term must all have: its two-character substrings, or itself when it is
-- one character long.
CREATE FUNCTION search_term_grams(q text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN char_length(q) <= 1 THEN ARRAY[q]
                ELSE ARRAY(SELECT DISTINCT substr(q, i, 2) FROM generate_series(1, char_length(q) - 1) i) END
$$;

CREATE TABLE registry (
    platform_id       bigint PRIMARY KEY REFERENCES platforms (id),
    award_id          bigint NOT NULL UNIQUE REFERENCES awards (id),
    name              text NOT NULL,
    operator_name     text NOT NULL,
    region_code       text NOT NULL,
    functions         text[] NOT NULL,
    level             text NOT NULL,
    certificate_no    text NOT NULL,
    awarded_on        date NOT NULL,
    valid_from        date NOT NULL,
    valid_until       date NOT NULL,
    status            text NOT NULL,   -- as stored in awards: "expired" is read from valid_until
    revoked_on        date,
    revocation_reason text,
    grams             text[] NOT NULL, -- search_grams(name) ∪ search_grams(operator_name)
    -- the published entry as JSON text, kept by registry_docs_kept() below: as stored, and
    -- (for an active title) as it reads once valid_until has passed. A page of the registry
    -- is then these texts joined, with no JSON built per read.
    doc               text NOT NULL,
    doc_expired       text
);
-- The registry entry as published: no operator contact data, no internal ids but the
-- platform's; `shown` is the title's status as the public sees it.
CREATE FUNCTION registry_doc(r registry, shown text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.platform_id, 'name', r.name, 'operator_name', r.operator_name,
                              'region_code', r.region_code, 'functions', to_jsonb(r.functions),
                              'award', jsonb_build_object(
                                  'level', r.level, 'certificate_no', r.certificate_no, 'awarded_on', r.awarded_on,
                                  'valid_from', r.valid_from, 'valid_until', r.valid_until, 'status', shown,
                                  'revoked_on', r.revoked_on, 'revocation_reason', r.revocation_reason))::text
$$;
CREATE FUNCTION registry_docs_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.doc := registry_doc(NEW, NEW.status);
    NEW.doc_expired := CASE WHEN NEW.status = 'active' THEN registry_doc(NEW, 'expired') END;
    RETURN NEW;
END
$$;
CREATE TRIGGER registry_docs BEFORE INSERT OR UPDATE ON registry
    FOR EACH ROW EXECUTE FUNCTION registry_docs_kept();

CREATE INDEX registry_region ON registry (region_code, platform_id);
CREATE INDEX registry_grams ON registry USING gin (grams) WITH (fastupdate = off);

-- Recomputes the registry row of one platform from its titles, under the audit head's row
-- lock: every change the service makes holds it already (audit_append ran earlier in the
-- same statement), so this costs nothing there, and a change made by hand in SQL is
-- serialised with them too — the second of two transactions titling one platform recomputes
-- after the first commits (a new snapshot per statement), so neither's title is lost. (The
-- platform's row lock would deadlock with a PATCH, which takes its row, then the head.) Row
-- locks need no slot in the lock table, however many titles one transaction writes.
CREATE FUNCTION registry_refresh(p_platform_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM audit_head FOR UPDATE;
    INSERT INTO registry AS r (platform_id, award_id, name, operator_name, region_code, functions, level,
                               certificate_no, awarded_on, valid_from, valid_until, status, revoked_on,
                               revocation_reason, grams)
    SELECT p.id, w.id, p.name, p.operator_name, p.region_code, p.functions, w.level, w.certificate_no,
           w.awarded_on, w.valid_from, w.valid_until, w.status, w.revoked_on, w.revocation_reason,
           search_grams(p.name) || search_grams(p.operator_name)
    FROM platforms p
    JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
                  ORDER BY (x.level = 'province') DESC, x.valid_until DESC, x.id DESC LIMIT 1) w ON true
    WHERE p.id = p_platform_id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams;
END
$$;

CREATE FUNCTION registry_on_award() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.platform_id <> NEW.platform_id THEN
        RAISE EXCEPTION 'a title does not move to another platform' USING ERRCODE = '23514';
    END IF;
    PERFORM registry_refresh(NEW.platform_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_awards AFTER INSERT OR UPDATE ON awards
    FOR EACH ROW EXECUTE FUNCTION registry_on_award();
CREATE FUNCTION registry_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'titles are revoked, never deleted' USING ERRCODE = '23514';
END
$$;
CREATE TRIGGER registry_awards_kept BEFORE DELETE ON awards
    FOR EACH ROW EXECUTE FUNCTION registry_refuse_delete();

-- A platform's edit reaches its registry row under the audit head's lock too (the service's
-- PATCH holds it already; an edit by hand in SQL is serialised with a title being refreshed,
-- so neither overwrites the other with old data), and only when a published field changed.
CREATE FUNCTION registry_on_platform() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM registry WHERE platform_id = NEW.id) THEN
        PERFORM 1 FROM audit_head FOR UPDATE;
        UPDATE registry SET name = NEW.name, operator_name = NEW.operator_name, region_code = NEW.region_code,
                            functions = NEW.functions,
                            grams = search_grams(NEW.name) || search_grams(NEW.operator_name)
        WHERE platform_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_platforms AFTER UPDATE OF name, operator_name, region_code, functions ON platforms
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.operator_name IS DISTINCT FROM NEW.operator_name
                       OR OLD.region_code IS DISTINCT FROM NEW.region_code OR OLD.functions IS DISTINCT FROM NEW.functions)
    EXECUTE FUNCTION registry_on_platform();

-- the titles already awarded
SELECT registry_refresh(platform_id) FROM (SELECT DISTINCT platform_id FROM awards) t;

-- The title's status as the public sees it: "expired" once valid_until has passed (Art. 23).
-- Both read the date of each query, so nothing stored goes stale at midnight.
CREATE FUNCTION registry_status(r registry) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.status = 'active' AND r.valid_until < current_date THEN 'expired' ELSE r.status END
$$;
CREATE FUNCTION registry_shown_doc(r registry) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN registry_status(r) = 'expired' THEN r.doc_expired ELSE r.doc END
$$;

-- The view keeps the name the repositories read since 006; its doc is now JSON text.
DROP VIEW registry_docs;
CREATE VIEW registry_docs AS
SELECT r.platform_id AS id, r.region_code, r.level, r.functions, extract(year FROM r.awarded_on)::int AS award_year,
       registry_status(r) AS status, r.name, r.operator_name, r.grams, r.certificate_no, r.awarded_on,
       r.valid_from, r.valid_until, r.revoked_on, r.revocation_reason, registry_shown_doc(r) AS doc
FROM registry r;
