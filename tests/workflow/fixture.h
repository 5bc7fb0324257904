/*
 * The shared fixture of the workflow suites (the files of tests/workflow/): one shifan server on the
 * workflow database, a logged-in user of each party, and the helpers that drive the
 * recognition. The suites run in one process, one after another (tests/test_workflow.c), and
 * build on what the earlier ones left: the province's round of the year, awards, notices.
 */
#ifndef SF_TESTS_WORKFLOW_FIXTURE_H
#define SF_TESTS_WORKFLOW_FIXTURE_H

#include <check.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <iconv.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/server.h"
#include "domain/calendar.h"
#include "domain/credit_code.h"
#include "domain/permissions.h"
#include "tests/contract.h"
#include "tests/testutil.h"

#define ADMIN_PASSWORD "province-password-for-tests"
#define USER_PASSWORD "a-long-user-password"

/* COMPANY operates the 沈阳 platforms whose operator's credit code is credit_code(COMPANY_SERIAL),
 * OTHER_COMPANY the 大连 ones of OTHER_COMPANY_SERIAL: platform companies, the applicants. */
enum { PROVINCE, SHENYANG, DALIAN, ASSOCIATION, SUPERVISOR, ASSESSOR_A, ASSESSOR_B, COMPANY, OTHER_COMPANY, NROLES };
#define COMPANY_SERIAL 990001
#define OTHER_COMPANY_SERIAL 990002

extern char *tokens[NROLES];
extern th_server server;
extern int port;
extern char data_dir[512];
extern long long round_id;
extern long long assessor_org[NROLES];
extern const char *REPORT;
extern const char *FORM;
extern const char *const KINDS[7];

th_response *req(int role, const char *method, const char *path, const char *body);
th_response *expect(int role, const char *method, const char *path, const char *body, int status);
long long expect_id(int role, const char *method, const char *path, const char *body, int status);
const char *str(th_response *r, const char *key);
int has_error(th_response *r, const char *field);
const char *error_code(th_response *r, const char *field);
void credit_code(char out[19], int serial);
char *wf_login(const char *user, const char *password);
void admin_sql(const char *sql);
void wf_setup(void);
void wf_teardown(void);
long long new_platform(int role, const char *name, const char *region, int serial);
long long new_application(int role, long long platform);
void upload(int role, long long app, const char *kind, int expected);
void fill(int role, long long app);
void act(int role, long long app, const char *action, const char *body, int status);
long long approved_application_of(int city, const char *name, int serial);
long long approved_application(const char *name, int serial);
void today_text(char out[11]);
void approved_back_on(long long app, const char *day);
long long notice(const char *start, long long app, int status);
long long dalian_award(const char *name, int serial);
long long dalian_title_since(const char *name, int serial, const char *since);
int inbox_has(int role, const char *kind, int *count);
long long sql_number(const char *sql);
/* Checks the stored detail of application `app` (of all when 0) against its assembly
 * (sql/042); answers how many were checked. Run after every write the fixture makes. */
int wf_details_as_assembled(long long app);
#define WF_METRICS_TOKEN "metrics-token-for-workflow-tests"
/* A metric's value in the /metrics of the server on `on_port`; -1 when absent. */
double wf_metric(int on_port, const char *name);
/* Waits (at most 5 s, else fails) until the public registry cache of the server on `on_port`
 * listens and has applied the notification of the registry's current version: the readiness
 * signal a test waits on instead of a sleep. */
void wf_registry_caught_up(int on_port);

/* The feature suites, in the order they run. */
Suite *wf_rounds_suite(void);
Suite *wf_platforms_suite(void);
Suite *wf_lifecycle_suite(void);
Suite *wf_supervision_suite(void);
Suite *wf_titles_suite(void);
Suite *wf_registry_suite(void);
Suite *wf_rules_suite(void);
Suite *wf_audit_suite(void);
Suite *wf_imports_suite(void);
Suite *wf_materials_suite(void);
Suite *wf_statistics_suite(void);
Suite *wf_applicants_suite(void);
Suite *wf_records_suite(void);
Suite *wf_scope_suite(void);

#endif
