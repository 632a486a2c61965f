/* SPDX-License-Identifier: Apache-2.0 */
/* conn.c: a connection's life: the request head, a plain answer or the 101, the WebSocket session
 * (echo or room), the close handshake, the timers, and the socket's end.
 * Does not: queue or write output itself (conn_send.c), fan out to rooms (broadcast.c), or know
 * which paths exist (http_endpoints.c).
 * Threads: the connection's loop thread. */
#include "conn_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broadcast.h"
#include "http_endpoints.h"
#include "stats.h"
#include "wsscale/ws_handshake.h"
#include "wsscale/log.h"
#include "wsscale/strbuf.h"

/* Reads per readiness event before yielding to other connections, when each read fills the
 * buffer. */
#define READS_PER_EVENT 4

/* Room for the 101 response and for error responses. */
#define RESPONSE_MAX 512

/* Assembly buffers grow by half again; a frame's declared length reserves at most this much
 * ahead (a peer announcing a huge frame gets memory only as bytes arrive). */
#define ASSEMBLY_FIRST_CAP   256
#define ASSEMBLY_RESERVE_MAX (1u << 20)

static void on_io(struct wss_loop_io *io, uint32_t events);
static void on_timer(struct wss_loop_timer *t);

struct conn *conn_of_member(struct room_member *m)
{
    return WSS_LOOP_CONTAINER_OF(m, struct conn, member);
}

static void arm_timer(struct conn *c, uint64_t ms)
{
    if (wss_loop_timer_start(c->ctx->loop, &c->timer, ms) != 0)
        conn__destroy(c, "out of memory arming a timer");
}

static void free_input(struct conn *c)
{
    msg_unref(c->in);
    c->in = NULL;
    c->in_len = c->in_cap = 0;
}

static void reap(struct wss_loop_defer *d)
{
    free(WSS_LOOP_CONTAINER_OF(d, struct conn, reaper));
}

/* Leaves the drain table and the room: a session that is ending gets no more broadcasts. */
static void leave_open(struct conn *c)
{
    wss_loop_conn_remove(c->ctx->loop, &c->open_link);
    rooms_leave(c->ctx->rooms, &c->member);
}

void conn__destroy(struct conn *c, const char *why)
{
    if (c->state == CONN_DEAD)
        return;
    struct conn_ctx *ctx = c->ctx;
    if (wss_log_enabled(WSS_LOG_DEBUG))
        WSS_DEBUG("connection closed", WSS_KV_INT("fd", c->io.fd), WSS_KV_STR("why", why),
                  WSS_KV_INT("state", c->state));
    conn__batch_forget(c);
    leave_open(c);
    wss_loop_timer_stop(ctx->loop, &c->timer);
    wss_loop_io_stop(ctx->loop, &c->io);
    close(c->io.fd);
    conn__drop_queue(c, false);
    free_input(c);
    if (c->is_counted) {
        stats_add(&ctx->stats->closed, 1);
        if (ctx->hooks.closed)
            ctx->hooks.closed(ctx->hooks.arg);
    }
    c->all.prev->next = c->all.next;
    c->all.next->prev = c->all.prev;
    ctx->live--;
    c->state = CONN_DEAD;
    wss_loop_defer(ctx->loop, &c->reaper, reap);
}

/* Queues a Close frame with code (none for WSS_WS_CLOSE_NO_STATUS) and as much of reason as fits.
 */
static void send_close_frame(struct conn *c, uint16_t code, const char *reason)
{
    uint8_t payload[WSS_WS_FRAME_CONTROL_MAX];
    size_t len = wss_ws_frame_close_payload(payload, code, reason, reason ? strlen(reason) : 0);
    conn__batch_control(c, WSS_WS_OP_CLOSE, payload, len);
}

/* Moves to FLUSHING: the close timeout bounds everything from here on. */
static void finish(struct conn *c)
{
    if (c->state != CONN_CLOSING)
        arm_timer(c, c->ctx->limits->close_timeout_ms);
    if (c->state == CONN_DEAD)
        return;
    c->state = CONN_FLUSHING;
}

