/*
 * Workflow: An application from draft to award (Art. 15–20, 23, 27): recommendation, review,
 * publicity, objections, quotas, city-level rounds.
 */
#include "tests/workflow/fixture.h"

typedef struct {
    long long app;
    int status;
} award_call;

static void *award_thread(void *p)
{
    award_call *c = p;
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", c->app);
    th_response *r = th_json(port, "POST", path, tokens[PROVINCE], NULL);
    c->status = r ? r->status : 0;
    th_free(r);
    return NULL;
}

START_TEST(the_whole_path_from_platform_to_registry_and_revocation)
{
    long long p = new_platform(SHENYANG, "沈阳创业服务示范平台", "210100", 10);
    long long a = new_application(SHENYANG, p);
    char body[512], path[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, p);
    th_free(expect(SHENYANG, "POST", "/v1/applications", body, 409));         /* one per round */
    th_free(expect(DALIAN, "POST", "/v1/applications", body, 422));           /* not its platform */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_free(expect(DALIAN, "GET", path, NULL, 404));

    /* recommending an empty draft lists everything missing at once */
    th_response *r = expect(SHENYANG, "POST", strcat(strcpy(body, path), "/recommend"), NULL, 422);
    ck_assert(has_error(r, "report") && has_error(r, "recommendation") && has_error(r, "materials"));
    th_free(r);

    /* If-Match on the report: a stale ETag is refused, the current one accepted */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    char etag[80], if_match[128];
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", REPORT, strlen(REPORT), if_match);
    ck_assert_msg(r->status == 200, "%s", r->body);
    th_free(r);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", REPORT, strlen(REPORT), if_match);
    ck_assert_int_eq(r->status, 412);   /* the first PUT changed the application */
    th_free(r);
    fill(SHENYANG, a);
    snprintf(path, sizeof path, "/v1/applications/%lld/eligibility", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert(json_is_true(json_object_get(r->json, "eligible")));
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "conditions")), 6);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "missing_materials")), 0);
    th_free(r);

    /* materials page like every collection */
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?limit=3", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 3);
    char more[256];
    snprintf(more, sizeof more, "/v1/applications/%lld/materials?limit=10&page_token=%s", a, str(r, "next_page_token"));
    th_free(r);
    r = expect(SHENYANG, "GET", more, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 4);   /* 7 in all */
    ck_assert(json_is_null(json_object_get(r->json, "next_page_token")));
    th_free(r);
    /* a file that is not what it claims is refused */
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=qualifications&filename=x.pdf", a);
    r = th_request(port, "POST", path, tokens[SHENYANG], "application/pdf", "MZ\x90\x00 not a pdf", 15, NULL);
    ck_assert_int_eq(r->status, 415);
    th_free(r);

    act(PROVINCE, a, "recommend", NULL, 403);
    act(SHENYANG, a, "review", "{\"decision\":\"approve\"}", 403);   /* a city does not review */
    act(SHENYANG, a, "recommend", NULL, 200);
    act(SHENYANG, a, "recommend", NULL, 409);
    /* the report and materials are frozen now */
    snprintf(path, sizeof path, "/v1/applications/%lld/report", a);
    th_free(expect(SHENYANG, "PUT", path, REPORT, 409));
    upload(SHENYANG, a, "qualifications", 409);

    act(PROVINCE, a, "review", "{\"decision\":\"reject\"}", 422);    /* a rejection needs a comment */
    act(PROVINCE, a, "review", "{\"decision\":\"reject\",\"comment\":\"\\u3000\"}", 422);   /* one that shows something */
    act(PROVINCE, a, "review", "{\"decision\":\"reject\",\"comment\":\"数据\\u202e不实\"}", 422);   /* and hides nothing */
    /* a transition honours If-Match as a form's PUT does: read before the recommendation, the
     * application's ETag is stale now (412, nothing done); read afresh, it is taken */
    snprintf(path, sizeof path, "/v1/applications/%lld/review", a);
    const char *approve = "{\"decision\":\"approve\",\"comment\":\"符合条件\"}";
    r = th_request(port, "POST", path, tokens[PROVINCE], "application/json", approve, strlen(approve), if_match);
    ck_assert_int_eq(r->status, 412);
    ck_assert_str_eq(str(r, "code"), "application_changed");
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "recommended");   /* the stale review did nothing */
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    snprintf(path, sizeof path, "/v1/applications/%lld/review", a);
    r = th_request(port, "POST", path, tokens[PROVINCE], "application/json", approve, strlen(approve), if_match);
    ck_assert_msg(r->status == 200, "%s", r->body);
    th_free(r);
    act(PROVINCE, a, "award", NULL, 409);                             /* not publicized */

    /* publicity from Monday 2026-09-28: National Day (1–7 Oct) and the makeup Saturday 10 Oct */
    approved_back_on(a, "2026-09-28");
    snprintf(body, sizeof body, "{\"title\":\"公示\",\"start_date\":\"2026-09-28\",%s\"application_ids\":[%lld]}",
             "\"published_elsewhere\":{\"reference\":\"辽工信函〔2026〕88号\",\"published_on\":\"2026-09-28\"},", a);
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 201);
    ck_assert_str_eq(str(r, "end_date"), "2026-10-22");
    ck_assert_str_eq(str(r, "status"), "closed");
    long long notice_id = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/calendar/working-days?start=2026-09-28&count=15", NULL, 200);
    ck_assert_str_eq(str(r, "end"), "2026-10-22");
    th_free(r);

    /* an objection after the notice closed */
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld/objections", notice_id);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"张三\",\"contact\":\"13800000000\",\"reason\":\"晚了\"}", a);
    th_free(expect(-1, "POST", path, body, 409));

    act(SHENYANG, a, "award", NULL, 403);
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    r = expect(PROVINCE, "POST", path, NULL, 201);
    ck_assert_str_eq(str(r, "certificate_no"), "LNSME-2026-001");
    ck_assert_str_eq(str(r, "valid_until"), "2029-12-31");
    ck_assert_str_eq(str(r, "status"), "active");
    long long award = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);

    /* the public registry, without a token */
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    json_t *aw = json_object_get(r->json, "award");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "certificate_no")), "LNSME-2026-001");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "status")), "active");
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?region_code=210100", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);

    /* revocation: only the awarding authority, with a reason */
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award);
    th_free(expect(SHENYANG, "POST", path, "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\",\"reference\":\"辽工信发〔2026〕12号\"}", 403));
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"whim\",\"detail\":\"x\"}", 422));
    r = expect(PROVINCE, "POST", path, "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\",\"reference\":\"辽工信发〔2026〕12号\",\"detail\":\"违规收费\"}", 200);
    ck_assert_str_eq(str(r, "status"), "revoked");
    th_free(r);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\",\"reference\":\"辽工信发〔2026〕12号\",\"detail\":\"again\"}", 409));
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    aw = json_object_get(r->json, "award");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "status")), "revoked");
    ck_assert_str_eq(json_string_value(json_object_get(aw, "revocation_reason")), "violation");
    th_free(r);
}
END_TEST

