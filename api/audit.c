/*
 * The audit trail (Art. 25): its list and the verification of its hash chain, and the public
 * change feed read from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/json_input.h"
#include "api/problem.h"
#include "api/views.h"
#include "domain/calendar.h"
#include "persistence/audit.h"
#include "persistence/changes.h"

/* A date, or an RFC 3339 time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), each part in range. */
static int is_time(const char *s)
{
    sf_day d;
    if (s == NULL || sf_date_parse(s, &d))
        return 1;
    char date[11];
    int h, m, sec, n = 0;
    if (strlen(s) < 20 || strlen(s) > 35 || s[10] != 'T')
        return 0;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!sf_date_parse(date, &d) || sscanf(s + 11, "%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || n != 8 ||
        h > 23 || m > 59 || sec > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 9)
            return 0;
        p += digits;
    }
    if (strcmp(p, "Z") == 0)
        return 1;
    int oh, om;
    n = 0;
    return (*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 && p[6] == '\0' &&
           oh <= 23 && om <= 59;
}

void sf_list_audit(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    sf_page page;
    sf_page_read(ctx, &page, &e);
    sf_audit_filter f = {sf_param(ctx, "entity"), 0, 0, sf_param(ctx, "from"), sf_param(ctx, "to")};
    f.entity_id = sf_query_int(ctx, "entity_id", 1, INT64_MAX / 2, &e);
    f.actor = sf_query_int(ctx, "actor", 1, INT64_MAX / 2, &e);
    if (f.entity && (strlen(f.entity) > 40 || strspn(f.entity, "abcdefghijklmnopqrstuvwxyz_") != strlen(f.entity)))
        sf_errors_add(&e, "entity", SF_E_ENTITY_INVALID);
    if (!is_time(f.from))
        sf_errors_add(&e, "from", SF_E_NOT_DATE_OR_TIME);
    if (!is_time(f.to))
        sf_errors_add(&e, "to", SF_E_NOT_DATE_OR_TIME);
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items;
    int64_t next;
    sf_status status = sf_audit_list(ctx->app->pool, &f, page.after_id, page.limit, page.desc, &items, &next, sf_page_total(&page));
    sf_reply_page(ctx, status, items, next, &page);
}

void sf_get_audit_verify(sf_ctx *ctx)
{
    int ok;
    int64_t checked, first_broken;
    sf_status status = sf_audit_verify(ctx->app->pool, &ok, &checked, &first_broken);
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    sf_reply_json(ctx, 200, json_pack("{s:b, s:I, s:o}", "ok", ok, "checked", (json_int_t)checked, "first_broken",
                                      ok ? json_null() : json_integer(first_broken)));
}

/* GET /v1/public/changes?after=<cursor>: the registry's and the notices' changes in commit
 * order, for the portal back end to mirror them. The cursor is opaque to clients in spirit
 * but plain: the audit sequence number, which never skips or repeats. */
void sf_get_changes(sf_ctx *ctx)
{
    sf_errors e;
    sf_errors_init(&e);
    int64_t after = sf_query_int(ctx, "after", 0, INT64_MAX / 2, &e);
    int64_t limit = sf_param(ctx, "limit") ? sf_query_int(ctx, "limit", 1, 1000, &e) : 100;
    if (sf_reply_query_errors(ctx, &e))
        return;
    char *items = NULL;
    int64_t last = 0;
    sf_status status = sf_changes_after(ctx->app->pool, after, (int)limit, &items, &last);
    json_t *list = status == SF_OK ? sf_json_loads(items) : NULL;
    free(items);
    if (status == SF_OK && list == NULL)
        status = SF_INTERNAL;
    if (status != SF_OK) {
        sf_reply_status(ctx, status, SF_E_NONE, NULL);
        return;
    }
    /* an integer, as `after` and each item's `cursor` are (issue 13 §6) */
    sf_reply_json(ctx, 200, json_pack("{s:o, s:I}", "items", list, "next_cursor", (json_int_t)last));
}
