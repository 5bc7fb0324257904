/*
 * Records of the past: checks against what is stored, and the writes (see records.h). Each
 * kind has one statement that lists every row error (a JSON array of {row, field, code,
 * params}: a code of domain/codes.h and its parameters, rows numbered as the file numbers
 * them) and the statements that record the rows with their audit events. The rows are parsed
 * once into a table of the transaction (STAGE_ROWS); the events wait in another (EVENTS) and
 * go into the chain, linked, in the import's last statement (APPEND_EVENTS). A recorded title
 * is a row of `awards` like a decided one: the registry triggers (sql/013_registry.sql)
 * publish it, and title_status(), title_in_force() and award_status_at() read it, exactly as
 * they read a title decided in shifan.
 */
#include "persistence/records.h"

#include <stdlib.h>
#include <string.h>

#include "persistence/db.h"

#define ERRORS_OF(e)                                                                                        \
    " SELECT coalesce(jsonb_agg(jsonb_build_object('row', row, 'field', field, 'code', code, 'params', params)"  \
    "                 ORDER BY row, field, code), '[]')::text FROM " e
/* No parameters: a row error's `params` when its code has none. */
#define NO_PARAMS "'{}'::jsonb"

/* The audit events of the facts a write made, one for each, staged by one INSERT … SELECT in the
 * order of `order` (the facts' ids): a CTE of the write's statement ($1 user, $2 org, $3 request
 * id, $4 import id). Each carries origin "recorded" and the import, then `detail`'s members. They
 * wait in record_events (STAGE_EVENTS) for the import's last statement, APPEND_EVENTS, which
 * writes them into the chain already linked; the import's own event comes first (NEW_IMPORT). */
#define EVENTS(facts, action, entity, entity_id, order, detail)                                              \
    " ev AS (INSERT INTO record_events (at, actor_user_id, actor_org_id, action, entity, entity_id, detail,"  \
    "                                   request_id)"                                                          \
    "        SELECT clock_timestamp(), $1::bigint, $2::bigint, '" action "', '" entity "', " entity_id ","     \
    "               audit_detail(jsonb_build_object('origin', 'recorded', 'import_id', $4::bigint, " detail "),"  \
    "                            $3::text), audit_request_id($3::text)"                                       \
    "        FROM " facts " ORDER BY " order ")"

/* Every writer of titles, rounds and the registry takes the title writers' lock
 * (sql/031_audit_linker.sql): taking it before reading makes the checks and the writes one
 * serial step. */
static const sf_stmt LOCK = {"SELECT title_writers_lock()", 0};
/* The writes of an import put the keys of new platforms and registry entries into the
 * substring indexes' pending lists, as many as they make, and move them into the indexes in one
 * pass before the commit (sql/033_bulk_search_indexes.sql). Its statements are planned for a few
 * rows (the rows are one JSON parameter): on 10,000 rows they compiled their expressions (JIT,
 * a few hundred milliseconds of the import) and sorted on disk; the settings are the
 * transaction's. The rows' statistics (ANALYZE_ROWS) are drawn from a sample of 3,000 rows, not
 * 30,000: the plans need the row count and rough distinct counts, and the full sample of 10,000
 * rows took 25-37 ms where this takes 8. */
static const sf_stmt SETTINGS = {"SELECT set_config('gin_pending_list_limit', '1GB', true),"
                                 " set_config('jit', 'off', true), set_config('work_mem', '64MB', true),"
                                 " set_config('default_statistics_target', '10', true)", 0};
static const sf_stmt FLUSH_KEYS = {"SELECT search_indexes_flush()", 0};
/* An import's events are thousands, written by one transaction of seconds: the audit linker
 * waits for its end instead of looking through them at every poll
 * (sql/046_audit_link_set_based.sql). */
