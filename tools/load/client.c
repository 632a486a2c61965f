/* SPDX-License-Identifier: Apache-2.0 */
/* client.c: the state machine of one load-generator connection: non-blocking connect (bound to a
 * source address when given), the opening handshake, stamped messages and their echoes or
 * deliveries, pings, both directions of the close handshake, and backoff before reconnecting.
 * Does not: pace new connections, create threads or print; failures become load_stats counts.
 * Threads: the worker's loop thread only. */
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsscale/backoff.h"
#include "wsscale/clock.h"

enum client_state {
    CS_IDLE = 0,   /* not started yet */
    CS_CONNECTING, /* connect() in progress */
    CS_HANDSHAKE,  /* request sent, waiting for the 101 */
    CS_OPEN,       /* messages flow */
    CS_CLOSING,    /* we sent Close, waiting for the server's */
    CS_CLOSE_WAIT, /* the server's Close answered, waiting for it to end TCP */
    CS_BACKOFF,    /* waiting to reconnect */
    CS_DONE,       /* ended for good */
};

/* Most unsent bytes a connection may queue; past it, timed messages are skipped and counted, so
 * a stalled server cannot make the load generator grow without bound. */
#define OUT_MAX_BYTES (4u << 20)
/* First allocation of a send queue. */
#define OUT_FIRST_CAP 4096u
/* Reads per readiness event before other connections get a turn. */
#define READS_PER_EVENT 4
/* Room for the upgrade request: request line, six headers, origin and protocols. */
#define REQUEST_CAP 4096
#define NS_PER_US   1000u
#define NS_PER_MS   1000000u
#define NS_PER_S    1000000000u
#define HEX_DIGITS  "0123456789abcdef"
/* Longest part of a server's close reason kept in an error example. */
#define CLOSE_REASON_QUOTE_MAX 60
/* Bits per hex digit of the stamp. */
#define HEX_BITS 4

_Static_assert(REQUEST_CAP + WSS_WS_FRAME_HEADER_MAX < UINT16_MAX, "request fits a uint16");
_Static_assert(WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD <= UINT16_MAX, "hs_len holds a whole head");

size_t client_tx_cap(const struct load_config *cfg)
{
    size_t frame = WSS_WS_FRAME_HEADER_MAX + cfg->payload_bytes;
    return frame > REQUEST_CAP ? frame : REQUEST_CAP;
}

static const struct load_target *target_of(const struct client *c)
{
    const struct load_config *cfg = c->ctx->cfg;
    return &cfg->targets[c->slot % cfg->ntargets];
}

static void count_error(struct client *c, enum load_error_kind kind, const char *msg)
{
    load_stats_error(c->ctx->stats, c->ctx->live, kind, msg);
}

static void count_errno(struct client *c, enum load_error_kind kind, const char *what, int err)
{
    char msg[LOAD_STATS_EXAMPLE_LEN];
    snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
    count_error(c, kind, msg);
}

/* ---- ending and reconnecting ------------------------------------------------------------------
 */

static void become_done(struct client *c)
{
    wss_loop_timer_stop(c->ctx->loop, &c->timer);
    c->state = CS_DONE;
    atomic_fetch_sub_explicit(&c->ctx->live->unfinished, 1, memory_order_relaxed);
    c->ctx->on_done(c->ctx);
}

/* Closes the socket and frees the connection's buffers; then waits to reconnect, or is done. */
static void end_connection(struct client *c, bool may_reconnect)
{
    struct client_ctx *ctx = c->ctx;

    if (c->io.fd >= 0) {
        wss_loop_io_stop(ctx->loop, &c->io);
        close(c->io.fd);
        c->io.fd = -1;
    }
    wss_loop_timer_stop(ctx->loop, &c->timer);
    free(c->hs_buf);
    c->hs_buf = NULL;
    c->hs_len = 0;
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = c->out_cap = 0;
    c->in_flight = 0;
    if (c->is_counted_open) {
        atomic_fetch_sub_explicit(&ctx->live->open, 1, memory_order_relaxed);
        c->is_counted_open = false;
    }
    if (may_reconnect && ctx->cfg->is_reconnect && !ctx->is_stopping) {
        /* Full jitter: clients closed together spread over the whole window. */
        uint64_t delay =
            wss_backoff_ms(c->backoff_attempt, ctx->cfg->backoff_ms, ctx->cfg->backoff_max_ms,
                           WSS_BACKOFF_FULL, wss_rng_next(&ctx->rng));
        if (c->backoff_attempt < UINT16_MAX)
            c->backoff_attempt++;
        c->state = CS_BACKOFF;
        if (wss_loop_timer_start(ctx->loop, &c->timer, delay) == 0)
            return;
    }
    become_done(c);
}

