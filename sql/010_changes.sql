-- The public change feed reads the audit trail: its seq is assigned under the chain head's
-- row lock, held until commit, so seq order is commit order and a reader can never see an
-- event whose predecessor is still to commit. This index serves the feed's events.
CREATE INDEX audit_events_public ON audit_events (seq)
    WHERE action IN ('award.created', 'award.revoked', 'award.revocation_pending', 'award.reinstated',
                     'notice.created', 'platform.updated');