static const sf_stmt IMPORT_BEGIN = {"SELECT audit_import_begin()", 0};
static const sf_stmt TODAY = {"SELECT current_date - date '1970-01-01'", 0};
/* The rows, parsed once (the JSON of 10,000 rows took each statement that expanded it about a
 * tenth of a second) into a table of the transaction that the check and the writes read, with
 * its statistics: the planner knows how many rows there are (it assumed 100 of a JSON
 * parameter, and once joined 10,000 rows to the platforms through a nested loop of trigram
 * scans). Each kind gives its columns (STAGE_ROWS); the statements that read the table are
 * planned at each call. */
#define STAGE_ROWS(columns)                                                                                 \
    {"CREATE TEMPORARY TABLE record_rows ON COMMIT DROP AS"                                                 \
     " SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(\"row\" int, " columns ")", 1, 1}
static const sf_stmt ANALYZE_ROWS = {"ANALYZE record_rows", 0, 1};
/* The events of the import's facts, staged until its last statement (EVENTS, APPEND_EVENTS). */
static const sf_stmt STAGE_EVENTS = {
    "CREATE TEMPORARY TABLE record_events (ord bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL,"
    " actor_user_id bigint, actor_org_id bigint, action text NOT NULL, entity text NOT NULL, entity_id bigint,"
    " detail jsonb NOT NULL, request_id text) ON COMMIT DROP", 0, 1};
static const sf_stmt NEW_IMPORT = {
    "WITH i AS (INSERT INTO record_imports (kind, row_count, imported_by, org_id, request_id)"
    "           VALUES ($1, (SELECT count(*) FROM record_rows), $2, $3, $4) RETURNING *)"
    " SELECT i.id, audit_append($2, $3, 'records.imported', 'record_import', i.id,"
    "        jsonb_build_object('kind', i.kind, 'rows', i.row_count, 'origin', 'recorded'), $4) FROM i", 4, 1};
/* The import's last statements (sql/047_records_import_linked.sql): what waits to be linked is
 * linked — the import's own event, and the events others committed before — and the head's row
 * lock is the import's from there to its commit; then its staged events are written after the
 * head in their staged order, each with its position and hashes as audit_link (sql/046) gives
 * them: the next position, hash = sha256(previous hash || audit_event_text(…)); their ids, drawn
 * in that order by the insert, follow their positions. The head moves to the last. One sort of
 * the staged events serves every window (each orders by `ord`). */
static const sf_stmt LINK_WAITING = {"SELECT audit_link(NULL, true)", 0};
static const sf_stmt APPEND_EVENTS = {
    "WITH head AS (SELECT seq, hash FROM audit_head FOR UPDATE),"
    " n AS (SELECT s.*, h.seq + row_number() OVER (ORDER BY s.ord) AS pos, h.hash AS head_hash"
    "       FROM record_events s, head h),"
    " c AS (SELECT n.*, audit_chain(n.head_hash, audit_event_text(n.pos, n.at, n.actor_user_id, n.actor_org_id,"
    "                                                             n.action, n.entity, n.entity_id, n.detail,"
    "                                                             n.request_id))"
    "                   OVER (ORDER BY n.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS hash"
    "       FROM n),"
    " l AS (SELECT c.*, coalesce(lag(c.hash) OVER (ORDER BY c.ord), c.head_hash) AS prev FROM c),"
    " ins AS (INSERT INTO audit_events (at, actor_user_id, actor_org_id, action, entity, entity_id, detail, request_id,"
    "                                   seq, prev_hash, hash)"
    "         SELECT at, actor_user_id, actor_org_id, action, entity, entity_id, detail, request_id, pos, prev, hash"
    "         FROM l ORDER BY ord RETURNING seq, hash),"
    " moved AS (UPDATE audit_head SET seq = t.seq, hash = t.hash"
    "           FROM (SELECT seq, hash FROM ins ORDER BY seq DESC LIMIT 1) t RETURNING audit_head.seq)"
    " SELECT count(*) FROM moved", 0, 1};

/* ---- rounds ---- */