void conn__start_close(struct conn *c, uint16_t code, const char *reason)
{
    if (c->state != CONN_OPEN)
        return;
    leave_open(c);
    free_input(c);
    c->state = CONN_CLOSING;
    arm_timer(c, c->ctx->limits->close_timeout_ms);
    if (c->state == CONN_DEAD)
        return;
    send_close_frame(c, code, reason);
    conn__batch_flush(c);
}

void conn_drain_cb(struct wss_loop_link *link, void *arg)
{
    (void)arg;
    conn__start_close(WSS_LOOP_CONTAINER_OF(link, struct conn, open_link), WSS_WS_CLOSE_GOING_AWAY,
                      "going away");
}

/* Fails the session: Close with the decoder's code and reason, then shut down. */
static void fail(struct conn *c, uint16_t code, const char *reason)
{
    if (wss_log_enabled(WSS_LOG_DEBUG))
        WSS_DEBUG("failing WebSocket", WSS_KV_INT("fd", c->io.fd), WSS_KV_INT("code", code),
                  WSS_KV_STR("reason", reason));
    bool is_close_sent = c->state == CONN_CLOSING;
    if (c->state == CONN_OPEN)
        leave_open(c);
    free_input(c);
    if (!is_close_sent)
        send_close_frame(c, code, reason);
    finish(c);
}

/* ---- the request head ---------------------------------------------------------------------- */

static void reject(struct conn *c, int status, const char *why)
{
    char buf[RESPONSE_MAX];
    int n = wss_ws_handshake_write_error(buf, sizeof(buf), status);
    stats_add(&c->ctx->stats->handshake_rejects, 1);
    if (wss_log_enabled(WSS_LOG_DEBUG))
        WSS_DEBUG("request refused", WSS_KV_INT("status", status), WSS_KV_STR("why", why));
    free_input(c);
    finish(c);
    if (n > 0)
        conn__send_copy(c, buf, (size_t)n);
}

static void answer_plain(struct conn *c, const struct wss_ws_handshake_req *req)
{
    struct wss_strbuf out = {0};
    http_endpoints_respond(c->ctx->http, req, &out);
    stats_add(&c->ctx->stats->http_requests, 1);
    finish(c);
    if (out.is_failed || out.len == 0) {
        wss_strbuf_free(&out);
        char buf[RESPONSE_MAX];
        int n = wss_ws_handshake_write_error(buf, sizeof(buf), 500);
        if (n > 0)
            conn__send_copy(c, buf, (size_t)n);
        return;
    }
    conn__send_copy(c, out.data, out.len);
    wss_strbuf_free(&out);
}

static void process_frames(struct conn *c, uint8_t *buf, size_t n);

/* Answers 101 and starts the session; returns false if the connection was refused instead. */
static bool upgrade(struct conn *c, const struct wss_ws_handshake_req *req)
{
    struct http_ws_target target;
    int status = http_endpoints_ws_target(req->path, req->path_len, &target);
    if (status != 0) {
        reject(c, status, "no WebSocket endpoint at this path");
        return false;
    }
    if (target.route == HTTP_WS_ROOM &&
        rooms_join(c->ctx->rooms, target.room, target.room_len, &c->member) != 0) {
        reject(c, 500, "cannot join room");
        return false;
    }
    char buf[RESPONSE_MAX];
    int n = wss_ws_handshake_write_101(buf, sizeof(buf), req, NULL);
    if (n < 0) {
        rooms_leave(c->ctx->rooms, &c->member);
        reject(c, 500, "101 response does not fit");
        return false;
    }
    struct conn_ctx *ctx = c->ctx;
    c->route = target.route == HTTP_WS_ROOM ? CONN_ROUTE_ROOM : CONN_ROUTE_ECHO;
    c->state = CONN_OPEN;
    c->is_counted = true;
    stats_add(&ctx->stats->opened, 1);
    if (ctx->hooks.opened)
        ctx->hooks.opened(ctx->hooks.arg);
    wss_loop_conn_add(ctx->loop, &c->open_link);
    c->last_rx_ms = wss_loop_now_ms(ctx->loop);
    if (ctx->limits->idle_timeout_ms)
        arm_timer(c, ctx->limits->idle_timeout_ms);
    else
        wss_loop_timer_stop(ctx->loop, &c->timer);
    conn__send_copy(c, buf, (size_t)n);
    return c->state == CONN_OPEN;
}

