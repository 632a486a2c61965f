/* SPDX-License-Identifier: Apache-2.0 */
/* store.h: the adapter's table of pod UID -> newest sample (namespace, name, labels, state,
 * sidecar instance and sequence), with expiry, bounded memory and O(1) updates.
 * Does not: do I/O, decode protobuf, validate names (ingest.c does), or know about HTTP.
 * Threads: ingest threads call store_apply, API threads read; all under one rwlock that
 * prefers writers. Entries are built outside the lock, so a writer holds it for lookups and
 * pointer swaps only (and small allocations when a batch brings a namespace, or a label
 * key=value in a namespace, not yet held). */
#ifndef ADAPTER_STORE_H
#define ADAPTER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/labels.h"

struct wss_selector;

#define STORE_NS_MAX                  63    /* bytes in a namespace (DNS-1123 label) */
#define STORE_NAME_MAX                253   /* bytes in a pod name (DNS-1123 subdomain) */
#define STORE_UID_MAX                 64    /* bytes in a pod UID (Kubernetes writes 36) */
#define STORE_DEFAULT_MAX_PODS        20000 /* pods tracked at once */
#define STORE_DEFAULT_MAX_LABELS      64    /* labels per pod */
#define STORE_DEFAULT_MAX_LABEL_BYTES 8192  /* key and value bytes of one pod's labels */
#define STORE_STALE_CAP_MS            10000 /* the default stale-after never exceeds 10 s */
#define STORE_STALE_INTERVALS         3     /* default stale-after: this many reported intervals */
#define STORE_INDEX_MERGE_MAX         32    /* values of an `in` that the label index serves */
#define STORE_GONE_STALE_TIMES        2     /* default gone_ms: this many stale-after periods */

/* Return codes of store_apply. */
#define STORE_E_FULL      (-1) /* the batch needs more pods than max_pods; nothing changed */
#define STORE_E_NO_MEMORY (-2) /* an allocation failed; nothing changed */
#define STORE_E_LIMIT     (-3) /* an update exceeds a label or size limit; nothing changed */

/* The sidecar's view of its count; only STORE_STATE_OK is ever served. */
enum store_state {
    STORE_STATE_UNSPECIFIED = 0,
    STORE_STATE_OK = 1,
    STORE_STATE_STALE = 2,
    STORE_STATE_MISSING = 3,
    STORE_STATE_ERROR = 4,
};

/* Milliseconds on a monotonic clock; tests inject a fake one. */
typedef int64_t (*store_clock_cb)(void *arg);

struct store_config {
    size_t max_pods;        /* 0 = STORE_DEFAULT_MAX_PODS */
    size_t max_labels;      /* 0 = STORE_DEFAULT_MAX_LABELS */
    size_t max_label_bytes; /* 0 = STORE_DEFAULT_MAX_LABEL_BYTES */
    int64_t stale_after_ms; /* > 0: --stale-after; 0: 3x the pod's interval, at most 10 s */
    store_clock_cb now_ms;  /* NULL = CLOCK_MONOTONIC */
    void *clock_arg;        /* borrowed; passed to now_ms */
    int64_t gone_ms; /* store_forget refuses a UID's reports this long; 0 = 2 x stale-after (or
                        2 x 10 s when that is 0) */
};

/* One report, already validated by the caller. Every pointer is borrowed for the call only;
 * strings are not NUL-terminated. */
struct store_update {
    const char *ns;
    size_t ns_len;
    const char *name;
    size_t name_len;
    const char *uid;
    size_t uid_len;
    const struct wss_label *labels;
    size_t nlabels;
    enum store_state state;
    uint64_t active_connections;
    int64_t sample_time_unix_ms;
    uint32_t interval_ms;
    uint64_t sidecar_instance;
    uint64_t sequence;
    bool is_final; /* the pod's last report: drop it at once */
};

/* What store_apply did with a batch. */
struct store_apply_result {
    size_t stored;  /* updates that replaced or created a pod's entry */
    size_t removed; /* final reports that dropped a pod */
    size_t ignored; /* older sequence (same instance) or older sample (other instance), or a
                       UID store_forget said is gone (those also count in store_refused_gone) */
};

