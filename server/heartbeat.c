/* SPDX-License-Identifier: Apache-2.0 */
/* heartbeat.c: the control loop's one-second timer that heartbeats the shared-memory counter.
 * Does not: write connection counts.
 * Threads: the control loop's thread. */
#include "heartbeat.h"

#include <stdlib.h>

#include "wsscale/clock.h"

/* How often the counter's heartbeat is stamped; the counter's contract asks for at least this. */
#define HEARTBEAT_INTERVAL_MS (WSS_COUNTER_HEARTBEAT_INTERVAL_NS / 1000000)

struct heartbeat {
    struct wss_loop *control;      /* borrowed */
    struct worker *const *workers; /* borrowed */
    unsigned n;
    struct wss_counter_writer *counter; /* borrowed */
    struct wss_loop_timer timer;
};

static void on_timer(struct wss_loop_timer *t)
{
    struct heartbeat *h = WSS_LOOP_CONTAINER_OF(t, struct heartbeat, timer);
    uint64_t now = wss_clock_mono_ms();
    bool is_alive = true;
    for (unsigned i = 0; i < h->n; i++) {
        uint64_t tick = worker_last_tick_ms(h->workers[i]);
        if (!worker_is_done(h->workers[i]) && now - tick > HEARTBEAT_WORKER_STALE_MS)
            is_alive = false;
    }
    if (is_alive)
        wss_counter_heartbeat(h->counter);
    wss_loop_timer_start(h->control, t, HEARTBEAT_INTERVAL_MS);
}

struct heartbeat *heartbeat_new(struct wss_loop *control, struct worker *const *workers, unsigned n,
                                struct wss_counter_writer *counter)
{
    struct heartbeat *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    *h = (struct heartbeat){.control = control, .workers = workers, .n = n, .counter = counter};
    wss_loop_timer_init(&h->timer, on_timer);
    if (wss_loop_timer_start(control, &h->timer, HEARTBEAT_INTERVAL_MS) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

void heartbeat_free(struct heartbeat *h)
{
    if (!h)
        return;
    wss_loop_timer_stop(h->control, &h->timer);
    free(h);
}
