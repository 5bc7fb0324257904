/*
 * Workflow: Statistics (issue 17, point 4). Everything is counted in a round of its own (大连's
 * city-level round of the year) or as the change a test makes, so that each number equals a
 * count the test makes of what it created; the CSV is checked to hold the same numbers.
 */
#include <stdarg.h>

#include "tests/workflow/fixture.h"

#define DALIAN_ORG 3

static long long dalian_round;

/* GET /v1/statistics?<query> as `role`, 200. */
static th_response *stats(int role, const char *query)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/statistics%s%s", query[0] ? "?" : "", query);
    return expect(role, "GET", path, NULL, 200);
}

/* The item of a section whose fields equal the pairs given ("key", "value" as text, NULL-ended);
 * NULL when there is none. */
static json_t *find(th_response *r, const char *section, ...)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(r->json, section), i, item) {
        va_list ap;
        va_start(ap, section);
        int match = 1;
        const char *key;
        while (match && (key = va_arg(ap, const char *)) != NULL) {
            const char *want = va_arg(ap, const char *);
            json_t *v = json_object_get(item, key);
            char have[32];
            if (json_is_integer(v))
                snprintf(have, sizeof have, "%lld", (long long)json_integer_value(v));
            else
                snprintf(have, sizeof have, "%s", json_is_string(v) ? json_string_value(v) : "");
            match = strcmp(have, want) == 0;
        }
        va_end(ap);
        if (match)
            return item;
    }
    return NULL;
}

static long long field(json_t *item, const char *key)
{
    ck_assert_msg(item != NULL, "no such item for %s", key);
    return json_integer_value(json_object_get(item, key));
}

static long long in_round(long long platform)
{
    char body[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", dalian_round, platform);
    return expect_id(DALIAN, "POST", "/v1/applications", body, 201);
}

/* An application of 大连's round, filled and recommended. */
static long long recommended(const char *name, int serial)
{
    long long a = in_round(new_platform(DALIAN, name, "210200", serial));
    fill(DALIAN, a);
    act(DALIAN, a, "recommend", NULL, 200);
    return a;
}

static long long approved(const char *name, int serial)
{
    long long a = recommended(name, serial);
    act(DALIAN, a, "review", "{\"decision\":\"approve\"}", 200);
    return a;
}

static long long award(long long app)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/award", app);
    return expect_id(DALIAN, "POST", path, NULL, 201);
}

