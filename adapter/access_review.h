/* SPDX-License-Identifier: Apache-2.0 */
/* access_review.h: "may this identity do this?" through the Kubernetes SubjectAccessReview API,
 * with separate allow and deny caches, as the apiserver's delegated authorizer does.
 * Does not: derive the attributes from a request path (authz.c does), or skip any identity.
 * Threads: access_reviewer_check may be called from any number of threads at once. */
#ifndef ADAPTER_ACCESS_REVIEW_H
#define ADAPTER_ACCESS_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube_client.h"
#include "user_info.h"

#define ACCESS_REVIEW_PATH           "/apis/authorization.k8s.io/v1/subjectaccessreviews"
#define ACCESS_REVIEW_DEFAULT_TTL_MS 10000 /* allow and deny alike, as the Go default */
#define ACCESS_REVIEW_MAX_ENTRIES    4096
#define ACCESS_REVIEW_ERR_LEN        512

/* What is asked. Resource requests set is_resource and the resource fields; the others set path.
 * Empty or NULL strings are left out of the document (Go's omitempty). */
struct access_attributes {
    bool is_resource;
    const char *verb; /* "get", "list" */
    /* resourceAttributes */
    const char *namespace_;
    const char *group;
    const char *version;
    const char *resource;
    const char *subresource;
    const char *name;
    /* nonResourceAttributes */
    const char *path;
};

enum access_review_result {
    ACCESS_REVIEW_ALLOWED = 0,
    ACCESS_REVIEW_DENIED = 1, /* status.denied, or neither allowed nor denied; reason in err */
    ACCESS_REVIEW_ERROR = -1, /* no usable answer; never cached */
};

struct access_review_stats {
    uint64_t calls;
    uint64_t cache_hits;
    uint64_t errors;
};

struct access_reviewer;

/* client is borrowed and must outlive the reviewer. allow_ttl_ms / deny_ttl_ms: 0 = default,
 * < 0 = do not cache that answer. NULL when out of memory. */
struct access_reviewer *access_reviewer_new(struct kube_client *client, int64_t allow_ttl_ms,
                                            int64_t deny_ttl_ms);
void access_reviewer_free(struct access_reviewer *r); /* accepts NULL */

/* POSTs {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user",
 * "groups","extra","uid","resourceAttributes"|"nonResourceAttributes"}} unless the same question
 * (identity and attributes) has a fresh cached answer. The reason for a denial is
 * status.reason (or a fixed text) in err. Thread-safe. */
enum access_review_result access_reviewer_check(struct access_reviewer *r,
                                                const struct user_info *user,
                                                const struct access_attributes *attrs,
                                                bool *from_cache, char *err, size_t errlen);

void access_reviewer_stats(struct access_reviewer *r, struct access_review_stats *out);

#endif