/* A pod as a reader sees it; every pointer is borrowed and valid only inside the callback. */
struct store_pod_view {
    const char *ns;   /* NUL-terminated */
    const char *name; /* NUL-terminated */
    const char *uid;  /* NUL-terminated */
    const struct wss_label *labels;
    size_t nlabels;
    enum store_state state;
    uint64_t active_connections;
    int64_t sample_time_unix_ms;
    uint32_t interval_ms;
    uint64_t sidecar_instance;
    uint64_t sequence;
    bool is_servable; /* state OK and received within stale-after */
};

/* Called for each pod; return false to stop the walk. Runs under the read lock: must not call
 * back into the store. */
typedef bool (*store_visit_cb)(const struct store_pod_view *pod, void *arg);

struct store;

/* Creates an empty store (cfg may be NULL for defaults). NULL when out of memory. */
struct store *store_new(const struct store_config *cfg);

/* Frees the store and every entry; accepts NULL. Not thread-safe: no other call may run. */
void store_free(struct store *st);

/* Applies n validated updates in order, all or nothing: on an error (STORE_E_*) the store is
 * unchanged and msg (msg_len bytes, may be NULL) says why. An older sequence for the same UID
 * and instance, or an older sample from another instance, is ignored, not an error. A new UID
 * under an existing namespace/name replaces the older pod. When the batch needs room, expired pods
 * are dropped first (even if it then fails with STORE_E_FULL). Thread-safe. */
int store_apply(struct store *st, const struct store_update *ups, size_t n,
                struct store_apply_result *res, char *msg, size_t msg_len);

/* Drops every pod not heard from within its stale-after; returns how many. Thread-safe. */
size_t store_expire(struct store *st);

/* Walks the pods of namespace ns (every namespace if ns is NULL), servable or not, under the
 * read lock; a namespace's pods come in link order (the pod whose newest entry was linked first
 * comes first), the whole store's in no set order. A namespace's walk visits only that namespace's
 * pods (an index by namespace), not the whole store. Thread-safe. */
void store_visit(struct store *st, const char *ns, store_visit_cb cb, void *arg);

/* Walks the pods of namespace ns (every namespace if ns is NULL) that match sel (NULL or empty:
 * every pod), servable or not, under the read lock; cb sees only matching pods. With ns set, it
 * starts from the label index: of the requirements `k=v`, `k==v` and `k in (a,b,...)` (up to
 * STORE_INDEX_MERGE_MAX values), the one naming the fewest pods, walking only those (the union
 * of its values' pods) and checking the whole selector on each; with none of those (only
 * exists, !, !=, notin, >, <) it walks the namespace. Either way pods come in the namespace's
 * link order (oldest store_apply first, the order store_visit(ns) uses), so the result equals
 * store_visit(ns) filtered by wss_selector_matches. No allocation. Thread-safe. */
void store_visit_selected(struct store *st, const char *ns, const struct wss_selector *sel,
                          store_visit_cb cb, void *arg);

/* Calls cb once for the pod ns/name and returns true, or returns false if there is none.
 * O(1). Thread-safe. */
bool store_find(struct store *st, const char *ns, const char *name, store_visit_cb cb, void *arg);

/* Entries of the label index now: distinct (namespace, key, value) carried by a held pod
 * (repeated keys count once, the first), so its memory is O(labels held). Thread-safe. */
size_t store_postings(struct store *st);

/* Drops the pod with this UID at once (true if one was held) and refuses, for gone_ms, every
 * later report for the UID (counted as ignored and in store_refused_gone), so a report in flight
 * when the pod was deleted does not bring it back. Up to STORE_GONE_WAYS x STORE_GONE_BUCKETS UIDs
 * are remembered; past that the soonest to expire is forgotten first. Cannot fail. Thread-safe. */
bool store_forget(struct store *st, const char *uid, size_t uid_len);

/* store_forget for a pod that is only known to be finished, not to have just gone (a relist's
 * Succeeded and Failed pods): remembers the UID only when a pod with it was held, so the many
 * finished Job pods of a cluster do not crowd deleted pods out of the bounded memory. */
bool store_forget_held(struct store *st, const char *uid, size_t uid_len);

/* Reports refused so far because store_forget said their UID is gone. Thread-safe. */
uint64_t store_refused_gone(struct store *st);

/* Pods held now, servable or not. Thread-safe. */
size_t store_count(struct store *st);

#endif
