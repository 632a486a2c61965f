/* SPDX-License-Identifier: Apache-2.0 */
/* conn_pacer.h: paces new connections at a rate: how many may have started by a given time, and
 * when the next one is due, without drift however late the timer fires.
 * Does not: arm timers or open sockets; the worker does.
 * Threads: a pacer belongs to one worker. */
#ifndef WSSCALE_LOAD_CONN_PACER_H
#define WSSCALE_LOAD_CONN_PACER_H

#include <stdint.h>

/* Returned by conn_pacer_next_ms when every connection has started. */
#define CONN_PACER_NEVER UINT64_MAX

struct conn_pacer {
    uint64_t start_ms;   /* when pacing began, on the caller's clock */
    uint64_t rate_per_s; /* connections per second over divisor; 0 = no pacing */
    uint64_t divisor;    /* this pacer's share of the rate is rate_per_s / divisor */
    uint64_t total;      /* connections to start in all */
    uint64_t started;    /* public, read-only: taken so far */
};

/* Starts pacing total connections at rate_per_s / divisor per second from now_ms (the first is
 * due at once); rate 0 lets every one start at once. divisor 0 counts as 1. Cannot fail. */
void conn_pacer_init(struct conn_pacer *p, uint64_t now_ms, uint64_t rate_per_s, uint64_t divisor,
                     uint64_t total);

/* How many more may start at now_ms (0 when none is due or all have started). Pure. */
uint64_t conn_pacer_due(const struct conn_pacer *p, uint64_t now_ms);

/* Records that n connections started (n at most what conn_pacer_due allowed). */
void conn_pacer_took(struct conn_pacer *p, uint64_t n);

/* The time (caller's clock) when the next connection is due, or CONN_PACER_NEVER. Pure. */
uint64_t conn_pacer_next_ms(const struct conn_pacer *p);

#endif
