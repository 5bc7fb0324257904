/*
 * Unit tests of domain/: pure rules, checked at their boundaries.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "domain/accounts.h"
#include "domain/awards.h"
#include "domain/calendar.h"
#include "domain/credit_code.h"
#include "domain/eligibility.h"
#include "domain/lifecycle.h"
#include "domain/materials.h"
#include "domain/password.h"
#include "domain/permissions.h"
#include "domain/regions.h"
#include "domain/status.h"
#include "domain/supervision.h"
#include "domain/text.h"
#include "tests/testutil.h"

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
    for (int r = SF_ROLE_PROVINCE; r <= SF_ROLE_SUPERVISOR; r++)
        ck_assert_int_eq(sf_role_parse(sf_role_name((sf_role)r)), r);
    ck_assert_int_eq(sf_role_parse("Province"), SF_ROLE_NONE);
    ck_assert_int_eq(sf_role_parse(""), SF_ROLE_NONE);
    ck_assert_int_eq(sf_role_parse(NULL), SF_ROLE_NONE);
    ck_assert_ptr_null(sf_role_name(SF_ROLE_NONE));
}
END_TEST

START_TEST(only_the_province_manages_accounts)
{
    ck_assert(sf_role_may(SF_ROLE_PROVINCE, SF_ACT_MANAGE_ORGANIZATIONS));
    ck_assert(sf_role_may(SF_ROLE_PROVINCE, SF_ACT_MANAGE_USERS));
    for (int r = SF_ROLE_CITY; r <= SF_ROLE_SUPERVISOR; r++) {
        ck_assert(!sf_role_may((sf_role)r, SF_ACT_MANAGE_ORGANIZATIONS));
        ck_assert(!sf_role_may((sf_role)r, SF_ACT_MANAGE_USERS));
    }
    ck_assert(!sf_role_may(SF_ROLE_NONE, SF_ACT_MANAGE_USERS));
}
END_TEST

START_TEST(supervisor_reads_but_never_writes)
{
    ck_assert(sf_role_may(SF_ROLE_SUPERVISOR, SF_ACT_READ_ORGANIZATIONS));
    ck_assert(sf_role_may(SF_ROLE_SUPERVISOR, SF_ACT_READ_SELF));
    ck_assert(!sf_role_may(SF_ROLE_CITY, SF_ACT_READ_ORGANIZATIONS));
    ck_assert(!sf_role_may(SF_ROLE_NONE, SF_ACT_READ_SELF));
    ck_assert(!sf_role_may(SF_ROLE_PROVINCE, SF_ACT__COUNT));
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

/* Issue 7, point 3: the stored form, parsed — a salt of at least 16 bytes drawn afresh for
 * each hash (the way api/users.c draws it), and the cost the foundation chose (600,000). */
