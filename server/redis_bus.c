/* SPDX-License-Identifier: Apache-2.0 */
/* redis_bus.c: a worker's two Redis connections (PUBLISH on one, SUBSCRIBE on the other, as RESP2
 * requires), their link state (down, connecting, up, failed), backoff, heartbeat, and the
 * translation between server frames and envelopes.
 * Does not: free a hiredis context from inside a hiredis callback: every failure is noted, and a
 * zero-delay timer tears the link down after hiredis has returned.
 * Threads: the worker's loop thread. */
#include "redis_bus.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "redis_envelope.h"
#include "redis_loop.h"
#include "redis_subs.h"
#include "wsscale/backoff.h"
#include "wsscale/hostport.h"
#include "wsscale/hostport_resolve.h"
#include "wsscale/log.h"
#include "wsscale/rng.h"
#include "wsscale/ws_frame.h"

/* Room for <prefix>room:<name> and <prefix>hb:<origin>:<thread>. */
#define CHANNEL_CAP (REDIS_BUS_PREFIX_MAX + 96)
#define ROOM_INFIX  "room:"
#define HB_INFIX    "hb:"
/* The publish buffer kept between messages; a larger message gets one of its own. */
#define SCRATCH_BYTES (64 * 1024)
/* RESP framing around a PUBLISH beyond the channel and the envelope: "*3\r\n$7\r\nPUBLISH\r\n"
 * (17 bytes), two "$<length>\r\n" headers (at most 23 each), two "\r\n", and sprintf's NUL. */
#define RESP_OVERHEAD 96
/* The bytes of an envelope header that name its origin: "wss1 ", 16 hex digits and a space. */
#define OWN_PREFIX_LEN (REDIS_ENVELOPE_HEADER_LEN - 2)
/* Length of a failure's description kept for the log. */
#define WHY_LEN 160

enum link_state {
    LINK_DOWN = 0,   /* no connections; the retry timer is armed */
    LINK_CONNECTING, /* both connections opened; waiting for them and the heartbeat subscription */
    LINK_UP,
    LINK_FAILED, /* a failure was noted; the reset timer tears down and schedules the retry */
    LINK_CLOSED, /* redis_bus_free() is running: callbacks change nothing */
};

struct rconn {
    struct redis_bus *bus;    /* borrowed: the owner */
    struct redis_loop_io rio; /* rio.ac is the context; NULL when there is none */
    bool is_connected;        /* TCP connected */
    bool is_ready;            /* publisher: PING answered; subscriber: heartbeat subscribed */
    const char *role;         /* "publisher" or "subscriber", for logs */
};

struct redis_bus {
    struct wss_loop *loop;              /* borrowed */
    const struct redis_bus_config *cfg; /* borrowed */
    unsigned thread;
    struct stats *stats; /* borrowed: this thread's */
    redis_bus_deliver_cb deliver;
    void *deliver_arg; /* borrowed */
    struct rconn pub, sub;
    struct redis_subs *subs; /* owned */
    enum link_state state;
    bool has_attempted;  /* a connection was tried before: the next try is a reconnect */
    unsigned failures;   /* consecutive failures: the backoff exponent */
    size_t in_flight;    /* PUBLISH replies outstanding */
    uint64_t last_hb_ms; /* loop clock of the last heartbeat seen on the subscriber */
    uint64_t hb_seq;     /* heartbeats published */
    struct wss_rng rng;  /* the jitter; seeded per bus, so threads and pods differ */
    struct wss_loop_timer retry, reset, connect_timeout, heartbeat;
    char hb_channel[CHANNEL_CAP];
    size_t hb_channel_len;
    char own[REDIS_ENVELOPE_HEADER_LEN]; /* the start of this process's envelopes ("wss1 " and
                                            the origin), to skip them before parsing */
    char why[WHY_LEN];                   /* the last failure, for the log */
    uint8_t *scratch;                    /* owned: SCRATCH_BYTES for building PUBLISH commands */
};

