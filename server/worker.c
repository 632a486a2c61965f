/* SPDX-License-Identifier: Apache-2.0 */
/* worker.c: a serving thread: listener and accept, the loop's wakeup (room inbox, drain
 * commands), the once-a-second tick, and the worker's part of the drain.
 * Does not: parse or answer requests (conn.c), handle signals (drain.c).
 * Threads: the worker's own thread, except the atomics written by worker_begin_close(),
 * worker_force_stop() and read by worker_is_done()/worker_last_tick_ms() from any thread. */
#include "worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broadcast.h"
#include "inbox.h"
#include "redis_bus.h"
#include "rooms.h"
#include "wsscale/clock.h"
#include "wsscale/log.h"

/* Pending connections the kernel keeps per listener (capped by net.core.somaxconn). */
#define LISTEN_BACKLOG 4096
/* Connections accepted per readiness event before other work gets a turn. */
#define ACCEPTS_PER_EVENT 64
/* After running out of file descriptors, accepting pauses this long instead of spinning. */
#define ACCEPT_PAUSE_MS 100
/* The loop's heartbeat tick. */
#define TICK_MS 1000
/* While closing, how often the worker checks whether its last connection is gone. */
#define DRAIN_POLL_MS 10

enum command {
    CMD_NONE = 0,
    CMD_CLOSE = 1, /* stop accepting, drain the connections */
    CMD_FORCE = 2, /* close everything now */
};

struct worker {
    unsigned index;
    const struct worker_config *cfg; /* borrowed */
    struct wss_loop *loop;           /* owned */
    struct wss_loop_io listener;     /* fd -1 once closed */
    struct wss_loop_timer tick;
    struct wss_loop_timer accept_pause;
    struct wss_loop_timer drain_poll;
    uint64_t drain_deadline_ms; /* loop clock; 0 until closing */
    struct inbox *inbox;        /* owned */
    struct rooms_local *rooms;  /* owned */
    struct redis_bus *bus;      /* owned; NULL without --redis */
    struct conn_ctx ctx;
    pthread_t thread;
    bool is_started;
    int command_done;   /* loop thread: the last command acted on */
    atomic_int command; /* any thread: enum command, only ever raised */
    _Atomic uint64_t window_ms;
    atomic_bool is_done;
    _Atomic uint64_t last_tick_ms;
};

static void on_opened(void *arg)
{
    struct worker *w = arg;
    wss_counter_conn_opened(w->cfg->counter, w->index);
}

static void on_closed(void *arg)
{
    struct worker *w = arg;
    wss_counter_conn_closed(w->cfg->counter, w->index);
}

static void close_listener(struct worker *w)
{
    if (w->listener.fd < 0)
        return;
    wss_loop_io_stop(w->loop, &w->listener);
    wss_loop_timer_stop(w->loop, &w->accept_pause);
    close(w->listener.fd);
    w->listener.fd = -1;
}

static void on_accept_resume(struct wss_loop_timer *t)
{
    struct worker *w = WSS_LOOP_CONTAINER_OF(t, struct worker, accept_pause);
    if (w->listener.fd >= 0)
        wss_loop_io_set(w->loop, &w->listener, WSS_LOOP_READ);
}

static void pause_accepting(struct worker *w, int err)
{
    WSS_WARN("accept paused", WSS_KV_STR("error", strerror(err)),
             WSS_KV_INT("pause_ms", ACCEPT_PAUSE_MS), WSS_KV_UINT("thread", w->index));
    wss_loop_io_set(w->loop, &w->listener, 0);
    wss_loop_timer_start(w->loop, &w->accept_pause, ACCEPT_PAUSE_MS);
}

