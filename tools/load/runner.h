/* SPDX-License-Identifier: Apache-2.0 */
/* runner.h: one run of wsscale-load: starts the workers, shows progress, stops them at the
 * deadline or on SIGINT/SIGTERM (a second signal forces), joins them and merges their stats.
 * Does not: parse flags, resolve targets or format the summary (main and load_summary do).
 * Threads: runner_run is called from the main thread, which it keeps; workers get their own. */
#ifndef WSSCALE_LOAD_RUNNER_H
#define WSSCALE_LOAD_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_config.h"
#include "load_stats.h"

/* Length of the error text runner_run leaves. */
#define RUNNER_ERR_LEN 200

struct runner_options {
    unsigned threads;     /* workers, >= 1 */
    uint64_t duration_ms; /* stop after this long; 0 = only on a signal or when all slots end */
    uint64_t progress_ms; /* progress line interval; 0 = none */
    bool is_progress_tty; /* rewrite one line in place (stderr is a terminal) */
    int progress_fd;      /* where progress goes (stderr) */
};

struct runner_result {
    struct load_stats *stats; /* owned by the caller: free() it */
    uint64_t measured_ms;     /* start to the stop request (or to the end if none) */
    uint64_t elapsed_ms;      /* start to the last worker joined */
    uint64_t open_at_stop;    /* connections open when the stop began */
    bool was_forced;          /* a second signal or the stop deadline forced the end */
};

/* Blocks SIGINT and SIGTERM in the calling thread (workers inherit the mask; the runner waits
 * for them with sigtimedwait). Call before any other thread exists. 0 or -1. */
int runner_block_signals(void);

/* Runs cfg to the end. Returns 0 with *res filled, or -1 with the reason in err (workers could
 * not be created or started; those that did start are stopped and joined first). */
int runner_run(const struct load_config *cfg, const struct runner_options *opt,
               struct runner_result *res, char *err, size_t errlen);

#endif
