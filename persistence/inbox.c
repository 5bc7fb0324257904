/*
 * Inbox items per role (see inbox.h). Each branch of the union is one kind of work; $1 is
 * the caller's role, $2 its region, $3 its organisation. "Last year" is the year before
 * today's: the year whose summaries (Art. 22) and reports (Art. 24) fall due now.
 */
#include "persistence/inbox.h"

#include <stdlib.h>

#include "persistence/db.h"

static const sf_stmt INBOX = SF_LIST_STMT(
    SF_PAGE_SELECT, "WITH items AS ("
    /* a recommender's drafts and the applications platforms submitted to it, before the
     * round closes (Art. 15, 16, 27) */
    " SELECT CASE a.status WHEN 'draft' THEN 'draft_to_recommend' ELSE 'submitted_to_recommend' END AS kind,"
    "        'application' AS entity, a.id AS entity_id, p.name || ' — ' || r.title AS title, r.closes_on AS due_on"
    " FROM applications a JOIN rounds r ON r.id = a.round_id JOIN platforms p ON p.id = a.platform_id"
    " WHERE $1::text IN ('city', 'association') AND a.recommender_org_id = $3::bigint"
    "   AND ((a.status = 'draft' AND a.applicant_org_id IS NULL) OR a.status = 'submitted')"
    "   AND r.closes_on >= current_date"
    /* a platform company's own drafts, returned ones first in name, before the round closes */
    " UNION ALL SELECT CASE WHEN a.return_comment IS NULL THEN 'draft_to_submit' ELSE 'returned_application' END,"
    "        'application', a.id, p.name || ' — ' || r.title, r.closes_on"
    " FROM applications a JOIN rounds r ON r.id = a.round_id JOIN platforms p ON p.id = a.platform_id"
    " WHERE $1 = 'platform' AND a.applicant_org_id = $3::bigint AND a.status = 'draft'"
    "   AND r.closes_on >= current_date"
    /* a platform company's titles: the summary of last year (Art. 22), the re-application in
     * the year a title expires (Art. 23), assessments scheduled (Art. 24), rectifications */
    " UNION ALL SELECT 'annual_summary_due', 'award', w.id, p.name || ' ' || w.certificate_no,"
    "        make_date(extract(year FROM current_date)::int, 1, 31)"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id"
    " WHERE $1 = 'platform' AND p.operator_org_id = $3::bigint AND w.level = 'province'"
    "   AND w.valid_from <= make_date(extract(year FROM current_date)::int - 1, 12, 31)"
    "   AND w.valid_until >= make_date(extract(year FROM current_date)::int - 1, 1, 1)"
    "   AND (w.revoked_on IS NULL OR w.revoked_on > make_date(extract(year FROM current_date)::int - 1, 12, 31))"
    "   AND NOT EXISTS (SELECT 1 FROM annual_summaries s WHERE s.award_id = w.id"
    "                   AND s.year = extract(year FROM current_date)::int - 1)"
    " UNION ALL SELECT 'reapply', 'award', w.id, p.name || ' ' || w.certificate_no, w.valid_until"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id"
    " WHERE $1 = 'platform' AND p.operator_org_id = $3::bigint AND title_in_force(w.status, w.valid_until)"
    "   AND extract(year FROM w.valid_until) = extract(year FROM current_date)"
    " UNION ALL SELECT 'assessment_scheduled', 'assessment', s.id, p.name || ' ' || w.certificate_no, s.due_on"
    " FROM assessments s JOIN awards w ON w.id = s.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE $1 = 'platform' AND p.operator_org_id = $3::bigint AND s.submitted_on IS NULL"
    " UNION ALL SELECT 'rectification_open', 'rectification', x.id, p.name || ' ' || w.certificate_no, x.due_on"
    " FROM rectifications x JOIN awards w ON w.id = x.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE $1 = 'platform' AND p.operator_org_id = $3::bigint AND x.status = 'open'"
    /* a city's titles whose summary of last year has not arrived (Art. 22) */
    " UNION ALL SELECT 'annual_summary_due', 'award', w.id, p.name || ' ' || w.certificate_no,"
    "        make_date(extract(year FROM current_date)::int, 1, 31)"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id"
    " WHERE $1 = 'city' AND p.region_code = $2 AND w.level = 'province'"
    "   AND w.valid_from <= make_date(extract(year FROM current_date)::int - 1, 12, 31)"
    "   AND w.valid_until >= make_date(extract(year FROM current_date)::int - 1, 1, 1)"
    "   AND (w.revoked_on IS NULL OR w.revoked_on > make_date(extract(year FROM current_date)::int - 1, 12, 31))"
    "   AND NOT EXISTS (SELECT 1 FROM annual_summaries s WHERE s.award_id = w.id"
    "                   AND s.year = extract(year FROM current_date)::int - 1)"
    /* a city's own reports of last year (Art. 24) */
    " UNION ALL SELECT 'city_report_due', 'city_report', NULL, g.name || ' ' || (extract(year FROM current_date)::int - 1),"
    "        (make_date(extract(year FROM current_date)::int, 3, 1) - 1)"
    " FROM regions g WHERE $1 = 'city' AND g.code = $2"
    "   AND NOT EXISTS (SELECT 1 FROM city_reports c WHERE c.region_code = $2"
    "                   AND c.year = extract(year FROM current_date)::int - 1)"
    /* the deciding authority: recommendations to review, by the round's close */
    " UNION ALL SELECT 'review', 'application', a.id, p.name || ' — ' || r.title, r.closes_on"
    " FROM applications a JOIN rounds r ON r.id = a.round_id JOIN platforms p ON p.id = a.platform_id"
    " WHERE a.status = 'recommended' AND (($1 = 'province' AND r.level = 'province')"
    "       OR ($1 = 'city' AND r.level = 'city' AND r.region_code = $2))"
    /* publicity over, no objection open: award (Art. 19) */
    " UNION ALL SELECT 'award', 'application', a.id, p.name, n.end_date + 1"
    " FROM applications a JOIN rounds r ON r.id = a.round_id JOIN platforms p ON p.id = a.platform_id"
    " JOIN publicity_notice_items i ON i.application_id = a.id JOIN publicity_notices n ON n.id = i.notice_id"
    " WHERE a.status = 'publicized' AND n.end_date < current_date"
    "   AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.application_id = a.id AND o.status = 'open')"
    "   AND (($1 = 'province' AND r.level = 'province') OR ($1 = 'city' AND r.level = 'city' AND r.region_code = $2))"
    /* objections to resolve (Art. 18) */
    " UNION ALL SELECT 'objection', 'objection', o.id, p.name, n.end_date"
    " FROM objections o JOIN applications a ON a.id = o.application_id JOIN rounds r ON r.id = a.round_id"
    " JOIN platforms p ON p.id = a.platform_id JOIN publicity_notices n ON n.id = o.notice_id"
    " WHERE o.status = 'open'"
    "   AND (($1 = 'province' AND r.level = 'province') OR ($1 = 'city' AND r.level = 'city' AND r.region_code = $2))"
    /* assessments: the province sees the overdue ones, an assessor its open ones (Art. 24) */
    " UNION ALL SELECT CASE WHEN $1 = 'province' THEN 'assessment_overdue' ELSE 'assessment' END,"
    "        'assessment', s.id, p.name || ' ' || w.certificate_no, s.due_on"
    " FROM assessments s JOIN awards w ON w.id = s.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE s.submitted_on IS NULL"
    "   AND (($1 = 'province' AND s.due_on < current_date) OR ($1 = 'assessor' AND s.assessor_org_id = $3::bigint))"
    /* titles pending revocation after a failed assessment, and not lapsed since (title_status()
     * = 'revocation_pending', sql/062, written as the index awards_status serves it) */
    " UNION ALL SELECT 'revocation_pending', 'award', w.id, p.name || ' ' || w.certificate_no, NULL"
    " FROM awards w JOIN platforms p ON p.id = w.platform_id"
    " WHERE $1 = 'province' AND w.status = 'revocation_pending' AND w.valid_until >= current_date"
    /* rectifications past their due date (Art. 24): the platform's city and the province */
    " UNION ALL SELECT 'rectification_overdue', 'rectification', x.id, p.name || ' ' || w.certificate_no, x.due_on"
    " FROM rectifications x JOIN awards w ON w.id = x.award_id JOIN platforms p ON p.id = w.platform_id"
    " WHERE rectification_status(x) = 'overdue' AND ($1 = 'province' OR ($1 = 'city' AND p.region_code = $2))"
    /* next year's working-day calendar, missing (decided by domain/calendar.h, passed in) */
    " UNION ALL SELECT 'calendar_missing', 'calendar', $6::bigint, $6 || '年工作日历尚未录入（PUT /v1/calendar/' || $6 || '）',"
    "        $7::date"
    " WHERE $1 = 'province' AND $6::bigint IS NOT NULL"
    ")"
    /* a page by position in the computed order: the token is the position of its last item
     * (the id SF_PAGE_SELECT reads), rn the position within the page */
    " , ranked AS (SELECT *, row_number() OVER (ORDER BY due_on NULLS LAST, kind, entity_id) AS pos FROM items)"
    " SELECT pos AS id, jsonb_build_object('kind', kind, 'entity', entity, 'entity_id', entity_id,"
    "        'title', title, 'due_on', due_on, 'overdue', coalesce(due_on < current_date, false)) AS doc,"
    "        pos - $4::bigint AS rn"
    " FROM ranked WHERE pos > $4::bigint ORDER BY pos LIMIT $5::bigint + 1", 7, 4, 5);

sf_status sf_inbox(sf_pool *pool, const sf_caller *caller, const sf_inbox_calendar *calendar, int64_t after, int limit,
                   char **items, int64_t *next_after, int64_t *total)
{
    sf_int_text org = sf_int_to_text(caller->org_id), pos = sf_int_to_text(after), lim = sf_int_to_text(limit),
                year = sf_int_to_text(calendar ? calendar->missing_year : 0);
    char needed[11] = "";
    if (calendar != NULL)
        sf_date_format(calendar->needed_from, needed);
    const char *params[] = {sf_role_name(caller->role), caller->region_code, org.s, pos.s, lim.s,
                            calendar ? year.s : NULL, calendar ? needed : NULL};
    return sf_db_read_page(pool, &INBOX, params, items, next_after, total);
}
