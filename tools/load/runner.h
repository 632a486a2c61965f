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

/* Gets the summed live counters every progress_ms, on the runner's thread. */
typedef void (*runner_progress_cb)(const struct load_totals *t, void *arg);

struct runner_options {
    unsigned threads;      /* workers, >= 1 */
    uint64_t duration_ms;  /* stop after this long; 0 = only on a signal or when all slots end */
    uint64_t progress_ms;  /* progress line interval; 0 = none */
    bool is_progress_tty;  /* rewrite one line in place (stderr is a terminal) */
    int progress_fd;       /* where progress goes (stderr) */
    uint64_t run_start_ns; /* CLOCK_MONOTONIC start, shared by every process of a run; 0 = now */
    runner_progress_cb on_progress; /* when set, called instead of writing the progress line */
    void *progress_arg;             /* borrowed; passed to on_progress */
};

/* What the progress line keeps between ticks: zero it, then set last_ms to the start. */
struct runner_progress {
    uint64_t last_ms;
    uint64_t last_msgs;
    bool has_printed;
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

/* Writes one progress line for t (open of connections, msgs/s since the previous line) to
 * opt->progress_fd. Best effort: a full or closed fd is ignored. Not thread-safe per pg. */
void runner_progress_print(const struct runner_options *opt, struct runner_progress *pg,
                           const struct load_totals *t, uint64_t connections, uint64_t now_ms,
                           uint64_t start_ms);

/* Ends the progress output: a newline after a line rewritten in place. Best effort. */
void runner_progress_end(const struct runner_options *opt, const struct runner_progress *pg);

#endif