/* GET /v1/applications/{id} sends the stored detail (sql/042): after a change made by hand
 * in psql to each of its sources — the application, its notice, its objection — the next read
 * shows it, the stored text is the assembly's canonical text (escapes of every kind
 * included), and the ETag is that of the document: If-None-Match with the old one answers the
 * new document, with the new one 304. */
static void read_detail(long long a, char etag[80], json_t **doc)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert(th_header(r, "ETag", etag, 80) != NULL);
    /* the answer is the stored text with the caller's allowed_actions in front */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM application_details WHERE application_id = %lld AND etag = '%s'", a,
             etag);
    ck_assert_int_eq(sql_number(sql), 1);
    ck_assert_msg(strncmp(r->body, "{\"allowed_actions\":[", 20) == 0, "%s", r->body);
    *doc = json_incref(r->json);
    th_free(r);
    ck_assert_int_eq(wf_details_as_assembled(a), 1);
}

START_TEST(the_detail_follows_a_change_by_hand_in_psql)
{
    /* 沈阳's latest application on a notice (the one above, rejected after its objection):
     * changed by hand and put back as it was, so that no later test sees a difference */
    long long a = sql_number("SELECT max(i.application_id) FROM publicity_notice_items i"
                             " JOIN applications a ON a.id = i.application_id"
                             " JOIN organizations o ON o.id = a.recommender_org_id"
                             " WHERE o.type = 'city' AND o.region_code = '210100'");
    char sql[512], etag[80], old[80], first[80];
    snprintf(sql, sizeof sql, "SELECT notice_id FROM publicity_notice_items WHERE application_id = %lld", a);
    long long n = sql_number(sql);
    json_t *doc;
    read_detail(a, first, &doc);
    json_decref(doc);
    strcpy(old, first);

    /* the application's own row: a comment with quotes, a slash, a backslash, control
     * characters Jansson writes by name and as \u00XX, and CJK */
    snprintf(sql, sizeof sql, "CREATE TABLE wf_saved_application AS SELECT id, review_comment, version, updated_at"
             " FROM applications WHERE id = %lld", a);
    admin_sql(sql);
    snprintf(sql, sizeof sql, "UPDATE applications SET review_comment = E'手改 \"q\" a/b \\\\ \\t\\n\\x01\\x0b\\x1f end'"
             " WHERE id = %lld", a);
    admin_sql(sql);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, old);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "review_comment")), "手改 \"q\" a/b \\ \t\n\x01\x0b\x1f end");
    json_decref(doc);
    char path[128], header[128];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    snprintf(header, sizeof header, "If-None-Match: %s\r\n", old);
    th_response *r = th_request(port, "GET", path, tokens[SHENYANG], NULL, NULL, 0, header);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    snprintf(header, sizeof header, "If-None-Match: %s\r\n", etag);
    r = th_request(port, "GET", path, tokens[SHENYANG], NULL, NULL, 0, header);
    ck_assert_int_eq(r->status, 304);
    th_free(r);

    /* the notice's dates */
    strcpy(old, etag);
    snprintf(sql, sizeof sql, "UPDATE publicity_notices SET end_date = end_date + 1 WHERE id = %lld", n);
    admin_sql(sql);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, old);
    json_decref(doc);

    /* an objection written by hand, its outcome, then gone */
    strcpy(old, etag);
    snprintf(sql, sizeof sql, "INSERT INTO objections (notice_id, application_id, objector_name, contact, reason, client)"
             " VALUES (%lld, %lld, '手工', 'x@example.com', '手工异议', 'psql')", n, a);
    admin_sql(sql);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, old);
    json_decref(doc);
    strcpy(old, etag);
    snprintf(sql, sizeof sql, "UPDATE objections SET status = 'dismissed', resolution = '手工驳回', resolved_at = now()"
             " WHERE application_id = %lld AND client = 'psql'", a);
    admin_sql(sql);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, old);
    size_t i;
    json_t *it;
    int dismissed = 0;
    json_array_foreach(json_object_get(doc, "history"), i, it) {
        const char *res = json_string_value(json_object_get(it, "resolution"));
        dismissed += strcmp(json_string_value(json_object_get(it, "action")), "objection.dismissed") == 0 &&
                     res != NULL && strcmp(res, "手工驳回") == 0;
    }
    ck_assert_int_eq(dismissed, 1);
    json_decref(doc);
    strcpy(old, etag);
    snprintf(sql, sizeof sql, "DELETE FROM objections WHERE application_id = %lld AND client = 'psql'", a);
    admin_sql(sql);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, old);
    json_decref(doc);

    /* everything put back: the document is the first one again, to the byte (its ETag) */
    snprintf(sql, sizeof sql, "UPDATE publicity_notices SET end_date = end_date - 1 WHERE id = %lld", n);
    admin_sql(sql);
    admin_sql("UPDATE applications a SET review_comment = s.review_comment, version = s.version,"
              " updated_at = s.updated_at FROM wf_saved_application s WHERE a.id = s.id;"
              " DROP TABLE wf_saved_application");
    read_detail(a, etag, &doc);
    json_decref(doc);
    ck_assert_str_eq(etag, first);
}
END_TEST

/* One statement on an open admin connection; answers its first value as a number (0 for none). */
static long long on(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
                  PQerrorMessage(pg));
    long long v = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 ? atoll(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    return v;
}

/* The stored detail is refreshed once per transaction, when it commits (sql/044): three
 * statements changing three of an application's sources leave its stored row untouched until
 * the deferred refresh runs, which writes it once; a change rolled back to a savepoint takes
 * its part with it, and a change after it is refreshed all the same; after the commit the
 * stored text is the assembly's. */
START_TEST(the_detail_is_refreshed_once_per_transaction_at_its_commit)
{
    long long a = sql_number("SELECT max(i.application_id) FROM publicity_notice_items i"
                             " JOIN applications a ON a.id = i.application_id"
                             " JOIN organizations o ON o.id = a.recommender_org_id"
                             " WHERE o.type = 'city' AND o.region_code = '210100'");
    char sql[512], etag[80], first[80];
    json_t *doc;
    read_detail(a, first, &doc);
    json_decref(doc);
    snprintf(sql, sizeof sql, "SELECT notice_id FROM publicity_notice_items WHERE application_id = %lld", a);
    long long n = sql_number(sql);
    snprintf(sql, sizeof sql, "CREATE TABLE wf_saved_once AS SELECT id, review_comment, version, updated_at"
             " FROM applications WHERE id = %lld", a);
    admin_sql(sql);

    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
    const char *updated = "SELECT n_tup_upd + n_tup_ins FROM pg_stat_xact_user_tables WHERE relname = 'application_details'";
    on(pg, "BEGIN");
    snprintf(sql, sizeof sql, "UPDATE applications SET review_comment = '一次' WHERE id = %lld", a);
    on(pg, sql);
    snprintf(sql, sizeof sql, "UPDATE publicity_notices SET end_date = end_date + 1 WHERE id = %lld", n);
    on(pg, sql);
    snprintf(sql, sizeof sql, "INSERT INTO objections (notice_id, application_id, objector_name, contact, reason, client)"
             " VALUES (%lld, %lld, '手工', 'x@example.com', '手工异议', 'psql-once')", n, a);
    on(pg, sql);
    ck_assert_int_eq(on(pg, updated), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM application_details WHERE application_id = %lld AND etag = '%s'", a,
             first);
    ck_assert_int_eq(on(pg, sql), 1);   /* not yet marked */
    on(pg, "SET CONSTRAINTS ALL IMMEDIATE");   /* the deferred trigger runs now: the row marked stale */
    ck_assert_int_eq(on(pg, updated), 1);
    on(pg, "ROLLBACK");

    /* committed: a savepoint rolled back, then a change after it */
    on(pg, "BEGIN");
    on(pg, "SAVEPOINT s");
    snprintf(sql, sizeof sql, "UPDATE applications SET review_comment = '撤回' WHERE id = %lld", a);
    on(pg, sql);
    on(pg, "ROLLBACK TO SAVEPOINT s");
    snprintf(sql, sizeof sql, "UPDATE applications SET review_comment = '一次' WHERE id = %lld", a);
    on(pg, sql);
    on(pg, "COMMIT");
    ck_assert_int_eq(wf_details_as_assembled(a), 1);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, first);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "review_comment")), "一次");
    json_decref(doc);
    PQfinish(pg);

    admin_sql("UPDATE applications a SET review_comment = s.review_comment, version = s.version,"
              " updated_at = s.updated_at FROM wf_saved_once s WHERE a.id = s.id; DROP TABLE wf_saved_once");
    read_detail(a, etag, &doc);
    json_decref(doc);
    ck_assert_str_eq(etag, first);
}
END_TEST