/* The connection broke (EOF, reset, failed write): what that means depends on how far it got. */
static void lost(struct client *c, const char *why)
{
    switch (c->state) {
    case CS_HANDSHAKE:
        count_error(c, LOAD_ERR_HANDSHAKE_FAILED, why);
        break;
    case CS_OPEN:
    case CS_CLOSING:
        count_error(c, LOAD_ERR_ABRUPT_CLOSE, why);
        break;
    default:
        break; /* CS_CLOSE_WAIT: the server ending TCP is the expected finish */
    }
    end_connection(c, true);
}

/* ---- sending ----------------------------------------------------------------------------------
 */

/* Appends to the send queue and asks for writability. 0, or -1 when memory ran out (the
 * connection is then ended). */
static int enqueue(struct client *c, const uint8_t *p, size_t n)
{
    size_t pending = c->out_len;
    if (c->out_off > 0 && pending > 0)
        memmove(c->out, c->out + c->out_off, pending);
    c->out_off = 0;
    if (pending + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : OUT_FIRST_CAP;
        while (cap < pending + n)
            cap *= 2;
        uint8_t *grown = realloc(c->out, cap);
        if (grown == NULL) {
            count_error(c, LOAD_ERR_ABRUPT_CLOSE, "out of memory for the send queue");
            end_connection(c, true);
            return -1;
        }
        c->out = grown;
        c->out_cap = (uint32_t)cap;
    }
    memcpy(c->out + pending, p, n);
    c->out_len = (uint32_t)(pending + n);
    if (wss_loop_io_set(c->ctx->loop, &c->io, WSS_LOOP_READ | WSS_LOOP_WRITE) != 0) {
        count_error(c, LOAD_ERR_ABRUPT_CLOSE, "epoll_ctl failed");
        end_connection(c, true);
        return -1;
    }
    return 0;
}

/* Sends now what the socket takes and queues the rest behind anything already queued. 0, or -1
 * when the connection ended. */
static int send_bytes(struct client *c, const uint8_t *p, size_t n)
{
    if (c->out_len == 0) {
        ssize_t w = send(c->io.fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                char why[LOAD_STATS_EXAMPLE_LEN];
                snprintf(why, sizeof(why), "send: %s", strerror(errno));
                lost(c, why);
                return -1;
            }
            w = 0;
        }
        if ((size_t)w == n)
            return 0;
        p += w;
        n -= (size_t)w;
    }
    return enqueue(c, p, n);
}

/* Writes the queue out on writability. 0, or -1 when the connection ended. */
static int flush(struct client *c)
{
    while (c->out_len > 0) {
        ssize_t w = send(c->io.fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            char why[LOAD_STATS_EXAMPLE_LEN];
            snprintf(why, sizeof(why), "send: %s", strerror(errno));
            lost(c, why);
            return -1;
        }
        c->out_off += (uint32_t)w;
        c->out_len -= (uint32_t)w;
    }
    /* Drained: give the memory back, idle connections should cost little. */
    free(c->out);
    c->out = NULL;
    c->out_off = c->out_cap = 0;
    if (wss_loop_io_set(c->ctx->loop, &c->io, WSS_LOOP_READ) != 0) {
        count_error(c, LOAD_ERR_ABRUPT_CLOSE, "epoll_ctl failed");
        end_connection(c, true);
        return -1;
    }
    return 0;
}

