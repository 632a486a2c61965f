/* SPDX-License-Identifier: Apache-2.0 */
/* view.h: the demo's live terminal view: one line a second with the time, the total and wanted
 * connections, the replicas (current -> desired), each pod's connections (P: pending, D:
 * deleting) and the HPA's last decision with its reason.
 * Does not: gather the numbers (main does) or keep state between lines.
 * Threads: any; view_format is pure. */
#ifndef DEMO_VIEW_H
#define DEMO_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pods.h"

/* A line is cut to this many bytes (NUL included). */
#define VIEW_LINE_LEN 1024

struct view_state {
    double t_s;
    int64_t total, wanted;
    int32_t replicas, desired;
    const struct pod_info *const *pods; /* borrowed; n_pods of them */
    size_t n_pods;
    const char *decision; /* borrowed: the last decision, e.g. "3 -> 4 (SucceededRescale: ...)" */
};

/* Formats one line (no newline) into buf (cap bytes, cut if longer). Returns the length written.
 * Pure. */
size_t view_format(const struct view_state *s, char *buf, size_t cap);

/* Writes view_format's line and a newline to out; errors are ignored (a view is best effort). */
void view_print(FILE *out, const struct view_state *s);

#endif
