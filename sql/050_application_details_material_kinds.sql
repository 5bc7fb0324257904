-- A material's change refreshes only what it changes in the stored detail (issue 18, point 4:
-- the write mix).
--
-- Seven of the mix's eleven writes upload a material. A material is not part of the document
-- (application_detail(a): the application's own columns and its history — its events, the
-- notice listing it, its objections); of the stored row, it changes only material_kinds, the
-- kinds present. Yet each upload armed the full refresh at commit (sql/044), which assembled
-- the document again, made its canonical text and hashed it, to store the same text and ETag
-- with the new kinds beside them: measured in the write mix (bench/RESULTS.md), the refresh was
-- the largest single cost of PostgreSQL per write.
--
-- Now the materials' statement triggers note their applications in a set of their own
-- (shifan.application_details_kinds_pending), and the deferred trigger at commit (the same one,
-- armed by the first changed row as before) refreshes the applications of the full set as it
-- did, and, for those only in the materials' set, recomputes material_kinds alone. Both under
-- the same rule as the refresh (sql/042): the rows of both sets are locked first, together, in
-- one order (so two committing transactions never wait for each other crosswise), and what is
-- stored is read by the statements after, under snapshots taken with the locks held — the last
-- to commit stores what all did. An application with no stored row yet gets the full refresh.

CREATE FUNCTION application_details_note_kinds(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('shifan.application_details_kinds_pending',
                       coalesce(nullif(current_setting('shifan.application_details_kinds_pending', true), '') || ',', '')
                       || array_to_string(p_ids, ','), true);
END
$$;

-- The materials' statement triggers (042), noting in the materials' set.
CREATE FUNCTION application_details_on_materials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM application_details_note_kinds(ARRAY(SELECT DISTINCT application_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM application_details_note_kinds(ARRAY(SELECT application_id FROM new_rows
                                                     UNION SELECT application_id FROM old_rows));
    ELSE
        PERFORM application_details_note_kinds(ARRAY(SELECT DISTINCT application_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER application_details_materials_inserted ON materials;
DROP TRIGGER application_details_materials_updated ON materials;
DROP TRIGGER application_details_materials_deleted ON materials;
CREATE TRIGGER application_details_materials_inserted AFTER INSERT ON materials
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_materials();
CREATE TRIGGER application_details_materials_updated AFTER UPDATE ON materials
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_materials();
CREATE TRIGGER application_details_materials_deleted AFTER DELETE ON materials
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_materials();

-- The kinds of the stored rows `p_ids`, recomputed (their rows locked by the caller). The same
-- expression as the full refresh's (042).
-- (MATERIALIZED: the kinds read once per application, not again in the WHERE.)
CREATE FUNCTION application_details_refresh_kinds(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH x AS MATERIALIZED (
        SELECT k.id, (SELECT string_agg(DISTINCT m.kind, ',') FROM materials m WHERE m.application_id = k.id)
                     AS material_kinds
        FROM unnest(p_ids) AS k(id))
    UPDATE application_details d SET material_kinds = x.material_kinds
    FROM x WHERE d.application_id = x.id AND d.material_kinds IS DISTINCT FROM x.material_kinds;
END
$$;
ALTER FUNCTION application_details_refresh_kinds(bigint[]) SET plan_cache_mode = force_generic_plan;

-- The deferred refresh (044): the full set as before; the materials' set, less the full set,
-- by its kinds alone.
CREATE OR REPLACE FUNCTION application_details_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := string_to_array(nullif(current_setting('shifan.application_details_pending', true), ''), ',')::bigint[];
    kinds bigint[] := string_to_array(nullif(current_setting('shifan.application_details_kinds_pending', true), ''),
                                      ',')::bigint[];
BEGIN
    PERFORM set_config('shifan.application_details_pending', '', true);
    PERFORM set_config('shifan.application_details_kinds_pending', '', true);
    PERFORM set_config('shifan.application_details_armed', '', true);
    ids := ARRAY(SELECT DISTINCT x FROM unnest(ids) x ORDER BY x);
    kinds := ARRAY(SELECT DISTINCT x FROM unnest(kinds) x WHERE x <> ALL (ids) ORDER BY x);
    IF cardinality(kinds) > 0 THEN
        PERFORM 1 FROM application_details WHERE application_id = ANY (ids || kinds) ORDER BY application_id FOR UPDATE;
        -- no stored row yet: the whole of it
        ids := ARRAY(SELECT x FROM unnest(ids || ARRAY(SELECT k FROM unnest(kinds) k WHERE NOT EXISTS
                                                   (SELECT 1 FROM application_details d WHERE d.application_id = k))) x
                     ORDER BY x);
        PERFORM application_details_refresh_kinds(kinds);
    END IF;
    PERFORM application_details_refresh(ids);
    RETURN NULL;
END
$$;
