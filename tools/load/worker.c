/* SPDX-License-Identifier: Apache-2.0 */
/* worker.c: a load-generator thread: creates its loop and slots, starts connections at the
 * paced rate, and on a stop request closes them (or drops them when forced) until none is left.
 * Does not: know the wire protocol (client.c does) or print.
 * Threads: the worker thread runs the loop; the main thread creates, stops, joins and frees. */
#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "conn_pacer.h"
#include "wsscale/loop.h"

/* Connections started per pacing tick before the loop polls again, so a burst (no --rate, or a
 * high one) does not starve the connections already open. */
#define PACE_BATCH 256
/* Read scratch per worker; one recv never takes more. */
#define RX_CAP (64u * 1024u)

enum { STOP_NONE = 0, STOP_GRACEFUL = 1, STOP_FORCED = 2 };

struct worker {
    pthread_t thread;
    bool is_started;
    struct wss_loop *loop;  /* owned */
    struct client *clients; /* owned array of nclients */
    size_t nclients;
    struct client_ctx ctx; /* shared by the clients */
    struct conn_pacer pacer;
    struct wss_loop_timer pace_timer;
    struct load_stats *stats; /* owned */
    struct load_live live;
    uint8_t *rx, *tx;        /* owned scratch, see client_ctx */
    atomic_int stop_request; /* written by any thread, read by the worker */
    int stop_done;           /* worker thread: the strongest stop already carried out */
    atomic_bool is_finished;
};

static struct worker *worker_of_ctx(struct client_ctx *ctx)
{
    return WSS_LOOP_CONTAINER_OF(ctx, struct worker, ctx);
}

/* Ends the loop once no slot is left: after a stop, or when every slot has ended by itself
 * (no reconnects) and pacing is over. */
static void maybe_finish(struct worker *w)
{
    if (atomic_load_explicit(&w->live.unfinished, memory_order_relaxed) == 0)
        wss_loop_stop(w->loop);
}

static void on_client_done(struct client_ctx *ctx)
{
    maybe_finish(worker_of_ctx(ctx));
}

static void on_pace(struct wss_loop_timer *t)
{
    struct worker *w = WSS_LOOP_CONTAINER_OF(t, struct worker, pace_timer);
    uint64_t now = wss_loop_now_ms(w->loop);
    uint64_t due = conn_pacer_due(&w->pacer, now);
    if (due > PACE_BATCH)
        due = PACE_BATCH;
    uint64_t first = w->pacer.started;
    conn_pacer_took(&w->pacer, due);
    for (uint64_t i = 0; i < due; i++)
        client_start(&w->clients[first + i]);
    uint64_t next = conn_pacer_next_ms(&w->pacer);
    if (next == CONN_PACER_NEVER || w->ctx.is_stopping)
        return;
    (void)wss_loop_timer_start(w->loop, &w->pace_timer, next > now ? next - now : 0);
}

/* Carries out the strongest stop requested so far, on the worker thread. */
static void on_wakeup(struct wss_loop *l, void *arg)
{
    struct worker *w = arg;
    int req = atomic_load(&w->stop_request);
    (void)l;
    if (req <= w->stop_done)
        return;
    w->stop_done = req;
    w->ctx.is_stopping = true;
    wss_loop_timer_stop(w->loop, &w->pace_timer);
    for (size_t i = 0; i < w->nclients; i++) {
        if (req == STOP_FORCED)
            client_abort(&w->clients[i]);
        else
            client_stop(&w->clients[i]);
    }
    maybe_finish(w);
    if (req == STOP_FORCED)
        wss_loop_stop(w->loop);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    conn_pacer_init(&w->pacer, wss_loop_update_time(w->loop), w->ctx.cfg->rate_per_s,
                    w->pacer.divisor, w->nclients);
    /* wss_loop_run clears an earlier wss_loop_stop; a worker with no slots does not run at all. */
    if (w->nclients > 0 && wss_loop_timer_start(w->loop, &w->pace_timer, 0) == 0)
        (void)wss_loop_run(w->loop);
    /* Anything still open after a forced stop is dropped here, on the owning thread. */
    for (size_t i = 0; i < w->nclients; i++)
        client_abort(&w->clients[i]);
    wss_loop_run_deferred(w->loop);
    atomic_store(&w->is_finished, true);
    return NULL;
}

