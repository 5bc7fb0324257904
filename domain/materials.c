/*
 * Material kinds and content sniffing (see materials.h).
 */
#include "domain/materials.h"

#include <string.h>
#include <strings.h>

#include "domain/accounts.h"
#include "domain/text.h"

const sf_material_kind sf_material_kinds[] = {
    {"application_report", SF_MATERIAL_REQUIRED, "Art. 17(1), Annex 2"},
    {"business_license", SF_MATERIAL_REQUIRED, "Art. 17(2)"},
    {"audit_report", SF_MATERIAL_REQUIRED, "Art. 17(3)"},
    {"premises_proof", SF_MATERIAL_REQUIRED, "Art. 17(4)"},
    {"service_evidence", SF_MATERIAL_REQUIRED, "Art. 17(5)"},
    {"prior_recognition", SF_MATERIAL_IF_PRIOR_RECOGNITION, "Art. 17(6), where the round requires it (12.4)"},
    {"qualifications", SF_MATERIAL_OPTIONAL, "Art. 17(7), where applicable"},
    {"authenticity_declaration", SF_MATERIAL_REQUIRED, "Art. 17(8)"},
    {"other", SF_MATERIAL_OPTIONAL, "Art. 17(8), other materials: any number"},
};
const size_t sf_material_kind_count = sizeof sf_material_kinds / sizeof sf_material_kinds[0];

const sf_material_kind *sf_material_kind_find(const char *kind)
{
    for (size_t i = 0; kind != NULL && i < sf_material_kind_count; i++)
        if (strcmp(sf_material_kinds[i].kind, kind) == 0)
            return &sf_material_kinds[i];
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *sf_material_sniff(const unsigned char *d, size_t len, const char *filename)
{
    if (filename == NULL)
        return NULL;
    /* the bytes decide the type, and the name must say the same: a PDF named .png is refused */
    if (len >= 5 && memcmp(d, "%PDF-", 5) == 0)
        return ends_with(filename, ".pdf") ? "application/pdf" : NULL;
    if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return ends_with(filename, ".jpg") || ends_with(filename, ".jpeg") ? "image/jpeg" : NULL;
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return ends_with(filename, ".png") ? "image/png" : NULL;
    if (len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0) {
        /* OFD (GB/T 33190), DOCX and XLSX are all ZIP containers */
        if (ends_with(filename, ".ofd"))
            return "application/ofd";
        if (ends_with(filename, ".docx"))
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        if (ends_with(filename, ".xlsx"))
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    return NULL;
}

int sf_material_filename_is_valid(const char *f)
{
    if (f == NULL || f[0] == '\0' || strlen(f) > 255 || sf_utf8_length(f) < 0)
        return 0;
    if (strcmp(f, ".") == 0 || strcmp(f, "..") == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)f; *p; p++)
        if (*p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\' || *p == '"')
            return 0;
    /* the name before its extension shows something: "\u200b.pdf" or " .pdf" names nothing */
    char stem[256];
    const char *dot = strrchr(f, '.');
    size_t n = dot != NULL ? (size_t)(dot - f) : strlen(f);
    memcpy(stem, f, n);
    stem[n] = '\0';
    return !sf_text_is_blank(stem);
}

static int listed(const char *present, const char *kind)
{
    size_t n = strlen(kind);
    for (const char *p = present; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, kind, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

size_t sf_materials_missing(const char *present, int require_prior_recognition, const char **missing, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < sf_material_kind_count; i++) {
        const sf_material_kind *k = &sf_material_kinds[i];
        int needed = k->required == SF_MATERIAL_REQUIRED ||
                     (k->required == SF_MATERIAL_IF_PRIOR_RECOGNITION && require_prior_recognition);
        if (needed && !listed(present, k->kind) && count < n)
            missing[count++] = k->kind;
    }
    return count;
}
