/*
 * Workflow: Bulk imports of platforms: all or nothing, idempotent, UTF-8 and GB18030, CSV
 * cells kept as text.
 */
#include "tests/workflow/fixture.h"

/* A JSON array of `n` platforms of 沈阳 named <stem><i>, codes from `serial0`; row `bad`
 * (1-based, 0 for none) gets a wrong check character. */
static char *platform_rows(const char *stem, int n, int serial0, int bad)
{
    size_t cap = (size_t)n * 400 + 16, len = 0;
    char *out = malloc(cap);
    len += (size_t)snprintf(out + len, cap - len, "[");
    for (int i = 1; i <= n; i++) {
        char code[19];
        credit_code(code, serial0 + i);
        if (i == bad)
            code[17] = code[17] == '0' ? '1' : '0';
        len += (size_t)snprintf(out + len, cap - len,
                                "%s{\"name\":\"%s%d\",\"region_code\":\"210100\",\"functions\":[\"information\"],"
                                "\"operator\":{\"name\":\"%s运营公司%d\",\"credit_code\":\"%s\"}}",
                                i > 1 ? "," : "", stem, i, stem, i, code);
    }
    snprintf(out + len, cap - len, "]");
    return out;
}

static long long platforms_named(int role, const char *utf8_q_escaped)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/platforms?limit=100&q=%s", utf8_q_escaped);
    th_response *r = expect(role, "GET", path, NULL, 200);
    long long n = (long long)json_array_size(json_object_get(r->json, "items"));
    th_free(r);
    return n;
}

static th_response *import(int role, const char *query, const char *ct, const char *body, size_t len, const char *key)
{
    char path[128], headers[256] = "";
    snprintf(path, sizeof path, "/v1/imports/platforms%s", query);
    if (key)
        snprintf(headers, sizeof headers, "Idempotency-Key: %s\r\n", key);
    th_response *r = th_request(port, "POST", path, tokens[role], ct, body, len, headers);
    ck_assert_ptr_nonnull(r);
    return r;
}

START_TEST(imports_are_all_or_nothing_and_idempotent)
{
    /* 导入 = %E5%AF%BC%E5%85%A5 */
    char *rows = platform_rows("导入平台", 1000, 100000, 537);
    th_response *r = import(SHENYANG, "", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 422);
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_uint_eq(json_array_size(errors), 1);                  /* exactly the bad row */
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(errors, 0), "row")), 537);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "operator.credit_code");
    th_free(r);
    ck_assert_int_eq(platforms_named(SHENYANG, "%E5%AF%BC%E5%85%A5"), 0);   /* nothing written */
    free(rows);

    rows = platform_rows("导入平台", 1000, 100000, 0);
    r = import(SHENYANG, "?dry_run=true", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "valid_rows")), 1000);
    th_free(r);
    ck_assert_int_eq(platforms_named(SHENYANG, "%E5%AF%BC%E5%85%A5"), 0);   /* a dry run writes nothing */

    r = import(SHENYANG, "", "application/json", rows, strlen(rows), "yearly-2026-a");
    ck_assert_msg(r->status == 201, "%s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 1000);
    char first_answer[64];
    snprintf(first_answer, sizeof first_answer, "%lld",
             (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0)));
    th_free(r);
    /* the retry answers the same and imports nothing twice */
    r = import(SHENYANG, "", "application/json", rows, strlen(rows), "yearly-2026-a");
    ck_assert_int_eq(r->status, 201);
    char replayed[16];
    ck_assert_ptr_nonnull(th_header(r, "Idempotent-Replayed", replayed, sizeof replayed));
    char id0[64];
    snprintf(id0, sizeof id0, "%lld", (long long)json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0)));
    ck_assert_str_eq(id0, first_answer);
    th_free(r);
    /* without the key, the same rows clash with what exists: nothing is written */
    r = import(SHENYANG, "", "application/json", rows, strlen(rows), NULL);
    ck_assert_int_eq(r->status, 409);
    th_free(r);
    free(rows);
    rows = platform_rows("另一批", 2, 200000, 0);
    r = import(SHENYANG, "", "application/json", rows, strlen(rows), "yearly-2026-a");
    ck_assert_int_eq(r->status, 422);                               /* a key reused for another body */
    th_free(r);
    free(rows);

    /* a city imports into its own region only; an association not at all */
    char valid[19], other[512];
    credit_code(valid, 300500);
    snprintf(other, sizeof other, "[{\"name\":\"大连的平台\",\"region_code\":\"210200\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"某公司\",\"credit_code\":\"%s\"}}]", valid);
    r = import(SHENYANG, "", "application/json", other, strlen(other), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "\"row\":1"));
    ck_assert_ptr_nonnull(strstr(r->body, "region_code"));
    th_free(r);
    r = import(ASSOCIATION, "", "application/json", other, strlen(other), NULL);
    ck_assert_int_eq(r->status, 403);
    th_free(r);
}
END_TEST

