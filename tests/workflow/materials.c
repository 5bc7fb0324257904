/*
 * Workflow: Materials (Art. 17): uploads whose bytes or names lie, byte-for-byte downloads.
 */
#include <dirent.h>
#include <stdatomic.h>

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
        {"%E2%80%8B.pdf", pdf, sizeof pdf - 1, 422},    /* a name of nothing visible (ZWSP) */
        {"%20.pdf", pdf, sizeof pdf - 1, 422},
        {"%E2%80%8Fx.pdf", pdf, sizeof pdf - 1, 422},   /* a bidi mark (RLM) */
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
    /* a NUL in the name is the name's fault, as in a form's part */
    char nul_path[160];
    snprintf(nul_path, sizeof nul_path, "/v1/applications/%lld/materials?kind=business_license&filename=x.pdf%%00.png", a);
    th_response *nul = th_request(port, "POST", nul_path, tokens[SHENYANG], "application/pdf", pdf, sizeof pdf - 1, NULL);
    ck_assert_int_eq(nul->status, 422);
    ck_assert_str_eq(error_code(nul, "filename"), "filename_invalid");
    th_free(nul);

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

/* Byte for byte, at each size the database is given a file in its own way (sf_db_exec_with_file):
 * a small one, one that fills the one piece that is sent as the bytes themselves, and one a
 * byte larger, which goes through a large object; none is left behind. */
START_TEST(a_download_is_byte_for_byte_what_was_uploaded)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳下载校验平台", "210100", 880002));
    const size_t sizes[] = {3000, 256 * 1024, 256 * 1024 + 1};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t len = sizes[k];
        unsigned char *file = malloc(len);
        memcpy(file, "\x89PNG\r\n\x1a\n", 8);
        for (size_t i = 8; i < len; i++)
            file[i] = (unsigned char)(rand() & 0xFF);   /* NULs and high bytes included */
        char path[160], sha[65];
        sha256_hex(file, len, sha);
        snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=premises_proof&filename=%%E5%%9C%%BA%%E5%%9C%%B0.png", a);
        th_response *r = th_request(port, "POST", path, tokens[SHENYANG], "image/png", (const char *)file, len, NULL);
        ck_assert_msg(r->status == 201, "%zu bytes: %d %s", len, r->status, r->body);
        long long id = json_integer_value(json_object_get(r->json, "id"));
        ck_assert_str_eq(str(r, "sha256"), sha);
        ck_assert_str_eq(str(r, "content_type"), "image/png");
        /* stored with its uploader (DESIGN.md §2), and says so */
        char who[160];
        snprintf(who, sizeof who, "SELECT count(*) FROM materials m JOIN users u ON u.id = m.uploaded_by"
                 " WHERE m.id = %lld AND m.uploaded_by = %lld", id,
                 (long long)json_integer_value(json_object_get(r->json, "uploaded_by")));
        ck_assert_int_eq(sql_number(who), 1);
        th_free(r);
        char sql[256], stored[65];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM materials WHERE id = %lld AND sha256 = '%s' AND size_bytes = %zu"
                 " AND length(content) = %zu", id, sha, len, len);
        ck_assert_int_eq(sql_number(sql), 1);
        ck_assert_int_eq(sql_number("SELECT count(*) FROM pg_largeobject_metadata"), 0);
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
        /* the same file again is not sent: If-None-Match with its ETag answers 304, another 200 */
        char header[128];
        snprintf(header, sizeof header, "If-None-Match: %s\r\n", expected_etag);
        r = th_request(port, "GET", path, tokens[PROVINCE], NULL, NULL, 0, header);
        ck_assert_int_eq(r->status, 304);
        ck_assert_uint_eq(r->body_len, 0);
        ck_assert_str_eq(th_header(r, "ETag", etag, sizeof etag), expected_etag);
        th_free(r);
        r = th_request(port, "GET", path, tokens[PROVINCE], NULL, NULL, 0,
                       "If-None-Match: \"0000000000000000000000000000000000000000000000000000000000000000\"\r\n");
        ck_assert_int_eq(r->status, 200);
        ck_assert_uint_eq(r->body_len, len);
        th_free(r);
        free(file);
    }
}
END_TEST

/* Issue 13: a form's own ETag (GET …/report, …/recommendation) works for its If-Match, as the
 * application's does; once the form has changed, its old ETag is 412 and nothing is written. */
