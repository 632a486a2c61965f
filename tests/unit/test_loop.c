/* SPDX-License-Identifier: Apache-2.0 */
/* test_loop.c: lib/loop.c (wss_loop) driven through a fake backend and a fake clock: timer order
 * and cancellation, fd dispatch, the cross-thread wakeup, and the drain's even spreading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/loop.h"

#include "loop_backend.h" /* the interface the fake backend below implements */

/* ---- the fake backend: records registrations, hands out queued events, advances the clock ---- */

#define FAKE_MAX_FDS    16
#define FAKE_MAX_QUEUED 16

struct fake_fd {
    int fd;
    uint32_t events;
    void *data;
    bool is_used;
};

struct wss__loop_backend {
    struct fake_fd fds[FAKE_MAX_FDS];
};

static struct {
    uint64_t now_ms;
    struct wss__loop_backend_event queued[FAKE_MAX_QUEUED];
    int nqueued;
    int last_timeout_ms;
    bool is_poll_real; /* poll the registered fds for real, waiting up to the timeout */
} fake;

static uint64_t fake_clock(void *arg)
{
    (void)arg;
    return fake.now_ms;
}

struct wss__loop_backend *wss__loop_backend_create(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return calloc(1, sizeof(struct wss__loop_backend));
}

static struct fake_fd *find_fd(struct wss__loop_backend *b, int fd)
{
    for (int i = 0; i < FAKE_MAX_FDS; i++)
        if (b->fds[i].is_used && b->fds[i].fd == fd)
            return &b->fds[i];
    return NULL;
}

int wss__loop_backend_add(struct wss__loop_backend *b, int fd, uint32_t events, void *data)
{
    if (find_fd(b, fd))
        return -EEXIST;
    for (int i = 0; i < FAKE_MAX_FDS; i++) {
        if (!b->fds[i].is_used) {
            b->fds[i] = (struct fake_fd){fd, events, data, true};
            return 0;
        }
    }
    return -ENOSPC;
}

int wss__loop_backend_modify(struct wss__loop_backend *b, int fd, uint32_t events, void *data)
{
    struct fake_fd *f = find_fd(b, fd);
    if (!f)
        return -ENOENT;
    f->events = events;
    f->data = data;
    return 0;
}

int wss__loop_backend_remove(struct wss__loop_backend *b, int fd)
{
    struct fake_fd *f = find_fd(b, fd);
    if (!f)
        return -ENOENT;
    f->is_used = false;
    return 0;
}

/* Queued events first; else, in real mode, poll() the registered fds; else let the timeout pass
 * on the fake clock. */
int wss__loop_backend_wait(struct wss__loop_backend *b, struct wss__loop_backend_event *out,
                           int max, int timeout_ms)
{
    fake.last_timeout_ms = timeout_ms;
    if (fake.nqueued > 0) {
        int n = fake.nqueued < max ? fake.nqueued : max;
        memcpy(out, fake.queued, (size_t)n * sizeof(*out));
        fake.nqueued = 0;
        return n;
    }
    if (fake.is_poll_real) {
        struct pollfd pfds[FAKE_MAX_FDS];
        struct fake_fd *owners[FAKE_MAX_FDS];
        int n = 0;
        for (int i = 0; i < FAKE_MAX_FDS; i++) {
            if (b->fds[i].is_used && (b->fds[i].events & WSS_LOOP_READ)) {
                pfds[n] = (struct pollfd){.fd = b->fds[i].fd, .events = POLLIN};
                owners[n++] = &b->fds[i];
            }
        }
        int ready = poll(pfds, (nfds_t)n, timeout_ms);
        int out_n = 0;
        for (int i = 0; ready > 0 && i < n && out_n < max; i++)
            if (pfds[i].revents & POLLIN)
                out[out_n++] = (struct wss__loop_backend_event){owners[i]->data, WSS_LOOP_READ};
        return out_n;
    }
    if (timeout_ms > 0)
        fake.now_ms += (uint64_t)timeout_ms;
    return 0;
}

const char *wss__loop_backend_name(void)
{
    return "fake";
}

void wss__loop_backend_free(struct wss__loop_backend *b)
{
    free(b);
}

static void queue_event(void *data, uint32_t events)
{
    assert_true(fake.nqueued < FAKE_MAX_QUEUED);
    fake.queued[fake.nqueued++] = (struct wss__loop_backend_event){data, events};
}

