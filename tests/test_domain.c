/*
 * Unit tests of domain/: pure rules, checked at their boundaries. Linked with the domain
 * library alone (CMakeLists.txt): no database, no HTTP, no JSON.
 */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "api/messages.h"
#include "domain/accounts.h"
#include "domain/awards.h"
#include "domain/calendar.h"
#include "domain/credit_code.h"
#include "domain/eligibility.h"
#include "domain/lifecycle.h"
#include "domain/materials.h"
#include "domain/password.h"
#include "domain/permissions.h"
#include "domain/platforms.h"
#include "domain/regions.h"
#include "domain/rounds.h"
#include "domain/status.h"
#include "domain/supervision.h"
#include "domain/records.h"
#include "domain/text.h"
#include "domain/transitions.h"
#include "tests/hashutil.h"


/* The English words of a refusal or a check, as api/ would answer them to Accept-Language: en
 * (rotating buffers, so one assertion may name several). */
static char *en_buffer(void)
{
    static char bufs[8][1024];
    static int next;
    return bufs[next++ % 8];
}
static const char *en_detail(const sf_errors *e)
{
    return sf_message_render(en_buffer(), 1024, SF_LANG_EN, e->code, &e->params);
}
static const char *en_msg(const sf_field_error *f)
{
    return sf_message_render(en_buffer(), 1024, SF_LANG_EN, f->code, &f->params);
}
static const char *en_check(const sf_check *c)
{
    return sf_message_render(en_buffer(), 1024, SF_LANG_EN, c->detail, &c->params);
}

/* ---- regions (GB/T 2260) ---- */

START_TEST(cities_are_the_fourteen_of_liaoning)
{
    ck_assert_uint_eq(sf_city_count, 14);
    ck_assert_str_eq(sf_region_city("210100")->name, "沈阳市");
    ck_assert_str_eq(sf_region_city("210200")->name, "大连市");
    ck_assert_str_eq(sf_region_city("211400")->name, "葫芦岛市");
    ck_assert_ptr_null(sf_region_city("210000"));   /* the province is not a city */
    ck_assert_ptr_null(sf_region_city("211500"));   /* one past the last city */
    ck_assert_ptr_null(sf_region_city("110100"));   /* Beijing */
    ck_assert_ptr_null(sf_region_city(NULL));
    ck_assert(sf_region_is_known("210000"));
    ck_assert(sf_region_is_known("211300"));
    ck_assert(!sf_region_is_known("21010"));
}
END_TEST

/* ---- roles and permissions ---- */

START_TEST(role_names_round_trip)
{
    for (int r = SF_ROLE_PROVINCE; r <= SF_ROLE_PLATFORM; r++)
        ck_assert_int_eq(sf_role_parse(sf_role_name((sf_role)r)), r);
    ck_assert_int_eq(sf_role_parse("Province"), SF_ROLE_NONE);
    ck_assert_int_eq(sf_role_parse(""), SF_ROLE_NONE);
    ck_assert_int_eq(sf_role_parse(NULL), SF_ROLE_NONE);
    ck_assert_ptr_null(sf_role_name(SF_ROLE_NONE));
}
END_TEST

/* Accounts are the province's (Art. 3); a city creates the platform companies of its own
 * region and their users (DESIGN.md §2), nothing else. */
START_TEST(only_the_province_manages_accounts)
{
    ck_assert(sf_role_may(SF_ROLE_PROVINCE, SF_ACT_MANAGE_ORGANIZATIONS));
    ck_assert(sf_role_may(SF_ROLE_PROVINCE, SF_ACT_MANAGE_USERS));
    for (int r = SF_ROLE_ASSOCIATION; r <= SF_ROLE_PLATFORM; r++) {
        ck_assert(!sf_role_may((sf_role)r, SF_ACT_MANAGE_ORGANIZATIONS));
        ck_assert(r == SF_ROLE_CITY || !sf_role_may((sf_role)r, SF_ACT_MANAGE_USERS));
    }
    ck_assert(!sf_role_may(SF_ROLE_NONE, SF_ACT_MANAGE_USERS));
    sf_caller shenyang = {.user_id = 2, .org_id = 2, .role = SF_ROLE_CITY, .region_code = "210100"};
    sf_caller province = {.user_id = 1, .org_id = 1, .role = SF_ROLE_PROVINCE, .region_code = "210000"};
    ck_assert(sf_may_manage_organization(&shenyang, SF_ROLE_PLATFORM, "210100"));
    ck_assert(!sf_may_manage_organization(&shenyang, SF_ROLE_PLATFORM, "210200"));
    ck_assert(!sf_may_manage_organization(&shenyang, SF_ROLE_ASSOCIATION, "210000"));
    ck_assert(!sf_may_manage_organization(&shenyang, SF_ROLE_CITY, "210100"));
    ck_assert(sf_may_manage_organization(&province, SF_ROLE_ASSESSOR, "210000"));
    ck_assert(sf_may_manage_organization(&province, SF_ROLE_PLATFORM, "210200"));
}
END_TEST

START_TEST(supervisor_reads_but_never_writes)
{
    ck_assert(sf_role_may(SF_ROLE_SUPERVISOR, SF_ACT_READ_ORGANIZATIONS));
    ck_assert(sf_role_may(SF_ROLE_SUPERVISOR, SF_ACT_READ_SELF));
    ck_assert(!sf_role_may(SF_ROLE_ASSESSOR, SF_ACT_READ_ORGANIZATIONS));
    ck_assert(!sf_role_may(SF_ROLE_NONE, SF_ACT_READ_SELF));
    ck_assert(!sf_role_may(SF_ROLE_PROVINCE, SF_ACT__COUNT));
}
END_TEST