static void link_fail(struct redis_bus *b, const char *role, const char *why);

/* ---- resolving and naming ---------------------------------------------------------------- */

int redis_bus_resolve(const char *addr, const char *prefix, struct redis_bus_config *cfg, char *err,
                      size_t errlen)
{
    struct wss_hostport parsed, *hp = &parsed;
    struct wss_parse_err perr;
    if (wss_hostport_parse(addr, strlen(addr), hp, &perr) < 0) {
        snprintf(err, errlen, "%s", perr.msg);
        return -1;
    }
    size_t plen = strlen(prefix);
    if (plen > REDIS_BUS_PREFIX_MAX) {
        snprintf(err, errlen, "channel prefix of %zu bytes is longer than %d", plen,
                 REDIS_BUS_PREFIX_MAX);
        return -1;
    }
    memcpy(cfg->prefix, prefix, plen + 1);
    if (hp->kind == WSS_HOST_ANY || hp->host_len == 0) {
        snprintf(err, errlen, "the Redis address needs a host");
        return -1;
    }
    if (hp->port == 0) {
        snprintf(err, errlen, "the Redis address needs a port other than 0");
        return -1;
    }
    char host[WSS_HOSTPORT_HOST_CAP] = "?";
    wss_hostport_host_cstr(hp, host, sizeof(host));
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (wss_hostport_resolve(hp, AF_INET, &ss, &sslen) != 0) {
        snprintf(err, errlen, "cannot resolve the Redis host %s", host);
        return -1;
    }
    const void *bin = ss.ss_family == AF_INET6
                          ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                          : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
    if (!inet_ntop(ss.ss_family, bin, cfg->host, sizeof(cfg->host))) {
        snprintf(err, errlen, "cannot format the address of %s: %s", host, strerror(errno));
        return -1;
    }
    cfg->port = hp->port;
    return 0;
}

/* Writes <prefix>room:<name> into out (CHANNEL_CAP); returns its length. */
static size_t room_channel(const struct redis_bus *b, const char *name, size_t len, char *out)
{
    size_t plen = strlen(b->cfg->prefix);
    memcpy(out, b->cfg->prefix, plen);
    memcpy(out + plen, ROOM_INFIX, sizeof(ROOM_INFIX) - 1);
    memcpy(out + plen + sizeof(ROOM_INFIX) - 1, name, len);
    return plen + sizeof(ROOM_INFIX) - 1 + len;
}

/* The room name inside a room channel, or NULL for another channel. */
static const char *room_of_channel(const struct redis_bus *b, const char *ch, size_t len,
                                   size_t *name_len)
{
    size_t plen = strlen(b->cfg->prefix), ilen = sizeof(ROOM_INFIX) - 1;
    if (len <= plen + ilen || len - plen - ilen > ROOM_NAME_MAX ||
        memcmp(ch, b->cfg->prefix, plen) != 0 || memcmp(ch + plen, ROOM_INFIX, ilen) != 0)
        return NULL;
    *name_len = len - plen - ilen;
    return ch + plen + ilen;
}

/* ---- link state ---------------------------------------------------------------------------- */

/* Exponential from REDIS_BUS_BACKOFF_FIRST_MS (no failure yet) up to the cap, drawn from
 * [delay/2, delay] so that threads and pods that lost Redis together do not all return at the same
 * moment. */
static uint64_t backoff_ms(struct redis_bus *b)
{
    return wss_backoff_ms(b->failures, REDIS_BUS_BACKOFF_FIRST_MS, b->cfg->reconnect_max_ms,
                          WSS_BACKOFF_EQUAL, wss_rng_next(&b->rng));
}