START_TEST(each_hash_has_its_own_16_byte_salt_and_the_foundation_cost)
{
    char encoded[2][SF_PASSWORD_ENCODED_MAX];
    unsigned char salts[2][64];
    size_t salt_len[2], hash_len[2];
    for (int i = 0; i < 2; i++) {
        unsigned char salt[SF_PASSWORD_SALT_LEN];
        ck_assert_int_eq(sf_random_bytes(salt, sizeof salt), 0);
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
        sf_errors_add(&e, "f", "problem %d", i);
    ck_assert_uint_eq(e.count, SF_MAX_FIELD_ERRORS);
    ck_assert_uint_eq(e.dropped, 5);
    ck_assert_str_eq(e.items[3].message, "problem 3");
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
    sf_relaxation r = {relaxed_permille > 0, relaxed_permille > 0 ? relaxed_permille : 1000};
    sf_eligibility e;
    sf_eligibility_evaluate(f, &t, &r, D(opens ? opens : "2026-03-01"), &e);
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
    f.smes_served_prev_year = 80;
    ck_assert(COND(evaluate(&f, 0, NULL), 1).passed);            /* 80, and flat counts as steady */
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
        ck_assert_msg(COND(on, i).passed, "%s: %s", COND(on, i).id, COND(on, i).detail);
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
    sf_relaxation none = {0, 1000};
    sf_eligibility e;
    sf_eligibility_evaluate(&f, &t, &none, D("2026-03-01"), &e);
    ck_assert(!e.conditions[1].passed);
    ck_assert_ptr_nonnull(strstr(e.conditions[1].detail, "minimum 100"));
    f.smes_served_last_year = 100;
    f.satisfaction_pct = 85;
    sf_eligibility_evaluate(&f, &t, &none, D("2026-03-01"), &e);
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

/* ---- lifecycle ---- */

START_TEST(every_transition_of_the_table)
{
    struct { sf_app_state from; sf_app_event ev; sf_app_state to; } legal[] = {
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
    ck_assert_int_eq(legal_count, 9);
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

START_TEST(assessments_are_overdue_the_day_after)
{
    ck_assert(!sf_assessment_is_overdue(0, D("2026-06-30"), D("2026-06-30")));
    ck_assert(sf_assessment_is_overdue(0, D("2026-06-30"), D("2026-07-01")));
    ck_assert(!sf_assessment_is_overdue(1, D("2026-06-30"), D("2026-07-01")));
}
END_TEST

/* ---- awards ---- */

START_TEST(validity_of_a_first_award_and_a_renewal)
{
    sf_day from, until;
    sf_award_validity(D("2026-06-15"), 0, 0, &from, &until);
    ck_assert_int_eq(from, D("2026-06-15"));
    ck_assert_int_eq(until, D("2029-12-31"));
    /* the 2017 titles of the national scheme lapsed on 2020-12-31 */
    sf_award_validity(D("2017-11-30"), 0, 0, &from, &until);
    ck_assert_int_eq(until, D("2020-12-31"));
    /* a renewal awarded while the old title runs starts the day after it ends */
    sf_award_validity(D("2026-11-20"), D("2026-12-31"), 1, &from, &until);
    ck_assert_int_eq(from, D("2027-01-01"));
    ck_assert_int_eq(until, D("2029-12-31"));
    /* a previous title that already ended does not shift the start */
    sf_award_validity(D("2027-02-01"), D("2026-12-31"), 1, &from, &until);
    ck_assert_int_eq(from, D("2027-02-01"));
    ck_assert_int_eq(until, D("2030-12-31"));
    /* awarded on 29 February */
    sf_award_validity(D("2028-02-29"), 0, 0, &from, &until);
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

START_TEST(expiry_is_read_the_day_after_valid_until)
{
    sf_day until = D("2026-12-31");
    ck_assert_int_eq(sf_award_effective_status(SF_AWARD_ACTIVE, until, until), SF_AWARD_ACTIVE);
    ck_assert_int_eq(sf_award_effective_status(SF_AWARD_ACTIVE, until, until + 1), SF_AWARD_EXPIRED);
    ck_assert_int_eq(sf_award_effective_status(SF_AWARD_REVOKED, until, until + 1), SF_AWARD_REVOKED);
    ck_assert(sf_revocation_reason_is_valid("failed_assessment"));
    ck_assert(!sf_revocation_reason_is_valid("whim"));
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
        {"\xe2\x80\xa9", 0}, {"\xe2\x80\xaa", 1}, {"invoice\xe2\x80\xae" "fdp.exe", 1}, {"\xe2\x80\xae", 1},
        {"\xe2\x80\xaf", 0},                                         /* U+2029, U+202A, U+202E, U+202F */
        {"\xe2\x81\xa5", 0}, {"\xe2\x81\xa6", 1}, {"\xe2\x81\xa9", 1}, {"\xe2\x81\xaa", 0}, /* U+2065–U+206A */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(sf_text_has_hidden_controls(cases[i].text) == cases[i].hidden, "case %zu", i);
    /* used by the organisation and user checks */
    sf_errors e;
    sf_errors_init(&e);
    char region[7];
    sf_new_organization org = {SF_ROLE_ASSOCIATION, "协会\xe2\x80\xae名称", NULL};
    sf_organization_validate(&org, region, &e);
    ck_assert(sf_errors_any(&e));
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
    tcase_add_test(tc, a_city_needs_one_of_the_fourteen_codes);
    tcase_add_test(tc, provincial_bodies_belong_to_the_province);
    tcase_add_test(tc, organisation_names_are_bounded);
    tcase_add_test(tc, usernames_at_their_bounds);
    tcase_add_test(tc, passwords_at_their_bounds);
    tcase_add_test(tc, user_validation_reports_every_field_at_once);
    tcase_add_test(tc, utf8_is_checked_strictly);
    tcase_add_test(tc, password_hash_verifies_and_rejects);
    tcase_add_test(tc, each_hash_has_its_own_16_byte_salt_and_the_foundation_cost);
    tcase_add_test(tc, the_dummy_verification_does_the_same_hashing_work);
    tcase_add_test(tc, a_files_bytes_and_its_name_must_agree);
    tcase_add_test(tc, malformed_hashes_never_match);
    tcase_add_test(tc, field_errors_are_bounded);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    TCase *measures = tcase_create("measures");
    tcase_add_test(measures, credit_code_check_character);
    tcase_add_test(measures, dates_parse_strictly);
    tcase_add_test(measures, publicity_across_national_day_2024);
    tcase_add_test(measures, publicity_across_spring_festival_2024_ends_on_29_february);
    tcase_add_test(measures, a_year_without_calendar_is_named);
    tcase_add_test(measures, a_complete_report_is_eligible);
    tcase_add_test(measures, condition_12_1_at_its_bounds);
    tcase_add_test(measures, condition_12_2_at_its_bounds);
    tcase_add_test(measures, conditions_12_3_to_12_6_at_their_bounds);
    tcase_add_test(measures, relaxation_lowers_scale_not_ratios);
    tcase_add_test(measures, functions_at_their_bounds);
    tcase_add_test(measures, financing_has_two_routes);
    tcase_add_test(measures, a_round_with_its_own_thresholds);
    tcase_add_test(measures, every_transition_of_the_table);
    tcase_add_test(measures, the_quota_at_its_bound);
    tcase_add_test(measures, annual_summaries_are_due_on_31_january);
    tcase_add_test(measures, city_reports_are_due_at_the_end_of_february);
    tcase_add_test(measures, assessments_are_overdue_the_day_after);
    tcase_add_test(measures, validity_of_a_first_award_and_a_renewal);
    tcase_add_test(measures, reapplying_only_in_the_year_of_expiry);
    tcase_add_test(measures, expiry_is_read_the_day_after_valid_until);
    tcase_add_test(measures, names_with_control_or_bidi_characters_are_refused);
    suite_add_tcase(s, measures);
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
