-- The registry's refresh, cheaper per entry (issue 15: 10,000 recorded titles in under 3 s;
-- bench/RESULTS.md). Measured first, on the refresh of the 10,000 entries of an import: the keys
-- of the substring index (search_grams, four regular expressions with a look-behind per
-- platform) cost about 0.28 s, and the entry's second document, built again from the row only
-- to say "expired" instead of "active", about 0.15 s.

-- The keys (047), the same set: the characters, and the pairs that begin at odd and at even
-- positions. A pair is now cut by a plain two-character match followed by a separator (U+0001)
-- and a split on it: the look-behind `(?<=^(?:..)+)` rescanned the string from its start at
-- every position. A text that holds the separator itself (control characters are refused in
-- names since issue 14, but older rows may hold one) keeps 047's expression. Still one
-- expression, which PostgreSQL inlines. tests/test_persistence.c search_grams_are_the_same_set.
CREATE OR REPLACE FUNCTION search_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN strpos(t, E'\x01') = 0
                THEN array_remove(string_to_array(t, NULL)
                                  || string_to_array(regexp_replace(t, '..', E'\\&\x01', 'g'), E'\x01')
                                  || string_to_array(regexp_replace(substr(t, 2), '..', E'\\&\x01', 'g'), E'\x01'),
                                  '')
                ELSE array_remove(string_to_array(t, NULL)
                                  || regexp_split_to_array(t, '(?<=^(?:..)+)')
                                  || regexp_split_to_array(substr(t, 2), '(?<=^(?:..)+)'), '')
           END
$$;

-- An active entry's document as shown once its title has lapsed (doc_expired, 013): its
-- document with the award's status "active" read "expired". Equal to registry_doc(r, 'expired'):
-- registry_doc's JSON text (jsonb's output: `"key": value`) holds `"status": "active"` exactly
-- once, as the award's member. Inside a string every `"` is written `\"`, so no name or reason
-- can spell it: the quote that ends `status` would have to be unescaped, which makes `status` a
-- key, and of the document's keys only the award's member is `status`.
-- tests/test_persistence.c registry_doc_expired_is_the_expired_document.
CREATE FUNCTION registry_doc_expired(p_doc text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(p_doc, '"status": "active"', '"status": "expired"')
$$;

-- The one writer of entries (054), unchanged but for the expired document, now made from the
-- shown one (a LATERAL kept apart by OFFSET 0, so that the document is built once, not once
-- per use).
CREATE OR REPLACE FUNCTION registry_refresh_all(p_platform_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_platform_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM title_writers_lock();
    WITH e AS MATERIALIZED (
        SELECT p.id AS platform_id, w.id AS award_id, p.name, p.operator_name, p.region_code, p.functions, w.level,
               w.certificate_no, w.awarded_on, w.valid_from, w.valid_until, w.status, w.revoked_on,
               w.revocation_reason, search_grams(p.name) || search_grams(p.operator_name) AS grams,
               NULL::text AS doc, NULL::text AS doc_expired, w.origin
        FROM platforms p
        JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
                      ORDER BY (x.status <> 'revoked' AND x.valid_until >= current_date) DESC,
                               (x.level = 'province') DESC, x.valid_until DESC, x.id DESC
                      LIMIT 1) w ON true
        WHERE p.id = ANY (p_platform_ids))
    INSERT INTO registry AS r (platform_id, award_id, name, operator_name, region_code, functions, level,
                               certificate_no, awarded_on, valid_from, valid_until, status, revoked_on,
                               revocation_reason, grams, origin, doc, doc_expired)
    SELECT e.platform_id, e.award_id, e.name, e.operator_name, e.region_code, e.functions, e.level, e.certificate_no,
           e.awarded_on, e.valid_from, e.valid_until, e.status, e.revoked_on, e.revocation_reason, e.grams, e.origin,
           d.shown, CASE WHEN e.status = 'active' THEN registry_doc_expired(d.shown) END
    FROM e, LATERAL (SELECT registry_doc(ROW(e.*)::registry, e.status) AS shown OFFSET 0) d
    ORDER BY e.platform_id
    ON CONFLICT (platform_id) DO UPDATE SET
        award_id = excluded.award_id, name = excluded.name, operator_name = excluded.operator_name,
        region_code = excluded.region_code, functions = excluded.functions, level = excluded.level,
        certificate_no = excluded.certificate_no, awarded_on = excluded.awarded_on,
        valid_from = excluded.valid_from, valid_until = excluded.valid_until, status = excluded.status,
        revoked_on = excluded.revoked_on, revocation_reason = excluded.revocation_reason, grams = excluded.grams,
        origin = excluded.origin;
END
$$;

-- The trigger that keeps the documents of an updated entry (013, 039), the same way.
CREATE OR REPLACE FUNCTION registry_docs_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.doc := registry_doc(NEW, NEW.status);
    NEW.doc_expired := CASE WHEN NEW.status = 'active' THEN registry_doc_expired(NEW.doc) END;
    RETURN NEW;
END
$$;