/* issue 17: the province, the supervisor and the cities read statistics; no one else */
START_TEST(statistics_are_read_by_province_supervisor_and_cities)
{
    static const struct { sf_role role; int may; } cases[] = {
        {SF_ROLE_PROVINCE, 1}, {SF_ROLE_SUPERVISOR, 1}, {SF_ROLE_CITY, 1},
        {SF_ROLE_ASSOCIATION, 0}, {SF_ROLE_ASSESSOR, 0}, {SF_ROLE_NONE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_int_eq(sf_role_may(cases[i].role, SF_ACT_READ_STATISTICS), cases[i].may);
}
END_TEST

/* ---- organisations ---- */

static sf_status validate_org(sf_role type, const char *name, const char *region, char out[7], sf_errors *e)
{
    sf_errors_init(e);
    sf_new_organization org = {type, name, region};
    return sf_organization_validate(&org, out, e);
}

START_TEST(a_city_needs_one_of_the_fourteen_codes)
{
    char region[7];
    sf_errors e;
    ck_assert_int_eq(validate_org(SF_ROLE_CITY, "沈阳市工信局", "210100", region, &e), SF_OK);
    ck_assert_str_eq(region, "210100");
    ck_assert_int_eq(validate_org(SF_ROLE_CITY, "x", NULL, region, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "region_code");
    ck_assert_int_eq(validate_org(SF_ROLE_CITY, "x", "210000", region, &e), SF_INVALID);
    ck_assert_int_eq(validate_org(SF_ROLE_CITY, "x", "211500", region, &e), SF_INVALID);
}
END_TEST

START_TEST(provincial_bodies_belong_to_the_province)
{
    char region[7];
    sf_errors e;
    ck_assert_int_eq(validate_org(SF_ROLE_ASSOCIATION, "协会", NULL, region, &e), SF_OK);
    ck_assert_str_eq(region, "210000");
    ck_assert_int_eq(validate_org(SF_ROLE_ASSESSOR, "评估机构", "210000", region, &e), SF_OK);
    ck_assert_int_eq(validate_org(SF_ROLE_SUPERVISOR, "审计厅", "210100", region, &e), SF_INVALID);
    ck_assert_int_eq(validate_org(SF_ROLE_PROVINCE, "第二个省", NULL, region, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "type");
    ck_assert_int_eq(validate_org(SF_ROLE_NONE, "x", NULL, region, &e), SF_INVALID);
}
END_TEST

START_TEST(organisation_names_are_bounded)
{
    char region[7], name[1000];
    sf_errors e;
    /* 200 Chinese characters are allowed, 201 are not: the limit counts characters */
    name[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(name, "辽");
    ck_assert_int_eq(validate_org(SF_ROLE_ASSOCIATION, name, NULL, region, &e), SF_OK);
    strcat(name, "辽");
    ck_assert_int_eq(validate_org(SF_ROLE_ASSOCIATION, name, NULL, region, &e), SF_INVALID);
    ck_assert_int_eq(validate_org(SF_ROLE_ASSOCIATION, "   ", NULL, region, &e), SF_INVALID);
    ck_assert_int_eq(validate_org(SF_ROLE_ASSOCIATION, "a\nb", NULL, region, &e), SF_INVALID);
    ck_assert_int_eq(validate_org(SF_ROLE_ASSOCIATION, "\xff\xfe", NULL, region, &e), SF_INVALID);
}
END_TEST

/* ---- accounts ---- */

START_TEST(usernames_at_their_bounds)
{
    char name[80];
    ck_assert(!sf_username_is_valid("ab"));
    ck_assert(sf_username_is_valid("abc"));
    memset(name, 'a', 64);
    name[64] = '\0';
    ck_assert(sf_username_is_valid(name));
    memset(name, 'a', 65);
    name[65] = '\0';
    ck_assert(!sf_username_is_valid(name));
    ck_assert(sf_username_is_valid("shenyang.city_1-a"));
    ck_assert(!sf_username_is_valid(".abc"));
    ck_assert(!sf_username_is_valid("Admin"));
    ck_assert(!sf_username_is_valid("ad min"));
    ck_assert(!sf_username_is_valid("管理员"));
}
END_TEST

START_TEST(passwords_at_their_bounds)
{
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_user_validate("abc", "12345678901", "A", &e), SF_INVALID); /* 11 */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_user_validate("abc", "123456789012", "A", &e), SF_OK);      /* 12 */
    sf_errors_init(&e);
    /* twelve Chinese characters are twelve characters (36 bytes) */
    ck_assert_int_eq(sf_user_validate("abc", "辽宁省中小企业公共服务示范", "A", &e), SF_OK);
    char longest[300];
    memset(longest, 'x', 256);
    longest[256] = '\0';
    sf_errors_init(&e);
    ck_assert_int_eq(sf_user_validate("abc", longest, "A", &e), SF_OK);
    longest[256] = 'x';
    longest[257] = '\0';
    sf_errors_init(&e);
    ck_assert_int_eq(sf_user_validate("abc", longest, "A", &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "password");
}
END_TEST

/* Issue 14, item 6: the password policy, for creation, reset and change alike. */
START_TEST(the_password_policy_refuses_short_named_and_common_passwords)
{
    /* the list is the real one, whole, and read once */
    ck_assert_uint_eq(sf_common_passwords_count(), 10000);
    ck_assert(sf_password_is_common("123456"));               /* the first line */
    ck_assert(sf_password_is_common("password"));
    ck_assert(sf_password_is_common("qqqqqq1"));              /* the last line */
    ck_assert(sf_password_is_common("LeaveMeAlone"));         /* without regard to case */
    ck_assert(!sf_password_is_common("leavemealone!"));
    ck_assert(!sf_password_is_common(""));
    static const struct {
        const char *username, *password;
        sf_code why;   /* SF_E_NONE when accepted */
    } cases[] = {
        {"zhangwei", "a-long-user-password", SF_E_NONE},
        {"zhangwei", "short-pass1", SF_E_TOO_SHORT},
        {"zhangwei", "my-zhangwei-password", SF_E_PASSWORD_CONTAINS_USERNAME},
        {"zhangwei", "My-ZhangWei-Password", SF_E_PASSWORD_CONTAINS_USERNAME},
        {"zhangwei", "1qaz2wsx3edc", SF_E_PASSWORD_COMMON},
        {"zhangwei", "1QAZ2WSX3EDC", SF_E_PASSWORD_COMMON},
        {"zhangwei", "qwerty123456", SF_E_PASSWORD_COMMON},
        {"zhangwei", "qwerty1234567", SF_E_NONE},
        {NULL, "my-zhangwei-password", SF_E_NONE},   /* no username to compare (an invalid one) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_errors e;
        sf_errors_init(&e);
        sf_status st = sf_password_policy_check("new_password", cases[i].username, cases[i].password, &e);
        if (cases[i].why == SF_E_NONE) {
            ck_assert_msg(st == SF_OK && e.count == 0, "%s refused", cases[i].password);
        } else {
            ck_assert_msg(st == SF_INVALID && e.count == 1, "%s accepted", cases[i].password);
            ck_assert_str_eq(e.items[0].field, "new_password");
            ck_assert_int_eq(e.items[0].code, cases[i].why);
        }
    }
    /* a new user's password passes the same policy */
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_user_validate("admin", "admin-password-for-tests", "A", &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "password");
}
END_TEST

/* PATCH /v1/users/{id}: a display name as for a new user; nobody deactivates themselves. */
START_TEST(a_user_patch_is_checked)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_user_patch p = {1, 0, NULL};
    ck_assert_int_eq(sf_user_patch_validate(&p, 7, 8, &e), SF_OK);
    ck_assert_int_eq(sf_user_patch_validate(&p, 7, 7, &e), SF_CONFLICT);
    ck_assert_str_eq(e.items[0].field, "active");
    sf_errors_init(&e);
    p = (sf_user_patch){1, 1, NULL};
    ck_assert_int_eq(sf_user_patch_validate(&p, 7, 7, &e), SF_OK);   /* active: true of oneself is no change */
    p = (sf_user_patch){0, 0, "\xe2\x80\xae name"};                  /* U+202E */
    ck_assert_int_eq(sf_user_patch_validate(&p, 7, 8, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "display_name");
}
END_TEST

START_TEST(user_validation_reports_every_field_at_once)
{
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_user_validate("A", "short", "", &e), SF_INVALID);
    ck_assert_uint_eq(e.count, 3);
    ck_assert_str_eq(e.items[0].field, "username");
    ck_assert_str_eq(e.items[1].field, "password");
    ck_assert_str_eq(e.items[2].field, "display_name");
}
END_TEST

START_TEST(utf8_is_checked_strictly)
{
    ck_assert_int_eq(sf_utf8_length("abc"), 3);
    ck_assert_int_eq(sf_utf8_length("辽宁"), 2);
    ck_assert_int_eq(sf_utf8_length("😀"), 1);
    ck_assert_int_eq(sf_utf8_length("\xc0\xaf"), -1);          /* overlong '/' */
    ck_assert_int_eq(sf_utf8_length("\xed\xa0\x80"), -1);      /* a surrogate */
    ck_assert_int_eq(sf_utf8_length("\xf4\x90\x80\x80"), -1);  /* past U+10FFFF */
    ck_assert_int_eq(sf_utf8_length("\xe8\xbe"), -1);          /* truncated */
}
END_TEST

/* ---- passwords ---- */

START_TEST(password_hash_verifies_and_rejects)
{
    unsigned char salt[SF_PASSWORD_SALT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char encoded[SF_PASSWORD_ENCODED_MAX];
    ck_assert_int_eq(sf_password_hash("correct horse battery", salt, encoded), 0);
    ck_assert_ptr_nonnull(strstr(encoded, "$pbkdf2-sha256$600000$"));
    ck_assert(sf_password_verify("correct horse battery", encoded));
    ck_assert(!sf_password_verify("correct horse batterY", encoded));
    ck_assert(!sf_password_verify("", encoded));
    /* the same password with another salt gives another hash */
    char other[SF_PASSWORD_ENCODED_MAX];
    salt[0] = 99;
    sf_password_hash("correct horse battery", salt, other);
    ck_assert_str_ne(encoded, other);
}
END_TEST

/* password.c computes PBKDF2-HMAC-SHA256 itself (OpenSSL's allocates per iteration): it must
 * equal OpenSSL's PKCS5_PBKDF2_HMAC for every password length around HMAC's block (64 bytes:
 * a longer key is hashed first), for the empty password, for UTF-8, and for iteration counts
 * around the loop's first step. Each stored form is made from OpenSSL's derivation and must
 * verify; the same with one hash bit flipped must not. */
START_TEST(pbkdf2_equals_openssls_at_every_key_length_and_count)
{
    static const unsigned char salt[SF_PASSWORD_SALT_LEN] = "sixteen-byte-slt";
    static const int counts[] = {1000, 1001, 4096};
    char password[200];
    for (size_t len = 0; len <= 130; len++) {
        if (len > 3 && len < 62)
            continue;                               /* 0–3 and 62–130: both sides of 64 */
        for (size_t i = 0; i < len; i++)
            password[i] = (char)('a' + (i * 7) % 26);
        password[len] = '\0';
        if (len == 3)
            strcpy(password, "口令");               /* six bytes of UTF-8 */
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            unsigned char want[SF_PASSWORD_HASH_LEN];
            ck_assert_int_eq(PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, counts[c],
                                               EVP_sha256(), sizeof want, want), 1);
            char salt64[32], hash64[48], encoded[SF_PASSWORD_ENCODED_MAX];
            EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof salt);
            EVP_EncodeBlock((unsigned char *)hash64, want, sizeof want);
            snprintf(encoded, sizeof encoded, "$pbkdf2-sha256$%d$%s$%s", counts[c], salt64, hash64);
            ck_assert_msg(sf_password_verify(password, encoded), "length %zu, %d iterations", len, counts[c]);
            want[31] ^= 1;
            EVP_EncodeBlock((unsigned char *)hash64, want, sizeof want);
            snprintf(encoded, sizeof encoded, "$pbkdf2-sha256$%d$%s$%s", counts[c], salt64, hash64);
            ck_assert(!sf_password_verify(password, encoded));
        }
    }
}
END_TEST

/* Issue 7, point 3: the stored form, parsed — a salt of at least 16 bytes drawn afresh for
 * each hash (the way api/users.c draws it), and the cost the foundation chose (600,000). */
START_TEST(each_hash_has_its_own_16_byte_salt_and_the_foundation_cost)
{
    char encoded[2][SF_PASSWORD_ENCODED_MAX];
    unsigned char salts[2][64];
    size_t salt_len[2], hash_len[2];
    for (int i = 0; i < 2; i++) {
        unsigned char salt[SF_PASSWORD_SALT_LEN];
        ck_assert_int_eq(RAND_bytes(salt, sizeof salt), 1);
        ck_assert_int_eq(sf_password_hash("the same password", salt, encoded[i]), 0);
        long iterations;
        ck_assert_int_eq(th_parse_password_hash(encoded[i], &iterations, salts[i], sizeof salts[i], &salt_len[i],
                                                &hash_len[i]), 0);
        ck_assert_int_eq(iterations, 600000);
        ck_assert_uint_ge(salt_len[i], 16);
        ck_assert_uint_eq(hash_len[i], 32);
        ck_assert(sf_password_verify("the same password", encoded[i]));
    }
    ck_assert(salt_len[0] != salt_len[1] || memcmp(salts[0], salts[1], salt_len[0]) != 0);
    ck_assert_str_ne(encoded[0], encoded[1]);
}
END_TEST

/* Issue 7, point 3: an unknown username costs the same hashing as a known one — the dummy
 * verification computes as many PBKDF2 iterations as a real one (counted by password.c). */
START_TEST(the_dummy_verification_does_the_same_hashing_work)
{
    unsigned char salt[SF_PASSWORD_SALT_LEN] = {7};
    char encoded[SF_PASSWORD_ENCODED_MAX];
    ck_assert_int_eq(sf_password_hash("a known user's password", salt, encoded), 0);
    unsigned long long before = sf_password_iterations_spent();
    ck_assert(!sf_password_verify("a wrong guess", encoded));
    unsigned long long real = sf_password_iterations_spent() - before;
    before = sf_password_iterations_spent();
    sf_password_verify_dummy("a wrong guess");
    unsigned long long dummy = sf_password_iterations_spent() - before;
    ck_assert_uint_eq(real, SF_PASSWORD_ITERATIONS);
    ck_assert_uint_eq(dummy, real);
}
END_TEST

/* Issue 7, point 7: the bytes decide the type and the name must say the same. */
START_TEST(a_files_bytes_and_its_name_must_agree)
{
    static const unsigned char pdf[] = "%PDF-1.4\n", png[] = "\x89PNG\r\n\x1a\n\0\0", jpeg[] = "\xFF\xD8\xFF\xE0",
                               zip[] = "PK\x03\x04\x14\0", text[] = "hello, not a document";
    ck_assert_str_eq(sf_material_sniff(pdf, sizeof pdf - 1, "a.pdf"), "application/pdf");
    ck_assert_str_eq(sf_material_sniff(pdf, sizeof pdf - 1, "营业执照.PDF"), "application/pdf");
    ck_assert_str_eq(sf_material_sniff(png, sizeof png - 1, "b.png"), "image/png");
    ck_assert_str_eq(sf_material_sniff(jpeg, sizeof jpeg - 1, "c.jpg"), "image/jpeg");
    ck_assert_str_eq(sf_material_sniff(jpeg, sizeof jpeg - 1, "c.jpeg"), "image/jpeg");
    ck_assert_str_eq(sf_material_sniff(zip, sizeof zip - 1, "d.ofd"), "application/ofd");
    ck_assert_ptr_nonnull(strstr(sf_material_sniff(zip, sizeof zip - 1, "d.docx"), "wordprocessingml"));
    ck_assert_ptr_nonnull(strstr(sf_material_sniff(zip, sizeof zip - 1, "d.xlsx"), "spreadsheetml"));
    /* bytes of one type under the name of another, or of none */
    ck_assert_ptr_null(sf_material_sniff(pdf, sizeof pdf - 1, "a.png"));
    ck_assert_ptr_null(sf_material_sniff(pdf, sizeof pdf - 1, "a.pdf.exe"));
    ck_assert_ptr_null(sf_material_sniff(pdf, sizeof pdf - 1, "a"));
    ck_assert_ptr_null(sf_material_sniff(pdf, sizeof pdf - 1, NULL));
    ck_assert_ptr_null(sf_material_sniff(png, sizeof png - 1, "b.pdf"));
    ck_assert_ptr_null(sf_material_sniff(jpeg, sizeof jpeg - 1, "c.png"));
    ck_assert_ptr_null(sf_material_sniff(zip, sizeof zip - 1, "d.pdf"));
    ck_assert_ptr_null(sf_material_sniff(zip, sizeof zip - 1, "d.zip"));
    ck_assert_ptr_null(sf_material_sniff(text, sizeof text - 1, "e.pdf"));
    ck_assert_ptr_null(sf_material_sniff(pdf, 0, "a.pdf"));
    ck_assert_ptr_null(sf_material_sniff(pdf, 4, "a.pdf"));   /* "%PDF" without the dash */
    /* names a download could turn into a path */
    static const char *const bad[] = {"../x.pdf", "a/b.pdf", "a\\b.pdf", "..", ".", "", "a\nb.pdf", "a\tb.pdf", "x\x7f.pdf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(!sf_material_filename_is_valid(bad[i]), "%s", bad[i]);
    ck_assert(sf_material_filename_is_valid("营业执照 (2026).pdf"));
}
END_TEST

START_TEST(malformed_hashes_never_match)
{
    ck_assert(!sf_password_verify("x", ""));
    ck_assert(!sf_password_verify("x", "$pbkdf2-sha256$"));
    ck_assert(!sf_password_verify("x", "$pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"));
    ck_assert(!sf_password_verify("x", "$pbkdf2-sha256$600000$!!!$AAAA"));
    ck_assert(!sf_password_verify("x", "$bcrypt$whatever"));
    ck_assert(!sf_password_verify(NULL, "$pbkdf2-sha256$600000$a$b"));
}
END_TEST

/* ---- field errors ---- */

START_TEST(field_errors_are_bounded)
{
    sf_errors e;
    sf_errors_init(&e);
    ck_assert(!sf_errors_any(&e));
    for (int i = 0; i < SF_MAX_FIELD_ERRORS + 5; i++)
        sf_errors_add(&e, "f", SF_E_OUT_OF_RANGE, SF_INT("min", i), SF_INT("max", 100));
    ck_assert_uint_eq(e.count, SF_MAX_FIELD_ERRORS);
    ck_assert_uint_eq(e.dropped, 5);
    ck_assert_str_eq(en_msg(&e.items[3]), "must be from 3 to 100");
    ck_assert_int_eq(e.items[3].code, SF_E_OUT_OF_RANGE);
    ck_assert_int_eq(sf_params_get(&e.items[3].params, "min")->i, 3);
    ck_assert_str_eq(sf_status_name(SF_CONFLICT), "conflict");
}
END_TEST


/* ---- credit codes (GB 32100-2015) ---- */

START_TEST(credit_code_check_character)
{
    /* of the 31 possible check characters exactly one fits */
    char code[19] = "91350100M000100Y4";
    code[17] = sf_credit_code_check_char(code);
    code[18] = '\0';
    ck_assert(sf_credit_code_is_valid(code));
    const char *alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    int valid = 0;
    for (const char *c = alphabet; *c; c++) {
        code[17] = *c;
        valid += sf_credit_code_is_valid(code);
    }
    ck_assert_int_eq(valid, 1);   /* exactly one check character fits */
    ck_assert(sf_credit_code_is_valid("91110000600037341L"));   /* a real code */
    ck_assert(!sf_credit_code_is_valid("91110000600037341M"));
    ck_assert(!sf_credit_code_is_valid("91110000600037341"));   /* 17 characters */
    ck_assert(!sf_credit_code_is_valid("91110000600037341LL"));
    ck_assert(!sf_credit_code_is_valid("9111000060003734IL"));  /* I is not in the alphabet */
    ck_assert(!sf_credit_code_is_valid("91110000600037341l"));  /* lower case */
    ck_assert(!sf_credit_code_is_valid("91A10000600037341L"));  /* division code not numeric */
    ck_assert(!sf_credit_code_is_valid(NULL));
}
END_TEST

/* ---- dates and working days ---- */

static sf_day D(const char *text)
{
    sf_day d;
    ck_assert_msg(sf_date_parse(text, &d), "bad date %s", text);
    return d;
}

/* 2024's exceptions, as published by the State Council (shared/data/holiday-cn/2024.json) */
static const char *const holidays_2024[] = {
    "2024-01-01", "2024-02-10", "2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15",
    "2024-02-16", "2024-02-17", "2024-04-04", "2024-04-05", "2024-04-06", "2024-05-01", "2024-05-02",
    "2024-05-03", "2024-05-04", "2024-05-05", "2024-06-10", "2024-09-15", "2024-09-16", "2024-09-17",
    "2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"};
static const char *const makeup_2024[] = {"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28",
                                          "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"};
static sf_day hol[32], mk[16];
static const int years_2024[] = {2024};

static sf_calendar calendar_2024(void)
{
    size_t nh = sizeof holidays_2024 / sizeof *holidays_2024, nm = sizeof makeup_2024 / sizeof *makeup_2024;
    for (size_t i = 0; i < nh; i++)
        hol[i] = D(holidays_2024[i]);
    for (size_t i = 0; i < nm; i++)
        mk[i] = D(makeup_2024[i]);
    return (sf_calendar){hol, nh, mk, nm, years_2024, 1};
}

static void expect_end(const sf_calendar *cal, const char *start, int count, const char *end)
{
    sf_day e;
    int missing = 0;
    ck_assert_int_eq(sf_calendar_nth_working_day(cal, D(start), count, &e, &missing), SF_OK);
    char text[11];
    sf_date_format(e, text);
    ck_assert_msg(strcmp(text, end) == 0, "%s + %d working days: expected %s, got %s", start, count, end, text);
}

START_TEST(dates_parse_strictly)
{
    sf_day d;
    ck_assert(sf_date_parse("2024-02-29", &d));
    ck_assert(!sf_date_parse("2023-02-29", &d));
    ck_assert(!sf_date_parse("2100-02-29", &d));   /* not a leap year */
    ck_assert(sf_date_parse("2000-02-29", &d));    /* a leap year */
    ck_assert(!sf_date_parse("2024-13-01", &d));
    ck_assert(!sf_date_parse("2024-1-01", &d));
    ck_assert(!sf_date_parse("2024-01-01T00", &d));
    ck_assert(!sf_date_parse("", &d));
    ck_assert_int_eq(sf_day_of_week(D("2024-10-01")), 1);  /* a Tuesday */
    ck_assert_int_eq(D("1970-01-01"), 0);
    char text[11];
    sf_date_format(D("2024-02-29") + 1, text);
    ck_assert_str_eq(text, "2024-03-01");
    ck_assert_int_eq(sf_last_day_of_month(2024, 2), D("2024-02-29"));
    ck_assert_int_eq(sf_last_day_of_month(2025, 2), D("2025-02-28"));
}
END_TEST

START_TEST(publicity_across_national_day_2024)
{
    sf_calendar cal = calendar_2024();
    /* Sunday 29 September and Saturday 12 October are working days; 1–7 October are not */
    expect_end(&cal, "2024-09-23", 15, "2024-10-16");
    expect_end(&cal, "2024-09-23", 7, "2024-09-30");
    expect_end(&cal, "2024-09-23", 8, "2024-10-08");
    /* a start inside the holiday: day 1 is the first working day after it */
    expect_end(&cal, "2024-10-01", 1, "2024-10-08");
    expect_end(&cal, "2024-10-01", 15, "2024-10-25");
    /* a start on a makeup Sunday counts that Sunday as day 1 */
    expect_end(&cal, "2024-09-29", 1, "2024-09-29");
}
END_TEST

/* Art. 18: a published window stands under a calendar only while its 15th working day is its
 * end date; a holiday added inside it (or a makeup day taken away) moves it, and is refused;
 * a window whose count runs into a year the calendar lacks was counted with that year, and
 * stands. */
START_TEST(a_published_window_stands_only_on_its_15th_working_day)
{
    sf_calendar cal = calendar_2024();
    ck_assert(sf_notice_window_stands(&cal, D("2024-09-23"), D("2024-10-16")));
    ck_assert(!sf_notice_window_stands(&cal, D("2024-09-23"), D("2024-10-15")));
    ck_assert(!sf_notice_window_stands(&cal, D("2024-09-23"), D("2024-10-17")));
    /* 29 September no longer a makeup working day: the 15th is a day later */
    sf_calendar fewer = cal;
    sf_day kept[8];
    size_t n = 0;
    for (size_t i = 0; i < cal.nmakeup; i++)
        if (cal.makeup_days[i] != D("2024-09-29") && n < 8)
            kept[n++] = cal.makeup_days[i];
    fewer.makeup_days = kept;
    fewer.nmakeup = n;
    ck_assert(!sf_notice_window_stands(&fewer, D("2024-09-23"), D("2024-10-16")));
    ck_assert(sf_notice_window_stands(&fewer, D("2024-09-23"), D("2024-10-17")));
    ck_assert(sf_notice_window_stands(&cal, D("2024-12-20"), D("2025-01-10")));   /* 2025 not held */
}
END_TEST

START_TEST(publicity_across_spring_festival_2024_ends_on_29_february)
{
    sf_calendar cal = calendar_2024();
    expect_end(&cal, "2024-02-05", 15, "2024-02-29");
    expect_end(&cal, "2024-02-05", 6, "2024-02-18");   /* the makeup Sunday */
    expect_end(&cal, "2024-02-10", 1, "2024-02-18");
}
END_TEST

START_TEST(a_year_without_calendar_is_named)
{
    sf_calendar cal = calendar_2024();
    sf_day end;
    int missing = 0;
    ck_assert_int_eq(sf_calendar_nth_working_day(&cal, D("2024-12-20"), 15, &end, &missing), SF_INVALID);
    ck_assert_int_eq(missing, 2025);
    ck_assert_int_eq(sf_calendar_nth_working_day(&cal, D("2023-12-29"), 1, &end, &missing), SF_INVALID);
    ck_assert_int_eq(missing, 2023);
    /* staying inside the year is fine up to its last working day */
    expect_end(&cal, "2024-12-31", 1, "2024-12-31");
}
END_TEST

/* ---- eligibility (Art. 12, 13) ---- */

static sf_report_facts passing_facts(void)
{
    sf_report_facts f = {0};
    f.established_on = D("2015-03-01");
    f.total_assets_cny = 3000000;
    f.smes_served_last_year = 150;
    f.smes_served_prev_year = 120;
    f.satisfaction_pct = 92;
    f.has_fixed_premises = 1;
    f.partner_institutions = 5;
    f.prior_recognitions = 1;
    f.has_management_rules = 1;
    f.has_development_plan = 1;
    f.public_service_share_pct = 20;
    f.service_staff = 25;
    f.qualified_staff = 20;
    f.training = (sf_fn_training){1, 1, 1, 1, 2000};
    return f;
}

static sf_eligibility evaluate(const sf_report_facts *f, int relaxed_permille, const char *opens)
{
    sf_thresholds t = sf_thresholds_2018();
    sf_relaxation r = {relaxed_permille > 0, relaxed_permille > 0 ? relaxed_permille : 1000, {0}, 0};
    sf_eligibility e;
    sf_eligibility_evaluate(f, &t, &r, 1, D(opens ? opens : "2026-03-01"), &e);
    return e;
}

#define COND(e, i) ((e).conditions[(i)])

START_TEST(a_complete_report_is_eligible)
{
    sf_report_facts f = passing_facts();
    sf_eligibility e = evaluate(&f, 0, NULL);
    ck_assert(e.eligible);
    for (int i = 0; i < SF_CONDITION_COUNT; i++) {
        ck_assert(COND(e, i).passed);
        ck_assert(!COND(e, i).relaxed);
    }
    ck_assert_str_eq(COND(e, 0).id, "12.1");
    ck_assert_str_eq(e.functions[3].id, "training");
    ck_assert(e.functions[3].passed);
    ck_assert(!e.functions[0].passed);
}
END_TEST

/* A verdict says only what was judged: evaluated into memory that held anything before (a
 * stack variable, as the API's), no check says `missing` (that is the unfilled report's word,
 * sf_eligibility_missing) and a round without 12.4 says it is not required. Without the
 * verdict cleared first, `missing` changed from one request to the next. */
START_TEST(a_verdict_holds_nothing_of_the_memory_it_was_written_into)
{
    sf_report_facts f = passing_facts();
    sf_thresholds t = sf_thresholds_2018();
    sf_eligibility e;
    memset(&e, 0xA5, sizeof e);
    sf_eligibility_evaluate(&f, &t, NULL, 0, D("2026-03-01"), &e);
    for (int i = 0; i < SF_CONDITION_COUNT; i++)
        ck_assert_msg(e.conditions[i].missing == 0, "condition %d", i);
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        ck_assert_msg(e.functions[i].missing == 0 && e.functions[i].relaxed == 0, "function %d", i);
    ck_assert_int_eq(e.conditions[3].required, 0);
    sf_standing st;
    memset(&st, 0xA5, sizeof st);
    sf_standing_evaluate(&f, &t, NULL, 1u << 3, &st);
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        ck_assert_msg(st.functions[i].missing == 0, "standing function %d", i);
}
END_TEST

START_TEST(condition_12_1_at_its_bounds)
{
    sf_report_facts f = passing_facts();
    f.established_on = D("2024-03-01");
    ck_assert(COND(evaluate(&f, 0, "2026-03-01"), 0).passed);    /* exactly two years */
    ck_assert(!COND(evaluate(&f, 0, "2026-02-28"), 0).passed);   /* a day short */
    /* founded on 29 February: two years are complete on 28 February of a common year */
    f.established_on = D("2024-02-29");
    ck_assert(COND(evaluate(&f, 0, "2026-02-28"), 0).passed);
    ck_assert(!COND(evaluate(&f, 0, "2026-02-27"), 0).passed);
    f = passing_facts();
    f.total_assets_cny = 1000000;
    ck_assert(COND(evaluate(&f, 0, NULL), 0).passed);
    f.total_assets_cny = 999999;
    ck_assert(!COND(evaluate(&f, 0, NULL), 0).passed);
}
END_TEST

START_TEST(condition_12_2_at_its_bounds)
{
    sf_report_facts f = passing_facts();
    f.smes_served_last_year = 80;
    f.smes_served_prev_year = 79;
    ck_assert(COND(evaluate(&f, 0, NULL), 1).passed);            /* 80, and growing */
    f.smes_served_last_year = 79;
    f.smes_served_prev_year = 70;
    ck_assert(!COND(evaluate(&f, 0, NULL), 1).passed);
    f = passing_facts();
    f.satisfaction_pct = 80;
    ck_assert(COND(evaluate(&f, 0, NULL), 1).passed);
    f.satisfaction_pct = 79.9;
    ck_assert(!COND(evaluate(&f, 0, NULL), 1).passed);
    f.satisfaction_pct = 79;
    ck_assert(!COND(evaluate(&f, 0, NULL), 1).passed);
    f = passing_facts();
    f.smes_served_prev_year = f.smes_served_last_year + 1;     /* shrinking */
    ck_assert(!COND(evaluate(&f, 0, NULL), 1).passed);
}
END_TEST

START_TEST(conditions_12_3_to_12_6_at_their_bounds)
{
    sf_report_facts f = passing_facts();
    f.partner_institutions = 3;
    ck_assert(COND(evaluate(&f, 0, NULL), 2).passed);
    f.partner_institutions = 2;
    ck_assert(!COND(evaluate(&f, 0, NULL), 2).passed);
    f = passing_facts();
    f.has_fixed_premises = 0;
    ck_assert(!COND(evaluate(&f, 0, NULL), 2).passed);
    f = passing_facts();
    f.prior_recognitions = 0;
    ck_assert(!COND(evaluate(&f, 0, NULL), 3).passed);
    f.has_active_city_award = 1;                              /* Art. 26: a shifan city award counts */
    ck_assert(COND(evaluate(&f, 0, NULL), 3).passed);
    f = passing_facts();
    f.public_service_share_pct = 15;
    ck_assert(COND(evaluate(&f, 0, NULL), 4).passed);
    f.public_service_share_pct = 14.9;
    ck_assert(!COND(evaluate(&f, 0, NULL), 4).passed);
    f = passing_facts();
    f.has_development_plan = 0;
    ck_assert(!COND(evaluate(&f, 0, NULL), 4).passed);
    f = passing_facts();
    f.service_staff = 10;
    f.qualified_staff = 7;                                    /* exactly 70 % of exactly 10 */
    ck_assert(COND(evaluate(&f, 0, NULL), 5).passed);
    f.qualified_staff = 6;
    ck_assert(!COND(evaluate(&f, 0, NULL), 5).passed);
    f.service_staff = 9;
    f.qualified_staff = 9;
    ck_assert(!COND(evaluate(&f, 0, NULL), 5).passed);
    f.service_staff = 10;
    f.qualified_staff = 11;                                   /* more qualified than staff: nonsense */
    ck_assert(!COND(evaluate(&f, 0, NULL), 5).passed);
}
END_TEST

START_TEST(relaxation_lowers_scale_not_ratios)
{
    sf_report_facts f = passing_facts();
    f.smes_served_last_year = 64;
    f.smes_served_prev_year = 60;
    f.partner_institutions = 2;
    f.service_staff = 8;
    f.qualified_staff = 6;          /* 75 % */
    f.total_assets_cny = 800000;
    f.established_on = D("2024-07-26");  /* 584 days before 2026-03-02 */
    sf_eligibility off = evaluate(&f, 0, "2026-03-02");
    ck_assert(!off.eligible);
    sf_eligibility on = evaluate(&f, 800, "2026-03-02");
    for (int i = 0; i < SF_CONDITION_COUNT; i++)
        ck_assert_msg(COND(on, i).passed, "%s: %s", COND(on, i).id, en_check(&COND(on, i)));
    ck_assert(on.eligible);
    ck_assert(COND(on, 0).relaxed && COND(on, 1).relaxed && COND(on, 2).relaxed && COND(on, 5).relaxed);
    ck_assert(!COND(on, 3).relaxed && !COND(on, 4).relaxed);
    /* one below each relaxed threshold fails */
    f.smes_served_last_year = 63;
    ck_assert(!COND(evaluate(&f, 800, "2026-03-02"), 1).passed);
    f = passing_facts();
    f.established_on = D("2024-07-27");  /* 583 days */
    ck_assert(!COND(evaluate(&f, 800, "2026-03-02"), 0).passed);
    f = passing_facts();
    f.total_assets_cny = 799999;
    ck_assert(!COND(evaluate(&f, 800, NULL), 0).passed);
    /* ratios are not relaxed */
    f = passing_facts();
    f.satisfaction_pct = 79;
    ck_assert(!COND(evaluate(&f, 800, NULL), 1).passed);
    f = passing_facts();
    f.service_staff = 8;
    f.qualified_staff = 5;          /* 62.5 % */
    ck_assert(!COND(evaluate(&f, 800, NULL), 5).passed);
    /* a condition met without relaxation is not marked relaxed */
    f = passing_facts();
    ck_assert(!COND(evaluate(&f, 800, NULL), 1).relaxed);
}
END_TEST

START_TEST(functions_at_their_bounds)
{
    sf_report_facts f = passing_facts();
    f.training.trainee_times_per_year = 1499;
    ck_assert(!evaluate(&f, 0, NULL).eligible);               /* no function left */
    f.training.trainee_times_per_year = 1500;
    ck_assert(evaluate(&f, 0, NULL).eligible);
    f = passing_facts();
    f.training.present = 0;
    f.information = (sf_fn_information){1, 1, 1, 120, 5};
    ck_assert(evaluate(&f, 0, NULL).functions[0].passed);
    f.information.activities_per_year = 4;
    ck_assert(!evaluate(&f, 0, NULL).functions[0].passed);
    f.information = (sf_fn_information){1, 1, 0, 500, 9};     /* no online/offline linkage */
    ck_assert(!evaluate(&f, 0, NULL).functions[0].passed);
    f.technology = (sf_fn_technology){1, 1, 1, 0, 3};          /* instruments are optional */
    ck_assert(evaluate(&f, 0, NULL).functions[1].passed);
    f.technology.activities_per_year = 2;
    ck_assert(!evaluate(&f, 0, NULL).functions[1].passed);
    f.entrepreneurship = (sf_fn_entrepreneurship){1, 1, 1, 1, 1, 5};
    ck_assert(evaluate(&f, 0, NULL).functions[2].passed);
    f.entrepreneurship.has_hotline = 0;
    ck_assert(!evaluate(&f, 0, NULL).functions[2].passed);
}
END_TEST

START_TEST(financing_has_two_routes)
{
    sf_report_facts f = passing_facts();
    f.training.present = 0;
    f.financing = (sf_fn_financing){1, 8, 500000000, 0, 0};
    ck_assert(evaluate(&f, 0, NULL).functions[4].passed);     /* service route, at both bounds */
    f.financing.activities_per_year = 7;
    ck_assert(!evaluate(&f, 0, NULL).functions[4].passed);
    f.financing = (sf_fn_financing){1, 8, 499999999, 0, 0};
    ck_assert(!evaluate(&f, 0, NULL).functions[4].passed);
    f.financing = (sf_fn_financing){1, 0, 0, 1, 2000000000LL}; /* guarantee route */
    ck_assert(evaluate(&f, 0, NULL).functions[4].passed);
    f.financing.new_guarantees_cny = 1999999999LL;
    ck_assert(!evaluate(&f, 0, NULL).functions[4].passed);
    f.financing = (sf_fn_financing){1, 0, 0, 0, 5000000000LL}; /* not a guarantee institution */
    ck_assert(!evaluate(&f, 0, NULL).functions[4].passed);
}
END_TEST

START_TEST(a_round_with_its_own_thresholds)
{
    sf_thresholds t = sf_thresholds_2018();
    t.min_smes_served = 100;
    t.min_satisfaction_pct = 85;
    sf_report_facts f = passing_facts();
    f.smes_served_last_year = 99;
    f.smes_served_prev_year = 90;
    sf_relaxation none = {0, 1000, {0}, 0};
    sf_eligibility e;
    sf_eligibility_evaluate(&f, &t, &none, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[1].passed);
    ck_assert_ptr_nonnull(strstr(en_check(&e.conditions[1]), "minimum 100"));
    f.smes_served_last_year = 100;
    f.satisfaction_pct = 85;
    sf_eligibility_evaluate(&f, &t, &none, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[1].passed);
    sf_errors errors;
    sf_errors_init(&errors);
    ck_assert_int_eq(sf_thresholds_validate(&t, &errors), SF_OK);
    t.min_satisfaction_pct = 100.5;
    t.min_service_staff = -1;
    ck_assert_int_eq(sf_thresholds_validate(&t, &errors), SF_INVALID);
    ck_assert_uint_eq(errors.count, 2);
}
END_TEST

/* ---- the round's rule set (issue 12) ---- */

static int has_field_error(const sf_errors *e, const char *field)
{
    for (size_t i = 0; i < e->count; i++)
        if (strcmp(e->items[i].field, field) == 0)
            return 1;
    return 0;
}

START_TEST(the_thresholds_are_one_table)
{
    ck_assert_int_eq(SF_THRESHOLD_COUNT, 17);
    sf_thresholds t = sf_thresholds_2018();
    ck_assert_int_eq(t.min_years_operating, 2);
    ck_assert_int_eq(t.min_smes_served, 80);
    ck_assert(t.min_satisfaction_pct == 80);
    ck_assert(t.min_sme_growth_pct == 0);                      /* any increase */
    ck_assert_int_eq(t.guarantee_min_new_cny, 2000000000LL);
    const sf_threshold_desc *g = sf_threshold_find("min_sme_growth_pct");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->condition, "12.2");
    ck_assert_int_eq(g->kind, SF_TK_PCT);
    ck_assert_ptr_null(sf_threshold_find("min_nothing"));
    /* what may be relaxed follows from the condition each belongs to */
    int relaxable = 0;
    for (int i = 0; i < SF_THRESHOLD_COUNT; i++) {
        const sf_threshold_desc *d = &sf_threshold_table[i];
        ck_assert_ptr_eq(sf_threshold_find(d->name), d);
        relaxable += sf_threshold_is_relaxable(d);
    }
    ck_assert_int_eq(relaxable, 8);
    /* the table and the struct are the same thing */
    ck_assert(sf_threshold_get(&t, sf_threshold_find("min_smes_served")) == 80);
    ck_assert_int_eq(sf_threshold_find("financing_min_raised_cny")->offset, offsetof(sf_thresholds, financing_min_raised_cny));
    sf_threshold_set(&t, sf_threshold_find("min_qualified_staff_pct"), 62.5);
    ck_assert(t.min_qualified_staff_pct == 62.5);
    ck_assert(sf_threshold_is_relaxable(sf_threshold_find("min_qualified_staff_pct")));
    ck_assert(!sf_threshold_is_relaxable(sf_threshold_find("min_public_service_share_pct")));   /* 12.5 */
    ck_assert(!sf_threshold_is_relaxable(sf_threshold_find("tech_min_activities")));             /* Art. 13 */
    /* percentages: 0–100 with at most 2 decimals, so that hundredths compare exactly */
    sf_errors e;
    sf_errors_init(&e);
    t.min_sme_growth_pct = 5.55;
    ck_assert_int_eq(sf_thresholds_validate(&t, &e), SF_OK);
    t.min_sme_growth_pct = 5.555;
    t.min_years_operating = 101;
    ck_assert_int_eq(sf_thresholds_validate(&t, &e), SF_INVALID);
    ck_assert(has_field_error(&e, "thresholds.min_sme_growth_pct"));
    ck_assert(has_field_error(&e, "thresholds.min_years_operating"));
    ck_assert_uint_eq(e.count, 2);
}
END_TEST

static sf_check growth_check(int64_t prev, int64_t last, double pct)
{
    sf_thresholds t = sf_thresholds_2018();
    t.min_sme_growth_pct = pct;
    sf_report_facts f = passing_facts();
    f.smes_served_prev_year = prev;
    f.smes_served_last_year = last;
    sf_eligibility e;
    sf_eligibility_evaluate(&f, &t, NULL, 1, D("2026-03-01"), &e);
    return e.conditions[1];
}

START_TEST(steady_growth_of_12_2_at_its_bounds)
{
    ck_assert(!growth_check(120, 120, 0).passed);               /* flat is not growth */
    ck_assert(growth_check(120, 121, 0).passed);
    ck_assert(!growth_check(121, 120, 0).passed);
    sf_check c = growth_check(120, 120, 0);
    ck_assert_msg(strstr(en_check(&c), "served 120 SMEs last year") && strstr(en_check(&c), "120 the year before") &&
                  strstr(en_check(&c), "growth +0"), "%s", en_check(&c));
    c = growth_check(120, 121, 0);
    ck_assert_msg(strstr(en_check(&c), "growth +1 = +0.83%"), "%s", en_check(&c));
    /* a round asking for 5 %: 126 is exactly 5 % more than 120, 125 is not */
    ck_assert(growth_check(120, 126, 5).passed);
    ck_assert(!growth_check(120, 125, 5).passed);
    ck_assert_ptr_nonnull(strstr((c = growth_check(120, 125, 5), en_check(&c)), "at least 5%"));
    /* 5.5 %: exactly, in hundredths — 211 is 5.5 % more than 200, 210 is 5 % */
    ck_assert(growth_check(200, 211, 5.5).passed);
    ck_assert(!growth_check(200, 210, 5.5).passed);
    /* from nothing, any increase is growth */
    ck_assert(growth_check(0, 80, 5).passed);
}
END_TEST

START_TEST(condition_12_4_is_a_rule_of_the_round)
{
    sf_thresholds t = sf_thresholds_2018();
    sf_report_facts f = passing_facts();
    f.prior_recognitions = 0;
    sf_eligibility e;
    /* a province round requires it */
    sf_eligibility_evaluate(&f, &t, NULL, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[3].passed && e.conditions[3].required && !e.eligible);
    /* a city's own round does not (Art. 26): passed, marked not required, and said so */
    sf_eligibility_evaluate(&f, &t, NULL, 0, D("2026-03-01"), &e);
    ck_assert(e.conditions[3].passed && !e.conditions[3].required && e.eligible);
    ck_assert_ptr_nonnull(strstr(en_check(&e.conditions[3]), "not required in this round"));
    ck_assert(e.conditions[0].required && e.conditions[5].required);
    f.prior_recognitions = 1;
    sf_eligibility_evaluate(&f, &t, NULL, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[3].passed && e.conditions[3].required);
    ck_assert_ptr_null(strstr(en_check(&e.conditions[3]), "not required"));
    /* a recognition dated after the round's year is none the platform held: of 2026 it
     * counts in a round of 2026, of 2027 it does not */
    f.prior_recognition_year[0] = 2026;
    sf_eligibility_evaluate(&f, &t, NULL, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[3].passed);
    f.prior_recognition_year[0] = 2027;
    sf_eligibility_evaluate(&f, &t, NULL, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[3].passed && !e.eligible);
}
END_TEST

START_TEST(relaxed_thresholds_are_set_outright_for_relaxed_regions)
{
    sf_thresholds t = sf_thresholds_2018();
    sf_relaxation r = {1, 1000, {0}, 0};
    r.set.min_satisfaction_pct = 75;
    r.set_mask = 1u << SF_TH_min_satisfaction_pct;
    sf_relaxation elsewhere = r;
    elsewhere.applies = 0;
    sf_report_facts f = passing_facts();
    sf_eligibility e;
    f.satisfaction_pct = 75;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[1].passed && e.conditions[1].relaxed);
    /* the sentence names the threshold applied; the relaxed one and the normal one are both
     * named in structure (api/ answers them as relaxed_thresholds) */
    ck_assert_msg(strstr(en_check(&e.conditions[1]), "minimum 75%"), "%s", en_check(&e.conditions[1]));
    ck_assert(e.normal.min_satisfaction_pct == 80 && e.applied.min_satisfaction_pct == 75);
    f.satisfaction_pct = 74.9;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[1].passed);
    /* the same platform elsewhere is judged at 80 */
    f.satisfaction_pct = 75;
    sf_eligibility_evaluate(&f, &t, &elsewhere, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[1].passed && !e.conditions[1].relaxed);
    ck_assert_ptr_null(strstr(en_check(&e.conditions[1]), "relaxed"));
    f.satisfaction_pct = 80;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[1].passed && !e.conditions[1].relaxed);   /* met without relaxation */

    /* set outright wins over the factor: 70 SMEs, not 0.8 × 80 = 64 */
    r.factor_permille = 800;
    r.set.min_smes_served = 70;
    r.set_mask |= 1u << SF_TH_min_smes_served;
    f = passing_facts();
    f.smes_served_last_year = 69;
    f.smes_served_prev_year = 60;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[1].passed);
    f.smes_served_last_year = 70;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[1].passed && e.conditions[1].relaxed);
    /* the factor still lowers the scale thresholds not set outright: 8 staff, 800,000 CNY */
    ck_assert_int_eq(e.applied.min_service_staff, 8);
    ck_assert_msg(strstr(en_check(&e.conditions[0]), "relaxed region: 584 days suffice (normally 2 years)") &&
                  strstr(en_check(&e.conditions[0]), "total assets 3000000 CNY (minimum 800000)"),
                  "%s", en_check(&e.conditions[0]));
    ck_assert_int_eq((long long)e.normal.min_total_assets_cny, 1000000);
    ck_assert_int_eq((long long)e.applied.min_total_assets_cny, 800000);
    /* numbers read as a person writes them, never "1e+06" */
    sf_params shown;
    sf_params_set(&shown, (const sf_arg[]){SF_TEXT("name", "min_total_assets_cny"), SF_NUM("relaxed", 500000),
                                           SF_NUM("normal", 1000000), SF_ARG_END_});
    char text[256];
    ck_assert_str_eq(sf_message_render(text, sizeof text, SF_LANG_EN, SF_E_RELAXED_REGION, &shown),
                     "; relaxed region: min_total_assets_cny 500000 (normally 1000000)");
    sf_params_set(&shown, (const sf_arg[]){SF_TEXT("name", "min_satisfaction_pct"), SF_NUM("relaxed", 79.99),
                                           SF_NUM("normal", 0.8), SF_ARG_END_});
    ck_assert_str_eq(sf_message_render(text, sizeof text, SF_LANG_EN, SF_E_RELAXED_REGION, &shown),
                     "; relaxed region: min_satisfaction_pct 79.99 (normally 0.8)");
    /* the qualified share of 12.6 set outright */
    r.set.min_qualified_staff_pct = 60;
    r.set_mask |= 1u << SF_TH_min_qualified_staff_pct;
    f = passing_facts();
    f.service_staff = 10;
    f.qualified_staff = 6;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(e.conditions[5].passed && e.conditions[5].relaxed);
    f.qualified_staff = 5;
    sf_eligibility_evaluate(&f, &t, &r, 1, D("2026-03-01"), &e);
    ck_assert(!e.conditions[5].passed);
    /* 12.5 and Art. 13 are never lowered, whatever the relaxation says */
    r.set.min_public_service_share_pct = 5;
    r.set_mask |= 1u << SF_TH_min_public_service_share_pct;
    ck_assert(sf_thresholds_applied(&t, &r).min_public_service_share_pct == 15);
}
END_TEST

