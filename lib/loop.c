/* SPDX-License-Identifier: Apache-2.0 */
/* loop.c: the wss_loop unit: timers (a binary min-heap), fd dispatch over loop_backend.h, the
 * eventfd wakeup, the open-connection table and the drain pacer.
 * Does not: include <sys/epoll.h> (loop_epoll.c does) or touch sockets beyond the wakeup eventfd.
 * Threads: the loop's own thread, except wss_loop_wakeup() (atomic flag + eventfd write). */
#include "wsscale/loop.h"

#include "loop_backend.h"
#include "wsscale/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Set in wss_loop_io.events once the fd is known to the backend. */
#define IO_REGISTERED 0x80000000u

/* First size of the timer heap; it doubles when full. */
#define TIMER_HEAP_FIRST_CAP 64

struct drain {
    bool is_active;
    uint64_t start_ms;
    uint64_t window_ms;
    size_t closed; /* handed to cb so far */
    wss_loop_drain_cb cb;
    void *arg;
    struct wss_loop_timer tick;
};

struct wss_loop {
    struct wss__loop_backend *backend; /* owned */
    wss_loop_clock_cb clock;
    void *clock_arg; /* borrowed */
    uint64_t now_ms;
    bool is_stopped;

    struct wss_loop_timer **heap; /* owned array; entries borrowed from their owners */
    size_t heap_len, heap_cap;
    uint64_t timer_seq;

    /* The batch being dispatched, so wss_loop_io_stop() can cancel events of freed owners. */
    struct wss__loop_backend_event batch[WSS_LOOP_MAX_EVENTS];
    int batch_len;
    int batch_pos;

    struct wss_loop_io wake_io;  /* the eventfd */
    atomic_bool is_wake_pending; /* any thread sets it; the loop thread clears it */
    wss_loop_wakeup_cb wake_cb;
    void *wake_arg;

    struct wss_loop_defer *deferred; /* LIFO; run at the end of each iteration */

    struct wss_loop_link conns; /* sentinel of the open-connection table, oldest first */
    size_t conn_count;
    struct drain drain;
};

static uint64_t monotonic_ms(void *arg)
{
    (void)arg;
    return (uint64_t)wss_clock_mono_ms();
}

uint64_t wss_loop_update_time(struct wss_loop *l)
{
    uint64_t t = l->clock(l->clock_arg);
    if (t > l->now_ms)
        l->now_ms = t;
    return l->now_ms;
}

uint64_t wss_loop_now_ms(const struct wss_loop *l)
{
    return l->now_ms;
}

/* ---- timers ---------------------------------------------------------------------------------- */

static bool timer_before(const struct wss_loop_timer *a, const struct wss_loop_timer *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(struct wss_loop *l, size_t i, struct wss_loop_timer *t)
{
    l->heap[i] = t;
    t->slot = (uint32_t)(i + 1);
}

static void heap_sift_up(struct wss_loop *l, size_t i)
{
    struct wss_loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, l->heap[parent]))
            break;
        heap_set(l, i, l->heap[parent]);
        i = parent;
    }
    heap_set(l, i, t);
}

static void heap_sift_down(struct wss_loop *l, size_t i)
{
    struct wss_loop_timer *t = l->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= l->heap_len)
            break;
        if (child + 1 < l->heap_len && timer_before(l->heap[child + 1], l->heap[child]))
            child++;
        if (!timer_before(l->heap[child], t))
            break;
        heap_set(l, i, l->heap[child]);
        i = child;
    }
    heap_set(l, i, t);
}

void wss_loop_timer_init(struct wss_loop_timer *t, wss_loop_timer_cb cb)
{
    memset(t, 0, sizeof(*t));
    t->cb = cb;
}

bool wss_loop_timer_is_armed(const struct wss_loop_timer *t)
{
    return t->slot != 0;
}

size_t wss_loop_timer_count(const struct wss_loop *l)
{
    return l->heap_len;
}

void wss_loop_timer_stop(struct wss_loop *l, struct wss_loop_timer *t)
{
    if (!t->slot)
        return;
    size_t i = t->slot - 1;
    t->slot = 0;
    l->heap_len--;
    if (i == l->heap_len)
        return;
    heap_set(l, i, l->heap[l->heap_len]);
    if (i > 0 && timer_before(l->heap[i], l->heap[(i - 1) / 2]))
        heap_sift_up(l, i);
    else
        heap_sift_down(l, i);
}

int wss_loop_timer_start(struct wss_loop *l, struct wss_loop_timer *t, uint64_t delay_ms)
{
    wss_loop_timer_stop(l, t);
    if (l->heap_len == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : TIMER_HEAP_FIRST_CAP;
        struct wss_loop_timer **heap = realloc(l->heap, cap * sizeof(*heap));
        if (!heap)
            return -ENOMEM;
        l->heap = heap;
        l->heap_cap = cap;
    }
    t->due_ms = l->now_ms + delay_ms;
    t->seq = l->timer_seq++;
    l->heap[l->heap_len] = t;
    heap_sift_up(l, l->heap_len++);
    return 0;
}

