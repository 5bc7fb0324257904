-- The recognition workflow (Art. 12–20, 23): rounds, platforms, applications and their
-- materials, publicity notices, objections, awards. The C code checks the rules first; the
-- constraints here make the database refuse what it can express on its own.

-- Art. 20 and 26: one province-level round a year; one city-level round per city a year.
CREATE TABLE rounds (
    id                    bigserial PRIMARY KEY,
    level                 text NOT NULL CHECK (level IN ('province', 'city')),
    region_code           text NOT NULL REFERENCES regions (code),
    year                  integer NOT NULL CHECK (year BETWEEN 2018 AND 9999),
    title                 text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    opens_on              date NOT NULL,
    closes_on             date NOT NULL,
    relaxed_regions       text[] NOT NULL DEFAULT '{}',
    relaxation_factor     numeric(4, 3) NOT NULL DEFAULT 1
                          CHECK (relaxation_factor > 0 AND relaxation_factor <= 1),
    quota_per_recommender integer CHECK (quota_per_recommender > 0),
    thresholds            jsonb NOT NULL,
    next_certificate_seq  integer NOT NULL DEFAULT 1 CHECK (next_certificate_seq >= 1),
    created_by            bigint REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rounds_dates CHECK (closes_on >= opens_on),
    CONSTRAINT rounds_level_region CHECK ((level = 'province') = (region_code = '210000')),
    CONSTRAINT rounds_one_a_year UNIQUE (level, region_code, year)
);
CREATE INDEX rounds_year ON rounds (year DESC, id);

