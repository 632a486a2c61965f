/* SPDX-License-Identifier: Apache-2.0 */
/* load_summary.h: the end-of-run report of wsscale-load, as aligned text for people or as one
 * JSON object for scripts (the field names are documented in --help and docs).
 * Does not: count anything or print; it appends to the caller's buffer.
 * Threads: reads merged stats after every worker has been joined. */
#ifndef WSSCALE_LOAD_SUMMARY_H
#define WSSCALE_LOAD_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_stats.h"
#include "wsscale/strbuf.h"

/* What the stats alone do not say about the run. */
struct load_summary_info {
    const char *mode;        /* "echo", "hold" or "room" (borrowed) */
    uint64_t connections;    /* --connections */
    size_t nurls;            /* how many --url values */
    uint64_t measured_ms;    /* start to the stop request: the span rates are computed over */
    uint64_t elapsed_ms;     /* start to the last connection closed */
    uint64_t open_at_stop;   /* connections open when the stop began */
    uint64_t max_errors;     /* --max-errors: more errors than this fail the run */
    unsigned processes;      /* --processes (0 counts as 1) */
    unsigned processes_lost; /* child processes that ended without a result: fails the run */
};

/* Appends the text report (several lines, each ending in '\n'). Returns 0, or -1 when the
 * buffer fails. */
int load_summary_text(const struct load_stats *s, const struct load_summary_info *info,
                      struct wss_strbuf *out);

/* Appends the JSON report (one object and a '\n'). Returns 0, or -1 when memory runs out. */
int load_summary_json(const struct load_stats *s, const struct load_summary_info *info,
                      struct wss_strbuf *out);

/* True when the run failed: more errors than info->max_errors, or a lost process. Pure. */
bool load_summary_is_failed(const struct load_stats *s, const struct load_summary_info *info);

#endif
