/* SPDX-License-Identifier: Apache-2.0 */
/* load_config.h: what a run of wsscale-load does, as main builds it from the flags: the targets
 * (resolved URLs), source addresses, mode, pacing, messages, reconnects and timeouts.
 * Does not: parse flags or resolve names (main does), or change during a run.
 * Threads: written by main before the workers start, then read-only for every thread. */
#ifndef WSSCALE_LOAD_CONFIG_H
#define WSSCALE_LOAD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wsscale/ws_client_handshake.h"

enum load_mode {
    LOAD_MODE_ECHO = 0, /* send stamped messages, check and time their echoes */
    LOAD_MODE_HOLD,     /* connect and stay idle, answering pings */
    LOAD_MODE_ROOM,     /* send stamped messages into a room, count and time the deliveries */
};

/* Bytes at the start of every message: the send time, CLOCK_MONOTONIC ns as 16 hex digits, so a
 * message can be timed by whichever connection (or process on this machine) receives it. */
#define LOAD_STAMP_LEN 16

/* One --url, resolved. */
struct load_target {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    struct wss_ws_client_handshake hs; /* host, path, query, origin, protocols (borrowed from
                                          argv or the flags); each attempt draws its own nonce */
};

struct load_config {
    const struct load_target *targets; /* borrowed; slot i uses targets[i % ntargets] */
    size_t ntargets;
    const struct sockaddr_storage *sources; /* borrowed; slot i binds sources[i % nsources] */
    size_t nsources;                        /* 0: let the kernel pick */
    enum load_mode mode;
    uint64_t connections;         /* slots in all, over every worker */
    uint64_t rate_per_s;          /* new connections per second over all workers; 0 = no pacing */
    uint64_t message_interval_ms; /* per connection; 0 = no timed messages */
    size_t payload_bytes;         /* per message, >= LOAD_STAMP_LEN */
    unsigned in_flight;           /* echo: messages kept outstanding per connection; 0 = timed */
    bool is_reconnect;            /* reconnect after any end until the run stops */
    uint64_t backoff_ms;          /* first reconnect delay ceiling */
    uint64_t backoff_max_ms;      /* cap of the doubling ceiling */
    uint64_t connect_timeout_ms;  /* connect() to 101 */
    uint64_t close_timeout_ms;    /* our Close to the server's */
    uint64_t max_message_bytes;   /* larger incoming messages are a protocol error (1009) */
};

#endif
