/* SPDX-License-Identifier: Apache-2.0 */
/* drain.h: graceful shutdown on SIGTERM (and, faster, SIGINT): readiness fails at once, the
 * workers stop accepting after a delay and close their connections over a window; a second
 * signal closes everything at once.
 * Does not: close connections itself (worker.c and the loop's drain pacer do) or exit.
 * Threads: created on the main thread, runs on the control loop; signals reach it through a
 * signalfd, so no code runs in a signal handler. */
#ifndef WSSCALE_SERVER_DRAIN_H
#define WSSCALE_SERVER_DRAIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/loop.h"
#include "worker.h"
#include "wsscale/counter.h"

/* Length of the error text drain_new() leaves in err. */
#define DRAIN_ERR_LEN 128

/* SIGINT drains with no delay and at most this window: an operator at a terminal. */
#define DRAIN_SIGINT_WINDOW_MAX_MS 1000

struct drain_config {
    uint64_t delay_ms;  /* SIGTERM: accept for this long after readiness fails */
    uint64_t window_ms; /* then spread the closes over this long */
};

struct drain; /* opaque */

/* Watches SIGTERM and SIGINT on control. The workers (n of them), is_draining (set at the first
 * signal; /readyz reads it) and counter (NULL if none; marked draining) are borrowed. When every
 * worker's thread has ended, control is stopped. NULL with err on failure. */
struct drain *drain_new(struct wss_loop *control, struct worker *const *workers, unsigned n,
                        const struct drain_config *cfg, atomic_bool *is_draining,
                        struct wss_counter_writer *counter, char *err, size_t errlen);

/* True once a signal started the drain. */
bool drain_was_requested(const struct drain *d);

/* Stops watching and frees; accepts NULL. */
void drain_free(struct drain *d);

#endif