static void set_up(struct redis_bus *b)
{
    b->state = LINK_UP;
    b->failures = 0;
    b->last_hb_ms = wss_loop_now_ms(b->loop);
    wss_loop_timer_stop(b->loop, &b->connect_timeout);
    if (wss_loop_timer_start(b->loop, &b->heartbeat, REDIS_BUS_HEARTBEAT_MS) != 0) {
        link_fail(b, "bus", "out of memory arming the heartbeat");
        return;
    }
    stats_set(&b->stats->redis_up, 1);
    WSS_INFO("redis link up", WSS_KV_STR("host", b->cfg->host), WSS_KV_INT("port", b->cfg->port),
             WSS_KV_UINT("thread", b->thread), WSS_KV_UINT("rooms", redis_subs_tracked(b->subs)));
}

static void maybe_up(struct redis_bus *b)
{
    if (b->state == LINK_CONNECTING && b->pub.is_ready && b->sub.is_ready)
        set_up(b);
}

static void link_fail(struct redis_bus *b, const char *role, const char *why)
{
    if (b->state != LINK_CONNECTING && b->state != LINK_UP)
        return;
    /* The reason is cut to what fits: it is only ever logged. */
    int room = (int)sizeof(b->why) - (int)strlen(role) - 2;
    snprintf(b->why, sizeof(b->why), "%s: %.*s", role, room > 0 ? room : 0,
             why && why[0] ? why : "unknown error");
    if (b->state == LINK_UP)
        WSS_WARN("redis link lost; room messages stay on this server until it is back",
                 WSS_KV_STR("error", b->why), WSS_KV_UINT("thread", b->thread));
    else if (b->failures == 0)
        WSS_WARN("cannot connect to redis; retrying with backoff", WSS_KV_STR("error", b->why),
                 WSS_KV_STR("host", b->cfg->host), WSS_KV_INT("port", b->cfg->port),
                 WSS_KV_UINT("thread", b->thread));
    else
        WSS_DEBUG("redis connection attempt failed", WSS_KV_STR("error", b->why),
                  WSS_KV_UINT("failures", b->failures), WSS_KV_UINT("thread", b->thread));
    b->state = LINK_FAILED;
    stats_set(&b->stats->redis_up, 0);
    if (wss_loop_timer_start(b->loop, &b->reset, 0) != 0)
        WSS_ERROR("out of memory arming the redis reset; the link stays down",
                  WSS_KV_UINT("thread", b->thread));
}

static void drop(struct rconn *rc)
{
    redisAsyncContext *ac = rc->rio.ac;
    rc->is_connected = rc->is_ready = false;
    if (ac)
        redisAsyncFree(ac); /* its cleanup hook clears rc->rio.ac */
}

/* Outside any hiredis callback: free both contexts and schedule the next attempt. */
static void on_reset(struct wss_loop_timer *t)
{
    struct redis_bus *b = WSS_LOOP_CONTAINER_OF(t, struct redis_bus, reset);
    if (b->state != LINK_FAILED)
        return;
    b->state = LINK_DOWN; /* first: the callbacks run by the frees below then change nothing */
    drop(&b->pub);
    drop(&b->sub);
    redis_subs_disconnected(b->subs);
    stats_set(&b->stats->redis_subscriptions, 0);
    wss_loop_timer_stop(b->loop, &b->connect_timeout);
    wss_loop_timer_stop(b->loop, &b->heartbeat);
    uint64_t delay = backoff_ms(b);
    b->failures++;
    if (wss_loop_timer_start(b->loop, &b->retry, delay) != 0)
        WSS_ERROR("out of memory arming the redis retry; the link stays down",
                  WSS_KV_UINT("thread", b->thread));
}

/* ---- subscriptions and messages ------------------------------------------------------------ */

static void on_sub_reply(redisAsyncContext *ac, void *reply, void *privdata);