static int setup(void **state)
{
    memset(&fake, 0, sizeof(fake));
    fake.now_ms = 1000000; /* not zero, so an unset due time shows */
    struct wss_loop_options opt = {.clock = fake_clock};
    char err[WSS_LOOP_ERR_LEN];
    struct wss_loop *l = wss_loop_create(&opt, err, sizeof(err));
    if (!l)
        return -1;
    *state = l;
    return 0;
}

static int teardown(void **state)
{
    wss_loop_free(*state);
    return 0;
}

/* Runs the loop until cond holds; the loop is bounded so a broken loop fails instead of hanging. */
#define RUN_UNTIL(l, cond)                                                                         \
    do {                                                                                           \
        int guard_ = 0;                                                                            \
        while (!(cond)) {                                                                          \
            assert_true(++guard_ < 100000);                                                        \
            assert_int_equal(wss_loop_run_once((l), -1), 0);                                       \
        }                                                                                          \
    } while (0)

/* ---- timers ---------------------------------------------------------------------------------- */

struct probe_timer {
    struct wss_loop_timer t;
    int id;
    int *order;  /* borrowed: ids in firing order */
    int *nfired; /* borrowed */
    uint64_t *fired_at;
    uint64_t rearm_ms; /* 0 = one-shot */
    struct wss_loop *l;
};

static void on_probe(struct wss_loop_timer *t)
{
    struct probe_timer *p = WSS_LOOP_CONTAINER_OF(t, struct probe_timer, t);
    p->fired_at[*p->nfired] = wss_loop_now_ms(p->l);
    p->order[(*p->nfired)++] = p->id;
    if (p->rearm_ms)
        wss_loop_timer_start(p->l, &p->t, p->rearm_ms);
}

static void timers_fire_in_due_order_and_equal_due_times_fifo(void **state)
{
    struct wss_loop *l = *state;
    int order[8], nfired = 0;
    uint64_t at[8];
    const uint64_t delays[4] = {30, 10, 20, 10};
    struct probe_timer p[4];
    uint64_t t0 = wss_loop_now_ms(l);
    for (int i = 0; i < 4; i++) {
        p[i] = (struct probe_timer){
            .id = i, .order = order, .nfired = &nfired, .fired_at = at, .l = l};
        wss_loop_timer_init(&p[i].t, on_probe);
        assert_int_equal(wss_loop_timer_start(l, &p[i].t, delays[i]), 0);
    }
    assert_int_equal(wss_loop_timer_count(l), 4);
    RUN_UNTIL(l, nfired == 4);
    const int want[4] = {1, 3, 2, 0};
    const uint64_t want_at[4] = {10, 10, 20, 30};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(order[i], want[i]);
        assert_int_equal(at[i] - t0, want_at[i]);
    }
    assert_int_equal(wss_loop_timer_count(l), 0);
    assert_false(wss_loop_timer_is_armed(&p[0].t));
}

static void cancelled_timer_never_fires(void **state)
{
    struct wss_loop *l = *state;
    int order[4], nfired = 0;
    uint64_t at[4];
    struct probe_timer p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = (struct probe_timer){
            .id = i, .order = order, .nfired = &nfired, .fired_at = at, .l = l};
        wss_loop_timer_init(&p[i].t, on_probe);
        assert_int_equal(wss_loop_timer_start(l, &p[i].t, 10 * (uint64_t)(i + 1)), 0);
    }
    wss_loop_timer_stop(l, &p[1].t);
    wss_loop_timer_stop(l, &p[1].t); /* twice is harmless */
    assert_false(wss_loop_timer_is_armed(&p[1].t));
    RUN_UNTIL(l, nfired == 2);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 2);
    for (int i = 0; i < 5; i++)
        assert_int_equal(wss_loop_run_once(l, 100), 0);
    assert_int_equal(nfired, 2);
}