static void on_accept(struct wss_loop_io *io, uint32_t events)
{
    (void)events;
    struct worker *w = WSS_LOOP_CONTAINER_OF(io, struct worker, listener);
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accepting(w, errno);
            return; /* EAGAIN: the queue is empty */
        }
        int one = 1;
        /* Echoes and pings are small: send them now rather than wait for more. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn_accept(&w->ctx, fd);
    }
}

static void on_tick(struct wss_loop_timer *t)
{
    struct worker *w = WSS_LOOP_CONTAINER_OF(t, struct worker, tick);
    atomic_store_explicit(&w->last_tick_ms, wss_clock_mono_ms(), memory_order_relaxed);
    wss_loop_timer_start(w->loop, t, TICK_MS);
}

static void finish_thread(struct worker *w)
{
    conn_ctx_close_all(&w->ctx);
    wss_loop_stop(w->loop);
}

static void on_drain_poll(struct wss_loop_timer *t)
{
    struct worker *w = WSS_LOOP_CONTAINER_OF(t, struct worker, drain_poll);
    if (w->ctx.live == 0 || wss_loop_now_ms(w->loop) >= w->drain_deadline_ms) {
        if (w->ctx.live > 0)
            WSS_WARN("drain time is up; closing the rest", WSS_KV_UINT("connections", w->ctx.live),
                     WSS_KV_UINT("thread", w->index));
        finish_thread(w);
        return;
    }
    wss_loop_timer_start(w->loop, t, DRAIN_POLL_MS);
}

static void act_on_command(struct worker *w)
{
    int cmd = atomic_load_explicit(&w->command, memory_order_acquire);
    if (cmd == w->command_done)
        return;
    w->command_done = cmd;
    if (cmd == CMD_FORCE) {
        close_listener(w);
        finish_thread(w);
        return;
    }
    uint64_t window = atomic_load_explicit(&w->window_ms, memory_order_relaxed);
    close_listener(w);
    w->drain_deadline_ms = wss_loop_now_ms(w->loop) + window + w->cfg->limits->close_timeout_ms;
    if (wss_loop_drain_start(w->loop, window, conn_drain_cb, &w->ctx) != 0 ||
        wss_loop_timer_start(w->loop, &w->drain_poll, 0) != 0)
        finish_thread(w);
}

/* A room message from another server, through Redis. */
static void on_redis_message(void *arg, struct msg *m)
{
    struct worker *w = arg;
    broadcast_deliver(&w->ctx, m);
}

static void on_wakeup(struct wss_loop *l, void *arg)
{
    (void)l;
    struct worker *w = arg;
    broadcast_drain_inbox(&w->ctx, w->inbox);
    act_on_command(w);
}

static int open_listener(struct sockaddr_storage *addr, socklen_t addr_len, char *err,
                         size_t errlen)
{
    int one = 1, zero = 0;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    const char *what = "setsockopt(SO_REUSEADDR)";
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        goto fail;
    what = "setsockopt(SO_REUSEPORT)";
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
        goto fail;
    what = "setsockopt(IPV6_V6ONLY)"; /* [::] takes IPv4 clients too */
    if (addr->ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) != 0)
        goto fail;
    what = "bind";
    if (bind(fd, (struct sockaddr *)addr, addr_len) != 0)
        goto fail;
    what = "listen";
    if (listen(fd, LISTEN_BACKLOG) != 0)
        goto fail;
    what = "getsockname";
    socklen_t len = addr_len;
    if (getsockname(fd, (struct sockaddr *)addr, &len) != 0)
        goto fail;
    return fd;
fail:
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    close(fd);
    return -1;
}

