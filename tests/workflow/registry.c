/*
 * Workflow: The public registry (Art. 21): CSV, search, the change feed, its cache and read
 * replica, what the public sees.
 */
#include "tests/workflow/fixture.h"

typedef struct {
    long long platform;
    int round;
} patch_job;

static void *patch_thread(void *p)
{
    patch_job *j = p;
    for (int i = 0; i < 5; i++) {
        char path[64], body[128];
        snprintf(path, sizeof path, "/v1/platforms/%lld", j->platform);
        snprintf(body, sizeof body, "{\"operator\":{\"address\":\"辽宁省第%d号楼%d室\"}}", j->round, i);
        th_response *r = th_json(port, "PATCH", path, tokens[PROVINCE], body);
        th_free(r);
    }
    return NULL;
}

/* Reads the whole feed from `after`, page by page, appending cursors; returns the count. */
static size_t read_feed(long long after, int limit, long long *cursors, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld&limit=%d", after, limit);
        th_response *r = expect(-1, "GET", path, NULL, 200);
        json_t *items = json_object_get(r->json, "items");
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it) {
            long long c = json_integer_value(json_object_get(it, "cursor"));
            ck_assert_msg(c > after, "cursor %lld not after %lld", c, after);
            if (n < cap)
                cursors[n++] = c;
            after = c;
        }
        long long next = json_integer_value(json_object_get(r->json, "next_cursor"));
        ck_assert(json_is_integer(json_object_get(r->json, "next_cursor")));
        size_t got = json_array_size(items);
        th_free(r);
        if (got == 0 && next == after)
            break;
        after = next;
    }
    return n;
}

/* SHIFAN_DATABASE_READ_URL (issue 6): the public registry reads from the replica named there,
 * everything else from the primary; readiness covers both. A separate database stands in for
 * the replica, so what is read where shows. */
/* The public registry's cache (issue 6) never shows a registry older than the committed one:
 * not after a change through the API, not after a change made by hand in SQL. */
/* Issue 7, point 5: what a caller may not set is refused and changes nothing; what the public
 * sees is an allow-listed set of fields. */
static void only_allowed_keys(json_t *obj, const char *const *allowed, const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        ck_assert_msg(ok, "%s shows \"%s\"", where, key);
    }
}

START_TEST(the_registry_exports_csv_for_excel)
{
    /* Chinese column titles by default, as offices keep them; field names for scripts */
    th_accept_language = NULL;
    th_response *r = expect(-1, "GET", "/v1/public/platforms.csv?region_code=210100", NULL, 200);
    th_accept_language = "en";
    ck_assert_ptr_nonnull(strstr(r->body, "编号,平台名称,运营单位,行政区划代码,所在地区,服务功能,"));
    th_free(r);
    th_free(expect(-1, "GET", "/v1/public/platforms.csv?header=titles", NULL, 422));
    r = th_request(port, "GET", "/v1/public/platforms.csv?region_code=210100", NULL, NULL, NULL, 0,
                   "Accept-Language: en-US,en;q=0.8\r\n");
    ck_assert_ptr_nonnull(strstr(r->body, "id,name,operator_name,"));
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms.csv?region_code=210100&header=keys", NULL, 200);
    char ct[64];
    ck_assert_str_eq(th_header(r, "Content-Type", ct, sizeof ct), "text/csv; charset=utf-8");
    ck_assert(r->body_len > 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0);     /* the BOM */
    ck_assert_ptr_nonnull(strstr(r->body, "id,name,operator_name,region_code,region_name,"));
    /* a name with a comma and quotes is one field, its quotes doubled */
    ck_assert_ptr_nonnull(strstr(r->body, ",\"沈阳\"\"融资\"\",服务平台\","));
    ck_assert_ptr_nonnull(strstr(r->body, "LNSME-2026-002"));
    ck_assert_ptr_nonnull(strstr(r->body, "沈阳市"));
    ck_assert_ptr_null(strstr(r->body, "大连市"));
    th_free(r);
    th_free(expect(-1, "GET", "/v1/public/platforms.csv?status=forever", NULL, 422));
    /* titles expiring in 2029 (awarded in 2026), for the cities to invite re-applications */
    r = expect(SHENYANG, "GET", "/v1/awards?valid_until_year=2029", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 2);
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/awards?valid_until_year=2028", NULL, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    /* the filter's old name, which meant seconds on tokens, is no longer taken */
    r = expect(SHENYANG, "GET", "/v1/awards?expires_in=2029", NULL, 422);
    ck_assert(has_error(r, "expires_in"));
    th_free(r);
}
END_TEST