static const sf_stmt CHECK_ROUNDS = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " e AS (SELECT r.row, 'year' AS field, 'round_exists' AS code,"
    "              jsonb_build_object('level', r.level, 'year', r.year) AS params"
    "       FROM r JOIN rounds k ON k.level = r.level AND k.region_code = r.region_code AND k.year = r.year"
    "       UNION ALL SELECT r.row, 'year', 'repeats_row', jsonb_build_object('other_row', min(x.row))"
    "       FROM r JOIN r x ON x.level = r.level"
    "         AND x.region_code = r.region_code AND x.year = r.year AND x.row < r.row GROUP BY r.row"
    /* the current year: only while shifan holds no later round of its level and region */
    "       UNION ALL SELECT r.row, 'year', 'record_round_later_exists', jsonb_build_object('level', r.level)"
    "       FROM r WHERE r.year >= extract(year FROM current_date) AND EXISTS (SELECT 1 FROM rounds k"
    "         WHERE k.level = r.level AND k.region_code = r.region_code AND k.year > r.year))"
    ERRORS_OF("e"), 0, 1};
static const sf_stmt WRITE_ROUNDS = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " k AS (INSERT INTO rounds (level, region_code, year, title, opens_on, closes_on, thresholds,"
    "                           require_prior_recognition, validity_years, validity_ends, created_by, origin, import_id)"
    "       SELECT level, region_code, year, title, opens_on, closes_on, thresholds, require_prior_recognition,"
    "              coalesce(validity_years, 3), coalesce(validity_ends, 'year_end'), $1, 'recorded', $4"
    "       FROM r ORDER BY row RETURNING *),"
    EVENTS("k", "round.recorded", "round", "k.id", "k.id", "'after', round_doc(ROW(k.*)::rounds)")
    " SELECT (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]')::text FROM k)", 4, 1};

/* ---- titles ---- */

/* The round a title row names: by id, or by year and level (a city round: the platform's city). */
#define ROUND_OF_ROW(g, r)                                                                                 \
    "CASE WHEN " r ".round_id IS NOT NULL THEN " g ".id = " r ".round_id ELSE " g ".year = " r ".year AND " \
    g ".level = " r ".level AND " g ".region_code = CASE WHEN " r ".level = 'province' THEN '210000'"        \
    " ELSE " r ".region_code END END"
/* Where a title's validity ends, for the overlap of two titles: a revoked one the day before
 * its revocation, so that a new title may begin on that day. (Its supervision is another
 * question: it was inspected in force up to and on that day, title_in_force_on.) */
#define UNTIL(w) "CASE WHEN " w ".status = 'revoked' THEN least(" w ".valid_until, " w ".revoked_on - 1) ELSE " w ".valid_until END"
#define OVERLAP(a, b) \
    a ".valid_from <= " a ".until AND " b ".valid_from <= " b ".until AND " a ".valid_from <= " b ".until AND " b ".valid_from <= " a ".until"

