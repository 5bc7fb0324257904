/*
 * YAML to JSON for the OpenAPI document (see openapi.h), with libyaml's document API.
 */
#include "api/openapi.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <yaml.h>

#include "api/json_input.h"
#include "api/server.h"
#include "api/views.h"

extern const unsigned char sf_openapi_yaml[];
extern const unsigned long sf_openapi_yaml_len;

/* The served JSON text, made by the first GET /v1/openapi.json (sf_openapi_json): most
 * processes never serve it, and it is 430 kB. */
static pthread_mutex_t served_lock = PTHREAD_MUTEX_INITIALIZER;
static char *served;
static size_t served_len;
/* Per route (sf_routes' order): the query parameters its operation declares, as
 * " name name " (NULL: the contract has no such operation, and nothing is checked), and
 * those of them that are booleans, the same way. */
static char **declared_query;
static char **boolean_query;
static size_t declared_routes;

static json_t *scalar_to_json(const yaml_node_t *node)
{
    const char *s = (const char *)node->data.scalar.value;
    size_t len = node->data.scalar.length;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(s, len);
    if (strcmp(s, "true") == 0)
        return json_true();
    if (strcmp(s, "false") == 0)
        return json_false();
    if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || len == 0)
        return json_null();
    char *end;
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*end == '\0' && errno == 0)
        return json_integer(i);
    double d = strtod(s, &end);
    if (*end == '\0' && errno == 0 && strspn(s, "+-0123456789.eE") == len)
        return json_real(d);
    return json_stringn(s, len);
}

static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (node == NULL || depth > 64)
        return NULL;
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return scalar_to_json(node);
    case YAML_SEQUENCE_NODE: {
        json_t *arr = json_array();
        for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
            json_t *v = node_to_json(doc, yaml_document_get_node(doc, *it), depth + 1);
            if (v == NULL || json_array_append_new(arr, v) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    case YAML_MAPPING_NODE: {
        json_t *obj = json_object();
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            json_t *v = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (k == NULL || k->type != YAML_SCALAR_NODE || v == NULL ||
                json_object_set_new(obj, (const char *)k->data.scalar.value, v) != 0) {
                json_decref(v);
                json_decref(obj);
                return NULL;
            }
        }
        return obj;
    }
    default:
        return NULL;
    }
}

json_t *sf_yaml_to_json(const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    json_t *result = NULL;
    if (!yaml_parser_initialize(&parser))
        return NULL;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (yaml_parser_load(&parser, &doc)) {
        result = node_to_json(&doc, yaml_document_get_root_node(&doc), 0);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return result;
}

/* Whether the contract's path `key` is the route pattern `route`, segment by segment: a
 * "{name}" segment matches a ":name" one, every other must be equal. (A character-wise walk
 * took "/v1/rounds/{id}" for anything but "/v1/rounds/:id", whose last characters differ: the
 * query parameters of every route ending in a variable were never found, and every name passed.) */
static int same_path(const char *key, const char *route)
{
    for (;;) {
        size_t k = strcspn(key, "/"), r = strcspn(route, "/");
        int variable = k > 0 && key[0] == '{' && r > 0 && route[0] == ':';
        if (!variable && (k != r || strncmp(key, route, k) != 0))
            return 0;
        key += k;
        route += r;
        if (*key == '\0' || *route == '\0')
            return *key == *route;
        key++;   /* both at a '/' */
        route++;
    }
}

/* The contract's path item for a route pattern. */
static json_t *path_item(json_t *doc, const char *route)
{
    const char *key;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), key, item)
        if (same_path(key, route))
            return item;
    return NULL;
}

/* Whether a parameter's schema is a boolean: `type: boolean`, or the strings 'true' and 'false'. */
static int boolean_schema(json_t *schema)
{
    json_t *values = json_object_get(schema, "enum");
    const char *type = json_string_value(json_object_get(schema, "type"));
    return (type != NULL && strcmp(type, "boolean") == 0) ||
           (json_array_size(values) == 2 && json_is_string(json_array_get(values, 0)) &&
            json_is_string(json_array_get(values, 1)) &&
            ((strcmp(json_string_value(json_array_get(values, 0)), "true") == 0 &&
              strcmp(json_string_value(json_array_get(values, 1)), "false") == 0) ||
             (strcmp(json_string_value(json_array_get(values, 0)), "false") == 0 &&
              strcmp(json_string_value(json_array_get(values, 1)), "true") == 0)));
}

static void add_query_names(json_t *doc, json_t *params, sf_buf *out, sf_buf *booleans)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p) {
        const char *ref = json_string_value(json_object_get(p, "$ref"));
        if (ref != NULL && strncmp(ref, "#/components/parameters/", 24) == 0)
            p = json_object_get(json_object_get(json_object_get(doc, "components"), "parameters"), ref + 24);
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *name = json_string_value(json_object_get(p, "name"));
        if (in == NULL || name == NULL || strcmp(in, "query") != 0)
            continue;
        sf_buf_printf(out, "%s ", name);
        if (boolean_schema(json_object_get(p, "schema")))
            sf_buf_printf(booleans, "%s ", name);
    }
}

