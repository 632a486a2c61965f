/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ws_frame.c: libFuzzer target for the RFC 6455 frame decoder: random streams fed in random
 * splits must stay inside the input, deliver only valid UTF-8 as text, fail with 1002/1007/1009
 * only, and any payload encoded as frames must decode back to itself.
 * Does not: test the event loop's reactions; tests/unit/test_ws_frame.c pins exact cases.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/ws_frame.h"
#include "wsscale/utf8.h"

/* Bytes at the front of the input that choose settings rather than being fed. */
#define PREFIX_LEN 2
/* Message limits the first byte chooses between (0 = none). */
static const uint64_t limits[] = {0, 1, 125, 4096};
/* Largest payload used for the round trip, to keep each run fast. */
#define ROUND_TRIP_MAX 4096

static const uint8_t key[4] = {0xA5, 0x01, 0x5A, 0xF0};

/* A small deterministic generator for split sizes. */
static uint32_t next_rand(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 16;
}

static size_t next_split(uint32_t *s, size_t left)
{
    size_t n;
    switch (next_rand(s) % 4) {
    case 0:
        n = 1;
        break;
    case 1:
        n = 1 + next_rand(s) % 16;
        break;
    case 2:
        n = 1 + next_rand(s) % 512;
        break;
    default:
        n = left;
        break;
    }
    return n < left ? n : left;
}

/* What the fed stream decoded to, for the round trip. */
struct collected {
    uint8_t *msg;
    size_t msg_len;
    size_t msgs;
    size_t pings;
    uint8_t ping[WSS_WS_FRAME_CONTROL_MAX];
    size_t ping_len;
    bool is_open;
    struct wss_utf8 text; /* an independent check that text chunks are valid UTF-8 */
    bool is_text;
};

static void check_event(const struct wss_ws_frame_decoder *d, const struct wss_ws_frame_event *ev,
                        const uint8_t *in, size_t n, struct collected *c)
{
    if (ev->type == WSS_WS_FRAME_EV_NONE)
        return;
    if (ev->len > 0) {
        bool in_input = ev->data >= in && ev->data + ev->len <= in + n;
        bool in_decoder = ev->data >= d->ctl && ev->data + ev->len <= d->ctl + sizeof(d->ctl);
        CHECK(in_input || in_decoder);
    }
    switch (ev->type) {
    case WSS_WS_FRAME_EV_DATA:
        CHECK(ev->opcode == WSS_WS_OP_TEXT || ev->opcode == WSS_WS_OP_BINARY);
        CHECK(ev->len <= ev->frame_len);
        CHECK(!ev->is_message_start || ev->is_frame_start);
        CHECK(!ev->is_message_end || ev->is_frame_end);
        if (ev->is_message_start) {
            CHECK(!c->is_open);
            c->is_open = true;
            c->is_text = ev->opcode == WSS_WS_OP_TEXT;
            c->msg_len = 0;
            wss_utf8_reset(&c->text);
        }
        CHECK(c->is_open);
        if (d->max_message_len != 0)
            CHECK(c->msg_len + ev->len <= d->max_message_len);
        if (c->is_text)
            CHECK(wss_utf8_feed(&c->text, ev->data, ev->len, NULL) != WSS_UTF8_INVALID);
        if (c->msg != NULL && ev->len > 0)
            memcpy(c->msg + c->msg_len, ev->data, ev->len);
        c->msg_len += ev->len;
        if (ev->is_message_end) {
            if (c->is_text)
                CHECK(wss_utf8_finish(&c->text) == WSS_UTF8_OK);
            c->is_open = false;
            c->msgs++;
        }
        break;
    case WSS_WS_FRAME_EV_PING:
    case WSS_WS_FRAME_EV_PONG:
        CHECK(ev->len <= WSS_WS_FRAME_CONTROL_MAX);
        if (ev->type == WSS_WS_FRAME_EV_PING) {
            c->pings++;
            memcpy(c->ping, ev->data, ev->len);
            c->ping_len = ev->len;
        }
        break;
    case WSS_WS_FRAME_EV_CLOSE:
        CHECK(d->is_closed);
        CHECK(ev->close_code == WSS_WS_CLOSE_NO_STATUS ||
              wss_ws_frame_close_code_is_valid(ev->close_code));
        CHECK(ev->reason_len <= WSS_WS_FRAME_CLOSE_REASON_MAX);
        CHECK(wss_utf8_is_valid(ev->reason, ev->reason_len));
        break;
    default:
        CHECK(0);
    }
}