/* Builds one masked frame in the context's scratch and sends it. 0, or -1 when the connection
 * ended. */
static int send_frame(struct client *c, enum wss_ws_opcode opcode, const uint8_t *payload,
                      size_t len)
{
    struct client_ctx *ctx = c->ctx;
    uint8_t key[4];
    wss_rng_fill(&ctx->rng, key, sizeof(key));
    size_t h = wss_ws_frame_encode_header(ctx->tx, opcode, true, len, key);
    if (h == 0 || h + len > ctx->tx_cap)
        return 0; /* cannot happen for the frames built here; send nothing rather than junk */
    if (len > 0 && payload != ctx->tx + h)
        memmove(ctx->tx + h, payload, len);
    wss_ws_frame_mask(ctx->tx + h, len, key, 0);
    return send_bytes(c, ctx->tx, h + len);
}

static int send_close(struct client *c, uint16_t code)
{
    uint8_t payload[WSS_WS_FRAME_CONTROL_MAX];
    size_t n = wss_ws_frame_close_payload(payload, code, NULL, 0);
    return send_frame(c, WSS_WS_OP_CLOSE, payload, n);
}

/* Length of a masked frame header for a payload of len bytes. */
static size_t masked_header_len(size_t len)
{
    size_t n = 2 + 4;
    if (len > WSS_WS_FRAME_CONTROL_MAX)
        n += len > UINT16_MAX ? 8 : 2;
    return n;
}

/* Sends one stamped text message, unless the queue is full. 0, or -1 when the connection ended. */
static int send_message(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    size_t len = ctx->cfg->payload_bytes;
    if (c->out_len > OUT_MAX_BYTES) {
        ctx->stats->msgs_skipped++;
        return 0;
    }
    /* Built where send_frame puts the payload, right after the header, so it is not copied. */
    uint8_t *p = ctx->tx + masked_header_len(len);
    uint64_t stamp = wss_clock_mono_ns();
    for (int i = LOAD_STAMP_LEN - 1; i >= 0; i--, stamp >>= HEX_BITS)
        p[i] = (uint8_t)HEX_DIGITS[stamp & 0xF];
    memset(p + LOAD_STAMP_LEN, 'x', len - LOAD_STAMP_LEN);
    ctx->stats->msgs_sent++;
    ctx->stats->bytes_sent += len;
    return send_frame(c, WSS_WS_OP_TEXT, p, len);
}

/* ---- receiving --------------------------------------------------------------------------------
 */

/* Reads the 16-hex-digit stamp; false if the bytes are not one. */
static bool parse_stamp(const uint8_t *p, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < LOAD_STAMP_LEN; i++) {
        uint8_t ch = p[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else
            return false;
        v = v << HEX_BITS | d;
    }
    *out = v;
    return true;
}

/* A whole message has arrived. 0, or -1 when the connection ended. */
static int on_message(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    struct load_stats *s = ctx->stats;
    uint64_t sent_ns = 0, t = wss_clock_mono_ns();
    /* Any process on this machine may have stamped it (CLOCK_MONOTONIC is shared), so a room
     * message from another load process is timed too. */
    bool is_stamped =
        c->head_len == LOAD_STAMP_LEN && parse_stamp(c->head, &sent_ns) && sent_ns <= t;

    s->msgs_received++;
    s->bytes_received += c->msg_len;
    atomic_fetch_add_explicit(&ctx->live->msgs_received, 1, memory_order_relaxed);
    switch (ctx->cfg->mode) {
    case LOAD_MODE_ECHO:
        if (is_stamped && c->msg_len == ctx->cfg->payload_bytes) {
            latency_hist_record(&s->rtt_us, (t - sent_ns) / NS_PER_US);
        } else {
            char msg[LOAD_STATS_EXAMPLE_LEN];
            snprintf(msg, sizeof(msg), "a %llu-byte message that is not an echo of ours",
                     (unsigned long long)c->msg_len);
            count_error(c, LOAD_ERR_BAD_ECHO, msg);
        }
        if (ctx->cfg->in_flight > 0 && c->in_flight > 0) {
            /* Closed loop: each echo sends the next message, keeping in_flight outstanding. */
            if (!ctx->is_stopping && c->state == CS_OPEN)
                return send_message(c);
            c->in_flight--;
        }
        return 0;
    case LOAD_MODE_ROOM:
        if (is_stamped)
            latency_hist_record(&s->rtt_us, (t - sent_ns) / NS_PER_US);
        else
            s->msgs_foreign++;
        return 0;
    default:
        s->msgs_foreign++;
        return 0;
    }
}