static void form_if_match(long long a, const char *which, const char *body, const char *changed)
{
    char path[128], etag[80], if_match[128];
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", a, which);
    th_free(expect(SHENYANG, "PUT", path, body, 200));
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    th_header(r, "ETag", etag, sizeof etag);
    th_free(r);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", etag);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", changed, strlen(changed), if_match);
    ck_assert_msg(r->status == 200, "PUT %s with the form's own ETag: %d %s", which, r->status, r->body);
    th_free(r);
    /* the form changed: its old ETag is stale, and the write is refused */
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", body, strlen(body), if_match);
    ck_assert_int_eq(r->status, 412);
    th_free(r);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    char now[80];
    ck_assert_str_ne(th_header(r, "ETag", now, sizeof now), etag);
    ck_assert_ptr_nonnull(strstr(r->body, strstr(changed, "93") ? "93" : "上报"));   /* the refused write wrote nothing */
    th_free(r);
    /* the application's ETag still works */
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    char app_etag[80];
    th_header(r, "ETag", app_etag, sizeof app_etag);
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", a, which);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", app_etag);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", body, strlen(body), if_match);
    ck_assert_int_eq(r->status, 200);
    /* and the PUT's own answer carries the application's ETag, as GET gives it: the next write
     * may send it (it was the ETag of no representation, and always 412) */
    char put_etag[80];
    th_header(r, "ETag", put_etag, sizeof put_etag);
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld", a);
    r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_str_eq(th_header(r, "ETag", app_etag, sizeof app_etag), put_etag);
    th_free(r);
    snprintf(path, sizeof path, "/v1/applications/%lld/%s", a, which);
    snprintf(if_match, sizeof if_match, "If-Match: %s\r\n", put_etag);
    r = th_request(port, "PUT", path, tokens[SHENYANG], "application/json", changed, strlen(changed), if_match);
    ck_assert_msg(r->status == 200, "PUT %s with the ETag of the PUT before: %d %s", which, r->status, r->body);
    th_free(r);
}

START_TEST(a_forms_own_etag_works_for_its_if_match)
{
    long long p = new_platform(SHENYANG, "沈阳表单标签平台", "210100", 97);
    long long a = new_application(SHENYANG, p);
    char report[2048];
    const char *at = strstr(REPORT, "\"satisfaction_pct\":92");
    snprintf(report, sizeof report, "%.*s\"satisfaction_pct\":93%s", (int)(at - REPORT), REPORT,
             at + strlen("\"satisfaction_pct\":92"));
    form_if_match(a, "report", REPORT, report);
    const char *form = "{\"operation_score\":90,\"performance_score\":88,\"satisfaction_score\":92,\"opinion\":\"同意推荐上报\"}";
    form_if_match(a, "recommendation", FORM, form);
}
END_TEST


/* Issue 13: uploads also as multipart/form-data, as a browser's FormData sends them; the same
 * file reads back byte for byte, and a malformed form is a 400 problem, token or not, that
 * keeps nothing. */
static int material_count(long long app)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM materials WHERE application_id = %lld", app);
    return (int)sql_number(sql);
}

