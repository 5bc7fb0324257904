/*
 * The audit chain's linker (sql/031_audit_linker.sql): a thread with a connection of its own
 * that gives committed audit events their position and hashes, in commit order.
 *
 * Every SF_AUDIT_LINK_POLL_MS while it finds events to link (at once again after a full batch),
 * and less often while it finds none — the pause doubles after each quiet round, up to
 * SF_AUDIT_LINK_IDLE_MS — it runs audit_link(SF_AUDIT_LINK_BATCH, false), prepared once. The
 * head's row lock lets one linker at a time work, across every shifan process on the database;
 * a linker that finds it taken skips the round.
 * Writers do not wake it: a NOTIFY from each writer's transaction would take PostgreSQL's
 * notification lock at every commit and hold it across the commit's flush, serialising the
 * writers again.
 *
 * Staleness: an event committed is linked within one pause plus one round (a round links up
 * to SF_AUDIT_LINK_BATCH events: a few milliseconds) — SF_AUDIT_LINK_POLL_MS while events keep
 * coming, at most SF_AUDIT_LINK_IDLE_MS for the first after a quiet spell — while a linker runs
 * and the database answers. Nothing that promises the chain waits for it: verify, the audit list and
 * the change feed link before they read (sf_audit_link). Events committed while no linker
 * runs (shifan stopped or crashed after the commit) stay stored, unlinked, and are linked by
 * the first round after a start or a reader's sf_audit_link.
 *
 * While an import of records is open (thousands of events in one transaction of seconds,
 * persistence/records.c), the linker does not poll: a round would look through the import's
 * uncommitted events each time and find nothing to link. It waits for the import to end
 * (sql/046_audit_link_set_based.sql), and events other writers commit meanwhile are linked
 * right after it; readers that promise the chain still link before they read.
 */
#ifndef SF_AUDIT_LINKER_H
#define SF_AUDIT_LINKER_H

#define SF_AUDIT_LINK_POLL_MS 10
#define SF_AUDIT_LINK_IDLE_MS 100
#define SF_AUDIT_LINK_BATCH 1000

typedef struct sf_audit_linker sf_audit_linker;

/* Starts the linking thread on `conninfo` (the primary); NULL on failure. */
sf_audit_linker *sf_audit_linker_start(const char *conninfo);
/* The rounds that looked for events to link since the start (not those skipped while an import
 * was open). */
long sf_audit_linker_rounds(sf_audit_linker *linker);
/* Stops it (within its statement's lock timeout, a second) and frees it: 0; NULL is a no-op.
 * -1 when its thread did not end within ten seconds (it waits on a database that hangs): it is
 * left as it is, not freed, and the process should end without it. */
int sf_audit_linker_stop(sf_audit_linker *linker);

#endif