static int on_data(struct client *c, const struct wss_ws_frame_event *ev)
{
    if (ev->is_message_start) {
        c->msg_len = 0;
        c->head_len = 0;
    }
    if (c->head_len < LOAD_STAMP_LEN && ev->len > 0) {
        size_t take = LOAD_STAMP_LEN - c->head_len;
        if (take > ev->len)
            take = ev->len;
        memcpy(c->head + c->head_len, ev->data, take);
        c->head_len = (uint8_t)(c->head_len + take);
    }
    c->msg_len += ev->len;
    return ev->is_message_end ? on_message(c) : 0;
}

/* The server's Close: the answer to ours, or its own, which we echo (RFC 6455 section 5.5.1).
 * 0, or -1 when the connection ended. */
static int on_close_frame(struct client *c, const struct wss_ws_frame_event *ev)
{
    struct client_ctx *ctx = c->ctx;
    if (c->state == CS_CLOSING) {
        ctx->stats->closed_by_us++;
        end_connection(c, true);
        return -1;
    }
    load_stats_close_code(ctx->stats, ev->close_code,
                          (wss_clock_mono_ns() - ctx->run_start_ns) / NS_PER_US);
    if (ev->close_code != WSS_WS_CLOSE_NORMAL && ev->close_code != WSS_WS_CLOSE_GOING_AWAY) {
        char msg[LOAD_STATS_EXAMPLE_LEN];
        snprintf(msg, sizeof(msg), "server closed with %u \"%.*s\"", (unsigned)ev->close_code,
                 (int)(ev->reason_len < CLOSE_REASON_QUOTE_MAX ? ev->reason_len
                                                               : CLOSE_REASON_QUOTE_MAX),
                 ev->reason_len > 0 ? (const char *)ev->reason : "");
        count_error(c, LOAD_ERR_CLOSE_CODE, msg);
    }
    ctx->stats->closed_by_server++;
    wss_loop_timer_stop(ctx->loop, &c->timer);
    c->state = CS_CLOSE_WAIT;
    if (send_close(c, ev->close_code) != 0)
        return -1;
    if (wss_loop_timer_start(ctx->loop, &c->timer, ctx->cfg->close_timeout_ms) != 0) {
        end_connection(c, true);
        return -1;
    }
    return 0;
}

/* Feeds server frames to the decoder. 0, or -1 when the connection ended. */
static int on_frame_bytes(struct client *c, uint8_t *p, size_t n)
{
    while (n > 0) {
        struct wss_ws_frame_event ev;
        struct wss_ws_frame_err ferr;
        int rc = wss_ws_frame_decode(&c->dec, p, n, &ev, &ferr);
        if (rc < 0) {
            count_error(c, LOAD_ERR_PROTOCOL, ferr.parse.msg);
            if (c->state == CS_OPEN)
                (void)send_close(c, ferr.close_code);
            if (c->io.fd >= 0)
                end_connection(c, true);
            return -1;
        }
        p += rc;
        n -= (size_t)rc;
        int r = 0;
        switch (ev.type) {
        case WSS_WS_FRAME_EV_DATA:
            r = on_data(c, &ev);
            break;
        case WSS_WS_FRAME_EV_PING:
            c->ctx->stats->pings_answered++;
            r = send_frame(c, WSS_WS_OP_PONG, ev.data, ev.len);
            break;
        case WSS_WS_FRAME_EV_CLOSE:
            r = on_close_frame(c, &ev);
            break;
        default:
            break;
        }
        if (r != 0)
            return -1;
        if (rc == 0 && ev.type == WSS_WS_FRAME_EV_NONE)
            break;
    }
    return 0;
}