START_TEST(materials_follow_the_rounds_prior_recognition_rule)
{
    const char *all_but_prior = "application_report,business_license,audit_report,premises_proof,"
                                "service_evidence,authenticity_declaration";
    const char *missing[8];
    ck_assert_uint_eq(sf_materials_missing(all_but_prior, 1, missing, 8), 1);
    ck_assert_str_eq(missing[0], "prior_recognition");
    ck_assert_uint_eq(sf_materials_missing(all_but_prior, 0, missing, 8), 0);
    /* Art. 17(8): other materials, optional, any number */
    const sf_material_kind *other = sf_material_kind_find("other");
    ck_assert_ptr_nonnull(other);
    ck_assert_int_eq(other->required, SF_MATERIAL_OPTIONAL);
    ck_assert_int_eq(sf_material_kind_find("qualifications")->required, SF_MATERIAL_OPTIONAL);
}
END_TEST

START_TEST(validity_under_both_rules_across_29_february)
{
    sf_day from, until;
    sf_validity_rule year_end = {3, SF_VALIDITY_YEAR_END}, anniversary = {3, SF_VALIDITY_ANNIVERSARY};
    sf_award_validity(&year_end, D("2028-02-29"), 0, 0, &from, &until);
    ck_assert_int_eq(from, D("2028-02-29"));
    ck_assert_int_eq(until, D("2031-12-31"));
    sf_award_validity(&anniversary, D("2026-06-15"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2029-06-14"));                     /* valid_from + 3 years − 1 day */
    /* from 29 February: the anniversary in a common year is 28 February (Civil Code), the
     * title runs to the day before, as 12.1 counts full years */
    sf_award_validity(&anniversary, D("2028-02-29"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2031-02-27"));
    ck_assert_int_eq(sf_anniversary(D("2028-02-29"), 3), D("2031-02-28"));
    ck_assert_int_eq(sf_anniversary(D("2028-02-29"), 4), D("2032-02-29"));
    sf_award_validity(&(sf_validity_rule){4, SF_VALIDITY_ANNIVERSARY}, D("2028-02-29"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2032-02-28"));
    /* a year that ends across a leap day keeps it */
    sf_award_validity(&(sf_validity_rule){1, SF_VALIDITY_ANNIVERSARY}, D("2027-03-01"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2028-02-29"));
    sf_award_validity(&(sf_validity_rule){1, SF_VALIDITY_ANNIVERSARY}, D("2027-02-28"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2028-02-27"));
    /* renewal: from the day after the old title, to the new title's own end */
    sf_award_validity(&anniversary, D("2026-11-20"), D("2026-12-31"), 1, &from, &until);
    ck_assert_int_eq(from, D("2027-01-01"));
    ck_assert_int_eq(until, D("2029-12-31"));
    sf_award_validity(&anniversary, D("2028-02-01"), D("2028-02-28"), 1, &from, &until);
    ck_assert_int_eq(from, D("2028-02-29"));
    ck_assert_int_eq(until, D("2031-02-27"));
    sf_award_validity(&(sf_validity_rule){5, SF_VALIDITY_YEAR_END}, D("2026-11-20"), D("2026-12-31"), 1, &from,
                      &until);
    ck_assert_int_eq(from, D("2027-01-01"));
    ck_assert_int_eq(until, D("2031-12-31"));                     /* award year + 5 */
    sf_validity_ends ends;
    ck_assert(sf_validity_ends_parse("anniversary", &ends) && ends == SF_VALIDITY_ANNIVERSARY);
    ck_assert(!sf_validity_ends_parse("forever", &ends));
}
END_TEST

static sf_status round_check(sf_round_rules *r, sf_role role, const char *region, sf_errors *e, const char **out)
{
    static sf_caller c;   /* *out may point into the caller's region: it outlives the call */
    memset(&c, 0, sizeof c);
    c.role = role;
    snprintf(c.region_code, sizeof c.region_code, "%s", region);
    sf_errors_init(e);
    return sf_round_validate(r, &c, out, e);
}

static sf_round_rules a_round(const char *level)
{
    sf_round_rules r = sf_round_defaults();
    r.level = level;
    r.year = 2026;
    r.opens_on = D("2026-01-05");
    r.closes_on = D("2026-12-31");
    return r;
}

START_TEST(who_opens_a_round_and_its_rules)
{
    sf_errors e;
    const char *region;
    sf_round_rules r = a_round("province");
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_OK);
    ck_assert_str_eq(region, "210000");
    ck_assert_int_eq(round_check(&r, SF_ROLE_CITY, "210100", &e, &region), SF_FORBIDDEN);
    ck_assert_ptr_nonnull(strstr(en_detail(&e), "Art. 20"));
    r = a_round("city");
    ck_assert_int_eq(round_check(&r, SF_ROLE_CITY, "210100", &e, &region), SF_OK);
    ck_assert_str_eq(region, "210100");                          /* its own (Art. 26) */
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_FORBIDDEN);
    ck_assert_int_eq(round_check(&r, SF_ROLE_ASSOCIATION, "210000", &e, &region), SF_FORBIDDEN);
    /* a city's round relaxes its own region or none: it takes no other city's platforms */
    r.relaxed_regions[r.nrelaxed_regions++] = "210100";
    ck_assert_int_eq(round_check(&r, SF_ROLE_CITY, "210100", &e, &region), SF_OK);
    r.relaxed_regions[r.nrelaxed_regions++] = "210200";
    ck_assert_int_eq(round_check(&r, SF_ROLE_CITY, "210100", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "relaxed_regions"));
    /* dates within the year, closing not before opening */
    r = a_round("province");
    r.closes_on = D("2027-01-01");
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "closes_on"));
    r = a_round("province");
    r.opens_on = D("2025-12-31");
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "opens_on"));
    r = a_round("province");
    r.closes_on = D("2026-01-04");
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    r.closes_on = D("2026-01-05");                                /* one day */
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_OK);
    r.year = 2017;
    r.opens_on = D("2017-01-05");
    r.closes_on = D("2017-12-31");
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "year"));
    /* the factor: (0, 1], three decimals */
    double factors_ok[] = {1, 0.8, 0.001, 0.125};
    double factors_bad[] = {0, 1.001, -0.5, 0.8005};
    for (size_t i = 0; i < 4; i++) {
        r = a_round("province");
        r.relaxation_factor = factors_ok[i];
        ck_assert_msg(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region) == SF_OK, "%g", factors_ok[i]);
        r.relaxation_factor = factors_bad[i];
        ck_assert_msg(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region) == SF_INVALID, "%g", factors_bad[i]);
        ck_assert(has_field_error(&e, "relaxation_factor"));
    }
    ck_assert_int_eq(sf_round_factor_permille(0.8), 800);
    /* validity 1..10 years; quota 1..10000 */
    r = a_round("province");
    r.validity.years = 10;
    r.quota = 10000;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_OK);
    r.validity.years = 11;
    r.quota = 10001;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "validity_years") && has_field_error(&e, "quota_per_recommender"));
    r.validity.years = 0;
    r.quota = 0;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "validity_years"));
    /* the thresholds themselves */
    r = a_round("province");
    r.thresholds.min_satisfaction_pct = 100.5;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "thresholds.min_satisfaction_pct"));
}
END_TEST