START_TEST(statistics_equal_a_count_of_what_was_created)
{
    dalian_round = expect_id(DALIAN, "POST", "/v1/rounds",
                             "{\"year\":2026,\"level\":\"city\",\"title\":\"大连市2026年市级示范平台认定\","
                             "\"opens_on\":\"2026-01-05\",\"closes_on\":\"2026-12-31\",\"relaxed_regions\":[\"210200\"],"
                             /* the rules suite's tests of validity go on in this round */
                             "\"validity_years\":2,\"validity_ends\":\"anniversary\"}",
                             201);
    /* a platform of 大连 that held a city-level title of 2023, recorded, ending this year */
    long long renewing = new_platform(DALIAN, "大连统计续评平台", "210200", 1710);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH r AS (INSERT INTO rounds (level, region_code, year, title, opens_on, closes_on, thresholds)"
             "           SELECT 'city', '210200', 2023, '大连市2023年市级认定', '2023-01-05', '2023-12-31', thresholds"
             "           FROM rounds WHERE id = %lld RETURNING id),"
             " a AS (INSERT INTO applications (round_id, platform_id, recommender_org_id, status)"
             "       SELECT r.id, %lld, %d, 'awarded' FROM r RETURNING id, round_id)"
             " INSERT INTO awards (application_id, platform_id, round_id, level, certificate_no, certificate_seq,"
             "                     awarded_on, valid_from, valid_until)"
             " SELECT a.id, %lld, a.round_id, 'city', 'DLSJ-2023-STAT', 1, '2023-10-01', '2023-10-01', '2026-12-31' FROM a",
             dalian_round, renewing, DALIAN_ORG, renewing);
    admin_sql(sql);

    /* one application in each state, one returned, three titles (one a renewal, one revoked) */
    in_round(new_platform(DALIAN, "大连统计草稿平台", "210200", 1701));                    /* draft */
    recommended("大连统计推荐平台", 1702);                                                  /* recommended */
    approved("大连统计通过平台", 1703);                                                     /* approved */
    act(DALIAN, recommended("大连统计驳回平台", 1704), "review", "{\"decision\":\"reject\",\"comment\":\"不符合条件\"}", 200);
    act(DALIAN, in_round(new_platform(DALIAN, "大连统计撤回平台", "210200", 1705)), "withdraw", NULL, 200);
    act(DALIAN, recommended("大连统计退回平台", 1706), "review", "{\"decision\":\"return\",\"comment\":\"补材料\"}", 200);
    long long publicized = approved("大连统计公示平台", 1707);
    long long kept = approved("大连统计授牌平台", 1708);
    long long revoked = approved("大连统计撤销平台", 1709);
    long long renewal = in_round(renewing);
    fill(DALIAN, renewal);
    act(DALIAN, renewal, "recommend", NULL, 200);
    act(DALIAN, renewal, "review", "{\"decision\":\"approve\"}", 200);
    approved_back_on(publicized, "2026-09-28");
    approved_back_on(kept, "2026-09-28");
    approved_back_on(revoked, "2026-09-28");
    approved_back_on(renewal, "2026-09-28");
    char body[512];
    snprintf(body, sizeof body,
             "{\"title\":\"大连市级公示\",\"start_date\":\"2026-09-28\",\"application_ids\":[%lld,%lld,%lld,%lld],"
             "\"published_elsewhere\":{\"reference\":\"大连日报\",\"published_on\":\"2026-09-28\"}}",
             publicized, kept, revoked, renewal);
    th_free(expect(DALIAN, "POST", "/v1/publicity-notices", body, 201));
    award(kept);
    long long renewed = award(renewal);
    char path[128];
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", award(revoked));
    th_free(expect(DALIAN, "POST", path, "{\"reason\":\"violation\",\"finding\":\"违规收费，经查属实\",\"reference\":\"大工信发〔2026〕9号\",\"detail\":\"违规收费\"}", 200));

    char q[128], today[11], year[5];
    today_text(today);
    snprintf(year, sizeof year, "%.4s", today);
    snprintf(q, sizeof q, "round_id=%lld", dalian_round);
    th_response *r = stats(PROVINCE, q);
    char round[24];
    snprintf(round, sizeof round, "%lld", dalian_round);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "filters"), "at")), today);

    /* applications by status, and the return */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "applications")), 1);
    json_t *apps = find(r, "applications", "round_id", round, "recommender_org_id", "3", NULL);
    ck_assert_int_eq(field(apps, "draft"), 2);        /* the draft and the returned one */
    ck_assert_int_eq(field(apps, "recommended"), 1);
    ck_assert_int_eq(field(apps, "approved"), 1);
    ck_assert_int_eq(field(apps, "publicized"), 1);
    ck_assert_int_eq(field(apps, "awarded"), 3);
    ck_assert_int_eq(field(apps, "rejected"), 1);
    ck_assert_int_eq(field(apps, "withdrawn"), 1);
    ck_assert_int_eq(field(apps, "returned"), 1);
    ck_assert_int_eq(field(apps, "total"), 10);

    /* titles by city × function × level × status, today: a renewal counts from its first day
     * (Art. 23: the day after the old title ends, which is still active beside it until then) */
    char valid_from[128];
    snprintf(valid_from, sizeof valid_from, "SELECT (valid_from <= current_date)::int FROM awards WHERE id = %lld", renewed);
    long long renewal_begun = sql_number(valid_from);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "titles")), 2);
    ck_assert_int_eq(field(find(r, "titles", "region_code", "210200", "function", "training", "level", "city",
                                "status", "active", NULL), "count"), 1 + renewal_begun);
    ck_assert_int_eq(field(find(r, "titles", "region_code", "210200", "function", "training", "level", "city",
                                "status", "revoked", NULL), "count"), 1);

    /* revocations by ground and year; renewals; recommended from a relaxed region */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "revocations")), 1);
    ck_assert_int_eq(field(find(r, "revocations", "reason", "violation", "year", year, NULL), "count"), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "renewals")), 1);
    json_t *ren = find(r, "renewals", "round_id", round, NULL);
    ck_assert_int_eq(field(ren, "titles"), 3);
    ck_assert_int_eq(field(ren, "renewals"), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "relaxation")), 1);
    ck_assert_int_eq(field(find(r, "relaxation", "round_id", round, "region_code", "210200", NULL), "recommended"), 7);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "annual_summaries")), 0);   /* city-level titles */
    th_free(r);

    /* titles at another date: none before they were awarded; after 2029 the two have expired */
    snprintf(q, sizeof q, "round_id=%lld&at=2026-01-01", dalian_round);
    r = stats(PROVINCE, q);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "titles")), 0);
    th_free(r);
    snprintf(q, sizeof q, "round_id=%lld&at=2030-06-01", dalian_round);
    r = stats(PROVINCE, q);
    ck_assert_int_eq(field(find(r, "titles", "status", "expired", NULL), "count"), 2);
    ck_assert_int_eq(field(find(r, "titles", "status", "revoked", NULL), "count"), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "titles")), 2);
    th_free(r);

    /* the filters narrow: another level, another year, another region count nothing here */
    const char *none[] = {"level=province", "year=2025", "region_code=210100"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(q, sizeof q, "round_id=%lld&%s", dalian_round, none[i]);
        r = stats(PROVINCE, q);
        ck_assert_msg(json_array_size(json_object_get(r->json, "applications")) == 0 &&
                      json_array_size(json_object_get(r->json, "titles")) == 0, "%s counted", none[i]);
        th_free(r);
    }

    /* the CSV holds the same numbers: one row per count */
    snprintf(path, sizeof path, "/v1/statistics.csv?round_id=%lld", dalian_round);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    char ct[64];
    ck_assert_str_eq(th_header(r, "Content-Type", ct, sizeof ct), "text/csv; charset=utf-8");
    ck_assert(r->body_len > 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0);
    ck_assert(strncmp(r->body + 3, "section,round_id,recommender_org_id,region_code,function,level,year,status,ground,"
                                   "count\r\n", 79) == 0);
    char line[160];
    /* after "<section>,<round>": the rest of each row */
    static const char *const rows[][2] = {
        {"applications", ",3,,,,,draft,,2"},      {"applications", ",3,,,,,recommended,,1"},
        {"applications", ",3,,,,,approved,,1"},   {"applications", ",3,,,,,publicized,,1"},
        {"applications", ",3,,,,,awarded,,3"},    {"applications", ",3,,,,,rejected,,1"},
        {"applications", ",3,,,,,withdrawn,,1"},  {"applications", ",3,,,,,returned,,1"},
        {"applications", ",3,,,,,total,,10"},     {"renewals", ",,,,,,titles,,3"},
        {"renewals", ",,,,,,renewals,,1"},        {"relaxation", ",,210200,,,,recommended,,7"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        snprintf(line, sizeof line, "\r\n%s,%lld%s\r\n", rows[i][0], dalian_round, rows[i][1]);
        ck_assert_msg(strstr(r->body, line) != NULL, "no row %s in %s", line, r->body);
    }
    snprintf(line, sizeof line, "\r\ntitles,,,210200,training,city,,active,,%lld\r\n", 1 + renewal_begun);
    ck_assert_ptr_nonnull(strstr(r->body, line));
    ck_assert_ptr_nonnull(strstr(r->body, "\r\ntitles,,,210200,training,city,,revoked,,1\r\n"));
    snprintf(line, sizeof line, "\r\nrevocations,,,,,,%s,,violation,1\r\n", year);
    ck_assert_ptr_nonnull(strstr(r->body, line));
    int lines = 0;
    for (const char *p = r->body; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    ck_assert_int_eq(lines, 1 + 12 + 2 + 1);   /* the header, the rows above, titles, revocation */
    th_free(r);
}
END_TEST

START_TEST(annual_summaries_are_counted_on_time_late_and_missing)
{
    const char *q = "year=2025&region_code=210200&level=province";
    th_response *r = stats(PROVINCE, q);
    json_t *row = find(r, "annual_summaries", "region_code", "210200", "year", "2025", NULL);
    long long before[3] = {0, 0, 0};
    static const char *const names[3] = {"on_time", "late", "missing"};
    for (int i = 0; i < 3 && row; i++)
        before[i] = field(row, names[i]);
    th_free(r);

    /* three province-level titles of 大连 in force in 2025, recorded; their summaries of 2025
     * arrived on 20 January 2026 (on time), on 2 March 2026 (late) and never (missing) */
    long long p[3];
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "大连统计年报平台%d", i + 1);
        p[i] = new_platform(DALIAN, name, "210200", 1720 + i);
    }
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO rounds (level, region_code, year, title, opens_on, closes_on, thresholds)"
             " SELECT 'province', '210000', 2022, '2022年度省级认定', '2022-01-05', '2022-12-31', thresholds"
             " FROM rounds WHERE id = %lld ON CONFLICT DO NOTHING;"
             "WITH r AS (SELECT id FROM rounds WHERE level = 'province' AND year = 2022),"
             " a AS (INSERT INTO applications (round_id, platform_id, recommender_org_id, status)"
             "       SELECT r.id, p, %d, 'awarded' FROM r, unnest(ARRAY[%lld, %lld, %lld]) p RETURNING id, round_id,"
             "       platform_id),"
             " w AS (INSERT INTO awards (application_id, platform_id, round_id, level, certificate_no, certificate_seq,"
             "                           awarded_on, valid_from, valid_until)"
             "       SELECT a.id, a.platform_id, a.round_id, 'province', 'LNSTAT-2022-' || a.platform_id,"
             "              900000 + a.platform_id, '2022-01-01', '2022-01-01', '2025-12-31' FROM a RETURNING id, platform_id)"
             " INSERT INTO annual_summaries (award_id, year, summary, received_on)"
             " SELECT w.id, 2025, '年度总结', CASE w.platform_id WHEN %lld THEN date '2026-01-20' ELSE date '2026-03-02' END"
             " FROM w WHERE w.platform_id <> %lld",
             round_id, DALIAN_ORG, p[0], p[1], p[2], p[0], p[2]);
    admin_sql(sql);

    r = stats(PROVINCE, q);
    row = find(r, "annual_summaries", "region_code", "210200", "year", "2025", NULL);
    ck_assert_str_eq(json_string_value(json_object_get(row, "due_on")), "2026-01-31");
    for (int i = 0; i < 3; i++)
        ck_assert_msg(field(row, names[i]) == before[i] + 1, "%s: %lld, was %lld", names[i], field(row, names[i]),
                      before[i]);
    ck_assert_int_eq(field(row, "not_due"), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "annual_summaries")), 1);
    th_free(r);
    /* the same count as the compliance view, which reads the same titles */
    r = expect(PROVINCE, "GET", "/v1/compliance?year=2025", NULL, 200);
    long long listed[3] = {0, 0, 0};
    size_t i, j;
    json_t *city, *t;
    json_array_foreach(json_object_get(r->json, "cities"), i, city) {
        if (strcmp(json_string_value(json_object_get(city, "region_code")), "210200") != 0)
            continue;
        json_array_foreach(json_object_get(city, "platforms"), j, t) {
            const char *st = json_string_value(json_object_get(json_object_get(t, "annual_summary"), "status"));
            for (int k = 0; k < 3; k++)
                listed[k] += strcmp(st, names[k]) == 0;
        }
    }
    th_free(r);
    r = stats(PROVINCE, "year=2025&region_code=210200");
    row = find(r, "annual_summaries", "region_code", "210200", "year", "2025", NULL);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(field(row, names[k]), listed[k]);
    th_free(r);
    /* and the CSV */
    r = expect(PROVINCE, "GET", "/v1/statistics.csv?year=2025&region_code=210200&level=province", NULL, 200);
    char line[96];
    snprintf(line, sizeof line, "\r\nannual_summaries,,,210200,,,2025,late,,%lld\r\n", before[1] + 1);
    ck_assert_msg(strstr(r->body, line) != NULL, "%s", r->body);
    th_free(r);
}
END_TEST

