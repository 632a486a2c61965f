/* SPDX-License-Identifier: Apache-2.0 */
/* sample.h: one sample as the sampler hands it on: what the source said, when, how long it took.
 * Does not: take samples (sampler.c) or say what consumers do with them.
 * Threads: plain data, copied by value between the sampler, the endpoints and the pusher. */
#ifndef SIDECAR_SAMPLE_H
#define SIDECAR_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"

struct sample {
    struct source_sample src; /* the source's answer; a count only when src.state is OK */
    const char *kind;         /* static: the source kind, "shm" | "socket" | "scrape" */
    int64_t time_unix_ms;     /* CLOCK_REALTIME when the sample was started */
    int64_t mono_ns;          /* CLOCK_MONOTONIC at the same moment */
    double duration_s;        /* how long the source took */
    uint64_t number;          /* 1 for the first sample of this sidecar, then 2, 3, ... */
    bool is_draining;         /* the sidecar got SIGTERM, or the app says it drains */
};

#endif
