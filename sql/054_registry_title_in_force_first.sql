-- The registry's title of a platform (Art. 19, 21, 25): a title still in force first — not
-- revoked, and not past its valid_until ("expired" is read from the date, the stored status
-- stays 'active') — then a provincial one, then the one valid longest (then the newest). A
-- provincial title came first whatever its state (sql/039), so a revoked provincial title hid
-- a city title in force, and the platform read "revoked" and was missing from the registry's
-- active entries; and "not revoked" alone would let an expired older title hide a revoked
-- renewal. The choice is made when the entry is refreshed (any change to the platform's
-- titles): a title that lapses later keeps its entry, which then reads expired (registry_doc's
-- doc_expired). registry_refresh_all (sql/039) is the one writer of the entries; only its
-- choice of title changes. Every entry is chosen again.
CREATE OR REPLACE FUNCTION registry_refresh_all(p_platform_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_platform_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM title_writers_lock();
    -- the entries, their columns in the table's order (materialized: each entry's grams are
    -- computed once, and registry_doc reads plain columns, so it is inlined)
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
           registry_doc(ROW(e.*)::registry, e.status),
           CASE WHEN e.status = 'active' THEN registry_doc(ROW(e.*)::registry, 'expired') END
    FROM e
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

SELECT registry_refresh_all(ARRAY(SELECT DISTINCT platform_id FROM awards ORDER BY 1));
