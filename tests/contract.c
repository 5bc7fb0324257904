/*
 * Checks HTTP answers against the OpenAPI document the server serves: the status is one the
 * operation declares, the content type is one declared for it, and the JSON body has the
 * declared shape (type, required, properties, additionalProperties: false — across allOf —,
 * items, enum, const, $ref, allOf/anyOf/oneOf). oneOf is checked as anyOf; formats, lengths
 * and patterns are not checked here.
 */
#include "tests/contract.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *doc;

void th_contract_load(const json_t *openapi)
{
    json_decref(doc);
    doc = json_deep_copy(openapi);
}

void th_contract_free(void)
{
    json_decref(doc);
    doc = NULL;
}

static json_t *resolve(json_t *schema)
{
    for (int depth = 0; depth < 16 && json_is_object(schema); depth++) {
        const char *ref = json_string_value(json_object_get(schema, "$ref"));
        if (ref == NULL || strncmp(ref, "#/", 2) != 0)
            return schema;
        json_t *node = doc;
        char part[128];
        for (const char *p = ref + 2; *p && node;) {
            size_t n = strcspn(p, "/");
            snprintf(part, sizeof part, "%.*s", (int)n, p);
            node = json_object_get(node, part);
            p += n + (p[n] == '/');
        }
        schema = node;
    }
    return schema;
}

static int type_is(const json_t *v, const char *t)
{
    if (strcmp(t, "object") == 0) return json_is_object(v);
    if (strcmp(t, "array") == 0) return json_is_array(v);
    if (strcmp(t, "string") == 0) return json_is_string(v);
    if (strcmp(t, "integer") == 0) return json_is_integer(v);
    if (strcmp(t, "number") == 0) return json_is_number(v);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
    if (strcmp(t, "null") == 0) return json_is_null(v);
    return 1;
}

static int check(json_t *schema, const json_t *v, const char *where, char *why, size_t len);

static int check_type(json_t *schema, const json_t *v, const char *where, char *why, size_t len)
{
    json_t *t = json_object_get(schema, "type");
    if (t == NULL)
        return 1;
    if (json_is_string(t)) {
        if (type_is(v, json_string_value(t)))
            return 1;
    } else {
        size_t i;
        json_t *one;
        json_array_foreach(t, i, one)
            if (type_is(v, json_string_value(one)))
                return 1;
    }
    snprintf(why, len, "%s: not of the declared type", where);
    return 0;
}

/* Whether `key` is declared by the schema or by any part of its allOf (resolved). */
static int declared(json_t *schema, const char *key, int depth)
{
    schema = resolve(schema);
    if (!json_is_object(schema) || depth > 8)
        return 0;
    if (json_object_get(json_object_get(schema, "properties"), key) != NULL)
        return 1;
    size_t i;
    json_t *part;
    json_array_foreach(json_object_get(schema, "allOf"), i, part)
        if (declared(part, key, depth + 1))
            return 1;
    return 0;
}

/* Whether the schema or a part of its allOf forbids undeclared members. */
static int closed(json_t *schema, int depth)
{
    schema = resolve(schema);
    if (!json_is_object(schema) || depth > 8)
        return 0;
    if (json_is_false(json_object_get(schema, "additionalProperties")))
        return 1;
    size_t i;
    json_t *part;
    json_array_foreach(json_object_get(schema, "allOf"), i, part)
        if (closed(part, depth + 1))
            return 1;
    return 0;
}