struct worker *worker_new(unsigned index, const struct worker_config *cfg,
                          struct sockaddr_storage *addr, socklen_t addr_len, char *err,
                          size_t errlen)
{
    struct worker *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "worker %u: out of memory", index);
        return NULL;
    }
    w->index = index;
    w->cfg = cfg;
    atomic_init(&w->command, CMD_NONE);
    atomic_init(&w->window_ms, 0);
    atomic_init(&w->is_done, false);
    atomic_init(&w->last_tick_ms, 0);
    wss_loop_io_init(&w->listener, -1, on_accept);
    wss_loop_timer_init(&w->tick, on_tick);
    wss_loop_timer_init(&w->accept_pause, on_accept_resume);
    wss_loop_timer_init(&w->drain_poll, on_drain_poll);
    char lerr[WSS_LOOP_ERR_LEN];
    w->loop = wss_loop_create(NULL, lerr, sizeof(lerr));
    if (!w->loop) {
        snprintf(err, errlen, "worker %u: %s", index, lerr);
        goto fail;
    }
    w->inbox = inbox_new(w->loop);
    w->rooms = rooms_local_new(cfg->rooms, index);
    w->ctx = (struct conn_ctx){
        .loop = w->loop,
        .limits = cfg->limits,
        .stats = &cfg->stats[index],
        .rooms = w->rooms,
        .inboxes = cfg->inboxes,
        .thread = index,
        .nthreads = cfg->nthreads,
        .http = cfg->http,
        .hooks = {.opened = cfg->counter ? on_opened : NULL,
                  .closed = cfg->counter ? on_closed : NULL,
                  .arg = w},
    };
    if (!w->inbox || !w->rooms || conn_ctx_init(&w->ctx) != 0) {
        snprintf(err, errlen, "worker %u: out of memory", index);
        goto fail;
    }
    if (cfg->redis) {
        w->bus = redis_bus_new(w->loop, cfg->redis, index, &cfg->stats[index], on_redis_message, w);
        if (!w->bus) {
            snprintf(err, errlen, "worker %u: out of memory creating the redis bus", index);
            goto fail;
        }
        w->ctx.bus = w->bus;
        rooms_local_watch(w->rooms, redis_bus_room_watch, w->bus);
    }
    char serr[WORKER_ERR_LEN];
    int fd = open_listener(addr, addr_len, serr, sizeof(serr));
    if (fd < 0) {
        snprintf(err, errlen, "worker %u: %s", index, serr);
        goto fail;
    }
    w->listener.fd = fd;
    int rc = wss_loop_io_set(w->loop, &w->listener, WSS_LOOP_READ);
    if (rc == 0)
        rc = wss_loop_timer_start(w->loop, &w->tick, 0);
    if (rc != 0) {
        snprintf(err, errlen, "worker %u: registering the listener: %s", index, strerror(-rc));
        goto fail;
    }
    wss_loop_set_wakeup_cb(w->loop, on_wakeup, w);
    return w;
fail:
    worker_free(w);
    return NULL;
}

struct inbox *worker_inbox(struct worker *w)
{
    return w->inbox;
}

static void *thread_main(void *arg)
{
    struct worker *w = arg;
    int rc = wss_loop_run(w->loop);
    if (rc != 0) {
        WSS_ERROR("event loop failed", WSS_KV_STR("error", strerror(-rc)),
                  WSS_KV_UINT("thread", w->index));
        close_listener(w);
        conn_ctx_close_all(&w->ctx);
    }
    atomic_store_explicit(&w->is_done, true, memory_order_release);
    wss_loop_wakeup(w->cfg->control);
    return NULL;
}

int worker_start(struct worker *w)
{
    int rc = pthread_create(&w->thread, NULL, thread_main, w);
    if (rc != 0)
        return -rc;
    w->is_started = true;
    return 0;
}

static void send_command(struct worker *w, int cmd)
{
    int cur = atomic_load_explicit(&w->command, memory_order_relaxed);
    while (cur < cmd && !atomic_compare_exchange_weak_explicit(
                            &w->command, &cur, cmd, memory_order_release, memory_order_relaxed))
        ;
    wss_loop_wakeup(w->loop);
}

void worker_begin_close(struct worker *w, uint64_t window_ms)
{
    atomic_store_explicit(&w->window_ms, window_ms, memory_order_relaxed);
    send_command(w, CMD_CLOSE);
}

void worker_force_stop(struct worker *w)
{
    send_command(w, CMD_FORCE);
}

bool worker_is_done(const struct worker *w)
{
    return atomic_load_explicit((atomic_bool *)&w->is_done, memory_order_acquire);
}

uint64_t worker_last_tick_ms(const struct worker *w)
{
    return atomic_load_explicit((_Atomic uint64_t *)&w->last_tick_ms, memory_order_relaxed);
}

int worker_join(struct worker *w)
{
    if (!w->is_started)
        return 0;
    int rc = pthread_join(w->thread, NULL);
    w->is_started = false;
    return -rc;
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    if (w->loop) {
        close_listener(w);
        if (w->ctx.scratch)
            conn_ctx_close_all(&w->ctx);
        wss_loop_timer_stop(w->loop, &w->tick);
        wss_loop_timer_stop(w->loop, &w->drain_poll);
    }
    conn_ctx_release(&w->ctx);
    rooms_local_free(w->rooms); /* the bus hears each room go */
    redis_bus_free(w->bus);
    inbox_free(w->inbox);
    wss_loop_free(w->loop);
    free(w);
}
