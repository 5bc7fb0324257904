/*
 * multipart/form-data (see multipart.h).
 */
#include "api/multipart.h"

#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX SF_MULTIPART_BOUNDARY_MAX

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
    *name = *file_name = (sf_part){NULL, 0};
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
    if (b == NULL || blen < 1 || blen > BOUNDARY_MAX || b[blen - 1] == ' ' || memchr(b, '\r', blen) != NULL) {
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

/* ---- the same, as the bytes arrive ---- */

enum { S_PREAMBLE, S_AFTER_DELIM, S_HEADERS, S_CONTENT, S_DONE, S_REFUSED };
enum { A_START, A_DASH, A_SPACE, A_CR };   /* within what follows a delimiter */

int sf_multipart_stream_begin(sf_multipart_stream *s, const char *content_type, sf_multipart_sink sink, void *cls,
                              sf_code *why)
{
    memset(s, 0, sizeof *s);
    s->sink = sink;
    s->cls = cls;
    size_t blen = 0;
    const char *ct_end = content_type ? content_type + strlen(content_type) : NULL;
    const char *b = sf_multipart_is_form(content_type) ? param(content_type, ct_end, "boundary", &blen) : NULL;
    /* a header value holds no CR: the one CR of the delimiter is its first byte, which the
     * scan below relies on */
    if (b == NULL || blen < 1 || blen > BOUNDARY_MAX || b[blen - 1] == ' ' || memchr(b, '\r', blen) != NULL) {
        *why = s->why = SF_E_MULTIPART_BOUNDARY_INVALID;
        s->state = S_REFUSED;
        return -1;
    }
    memcpy(s->delim, "\r\n--", 4);
    memcpy(s->delim + 4, b, blen);
    s->dlen = blen + 4;
    /* the body reads as if it followed a CRLF: the opening delimiter may then be its first bytes */
    s->state = S_PREAMBLE;
    s->match = 2;
    return 0;
}

static void keep(sf_multipart_field *f, const unsigned char *data, size_t len)
{
    size_t room = f->len < SF_MULTIPART_FIELD_MAX ? SF_MULTIPART_FIELD_MAX - f->len : 0;
    if (room > 0)   /* past the end, not even a pointer to it may be formed */
        memcpy(f->value + f->len, data, len < room ? len : room);
    f->len += len;
}

/* Bytes of the part being read (or of the preamble, which are dropped). */
static int content(sf_multipart_stream *s, const unsigned char *data, size_t len)
{
    if (s->state != S_CONTENT || s->part < 0 || len == 0)
        return 0;
    if (s->part > 0) {
        keep(&s->fields[s->part], data, len);
        return 0;
    }
    s->file_len += len;
    return s->sink(s->cls, data, len);
}

static int refuse(sf_multipart_stream *s, sf_code why)
{
    s->why = why;
    s->state = S_REFUSED;
    return -1;
}

/* Looks for the delimiter in `d`: bytes that cannot begin it are content. Returns the bytes
 * consumed, which end with the delimiter when *found; -1 when the sink failed. */
static long scan(sf_multipart_stream *s, const unsigned char *d, size_t len, int *found)
{
    size_t i = 0;
    *found = 0;
    while (i < len) {
        if (s->match == 0) {
            const unsigned char *cr = memchr(d + i, '\r', len - i);
            size_t run = cr ? (size_t)(cr - (d + i)) : len - i;
            if (content(s, d + i, run) != 0)
                return -1;
            i += run;
            if (cr != NULL) {
                s->match = 1;
                i++;
            }
        } else if (d[i] == (unsigned char)s->delim[s->match]) {
            i++;
            if (++s->match == s->dlen) {
                s->match = 0;
                *found = 1;
                return (long)i;
            }
        } else {
            /* what was held back was content after all; d[i] is looked at again */
            if (content(s, (const unsigned char *)s->delim, s->match) != 0)
                return -1;
            s->match = 0;
        }
    }
    return (long)i;
}

/* A part's header section is complete in s->headers (its CRLF first, "\r\n\r\n" last). */
static int part_begins(sf_multipart_stream *s)
{
    size_t h = s->hlen - 4;   /* where "\r\n\r\n" begins */
    if (h >= 2 && find(s->headers + 2, h - 2, s->delim, s->dlen) != NULL)
        return refuse(s, SF_E_MULTIPART_NO_HEADERS);
    sf_part name, file_name;
    if (h < 2 || disposition(s->headers + 2, s->headers + h, &name, &file_name) != 0)
        return refuse(s, SF_E_MULTIPART_NO_NAME);
    s->part = name_is(&name, "file") ? 0 : name_is(&name, "kind") ? 1 : name_is(&name, "filename") ? 2 : -1;
    s->pending = SF_E_NONE;
    if (s->part < 0) {
        s->pending = SF_E_MULTIPART_UNKNOWN_PART;
    } else if (s->fields[s->part].sent) {
        s->pending = SF_E_MULTIPART_PART_TWICE;
        s->part = -1;
    } else if (s->part == 0 && file_name.data != NULL) {
        keep(&s->file_name, file_name.data, file_name.len);
        s->file_name.sent = 1;
    }
    s->state = S_CONTENT;
    return 0;
}

/* After a delimiter: "--" closes the body; otherwise optional blanks and a CRLF open a part. */
static int after_delimiter(sf_multipart_stream *s, unsigned char c)
{
    if (s->after == A_START && c == '-') {
        s->after = A_DASH;
    } else if (s->after == A_DASH) {
        if (c != '-')
            return refuse(s, SF_E_MULTIPART_BAD_DELIMITER);
        s->state = S_DONE;
    } else if ((s->after == A_START || s->after == A_SPACE) && (c == ' ' || c == '\t')) {
        s->after = A_SPACE;
    } else if ((s->after == A_START || s->after == A_SPACE) && c == '\r') {
        s->after = A_CR;
    } else if (s->after == A_CR && c == '\n') {
        memcpy(s->headers, "\r\n", 2);
        s->hlen = 2;
        s->state = S_HEADERS;
    } else {
        return refuse(s, SF_E_MULTIPART_BAD_DELIMITER);
    }
    return 0;
}

int sf_multipart_stream_feed(sf_multipart_stream *s, const unsigned char *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        switch (s->state) {
        case S_PREAMBLE:
        case S_CONTENT: {
            int found;
            long used = scan(s, data + i, len - i, &found);
            if (used < 0)
                return -2;
            i += (size_t)used;
            if (!found)
                break;
            if (s->state == S_CONTENT && s->part < 0)
                return refuse(s, s->pending);
            if (s->state == S_CONTENT)
                s->fields[s->part].sent = 1;
            s->state = S_AFTER_DELIM;
            s->after = A_START;
            break;
        }
        case S_AFTER_DELIM:
            if (after_delimiter(s, data[i++]) != 0)
                return -1;
            break;
        case S_HEADERS:
            if (s->hlen == sizeof s->headers)
                return refuse(s, SF_E_MULTIPART_NO_HEADERS);
            s->headers[s->hlen++] = data[i++];
            /* the first "\r\n\r\n" from the part's own CRLF on ends the section */
            if (s->hlen >= 4 && memcmp(s->headers + s->hlen - 4, "\r\n\r\n", 4) == 0 && part_begins(s) != 0)
                return -1;
            break;
        case S_DONE:   /* an epilogue is ignored */
            return 0;
        default:
            return -1;
        }
    }
    return 0;
}

static sf_part field_part(const sf_multipart_field *f)
{
    return f->sent ? (sf_part){f->value, f->len} : (sf_part){NULL, 0};
}

int sf_multipart_stream_end(sf_multipart_stream *s, sf_upload_form *form, sf_code *why)
{
    memset(form, 0, sizeof *form);
    static const sf_code unfinished[] = {[S_PREAMBLE] = SF_E_MULTIPART_NO_OPENING,
                                         [S_AFTER_DELIM] = SF_E_MULTIPART_BAD_DELIMITER,
                                         [S_HEADERS] = SF_E_MULTIPART_NO_HEADERS,
                                         [S_CONTENT] = SF_E_MULTIPART_NOT_CLOSED};
    if (s->state == S_REFUSED) {
        *why = s->why;
        return -1;
    }
    if (s->state != S_DONE) {
        *why = unfinished[s->state];
        return -1;
    }
    if (!s->fields[0].sent) {
        *why = SF_E_MULTIPART_NO_FILE;
        return -1;
    }
    form->file = (sf_part){s->fields[0].value, s->file_len};
    form->file_name = field_part(&s->file_name);
    form->kind = field_part(&s->fields[1]);
    form->filename = field_part(&s->fields[2]);
    return 0;
}
