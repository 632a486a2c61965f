/* SPDX-License-Identifier: Apache-2.0 */
/* drain.c: the signalfd, the drain timeline (readiness off, delay, paced close, force on a second
 * signal) and noticing that every worker is done.
 * Does not: pace the closes (loop.c) or touch connections (worker.c, conn.c).
 * Threads: the control loop's thread; workers are told through their thread-safe calls. */
#include "drain.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "wsscale/log.h"
#include "wsscale/stop_signals.h"

struct drain {
    struct wss_loop *control;      /* borrowed */
    struct worker *const *workers; /* borrowed */
    unsigned nworkers;
    struct drain_config cfg;
    atomic_bool *is_draining;           /* borrowed */
    struct wss_counter_writer *counter; /* borrowed; may be NULL */
    struct wss_loop_io sig;             /* the signalfd */
    struct wss_loop_timer delay;
    uint64_t window_ms; /* of the drain under way */
    int signals_seen;
};

static void begin_close(struct drain *d)
{
    WSS_INFO("drain: accept stopped, closing connections", WSS_KV_UINT("window_ms", d->window_ms));
    for (unsigned i = 0; i < d->nworkers; i++)
        worker_begin_close(d->workers[i], d->window_ms);
}

static void on_delay(struct wss_loop_timer *t)
{
    begin_close(WSS_LOOP_CONTAINER_OF(t, struct drain, delay));
}

static void on_signal(struct drain *d, int signo)
{
    if (++d->signals_seen > 1) {
        WSS_WARN("drain: second signal, closing everything now", WSS_KV_INT("signal", signo));
        wss_loop_timer_stop(d->control, &d->delay);
        for (unsigned i = 0; i < d->nworkers; i++)
            worker_force_stop(d->workers[i]);
        return;
    }
    uint64_t delay = d->cfg.delay_ms;
    d->window_ms = d->cfg.window_ms;
    if (signo == SIGINT) {
        delay = 0;
        if (d->window_ms > DRAIN_SIGINT_WINDOW_MAX_MS)
            d->window_ms = DRAIN_SIGINT_WINDOW_MAX_MS;
    }
    atomic_store_explicit(d->is_draining, true, memory_order_relaxed);
    wss_counter_set_draining(d->counter); /* -EINVAL without a counter: nothing to mark */
    WSS_INFO("drain: readiness off", WSS_KV_STR("signal", signo == SIGINT ? "SIGINT" : "SIGTERM"),
             WSS_KV_UINT("delay_ms", delay), WSS_KV_UINT("window_ms", d->window_ms));
    if (delay == 0 || wss_loop_timer_start(d->control, &d->delay, delay) != 0)
        begin_close(d);
}

static void on_signalfd(struct wss_loop_io *io, uint32_t events)
{
    (void)events;
    struct drain *d = WSS_LOOP_CONTAINER_OF(io, struct drain, sig);
    struct signalfd_siginfo si;
    for (;;) {
        ssize_t n = read(io->fd, &si, sizeof(si));
        if (n != (ssize_t)sizeof(si)) {
            if (n < 0 && errno == EINTR)
                continue;
            return; /* EAGAIN: all read */
        }
        on_signal(d, (int)si.ssi_signo);
    }
}

static void on_worker_done(struct wss_loop *l, void *arg)
{
    struct drain *d = arg;
    for (unsigned i = 0; i < d->nworkers; i++)
        if (!worker_is_done(d->workers[i]))
            return;
    wss_loop_stop(l);
}

struct drain *drain_new(struct wss_loop *control, struct worker *const *workers, unsigned n,
                        const struct drain_config *cfg, atomic_bool *is_draining,
                        struct wss_counter_writer *counter, char *err, size_t errlen)
{
    struct drain *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "drain: out of memory");
        return NULL;
    }
    *d = (struct drain){.control = control,
                        .workers = workers,
                        .nworkers = n,
                        .cfg = *cfg,
                        .is_draining = is_draining,
                        .counter = counter};
    wss_loop_timer_init(&d->delay, on_delay);
    sigset_t set = wss_stop_signals();
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "signalfd: %s", strerror(errno));
        free(d);
        return NULL;
    }
    wss_loop_io_init(&d->sig, fd, on_signalfd);
    int rc = wss_loop_io_set(control, &d->sig, WSS_LOOP_READ);
    if (rc != 0) {
        snprintf(err, errlen, "registering the signalfd: %s", strerror(-rc));
        close(fd);
        free(d);
        return NULL;
    }
    wss_loop_set_wakeup_cb(control, on_worker_done, d);
    return d;
}

bool drain_was_requested(const struct drain *d)
{
    return d->signals_seen > 0;
}

void drain_free(struct drain *d)
{
    if (!d)
        return;
    wss_loop_timer_stop(d->control, &d->delay);
    wss_loop_io_stop(d->control, &d->sig);
    close(d->sig.fd);
    free(d);
}