/* Runs timers due by now that were armed before this pass began, so a callback re-arming itself
 * with delay 0 runs on the next iteration, not in an endless loop here. */
static void run_timers(struct wss_loop *l)
{
    uint64_t seq_limit = l->timer_seq;
    while (l->heap_len > 0) {
        struct wss_loop_timer *t = l->heap[0];
        if (t->due_ms > l->now_ms || t->seq >= seq_limit)
            break;
        wss_loop_timer_stop(l, t);
        t->cb(t);
    }
}

/* Milliseconds until the first timer, clamped to max_wait_ms (-1 = unbounded). */
static int wait_timeout(const struct wss_loop *l, int max_wait_ms)
{
    if (l->heap_len == 0)
        return max_wait_ms;
    uint64_t due = l->heap[0]->due_ms;
    uint64_t left = due > l->now_ms ? due - l->now_ms : 0;
    if (max_wait_ms >= 0 && left > (uint64_t)max_wait_ms)
        return max_wait_ms;
    return left > (uint64_t)INT32_MAX ? INT32_MAX : (int)left;
}

/* ---- fds ---------------------------------------------------------------------------------------
 */

void wss_loop_io_init(struct wss_loop_io *io, int fd, wss_loop_io_cb cb)
{
    io->cb = cb;
    io->fd = fd;
    io->events = 0;
}

int wss_loop_io_set(struct wss_loop *l, struct wss_loop_io *io, uint32_t events)
{
    events &= WSS_LOOP_READ | WSS_LOOP_WRITE;
    int rc;
    if (!(io->events & IO_REGISTERED)) {
        rc = wss__loop_backend_add(l->backend, io->fd, events, io);
    } else {
        if ((io->events & ~IO_REGISTERED) == events)
            return 0;
        rc = wss__loop_backend_modify(l->backend, io->fd, events, io);
    }
    if (rc == 0)
        io->events = events | IO_REGISTERED;
    return rc;
}

int wss_loop_io_stop(struct wss_loop *l, struct wss_loop_io *io)
{
    for (int i = l->batch_pos + 1; i < l->batch_len; i++)
        if (l->batch[i].data == io)
            l->batch[i].data = NULL;
    if (!(io->events & IO_REGISTERED))
        return 0;
    io->events = 0;
    return wss__loop_backend_remove(l->backend, io->fd);
}

/* ---- wakeup ------------------------------------------------------------------------------------
 */

static void on_wake(struct wss_loop_io *io, uint32_t events)
{
    (void)events;
    struct wss_loop *l = WSS_LOOP_CONTAINER_OF(io, struct wss_loop, wake_io);
    /* Clear first: a wakeup that lands after this point writes the eventfd again. */
    atomic_store_explicit(&l->is_wake_pending, false, memory_order_seq_cst);
    uint64_t n;
    while (read(io->fd, &n, sizeof(n)) < 0 && errno == EINTR)
        ;
    if (l->wake_cb)
        l->wake_cb(l, l->wake_arg);
}

void wss_loop_set_wakeup_cb(struct wss_loop *l, wss_loop_wakeup_cb cb, void *arg)
{
    l->wake_cb = cb;
    l->wake_arg = arg;
}

int wss_loop_wakeup(struct wss_loop *l)
{
    if (atomic_exchange_explicit(&l->is_wake_pending, true, memory_order_seq_cst))
        return 0;
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(l->wake_io.fd, &one, sizeof(one));
        if (n == (ssize_t)sizeof(one))
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        /* EAGAIN means the counter is saturated: the loop will wake anyway. */
        return n < 0 && errno != EAGAIN ? -errno : 0;
    }
}

/* ---- deferred work ----------------------------------------------------------------------------
 */

void wss_loop_defer(struct wss_loop *l, struct wss_loop_defer *d, wss_loop_defer_cb cb)
{
    d->cb = cb;
    d->next = l->deferred;
    l->deferred = d;
}

void wss_loop_run_deferred(struct wss_loop *l)
{
    while (l->deferred) {
        struct wss_loop_defer *d = l->deferred;
        l->deferred = d->next;
        d->next = NULL;
        d->cb(d);
    }
}

/* ---- the connection table and the drain
 * ---------------------------------------------------------- */

void wss_loop_conn_add(struct wss_loop *l, struct wss_loop_link *c)
{
    c->prev = l->conns.prev;
    c->next = &l->conns;
    l->conns.prev->next = c;
    l->conns.prev = c;
    l->conn_count++;
    /* A connection that finished its handshake after the drain ran dry still has to go. */
    if (l->drain.is_active && !wss_loop_timer_is_armed(&l->drain.tick))
        wss_loop_timer_start(l, &l->drain.tick, 0);
}

void wss_loop_conn_remove(struct wss_loop *l, struct wss_loop_link *c)
{
    if (!c->next)
        return;
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->prev = c->next = NULL;
    l->conn_count--;
}

