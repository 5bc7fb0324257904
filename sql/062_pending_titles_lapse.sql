-- A title pending revocation lapses like an active one (Art. 23: the title is valid for three
-- years; from an outside review): past its valid_until it is "expired", not pending for ever —
-- in its document, the registry, the statistics, the inbox and the change feed, which announces
-- its lapse. A pending revocation of a lapsed title is moot: it can be neither revoked nor
-- reinstated (domain/awards.c reads the status from here).

-- "expired" keeps its one owner (016)
CREATE OR REPLACE FUNCTION title_status(stored text, valid_until date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN stored IN ('active', 'revocation_pending') AND valid_until < current_date THEN 'expired'
                ELSE stored END
$$;
-- and its twin at a date, which the statistics' counters are read through (032)
CREATE OR REPLACE FUNCTION title_status_at(status text, revoked_on date, valid_until date, d date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status = 'revoked' AND revoked_on <= d THEN 'revoked'
                WHEN valid_until < d THEN 'expired'
                WHEN status = 'revocation_pending' THEN 'revocation_pending'
                ELSE 'active' END
$$;

-- The registry keeps the document an entry shows once its title has lapsed (doc_expired, 055)
-- for a pending title too: its award's status, "revocation_pending", read "expired" (the
-- argument of 055 holds: of the document's keys only the award's member is `status`).
CREATE OR REPLACE FUNCTION registry_doc_expired(p_doc text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(p_doc, '"status": "active"', '"status": "expired"'),
                   '"status": "revocation_pending"', '"status": "expired"')
$$;
CREATE OR REPLACE FUNCTION registry_docs_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.doc := registry_doc(NEW, NEW.status);
    NEW.doc_expired := CASE WHEN NEW.status IN ('active', 'revocation_pending') THEN registry_doc_expired(NEW.doc) END;
    RETURN NEW;
END
$$;
-- registry_refresh_all (059), the one writer of new entries, likewise
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
           d.shown, CASE WHEN e.status IN ('active', 'revocation_pending') THEN registry_doc_expired(d.shown) END
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

-- the entries pending now get their lapsed document (the trigger above writes it)
UPDATE registry SET status = status WHERE status = 'revocation_pending';
