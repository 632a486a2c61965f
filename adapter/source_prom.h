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

struct source_prom_config {
    const char *url;    /* Prometheus base URL, e.g. "http://127.0.0.1:9090" (path prefix kept) */
    const char *metric; /* the series name, and the metric name served; e.g. websocket_connections */
    int64_t timeout_ms; /* per query; 0 = SOURCE_PROM_DEFAULT_TIMEOUT_MS */
    const char *ca_file;    /* for an https URL; NULL = system pool */
    const char *token_file; /* bearer token re-read per query; NULL = none */
    /* Pod labels for labelSelector: taken from the store of pushed reports when set (borrowed;
     * a pod the store does not know is matched on its series' labels), else from the series'
     * own labels. */
    struct store *labels_from;
};

/* Fills *out with a Prometheus source. Returns WSS_SRC_OK, or WSS_SRC_UNAVAILABLE with err for a
 * bad URL or configuration (nothing is queried at start), or WSS_SRC_NO_MEMORY. */
int source_prom_new(const struct source_prom_config *cfg, struct metric_source *out, char *err,
                    size_t errlen);

#endif
