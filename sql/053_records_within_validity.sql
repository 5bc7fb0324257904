-- A past supervision record falls within its title's life, as a live one does (Art. 22, 24):
-- the import of records (persistence/records.c) checks its rows with these, the SQL twins of
-- sf_title_covers_year and sf_title_in_force_on (domain/supervision.c), held equal to them by
-- the persistence suite (validity_agrees_in_c_and_sql). It checked only that a record was not
-- dated before the award, and took a summary a title filed after its revocation.

-- Art. 22: a title files the summaries of the years it is in force, from the year of its
-- valid_from to the year of its valid_until.
CREATE FUNCTION title_covers_year(p_valid_from date, p_valid_until date, p_year int) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT make_date(p_year, 1, 1) <= p_valid_until AND p_valid_from <= make_date(p_year, 12, 31)
$$;

-- Art. 24: an inspection inspects a title in force on its date: from valid_from to valid_until,
-- and a revoked title no later than the day of its revocation.
CREATE FUNCTION title_in_force_on(p_valid_from date, p_valid_until date, p_revoked boolean, p_revoked_on date,
                                  p_on date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_valid_from <= p_on AND p_on <= p_valid_until AND (NOT p_revoked OR p_on <= p_revoked_on)
$$;