static const sf_stmt CHECK_TITLES = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " k AS (SELECT r.*, g.id AS rid, g.level AS rlevel, g.region_code AS rregion, g.year AS ryear,"
    "              pl.id AS pid, pl.region_code AS pregion, " UNTIL("r") " AS until"
    "       FROM r LEFT JOIN rounds g ON " ROUND_OF_ROW("g", "r")
    "       LEFT JOIN platforms pl ON pl.credit_code = r.credit_code AND pl.name = r.platform_name),"
    " held AS (SELECT w.platform_id, w.level, w.certificate_no, w.valid_from, w.status, w.valid_until,"
    "                 " UNTIL("w") " AS until"
    "          FROM awards w WHERE w.platform_id IN (SELECT pid FROM k WHERE pid IS NOT NULL)),"
    " e AS (SELECT row, CASE WHEN round_id IS NOT NULL THEN 'round_id' ELSE 'year' END AS field,"
    "              CASE WHEN round_id IS NOT NULL THEN 'round_not_found' ELSE 'record_round_missing' END AS code,"
    "              CASE WHEN round_id IS NOT NULL THEN " NO_PARAMS
    "                   ELSE jsonb_build_object('level', level, 'year', year, 'region_code',"
    "                                           CASE WHEN level = 'city' THEN region_code ELSE '210000' END) END AS params"
    "       FROM k WHERE rid IS NULL"
    "       UNION ALL SELECT row, 'round_id', 'record_round_mismatch',"
    "              jsonb_build_object('round_id', rid, 'level', rlevel, 'year', ryear)"
    "       FROM k WHERE round_id IS NOT NULL AND ((level IS NOT NULL AND level <> rlevel) OR (year IS NOT NULL AND year <> ryear))"
    "       UNION ALL SELECT row, 'region_code', 'record_city_title_other_city', jsonb_build_object('region_code', rregion)"
    "       FROM k WHERE rlevel = 'city' AND rregion <> region_code"
    "       UNION ALL SELECT row, 'region_code', 'record_platform_other_region', jsonb_build_object('region_code', pregion)"
    "       FROM k WHERE pid IS NOT NULL AND pregion <> region_code"
    "       UNION ALL SELECT row, 'functions', 'record_functions_required', " NO_PARAMS
    "       FROM k WHERE pid IS NULL AND coalesce(jsonb_array_length(functions), 0) = 0"
    /* active or expired is title_status()'s to say (the one owner of 'expired') */
    "       UNION ALL SELECT row, 'status', 'record_status_contradicts',"
    "              jsonb_build_object('valid_until', valid_until, 'actual', title_status('active', valid_until))"
    "       FROM k WHERE status IN ('active', 'expired') AND title_status('active', valid_until) <> status"
    "       UNION ALL SELECT row, 'certificate_no', 'record_certificate_taken', " NO_PARAMS
    "       FROM k WHERE EXISTS (SELECT 1 FROM awards w WHERE w.certificate_no = k.certificate_no)"
    "       UNION ALL SELECT k.row, 'certificate_no', 'repeats_row', jsonb_build_object('other_row', min(x.row))"
    "       FROM k JOIN k x ON x.certificate_no = k.certificate_no AND x.row < k.row GROUP BY k.row"
    /* in a round shifan has awarded titles in, the trailing number of one of them is taken:
     * its numbers stay unique and gapless (a recorded one only moves the counter past itself) */
    "       UNION ALL SELECT k.row, 'certificate_no', 'record_sequence_taken',"
    "              jsonb_build_object('seq', k.seq, 'certificate_no', min(w.certificate_no))"
    "       FROM k JOIN awards w ON w.round_id = k.rid AND w.certificate_seq = k.seq GROUP BY k.row, k.seq"
    /* one platform, one level: one title at a time */
    "       UNION ALL SELECT k.row, 'valid_from',"
    "              CASE WHEN k.status = 'active' AND title_status(h.status, h.valid_until) = 'active'"
    "                   THEN 'record_title_active_already' ELSE 'record_validity_overlaps' END,"
    "              CASE WHEN k.status = 'active' AND title_status(h.status, h.valid_until) = 'active'"
    "                   THEN jsonb_build_object('level', k.rlevel, 'certificate_no', h.certificate_no)"
    "                   ELSE jsonb_build_object('certificate_no', h.certificate_no, 'valid_from', h.valid_from,"
    "                                           'valid_until', h.until) END"
    "       FROM k JOIN held h ON h.platform_id = k.pid AND h.level = k.rlevel AND " OVERLAP("k", "h")
    "       UNION ALL SELECT k.row, 'valid_from', 'record_rows_overlap',"
    "              jsonb_build_object('other_row', min(x.row), 'level', k.rlevel)"
    "       FROM k JOIN k x ON x.credit_code = k.credit_code AND x.platform_name = k.platform_name"
    "         AND x.rlevel = k.rlevel AND x.row < k.row AND " OVERLAP("k", "x") " GROUP BY k.row, k.rlevel)"
    ERRORS_OF("e"), 0, 1};
/* The platforms the titles belong to that shifan does not hold yet, created in their region
 * (from the first row that names each). */