START_TEST(relaxed_thresholds_only_for_12_1_12_2_12_3_and_12_6)
{
    sf_errors e;
    const char *region;
    sf_round_rules r = a_round("province");
    r.relaxed_regions[r.nrelaxed_regions++] = "210900";
    r.relaxed.min_satisfaction_pct = 75;
    r.relaxed.min_sme_growth_pct = 0;
    r.relaxed.min_qualified_staff_pct = 60;
    r.relaxed_mask = 1u << SF_TH_min_satisfaction_pct | 1u << SF_TH_min_sme_growth_pct |
                     1u << SF_TH_min_qualified_staff_pct;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_OK);
    /* 12.5 and Art. 13 are refused, each named */
    r.relaxed.min_public_service_share_pct = 10;
    r.relaxed.tech_min_activities = 1;
    r.relaxed_mask |= 1u << SF_TH_min_public_service_share_pct | 1u << SF_TH_tech_min_activities;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "relaxed_thresholds.min_public_service_share_pct"));
    ck_assert(has_field_error(&e, "relaxed_thresholds.tech_min_activities"));
    ck_assert_uint_eq(e.count, 2);
    /* never stricter than the round's own, and bounded like them */
    r = a_round("province");
    r.relaxed_regions[r.nrelaxed_regions++] = "210900";
    r.relaxed.min_satisfaction_pct = 85;
    r.relaxed.min_service_staff = -1;
    r.relaxed_mask = 1u << SF_TH_min_satisfaction_pct | 1u << SF_TH_min_service_staff;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "relaxed_thresholds.min_satisfaction_pct"));
    ck_assert(has_field_error(&e, "relaxed_thresholds.min_service_staff"));
    /* relaxed for whom? the regions must be named, and be cities of Liaoning */
    r = a_round("province");
    r.relaxed.min_satisfaction_pct = 75;
    r.relaxed_mask = 1u << SF_TH_min_satisfaction_pct;
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "relaxed_thresholds"));
    r.relaxed_regions[r.nrelaxed_regions++] = "110000";
    ck_assert_int_eq(round_check(&r, SF_ROLE_PROVINCE, "210000", &e, &region), SF_INVALID);
    ck_assert(has_field_error(&e, "relaxed_regions"));
}
END_TEST

/* ---- lifecycle ---- */

START_TEST(every_transition_of_the_table)
{
    struct { sf_app_state from; sf_app_event ev; sf_app_state to; } legal[] = {
        {SF_APP_DRAFT, SF_EV_SUBMIT, SF_APP_SUBMITTED},
        {SF_APP_SUBMITTED, SF_EV_SEND_BACK, SF_APP_DRAFT},
        {SF_APP_SUBMITTED, SF_EV_RECOMMEND, SF_APP_RECOMMENDED},
        {SF_APP_DRAFT, SF_EV_RECOMMEND, SF_APP_RECOMMENDED},
        {SF_APP_DRAFT, SF_EV_WITHDRAW, SF_APP_WITHDRAWN},
        {SF_APP_RECOMMENDED, SF_EV_WITHDRAW, SF_APP_WITHDRAWN},
        {SF_APP_RECOMMENDED, SF_EV_APPROVE, SF_APP_APPROVED},
        {SF_APP_RECOMMENDED, SF_EV_REJECT, SF_APP_REJECTED},
        {SF_APP_RECOMMENDED, SF_EV_RETURN, SF_APP_DRAFT},
        {SF_APP_APPROVED, SF_EV_PUBLICIZE, SF_APP_PUBLICIZED},
        {SF_APP_PUBLICIZED, SF_EV_AWARD, SF_APP_AWARDED},
        {SF_APP_PUBLICIZED, SF_EV_OBJECTION_UPHELD, SF_APP_REJECTED},
    };
    int legal_count = 0;
    for (int s = 0; s < SF_APP__COUNT; s++)
        for (int ev = 0; ev < SF_EV__COUNT; ev++) {
            sf_app_state to;
            sf_status st = sf_lifecycle_next((sf_app_state)s, (sf_app_event)ev, &to);
            int expected = -1;
            for (size_t i = 0; i < sizeof legal / sizeof *legal; i++)
                if (legal[i].from == (sf_app_state)s && legal[i].ev == (sf_app_event)ev)
                    expected = (int)legal[i].to;
            if (expected < 0) {
                ck_assert_msg(st == SF_CONFLICT, "%s --%s--> should be refused", sf_app_state_name((sf_app_state)s),
                              sf_app_event_name((sf_app_event)ev));
            } else {
                ck_assert_int_eq(st, SF_OK);
                ck_assert_int_eq(to, expected);
                legal_count++;
            }
        }
    ck_assert_int_eq(legal_count, 12);
    ck_assert_int_eq(sf_app_state_parse("publicized"), SF_APP_PUBLICIZED);
    ck_assert_int_eq(sf_app_state_parse("gone"), -1);
}
END_TEST

START_TEST(the_quota_at_its_bound)
{
    ck_assert(sf_quota_allows(3, 4));
    ck_assert(!sf_quota_allows(4, 4));
    ck_assert(!sf_quota_allows(5, 4));
    ck_assert(sf_quota_allows(1, 2) && !sf_quota_allows(2, 2));   /* a separately-planned city */
    ck_assert(sf_quota_allows(1000, 0));                            /* no quota set */
}
END_TEST

/* ---- supervision deadlines (Art. 22, 24) ---- */

START_TEST(annual_summaries_are_due_on_31_january)
{
    ck_assert_int_eq(sf_due_annual_summary(2025), D("2026-01-31"));
    sf_day due = sf_due_annual_summary(2025);
    ck_assert_int_eq(sf_timeliness_of(due, 1, D("2026-01-31"), D("2026-03-01")), SF_DUE_ON_TIME);
    ck_assert_int_eq(sf_timeliness_of(due, 1, D("2026-02-01"), D("2026-03-01")), SF_DUE_LATE);
    ck_assert_int_eq(sf_timeliness_of(due, 0, 0, D("2026-01-31")), SF_DUE_NOT_YET);
    ck_assert_int_eq(sf_timeliness_of(due, 0, 0, D("2026-02-01")), SF_DUE_MISSING);
    ck_assert_str_eq(sf_timeliness_name(SF_DUE_LATE), "late");
}
END_TEST

START_TEST(city_reports_are_due_at_the_end_of_february)
{
    ck_assert_int_eq(sf_due_city_report(2023), D("2024-02-29"));   /* a leap year */
    ck_assert_int_eq(sf_due_city_report(2024), D("2025-02-28"));
    sf_day due = sf_due_city_report(2023);
    ck_assert_int_eq(sf_timeliness_of(due, 1, D("2024-02-29"), D("2024-03-02")), SF_DUE_ON_TIME);
    ck_assert_int_eq(sf_timeliness_of(due, 1, D("2024-03-01"), D("2024-03-02")), SF_DUE_LATE);
    due = sf_due_city_report(2024);
    ck_assert_int_eq(sf_timeliness_of(due, 1, D("2025-02-28"), D("2025-03-02")), SF_DUE_ON_TIME);
    ck_assert_int_eq(sf_timeliness_of(due, 1, D("2025-03-01"), D("2025-03-02")), SF_DUE_LATE);
    ck_assert_int_eq(sf_timeliness_of(due, 0, 0, D("2025-03-01")), SF_DUE_MISSING);
}
END_TEST

/* ---- awards ---- */

START_TEST(validity_of_a_first_award_and_a_renewal)
{
    sf_day from, until;
    sf_award_validity(NULL, D("2026-06-15"), 0, 0, &from, &until);
    ck_assert_int_eq(from, D("2026-06-15"));
    ck_assert_int_eq(until, D("2029-12-31"));
    /* the 2017 titles of the national scheme lapsed on 2020-12-31 */
    sf_award_validity(NULL, D("2017-11-30"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2020-12-31"));
    /* a renewal awarded while the old title runs starts the day after it ends */
    sf_award_validity(NULL, D("2026-11-20"), D("2026-12-31"), 1, &from, &until);
    ck_assert_int_eq(from, D("2027-01-01"));
    ck_assert_int_eq(until, D("2029-12-31"));
    /* a previous title that already ended does not shift the start */
    sf_award_validity(NULL, D("2027-02-01"), D("2026-12-31"), 1, &from, &until);
    ck_assert_int_eq(from, D("2027-02-01"));
    ck_assert_int_eq(until, D("2030-12-31"));
    /* awarded on 29 February */
    sf_award_validity(NULL, D("2028-02-29"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2031-12-31"));
}
END_TEST

START_TEST(reapplying_only_in_the_year_of_expiry)
{
    ck_assert_int_eq(sf_award_may_reapply(2026, D("2026-12-31")), SF_OK);
    ck_assert_int_eq(sf_award_may_reapply(2025, D("2026-12-31")), SF_CONFLICT);
    ck_assert_int_eq(sf_award_may_reapply(2027, D("2026-12-31")), SF_CONFLICT);
}
END_TEST

/* ---- revocation and reinstatement (Art. 23, 24) ---- */

/* A title as persistence would read it: active, the caller its awarding authority; title 7
 * with assessment 70 of it that failed. */
static sf_title_snapshot title(sf_award_status status)
{
    sf_title_snapshot t = {7, status, 1, {70, 7, 1, 0, 1}, 0, {0, 0, 0, 0, 0}, 0};
    return t;
}

/* Each ground with and without what it requires, and with what belongs to another ground:
 * the verdict, and the field a refusal names. */
START_TEST(each_revocation_ground_with_and_without_what_it_requires)
{
    static const struct {
        sf_revocation r;
        sf_status verdict;
        const char *field;   /* the first field error, or NULL */
    } cases[] = {
        {{"violation", NULL, "违规收费，经查属实", "辽工信发〔2026〕12号", 0}, SF_OK, NULL},
        {{"violation", "详情", "违规收费，经查属实", NULL, 0}, SF_INVALID, "reference"},
        {{"violation", NULL, NULL, "辽工信发〔2026〕12号", 0}, SF_INVALID, "finding"},
        {{"violation", NULL, "查实", "12号", 70}, SF_INVALID, "assessment_id"},
        {{"failed_assessment", NULL, NULL, NULL, 70}, SF_OK, NULL},
        {{"failed_assessment", NULL, NULL, "辽工信发〔2026〕13号", 70}, SF_OK, NULL},
        {{"failed_assessment", NULL, NULL, NULL, 0}, SF_INVALID, "assessment_id"},
        {{"failed_assessment", NULL, NULL, NULL, 71}, SF_INVALID, "assessment_id"},   /* none such */
        {{"failed_assessment", NULL, "查实", NULL, 70}, SF_INVALID, "finding"},
        {{"surrendered", NULL, NULL, NULL, 0}, SF_OK, NULL},
        {{"surrendered", "企业注销", NULL, "辽工信发〔2026〕14号", 0}, SF_OK, NULL},
        {{"surrendered", NULL, NULL, NULL, 70}, SF_INVALID, "assessment_id"},
        {{"other", "旧的理由", NULL, NULL, 0}, SF_INVALID, "reason"},
        {{"whim", NULL, NULL, NULL, 0}, SF_INVALID, "reason"},
        {{NULL, NULL, NULL, NULL, 0}, SF_INVALID, "reason"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_title_snapshot t = title(SF_AWARD_ACTIVE);
        sf_errors e;
        sf_errors_init(&e);
        sf_status got = sf_decide_revoke(&t, &cases[i].r, &e);
        ck_assert_msg(got == cases[i].verdict, "case %zu: %s", i, sf_status_name(got));
        if (cases[i].field)
            ck_assert_str_eq(e.items[0].field, cases[i].field);
        else
            ck_assert(!sf_errors_any(&e));
    }
}
END_TEST

/* The named assessment must be a failed one of this very title. */
START_TEST(a_failed_assessment_ground_names_a_failed_assessment_of_this_title)
{
    sf_revocation r = {"failed_assessment", NULL, NULL, NULL, 70};
    const sf_assessment_fact named[] = {
        {70, 8, 1, 0, 1},   /* of another title */
        {70, 7, 1, 1, 1},   /* passed */
        {70, 7, 0, 0, 1},   /* no result yet */
        {70, 7, 1, 0, 1, 1},   /* superseded by a later pass */
    };
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        sf_title_snapshot t = title(SF_AWARD_REVOCATION_PENDING);
        t.named = named[i];
        sf_errors e;
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_revoke(&t, &r, &e), SF_INVALID);
        ck_assert_str_eq(e.items[0].field, "assessment_id");
    }
    sf_title_snapshot t = title(SF_AWARD_REVOCATION_PENDING);
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_revoke(&t, &r, &e), SF_OK);
}
END_TEST

/* Active and pending titles may be revoked; revoked and expired ones are 409 naming their
 * status; only the awarding authority revokes (403 before anything else). */
START_TEST(revocation_by_status_and_authority)
{
    sf_revocation r = {"surrendered", NULL, NULL, NULL, 0};
    const struct {
        sf_award_status status;
        sf_status verdict;
    } cases[] = {{SF_AWARD_ACTIVE, SF_OK}, {SF_AWARD_REVOCATION_PENDING, SF_OK},
                 {SF_AWARD_REVOKED, SF_CONFLICT}, {SF_AWARD_EXPIRED, SF_CONFLICT}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_title_snapshot t = title(cases[i].status);
        sf_errors e;
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_revoke(&t, &r, &e), cases[i].verdict);
        if (cases[i].verdict == SF_CONFLICT)
            ck_assert_ptr_nonnull(strstr(en_detail(&e), sf_award_status_name(cases[i].status)));
        t.caller_decides = 0;
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_revoke(&t, &r, &e), SF_FORBIDDEN);
    }
}
END_TEST

/* Reinstatement: only from revocation_pending, only on a later assessment commissioned by the
 * province that passed; the latest result decides; each refusal names what is missing. */
START_TEST(reinstatement_needs_a_later_passed_assessment_commissioned_by_the_province)
{
    const struct {
        sf_award_status status;
        sf_assessment_fact later;
        int64_t open_later;
        sf_status verdict;
        const char *named;   /* in the refusal's detail */
    } cases[] = {
        {SF_AWARD_REVOCATION_PENDING, {81, 7, 1, 1, 1}, 0, SF_OK, NULL},
        {SF_AWARD_REVOCATION_PENDING, {81, 7, 1, 1, 1}, 82, SF_OK, NULL},   /* another still open */
        {SF_AWARD_REVOCATION_PENDING, {0, 0, 0, 0, 0}, 0, SF_CONFLICT, "no assessment of this title"},
        {SF_AWARD_REVOCATION_PENDING, {0, 0, 0, 0, 0}, 82, SF_CONFLICT, "assessment 82"},
        {SF_AWARD_REVOCATION_PENDING, {81, 7, 1, 0, 1}, 0, SF_CONFLICT, "81, failed"},
        {SF_AWARD_REVOCATION_PENDING, {81, 7, 1, 1, 0}, 0, SF_CONFLICT, "not commissioned by the province"},
        {SF_AWARD_ACTIVE, {81, 7, 1, 1, 1}, 0, SF_CONFLICT, "active"},
        {SF_AWARD_REVOKED, {81, 7, 1, 1, 1}, 0, SF_CONFLICT, "revoked"},
        {SF_AWARD_EXPIRED, {81, 7, 1, 1, 1}, 0, SF_CONFLICT, "expired"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_title_snapshot t = title(cases[i].status);
        t.pending_assessment_id = 70;
        t.latest_later = cases[i].later;
        t.open_later_id = cases[i].open_later;
        sf_errors e;
        sf_errors_init(&e);
        ck_assert_msg(sf_decide_reinstate(&t, &e) == cases[i].verdict, "case %zu", i);
        if (cases[i].named)
            ck_assert_msg(strstr(en_detail(&e), cases[i].named) != NULL, "case %zu: %s", i, en_detail(&e));
        t.caller_decides = 0;
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_reinstate(&t, &e), SF_FORBIDDEN);
    }
}
END_TEST

START_TEST(award_statuses_parse_by_name)
{
    for (int s = SF_AWARD_ACTIVE; s <= SF_AWARD_EXPIRED; s++) {
        sf_award_status back;
        ck_assert(sf_award_status_parse(sf_award_status_name((sf_award_status)s), &back));
        ck_assert_int_eq(back, s);
        ck_assert(sf_award_status_is_known(sf_award_status_name((sf_award_status)s)));
    }
    sf_award_status x;
    ck_assert(!sf_award_status_parse("lapsed", &x));
    ck_assert(!sf_award_status_is_known(NULL));
}
END_TEST

/* ---- the calendar stays ahead (issue 15) ---- */

START_TEST(an_official_notice_agrees_with_the_adjacent_year)
{
    sf_calendar cal = calendar_2024();
    sf_errors e;
    /* a 2025 notice listing 2024-12-31 (a Tuesday, working in 2024) as off contradicts 2024 */
    sf_calendar_entry contradicting[] = {{D("2025-01-01"), 0}, {D("2024-12-31"), 0}};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_calendar_check_notice(2025, contradicting, 2, &cal, &e), SF_INVALID);
    ck_assert_uint_eq(e.count, 1);
    ck_assert_ptr_nonnull(strstr(en_msg(&e.items[0]), "2024-12-31"));
    /* listing 2024-12-28 (a Saturday) as off merely agrees */
    sf_calendar_entry agreeing[] = {{D("2025-01-01"), 0}, {D("2024-12-28"), 0}, {D("2024-10-12"), 0}};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_calendar_check_notice(2025, agreeing, 2, &cal, &e), SF_OK);
    /* 2024-10-12 was a makeup Saturday: off contradicts it */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_calendar_check_notice(2025, agreeing, 3, &cal, &e), SF_INVALID);
    /* a day of an unknown adjacent year; a day two years away; one date both ways */
    sf_calendar_entry odd[] = {{D("2026-01-01"), 0}, {D("2027-01-01"), 0}, {D("2025-02-08"), 1},
                               {D("2025-02-08"), 0}};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_calendar_check_notice(2025, odd, 4, &cal, &e), SF_INVALID);
    ck_assert_uint_eq(e.count, 3);
    ck_assert_ptr_nonnull(strstr(en_msg(&e.items[0]), "load 2026 first"));
    ck_assert_ptr_nonnull(strstr(en_msg(&e.items[1]), "2027-01-01"));
    ck_assert_ptr_nonnull(strstr(en_msg(&e.items[2]), "2025-02-08"));
}
END_TEST