static void rearming_moves_the_due_time(void **state)
{
    struct wss_loop *l = *state;
    int order[4], nfired = 0;
    uint64_t at[4];
    struct probe_timer p = {.id = 7, .order = order, .nfired = &nfired, .fired_at = at, .l = l};
    uint64_t t0 = wss_loop_now_ms(l);
    wss_loop_timer_init(&p.t, on_probe);
    assert_int_equal(wss_loop_timer_start(l, &p.t, 50), 0);
    assert_int_equal(wss_loop_timer_start(l, &p.t, 5), 0);
    assert_int_equal(wss_loop_timer_count(l), 1);
    RUN_UNTIL(l, nfired == 1);
    assert_int_equal(at[0] - t0, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(wss_loop_run_once(l, 100), 0);
    assert_int_equal(nfired, 1);
}

struct zero_rearm {
    struct wss_loop_timer t;
    struct wss_loop *l;
    int runs;
};

static void on_zero_rearm(struct wss_loop_timer *t)
{
    struct zero_rearm *z = WSS_LOOP_CONTAINER_OF(t, struct zero_rearm, t);
    z->runs++;
    wss_loop_timer_start(z->l, t, 0);
}

static void self_rearming_timer_does_not_spin_inside_one_iteration(void **state)
{
    struct wss_loop *l = *state;
    struct zero_rearm z = {.l = l};
    wss_loop_timer_init(&z.t, on_zero_rearm);
    assert_int_equal(wss_loop_timer_start(l, &z.t, 0), 0);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(wss_loop_run_once(l, 0), 0);
        assert_int_equal(z.runs, i);
    }
    wss_loop_timer_stop(l, &z.t);
}

static void wait_timeout_is_the_next_timer_clamped_to_max_wait(void **state)
{
    struct wss_loop *l = *state;
    struct wss_loop_timer t;
    wss_loop_timer_init(&t, NULL);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(fake.last_timeout_ms, 0);
    assert_int_equal(wss_loop_timer_start(l, &t, 40), 0);
    assert_int_equal(wss_loop_run_once(l, 15), 0);
    assert_int_equal(fake.last_timeout_ms, 15);
    /* 15 ms passed on the fake clock: 25 are left. */
    wss_loop_timer_stop(l, &t);
    assert_int_equal(wss_loop_timer_start(l, &t, 40), 0);
    fake.queued[0] = (struct wss__loop_backend_event){NULL, WSS_LOOP_READ};
    fake.nqueued = 1;
    assert_int_equal(wss_loop_run_once(l, -1), 0);
    assert_int_equal(fake.last_timeout_ms, 40);
    wss_loop_timer_stop(l, &t);
}

/* A heap checked against the obvious answer: 2000 timers at pseudo-random delays, every third
 * cancelled; survivors fire in (due, arming) order. */
struct heap_probe {
    struct wss_loop_timer t;
    uint64_t *log; /* borrowed: due times in firing order */
    size_t *n;
    struct wss_loop *l;
};

static void on_heap_probe(struct wss_loop_timer *t)
{
    struct heap_probe *p = WSS_LOOP_CONTAINER_OF(t, struct heap_probe, t);
    p->log[(*p->n)++] = wss_loop_now_ms(p->l);
}

#define HEAP_TIMERS 2000

static void many_timers_fire_sorted_and_cancelled_ones_stay_silent(void **state)
{
    struct wss_loop *l = *state;
    static struct heap_probe p[HEAP_TIMERS];
    static uint64_t log[HEAP_TIMERS];
    size_t n = 0, expected = 0;
    uint32_t seed = 12345;
    for (int i = 0; i < HEAP_TIMERS; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (struct heap_probe){.log = log, .n = &n, .l = l};
        wss_loop_timer_init(&p[i].t, on_heap_probe);
        assert_int_equal(wss_loop_timer_start(l, &p[i].t, (seed >> 8) % 5000), 0);
    }
    for (int i = 0; i < HEAP_TIMERS; i += 3)
        wss_loop_timer_stop(l, &p[i].t);
    for (int i = 0; i < HEAP_TIMERS; i++)
        expected += wss_loop_timer_is_armed(&p[i].t);
    assert_int_equal(wss_loop_timer_count(l), expected);
    RUN_UNTIL(l, wss_loop_timer_count(l) == 0);
    assert_int_equal(n, expected);
    for (size_t i = 1; i < n; i++)
        assert_true(log[i - 1] <= log[i]);
}

/* ---- fds ----------------------------------------------------------------------------------------
 */

struct probe_io {
    struct wss_loop_io io;
    struct wss_loop *l;
    struct probe_io *victim; /* stopped from this one's callback */
    int calls;
    uint32_t last_events;
};

static void on_probe_io(struct wss_loop_io *io, uint32_t events)
{
    struct probe_io *p = WSS_LOOP_CONTAINER_OF(io, struct probe_io, io);
    p->calls++;
    p->last_events = events;
    if (p->victim)
        assert_int_equal(wss_loop_io_stop(p->l, &p->victim->io), 0);
}

