/* SPDX-License-Identifier: Apache-2.0 */
/* sampler.h: the sampling thread: every interval, one sample from the source, timed, logged when
 * the source's state changes, kept as the latest and handed to a callback.
 * Does not: serve, push or keep history; the callback's owner does what it wants with a sample.
 * Threads: one thread of its own samples and calls back; every function below is thread-safe
 * except sampler_stop, which one thread calls once. */
#ifndef SIDECAR_SAMPLER_H
#define SIDECAR_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"
#include "source.h"

/* Room for a start error message. */
#define SAMPLER_ERR_LEN 256

/* Receives each sample on the sampler thread, right after it is taken. Must return quickly: the
 * next sample waits for it. s is valid only during the call. */
typedef void (*sampler_sample_cb)(const struct sample *s, void *arg);

struct sampler_config {
    struct source *source; /* borrowed; only the sampler thread calls it; outlives the sampler */
    int64_t interval_ms;   /* > 0: time from the start of one sample to the start of the next */
    sampler_sample_cb on_sample; /* may be NULL */
    void *on_sample_arg;
};

/* True when a sample taken after SIGTERM shows that the app is done with its connections: the
 * count is OK and 0, or the source cannot see the app any more (stale, missing or error). Pure. */
bool sampler_app_is_done(const struct sample *s);

/* Starts the thread; the first sample is taken at once. Returns NULL with a message in err for
 * a bad config or a thread that cannot start. */
struct sampler *sampler_start(const struct sampler_config *cfg, char *err, size_t errlen);

/* Marks every later sample as draining (the sidecar got SIGTERM). Cannot fail. */
void sampler_set_draining(struct sampler *s);

/* Copies the latest sample into out; false (out untouched) before the first one. */
bool sampler_latest(struct sampler *s, struct sample *out);

/* After sampler_set_draining: waits until a sample begun since then satisfies
 * sampler_app_is_done, or timeout_ms passes. Returns true when the app is done. */
bool sampler_wait_app_done(struct sampler *s, int64_t timeout_ms);

/* Stops the thread (an in-progress sample finishes first: sources have their own timeouts),
 * joins it, copies the newest sample into last (when not NULL) and frees the sampler. Returns
 * whether there was a sample (false for NULL s). Not from the callback. */
bool sampler_stop(struct sampler *s, struct sample *last);

#endif
