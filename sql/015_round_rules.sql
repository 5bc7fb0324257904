-- A round's rule set, complete (issue 12, DESIGN.md §2): prior recognition as a rule of the
-- round (Art. 26), validity (Art. 23), thresholds relaxed outright for the relaxed regions
-- (Art. 12, last paragraph), the steady-growth threshold of Art. 12(2) among the thresholds,
-- and the material kind "other" of Art. 17(8).

ALTER TABLE rounds
    ADD COLUMN require_prior_recognition boolean,
    ADD COLUMN validity_years integer NOT NULL DEFAULT 3 CHECK (validity_years BETWEEN 1 AND 10),
    ADD COLUMN validity_ends text NOT NULL DEFAULT 'year_end' CHECK (validity_ends IN ('year_end', 'anniversary')),
    ADD COLUMN relaxed_thresholds jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(relaxed_thresholds) = 'object');

-- Art. 26: 12.4 (a prior recognition) is required by default in province rounds and not in a
-- city's own round, whose recognition cannot require itself. This is the one place that
-- default is decided: a round created without the rule, by the service or by SQL (records
-- of the past, the bench's seed), gets it here.
CREATE FUNCTION rounds_prior_recognition_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.require_prior_recognition IS NULL THEN
        NEW.require_prior_recognition := NEW.level = 'province';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER rounds_prior_recognition_default BEFORE INSERT ON rounds
    FOR EACH ROW EXECUTE FUNCTION rounds_prior_recognition_default();

UPDATE rounds SET require_prior_recognition = (level = 'province');
-- the rounds of before: their thresholds name the growth threshold too (0: any increase)
UPDATE rounds SET thresholds = thresholds || '{"min_sme_growth_pct": 0}'
 WHERE NOT thresholds ? 'min_sme_growth_pct';
ALTER TABLE rounds ALTER COLUMN require_prior_recognition SET NOT NULL;

CREATE OR REPLACE FUNCTION round_doc(r rounds) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.id, 'level', r.level, 'region_code', r.region_code, 'year', r.year,
                              'title', r.title, 'opens_on', r.opens_on, 'closes_on', r.closes_on,
                              'relaxed_regions', to_jsonb(r.relaxed_regions),
                              'relaxation_factor', r.relaxation_factor,
                              'relaxed_thresholds', r.relaxed_thresholds,
                              'quota_per_recommender', r.quota_per_recommender,
                              'thresholds', r.thresholds,
                              'require_prior_recognition', r.require_prior_recognition,
                              'validity_years', r.validity_years, 'validity_ends', r.validity_ends,
                              'created_at', rfc3339(r.created_at))
$$;

-- Art. 17(8): "other materials that show the conditions are met" — any number, optional.
ALTER TABLE materials DROP CONSTRAINT materials_kind_check;
ALTER TABLE materials ADD CONSTRAINT materials_kind_check
    CHECK (kind IN ('application_report', 'business_license', 'audit_report', 'premises_proof', 'service_evidence',
                    'prior_recognition', 'qualifications', 'authenticity_declaration', 'other'));
