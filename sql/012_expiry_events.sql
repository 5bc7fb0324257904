-- Expiry (Art. 23) happens by the calendar, not by a transaction. So that the public change
-- feed can still report it in commit order, the first reader of the feed after a title
-- lapses appends its 'award.expired' event; this table records that it was, once per title
-- (its primary key makes two concurrent readers announce a title once).
CREATE TABLE award_expiries (
    award_id    bigint PRIMARY KEY REFERENCES awards (id),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

DROP INDEX audit_events_public;
CREATE INDEX audit_events_public ON audit_events (seq)
    WHERE action IN ('award.created', 'award.revoked', 'award.revocation_pending', 'award.reinstated',
                     'award.expired', 'notice.created', 'platform.updated');
