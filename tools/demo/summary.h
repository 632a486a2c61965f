/* SPDX-License-Identifier: Apache-2.0 */
/* summary.h: the demo's closing text: how the replicas moved, how the clients fared across the
 * scale-downs (1001 closes, reconnects, errors), and the freshness of the adapter's answers
 * (p50/p99 against the 1.5 s goal).
 * Does not: gather the numbers or write files (timeline.c writes summary.txt).
 * Threads: any; pure. */
#ifndef DEMO_SUMMARY_H
#define DEMO_SUMMARY_H

#include "freshness.h"
#include "load_profile.h"
#include "run.h"
#include "wsscale/strbuf.h"

/* The freshness goal the summary checks p99 against. */
#define SUMMARY_FRESHNESS_GOAL_MS 1500.0

/* Appends the summary to out. 0, or -1 when the buffer fails. Pure. */
int summary_format(struct wss_strbuf *out, const struct run_outcome *run,
                   const struct freshness_result *fresh, const struct load_results *load,
                   int64_t sample_ms);

#endif
