/*
 * Workflow: Across routes: newest-first lists, another party's objects answer 404 on every
 * route, the contract; runs last.
 */
#include "tests/workflow/fixture.h"

/* The ids of a list walked page by page with `order`, at most `cap`. */
static size_t walk_ids(int role, const char *collection, const char *order, int limit, long long *ids, size_t cap)
{
    size_t n = 0;
    char token[128] = "";
    for (int pages = 0; pages < 200; pages++) {
        char path[512];
        snprintf(path, sizeof path, "%s%slimit=%d&order=%s%s%s", collection, strchr(collection, '?') ? "&" : "?", limit,
                 order, token[0] ? "&page_token=" : "", token);
        th_response *r = expect(role, "GET", path, NULL, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), i, it) {
            json_t *id = json_object_get(it, "id") ? json_object_get(it, "id") : json_object_get(it, "seq");
            if (n < cap)
                ids[n++] = json_integer_value(id);
        }
        const char *next = str(r, "next_page_token");
        snprintf(token, sizeof token, "%s", next ? next : "");
        th_free(r);
        if (token[0] == '\0')
            break;
    }
    return n;
}

/* A fingerprint of every table a scoped route could change: the text of each row, and of a
 * materials row its version (xmin, ctid) instead, which any write to it changes — its content
 * is the suite's 20 MiB uploads, whose text took 11 s to hash each time. */
static char *scoped_tables_fingerprint(void)
{
    static const char *const tables[] = {"platforms", "applications", "materials", "rounds", "objections", "awards",
                                         "assessments", "annual_summaries", "attachments", "api_tokens",
                                         "publicity_notices", "audit_events", "users", "sessions"};
    char sql[2560] = "SELECT ''";
    size_t n = strlen(sql);
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        const char *row = strcmp(tables[i], "materials") == 0 ? "t.xmin::text || t.ctid::text" : "t::text";
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " || coalesce((SELECT md5(string_agg(md5(%s), '' ORDER BY md5(%s))) FROM %s t), '-')",
                              row, row, tables[i]);
        ck_assert_uint_lt(n, sizeof sql);   /* before the next one is written after it */
    }
    PGconn *pg = PQconnectdb(th_env("SHIFAN_TEST_WORKFLOW_ADMIN_URL"));
    /* events committed before are linked first: a linker giving them their positions between
     * two fingerprints is not a change the route made (sql/031_audit_linker.sql) */
    PQclear(PQexec(pg, "SELECT audit_link(NULL, true)"));
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(pg));
    char *out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(pg);
    return out;
}

static const char *role_of(int party)
{
    switch (party) {
    case PROVINCE: return "province";
    case SHENYANG: case DALIAN: return "city";
    case ASSOCIATION: return "association";
    case SUPERVISOR: return "supervisor";
    case COMPANY: case OTHER_COMPANY: return "platform";
    default: return "assessor";
    }
}

/* A body each write would accept from the object's owner, so that what answers is the scope
 * check, not the validation. */
static const char *valid_body(const char *method, const char *pattern)
{
    static const struct {
        const char *method, *pattern, *body;
    } bodies[] = {
        {"PATCH", "/v1/platforms/:id", "{\"name\":\"改名的平台\"}"},
        {"PUT", "/v1/applications/:id/report", NULL},          /* REPORT */
        {"PUT", "/v1/applications/:id/recommendation", NULL},  /* FORM */
        {"POST", "/v1/applications/:id/review", "{\"decision\":\"approve\"}"},
        {"POST", "/v1/objections/:id/resolve", "{\"upheld\":false,\"resolution\":\"不成立\"}"},
        {"POST", "/v1/publicity-notices/:id/objections", "{\"application_id\":1,\"objector_name\":\"王五\",\"contact\":\"来信\","
                                                        "\"reason\":\"数据不实\",\"received_on\":\"2026-10-09\"}"},
        {"POST", "/v1/awards/:id/revoke", "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\",\"reference\":\"辽工信发〔2026〕12号\"}"},
        {"POST", "/v1/awards/:id/reinstate", "{\"reason\":\"复核合格\"}"},
        {"POST", "/v1/assessments/:id/result", "{\"score\":80,\"passed\":true,\"summary\":\"合格\"}"},
        {"POST", "/v1/applications/:id/return", "{\"comment\":\"请补充材料\"}"},
        {"PATCH", "/v1/users/:id", "{\"active\":false}"},
        {"POST", "/v1/users/:id/password", "{\"password\":\"a-brand-new-password-7\"}"},
    };
    if (strcmp(pattern, "/v1/applications/:id/report") == 0 && strcmp(method, "PUT") == 0)
        return REPORT;
    if (strcmp(pattern, "/v1/applications/:id/recommendation") == 0 && strcmp(method, "PUT") == 0)
        return FORM;
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        if (strcmp(bodies[i].method, method) == 0 && strcmp(bodies[i].pattern, pattern) == 0)
            return bodies[i].body;
    return NULL;
}

