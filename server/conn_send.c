/* SPDX-License-Identifier: Apache-2.0 */
/* conn_send.c: a connection's output: the per-read batch written with one sendmsg(2), the bounded
 * queue of what the socket did not take, backpressure and the slow-consumer rule.
 * Does not: parse input or decide what to answer (conn.c), or fan out to rooms (broadcast.c).
 * Threads: the connection's loop thread. */
#include "conn_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stats.h"

/* An echo client is read again once its queue falls to max_send_buffer_bytes / this. */
#define RESUME_DIVISOR 4

/* At most this many queued pieces go to one sendmsg(2). */
#define FLUSH_IOV 64

/* Writes what the socket takes now: bytes written, or -errno for a broken connection. */
static ssize_t write_iov(struct conn *c, struct iovec *iov, int n)
{
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    for (;;) {
        ssize_t w = sendmsg(c->io.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w >= 0) {
            stats_add(&c->ctx->stats->bytes_out, (uint64_t)w);
            return w;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -errno;
    }
}

/* Appends m->data[off..end) to the queue, taking over the caller's reference. */
static void enqueue(struct conn *c, struct msg *m, uint32_t off, uint32_t end)
{
    struct sq_node *node = malloc(sizeof(*node));
    if (!node) {
        msg_unref(m);
        conn__destroy(c, "out of memory queueing output");
        return;
    }
    *node = (struct sq_node){.m = m, .off = off, .end = end};
    if (c->sq_tail)
        c->sq_tail->next = node;
    else
        c->sq_head = node;
    c->sq_tail = node;
    c->sq_bytes += end - off;
}

void conn__drop_queue(struct conn *c, bool keep_head)
{
    struct sq_node *node = c->sq_head;
    if (keep_head && node) {
        /* The head may be half-written: the peer needs the rest of that frame before a Close. */
        node = node->next;
        c->sq_head->next = NULL;
        c->sq_tail = c->sq_head;
        c->sq_bytes = c->sq_head->end - c->sq_head->off;
    } else {
        c->sq_head = c->sq_tail = NULL;
        c->sq_bytes = 0;
    }
    while (node) {
        struct sq_node *next = node->next;
        msg_unref(node->m);
        free(node);
        node = next;
    }
}

/* Applies the watermarks after the queue grew. */
static void check_backlog(struct conn *c)
{
    uint64_t limit = c->ctx->limits->max_send_buffer_bytes;
    if (c->state == CONN_DEAD || limit == 0 || c->sq_bytes <= limit)
        return;
    if (c->route == CONN_ROUTE_ECHO) {
        c->is_read_paused = true;
    } else if (c->route == CONN_ROUTE_ROOM && c->state == CONN_OPEN) {
        stats_add(&c->ctx->stats->send_buffer_drops, 1);
        conn__drop_queue(c, true);
        conn__start_close(c, WSS_WS_CLOSE_POLICY, "send buffer full");
    }
}

void conn__update_interest(struct conn *c)
{
    if (c->state == CONN_DEAD)
        return;
    struct conn_batch *b = c->ctx->batch;
    bool is_batch_pending = b->owner == c && b->n > 0;
    if (c->state == CONN_FLUSHING && !c->sq_head && !is_batch_pending) {
        /* Everything is out: half-close, then wait for the peer's FIN so that no unread input
         * turns our close into a reset that could destroy the last bytes in flight. */
        shutdown(c->io.fd, SHUT_WR);
        c->state = CONN_LINGER;
    }
    uint64_t limit = c->ctx->limits->max_send_buffer_bytes;
    if (c->is_read_paused && c->sq_bytes <= limit / RESUME_DIVISOR)
        c->is_read_paused = false;
    uint32_t want = (c->is_read_paused ? 0 : WSS_LOOP_READ) | (c->sq_head ? WSS_LOOP_WRITE : 0);
    int rc = wss_loop_io_set(c->ctx->loop, &c->io, want);
    if (rc != 0)
        conn__destroy(c, "cannot update epoll interest");
}

/* Copies iov[0..n) minus the first `skip` bytes into one new msg and queues it. */
static void enqueue_copy(struct conn *c, const struct iovec *iov, int n, size_t skip, size_t total)
{
    struct msg *m = msg_new(total - skip);
    if (!m) {
        conn__destroy(c, "out of memory queueing output");
        return;
    }
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t len = iov[i].iov_len;
        const uint8_t *p = iov[i].iov_base;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        memcpy(m->data + at, p + skip, len - skip);
        at += len - skip;
        skip = 0;
    }
    enqueue(c, m, 0, m->len);
}

/* Writes iov now if nothing is queued ahead of it, and queues a copy of the rest. */
static void send_iov(struct conn *c, struct iovec *iov, int n, size_t total)
{
    size_t written = 0;
    if (!c->sq_head) {
        ssize_t w = write_iov(c, iov, n);
        if (w < 0) {
            conn__destroy(c, "write failed");
            return;
        }
        written = (size_t)w;
    }
    if (written < total)
        enqueue_copy(c, iov, n, written, total);
}

static void batch_reset(struct conn_batch *b)
{
    b->owner = NULL;
    b->n = 0;
    b->bytes = 0;
    b->arena_used = 0;
}