START_TEST(the_public_finds_platforms_by_chinese_substrings)
{
    th_response *r = expect(-1, "GET", "/v1/public/platforms?q=%E8%9E%8D%E8%B5%84", NULL, 200);   /* 融资 */
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?q=%E8%BF%90%E8%90%A5%E6%9C%89%E9%99%90", NULL, 200);  /* 运营有限: operator */
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?q=%E4%B8%8D%E5%AD%98%E5%9C%A8", NULL, 200);   /* 不存在: a miss */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?q=%25", NULL, 200);   /* a literal %, not a wildcard */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    r = expect(-1, "GET", "/v1/public/platforms?function=training&region_code=210200&award_year=2026", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
}
END_TEST

START_TEST(the_change_feed_never_skips_or_repeats)
{
    long long all[4096], paged[4096];
    size_t n = read_feed(0, 1000, all, 4096);
    ck_assert_uint_gt(n, 5);
    ck_assert_uint_eq(read_feed(0, 3, paged, 4096), n);          /* small pages: the same events */
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(paged[i], all[i]);
    /* every title awarded so far appears once as platform_awarded */
    th_response *r = expect(-1, "GET", "/v1/public/changes?after=0&limit=1000", NULL, 200);
    int awarded = 0;
    size_t k;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), k, it)
        awarded += strcmp(json_string_value(json_object_get(it, "kind")), "platform_awarded") == 0;
    th_free(r);
    r = expect(PROVINCE, "GET", "/v1/awards?limit=100", NULL, 200);
    ck_assert_int_eq(awarded, (int)json_array_size(json_object_get(r->json, "items")));
    th_free(r);
    /* writers change platforms that hold a title now: those changes are public */
    r = expect(PROVINCE, "GET", "/v1/awards?status=active&limit=100", NULL, 200);
    ck_assert_uint_ge(json_array_size(json_object_get(r->json, "items")), 4);
    /* concurrent writers while a reader follows the feed */
    patch_job jobs[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        json_t *award = json_array_get(json_object_get(r->json, "items"), (size_t)i % json_array_size(json_object_get(r->json, "items")));
        jobs[i] = (patch_job){json_integer_value(json_object_get(award, "platform_id")), i};
        pthread_create(&threads[i], NULL, patch_thread, &jobs[i]);
    }
    th_free(r);
    long long start = all[n - 1], seen[4096];
    size_t nseen = 0;
    long long after = start;
    for (int polls = 0; polls < 200; polls++) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld&limit=7", after);
        th_response *p = expect(-1, "GET", path, NULL, 200);
        json_array_foreach(json_object_get(p->json, "items"), k, it) {
            long long c = json_integer_value(json_object_get(it, "cursor"));
            ck_assert(c > after);
            seen[nseen++] = c;
            after = c;
        }
        th_free(p);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    nseen += read_feed(after, 7, seen + nseen, 4096 - nseen);
    long long final[4096];
    size_t nfinal = read_feed(start, 1000, final, 4096);
    ck_assert_uint_eq(nseen, nfinal);                            /* none missed, none twice */
    for (size_t i = 0; i < nfinal; i++)
        ck_assert_int_eq(seen[i], final[i]);
    ck_assert_uint_ge(nfinal, 20);                               /* 4 writers x 5 changes */
    th_free(expect(-1, "GET", "/v1/public/changes?after=-1", NULL, 422));

    /* a title that lapses is announced once, by the first read after it (counted for it alone:
     * other tests' titles lapse too, announced by whichever read of theirs came first) */
    long long lapsing = sql_number("SELECT min(id) FROM awards WHERE status = 'active' AND valid_until >= current_date");
    char lapse[160];
    snprintf(lapse, sizeof lapse, "UPDATE awards SET valid_from = current_date - 100, valid_until = current_date - 1"
             " WHERE id = %lld", lapsing);
    admin_sql(lapse);
    long long last = final[nfinal - 1];
    int expired = 0;
    for (int reads = 0; reads < 2; reads++) {
        char path[96];
        snprintf(path, sizeof path, "/v1/public/changes?after=%lld", last);
        th_response *p = expect(-1, "GET", path, NULL, 200);
        json_array_foreach(json_object_get(p->json, "items"), k, it)
            expired += strcmp(json_string_value(json_object_get(it, "kind")), "platform_expired") == 0 &&
                       json_integer_value(json_object_get(it, "award_id")) == lapsing;
        th_free(p);
    }
    ck_assert_int_eq(expired, 2);   /* the same single event, seen by both reads from `last` */
    th_response *again = expect(-1, "GET", "/v1/public/changes?after=0&limit=1000", NULL, 200);
    expired = 0;
    json_array_foreach(json_object_get(again->json, "items"), k, it)
        expired += strcmp(json_string_value(json_object_get(it, "kind")), "platform_expired") == 0 &&
                   json_integer_value(json_object_get(it, "award_id")) == lapsing;
    th_free(again);
    ck_assert_int_eq(expired, 1);
}
END_TEST