/* Feeds buf[0..len) in random splits; returns the close code of a failure or 0. */
static uint16_t feed(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len, uint32_t seed,
                     struct collected *c)
{
    size_t start = 0;
    while (start < len) {
        size_t end = start + next_split(&seed, len - start);
        size_t pos = start;
        for (size_t guard = 0;; guard++) {
            struct wss_ws_frame_event ev;
            struct wss_ws_frame_err err;
            CHECK(guard <= end - start + 1);
            int n = wss_ws_frame_decode(d, buf + pos, end - pos, &ev, &err);
            if (n < 0) {
                CHECK(n == WSS_PARSE_INVALID);
                CHECK(err.close_code == WSS_WS_CLOSE_PROTOCOL_ERROR ||
                      err.close_code == WSS_WS_CLOSE_INVALID_PAYLOAD ||
                      err.close_code == WSS_WS_CLOSE_TOO_BIG);
                CHECK(d->fail_code == err.close_code);
                CHECK(err.parse.offset <= end - pos);
                CHECK(memchr(err.parse.msg, '\0', sizeof(err.parse.msg)) != NULL);
                CHECK(err.parse.msg[0] != '\0');
                /* failing is final */
                CHECK(wss_ws_frame_decode(d, buf + pos, end - pos, &ev, NULL) == WSS_PARSE_INVALID);
                return err.close_code;
            }
            CHECK((size_t)n <= end - pos);
            check_event(d, &ev, buf + pos, (size_t)n, c);
            pos += (size_t)n;
            if (ev.type == WSS_WS_FRAME_EV_NONE) {
                CHECK(pos == end);
                break;
            }
        }
        start = end;
    }
    return 0;
}

static size_t put_frame(uint8_t *out, enum wss_ws_opcode op, bool is_fin, const uint8_t *p,
                        size_t n, bool is_masked)
{
    size_t h = wss_ws_frame_encode_header(out, op, is_fin, n, is_masked ? key : NULL);
    CHECK(h >= 2 && h <= WSS_WS_FRAME_HEADER_MAX);
    memcpy(out + h, p, n);
    if (is_masked)
        wss_ws_frame_mask(out + h, n, key, 0);
    return h + n;
}

/* Encodes p as a message (fragmented around a ping when asked) and decodes it back. */
static void round_trip(const uint8_t *p, size_t n, uint8_t flags, uint32_t seed)
{
    bool is_client_role = (flags & 1) != 0;
    bool is_text = (flags & 2) != 0;
    bool is_fragmented = (flags & 4) != 0;
    enum wss_ws_opcode op = is_text ? WSS_WS_OP_TEXT : WSS_WS_OP_BINARY;
    size_t ping_len = n < WSS_WS_FRAME_CONTROL_MAX ? n : WSS_WS_FRAME_CONTROL_MAX;
    size_t cut = n / 2;
    uint8_t *wire = malloc(n + ping_len + 3 * WSS_WS_FRAME_HEADER_MAX);
    struct collected c = {.msg = malloc(n + 1)};
    struct wss_ws_frame_decoder d = {.role = is_client_role ? WSS_WS_FRAME_ROLE_CLIENT
                                                            : WSS_WS_FRAME_ROLE_SERVER};
    size_t len = 0;
    uint16_t code;

    CHECK(wire != NULL && c.msg != NULL);
    if (is_fragmented) {
        len += put_frame(wire + len, op, false, p, cut, !is_client_role);
        len += put_frame(wire + len, WSS_WS_OP_PING, true, p, ping_len, !is_client_role);
        len +=
            put_frame(wire + len, WSS_WS_OP_CONTINUATION, true, p + cut, n - cut, !is_client_role);
    } else {
        len += put_frame(wire + len, op, true, p, n, !is_client_role);
    }
    /* Decode from an exact-size copy, so reading past the frames trips ASan. */
    uint8_t *exact = malloc(len);
    CHECK(exact != NULL);
    memcpy(exact, wire, len);
    code = feed(&d, exact, len, seed, &c);
    free(exact);
    if (is_text && !wss_utf8_is_valid(p, n)) {
        CHECK(code == WSS_WS_CLOSE_INVALID_PAYLOAD);
    } else {
        CHECK(code == 0);
        CHECK(c.msgs == 1);
        CHECK(c.msg_len == n);
        CHECK(n == 0 || memcmp(c.msg, p, n) == 0);
        if (is_fragmented) {
            CHECK(c.pings == 1);
            CHECK(c.ping_len == ping_len);
            CHECK(ping_len == 0 || memcmp(c.ping, p, ping_len) == 0);
        }
    }
    free(wire);
    free(c.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < PREFIX_LEN)
        return 0;
    uint8_t flags = data[0];
    uint32_t seed = data[1];
    size_t len = size - PREFIX_LEN;

    /* An exact-size copy, so reading past the input trips ASan. */
    uint8_t *buf = malloc(len > 0 ? len : 1);
    CHECK(buf != NULL);
    memcpy(buf, data + PREFIX_LEN, len);
    struct wss_ws_frame_decoder d = {
        .role = (flags & 1) != 0 ? WSS_WS_FRAME_ROLE_CLIENT : WSS_WS_FRAME_ROLE_SERVER,
        .max_message_len = limits[(flags >> 1) & 3],
    };
    struct collected c = {0};
    feed(&d, buf, len, seed, &c);
    free(buf);

    round_trip(data + PREFIX_LEN, len < ROUND_TRIP_MAX ? len : ROUND_TRIP_MAX, flags >> 3, seed);
    return 0;
}