START_TEST(lists_read_newest_first_on_request)
{
    static long long asc[20000], desc[20000];
    const char *collections[] = {"/v1/platforms", "/v1/applications", "/v1/awards", "/v1/rounds",
                                 "/v1/publicity-notices", "/v1/public/platforms", "/v1/public/publicity-notices?status=closed"};
    for (size_t c = 0; c < sizeof collections / sizeof *collections; c++) {
        size_t na = walk_ids(PROVINCE, collections[c], "asc", 100, asc, 20000);
        size_t nd = walk_ids(PROVINCE, collections[c], "desc", c == 0 || c == 5 ? 97 : 3, desc, 20000);
        ck_assert_msg(na == nd, "%s: %zu ascending, %zu descending", collections[c], na, nd);
        for (size_t i = 0; i < nd; i++) {
            ck_assert_int_eq(desc[i], asc[na - 1 - i]);   /* the same items, newest first */
            if (i > 0)
                ck_assert(desc[i] < desc[i - 1]);
        }
    }
    th_response *r = expect(SUPERVISOR, "GET", "/v1/audit-events?order=desc&limit=3", NULL, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert(json_integer_value(json_object_get(json_array_get(items, 0), "seq")) >
              json_integer_value(json_object_get(json_array_get(items, 2), "seq")));
    /* a token continues the walk it came from: the newest-first one's is refused by an
     * oldest-first walk of the same collection, and the other way round */
    char next[256];
    snprintf(next, sizeof next, "/v1/audit-events?order=desc&limit=3&page_token=%s", str(r, "next_page_token"));
    th_free(expect(SUPERVISOR, "GET", next, NULL, 200));
    snprintf(next, sizeof next, "/v1/audit-events?limit=3&page_token=%s", str(r, "next_page_token"));
    th_free(r);
    r = expect(SUPERVISOR, "GET", next, NULL, 422);
    ck_assert_str_eq(error_code(r, "page_token"), "page_token_invalid");
    th_free(r);
    r = expect(SUPERVISOR, "GET", "/v1/audit-events?limit=3", NULL, 200);
    snprintf(next, sizeof next, "/v1/audit-events?order=desc&limit=3&page_token=%s", str(r, "next_page_token"));
    th_free(r);
    th_free(expect(SUPERVISOR, "GET", next, NULL, 422));
    th_free(expect(PROVINCE, "GET", "/v1/objections?order=desc", NULL, 422));
    th_free(expect(PROVINCE, "GET", "/v1/platforms?order=sideways", NULL, 422));
}
END_TEST

/* ---- uploads, downloads and CSV cells (issue 7, point 7) ---- */

/* Walks `collection` as `role` with ?count=true, `limit` a page: every page carries the same
 * total, and it is the number of items the walk met; returns it. After the first page the
 * limit grows so that the walk takes about a dozen pages (the pages still differ in size). */
static long long counted_walk(int role, const char *collection, int limit)
{
    long long met = 0, total = -1;
    char token[128] = "";
    for (int pages = 0; pages < 2000; pages++) {
        char path[512];
        snprintf(path, sizeof path, "%s%scount=true&limit=%d%s%s", collection, strchr(collection, '?') ? "&" : "?",
                 limit, token[0] ? "&page_token=" : "", token);
        th_response *r = expect(role, "GET", path, NULL, 200);
        json_t *t = json_object_get(r->json, "total");
        ck_assert_msg(json_is_integer(t), "%s: no total", path);
        if (total < 0) {
            total = json_integer_value(t);
            /* a long collection is walked in at most about a dozen pages after the first */
            if (total / limit > 12)
                limit = (int)(total / 12 + 1 > 100 ? 100 : total / 12 + 1);
        }
        ck_assert_msg(json_integer_value(t) == total, "%s: total %lld, first page said %lld", path,
                      (long long)json_integer_value(t), total);
        met += (long long)json_array_size(json_object_get(r->json, "items"));
        const char *next = str(r, "next_page_token");
        snprintf(token, sizeof token, "%s", next ? next : "");
        th_free(r);
        if (token[0] == '\0')
            break;
    }
    ck_assert_msg(met == total, "%s as %d: walked %lld items, total %lld", collection, role, met, total);
    return total;
}

/* ?count=true: `total` is every item the filters match in the caller's scope, on every page,
 * whatever the limit and the page token (issue 13 §3). */
START_TEST(count_true_totals_the_matches_of_every_page)
{
    static const struct {
        int role;
        const char *collection;
    } lists[] = {
        {PROVINCE, "/v1/platforms"}, {SHENYANG, "/v1/platforms"}, {ASSOCIATION, "/v1/platforms"},
        {PROVINCE, "/v1/applications"}, {PROVINCE, "/v1/applications?status=draft"}, {SHENYANG, "/v1/applications"},
        {COMPANY, "/v1/applications"}, {PROVINCE, "/v1/awards"}, {PROVINCE, "/v1/awards?level=city"},
        {DALIAN, "/v1/awards"}, {COMPANY, "/v1/awards"}, {PROVINCE, "/v1/rounds"}, {SHENYANG, "/v1/rounds"},
        {PROVINCE, "/v1/publicity-notices"}, {PROVINCE, "/v1/publicity-notices?status=closed"},
        {-1, "/v1/public/publicity-notices"}, {PROVINCE, "/v1/objections"}, {SHENYANG, "/v1/objections"},
        {-1, "/v1/public/platforms"}, {-1, "/v1/public/platforms?region_code=210200"},
        {PROVINCE, "/v1/audit-events?entity=application"}, {PROVINCE, "/v1/organizations"},
        {PROVINCE, "/v1/organizations?type=city"}, {SHENYANG, "/v1/organizations"}, {PROVINCE, "/v1/users"},
        {SHENYANG, "/v1/users"}, {PROVINCE, "/v1/assessments"}, {ASSESSOR_A, "/v1/assessments"},
        {PROVINCE, "/v1/annual-summaries"}, {SHENYANG, "/v1/annual-summaries"}, {PROVINCE, "/v1/inspections"},
        {PROVINCE, "/v1/city-reports"}, {PROVINCE, "/v1/rectifications"}, {COMPANY, "/v1/rectifications"},
        {COMPANY, "/v1/inbox"}, {PROVINCE, "/v1/inbox"}, {COMPANY, "/v1/api-tokens"},
    };
    long long totals[sizeof lists / sizeof *lists];
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        totals[i] = counted_walk(lists[i].role, lists[i].collection, 7);
        /* one item a page, or one page of all: the same total */
        ck_assert_int_eq(counted_walk(lists[i].role, lists[i].collection, 100), totals[i]);
    }
    /* the counts are the filters' and the scope's, as the database holds them */
    ck_assert_int_eq(totals[0], sql_number("SELECT count(*) FROM platforms"));
    ck_assert_int_lt(totals[1], totals[0]);   /* a city counts its own region's platforms only */
    ck_assert_int_gt(totals[1], 0);
    ck_assert_int_eq(totals[3], sql_number("SELECT count(*) FROM applications"));
    ck_assert_int_eq(totals[4], sql_number("SELECT count(*) FROM applications WHERE status = 'draft'"));
    ck_assert_int_lt(totals[5], totals[3]);
    ck_assert_int_eq(totals[7], sql_number("SELECT count(*) FROM awards"));
    ck_assert_int_eq(totals[8], sql_number("SELECT count(*) FROM awards WHERE level = 'city'"));
    ck_assert_int_lt(totals[9], totals[7]);
    ck_assert_int_eq(totals[20], sql_number("SELECT count(*) FROM audit_events WHERE entity = 'application'"));
    ck_assert_int_eq(totals[22], sql_number("SELECT count(*) FROM organizations WHERE type = 'city'"));
    ck_assert_int_lt(totals[23], totals[21]);
    /* a later page's token does not change the total: it counts from the start */
    th_response *r = expect(PROVINCE, "GET", "/v1/applications?count=true&limit=2", NULL, 200);
    char path[256];
    snprintf(path, sizeof path, "/v1/applications?count=true&limit=2&page_token=%s", str(r, "next_page_token"));
    th_free(r);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total")), totals[3]);
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/applications?count=true&limit=2&order=desc", NULL, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total")), totals[3]);
    th_free(r);
}
END_TEST

