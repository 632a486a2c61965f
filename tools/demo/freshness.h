/* SPDX-License-Identifier: Apache-2.0 */
/* freshness.h: how long the adapter's API takes to show a pod's connection count: for each pod, the
 * times its server's own count took each value; when the adapter's answer for the pod changes to a
 * value, the delay since the server most recently reached that value is one measurement.
 * Does not: read anything itself (main feeds it samples) or keep more than a bounded history.
 * Threads: one owner thread. */
#ifndef DEMO_FRESHNESS_H
#define DEMO_FRESHNESS_H

#include <stddef.h>
#include <stdint.h>

/* Pods tracked at once; a new pod past this is not measured. */
#define FRESHNESS_MAX_PODS 64
/* Value changes remembered per pod (at a 50 ms sample, over 12 s of steady change). */
#define FRESHNESS_HISTORY 256
/* Measurements kept; later ones are counted but not kept. */
#define FRESHNESS_MAX_SAMPLES 20000

struct freshness_result {
    size_t n;         /* measurements */
    size_t unmatched; /* adapter values the server was never seen at (changed between samples) */
    double p50_ms, p99_ms, max_ms;
};

struct freshness;

/* An empty tracker; NULL when out of memory. */
struct freshness *freshness_create(void);

/* The server of pod counted count at now_ms (monotonic). Cannot fail. */
void freshness_server(struct freshness *f, const char *pod, uint64_t count, int64_t now_ms);

/* The adapter answered milli_value for pod at now_ms. Cannot fail. */
void freshness_adapter(struct freshness *f, const char *pod, int64_t milli_value, int64_t now_ms);

/* Drops a pod that is gone. */
void freshness_forget(struct freshness *f, const char *pod);

/* The percentiles (nearest rank) over the measurements so far; zeros when there are none. */
void freshness_result(const struct freshness *f, struct freshness_result *out);

/* Accepts NULL. */
void freshness_destroy(struct freshness *f);

#endif
