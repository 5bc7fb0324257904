-- The registry tells its readers what changed (issue 18, point 2): every statement that
-- changes the registry table notifies "shifan_registry" with the registry's version and the
-- ids of the entries it changed, "<version> <id>,<id>,…" — or "<version> *" when they would
-- not fit in a notification (or on TRUNCATE). PostgreSQL delivers a notification when its
-- transaction commits, and never when it rolls back, so whoever changes the registry — the
-- service, a second shifan process, an operator in psql, a migration — is heard by every
-- shifan process listening (api/public_cache.h), in commit order.
--
-- The same statement-level triggers of sql/014 bump the version (once per transaction) and
-- now notify (once per statement; PostgreSQL folds identical payloads of one transaction).
CREATE OR REPLACE FUNCTION registry_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text;
    v bigint;
BEGIN
    IF TG_OP <> 'TRUNCATE' THEN   -- TRUNCATE has no transition table
        SELECT string_agg(DISTINCT platform_id::text, ',') INTO ids FROM changed;
        IF ids IS NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    IF current_setting('shifan.registry_bumped', true) IS DISTINCT FROM 'on' THEN
        UPDATE registry_version SET version = version + 1 RETURNING version INTO v;
        PERFORM set_config('shifan.registry_bumped', 'on', true);
    ELSE
        SELECT version INTO v FROM registry_version;
    END IF;
    PERFORM pg_notify('shifan_registry',
                      coalesce(v, 0) || ' ' || CASE WHEN ids IS NULL OR length(ids) > 7000 THEN '*' ELSE ids END);
    RETURN NULL;
END
$$;