START_TEST(statistics_are_scoped_and_their_filters_checked)
{
    char q[64];
    snprintf(q, sizeof q, "round_id=%lld", dalian_round);
    th_response *p = stats(PROVINCE, q), *s = stats(SUPERVISOR, q), *d = stats(DALIAN, q), *sy = stats(SHENYANG, q);
    /* the province and the supervisor see the same; 大连 its own region, which is all of it */
    ck_assert(json_equal(json_object_get(p->json, "applications"), json_object_get(s->json, "applications")));
    ck_assert(json_equal(json_object_get(p->json, "titles"), json_object_get(d->json, "titles")));
    ck_assert(json_equal(json_object_get(p->json, "applications"), json_object_get(d->json, "applications")));
    ck_assert_uint_eq(json_array_size(json_object_get(p->json, "applications")), 1);
    /* 沈阳 counts nothing of 大连's, even when it asks for 大连's region */
    ck_assert_uint_eq(json_array_size(json_object_get(sy->json, "applications")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(sy->json, "titles")), 0);
    th_free(p);
    th_free(s);
    th_free(d);
    th_free(sy);
    snprintf(q, sizeof q, "round_id=%lld&region_code=210200", dalian_round);
    sy = stats(SHENYANG, q);
    ck_assert_uint_eq(json_array_size(json_object_get(sy->json, "applications")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(sy->json, "relaxation")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(sy->json, "renewals")), 0);
    th_free(sy);
    th_free(expect(ASSOCIATION, "GET", "/v1/statistics", NULL, 403));
    th_free(expect(ASSESSOR_A, "GET", "/v1/statistics.csv", NULL, 403));
    th_free(expect(-1, "GET", "/v1/statistics", NULL, 401));
    /* unknown parameters and bad values answer 422 naming them */
    th_response *r = expect(PROVINCE, "GET", "/v1/statistics?yeer=2026", NULL, 422);
    ck_assert(has_error(r, "yeer"));
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/statistics?level=county&at=2026-13-01", NULL, 422);
    ck_assert(has_error(r, "level") && has_error(r, "at"));
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/statistics.csv?region_code=999999&round_id=0", NULL, 422);
    ck_assert(has_error(r, "region_code") && has_error(r, "round_id"));
    th_free(r);
}
END_TEST

