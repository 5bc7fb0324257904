/*
 * Authentication: the JWT key, issuing tokens at login and verifying them on every request,
 * and the bound on concurrent password hashing.
 *
 * libjwt 1.10 checks the signature for whatever algorithm the token's header names and does
 * not check any claim. So verification here (1) refuses any algorithm but the configured
 * one — "none" included — (2) always decodes with the key, and (3) checks exp (required),
 * nbf, iat, iss, aud and the shape of every claim shifan relies on. The database then
 * checks that the user is active and the jti not revoked (persistence/users.h).
 */
#ifndef SF_AUTH_H
#define SF_AUTH_H

#include <time.h>

#include "api/config.h"
#include "domain/permissions.h"
#include "domain/status.h"

typedef struct sf_auth sf_auth;

/* Loads the key from config->jwt_key_file, or from <data_dir>/jwt.key, generating that file
 * (mode 0600, 48 random bytes) on first use. A key shorter than 32 bytes is refused.
 * Returns NULL after printing why. */
sf_auth *sf_auth_create(const sf_config *config);
void sf_auth_destroy(sf_auth *auth);

/* Issues a token for `caller` (jti is generated into caller->jti). *token is allocated;
 * free it with sf_auth_free_token. Returns 0 or -1. */
int sf_auth_issue(sf_auth *auth, sf_caller *caller, long long now, char **token, long long *expires_at);
void sf_auth_free_token(char *token);

/* Verifies signature, algorithm and claims at time `now`; fills `caller` and *expires_at.
 * SF_OK, SF_INVALID for any defect (the caller answers 401), or SF_INTERNAL when the token
 * could not be judged, memory having run out (500: a valid token is never refused for it). */
sf_status sf_auth_verify(sf_auth *auth, const char *token, long long now, sf_caller *caller,
                         long long *expires_at);

/* Password hashing never holds an HTTP worker (issue 14, item 1): hashes run on
 * SHIFAN_HASH_CONCURRENCY threads of their own, and a request hands its hash over and lets its
 * worker go (api/server.h, sf_hash_then). A hash is refused at once (SF_UNAVAILABLE: 503
 * with Retry-After) when SHIFAN_HASH_QUEUE hashes are queued or running, or
 * SHIFAN_HASH_QUEUE_PER_CLIENT of them come from its client, and after SHIFAN_HASH_WAIT_MS if
 * no hashing thread has taken it up by then. A place that frees while clients refused for a
 * full queue ask again goes to them in turn, one client address at a time, in the order they
 * were first refused; a client keeps its turn while it asks again within 2 s, and turns keep
 * at most half the places free for those ahead (auth.c, admitted). The errands' pools
 * (sf_auth_errand_submit) admit the same way. */
typedef struct sf_hash_job {   /* the pool's fields; the submitter's storage */
    struct sf_hash_job *next;
    int (*work)(void *arg);
    void (*done)(void *arg, sf_status status, int result);
    void *arg;
    struct timespec deadline;
    char client[64];
    sf_status status;   /* the outcome, and what work answered, until `done` is called */
    int result;
} sf_hash_job;
/* Queues `work(arg)` and returns at once. SF_OK: `done(arg, status, result)` will be called
 * exactly once, without the pool's lock and at the normal priority (by the pool's keeper
 * thread, or by sf_auth_hash_close's caller) — SF_OK with what work answered, or
 * SF_UNAVAILABLE when no thread took the job up in time or hashing was closed — and the pool
 * touches `job` (which must live until then) no more after it. SF_UNAVAILABLE: refused at
 * once; done will not be called. */
sf_status sf_auth_hash_submit(sf_auth *auth, const char *client, sf_hash_job *job, int (*work)(void *arg),
                              void (*done)(void *arg, sf_status status, int result), void *arg);
/* The kinds of errand, each with a pool of its own (sf_auth_errand_submit), so that one kind
 * waiting on the database — a login's, or an objection on a row an award holds — delays no
 * other: anyone may make each of these writes without signing in. */
typedef enum {
    SF_ERRAND_LOGIN,       /* a login's steps (api/login.c): the hashes' bounds */
    SF_ERRAND_REFRESH,     /* a refresh (api/login.c) */
    SF_ERRAND_OBJECTION,   /* an objection to a publicity notice (api/publicity.c) */
    SF_ERRAND_KINDS
} sf_errand_kind;
/* The same for an errand: database work kept off the HTTP workers (under a flood the database
 * slows, and a worker waiting on it holds every connection it serves) and off the hashing
 * threads (at nice 19, they would hold the connection pool's lock and a connection while
 * waiting for a core, and a slow statement would take hashing from every other password). At
 * the normal priority, with the hashes' wait (SHIFAN_HASH_WAIT_MS) and bounds of their own: 256
 * queued or running of each kind, 32 from one address. The logins' have as many threads as
 * hash, a refresh's and an objection's one each (auth.c says why). */
sf_status sf_auth_errand_submit(sf_auth *auth, sf_errand_kind kind, const char *client, sf_hash_job *job,
                                int (*work)(void *arg), void (*done)(void *arg, sf_status status, int result),
                                void *arg);
/* A place in the hashing queue kept before the job is ready (a login's database step comes
 * first: api/login.c), so that the job is not refused once it is. 0; -1 when
 * sf_auth_hash_submit would refuse `client` at once now, which lets a login answer 503 before
 * it touches the database, so that a flood costs next to nothing; -2 when memory ran out. The
 * place counts as one of the client's jobs; it is given up with sf_auth_hash_unhold, or taken
 * by sf_auth_hash_submit_held (which refuses only once hashing is closed, and takes the place
 * either way). */
int sf_auth_hash_hold(sf_auth *auth, const char *client);
void sf_auth_hash_unhold(sf_auth *auth, const char *client);
sf_status sf_auth_hash_submit_held(sf_auth *auth, const char *client, sf_hash_job *job, int (*work)(void *arg),
                                   void (*done)(void *arg, sf_status status, int result), void *arg);
/* Refuses every hash and errand from now on, and the queued ones (their `done` says
 * SF_UNAVAILABLE); those running finish. For stopping the server (api/server.c). */
void sf_auth_hash_close(sf_auth *auth);

/* API tokens for scripts: "sft_" and 43 characters of base64url (32 random bytes). Only
 * their SHA-256 (hex) is stored. */
#define SF_API_TOKEN_PREFIX "sft_"
#define SF_API_TOKEN_LEN 47
/* A new token into `token` (SF_API_TOKEN_LEN + 1 bytes); 0 or -1. */
int sf_api_token_new(char token[SF_API_TOKEN_LEN + 1]);
/* The SHA-256 (hex) of a secret token, API or refresh: what the database keeps of it. */
void sf_api_token_hash(const char *token, char hash[65]);

/* Refresh tokens (issue 13 §3): "sfr_" and 43 characters of base64url (32 random bytes),
 * opaque, single use; only their SHA-256 is stored, bound to the session. */
#define SF_REFRESH_TOKEN_PREFIX "sfr_"
#define SF_REFRESH_TOKEN_LEN 47
int sf_refresh_token_new(char token[SF_REFRESH_TOKEN_LEN + 1]);

/* Draws `n` random bytes from the CSPRNG; 0 or -1. */
int sf_random_bytes(unsigned char *buf, size_t n);

#endif
