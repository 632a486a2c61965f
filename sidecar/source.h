/* SPDX-License-Identifier: Apache-2.0 */
/* source.h: what every connection-count source gives the sampler, whatever it reads from
 * (the app's shared-memory counter, the pod's socket table, the app's own /metrics).
 * Does not: schedule samples, keep history, or know about pushing and serving.
 * Threads: a source is used by the sampler thread only. */
#ifndef SIDECAR_SOURCE_H
#define SIDECAR_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The same states as proto/wsscale.proto's SourceState: only OK carries a count. */
enum source_state {
    SOURCE_OK = 1,
    SOURCE_STALE = 2,   /* the source answered but its data is too old (hung or dead app) */
    SOURCE_MISSING = 3, /* nothing to read yet (the app has not started) */
    SOURCE_ERROR = 4,   /* reading failed (permission, parse error, scrape failure) */
};

/* Room for a one-line reason a sample is not OK, for logs and /metrics labels. */
#define SOURCE_DETAIL_LEN 160

struct source_sample {
    enum source_state state;
    uint64_t active; /* open connections; meaningful only when state == SOURCE_OK */
    bool has_totals; /* the source knows opened/closed totals (shm does) */
    uint64_t opened_total;
    uint64_t closed_total;
    bool is_draining;  /* the app says it is draining (shm knows; others report false) */
    bool is_restarted; /* the app restarted since the last sample (new shm instance) */
    char reason[SOURCE_DETAIL_LEN]; /* why the state is not OK; "" when OK */
};

struct source_ops {
    const char *kind; /* "shm" | "socket" | "scrape": the --source name and proto SourceKind */
    /* Takes one sample into out (always fully written). Returns 0, or a negative errno for a
     * programming error only: a source that cannot read says so in out->state. Must return
     * within the source's own timeout; never blocks indefinitely. */
    int (*sample)(void *self, struct source_sample *out);
    void (*destroy)(void *self); /* accepts NULL */
};

/* A source is its ops and its private state. */
struct source {
    const struct source_ops *ops;
    void *self; /* owned; freed by ops->destroy */
};

/* Frees a source built by one of the source_*_new constructors; accepts NULL ops. */
static inline void source_destroy(struct source *s)
{
    if (s != NULL && s->ops != NULL)
        s->ops->destroy(s->self);
}

#endif