static const sf_stmt WRITE_TITLE_PLATFORMS = {
    "WITH r AS (SELECT DISTINCT ON (credit_code, platform_name) * FROM record_rows"
    "           ORDER BY credit_code, platform_name, row),"
    " p AS (INSERT INTO platforms (name, region_code, functions, operator_name, credit_code, created_by_org)"
    "       SELECT r.platform_name, r.region_code, ARRAY(SELECT jsonb_array_elements_text(r.functions)),"
    "              r.operator_name, r.credit_code, $2"
    "       FROM r WHERE NOT EXISTS (SELECT 1 FROM platforms x WHERE x.credit_code = r.credit_code"
    "                                AND x.name = r.platform_name) ORDER BY r.row RETURNING *),"
    EVENTS("p", "platform.created", "platform", "p.id", "p.id", "'after', platform_doc(ROW(p.*)::platforms)")
    " SELECT NULL::text", 4, 1};
/* The titles; the rounds' counters raised past the highest trailing number of their recorded
 * certificates (new awards continue after it, gapless: persistence/applications.c
 * NEXT_CERTIFICATE). A recorded title keeps its number as given and takes no sequence of its
 * own (offices numbered batches their own way: two recorded "…001" in one round are no
 * clash; only the numbers themselves are unique); the titles expired already
 * marked as announced, so that the change feed does not report a lapse of years ago as news. */
static const sf_stmt WRITE_TITLES = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " w AS (INSERT INTO awards (platform_id, round_id, level, certificate_no, certificate_seq, awarded_on, valid_from,"
    "                           valid_until, status, revoked_on, revocation_reason, revocation_detail,"
    "                           notice_reference, origin, import_id)"
    "       SELECT pl.id, g.id, g.level, r.certificate_no, NULL, r.awarded_on, r.valid_from, r.valid_until,"
    "              CASE WHEN r.status = 'revoked' THEN 'revoked' ELSE 'active' END, r.revoked_on,"
    "              r.revocation_reason, r.revocation_detail, r.notice_reference, 'recorded', $4"
    "       FROM r JOIN platforms pl ON pl.credit_code = r.credit_code AND pl.name = r.platform_name"
    "       JOIN rounds g ON " ROUND_OF_ROW("g", "r") " ORDER BY r.row RETURNING *),"
    " n AS (UPDATE rounds g SET next_certificate_seq = m.top + 1"
    "       FROM (SELECT x.id AS round_id, max(r.seq) AS top FROM r JOIN rounds x ON " ROUND_OF_ROW("x", "r")
    "             GROUP BY x.id) m"
    "       WHERE g.id = m.round_id AND m.top IS NOT NULL AND g.next_certificate_seq <= m.top RETURNING g.id),"
    " x AS (INSERT INTO award_expiries (award_id) SELECT id FROM w"
    "       WHERE title_status(status, valid_until) = 'expired' RETURNING award_id),"
    /* a title recorded by this statement has no assessment: award_doc's shape with none (sql/056) */
    EVENTS("w", "award.recorded", "award", "w.id", "w.id", "'after', award_doc_of(ROW(w.*)::awards, '[]')")
    " SELECT (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]')::text FROM w), (SELECT count(*) FROM n) + (SELECT count(*) FROM x)", 4, 1};

/* ---- supervision records ---- */

#define TITLE_OF_ROW "LEFT JOIN awards w ON w.certificate_no = r.certificate_no"
#define NO_SUCH_TITLE                                                                                      \
    "SELECT row, 'certificate_no' AS field, 'record_no_such_title' AS code, " NO_PARAMS " AS params"            \
    " FROM k WHERE aid IS NULL"
/* The facts of the row's title a record is checked against: its validity, and its revocation. */
#define TITLE_FACTS "w.id AS aid, w.valid_from, w.valid_until, w.status = 'revoked' AS revoked, w.revoked_on"
/* The life of the title a refusal names: from valid_from to valid_until, or to its revocation. */
#define LIFE                                                                                                 \
    "jsonb_build_object('valid_from', valid_from, 'valid_until',"                                            \
    "                   CASE WHEN revoked THEN least(valid_until, revoked_on) ELSE valid_until END)"