void conn__batch_forget(struct conn *c)
{
    if (c->ctx->batch->owner == c)
        batch_reset(c->ctx->batch);
}

void conn__batch_flush(struct conn *c)
{
    struct conn_batch *b = c->ctx->batch;
    if (b->owner != c || b->n == 0)
        return;
    /* Reset before sending: a failed write destroys c, which must find the batch empty. */
    struct iovec iov[CONN_BATCH_IOV];
    int n = b->n;
    size_t bytes = b->bytes;
    memcpy(iov, b->iov, (size_t)n * sizeof(iov[0]));
    batch_reset(b);
    if (c->state == CONN_DEAD)
        return;
    send_iov(c, iov, n, bytes);
    check_backlog(c);
    conn__update_interest(c);
}

/* Makes the batch c's and leaves room for `iovs` iovecs and `arena` arena bytes. */
static struct conn_batch *batch_for(struct conn *c, int iovs, size_t arena)
{
    struct conn_batch *b = c->ctx->batch;
    if (b->owner && b->owner != c)
        conn__batch_flush(b->owner);
    if (b->n + iovs > CONN_BATCH_IOV || b->arena_used + arena > CONN_BATCH_ARENA)
        conn__batch_flush(c);
    b->owner = c;
    return b;
}

static void batch_push(struct conn_batch *b, const void *p, size_t len)
{
    b->iov[b->n].iov_base = (void *)p;
    b->iov[b->n].iov_len = len;
    b->n++;
    b->bytes += len;
}

void conn__batch_data(struct conn *c, enum wss_ws_opcode op, const uint8_t *p, size_t len)
{
    struct conn_batch *b = batch_for(c, 2, WSS_WS_FRAME_HEADER_MAX);
    uint8_t *hdr = b->arena + b->arena_used;
    size_t h = wss_ws_frame_encode_header(hdr, op, true, len, NULL);
    b->arena_used += h;
    batch_push(b, hdr, h);
    if (len)
        batch_push(b, p, len);
    stats_add(&c->ctx->stats->messages_out, 1);
}

void conn__batch_control(struct conn *c, enum wss_ws_opcode op, const uint8_t *p, size_t len)
{
    /* Control payloads may live in the decoder, which the next decode overwrites: copy them. */
    struct conn_batch *b = batch_for(c, 1, WSS_WS_FRAME_HEADER_MAX + WSS_WS_FRAME_CONTROL_MAX);
    uint8_t *frame = b->arena + b->arena_used;
    size_t h = wss_ws_frame_encode_header(frame, op, true, len, NULL);
    if (len)
        memcpy(frame + h, p, len);
    b->arena_used += h + len;
    batch_push(b, frame, h + len);
}

void conn__send_copy(struct conn *c, const void *p, size_t len)
{
    if (c->state == CONN_DEAD || len == 0)
        return;
    conn__batch_flush(c); /* keep order with output gathered earlier */
    if (c->state == CONN_DEAD)
        return;
    struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
    send_iov(c, &iov, 1, len);
    conn__update_interest(c);
}

/* Writes m's frame now if nothing is queued ahead, and queues a reference for the rest. */
static void send_msg_now(struct conn *c, struct msg *m)
{
    uint32_t off = m->start;
    if (!c->sq_head) {
        struct iovec iov = {.iov_base = m->data + m->start, .iov_len = m->len - m->start};
        ssize_t w = write_iov(c, &iov, 1);
        if (w < 0) {
            conn__destroy(c, "write failed");
            return;
        }
        off += (uint32_t)w;
    }
    stats_add(&c->ctx->stats->messages_out, 1);
    if (off < m->len)
        enqueue(c, msg_ref(m), off, m->len);
    check_backlog(c);
    conn__update_interest(c);
}

void conn__send_own(struct conn *c, struct msg *m)
{
    conn__batch_flush(c);
    if (c->state == CONN_DEAD)
        return;
    send_msg_now(c, m);
}

void conn_send_msg(struct conn *c, struct msg *m)
{
    if (c->state != CONN_OPEN)
        return;
    conn__batch_flush(c);
    if (c->state != CONN_OPEN)
        return;
    send_msg_now(c, m);
}

void conn__flush(struct conn *c)
{
    while (c->sq_head && c->state != CONN_DEAD) {
        struct iovec iov[FLUSH_IOV];
        int n = 0;
        size_t total = 0;
        for (struct sq_node *node = c->sq_head; node && n < FLUSH_IOV; node = node->next) {
            iov[n].iov_base = node->m->data + node->off;
            iov[n].iov_len = node->end - node->off;
            total += iov[n++].iov_len;
        }
        ssize_t w = write_iov(c, iov, n);
        if (w < 0) {
            conn__destroy(c, "write failed");
            return;
        }
        size_t left = (size_t)w;
        c->sq_bytes -= left;
        while (left > 0) {
            struct sq_node *node = c->sq_head;
            size_t len = node->end - node->off;
            if (left < len) {
                node->off += (uint32_t)left;
                break;
            }
            left -= len;
            c->sq_head = node->next;
            if (!c->sq_head)
                c->sq_tail = NULL;
            msg_unref(node->m);
            free(node);
        }
        if ((size_t)w < total)
            break; /* the socket is full: wait for the next WSS_LOOP_WRITE */
    }
    conn__update_interest(c);
}
