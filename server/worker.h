/* SPDX-License-Identifier: Apache-2.0 */
/* worker.h: one serving thread: its event loop, its SO_REUSEPORT listener, its connections,
 * rooms, inbox, Redis bus and counters, and its part of the drain.
 * Does not: handle signals or decide when to drain (drain.c), or parse flags (main.c).
 * Threads: worker_new/worker_start/worker_join/worker_free on the main thread; the worker_*
 * calls marked thread-safe from any thread; everything else runs on the worker's own thread. */
#ifndef WSSCALE_SERVER_WORKER_H
#define WSSCALE_SERVER_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn.h"
#include "wsscale/loop.h"
#include "stats.h"
#include "wsscale/counter.h"

/* Length of the error text worker_new() leaves in err. */
#define WORKER_ERR_LEN 256

struct rooms;
struct http_endpoints;
struct inbox;
struct redis_bus_config;

/* What every worker shares. Pointers are borrowed and must outlive the workers. */
struct worker_config {
    const struct conn_limits *limits;
    struct rooms *rooms;
    struct http_endpoints *http;
    struct inbox *const *inboxes; /* nthreads entries, filled by main from worker_inbox() before
                                     any worker starts */
    struct stats *stats;          /* nthreads entries: worker i writes stats[i] */
    struct wss_counter_writer *counter;   /* NULL: no shared-memory counter */
    struct wss_loop *control;             /* woken when a worker's thread ends */
    const struct redis_bus_config *redis; /* NULL: rooms stay within this process */
    unsigned nthreads;
};

struct worker; /* opaque */

/* Creates worker number index (< nthreads) with its loop and a listener bound to *addr. With
 * port 0 the kernel's choice is written back into *addr, so later workers share the port.
 * NULL on failure with the reason in err (WORKER_ERR_LEN). */
struct worker *worker_new(unsigned index, const struct worker_config *cfg,
                          struct sockaddr_storage *addr, socklen_t addr_len, char *err,
                          size_t errlen);

/* The worker's inbox, for the shared inbox table. */
struct inbox *worker_inbox(struct worker *w);

/* Starts the worker's thread. 0 or -errno. */
int worker_start(struct worker *w);

/* Stops accepting, and closes the open WebSockets with 1001 spread evenly over window_ms; the
 * thread ends when its last connection is gone or window_ms + the close timeout have passed.
 * Idempotent. Thread-safe. */
void worker_begin_close(struct worker *w, uint64_t window_ms);

/* Ends the thread as soon as it can, closing every connection without a Close frame. Thread-safe.
 */
void worker_force_stop(struct worker *w);

/* True once the worker's thread has finished its loop. Thread-safe. */
bool worker_is_done(const struct worker *w);

/* CLOCK_MONOTONIC ms of the loop's last once-a-second tick, 0 before the first. Thread-safe. */
uint64_t worker_last_tick_ms(const struct worker *w);

/* Waits for the thread to end. 0 or -errno. */
int worker_join(struct worker *w);

/* Closes what is left (listener, connections) and frees the worker; accepts NULL. After
 * worker_join(), or for a worker never started. */
void worker_free(struct worker *w);

#endif
