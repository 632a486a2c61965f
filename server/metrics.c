/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c: the server's metric families (names from DESIGN.md for the connection counts,
 * wsscale_server_* for the rest) and their collect callbacks.
 * Does not: write counters; each thread writes its own struct stats.
 * Threads: callbacks read relaxed atomics from any thread. */
#include "metrics.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum source_kind {
    SUM_FIELD,   /* sum one struct stats field over the threads */
    OPEN_CONNS,  /* opened - closed */
    ROOM_COUNT,  /* rooms with members */
    IS_DRAINING, /* 0 or 1 */
    ALL_SET,     /* 1 if one struct stats field is non-zero on every thread, else 0 */
};

struct family_def {
    enum wss_prom_type type;
    const char *name;
    const char *help;
    enum source_kind kind;
    size_t field; /* SUM_FIELD: offset in struct stats */
};

static const struct family_def defs[] = {
    {WSS_PROM_GAUGE, "websocket_connections", "Open WebSocket connections.", OPEN_CONNS, 0},
    {WSS_PROM_COUNTER, "websocket_connections_opened_total",
     "WebSocket handshakes completed since the server started.", SUM_FIELD,
     offsetof(struct stats, opened)},
    {WSS_PROM_COUNTER, "websocket_connections_closed_total",
     "WebSocket connections whose socket was closed since the server started.", SUM_FIELD,
     offsetof(struct stats, closed)},
    {WSS_PROM_COUNTER, "wsscale_server_messages_received_total",
     "WebSocket data messages received.", SUM_FIELD, offsetof(struct stats, messages_in)},
    {WSS_PROM_COUNTER, "wsscale_server_messages_sent_total",
     "WebSocket data messages sent: echoes plus one per room member reached.", SUM_FIELD,
     offsetof(struct stats, messages_out)},
    {WSS_PROM_COUNTER, "wsscale_server_received_bytes_total",
     "Bytes read from client sockets, HTTP and WebSocket framing included.", SUM_FIELD,
     offsetof(struct stats, bytes_in)},
    {WSS_PROM_COUNTER, "wsscale_server_sent_bytes_total",
     "Bytes written to client sockets, HTTP and WebSocket framing included.", SUM_FIELD,
     offsetof(struct stats, bytes_out)},
    {WSS_PROM_GAUGE, "wsscale_server_rooms", "Rooms with at least one member.", ROOM_COUNT, 0},
    {WSS_PROM_COUNTER, "wsscale_server_send_buffer_drops_total",
     "Slow consumers closed (1008) because their send buffer passed --max-send-buffer-bytes.",
     SUM_FIELD, offsetof(struct stats, send_buffer_drops)},
    {WSS_PROM_COUNTER, "wsscale_server_rejected_requests_total",
     "Requests refused with an HTTP error status instead of an upgrade or an answer.", SUM_FIELD,
     offsetof(struct stats, handshake_rejects)},
    {WSS_PROM_COUNTER, "wsscale_server_http_requests_total",
     "Plain HTTP requests answered (page, health, readiness, metrics, 404).", SUM_FIELD,
     offsetof(struct stats, http_requests)},
    {WSS_PROM_COUNTER, "wsscale_server_room_messages_dropped_total",
     "Room messages not handed to another thread because its inbox was full.", SUM_FIELD,
     offsetof(struct stats, room_inbox_refused)},
    {WSS_PROM_GAUGE, "wsscale_server_draining",
     "1 from SIGTERM or SIGINT until exit, else 0; /readyz fails while it is 1.", IS_DRAINING, 0},
};