/* The counters of sql/032 against a direct aggregate of the tables they count, formulated
 * independently (a renewal by EXISTS, as the statistics read it before the counters): the
 * number of counter rows that differ, either way; and each platform's stored contribution
 * (statistics_by_platform, which a refresh replaces and sql/043 changes by difference)
 * against what its rows say now: the number of rows that differ. 0 means nothing drifted. */
static long long drift(void)
{
    return sql_number(
        "WITH counted AS (SELECT kind, round_id, region_code, recommender_org_id, function, level, status, awarded_on,"
        "                        valid_until, revoked_on, reason, renewal, year, received_on, n, returned"
        "                 FROM statistics_counts WHERE n <> 0 OR returned <> 0),"
        " direct AS ("
        "  SELECT 'application', a.round_id, p.region_code, a.recommender_org_id, NULL::text, NULL::text, a.status,"
        "         NULL::date, NULL::date, NULL::date, NULL::text, NULL::boolean, NULL::int, NULL::date,"
        "         count(*), sum(a.returned_count)"
        "  FROM applications a JOIN platforms p ON p.id = a.platform_id GROUP BY 2, 3, 4, 7"
        "  UNION ALL"
        "  SELECT 'title', w.round_id, p.region_code, NULL, f, w.level, w.status, w.valid_from, w.valid_until,"
        "         w.revoked_on, NULL, NULL, NULL, NULL, count(*), 0"
        "  FROM awards w JOIN platforms p ON p.id = w.platform_id CROSS JOIN unnest(p.functions) f"
        "  GROUP BY 2, 3, 5, 6, 7, 8, 9, 10"
        "  UNION ALL"
        "  SELECT 'award', w.round_id, p.region_code, NULL, NULL, w.level, w.status, NULL, NULL, w.revoked_on,"
        "         w.revocation_reason, EXISTS (SELECT 1 FROM awards e WHERE e.platform_id = w.platform_id"
        "                                      AND e.level = w.level AND (e.awarded_on, e.id) < (w.awarded_on, w.id)),"
        "         NULL, NULL, count(*), 0"
        "  FROM awards w JOIN platforms p ON p.id = w.platform_id GROUP BY 2, 3, 6, 7, 10, 11, 12"
        "  UNION ALL"
        "  SELECT 'summary', w.round_id, p.region_code, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, y,"
        "         s.received_on, count(*), 0"
        "  FROM awards w JOIN platforms p ON p.id = w.platform_id"
        "  CROSS JOIN generate_series(extract(year FROM w.valid_from)::int, extract(year FROM w.valid_until)::int) y"
        "  LEFT JOIN annual_summaries s ON s.award_id = w.id AND s.year = y"
        "  WHERE w.level = 'province' AND (w.revoked_on IS NULL OR w.revoked_on > make_date(y, 12, 31))"
        "  GROUP BY 2, 3, 13, 14)"
        " SELECT (SELECT count(*) FROM (SELECT * FROM counted EXCEPT ALL SELECT * FROM direct) x)"
        "      + (SELECT count(*) FROM (SELECT * FROM direct EXCEPT ALL SELECT * FROM counted) y)"
        "      + (SELECT count(*) FROM (SELECT * FROM statistics_by_platform"
        "                               EXCEPT ALL SELECT * FROM statistics_of_platforms(ARRAY(SELECT id FROM platforms))) z)"
        "      + (SELECT count(*) FROM (SELECT * FROM statistics_of_platforms(ARRAY(SELECT id FROM platforms))"
        "                               EXCEPT ALL SELECT * FROM statistics_by_platform) w)");
}

