-- The import of records, cheaper per row (issue 15: 10,000 recorded titles in under 3 s;
-- bench/RESULTS.md "The import links its own events"). Measured first: after the import, the
-- linker gave its 20,000 events their positions with 20,000 row updates (a new version of each
-- row and of its seven index entries); the registry's refresh spent a third of its time in
-- search_grams, one SQL-function call (an executor of its own) per name; and the chain's hashes
-- cost an SQL-function call per event for the text and another for the step.

-- An import of records writes its events already linked, in its last statement
-- (persistence/records.c APPEND_EVENTS): its events are staged in a table of the transaction
-- while it writes its facts; at the end it links what is waiting (audit_link(NULL, true): its own
-- event of the import, and whatever others committed before — the head's row lock, held from
-- there to its commit) and inserts its staged events after the head, positions and hashes computed
-- as the linker computes them (sql/046: audit_chain over audit_event_text, in id order), and moves
-- the head. Positions still follow commit order: the import's events become visible with their
-- positions at its commit, after everything linked before it; events others commit meanwhile wait
-- for the head and are linked after them (their transactions overlapped the import: either order
-- is commit order, sql/031). Verify, the audit list and the change feed, which link first, wait at
-- most for that last statement and the commit.

-- The text of an event, unchanged, now STABLE (concat_ws is): PostgreSQL inlines it into the
-- statement that calls it instead of starting an SQL function for each event.
CREATE OR REPLACE FUNCTION audit_event_text(seq bigint, at timestamptz, actor_user_id bigint,
                                            actor_org_id bigint, action text, entity text,
                                            entity_id bigint, detail jsonb, request_id text)
RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT convert_to(concat_ws('|', seq,
                                (extract(epoch FROM at) * 1000000)::bigint,
                                coalesce(actor_user_id::text, '-'),
                                coalesce(actor_org_id::text, '-'),
                                action, entity,
                                coalesce(entity_id::text, '-'),
                                detail::text,
                                coalesce(request_id, '-')), 'UTF8')
$$;

-- The chain's step, unchanged, in PL/pgSQL: an aggregate's step is never inlined, and PL/pgSQL
-- evaluates one expression without starting an executor.
CREATE OR REPLACE FUNCTION audit_chain_step(p_state bytea, p_head bytea, p_text bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN sha256(coalesce(p_state, p_head) || p_text);
END
$$;

-- The keys of the registry's substring index (013): every one- and two-character substring of t,
-- now as one expression PostgreSQL inlines (no query per name): the characters, the pairs that
-- begin at odd positions and those that begin at even ones. The keys are a set — `grams @>` and
-- the GIN index ignore order and repeats — so the array is no longer sorted nor free of repeats;
-- the set is the same (tests/test_persistence.c search_grams_are_the_same_set).
CREATE OR REPLACE FUNCTION search_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_remove(string_to_array(t, NULL)
                        || regexp_split_to_array(t, '(?<=^(?:..)+)')
                        || regexp_split_to_array(substr(t, 2), '(?<=^(?:..)+)'), '')
$$;