/* A write assembles no stored detail (sql/066): its commit marks the row stale, its text and
 * ETag as they were, without making a canonical text; the next GET assembles it, and only it:
 * for a material alone (not part of the document: the text and ETag come out the same, the
 * kinds are the new ones) and for a material with the application itself (a new text). */
START_TEST(a_write_marks_the_detail_stale_and_the_next_read_assembles_it)
{
    long long a = sql_number("SELECT max(a.id) FROM applications a JOIN organizations o ON o.id = a.recommender_org_id"
                             " WHERE o.type = 'city' AND o.region_code = '210100'");
    char sql[768], etag[80], first[80];
    json_t *doc;
    read_detail(a, first, &doc);
    json_decref(doc);
    snprintf(sql, sizeof sql, "CREATE TABLE wf_saved_kinds AS SELECT id, review_comment, version, updated_at"
             " FROM applications WHERE id = %lld", a);
    admin_sql(sql);

    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    ck_assert_int_eq(PQstatus(pg), CONNECTION_OK);
    const char *assembled = "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname = 'canonical_json'";
    on(pg, "SET track_functions = 'all'");
    on(pg, "BEGIN");
    snprintf(sql, sizeof sql, "INSERT INTO materials (application_id, kind, filename, content_type, size_bytes, sha256,"
             " content, uploaded_by) VALUES (%lld, 'other', 'wf-kinds.pdf', 'application/pdf', 3, repeat('a', 64),"
             " 'abc', (SELECT min(id) FROM users)) RETURNING id", a);
    long long m = on(pg, sql);
    on(pg, "SET CONSTRAINTS ALL IMMEDIATE");   /* the deferred trigger runs now */
    ck_assert_int_eq(on(pg, assembled), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM application_details WHERE application_id = %lld AND etag = '%s'"
             " AND stale", a, first);
    ck_assert_int_eq(on(pg, sql), 1);
    on(pg, "COMMIT");
    read_detail(a, etag, &doc);   /* assembled by the read: the same text, the new kinds */
    json_decref(doc);
    ck_assert_str_eq(etag, first);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM application_details WHERE application_id = %lld AND NOT stale"
             " AND material_kinds LIKE '%%other%%'", a);
    ck_assert_int_eq(sql_number(sql), 1);

    /* a material and the application itself in one transaction: marked, assembled by the read */
    on(pg, "BEGIN");
    snprintf(sql, sizeof sql, "DELETE FROM materials WHERE id = %lld", m);
    on(pg, sql);
    snprintf(sql, sizeof sql, "UPDATE applications SET review_comment = '材料' WHERE id = %lld", a);
    on(pg, sql);
    on(pg, "SET CONSTRAINTS ALL IMMEDIATE");
    ck_assert_int_eq(on(pg, assembled), 0);
    on(pg, "COMMIT");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM application_details WHERE application_id = %lld AND etag = '%s'"
             " AND stale", a, first);
    ck_assert_int_eq(sql_number(sql), 1);
    read_detail(a, etag, &doc);
    ck_assert_str_ne(etag, first);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "review_comment")), "材料");
    json_decref(doc);
    PQfinish(pg);

    admin_sql("UPDATE applications a SET review_comment = s.review_comment, version = s.version,"
              " updated_at = s.updated_at FROM wf_saved_kinds s WHERE a.id = s.id; DROP TABLE wf_saved_kinds");
    read_detail(a, etag, &doc);
    json_decref(doc);
    ck_assert_str_eq(etag, first);
    ck_assert_int_eq(wf_details_as_assembled(a), 1);
}
END_TEST

START_TEST(award_waits_for_the_end_of_publicity_and_objections)
{
    long long a = approved_application("沈阳技术服务平台", 20);
    char date[11];
    today_text(date);
    long long n = notice(date, a, 201);
    act(PROVINCE, a, "award", NULL, 409);                       /* publicity still runs */
    char path[128], body[256];
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld/objections", n);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"李四\",\"contact\":\"lisi@example.com\","
             "\"reason\":\"服务数据不实\"}", a);
    /* one name both ways: objector_name is filed and read; the old `name` is an unknown field */
    char old_body[256];
    snprintf(old_body, sizeof old_body, "{\"application_id\":%lld,\"name\":\"李四\",\"contact\":\"x\",\"reason\":\"y\"}", a);
    th_response *r = expect(-1, "POST", path, old_body, 422);
    ck_assert(has_error(r, "name") && has_error(r, "objector_name"));
    th_free(r);
    /* what the public types is judged as every name (domain/text.h): an override or nothing
     * visible in a name; a reason keeps its lines, never an override */
    char hostile[320];
    snprintf(hostile, sizeof hostile, "{\"application_id\":%lld,\"objector_name\":\"李\\u202e四\",\"contact\":\"\\u200b\","
             "\"reason\":\"第一行\\n\\u202e第二行\"}", a);
    r = expect(-1, "POST", path, hostile, 422);
    ck_assert_str_eq(error_code(r, "objector_name"), "hidden_controls");
    ck_assert_str_eq(error_code(r, "contact"), "empty");
    ck_assert_str_eq(error_code(r, "reason"), "hidden_controls");
    th_free(r);
    long long objection = expect_id(-1, "POST", path, body, 201);
    r = expect(PROVINCE, "GET", "/v1/objections?status=open", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    json_t *listed = json_array_get(json_object_get(r->json, "items"), json_array_size(json_object_get(r->json, "items")) - 1);
    ck_assert_int_eq(json_integer_value(json_object_get(listed, "id")), objection);
    ck_assert_str_eq(json_string_value(json_object_get(listed, "objector_name")), "李四");
    th_free(r);
    th_free(expect(DALIAN, "GET", "/v1/objections?status=open", NULL, 200));
    snprintf(path, sizeof path, "/v1/objections/%lld/resolve", objection);
    th_free(expect(SHENYANG, "POST", path, "{\"upheld\":true,\"resolution\":\"x\"}", 404));
    th_free(expect(PROVINCE, "POST", path, "{\"upheld\":true,\"resolution\":\"经核实数据不实\"}", 200));
    th_free(expect(PROVINCE, "POST", path, "{\"upheld\":false,\"resolution\":\"again\"}", 409));
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "rejected");
    th_free(r);
    /* its only application decided, the open notice offers nothing more to object to */
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld", n);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    snprintf(path, sizeof path, "/v1/publicity-notices/%lld", n);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    /* a notice needs approved applications */
    notice(date, a, 422);
}
END_TEST