START_TEST(fields_nobody_may_set_are_refused_and_the_public_sees_an_allow_list)
{
    char code[19], body[768];
    credit_code(code, 9701);
    const char *const forbidden[] = {"\"status\":\"awarded\"", "\"certificate_no\":\"LNSME-2026-99999\"",
                                     "\"recommender_org_id\":1", "\"created_by_org_id\":1", "\"version\":7",
                                     "\"id\":123456", "\"created_at\":\"2020-01-01T00:00:00Z\""};
    for (size_t i = 0; i < sizeof forbidden / sizeof *forbidden; i++) {
        snprintf(body, sizeof body,
                 "{\"name\":\"越权字段平台%zu\",\"region_code\":\"210100\",\"functions\":[\"training\"],%s,"
                 "\"operator\":{\"name\":\"越权运营有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
                 "\"address\":\"沈阳市\"}}", i, forbidden[i], code);
        th_free(expect(SHENYANG, "POST", "/v1/platforms", body, 422));
    }
    /* another city's region */
    snprintf(body, sizeof body,
             "{\"name\":\"越权字段平台\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"越权运营有限公司\",\"credit_code\":\"%s\",\"established_on\":\"2015-03-01\","
             "\"address\":\"沈阳市\"}}", code);
    th_response *r = th_json(port, "POST", "/v1/platforms", tokens[SHENYANG], body);
    ck_assert_msg(r->status == 403 || r->status == 422, "another region: %d", r->status);
    th_free(r);
    r = expect(SHENYANG, "GET", "/v1/platforms?q=%E8%B6%8A%E6%9D%83&limit=100", NULL, 200);   /* 越权 */
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);   /* nothing was written */
    th_free(r);

    /* the public registry and notices: only these fields, never contacts or users */
    static const char *const entry_keys[] = {"id", "name", "operator_name", "region_code", "functions", "award", NULL};
    static const char *const award_keys[] = {"level", "certificate_no", "awarded_on", "valid_from", "valid_until",
                                             "status", "revoked_on", "revocation_reason", "origin", NULL};
    r = expect(-1, "GET", "/v1/public/platforms?limit=100", NULL, 200);
    json_t *items = json_object_get(r->json, "items"), *item;
    size_t i;
    ck_assert_uint_gt(json_array_size(items), 0);
    json_array_foreach(items, i, item) {
        only_allowed_keys(item, entry_keys, "a registry entry");
        only_allowed_keys(json_object_get(item, "award"), award_keys, "a registry title");
    }
    th_free(r);
    static const char *const notice_keys[] = {"id", "round_id", "title", "start_date", "end_date", "status",
                                              "published_elsewhere", "applications", "created_at", NULL};
    static const char *const notice_item_keys[] = {"application_id", "platform_id", "platform_name", "operator_name",
                                                   "region_code", NULL};
    r = expect(-1, "GET", "/v1/public/publicity-notices?limit=100", NULL, 200);
    items = json_object_get(r->json, "items");
    ck_assert_uint_gt(json_array_size(items), 0);
    json_array_foreach(items, i, item) {
        only_allowed_keys(item, notice_keys, "a publicity notice");
        size_t k;
        json_t *app;
        json_array_foreach(json_object_get(item, "applications"), k, app)
            only_allowed_keys(app, notice_item_keys, "a publicized application");
    }
    th_free(r);
}
END_TEST

/* Reads `path` from the server on `on_port` at once, without waiting for the cache. */
static th_response *public_now(int on_port, const char *path, const char *extra_headers)
{
    th_response *r = th_request(on_port, "GET", path, NULL, NULL, NULL, 0, extra_headers);
    ck_assert_ptr_nonnull(r);
    return r;
}

static void entry_shows(int on_port, const char *path, const char *name, const char *status)
{
    th_response *r = public_now(on_port, path, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(str(r, "name"), name);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "award"), "status")), status);
    th_free(r);
}

