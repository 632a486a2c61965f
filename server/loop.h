/* SPDX-License-Identifier: Apache-2.0 */
/* loop.h: one thread's event loop: fd dispatch, timers, a cross-thread wakeup, the table of open
 * connections and the paced drain that closes them evenly over a window.
 * Does not: poll the kernel itself (loop_backend.h does), or know what a connection is beyond a
 * link. Threads: everything belongs to the loop's thread except loop_wakeup(), which any thread may
 * call. */
#ifndef WSSCALE_SERVER_LOOP_H
#define WSSCALE_SERVER_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop_backend.h" /* LOOP_READ, LOOP_WRITE, LOOP_HUP */

/* Length of the error text loop_create() leaves in err. */
#define LOOP_ERR_LEN 160

/* Readiness events handed to loop_run_once() per wait; more stay queued in the kernel. */
#define LOOP_MAX_EVENTS 256

struct loop; /* opaque */

/* The owner of an fd embeds one of these; find the owner with LOOP_CONTAINER_OF. */
struct loop_io;
typedef void (*loop_io_cb)(struct loop_io *io, uint32_t events);
struct loop_io {
    loop_io_cb cb;   /* private: set by loop_io_init */
    int fd;          /* public, read-only */
    uint32_t events; /* private: interest, plus a registered bit */
};

/* A one-shot timer embedded in its owner; re-arm from the callback for a periodic one. */
struct loop_timer;
typedef void (*loop_timer_cb)(struct loop_timer *t);
struct loop_timer {
    loop_timer_cb cb; /* private */
    uint64_t due_ms;  /* public, read-only while armed: when it fires, loop clock */
    uint64_t seq;     /* private: arming order, breaks ties so equal due times fire FIFO */
    uint32_t slot;    /* private: heap position + 1; 0 = not armed */
};

/* Work deferred until the current iteration's callbacks have returned (freeing an object whose
 * callback may still be on the stack), embedded in its owner. */
struct loop_defer;
typedef void (*loop_defer_cb)(struct loop_defer *d);
struct loop_defer {
    struct loop_defer *next; /* private */
    loop_defer_cb cb;        /* private */
};

/* An entry of the open-connection table, embedded in the connection. */
struct loop_link {
    struct loop_link *prev, *next; /* private */
};

#define LOOP_CONTAINER_OF(ptr, type, member)                                                       \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* A monotonic clock in milliseconds; tests pass a fake one. */
typedef uint64_t (*loop_clock_cb)(void *arg);

struct loop_options {
    loop_clock_cb clock; /* NULL = CLOCK_MONOTONIC */
    void *clock_arg;     /* borrowed; passed to clock */
};

/* Runs on the loop's thread after one or more loop_wakeup() calls from any thread. */
typedef void (*loop_wakeup_cb)(struct loop *l, void *arg);

/* Called by the drain for each connection it picks, already removed from the table; the callee
 * starts that connection's close. */
typedef void (*loop_drain_cb)(struct loop_link *c, void *arg);

/* Creates a loop (opt may be NULL); NULL on failure with the reason in err (LOOP_ERR_LEN). */
struct loop *loop_create(const struct loop_options *opt, char *err, size_t errlen);

/* Frees the loop; accepts NULL. Does not close watched fds or run pending timers. */
void loop_free(struct loop *l);

/* Waits at most max_wait_ms (-1 = until the next timer or event), dispatches ready fds, then runs
 * due timers. Returns 0 or the backend's -errno. */
int loop_run_once(struct loop *l, int max_wait_ms);

/* Runs loop_run_once() until loop_stop(); returns 0, or -errno if the backend failed. */
int loop_run(struct loop *l);

/* Makes loop_run() return after the current iteration; loop thread only. */
void loop_stop(struct loop *l);

/* The loop's clock as of the last update (after each wait); never goes backwards. */
uint64_t loop_now_ms(const struct loop *l);

/* Re-reads the clock; for callers that did slow work inside a callback. Returns the new now. */
uint64_t loop_update_time(struct loop *l);

/* Prepares io for fd with its callback; does not register anything. */
void loop_io_init(struct loop_io *io, int fd, loop_io_cb cb);

/* Sets the events io waits for (LOOP_READ|LOOP_WRITE; 0 keeps the fd registered but quiet),
 * registering it on first use. 0 or -errno; on failure io keeps its previous interest. */
int loop_io_set(struct loop *l, struct loop_io *io, uint32_t events);

/* Unregisters io, and drops its events still pending in the current dispatch batch, so the owner
 * may be freed right after. Safe if io was never registered. 0 or -errno. */
int loop_io_stop(struct loop *l, struct loop_io *io);

/* Prepares a timer; it is not armed. */
void loop_timer_init(struct loop_timer *t, loop_timer_cb cb);

/* Arms (or re-arms) t to fire delay_ms from loop_now_ms(). 0 or -ENOMEM (t is then not armed). */
int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t delay_ms);

/* Disarms t; safe if it is not armed. */
void loop_timer_stop(struct loop *l, struct loop_timer *t);

/* True while t is armed. */
bool loop_timer_is_armed(const struct loop_timer *t);

/* Number of armed timers. */
size_t loop_timer_count(const struct loop *l);

/* Queues d to run cb once after the fd and timer callbacks of this iteration (or at the next
 * loop_run_deferred()); d must not be queued twice. Cannot fail. */
void loop_defer(struct loop *l, struct loop_defer *d, loop_defer_cb cb);

/* Runs the deferred work now, including work queued while it runs; for teardown outside
 * loop_run(). */
void loop_run_deferred(struct loop *l);

/* Sets what runs after loop_wakeup(); call before other threads may wake the loop. */
void loop_set_wakeup_cb(struct loop *l, loop_wakeup_cb cb, void *arg);

/* Wakes the loop from any thread; calls coalesce until the callback has started. Thread-safe,
 * async-signal-safe. 0 or -errno. */
int loop_wakeup(struct loop *l);

/* Adds an open connection to the table (it becomes a drain candidate). */
void loop_conn_add(struct loop *l, struct loop_link *c);

/* Removes a connection from the table; safe if it is not in it. */
void loop_conn_remove(struct loop *l, struct loop_link *c);

/* True while c is in the table. */
bool loop_conn_is_listed(const struct loop_link *c);

/* Connections in the table. */
size_t loop_conn_count(const struct loop *l);

/* Starts the paced drain: the connections in the table (and any added later) are handed to cb,
 * oldest first, the i-th of N at i*window_ms/N after now, all of them by window_ms. 0, -EALREADY
 * if a drain is running, or -ENOMEM. */
int loop_drain_start(struct loop *l, uint64_t window_ms, loop_drain_cb cb, void *arg);

/* True once loop_drain_start() succeeded. */
bool loop_is_draining(const struct loop *l);

/* Connections the drain has handed to its callback so far. */
size_t loop_drain_closed(const struct loop *l);

#endif