/* Starts the timed messages of an opened connection. 0, or -1 when the connection ended. */
static int start_messages(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    const struct load_config *cfg = ctx->cfg;
    if (cfg->mode == LOAD_MODE_HOLD)
        return 0;
    if (cfg->mode == LOAD_MODE_ECHO && cfg->in_flight > 0) {
        for (unsigned i = 0; i < cfg->in_flight; i++) {
            c->in_flight++;
            if (send_message(c) != 0)
                return -1;
        }
        return 0;
    }
    if (cfg->message_interval_ms == 0)
        return 0;
    /* A random first delay spreads the connections' sends over the interval. */
    uint64_t first = wss_rng_next(&ctx->rng) % cfg->message_interval_ms;
    if (wss_loop_timer_start(ctx->loop, &c->timer, first) != 0) {
        count_error(c, LOAD_ERR_ABRUPT_CLOSE, "out of memory for a timer");
        end_connection(c, true);
        return -1;
    }
    return 0;
}

static int on_open(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    uint64_t t = wss_clock_mono_ns();

    wss_loop_timer_stop(ctx->loop, &c->timer);
    c->state = CS_OPEN;
    c->backoff_attempt = 0;
    memset(&c->dec, 0, sizeof(c->dec));
    c->dec.role = WSS_WS_FRAME_ROLE_CLIENT;
    c->dec.max_message_len = ctx->cfg->max_message_bytes;
    c->head_len = 0;
    c->msg_len = 0;
    ctx->stats->opened++;
    latency_hist_record(&ctx->stats->connect_us, (t - c->started_ns) / NS_PER_US);
    atomic_fetch_add_explicit(&ctx->live->opened, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ctx->live->open, 1, memory_order_relaxed);
    c->is_counted_open = true;
    return start_messages(c);
}

/* Handshake bytes: gathers the 101 answer (in hs_buf when it comes in pieces), then hands what
 * follows it to the frame decoder. 0, or -1 when the connection ended. */
static int on_handshake_bytes(struct client *c, uint8_t *p, size_t n)
{
    struct wss_ws_client_handshake hs = target_of(c)->hs;
    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err perr;
    char *buf = (char *)p;
    size_t len = n, used = n;

    memcpy(hs.nonce, c->nonce, sizeof(hs.nonce));
    if (c->hs_buf != NULL) {
        used = WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD - c->hs_len;
        if (used > n)
            used = n;
        memcpy(c->hs_buf + c->hs_len, p, used);
        c->hs_len = (uint16_t)(c->hs_len + used);
        buf = c->hs_buf;
        len = c->hs_len;
    }
    int rc = wss_ws_client_handshake_parse(buf, len, &hs, &resp, &perr);
    if (rc == WSS_PARSE_INCOMPLETE) {
        if (c->hs_buf == NULL) {
            c->hs_buf = malloc(WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD);
            if (c->hs_buf == NULL) {
                count_error(c, LOAD_ERR_HANDSHAKE_FAILED, "out of memory for the 101 answer");
                end_connection(c, true);
                return -1;
            }
            memcpy(c->hs_buf, p, n);
            c->hs_len = (uint16_t)n;
        }
        return 0;
    }
    if (rc < 0) {
        count_error(c, LOAD_ERR_HANDSHAKE_FAILED, perr.msg);
        end_connection(c, true);
        return -1;
    }
    /* Detach the gathered head first: ending the connection while feeding would free it. */
    char *gathered = c->hs_buf;
    c->hs_buf = NULL;
    c->hs_len = 0;
    int r = on_open(c);
    if (r == 0 && (size_t)rc < len)
        r = on_frame_bytes(c, (uint8_t *)buf + rc, len - (size_t)rc);
    if (r == 0 && gathered != NULL && used < n)
        r = on_frame_bytes(c, p + used, n - used);
    free(gathered);
    return r;
}