/* Within the title's life, as a live summary (persistence/supervision.c): of a year the title
 * was in force in (title_covers_year, the twin of sf_title_covers_year; a revoked title's life
 * ends on its revocation), and filed no later than its revocation (a revoked title files no
 * more, Art. 22). */
static const sf_stmt CHECK_SUMMARIES = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " k AS (SELECT r.*, " TITLE_FACTS " FROM r " TITLE_OF_ROW "),"
    " e AS (" NO_SUCH_TITLE
    "       UNION ALL SELECT row, 'year', 'year_not_covered', " LIFE
    "       FROM k WHERE aid IS NOT NULL AND NOT title_covers_year(valid_from,"
    "         CASE WHEN revoked THEN least(valid_until, revoked_on) ELSE valid_until END, year)"
    "       UNION ALL SELECT row, 'received_on', 'record_after_revocation', jsonb_build_object('revoked_on', revoked_on)"
    "       FROM k WHERE revoked AND received_on > revoked_on AND revoked_on <= make_date(year, 12, 31)"
    "       UNION ALL SELECT row, 'year', 'summary_exists', jsonb_build_object('year', year)"
    "       FROM k WHERE EXISTS (SELECT 1 FROM annual_summaries s WHERE s.award_id = k.aid AND s.year = k.year)"
    "       UNION ALL SELECT k.row, 'year', 'repeats_row', jsonb_build_object('other_row', min(x.row)) FROM k JOIN k x"
    "         ON x.certificate_no = k.certificate_no AND x.year = k.year AND x.row < k.row GROUP BY k.row)"
    ERRORS_OF("e"), 0, 1};
static const sf_stmt WRITE_SUMMARIES = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " s AS (INSERT INTO annual_summaries (award_id, year, summary, figures, received_on, recorded_by, origin, import_id)"
    "       SELECT w.id, r.year, coalesce(r.summary, ''), r.figures, r.received_on, $1, 'recorded', $4"
    "       FROM r JOIN awards w ON w.certificate_no = r.certificate_no ORDER BY r.row RETURNING *),"
    EVENTS("s", "annual_summary.recorded", "award", "s.award_id", "s.id",
           "'annual_summary_id', s.id, 'year', s.year, 'received_on', s.received_on, 'figures', s.figures")
    " SELECT (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]')::text FROM s)", 4, 1};

/* On a day the title was in force, as a live inspection (title_in_force_on, the twin of
 * sf_title_in_force_on, Art. 24). */
static const sf_stmt CHECK_INSPECTIONS = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " k AS (SELECT r.*, " TITLE_FACTS " FROM r " TITLE_OF_ROW "),"
    " e AS (" NO_SUCH_TITLE
    "       UNION ALL SELECT row, 'inspected_on', 'title_not_in_force_on', " LIFE
    "       FROM k WHERE aid IS NOT NULL AND NOT title_in_force_on(valid_from, valid_until, revoked, revoked_on, inspected_on))"
    ERRORS_OF("e"), 0, 1};
/* Recorded inspections open no rectification: they are history, not a finding to act on. */
static const sf_stmt WRITE_INSPECTIONS = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " i AS (INSERT INTO inspections (award_id, inspected_on, service_quality, fees, satisfaction, findings, outcome,"
    "                                recorded_by, origin, import_id)"
    "       SELECT w.id, r.inspected_on, coalesce(r.service_quality, ''), coalesce(r.fees, ''),"
    "              coalesce(r.satisfaction, ''), coalesce(r.findings, ''), r.outcome, $1, 'recorded', $4"
    "       FROM r JOIN awards w ON w.certificate_no = r.certificate_no ORDER BY r.row RETURNING *),"
    EVENTS("i", "inspection.recorded", "award", "i.award_id", "i.id",
           "'inspection_id', i.id, 'inspected_on', i.inspected_on, 'outcome', i.outcome")
    " SELECT (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]')::text FROM i)", 4, 1};

