-- Substring search on platforms' names (issue 4: an index scan at 100,000 platforms, 007)
-- keeps its plan after every ANALYZE. PostgreSQL estimates `name LIKE '%…%'` by matching the
-- pattern against the column's histogram: with the default 100 entries, one or two entries
-- that happen to match a term such as 技术服务平台77 made it expect 1,000-2,000 rows and choose
-- a sequential scan of every platform over the trigram index. Measured on 100,000 generated
-- names: with 100 entries, 9 of 120 plans over 40 ANALYZEs of a narrow copy of the column, and
-- in the persistence suite (10 ANALYZEs a run) one run in four, and once in a whole make test;
-- with 1,000 entries, none of 120, and none in 46 ANALYZEs over 10 runs: the estimate stays near
-- the true share. The cost is ANALYZE reading a larger sample of these two columns.
ALTER TABLE platforms ALTER COLUMN name SET STATISTICS 1000;
ALTER TABLE platforms ALTER COLUMN operator_name SET STATISTICS 1000;