struct worker *worker_create(const struct load_config *cfg, unsigned index, unsigned nworkers,
                             uint64_t run_start_ns, char *err, size_t errlen)
{
    struct worker *w = calloc(1, sizeof(*w));
    char lerr[WSS_LOOP_ERR_LEN];

    if (w == NULL) {
        snprintf(err, errlen, "worker %u: out of memory", index);
        return NULL;
    }
    w->nclients = cfg->connections / nworkers + (index < cfg->connections % nworkers ? 1 : 0);
    w->pacer.divisor = nworkers;
    w->stats = calloc(1, sizeof(*w->stats));
    w->clients = calloc(w->nclients > 0 ? w->nclients : 1, sizeof(*w->clients));
    w->rx = malloc(RX_CAP);
    w->ctx.tx_cap = client_tx_cap(cfg);
    w->tx = malloc(w->ctx.tx_cap);
    if (w->stats == NULL || w->clients == NULL || w->rx == NULL || w->tx == NULL) {
        snprintf(err, errlen, "worker %u: out of memory for %zu connections", index, w->nclients);
        goto fail;
    }
    w->loop = wss_loop_create(NULL, lerr, sizeof(lerr));
    if (w->loop == NULL) {
        snprintf(err, errlen, "worker %u: %s", index, lerr);
        goto fail;
    }
    w->ctx = (struct client_ctx){
        .loop = w->loop,
        .cfg = cfg,
        .stats = w->stats,
        .live = &w->live,
        .rx = w->rx,
        .rx_cap = RX_CAP,
        .tx = w->tx,
        .tx_cap = w->ctx.tx_cap,
        .run_start_ns = run_start_ns,
        .on_done = on_client_done,
    };
    /* Each worker its own seed, so nonces and jitter differ between threads and processes. */
    wss_rng_seed_random(&w->ctx.rng);
    wss_loop_timer_init(&w->pace_timer, on_pace);
    wss_loop_set_wakeup_cb(w->loop, on_wakeup, w);
    for (size_t i = 0; i < w->nclients; i++)
        client_init(&w->clients[i], &w->ctx, (uint32_t)(index + i * nworkers));
    return w;
fail:
    worker_free(w);
    return NULL;
}

int worker_start(struct worker *w, char *err, size_t errlen)
{
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc != 0) {
        snprintf(err, errlen, "pthread_create: %s", strerror(rc));
        return -1;
    }
    w->is_started = true;
    return 0;
}

void worker_request_stop(struct worker *w, bool is_forced)
{
    int want = is_forced ? STOP_FORCED : STOP_GRACEFUL;
    /* Only the main thread requests stops, so a load and a store cannot lose a stronger one. */
    if (atomic_load(&w->stop_request) < want)
        atomic_store(&w->stop_request, want);
    (void)wss_loop_wakeup(w->loop);
}

const struct load_live *worker_live(const struct worker *w)
{
    return &w->live;
}

bool worker_is_finished(const struct worker *w)
{
    return atomic_load(&w->is_finished);
}

int worker_join(struct worker *w)
{
    if (!w->is_started)
        return -1;
    w->is_started = false;
    return pthread_join(w->thread, NULL) == 0 ? 0 : -1;
}

const struct load_stats *worker_stats(const struct worker *w)
{
    return w->stats;
}

void worker_free(struct worker *w)
{
    if (w == NULL)
        return;
    wss_loop_free(w->loop);
    free(w->clients);
    free(w->stats);
    free(w->rx);
    free(w->tx);
    free(w);
}
