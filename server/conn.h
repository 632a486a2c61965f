/* SPDX-License-Identifier: Apache-2.0 */
/* conn.h: one client connection of the server port, from the HTTP request through the WebSocket
 * session to the closed socket, and the per-thread context its thread's connections share.
 * Does not: accept sockets (worker.c), decide when to drain (drain.c) or render /metrics.
 * Threads: a connection and its context belong to one loop thread; nothing here is thread-safe. */
#ifndef WSSCALE_SERVER_CONN_H
#define WSSCALE_SERVER_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/loop.h"
#include "msg.h"

struct conn;       /* opaque outside conn*.c */
struct conn_batch; /* private to conn*.c */
struct http_endpoints;
struct inbox;
struct redis_bus;
struct room_member;
struct rooms_local;
struct stats;

/* Size of each thread's read buffer: one read(2) takes at most this much. */
#define CONN_SCRATCH_BYTES (64 * 1024)

/* How a thread's connections behave; shared read-only by every thread. */
struct conn_limits {
    uint64_t max_message_bytes;     /* larger messages fail with 1009; 0 = no limit */
    uint64_t max_send_buffer_bytes; /* unsent bytes before a room member is closed (1008) or an
                                       echo client stops being read */
    uint64_t idle_timeout_ms;       /* silence before a ping, and again before closing; 0 = off */
    uint64_t handshake_timeout_ms;  /* time to send a complete request head */
    uint64_t close_timeout_ms; /* time from our Close (or final response) to the socket's end */
};

/* Where a thread reports WebSocket sessions starting and ending (the shared-memory counter). */
struct conn_hooks {
    void (*opened)(void *arg); /* a handshake completed: the session counts from now */
    void (*closed)(void *arg); /* a counted session's socket was closed */
    void *arg;                 /* borrowed */
};

/* A list node of the context's table of every connection. */
struct conn_node {
    struct conn_node *prev, *next; /* private */
};

/* What one thread's connections share. Set the public fields, then conn_ctx_init(). */
struct conn_ctx {
    struct wss_loop *loop;            /* public, borrowed */
    const struct conn_limits *limits; /* public, borrowed */
    struct stats *stats;              /* public, borrowed: this thread's counters */
    struct rooms_local *rooms;        /* public, borrowed: this thread's rooms */
    struct inbox *const *inboxes;     /* public, borrowed: every thread's inbox, by number */
    unsigned thread, nthreads;        /* public */
    struct http_endpoints *http;      /* public, borrowed: answers plain requests */
    struct redis_bus *bus;            /* public, borrowed: room messages to other servers;
                                         NULL without --redis */
    struct conn_hooks hooks;          /* public */
    size_t live;                      /* public, read-only: connections in any state */
    struct conn_node all;             /* private: sentinel of every live connection */
    uint8_t *scratch;                 /* private, owned: CONN_SCRATCH_BYTES */
    struct conn_batch *batch;         /* private, owned: output gathered while reading */
};

/* Allocates the context's buffers. 0 or -ENOMEM. */
int conn_ctx_init(struct conn_ctx *ctx);

/* Closes every connection at once, without Close frames (the drain's time is up). */
void conn_ctx_close_all(struct conn_ctx *ctx);

/* Frees the buffers; call after conn_ctx_close_all() and with no connection left. Accepts a
 * context whose init failed. */
void conn_ctx_release(struct conn_ctx *ctx);

/* Starts serving an accepted, non-blocking socket; takes ownership of fd. 0, or -errno (fd is
 * then closed). */
int conn_accept(struct conn_ctx *ctx, int fd);

/* A wss_loop_drain_cb (arg: the conn_ctx): closes an open WebSocket with 1001 "going away". */
void conn_drain_cb(struct wss_loop_link *link, void *arg);

/* The connection that embeds room member m. */
struct conn *conn_of_member(struct room_member *m);

/* Sends the frame m->data[m->start..m->len) to an open WebSocket, queueing what the socket does
 * not take (with a new reference to m). A room member whose queue passes max_send_buffer_bytes is
 * closed with 1008. Connections not open are skipped. Never fails visibly: errors close c. */
void conn_send_msg(struct conn *c, struct msg *m);

#endif
