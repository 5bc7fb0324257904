-- GET /v1/applications/{id} reads a stored document (issue 18, point 3): the application's
-- detail — application_doc(a) with its history (sql/024, sql/037) — kept in
-- application_details as the text shifan sends, with its ETag, by triggers in the transaction
-- that changes any of its sources (the application, its audit events, the publicity notice
-- listing it, its objections, its materials, its platform), as registry_docs is for the public registry (sql/013, 030).
-- Beside it, the facts of the application's snapshot that depend neither on the caller nor on
-- the date (persistence/applications.c: its status, parties, platform, report, materials,
-- open objections, the end of its publicity), which the read returns with the round's rules
-- (a handful of rows, joined) for api/ to compute allowed_actions in C: what the caller may do
-- next depends on the caller and on today's date, and is not stored. The read is then one
-- indexed look-up beside the session check, its scope judged on the stored parties in the same
-- statement; nothing is assembled per request and shifan neither parses nor re-dumps it.

-- The canonical text shifan's ETags hash (api/views.c: Jansson's JSON_COMPACT |
-- JSON_SORT_KEYS): members in strcmp order of their keys (byte order of UTF-8, COLLATE "C"),
-- no spaces, strings escaped as Jansson escapes them (" \ and the control characters, \b \f
-- \n \r \t by name, the others as \u00XX in capitals; nothing else, not even /). Integers as
-- they are; the documents kept here hold no reals (one would be written as PostgreSQL writes
-- it, which Jansson may not). The workflow suite compares it with Jansson's own after every
-- write (tests/workflow/fixture.c, wf_details_as_assembled).
CREATE FUNCTION canonical_json_string(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    out text := '"';
    c text;
    code int;
BEGIN
    IF s !~ '[\x01-\x08\x0b\x0e-\x1f]' THEN
        RETURN to_json(s)::text;   -- the same escapes as Jansson's when no \u00XX is needed
    END IF;
    FOREACH c IN ARRAY regexp_split_to_array(s, '') LOOP
        code := ascii(c);
        out := out || CASE
            WHEN c = '"' THEN '\"' WHEN c = '\' THEN '\\'
            WHEN code = 8 THEN '\b' WHEN code = 12 THEN '\f' WHEN code = 10 THEN '\n'
            WHEN code = 13 THEN '\r' WHEN code = 9 THEN '\t'
            WHEN code < 32 THEN '\u' || upper(lpad(to_hex(code), 4, '0'))
            ELSE c END;
    END LOOP;
    RETURN out || '"';
END
$$;

CREATE FUNCTION canonical_json(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    CASE jsonb_typeof(j)
    WHEN 'object' THEN
        RETURN '{' || coalesce((SELECT string_agg(canonical_json_string(e.key) || ':' || canonical_json(e.value), ','
                                                  ORDER BY e.key COLLATE "C")
                                FROM jsonb_each(j) e), '') || '}';
    WHEN 'array' THEN
        RETURN '[' || coalesce((SELECT string_agg(canonical_json(e.value), ',' ORDER BY e.n)
                                FROM jsonb_array_elements(j) WITH ORDINALITY e(value, n)), '') || ']';
    WHEN 'string' THEN
        RETURN canonical_json_string(j #>> '{}');
    ELSE   -- number, boolean, null
        RETURN j::text;
    END CASE;
END
$$;

-- The ETag of a canonical text, as api/views.c makes it: the first 16 bytes of its SHA-256 in
-- hex, quoted.
CREATE FUNCTION canonical_etag(doc text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT '"' || substr(encode(sha256(convert_to(doc, 'UTF8')), 'hex'), 1, 32) || '"'
$$;

-- The detail of one application as it was assembled per request until now: the one statement
-- of what the stored document holds.
CREATE FUNCTION application_detail(a applications) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT application_doc(a) || jsonb_build_object('history', application_history(a.id))
$$;

CREATE TABLE application_details (
    application_id        bigint PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    doc                   text NOT NULL,   -- canonical_json(application_detail(a))
    etag                  text NOT NULL,   -- canonical_etag(doc)
    -- the snapshot's stored facts (persistence/applications.c SNAPSHOT_SELECT reads them live)
    status                text NOT NULL,
    recommender_org_id    bigint NOT NULL,
    applicant_org_id      bigint,
    platform_id           bigint NOT NULL,
    round_id              bigint NOT NULL,
    platform_region       text NOT NULL,
    platform_created_by   bigint,
    platform_operator_org bigint,
    report                text,            -- applications.report::text
    has_recommendation    boolean NOT NULL,
    material_kinds        text,            -- the kinds present, comma-separated, NULL for none
    open_objections       bigint NOT NULL,
    notice_end            date             -- the end of the publicity notice listing it
);

-- Brings the stored details of the applications `p_ids` up to date. Their rows are locked
-- first, in a statement of its own, and the documents assembled in the next, under a snapshot
-- taken with the locks held: two transactions changing sources of one application (an
-- objection filed while it is decided) each assemble it after the other has committed, so the
-- last to commit stores what both did.
CREATE FUNCTION application_details_refresh(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM application_details WHERE application_id = ANY (p_ids) ORDER BY application_id FOR UPDATE;
    INSERT INTO application_details AS d (application_id, doc, etag, status, recommender_org_id, applicant_org_id,
                                          platform_id, round_id, platform_region, platform_created_by,
                                          platform_operator_org, report, has_recommendation, material_kinds,
                                          open_objections, notice_end)
    SELECT x.id, x.doc, canonical_etag(x.doc), x.status, x.recommender_org_id, x.applicant_org_id, x.platform_id,
           x.round_id, x.region_code, x.created_by_org, x.operator_org_id, x.report, x.has_recommendation,
           x.material_kinds, x.open_objections, x.notice_end
    FROM (SELECT a.id, canonical_json(application_detail(a)) AS doc, a.status, a.recommender_org_id,
                 a.applicant_org_id, a.platform_id, a.round_id, p.region_code, p.created_by_org, p.operator_org_id,
                 a.report::text AS report, a.recommendation IS NOT NULL AS has_recommendation,
                 (SELECT string_agg(DISTINCT m.kind, ',') FROM materials m WHERE m.application_id = a.id) AS material_kinds,
                 (SELECT count(*) FROM objections o WHERE o.application_id = a.id AND o.status = 'open') AS open_objections,
                 (SELECT n.end_date FROM publicity_notice_items i JOIN publicity_notices n ON n.id = i.notice_id
                  WHERE i.application_id = a.id) AS notice_end
          FROM applications a JOIN platforms p ON p.id = a.platform_id
          WHERE a.id = ANY (p_ids) ORDER BY a.id) x
    ON CONFLICT (application_id) DO UPDATE SET
        doc = excluded.doc, etag = excluded.etag, status = excluded.status,
        recommender_org_id = excluded.recommender_org_id, applicant_org_id = excluded.applicant_org_id,
        platform_id = excluded.platform_id, round_id = excluded.round_id, platform_region = excluded.platform_region,
        platform_created_by = excluded.platform_created_by, platform_operator_org = excluded.platform_operator_org,
        report = excluded.report, has_recommendation = excluded.has_recommendation,
        material_kinds = excluded.material_kinds, open_objections = excluded.open_objections,
        notice_end = excluded.notice_end
    WHERE (d.doc, d.status, d.recommender_org_id, d.applicant_org_id, d.platform_id, d.round_id, d.platform_region,
           d.platform_created_by, d.platform_operator_org, d.report, d.has_recommendation, d.material_kinds,
           d.open_objections, d.notice_end)
          IS DISTINCT FROM
          (excluded.doc, excluded.status, excluded.recommender_org_id, excluded.applicant_org_id, excluded.platform_id,
           excluded.round_id, excluded.platform_region, excluded.platform_created_by, excluded.platform_operator_org,
           excluded.report, excluded.has_recommendation, excluded.material_kinds, excluded.open_objections,
           excluded.notice_end);
END
$$;

-- The triggers, one refresh per statement that changes a source (transition tables: an import
-- or a notice listing many applications refreshes them together).
CREATE FUNCTION application_details_on_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_refresh(ARRAY(SELECT id FROM changed));
    RETURN NULL;
END
$$;
CREATE TRIGGER application_details_inserted AFTER INSERT ON applications REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_applications();
CREATE TRIGGER application_details_updated AFTER UPDATE ON applications REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_applications();

-- Audit events are append-only (sql/004, 031: the linker's update changes none of what the
-- history reads), so only their inserts matter.
CREATE FUNCTION application_details_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_refresh(ARRAY(SELECT DISTINCT entity_id FROM changed
                                              WHERE entity = 'application' AND action LIKE 'application.%'
                                                AND entity_id IS NOT NULL));
    RETURN NULL;
END
$$;
CREATE TRIGGER application_details_events AFTER INSERT ON audit_events REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_events();

-- Notice items, objections, materials: the applications they name, before and after the
-- change.
CREATE FUNCTION application_details_on_named() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM application_details_refresh(ARRAY(SELECT DISTINCT application_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM application_details_refresh(ARRAY(SELECT application_id FROM new_rows
                                                  UNION SELECT application_id FROM old_rows));
    ELSE
        PERFORM application_details_refresh(ARRAY(SELECT DISTINCT application_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER application_details_items_inserted AFTER INSERT ON publicity_notice_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_items_updated AFTER UPDATE ON publicity_notice_items
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_items_deleted AFTER DELETE ON publicity_notice_items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_objections_inserted AFTER INSERT ON objections
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_objections_updated AFTER UPDATE ON objections
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_objections_deleted AFTER DELETE ON objections
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();

CREATE TRIGGER application_details_materials_inserted AFTER INSERT ON materials
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_materials_updated AFTER UPDATE ON materials
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();
CREATE TRIGGER application_details_materials_deleted AFTER DELETE ON materials
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_named();

-- A platform's region, creator and operator (the scope of its applications): its applications.
CREATE FUNCTION application_details_on_platforms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_refresh(ARRAY(SELECT a.id FROM applications a
                                              WHERE a.platform_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                                                      WHERE (n.region_code, n.created_by_org, n.operator_org_id)
                                                                            IS DISTINCT FROM
                                                                            (o.region_code, o.created_by_org, o.operator_org_id))));
    RETURN NULL;
END
$$;
CREATE TRIGGER application_details_platforms AFTER UPDATE ON platforms
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_platforms();

-- A notice's dates and time: the applications it lists.
CREATE FUNCTION application_details_on_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM application_details_refresh(ARRAY(SELECT i.application_id FROM publicity_notice_items i
                                              WHERE i.notice_id IN (SELECT id FROM changed)));
    RETURN NULL;
END
$$;
CREATE TRIGGER application_details_notices AFTER UPDATE ON publicity_notices REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION application_details_on_notices();

SELECT application_details_refresh(ARRAY(SELECT id FROM applications));