START_TEST(the_province_is_asked_for_next_year_from_1_november)
{
    sf_calendar cal = calendar_2024();
    int year = 0;
    sf_day from = 0;
    ck_assert_int_eq(sf_calendar_alert(&cal, D("2024-10-31"), 15, &year, &from), 0);
    ck_assert_int_eq(sf_calendar_alert(&cal, D("2024-11-01"), 15, &year, &from), 1);
    ck_assert_int_eq(year, 2025);
    /* Dec 2024: the 15th working day from the end is the 11th; a notice from the 12th needs 2025 */
    ck_assert_int_eq(from, D("2024-12-12"));
    sf_day end;
    int missing = 0;
    ck_assert_int_eq(sf_calendar_nth_working_day(&cal, D("2024-12-11"), 15, &end, &missing), SF_OK);
    ck_assert_int_eq(end, D("2024-12-31"));
    ck_assert_int_eq(sf_calendar_nth_working_day(&cal, D("2024-12-12"), 15, &end, &missing), SF_INVALID);
    ck_assert_int_eq(missing, 2025);
    /* with next year loaded there is nothing to ask */
    static const int both[] = {2024, 2025};
    sf_calendar loaded = cal;
    loaded.years = both;
    loaded.nyears = 2;
    ck_assert_int_eq(sf_calendar_alert(&loaded, D("2024-12-20"), 15, &year, &from), 0);
}
END_TEST

/* Art. 24: an inspection's rectification (整改). */
START_TEST(an_inspection_opens_or_closes_a_rectification)
{
    sf_inspection_effect fx;
    sf_errors e;
    sf_day on = D("2026-02-27"), until = D("2027-12-31");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, 0, 30, NULL, 1, until, &fx, &e), SF_OK);
    ck_assert(fx.opens && !fx.closes);
    ck_assert_int_eq(fx.due_on, D("2026-03-29"));   /* 30 days, across the end of February */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "unsatisfactory", on, 0, 45, NULL, 1, until, &fx, &e), SF_OK);
    ck_assert_int_eq(fx.due_on, D("2026-04-13"));   /* the round's own rule */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, NULL, 1, until, &fx, &e), SF_OK);
    ck_assert(!fx.opens && !fx.closes);
    sf_errors_init(&e);   /* a date the inspector sets: after the inspection */
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, D("2026-03-10"), 30, NULL, 1, until, &fx, &e), SF_OK);
    ck_assert_int_eq(fx.due_on, D("2026-03-10"));
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, on, 30, NULL, 1, until, &fx, &e), SF_INVALID);
    sf_rectification_state open = {1, 1, 9}, closed = {1, 0, 9}, other = {1, 1, 8}, none = {0, 0, 0};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &open, 1, until, &fx, &e), SF_OK);
    ck_assert(fx.closes && !fx.opens);
    sf_errors_init(&e);   /* judged otherwise: stays open, no second one */
    ck_assert_int_eq(sf_decide_inspection(9, "unsatisfactory", on, 0, 30, &open, 1, until, &fx, &e), SF_OK);
    ck_assert(!fx.closes && !fx.opens);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &closed, 1, until, &fx, &e), SF_INVALID);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &other, 1, until, &fx, &e), SF_INVALID);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &none, 1, until, &fx, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "closes_rectification_id");
    /* the follow-up is dated on or after the inspection that opened it, never before */
    sf_rectification_state opened_on_the_day = {1, 1, 9, on}, opened_later = {1, 1, 9, on + 1};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &opened_on_the_day, 1, until, &fx, &e), SF_OK);
    ck_assert(fx.closes);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &opened_later, 1, until, &fx, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "inspected_on");
    ck_assert_int_eq(e.items[0].code, SF_E_BEFORE_RECTIFICATION_OPENED);
    /* a title no longer in force today (revoked, lapsed): its past inspection is recorded and
     * opens nothing to rectify, nor takes a due date (from an outside review: a backdated
     * finding on a revoked title opened a rectification overdue from its first day); a
     * follow-up still closes what was opened while it was in force */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "unsatisfactory", on, 0, 30, NULL, 0, until, &fx, &e), SF_OK);
    ck_assert(!fx.opens && !fx.closes);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, D("2026-03-10"), 30, NULL, 0, until, &fx, &e),
                     SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "rectification_due_on");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "satisfactory", on, 0, 30, &open, 0, until, &fx, &e), SF_OK);
    ck_assert(fx.closes);
    /* due within the title's validity (a follow-up inspects a title in force): the default stops
     * at valid_until, a date set after it is refused, one on it is taken */
    sf_day ends = D("2026-03-15");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, 0, 30, NULL, 1, ends, &fx, &e), SF_OK);
    ck_assert(fx.opens);
    ck_assert_int_eq(fx.due_on, ends);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, 0, 16, NULL, 1, ends, &fx, &e), SF_OK);
    ck_assert_int_eq(fx.due_on, ends);                       /* by the rule exactly on valid_until */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, 0, 15, NULL, 1, ends, &fx, &e), SF_OK);
    ck_assert_int_eq(fx.due_on, ends - 1);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, ends, 30, NULL, 1, ends, &fx, &e), SF_OK);
    ck_assert_int_eq(fx.due_on, ends);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "needs_improvement", on, ends + 1, 30, NULL, 1, ends, &fx, &e),
                     SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "rectification_due_on");
    ck_assert_int_eq(e.items[0].code, SF_E_DUE_AFTER_TITLE_ENDS);
    ck_assert_str_eq(sf_params_get(&e.items[0].params, "valid_until")->s, "2026-03-15");
    /* on the title's last day no time is left within it: nothing opens (nor takes a date) */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "unsatisfactory", ends, 0, 30, NULL, 1, ends, &fx, &e), SF_OK);
    ck_assert(!fx.opens);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_inspection(9, "unsatisfactory", ends - 1, 0, 30, NULL, 1, ends, &fx, &e), SF_OK);
    ck_assert(fx.opens);
    ck_assert_int_eq(fx.due_on, ends);
}
END_TEST

/* Art. 22, 24: a report of a year (a title's summary, a city's report) arrives from 1 January
 * of that year on, never before the year began. */
START_TEST(a_report_of_a_year_is_received_from_its_first_day)
{
    ck_assert(sf_received_in_or_after_year(2025, D("2025-01-01")));
    ck_assert(!sf_received_in_or_after_year(2025, D("2024-12-31")));
    ck_assert(sf_received_in_or_after_year(2025, D("2026-01-30")));
    ck_assert(sf_received_in_or_after_year(2024, D("2024-02-29")));
}
END_TEST

/* Art. 24: a city records its own yearly reports; the province those of a city it names. */
START_TEST(whose_city_reports_a_caller_records)
{
    const sf_caller city = {.role = SF_ROLE_CITY, .region_code = "210100"};
    const sf_caller province = {.role = SF_ROLE_PROVINCE, .region_code = "210000"};
    const struct {
        const sf_caller *c;
        const char *given, *region, *code;   /* region NULL: refused with `code` */
    } cases[] = {
        {&city, NULL, "210100", NULL},          {&city, "210100", "210100", NULL},
        {&city, "210200", NULL, "city_report_own_region"},
        {&province, NULL, NULL, "required"},   {&province, "210200", "210200", NULL},
        {&province, "210000", NULL, "region_invalid"}, {&province, "21xx00", NULL, "region_invalid"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_errors e;
        sf_errors_init(&e);
        const char *region = "unset";
        sf_city_report_region(cases[i].c, cases[i].given, &region, &e);
        if (cases[i].region != NULL) {
            ck_assert_msg(region != NULL && strcmp(region, cases[i].region) == 0 && !sf_errors_any(&e), "case %zu", i);
        } else {
            ck_assert_msg(region == NULL && e.count == 1, "case %zu", i);
            ck_assert_str_eq(e.items[0].field, "region_code");
            ck_assert_str_eq(sf_code_name(e.items[0].code), cases[i].code);
        }
    }
}
END_TEST

/* Art. 24: an assessment is commissioned for the time ahead: due today at the earliest. */
START_TEST(an_assessment_is_due_today_or_later)
{
    ck_assert(sf_assessment_due_ok(D("2028-02-29"), D("2028-02-29")));
    ck_assert(sf_assessment_due_ok(D("2028-03-01"), D("2028-02-29")));
    ck_assert(!sf_assessment_due_ok(D("2028-02-28"), D("2028-02-29")));
}
END_TEST

/* Art. 22, 24: a title's supervision falls within its life. It files the summaries of the
 * years it is in force (one awarded late in a year covers that year); an inspection
 * inspects it on a day it is in force, a revoked one up to the day of its revocation. */
START_TEST(a_titles_supervision_falls_within_its_life)
{
    sf_day from = D("2023-11-20"), until = D("2026-12-31");
    ck_assert(!sf_title_covers_year(from, until, 2022));
    ck_assert(sf_title_covers_year(from, until, 2023));
    ck_assert(sf_title_covers_year(from, until, 2026));
    ck_assert(!sf_title_covers_year(from, until, 2027));
    ck_assert(!sf_title_in_force_on(from, until, 0, 0, from - 1));
    ck_assert(sf_title_in_force_on(from, until, 0, 0, from));
    ck_assert(sf_title_in_force_on(from, until, 0, 0, until));
    ck_assert(!sf_title_in_force_on(from, until, 0, 0, until + 1));
    sf_day revoked_on = D("2025-06-30");
    ck_assert(sf_title_in_force_on(from, until, 1, revoked_on, revoked_on));
    ck_assert(!sf_title_in_force_on(from, until, 1, revoked_on, revoked_on + 1));
}
END_TEST

/* Art. 4, 24: a summary's figures re-tested by the checks of eligibility, the titled
 * functions only, by the awarding round's thresholds. */
START_TEST(a_titles_standing_at_the_thresholds_bounds)
{
    sf_thresholds t = sf_thresholds_2018();
    sf_report_facts f = {0};
    f.smes_served_last_year = 80;
    f.smes_served_prev_year = 79;
    f.satisfaction_pct = 80;
    f.public_service_share_pct = 15;
    f.training = (sf_fn_training){1, 1, 1, 1, 1500};
    unsigned training = 1u << 3;
    ck_assert_str_eq(sf_function_ids[3], "training");
    sf_standing st;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(st.meets);
    f.smes_served_last_year = 79;   /* below 80, and no growth */
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(!st.meets && !st.conditions[0].passed && st.conditions[1].passed);
    f.smes_served_last_year = 80;
    f.public_service_share_pct = 14.99;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(!st.meets && !st.conditions[1].passed);
    f.public_service_share_pct = 15;
    f.training.trainee_times_per_year = 1499;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(!st.meets && !st.functions[3].passed);
    sf_standing_evaluate(&f, &t, NULL, 1u << 1, &st);   /* titled for technology instead: not reported */
    ck_assert(!st.meets && !st.functions[1].passed);
    ck_assert(!st.titled[3]);
    f.training.trainee_times_per_year = 1500;
    t.min_smes_served = 100;   /* the round that awarded the title asked more */
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(!st.meets);
    ck_assert_ptr_nonnull(strstr(en_check(&st.conditions[0]), "100"));
    /* no figure of the year before (a recorded title's first summary): growth is not judged —
     * read as 0, any figure grew from it and 12.2 passed */
    t.min_smes_served = 80;
    f.smes_served_prev_year = 0;
    f.smes_served_prev_unknown = 1;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(!st.conditions[0].passed && st.conditions[0].missing && !st.meets);
    ck_assert_int_eq(st.conditions[0].code, SF_E_NOT_JUDGED);
    ck_assert_ptr_null(st.conditions[0].measure);   /* no value: not a growth of 0 */
    ck_assert_int_eq(st.conditions[0].detail, SF_E_STANDING_GROWTH_UNKNOWN);
    ck_assert(st.conditions[1].passed && st.functions[3].passed);   /* the rest is judged */
    /* what can be judged of 12.2 still is: the SMEs served (79 < 80), the satisfaction */
    f.smes_served_last_year = 79;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(!st.conditions[0].passed && !st.conditions[0].missing);
    ck_assert_int_eq(st.conditions[0].code, SF_E_BELOW_MINIMUM);
    ck_assert_str_eq(st.conditions[0].measure, "smes_served_last_year");
    f.smes_served_last_year = 80;
    f.satisfaction_pct = 79.99;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert_int_eq(st.conditions[0].code, SF_E_BELOW_MINIMUM);
    ck_assert_str_eq(st.conditions[0].measure, "satisfaction_pct");
    f.satisfaction_pct = 80;
    f.smes_served_prev_unknown = 0;
    sf_standing_evaluate(&f, &t, NULL, training, &st);
    ck_assert(st.meets);   /* 80 against a known 0 grew */
}
END_TEST

/* ---- the lifecycle's decisions (domain/transitions.c) ---- */

static const sf_caller PROVINCE_CALLER = {.user_id = 1, .org_id = 1, .role = SF_ROLE_PROVINCE, .region_code = "210000"};
static const sf_caller SHENYANG_CALLER = {.user_id = 2, .org_id = 2, .role = SF_ROLE_CITY, .region_code = "210100"};
static const sf_caller DALIAN_CALLER = {.user_id = 3, .org_id = 3, .role = SF_ROLE_CITY, .region_code = "210200"};
static const sf_caller ASSOCIATION_CALLER = {.user_id = 4, .org_id = 4, .role = SF_ROLE_ASSOCIATION,
                                             .region_code = "210000"};

/* A complete application of 沈阳 in the province's 2026 round, open 2026-03-01 to 2026-06-30. */
static sf_app_snapshot complete_snapshot(sf_app_state status)
{
    sf_app_snapshot s = {0};
    s.id = 42;
    s.status = status;
    s.recommender_org = SHENYANG_CALLER.org_id;
    s.platform_id = 7;
    strcpy(s.platform_region, "210100");
    s.platform_created_by = SHENYANG_CALLER.org_id;
    s.round_id = 1;
    strcpy(s.round_level, "province");
    strcpy(s.round_region, "210000");
    s.round_year = 2026;
    s.opens_on = D("2026-03-01");
    s.closes_on = D("2026-06-30");
    s.has_report = 1;
    s.facts = passing_facts();
    s.thresholds = sf_thresholds_2018();
    s.relaxation = (sf_relaxation){.applies = 0, .factor_permille = 1000};
    s.has_recommendation = 1;
    s.material_kinds = "application_report,business_license,audit_report,premises_proof,service_evidence,"
                       "prior_recognition,authenticity_declaration";
    s.require_prior_recognition = 1;
    s.validity = (sf_validity_rule){3, SF_VALIDITY_YEAR_END};
    return s;
}

/* Each decision for every state, by the party that takes it: allowed exactly where the
 * transition table allows it, and a conflict (409) naming the state everywhere else. */
START_TEST(each_decision_in_every_state)
{
    sf_day today = D("2026-05-10");
    for (int st = 0; st < SF_APP__COUNT; st++) {
        sf_app_snapshot s = complete_snapshot((sf_app_state)st);
        s.notice_end = st == SF_APP_PUBLICIZED ? D("2026-05-01") : 0;
        struct { const char *name; sf_status got; int allowed; } cases[7];
        sf_app_decision d;
        sf_errors e;
#define DECIDE(i, label, call, ok)                                                          \
        memset(&d, 0, sizeof d);                                                            \
        sf_errors_init(&e);                                                                 \
        cases[i].name = label;                                                              \
        cases[i].got = call;                                                                \
        cases[i].allowed = ok;
        DECIDE(0, "recommend", sf_decide_recommend(&s, &SHENYANG_CALLER, today, &d, &e),
               st == SF_APP_DRAFT || st == SF_APP_SUBMITTED)
        DECIDE(1, "withdraw", sf_decide_withdraw(&s, &SHENYANG_CALLER, today, &d, &e),
               st == SF_APP_DRAFT || st == SF_APP_RECOMMENDED)
        DECIDE(2, "approve", sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_APPROVE, NULL, today, &d, &e),
               st == SF_APP_RECOMMENDED)
        DECIDE(3, "reject", sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_REJECT, "材料不实", today, &d, &e),
               st == SF_APP_RECOMMENDED)
        DECIDE(4, "return", sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_RETURN, "补充材料", today, &d, &e),
               st == SF_APP_RECOMMENDED)
        DECIDE(5, "award", sf_decide_award(&s, &PROVINCE_CALLER, today, &d, &e), st == SF_APP_PUBLICIZED)
        DECIDE(6, "objection upheld", sf_decide_objection_upheld(&s, today, &d, &e),
               st == SF_APP_PUBLICIZED || st == SF_APP_REJECTED)
#undef DECIDE
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
            ck_assert_msg(cases[i].got == (cases[i].allowed ? SF_OK : SF_CONFLICT), "%s from %s: %s", cases[i].name,
                          sf_app_state_name((sf_app_state)st), sf_status_name(cases[i].got));
        /* publicize refuses a state other than approved as a field error of the notice */
        memset(&d, 0, sizeof d);
        sf_errors_init(&e);
        sf_status got = sf_decide_publicize(&s, &PROVINCE_CALLER, today, &d, &e);
        ck_assert_int_eq(got, st == SF_APP_APPROVED ? SF_OK : SF_INVALID);
    }
}
END_TEST

/* sf_decide, the one entry every transition goes through, answers for each event exactly what
 * the event's own decision answers, in every state. */
START_TEST(sf_decide_is_each_events_own_decision)
{
    sf_day today = D("2026-05-10");
    for (int st = 0; st < SF_APP__COUNT; st++) {
        sf_app_snapshot s = complete_snapshot((sf_app_state)st);
        s.notice_end = st == SF_APP_PUBLICIZED ? D("2026-05-01") : 0;
        for (int ev = 0; ev < SF_EV__COUNT; ev++) {
            const sf_caller *c = ev == SF_EV_APPROVE || ev == SF_EV_REJECT || ev == SF_EV_RETURN ||
                                         ev == SF_EV_PUBLICIZE || ev == SF_EV_AWARD
                                     ? &PROVINCE_CALLER : &SHENYANG_CALLER;
            const char *comment = ev == SF_EV_APPROVE ? NULL : "理由";
            sf_app_decision d1, d2;
            sf_errors e1, e2;
            memset(&d1, 0, sizeof d1);
            memset(&d2, 0, sizeof d2);
            sf_errors_init(&e1);
            sf_errors_init(&e2);
            sf_app_request r = {(sf_app_event)ev, c, comment};
            sf_status via = sf_decide(&s, &r, today, &d1, &e1), direct;
            switch (ev) {
            case SF_EV_SUBMIT: direct = sf_decide_submit(&s, c, today, &d2, &e2); break;
            case SF_EV_SEND_BACK: direct = sf_decide_send_back(&s, c, comment, today, &d2, &e2); break;
            case SF_EV_RECOMMEND: direct = sf_decide_recommend(&s, c, today, &d2, &e2); break;
            case SF_EV_WITHDRAW: direct = sf_decide_withdraw(&s, c, today, &d2, &e2); break;
            case SF_EV_PUBLICIZE: direct = sf_decide_publicize(&s, c, today, &d2, &e2); break;
            case SF_EV_AWARD: direct = sf_decide_award(&s, c, today, &d2, &e2); break;
            case SF_EV_OBJECTION_UPHELD: direct = sf_decide_objection_upheld(&s, today, &d2, &e2); break;
            default: direct = sf_decide_review(&s, c, (sf_app_event)ev, comment, today, &d2, &e2); break;
            }
            ck_assert_msg(via == direct && (via != SF_OK || d1.next == d2.next), "%s from %s",
                          sf_app_event_name((sf_app_event)ev), sf_app_state_name((sf_app_state)st));
        }
    }
}
END_TEST