static const sf_stmt CHECK_CITY_REPORTS = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " e AS (SELECT r.row, 'year' AS field, 'city_report_exists' AS code, jsonb_build_object('year', r.year) AS params"
    "       FROM r WHERE EXISTS (SELECT 1 FROM city_reports c WHERE c.region_code = r.region_code AND c.year = r.year)"
    "       UNION ALL SELECT r.row, 'year', 'repeats_row', jsonb_build_object('other_row', min(x.row)) FROM r JOIN r x"
    "         ON x.region_code = r.region_code AND x.year = r.year AND x.row < r.row GROUP BY r.row)"
    ERRORS_OF("e"), 0, 1};
static const sf_stmt WRITE_CITY_REPORTS = {
    "WITH r AS NOT MATERIALIZED (SELECT * FROM record_rows),"
    " c AS (INSERT INTO city_reports (region_code, year, summary_report, inspection_report, received_on, recorded_by,"
    "                                 origin, import_id)"
    "       SELECT r.region_code, r.year, coalesce(r.summary_report, ''), coalesce(r.inspection_report, ''),"
    "              r.received_on, $1, 'recorded', $4 FROM r ORDER BY r.row RETURNING *),"
    EVENTS("c", "city_report.recorded", "city_report", "c.id", "c.id",
           "'region_code', c.region_code, 'year', c.year, 'received_on', c.received_on")
    " SELECT (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]')::text FROM c)", 4, 1};

/* One line per kind: the columns of its rows, its check, and its writes in order (the last one
 * answers the new ids). */
static const sf_stmt STAGE_ROUNDS = STAGE_ROWS(
    "year int, level text, region_code text, title text, opens_on date, closes_on date, thresholds jsonb,"
    " require_prior_recognition boolean, validity_years int, validity_ends text");
static const sf_stmt STAGE_TITLES = STAGE_ROWS(
    "platform_name text, region_code text, functions jsonb, operator_name text, credit_code text, round_id bigint,"
    " year int, level text, certificate_no text, seq int, awarded_on date, valid_from date, valid_until date,"
    " status text, revoked_on date, revocation_reason text, revocation_detail text, notice_reference text");
static const sf_stmt STAGE_SUMMARIES = STAGE_ROWS(
    "certificate_no text, year int, received_on date, summary text, figures jsonb");
static const sf_stmt STAGE_INSPECTIONS = STAGE_ROWS(
    "certificate_no text, inspected_on date, outcome text, findings text, service_quality text, fees text,"
    " satisfaction text");
static const sf_stmt STAGE_CITY_REPORTS = STAGE_ROWS(
    "region_code text, year int, received_on date, summary_report text, inspection_report text");
static const struct {
    const char *kind;
    const sf_stmt *stage;
    const sf_stmt *check;
    const sf_stmt *writes[2];
} kinds[] = {
    {"rounds", &STAGE_ROUNDS, &CHECK_ROUNDS, {&WRITE_ROUNDS, NULL}},
    {"titles", &STAGE_TITLES, &CHECK_TITLES, {&WRITE_TITLE_PLATFORMS, &WRITE_TITLES}},
    {"annual_summaries", &STAGE_SUMMARIES, &CHECK_SUMMARIES, {&WRITE_SUMMARIES, NULL}},
    {"inspections", &STAGE_INSPECTIONS, &CHECK_INSPECTIONS, {&WRITE_INSPECTIONS, NULL}},
    {"city_reports", &STAGE_CITY_REPORTS, &CHECK_CITY_REPORTS, {&WRITE_CITY_REPORTS, NULL}},
};

/* Runs the statements of `stmts` without parameters or answers, in order, until one fails. */
static sf_status exec_all(sf_conn *conn, const sf_stmt *const *stmts, size_t n)
{
    sf_status st = SF_OK;
    for (size_t i = 0; i < n && st == SF_OK; i++)
        st = sf_db_exec(conn, stmts[i], NULL, NULL, NULL);
    return st;
}