/* Records of the past (POST /v1/imports/records), as JSON. */
static void record(const char *kind, const char *rows)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/imports/records?kind=%s", kind);
    th_response *r = th_request(port, "POST", path, tokens[PROVINCE], "application/json", rows, strlen(rows), NULL);
    ck_assert_msg(r->status == 201, "%s: %d %s", kind, r->status, r->body);
    th_free(r);
}

static long long assessed_as(long long award, int assessor, int passed)
{
    char body[256], path[96];
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"assessor_org_id\":%lld,\"due_on\":\"2099-12-31\"}", award,
             assessor_org[assessor]);
    long long id = expect_id(PROVINCE, "POST", "/v1/assessments", body, 201);
    snprintf(path, sizeof path, "/v1/assessments/%lld/result", id);
    th_free(expect(assessor, "POST", path,
                   passed ? "{\"score\":88,\"passed\":true,\"summary\":\"合格\"}"
                          : "{\"score\":40,\"passed\":false,\"summary\":\"不合格\"}", 200));
    return id;
}

START_TEST(the_counters_equal_a_direct_aggregate_after_a_mix_of_changes)
{
    /* whatever the suites before this one did, through every route that writes */
    ck_assert_int_eq(drift(), 0);

    /* titles through the API: one revoked on a ground, one pending revocation and reinstated,
     * one whose summary of this year arrives, a return counted */
    long long revoked = dalian_award("大连计数撤销平台", 1740);
    long long reinstated = dalian_award("大连计数恢复平台", 1741);
    char path[128], body[2048];
    snprintf(path, sizeof path, "/v1/awards/%lld/revoke", revoked);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"violation\",\"finding\":\"虚报数据\",\"reference\":\"辽工信发〔2026〕30号\"}", 200));
    assessed_as(reinstated, ASSESSOR_A, 0);
    ck_assert_int_eq(drift(), 0);   /* revocation_pending */
    assessed_as(reinstated, ASSESSOR_B, 1);
    snprintf(path, sizeof path, "/v1/awards/%lld/reinstate", reinstated);
    th_free(expect(PROVINCE, "POST", path, "{\"reason\":\"复核合格\"}", 200));
    snprintf(body, sizeof body, "{\"award_id\":%lld,\"year\":2026,\"summary\":\"年度总结\",\"received_on\":\"2026-01-05\"}",
             reinstated);
    th_free(expect(DALIAN, "POST", "/v1/annual-summaries", body, 201));
    act(DALIAN, recommended("大连计数退回平台", 1742), "review", "{\"decision\":\"return\",\"comment\":\"补正\"}", 200);
    ck_assert_int_eq(drift(), 0);

    /* records of the past: a round of 2017, titles of it — one for the platform of the revoked
     * title above, which makes that one a renewal, one revoked in 2019 — and a summary */
    char q[96];
    snprintf(q, sizeof q, "SELECT round_id FROM awards WHERE id = %lld", revoked);
    snprintf(q, sizeof q, "round_id=%lld", sql_number(q));
    th_response *r = stats(PROVINCE, q);
    long long renewals_before = field(find(r, "renewals", NULL), "renewals");
    th_free(r);
    record("rounds", "[{\"year\":2017,\"level\":\"province\",\"validity_years\":3,\"validity_ends\":\"year_end\"}]");
    char code[19], other[19];
    credit_code(code, 1740);
    credit_code(other, 1743);
    snprintf(body, sizeof body,
             "[{\"platform_name\":\"大连计数撤销平台\",\"region_code\":\"210200\",\"operator_name\":\"大连计数撤销平台运营有限公司\","
             "\"credit_code\":\"%s\",\"functions\":[\"training\"],\"year\":2017,\"level\":\"province\","
             "\"certificate_no\":\"辽中小示范〔2017〕901\",\"awarded_on\":\"2017-12-20\",\"valid_from\":\"2017-12-20\","
             "\"valid_until\":\"2020-12-31\",\"status\":\"expired\"},",
             code);
    size_t len = strlen(body);
    snprintf(body + len, sizeof body - len,
             "{\"platform_name\":\"大连计数旧平台\",\"region_code\":\"210200\",\"operator_name\":\"大连计数旧平台公司\","
             "\"credit_code\":\"%s\",\"functions\":[\"financing\",\"information\"],\"year\":2017,\"level\":\"province\","
             "\"certificate_no\":\"辽中小示范〔2017〕902\",\"awarded_on\":\"2017-12-20\",\"valid_from\":\"2017-12-20\","
             "\"valid_until\":\"2020-12-31\",\"status\":\"revoked\",\"revoked_on\":\"2019-05-01\","
             "\"revocation_reason\":\"violation\",\"revocation_detail\":\"查实违规\"}]",
             other);
    record("titles", body);
    record("annual_summaries", "[{\"certificate_no\":\"辽中小示范〔2017〕902\",\"year\":2018,\"received_on\":\"2019-03-01\","
                               "\"summary\":\"2018年度总结\"}]");
    ck_assert_int_eq(drift(), 0);
    r = stats(PROVINCE, q);
    ck_assert_int_eq(field(find(r, "renewals", NULL), "renewals"), renewals_before + 1);
    th_free(r);

    /* a platform's functions and region change under its titles (as no route does) */
    snprintf(body, sizeof body, "UPDATE platforms SET functions = ARRAY['technology'], region_code = '210100'"
                                " WHERE credit_code = '%s'", other);
    admin_sql(body);
    ck_assert_int_eq(drift(), 0);

    /* applications changed by hand in psql, several rows in one statement (sql/043 counts them
     * by difference): statuses, a return, a recommender and a platform moved, then a delete */
    admin_sql("CREATE TABLE moved AS SELECT a.id FROM applications a WHERE a.status IN ('draft', 'submitted', 'recommended')"
              " AND NOT EXISTS (SELECT 1 FROM awards w WHERE w.application_id = a.id)"
              " AND NOT EXISTS (SELECT 1 FROM publicity_notice_items i WHERE i.application_id = a.id)"
              " AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.application_id = a.id) ORDER BY a.id DESC LIMIT 3");
    ck_assert_int_eq(sql_number("SELECT count(*) FROM moved"), 3);
    admin_sql("UPDATE applications a SET status = CASE WHEN a.status = 'draft' THEN 'submitted' ELSE 'draft' END,"
              " returned_count = a.returned_count + 2 WHERE a.id IN (SELECT id FROM moved)");
    ck_assert_int_eq(drift(), 0);
    admin_sql("UPDATE applications a SET recommender_org_id = (SELECT min(id) FROM organizations WHERE type = 'city'),"
              " report = '{}' WHERE a.id = (SELECT min(id) FROM moved)");
    ck_assert_int_eq(drift(), 0);
    admin_sql("UPDATE applications a SET platform_id = (SELECT p.id FROM platforms p WHERE NOT EXISTS"
              " (SELECT 1 FROM applications x WHERE x.platform_id = p.id AND x.round_id = a.round_id) ORDER BY p.id LIMIT 1)"
              " WHERE a.id = (SELECT max(id) FROM moved)");
    ck_assert_int_eq(drift(), 0);
    admin_sql("DELETE FROM materials WHERE application_id IN (SELECT id FROM moved)");
    admin_sql("DELETE FROM applications WHERE id IN (SELECT id FROM moved)");
    admin_sql("DROP TABLE moved");
    ck_assert_int_eq(drift(), 0);
}
END_TEST

