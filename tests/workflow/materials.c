/*
 * Workflow: Materials (Art. 17): uploads whose bytes or names lie, byte-for-byte downloads.
 */
#include "tests/workflow/fixture.h"

static long long files_seen;

static int count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)st, (void)ftw;
    files_seen += flag == FTW_F;
    return 0;
}

/* Files under the server's data directory. */
static long long data_files(void)
{
    files_seen = 0;
    ck_assert_int_eq(nftw(data_dir, count_file, 16, FTW_PHYS), 0);
    return files_seen;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* POST of `len` bytes of `body` with Transfer-Encoding: chunked, in chunks of at most 1000
 * bytes; the answer's status, or 0 if there was none. */
static int post_chunked(int to_port, const char *path, const char *token, const char *body, size_t len)
{
    int fd = th_connect(to_port);
    ck_assert_int_ge(fd, 0);
    char head[2048];
    int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n",
                     path, token);
    int ok = send(fd, head, (size_t)n, MSG_NOSIGNAL) == n;
    for (size_t off = 0; ok && off < len; off += 1000) {
        size_t part = len - off < 1000 ? len - off : 1000;
        char size_line[16];
        int m = snprintf(size_line, sizeof size_line, "%zx\r\n", part);
        ok = send(fd, size_line, (size_t)m, MSG_NOSIGNAL) == m &&
             send(fd, body + off, part, MSG_NOSIGNAL) == (ssize_t)part && send(fd, "\r\n", 2, MSG_NOSIGNAL) == 2;
    }
    if (ok)
        (void)!send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
    char answer[512];
    ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
    close(fd);
    int status = 0;
    if (got > 0) {
        answer[got] = '\0';
        sscanf(answer, "HTTP/1.1 %d", &status);
    }
    return status;
}

START_TEST(uploads_whose_bytes_or_names_lie_are_refused_and_nothing_is_kept)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳上传检查平台", "210100", 880001));
    static const char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1";
    static const char jpeg[] = "\xFF\xD8\xFF\xE0\0\x10JFIF";
    static const char text[] = "just some text, not a document\n";
    static const struct {
        const char *filename;   /* as it appears in the query string */
        const char *body;
        size_t len;
        int status;
    } cases[] = {
        {"scan.png", pdf, sizeof pdf - 1, 415},          /* PDF bytes named .png */
        {"scan.pdf", png, sizeof png - 1, 415},          /* PNG bytes named .pdf */
        {"photo.png", jpeg, sizeof jpeg - 1, 415},
        {"notes.pdf", text, sizeof text - 1, 415},       /* plain text named .pdf */
        {"noextension", pdf, sizeof pdf - 1, 415},
        {"empty.pdf", "", 0, 400},
        {"../x.pdf", pdf, sizeof pdf - 1, 422},
        {"..%2F..%2Fetc%2Fx.pdf", pdf, sizeof pdf - 1, 422},
        {"dir%2Fx.pdf", pdf, sizeof pdf - 1, 422},
        {"dir%5Cx.pdf", pdf, sizeof pdf - 1, 422},
        {"x.pdf%00.png", pdf, sizeof pdf - 1, 422},      /* NUL: decoded, the name would end at it */
        {"x.png%00.pdf", pdf, sizeof pdf - 1, 422},
        {"a%00", pdf, sizeof pdf - 1, 422},
        {"x.pdf&file%6Eame=y.pdf%00.png", pdf, sizeof pdf - 1, 422},   /* the key encoded, its value with a NUL */
        {"%2E%2E", pdf, sizeof pdf - 1, 422},
        {"x%0A.pdf", pdf, sizeof pdf - 1, 422},
        {"", pdf, sizeof pdf - 1, 422},
    };
    char count_sql[128];
    snprintf(count_sql, sizeof count_sql, "SELECT count(*) FROM materials WHERE application_id = %lld", a);
    long long files = data_files();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[256];
        snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=business_license&filename=%s", a,
                 cases[i].filename);
        th_response *r = th_request(port, "POST", path, tokens[SHENYANG], "application/pdf", cases[i].body,
                                    cases[i].len, NULL);
        ck_assert_msg(r->status == cases[i].status, "%s: expected %d, got %d %s", cases[i].filename, cases[i].status,
                      r->status, r->body);
        th_free(r);
    }
    ck_assert_int_eq(sql_number(count_sql), 0);
    ck_assert_int_eq(data_files(), files);

    /* over SHIFAN_MAX_UPLOAD_BYTES, on a second server with a small limit: exactly the limit
     * is read, one byte more is 413 whether its length is declared or it comes chunked */
    th_server small;
    const char *env[] = {"SHIFAN_MAX_UPLOAD_BYTES=4096", "SHIFAN_THREADS=4", NULL};
    ck_assert_int_eq(th_server_start(&small, th_env("SHIFAN_TEST_WORKFLOW_URL"), data_dir, env), 0);
    char *big = malloc(4097);
    memcpy(big, pdf, sizeof pdf - 1);
    memset(big + sizeof pdf - 1, 'x', 4097 - (sizeof pdf - 1));
    char path[160];
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=audit_report&filename=big.pdf", a);
    th_response *r = th_request(small.port, "POST", path, tokens[SHENYANG], "application/pdf", big, 4097, NULL);
    ck_assert_msg(r->status == 413, "%d %s", r->status, r->body);
    th_free(r);
    ck_assert_int_eq(post_chunked(small.port, path, tokens[SHENYANG], big, 4097), 413);
    ck_assert_int_eq(sql_number(count_sql), 0);
    files = data_files();   /* the second server's log is a new file */
    r = th_request(small.port, "POST", path, tokens[SHENYANG], "application/pdf", big, 4096, NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    th_free(r);
    ck_assert_int_eq(sql_number(count_sql), 1);
    ck_assert_int_eq(data_files(), files);   /* materials live in the database only */
    free(big);
    ck_assert_int_eq(th_server_stop_reporting(&small), 0);
}
END_TEST