/* Who decides: the recommender recommends and withdraws; the round's authority reviews,
 * publicizes and awards. Another party is refused (403) whatever the state. */
START_TEST(each_decision_by_the_wrong_party_is_forbidden)
{
    sf_day today = D("2026-05-10");
    sf_app_decision d;
    sf_errors e;
    const sf_caller *not_recommender[] = {&DALIAN_CALLER, &ASSOCIATION_CALLER, &PROVINCE_CALLER};
    for (size_t i = 0; i < 3; i++) {
        sf_app_snapshot s = complete_snapshot(SF_APP_DRAFT);
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_recommend(&s, not_recommender[i], today, &d, &e), SF_FORBIDDEN);
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_withdraw(&s, not_recommender[i], today, &d, &e), SF_FORBIDDEN);
    }
    const sf_caller *not_decider[] = {&SHENYANG_CALLER, &DALIAN_CALLER, &ASSOCIATION_CALLER};
    for (size_t i = 0; i < 3; i++) {
        sf_app_snapshot s = complete_snapshot(SF_APP_RECOMMENDED);
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_review(&s, not_decider[i], SF_EV_APPROVE, NULL, today, &d, &e), SF_FORBIDDEN);
        s.status = SF_APP_APPROVED;
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_publicize(&s, not_decider[i], today, &d, &e), SF_FORBIDDEN);
        s.status = SF_APP_PUBLICIZED;
        s.notice_end = D("2026-05-01");
        sf_errors_init(&e);
        ck_assert_int_eq(sf_decide_award(&s, not_decider[i], today, &d, &e), SF_FORBIDDEN);
    }
    /* in 沈阳's own city round, 沈阳 decides and the province does not (Art. 26) */
    sf_app_snapshot c = complete_snapshot(SF_APP_RECOMMENDED);
    strcpy(c.round_level, "city");
    strcpy(c.round_region, "210100");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&c, &PROVINCE_CALLER, SF_EV_APPROVE, NULL, today, &d, &e), SF_FORBIDDEN);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&c, &SHENYANG_CALLER, SF_EV_APPROVE, NULL, today, &d, &e), SF_OK);
}
END_TEST

/* Art. 18, 19: refused on the notice's end_date, allowed the day after; an open objection
 * holds it, however late. */
START_TEST(award_on_the_last_publicity_day_and_the_day_after)
{
    sf_app_snapshot s = complete_snapshot(SF_APP_PUBLICIZED);
    s.notice_end = D("2026-10-22");
    sf_app_decision d = {0};
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_award(&s, &PROVINCE_CALLER, D("2026-10-22"), &d, &e), SF_CONFLICT);
    ck_assert_ptr_nonnull(strstr(en_detail(&e), "2026-10-22"));
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_award(&s, &PROVINCE_CALLER, D("2026-10-23"), &d, &e), SF_OK);
    ck_assert(d.create_award);
    ck_assert_int_eq(d.next, SF_APP_AWARDED);
    ck_assert_int_eq(d.award_from, D("2026-10-23"));
    ck_assert_int_eq(d.award_until, D("2029-12-31"));
    s.open_objections = 1;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_award(&s, &PROVINCE_CALLER, D("2026-10-23"), &d, &e), SF_CONFLICT);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_award(&s, &PROVINCE_CALLER, D("2027-06-01"), &d, &e), SF_CONFLICT);
    s.notice_end = 0;   /* never publicized on a notice */
    s.open_objections = 0;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_award(&s, &PROVINCE_CALLER, D("2027-06-01"), &d, &e), SF_CONFLICT);
}
END_TEST

/* Art. 15, 16, 20: within the round's dates and the quota; everything incomplete at once. */
START_TEST(recommend_lists_every_missing_item_and_keeps_to_the_round)
{
    sf_app_snapshot s = complete_snapshot(SF_APP_DRAFT);
    sf_app_decision d = {0};
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&s, &SHENYANG_CALLER, D("2026-03-01"), &d, &e), SF_OK);
    ck_assert_str_eq(d.action, "application.recommended");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&s, &SHENYANG_CALLER, D("2026-06-30"), &d, &e), SF_OK);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&s, &SHENYANG_CALLER, D("2026-02-28"), &d, &e), SF_CONFLICT);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&s, &SHENYANG_CALLER, D("2026-07-01"), &d, &e), SF_CONFLICT);
    s.quota = 4;
    s.recommended_by_recommender = 3;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&s, &SHENYANG_CALLER, D("2026-05-10"), &d, &e), SF_OK);
    s.recommended_by_recommender = 4;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&s, &SHENYANG_CALLER, D("2026-05-10"), &d, &e), SF_CONFLICT);

    sf_app_snapshot empty = complete_snapshot(SF_APP_DRAFT);
    empty.has_report = 0;
    sf_eligibility none;
    const char *kinds[16];
    sf_app_evaluate(&empty, &none, kinds, 16);   /* no report: nothing judged, nothing passed */
    ck_assert(!none.eligible && none.conditions[0].missing && !none.conditions[0].passed && none.functions[4].missing);
    empty.has_recommendation = 0;
    empty.material_kinds = "business_license";
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&empty, &SHENYANG_CALLER, D("2026-05-10"), &d, &e), SF_INVALID);
    int report = 0, form = 0, materials = 0;
    for (size_t i = 0; i < e.count; i++) {
        report |= strcmp(e.items[i].field, "report") == 0;
        form |= strcmp(e.items[i].field, "recommendation") == 0;
        materials += strcmp(e.items[i].field, "materials") == 0;
    }
    ck_assert(report && form);
    ck_assert_int_ge(materials, 5);

    sf_app_snapshot poor = complete_snapshot(SF_APP_DRAFT);
    poor.facts.satisfaction_pct = 79.9;
    poor.facts.training.trainee_times_per_year = 1499;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_recommend(&poor, &SHENYANG_CALLER, D("2026-05-10"), &d, &e), SF_INVALID);
    int c122 = 0, functions = 0;
    for (size_t i = 0; i < e.count; i++) {
        c122 |= strcmp(e.items[i].field, "12.2") == 0;
        functions |= strcmp(e.items[i].field, "functions") == 0;
    }
    ck_assert(c122 && functions);
}
END_TEST

START_TEST(a_rejection_or_a_return_says_why)
{
    sf_app_snapshot s = complete_snapshot(SF_APP_RECOMMENDED);
    sf_app_decision d = {0};
    sf_errors e;
    sf_day today = D("2026-07-10");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_REJECT, "  ", today, &d, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "comment");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_RETURN, NULL, today, &d, &e), SF_INVALID);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_APPROVE, NULL, today, &d, &e), SF_OK);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_RETURN, "补充审计报告", today, &d, &e), SF_OK);
    ck_assert_int_eq(d.next, SF_APP_DRAFT);
    ck_assert_str_eq(d.comment, "补充审计报告");
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_review(&s, &PROVINCE_CALLER, SF_EV_AWARD, NULL, today, &d, &e), SF_INVALID);
}
END_TEST

/* Art. 18: no backdated notice unless it was published elsewhere; the end is the 15th
 * working day (across National Day 2024). */
/* Art. 18: a notice publicizes the review's result: from the day of approval, not the day before;
 * a notice published elsewhere was published then too. */
START_TEST(a_notice_begins_on_the_day_of_review_at_the_earliest)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_decide_notice_after_review(D("2024-02-29"), 0, 7, D("2024-02-29"), &e);
    sf_decide_notice_after_review(D("2024-03-01"), D("2024-02-29"), 7, D("2024-02-29"), &e);
    ck_assert(!sf_errors_any(&e));
    sf_decide_notice_after_review(D("2024-02-28"), 0, 7, D("2024-02-29"), &e);
    ck_assert_int_eq(e.count, 1);
    ck_assert_str_eq(e.items[0].field, "start_date");
    ck_assert_int_eq(e.items[0].code, SF_E_START_BEFORE_REVIEW);
    ck_assert_str_eq(sf_params_get(&e.items[0].params, "approved_on")->s, "2024-02-29");
    sf_errors_init(&e);
    sf_decide_notice_after_review(D("2024-03-01"), D("2024-02-28"), 7, D("2024-02-29"), &e);
    ck_assert_int_eq(e.count, 1);
    ck_assert_str_eq(e.items[0].field, "published_elsewhere.published_on");
}
END_TEST

START_TEST(a_notice_starts_today_or_was_published_elsewhere)
{
    sf_calendar cal = calendar_2024();
    sf_day end = 0, today = D("2024-09-27");
    sf_errors e;
    sf_notice_plan plan = {.start = D("2024-09-26")};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_notice(&plan, &cal, today, &end, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "start_date");
    plan.start = today;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_notice(&plan, &cal, today, &end, &e), SF_OK);
    ck_assert_int_eq(end, D("2024-10-22"));   /* 27, 29 (makeup), 30 Sep; 8–12 (12: makeup), 14–18, 21, 22 Oct */
    plan = (sf_notice_plan){.start = D("2024-09-20"), .published_elsewhere = 1, .published_on = D("2024-09-20")};
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_notice(&plan, &cal, today, &end, &e), SF_OK);
    plan.published_on = D("2024-09-21");   /* starts before it was published */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_notice(&plan, &cal, today, &end, &e), SF_INVALID);
    plan = (sf_notice_plan){.start = D("2024-09-28"), .published_elsewhere = 1, .published_on = D("2024-09-28")};
    sf_errors_init(&e);   /* published "elsewhere" tomorrow: not yet */
    ck_assert_int_eq(sf_decide_notice(&plan, &cal, today, &end, &e), SF_INVALID);
    ck_assert_str_eq(e.items[0].field, "published_elsewhere.published_on");
    plan = (sf_notice_plan){.start = D("2024-12-20")};
    sf_errors_init(&e);   /* runs into 2025, which this calendar lacks */
    ck_assert_int_eq(sf_decide_notice(&plan, &cal, today, &end, &e), SF_INVALID);
    ck_assert_ptr_nonnull(strstr(en_msg(&e.items[0]), "2025"));
}
END_TEST

/* ---- platforms (domain/platforms.c) ---- */

START_TEST(a_city_registers_in_its_own_region_only)
{
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_platform_may_register(&SHENYANG_CALLER, "210100", &e), SF_OK);
    ck_assert_int_eq(sf_platform_may_register(&SHENYANG_CALLER, "210200", &e), SF_FORBIDDEN);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_platform_may_register(&ASSOCIATION_CALLER, "210200", &e), SF_OK);
    ck_assert_int_eq(sf_platform_may_register(&PROVINCE_CALLER, "211400", &e), SF_OK);
    ck_assert_int_eq(sf_platform_may_edit(&DALIAN_CALLER, SHENYANG_CALLER.org_id, &e), SF_FORBIDDEN);
    ck_assert_int_eq(sf_platform_may_edit(&PROVINCE_CALLER, SHENYANG_CALLER.org_id, &e), SF_OK);
    ck_assert_int_eq(sf_platform_may_edit(&SHENYANG_CALLER, SHENYANG_CALLER.org_id, &e), SF_OK);
}
END_TEST

/* Art. 12.1 counts years from the date of establishment: today is taken, tomorrow is not. */
START_TEST(an_operator_is_established_today_at_the_latest)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_platform_established_check("operator.established_on", D("2024-02-29"), D("2024-02-29"), &e);
    sf_platform_established_check("operator.established_on", D("2015-03-01"), D("2024-02-29"), &e);
    ck_assert(!sf_errors_any(&e));
    sf_platform_established_check("operator.established_on", D("2024-03-01"), D("2024-02-29"), &e);
    ck_assert_int_eq(e.count, 1);
    ck_assert_str_eq(e.items[0].field, "operator.established_on");
    ck_assert_int_eq(e.items[0].code, SF_E_AFTER_TODAY);
}
END_TEST

/* ---- a platform's own application (DESIGN.md §2, Art. 15, 17, 27) ---- */

static const sf_caller COMPANY_CALLER = {.user_id = 9, .org_id = 9, .role = SF_ROLE_PLATFORM, .region_code = "210100"};
static const sf_caller OTHER_COMPANY_CALLER = {.user_id = 10, .org_id = 10, .role = SF_ROLE_PLATFORM,
                                               .region_code = "210100"};

/* A complete application the company prepared for its Shenyang platform, for Shenyang. */
static sf_app_snapshot own_snapshot(sf_app_state status)
{
    sf_app_snapshot s = complete_snapshot(status);
    s.applicant_org = COMPANY_CALLER.org_id;
    s.platform_operator_org = COMPANY_CALLER.org_id;
    s.has_recommendation = 0;
    return s;
}

START_TEST(a_platform_submits_its_own_application_and_its_recommender_returns_it)
{
    sf_day today = D("2026-05-10");
    sf_app_decision d;
    sf_errors e;
#define TRY(call, expected)                                 \
    memset(&d, 0, sizeof d);                                \
    sf_errors_init(&e);                                     \
    ck_assert_int_eq(call, expected);
    sf_app_snapshot s = own_snapshot(SF_APP_DRAFT);
    /* submit: the company that prepared it, from draft, while the round is open */
    TRY(sf_decide_submit(&s, &COMPANY_CALLER, today, &d, &e), SF_OK)
    ck_assert_int_eq(d.next, SF_APP_SUBMITTED);
    ck_assert_str_eq(d.action, "application.submitted");
    TRY(sf_decide_submit(&s, &OTHER_COMPANY_CALLER, today, &d, &e), SF_FORBIDDEN)
    TRY(sf_decide_submit(&s, &SHENYANG_CALLER, today, &d, &e), SF_FORBIDDEN)
    TRY(sf_decide_submit(&s, &COMPANY_CALLER, D("2026-07-01"), &d, &e), SF_CONFLICT)   /* closes_on + 1 */
    TRY(sf_decide_submit(&s, &COMPANY_CALLER, D("2026-06-30"), &d, &e), SF_OK)         /* closes_on */
    /* a paper application has no applicant: nobody submits it */
    sf_app_snapshot paper = complete_snapshot(SF_APP_DRAFT);
    TRY(sf_decide_submit(&paper, &COMPANY_CALLER, today, &d, &e), SF_FORBIDDEN)
    /* every missing item at once: no report, no materials (the form is the recommender's) */
    sf_app_snapshot empty = own_snapshot(SF_APP_DRAFT);
    empty.has_report = 0;
    empty.material_kinds = "";
    TRY(sf_decide_submit(&empty, &COMPANY_CALLER, today, &d, &e), SF_INVALID)
    ck_assert(has_field_error(&e, "report"));
    ck_assert(has_field_error(&e, "materials"));
    ck_assert(!has_field_error(&e, "recommendation"));
    /* the recommender may not recommend a draft the platform has not submitted */
    sf_app_snapshot formed = own_snapshot(SF_APP_DRAFT);
    formed.has_recommendation = 1;
    TRY(sf_decide_recommend(&formed, &SHENYANG_CALLER, today, &d, &e), SF_CONFLICT)
    formed.status = SF_APP_SUBMITTED;
    TRY(sf_decide_recommend(&formed, &SHENYANG_CALLER, today, &d, &e), SF_OK)
    TRY(sf_decide_recommend(&formed, &COMPANY_CALLER, today, &d, &e), SF_FORBIDDEN)
    /* return: the recommender, from submitted, saying why */
    sf_app_snapshot sub = own_snapshot(SF_APP_SUBMITTED);
    TRY(sf_decide_send_back(&sub, &SHENYANG_CALLER, "请补充审计报告", today, &d, &e), SF_OK)
    ck_assert_int_eq(d.next, SF_APP_DRAFT);
    ck_assert_str_eq(d.return_comment, "请补充审计报告");
    TRY(sf_decide_send_back(&sub, &SHENYANG_CALLER, "  ", today, &d, &e), SF_INVALID)
    ck_assert(has_field_error(&e, "comment"));
    TRY(sf_decide_send_back(&sub, &COMPANY_CALLER, "x", today, &d, &e), SF_FORBIDDEN)
    TRY(sf_decide_send_back(&s, &SHENYANG_CALLER, "x", today, &d, &e), SF_CONFLICT)   /* from draft */
#undef TRY
}
END_TEST

/* Who writes which part: the company its report and materials in draft only; the recommender
 * the form, in draft or submitted; on a paper file the recommender everything in draft. */
