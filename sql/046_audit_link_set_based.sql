-- The audit linker, set-based and patient with an import (issue 15: 10,000 recorded titles in
-- under 3 s; bench/RESULTS.md). Measured on the import of 10,000 titles: the linker spent about
-- a CPU second during the import and another after it. During it, each poll (every 10 ms) read
-- the import's 20,000 uncommitted events through the partial index of unlinked events, looking
-- up each one's row to find it invisible, and found nothing to link; after it, audit_link gave
-- the events their positions with one UPDATE statement per event from a PL/pgSQL loop.
--
-- What an event's position and hashes are does not change (031): committed events in id order
-- after the head, seq the head's plus one each, hash = sha256(prev_hash || audit_event_text(…)).

-- The running hash of the chain, as an aggregate: audit_chain(head_hash, text) over events in
-- position order is, at each event, sha256(previous hash || its text), the first event's
-- previous hash being head_hash. Used as a window aggregate (a running frame), it is one call of
-- the step per event.
CREATE FUNCTION audit_chain_step(p_state bytea, p_head bytea, p_text bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(p_state, p_head) || p_text)
$$;
CREATE AGGREGATE audit_chain(bytea, bytea) (SFUNC = audit_chain_step, STYPE = bytea);

-- Imports of records (persistence/records.c) write thousands of events in one transaction of
-- seconds. Each takes this lock, shared, before its first event; the background linker, while
-- it cannot take the lock exclusively, does not look for events to link but waits for the lock
-- (audit_link answers NULL, and audit_imports_wait() waits): it looks again as soon as the
-- import has committed or rolled back. Events other writers commit meanwhile wait for that
-- too; whoever promises the chain (verify, the audit list, the change feed) links on its own
-- with audit_link(NULL, true), which does not wait for imports.
CREATE FUNCTION audit_imports_key() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended('audit imports', 0)
$$;
CREATE FUNCTION audit_import_begin() RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock_shared(audit_imports_key())
$$;
-- For the background linker: waits until no import is open (true), or answers false when its
-- lock_timeout (a second, persistence/audit_linker.c) ran out first — quietly, as the wait
-- goes on: no error in the server's log each second of an import.
CREATE FUNCTION audit_imports_wait() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(audit_imports_key());
    RETURN true;
EXCEPTION WHEN lock_not_available THEN
    RETURN false;
END
$$;

-- Links up to p_limit (NULL: all) committed unlinked events, in id order, after the head;
-- answers how many. p_wait: wait for a linker at work (and then link what it left), else
-- answer 0 at once; and without p_wait, answer NULL at once, looking at no event, while an
-- import is open. Nothing to link costs one look at an index and takes no lock.
CREATE OR REPLACE FUNCTION audit_link(p_limit integer, p_wait boolean) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    head audit_head%ROWTYPE;
    n integer;
    v_seq bigint;
    v_hash bytea;
BEGIN
    -- an open import holds the lock shared; taken here, it is held to the end of the round (an
    -- import that begins meanwhile waits those few milliseconds) and released even on an error
    IF NOT p_wait AND NOT pg_try_advisory_xact_lock(audit_imports_key()) THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL) THEN
        RETURN 0;
    END IF;
    IF p_wait THEN
        SELECT * INTO head FROM audit_head FOR UPDATE;
    ELSE
        SELECT * INTO head FROM audit_head FOR UPDATE SKIP LOCKED;
    END IF;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- a statement of its own, so a snapshot taken after the head was ours: what the linker
    -- before committed is seen linked
    WITH batch AS (SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT p_limit),
         numbered AS (SELECT b.*, head.seq + row_number() OVER (ORDER BY b.id) AS pos FROM batch b),
         chained AS (SELECT x.id, x.pos,
                            audit_chain(head.hash, audit_event_text(x.pos, x.at, x.actor_user_id, x.actor_org_id,
                                                                    x.action, x.entity, x.entity_id, x.detail,
                                                                    x.request_id))
                                OVER (ORDER BY x.pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS hash
                     FROM numbered x),
         links AS (SELECT c.*, coalesce(lag(c.hash) OVER (ORDER BY c.pos), head.hash) AS prev FROM chained c),
         linked AS (UPDATE audit_events e SET seq = l.pos, prev_hash = l.prev, hash = l.hash
                    FROM links l WHERE e.id = l.id
                    RETURNING e.seq, e.hash)
    SELECT count(*), max(seq), (array_agg(hash ORDER BY seq DESC))[1] INTO n, v_seq, v_hash FROM linked;
    IF n > 0 THEN
        UPDATE audit_head SET seq = v_seq, hash = v_hash;
    END IF;
    RETURN n;
END
$$;