static void process_head(struct conn *c, uint8_t *buf, size_t n)
{
    const char *head = (const char *)buf;
    size_t head_len = n;
    if (c->in) {
        /* A head split across reads: keep appending (the parser caps it at 431). */
        if (c->in_len + n > c->in_cap) {
            struct msg *m = msg_resize(c->in, c->in_len + n);
            if (!m) {
                conn__destroy(c, "out of memory buffering a request head");
                return;
            }
            c->in = m;
            c->in_cap = c->in_len + (uint32_t)n;
        }
        memcpy(c->in->data + c->in_len, buf, n);
        c->in_len += (uint32_t)n;
        head = (const char *)c->in->data;
        head_len = c->in_len;
    }
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    int rc = wss_ws_handshake_parse(head, head_len, &req, &err);
    if (rc == WSS_PARSE_INCOMPLETE) {
        if (!c->in) {
            c->in = msg_new(n);
            if (!c->in) {
                conn__destroy(c, "out of memory buffering a request head");
                return;
            }
            memcpy(c->in->data, buf, n);
            c->in_len = c->in_cap = (uint32_t)n;
        }
        return;
    }
    if (rc < 0) {
        reject(c, err.status, err.parse.msg);
        return;
    }
    if (req.kind == WSS_WS_HANDSHAKE_PLAIN) {
        answer_plain(c, &req);
        free_input(c);
        return;
    }
    bool is_open = upgrade(c, &req); /* before the move below: req points into head */
    /* Bytes after the head are the client's first frames. They are fewer than the last read
     * (the head ended inside it), so they fit the read buffer, which is free again. */
    size_t rest = head_len - (size_t)rc;
    uint8_t *scratch = c->ctx->scratch;
    if (is_open && rest > 0)
        memmove(scratch, head + rc, rest);
    free_input(c);
    if (is_open && rest > 0)
        process_frames(c, scratch, rest);
}

/* ---- the WebSocket session ----------------------------------------------------------------- */

/* Appends a chunk of a message that did not arrive in one piece. 0 or -ENOMEM. */
static int assemble(struct conn *c, const struct wss_ws_frame_event *ev)
{
    size_t used = c->in ? c->in_len : CONN_FRAME_HEADROOM;
    size_t need = used + ev->len;
    if (need > c->in_cap || !c->in) {
        size_t want = (size_t)c->in_cap + c->in_cap / 2;
        if (want < need)
            want = need;
        if (ev->is_frame_start) {
            uint64_t ahead =
                ev->frame_len < ASSEMBLY_RESERVE_MAX ? ev->frame_len : ASSEMBLY_RESERVE_MAX;
            if (used + ahead > want)
                want = used + (size_t)ahead;
        }
        if (want < ASSEMBLY_FIRST_CAP)
            want = ASSEMBLY_FIRST_CAP;
        struct msg *m = c->in ? msg_resize(c->in, want) : msg_new(want);
        if (!m)
            return -ENOMEM;
        c->in = m;
        c->in_cap = (uint32_t)want;
    }
    if (ev->is_message_start)
        c->in_opcode = (uint8_t)ev->opcode;
    memcpy(c->in->data + used, ev->data, ev->len);
    c->in_len = (uint32_t)(used + ev->len);
    return 0;
}

/* Turns the assembled message into one frame inside its own buffer and hands the buffer over. */
static struct msg *take_assembled(struct conn *c)
{
    struct msg *m = c->in;
    size_t len = c->in_len - CONN_FRAME_HEADROOM;
    uint8_t hdr[WSS_WS_FRAME_HEADER_MAX];
    size_t h = wss_ws_frame_encode_header(hdr, (enum wss_ws_opcode)c->in_opcode, true, len, NULL);
    m->start = (uint32_t)(CONN_FRAME_HEADROOM - h);
    memcpy(m->data + m->start, hdr, h);
    m->len = c->in_len;
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    return m;
}

/* A room message that arrived whole: copy it into a frame of its own, shared by the room. */
static struct msg *frame_copy(enum wss_ws_opcode op, const uint8_t *p, size_t len)
{
    uint8_t hdr[WSS_WS_FRAME_HEADER_MAX];
    size_t h = wss_ws_frame_encode_header(hdr, op, true, len, NULL);
    struct msg *m = msg_new(h + len);
    if (!m)
        return NULL;
    memcpy(m->data, hdr, h);
    memcpy(m->data + h, p, len);
    return m;
}