START_TEST(another_partys_objects_answer_404_on_every_route)
{
    /* objects of one city, of the association, of one assessor */
    long long sy_platform = new_platform(SHENYANG, "沈阳范围检查平台", "210100", 880101);
    long long sy_app = new_application(SHENYANG, sy_platform);
    upload(SHENYANG, sy_app, "business_license", 201);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT max(id) FROM materials WHERE application_id = %lld", sy_app);
    long long sy_material = sql_number(sql);
    long long as_platform = new_platform(ASSOCIATION, "协会范围检查平台", "210100", 880102);
    long long as_app = new_application(ASSOCIATION, as_platform);
    long long sy_round = sql_number("SELECT coalesce(max(id), 0) FROM rounds WHERE level = 'city' AND region_code = '210100'");
    if (sy_round == 0)
        sy_round = expect_id(SHENYANG, "POST", "/v1/rounds", "{\"year\":2026,\"level\":\"city\",\"title\":\"沈阳市级认定\","
                             "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\"}", 201);
    long long dl_award = dalian_title_since("大连范围检查平台", 880103, "2026-01-01");
    char body[256];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", dl_award,
             assessor_org[ASSESSOR_A]);
    long long assessment = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"2026年度工作总结\"}", dl_award);
    long long dl_summary = expect_id(DALIAN, "POST", "/v1/annual-summaries", body, 201);
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"inspected_on\":\"2026-11-20\",\"service_quality\":\"良好\","
             "\"fees\":\"符合规定\",\"satisfaction\":\"90\",\"findings\":\"无\",\"outcome\":\"satisfactory\"}", dl_award);
    long long dl_inspection = expect_id(DALIAN, "POST", "/v1/inspections", body, 201);
    /* a user of an office: no city administers it (a city, its own users included: only the
     * users of its region's platform operators are a city's, issue 14 item 6) */
    long long sy_user = sql_number("SELECT coalesce(min(u.id), 0) FROM users u JOIN organizations o ON o.id = u.org_id"
                                   " WHERE o.type = 'city' AND o.region_code = '210100'");
    ck_assert_msg(sy_user > 0, "the run has no user of 沈阳 to try");
    long long dl_city_report = sql_number("SELECT coalesce(min(id), 0) FROM city_reports WHERE region_code = '210200'");
    ck_assert_msg(dl_city_report > 0, "the run has no city report of 大连 to try");
    long long dl_rectification = sql_number("SELECT coalesce(min(x.id), 0) FROM rectifications x JOIN awards w"
                                            " ON w.id = x.award_id JOIN platforms p ON p.id = w.platform_id"
                                            " WHERE p.region_code = '210200'");
    ck_assert_msg(dl_rectification > 0, "the run has no rectification of 大连 to try");
    long long objection = sql_number("SELECT coalesce(min(o.id), 0) FROM objections o JOIN applications a ON a.id = o.application_id"
                                     " JOIN rounds r ON r.id = a.round_id WHERE r.level = 'province' AND o.status = 'open'");
    ck_assert_msg(objection > 0, "the run has no open objection of the province's round to try");
    long long province_notice = sql_number("SELECT coalesce(min(n.id), 0) FROM publicity_notices n JOIN rounds r"
                                           " ON r.id = n.round_id WHERE r.level = 'province'");
    snprintf(body, sizeof body, "{\"name\":\"沈阳脚本\",\"scopes\":[\"read\"],\"expires_in\":2592000}");
    th_response *t = expect(SHENYANG, "POST", "/v1/api-tokens", body, 201);
    long long sy_token = json_integer_value(json_object_get(t->json, "id"));
    th_free(t);
    /* a platform company's own application, and the company's account and organisation */
    long long co_platform = new_platform(SHENYANG, "公司范围检查平台", "210100", COMPANY_SERIAL);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", round_id, co_platform);
    long long co_app = expect_id(COMPANY, "POST", "/v1/applications", body, 201);
    long long co_user = sql_number("SELECT id FROM users WHERE username = 'company'");

    /* each route prefix with an :id, the object, and the parties it must not exist for */
    static const int NONE = -1;
    const struct {
        const char *prefix;
        long long id;
        int others[8];
    } cases[] = {
        {"/v1/api-tokens/:id", sy_token, {DALIAN, ASSOCIATION, PROVINCE, SUPERVISOR, ASSESSOR_B, COMPANY, NONE}},
        {"/v1/rounds/:id", sy_round, {DALIAN, ASSOCIATION, OTHER_COMPANY, NONE}},
        {"/v1/platforms/:id", sy_platform, {DALIAN, ASSOCIATION, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/platforms/:id", as_platform, {DALIAN, COMPANY, NONE}},
        {"/v1/platforms/:id", co_platform, {DALIAN, ASSOCIATION, OTHER_COMPANY, NONE}},
        {"/v1/applications/:id", sy_app, {DALIAN, ASSOCIATION, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/applications/:id", as_app, {SHENYANG, DALIAN, COMPANY, NONE}},
        {"/v1/applications/:id", co_app, {DALIAN, ASSOCIATION, OTHER_COMPANY, NONE}},
        {"/v1/materials/:id", sy_material, {DALIAN, ASSOCIATION, COMPANY, NONE}},
        {"/v1/objections/:id", objection, {SHENYANG, DALIAN, NONE}},
        {"/v1/publicity-notices/:id/objections", province_notice, {SHENYANG, DALIAN, NONE}},
        {"/v1/awards/:id", dl_award, {SHENYANG, ASSOCIATION, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/assessments/:id", assessment, {ASSESSOR_B, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/annual-summaries/:id", dl_summary, {SHENYANG, ASSESSOR_B, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/inspections/:id", dl_inspection, {SHENYANG, ASSESSOR_B, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/city-reports/:id", dl_city_report, {SHENYANG, ASSESSOR_A, ASSESSOR_B, NONE}},
        {"/v1/rectifications/:id", dl_rectification, {SHENYANG, ASSESSOR_B, COMPANY, OTHER_COMPANY, NONE}},
        {"/v1/organizations/:id", assessor_org[COMPANY], {DALIAN, OTHER_COMPANY, NONE}},
        {"/v1/users/:id", co_user, {DALIAN, NONE}},
        {"/v1/users/:id", sy_user, {SHENYANG, DALIAN, NONE}},
    };
    /* routes with a path variable that no party owns, and why */
    static const char *const unowned[] = {
        "/v1/calendar/:year",         /* a year, the same for everyone */
        "/v1/publicity-notices/:id",  /* public: the same notice is at /v1/public/publicity-notices/:id */
    };
    char *before = scoped_tables_fingerprint();
    int checked = 0;
    for (size_t r = 0; sf_routes[r].method != NULL; r++) {
        const sf_route *rt = &sf_routes[r];
        if (rt->access == SF_PUBLIC || strchr(rt->path, ':') == NULL)
            continue;
        int owned = 0, exempt = 0;
        for (size_t u = 0; u < sizeof unowned / sizeof *unowned; u++)
            exempt |= strncmp(rt->path, unowned[u], strlen(unowned[u])) == 0;
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
            size_t plen = strlen(cases[c].prefix);
            if (strncmp(rt->path, cases[c].prefix, plen) != 0 || (rt->path[plen] != '\0' && rt->path[plen] != '/'))
                continue;
            owned = 1;
            char id[24], path[256];
            snprintf(id, sizeof id, "%lld", cases[c].id);
            snprintf(path, sizeof path, "%.*s%s%s%s", (int)(strstr(rt->path, ":id") - rt->path), rt->path, id,
                     strstr(rt->path, ":id") + 3,
                     !rt->upload ? "" : strstr(rt->path, "/materials") ? "?kind=business_license&filename=x.pdf"
                                                                      : "?filename=x.pdf");
            for (int k = 0; cases[c].others[k] != NONE; k++) {
                int party = cases[c].others[k];
                if (!sf_role_may(sf_role_parse(role_of(party)), (sf_action)rt->action))
                    continue;   /* 403 for the role: the other half of point 4 (test_http.c) */
                th_response *res;
                if (rt->upload) {
                    const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
                    res = th_request(port, rt->method, path, tokens[party], "application/pdf", pdf, sizeof pdf - 1, NULL);
                } else {
                    const char *json = valid_body(rt->method, rt->path);
                    int has_body = strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "DELETE") != 0;
                    res = req(party, rt->method, path, has_body ? (json ? json : "{}") : NULL);
                }
                ck_assert_msg(res != NULL && res->status == 404, "%s %s as %s's %s: expected 404, got %d: %s", rt->method,
                              path, role_of(party), rt->path, res ? res->status : 0, res ? res->body : "");
                th_free(res);
                checked++;
            }
        }
        ck_assert_msg(owned || exempt, "%s %s has a path variable and no case here: add its owner and the parties "
                      "it must not exist for", rt->method, rt->path);
    }
    char *after = scoped_tables_fingerprint();
    ck_assert_msg(strcmp(before, after) == 0, "a refused request changed something");
    free(before);
    free(after);
    ck_assert_int_ge(checked, 40);
}
END_TEST

START_TEST(every_answer_fits_the_contract)
{
    ck_assert_uint_eq(th_contract_misfits(), 0);
}
END_TEST

/* Issue 13: walking the route table, every route the contract says creates (201) did answer
 * 201 in this suite, and each such answer named in Location a GET that answered its creator
 * 200 (held by the contract check in tests/testutil.c: a miss is a misfit above). */
START_TEST(every_route_that_creates_answered_201_with_a_location)
{
    char why[256];
    int routes = 0;
    for (size_t i = 0; sf_routes[i].method != NULL; i++) {
        const sf_route *rt = &sf_routes[i];
        char path[256];
        snprintf(path, sizeof path, "%s", rt->path);
        for (char *c; (c = strchr(path, ':')) != NULL;) {
            size_t len = strcspn(c, "/");
            memmove(c + 1, c + len, strlen(c + len) + 1);
            *c = '1';
        }
        if (!th_contract_check(rt->method, path, 201, "application/json", "", 0, why, sizeof why))
            continue;   /* this route never creates */
        routes++;
        ck_assert_msg(th_created_seen(rt->method, rt->path), "%s %s never answered 201 here", rt->method, rt->path);
    }
    ck_assert_int_ge(routes, 19);
    ck_assert_uint_eq(th_contract_misfits(), 0);   /* the answers of the tests after the first check too */
}
END_TEST

/* After every suite's changes of every kind (the lifecycle, notices, objections, awards,
 * imports, records, the route walk above), each application's stored detail (sql/042) is the
 * document assembled the old way. */
START_TEST(every_stored_detail_is_its_assembly)
{
    ck_assert_int_ge(wf_details_as_assembled(0), 50);
}
END_TEST

START_TEST(the_server_is_still_up_and_stops_cleanly)
{
    th_free(expect(-1, "GET", "/healthz", NULL, 200));
    int status = th_server_stop_reporting(&server);
    ck_assert_int_eq(status, 0);
}
END_TEST

/* Issue 18, point 3: the reads that fold the session check into their own statement
 * (GET /v1/me, GET /v1/applications/{id}) refuse a revoked token on its very next request, on
 * this process and on a second one — as does every other route, and the folded route when it
 * answers without reading (an id that cannot exist). A deactivated user likewise. */
static int status_of(int on_port, const char *path, const char *token)
{
    th_response *r = th_json(on_port, "GET", path, token, NULL);
    ck_assert_ptr_nonnull(r);
    int status = r->status;
    if (status == 401) {
        char h[128];
        ck_assert_ptr_nonnull(th_header(r, "WWW-Authenticate", h, sizeof h));
        ck_assert_ptr_null(th_header(r, "ETag", h, sizeof h));
    }
    th_free(r);
    return status;
}

static void refused_everywhere(const int *ports, const char *app_path, const char *token)
{
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(status_of(ports[i], "/v1/me", token), 401);
        ck_assert_int_eq(status_of(ports[i], app_path, token), 401);
        ck_assert_int_eq(status_of(ports[i], "/v1/applications/0", token), 401);
        ck_assert_int_eq(status_of(ports[i], "/v1/applications/999999999", token), 401);
        ck_assert_int_eq(status_of(ports[i], "/v1/platforms?limit=1", token), 401);
    }
}

START_TEST(a_revoked_token_is_refused_on_its_next_request_by_both_processes)
{
    long long p = new_platform(SHENYANG, "撤销令牌检验平台", "210100", 880001);
    long long a = new_application(SHENYANG, p);
    char app_path[64];
    snprintf(app_path, sizeof app_path, "/v1/applications/%lld", a);
    th_server second;
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, NULL), 0);
    const int ports[2] = {port, second.port};
    for (int revoker = 0; revoker < 2; revoker++) {
        char *t = wf_login("shenyang", USER_PASSWORD);
        ck_assert_ptr_nonnull(t);
        for (int i = 0; i < 2; i++) {
            ck_assert_int_eq(status_of(ports[i], "/v1/me", t), 200);
            ck_assert_int_eq(status_of(ports[i], app_path, t), 200);
            ck_assert_int_eq(status_of(ports[i], "/v1/applications/999999999", t), 404);
        }
        th_response *r = th_json(ports[revoker], "POST", "/v1/auth/revoke", t, NULL);
        ck_assert_int_eq(r->status, 204);
        th_free(r);
        refused_everywhere(ports, app_path, t);
        free(t);
    }
    /* the user deactivated (by hand here): every token of it refused at once */
    th_free(expect(PROVINCE, "POST", "/v1/users", "{\"username\":\"shenyang-short\",\"password\":\"" USER_PASSWORD
                   "\",\"org_id\":2,\"display_name\":\"沈阳临时\"}", 201));
    char *t = wf_login("shenyang-short", USER_PASSWORD);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(status_of(second.port, app_path, t), 200);
    admin_sql("UPDATE users SET active = false WHERE username = 'shenyang-short'");
    refused_everywhere(ports, app_path, t);
    free(t);
    /* the other tokens of the city still work */
    ck_assert_int_eq(status_of(second.port, app_path, tokens[SHENYANG]), 200);
    ck_assert_int_eq(th_server_stop(&second), 0);
}
END_TEST

Suite *wf_scope_suite(void)
{
    Suite *s = suite_create("workflow: scope");
    TCase *tc = tcase_create("scope");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, lists_read_newest_first_on_request);
    tcase_add_test(tc, count_true_totals_the_matches_of_every_page);
    tcase_add_test(tc, another_partys_objects_answer_404_on_every_route);
    tcase_add_test(tc, a_revoked_token_is_refused_on_its_next_request_by_both_processes);
    tcase_add_test(tc, every_answer_fits_the_contract);
    tcase_add_test(tc, every_route_that_creates_answered_201_with_a_location);
    tcase_add_test(tc, every_stored_detail_is_its_assembly);
    tcase_add_test(tc, the_server_is_still_up_and_stops_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