/* Registered only with --redis. */
static const struct family_def redis_defs[] = {
    {WSS_PROM_GAUGE, "wsscale_server_redis_up",
     "1 while every thread's Redis publisher and subscriber are connected, else 0; room "
     "messages reach only this server's members while it is 0.",
     ALL_SET, offsetof(struct stats, redis_up)},
    {WSS_PROM_GAUGE, "wsscale_server_redis_subscriptions",
     "Room channels subscribed in Redis, summed over threads (a room with members on two threads "
     "counts twice).",
     SUM_FIELD, offsetof(struct stats, redis_subscriptions)},
    {WSS_PROM_COUNTER, "wsscale_server_redis_published_total",
     "Room messages published to Redis and acknowledged.", SUM_FIELD,
     offsetof(struct stats, redis_published)},
    {WSS_PROM_COUNTER, "wsscale_server_redis_publish_errors_total",
     "Room messages not published to Redis (link down, Redis behind or refusing) or lost with "
     "the connection before Redis acknowledged them.",
     SUM_FIELD, offsetof(struct stats, redis_publish_errors)},
    {WSS_PROM_COUNTER, "wsscale_server_redis_received_total",
     "Room messages from other servers received through Redis for rooms with members here.",
     SUM_FIELD, offsetof(struct stats, redis_received)},
    {WSS_PROM_COUNTER, "wsscale_server_redis_invalid_messages_total",
     "Messages on room channels that were not valid envelopes, ignored.", SUM_FIELD,
     offsetof(struct stats, redis_invalid)},
    {WSS_PROM_COUNTER, "wsscale_server_redis_reconnects_total",
     "Attempts to connect to Redis again after a lost or failed connection.", SUM_FIELD,
     offsetof(struct stats, redis_reconnects)},
};

#define NDEFS       (sizeof(defs) / sizeof(defs[0]))
#define NREDIS_DEFS (sizeof(redis_defs) / sizeof(redis_defs[0]))

struct family_arg {
    const struct metrics_source *src; /* borrowed: metrics->src */
    const struct family_def *def;
};

struct metrics {
    struct metrics_source src;
    struct family_arg args[NDEFS + NREDIS_DEFS];
};

static uint64_t sum_field(const struct metrics_source *src, size_t field)
{
    uint64_t sum = 0;
    for (unsigned t = 0; t < src->nthreads; t++) {
        const char *base = (const char *)&src->stats[t];
        sum += stats_get((const _Atomic uint64_t *)(const void *)(base + field));
    }
    return sum;
}

static void collect(struct wss_prom_writer *w, void *arg)
{
    const struct family_arg *a = arg;
    const struct metrics_source *src = a->src;
    double v = 0;
    switch (a->def->kind) {
    case SUM_FIELD:
        v = (double)sum_field(src, a->def->field);
        break;
    case OPEN_CONNS: {
        /* closed first: a session opening in between can only make the difference larger,
         * never negative */
        uint64_t closed = sum_field(src, offsetof(struct stats, closed));
        uint64_t opened = sum_field(src, offsetof(struct stats, opened));
        v = opened >= closed ? (double)(opened - closed) : 0;
        break;
    }
    case ROOM_COUNT:
        v = (double)rooms_count(src->rooms);
        break;
    case IS_DRAINING:
        v = atomic_load_explicit(src->is_draining, memory_order_relaxed) ? 1 : 0;
        break;
    case ALL_SET:
        v = 1;
        for (unsigned t = 0; t < src->nthreads; t++) {
            const char *base = (const char *)&src->stats[t];
            if (stats_get((const _Atomic uint64_t *)(const void *)(base + a->def->field)) == 0)
                v = 0;
        }
        break;
    }
    wss_prom_writer_sample(w, NULL, 0, v);
}

struct metrics *metrics_new(struct wss_prom_registry *registry, const struct metrics_source *src,
                            struct wss_parse_err *err)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m) {
        wss_parse_fail(err, 0, "out of memory");
        return NULL;
    }
    m->src = *src;
    size_t n = NDEFS + (src->has_redis ? NREDIS_DEFS : 0);
    for (size_t i = 0; i < n; i++) {
        const struct family_def *def = i < NDEFS ? &defs[i] : &redis_defs[i - NDEFS];
        m->args[i] = (struct family_arg){.src = &m->src, .def = def};
        struct wss_prom_desc d = {
            .type = def->type,
            .name = def->name,
            .help = def->help,
            .collect = collect,
            .collect_arg = &m->args[i],
        };
        if (!wss_prom_family_new(registry, &d, err)) {
            free(m);
            return NULL;
        }
    }
    return m;
}

void metrics_free(struct metrics *m)
{
    free(m);
}
