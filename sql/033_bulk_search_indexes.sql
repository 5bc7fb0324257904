-- Bulk writes to the substring indexes (issue 15: a 10,000-title import of records spent about
-- half its time inserting the keys of new platforms and registry entries into the three GIN
-- indexes one row at a time, as fastupdate = off makes every insert do).
--
-- The indexes now take new keys through GIN's pending list, and the list is kept short, as the
-- reason for fastupdate = off in 007 asks (a long list is scanned by every search and makes the
-- planner fall back to a sequential scan):
--   * every session shifan opens sets gin_pending_list_limit to its minimum, 64 kB
--     (SF_DB_SESSION_OPTIONS, persistence/db.h): an everyday write moves the list into the
--     index as soon as it passes 64 kB, so a search never reads more than a few pages of it;
--   * a bulk writer (the import of records, persistence/records.c) raises the limit for its own
--     transaction only (SET LOCAL) and, after its writes, moves the whole list into the index
--     with search_indexes_flush(), in one sorted pass, before it commits;
--   * autovacuum empties the list as well (what another client leaves there).
-- Whatever the list holds, a search finds it: pending keys are searched like indexed ones.
ALTER INDEX platforms_name_trgm SET (fastupdate = on);
ALTER INDEX platforms_operator_trgm SET (fastupdate = on);
ALTER INDEX registry_grams SET (fastupdate = on);

-- Moves the pending keys of the three substring indexes into the indexes proper.
CREATE FUNCTION search_indexes_flush() RETURNS void LANGUAGE sql AS $$
    SELECT gin_clean_pending_list('platforms_name_trgm'), gin_clean_pending_list('platforms_operator_trgm'),
           gin_clean_pending_list('registry_grams')
$$;