START_TEST(ten_concurrent_awards_make_one_award)
{
    long long a = approved_application("沈阳\\\"融资\\\",服务平台", 30);
    notice("2026-09-28", a, 201);
    award_call calls[10];
    pthread_t threads[10];
    for (int i = 0; i < 10; i++) {
        calls[i] = (award_call){a, 0};
        pthread_create(&threads[i], NULL, award_thread, &calls[i]);
    }
    int created = 0, conflicts = 0;
    for (int i = 0; i < 10; i++) {
        pthread_join(threads[i], NULL);
        created += calls[i].status == 201;
        conflicts += calls[i].status == 409;
    }
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(conflicts, 9);
    /* certificates stay gapless: this is the round's second */
    char path[64];
    snprintf(path, sizeof path, "/v1/awards?round_id=%lld", round_id);
    th_response *r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 1),
                                                       "certificate_no")), "LNSME-2026-002");
    th_free(r);
}
END_TEST

START_TEST(the_summary_sheet_lists_a_recommenders_applications)
{
    char path[64];
    snprintf(path, sizeof path, "/v1/rounds/%lld/summary.csv", round_id);
    th_accept_language = NULL;   /* the default: Chinese column titles */
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    th_accept_language = "en";
    ck_assert(memcmp(r->body, "\xEF\xBB\xBF", 3) == 0);
    ck_assert_ptr_nonnull(strstr(r->body, "推荐单位,申报编号,平台名称,运营单位,统一社会信用代码,"));
    ck_assert_ptr_nonnull(strstr(r->body, "沈阳创业服务示范平台"));
    ck_assert_ptr_nonnull(strstr(r->body, ",150,120,92,25,20,training,90,88,92"));   /* Annex 2 and Annex 1 figures */
    ck_assert_ptr_null(strstr(r->body, "大连"));             /* another recommender's rows stay out */
    th_free(r);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_ptr_nonnull(strstr(r->body, "大连市工业和信息化局"));
    ck_assert_ptr_nonnull(strstr(r->body, "沈阳市工业和信息化局"));
    ck_assert_ptr_nonnull(strstr(r->body, "辽宁省中小企业服务协会"));
    th_free(r);
    th_free(expect(ASSESSOR_A, "GET", path, NULL, 403));
}
END_TEST

static int allows(int role, long long app, const char *action);

START_TEST(a_recommender_stops_at_its_quota)
{
    /* 沈阳's recommendations so far (among them a rejected one); the round's quota is 4 */
    long long counted = 0;
    th_response *r = expect(SHENYANG, "GET", "/v1/applications?limit=100", NULL, 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        const char *st = json_string_value(json_object_get(it, "status"));
        counted += strcmp(st, "draft") != 0 && strcmp(st, "withdrawn") != 0;
    }
    th_free(r);
    ck_assert_int_ge(counted, 4);   /* a rejected recommendation still uses its place */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE rounds SET quota_per_recommender = %lld WHERE level = 'province'", counted);
    admin_sql(sql);
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳信息服务平台甲", "210100", 50));
    long long b = new_application(SHENYANG, new_platform(SHENYANG, "沈阳信息服务平台乙", "210100", 51));
    fill(SHENYANG, a);
    fill(SHENYANG, b);
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/recommend", a);
    /* the detail's allowed_actions count the quota as the transition does (sql/064) */
    ck_assert(!allows(SHENYANG, a, "recommend"));
    r = expect(SHENYANG, "POST", path, NULL, 409);
    char quota[32];
    snprintf(quota, sizeof quota, "quota of %lld", counted);
    ck_assert_ptr_nonnull(strstr(str(r, "detail"), quota));
    th_free(r);
    /* one place more: a takes it, b is refused; a withdrawn gives it back to b */
    snprintf(sql, sizeof sql, "UPDATE rounds SET quota_per_recommender = %lld WHERE level = 'province'", counted + 1);
    admin_sql(sql);
    ck_assert(allows(SHENYANG, a, "recommend"));
    act(SHENYANG, a, "recommend", NULL, 200);
    ck_assert(!allows(SHENYANG, b, "recommend"));
    act(SHENYANG, b, "recommend", NULL, 409);
    act(SHENYANG, a, "withdraw", NULL, 200);
    ck_assert(allows(SHENYANG, b, "recommend"));
    act(SHENYANG, b, "recommend", NULL, 200);
    /* the rest of the run works without a quota */
    admin_sql("UPDATE rounds SET quota_per_recommender = NULL WHERE level = 'province'");
}
END_TEST

START_TEST(objections_are_rate_limited_per_client)
{
    long long a = approved_application_of(DALIAN, "大连公示限流平台", 60);
    char date[11], path[128], body[256];
    today_text(date);
    long long n = notice(date, a, 201);
    snprintf(path, sizeof path, "/v1/public/publicity-notices/%lld/objections", n);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"王五\",\"contact\":\"x\",\"reason\":\"y\"}", a);
    /* one objection was filed from this client earlier in the run; five an hour are taken */
    for (int i = 0; i < 4; i++)
        th_free(expect(-1, "POST", path, body, 201));
    th_response *r = expect(-1, "POST", path, body, 429);
    char retry[16];
    ck_assert_ptr_nonnull(th_header(r, "Retry-After", retry, sizeof retry));
    th_free(r);
}
END_TEST

START_TEST(associations_recommend_their_own_platforms)
{
    /* a platform an association registered in 沈阳 is the association's to recommend */
    long long q = new_platform(ASSOCIATION, "沈阳协会推荐的平台", "210100", 41);
    char qbody[128], qpath[64];
    snprintf(qbody, sizeof qbody, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, q);
    th_response *qr = expect(SHENYANG, "POST", "/v1/applications", qbody, 422);
    ck_assert(has_error(qr, "platform_id"));
    th_free(qr);
    snprintf(qpath, sizeof qpath, "/v1/platforms/%lld", q);
    th_free(expect(SHENYANG, "PATCH", qpath, "{\"operator\":{\"address\":\"别处\"}}", 403));
    new_application(ASSOCIATION, q);
    long long p = new_platform(ASSOCIATION, "鞍山行业服务平台", "210300", 40);
    long long a = new_application(ASSOCIATION, p);
    char path[64];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_free(expect(SHENYANG, "GET", path, NULL, 404));
    th_free(expect(PROVINCE, "GET", path, NULL, 200));
    th_free(expect(SUPERVISOR, "GET", path, NULL, 200));
    act(ASSOCIATION, a, "withdraw", NULL, 200);
    act(ASSOCIATION, a, "withdraw", NULL, 409);
}
END_TEST