static void ready_fds_reach_their_callbacks_with_events(void **state)
{
    struct wss_loop *l = *state;
    struct probe_io a = {.l = l};
    wss_loop_io_init(&a.io, 100, on_probe_io);
    assert_int_equal(wss_loop_io_set(l, &a.io, WSS_LOOP_READ), 0);
    assert_int_equal(wss_loop_io_set(l, &a.io, WSS_LOOP_READ | WSS_LOOP_WRITE), 0);
    queue_event(&a.io, WSS_LOOP_READ | WSS_LOOP_WRITE);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.last_events, WSS_LOOP_READ | WSS_LOOP_WRITE);
    assert_int_equal(wss_loop_io_stop(l, &a.io), 0);
    assert_int_equal(wss_loop_io_stop(l, &a.io), 0); /* already stopped: no backend call */
}

static void fd_stopped_earlier_in_a_batch_gets_no_callback(void **state)
{
    struct wss_loop *l = *state;
    struct probe_io a = {.l = l}, b = {.l = l};
    wss_loop_io_init(&a.io, 100, on_probe_io);
    wss_loop_io_init(&b.io, 101, on_probe_io);
    assert_int_equal(wss_loop_io_set(l, &a.io, WSS_LOOP_READ), 0);
    assert_int_equal(wss_loop_io_set(l, &b.io, WSS_LOOP_READ), 0);
    a.victim = &b;
    queue_event(&a.io, WSS_LOOP_READ);
    queue_event(&b.io, WSS_LOOP_READ);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 0);
    assert_int_equal(wss_loop_io_stop(l, &a.io), 0);
}

static void registering_twice_fails_with_backend_errno(void **state)
{
    struct wss_loop *l = *state;
    struct probe_io a = {.l = l}, b = {.l = l};
    wss_loop_io_init(&a.io, 100, on_probe_io);
    wss_loop_io_init(&b.io, 100, on_probe_io);
    assert_int_equal(wss_loop_io_set(l, &a.io, WSS_LOOP_READ), 0);
    assert_int_equal(wss_loop_io_set(l, &b.io, WSS_LOOP_READ), -EEXIST);
    assert_int_equal(wss_loop_io_stop(l, &b.io), 0); /* never registered */
    assert_int_equal(wss_loop_io_stop(l, &a.io), 0);
}

/* ---- deferred work ------------------------------------------------------------------------------
 */

struct defer_probe {
    struct wss_loop_defer d;
    struct probe_io *io; /* its callback count at the time the deferred work ran */
    int io_calls_seen;
    int runs;
};

static void on_defer(struct wss_loop_defer *d)
{
    struct defer_probe *p = WSS_LOOP_CONTAINER_OF(d, struct defer_probe, d);
    p->runs++;
    p->io_calls_seen = p->io->calls;
}

struct deferring_io {
    struct probe_io probe;
    struct defer_probe *defer;
};

static void on_deferring_io(struct wss_loop_io *io, uint32_t events)
{
    on_probe_io(io, events);
    struct deferring_io *d = WSS_LOOP_CONTAINER_OF(io, struct deferring_io, probe.io);
    if (d->probe.calls == 1)
        wss_loop_defer(d->probe.l, &d->defer->d, on_defer);
}

static void deferred_work_runs_once_after_the_whole_batch(void **state)
{
    struct wss_loop *l = *state;
    struct defer_probe dp = {0};
    struct deferring_io a = {.probe = {.l = l}, .defer = &dp};
    dp.io = &a.probe;
    wss_loop_io_init(&a.probe.io, 100, on_deferring_io);
    assert_int_equal(wss_loop_io_set(l, &a.probe.io, WSS_LOOP_READ), 0);
    queue_event(&a.probe.io, WSS_LOOP_READ);
    queue_event(&a.probe.io, WSS_LOOP_WRITE);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(dp.runs, 1);
    assert_int_equal(dp.io_calls_seen, 2); /* ran after both events of the batch */
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(dp.runs, 1);
    wss_loop_defer(l, &dp.d, on_defer);
    wss_loop_run_deferred(l);
    assert_int_equal(dp.runs, 2);
    assert_int_equal(wss_loop_io_stop(l, &a.probe.io), 0);
}

/* ---- wakeup -------------------------------------------------------------------------------------
 */

struct wake_probe {
    int calls;
    pthread_t thread_seen;
};

static void on_wakeup(struct wss_loop *l, void *arg)
{
    (void)l;
    struct wake_probe *w = arg;
    w->calls++;
    w->thread_seen = pthread_self();
}