sf_status sf_records_write(sf_conn *conn, const sf_actor *actor, const char *rows_json, void *arg, int *status,
                           char **answer)
{
    const sf_records_request *req = arg;
    size_t k = 0;
    while (k < sizeof kinds / sizeof *kinds && strcmp(kinds[k].kind, req->kind) != 0)
        k++;
    if (k == sizeof kinds / sizeof *kinds)
        return SF_INTERNAL;
    *answer = NULL;
    PGresult *res;
    static const sf_stmt *const before[] = {&LOCK, &SETTINGS};
    sf_status st = exec_all(conn, before, 2);
    if (st == SF_OK)
        st = sf_db_exec(conn, kinds[k].stage, &rows_json, NULL, NULL);
    if (st == SF_OK)
        st = sf_db_exec(conn, &ANALYZE_ROWS, NULL, NULL, NULL);
    if (st != SF_OK || (st = sf_db_exec(conn, kinds[k].check, NULL, &res, NULL)) != SF_OK)
        return st;
    if (strcmp(PQgetvalue(res, 0, 0), "[]") != 0) {
        /* nothing written: the rows and the answer that lists their every error */
        *status = 422;
        *answer = req->refused(PQgetvalue(res, 0, 0), req->lang);
        PQclear(res);
        return *answer ? SF_OK : SF_INTERNAL;
    }
    PQclear(res);
    if (req->dry_run) {
        *status = 200;
        *answer = req->checked(req->kind, req->rows);
        return *answer ? SF_OK : SF_INTERNAL;
    }
    sf_actor_params a;
    sf_actor_to_params(actor, &a);
    const char *ip[] = {req->kind, a.values[0], a.values[1], a.values[2]};
    static const sf_stmt *const opening[] = {&IMPORT_BEGIN, &STAGE_EVENTS};
    if ((st = exec_all(conn, opening, 2)) != SF_OK || (st = sf_db_exec(conn, &NEW_IMPORT, ip, &res, NULL)) != SF_OK)
        return st;
    long long import_id = sf_db_get_int(res, 0, 0);
    PQclear(res);
    sf_int_text imp = sf_int_to_text(import_id);
    const char *wp[] = {a.values[0], a.values[1], a.values[2], imp.s};
    char *ids = NULL;
    for (int w = 0; w < 2 && kinds[k].writes[w] != NULL; w++) {
        if ((st = sf_db_exec(conn, kinds[k].writes[w], wp, &res, NULL)) != SF_OK) {
            free(ids);
            return st;
        }
        if (!PQgetisnull(res, 0, 0)) {
            free(ids);
            ids = sf_db_strdup(res, 0);
        }
        PQclear(res);
    }
    /* the keys into their indexes, then the events into the chain, just before the commit */
    static const sf_stmt *const closing[] = {&FLUSH_KEYS, &LINK_WAITING, &APPEND_EVENTS};
    if ((st = exec_all(conn, closing, 3)) != SF_OK) {
        free(ids);
        return st;
    }
    *status = 201;
    *answer = ids ? req->recorded(req->kind, import_id, ids) : NULL;
    free(ids);
    return *answer ? SF_OK : SF_INTERNAL;
}

typedef struct {
    const sf_actor *actor;
    sf_records_request *req;
    const char *rows_json;
    int *status;
    char **answer;
} import_args;

static sf_status import_body(sf_conn *conn, void *p)
{
    import_args *a = p;
    free(*a->answer);   /* a retried transaction answers afresh */
    *a->answer = NULL;
    return sf_records_write(conn, a->actor, a->rows_json, a->req, a->status, a->answer);
}

sf_status sf_records_import(sf_pool *pool, const sf_actor *actor, sf_records_request *req,
                            const char *rows_json, int *status, char **answer)
{
    import_args a = {actor, req, rows_json, status, answer};
    *answer = NULL;
    sf_status st = sf_tx_run(pool, import_body, &a);
    if (st != SF_OK) {
        free(*answer);
        *answer = NULL;
    }
    return st;
}

sf_status sf_records_today(sf_pool *pool, sf_day *today)
{
    PGresult *res;
    sf_status st = sf_db_read(pool, &TODAY, NULL, &res, NULL);
    if (st != SF_OK)
        return st;
    *today = (sf_day)sf_db_get_int(res, 0, 0);
    PQclear(res);
    return SF_OK;
}