/* Found by fuzz/fuzz_csv_import: a row repeating an earlier one was reported with json_pack
 * given a key without its value (undefined behaviour: the server read a stray pointer), and
 * an empty body reached memchr as NULL (undefined; the sanitizer build stops on it). */
START_TEST(imports_report_a_repeated_row_and_refuse_an_empty_body)
{
    char code[19], row[256], json[600], csv[700];
    credit_code(code, 300900);
    snprintf(row, sizeof row, "{\"name\":\"重复的平台\",\"region_code\":\"210100\",\"functions\":[\"training\"],"
             "\"operator\":{\"name\":\"重复运营公司\",\"credit_code\":\"%s\"}}", code);
    snprintf(json, sizeof json, "[%s,%s]", row, row);
    snprintf(csv, sizeof csv, "name,region_code,functions,operator_name,credit_code,established_on,address\n"
             "重复的平台,210100,training,重复运营公司,%s,,\n重复的平台,210100,training,重复运营公司,%s,,\n", code, code);
    const char *types[] = {"application/json", "text/csv"};
    const char *bodies[] = {json, csv};
    for (int k = 0; k < 2; k++) {
        th_response *r = import(SHENYANG, "?dry_run=true", types[k], bodies[k], strlen(bodies[k]), NULL);
        ck_assert_msg(r->status == 422, "%s: %d %s", types[k], r->status, r->body);
        json_t *errors = json_object_get(r->json, "errors");
        ck_assert_uint_eq(json_array_size(errors), 1);
        json_t *e = json_array_get(errors, 0);
        ck_assert_int_eq(json_integer_value(json_object_get(e, "row")), 2);
        ck_assert_str_eq(json_string_value(json_object_get(e, "field")), "name");
        ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "repeats an earlier row of this import");
        ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "row_repeated");
        ck_assert_uint_eq(json_object_size(e), 5);   /* row, field, code, message, params */
        th_free(r);
    }
    th_response *r = import(SHENYANG, "", "text/csv", "", 0, NULL);
    ck_assert_msg(r->status == 422, "%d %s", r->status, r->body);      /* no header line */
    th_free(r);
    r = import(SHENYANG, "", "application/json", "", 0, NULL);
    ck_assert_msg(r->status == 400, "%d %s", r->status, r->body);      /* not a JSON array */
    th_free(r);
    th_free(expect(-1, "GET", "/healthz", NULL, 200));                /* and the server is still there */
}
END_TEST

