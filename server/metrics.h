/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.h: the server's Prometheus families, each filled at scrape time by summing the
 * per-thread counters.
 * Does not: count anything itself or serve HTTP (http_endpoints.c renders the registry).
 * Threads: registration on the main thread; the collect callbacks run on whichever thread
 * renders and only read atomics. */
#ifndef WSSCALE_SERVER_METRICS_H
#define WSSCALE_SERVER_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "rooms.h"
#include "stats.h"
#include "wsscale/prom.h"

/* What the families read; every pointer is borrowed and must outlive the registry. */
struct metrics_source {
    const struct stats *stats; /* nthreads of them */
    unsigned nthreads;
    const struct rooms *rooms;
    const atomic_bool *is_draining;
    bool has_redis; /* add the wsscale_server_redis_* families */
};

struct metrics; /* opaque */

/* Adds the server's families to registry. NULL with err set on a registry error or when out of
 * memory; the registry may then hold some of the families and must be freed unrendered. Free the
 * result with metrics_free() after the registry. */
struct metrics *metrics_new(struct wss_prom_registry *registry, const struct metrics_source *src,
                            struct wss_parse_err *err);

/* Frees what metrics_new() allocated; accepts NULL. */
void metrics_free(struct metrics *m);

#endif
