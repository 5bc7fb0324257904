/*
 * multipart/form-data (see multipart.h).
 */
#include "api/multipart.h"

#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70

static const unsigned char *find(const unsigned char *hay, size_t len, const char *needle, size_t nlen)
{
    if (nlen == 0 || len < nlen)
        return NULL;
    for (size_t i = 0; i + nlen <= len; i++) {
        const unsigned char *c = memchr(hay + i, needle[0], len - nlen - i + 1);
        if (c == NULL)
            return NULL;
        i = (size_t)(c - hay);
        if (memcmp(c, needle, nlen) == 0)
            return c;
    }
    return NULL;
}

int sf_multipart_is_form(const char *content_type)
{
    if (content_type == NULL)
        return 0;
    content_type += strspn(content_type, " \t");
    return strncasecmp(content_type, "multipart/form-data", 19) == 0 &&
           (content_type[19] == '\0' || content_type[19] == ';' || content_type[19] == ' ' || content_type[19] == '\t');
}

/* The value of parameter `name` in "type; a=b; name=\"v\"" (a quoted value without its
 * quotes), or NULL; its length in *vlen. Parameter names are case-insensitive. */
static const char *param(const char *p, const char *end, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (semi == NULL)
            return NULL;
        p = semi + 1;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(end - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == '=') {
            const char *v = p + nlen + 1;
            if (v < end && *v == '"') {
                const char *close = memchr(v + 1, '"', (size_t)(end - v - 1));
                if (close == NULL)
                    return NULL;
                *vlen = (size_t)(close - v - 1);
                return v + 1;
            }
            size_t n = 0;
            while (v + n < end && v[n] != ';' && v[n] != ' ' && v[n] != '\t')
                n++;
            *vlen = n;
            return v;
        }
    }
    return NULL;
}

/* Reads the part's headers [h, end): its form-data name and filename. 0, or -1. */
static int disposition(const unsigned char *h, const unsigned char *end, sf_part *name, sf_part *file_name)
{
    name->data = NULL;
    file_name->data = NULL;
    while (h < end) {
        const unsigned char *eol = find(h, (size_t)(end - h), "\r\n", 2);
        const unsigned char *line_end = eol ? eol : end;
        const char *line = (const char *)h;
        size_t llen = (size_t)(line_end - h);
        if (llen > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
            const char *v = line + 20, *vend = line + llen;
            while (v < vend && (*v == ' ' || *v == '\t'))
                v++;
            if ((size_t)(vend - v) < 9 || strncasecmp(v, "form-data", 9) != 0 || name->data != NULL)
                return -1;
            size_t n;
            const char *nv = param(v, vend, "name", &n);
            if (nv == NULL)
                return -1;
            *name = (sf_part){(const unsigned char *)nv, n};
            const char *fv = param(v, vend, "filename", &n);
            if (fv != NULL)
                *file_name = (sf_part){(const unsigned char *)fv, n};
        }
        h = eol ? eol + 2 : end;
    }
    return name->data != NULL ? 0 : -1;
}

static int name_is(const sf_part *name, const char *s)
{
    return name->len == strlen(s) && memcmp(name->data, s, name->len) == 0;
}

int sf_multipart_parse(const char *content_type, const unsigned char *body, size_t len, sf_upload_form *form,
                       sf_code *why)
{
    memset(form, 0, sizeof *form);
    size_t blen = 0;
    const char *ct_end = content_type ? content_type + strlen(content_type) : NULL;
    const char *b = sf_multipart_is_form(content_type) ? param(content_type, ct_end, "boundary", &blen) : NULL;
    if (b == NULL || blen < 1 || blen > BOUNDARY_MAX || b[blen - 1] == ' ') {
        *why = SF_E_MULTIPART_BOUNDARY_INVALID;
        return -1;
    }
    char delim[BOUNDARY_MAX + 5] = "\r\n--";   /* CRLF, "--", the boundary */
    memcpy(delim + 4, b, blen);
    size_t dlen = blen + 4;
    /* the first delimiter opens the body, or follows a preamble */
    const unsigned char *p;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
        p = body + dlen - 2;
    else if ((p = find(body, len, delim, dlen)) != NULL)
        p += dlen;
    else {
        *why = SF_E_MULTIPART_NO_OPENING;
        return -1;
    }
    const unsigned char *end = body + len;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break;   /* the close delimiter; an epilogue is ignored */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            *why = SF_E_MULTIPART_BAD_DELIMITER;
            return -1;
        }
        const unsigned char *headers = p + 2;
        const unsigned char *hend = find(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (hend == NULL || find(headers, hend > headers ? (size_t)(hend - headers) : 0, delim, dlen) != NULL) {
            *why = SF_E_MULTIPART_NO_HEADERS;
            return -1;
        }
        sf_part name, file_name;
        if (hend < headers || disposition(headers, hend, &name, &file_name) != 0) {
            *why = SF_E_MULTIPART_NO_NAME;
            return -1;
        }
        const unsigned char *content = hend + 4;
        const unsigned char *next = find(content, (size_t)(end - content), delim, dlen);
        if (next == NULL) {
            *why = SF_E_MULTIPART_NOT_CLOSED;
            return -1;
        }
        sf_part value = {content, (size_t)(next - content)};
        sf_part *slot = name_is(&name, "file")       ? &form->file
                        : name_is(&name, "kind")     ? &form->kind
                        : name_is(&name, "filename") ? &form->filename
                                                     : NULL;
        if (slot == NULL) {
            *why = SF_E_MULTIPART_UNKNOWN_PART;
            return -1;
        }
        if (slot->data != NULL) {
            *why = SF_E_MULTIPART_PART_TWICE;
            return -1;
        }
        *slot = value;
        if (slot == &form->file)
            form->file_name = file_name;
        p = next + dlen;
    }
    if (form->file.data == NULL) {
        *why = SF_E_MULTIPART_NO_FILE;
        return -1;
    }
    return 0;
}