START_TEST(a_city_level_title_satisfies_condition_12_4)
{
    long long city_round = expect_id(SHENYANG, "POST", "/v1/rounds",
                                     "{\"year\":2026,\"level\":\"city\",\"title\":\"沈阳市2026年市级示范平台认定\","
                                     "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\"}", 201);
    th_free(expect(SHENYANG, "POST", "/v1/rounds", "{\"year\":2026,\"level\":\"city\",\"title\":\"又一轮\","
                   "\"opens_on\":\"2026-02-01\",\"closes_on\":\"2026-12-31\"}", 409));
    long long p = new_platform(SHENYANG, "沈阳市级示范培训平台", "210100", 95);
    char body[256], path[128];
    /* 大连 cannot act in 沈阳's city round */
    long long dalian_platform = new_platform(DALIAN, "大连不该进沈阳轮次的平台", "210200", 96);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", city_round, dalian_platform);
    th_response *r = expect(DALIAN, "POST", "/v1/applications", body, 422);
    ck_assert(has_error(r, "round_id"));
    th_free(r);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", city_round, p);
    long long a = expect_id(SHENYANG, "POST", "/v1/applications", body, 201);
    fill(SHENYANG, a);
    act(SHENYANG, a, "recommend", NULL, 200);
    act(PROVINCE, a, "review", "{\"decision\":\"approve\"}", 403);    /* the city decides its own round */
    act(DALIAN, a, "review", "{\"decision\":\"approve\"}", 404);
    act(SHENYANG, a, "review", "{\"decision\":\"approve\"}", 200);
    approved_back_on(a, "2026-09-28");
    snprintf(body, sizeof body, "{\"title\":\"沈阳市级公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld],"
             "\"published_elsewhere\":{\"reference\":\"沈阳日报\",\"published_on\":\"2026-09-28\"}}", a);
    th_free(expect(PROVINCE, "POST", "/v1/publicity-notices", body, 403));
    th_free(expect(SHENYANG, "POST", "/v1/publicity-notices", body, 201));
    snprintf(path, sizeof path, "/v1/applications/%lld/award", a);
    r = expect(SHENYANG, "POST", path, NULL, 201);
    ck_assert_str_eq(str(r, "certificate_no"), "LNSME-210100-2026-001");
    ck_assert_str_eq(str(r, "level"), "city");
    th_free(r);
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "level")), "city");
    th_free(r);

    /* in the province's round, a report listing no recognition still meets 12.4 */
    long long b = new_application(SHENYANG, p);
    const char *bare = strstr(REPORT, "\"prior_recognitions\"");
    ck_assert_ptr_nonnull(bare);
    char report[2048];
    size_t head = (size_t)(bare - REPORT);
    const char *after = strstr(bare, "]") + 2;   /* past the array and its comma */
    snprintf(report, sizeof report, "%.*s%s", (int)head, REPORT, after);
    snprintf(path, sizeof path, "/v1/applications/%lld/report", b);
    th_free(expect(SHENYANG, "PUT", path, report, 200));
    snprintf(path, sizeof path, "/v1/applications/%lld/eligibility", b);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    json_t *c4 = json_array_get(json_object_get(r->json, "conditions"), 3);
    ck_assert_str_eq(json_string_value(json_object_get(c4, "id")), "12.4");
    ck_assert(json_is_true(json_object_get(c4, "passed")));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c4, "detail")), "city-level award in shifan: yes"));
    th_free(r);
    /* and the detail's allowed_actions read the title as the transition does (sql/064): the
     * application filled, with that report, offers recommend; another platform's, with the
     * same report and no title, does not (12.4 fails) */
    long long untitled = new_application(SHENYANG, new_platform(SHENYANG, "沈阳无市级称号的平台", "210100", 97));
    long long both[] = {b, untitled};
    for (int k = 0; k < 2; k++) {
        fill(SHENYANG, both[k]);
        snprintf(path, sizeof path, "/v1/applications/%lld/report", both[k]);
        th_free(expect(SHENYANG, "PUT", path, report, 200));
    }
    ck_assert(allows(SHENYANG, b, "recommend"));
    ck_assert(!allows(SHENYANG, untitled, "recommend"));
    act(SHENYANG, untitled, "recommend", NULL, 422);
    act(SHENYANG, b, "recommend", NULL, 200);
}
END_TEST

/* Art. 18: the objection window is real — no backdated notice unless it was published
 * elsewhere, and objections received for such a notice are recorded by the authority and
 * hold the award like any other. */
