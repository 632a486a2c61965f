/* SPDX-License-Identifier: Apache-2.0 */
/* report.h: one sample and the pod's identity as a packed protobuf wsscale.v1.Report, the body
 * the pusher posts to the adapter's /ingest/v1/reports.
 * Does not: send anything, choose sequence numbers, or read the identity's sources.
 * Threads: pure but for the buffer it allocates; any thread. */
#ifndef SIDECAR_REPORT_H
#define SIDECAR_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"

/* Most labels one report carries (Kubernetes sets no limit; a pod has a handful). */
#define REPORT_MAX_LABELS 128

struct report_label {
    const char *key;   /* borrowed; NUL-terminated */
    const char *value; /* borrowed; NUL-terminated; may be "" */
};

/* Who the report is about; every string borrowed and NUL-terminated. */
struct report_identity {
    const char *ns;
    const char *pod;
    const char *uid;
    const struct report_label *labels;
    size_t nlabels;
};

/* What the sidecar adds to the sample. */
struct report_meta {
    uint32_t interval_ms; /* the sampling interval */
    uint64_t instance;    /* random per sidecar start */
    uint64_t sequence;    /* per instance, increasing */
    bool is_final;        /* the last report of this pod */
};

/* Packs a Report: identity, labels, source kind ("shm", "socket", "scrape"; anything else is
 * UNSPECIFIED) and state, counts (active only when OK, totals only when the source has them),
 * sample time, meta, draining. Writes a malloc'd buffer (free with free()) to *out. Returns 0,
 * -EINVAL for more than REPORT_MAX_LABELS labels, or -ENOMEM. Pure but for the allocation. */
int report_pack(const struct report_identity *id, const struct sample *s,
                const struct report_meta *m, uint8_t **out, size_t *out_len);

#endif
