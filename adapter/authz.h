/* SPDX-License-Identifier: Apache-2.0 */
/* authz.h: may this caller make this request? Request attributes derived from the path as the
 * apiserver's RequestInfo does, system:masters and the always-allow paths skipped, the rest asked
 * of a SubjectAccessReview (delegated) or allowed (always-allow, for local use).
 * Does not: authenticate (authn.h), or reply (the caller maps the result to a Status).
 * Threads: authz_check may run on any number of API threads at once; the config is read-only. */
#ifndef ADAPTER_AUTHZ_H
#define ADAPTER_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

#include "access_review.h"
#include "user_info.h"

#define AUTHZ_REASON_LEN 768

/* The attributes of one request, pointing into buf (so no allocation). */
struct authz_request_info {
    struct access_attributes attrs;
    char buf[1024];
};

/* Derives the SubjectAccessReview attributes of method + path (already %-decoded):
 *   /apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/pods/{name}/{metric} -> get|list pods/{metric}
 *       (get when name is a name or "*", as the apiserver names it; see the spec §6)
 *   /apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/metrics/{metric} -> get metrics, name {metric}
 *   /apis/custom.metrics.k8s.io/{v}/{resource}/{name}/{metric} -> root-scoped, no namespace
 *   /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric} -> list {metric}
 *   anything else -> non-resource: path, verb from the method (get for GET/HEAD)
 * Returns 0, or -1 when the path does not fit in buf. Pure; fuzzed. */
int authz_request_info(const char *method, const char *path, struct authz_request_info *out);

struct authz_config {
    bool is_always_allow; /* --authorization-mode=always-allow */
    /* --authorization-always-allow-paths; a trailing "*" makes the rest a prefix */
    const char *const *always_allow_paths;
    size_t nalways_allow_paths;
    struct access_reviewer *reviewer; /* delegated mode; borrowed */
};

enum authz_result {
    AUTHZ_ALLOWED = 0,
    AUTHZ_FORBIDDEN = 1, /* 403; reason is the apiserver's message: `pods.custom.metrics.k8s.io "*"
                            is forbidden: User "u" cannot get resource "pods/m" in API group "g" in
                            the namespace "ns"` (+ ": " + the review's reason when it gave one) */
    AUTHZ_ERROR = -1,    /* the review failed: 500 with reason */
};

/* Decides whether user may make method+path. Thread-safe. */
enum authz_result authz_check(const struct authz_config *cfg, const struct user_info *user,
                              const char *method, const char *path, char *reason,
                              size_t reason_len);

#endif
