/* SPDX-License-Identifier: Apache-2.0 */
/* source_shm.h: the `shm` source: the app's shared-memory counter (lib/wsscale/counter.h),
 * read without locks, each reader status turned into a source state.
 * Does not: write the counter, or decide on a staleness limit (the caller passes it).
 * Threads: the sampler thread samples; source_shm_classify is pure. */
#ifndef SIDECAR_SOURCE_SHM_H
#define SIDECAR_SOURCE_SHM_H

#include <stdint.h>

#include "source.h"
#include "wsscale/counter.h"

/* How each counter status becomes a sample (status is what wss_counter_read returned):
 *   OK          OK with the slots' sum, totals and the draining flag
 *   MISSING     MISSING: the app has not created its counter yet
 *   STALE       STALE: no heartbeat for longer than stale_after_ns, so hung or dead
 *   BAD_LAYOUT  ERROR: not a counter this sidecar can read
 *   RESTARTED   is_restarted, then classified as OK, STALE or STOPPED would be
 *   STOPPED     OK with 0 active: the app closed its counter on exit, so it holds no connection
 *               (a process that has exited has none); totals as it left them
 *   < 0         ERROR: the object exists but cannot be opened or mapped (errno in the reason)
 * Pure. */
void source_shm_classify(int status, const struct wss_counter_snapshot *snap,
                         int64_t stale_after_ns, struct source_sample *out);

/* Builds the source reading name (a shm name "/wsscale" or an absolute file path), a heartbeat
 * older than stale_after_ms meaning STALE. Does no I/O: the counter need not exist yet. Returns
 * it, or one with ops == NULL and a message in err for a bad name, stale_after_ms <= 0 or out
 * of memory. Free with source_destroy(). Thread-safe. */
struct source source_shm_new(const char *name, int64_t stale_after_ms, char *err, size_t errlen);

#endif
