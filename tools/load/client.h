/* SPDX-License-Identifier: Apache-2.0 */
/* client.h: one WebSocket client connection slot of wsscale-load: connect, handshake, send and
 * time messages, answer pings and closes, and reconnect with backoff when asked to.
 * Does not: pace new connections or own threads (worker.c does), or print anything.
 * Threads: every client and its context belong to one worker's loop thread. */
#ifndef WSSCALE_LOAD_CLIENT_H
#define WSSCALE_LOAD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_config.h"
#include "load_stats.h"
#include "wsscale/loop.h"
#include "wsscale/rng.h"
#include "wsscale/ws_frame.h"

struct client_ctx;

/* Runs when a client has ended for good (state DONE); the worker decides whether to stop. */
typedef void (*client_done_cb)(struct client_ctx *ctx);

/* What every client of one worker shares. */
struct client_ctx {
    struct wss_loop *loop;         /* borrowed: the worker's */
    const struct load_config *cfg; /* borrowed */
    struct load_stats *stats;      /* borrowed: the worker's */
    struct load_live *live;        /* borrowed: the worker's */
    struct wss_rng rng;            /* nonces, masking keys, jitter */
    uint8_t *rx;                   /* borrowed scratch for reads, rx_cap bytes */
    size_t rx_cap;
    uint8_t *tx; /* borrowed scratch for building frames, tx_cap bytes */
    size_t tx_cap;
    uint64_t run_start_ns; /* CLOCK_MONOTONIC at the start of the run */
    bool is_stopping;      /* set before client_stop: no more reconnects or messages */
    client_done_cb on_done;
};

/* Bytes of scratch a context needs for frames of cfg's payload and for the upgrade request. */
size_t client_tx_cap(const struct load_config *cfg);

/* One slot. Fields are private; the worker keeps them in an array. */
struct client {
    struct wss_loop_io io;
    struct wss_loop_timer timer; /* per state: timeout, next message, backoff */
    struct client_ctx *ctx;      /* borrowed */
    uint32_t slot;               /* global index: picks the target and source address */
    uint8_t state;
    bool is_counted_open; /* counted in live->open */
    bool has_attempted;   /* a first attempt was made: later ones are reconnects */
    uint8_t head_len;     /* bytes of the current message's stamp gathered */
    uint16_t backoff_attempt;
    uint32_t in_flight; /* echo messages sent and not yet answered */
    uint32_t out_len;   /* unsent bytes at out + out_off */
    uint32_t out_off;
    uint32_t out_cap;
    uint16_t hs_len;     /* bytes of a partial 101 answer in hs_buf */
    uint64_t started_ns; /* when connect() was called */
    uint64_t msg_len;    /* bytes of the message being received */
    uint8_t *out;        /* owned: bytes the socket did not take yet */
    char *hs_buf;        /* owned: a 101 answer that arrived in pieces */
    uint8_t nonce[WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN];
    uint8_t head[LOAD_STAMP_LEN];
    struct wss_ws_frame_decoder dec;
};

/* Prepares a slot; it does nothing until client_start. Counts it in live->unfinished. */
void client_init(struct client *c, struct client_ctx *ctx, uint32_t slot);

/* Starts the slot's first connection attempt now. Failures are counted, never returned. */
void client_start(struct client *c);

/* Ends the slot for the stop: an open connection sends Close 1000 and waits for the answer (up
 * to close_timeout_ms); one still connecting is dropped; an idle slot is done at once. Set
 * ctx->is_stopping first. */
void client_stop(struct client *c);

/* Drops the slot's connection now, without a Close; for forced stops and teardown. */
void client_abort(struct client *c);

/* True once the slot has ended for good. */
bool client_is_done(const struct client *c);

#endif