START_TEST(uploads_as_multipart_form_data_take_the_same_path)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳表单上传平台", "210100", 98));
    size_t flen = 2000;
    unsigned char *file = malloc(flen);
    memcpy(file, "\x89PNG\r\n\x1a\n", 8);
    for (size_t i = 8; i < flen; i++)
        file[i] = (unsigned char)(rand() & 0xFF);
    file[100] = '\r';   /* a line break and dashes inside the file are only bytes */
    file[101] = '\n';
    file[102] = '-';
    file[103] = '-';
    char sha[65], path[128], ct[160];
    sha256_hex(file, flen, sha);
    size_t cap = flen + 4096;
    char *body = malloc(cap);
    const char *boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", boundary);
    snprintf(path, sizeof path, "/v1/applications/%lld/materials", a);
    /* kind and filename as fields; the file part's own filename is only a fallback */
    size_t n = 0;
    n += (size_t)snprintf(body + n, cap - n,
                          "--%s\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\npremises_proof\r\n"
                          "--%s\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\n场地.png\r\n"
                          "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob\"\r\n"
                          "Content-Type: application/octet-stream\r\n\r\n",
                          boundary, boundary, boundary);
    memcpy(body + n, file, flen);
    n += flen;
    n += (size_t)snprintf(body + n, cap - n, "\r\n--%s--\r\n", boundary);
    th_response *r = th_request(port, "POST", path, tokens[SHENYANG], ct, body, n, NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    ck_assert_str_eq(str(r, "sha256"), sha);
    ck_assert_str_eq(str(r, "filename"), "场地.png");
    ck_assert_str_eq(str(r, "kind"), "premises_proof");
    ck_assert_str_eq(str(r, "content_type"), "image/png");
    char location[128];
    th_header(r, "Location", location, sizeof location);
    th_free(r);
    r = expect(SHENYANG, "GET", location, NULL, 200);
    ck_assert_uint_eq(r->body_len, flen);
    ck_assert(memcmp(r->body, file, flen) == 0);
    th_free(r);
    /* without a filename field, the file part's own filename; the kind from the query */
    n = 0;
    n += (size_t)snprintf(body + n, cap - n,
                          "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"证明.png\"\r\n\r\n",
                          boundary);
    memcpy(body + n, file, flen);
    n += flen;
    n += (size_t)snprintf(body + n, cap - n, "\r\n--%s--\r\n", boundary);
    snprintf(path, sizeof path, "/v1/applications/%lld/materials?kind=service_evidence", a);
    r = th_request(port, "POST", path, tokens[SHENYANG], ct, body, n, NULL);
    ck_assert_msg(r->status == 201, "%d %s", r->status, r->body);
    ck_assert_str_eq(str(r, "filename"), "证明.png");
    th_free(r);
    int kept = material_count(a);
    ck_assert_int_eq(kept, 2);

    /* the same refusals as the raw body: a file that is not what it claims, no kind */
    n = (size_t)snprintf(body, cap,
                         "--%s\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\naudit_report\r\n"
                         "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n"
                         "MZ not a pdf\r\n--%s--\r\n", boundary, boundary, boundary);
    snprintf(path, sizeof path, "/v1/applications/%lld/materials", a);
    r = th_request(port, "POST", path, tokens[SHENYANG], ct, body, n, NULL);
    ck_assert_int_eq(r->status, 415);
    th_free(r);
    n = (size_t)snprintf(body, cap,
                         "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n"
                         "%%PDF-1.4\n%%%%EOF\n\r\n--%s--\r\n", boundary, boundary);
    r = th_request(port, "POST", path, tokens[SHENYANG], ct, body, n, NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert(has_error(r, "kind"));
    th_free(r);

    /* malformed forms: 400 problem+json, with a token and without, and nothing kept */
    struct {
        const char *content_type, *body;
    } bad[] = {
        {"multipart/form-data; boundary=x", "garbage without any boundary"},
        {"multipart/form-data", "--x\r\n\r\n"},   /* no boundary parameter */
        {"multipart/form-data; boundary=x",       /* no file part */
         "--x\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\naudit_report\r\n--x--\r\n"},
        {"multipart/form-data; boundary=x",       /* two file parts */
         "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF-1.4\r\n"
         "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF-1.4\r\n--x--\r\n"},
        {"multipart/form-data; boundary=x",       /* not closed */
         "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF-1.4 and no end"},
        {"multipart/form-data; boundary=x",       /* a part without a name */
         "--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n"},
        {"multipart/form-data; boundary=x",       /* a part that is not one of the three */
         "--x\r\nContent-Disposition: form-data; name=\"colour\"\r\n\r\nred\r\n--x--\r\n"},
        {"multipart/form-data; boundary=x",       /* no header section */
         "--x\r\n"},
        {"multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567890123456789X",
         "--x--\r\n"},                            /* a boundary of 71 characters */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        for (int with_token = 0; with_token < 2; with_token++) {
            r = th_request(port, "POST", path, with_token ? tokens[SHENYANG] : NULL, bad[i].content_type, bad[i].body,
                           strlen(bad[i].body), NULL);
            ck_assert_msg(r != NULL, "case %zu: no answer", i);
            /* without a token the body is never read (issue 14, item 2): 401 before it */
            ck_assert_msg(r->status == (with_token ? 400 : 401), "case %zu (token %d): %d %s", i, with_token, r->status,
                          r->body);
            ck_assert_ptr_nonnull(strstr(r->headers, "application/problem+json"));
            th_free(r);
        }
    }
    ck_assert_int_eq(material_count(a), kept);
    free(body);
    free(file);
}
END_TEST

/* ---- issue 14, item 2: uploads stream to their limit ---- */

static long long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %lld kB", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib;
}