START_TEST(a_backdated_notice_needs_published_elsewhere_and_its_objections_are_recorded)
{
    long long a = approved_application("沈阳异地公示平台", 770101);
    char body[768], path[160];
    snprintf(body, sizeof body, "{\"title\":\"补录公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld]}", a);
    th_response *r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 422);
    ck_assert(has_error(r, "start_date"));
    th_free(r);
    snprintf(body, sizeof body, "{\"title\":\"补录公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld],"
             "\"published_elsewhere\":{\"reference\":\"辽工信公示〔2026〕3号\",\"published_on\":\"2026-09-29\"}}", a);
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 422);   /* starts before it was published */
    ck_assert(has_error(r, "start_date"));
    th_free(r);
    snprintf(body, sizeof body, "{\"title\":\"补录公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld],"
             "\"published_elsewhere\":{\"reference\":\"辽工信公示〔2026〕3号\"}}", a);
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 422);
    ck_assert(has_error(r, "published_elsewhere.published_on"));
    th_free(r);
    /* a notice publicizes the review's result (Art. 18): approved today, the application has no
     * notice of September, or it could be awarded at once on a window that closed before its
     * review; nothing is kept of the refusal */
    snprintf(body, sizeof body, "{\"title\":\"补录公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld],"
             "\"published_elsewhere\":{\"reference\":\"辽工信公示〔2026〕3号\",\"published_on\":\"2026-09-28\"}}", a);
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 422);
    ck_assert_str_eq(error_code(r, "start_date"), "start_before_review");
    ck_assert_str_eq(error_code(r, "published_elsewhere.published_on"), "start_before_review");
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "status"), "approved");
    th_free(r);
    /* reviewed on 29 September, a notice of the 28th is still refused; reviewed on the 28th, taken */
    approved_back_on(a, "2026-09-29");
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 422);
    ck_assert_str_eq(error_code(r, "start_date"), "start_before_review");
    th_free(r);
    approved_back_on(a, "2026-09-28");
    r = expect(PROVINCE, "POST", "/v1/publicity-notices", body, 201);
    long long n = json_integer_value(json_object_get(r->json, "id"));
    ck_assert_str_eq(str(r, "end_date"), "2026-10-22");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "published_elsewhere"), "reference")),
                     "辽工信公示〔2026〕3号");
    th_free(r);

    /* the window closed long ago (the public's objections are refused, as tested above); the
     * province records a letter it received during it */
    snprintf(path, sizeof path, "/v1/publicity-notices/%lld/objections", n);
    const char *days[] = {"2026-09-27", "2026-10-23", "2099-10-01"};   /* before, after the window; future */
    for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
        snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"赵六\",\"contact\":\"来信\","
                 "\"reason\":\"服务企业数量不实\",\"received_on\":\"%s\"}", a, days[i]);
        r = expect(PROVINCE, "POST", path, body, 422);
        ck_assert_msg(has_error(r, "received_on"), "%s", days[i]);
        th_free(r);
    }
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"赵六\",\"contact\":\"来信\","
             "\"reason\":\"服务企业数量不实\",\"received_on\":\"2026-10-22\"}", a);
    th_free(expect(SHENYANG, "POST", path, body, 404));                  /* not the city's round */
    r = expect(PROVINCE, "POST", path, body, 201);
    long long objection = json_integer_value(json_object_get(r->json, "id"));
    ck_assert_str_eq(str(r, "received_on"), "2026-10-22");
    ck_assert_str_eq(str(r, "origin"), "recorded");
    ck_assert_str_eq(str(r, "status"), "open");
    char location[64], etag[64], one[64];
    snprintf(one, sizeof one, "/v1/objections/%lld", objection);
    ck_assert_str_eq(th_header(r, "Location", location, sizeof location), one);   /* the objection itself */
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    /* read back by whoever decides on it, with what it may do; absent for everyone else */
    r = expect(PROVINCE, "GET", one, NULL, 200);
    ck_assert_str_eq(str(r, "objector_name"), "赵六");
    ck_assert_str_eq(str(r, "status"), "open");
    ck_assert_ptr_null(json_object_get(r->json, "_round"));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "allowed_actions"), 0)), "resolve");
    char read_etag[64];
    ck_assert_str_eq(th_header(r, "ETag", read_etag, sizeof read_etag), etag);   /* the POST's state, read back */
    th_free(r);
    r = expect(SUPERVISOR, "GET", one, NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "allowed_actions")), 0);
    th_free(r);
    th_free(expect(SHENYANG, "GET", one, NULL, 404));
    th_free(expect(ASSOCIATION, "GET", one, NULL, 404));
    th_free(expect(COMPANY, "GET", one, NULL, 403));
    th_free(expect(-1, "GET", one, NULL, 401));

    /* the recorded objection holds the award until it is resolved */
    act(PROVINCE, a, "award", NULL, 409);
    snprintf(path, sizeof path, "/v1/objections/%lld/resolve", objection);
    th_free(expect(PROVINCE, "POST", path, "{\"upheld\":false,\"resolution\":\"经核实，数据属实\"}", 200));
    act(PROVINCE, a, "award", NULL, 201);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_events WHERE action = 'objection.recorded' AND entity_id = %lld",
             objection);
    ck_assert_int_eq(sql_number(sql), 1);
}
END_TEST

/* Art. 19, 21: what the registry publishes of a titled platform changes only by the province,
 * which may correct its name and withdraw a function but never add one. */
START_TEST(a_titled_platforms_published_facts_change_only_by_the_province)
{
    long long p = new_platform(DALIAN, "大连冻结事实平台", "210200", 770102);
    char path[128], body[256];
    snprintf(path, sizeof path, "/v1/platforms/%lld", p);
    th_free(expect(DALIAN, "PATCH", path, "{\"functions\":[\"training\",\"technology\"]}", 200));   /* no title yet */
    long long a = new_application(DALIAN, p);
    fill(DALIAN, a);
    act(DALIAN, a, "recommend", NULL, 200);
    act(PROVINCE, a, "review", "{\"decision\":\"approve\"}", 200);
    notice("2026-09-28", a, 201);
    act(PROVINCE, a, "award", NULL, 201);

    th_response *r = expect(DALIAN, "PATCH", path, "{\"functions\":[\"training\",\"technology\",\"financing\"]}", 409);
    ck_assert(has_error(r, "functions"));
    th_free(r);
    r = expect(DALIAN, "PATCH", path, "{\"name\":\"大连改名平台\",\"functions\":[\"training\"]}", 409);
    ck_assert(has_error(r, "name") && has_error(r, "functions"));
    th_free(r);
    r = expect(DALIAN, "PATCH", path, "{\"operator\":{\"name\":\"大连新运营公司\"}}", 409);
    ck_assert(has_error(r, "operator.name"));
    th_free(r);
    th_free(expect(DALIAN, "PATCH", path, "{\"operator\":{\"address\":\"大连市中山区\"}}", 200));
    th_free(expect(DALIAN, "PATCH", path, "{\"functions\":[\"technology\",\"training\"]}", 200));   /* the same set */

    r = expect(PROVINCE, "PATCH", path, "{\"functions\":[\"training\",\"technology\",\"financing\"]}", 409);
    ck_assert(has_error(r, "functions"));
    ck_assert_ptr_nonnull(strstr(r->body, "financing"));
    th_free(r);
    th_free(expect(PROVINCE, "PATCH", path, "{\"name\":\"大连更名示范平台\",\"functions\":[\"training\"]}", 200));
    snprintf(path, sizeof path, "/v1/public/platforms/%lld", p);
    r = expect(-1, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "name"), "大连更名示范平台");
    json_t *functions = json_object_get(r->json, "functions");
    ck_assert_uint_eq(json_array_size(functions), 1);
    ck_assert_str_eq(json_string_value(json_array_get(functions, 0)), "training");
    th_free(r);
    snprintf(body, sizeof body, "SELECT count(*) FROM audit_events WHERE entity = 'platform' AND entity_id = %lld"
             " AND action = 'platform.updated'", p);
    ck_assert_int_ge(sql_number(body), 3);
}
END_TEST

/* Issue 13, point 2: allowed_actions — what the caller may do next, from the decisions
 * themselves: the recommender's and the province's buttons through the lifecycle. */
static int allows(int role, long long app, const char *action)
{
    char path[64];
    snprintf(path, sizeof path, "/v1/applications/%lld", app);
    th_response *r = expect(role, "GET", path, NULL, 200);
    int found = 0;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r->json, "allowed_actions"), i, a)
        found |= strcmp(json_string_value(a), action) == 0;
    ck_assert_msg(json_is_array(json_object_get(r->json, "allowed_actions")), "no allowed_actions");
    th_free(r);
    return found;
}

/* The allowed_actions of an answer, joined with commas ("" for none); fails if it has none. */
static void actions_of(th_response *r, char *out, size_t cap)
{
    json_t *list = json_object_get(r->json, "allowed_actions");
    ck_assert_msg(json_is_array(list), "no allowed_actions: %s", r->body);
    out[0] = '\0';
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "," : "", json_string_value(a));
}

/* What `role` (-1: the public, through /v1/public/) may do with notice `n`. */
static const char *notice_actions(int role, long long n)
{
    static char out[128];
    char path[96];
    snprintf(path, sizeof path, role < 0 ? "/v1/public/publicity-notices/%lld" : "/v1/publicity-notices/%lld", n);
    th_response *r = expect(role, "GET", path, NULL, 200);
    actions_of(r, out, sizeof out);
    /* the notice's status (SQL's notice_docs) and the decision to take objections (C's
     * sf_decide_file_objection) are twins of one fact: they must agree */
    ck_assert_int_eq(strcmp(str(r, "status"), "open") == 0, strstr(out, "object,") == out || strcmp(out, "object") == 0);
    th_free(r);
    return out;
}