START_TEST(who_writes_which_part_of_an_application)
{
    sf_errors e;
    struct {
        sf_app_state st;
        int own;
        const sf_caller *c;
        sf_app_part part;
        sf_status expected;
    } cases[] = {
        {SF_APP_DRAFT, 1, &COMPANY_CALLER, SF_PART_REPORT, SF_OK},
        {SF_APP_DRAFT, 1, &COMPANY_CALLER, SF_PART_MATERIALS, SF_OK},
        {SF_APP_SUBMITTED, 1, &COMPANY_CALLER, SF_PART_REPORT, SF_CONFLICT},
        {SF_APP_SUBMITTED, 1, &COMPANY_CALLER, SF_PART_MATERIALS, SF_CONFLICT},
        {SF_APP_DRAFT, 1, &COMPANY_CALLER, SF_PART_RECOMMENDATION, SF_FORBIDDEN},
        {SF_APP_DRAFT, 1, &OTHER_COMPANY_CALLER, SF_PART_REPORT, SF_FORBIDDEN},
        {SF_APP_DRAFT, 1, &SHENYANG_CALLER, SF_PART_REPORT, SF_FORBIDDEN},
        {SF_APP_SUBMITTED, 1, &SHENYANG_CALLER, SF_PART_RECOMMENDATION, SF_OK},
        {SF_APP_DRAFT, 1, &SHENYANG_CALLER, SF_PART_RECOMMENDATION, SF_OK},
        {SF_APP_RECOMMENDED, 1, &SHENYANG_CALLER, SF_PART_RECOMMENDATION, SF_CONFLICT},
        {SF_APP_DRAFT, 0, &SHENYANG_CALLER, SF_PART_REPORT, SF_OK},
        {SF_APP_DRAFT, 0, &SHENYANG_CALLER, SF_PART_MATERIALS, SF_OK},
        {SF_APP_RECOMMENDED, 0, &SHENYANG_CALLER, SF_PART_REPORT, SF_CONFLICT},
        {SF_APP_DRAFT, 0, &DALIAN_CALLER, SF_PART_REPORT, SF_FORBIDDEN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sf_app_snapshot s = cases[i].own ? own_snapshot(cases[i].st) : complete_snapshot(cases[i].st);
        sf_errors_init(&e);
        sf_status got = sf_decide_edit(&s, cases[i].c, cases[i].part, &e);
        ck_assert_msg(got == cases[i].expected, "case %zu: %s", i, sf_status_name(got));
    }
    /* allowed_actions draws the same lines */
    sf_app_snapshot s = own_snapshot(SF_APP_DRAFT);
    const char *acts[16];
    size_t n = sf_app_allowed_actions(&s, &COMPANY_CALLER, D("2026-05-10"), acts, 16);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(acts[0], "edit");
    ck_assert_str_eq(acts[1], "submit");
    s.status = SF_APP_SUBMITTED;
    s.has_recommendation = 1;
    n = sf_app_allowed_actions(&s, &SHENYANG_CALLER, D("2026-05-10"), acts, 16);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(acts[0], "edit_recommendation");
    ck_assert_str_eq(acts[1], "return_to_applicant");
    ck_assert_str_eq(acts[2], "recommend");
    ck_assert_uint_eq(sf_app_allowed_actions(&s, &COMPANY_CALLER, D("2026-05-10"), acts, 16), 0);
}
END_TEST

/* ---- the codes and their catalogues (issue 13) ---- */

/* Every code has a text in each language, and every {name} a template names is a parameter
 * the code supplies; no parameter is named like a member of the problem itself. */
START_TEST(every_code_has_both_texts_and_only_its_parameters)
{
    static const char *const reserved[] = {"type", "title", "status", "detail", "instance", "code", "errors", NULL};
    for (int c = 0; c < SF_CODE_COUNT; c++) {
        const char *name = sf_code_name((sf_code)c);
        ck_assert_msg(sf_code_by_name(name) == (sf_code)c || c == SF_E_NONE, "%s is named twice", name);
        const char *texts[] = {sf_messages_zh[c], sf_messages_en[c]};
        for (int l = 0; l < 2; l++) {
            ck_assert_msg(texts[l] != NULL && texts[l][0] != '\0', "%s has no %s text", name, l ? "en" : "zh-CN");
            for (const char *p = strchr(texts[l], '{'); p != NULL; p = strchr(p + 1, '{')) {
                size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
                if (n == 0 || p[1 + n] != '}')
                    continue;   /* literal braces ({name, date, isOffDay}) */
                char param[64];
                snprintf(param, sizeof param, "%.*s", (int)n, p + 1);
                ck_assert_msg(sf_code_has_param((sf_code)c, param), "%s (%s) names {%s}, which it does not supply",
                              name, l ? "en" : "zh-CN", param);
            }
        }
        for (int r = 0; reserved[r] != NULL; r++)
            ck_assert_msg(!sf_code_has_param((sf_code)c, reserved[r]), "%s has a parameter named %s", name, reserved[r]);
    }
}
END_TEST

START_TEST(accept_language_chooses_zh_cn_unless_english_is_preferred)
{
    static const struct {
        const char *header;
        sf_lang lang;
    } cases[] = {
        {NULL, SF_LANG_ZH}, {"", SF_LANG_ZH}, {"en", SF_LANG_EN}, {"en-US,en;q=0.8", SF_LANG_EN},
        {"zh-CN", SF_LANG_ZH}, {"zh-CN,zh;q=0.9,en;q=0.8", SF_LANG_ZH}, {"en;q=0.9,zh-CN;q=0.8", SF_LANG_EN},
        {"zh;q=0.5, en;q=0.6", SF_LANG_EN}, {"fr-FR", SF_LANG_ZH}, {"fr, en;q=0.1", SF_LANG_EN},
        {"en;q=0", SF_LANG_ZH}, {"de, *;q=0.5", SF_LANG_ZH}, {"ja, en-GB;q=0.7, *;q=0.1", SF_LANG_EN},
        {"english", SF_LANG_ZH}, {"en;q=bogus", SF_LANG_ZH}, {"EN", SF_LANG_EN}, {"zh-Hans-CN;q=1, en", SF_LANG_ZH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(sf_lang_from_header(cases[i].header) == cases[i].lang, "%s", cases[i].header ? cases[i].header : "(none)");
    ck_assert_str_eq(sf_lang_tag(SF_LANG_ZH), "zh-CN");
}
END_TEST

START_TEST(messages_are_rendered_in_either_language)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_errors_add(&e, "satisfaction_pct", SF_E_OUT_OF_RANGE, SF_INT("min", 0), SF_INT("max", 100));
    char buf[256];
    ck_assert_str_eq(sf_message_render(buf, sizeof buf, SF_LANG_EN, e.items[0].code, &e.items[0].params),
                     "must be from 0 to 100");
    ck_assert_str_eq(sf_message_render(buf, sizeof buf, SF_LANG_ZH, e.items[0].code, &e.items[0].params),
                     "应在 0 到 100 之间");
    sf_errors_detail(&e, SF_E_APPLICATION_NOT_IN_STATE, SF_TEXT("current_status", "awarded"), SF_TEXT("action", "withdraw"));
    ck_assert_str_eq(sf_code_name(e.code), "application_not_in_state");
    ck_assert_str_eq(sf_params_get(&e.params, "current_status")->s, "awarded");
    ck_assert_str_eq(en_detail(&e), "the application is awarded; 'withdraw' is not possible from that state");
    /* a yes/no in the language; a cut never splits a character */
    sf_params p;
    sf_params_set(&p, (const sf_arg[]){SF_INT("recognitions", 0), SF_BOOL("has_city_award", 1), SF_ARG_END_});
    ck_assert_ptr_nonnull(strstr(sf_message_render(buf, sizeof buf, SF_LANG_ZH, SF_E_ELIG_12_4, &p), "称号：是"));
    ck_assert_ptr_nonnull(strstr(sf_message_render(buf, sizeof buf, SF_LANG_EN, SF_E_ELIG_12_4, &p), "shifan: yes"));
    char small[8];
    sf_message_render(small, sizeof small, SF_LANG_ZH, SF_E_REQUIRED, NULL);
    ck_assert_str_eq(small, "必填");
    sf_message_render(small, 5, SF_LANG_ZH, SF_E_BODY_EMPTY, NULL);
    ck_assert_str_eq(small, "请");
}
END_TEST

/* Eligibility in structure: the verdict's code, the fact, its minimum, the value, the unit. */
START_TEST(eligibility_checks_carry_code_threshold_value_and_unit)
{
    sf_thresholds t = sf_thresholds_2018();
    sf_report_facts f = passing_facts();
    f.smes_served_last_year = 64;
    f.smes_served_prev_year = 60;
    f.has_fixed_premises = 0;
    f.information.present = 0;
    sf_eligibility e;
    sf_eligibility_evaluate(&f, &t, NULL, 1, D("2026-03-01"), &e);
    const sf_check *c = &e.conditions[1];
    ck_assert_int_eq(c->code, SF_E_BELOW_MINIMUM);
    ck_assert_str_eq(c->measure, "smes_served_last_year");
    ck_assert_str_eq(c->unit, "count");
    ck_assert(c->threshold == 80 && c->value == 64);
    c = &e.conditions[2];
    ck_assert_int_eq(c->code, SF_E_REQUIREMENT_UNMET);
    ck_assert_str_eq(c->measure, "has_fixed_premises");
    c = &e.conditions[0];
    ck_assert_int_eq(c->code, SF_E_MET);
    ck_assert_str_eq(c->unit, "days");
    ck_assert_int_eq(e.functions[0].code, SF_E_NOT_REPORTED);
    ck_assert_ptr_null(e.functions[0].measure);
    int met = 0;
    for (int i = 0; i < SF_FUNCTION_COUNT; i++)
        met |= e.functions[i].passed && e.functions[i].code == SF_E_MET;
    ck_assert(met);
    sf_eligibility_missing(&e);
    ck_assert_int_eq(e.conditions[0].code, SF_E_NOT_JUDGED);
    sf_eligibility_evaluate(&f, &t, NULL, 0, D("2026-03-01"), &e);
    ck_assert_int_eq(e.conditions[3].code, SF_E_NOT_REQUIRED);
}
END_TEST

/* A title's page: the buttons follow the decisions (revoke, reinstate) and its status. */
/* A notice's and an objection's allowed_actions are their decisions asked on each day of a
 * window, by each caller: object while open; record (the deciding authority) from the start,
 * after the end too, never on a day to come; resolve (the same authority) while open. */
START_TEST(notices_and_objections_allowed_actions_follow_their_decisions)
{
    static const sf_caller PUBLIC = {0};
    static const sf_caller SUPERVISOR_C = {.user_id = 4, .org_id = 4, .role = SF_ROLE_SUPERVISOR, .region_code = "210000"};
    sf_notice_facts province = {D("2026-09-28"), D("2026-10-22"), "province", "210000"};
    sf_notice_facts shenyang = {D("2026-09-28"), D("2026-10-22"), "city", "210100"};
    static const struct {
        const char *today;
        int open, started;
    } days[] = {{"2026-09-27", 0, 0}, {"2026-09-28", 1, 1}, {"2026-10-22", 1, 1}, {"2026-10-23", 0, 1}};
    const sf_caller *callers[] = {&PUBLIC, &PROVINCE_CALLER, &SHENYANG_CALLER, &DALIAN_CALLER, &SUPERVISOR_C};
    for (size_t d = 0; d < sizeof days / sizeof *days; d++) {
        for (size_t c = 0; c < sizeof callers / sizeof *callers; c++) {
            for (int level = 0; level < 2; level++) {
                const sf_notice_facts *n = level ? &shenyang : &province;
                int decides = level ? callers[c] == &SHENYANG_CALLER : callers[c] == &PROVINCE_CALLER;
                const char *acts[4];
                size_t k = sf_notice_allowed_actions(n, callers[c], D(days[d].today), acts, 4), i = 0;
                if (days[d].open)
                    ck_assert_str_eq(acts[i++], "object");
                if (days[d].started && decides)
                    ck_assert_str_eq(acts[i++], "record_objection");
                ck_assert_msg(k == i, "%s, caller %zu, level %d: %zu actions", days[d].today, c, level, k);
                /* every application on it decided: nothing left to object to */
                sf_notice_facts decided = *n;
                decided.all_decided = 1;
                ck_assert_uint_eq(sf_notice_allowed_actions(&decided, callers[c], D(days[d].today), acts, 4), 0);
                /* the decisions themselves, as the routes ask them */
                sf_errors e;
                sf_errors_init(&e);
                ck_assert_int_eq(sf_decide_file_objection(n, D(days[d].today), &e),
                                 days[d].open ? SF_OK : days[d].started ? SF_CONFLICT : SF_NOT_FOUND);
                sf_errors_init(&e);
                ck_assert_int_eq(sf_decide_record_objection(n, callers[c], D(days[d].today), D(days[d].today), &e),
                                 !decides ? SF_NOT_FOUND : days[d].open ? SF_OK : SF_INVALID);
                for (int open = 0; open < 2; open++) {
                    sf_objection_facts o = {.open = open};
                    snprintf(o.round_level, sizeof o.round_level, "%s", n->round_level);
                    snprintf(o.round_region, sizeof o.round_region, "%s", n->round_region);
                    ck_assert_uint_eq(sf_objection_allowed_actions(&o, callers[c], acts, 4), open && decides);
                    sf_errors_init(&e);
                    /* the province reads a city round's objections: not its to resolve, 403 */
                    sf_status not_its = callers[c]->role == SF_ROLE_PROVINCE ? SF_FORBIDDEN : SF_NOT_FOUND;
                    ck_assert_int_eq(sf_decide_resolve_objection(&o, callers[c], &e),
                                     !decides ? not_its : open ? SF_OK : SF_CONFLICT);
                }
            }
        }
    }
    /* received before the window, or on a day to come: outside it */
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_record_objection(&province, &PROVINCE_CALLER, D("2026-09-27"), D("2026-10-01"), &e), SF_INVALID);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_record_objection(&province, &PROVINCE_CALLER, D("2026-10-02"), D("2026-10-01"), &e), SF_INVALID);
    sf_errors_init(&e);
    ck_assert_int_eq(sf_decide_record_objection(&province, &PROVINCE_CALLER, D("2026-10-22"), D("2026-12-01"), &e), SF_OK);
}
END_TEST

/* Art. 22: a revoked title files no more summaries — one received by the day of its revocation
 * is taken, the day after is not; a title's life ends at its revocation if that comes first. */
START_TEST(a_revoked_title_takes_a_summary_received_while_it_was_in_force)
{
    ck_assert(sf_title_takes_summary(0, 0, 2026, D("2026-12-05")));
    ck_assert(sf_title_takes_summary(1, D("2025-06-30"), 2025, D("2025-06-30")));
    ck_assert(!sf_title_takes_summary(1, D("2025-06-30"), 2025, D("2025-07-01")));
    /* revoked after the year ended: that year's summary is owed (due 31 January) and taken
     * when it comes, after the revocation too; revoked on its last day, the year is not held
     * through (as compliance reads it) */
    ck_assert(sf_title_takes_summary(1, D("2025-01-15"), 2024, D("2025-01-20")));
    ck_assert(sf_title_takes_summary(1, D("2025-01-01"), 2024, D("2025-03-01")));
    ck_assert(!sf_title_takes_summary(1, D("2024-12-31"), 2024, D("2025-01-20")));
    ck_assert(sf_title_takes_summary(1, D("2024-12-31"), 2024, D("2024-12-31")));
    ck_assert_int_eq(sf_title_life_end(1, D("2025-06-30"), D("2027-12-31")), D("2025-06-30"));
    ck_assert_int_eq(sf_title_life_end(0, 0, D("2027-12-31")), D("2027-12-31"));
    ck_assert_int_eq(sf_title_life_end(1, D("2028-01-01"), D("2027-12-31")), D("2027-12-31"));
}
END_TEST

START_TEST(a_titles_allowed_actions_follow_its_decisions)
{
    const char *acts[8];
    sf_title_view v = {0};
    v.title.id = 5;
    v.title.status = SF_AWARD_ACTIVE;
    v.title.caller_decides = 1;
    v.caller_is_province = 1;
    v.province_level = 1;
    ck_assert_uint_eq(sf_title_allowed_actions(&v, acts, 8), 4);   /* the province records supervision too */
    ck_assert_str_eq(acts[0], "revoke");
    ck_assert_str_eq(acts[1], "commission_assessment");
    ck_assert_str_eq(acts[2], "file_summary");
    ck_assert_str_eq(acts[3], "inspect");
    /* Art. 24, 26: the province assesses its own titles, begun: not a city-level title, not a
     * renewal before its first day (from an outside review: both were commissioned) */
    ck_assert(sf_title_assessable(1, 1, D("2026-12-05"), D("2026-12-05")));
    ck_assert(!sf_title_assessable(1, 1, D("2026-12-06"), D("2026-12-05")));
    ck_assert(!sf_title_assessable(0, 1, D("2026-01-01"), D("2026-12-05")));
    ck_assert(!sf_title_assessable(1, 0, D("2026-01-01"), D("2026-12-05")));
    v.province_level = 0;
    ck_assert_uint_eq(sf_title_allowed_actions(&v, acts, 8), 3);
    ck_assert_str_ne(acts[1], "commission_assessment");
    v.province_level = 1;
    /* pending, a later assessment commissioned by the province passed: reinstate as well */
    v.title.status = SF_AWARD_REVOCATION_PENDING;
    v.title.pending_assessment_id = 7;
    v.title.latest_later = (sf_assessment_fact){.id = 9, .award_id = 5, .has_result = 1, .passed = 1, .by_province = 1};
    ck_assert_uint_eq(sf_title_allowed_actions(&v, acts, 8), 5);
    ck_assert_str_eq(acts[1], "reinstate");
    v.title.latest_later.passed = 0;
    ck_assert_uint_eq(sf_title_allowed_actions(&v, acts, 8), 4);
    /* expired: no decision left, but its life is still supervised — a summary, an inspection
     * held while it was in force, recorded now (the routes take both, dated within its life) */
    v.title.status = SF_AWARD_EXPIRED;
    ck_assert_uint_eq(sf_title_allowed_actions(&v, acts, 8), 2);
    ck_assert_str_eq(acts[0], "file_summary");
    ck_assert_str_eq(acts[1], "inspect");
    sf_title_view city = {.title = {.id = 5, .status = SF_AWARD_EXPIRED}, .caller_is_its_city = 1};
    ck_assert_uint_eq(sf_title_allowed_actions(&city, acts, 8), 2);
    ck_assert_str_eq(acts[0], "file_summary");
    /* revoked: the same over its life up to the revocation (Art. 22, 24) */
    sf_title_view revoked = {.title = {.id = 6, .status = SF_AWARD_REVOKED}, .caller_is_its_city = 1,
                             .valid_from = D("2025-03-01"), .valid_until = D("2027-12-31"), .revoked_on = D("2025-06-30"),
                             .today = D("2026-12-05")};
    ck_assert_uint_eq(sf_title_allowed_actions(&revoked, acts, 8), 2);
    ck_assert_str_eq(acts[0], "file_summary");
    ck_assert_str_eq(acts[1], "inspect");
    revoked.today = D("2025-12-31");   /* its only year, 2025, has begun: a summary of it, received by 30 June */
    ck_assert_uint_eq(sf_title_allowed_actions(&revoked, acts, 8), 2);
    revoked.valid_from = D("2026-01-01");   /* revoked before its life began: nothing to supervise */
    revoked.revoked_on = D("2025-12-31");
    revoked.today = D("2026-12-05");
    ck_assert_uint_eq(sf_title_allowed_actions(&revoked, acts, 8), 0);
    city.title.status = SF_AWARD_ACTIVE;
    ck_assert_uint_eq(sf_title_allowed_actions(&city, acts, 8), 2);
    ck_assert_str_eq(acts[1], "inspect");
    /* Art. 23: a renewal awarded before the old title ends, its life not begun: no year of it
     * to sum up and no day to inspect it on yet (the routes refuse both) — from its first day,
     * both; a summary of its first year once that year has begun */
    city.valid_from = D("2027-01-01");
    city.valid_until = D("2029-12-31");
    city.today = D("2026-12-05");
    ck_assert_uint_eq(sf_title_allowed_actions(&city, acts, 8), 0);
    city.today = D("2026-12-31");
    ck_assert_uint_eq(sf_title_allowed_actions(&city, acts, 8), 0);
    city.today = D("2027-01-01");
    ck_assert_uint_eq(sf_title_allowed_actions(&city, acts, 8), 2);
    /* one begun on 2026-12-06 (anniversary validity): its 2026 has begun, its day has not */
    city.valid_from = D("2026-12-06");
    city.today = D("2026-12-05");
    ck_assert_uint_eq(sf_title_allowed_actions(&city, acts, 8), 1);
    ck_assert_str_eq(acts[0], "file_summary");
}
END_TEST

/* Art. 15, 26, 27: the platform a company may apply for, and the recommender it may name. */
START_TEST(a_platform_names_its_city_or_an_association)
{
    sf_errors e;
    sf_apply_request r = {"province", "210000", "210100", 2, 0, COMPANY_CALLER.org_id, SF_ROLE_CITY, "210100"};
#define APPLY(expected, field)                                                  \
    sf_errors_init(&e);                                                         \
    ck_assert_int_eq(sf_may_apply(&COMPANY_CALLER, &r, &e), expected);          \
    if ((field) != NULL)                                                        \
        ck_assert(has_field_error(&e, field));
    APPLY(SF_OK, NULL)                                           /* its city, the province's round */
    r.recommender_region = "210200";
    APPLY(SF_INVALID, "recommender_org_id")                      /* a city of another region */
    r.recommender_type = SF_ROLE_ASSOCIATION;
    r.recommender_region = "210000";
    APPLY(SF_OK, NULL)                                           /* an association, Art. 27 */
    r.round_level = "city";
    r.round_region = "210100";
    APPLY(SF_INVALID, "recommender_org_id")                      /* associations: province rounds only */
    r.recommender_type = SF_ROLE_CITY;
    r.recommender_region = "210100";
    APPLY(SF_OK, NULL)                                           /* its own city's round, Art. 26 */
    r.round_region = "210200";
    APPLY(SF_INVALID, "round_id")                                /* another city's round */
    r.round_level = "province";
    r.round_region = "210000";
    r.recommender_type = SF_ROLE_ASSESSOR;
    APPLY(SF_INVALID, "recommender_org_id")
    r.recommender_type = SF_ROLE_NONE;
    APPLY(SF_INVALID, "recommender_org_id")                      /* no such organisation */
    r.recommender_type = SF_ROLE_CITY;
    r.platform_operator_org = OTHER_COMPANY_CALLER.org_id;
    APPLY(SF_INVALID, "platform_id")                             /* another company's platform */
#undef APPLY
    /* and what it sees: the applications of its own platforms, whoever opened them */
    sf_app_snapshot s = complete_snapshot(SF_APP_RECOMMENDED);
    ck_assert(!sf_app_visible(&s, &COMPANY_CALLER));
    s.platform_operator_org = COMPANY_CALLER.org_id;
    ck_assert(sf_app_visible(&s, &COMPANY_CALLER));
    ck_assert(!sf_app_visible(&s, &OTHER_COMPANY_CALLER));
    ck_assert(!sf_may_see_platform(&OTHER_COMPANY_CALLER, "210100", 2, COMPANY_CALLER.org_id));
    ck_assert(sf_may_see_platform(&COMPANY_CALLER, "210100", 2, COMPANY_CALLER.org_id));
}
END_TEST

/* Art. 18, 26: before its start date a notice's list is the deciding authority's: the province
 * and the supervisor see every notice, a city those of its own city-level rounds, nobody else
 * any (a competing platform company read the shortlist early: from an outside review). */
