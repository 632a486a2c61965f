/* SPDX-License-Identifier: Apache-2.0 */
/* load_stats.h: what one worker of wsscale-load counts: connections, messages, latencies, the
 * close codes servers sent and errors by kind; plus the few live counters the progress line reads
 * while the run goes on.
 * Does not: format anything (load_summary.c does) or lock: a worker owns its stats until it has
 * been joined; only struct load_live is read across threads.
 * Threads: load_stats: the owning worker, then whoever joined it. load_live: written by its
 * worker, read by the main thread, through relaxed atomics. */
#ifndef WSSCALE_LOAD_STATS_H
#define WSSCALE_LOAD_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "latency_hist.h"

/* Why a connection failed. Every kind counts towards the exit status. */
enum load_error_kind {
    LOAD_ERR_CONNECT_REFUSED = 0, /* ECONNREFUSED: nothing listens */
    LOAD_ERR_CONNECT_FAILED,      /* any other connect error (EADDRNOTAVAIL, ENETUNREACH, ...) */
    LOAD_ERR_CONNECT_TIMEOUT,     /* TCP connect did not finish within --connect-timeout */
    LOAD_ERR_HANDSHAKE_FAILED,    /* the answer was not a valid 101, or the server hung up */
    LOAD_ERR_HANDSHAKE_TIMEOUT,   /* no complete answer within --connect-timeout */
    LOAD_ERR_PROTOCOL,            /* a frame from the server failed RFC 6455 validation */
    LOAD_ERR_ABRUPT_CLOSE,        /* TCP closed or reset without a Close frame */
    LOAD_ERR_CLOSE_CODE,          /* the server closed with a code other than 1000 or 1001 */
    LOAD_ERR_BAD_ECHO,            /* echo mode: a message that is not one this client sent */
    LOAD_ERR_CLOSE_TIMEOUT,       /* our Close at the end of the run got no answer in time */
    LOAD_ERR_KINDS,
};

/* Distinct close codes kept apart; more are added to close_codes_other. */
#define LOAD_STATS_CLOSE_CODES 16
/* Room for one example message per error kind. */
#define LOAD_STATS_EXAMPLE_LEN 120

/* One close code the server sent first, with when it arrived (us since the run started). */
struct load_close_code {
    uint16_t code; /* 1005 when the Close frame had no code */
    uint64_t count;
    struct latency_hist at_us;
};

struct load_stats {
    uint64_t attempts;         /* connections started, reconnects included */
    uint64_t reconnects;       /* attempts after a slot's first */
    uint64_t opened;           /* handshakes completed */
    uint64_t closed_by_us;     /* our Close answered: clean ends at stop */
    uint64_t closed_by_server; /* the server's Close answered by us */
    uint64_t msgs_sent;
    uint64_t msgs_received;
    uint64_t bytes_sent; /* payload bytes */
    uint64_t bytes_received;
    uint64_t msgs_foreign; /* room mode: messages not stamped by wsscale-load */
    uint64_t msgs_skipped; /* not sent because the connection's send queue was full */
    uint64_t pings_answered;
    uint64_t errors[LOAD_ERR_KINDS];
    char examples[LOAD_ERR_KINDS][LOAD_STATS_EXAMPLE_LEN]; /* first message of each kind, or "" */
    size_t nclose_codes;
    struct load_close_code close_codes[LOAD_STATS_CLOSE_CODES];
    uint64_t close_codes_other;
    struct latency_hist connect_us; /* connect() to 101, per opened connection */
    struct latency_hist rtt_us;     /* echo: round trip; room: send to delivery */
};

/* The counters the progress line shows, readable from another thread while the worker runs. */
struct load_live {
    atomic_uint_fast64_t open;          /* connections open now */
    atomic_uint_fast64_t opened;        /* handshakes completed so far */
    atomic_uint_fast64_t msgs_received; /* messages so far */
    atomic_uint_fast64_t errors;        /* errors so far */
    atomic_uint_fast64_t unfinished;    /* connection slots not yet done for good */
};

/* A plain snapshot of load_live, summed over workers (and over processes with --processes). */
struct load_totals {
    uint64_t open, opened, msgs_received, errors, unfinished;
};

/* The wire name of an error kind ("connect_refused", ...); "unknown" past the end. Pure. */
const char *load_stats_error_name(enum load_error_kind kind);

/* Counts one error and keeps msg (may be NULL) as the kind's example if it has none yet. Also
 * bumps live->errors when live is non-NULL. Cannot fail. */
void load_stats_error(struct load_stats *s, struct load_live *live, enum load_error_kind kind,
                      const char *msg);

/* Counts a close code the server sent first, at at_us since the run started. Cannot fail. */
void load_stats_close_code(struct load_stats *s, uint16_t code, uint64_t at_us);

/* Sum of every error kind. Pure. */
uint64_t load_stats_error_total(const struct load_stats *s);

/* Adds from into into (counters, histograms, close codes, missing examples). Cannot fail. */
void load_stats_merge(struct load_stats *into, const struct load_stats *from);

#endif
