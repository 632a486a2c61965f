/* SPDX-License-Identifier: Apache-2.0 */
/* token_review.h: bearer token -> identity through the Kubernetes TokenReview API, with a cache.
 * Does not: decide what the identity may do (ingest checks the pod, authz the rest).
 * Threads: token_reviewer_check may be called from any number of threads at once. */
#ifndef ADAPTER_TOKEN_REVIEW_H
#define ADAPTER_TOKEN_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube_client.h"
#include "user_info.h"

#define TOKEN_REVIEW_PATH           "/apis/authentication.k8s.io/v1/tokenreviews"
#define TOKEN_REVIEW_DEFAULT_TTL_MS 10000 /* --authentication-token-webhook-cache-ttl */
#define TOKEN_REVIEW_MAX_ENTRIES    4096  /* cached tokens; the oldest go first */
#define TOKEN_REVIEW_ERR_LEN        512

/* Results of token_reviewer_check. */
enum token_review_result {
    TOKEN_REVIEW_AUTHENTICATED = 0, /* *user holds the identity */
    TOKEN_REVIEW_REJECTED = 1,      /* the API said authenticated:false (reason in err) */
    TOKEN_REVIEW_ERROR = -1,        /* no usable answer (reason in err); never cached */
};

struct token_review_config {
    const char *audience; /* spec.audiences = [audience]; NULL or "" = none sent */
    int64_t ttl_ms;       /* how long an answer (either kind) is reused; 0 = default; <0 = never */
};

struct token_review_stats {
    uint64_t calls;      /* TokenReviews POSTed */
    uint64_t cache_hits; /* answers served from the cache */
    uint64_t errors;     /* calls without a usable answer */
};

struct token_reviewer;

/* client is borrowed and must outlive the reviewer; cfg is copied. NULL when out of memory. */
struct token_reviewer *token_reviewer_new(struct kube_client *client,
                                          const struct token_review_config *cfg);
void token_reviewer_free(struct token_reviewer *r); /* accepts NULL */

/* Checks token: POSTs {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",
 * "spec":{"token":...,"audiences":[...]}} unless a fresh answer is cached (keyed by a SHA-256 of
 * the token; the token itself is never kept). On AUTHENTICATED, *user (cleared first by the
 * caller) receives username, uid, groups and extra (pod-name / pod-uid among them). *from_cache
 * (may be NULL) says whether the cache answered. Thread-safe. */
enum token_review_result token_reviewer_check(struct token_reviewer *r, const char *token,
                                              struct user_info *user, bool *from_cache, char *err,
                                              size_t errlen);

void token_reviewer_stats(struct token_reviewer *r, struct token_review_stats *out);

#endif
