/* SPDX-License-Identifier: Apache-2.0 */
/* loop.c: timers (a binary min-heap), fd dispatch over loop_backend.h, the eventfd wakeup, the
 * open-connection table and the drain pacer.
 * Does not: include <sys/epoll.h> or touch sockets beyond the wakeup eventfd.
 * Threads: the loop's own thread, except loop_wakeup() (atomic flag + eventfd write). */
#include "loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* Set in loop_io.events once the fd is known to the backend. */
#define IO_REGISTERED 0x80000000u

/* First size of the timer heap; it doubles when full. */
#define TIMER_HEAP_FIRST_CAP 64

struct drain {
    bool is_active;
    uint64_t start_ms;
    uint64_t window_ms;
    size_t closed; /* handed to cb so far */
    loop_drain_cb cb;
    void *arg;
    struct loop_timer tick;
};

struct loop {
    struct loop_backend *backend; /* owned */
    loop_clock_cb clock;
    void *clock_arg; /* borrowed */
    uint64_t now_ms;
    bool is_stopped;

    struct loop_timer **heap; /* owned array; entries borrowed from their owners */
    size_t heap_len, heap_cap;
    uint64_t timer_seq;

    /* The batch being dispatched, so loop_io_stop() can cancel events of freed owners. */
    struct loop_backend_event batch[LOOP_MAX_EVENTS];
    int batch_len;
    int batch_pos;

    struct loop_io wake_io;      /* the eventfd */
    atomic_bool is_wake_pending; /* any thread sets it; the loop thread clears it */
    loop_wakeup_cb wake_cb;
    void *wake_arg;

    struct loop_defer *deferred; /* LIFO; run at the end of each iteration */

    struct loop_link conns; /* sentinel of the open-connection table, oldest first */
    size_t conn_count;
    struct drain drain;
};

static uint64_t monotonic_ms(void *arg)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_update_time(struct loop *l)
{
    uint64_t t = l->clock(l->clock_arg);
    if (t > l->now_ms)
        l->now_ms = t;
    return l->now_ms;
}

uint64_t loop_now_ms(const struct loop *l)
{
    return l->now_ms;
}

/* ---- timers ---------------------------------------------------------------------------------- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
    l->heap[i] = t;
    t->slot = (uint32_t)(i + 1);
}

static void heap_sift_up(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, l->heap[parent]))
            break;
        heap_set(l, i, l->heap[parent]);
        i = parent;
    }
    heap_set(l, i, t);
}

static void heap_sift_down(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
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

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb)
{
    memset(t, 0, sizeof(*t));
    t->cb = cb;
}

bool loop_timer_is_armed(const struct loop_timer *t)
{
    return t->slot != 0;
}

size_t loop_timer_count(const struct loop *l)
{
    return l->heap_len;
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
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

int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t delay_ms)
{
    loop_timer_stop(l, t);
    if (l->heap_len == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : TIMER_HEAP_FIRST_CAP;
        struct loop_timer **heap = realloc(l->heap, cap * sizeof(*heap));
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
static void run_timers(struct loop *l)
{
    uint64_t seq_limit = l->timer_seq;
    while (l->heap_len > 0) {
        struct loop_timer *t = l->heap[0];
        if (t->due_ms > l->now_ms || t->seq >= seq_limit)
            break;
        loop_timer_stop(l, t);
        t->cb(t);
    }
}

/* Milliseconds until the first timer, clamped to max_wait_ms (-1 = unbounded). */
static int wait_timeout(const struct loop *l, int max_wait_ms)
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

void loop_io_init(struct loop_io *io, int fd, loop_io_cb cb)
{
    io->cb = cb;
    io->fd = fd;
    io->events = 0;
}

int loop_io_set(struct loop *l, struct loop_io *io, uint32_t events)
{
    events &= LOOP_READ | LOOP_WRITE;
    int rc;
    if (!(io->events & IO_REGISTERED)) {
        rc = loop_backend_add(l->backend, io->fd, events, io);
    } else {
        if ((io->events & ~IO_REGISTERED) == events)
            return 0;
        rc = loop_backend_modify(l->backend, io->fd, events, io);
    }
    if (rc == 0)
        io->events = events | IO_REGISTERED;
    return rc;
}

int loop_io_stop(struct loop *l, struct loop_io *io)
{
    for (int i = l->batch_pos + 1; i < l->batch_len; i++)
        if (l->batch[i].data == io)
            l->batch[i].data = NULL;
    if (!(io->events & IO_REGISTERED))
        return 0;
    io->events = 0;
    return loop_backend_remove(l->backend, io->fd);
}

/* ---- wakeup ------------------------------------------------------------------------------------
 */

static void on_wake(struct loop_io *io, uint32_t events)
{
    (void)events;
    struct loop *l = LOOP_CONTAINER_OF(io, struct loop, wake_io);
    /* Clear first: a wakeup that lands after this point writes the eventfd again. */
    atomic_store_explicit(&l->is_wake_pending, false, memory_order_seq_cst);
    uint64_t n;
    while (read(io->fd, &n, sizeof(n)) < 0 && errno == EINTR)
        ;
    if (l->wake_cb)
        l->wake_cb(l, l->wake_arg);
}

void loop_set_wakeup_cb(struct loop *l, loop_wakeup_cb cb, void *arg)
{
    l->wake_cb = cb;
    l->wake_arg = arg;
}

int loop_wakeup(struct loop *l)
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