/* How many of the server's open descriptors are upload files (api/upload_stream.c: named
 * "upload-…" in the data directory, unlinked at once, so "(deleted)"). */
static int open_upload_files(void)
{
    char dir[64], link[600], target[600];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)server.pid);
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strstr(target, "/upload-") != NULL;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

#define BIG_UPLOAD (20u * 1024 * 1024)

/* The bytes of a big PDF upload at `offset` (mostly zeros, cheap for the database to keep). */
static void big_pdf_piece(size_t offset, unsigned char *out, size_t len)
{
    memset(out, 0, len);
    static const char head[] = "%PDF-1.4\n";
    for (size_t i = 0; i < len; i++) {
        size_t at = offset + i;
        if (at < sizeof head - 1)
            out[i] = (unsigned char)head[at];
        else if (at % 4096 == 0)
            out[i] = (unsigned char)(at / 4096);
    }
}

typedef struct {
    long long app;
    size_t stop_at;       /* 0: send it all and read the answer; else cut off after these bytes */
    int status;
    char sha256[65];
    atomic_int *done;
} big_upload;

static void *send_big_upload(void *p)
{
    big_upload *u = p;
    int fd = th_connect(port);
    if (fd >= 0) {
        struct timeval tv = {60, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        char head[1024];
        int n = snprintf(head, sizeof head, "POST /v1/applications/%lld/materials?kind=other&filename=big.pdf HTTP/1.1\r\n"
                         "Host: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer %s\r\n"
                         "Content-Type: application/pdf\r\nContent-Length: %u\r\n\r\n",
                         u->app, tokens[SHENYANG], BIG_UPLOAD);
        static _Thread_local unsigned char piece[65536];
        size_t end = u->stop_at ? u->stop_at : BIG_UPLOAD;
        int ok = send(fd, head, (size_t)n, MSG_NOSIGNAL) == n;
        for (size_t sent = 0; ok && sent < end; sent += sizeof piece) {
            big_pdf_piece(sent, piece, sizeof piece);
            ok = send(fd, piece, sizeof piece, MSG_NOSIGNAL) == (ssize_t)sizeof piece;
        }
        if (u->stop_at == 0) {
            static _Thread_local char answer[4096];
            size_t got = ok ? th_read_until_closed(fd, answer, sizeof answer - 1) : 0;
            answer[got] = '\0';
            sscanf(answer, "HTTP/1.1 %d", &u->status);
            const char *sha = strstr(answer, "\"sha256\":\"");
            if (sha != NULL)
                snprintf(u->sha256, sizeof u->sha256, "%.64s", sha + 10);
        }
        close(fd);
    }
    atomic_fetch_add(u->done, 1);
    return NULL;
}

/* 16 clients upload 20 MiB each at once, with a valid token: every file is written to a
 * temporary file as it arrives and reaches the database a piece at a time, so the server's
 * resident memory stays flat (before: each body was buffered whole, then encoded, ~1 GB for
 * 16), and each is stored byte for byte. */
START_TEST(sixteen_20_mib_uploads_at_once_keep_memory_flat)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳大文件平台", "210100", 93));
    enum { CLIENTS = 16 };
    pthread_t threads[CLIENTS];
    big_upload calls[CLIENTS];
    atomic_int done = 0;
    long long before = rss_kib(server.pid), peak = before;
    ck_assert_int_gt(before, 0);
    for (int i = 0; i < CLIENTS; i++) {
        calls[i] = (big_upload){.app = a, .done = &done};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, send_big_upload, &calls[i]), 0);
    }
    while (atomic_load(&done) < CLIENTS) {
        long long now = rss_kib(server.pid);
        peak = now > peak ? now : peak;
        th_pause_ms(20);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(threads[i], NULL);
    /* the expected file */
    unsigned char *file = malloc(BIG_UPLOAD);
    ck_assert_ptr_nonnull(file);
    big_pdf_piece(0, file, BIG_UPLOAD);
    char sha[65];
    sha256_hex(file, BIG_UPLOAD, sha);
    for (int i = 0; i < CLIENTS; i++) {
        ck_assert_msg(calls[i].status == 201, "upload %d answered %d", i, calls[i].status);
        ck_assert_str_eq(calls[i].sha256, sha);
    }
    /* under 64 MB, and never more than 32 MiB above where it started (a sanitizer's server
     * starts higher) */
    ck_assert_msg(peak - before < 32 * 1024, "resident memory grew from %lld to %lld KiB", before, peak);
    if (before < 32 * 1024)
        ck_assert_msg(peak < 64 * 1024, "resident memory reached %lld KiB", peak);
    ck_assert_int_eq(open_upload_files(), 0);
    ck_assert_int_eq((int)wf_metric(port, "shifan_http_buffered_body_bytes"), 0);
    /* one of them, read back byte for byte */
    char path[128];
    snprintf(path, sizeof path, "/v1/materials/%lld/content",
             sql_number("SELECT max(id) FROM materials WHERE filename = 'big.pdf'"));
    th_response *r = expect(SHENYANG, "GET", path, NULL, 200);
    ck_assert_uint_eq(r->body_len, BIG_UPLOAD);
    ck_assert(memcmp(r->body, file, BIG_UPLOAD) == 0);
    th_free(r);
    ck_assert_int_eq((int)sql_number("SELECT count(*) FROM pg_largeobject_metadata"), 0);
    free(file);
}
END_TEST

