/* SPDX-License-Identifier: Apache-2.0 */
/* stats.h: one thread's traffic counters, written only by that thread and summed by /metrics.
 * Does not: render anything (metrics.c does) or synchronise writers: each struct has one writer.
 * Threads: the owning thread adds with plain relaxed load+store (no locked instruction); any
 * thread may read with stats_get(). */
#ifndef WSSCALE_SERVER_STATS_H
#define WSSCALE_SERVER_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct stats {
    _Atomic uint64_t opened;             /* WebSocket handshakes completed */
    _Atomic uint64_t closed;             /* WebSocket connections whose socket was closed */
    _Atomic uint64_t messages_in;        /* data messages received */
    _Atomic uint64_t messages_out;       /* data messages sent (echoes, room deliveries) */
    _Atomic uint64_t bytes_in;           /* bytes read from sockets, any protocol */
    _Atomic uint64_t bytes_out;          /* bytes written to sockets, any protocol */
    _Atomic uint64_t send_buffer_drops;  /* slow consumers closed for a full send buffer */
    _Atomic uint64_t handshake_rejects;  /* requests answered with a 4xx/5xx */
    _Atomic uint64_t http_requests;      /* plain HTTP requests answered */
    _Atomic uint64_t room_inbox_refused; /* room messages another thread could not queue */
    /* With --redis (redis_bus.c): */
    _Atomic uint64_t redis_up;             /* 1 while this thread's Redis link is up, else 0 */
    _Atomic uint64_t redis_subscriptions;  /* room channels Redis confirmed for this thread */
    _Atomic uint64_t redis_published;      /* room messages Redis accepted */
    _Atomic uint64_t redis_publish_errors; /* room messages not published or not confirmed */
    _Atomic uint64_t redis_received;       /* messages of other processes handed to members */
    _Atomic uint64_t redis_invalid;        /* room channel messages that were not envelopes */
    _Atomic uint64_t redis_reconnects;     /* connection attempts after a lost or failed link */
} __attribute__((aligned(64)));            /* a cache line of its own per thread */

/* Adds n; the owning thread only. */
static inline void stats_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Stores a gauge's new value; the owning thread only. */
static inline void stats_set(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, v, memory_order_relaxed);
}

/* Reads a counter; any thread. */
static inline uint64_t stats_get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

#endif
