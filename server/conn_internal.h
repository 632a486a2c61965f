/* SPDX-License-Identifier: Apache-2.0 */
/* conn_internal.h: the connection record and the functions conn.c, conn_send.c and broadcast.c
 * share; nothing outside those files includes it.
 * Does not: declare anything the worker or main may call (conn.h does).
 * Threads: every field belongs to the connection's loop thread. */
#ifndef WSSCALE_SERVER_CONN_INTERNAL_H
#define WSSCALE_SERVER_CONN_INTERNAL_H

#include <stdbool.h>
#include <sys/uio.h>

#include "conn.h"
#include "rooms.h"
#include "wsscale/ws_frame.h"

/* Gathered output: iovecs into the read buffer (echoed payloads) and a small arena (headers,
 * control payloads), flushed with one sendmsg(2) per read. */
#define CONN_BATCH_IOV   64
#define CONN_BATCH_ARENA 4096

/* Longest header of an unmasked server frame; assembled messages keep this much headroom. */
#define CONN_FRAME_HEADROOM 10

enum conn_state {
    CONN_HANDSHAKE = 0, /* reading the request head */
    CONN_OPEN,          /* a WebSocket session */
    CONN_CLOSING,       /* we sent Close first and wait for the peer's */
    CONN_FLUSHING,      /* the last bytes (response, Close reply) are queued; then shut down */
    CONN_LINGER,        /* write side shut; reading until the peer's FIN or the close timeout */
    CONN_DEAD,          /* socket closed; memory freed by the deferred reaper */
};

enum conn_route {
    CONN_ROUTE_NONE = 0, /* plain HTTP or still in the handshake */
    CONN_ROUTE_ECHO,
    CONN_ROUTE_ROOM,
};

/* One queued piece of output: bytes m->data[off..end). */
struct sq_node {
    struct sq_node *next;
    struct msg *m; /* owned reference */
    uint32_t off, end;
};

struct conn_batch {
    struct conn *owner; /* the connection whose output this is; NULL when empty */
    struct iovec iov[CONN_BATCH_IOV];
    int n;
    size_t bytes;
    size_t arena_used;
    uint8_t arena[CONN_BATCH_ARENA];
};

struct conn {
    struct wss_loop_io io;
    struct wss_loop_timer timer;    /* handshake, idle, or close timeout, by state */
    struct wss_loop_link open_link; /* in the loop's table (a drain candidate) while CONN_OPEN */
    struct conn_node all;
    struct room_member member;
    struct wss_loop_defer reaper;
    struct conn_ctx *ctx; /* borrowed */
    struct msg *in;       /* owned: the request head or a message being assembled; else NULL */
    uint32_t in_len, in_cap;
    struct sq_node *sq_head, *sq_tail; /* owned */
    size_t sq_bytes;
    uint64_t last_rx_ms;
    uint8_t state;     /* enum conn_state */
    uint8_t route;     /* enum conn_route */
    uint8_t in_opcode; /* opcode of the message being assembled */
    bool is_counted;
    bool is_read_paused;
    bool is_ping_sent;
    struct wss_ws_frame_decoder dec;
};

/* conn_send.c */

/* Gathers a data frame whose payload stays where it is (the read buffer) until the batch is
 * flushed. */
void conn__batch_data(struct conn *c, enum wss_ws_opcode op, const uint8_t *p, size_t len);

/* Gathers a control frame, copying its payload (it may live in the decoder). */
void conn__batch_control(struct conn *c, enum wss_ws_opcode op, const uint8_t *p, size_t len);

/* Writes c's gathered output with one sendmsg(2), queueing a copy of what the socket refused. */
void conn__batch_flush(struct conn *c);

/* Discards c's gathered output (c is being destroyed). */
void conn__batch_forget(struct conn *c);

/* Writes len bytes after anything gathered or queued, queueing a copy of the rest. */
void conn__send_copy(struct conn *c, const void *p, size_t len);

/* Writes m's frame to c itself (an assembled echo), queueing a reference for the rest. */
void conn__send_own(struct conn *c, struct msg *m);

/* Writes queued output until the socket is full (WSS_LOOP_WRITE). */
void conn__flush(struct conn *c);

/* Frees queued output; keep_head keeps a half-written first piece so the stream stays valid. */
void conn__drop_queue(struct conn *c, bool keep_head);

/* Applies the state to the socket: the half-close once FLUSHING is done, read pause and resume,
 * and the epoll interest. */
void conn__update_interest(struct conn *c);

/* conn.c */

/* Closes the socket and releases everything; the memory goes after this loop iteration. */
void conn__destroy(struct conn *c, const char *why);

/* Starts a server-initiated close of an open session: leaves its room, sends Close. */
void conn__start_close(struct conn *c, uint16_t code, const char *reason);

#endif