static void on_message(struct conn *c, const struct wss_ws_frame_event *ev, bool is_whole)
{
    stats_add(&c->ctx->stats->messages_in, 1);
    if (c->route == CONN_ROUTE_ECHO) {
        if (is_whole) {
            conn__batch_data(c, ev->opcode, ev->data, ev->len); /* zero-copy from the read */
        } else {
            struct msg *m = take_assembled(c);
            conn__send_own(c, m);
            msg_unref(m);
        }
        return;
    }
    struct msg *m = is_whole ? frame_copy(ev->opcode, ev->data, ev->len) : take_assembled(c);
    if (!m) {
        fail(c, WSS_WS_CLOSE_INTERNAL_ERROR, "out of memory");
        return;
    }
    struct room *room = room_of(&c->member);
    conn__batch_flush(c); /* pongs queued before this message go first */
    if (room && c->state == CONN_OPEN)
        broadcast_publish(c->ctx, room, m);
    msg_unref(m);
}

static void on_data(struct conn *c, const struct wss_ws_frame_event *ev)
{
    if (c->state != CONN_OPEN)
        return; /* after our Close, data is read and dropped */
    if (ev->is_message_start && ev->is_message_end && !c->in) {
        on_message(c, ev, true);
        return;
    }
    if (assemble(c, ev) != 0) {
        fail(c, WSS_WS_CLOSE_INTERNAL_ERROR, "out of memory");
        return;
    }
    if (ev->is_message_end)
        on_message(c, ev, false);
}

static void on_close_frame(struct conn *c, const struct wss_ws_frame_event *ev)
{
    if (c->state == CONN_OPEN) {
        leave_open(c);
        free_input(c);
        uint8_t payload[WSS_WS_FRAME_CONTROL_MAX];
        size_t len = wss_ws_frame_close_payload(payload, ev->close_code, NULL, 0);
        conn__batch_control(c, WSS_WS_OP_CLOSE, payload, len);
    }
    finish(c); /* CLOSING: our Close is already out; the handshake is complete */
}

static void process_frames(struct conn *c, uint8_t *buf, size_t n)
{
    size_t off = 0;
    while (c->state == CONN_OPEN || c->state == CONN_CLOSING) {
        struct wss_ws_frame_event ev;
        struct wss_ws_frame_err err;
        int rc = wss_ws_frame_decode(&c->dec, buf + off, n - off, &ev, &err);
        if (rc < 0) {
            fail(c, err.close_code, err.parse.msg);
            return;
        }
        off += (size_t)rc;
        switch (ev.type) {
        case WSS_WS_FRAME_EV_NONE:
            return;
        case WSS_WS_FRAME_EV_DATA:
            on_data(c, &ev);
            break;
        case WSS_WS_FRAME_EV_PING:
            if (c->state == CONN_OPEN)
                conn__batch_control(c, WSS_WS_OP_PONG, ev.data, ev.len);
            break;
        case WSS_WS_FRAME_EV_PONG:
            break; /* any input already proved the peer alive */
        case WSS_WS_FRAME_EV_CLOSE:
            on_close_frame(c, &ev);
            return;
        }
    }
}

/* ---- events and timers ------------------------------------------------------------------------
 */

static void on_readable(struct conn *c)
{
    struct conn_ctx *ctx = c->ctx;
    for (int i = 0; i < READS_PER_EVENT && c->state != CONN_DEAD && !c->is_read_paused; i++) {
        ssize_t n = recv(c->io.fd, ctx->scratch, CONN_SCRATCH_BYTES, 0);
        if (n == 0) {
            conn__destroy(c, c->state == CONN_LINGER ? "closed" : "peer closed the socket");
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn__destroy(c, "read failed");
            return;
        }
        stats_add(&ctx->stats->bytes_in, (uint64_t)n);
        switch (c->state) {
        case CONN_HANDSHAKE:
            process_head(c, ctx->scratch, (size_t)n);
            break;
        case CONN_OPEN:
        case CONN_CLOSING:
            c->last_rx_ms = wss_loop_now_ms(ctx->loop);
            c->is_ping_sent = false;
            process_frames(c, ctx->scratch, (size_t)n);
            break;
        default:
            break; /* FLUSHING, LINGER: input is read and dropped */
        }
        conn__batch_flush(c);
        if ((size_t)n < CONN_SCRATCH_BYTES)
            break;
    }
    if (c->state != CONN_DEAD)
        conn__update_interest(c);
}

