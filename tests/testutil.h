/*
 * Helpers shared by the Check suites: a raw HTTP/1.1 client over loopback (so tests can send
 * exactly the bytes they mean, malformed ones included), starting and stopping the real
 * shifan binary, and reading the test database's connection string.
 */
#ifndef SF_TESTUTIL_H
#define SF_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "tests/hashutil.h"

typedef struct {
    int status;
    char *headers;      /* raw header block, "\r\n"-separated */
    char *body;         /* NUL-terminated */
    size_t body_len;
    json_t *json;       /* parsed body, or NULL if it is not JSON */
} th_response;

/* Sends a request to 127.0.0.1:port and reads the whole answer (Connection: close).
 * `extra_headers` is zero or more "Name: value\r\n" lines; `token`, if not NULL, becomes a
 * bearer Authorization header; a body is sent with Content-Type `content_type` (NULL: none).
 * Free with th_free. Returns NULL if the server cannot be reached. */
th_response *th_request(int port, const char *method, const char *path, const char *token,
                        const char *content_type, const char *body, size_t body_len,
                        const char *extra_headers);
/* The Accept-Language th_request sends unless extra_headers name one: "en" (the suites
 * match English words); NULL sends none, so the server answers in its default, zh-CN. */
extern const char *th_accept_language;
/* Contract checking: once th_contract_start has the document, every answer th_request
 * receives is checked against it and each misfit is kept; th_contract_misfits returns how
 * many, printing them. */
void th_contract_start(int port);
/* The first text in `body` that only an internal message would contain (SQL, a server
 * message, a path, a library's name), or NULL. Every answer of 400 or more that
 * th_request receives while checking is held to it (issue 7, point 8). */
const char *th_leaked_internals(const char *body);
size_t th_contract_misfits(void);
/* Whether an answer 201 to `method` on a path of route `pattern` (":id" segments match any
 * one) was seen while checking; each one was held to having a Location that answers. */
int th_created_seen(const char *method, const char *pattern);

/* Shorthand: a JSON body (or none) with a token (or none). */
th_response *th_json(int port, const char *method, const char *path, const char *token, const char *json);
/* GET /readyz until it answers `status` (5 s, times th_time_factor()); the last answer. */
th_response *th_readyz_becomes(int port, int status);
void th_free(th_response *r);

/* The value of header `name` in `r` (case-insensitive), copied into buf; NULL if absent. */
const char *th_header(const th_response *r, const char *name, char *buf, size_t len);
/* Issue 18, point 5: a resource answer is its own canonical text (JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_REAL_PRECISION(12), as api/views.c makes it) and its ETag the quoted
 * first 16 bytes, in hex, of the SHA-256 of the canonical text of the resource without the
 * members named in `extra` (NULL-ended; the caller's own, such as allowed_actions). */
void th_assert_canonical_tagged(const th_response *r, const char *const *extra);

/* A TCP connection to 127.0.0.1:port (30 s receive timeout, times th_time_factor), or -1;
 * to [::1]:port while th_ipv6 is set (a test of a server listening on ::1). */
int th_connect(int port);
extern int th_ipv6;

/* How much longer than usual the tests wait for the server: SHIFAN_TEST_TIME_FACTOR (1-100,
 * default 1), set by scripts/valgrind.sh, where the server runs tens of times slower. Only
 * waits and timeouts are scaled; no test passes or fails on how fast the server is. */
int th_time_factor(void);

/* Reads from `fd` until the peer closes it (or the receive timeout), into buf as a string;
 * the number of bytes read. */
size_t th_read_until_closed(int fd, char *buf, size_t size);

/* Runs `suite` in this process (the tests of a suite share its server and rows) and prints
 * Check's summary; the exit status for main. */
int th_run_suite(Suite *suite);
/* The same for a runner of several suites, with `setup` run before them all and `teardown`
 * after (either may be NULL): the suites share what setup made (one server, its users). */
int th_run_runner(SRunner *sr, void (*setup)(void), void (*teardown)(void));

/* Sleeps `ms` milliseconds times th_time_factor(). */
void th_pause_ms(long ms);

/* A free TCP port on 127.0.0.1. */
int th_free_port(void);

/* Environment variable `name`, or aborts the test run with a message. */
const char *th_env(const char *name);

typedef struct {
    pid_t pid;
    int port;
    char log_path[512];
} th_server;

/* Starts $SHIFAN_BIN with the given extra environment ("NAME=value" strings, NULL-ended)
 * and waits until /healthz answers. Returns 0, or -1. Its stderr goes to log_path. */
int th_server_start(th_server *server, const char *database_url, const char *data_dir, const char *const *env);
/* Sends SIGTERM and waits; returns the exit status (or -1 if it died of a signal). */
int th_server_stop(th_server *server);

/* Stops the server and returns its exit status; on a non-zero status prints the sanitizer
 * report from its log, if there is one, or else the end of the log (valgrind's report). */
int th_server_stop_reporting(th_server *server);

/* Reads a whole file into a NUL-terminated buffer; NULL on failure. */
char *th_read_file(const char *path);

#endif
