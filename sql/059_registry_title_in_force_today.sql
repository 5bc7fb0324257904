-- The registry's title of a platform (Art. 19, 21, 23, 25), chosen by registry_refresh_all, the
-- one writer of entries (039), when the platform's titles change:
--   1. a title in force today: not revoked, today between its valid_from and valid_until (a
--      renewal awarded before the old title ends, valid from the day after it, took the entry at
--      once, its certificate shown while the old title was the one in force — from an outside
--      review);
--   2. then one not revoked and not yet ended (a renewal not begun beats an expired title);
--   3. then a provincial one, then the one valid longest, then the newest.
-- A provincial title came first whatever its state (039), so a revoked provincial title hid a
-- city title in force, and the platform read "revoked" and was missing from the registry's
-- active entries; "not revoked" alone would let an expired older title hide a revoked renewal.
-- "Expired" is read from the date; the stored status stays 'active', and an entry whose title
-- lapses later keeps it, shown as expired (registry_doc's doc_expired, made from the shown
-- document: sql/055 registry_doc_expired).
--
-- When a date passes, registry_turn_day chooses again the entries whose title is no longer in
-- force while another of the platform's is: on the first day of a renewal, the day after the
-- old title ended. shifan calls it in the background every minute (api/readiness.c;
-- persistence/registry.h sf_registry_turn_day).
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
                      ORDER BY (x.status <> 'revoked' AND x.valid_from <= current_date
                                AND x.valid_until >= current_date) DESC,
                               (x.status <> 'revoked' AND x.valid_until >= current_date) DESC,
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

-- The entries whose title is not in force today while another title of their platform is,
-- chosen again; how many. Nothing is written (and no lock taken) when there are none. It waits
-- at most half a second for the title writers' lock (an import of thousands of titles holds it
-- for seconds): the background check that calls it must not hang; the next minute tries again.
CREATE FUNCTION registry_turn_day() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
BEGIN
    PERFORM set_config('lock_timeout', '500ms', true);
    SELECT array_agg(DISTINCT r.platform_id ORDER BY r.platform_id) INTO v_ids
    FROM registry r
    JOIN awards w ON w.platform_id = r.platform_id AND w.id <> r.award_id
    WHERE w.status <> 'revoked' AND w.valid_from <= current_date AND w.valid_until >= current_date
      AND NOT (r.status <> 'revoked' AND r.valid_from <= current_date AND r.valid_until >= current_date);
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM registry_refresh_all(v_ids);
    RETURN cardinality(v_ids);
END
$$;

-- every entry chosen again, as 054 did
SELECT registry_refresh_all(ARRAY(SELECT DISTINCT platform_id FROM awards ORDER BY 1));