-- Service platforms and their operators (the legal person of Art. 12(1)).
CREATE TABLE platforms (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    region_code     text NOT NULL REFERENCES regions (code) CHECK (region_code <> '210000'),
    functions       text[] NOT NULL CHECK (cardinality(functions) >= 1 AND functions <@
                        ARRAY['information', 'technology', 'entrepreneurship', 'training', 'financing']),
    operator_name   text NOT NULL CHECK (char_length(operator_name) BETWEEN 1 AND 200),
    credit_code     text NOT NULL CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
    established_on  date,
    address         text NOT NULL DEFAULT '' CHECK (char_length(address) <= 300),
    created_by_org  bigint NOT NULL REFERENCES organizations (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT platforms_name_per_operator UNIQUE (credit_code, name)
);
CREATE INDEX platforms_region ON platforms (region_code, id);

-- One application per platform per round (DESIGN.md §2).
CREATE TABLE applications (
    id                 bigserial PRIMARY KEY,
    round_id           bigint NOT NULL REFERENCES rounds (id),
    platform_id        bigint NOT NULL REFERENCES platforms (id),
    recommender_org_id bigint NOT NULL REFERENCES organizations (id),
    status             text NOT NULL DEFAULT 'draft' CHECK (status IN
                       ('draft', 'recommended', 'approved', 'publicized', 'awarded', 'rejected', 'withdrawn')),
    report             jsonb,
    recommendation     jsonb,
    review_comment     text,
    recommended_at     timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT applications_one_per_round UNIQUE (round_id, platform_id)
);
CREATE INDEX applications_round_status ON applications (round_id, status, id);
CREATE INDEX applications_recommender ON applications (recommender_org_id, round_id, status, id);
CREATE INDEX applications_platform ON applications (platform_id);

-- Art. 17: the application's materials; content immutable once the application leaves draft.
CREATE TABLE materials (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    kind           text NOT NULL CHECK (kind IN ('application_report', 'business_license', 'audit_report',
                       'premises_proof', 'service_evidence', 'prior_recognition', 'qualifications',
                       'authenticity_declaration')),
    filename       text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
    content_type   text NOT NULL,
    size_bytes     integer NOT NULL CHECK (size_bytes > 0),
    sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content        bytea NOT NULL,
    uploaded_by    bigint NOT NULL REFERENCES users (id),
    uploaded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX materials_application ON materials (application_id, id);

-- Art. 18: publicity of the review result for 15 working days.
CREATE TABLE publicity_notices (
    id          bigserial PRIMARY KEY,
    round_id    bigint NOT NULL REFERENCES rounds (id),
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    start_date  date NOT NULL,
    end_date    date NOT NULL CHECK (end_date >= start_date),
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX publicity_notices_dates ON publicity_notices (end_date DESC, id);

CREATE TABLE publicity_notice_items (
    notice_id      bigint NOT NULL REFERENCES publicity_notices (id),
    application_id bigint NOT NULL UNIQUE REFERENCES applications (id),
    PRIMARY KEY (notice_id, application_id)
);

-- Art. 18, 25: objections from anyone during the publicity period; the province resolves.
CREATE TABLE objections (
    id             bigserial PRIMARY KEY,
    notice_id      bigint NOT NULL REFERENCES publicity_notices (id),
    application_id bigint NOT NULL REFERENCES applications (id),
    objector_name  text NOT NULL CHECK (char_length(objector_name) BETWEEN 1 AND 100),
    contact        text NOT NULL CHECK (char_length(contact) BETWEEN 1 AND 200),
    reason         text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 5000),
    client         text NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    resolution     text,
    resolved_by    bigint REFERENCES users (id),
    resolved_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT objections_resolved CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX objections_application ON objections (application_id, status);
CREATE INDEX objections_status ON objections (status, id);
CREATE INDEX objections_client ON objections (client, created_at);

-- Art. 19, 23: the title. "expired" is not stored: it is read from valid_until.
CREATE TABLE awards (
    id                bigserial PRIMARY KEY,
    application_id    bigint NOT NULL UNIQUE REFERENCES applications (id),
    platform_id       bigint NOT NULL REFERENCES platforms (id),
    round_id          bigint NOT NULL REFERENCES rounds (id),
    level             text NOT NULL CHECK (level IN ('province', 'city')),
    certificate_no    text NOT NULL UNIQUE,
    certificate_seq   integer NOT NULL,
    awarded_on        date NOT NULL,
    valid_from        date NOT NULL,
    valid_until       date NOT NULL CHECK (valid_until >= valid_from),
    status            text NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'revocation_pending', 'revoked')),
    revoked_on        date,
    revocation_reason text CHECK (revocation_reason IN ('violation', 'failed_assessment', 'other')),
    revocation_detail text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT awards_seq_per_round UNIQUE (round_id, certificate_seq),
    CONSTRAINT awards_revocation CHECK ((status = 'revoked') = (revoked_on IS NOT NULL AND revocation_reason IS NOT NULL))
);
CREATE INDEX awards_platform ON awards (platform_id, valid_until DESC);
CREATE INDEX awards_status ON awards (status, valid_until, id);

-- JSON documents: the one place each resource's API shape is assembled. Each is a function
-- of the row, so that a statement that inserts or updates a row can answer its new document
-- from RETURNING (a view read in the same statement would still show the old snapshot).

CREATE FUNCTION round_doc(r rounds) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.id, 'level', r.level, 'region_code', r.region_code, 'year', r.year,
                              'title', r.title, 'opens_on', r.opens_on, 'closes_on', r.closes_on,
                              'relaxed_regions', to_jsonb(r.relaxed_regions),
                              'relaxation_factor', r.relaxation_factor,
                              'quota_per_recommender', r.quota_per_recommender,
                              'thresholds', r.thresholds, 'created_at', rfc3339(r.created_at))
$$;
CREATE VIEW round_docs AS SELECT r.id, r.level, r.region_code, r.year, round_doc(r) AS doc FROM rounds r;

CREATE FUNCTION platform_doc(p platforms) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', p.id, 'name', p.name, 'region_code', p.region_code,
                              'functions', to_jsonb(p.functions),
                              'operator', jsonb_build_object('name', p.operator_name, 'credit_code', p.credit_code,
                                                             'established_on', p.established_on, 'address', p.address),
                              'created_by_org_id', p.created_by_org, 'version', p.version,
                              'created_at', rfc3339(p.created_at), 'updated_at', rfc3339(p.updated_at))
$$;
CREATE VIEW platform_docs AS
SELECT p.id, p.region_code, p.created_by_org, p.name, p.version, platform_doc(p) AS doc FROM platforms p;

CREATE FUNCTION application_doc(a applications) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', a.id, 'round_id', a.round_id, 'platform_id', a.platform_id,
                              'recommender_org_id', a.recommender_org_id, 'status', a.status,
                              'has_report', a.report IS NOT NULL, 'has_recommendation', a.recommendation IS NOT NULL,
                              'review_comment', a.review_comment,
                              'recommended_at', rfc3339(a.recommended_at), 'version', a.version,
                              'created_at', rfc3339(a.created_at), 'updated_at', rfc3339(a.updated_at))
