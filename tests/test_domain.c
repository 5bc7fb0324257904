/*
 * Unit tests of domain/: pure rules, checked at their boundaries.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/accounts.h"
#include "domain/password.h"
#include "domain/permissions.h"
#include "domain/regions.h"
#include "domain/status.h"

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
    tcase_add_test(tc, malformed_hashes_never_match);
    tcase_add_test(tc, field_errors_are_bounded);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
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