static int check(json_t *schema, const json_t *v, const char *where, char *why, size_t len)
{
    json_t *given = schema;
    schema = resolve(schema);
    if (given != NULL && schema == NULL) {
        snprintf(why, len, "%s: the contract's $ref does not resolve", where);
        return 0;
    }
    if (!json_is_object(schema))
        return 1;
    json_t *constant = json_object_get(schema, "const");
    if (constant != NULL && !json_equal(constant, (json_t *)(uintptr_t)v)) {
        snprintf(why, len, "%s: not the declared constant", where);
        return 0;
    }
    if (!check_type(schema, v, where, why, len))
        return 0;
    json_t *en = json_object_get(schema, "enum");
    if (json_is_array(en)) {
        int found = 0;
        size_t i;
        json_t *one;
        json_array_foreach(en, i, one)
            found = found || json_equal(one, (json_t *)(uintptr_t)v);
        if (!found) {
            snprintf(why, len, "%s: not one of the declared values", where);
            return 0;
        }
    }
    json_t *all = json_object_get(schema, "allOf");
    size_t i;
    json_t *sub;
    json_array_foreach(all, i, sub)
        if (!check(sub, v, where, why, len))
            return 0;
    json_t *any = json_object_get(schema, "anyOf") ? json_object_get(schema, "anyOf") : json_object_get(schema, "oneOf");
    if (json_is_array(any)) {
        int ok = 0;
        char scratch[256] = "no alternative";
        json_array_foreach(any, i, sub)
            ok = ok || check(sub, v, where, scratch, sizeof scratch);
        if (!ok) {
            snprintf(why, len, "%s: matches none of the alternatives (%s)", where, scratch);
            return 0;
        }
    }
    if (json_is_object(v)) {
        json_t *props = json_object_get(schema, "properties");
        json_t *req = json_object_get(schema, "required");
        json_array_foreach(req, i, sub) {
            const char *name = json_string_value(sub);
            if (name && json_object_get(v, name) == NULL) {
                snprintf(why, len, "%s: lacks the required %s", where, name);
                return 0;
            }
        }
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)(uintptr_t)v, key, value) {
            char inner[256];
            snprintf(inner, sizeof inner, "%s.%s", where, key);
            json_t *ps = json_object_get(props, key);
            if (ps != NULL) {
                if (!check(ps, value, inner, why, len))
                    return 0;
            } else if (closed(schema, 0) && !declared(schema, key, 0)) {
                snprintf(why, len, "%s: not declared", inner);
                return 0;
            } else if (json_is_object(json_object_get(schema, "additionalProperties"))) {
                if (!check(json_object_get(schema, "additionalProperties"), value, inner, why, len))
                    return 0;
            }
        }
    }
    if (json_is_array(v) && json_object_get(schema, "items")) {
        json_t *item;
        json_array_foreach((json_t *)(uintptr_t)v, i, item) {
            char inner[256];
            snprintf(inner, sizeof inner, "%s[%zu]", where, i);
            if (!check(json_object_get(schema, "items"), item, inner, why, len))
                return 0;
        }
    }
    return 1;
}

/* The path template of `path` (query dropped): "/v1/platforms/7" → "/v1/platforms/{id}". */
static json_t *find_path(const char *path)
{
    json_t *paths = json_object_get(doc, "paths");
    size_t plen = strcspn(path, "?");
    const char *key;
    json_t *item;
    json_object_foreach(paths, key, item) {
        const char *a = key, *b = path, *bend = path + plen;
        int ok = 1;
        while (ok && *a && b < bend) {
            if (*a == '{') {
                a += strcspn(a, "/");
                b += strcspn(b, "/?");
                if (b > bend) b = bend;
            } else {
                ok = *a == *b;
                a++;
                b++;
            }
        }
        if (ok && *a == '\0' && b == bend)
            return item;
    }
    return NULL;
}

int th_contract_check(const char *method, const char *path, int status, const char *content_type,
                      const char *body, size_t body_len, char *why, size_t len)
{
    /* CORS preflight is protocol, described in the document's conventions, not per path */
    if (doc == NULL || strcmp(method, "OPTIONS") == 0)
        return 1;
    json_t *item = find_path(path);
    if (item == NULL) {
        /* an unknown path: only the generic problems are expected (400: a malformed request,
         * two Content-Length headers, refused whatever its path) */
        return status == 404 || status == 405 || status == 401 || status == 413 || status == 400 ? 1
               : (snprintf(why, len, "%s %s is not in the contract", method, path), 0);
    }
    char m[16];
    size_t k = 0;
    for (; method[k] && k + 1 < sizeof m; k++)
        m[k] = (char)(method[k] | 0x20);
    m[k] = '\0';
    json_t *op = json_object_get(item, m);
    if (op == NULL && strcmp(m, "head") == 0)   /* every GET answers HEAD (the conventions) */
        op = json_object_get(item, "get");
    if (op == NULL)
        return status == 405 || status == 404 || status == 413 ? 1 : (snprintf(why, len, "%s %s: no such operation", method, path), 0);
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_t *response = resolve(json_object_get(json_object_get(op, "responses"), code));
    if (response == NULL) {
        snprintf(why, len, "%s %s answered %d, which the contract does not declare", method, path, status);
        return 0;
    }
    json_t *content = json_object_get(response, "content");
    if (content == NULL || body_len == 0)
        return 1;
    char ct[128];
    snprintf(ct, sizeof ct, "%.*s", (int)strcspn(content_type ? content_type : "", ";"), content_type ? content_type : "");
    json_t *media = json_object_get(content, ct);
    if (media == NULL && content_type != NULL)
        media = json_object_get(content, content_type);   /* declared with its parameters */
    if (media == NULL) {
        snprintf(why, len, "%s %s %d: content type %s is not declared", method, path, status, ct);
        return 0;
    }
    if (strstr(ct, "json") == NULL)
        return 1;
    json_t *value = json_loadb(body, body_len, 0, NULL);
    char where[160];
    snprintf(where, sizeof where, "%s %s %d body", method, path, status);
    int ok = value == NULL ? (snprintf(why, len, "%s: not JSON", where), 0)
                           : check(json_object_get(media, "schema"), value, where, why, len);
    json_decref(value);
    return ok;
}
