/* SPDX-License-Identifier: Apache-2.0 */
/* prom.h: a registry of Prometheus metric families (counters, gauges, histograms, and families
 * filled at scrape time by a callback) and its rendering as text exposition format 0.0.4.
 * Does not: serve HTTP, parse exposition text, or support summaries, timestamps or exemplars.
 * Threads: every function is thread-safe unless its comment says otherwise. Families and
 * children are created under locks; the hot path (add, set, observe) is one atomic operation on
 * a child pointer the caller keeps; rendering may run on any thread alongside increments. */
#ifndef WSSCALE_PROM_H
#define WSSCALE_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"
#include "wsscale/strbuf.h"

/* The Content-Type of what wss_prom_render() writes. */
#define WSS_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Limits checked at family creation; they bound the stack a render uses per histogram. */
#define WSS_PROM_MAX_LABELS  16 /* label names per family */
#define WSS_PROM_MAX_BUCKETS 64 /* finite upper bounds per histogram (+Inf is implied) */

enum wss_prom_type {
    WSS_PROM_COUNTER = 1, /* name ends in _total; children are _Atomic uint64_t (exact adds) */
    WSS_PROM_GAUGE,       /* children are _Atomic double (set, or add by compare-and-swap) */
    WSS_PROM_HISTOGRAM,   /* _Atomic uint64_t per bucket, _Atomic double sum */
};

struct wss_prom_registry;  /* opaque; owns every family and child made from it */
struct wss_prom_family;    /* opaque; borrowed from the registry, valid until it is freed */
struct wss_prom_counter;   /* opaque child of a counter family; keep the pointer */
struct wss_prom_gauge;     /* opaque child of a gauge family; keep the pointer */
struct wss_prom_histogram; /* opaque child of a histogram family; keep the pointer */
struct wss_prom_writer;    /* opaque; lives only during one collect callback */

/* Produces a collect family's samples with wss_prom_writer_*(). Runs inside wss_prom_render()
 * with the registry locked: it must not call any other wss_prom_* function, and it runs on
 * whichever thread renders. Writing the same label values twice is the callback's bug. */
typedef void (*wss_prom_collect_cb)(struct wss_prom_writer *w, void *arg);

/* What a family is. Strings and arrays are copied by wss_prom_family_new; only collect_arg is
 * kept. Names must also pass what `promtool check metrics` lints: "_total" on counters only, no
 * "_bucket"/"_count"/"_sum" suffix, no type word, only unprefixed base units ("_seconds"). */
struct wss_prom_desc {
    enum wss_prom_type type;
    const char *name;               /* [a-zA-Z_][a-zA-Z0-9_]*, snake_case; rules in prom_name.c */
    const char *help;               /* non-empty UTF-8; \ and newline are escaped when rendered */
    const char *const *label_names; /* nlabels names; "le", "quantile" and "__*" are reserved */
    size_t nlabels;
    const double *bounds; /* histograms: strictly increasing upper bounds; a last +Inf is dropped */
    size_t nbounds;
    wss_prom_collect_cb collect; /* NULL: children hold the values; else called at each render */
    void *collect_arg;           /* borrowed; passed to collect, must outlive the registry */
};

/* Expands to the (values, nvalues) pair the child getters and writers take:
 * wss_prom_counter_get(f, WSS_PROM_VALUES("GET", "200"), &err). */
#define WSS_PROM_VALUES(...)                                                                       \
    ((const char *const[]){__VA_ARGS__}),                                                          \
        (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Creates an empty registry; NULL when out of memory. */
struct wss_prom_registry *wss_prom_registry_new(void);

/* Frees the registry, its families and children; accepts NULL. Not thread-safe: no other call on
 * the registry or its children may run or follow. */
void wss_prom_registry_free(struct wss_prom_registry *r);

/* Validates d and adds a family, rendered after those added before it. Returns NULL and fills
 * err (offset into the offending string) on a bad name, label name, help or bounds, a name
 * already registered, or out of memory. A family without labels or callback starts with its one
 * child at zero, so it is rendered from the start. */
struct wss_prom_family *wss_prom_family_new(struct wss_prom_registry *r,
                                            const struct wss_prom_desc *d,
                                            struct wss_parse_err *err);

/* Returns the counter child for these label values, creating it at 0 on first use; the same
 * pointer every time. NULL and err on a non-counter or collect family, a wrong number of values,
 * a value that is not UTF-8, or out of memory. Locks the family; cache the result. */
struct wss_prom_counter *wss_prom_counter_get(struct wss_prom_family *f, const char *const *values,
                                              size_t nvalues, struct wss_parse_err *err);

/* As wss_prom_counter_get, for gauge families. */
struct wss_prom_gauge *wss_prom_gauge_get(struct wss_prom_family *f, const char *const *values,
                                          size_t nvalues, struct wss_parse_err *err);

/* As wss_prom_counter_get, for histogram families. */
struct wss_prom_histogram *wss_prom_histogram_get(struct wss_prom_family *f,
                                                  const char *const *values, size_t nvalues,
                                                  struct wss_parse_err *err);

/* Adds n (relaxed atomic add; wraps at 2^64). Cannot fail; thread-safe, lock-free. */
void wss_prom_counter_add(struct wss_prom_counter *c, uint64_t n);

/* Adds 1. Cannot fail; thread-safe, lock-free. */
void wss_prom_counter_inc(struct wss_prom_counter *c);

/* Reads the current value. Thread-safe. */
uint64_t wss_prom_counter_value(const struct wss_prom_counter *c);

/* Sets the value (atomic store). Cannot fail; thread-safe, lock-free. */
void wss_prom_gauge_set(struct wss_prom_gauge *g, double v);

/* Adds v, which may be negative (compare-and-swap loop). Cannot fail; thread-safe, lock-free. */
void wss_prom_gauge_add(struct wss_prom_gauge *g, double v);

/* Reads the current value. Thread-safe. */
double wss_prom_gauge_value(const struct wss_prom_gauge *g);

/* Counts v in the first bucket whose bound is >= v (NaN and values above every bound land in
 * +Inf) and adds it to the sum. Cannot fail; thread-safe, lock-free. A render that races an
 * observation may show the bucket without the sum yet; _count always equals the +Inf bucket. */
void wss_prom_histogram_observe(struct wss_prom_histogram *h, double v);

/* Writes one counter or gauge sample of the collect family being rendered. Returns 0, -EINVAL
 * (histogram family, wrong number of values, value not UTF-8; nothing written) or -ENOMEM (the
 * output buffer failed). Only inside the family's callback. */
int wss_prom_writer_sample(struct wss_prom_writer *w, const char *const *values, size_t nvalues,
                           double v);

/* Writes one histogram child of the collect family being rendered: bucket_counts holds the
 * family's nbounds + 1 per-bucket (not cumulative) counts, the last for +Inf. Returns as
 * wss_prom_writer_sample (-EINVAL for a non-histogram family). Only inside the callback. */
int wss_prom_writer_histogram(struct wss_prom_writer *w, const char *const *values, size_t nvalues,
                              const uint64_t *bucket_counts, double sum);

/* Appends every family with at least one sample to out, in registration order, children in
 * creation order, running collect callbacks. Returns 0, or -ENOMEM when out failed (out of
 * memory or past its cap; out->is_failed is set). Serialised with other renders and with family
 * creation; never blocks the hot path. */
int wss_prom_render(struct wss_prom_registry *r, struct wss_strbuf *out);

#endif
