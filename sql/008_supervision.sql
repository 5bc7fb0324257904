-- Supervision of titles (Art. 22, 24): third-party assessments commissioned by the province,
-- platforms' annual summaries and inspections recorded by their city, and each city's yearly
-- reports. Whether something came on time is computed from dates (domain/supervision.c),
-- never stored.

CREATE TABLE assessments (
    id               bigserial PRIMARY KEY,
    award_id         bigint NOT NULL REFERENCES awards (id),
    assessor_org_id  bigint NOT NULL REFERENCES organizations (id),
    due_on           date NOT NULL,
    commissioned_by  bigint REFERENCES users (id),
    commissioned_at  timestamptz NOT NULL DEFAULT now(),
    score            numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
    passed           boolean,
    summary          text CHECK (char_length(summary) <= 20000),
    submitted_by     bigint REFERENCES users (id),
    submitted_on     date,
    CONSTRAINT assessments_result_complete
        CHECK ((submitted_on IS NULL) = (passed IS NULL) AND (passed IS NULL) = (score IS NULL))
);
CREATE INDEX assessments_assessor ON assessments (assessor_org_id, id);
CREATE INDEX assessments_award ON assessments (award_id);

-- Art. 22: a title's summary of year Y, recorded by the platform's city when it arrives.
CREATE TABLE annual_summaries (
    id           bigserial PRIMARY KEY,
    award_id     bigint NOT NULL REFERENCES awards (id),
    year         integer NOT NULL CHECK (year BETWEEN 2018 AND 9999),
    summary      text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 50000),
    received_on  date NOT NULL DEFAULT current_date,
    recorded_by  bigint REFERENCES users (id),
    CONSTRAINT annual_summaries_once UNIQUE (award_id, year)
);

-- Art. 24: a city's inspections of its platforms.
CREATE TABLE inspections (
    id              bigserial PRIMARY KEY,
    award_id        bigint NOT NULL REFERENCES awards (id),
    inspected_on    date NOT NULL,
    service_quality text NOT NULL CHECK (char_length(service_quality) <= 5000),
    fees            text NOT NULL CHECK (char_length(fees) <= 5000),
    satisfaction    text NOT NULL CHECK (char_length(satisfaction) <= 5000),
    findings        text NOT NULL CHECK (char_length(findings) BETWEEN 1 AND 20000),
    outcome         text NOT NULL CHECK (outcome IN ('satisfactory', 'needs_improvement', 'unsatisfactory')),
    recorded_by     bigint REFERENCES users (id),
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspections_award ON inspections (award_id, inspected_on);

-- Art. 24: a city's summary report and inspection report of year Y.
CREATE TABLE city_reports (
    id                bigserial PRIMARY KEY,
    region_code       text NOT NULL REFERENCES regions (code) CHECK (region_code <> '210000'),
    year              integer NOT NULL CHECK (year BETWEEN 2018 AND 9999),
    summary_report    text NOT NULL CHECK (char_length(summary_report) BETWEEN 1 AND 100000),
    inspection_report text NOT NULL CHECK (char_length(inspection_report) BETWEEN 1 AND 100000),
    received_on       date NOT NULL DEFAULT current_date,
    recorded_by       bigint REFERENCES users (id),
    CONSTRAINT city_reports_once UNIQUE (region_code, year)
);

CREATE FUNCTION assessment_doc(s assessments) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', s.id, 'award_id', s.award_id, 'assessor_org_id', s.assessor_org_id,
                              'due_on', s.due_on, 'commissioned_at', rfc3339(s.commissioned_at),
                              'score', s.score, 'passed', s.passed, 'summary', s.summary,
                              'submitted_on', s.submitted_on,
                              -- the SQL twin of sf_assessment_is_overdue (domain/supervision.c)
                              'status', CASE WHEN s.submitted_on IS NOT NULL THEN 'submitted'
                                             WHEN current_date > s.due_on THEN 'overdue' ELSE 'open' END,
                              'platform', (SELECT jsonb_build_object('id', p.id, 'name', p.name,
                                                   'operator_name', p.operator_name, 'region_code', p.region_code,
                                                   'functions', to_jsonb(p.functions),
                                                   'certificate_no', w.certificate_no,
                                                   'valid_until', w.valid_until)
                                           FROM awards w JOIN platforms p ON p.id = w.platform_id
                                           WHERE w.id = s.award_id))
$$;

-- Optional files attached to a supervision record: an assessment's report (Art. 24) and an
-- annual summary's document (Art. 22). One file per record; type checked by content.
CREATE TABLE attachments (
    id            bigserial PRIMARY KEY,
    entity        text NOT NULL CHECK (entity IN ('assessment', 'annual_summary')),
    entity_id     bigint NOT NULL,
    filename      text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
    content_type  text NOT NULL,
    size_bytes    integer NOT NULL CHECK (size_bytes > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content       bytea NOT NULL,
    uploaded_by   bigint REFERENCES users (id),
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attachments_one_per_record UNIQUE (entity, entity_id)
);