/* DESIGN.md §2: a platform company opens its own application in an open round, both ends
 * included (it opened one in next year's round, months before it opened: from an outside
 * review); a city or an association may prepare one for a platform without an account. */
START_TEST(a_platform_opens_its_application_in_an_open_round)
{
    sf_day opens, closes;
    ck_assert(sf_date_parse("2027-01-05", &opens) && sf_date_parse("2027-03-31", &closes));
    sf_errors e;
    sf_errors_init(&e);
    ck_assert_int_eq(sf_may_open_in_round(&COMPANY_CALLER, opens, closes, opens - 1, &e), SF_CONFLICT);
    ck_assert_int_eq(e.code, SF_E_ROUND_CLOSED);
    ck_assert_int_eq(sf_may_open_in_round(&COMPANY_CALLER, opens, closes, opens, &e), SF_OK);
    ck_assert_int_eq(sf_may_open_in_round(&COMPANY_CALLER, opens, closes, closes, &e), SF_OK);
    ck_assert_int_eq(sf_may_open_in_round(&COMPANY_CALLER, opens, closes, closes + 1, &e), SF_CONFLICT);
    ck_assert_int_eq(sf_may_open_in_round(&SHENYANG_CALLER, opens, closes, opens - 90, &e), SF_OK);
    ck_assert_int_eq(sf_may_open_in_round(&ASSOCIATION_CALLER, opens, closes, opens - 1, &e), SF_OK);
}
END_TEST

START_TEST(a_notice_is_seen_before_its_start_only_by_its_authority)
{
    const char *region = "x";
    ck_assert(sf_notice_seen_before_start(&PROVINCE_CALLER, &region) && region == NULL);
    sf_caller supervisor = {.user_id = 11, .org_id = 11, .role = SF_ROLE_SUPERVISOR};
    ck_assert(sf_notice_seen_before_start(&supervisor, &region) && region == NULL);
    ck_assert(!sf_notice_seen_before_start(&SHENYANG_CALLER, &region));
    ck_assert_str_eq(region, "210100");   /* its own city-level rounds' notices */
    const sf_caller *blind[] = {&ASSOCIATION_CALLER, &COMPANY_CALLER};
    for (size_t k = 0; k < 2; k++) {
        region = "x";
        ck_assert(!sf_notice_seen_before_start(blind[k], &region) && region == NULL);
    }
    sf_caller assessor = {.user_id = 12, .org_id = 12, .role = SF_ROLE_ASSESSOR}, nobody = {0};
    ck_assert(!sf_notice_seen_before_start(&assessor, &region) && region == NULL);
    ck_assert(!sf_notice_seen_before_start(&nobody, &region) && region == NULL);
}
END_TEST

/* Art. 19, 21: a titled platform's name, operator and functions change only by the province,
 * which never adds a function; under review, the identity is fixed for everyone. */
START_TEST(a_titled_platforms_facts_and_who_may_change_them)
{
    sf_function_set training = sf_function_bit("training"), financing = sf_function_bit("financing");
    ck_assert(training && financing && training != financing);
    ck_assert_uint_eq(sf_function_bit("lending"), 0);
    sf_platform_standing free_ = {0, 0, training}, titled = {0, 1, training | financing},
                         review = {1, 0, training};
    sf_platform_change name = {.name = 1}, add = {.functions_given = 1, .functions = training | financing},
                       add_to_titled = {.functions_given = 1, .functions = training | financing | sf_function_bit("technology")},
                       withdraw = {.functions_given = 1, .functions = training},
                       same = {.functions_given = 1, .functions = training | financing};
    sf_errors e;
#define MAY(caller, st, ch, expected)                                             \
    sf_errors_init(&e);                                                           \
    ck_assert_int_eq(sf_platform_may_change(caller, st, ch, &e), expected)
    MAY(&SHENYANG_CALLER, &free_, &name, SF_OK);
    MAY(&SHENYANG_CALLER, &free_, &add, SF_OK);
    MAY(&SHENYANG_CALLER, &titled, &name, SF_CONFLICT);
    ck_assert_str_eq(e.items[0].field, "name");
    MAY(&SHENYANG_CALLER, &titled, &withdraw, SF_CONFLICT);
    MAY(&SHENYANG_CALLER, &titled, &same, SF_OK);
    MAY(&PROVINCE_CALLER, &titled, &name, SF_OK);
    MAY(&PROVINCE_CALLER, &titled, &withdraw, SF_OK);
    MAY(&PROVINCE_CALLER, &titled, &add_to_titled, SF_CONFLICT);
    ck_assert_ptr_nonnull(strstr(en_msg(&e.items[0]), "technology"));
    MAY(&PROVINCE_CALLER, &review, &name, SF_CONFLICT);
    MAY(&SHENYANG_CALLER, &review, &add, SF_OK);
#undef MAY
}
END_TEST

/* Issue 14, item 10: the one check for hidden characters in names, at the edges of each range. */
START_TEST(names_with_control_or_bidi_characters_are_refused)
{
    static const struct {
        const char *text;
        int hidden;
    } cases[] = {
        {"沈阳市中小企业公共服务平台", 0}, {"Plain name (2026) - A/B", 0}, {"", 0},
        {"tab\there", 1}, {"cr\rhere", 1}, {"lf\nhere", 1}, {"\x01", 1}, {"\x1f", 1}, {" ", 0}, {"~", 0},
        {"del\x7f", 1},
        {"\xc2\x7f", 1},                 /* (not UTF-8; DEL all the same) */
        {"\xc2\x80", 1}, {"\xc2\x9f", 1}, {"\xc2\xa0", 0},          /* U+0080, U+009F; U+00A0 */
        {"\xe2\x80\xa9", 1}, {"\xe2\x80\xaa", 1}, {"invoice\xe2\x80\xae" "fdp.exe", 1}, {"\xe2\x80\xae", 1},
        {"\xe2\x80\xaf", 0},                                         /* U+2029, U+202A, U+202E, U+202F */
        {"\xe2\x81\xa5", 0}, {"\xe2\x81\xa6", 1}, {"\xe2\x81\xa9", 1}, {"\xe2\x81\xaa", 0}, /* U+2065–U+206A */
        {"\xe2\x80\x8d", 0}, {"a\xe2\x80\x8e", 1}, {"\xe2\x80\x8f" "b", 1}, {"\xe2\x80\x90", 0}, /* U+200D–U+2010 */
        {"\xd8\x9b", 0}, {"\xd8\x9c", 1}, {"\xd8\x9d", 0},          /* U+061B–U+061D */
        {"\xe2\x80\xa7", 0}, {"line\xe2\x80\xa8" "break", 1},     /* U+2027, U+2028 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(sf_text_has_hidden_controls(cases[i].text) == cases[i].hidden, "case %zu", i);
    /* a text of several lines keeps its line breaks and tabs, never the rest */
    ck_assert(!sf_text_lines_have_hidden_controls("第一行\n第二行\r\n\t第三行\xe2\x80\xa8"));
    ck_assert(sf_text_lines_have_hidden_controls("第一行\n\xe2\x80\xae第二行"));
    ck_assert(sf_text_lines_have_hidden_controls("a\x01b"));
    ck_assert(sf_text_lines_have_hidden_controls("a\xc2\x85"));   /* U+0085, C1 */
    /* text that shows nothing */
    static const struct {
        const char *text;
        int blank;
    } shows[] = {
        {"", 1}, {" ", 1}, {" \t ", 1}, {"\xc2\xa0", 1}, {"\xe3\x80\x80", 1}, {"\xe2\x80\x8b", 1},   /* NBSP, U+3000, ZWSP */
        {"\xef\xbb\xbf", 1}, {"\xe2\x81\xa0", 1}, {"\xcc\x81", 1}, {"\xe2\x80\x80\xe2\x80\x8a", 1}, /* BOM, WJ, U+0301, U+2000 U+200A */
        {"\xe3\x80\x80平台", 0}, {"a", 0}, {"\xcc\x81" "e", 0}, {"\xe2\x80\x8e", 0},   /* an LRM is hidden, not blank */
        {"_", 0}, {"\xe3\x80\x81", 0},                                                       /* U+3001, a comma */
        {"\xe3\x85\xa4", 1}, {"\xc2\xad", 1}, {"\xe2\xa0\x80", 1}, {"\xef\xb8\x8f", 1},     /* U+3164, U+00AD, U+2800, U+FE0F */
        {"\xe2\x98\x85\xef\xb8\x8f", 0},                                                 /* a star with its selector */
    };
    for (size_t i = 0; i < sizeof shows / sizeof *shows; i++)
        ck_assert_msg(sf_text_is_blank(shows[i].text) == shows[i].blank, "blank case %zu", i);
    /* used by the organisation and user checks */
    sf_errors e;
    sf_errors_init(&e);
    char region[7];
    sf_new_organization org = {SF_ROLE_ASSOCIATION, "协会\xe2\x80\xae名称", NULL};
    sf_organization_validate(&org, region, &e);
    ck_assert(sf_errors_any(&e));
}
END_TEST

/* ---- records of the past (issue 15) ---- */

START_TEST(recorded_rounds_and_titles_state_a_possible_past)
{
    sf_day today = sf_day_from_ymd(2026, 12, 4);
    sf_errors e;
    sf_errors_init(&e);
    sf_record_round_check(2006, today, &e);
    sf_record_round_check(2026, today, &e);
    ck_assert(!sf_errors_any(&e));
    sf_record_round_check(2005, today, &e);
    sf_record_round_check(2027, today, &e);
    ck_assert_uint_eq(e.count, 2);

    sf_recorded_title t = {sf_day_from_ymd(2019, 12, 20), sf_day_from_ymd(2019, 12, 20), sf_day_from_ymd(2022, 12, 31),
                           1, SF_RECORDED_EXPIRED, 0, NULL};
    sf_errors_init(&e);
    sf_record_title_check(&t, today, &e);
    ck_assert(!sf_errors_any(&e));
    /* validity backwards; awarded in the future */
    t.valid_until = sf_day_from_ymd(2019, 1, 1);
    t.awarded_on = sf_day_from_ymd(2026, 12, 5);
    sf_record_title_check(&t, today, &e);
    ck_assert_uint_eq(e.count, 2);
    ck_assert_str_eq(e.items[0].field, "awarded_on");
    ck_assert_str_eq(e.items[1].field, "valid_until");
    /* a revoked title names its date and ground; another status names neither */
    sf_recorded_title r = {sf_day_from_ymd(2019, 12, 20), sf_day_from_ymd(2019, 12, 20), sf_day_from_ymd(2022, 12, 31),
                           1, SF_RECORDED_REVOKED, 0, NULL};
    sf_errors_init(&e);
    sf_record_title_check(&r, today, &e);
    ck_assert_uint_eq(e.count, 2);
    r.revoked_on = sf_day_from_ymd(2019, 12, 19);   /* before the award */
    r.revocation_reason = "violation";
    sf_errors_init(&e);
    sf_record_title_check(&r, today, &e);
    ck_assert_uint_eq(e.count, 1);
    ck_assert_str_eq(e.items[0].field, "revoked_on");
    r.revoked_on = sf_day_from_ymd(2021, 6, 30);
    r.revocation_reason = "other";   /* a ground of the older measures stays as it was */
    sf_errors_init(&e);
    sf_record_title_check(&r, today, &e);
    ck_assert(!sf_errors_any(&e));
    r.status = SF_RECORDED_ACTIVE;
    sf_record_title_check(&r, today, &e);
    ck_assert_uint_eq(e.count, 2);

    sf_recorded_status st;
    ck_assert(sf_recorded_status_parse("revoked", &st) && st == SF_RECORDED_REVOKED);
    ck_assert(!sf_recorded_status_parse("revocation_pending", &st));
    /* a stated date may be today, never tomorrow */
    sf_errors_init(&e);
    sf_record_date_check("received_on", today, today, &e);
    ck_assert(!sf_errors_any(&e));
    sf_record_date_check("received_on", today + 1, today, &e);
    ck_assert_uint_eq(e.count, 1);
    /* a recorded round takes no applications */
    sf_errors_init(&e);
    ck_assert_int_eq(sf_round_takes_applications(0, &e), SF_OK);
    ck_assert_int_eq(sf_round_takes_applications(1, &e), SF_CONFLICT);
}
END_TEST

START_TEST(a_certificate_numbers_sequence_is_its_trailing_digits)
{
    ck_assert_int_eq(sf_certificate_seq("LNSME-2019-007"), 7);
    ck_assert_int_eq(sf_certificate_seq("LNSME-210100-2026-123"), 123);
    ck_assert_int_eq(sf_certificate_seq("辽中小示范〔2023〕012"), 12);
    ck_assert_int_eq(sf_certificate_seq("辽工信示范〔2019〕第12号"), 0);
    ck_assert_int_eq(sf_certificate_seq("A-000"), 0);
    ck_assert_int_eq(sf_certificate_seq("1234567890123"), 567890123);   /* the last nine */
    ck_assert_int_eq(sf_certificate_seq(""), 0);
}
END_TEST

static Suite *domain_suite(void)
{
    Suite *s = suite_create("domain");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, cities_are_the_fourteen_of_liaoning);
    tcase_add_test(tc, role_names_round_trip);
    tcase_add_test(tc, only_the_province_manages_accounts);
    tcase_add_test(tc, supervisor_reads_but_never_writes);
    tcase_add_test(tc, statistics_are_read_by_province_supervisor_and_cities);
    tcase_add_test(tc, a_city_needs_one_of_the_fourteen_codes);
    tcase_add_test(tc, provincial_bodies_belong_to_the_province);
    tcase_add_test(tc, organisation_names_are_bounded);
    tcase_add_test(tc, usernames_at_their_bounds);
    tcase_add_test(tc, passwords_at_their_bounds);
    tcase_add_test(tc, user_validation_reports_every_field_at_once);
    tcase_add_test(tc, the_password_policy_refuses_short_named_and_common_passwords);
    tcase_add_test(tc, a_user_patch_is_checked);
    tcase_add_test(tc, utf8_is_checked_strictly);
    tcase_add_test(tc, password_hash_verifies_and_rejects);
    tcase_add_test(tc, pbkdf2_equals_openssls_at_every_key_length_and_count);
    tcase_add_test(tc, each_hash_has_its_own_16_byte_salt_and_the_foundation_cost);
    tcase_add_test(tc, the_dummy_verification_does_the_same_hashing_work);
    tcase_add_test(tc, a_files_bytes_and_its_name_must_agree);
    tcase_add_test(tc, malformed_hashes_never_match);
    tcase_add_test(tc, field_errors_are_bounded);
    tcase_add_test(tc, every_code_has_both_texts_and_only_its_parameters);
    tcase_add_test(tc, accept_language_chooses_zh_cn_unless_english_is_preferred);
    tcase_add_test(tc, messages_are_rendered_in_either_language);
    tcase_add_test(tc, eligibility_checks_carry_code_threshold_value_and_unit);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    TCase *measures = tcase_create("measures");
    tcase_add_test(measures, credit_code_check_character);
    tcase_add_test(measures, dates_parse_strictly);
    tcase_add_test(measures, publicity_across_national_day_2024);
    tcase_add_test(measures, a_published_window_stands_only_on_its_15th_working_day);
    tcase_add_test(measures, publicity_across_spring_festival_2024_ends_on_29_february);
    tcase_add_test(measures, a_year_without_calendar_is_named);
    tcase_add_test(measures, a_complete_report_is_eligible);
    tcase_add_test(measures, a_verdict_holds_nothing_of_the_memory_it_was_written_into);
    tcase_add_test(measures, condition_12_1_at_its_bounds);
    tcase_add_test(measures, condition_12_2_at_its_bounds);
    tcase_add_test(measures, conditions_12_3_to_12_6_at_their_bounds);
    tcase_add_test(measures, relaxation_lowers_scale_not_ratios);
    tcase_add_test(measures, functions_at_their_bounds);
    tcase_add_test(measures, financing_has_two_routes);
    tcase_add_test(measures, a_round_with_its_own_thresholds);
    tcase_add_test(measures, the_thresholds_are_one_table);
    tcase_add_test(measures, steady_growth_of_12_2_at_its_bounds);
    tcase_add_test(measures, condition_12_4_is_a_rule_of_the_round);
    tcase_add_test(measures, relaxed_thresholds_are_set_outright_for_relaxed_regions);
    tcase_add_test(measures, materials_follow_the_rounds_prior_recognition_rule);
    tcase_add_test(measures, validity_under_both_rules_across_29_february);
    tcase_add_test(measures, who_opens_a_round_and_its_rules);
    tcase_add_test(measures, relaxed_thresholds_only_for_12_1_12_2_12_3_and_12_6);
    tcase_add_test(measures, every_transition_of_the_table);
    tcase_add_test(measures, the_quota_at_its_bound);
    tcase_add_test(measures, annual_summaries_are_due_on_31_january);
    tcase_add_test(measures, city_reports_are_due_at_the_end_of_february);
    tcase_add_test(measures, validity_of_a_first_award_and_a_renewal);
    tcase_add_test(measures, reapplying_only_in_the_year_of_expiry);
    tcase_add_test(measures, each_revocation_ground_with_and_without_what_it_requires);
    tcase_add_test(measures, a_failed_assessment_ground_names_a_failed_assessment_of_this_title);
    tcase_add_test(measures, revocation_by_status_and_authority);
    tcase_add_test(measures, reinstatement_needs_a_later_passed_assessment_commissioned_by_the_province);
    tcase_add_test(measures, award_statuses_parse_by_name);
    tcase_add_test(measures, names_with_control_or_bidi_characters_are_refused);
    suite_add_tcase(s, measures);
    TCase *transitions = tcase_create("transitions");
    tcase_add_test(transitions, an_inspection_opens_or_closes_a_rectification);
    tcase_add_test(transitions, a_report_of_a_year_is_received_from_its_first_day);
    tcase_add_test(transitions, an_assessment_is_due_today_or_later);
    tcase_add_test(transitions, whose_city_reports_a_caller_records);
    tcase_add_test(transitions, a_titles_supervision_falls_within_its_life);
    tcase_add_test(transitions, a_titles_standing_at_the_thresholds_bounds);
    tcase_add_test(transitions, an_official_notice_agrees_with_the_adjacent_year);
    tcase_add_test(transitions, the_province_is_asked_for_next_year_from_1_november);
    tcase_add_test(transitions, each_decision_in_every_state);
    tcase_add_test(transitions, sf_decide_is_each_events_own_decision);
    tcase_add_test(transitions, each_decision_by_the_wrong_party_is_forbidden);
    tcase_add_test(transitions, award_on_the_last_publicity_day_and_the_day_after);
    tcase_add_test(transitions, recommend_lists_every_missing_item_and_keeps_to_the_round);
    tcase_add_test(transitions, a_rejection_or_a_return_says_why);
    tcase_add_test(transitions, a_notice_starts_today_or_was_published_elsewhere);
    tcase_add_test(transitions, a_notice_begins_on_the_day_of_review_at_the_earliest);
    tcase_add_test(transitions, a_city_registers_in_its_own_region_only);
    tcase_add_test(transitions, an_operator_is_established_today_at_the_latest);
    tcase_add_test(transitions, a_titled_platforms_facts_and_who_may_change_them);
    tcase_add_test(transitions, a_notice_is_seen_before_its_start_only_by_its_authority);
    tcase_add_test(transitions, a_platform_opens_its_application_in_an_open_round);
    tcase_add_test(transitions, a_platform_submits_its_own_application_and_its_recommender_returns_it);
    tcase_add_test(transitions, who_writes_which_part_of_an_application);
    tcase_add_test(transitions, a_platform_names_its_city_or_an_association);
    tcase_add_test(transitions, a_titles_allowed_actions_follow_its_decisions);
    tcase_add_test(transitions, a_revoked_title_takes_a_summary_received_while_it_was_in_force);
    tcase_add_test(transitions, notices_and_objections_allowed_actions_follow_their_decisions);
    tcase_add_test(transitions, recorded_rounds_and_titles_state_a_possible_past);
    tcase_add_test(transitions, a_certificate_numbers_sequence_is_its_trailing_digits);
    suite_add_tcase(s, transitions);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(domain_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