START_TEST(csv_imports_in_utf8_and_gb18030)
{
    char code1[19], code2[19];
    credit_code(code1, 300001);
    credit_code(code2, 300002);
    /* UTF-8 with a BOM; quotes doubled inside a quoted name, a comma inside a quoted address */
    char fixed[1024];
    snprintf(fixed, sizeof fixed,
             "\xEF\xBB\xBF" "name,region_code,functions,operator_name,credit_code,established_on,address\r\n"
             "\"铁西区\"\"智造\"\"服务平台\",210100,technology;training,沈阳铁西智造有限公司,%s,2016-05-01,"
             "\"沈阳市铁西区, 北二路\"\r\n", code1);
    th_response *r = import(SHENYANG, "", "text/csv", fixed, strlen(fixed), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    th_free(r);
    /* GB18030, as Excel saves it on Chinese Windows, detected without a charset */
    char utf8[512];
    snprintf(utf8, sizeof utf8, "name,region_code,functions,operator_name,credit_code,established_on,address\n"
                                "沈河区创业孵化平台,210100,entrepreneurship,沈阳沈河孵化器有限公司,%s,,沈阳市沈河区\n", code2);
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    char gb[512], *in = utf8, *out = gb;
    size_t in_left = strlen(utf8), out_left = sizeof gb;
    ck_assert(iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1);
    iconv_close(cd);
    size_t gb_len = sizeof gb - out_left;
    r = import(SHENYANG, "", "text/csv", gb, gb_len, NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long id = json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    char path[64];
    snprintf(path, sizeof path, "/v1/platforms/%lld", id);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "name"), "沈河区创业孵化平台");                 /* the Chinese round-trips exactly */
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "operator"), "name")),
                     "沈阳沈河孵化器有限公司");
    th_free(r);
    r = import(SHENYANG, "", "text/csv", "a,b\n1,2\n", 8, NULL);
    ck_assert_int_eq(r->status, 422);                                        /* not the header */
    th_free(r);
    r = import(SHENYANG, "", "text/plain", "x", 1, NULL);
    ck_assert_int_eq(r->status, 415);
    th_free(r);
    /* hostile bodies: an empty object is a row like any other; too many records are refused
     * while parsing; a NUL byte is refused before decoding */
    r = import(SHENYANG, "", "application/json", "[{}]", 4, NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "\"field\":\"name\""));
    th_free(r);
    size_t big = 20001 * 2 + 100;
    char *many = malloc(big + 1);
    size_t len = (size_t)snprintf(many, big, "name,region_code,functions,operator_name,credit_code,established_on,address\n");
    for (int i = 0; i < 20001; i++) {
        many[len++] = 'x';
        many[len++] = '\n';
    }
    r = import(SHENYANG, "", "text/csv", many, len, NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "20000"));
    th_free(r);
    free(many);
    r = import(SHENYANG, "", "text/csv", "name\n\0x\n", 9, NULL);
    ck_assert_int_eq(r->status, 400);
    th_free(r);
}
END_TEST

START_TEST(ten_thousand_rows_import_in_one_request)
{
    char *rows = platform_rows("万行平台", 10000, 400000, 0);
    th_response *r = import(PROVINCE, "", "application/json", rows, strlen(rows), NULL);
    ck_assert_msg(r->status == 201, "%.300s", r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 10000);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "ids")), 10000);
    th_free(r);
    free(rows);
}
END_TEST

/* Cells a spreadsheet would run as formulas leave the CSV exports as text ('-prefixed), and
 * the import takes such cells as plain text. */
START_TEST(csv_cells_that_look_like_formulas_stay_text)
{
    static const char *const names[] = {"=HYPERLINK(1)平台", "+1+2平台", "-3平台", "@SUM(1)平台"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        new_application(SHENYANG, new_platform(SHENYANG, names[i], "210100", 880010 + (int)i));
    char path[64];
    snprintf(path, sizeof path, "/v1/rounds/%lld/summary.csv", round_id);
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char escaped[160], bare[160];
        /* the platform's name and its operator's (new_platform: "<name>运营有限公司") */
        snprintf(escaped, sizeof escaped, ",'%s,'%s运营有限公司,", names[i], names[i]);
        snprintf(bare, sizeof bare, ",%s,", names[i]);
        ck_assert_msg(strstr(r->body, escaped) != NULL, "%s is not escaped in:\n%s", names[i], r->body);
        ck_assert_ptr_null(strstr(r->body, bare));
    }
    th_free(r);

    char code[19], csv[1024];
    credit_code(code, 880020);
    snprintf(csv, sizeof csv, "name,region_code,functions,operator_name,credit_code,established_on,address\r\n"
                              "=SUM(1)导入平台,210100,training,@导入运营有限公司,%s,2016-05-01,-沈阳市\r\n", code);
    r = import(SHENYANG, "", "text/csv", csv, strlen(csv), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long id = json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    snprintf(path, sizeof path, "/v1/platforms/%lld", id);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "name"), "=SUM(1)导入平台");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "operator"), "name")), "@导入运营有限公司");
    th_free(r);
}
END_TEST

/* ---- another party's objects do not exist for it (issue 7, point 4, second half) ---- */

