/* SPDX-License-Identifier: Apache-2.0 */
/* loop.h: one thread's event loop, shared by wsscale-server and wsscale-load: fd dispatch, timers,
 * a cross-thread wakeup, the table of open connections and the paced drain that closes them evenly
 * over a window.
 * Does not: poll the kernel itself (the backend behind lib/loop_backend.h does, epoll on Linux), or
 * know what a connection is beyond a link.
 * Threads: everything belongs to the loop's thread except wss_loop_wakeup(), which any thread may
 * call. */
#ifndef WSSCALE_LOOP_H
#define WSSCALE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Interest and readiness bits of wss_loop_io_set() and of the events an io callback receives. */
#define WSS_LOOP_READ  0x1u /* readable, or a listener has a connection waiting */
#define WSS_LOOP_WRITE 0x2u /* writable */
#define WSS_LOOP_HUP   0x4u /* error or hang-up; reported whether asked for or not */

/* Length of the error text wss_loop_create() leaves in err. */
#define WSS_LOOP_ERR_LEN 160

/* Readiness events handed to wss_loop_run_once() per wait; more stay queued in the kernel. */
#define WSS_LOOP_MAX_EVENTS 256

struct wss_loop; /* opaque */

/* The owner of an fd embeds one of these; find the owner with WSS_LOOP_CONTAINER_OF. */
struct wss_loop_io;
typedef void (*wss_loop_io_cb)(struct wss_loop_io *io, uint32_t events);
struct wss_loop_io {
    wss_loop_io_cb cb; /* private: set by wss_loop_io_init */
    int fd;            /* public, read-only */
    uint32_t events;   /* private: interest, plus a registered bit */
};

/* A one-shot timer embedded in its owner; re-arm from the callback for a periodic one. */
struct wss_loop_timer;
typedef void (*wss_loop_timer_cb)(struct wss_loop_timer *t);
struct wss_loop_timer {
    wss_loop_timer_cb cb; /* private */
    uint64_t due_ms;      /* public, read-only while armed: when it fires, loop clock */
    uint64_t seq;         /* private: arming order, breaks ties so equal due times fire FIFO */
    uint32_t slot;        /* private: heap position + 1; 0 = not armed */
};

/* Work deferred until the current iteration's callbacks have returned (freeing an object whose
 * callback may still be on the stack), embedded in its owner. */
struct wss_loop_defer;
typedef void (*wss_loop_defer_cb)(struct wss_loop_defer *d);
struct wss_loop_defer {
    struct wss_loop_defer *next; /* private */
    wss_loop_defer_cb cb;        /* private */
};

/* An entry of the open-connection table, embedded in the connection. */
struct wss_loop_link {
    struct wss_loop_link *prev, *next; /* private */
};

/* The struct of the given type whose member ptr points at: the owner of an io, timer, defer or
 * link handed to a callback. Cannot fail. */
#define WSS_LOOP_CONTAINER_OF(ptr, type, member)                                                   \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* A monotonic clock in milliseconds; tests pass a fake one. */
typedef uint64_t (*wss_loop_clock_cb)(void *arg);

/* What wss_loop_create() may be given; zero-fill for the defaults. */
struct wss_loop_options {
    wss_loop_clock_cb clock; /* NULL = CLOCK_MONOTONIC */
    void *clock_arg;         /* borrowed; passed to clock */
};

/* Runs on the loop's thread after one or more wss_loop_wakeup() calls from any thread. */
typedef void (*wss_loop_wakeup_cb)(struct wss_loop *l, void *arg);

/* Called by the drain for each connection it picks, already removed from the table; the callee
 * starts that connection's close. */
typedef void (*wss_loop_drain_cb)(struct wss_loop_link *c, void *arg);

/* Creates a loop (opt may be NULL); NULL on failure with the reason in err (WSS_LOOP_ERR_LEN). */
struct wss_loop *wss_loop_create(const struct wss_loop_options *opt, char *err, size_t errlen);

/* Frees the loop; accepts NULL. Does not close watched fds or run pending timers. */
void wss_loop_free(struct wss_loop *l);

/* Waits at most max_wait_ms (-1 = until the next timer or event), dispatches ready fds, then runs
 * due timers. Returns 0 or the backend's -errno. */