/* Fills declared_query from the contract: what ?parameters each route takes. */
static int declare_queries(json_t *doc)
{
    declared_routes = sf_route_count();
    declared_query = calloc(declared_routes ? declared_routes : 1, sizeof *declared_query);
    boolean_query = calloc(declared_routes ? declared_routes : 1, sizeof *boolean_query);
    if (declared_query == NULL || boolean_query == NULL)
        return -1;
    for (size_t r = 0; r < declared_routes; r++) {
        json_t *item = path_item(doc, sf_routes[r].path);
        char method[16];
        size_t k = 0;
        for (; sf_routes[r].method[k] && k + 1 < sizeof method; k++)
            method[k] = (char)(sf_routes[r].method[k] | 0x20);
        method[k] = '\0';
        json_t *op = json_object_get(item, method);
        if (op == NULL)
            continue;
        sf_buf names = {0}, booleans = {0};
        sf_buf_add(&names, " ", 1);
        sf_buf_add(&booleans, " ", 1);
        add_query_names(doc, json_object_get(item, "parameters"), &names, &booleans);
        add_query_names(doc, json_object_get(op, "parameters"), &names, &booleans);
        sf_buf_add(&names, "", 1);
        sf_buf_add(&booleans, "", 1);
        declared_query[r] = names.data;
        boolean_query[r] = booleans.data;
        if (names.failed || booleans.failed)
            return -1;   /* sf_openapi_free frees what was made */
    }
    return 0;
}

/* Whether the list " name name " holds the `len` bytes at `name`. */
static int listed(const char *list, const char *name, size_t len)
{
    for (const char *p = list + 1; *p; p += strcspn(p, " ") + 1)
        if (strncmp(p, name, len) == 0 && p[len] == ' ')
            return 1;
    return 0;
}

int sf_openapi_query_declared(size_t route, const char *name, size_t len)
{
    if (route >= declared_routes || declared_query == NULL || declared_query[route] == NULL)
        return 1;
    return listed(declared_query[route], name, len);
}

int sf_openapi_query_boolean(size_t route, const char *name, size_t len)
{
    if (route >= declared_routes || boolean_query == NULL || boolean_query[route] == NULL)
        return 0;
    return listed(boolean_query[route], name, len);
}

/* Whether the addresses [start, end) lie in one mapping of a file (by /proc/self/maps): after
 * MADV_DONTNEED its pages are read again from the file. (A binary whose segments a loader
 * copied into anonymous memory would get them back zero-filled.) 0 when it cannot be told. */
static int in_file_mapping(uintptr_t start, uintptr_t end)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL)
        return 0;
    char line[512];
    int file = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long low, high, inode;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &low, &high, &inode) == 3 && low <= start && start < high) {
            file = inode != 0 && end <= high;
            break;
        }
    }
    fclose(maps);
    return file;
}

/* The embedded YAML's pages go back to the kernel: read at start and then only by the first
 * GET /v1/openapi.json, they are half a megabyte of the binary's that would otherwise stay
 * resident. Only the pages wholly inside the text are named, and only when they are the
 * binary file's: they are read again from it if they are needed, as they were. (MADV_PAGEOUT,
 * which never changes what pages hold, left them resident here: the file's folios are larger
 * than the text's pages.) */
static void yaml_pages_out(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)sf_openapi_yaml + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)sf_openapi_yaml + sf_openapi_yaml_len) & ~(page - 1);
    if (page > 1 && end > start && in_file_mapping(start, end))
        (void)madvise((void *)start, end - start, MADV_DONTNEED);
}

int sf_openapi_init(void)
{
    json_t *doc = sf_yaml_to_json((const char *)sf_openapi_yaml, sf_openapi_yaml_len);
    if (doc == NULL)
        return -1;
    int declared = declare_queries(doc);
    json_decref(doc);
    yaml_pages_out();
    if (declared != 0) {
        sf_openapi_free();
        return -1;
    }
    return 0;
}

void sf_openapi_free(void)
{
    pthread_mutex_lock(&served_lock);
    free(served);
    served = NULL;
    served_len = 0;
    pthread_mutex_unlock(&served_lock);
    for (size_t r = 0; r < declared_routes; r++) {
        if (declared_query != NULL)
            free(declared_query[r]);
        if (boolean_query != NULL)
            free(boolean_query[r]);
    }
    free(declared_query);
    free(boolean_query);
    declared_query = NULL;
    boolean_query = NULL;
    declared_routes = 0;
}

const char *sf_openapi_json(size_t *len)
{
    pthread_mutex_lock(&served_lock);
    if (served == NULL) {
        json_t *doc = sf_yaml_to_json((const char *)sf_openapi_yaml, sf_openapi_yaml_len);
        served = doc ? sf_json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        served_len = served ? strlen(served) : 0;
        yaml_pages_out();
    }
    *len = served_len;
    const char *text = served;
    pthread_mutex_unlock(&served_lock);
    return text;
}
