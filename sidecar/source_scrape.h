/* SPDX-License-Identifier: Apache-2.0 */
/* source_scrape.h: the `scrape` source: GETs the app's own Prometheus endpoint and sums the
 * series of one gauge that match a label selector.
 * Does not: keep history, follow redirects, or speak OpenMetrics (it asks for text 0.0.4).
 * Threads: the sampler thread samples; source_scrape_sum is pure. */
#ifndef SIDECAR_SOURCE_SCRAPE_H
#define SIDECAR_SOURCE_SCRAPE_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"
#include "wsscale/selector.h"

/* Largest exposition read; a bigger one is a SOURCE_ERROR sample, not a truncated sum. */
#define SOURCE_SCRAPE_MAX_BODY_BYTES (4 * 1024 * 1024)
/* Most requirements and values a --scrape-selector may have. */
#define SOURCE_SCRAPE_MAX_REQS   16
#define SOURCE_SCRAPE_MAX_VALUES 64
/* Most labels one series may carry. */
#define SOURCE_SCRAPE_MAX_LABELS 64

struct source_scrape_config {
    const char *url;      /* borrowed; copied: http:// or https:// */
    const char *metric;   /* borrowed; copied: the gauge to sum, e.g. websocket_connections */
    const char *selector; /* borrowed; copied: Kubernetes label selector over series labels; ""
                             matches every series */
    int64_t timeout_ms;   /* the whole request, connect included; > 0 */
};

/* Sums the samples named metric in body[0..len) whose labels satisfy sel into out:
 *   OK       the family is there (a sample, # HELP or # TYPE names it): the sum, 0 when no
 *            series matches, rounded to the nearest integer
 *   MISSING  nothing in the exposition names metric
 *   ERROR    a parse error (its line and reason), a histogram or summary of that name, or a
 *            matching value that is NaN, infinite, negative, or a sum past 2^53
 * Returns 0, or -ENOMEM (out is then ERROR). Allocates a scratch buffer; no I/O. */
int source_scrape_sum(const char *body, size_t len, const char *metric,
                      const struct wss_selector *sel, struct source_sample *out);

/* Builds the source: checks the URL scheme, parses the selector and sets up a libcurl handle
 * kept for keep-alive (curl_global_init must have run). Non-2xx, a timeout or a parse error is
 * an ERROR sample, connection refused a MISSING one (the app is not listening yet). Returns it,
 * or one with ops == NULL and a message in err for a bad URL, metric name or selector (the
 * selector's own error text), or out of memory. Free with source_destroy(). Thread-safe. */
struct source source_scrape_new(const struct source_scrape_config *cfg, char *err, size_t errlen);

#endif