/* Whether the list of 大连 shows `platform` under `name` and `status`. */
static int list_shows(int on_port, long long platform, const char *name, const char *status)
{
    th_response *r = public_now(on_port, "/v1/public/platforms?region_code=210200&limit=100", NULL);
    ck_assert_int_eq(r->status, 200);
    int seen = 0;
    json_t *items = json_object_get(r->json, "items"), *item;
    size_t i;
    json_array_foreach(items, i, item)
        if (json_integer_value(json_object_get(item, "id")) == platform)
            seen = strcmp(json_string_value(json_object_get(item, "name")), name) == 0 &&
                   strcmp(json_string_value(json_object_get(json_object_get(item, "award"), "status")), status) == 0;
    th_free(r);
    return seen;
}

#define HITS "shifan_public_cache_lookups_total{outcome=\"hit\"}"

/* Issue 18, point 2: the registry answered from memory is exact. A change by hand in psql,
 * through the API, and from a second shifan process each shows on the first read after its
 * notification was applied (wf_registry_caught_up waits for that, on /metrics); after the
 * listening connection is killed, nothing stale is served. */
START_TEST(the_public_registry_in_memory_never_hides_a_change)
{
    long long award = dalian_award("大连缓存检验平台", 92);
    char path[64], sql[512], body[160];
    snprintf(path, sizeof path, "/v1/awards/%lld", award);
    th_response *r = expect(DALIAN, "GET", path, NULL, 200);
    long long platform = json_integer_value(json_object_get(r->json, "platform_id"));
    th_free(r);
    char entry[64], etag[64] = "", header[128];
    snprintf(entry, sizeof entry, "/v1/public/platforms/%lld", platform);
    wf_registry_caught_up(port);
    double hits = wf_metric(port, HITS);
    for (int i = 0; i < 3; i++) {   /* the entry and its ETag, the same from memory */
        r = public_now(port, entry, NULL);
        ck_assert_int_eq(r->status, 200);
        const char *e = th_header(r, "ETag", header, sizeof header);
        ck_assert_ptr_nonnull(e);
        if (i > 0)
            ck_assert_str_eq(e, etag);
        snprintf(etag, sizeof etag, "%s", e);
        th_free(r);
    }
    for (int i = 0; i < 3; i++)
        ck_assert(list_shows(port, platform, "大连缓存检验平台", "active"));
    ck_assert_double_ge(wf_metric(port, HITS), hits + 4);   /* two entries and two pages from memory */
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
    r = public_now(port, entry, inm);
    ck_assert_int_eq(r->status, 304);
    th_free(r);

    /* by hand in psql, behind the service */
    snprintf(sql, sizeof sql, "UPDATE awards SET valid_from = current_date - 1000, valid_until = current_date - 1"
             " WHERE id = %lld", award);
    admin_sql(sql);
    wf_registry_caught_up(port);
    entry_shows(port, entry, "大连缓存检验平台", "expired");
    r = public_now(port, entry, inm);
    ck_assert_int_eq(r->status, 200);   /* a new version, a new ETag */
    th_free(r);
    ck_assert(list_shows(port, platform, "大连缓存检验平台", "expired"));

    /* through the API */
    snprintf(path, sizeof path, "/v1/platforms/%lld", platform);
    th_free(expect(PROVINCE, "PATCH", path, "{\"name\":\"大连缓存改名平台\"}", 200));
    wf_registry_caught_up(port);
    entry_shows(port, entry, "大连缓存改名平台", "expired");
    ck_assert(list_shows(port, platform, "大连缓存改名平台", "expired"));

    /* from a second shifan process on the same database */
    static const char *env[] = {"SHIFAN_METRICS_TOKEN=" WF_METRICS_TOKEN, NULL};
    th_server second;
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env), 0);
    wf_registry_caught_up(second.port);
    entry_shows(second.port, entry, "大连缓存改名平台", "expired");
    r = th_json(second.port, "PATCH", path, tokens[PROVINCE], "{\"name\":\"大连缓存第二进程平台\"}");
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    wf_registry_caught_up(port);
    entry_shows(port, entry, "大连缓存第二进程平台", "expired");
    ck_assert(list_shows(port, platform, "大连缓存第二进程平台", "expired"));
    wf_registry_caught_up(second.port);
    entry_shows(second.port, entry, "大连缓存第二进程平台", "expired");
    ck_assert_int_eq(th_server_stop(&second), 0);

    /* the listening connection killed, and a change made once it is gone (so that its
     * notification reaches nobody): served neither while the cache is deaf nor after it
     * listens again, everything kept before having been dropped */
    entry_shows(port, entry, "大连缓存第二进程平台", "expired");
    ck_assert(list_shows(port, platform, "大连缓存第二进程平台", "expired"));
    double resets = wf_metric(port, "shifan_public_cache_resets_total");
    snprintf(sql, sizeof sql,
             "DO $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity"
             "   WHERE application_name = 'shifan-registry-listener';"
             " FOR i IN 1..500 LOOP PERFORM pg_stat_clear_snapshot();"
             "   EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'shifan-registry-listener');"
             "   PERFORM pg_sleep(0.01); END LOOP;"
             " UPDATE platforms SET name = '大连缓存断线平台' WHERE id = %lld; END $$",
             platform);
    admin_sql(sql);
    for (int i = 0; i < 1000 && wf_metric(port, "shifan_public_cache_resets_total") <= resets; i++)
        usleep(5000);
    ck_assert_double_gt(wf_metric(port, "shifan_public_cache_resets_total"), resets);
    wf_registry_caught_up(port);
    entry_shows(port, entry, "大连缓存断线平台", "expired");
    ck_assert(list_shows(port, platform, "大连缓存断线平台", "expired"));
    hits = wf_metric(port, HITS);
    entry_shows(port, entry, "大连缓存断线平台", "expired");
    ck_assert_double_gt(wf_metric(port, HITS), hits);   /* and from memory again */
    (void)body;
}
END_TEST

