/* SPDX-License-Identifier: Apache-2.0 */
/* load_procs.h: wsscale-load over several processes (--processes), because one process may open
 * only so many files: the split of a run into child shares, the children's lives (fork, signals
 * passed on, bounded waits) and the merge of what they report over their pipes.
 * Does not: open connections (each child runs runner.c on its share), parse flags or format the
 * summary (main.c and load_summary.c do).
 * Threads: the parent's main thread before any other thread exists; in a child, its runner.
 *
 * How a run is split: child i of P gets connections/P and rate/P, the first connections%P and
 * rate%P children one more. The children's slots are consecutive ranges of the run's slots, and
 * each child gets every --url and every --source-addrs address, rotated so that run slot g still
 * uses url g % nurls and address g % naddrs: P processes spread connections over URLs and source
 * addresses exactly as one process would. (Addresses are not sliced between children: with
 * IP_BIND_ADDRESS_NO_PORT the kernel shares an address's ports between processes anyway, and
 * fewer addresses than processes would otherwise leave children with none.) */
#ifndef WSSCALE_LOAD_PROCS_H
#define WSSCALE_LOAD_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_config.h"
#include "load_wire.h"
#include "runner.h"

/* Most --processes. */
#define LOAD_PROCS_MAX 64
/* Length of the error text these functions leave. */
#define LOAD_PROCS_ERR_LEN 240

/* Child index's share of total over nprocs: total / nprocs, plus one for the first
 * total % nprocs children. nprocs 0 counts as 1. Pure. */
uint64_t load_procs_share(uint64_t total, unsigned nprocs, unsigned index);

/* The run slot child index's first slot is: the sum of the earlier children's shares. Pure. */
uint64_t load_procs_first_slot(uint64_t total, unsigned nprocs, unsigned index);

/* Checks that connections and rate split into nprocs useful shares: every child needs a
 * connection, and a paced run (rate > 0) a rate of at least 1/s. 0, or -1 with a one-line
 * message naming the flag at fault in err. Pure. */
int load_procs_check(uint64_t connections, uint64_t rate_per_s, unsigned nprocs, char *err,
                     size_t errlen);

/* Fills *out with child index's part of all: its connections and rate, and the targets and
 * sources rotated as the header comment says, copied into targets_buf (all->ntargets entries)
 * and sources_buf (all->nsources entries; may be NULL when there are none). Pure. */
void load_procs_child_config(const struct load_config *all, unsigned nprocs, unsigned index,
                             struct load_config *out, struct load_target *targets_buf,
                             struct sockaddr_storage *sources_buf);

/* Adds one child's result into the run's: stats merged (histograms bucket by bucket, close-code
 * times as one distribution), open_at_stop summed, measured_ms the longest, was_forced if any
 * was. into->stats must be set. Cannot fail. */
void load_procs_merge(struct runner_result *into, const struct load_wire_result *from,
                      const struct load_stats *stats);

/* What load_procs_run leaves. */
struct load_procs_result {
    struct runner_result run; /* merged over the children; run.stats is the caller's: free() */
    unsigned lost;            /* children that ended without a result (each logged) */
    bool is_child;            /* true in a child: return child_rc from main at once */
    int child_rc;             /* a child's exit status */
};

/* Runs cfg over nprocs processes (1: runner_run in this process, no fork). The parent forwards
 * SIGINT and SIGTERM to its children (a second one forces their stop), prints the summed
 * progress as opt asks, and kills children that outlive the stop by a bounded grace. A child
 * that dies or sends a bad record is logged and counted in res->lost, and the rest are stopped.
 * Call with SIGINT and SIGTERM blocked (runner_block_signals), stdout flushed, and no other
 * thread. Returns 0 with *res filled (in the parent, or in a child with is_child set), or -1
 * with the reason in err when the run could not start (pipes, fork, memory). */
int load_procs_run(const struct load_config *cfg, const struct runner_options *opt, unsigned nprocs,
                   struct load_procs_result *res, char *err, size_t errlen);

#endif