$$;
CREATE VIEW application_docs AS
SELECT a.id, a.round_id, a.platform_id, a.recommender_org_id, a.status, application_doc(a) AS doc
FROM applications a;

-- "expired" is read, never stored: an active title whose valid_until has passed (Art. 23).
CREATE FUNCTION award_status(w awards) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN w.status = 'active' AND w.valid_until < current_date THEN 'expired' ELSE w.status END
$$;
CREATE FUNCTION award_doc(w awards) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', w.id, 'application_id', w.application_id, 'platform_id', w.platform_id,
                              'round_id', w.round_id, 'level', w.level, 'certificate_no', w.certificate_no,
                              'awarded_on', w.awarded_on, 'valid_from', w.valid_from, 'valid_until', w.valid_until,
                              'status', award_status(w), 'revoked_on', w.revoked_on,
                              'revocation_reason', w.revocation_reason, 'revocation_detail', w.revocation_detail)
$$;
CREATE VIEW award_docs AS
SELECT w.id, w.platform_id, w.round_id, w.level, award_status(w) AS status, w.valid_until, p.region_code,
       a.recommender_org_id, award_doc(w) AS doc
FROM awards w JOIN platforms p ON p.id = w.platform_id JOIN applications a ON a.id = w.application_id;

CREATE VIEW notice_docs AS
SELECT n.id, n.round_id, n.start_date, n.end_date,
       jsonb_build_object('id', n.id, 'round_id', n.round_id, 'title', n.title,
                          'start_date', n.start_date, 'end_date', n.end_date,
                          'status', CASE WHEN current_date < n.start_date THEN 'upcoming'
                                         WHEN current_date <= n.end_date THEN 'open' ELSE 'closed' END,
                          'applications', coalesce((
                              SELECT jsonb_agg(jsonb_build_object('application_id', a.id, 'platform_id', p.id,
                                                                  'platform_name', p.name,
                                                                  'operator_name', p.operator_name,
                                                                  'region_code', p.region_code) ORDER BY a.id)
                              FROM publicity_notice_items i JOIN applications a ON a.id = i.application_id
                              JOIN platforms p ON p.id = a.platform_id WHERE i.notice_id = n.id), '[]'),
                          'created_at', rfc3339(n.created_at)) AS doc
FROM publicity_notices n;

CREATE FUNCTION objection_doc(o objections) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', o.id, 'notice_id', o.notice_id, 'application_id', o.application_id,
                              'objector_name', o.objector_name, 'contact', o.contact, 'reason', o.reason,
                              'status', o.status, 'resolution', o.resolution,
                              'resolved_at', rfc3339(o.resolved_at), 'created_at', rfc3339(o.created_at))
$$;
CREATE VIEW objection_docs AS
SELECT o.id, o.notice_id, o.application_id, o.status, r.level AS round_level, r.region_code AS round_region,
       objection_doc(o) AS doc
FROM objections o JOIN applications a ON a.id = o.application_id JOIN rounds r ON r.id = a.round_id;

-- The public registry (Art. 19, 21): every platform that holds or held a provincial or city
-- title, with its latest title (a provincial one first). Operator contact data stays out.
CREATE VIEW registry_docs AS
SELECT p.id, p.region_code, w.level, p.functions, extract(year FROM w.awarded_on)::int AS award_year,
       award_status(w) AS status,
       jsonb_build_object('id', p.id, 'name', p.name, 'operator_name', p.operator_name,
                          'region_code', p.region_code, 'functions', to_jsonb(p.functions),
                          'award', jsonb_build_object(
                              'level', w.level, 'certificate_no', w.certificate_no, 'awarded_on', w.awarded_on,
                              'valid_from', w.valid_from, 'valid_until', w.valid_until, 'status', award_status(w),
                              'revoked_on', w.revoked_on, 'revocation_reason', w.revocation_reason)) AS doc
FROM platforms p
JOIN LATERAL (SELECT * FROM awards x WHERE x.platform_id = p.id
              ORDER BY (x.level = 'province') DESC, x.valid_until DESC, x.id DESC LIMIT 1) w ON true;