static void on_readable(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    for (int i = 0; i < READS_PER_EVENT; i++) {
        ssize_t n = recv(c->io.fd, ctx->rx, ctx->rx_cap, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR)
                continue;
            char why[LOAD_STATS_EXAMPLE_LEN];
            snprintf(why, sizeof(why), "recv: %s", strerror(errno));
            lost(c, why);
            return;
        }
        if (n == 0) {
            lost(c, c->state == CS_HANDSHAKE ? "server closed the connection during the handshake"
                                             : "server closed TCP without a Close frame");
            return;
        }
        int r = c->state == CS_HANDSHAKE ? on_handshake_bytes(c, ctx->rx, (size_t)n)
                                         : on_frame_bytes(c, ctx->rx, (size_t)n);
        if (r != 0 || (size_t)n < ctx->rx_cap)
            return;
    }
}

/* ---- connecting -------------------------------------------------------------------------------
 */

static void on_io(struct wss_loop_io *io, uint32_t events);

static void count_connect_errno(struct client *c, int err)
{
    count_errno(c, err == ECONNREFUSED ? LOAD_ERR_CONNECT_REFUSED : LOAD_ERR_CONNECT_FAILED,
                "connect", err);
}

static void send_request(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    struct wss_ws_client_handshake hs = target_of(c)->hs;

    wss_rng_fill(&ctx->rng, c->nonce, sizeof(c->nonce));
    memcpy(hs.nonce, c->nonce, sizeof(hs.nonce));
    int n = wss_ws_client_handshake_write((char *)ctx->tx, ctx->tx_cap, &hs);
    if (n < 0) {
        count_error(c, LOAD_ERR_HANDSHAKE_FAILED, "the upgrade request does not fit");
        end_connection(c, false);
        return;
    }
    c->state = CS_HANDSHAKE;
    if (wss_loop_io_set(ctx->loop, &c->io, WSS_LOOP_READ) != 0) {
        count_error(c, LOAD_ERR_CONNECT_FAILED, "epoll_ctl failed");
        end_connection(c, true);
        return;
    }
    (void)send_bytes(c, ctx->tx, (size_t)n);
}

static void on_connected(struct client *c)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err != 0) {
        count_connect_errno(c, err);
        end_connection(c, true);
        return;
    }
    send_request(c);
}

/* Binds the slot's source address, letting the kernel pick the port per destination at connect
 * time (IP_BIND_ADDRESS_NO_PORT), so source ports are not reserved at bind. 0 or errno. */
static int bind_source(struct client *c, int fd)
{
    const struct load_config *cfg = c->ctx->cfg;
    if (cfg->nsources == 0)
        return 0;
    const struct sockaddr_storage *src = &cfg->sources[c->slot % cfg->nsources];
    int one = 1;
    socklen_t len =
        src->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) != 0)
        return errno;
    if (bind(fd, (const struct sockaddr *)src, len) != 0)
        return errno;
    return 0;
}

static void start_connect(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    const struct load_target *t = target_of(c);
    int one = 1, err;

    ctx->stats->attempts++;
    if (c->has_attempted)
        ctx->stats->reconnects++;
    c->has_attempted = true;
    c->started_ns = wss_clock_mono_ns();
    int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        count_errno(c, LOAD_ERR_CONNECT_FAILED, "socket", errno);
        end_connection(c, true);
        return;
    }
    wss_loop_io_init(&c->io, fd, on_io);
    /* Small messages must not wait for Nagle: the round trip is what is measured. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    err = bind_source(c, fd);
    if (err != 0) {
        count_errno(c, LOAD_ERR_CONNECT_FAILED, "bind", err);
        end_connection(c, true);
        return;
    }
    if (wss_loop_timer_start(ctx->loop, &c->timer, ctx->cfg->connect_timeout_ms) != 0) {
        count_error(c, LOAD_ERR_CONNECT_FAILED, "out of memory for a timer");
        end_connection(c, true);
        return;
    }
    if (connect(fd, (const struct sockaddr *)&t->addr, t->addr_len) == 0) {
        send_request(c);
        return;
    }
    if (errno != EINPROGRESS) {
        count_connect_errno(c, errno);
        end_connection(c, true);
        return;
    }
    c->state = CS_CONNECTING;
    if (wss_loop_io_set(ctx->loop, &c->io, WSS_LOOP_WRITE) != 0) {
        count_error(c, LOAD_ERR_CONNECT_FAILED, "epoll_ctl failed");
        end_connection(c, true);
    }
}

/* ---- events -----------------------------------------------------------------------------------
 */

