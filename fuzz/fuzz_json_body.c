/*
 * Harness: the JSON body of every route that takes one (each POST, PUT and PATCH of the route
 * table, api/routes.c, that is not a file upload). The first byte picks the route; the rest is
 * the body, sent as application/json to the route's real handler with a caller whose role may
 * take the route's action. Covers sf_json_body (strict parse, no duplicate keys, an object),
 * sf_json_only/sf_json_string/sf_json_int, and each resource's own validation (organisations,
 * users, rounds, platforms and their PATCH, applications and their report and recommendation
 * forms, reviews, calendar years, notices, objections, awards, supervision, API tokens,
 * login; one more value of the first byte, the route count, calls the PATCH validation of a
 * platform directly). There is no database: the pool never hands out a connection, so a
 * valid body ends in 503 where it would have been written. Oracle: no crash, leak or UB, and the answer is a
 * status a handler may give with a JSON (problem) body.
 *
 * The password hash (PBKDF2, 600,000 iterations: about a second under the sanitizers, by
 * design) is replaced in this harness only, by linking with --wrap: a valid user body would
 * otherwise be "an input slower than 1 s" for a reason that is the point of the hash. The
 * wrapper still reads the whole password, so a bad pointer to it is caught; the KDF itself is
 * tested in tests/test_domain.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/platform_input.h"
#include "domain/password.h"
#include "fuzz/fuzz.h"

int __wrap_sf_password_hash(const char *password, const unsigned char *salt, char *out);
void __wrap_sf_password_verify_dummy(const char *password);

int __wrap_sf_password_hash(const char *password, const unsigned char *salt, char *out)
{
    size_t n = strlen(password);
    snprintf(out, SF_PASSWORD_ENCODED_MAX, "$pbkdf2-sha256$1$%02x$%zu", salt[0], n);
    return 0;
}

void __wrap_sf_password_verify_dummy(const char *password)
{
    (void)strlen(password);
}

static const sf_route *routes[64];
static char paths[64][128];   /* each route's path with its variables filled in */
static size_t nroutes;

/* The route's path with ":id" as 1 and ":year" as 2026. */
static void fill_path(const char *pattern, char *out, size_t cap)
{
    size_t n = 0;
    while (*pattern && n + 8 < cap) {
        if (*pattern == ':') {
            size_t len = strcspn(pattern, "/");
            const char *value = strncmp(pattern, ":year", len) == 0 ? "2026" : "1";
            n += (size_t)snprintf(out + n, cap - n, "%s", value);
            pattern += len;
        } else {
            out[n++] = *pattern++;
        }
    }
    out[n] = '\0';
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (const sf_route *r = sf_routes; r->method != NULL && nroutes < 64; r++) {
        int body = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0;
        if (body && !r->upload) {
            fill_path(r->path, paths[nroutes], sizeof paths[nroutes]);
            routes[nroutes++] = r;
        }
    }
    fz_app();
    return 0;
}

static sf_role role_for(const sf_route *r)
{
    if (r->access == SF_PUBLIC)
        return SF_ROLE_NONE;
    for (int role = SF_ROLE_PROVINCE; role <= SF_ROLE_SUPERVISOR; role++)
        if (r->action < 0 || sf_role_may((sf_role)role, (sf_action)r->action))
            return (sf_role)role;
    return SF_ROLE_PROVINCE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || nroutes == 0)
        return 0;
    if (data[0] % (nroutes + 1) == nroutes) {
        /* PATCH /v1/platforms/:id reads the platform before its body, so with no database its
         * handler never gets there: its validation is called directly */
        json_t *body = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(body)) {
            sf_errors e;
            sf_errors_init(&e);
            sf_platform_fields f;
            char functions[128];
            sf_platform_fields_read(body, 1, &f, functions, sizeof functions, &e);
        }
        json_decref(body);
        return 0;
    }
    const sf_route *route = routes[data[0] % (nroutes + 1)];
    fz_request r;
    fz_request_init(&r, data + 1, size - 1);
    r.ctx.route = route;
    r.ctx.caller.role = role_for(route);
    if (r.ctx.caller.role == SF_ROLE_CITY)
        strcpy(r.ctx.caller.region_code, "210100");
    u_map_put(r.req.map_header, "Content-Type", "application/json");
    r.req.url_path = strdup(paths[data[0] % nroutes]);
    if (strstr(route->path, ":id") != NULL)
        u_map_put(r.req.map_url, "id", "1");
    if (strstr(route->path, ":year") != NULL)
        u_map_put(r.req.map_url, "year", "2026");
    route->handler(&r.ctx);
    if (getenv("FUZZ_DEBUG"))
        fprintf(stderr, "%s %s -> %ld %.*s\n", route->method, r.req.url_path, r.res.status,
                (int)r.res.binary_body_length, (const char *)r.res.binary_body);
    fz_check_answer(&r);
    fz_request_free(&r);
    return 0;
}