void loop_defer(struct loop *l, struct loop_defer *d, loop_defer_cb cb)
{
    d->cb = cb;
    d->next = l->deferred;
    l->deferred = d;
}

void loop_run_deferred(struct loop *l)
{
    while (l->deferred) {
        struct loop_defer *d = l->deferred;
        l->deferred = d->next;
        d->next = NULL;
        d->cb(d);
    }
}

/* ---- the connection table and the drain
 * ---------------------------------------------------------- */

void loop_conn_add(struct loop *l, struct loop_link *c)
{
    c->prev = l->conns.prev;
    c->next = &l->conns;
    l->conns.prev->next = c;
    l->conns.prev = c;
    l->conn_count++;
    /* A connection that finished its handshake after the drain ran dry still has to go. */
    if (l->drain.is_active && !loop_timer_is_armed(&l->drain.tick))
        loop_timer_start(l, &l->drain.tick, 0);
}

void loop_conn_remove(struct loop *l, struct loop_link *c)
{
    if (!c->next)
        return;
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->prev = c->next = NULL;
    l->conn_count--;
}

bool loop_conn_is_listed(const struct loop_link *c)
{
    return c->next != NULL;
}

size_t loop_conn_count(const struct loop *l)
{
    return l->conn_count;
}

/* Hands out every connection whose turn has come: with N = closed + listed, the i-th (from 0) is
 * due at start + i*window/N. Then sleeps until the next one is due. */
static void on_drain_tick(struct loop_timer *t)
{
    struct loop *l = LOOP_CONTAINER_OF(t, struct loop, drain.tick);
    struct drain *d = &l->drain;
    for (;;) {
        size_t total = d->closed + l->conn_count;
        if (l->conn_count == 0)
            return; /* loop_conn_add() re-arms the tick */
        uint64_t elapsed = l->now_ms - d->start_ms;
        size_t due = total;
        if (elapsed < d->window_ms) {
            due = (size_t)((uint64_t)elapsed * total / d->window_ms) + 1;
            if (due > total)
                due = total;
        }
        if (d->closed >= due) {
            uint64_t next = ((uint64_t)d->closed * d->window_ms + total - 1) / total;
            loop_timer_start(l, t, next > elapsed ? next - elapsed : 0);
            return;
        }
        struct loop_link *c = l->conns.next;
        loop_conn_remove(l, c);
        d->closed++;
        d->cb(c, d->arg);
    }
}

int loop_drain_start(struct loop *l, uint64_t window_ms, loop_drain_cb cb, void *arg)
{
    if (l->drain.is_active)
        return -EALREADY;
    l->drain.start_ms = l->now_ms;
    l->drain.window_ms = window_ms;
    l->drain.closed = 0;
    l->drain.cb = cb;
    l->drain.arg = arg;
    int rc = loop_timer_start(l, &l->drain.tick, 0);
    if (rc != 0)
        return rc;
    l->drain.is_active = true;
    return 0;
}

bool loop_is_draining(const struct loop *l)
{
    return l->drain.is_active;
}

size_t loop_drain_closed(const struct loop *l)
{
    return l->drain.closed;
}

/* ---- lifecycle and running
 * ------------------------------------------------------------------------ */

struct loop *loop_create(const struct loop_options *opt, char *err, size_t errlen)
{
    struct loop *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "loop: out of memory");
        return NULL;
    }
    l->clock = opt && opt->clock ? opt->clock : monotonic_ms;
    l->clock_arg = opt ? opt->clock_arg : NULL;
    l->conns.prev = l->conns.next = &l->conns;
    loop_timer_init(&l->drain.tick, on_drain_tick);
    atomic_init(&l->is_wake_pending, false);
    loop_io_init(&l->wake_io, -1, on_wake);
    char berr[LOOP_BACKEND_ERR_LEN];
    l->backend = loop_backend_create(berr, sizeof(berr));
    if (!l->backend) {
        snprintf(err, errlen, "%s", berr);
        goto fail;
    }
    l->wake_io.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_io.fd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    int rc = loop_io_set(l, &l->wake_io, LOOP_READ);
    if (rc != 0) {
        snprintf(err, errlen, "registering the wakeup eventfd: %s", strerror(-rc));
        goto fail;
    }
    loop_update_time(l);
    return l;
fail:
    loop_free(l);
    return NULL;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    if (l->wake_io.fd >= 0) {
        if (l->backend)
            loop_io_stop(l, &l->wake_io);
        close(l->wake_io.fd);
    }
    loop_backend_free(l->backend);
    free(l->heap);
    free(l);
}

int loop_run_once(struct loop *l, int max_wait_ms)
{
    int n = loop_backend_wait(l->backend, l->batch, LOOP_MAX_EVENTS, wait_timeout(l, max_wait_ms));
    if (n < 0)
        return n;
    loop_update_time(l);
    l->batch_len = n;
    for (l->batch_pos = 0; l->batch_pos < n; l->batch_pos++) {
        struct loop_backend_event *ev = &l->batch[l->batch_pos];
        struct loop_io *io = ev->data;
        if (io) /* NULL: its owner stopped it earlier in this batch */
            io->cb(io, ev->events);
    }
    l->batch_len = 0;
    l->batch_pos = 0;
    if (n > 0)
        loop_update_time(l);
    run_timers(l);
    loop_run_deferred(l);
    return 0;
}

int loop_run(struct loop *l)
{
    l->is_stopped = false;
    while (!l->is_stopped) {
        int rc = loop_run_once(l, -1);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void loop_stop(struct loop *l)
{
    l->is_stopped = true;
}
