/* SPDX-License-Identifier: Apache-2.0 */
/* metric_source.h: the narrow question the metrics API asks, whatever answers it (the store of
 * pushed reports, or a cache refreshed from Prometheus).
 * Does not: know about HTTP, JSON or protobuf. The store source answers from memory; the
 * Prometheus source does one query per call (and fails UNAVAILABLE rather than serve old data).
 * Threads: every operation may be called from any API worker thread at once; implementations
 * lock what they share. */
#ifndef ADAPTER_METRIC_SOURCE_H
#define ADAPTER_METRIC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/selector.h"

/* What an operation can fail with; metric_source_status() (in the API layer) maps each to a
 * Kubernetes Status. */
enum metric_source_err {
    WSS_SRC_OK = 0,
    WSS_SRC_NOT_FOUND = -1,   /* no such metric, or no such object */
    WSS_SRC_STALE = -2,       /* the object exists but its sample is too old to serve */
    WSS_SRC_UNAVAILABLE = -3, /* the source cannot answer now (e.g. Prometheus unreachable) */
    WSS_SRC_NO_MEMORY = -4,
};

/* One pod's value, as the API serves it. Strings are copied into the struct so a reply can be
 * built after the source's lock is released. */
#define METRIC_SOURCE_NAME_MAX 254 /* a DNS-1123 subdomain (253) and its NUL */
struct metric_value {
    char namespace_[64]; /* DNS-1123 label */
    char name[METRIC_SOURCE_NAME_MAX];
    int64_t milli_value;       /* the value × 1000 (Quantity milli-units) */
    int64_t timestamp_unix_ms; /* when the sample was taken */
    int64_t window_ms;         /* the sampling interval: windowSeconds */
};

/* A growing array of values the caller frees with metric_values_free(). */
struct metric_values {
    struct metric_value *items; /* owned */
    size_t n, cap;
};

struct metric_source_ops {
    /* One pod's value of metric in namespace. NOT_FOUND for an unknown metric or pod; STALE for a
     * pod whose sample is not servable. */
    int (*pod_value)(void *self, const char *metric, const char *ns, const char *pod,
                     struct metric_value *out);
    /* Every live pod in ns whose labels match sel, with a servable sample (one item each; pods
     * that are stale or unknown are left out, never served as 0). NOT_FOUND for an unknown
     * metric only; an empty list is a success. */
    int (*pods_matching)(void *self, const char *metric, const char *ns,
                         const struct wss_selector *sel, struct metric_values *out);
    /* The sum over the pods of ns matching sel (external metrics, the namespace total);
     * NOT_FOUND for an unknown metric. */
    int (*sum_matching)(void *self, const char *metric, const char *ns,
                        const struct wss_selector *sel, struct metric_value *out);
    /* The metric names the source serves, for discovery and for "not found" messages. Cannot
     * fail: returns a static, NULL-terminated list. */
    const char *const *(*list_metrics)(void *self);
    void (*destroy)(void *self); /* accepts NULL */
};

struct metric_source {
    const struct metric_source_ops *ops;
    void *self; /* owned; freed by ops->destroy */
};

#endif