static void *wake_from_thread(void *arg)
{
    struct wss_loop *l = arg;
    for (int i = 0; i < 10; i++)
        if (wss_loop_wakeup(l) != 0)
            return (void *)1;
    return NULL;
}

static void wakeup_from_another_thread_runs_callback_on_loop_thread(void **state)
{
    struct wss_loop *l = *state;
    struct wake_probe w = {0};
    wss_loop_set_wakeup_cb(l, on_wakeup, &w);
    fake.is_poll_real = true;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wake_from_thread, l), 0);
    void *thread_rc;
    assert_int_equal(pthread_join(th, &thread_rc), 0);
    assert_null(thread_rc);
    /* Ten wakeups before the loop ran coalesce into one callback. */
    assert_int_equal(wss_loop_run_once(l, 2000), 0);
    assert_int_equal(w.calls, 1);
    assert_true(pthread_equal(w.thread_seen, pthread_self()));
    /* Nothing more is pending: a poll returns without calling back. */
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(w.calls, 1);
    assert_int_equal(wss_loop_wakeup(l), 0);
    assert_int_equal(wss_loop_run_once(l, 2000), 0);
    assert_int_equal(w.calls, 2);
}

/* ---- the connection table and the drain
 * ------------------------------------------------------------ */

#define DRAIN_MAX 200

struct fake_conn {
    struct wss_loop_link link;
    int id;
};

struct drain_log {
    struct wss_loop *l;
    uint64_t t0;
    int ids[DRAIN_MAX];
    uint64_t at[DRAIN_MAX]; /* ms after t0 */
    int n;
};

static void on_drain(struct wss_loop_link *c, void *arg)
{
    struct drain_log *d = arg;
    struct fake_conn *fc = WSS_LOOP_CONTAINER_OF(c, struct fake_conn, link);
    assert_false(wss_loop_conn_is_listed(c));
    assert_true(d->n < DRAIN_MAX);
    d->ids[d->n] = fc->id;
    d->at[d->n++] = wss_loop_now_ms(d->l) - d->t0;
}

static void add_conns(struct wss_loop *l, struct fake_conn *c, int from, int to)
{
    for (int i = from; i < to; i++) {
        c[i] = (struct fake_conn){.id = i};
        wss_loop_conn_add(l, &c[i].link);
    }
}

static void drain_closes_oldest_first_at_even_intervals(void **state)
{
    struct wss_loop *l = *state;
    static struct fake_conn c[100];
    struct drain_log d = {.l = l, .t0 = wss_loop_now_ms(l)};
    add_conns(l, c, 0, 100);
    assert_int_equal(wss_loop_conn_count(l), 100);
    assert_int_equal(wss_loop_drain_start(l, 1000, on_drain, &d), 0);
    assert_true(wss_loop_is_draining(l));
    RUN_UNTIL(l, d.n == 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(d.ids[i], i);
        assert_int_equal(d.at[i], (uint64_t)i * 10);
    }
    assert_int_equal(wss_loop_conn_count(l), 0);
    assert_int_equal(wss_loop_drain_closed(l), 100);
}

static void drain_of_uneven_count_keeps_gaps_within_one_ms_and_ends_in_window(void **state)
{
    struct wss_loop *l = *state;
    struct fake_conn c[7];
    struct drain_log d = {.l = l, .t0 = wss_loop_now_ms(l)};
    add_conns(l, c, 0, 7);
    assert_int_equal(wss_loop_drain_start(l, 1000, on_drain, &d), 0);
    RUN_UNTIL(l, d.n == 7);
    /* Due times fall between milliseconds; each close goes on the first tick at or after. */
    for (int i = 0; i < 7; i++)
        assert_int_equal(d.at[i], ((uint64_t)i * 1000 + 6) / 7);
    for (int i = 1; i < 7; i++) {
        uint64_t gap = d.at[i] - d.at[i - 1];
        assert_true(gap == 142 || gap == 143);
    }
    assert_true(d.at[6] < 1000);
}

static void drain_of_more_conns_than_ms_closes_batches_per_tick(void **state)
{
    struct wss_loop *l = *state;
    static struct fake_conn c[DRAIN_MAX];
    struct drain_log d = {.l = l, .t0 = wss_loop_now_ms(l)};
    add_conns(l, c, 0, DRAIN_MAX);
    assert_int_equal(wss_loop_drain_start(l, 50, on_drain, &d), 0);
    RUN_UNTIL(l, d.n == DRAIN_MAX);
    /* 4 per millisecond, due at i/4 ms, each sent on the first tick at or after its time. */
    for (int i = 0; i < DRAIN_MAX; i++) {
        assert_int_equal(d.ids[i], i);
        assert_int_equal(d.at[i], ((uint64_t)i * 50 + DRAIN_MAX - 1) / DRAIN_MAX);
        assert_true(d.at[i] <= 50);
    }
}