static void on_io(struct wss_loop_io *io, uint32_t events)
{
    struct client *c = WSS_LOOP_CONTAINER_OF(io, struct client, io);
    if (c->state == CS_CONNECTING) {
        on_connected(c);
        return;
    }
    if ((events & WSS_LOOP_WRITE) && c->out_len > 0 && flush(c) != 0)
        return;
    if (events & (WSS_LOOP_READ | WSS_LOOP_HUP))
        on_readable(c);
}

static void on_timer(struct wss_loop_timer *t)
{
    struct client *c = WSS_LOOP_CONTAINER_OF(t, struct client, timer);
    struct client_ctx *ctx = c->ctx;
    switch (c->state) {
    case CS_CONNECTING:
        count_error(c, LOAD_ERR_CONNECT_TIMEOUT, "TCP connect did not finish in time");
        end_connection(c, true);
        return;
    case CS_HANDSHAKE:
        count_error(c, LOAD_ERR_HANDSHAKE_TIMEOUT, "no complete 101 answer in time");
        end_connection(c, true);
        return;
    case CS_OPEN:
        if (send_message(c) != 0)
            return;
        if (wss_loop_timer_start(ctx->loop, &c->timer, ctx->cfg->message_interval_ms) != 0) {
            count_error(c, LOAD_ERR_ABRUPT_CLOSE, "out of memory for a timer");
            end_connection(c, true);
        }
        return;
    case CS_CLOSING:
        count_error(c, LOAD_ERR_CLOSE_TIMEOUT, "no Close answer in time");
        end_connection(c, false);
        return;
    case CS_CLOSE_WAIT:
        /* The server kept TCP open after the close handshake; end it ourselves. */
        end_connection(c, true);
        return;
    case CS_BACKOFF:
        start_connect(c);
        return;
    default:
        return;
    }
}

/* ---- public -----------------------------------------------------------------------------------
 */

void client_init(struct client *c, struct client_ctx *ctx, uint32_t slot)
{
    memset(c, 0, sizeof(*c));
    c->ctx = ctx;
    c->slot = slot;
    c->state = CS_IDLE;
    wss_loop_io_init(&c->io, -1, on_io);
    wss_loop_timer_init(&c->timer, on_timer);
    atomic_fetch_add_explicit(&ctx->live->unfinished, 1, memory_order_relaxed);
}

void client_start(struct client *c)
{
    if (c->state == CS_IDLE)
        start_connect(c);
}

void client_stop(struct client *c)
{
    struct client_ctx *ctx = c->ctx;
    switch (c->state) {
    case CS_IDLE:
    case CS_BACKOFF:
        become_done(c);
        return;
    case CS_CONNECTING:
    case CS_HANDSHAKE:
        end_connection(c, false);
        return;
    case CS_OPEN:
        wss_loop_timer_stop(ctx->loop, &c->timer);
        c->state = CS_CLOSING;
        if (send_close(c, WSS_WS_CLOSE_NORMAL) != 0)
            return;
        if (wss_loop_timer_start(ctx->loop, &c->timer, ctx->cfg->close_timeout_ms) != 0)
            end_connection(c, false);
        return;
    default:
        return; /* closing already, or done */
    }
}

void client_abort(struct client *c)
{
    if (c->state == CS_DONE)
        return;
    if (c->io.fd >= 0)
        end_connection(c, false);
    else
        become_done(c);
}

bool client_is_done(const struct client *c)
{
    return c->state == CS_DONE;
}
