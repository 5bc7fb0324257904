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

-- The trigger that keeps the documents of an updated entry (013, 039) makes the expired one
-- so; registry_refresh_all, the writer of new entries, does too (sql/059).
CREATE OR REPLACE FUNCTION registry_docs_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.doc := registry_doc(NEW, NEW.status);
    NEW.doc_expired := CASE WHEN NEW.status = 'active' THEN registry_doc_expired(NEW.doc) END;
    RETURN NEW;
END
$$;