START_TEST(a_download_is_byte_for_byte_what_was_uploaded)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳下载校验平台", "210100", 880002));
    size_t len = 3000;
    unsigned char *file = malloc(len);
    memcpy(file, "\x89PNG\r\n\x1a\n", 8);
    for (size_t i = 8; i < len; i++)
        file[i] = (unsigned char)(rand() & 0xFF);   /* NULs and high bytes included */
    char path[160], sha[65];
    sha256_hex(file, len, sha);
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=premises_proof&filename=%%E5%%9C%%BA%%E5%%9C%%B0.png", a);
    th_response *r = th_request(port, "POST", path, tokens[SHENYANG], "image/png", (const char *)file, len, NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    long long id = json_integer_value(json_object_get(r->json, "id"));
    ck_assert_str_eq(str(r, "sha256"), sha);
    ck_assert_str_eq(str(r, "content_type"), "image/png");
    th_free(r);
    char sql[128], stored[65];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM materials WHERE id = %lld AND sha256 = '%s'", id, sha);
    ck_assert_int_eq(sql_number(sql), 1);
    snprintf(stored, sizeof stored, "%s", sha);
    snprintf(path, sizeof path, "/v1/materials/%lld/content", id);
    r = expect(PROVINCE, "GET", path, NULL, 200);
    ck_assert_uint_eq(r->body_len, len);
    char got[65], etag[80], expected_etag[80];
    sha256_hex(r->body, r->body_len, got);
    ck_assert_str_eq(got, stored);
    ck_assert(memcmp(r->body, file, len) == 0);
    snprintf(expected_etag, sizeof expected_etag, "\"%s\"", stored);
    ck_assert_str_eq(th_header(r, "ETag", etag, sizeof etag), expected_etag);
    th_free(r);
    free(file);
}
END_TEST

Suite *wf_materials_suite(void)
{
    Suite *s = suite_create("workflow: materials");
    TCase *tc = tcase_create("materials");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, uploads_whose_bytes_or_names_lie_are_refused_and_nothing_is_kept);
    tcase_add_test(tc, a_download_is_byte_for_byte_what_was_uploaded);
    suite_add_tcase(s, tc);
    return s;
}
