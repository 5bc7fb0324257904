-- Foreign keys whose check is already guaranteed, dropped (issue 15: 10,000 recorded titles in
-- under 3 s; measured on the import: each checked row is a trigger with a query of its own,
-- about 7 µs, and these were 60,000 of its checks — about 0.4 s of 3.2 s).
--
-- The audit trail's actors: every event names the authenticated caller, a user and an
-- organisation that exist, and neither is ever deleted (no path of shifan deletes one;
-- deactivation keeps the row). The check also took a KEY SHARE lock on the caller's user and
-- organisation rows in every writing transaction. What it guarded — that an event's actor ids
-- always resolve — is kept by refusing deletion of users and organisations outright, which costs
-- nothing when rows are written.
--
-- The registry's entries: derived rows, written only by registry_refresh_all (sql/059) from a
-- join of platforms and awards. Awards are never deleted (registry_awards_kept, sql/013), and
-- a platform with an award cannot be (awards_platform_id_fkey), so what an entry names exists
-- for as long as the entry.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor_user_id_fkey,
                         DROP CONSTRAINT audit_events_actor_org_id_fkey;
ALTER TABLE registry DROP CONSTRAINT registry_platform_id_fkey,
                     DROP CONSTRAINT registry_award_id_fkey;

CREATE FUNCTION accounts_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'users and organisations are deactivated, never deleted: the audit trail names them'
        USING ERRCODE = '23514';
END
$$;
CREATE TRIGGER users_kept BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_delete();
CREATE TRIGGER organizations_kept BEFORE DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_delete();