static void send_sub(struct redis_bus *b, const char *name, size_t len, int cmd)
{
    if (cmd != REDIS_SUBS_SUBSCRIBE && cmd != REDIS_SUBS_UNSUBSCRIBE)
        return;
    /* Not connected: the table was reset or will be, and the next connection resubscribes. */
    if (!b->sub.rio.ac || !b->sub.is_connected)
        return;
    char ch[CHANNEL_CAP];
    size_t n = room_channel(b, name, len, ch);
    const char *fmt = cmd == REDIS_SUBS_SUBSCRIBE ? "SUBSCRIBE %b" : "UNSUBSCRIBE %b";
    if (redisAsyncCommand(b->sub.rio.ac, on_sub_reply, b, fmt, ch, n) != REDIS_OK)
        link_fail(b, b->sub.role, "cannot queue a subscription command");
}

static void resubscribe_one(void *arg, const char *name, size_t len)
{
    send_sub(arg, name, len, REDIS_SUBS_SUBSCRIBE);
}

void redis_bus_room_watch(void *arg, struct room *r, bool is_added)
{
    struct redis_bus *b = arg;
    size_t len;
    const char *name = room_name(r, &len);
    int cmd = redis_subs_want(b->subs, name, len, is_added);
    if (cmd < 0) {
        WSS_WARN("cannot track a room's redis subscription; it misses other servers' messages",
                 WSS_KV_STR("error", strerror(-cmd)), WSS_KV_UINT("thread", b->thread));
        return;
    }
    send_sub(b, name, len, cmd);
    stats_set(&b->stats->redis_subscriptions, redis_subs_subscribed(b->subs));
}

static void on_confirm(struct redis_bus *b, const char *ch, size_t len, bool is_subscribe)
{
    if (len == b->hb_channel_len && memcmp(ch, b->hb_channel, len) == 0) {
        if (is_subscribe) {
            b->sub.is_ready = true;
            maybe_up(b);
        }
        return;
    }
    size_t nlen;
    const char *name = room_of_channel(b, ch, len, &nlen);
    if (!name)
        return;
    send_sub(b, name, nlen, redis_subs_confirm(b->subs, name, nlen, is_subscribe));
    stats_set(&b->stats->redis_subscriptions, redis_subs_subscribed(b->subs));
}

static void on_message(struct redis_bus *b, const char *ch, size_t len, const uint8_t *p,
                       size_t plen)
{
    if (len == b->hb_channel_len && memcmp(ch, b->hb_channel, len) == 0) {
        b->last_hb_ms = wss_loop_now_ms(b->loop);
        return;
    }
    /* Ours (broadcast.c delivered it here already): "wss1 " and our origin, compared before the
     * full parse, which checks every byte of a text payload. */
    if (plen >= OWN_PREFIX_LEN && memcmp(p, b->own, OWN_PREFIX_LEN) == 0)
        return;
    size_t nlen;
    const char *name = room_of_channel(b, ch, len, &nlen);
    if (!name || !redis_subs_is_wanted(b->subs, name, nlen))
        return; /* a room that emptied while its UNSUBSCRIBE was on the way */
    struct redis_envelope env;
    struct wss_parse_err perr;
    if (redis_envelope_parse(p, plen, &env, &perr) < 0) {
        stats_add(&b->stats->redis_invalid, 1);
        if (wss_log_enabled(WSS_LOG_DEBUG))
            WSS_DEBUG("ignored a redis message that is not an envelope",
                      WSS_KV_STR("error", perr.msg), WSS_KV_UINT("thread", b->thread));
        return;
    }
    uint8_t hdr[WSS_WS_FRAME_HEADER_MAX];
    size_t h = wss_ws_frame_encode_header(hdr, env.is_text ? WSS_WS_OP_TEXT : WSS_WS_OP_BINARY,
                                          true, env.payload_len, NULL);
    struct msg *m = msg_new(h + env.payload_len);
    if (!m) {
        WSS_WARN("out of memory; dropped a room message from redis",
                 WSS_KV_UINT("bytes", env.payload_len), WSS_KV_UINT("thread", b->thread));
        return;
    }
    memcpy(m->data, hdr, h);
    memcpy(m->data + h, env.payload, env.payload_len);
    msg_set_tag(m, name, nlen); /* cannot fail: nlen <= ROOM_NAME_MAX */
    stats_add(&b->stats->redis_received, 1);
    b->deliver(b->deliver_arg, m);
    msg_unref(m);
}