#define STATS_HITS "shifan_statistics_cache_lookups_total{outcome=\"hit\"}"

/* GET /v1/statistics<suffix>?round_id=<大连's round> as the province on `on_port`, with the
 * extra headers given, answering `status`. */
static th_response *round_stats(int on_port, const char *suffix, const char *extra_headers, int status)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/statistics%s?round_id=%lld", suffix, dalian_round);
    th_response *r = th_request(on_port, "GET", path, tokens[PROVINCE], NULL, NULL, 0, extra_headers);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(r->status == status, "GET %s: expected %d, got %d: %s", path, status, r->status, r->body);
    return r;
}

/* The round's applications of 大连 in `status` as the statistics on `on_port` count them, and
 * as the test counts them by hand. */
static long long counted(int on_port, const char *status)
{
    th_response *r = round_stats(on_port, "", NULL, 200);
    char round[24];
    snprintf(round, sizeof round, "%lld", dalian_round);
    long long n = field(find(r, "applications", "round_id", round, "recommender_org_id", "3", NULL), status);
    th_free(r);
    return n;
}

static long long by_hand(const char *status)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM applications WHERE round_id = %lld AND status = '%s'", dalian_round,
             status);
    return sql_number(sql);
}

static void etag_of(th_response *r, char out[64])
{
    char h[128];
    const char *e = th_header(r, "ETag", h, sizeof h);
    ck_assert_ptr_nonnull(e);
    snprintf(out, 64, "%s", e);
}

