/* SPDX-License-Identifier: Apache-2.0 */
/* heartbeat.h: stamps the shared-memory counter's heartbeat once a second, but only while every
 * worker loop is ticking, so that one hung loop makes the whole sample go stale.
 * Does not: count connections (the workers' hooks do) or change the counter's state.
 * Threads: runs on the control loop; reads the workers' tick times atomically. */
#ifndef WSSCALE_SERVER_HEARTBEAT_H
#define WSSCALE_SERVER_HEARTBEAT_H

#include "wsscale/loop.h"
#include "worker.h"
#include "wsscale/counter.h"

/* A worker whose last tick is older than this holds the heartbeat back. */
#define HEARTBEAT_WORKER_STALE_MS 2500

struct heartbeat; /* opaque */

/* Starts the once-a-second heartbeat on control for counter (borrowed), watching n workers
 * (borrowed). NULL when out of memory. */
struct heartbeat *heartbeat_new(struct wss_loop *control, struct worker *const *workers, unsigned n,
                                struct wss_counter_writer *counter);

/* Stops and frees; accepts NULL. */
void heartbeat_free(struct heartbeat *h);

#endif