static bool is_string(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING;
}

/* Every reply and message of the subscriber connection (hiredis routes them by channel, and all
 * channels share this callback). The reply is freed when this returns. */
static void on_sub_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    struct redis_bus *b = privdata;
    const redisReply *r = reply;
    if (!r || b->state == LINK_CLOSED || b->state == LINK_DOWN)
        return; /* the context is being freed */
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || !is_string(r->element[0]) ||
        !is_string(r->element[1]))
        return;
    const char *kind = r->element[0]->str;
    const char *ch = r->element[1]->str;
    size_t ch_len = r->element[1]->len;
    if (strcmp(kind, "message") == 0 && is_string(r->element[2]))
        on_message(b, ch, ch_len, (const uint8_t *)r->element[2]->str, r->element[2]->len);
    else if (strcmp(kind, "subscribe") == 0)
        on_confirm(b, ch, ch_len, true);
    else if (strcmp(kind, "unsubscribe") == 0)
        on_confirm(b, ch, ch_len, false);
}

/* ---- connections --------------------------------------------------------------------------- */

/* The publisher's first reply: PONG, or the reason Redis will not serve us (NOAUTH, LOADING). */
static void on_ping_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    struct redis_bus *b = privdata;
    const redisReply *r = reply;
    if (!r || b->state != LINK_CONNECTING)
        return;
    if (r->type == REDIS_REPLY_ERROR) {
        link_fail(b, b->pub.role, r->str);
        return;
    }
    b->pub.is_ready = true;
    maybe_up(b);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct rconn *rc = ac->data;
    struct redis_bus *b = rc->bus;
    if (status != REDIS_OK) { /* hiredis frees the context after this returns */
        rc->is_connected = rc->is_ready = false;
        link_fail(b, rc->role, ac->errstr);
        return;
    }
    rc->is_connected = true;
    if (b->state != LINK_CONNECTING)
        return;
    if (rc == &b->sub) {
        /* The heartbeat channel first, and never unsubscribed: hiredis 0.14 leaves subscribed
         * mode when Redis counts zero subscriptions, even with a SUBSCRIBE still on the way. */
        if (redisAsyncCommand(b->sub.rio.ac, on_sub_reply, b, "SUBSCRIBE %b", b->hb_channel,
                              b->hb_channel_len) != REDIS_OK) {
            link_fail(b, rc->role, "cannot queue SUBSCRIBE");
            return;
        }
        redis_subs_connected(b->subs, resubscribe_one, b);
    } else if (redisAsyncCommand(b->pub.rio.ac, on_ping_reply, b, "PING") != REDIS_OK) {
        link_fail(b, rc->role, "cannot queue PING");
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct rconn *rc = ac->data;
    rc->is_connected = rc->is_ready = false;
    link_fail(rc->bus, rc->role, status == REDIS_OK ? "connection closed" : ac->errstr);
}

static int open_conn(struct redis_bus *b, struct rconn *rc)
{
    redisAsyncContext *ac = redisAsyncConnect(b->cfg->host, b->cfg->port);
    if (!ac) {
        link_fail(b, rc->role, "out of memory");
        return -1;
    }
    if (ac->err) {
        link_fail(b, rc->role, ac->errstr);
        redisAsyncFree(ac);
        return -1;
    }
    ac->data = rc;
    redis_loop_attach(&rc->rio, b->loop, ac); /* cannot fail on a new context */
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    if (rc->rio.err) {
        link_fail(b, rc->role, strerror(-rc->rio.err));
        return -1;
    }
    return 0;
}