START_TEST(public_registry_reads_go_to_the_read_replica)
{
    admin_sql("DROP DATABASE IF EXISTS shifan_workflow_read");
    admin_sql("CREATE DATABASE shifan_workflow_read OWNER shifan");
    static char read_url[512], read_env[600];
    snprintf(read_url, sizeof read_url, "%s dbname=shifan_workflow_read", th_env("SHIFAN_TEST_WORKFLOW_URL"));
    snprintf(read_env, sizeof read_env, "SHIFAN_DATABASE_READ_URL=%s", read_url);
    const char *env[] = {read_env, NULL};
    th_server second;
    ck_assert_int_eq(th_server_start(&second, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env), 0);
    th_response *r = th_request(second.port, "GET", "/readyz", NULL, NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 503);   /* the replica has no schema yet */
    th_free(r);

    /* the replica catches up with the schema (here: migrated as a primary would be) */
    th_server migrator;
    ck_assert_int_eq(th_server_start(&migrator, read_url, data_dir, NULL), 0);
    ck_assert_int_eq(th_server_stop(&migrator), 0);
    r = th_readyz_becomes(second.port, 200);
    ck_assert_int_eq(r->status, 200);
    th_free(r);

    /* a title on the primary: the authenticated read sees it on both instances; the public
     * registry of the second instance reads the replica, which has no title yet */
    r = th_json(second.port, "GET", "/v1/awards?limit=1", tokens[PROVINCE], NULL);
    ck_assert_int_eq(r->status, 200);
    json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_ptr_nonnull(first);
    char path[64];
    snprintf(path, sizeof path, "/v1/public/platforms/%lld",
             (long long)json_integer_value(json_object_get(first, "platform_id")));
    th_free(r);
    r = th_json(port, "GET", path, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    th_free(r);
    r = th_json(second.port, "GET", path, NULL, NULL);
    ck_assert_int_eq(r->status, 404);
    th_free(r);
    r = th_json(second.port, "GET", "/v1/public/platforms", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    th_free(r);
    ck_assert_int_eq(th_server_stop(&second), 0);
    admin_sql("DROP DATABASE shifan_workflow_read");
}
END_TEST

Suite *wf_registry_suite(void)
{
    Suite *s = suite_create("workflow: registry");
    TCase *tc = tcase_create("registry");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_registry_exports_csv_for_excel);
    tcase_add_test(tc, the_public_finds_platforms_by_chinese_substrings);
    tcase_add_test(tc, the_change_feed_never_skips_or_repeats);
    tcase_add_test(tc, the_public_registry_in_memory_never_hides_a_change);
    tcase_add_test(tc, public_registry_reads_go_to_the_read_replica);
    tcase_add_test(tc, fields_nobody_may_set_are_refused_and_the_public_sees_an_allow_list);
    suite_add_tcase(s, tc);
    return s;
}
