-- The platforms' operator names lose their substring index (007_search.sql): no statement reads
-- it. The province's and a city's platform lists search by name only (persistence/platforms.c,
-- `name LIKE`); the public registry searches operators through its own keys (registry_grams).
-- Every new platform paid for the index all the same: its trigrams into the pending list and,
-- for an import of records, into the index at its flush (sql/033_bulk_search_indexes.sql).
DROP INDEX platforms_operator_trgm;

CREATE OR REPLACE FUNCTION search_indexes_flush() RETURNS void LANGUAGE sql AS $$
    SELECT gin_clean_pending_list('platforms_name_trgm'), gin_clean_pending_list('registry_grams')
$$;
