/*
 * Contract checks for the HTTP suites: every answer a test receives is compared with the
 * OpenAPI document (status, content type, body shape), so the file and the server cannot
 * drift apart.
 */
#ifndef SF_TEST_CONTRACT_H
#define SF_TEST_CONTRACT_H

#include <jansson.h>
#include <stddef.h>

/* Keeps a copy of the document (from GET /v1/openapi.json). */
void th_contract_load(const json_t *openapi);
void th_contract_free(void);

/* 1 if the answer fits the contract; else 0 with the reason in `why`. */
int th_contract_check(const char *method, const char *path, int status, const char *content_type,
                      const char *body, size_t body_len, char *why, size_t len);

#endif