/* What `role` may do with objection `id`, as the list of objections shows it. */
static const char *objection_actions(int role, long long id)
{
    static char out[128];
    th_response *r = expect(role, "GET", "/v1/objections?limit=100", NULL, 200);
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        if (json_integer_value(json_object_get(it, "id")) != id)
            continue;
        ck_assert_ptr_null(json_object_get(it, "_round"));
        th_response one = {.json = it};
        actions_of(&one, out, sizeof out);
        found = 1;
    }
    th_free(r);
    ck_assert_msg(found, "objection %lld not listed for %d", id, role);
    return out;
}

/* A notice's and an objection's allowed_actions follow the decisions of their routes: the
 * public objects while the notice is open, its deciding authority records an objection once
 * the window has begun and resolves an open one; no one else, and nothing once resolved. */
START_TEST(notices_and_objections_carry_allowed_actions)
{
    /* the association recommends it: 沈阳's quota in the round is for the tests after this one */
    long long a = approved_application_of(ASSOCIATION, "沈阳异议按钮平台", 33);
    char date[11], path[128], body[256];
    today_text(date);
    long long n = notice(date, a, 201);
    ck_assert_str_eq(notice_actions(PROVINCE, n), "object,record_objection");
    ck_assert_str_eq(notice_actions(SHENYANG, n), "object");      /* a province round: not its to decide */
    ck_assert_str_eq(notice_actions(SUPERVISOR, n), "object");
    ck_assert_str_eq(notice_actions(-1, n), "object");
    /* recorded by the authority: it may resolve it, no one else */
    snprintf(path, sizeof path, "/v1/publicity-notices/%lld/objections", n);
    snprintf(body, sizeof body, "{\"application_id\":%lld,\"objector_name\":\"钱七\",\"contact\":\"来信\","
             "\"reason\":\"数据不实\",\"received_on\":\"%s\"}", a, date);
    th_response *r = expect(PROVINCE, "POST", path, body, 201);
    char actions[128];
    actions_of(r, actions, sizeof actions);
    ck_assert_str_eq(actions, "resolve");
    long long o = json_integer_value(json_object_get(r->json, "id"));
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "objector_name")), "钱七");
    th_free(r);
    ck_assert_str_eq(objection_actions(PROVINCE, o), "resolve");
    ck_assert_str_eq(objection_actions(SUPERVISOR, o), "");
    /* If-Match names the objection as last read (GET /v1/objections/{id}): another is 412,
     * nothing done; its own is taken */
    snprintf(path, sizeof path, "/v1/objections/%lld", o);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    char etag[80], if_match[128];
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    snprintf(path, sizeof path, "/v1/objections/%lld/resolve", o);
    const char *dismiss = "{\"upheld\":false,\"resolution\":\"经核实不成立\"}";
    r = th_request(port, "POST", path, tokens[PROVINCE], "application/json", dismiss, strlen(dismiss),
                   "If-Match: \"00000000000000000000000000000000\"\r\n");
    ck_assert_int_eq(r->status, 412);
    th_free(r);
    ck_assert_str_eq(objection_actions(PROVINCE, o), "resolve");   /* still open */
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "POST", path, tokens[PROVINCE], "application/json", dismiss, strlen(dismiss), if_match);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    actions_of(r, actions, sizeof actions);
    ck_assert_str_eq(actions, "");
    th_free(r);
    ck_assert_str_eq(objection_actions(PROVINCE, o), "");
    /* a notice whose window has closed: only recording what arrived in time remains, while
     * an application on it is still publicized; once every one is decided, nothing */
    long long waiting = approved_application_of(ASSOCIATION, "沈阳公示期满待授予平台", 34);
    long long closed = notice("2026-09-28", waiting, 201);   /* published elsewhere, ended 2026-10-22 */
    ck_assert_int_gt(closed, 0);
    ck_assert_str_eq(notice_actions(PROVINCE, closed), "record_objection");
    ck_assert_str_eq(notice_actions(SHENYANG, closed), "");
    ck_assert_str_eq(notice_actions(-1, closed), "");
    long long decided = sql_number("SELECT coalesce(min(n.id), 0) FROM publicity_notices n JOIN rounds r"
                                   " ON r.id = n.round_id WHERE r.level = 'province' AND n.end_date < current_date"
                                   " AND NOT EXISTS (SELECT 1 FROM publicity_notice_items i JOIN applications a"
                                   " ON a.id = i.application_id WHERE i.notice_id = n.id AND a.status = 'publicized')");
    ck_assert_int_gt(decided, 0);
    ck_assert_str_eq(notice_actions(PROVINCE, decided), "");
}
END_TEST

START_TEST(allowed_actions_follow_the_decisions)
{
    long long p = new_platform(SHENYANG, "沈阳按钮检验平台", "210100", 770107);
    long long a = new_application(SHENYANG, p);
    /* before the report is filled, eligibility answers what is missing, not an error */
    char epath[96];
    snprintf(epath, sizeof epath, "/v1/applications/%lld/eligibility", a);
    th_response *el = expect(SHENYANG, "GET", epath, NULL, 200);
    ck_assert(json_is_false(json_object_get(el->json, "eligible")));
    size_t ci;
    json_t *cond;
    json_array_foreach(json_object_get(el->json, "conditions"), ci, cond)
        ck_assert(json_is_true(json_object_get(cond, "missing")) && json_is_false(json_object_get(cond, "passed")));
    ck_assert_uint_eq(json_array_size(json_object_get(el->json, "conditions")), 6);
    ck_assert_uint_eq(json_array_size(json_object_get(el->json, "functions")), 5);
    th_free(el);
    ck_assert(allows(SHENYANG, a, "edit") && allows(SHENYANG, a, "withdraw"));
    ck_assert(!allows(SHENYANG, a, "recommend"));          /* nothing filled yet: it would be refused */
    ck_assert(!allows(PROVINCE, a, "approve") && !allows(PROVINCE, a, "edit"));
    fill(SHENYANG, a);
    ck_assert(allows(SHENYANG, a, "recommend"));
    /* the application's ETag does not vary with the caller's buttons */
    char path[64], e1[80], e2[80];
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    th_header(r, "ETag", e1, sizeof e1);
    th_free(r);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    th_header(r, "ETag", e2, sizeof e2);
    /* the answer is its canonical text; the ETag hashes it without the caller's buttons
     * (issue 18, point 5: both are written from the members, each dumped once) */
    th_assert_canonical_tagged(r, (const char *const[]){"allowed_actions", NULL});
    th_free(r);
    ck_assert_str_eq(e1, e2);
    /* the round's rules, kept in the stored detail (sql/049), follow a change made by hand in
     * psql at once: closed since yesterday, nothing may move; open again, it may */
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE TABLE wf_saved_round AS SELECT id, closes_on FROM rounds WHERE id = %lld;"
             " UPDATE rounds SET closes_on = current_date - 1 WHERE id = %lld", round_id, round_id);
    admin_sql(sql);
    int closed_allows = allows(SHENYANG, a, "recommend"), closed_edit = allows(SHENYANG, a, "edit");
    int as_assembled = wf_details_as_assembled(a);
    admin_sql("UPDATE rounds r SET closes_on = s.closes_on FROM wf_saved_round s WHERE r.id = s.id;"
              " DROP TABLE wf_saved_round");   /* put back before any assertion: later tests use the round */
    ck_assert(!closed_allows && closed_edit);   /* an edit does not depend on the round's dates */
    ck_assert_int_eq(as_assembled, 1);
    ck_assert(allows(SHENYANG, a, "recommend"));
    ck_assert_int_eq(wf_details_as_assembled(0), sql_number("SELECT count(*) FROM applications"));
    act(SHENYANG, a, "recommend", NULL, 200);
    ck_assert(!allows(SHENYANG, a, "edit") && !allows(SHENYANG, a, "recommend") && allows(SHENYANG, a, "withdraw"));
    ck_assert(allows(PROVINCE, a, "approve") && allows(PROVINCE, a, "reject") && allows(PROVINCE, a, "return"));
    ck_assert(!allows(SHENYANG, a, "approve"));
    act(PROVINCE, a, "review", "{\"decision\":\"approve\"}", 200);
    ck_assert(allows(PROVINCE, a, "publicize") && !allows(PROVINCE, a, "award") && !allows(SHENYANG, a, "withdraw"));
    notice("2026-09-28", a, 201);
    ck_assert(allows(PROVINCE, a, "award"));               /* its publicity ended long ago */
    ck_assert(!allows(SUPERVISOR, a, "award"));
}
END_TEST