int wss_loop_run_once(struct wss_loop *l, int max_wait_ms);

/* Runs wss_loop_run_once() until wss_loop_stop(); returns 0, or -errno if the backend failed. */
int wss_loop_run(struct wss_loop *l);

/* Makes wss_loop_run() return after the current iteration; loop thread only. */
void wss_loop_stop(struct wss_loop *l);

/* The loop's clock as of the last update (after each wait); never goes backwards. */
uint64_t wss_loop_now_ms(const struct wss_loop *l);

/* Re-reads the clock; for callers that did slow work inside a callback. Returns the new now. */
uint64_t wss_loop_update_time(struct wss_loop *l);

/* Prepares io for fd with its callback; does not register anything. */
void wss_loop_io_init(struct wss_loop_io *io, int fd, wss_loop_io_cb cb);

/* Sets the events io waits for (WSS_LOOP_READ|WSS_LOOP_WRITE; 0 keeps the fd registered but quiet),
 * registering it on first use. 0 or -errno; on failure io keeps its previous interest. */
int wss_loop_io_set(struct wss_loop *l, struct wss_loop_io *io, uint32_t events);

/* Unregisters io, and drops its events still pending in the current dispatch batch, so the owner
 * may be freed right after. Safe if io was never registered. 0 or -errno. */
int wss_loop_io_stop(struct wss_loop *l, struct wss_loop_io *io);

/* Prepares a timer; it is not armed. */
void wss_loop_timer_init(struct wss_loop_timer *t, wss_loop_timer_cb cb);

/* Arms (or re-arms) t to fire delay_ms after wss_loop_now_ms(); 0, or -ENOMEM (t is not armed). */
int wss_loop_timer_start(struct wss_loop *l, struct wss_loop_timer *t, uint64_t delay_ms);

/* Disarms t; safe if it is not armed. */
void wss_loop_timer_stop(struct wss_loop *l, struct wss_loop_timer *t);

/* True while t is armed. */
bool wss_loop_timer_is_armed(const struct wss_loop_timer *t);

/* Number of armed timers. */
size_t wss_loop_timer_count(const struct wss_loop *l);

/* Queues d to run cb once after the fd and timer callbacks of this iteration (or at the next
 * wss_loop_run_deferred()); d must not be queued twice. Cannot fail. */
void wss_loop_defer(struct wss_loop *l, struct wss_loop_defer *d, wss_loop_defer_cb cb);

/* Runs the deferred work now, including work queued while it runs; for teardown outside
 * wss_loop_run(). */
void wss_loop_run_deferred(struct wss_loop *l);

/* Sets what runs after wss_loop_wakeup(); call before other threads may wake the loop. */
void wss_loop_set_wakeup_cb(struct wss_loop *l, wss_loop_wakeup_cb cb, void *arg);

/* Wakes the loop from any thread; calls coalesce until the callback has started. Thread-safe,
 * async-signal-safe. 0 or -errno. */
int wss_loop_wakeup(struct wss_loop *l);

/* Adds an open connection to the table (it becomes a drain candidate). */
void wss_loop_conn_add(struct wss_loop *l, struct wss_loop_link *c);

/* Removes a connection from the table; safe if it is not in it. */
void wss_loop_conn_remove(struct wss_loop *l, struct wss_loop_link *c);

/* True while c is in the table. */
bool wss_loop_conn_is_listed(const struct wss_loop_link *c);

/* Connections in the table. */
size_t wss_loop_conn_count(const struct wss_loop *l);

/* Starts the paced drain: the connections in the table (and any added later) are handed to cb,
 * oldest first, the i-th of N at i*window_ms/N after now, all of them by window_ms. 0, -EALREADY
 * if a drain is running, or -ENOMEM. */
int wss_loop_drain_start(struct wss_loop *l, uint64_t window_ms, wss_loop_drain_cb cb, void *arg);

/* True once wss_loop_drain_start() succeeded. */
bool wss_loop_is_draining(const struct wss_loop *l);

/* Connections the drain has handed to its callback so far. */
size_t wss_loop_drain_closed(const struct wss_loop *l);

#endif