static void drain_takes_connections_that_open_during_the_window(void **state)
{
    struct wss_loop *l = *state;
    struct fake_conn c[6];
    struct drain_log d = {.l = l, .t0 = wss_loop_now_ms(l)};
    add_conns(l, c, 0, 4);
    assert_int_equal(wss_loop_drain_start(l, 1000, on_drain, &d), 0);
    RUN_UNTIL(l, d.n == 2); /* at 0 and 250 */
    add_conns(l, c, 4, 6);
    RUN_UNTIL(l, d.n == 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(d.ids[i], i);
    /* The newcomers re-scale the pace to 6 per window: two are due at once, then every 1/6. */
    const uint64_t want_at[6] = {0, 250, 500, 500, 667, 834};
    for (int i = 0; i < 6; i++)
        assert_int_equal(d.at[i], want_at[i]);
    /* After the window a newcomer goes at once. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(wss_loop_run_once(l, 100), 0);
    uint64_t late = wss_loop_now_ms(l) - d.t0;
    assert_true(late >= 1000);
    add_conns(l, c, 0, 1);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(d.n, 7);
    assert_int_equal(d.at[6], late);
}

static void drain_skips_connections_closed_by_their_peers(void **state)
{
    struct wss_loop *l = *state;
    struct fake_conn c[4];
    struct drain_log d = {.l = l, .t0 = wss_loop_now_ms(l)};
    add_conns(l, c, 0, 4);
    wss_loop_conn_remove(l, &c[1].link);
    wss_loop_conn_remove(l, &c[1].link); /* twice is harmless */
    assert_false(wss_loop_conn_is_listed(&c[1].link));
    assert_int_equal(wss_loop_conn_count(l), 3);
    assert_int_equal(wss_loop_drain_start(l, 300, on_drain, &d), 0);
    RUN_UNTIL(l, d.n == 3);
    assert_int_equal(d.ids[0], 0);
    assert_int_equal(d.ids[1], 2);
    assert_int_equal(d.ids[2], 3);
    assert_int_equal(d.at[1], 100);
    assert_int_equal(d.at[2], 200);
}

static void second_drain_start_is_refused(void **state)
{
    struct wss_loop *l = *state;
    struct drain_log d = {.l = l};
    assert_false(wss_loop_is_draining(l));
    assert_int_equal(wss_loop_drain_start(l, 100, on_drain, &d), 0);
    assert_int_equal(wss_loop_drain_start(l, 100, on_drain, &d), -EALREADY);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(d.n, 0);
}

static void zero_window_closes_everything_at_once(void **state)
{
    struct wss_loop *l = *state;
    struct fake_conn c[5];
    struct drain_log d = {.l = l, .t0 = wss_loop_now_ms(l)};
    add_conns(l, c, 0, 5);
    assert_int_equal(wss_loop_drain_start(l, 0, on_drain, &d), 0);
    assert_int_equal(wss_loop_run_once(l, 0), 0);
    assert_int_equal(d.n, 5);
    assert_int_equal(d.at[4], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(timers_fire_in_due_order_and_equal_due_times_fifo, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cancelled_timer_never_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(rearming_moves_the_due_time, setup, teardown),
        cmocka_unit_test_setup_teardown(self_rearming_timer_does_not_spin_inside_one_iteration,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(wait_timeout_is_the_next_timer_clamped_to_max_wait, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(many_timers_fire_sorted_and_cancelled_ones_stay_silent,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(ready_fds_reach_their_callbacks_with_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fd_stopped_earlier_in_a_batch_gets_no_callback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(registering_twice_fails_with_backend_errno, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(deferred_work_runs_once_after_the_whole_batch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wakeup_from_another_thread_runs_callback_on_loop_thread,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(drain_closes_oldest_first_at_even_intervals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            drain_of_uneven_count_keeps_gaps_within_one_ms_and_ends_in_window, setup, teardown),
        cmocka_unit_test_setup_teardown(drain_of_more_conns_than_ms_closes_batches_per_tick, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(drain_takes_connections_that_open_during_the_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(drain_skips_connections_closed_by_their_peers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_drain_start_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(zero_window_closes_everything_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
