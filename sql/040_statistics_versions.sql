-- The statistics' versions (issue 17, point 4: GET /v1/statistics and .csv, p99 under 50 ms at
-- 8 connections): a counter per bucket of platforms, bumped in the transaction that changes
-- the counters of sql/032, so that a process may keep a finished statistics document in memory
-- (api/statistics_cache.h) and know, with one read of 129 small rows, whether it still holds.
--
-- Bucket b (0-127) counts the changes to the statistics of the platforms whose id mod 128 is b:
-- the same buckets whose advisory locks statistics_refresh() takes. Bucket 128 counts changes
-- to what the statistics read of the rounds (year, level, relaxed regions), which no counter
-- holds.
--
-- Why a cached document is exact. A document is computed in one snapshot S1 (a REPEATABLE
-- READ transaction, persistence/statistics.c) together with V1, the sum of the versions; a
-- request reads V2 in its own snapshot S2 and serves the document only if V2 = V1 (and the
-- filters, the caller's scope and the database's date are the same). Of two snapshots the
-- later one sees every transaction the earlier one saw. A version only grows (+1 per bump),
-- and two bumps of one bucket are ordered by its row lock, so in the later snapshot every
-- bucket's version is at least what the earlier one saw. Every committed transaction that
-- changed a counter also changed statistics_by_platform (its platform's contribution, deleted
-- and inserted by statistics_refresh, or updated by the difference by sql/043's
-- statistics_add_applications), and the triggers below bumped the bucket of each platform
-- whose contribution it deleted, inserted or updated, in that transaction:
-- commit made the change and the bump visible at once. So a transaction visible to the later
-- snapshot and not to the earlier one that changed any counter makes the later sum strictly
-- greater; equal sums mean the counters (and the rounds' columns read) are the same in both
-- snapshots, and so is the document. (A sequence bumped before commit would not do: it can be
-- read before the change it stands for is visible.)
--
-- Contention: a bump takes the row lock of a bucket's version until commit, but only inside
-- statistics_refresh(), which already holds that bucket's advisory lock until commit; two
-- transactions that bump the same bucket were already serialised by it, and no new lock order
-- arises (a bucket's row is locked only by the holder of its advisory lock). Bucket 128 is
-- locked only by changes to rounds' year, level or relaxed regions, which no route makes.

CREATE TABLE statistics_versions (
    bucket  integer PRIMARY KEY CHECK (bucket BETWEEN 0 AND 128),
    version bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50);   -- room on the page for HOT updates: 129 rows, bumped often
INSERT INTO statistics_versions (bucket) SELECT generate_series(0, 128);

-- The buckets of the platforms whose contribution a statement deleted (old_rows), or inserted
-- or updated (new_rows: an update keeps the platform), in bucket order.
CREATE FUNCTION statistics_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE statistics_versions SET version = version + 1
        WHERE bucket IN (SELECT DISTINCT platform_id % 128 FROM old_rows);
    ELSE
        UPDATE statistics_versions SET version = version + 1
        WHERE bucket IN (SELECT DISTINCT platform_id % 128 FROM new_rows);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER statistics_versions_deleted AFTER DELETE ON statistics_by_platform REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_versions_bump();
CREATE TRIGGER statistics_versions_inserted AFTER INSERT ON statistics_by_platform REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_versions_bump();
CREATE TRIGGER statistics_versions_updated AFTER UPDATE ON statistics_by_platform REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_versions_bump();

-- What the statistics read of a round besides its id (persistence/statistics.c: the filters
-- year and level, the relaxed regions): changed by hand only. Awarding bumps a round's
-- next_certificate_seq, which the WHEN leaves out.
CREATE FUNCTION statistics_versions_bump_rounds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statistics_versions SET version = version + 1 WHERE bucket = 128;
    RETURN NULL;
END
$$;
CREATE TRIGGER statistics_versions_rounds AFTER UPDATE ON rounds FOR EACH ROW
    WHEN ((OLD.id, OLD.year, OLD.level, OLD.relaxed_regions) IS DISTINCT FROM (NEW.id, NEW.year, NEW.level, NEW.relaxed_regions))
    EXECUTE FUNCTION statistics_versions_bump_rounds();