static void on_retry(struct wss_loop_timer *t)
{
    struct redis_bus *b = WSS_LOOP_CONTAINER_OF(t, struct redis_bus, retry);
    if (b->state != LINK_DOWN)
        return;
    if (b->has_attempted)
        stats_add(&b->stats->redis_reconnects, 1);
    b->has_attempted = true;
    b->state = LINK_CONNECTING;
    if (open_conn(b, &b->pub) != 0 || open_conn(b, &b->sub) != 0)
        return; /* link_fail() scheduled the reset */
    if (wss_loop_timer_start(b->loop, &b->connect_timeout, REDIS_BUS_CONNECT_TIMEOUT_MS) != 0)
        link_fail(b, "bus", "out of memory arming the connect timeout");
}

static void on_connect_timeout(struct wss_loop_timer *t)
{
    struct redis_bus *b = WSS_LOOP_CONTAINER_OF(t, struct redis_bus, connect_timeout);
    char why[WHY_LEN];
    snprintf(why, sizeof(why), "not ready after %d ms", REDIS_BUS_CONNECT_TIMEOUT_MS);
    link_fail(b, "bus", why);
}

static void on_heartbeat(struct wss_loop_timer *t)
{
    struct redis_bus *b = WSS_LOOP_CONTAINER_OF(t, struct redis_bus, heartbeat);
    if (b->state != LINK_UP)
        return;
    if (b->pub.rio.err || b->sub.rio.err) {
        link_fail(b, "bus", strerror(-(b->pub.rio.err ? b->pub.rio.err : b->sub.rio.err)));
        return;
    }
    uint64_t quiet = wss_loop_now_ms(b->loop) - b->last_hb_ms;
    if (quiet > REDIS_BUS_HEARTBEAT_TIMEOUT_MS) {
        char why[WHY_LEN];
        snprintf(why, sizeof(why), "no heartbeat came back for %llu ms", (unsigned long long)quiet);
        link_fail(b, "bus", why);
        return;
    }
    char seq[24];
    int n = snprintf(seq, sizeof(seq), "%llu", (unsigned long long)++b->hb_seq);
    if (redisAsyncCommand(b->pub.rio.ac, NULL, NULL, "PUBLISH %b %b", b->hb_channel,
                          b->hb_channel_len, seq, (size_t)n) != REDIS_OK) {
        link_fail(b, b->pub.role, "cannot queue the heartbeat");
        return;
    }
    if (wss_loop_timer_start(b->loop, t, REDIS_BUS_HEARTBEAT_MS) != 0)
        link_fail(b, "bus", "out of memory arming the heartbeat");
}

/* ---- publishing ---------------------------------------------------------------------------- */

static void on_publish_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    struct redis_bus *b = privdata;
    const redisReply *r = reply;
    b->in_flight--;
    if (!r || r->type == REDIS_REPLY_ERROR) {
        stats_add(&b->stats->redis_publish_errors, 1);
        if (r && wss_log_enabled(WSS_LOG_DEBUG))
            WSS_DEBUG("redis refused a PUBLISH", WSS_KV_STR("error", r->str),
                      WSS_KV_UINT("thread", b->thread));
        return;
    }
    stats_add(&b->stats->redis_published, 1);
}

/* Appends "$<n>\r\n" at p; returns the bytes written. */
static size_t bulk_header(uint8_t *p, size_t n)
{
    return (size_t)sprintf((char *)p, "$%zu\r\n", n);
}