/* Issue 17, point 4: the statistics kept in memory (api/statistics_cache.h) are never stale.
 * With the document served from memory, a change through the API, one by hand in psql (the
 * counters' triggers fire), one to a round, and one made by a second shifan process on the
 * same database each show on the very next read, equal to a count made by hand. */
START_TEST(the_statistics_in_memory_never_hide_a_change)
{
    /* warm: the same numbers again come from memory, under the same ETag; If-None-Match
     * naming it answers 304, for the JSON and for the CSV (an ETag of its own) */
    char etag[64], again[64], csv_etag[64], inm[128];
    th_response *r = round_stats(port, "", NULL, 200);
    etag_of(r, etag);
    th_free(r);
    double hits = wf_metric(port, STATS_HITS);
    r = round_stats(port, "", NULL, 200);
    etag_of(r, again);
    th_free(r);
    ck_assert_str_eq(again, etag);
    ck_assert_double_eq(wf_metric(port, STATS_HITS), hits + 1);
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
    th_free(round_stats(port, "", inm, 304));
    r = round_stats(port, ".csv", NULL, 200);
    etag_of(r, csv_etag);
    th_free(r);
    ck_assert_str_ne(csv_etag, etag);
    char csv_inm[128];
    snprintf(csv_inm, sizeof csv_inm, "If-None-Match: %s\r\n", csv_etag);
    th_free(round_stats(port, ".csv", csv_inm, 304));
    long long drafts = by_hand("draft");
    ck_assert_int_eq(counted(port, "draft"), drafts);

    /* through the API: one more draft, at once, under a new ETag */
    long long app = in_round(new_platform(DALIAN, "大连统计缓存平台", "210200", 1750));
    ck_assert_int_eq(by_hand("draft"), drafts + 1);
    ck_assert_int_eq(counted(port, "draft"), drafts + 1);
    th_free(round_stats(port, "", inm, 200));
    th_free(round_stats(port, ".csv", csv_inm, 200));

    /* by hand in psql, behind the service */
    long long withdrawn = by_hand("withdrawn");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE applications SET status = 'withdrawn' WHERE id = %lld", app);
    admin_sql(sql);
    ck_assert_int_eq(counted(port, "draft"), drafts);
    ck_assert_int_eq(counted(port, "withdrawn"), withdrawn + 1);
    ck_assert_int_eq(by_hand("withdrawn"), withdrawn + 1);

    /* a round's relaxed regions, by hand: what the statistics read of a round */
    snprintf(sql, sizeof sql, "UPDATE rounds SET relaxed_regions = '{}' WHERE id = %lld", dalian_round);
    admin_sql(sql);
    r = round_stats(port, "", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "relaxation")), 0);
    th_free(r);
    snprintf(sql, sizeof sql, "UPDATE rounds SET relaxed_regions = '{210200}' WHERE id = %lld", dalian_round);
    admin_sql(sql);
    r = round_stats(port, "", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "relaxation")), 1);
    th_free(r);

    /* a second shifan process on the same database, its memory warm too: each sees at once
     * what the other changed */
    static const char *env[] = {"SHIFAN_METRICS_TOKEN=" WF_METRICS_TOKEN, NULL};
    th_server second;
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env), 0);
    ck_assert_int_eq(counted(second.port, "draft"), drafts);
    hits = wf_metric(second.port, STATS_HITS);
    ck_assert_int_eq(counted(second.port, "draft"), drafts);
    ck_assert_double_eq(wf_metric(second.port, STATS_HITS), hits + 1);
    long long platform = new_platform(DALIAN, "大连统计缓存第二进程平台", "210200", 1751);
    char body[128];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"platform_id\":%lld}", dalian_round, platform);
    r = th_json(second.port, "POST", "/v1/applications", tokens[DALIAN], body);
    ck_assert_int_eq(r->status, 201);
    long long other = json_integer_value(json_object_get(r->json, "id"));
    th_free(r);
    ck_assert_int_eq(by_hand("draft"), drafts + 1);
    ck_assert_int_eq(counted(port, "draft"), drafts + 1);
    ck_assert_int_eq(counted(second.port, "draft"), drafts + 1);
    act(DALIAN, other, "withdraw", NULL, 200);   /* through the first */
    ck_assert_int_eq(counted(second.port, "draft"), drafts);
    ck_assert_int_eq(counted(second.port, "withdrawn"), withdrawn + 2);
    ck_assert_int_eq(by_hand("withdrawn"), withdrawn + 2);
    ck_assert_int_eq(th_server_stop(&second), 0);
}
END_TEST