/* The 201 of a new application is the application as GET reads it — its history,
 * allowed_actions and ETag — so that the portal may send that ETag back: If-None-Match answers
 * 304 and a form's If-Match is accepted (from an outside review: the 201 carried the ETag of
 * the bare document, which GET never gives, and the next PUT with it was 412). */
START_TEST(a_new_application_answers_as_get_reads_it)
{
    long long p = new_platform(SHENYANG, "沈阳新申报应答示范平台", "210100", 10);
    char body[128], path[128], etag[80], header[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, p);
    th_response *created = expect(SHENYANG, "POST", "/v1/applications", body, 201);
    ck_assert_ptr_nonnull(th_header(created, "ETag", etag, sizeof etag));
    ck_assert(json_is_array(json_object_get(created->json, "allowed_actions")));
    ck_assert(json_is_array(json_object_get(created->json, "history")));
    long long a = json_integer_value(json_object_get(created->json, "id"));
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(r->body, created->body);
    th_free(r);
    snprintf(header, sizeof header, "If-None-Match: %s\r\n", etag);
    r = th_request(port, "GET", path, tokens[SHENYANG], NULL, NULL, 0, header);
    ck_assert_int_eq(r->status, 304);
    th_free(r);
    snprintf(header, sizeof header, "If-Match: %s\r\n", etag);
    strcat(path, "/report");
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", REPORT, strlen(REPORT), header);
    ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
    th_free(r);
    th_free(created);
}
END_TEST

/* Art. 18: a published notice's 15 working days stand; a change of the calendar that would
 * move its 15th day is refused, naming it, and nothing changes (from an outside review: the
 * end date stood while the calendar said otherwise, and objections closed a day early). */
START_TEST(a_calendar_change_never_moves_a_published_window)
{
    long long a = approved_application_of(DALIAN, "大连公示窗口不变平台", 660301);
    char today[11];
    today_text(today);
    long long n = notice(today, a, 201);
    char path[64];
    snprintf(path, sizeof path, "/v1/publicity-notices/%lld", n);
    th_response *r = expect(PROVINCE, "GET", path, NULL, 200);
    char start[11];
    snprintf(start, sizeof start, "%s", str(r, "start_date"));
    th_free(r);
    /* its 14th working day, inside the window, made a holiday (in its own year) */
    char days_path[96], inside_text[11], year_path[64];
    snprintf(days_path, sizeof days_path, "/v1/calendar/working-days?start=%s&count=14", start);
    r = expect(PROVINCE, "GET", days_path, NULL, 200);
    snprintf(inside_text, sizeof inside_text, "%s", str(r, "end"));
    th_free(r);
    snprintf(year_path, sizeof year_path, "/v1/calendar/%.4s", inside_text);
    th_response *before = expect(PROVINCE, "GET", year_path, NULL, 200);
    json_t *holidays = json_deep_copy(json_object_get(before->json, "holidays"));
    json_array_append_new(holidays, json_string(inside_text));
    json_t *body = json_pack("{s:o, s:O}", "holidays", holidays, "working_days",
                             json_object_get(before->json, "working_days"));
    char *text = json_dumps(body, JSON_COMPACT);
    r = expect(PROVINCE, "PUT", year_path, text, 409);
    ck_assert_str_eq(str(r, "code"), "calendar_moves_notices");
    char id[24];
    snprintf(id, sizeof id, "%lld", n);
    ck_assert_ptr_nonnull(strstr(str(r, "notices"), id));
    th_free(r);
    r = expect(PROVINCE, "GET", year_path, NULL, 200);   /* nothing changed */
    ck_assert(json_equal(json_object_get(r->json, "holidays"), json_object_get(before->json, "holidays")));
    th_free(r);
    free(text);
    json_decref(body);
    th_free(before);
}
END_TEST

Suite *wf_lifecycle_suite(void)
{
    Suite *s = suite_create("workflow: lifecycle");
    TCase *tc = tcase_create("lifecycle");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_whole_path_from_platform_to_registry_and_revocation);
    tcase_add_test(tc, award_waits_for_the_end_of_publicity_and_objections);
    tcase_add_test(tc, a_new_application_answers_as_get_reads_it);
    tcase_add_test(tc, a_calendar_change_never_moves_a_published_window);
    tcase_add_test(tc, the_detail_follows_a_change_by_hand_in_psql);
    tcase_add_test(tc, the_detail_is_refreshed_once_per_transaction_at_its_commit);
    tcase_add_test(tc, a_write_marks_the_detail_stale_and_the_next_read_assembles_it);
    tcase_add_test(tc, notices_and_objections_carry_allowed_actions);
    tcase_add_test(tc, ten_concurrent_awards_make_one_award);
    tcase_add_test(tc, a_recommender_stops_at_its_quota);
    tcase_add_test(tc, objections_are_rate_limited_per_client);
    tcase_add_test(tc, associations_recommend_their_own_platforms);
    tcase_add_test(tc, a_city_level_title_satisfies_condition_12_4);
    tcase_add_test(tc, the_summary_sheet_lists_a_recommenders_applications);
    tcase_add_test(tc, a_backdated_notice_needs_published_elsewhere_and_its_objections_are_recorded);
    tcase_add_test(tc, a_titled_platforms_published_facts_change_only_by_the_province);
    tcase_add_test(tc, allowed_actions_follow_the_decisions);
    suite_add_tcase(s, tc);
    return s;
}