/* Issue 13, point 4: a clerk's sheet with the Chinese column titles, in its own order, imports
 * as it is; a missing or unknown column is a 422 naming it. */
START_TEST(csv_headers_in_chinese_and_in_any_order)
{
    char code[19];
    credit_code(code, 300101);
    char sheet[1024];
    snprintf(sheet, sizeof sheet,
             "\xEF\xBB\xBF" "运营单位,平台名称,统一社会信用代码,行政区划代码,服务功能,地址,成立日期\r\n"
             "沈阳中文表头有限公司,中文表头服务平台,%s,210100,training,沈阳市和平区,2016-05-01\r\n", code);
    th_response *r = import(SHENYANG, "", "text/csv", sheet, strlen(sheet), NULL);
    ck_assert_msg(r->status == 201, "%s", r->body);
    long long id = json_integer_value(json_array_get(json_object_get(r->json, "ids"), 0));
    th_free(r);
    char path[64];
    snprintf(path, sizeof path, "/v1/platforms/%lld", id);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(str(r, "name"), "中文表头服务平台");
    json_t *op = json_object_get(r->json, "operator");
    ck_assert_str_eq(json_string_value(json_object_get(op, "name")), "沈阳中文表头有限公司");
    ck_assert_str_eq(json_string_value(json_object_get(op, "credit_code")), code);
    ck_assert_str_eq(json_string_value(json_object_get(op, "established_on")), "2016-05-01");
    th_free(r);
    /* field names and Chinese titles mixed, reordered: a dry run passes */
    credit_code(code, 300102);
    snprintf(sheet, sizeof sheet,
             "functions,平台名称,region_code,operator_name,credit_code,established_on,地址\n"
             "information,混合表头平台,210100,沈阳混合表头有限公司,%s,,\n", code);
    r = import(SHENYANG, "?dry_run=true", "text/csv", sheet, strlen(sheet), NULL);
    ck_assert_msg(r->status == 200, "%s", r->body);
    th_free(r);
    /* an unknown column and a missing one, each named */
    snprintf(sheet, sizeof sheet,
             "平台名称,行政区划代码,服务功能,运营单位,统一社会信用代码,成立日期,备注\n"
             "某平台,210100,training,某公司,%s,,无\n", code);
    r = import(SHENYANG, "?dry_run=true", "text/csv", sheet, strlen(sheet), NULL);
    ck_assert_msg(r->status == 422, "%s", r->body);
    ck_assert_str_eq(str(r, "code"), "csv_header_invalid");
    json_t *errors = json_object_get(r->json, "errors");
    int unknown = 0, missing = 0;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *c = json_string_value(json_object_get(e, "code"));
        json_t *params = json_object_get(e, "params");
        if (strcmp(c, "csv_column_unknown") == 0)
            unknown = strcmp(json_string_value(json_object_get(params, "column")), "备注") == 0;
        if (strcmp(c, "csv_column_missing") == 0)
            missing = strcmp(json_string_value(json_object_get(e, "field")), "address") == 0;
        ck_assert_ptr_null(json_object_get(e, "row"));   /* the header is not a row */
    }
    ck_assert_msg(unknown && missing, "%s", r->body);
    ck_assert_ptr_nonnull(strstr(r->body, "备注"));
    th_free(r);
    /* a column given twice, once by each name */
    const char *twice = "name,平台名称,region_code,functions,operator_name,credit_code,established_on,address\n";
    r = import(SHENYANG, "?dry_run=true", "text/csv", twice, strlen(twice), NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "csv_column_twice"));
    th_free(r);
}
END_TEST

Suite *wf_imports_suite(void)
{
    Suite *s = suite_create("workflow: imports");
    TCase *tc = tcase_create("imports");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, imports_are_all_or_nothing_and_idempotent);
    tcase_add_test(tc, csv_imports_in_utf8_and_gb18030);
    tcase_add_test(tc, csv_headers_in_chinese_and_in_any_order);
    tcase_add_test(tc, imports_report_a_repeated_row_and_refuse_an_empty_body);
    tcase_add_test(tc, ten_thousand_rows_import_in_one_request);
    tcase_add_test(tc, csv_cells_that_look_like_formulas_stay_text);
    suite_add_tcase(s, tc);
    return s;
}