void redis_bus_publish(struct redis_bus *b, const char *room, size_t room_len, const struct msg *m)
{
    redisAsyncContext *ac = b->pub.rio.ac;
    if (b->state != LINK_UP || !ac || b->in_flight >= REDIS_BUS_MAX_IN_FLIGHT ||
        sdslen(ac->c.obuf) > REDIS_BUS_MAX_UNSENT_BYTES) {
        stats_add(&b->stats->redis_publish_errors, 1);
        return;
    }
    /* The frame is one unmasked data frame built by this server: find its payload. */
    const uint8_t *f = m->data + m->start;
    size_t flen = m->len - m->start;
    uint8_t len7 = f[1] & 0x7f;
    size_t hl = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
    const uint8_t *payload = f + hl;
    size_t plen = flen - hl;
    bool is_text = (f[0] & 0x0f) == WSS_WS_OP_TEXT;

    char ch[CHANNEL_CAP];
    size_t chlen = room_channel(b, room, room_len, ch);
    size_t need = RESP_OVERHEAD + chlen + REDIS_ENVELOPE_HEADER_LEN + plen;
    uint8_t *buf = need <= SCRATCH_BYTES ? b->scratch : malloc(need);
    if (!buf) {
        stats_add(&b->stats->redis_publish_errors, 1);
        return;
    }
    static const char head[] = "*3\r\n$7\r\nPUBLISH\r\n";
    size_t n = sizeof(head) - 1;
    memcpy(buf, head, n);
    n += bulk_header(buf + n, chlen);
    memcpy(buf + n, ch, chlen);
    n += chlen;
    buf[n++] = '\r';
    buf[n++] = '\n';
    n += bulk_header(buf + n, REDIS_ENVELOPE_HEADER_LEN + plen);
    redis_envelope_format_header((char *)buf + n, b->cfg->origin, is_text);
    n += REDIS_ENVELOPE_HEADER_LEN;
    memcpy(buf + n, payload, plen);
    n += plen;
    buf[n++] = '\r';
    buf[n++] = '\n';
    int rc = redisAsyncFormattedCommand(ac, on_publish_reply, b, (const char *)buf, n);
    if (buf != b->scratch)
        free(buf);
    if (rc != REDIS_OK) {
        stats_add(&b->stats->redis_publish_errors, 1);
        return;
    }
    b->in_flight++;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

bool redis_bus_is_up(const struct redis_bus *b)
{
    return b->state == LINK_UP;
}

struct redis_bus *redis_bus_new(struct wss_loop *l, const struct redis_bus_config *cfg,
                                unsigned thread, struct stats *stats, redis_bus_deliver_cb deliver,
                                void *arg)
{
    struct redis_bus *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->loop = l;
    b->cfg = cfg;
    b->thread = thread;
    b->stats = stats;
    b->deliver = deliver;
    b->deliver_arg = arg;
    b->pub = (struct rconn){.bus = b, .role = "publisher"};
    b->sub = (struct rconn){.bus = b, .role = "subscriber"};
    wss_rng_seed_random(&b->rng);
    int n = snprintf(b->hb_channel, sizeof(b->hb_channel), "%s" HB_INFIX "%016llx:%u", cfg->prefix,
                     (unsigned long long)cfg->origin, thread);
    b->hb_channel_len = (size_t)n;
    redis_envelope_format_header(b->own, cfg->origin, true);
    wss_loop_timer_init(&b->retry, on_retry);
    wss_loop_timer_init(&b->reset, on_reset);
    wss_loop_timer_init(&b->connect_timeout, on_connect_timeout);
    wss_loop_timer_init(&b->heartbeat, on_heartbeat);
    b->subs = redis_subs_new();
    b->scratch = malloc(SCRATCH_BYTES);
    if (!b->subs || !b->scratch || wss_loop_timer_start(l, &b->retry, 0) != 0) {
        redis_bus_free(b);
        return NULL;
    }
    return b;
}

void redis_bus_free(struct redis_bus *b)
{
    if (!b)
        return;
    b->state = LINK_CLOSED;
    drop(&b->pub);
    drop(&b->sub);
    wss_loop_timer_stop(b->loop, &b->retry);
    wss_loop_timer_stop(b->loop, &b->reset);
    wss_loop_timer_stop(b->loop, &b->connect_timeout);
    wss_loop_timer_stop(b->loop, &b->heartbeat);
    stats_set(&b->stats->redis_up, 0);
    stats_set(&b->stats->redis_subscriptions, 0);
    redis_subs_free(b->subs);
    free(b->scratch);
    free(b);
}
