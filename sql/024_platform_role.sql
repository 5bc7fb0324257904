-- The applicants themselves (DESIGN.md §2, Art. 17, 22): an organisation of type `platform`
-- is the operating company of one or more platforms, identified by its unified social credit
-- code. It holds the platforms whose operator has that code — linked by the database, so a
-- platform registered before or after the company's account, or whose operator changes, is
-- always held by the right company.

ALTER TABLE organizations DROP CONSTRAINT organizations_type_check;
ALTER TABLE organizations ADD CONSTRAINT organizations_type_check
    CHECK (type IN ('province', 'city', 'association', 'assessor', 'supervisor', 'platform'));
-- a city and a platform company belong to a city; every other body to the province as a whole
ALTER TABLE organizations DROP CONSTRAINT organizations_region_fits_type;
ALTER TABLE organizations ADD CONSTRAINT organizations_region_fits_type
    CHECK ((type IN ('city', 'platform')) = (region_code <> '210000'));
ALTER TABLE organizations
    ADD COLUMN credit_code text CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
    ADD CONSTRAINT organizations_credit_code_platform CHECK ((type = 'platform') = (credit_code IS NOT NULL));
CREATE UNIQUE INDEX organizations_credit_code_unique ON organizations (credit_code) WHERE credit_code IS NOT NULL;

-- The company that operates the platform, if it has an account.
ALTER TABLE platforms ADD COLUMN operator_org_id bigint REFERENCES organizations (id);
CREATE INDEX platforms_operator_org ON platforms (operator_org_id) WHERE operator_org_id IS NOT NULL;

CREATE FUNCTION platforms_link_operator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.operator_org_id := (SELECT o.id FROM organizations o
                            WHERE o.type = 'platform' AND o.credit_code = NEW.credit_code);
    RETURN NEW;
END $$;
CREATE TRIGGER platforms_link_operator BEFORE INSERT OR UPDATE OF credit_code ON platforms
    FOR EACH ROW EXECUTE FUNCTION platforms_link_operator();

CREATE FUNCTION organizations_link_platforms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type = 'platform' THEN
        UPDATE platforms SET operator_org_id = NEW.id WHERE credit_code = NEW.credit_code;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER organizations_link_platforms AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION organizations_link_platforms();

-- A platform's own application (DESIGN.md §2 lifecycle): the company prepares it (applicant)
-- and submits it to the recommender it names; the recommender returns it with a comment or
-- recommends it. Applications a city or an association opens for a platform without an
-- account (paper files) have no applicant.
ALTER TABLE applications DROP CONSTRAINT applications_status_check;
ALTER TABLE applications ADD CONSTRAINT applications_status_check CHECK (status IN
    ('draft', 'submitted', 'recommended', 'approved', 'publicized', 'awarded', 'rejected', 'withdrawn'));
ALTER TABLE applications
    ADD COLUMN applicant_org_id bigint REFERENCES organizations (id),
    ADD COLUMN submitted_at timestamptz,
    ADD COLUMN return_comment text CHECK (char_length(return_comment) BETWEEN 1 AND 5000);
CREATE INDEX applications_applicant ON applications (applicant_org_id) WHERE applicant_org_id IS NOT NULL;

CREATE OR REPLACE FUNCTION application_doc(a applications) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', a.id, 'round_id', a.round_id, 'platform_id', a.platform_id,
                              'recommender_org_id', a.recommender_org_id, 'status', a.status,
                              'applicant_org_id', a.applicant_org_id,
                              'has_report', a.report IS NOT NULL, 'has_recommendation', a.recommendation IS NOT NULL,
                              'review_comment', a.review_comment, 'return_comment', a.return_comment,
                              'submitted_at', rfc3339(a.submitted_at),
                              'recommended_at', rfc3339(a.recommended_at), 'version', a.version,
                              'created_at', rfc3339(a.created_at), 'updated_at', rfc3339(a.updated_at))
$$;


CREATE OR REPLACE VIEW platform_docs AS
SELECT p.id, p.region_code, p.created_by_org, p.name, p.version, platform_doc(p) AS doc, p.operator_org_id
FROM platforms p;

-- What happened to an application, for everyone who reads it — the platform following its own
-- file above all (issue 16): each step of its lifecycle with its comment, the publicity window,
-- and each objection's outcome without the objector's name, contact or reason.
CREATE FUNCTION application_history(app bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(h.item ORDER BY h.at, h.ord), '[]'::jsonb) FROM (
        SELECT e.at, e.seq AS ord,
               jsonb_strip_nulls(jsonb_build_object('at', rfc3339(e.at), 'action', e.action,
                                 'status', e.detail->'after'->>'status',
                                 'comment', e.detail->'after'->>'comment')) AS item
        FROM audit_events e
        WHERE e.entity = 'application' AND e.entity_id = app AND e.action LIKE 'application.%'
          AND e.action NOT IN ('application.report_filled', 'application.recommendation_filled')
        UNION ALL
        SELECT n.created_at, 0, jsonb_build_object('at', rfc3339(n.created_at), 'action', 'notice.published',
                                 'notice_id', n.id, 'start_date', n.start_date, 'end_date', n.end_date)
        FROM publicity_notice_items i JOIN publicity_notices n ON n.id = i.notice_id WHERE i.application_id = app
        UNION ALL
        SELECT coalesce(o.resolved_at, o.created_at), 0,
               jsonb_strip_nulls(jsonb_build_object('at', rfc3339(coalesce(o.resolved_at, o.created_at)),
                                 'action', 'objection.' || CASE o.status WHEN 'open' THEN 'received' ELSE o.status END,
                                 'objection_id', o.id, 'received_on', o.received_on, 'resolution', o.resolution))
        FROM objections o WHERE o.application_id = app
    ) h
$$;
