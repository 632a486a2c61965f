/* SPDX-License-Identifier: Apache-2.0 */
/* worker.h: one load-generator thread: its event loop, its share of the connection slots, the
 * pacing of new connections, and the orderly or forced stop.
 * Does not: merge results, print progress or handle signals (runner.c does).
 * Threads: created and joined by the main thread; the worker thread owns everything inside
 * except worker_request_stop, worker_live and worker_is_finished, which any thread may call. */
#ifndef WSSCALE_LOAD_WORKER_H
#define WSSCALE_LOAD_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_config.h"
#include "load_stats.h"

/* Length of the error text worker_create and worker_start leave. */
#define WORKER_ERR_LEN 160

struct worker; /* opaque */

/* Creates worker index of nworkers: it owns slots index, index + nworkers, ... of
 * cfg->connections and paces them at its share of cfg->rate_per_s. run_start_ns is the run's
 * CLOCK_MONOTONIC start. NULL on failure with the reason in err. cfg must outlive the worker. */
struct worker *worker_create(const struct load_config *cfg, unsigned index, unsigned nworkers,
                             uint64_t run_start_ns, char *err, size_t errlen);

/* Starts the thread. 0, or -1 with the reason in err. */
int worker_start(struct worker *w, char *err, size_t errlen);

/* Asks the worker to stop: gracefully (Close 1000 to every open connection, then wait for the
 * answers up to close_timeout_ms) or, when is_forced, at once. Call from one thread (main);
 * idempotent; a forced request overrides a graceful one. */
void worker_request_stop(struct worker *w, bool is_forced);

/* The live counters, for the progress line. Thread-safe (relaxed atomics). */
const struct load_live *worker_live(const struct worker *w);

/* True once the worker's loop has ended (every slot done, or a forced stop). Thread-safe. */
bool worker_is_finished(const struct worker *w);

/* Waits for the thread to end. 0, or -1 if it was never started or the join failed. */
int worker_join(struct worker *w);

/* The worker's stats; read them only after worker_join. */
const struct load_stats *worker_stats(const struct worker *w);

/* Frees a joined (or never started) worker; accepts NULL. */
void worker_free(struct worker *w);

#endif