/* An upload cut off midway: its temporary file existed while it arrived and is gone once the
 * connection drops; nothing is stored, and the next upload is taken. */
START_TEST(an_upload_cut_off_midway_leaves_no_file_behind)
{
    long long a = new_application(SHENYANG, new_platform(SHENYANG, "沈阳断线上传平台", "210100", 89));
    long long stored = material_count(a);
    atomic_int done = 0;
    big_upload cut = {.app = a, .stop_at = 4u * 1024 * 1024, .done = &done};
    int fd = th_connect(port);   /* held open: the server's descriptors are looked at meanwhile */
    ck_assert_int_ge(fd, 0);
    char head[1024];
    int n = snprintf(head, sizeof head, "POST /v1/applications/%lld/materials?kind=other&filename=cut.pdf HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/pdf\r\n"
                     "Content-Length: %u\r\n\r\n", a, tokens[SHENYANG], BIG_UPLOAD);
    ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    static unsigned char piece[65536];
    for (size_t sent = 0; sent < cut.stop_at; sent += sizeof piece) {
        big_pdf_piece(sent, piece, sizeof piece);
        ck_assert_int_eq(send(fd, piece, sizeof piece, MSG_NOSIGNAL), (ssize_t)sizeof piece);
    }
    int seen = 0;
    for (int i = 0; i < 250 && !seen; i++) {
        seen = open_upload_files();
        if (!seen)
            th_pause_ms(20);
    }
    ck_assert_msg(seen == 1, "no upload file while the body arrived");
    /* The client falls silent, then goes. (Closed in the same breath as its last bytes, the
     * close reaches libmicrohttpd 0.9.75's edge-triggered epoll together with them and is
     * only noticed at SHIFAN_IDLE_TIMEOUT, when the file goes: measured ~55 s.) */
    th_pause_ms(300);
    close(fd);
    int left = 1;
    for (int i = 0; i < 250 && left; i++) {
        left = open_upload_files();
        if (left)
            th_pause_ms(20);
    }
    ck_assert_msg(left == 0, "the upload file outlived its connection");
    ck_assert_int_eq(material_count(a), stored);
    DIR *d = opendir(data_dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        ck_assert_msg(strncmp(e->d_name, "upload-", 7) != 0, "%s left behind", e->d_name);
    closedir(d);
    /* a whole one after it is taken */
    cut.stop_at = 0;
    send_big_upload(&cut);
    ck_assert_int_eq(cut.status, 201);
    ck_assert_int_eq(material_count(a), stored + 1);
}
END_TEST

Suite *wf_materials_suite(void)
{
    Suite *s = suite_create("workflow: materials");
    TCase *tc = tcase_create("materials");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, uploads_whose_bytes_or_names_lie_are_refused_and_nothing_is_kept);
    tcase_add_test(tc, a_download_is_byte_for_byte_what_was_uploaded);
    tcase_add_test(tc, a_forms_own_etag_works_for_its_if_match);
    tcase_add_test(tc, uploads_as_multipart_form_data_take_the_same_path);
    tcase_add_test(tc, sixteen_20_mib_uploads_at_once_keep_memory_flat);
    tcase_add_test(tc, an_upload_cut_off_midway_leaves_no_file_behind);
    suite_add_tcase(s, tc);
    return s;
}
