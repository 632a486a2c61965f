/* SPDX-License-Identifier: Apache-2.0 */
/* source_prom.h: the metric source that answers from Prometheus: one PromQL instant query per
 * API request, for the metric's series by namespace and pod.
 * Does not: cache values (Prometheus down is 503, never stale data), or scrape anything itself.
 * Threads: every operation may run on any API thread at once (one pooled curl handle each). */
#ifndef ADAPTER_SOURCE_PROM_H
#define ADAPTER_SOURCE_PROM_H

#include <stdint.h>

#include "metric_source.h"
#include "store.h"

#define SOURCE_PROM_ERR_LEN            512
#define SOURCE_PROM_DEFAULT_TIMEOUT_MS 2000
/* A sample whose Prometheus timestamp is older than this is left out (0 in the config). Series of
 * gone targets vanish at once through Prometheus's staleness markers; this bound catches what
 * those miss (samples with explicit timestamps, a restarted Prometheus, federation), instead of
 * the 5 min lookback. 60 s survives one missed scrape at the common 30 s interval. */
#define SOURCE_PROM_DEFAULT_MAX_AGE_MS 60000
/* windowSeconds of every value: the scrape interval is not in the reply, so the source says 60 s,
 * what the HPA assumes when the field is absent (it reads it only for CPU). */
#define SOURCE_PROM_WINDOW_MS 60000
/* Idle curl handles kept for keep-alive; more queries at once get a fresh handle each. */
#define SOURCE_PROM_POOL_MAX 8

struct source_prom_config {
    const char *url; /* Prometheus base URL, e.g. "http://127.0.0.1:9090" (path prefix kept) */
    const char
        *metric; /* the series name, and the metric name served; e.g. websocket_connections */
    int64_t timeout_ms;     /* per query; 0 = SOURCE_PROM_DEFAULT_TIMEOUT_MS */
    int64_t max_age_ms;     /* oldest sample served; 0 = SOURCE_PROM_DEFAULT_MAX_AGE_MS */
    const char *ca_file;    /* for an https URL; NULL = system pool */
    const char *token_file; /* bearer token re-read per query; NULL = none */
    /* Pod labels for labelSelector: taken from the store of pushed reports when set (borrowed;
     * a pod the store does not know is matched on its series' labels), else from the series'
     * own labels (a pod with several series matches when any of them does). */
    struct store *labels_from;
};

/* Fills *out with a Prometheus source (cfg's strings are copied; labels_from is borrowed and must
 * outlive the source). Several series for one pod (two scrape jobs of one sidecar) count once:
 * the pod's value is their maximum. A pod whose series are all NaN, infinite or negative is not
 * servable (left out; STALE for one pod). Calls curl_global_init: call while no other thread
 * uses libcurl. Returns WSS_SRC_OK, or WSS_SRC_UNAVAILABLE with err for a bad URL or
 * configuration (nothing is queried at start), or WSS_SRC_NO_MEMORY. */
int source_prom_new(const struct source_prom_config *cfg, struct metric_source *out, char *err,
                    size_t errlen);

#endif