/* The versions that tell the statistics in memory whether they still hold (sql/040) follow
 * every kind of write to a platform's counters: sql/032 deletes and inserts a platform's
 * contribution, sql/043 updates it by the difference (a status change whose old and new rows
 * both remain). Each, made by hand and changing nothing, raises the version of the platform's
 * bucket (a bump too many costs one count; one too few would serve a stale document). */
START_TEST(every_write_to_a_platforms_counters_bumps_its_version)
{
    long long platform = sql_number("SELECT min(platform_id) FROM statistics_by_platform");
    ck_assert_int_gt(platform, 0);
    char version[160], sql[512];
    snprintf(version, sizeof version, "SELECT version FROM statistics_versions WHERE bucket = %lld %% 128", platform);
    for (int i = 0; i < 2; i++) {
        long long before = sql_number(version);
        if (i == 0)   /* sql/043's way */
            snprintf(sql, sizeof sql, "UPDATE statistics_by_platform SET n = n WHERE platform_id = %lld", platform);
        else          /* sql/032's: deleted and inserted again */
            snprintf(sql, sizeof sql, "SELECT statistics_refresh(ARRAY[%lld]::bigint[])", platform);
        admin_sql(sql);
        ck_assert_msg(sql_number(version) > before, "%s left the version at %lld", sql, before);
    }
}
END_TEST

Suite *wf_statistics_suite(void)
{
    Suite *s = suite_create("workflow: statistics");
    TCase *tc = tcase_create("statistics");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, statistics_equal_a_count_of_what_was_created);
    tcase_add_test(tc, annual_summaries_are_counted_on_time_late_and_missing);
    tcase_add_test(tc, statistics_are_scoped_and_their_filters_checked);
    tcase_add_test(tc, the_counters_equal_a_direct_aggregate_after_a_mix_of_changes);
    tcase_add_test(tc, the_statistics_in_memory_never_hide_a_change);
    tcase_add_test(tc, every_write_to_a_platforms_counters_bumps_its_version);
    suite_add_tcase(s, tc);
    return s;
}
