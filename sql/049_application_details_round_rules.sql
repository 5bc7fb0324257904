-- The round's rules kept in the stored application detail (issue 18, point 3).
--
-- GET /v1/applications/{id} read the stored detail (sql/042) joined with its round, for the
-- rules allowed_actions decides by and for the round's level and region that the caller's scope
-- is judged on: a second relation in the statement, about 11 µs of PostgreSQL's CPU per read
-- (bench/RESULTS.md). Now application_details carries the round's rules beside the snapshot's
-- stored facts, and the read is the one row by its key (beside the session's row).
--
-- The rules of a round are written when it is made and are not changed by the API (only its
-- next certificate number moves, which the detail does not read); a change made by hand
-- reaches every detail of the round in its own transaction (the trigger below), so a read
-- never sees a detail with other rules than its round's. A detail written (a refresh: sql/042,
-- 044) takes its round's rules as it is written.

ALTER TABLE application_details
    ADD COLUMN round_level                     text,
    ADD COLUMN round_region                    text,
    ADD COLUMN round_year                      integer,
    ADD COLUMN round_opens_on                  date,
    ADD COLUMN round_closes_on                 date,
    ADD COLUMN round_quota_per_recommender     integer,
    ADD COLUMN round_relaxed_regions           text[],
    ADD COLUMN round_relaxation_factor         numeric(4, 3),
    ADD COLUMN round_thresholds                text,
    ADD COLUMN round_require_prior_recognition boolean,
    ADD COLUMN round_relaxed_thresholds        text,
    ADD COLUMN round_validity_years            integer,
    ADD COLUMN round_validity_ends             text;

-- A detail written: its round's rules, read as it is written.
CREATE FUNCTION application_details_round_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.level, r.region_code, r.year, r.opens_on, r.closes_on, r.quota_per_recommender, r.relaxed_regions,
           r.relaxation_factor, r.thresholds::text, r.require_prior_recognition, r.relaxed_thresholds::text,
           r.validity_years, r.validity_ends
    INTO NEW.round_level, NEW.round_region, NEW.round_year, NEW.round_opens_on, NEW.round_closes_on,
         NEW.round_quota_per_recommender, NEW.round_relaxed_regions, NEW.round_relaxation_factor,
         NEW.round_thresholds, NEW.round_require_prior_recognition, NEW.round_relaxed_thresholds,
         NEW.round_validity_years, NEW.round_validity_ends
    FROM rounds r WHERE r.id = NEW.round_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER application_details_round_rules BEFORE INSERT OR UPDATE OF round_id ON application_details
    FOR EACH ROW EXECUTE FUNCTION application_details_round_rules();

-- A round's rules changed (by hand): every detail of the round, at once.
CREATE FUNCTION rounds_rules_to_details() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE application_details d
    SET round_level = NEW.level, round_region = NEW.region_code, round_year = NEW.year,
        round_opens_on = NEW.opens_on, round_closes_on = NEW.closes_on,
        round_quota_per_recommender = NEW.quota_per_recommender, round_relaxed_regions = NEW.relaxed_regions,
        round_relaxation_factor = NEW.relaxation_factor, round_thresholds = NEW.thresholds::text,
        round_require_prior_recognition = NEW.require_prior_recognition,
        round_relaxed_thresholds = NEW.relaxed_thresholds::text, round_validity_years = NEW.validity_years,
        round_validity_ends = NEW.validity_ends
    WHERE d.round_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER rounds_rules_to_details AFTER UPDATE ON rounds FOR EACH ROW
    WHEN ((OLD.level, OLD.region_code, OLD.year, OLD.opens_on, OLD.closes_on, OLD.quota_per_recommender,
           OLD.relaxed_regions, OLD.relaxation_factor, OLD.thresholds, OLD.require_prior_recognition,
           OLD.relaxed_thresholds, OLD.validity_years, OLD.validity_ends)
          IS DISTINCT FROM
          (NEW.level, NEW.region_code, NEW.year, NEW.opens_on, NEW.closes_on, NEW.quota_per_recommender,
           NEW.relaxed_regions, NEW.relaxation_factor, NEW.thresholds, NEW.require_prior_recognition,
           NEW.relaxed_thresholds, NEW.validity_years, NEW.validity_ends))
    EXECUTE FUNCTION rounds_rules_to_details();

UPDATE application_details d
SET round_level = r.level, round_region = r.region_code, round_year = r.year, round_opens_on = r.opens_on,
    round_closes_on = r.closes_on, round_quota_per_recommender = r.quota_per_recommender,
    round_relaxed_regions = r.relaxed_regions, round_relaxation_factor = r.relaxation_factor,
    round_thresholds = r.thresholds::text, round_require_prior_recognition = r.require_prior_recognition,
    round_relaxed_thresholds = r.relaxed_thresholds::text, round_validity_years = r.validity_years,
    round_validity_ends = r.validity_ends
FROM rounds r WHERE r.id = d.round_id;

ALTER TABLE application_details
    ALTER COLUMN round_level SET NOT NULL,
    ALTER COLUMN round_region SET NOT NULL,
    ALTER COLUMN round_year SET NOT NULL,
    ALTER COLUMN round_opens_on SET NOT NULL,
    ALTER COLUMN round_closes_on SET NOT NULL,
    ALTER COLUMN round_relaxed_regions SET NOT NULL,
    ALTER COLUMN round_relaxation_factor SET NOT NULL,
    ALTER COLUMN round_require_prior_recognition SET NOT NULL,
    ALTER COLUMN round_relaxed_thresholds SET NOT NULL,
    ALTER COLUMN round_validity_years SET NOT NULL,
    ALTER COLUMN round_validity_ends SET NOT NULL;