bool wss_loop_conn_is_listed(const struct wss_loop_link *c)
{
    return c->next != NULL;
}

size_t wss_loop_conn_count(const struct wss_loop *l)
{
    return l->conn_count;
}

/* Hands out every connection whose turn has come: with N = closed + listed, the i-th (from 0) is
 * due at start + i*window/N. Then sleeps until the next one is due. */
static void on_drain_tick(struct wss_loop_timer *t)
{
    struct wss_loop *l = WSS_LOOP_CONTAINER_OF(t, struct wss_loop, drain.tick);
    struct drain *d = &l->drain;
    for (;;) {
        size_t total = d->closed + l->conn_count;
        if (l->conn_count == 0)
            return; /* wss_loop_conn_add() re-arms the tick */
        uint64_t elapsed = l->now_ms - d->start_ms;
        size_t due = total;
        if (elapsed < d->window_ms) {
            due = (size_t)((uint64_t)elapsed * total / d->window_ms) + 1;
            if (due > total)
                due = total;
        }
        if (d->closed >= due) {
            uint64_t next = ((uint64_t)d->closed * d->window_ms + total - 1) / total;
            wss_loop_timer_start(l, t, next > elapsed ? next - elapsed : 0);
            return;
        }
        struct wss_loop_link *c = l->conns.next;
        wss_loop_conn_remove(l, c);
        d->closed++;
        d->cb(c, d->arg);
    }
}

int wss_loop_drain_start(struct wss_loop *l, uint64_t window_ms, wss_loop_drain_cb cb, void *arg)
{
    if (l->drain.is_active)
        return -EALREADY;
    l->drain.start_ms = l->now_ms;
    l->drain.window_ms = window_ms;
    l->drain.closed = 0;
    l->drain.cb = cb;
    l->drain.arg = arg;
    int rc = wss_loop_timer_start(l, &l->drain.tick, 0);
    if (rc != 0)
        return rc;
    l->drain.is_active = true;
    return 0;
}

bool wss_loop_is_draining(const struct wss_loop *l)
{
    return l->drain.is_active;
}

size_t wss_loop_drain_closed(const struct wss_loop *l)
{
    return l->drain.closed;
}

/* ---- lifecycle and running
 * ------------------------------------------------------------------------ */

struct wss_loop *wss_loop_create(const struct wss_loop_options *opt, char *err, size_t errlen)
{
    struct wss_loop *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "loop: out of memory");
        return NULL;
    }
    l->clock = opt && opt->clock ? opt->clock : monotonic_ms;
    l->clock_arg = opt ? opt->clock_arg : NULL;
    l->conns.prev = l->conns.next = &l->conns;
    wss_loop_timer_init(&l->drain.tick, on_drain_tick);
    atomic_init(&l->is_wake_pending, false);
    wss_loop_io_init(&l->wake_io, -1, on_wake);
    char berr[WSS__LOOP_BACKEND_ERR_LEN];
    l->backend = wss__loop_backend_create(berr, sizeof(berr));
    if (!l->backend) {
        snprintf(err, errlen, "%s", berr);
        goto fail;
    }
    l->wake_io.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_io.fd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    int rc = wss_loop_io_set(l, &l->wake_io, WSS_LOOP_READ);
    if (rc != 0) {
        snprintf(err, errlen, "registering the wakeup eventfd: %s", strerror(-rc));
        goto fail;
    }
    wss_loop_update_time(l);
    return l;
fail:
    wss_loop_free(l);
    return NULL;
}

void wss_loop_free(struct wss_loop *l)
{
    if (!l)
        return;
    if (l->wake_io.fd >= 0) {
        if (l->backend)
            wss_loop_io_stop(l, &l->wake_io);
        close(l->wake_io.fd);
    }
    wss__loop_backend_free(l->backend);
    free(l->heap);
    free(l);
}

int wss_loop_run_once(struct wss_loop *l, int max_wait_ms)
{
    int n = wss__loop_backend_wait(l->backend, l->batch, WSS_LOOP_MAX_EVENTS,
                                   wait_timeout(l, max_wait_ms));
    if (n < 0)
        return n;
    wss_loop_update_time(l);
    l->batch_len = n;
    for (l->batch_pos = 0; l->batch_pos < n; l->batch_pos++) {
        struct wss__loop_backend_event *ev = &l->batch[l->batch_pos];
        struct wss_loop_io *io = ev->data;
        if (io) /* NULL: its owner stopped it earlier in this batch */
            io->cb(io, ev->events);
    }
    l->batch_len = 0;
    l->batch_pos = 0;
    if (n > 0)
        wss_loop_update_time(l);
    run_timers(l);
    wss_loop_run_deferred(l);
    return 0;
}

int wss_loop_run(struct wss_loop *l)
{
    l->is_stopped = false;
    while (!l->is_stopped) {
        int rc = wss_loop_run_once(l, -1);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void wss_loop_stop(struct wss_loop *l)
{
    l->is_stopped = true;
}