static void on_io(struct wss_loop_io *io, uint32_t events)
{
    struct conn *c = WSS_LOOP_CONTAINER_OF(io, struct conn, io);
    if (events & WSS_LOOP_WRITE)
        conn__flush(c);
    if (c->state != CONN_DEAD && (events & (WSS_LOOP_READ | WSS_LOOP_HUP)))
        on_readable(c);
}

static void on_idle_timer(struct conn *c)
{
    uint64_t idle = c->ctx->limits->idle_timeout_ms;
    uint64_t quiet = wss_loop_now_ms(c->ctx->loop) - c->last_rx_ms;
    if (c->is_read_paused) {
        /* Silence is ours: we stopped reading until the peer takes our output. */
        arm_timer(c, idle);
        return;
    }
    if (quiet < idle) {
        arm_timer(c, idle - quiet);
        return;
    }
    if (!c->is_ping_sent) {
        c->is_ping_sent = true;
        arm_timer(c, idle);
        conn__batch_control(c, WSS_WS_OP_PING, NULL, 0);
        conn__batch_flush(c);
        return;
    }
    /* A whole interval without even a pong: the peer or the path is gone. */
    conn__destroy(c, "idle timeout");
}

static void on_timer(struct wss_loop_timer *t)
{
    struct conn *c = WSS_LOOP_CONTAINER_OF(t, struct conn, timer);
    switch (c->state) {
    case CONN_HANDSHAKE:
        conn__destroy(c, "handshake timeout");
        break;
    case CONN_OPEN:
        on_idle_timer(c);
        break;
    case CONN_CLOSING:
    case CONN_FLUSHING:
    case CONN_LINGER:
        conn__destroy(c, "close timeout");
        break;
    default:
        break;
    }
}

/* ---- accepting and the context ------------------------------------------------------------------
 */

int conn_accept(struct conn_ctx *ctx, int fd)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return -ENOMEM;
    }
    c->ctx = ctx;
    c->state = CONN_HANDSHAKE;
    c->dec.max_message_len = ctx->limits->max_message_bytes;
    c->dec.role = WSS_WS_FRAME_ROLE_SERVER;
    wss_loop_io_init(&c->io, fd, on_io);
    wss_loop_timer_init(&c->timer, on_timer);
    int rc = wss_loop_io_set(ctx->loop, &c->io, WSS_LOOP_READ);
    if (rc == 0)
        rc = wss_loop_timer_start(ctx->loop, &c->timer, ctx->limits->handshake_timeout_ms);
    if (rc != 0) {
        wss_loop_io_stop(ctx->loop, &c->io);
        close(fd);
        free(c);
        return rc;
    }
    c->all.next = ctx->all.next;
    c->all.prev = &ctx->all;
    ctx->all.next->prev = &c->all;
    ctx->all.next = &c->all;
    ctx->live++;
    return 0;
}

int conn_ctx_init(struct conn_ctx *ctx)
{
    ctx->live = 0;
    ctx->all.prev = ctx->all.next = &ctx->all;
    ctx->scratch = malloc(CONN_SCRATCH_BYTES);
    ctx->batch = calloc(1, sizeof(*ctx->batch));
    if (!ctx->scratch || !ctx->batch) {
        conn_ctx_release(ctx);
        return -ENOMEM;
    }
    return 0;
}

void conn_ctx_close_all(struct conn_ctx *ctx)
{
    while (ctx->all.next != &ctx->all) {
        struct conn *c = WSS_LOOP_CONTAINER_OF(ctx->all.next, struct conn, all);
        conn__destroy(c, "server stopping");
    }
    wss_loop_run_deferred(ctx->loop);
}

void conn_ctx_release(struct conn_ctx *ctx)
{
    free(ctx->scratch);
    free(ctx->batch);
    ctx->scratch = NULL;
    ctx->batch = NULL;
}
