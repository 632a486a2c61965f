/* SPDX-License-Identifier: Apache-2.0 */
/* report.h: the end of a demo run: the load runs' results and the freshness percentiles gathered,
 * the chart drawn, the summary printed and written to summary.txt, and the "end" event logged.
 * Does not: run or stop anything but gnuplot (main stops the parts).
 * Threads: main's thread only. */
#ifndef DEMO_REPORT_H
#define DEMO_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "freshness.h"
#include "load_profile.h"
#include "run.h"
#include "timeline.h"

/* The parts the report reads; all borrowed. */
struct report_parts {
    const struct load_profile *load; /* every step ended or stopped */
    const struct freshness *fresh;
    struct timeline *timeline;
    struct events *events;
    const struct run_outcome *outcome;
    const char *out_dir;
    int64_t sample_ms;
    FILE *out;            /* where the summary is printed */
    const char *prom_url; /* NULL without --prometheus */
};

/* Writes the report. Returns true when every load run was ok; a chart that cannot be drawn is
 * said in the summary, not a failure. */
bool report_finish(const struct report_parts *rp);

#endif
