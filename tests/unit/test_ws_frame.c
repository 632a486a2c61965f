/* SPDX-License-Identifier: Apache-2.0 */
/* test_ws_frame.c: the RFC 6455 frame codec, case by case along the Autobahn|Testsuite categories
 * 1-7, 9 and 10 (framing, pings, RSV bits, opcodes, fragmentation, UTF-8, close, limits), each
 * stream fed whole and in awkward chunks, with the exact close code and error text checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/ws_frame.h"

#define FIN 0x80
#define KIB 1024
#define MIB (1024 * 1024)
/* Events a single test stream may produce. */
#define MAX_EVENTS 256

static const uint8_t test_key[4] = {0x37, 0xFA, 0x21, 0x3D};

/* A stream of client frames under construction. */
struct stream {
    uint8_t *p;
    size_t len;
    size_t cap;
};

static void reserve(struct stream *s, size_t more)
{
    if (s->len + more <= s->cap)
        return;
    size_t cap = s->cap != 0 ? s->cap : 256;
    while (cap < s->len + more)
        cap *= 2;
    s->p = realloc(s->p, cap);
    assert_non_null(s->p);
    s->cap = cap;
}

/* Appends one frame with first header byte `first` (FIN, RSV and opcode as sent) and payload
 * masked with test_key; the length is encoded minimally, whatever the opcode. */
static size_t put_masked(struct stream *s, uint8_t first, const void *payload, size_t n)
{
    uint8_t hdr[WSS_WS_FRAME_HEADER_MAX];
    size_t h = wss_ws_frame_encode_header(hdr, WSS_WS_OP_BINARY, true, n, test_key);
    size_t at = s->len;
    assert_true(h > 0);
    hdr[0] = first;
    reserve(s, h + n);
    memcpy(s->p + s->len, hdr, h);
    if (n > 0)
        memcpy(s->p + s->len + h, payload, n);
    wss_ws_frame_mask(s->p + s->len + h, n, test_key, 0);
    s->len += h + n;
    return at;
}

static void put_raw(struct stream *s, const void *bytes, size_t n)
{
    reserve(s, n);
    memcpy(s->p + s->len, bytes, n);
    s->len += n;
}

static void put_close(struct stream *s, uint16_t code, const char *reason, size_t reason_len)
{
    uint8_t payload[256];
    payload[0] = (uint8_t)(code >> 8);
    payload[1] = (uint8_t)code;
    memcpy(payload + 2, reason, reason_len);
    put_masked(s, FIN | WSS_WS_OP_CLOSE, payload, 2 + reason_len);
}

/* What a decoder made of a stream. */
struct run {
    uint16_t fail_code;
    char fail_msg[WSS_PARSE_ERR_MSG_LEN];
    size_t fail_at; /* offset in the whole stream */
    char events[MAX_EVENTS + 1];
    size_t n_events;
    bool is_msg_open;
    int msg_opcode;
    uint8_t *msg; /* the last message, reassembled */
    size_t msg_len;
    size_t msg_cap;
    uint8_t ctl[WSS_WS_FRAME_CONTROL_MAX];
    size_t ctl_len;
    uint16_t close_code;
    char reason[WSS_WS_FRAME_CONTROL_MAX];
    size_t reason_len;
};

static void run_free(struct run *r)
{
    free(r->msg);
    memset(r, 0, sizeof(*r));
}

static void add_event(struct run *r, char c)
{
    assert_true(r->n_events < MAX_EVENTS);
    r->events[r->n_events++] = c;
    r->events[r->n_events] = '\0';
}

static void record(struct run *r, const struct wss_ws_frame_event *ev)
{
    switch (ev->type) {
    case WSS_WS_FRAME_EV_DATA:
        assert_true(ev->opcode == WSS_WS_OP_TEXT || ev->opcode == WSS_WS_OP_BINARY);
        if (ev->is_message_start) {
            assert_false(r->is_msg_open);
            assert_true(ev->is_frame_start);
            r->is_msg_open = true;
            r->msg_opcode = ev->opcode;
            r->msg_len = 0;
        }
        assert_true(r->is_msg_open);
        assert_int_equal(ev->opcode, r->msg_opcode);
        assert_true(ev->len <= ev->frame_len);
        if (r->msg_len + ev->len > r->msg_cap) {
            size_t cap = r->msg_cap != 0 ? r->msg_cap : 256;
            while (cap < r->msg_len + ev->len)
                cap *= 2;
            r->msg = realloc(r->msg, cap);
            assert_non_null(r->msg);
            r->msg_cap = cap;
        }
        if (ev->len > 0)
            memcpy(r->msg + r->msg_len, ev->data, ev->len);
        r->msg_len += ev->len;
        if (ev->is_message_end) {
            assert_true(ev->is_frame_end);
            r->is_msg_open = false;
            add_event(r, ev->opcode == WSS_WS_OP_TEXT ? 'T' : 'B');
        }
        return;
    case WSS_WS_FRAME_EV_PING:
    case WSS_WS_FRAME_EV_PONG:
        assert_true(ev->len <= WSS_WS_FRAME_CONTROL_MAX);
        memcpy(r->ctl, ev->data, ev->len);
        r->ctl_len = ev->len;
        add_event(r, ev->type == WSS_WS_FRAME_EV_PING ? 'P' : 'O');
        return;
    case WSS_WS_FRAME_EV_CLOSE:
        r->close_code = ev->close_code;
        memcpy(r->reason, ev->reason, ev->reason_len);
        r->reason_len = ev->reason_len;
        add_event(r, 'C');
        return;
    default:
        fail_msg("unexpected event type %d", ev->type);
    }
}

/* Feeds buf[0..len) to d in slices whose sizes cycle through plan (a 0 means "the rest"),
 * draining events from each slice, and checks every answer against the input bounds. */
static void run_plan(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len, const size_t *plan,
                     size_t nplan, struct run *r)
{
    size_t start = 0;
    for (size_t k = 0; start < len && r->fail_code == 0; k++) {
        size_t want = plan[k % nplan];
        size_t end = want == 0 || want > len - start ? len : start + want;
        size_t pos = start;
        for (size_t guard = 0;; guard++) {
            struct wss_ws_frame_event ev;
            struct wss_ws_frame_err err;
            int n;
            assert_true(guard <= end - start + 1);
            n = wss_ws_frame_decode(d, buf + pos, end - pos, &ev, &err);
            if (n < 0) {
                assert_int_equal(n, WSS_PARSE_INVALID);
                assert_int_equal(err.close_code, d->fail_code);
                assert_true(err.parse.offset <= end - pos);
                r->fail_code = err.close_code;
                r->fail_at = pos + err.parse.offset;
                snprintf(r->fail_msg, sizeof(r->fail_msg), "%s", err.parse.msg);
                return;
            }
            assert_true((size_t)n <= end - pos);
            if (ev.type != WSS_WS_FRAME_EV_NONE && ev.len > 0) {
                bool in_input = ev.data >= buf + pos && ev.data + ev.len <= buf + pos + (size_t)n;
                bool in_decoder = ev.data >= d->ctl && ev.data + ev.len <= d->ctl + sizeof(d->ctl);
                assert_true(in_input || in_decoder);
            }
            pos += (size_t)n;
            if (ev.type == WSS_WS_FRAME_EV_NONE) {
                assert_int_equal(pos, end);
                break;
            }
            record(r, &ev);
        }
        start = end;
    }
}

static void run_chunked(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len, size_t chunk,
                        struct run *r)
{
    run_plan(d, buf, len, &chunk, 1, r);
}

/* Decodes a fresh copy of s (the decoder unmasks in place) with a server decoder. */
static void decode_copy(const struct stream *s, size_t chunk, uint64_t max_message_len,
                        struct run *r)
{
    struct wss_ws_frame_decoder d = {0};
    uint8_t *copy = malloc(s->len + 1);
    assert_non_null(copy);
    memcpy(copy, s->p, s->len);
    d.max_message_len = max_message_len;
    run_chunked(&d, copy, s->len, chunk, r);
    free(copy);
}

/* Chunk sizes every small stream is tried with: whole, byte by byte, and odd splits. */
static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 13};
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

/* Valid UTF-8 of exactly n bytes: Greek text with an ASCII tail. */
static void fill_text(uint8_t *p, size_t n)
{
    static const char word[] = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 ";
    size_t wl = sizeof(word) - 1;
    size_t i = 0;
    for (; i + wl <= n; i += wl)
        memcpy(p + i, word, wl);
    memset(p + i, 'x', n - i);
}

/* ---- category 1: framing ---- */

static void decodes_rfc_6455_examples(void **state)
{
    (void)state;
    uint8_t masked_hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    uint8_t unmasked_hello[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    uint8_t fragmented[] = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
    uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    struct run r = {0};
    struct wss_ws_frame_decoder server = {0};
    struct wss_ws_frame_decoder client = {.role = WSS_WS_FRAME_ROLE_CLIENT};

    run_chunked(&server, masked_hello, sizeof(masked_hello), 0, &r);
    assert_string_equal(r.events, "T");
    assert_memory_equal(r.msg, "Hello", 5);
    run_free(&r);

    run_chunked(&client, unmasked_hello, sizeof(unmasked_hello), 0, &r);
    run_chunked(&client, fragmented, sizeof(fragmented), 1, &r);
    run_chunked(&client, ping, sizeof(ping), 0, &r);
    assert_int_equal(r.fail_code, 0);
    assert_string_equal(r.events, "TTP");
    assert_int_equal(r.msg_len, 5);
    assert_memory_equal(r.msg, "Hello", 5);
    assert_memory_equal(r.ctl, "Hello", 5);
    run_free(&r);
}

static void decodes_every_length_boundary_whole_and_chopped(void **state)
{
    (void)state;
    /* Autobahn 1.1.x / 1.2.x: lengths around the 7-, 16- and 64-bit encodings. */
    static const size_t sizes[] = {0, 1, 125, 126, 127, 128, 65535, 65536};
    static const size_t chops[] = {0, 1, 997};
    uint8_t *payload = malloc(65536);
    assert_non_null(payload);
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        for (int op = WSS_WS_OP_TEXT; op <= WSS_WS_OP_BINARY; op++) {
            struct stream s = {0};
            if (op == WSS_WS_OP_TEXT)
                fill_text(payload, sizes[si]);
            else
                fill_pattern(payload, sizes[si], (unsigned)si);
            put_masked(&s, (uint8_t)(FIN | op), payload, sizes[si]);
            for (size_t ci = 0; ci < sizeof(chops) / sizeof(chops[0]); ci++) {
                struct run r = {0};
                print_message("size %zu opcode %d chop %zu\n", sizes[si], op, chops[ci]);
                decode_copy(&s, chops[ci], 0, &r);
                assert_int_equal(r.fail_code, 0);
                assert_string_equal(r.events, op == WSS_WS_OP_TEXT ? "T" : "B");
                assert_int_equal(r.msg_len, sizes[si]);
                if (sizes[si] > 0)
                    assert_memory_equal(r.msg, payload, sizes[si]);
                run_free(&r);
            }
            free(s.p);
        }
    }
    free(payload);
}

static void mixed_stream_decodes_the_same_at_every_chunk_size(void **state)
{
    (void)state;
    struct stream s = {0};
    uint8_t big[300];
    fill_pattern(big, sizeof(big), 7);
    put_masked(&s, WSS_WS_OP_TEXT, "frag", 4);
    put_masked(&s, FIN | WSS_WS_OP_PING, "p1", 2);
    put_masked(&s, WSS_WS_OP_CONTINUATION, "", 0);
    put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "ment", 4);
    put_masked(&s, FIN | WSS_WS_OP_BINARY, big, sizeof(big));
    put_masked(&s, FIN | WSS_WS_OP_PONG, "", 0);
    put_masked(&s, FIN | WSS_WS_OP_TEXT, "", 0);
    put_close(&s, 1000, "bye", 3);
    for (size_t chunk = 0; chunk <= 40; chunk++) {
        struct run r = {0};
        decode_copy(&s, chunk, 0, &r);
        assert_int_equal(r.fail_code, 0);
        assert_string_equal(r.events, "PTBOTC");
        assert_int_equal(r.close_code, 1000);
        assert_int_equal(r.reason_len, 3);
        assert_memory_equal(r.reason, "bye", 3);
        run_free(&r);
    }
    free(s.p);
}

/* ---- category 2: pings and pongs ---- */

static void ping_payload_arrives_whole_at_any_chop(void **state)
{
    (void)state;
    uint8_t payload[WSS_WS_FRAME_CONTROL_MAX];
    static const size_t sizes[] = {0, 1, 2, 124, 125};
    fill_pattern(payload, sizeof(payload), 3);
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        struct stream s = {0};
        put_masked(&s, FIN | WSS_WS_OP_PING, payload, sizes[si]);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, 0);
            assert_string_equal(r.events, "P");
            assert_int_equal(r.ctl_len, sizes[si]);
            assert_memory_equal(r.ctl, payload, sizes[si]);
            run_free(&r);
        }
        free(s.p);
    }
}

static void payloads_are_unmasked_in_place_when_contiguous(void **state)
{
    (void)state;
    /* Pings and data that arrive whole point into the caller's buffer: no copy. A ping split
     * across calls is gathered in the decoder instead. */
    uint8_t frames[] = {0x89, 0x82, 0x37, 0xfa, 0x21, 0x3d, 'h' ^ 0x37, 'i' ^ 0xfa,
                        0x82, 0x82, 0x37, 0xfa, 0x21, 0x3d, 'o' ^ 0x37, 'k' ^ 0xfa};
    struct wss_ws_frame_decoder d = {0};
    struct wss_ws_frame_event ev;
    struct wss_ws_frame_err err;
    assert_int_equal(wss_ws_frame_decode(&d, frames, sizeof(frames), &ev, &err), 8);
    assert_int_equal(ev.type, WSS_WS_FRAME_EV_PING);
    assert_ptr_equal(ev.data, frames + 6);
    assert_memory_equal(frames + 6, "hi", 2);
    assert_int_equal(wss_ws_frame_decode(&d, frames + 8, 8, &ev, &err), 8);
    assert_int_equal(ev.type, WSS_WS_FRAME_EV_DATA);
    assert_ptr_equal(ev.data, frames + 14);
    assert_memory_equal(frames + 14, "ok", 2);

    uint8_t split[] = {0x89, 0x82, 0x37, 0xfa, 0x21, 0x3d, 'h' ^ 0x37, 'i' ^ 0xfa};
    struct wss_ws_frame_decoder d2 = {0};
    assert_int_equal(wss_ws_frame_decode(&d2, split, 7, &ev, &err), 7);
    assert_int_equal(ev.type, WSS_WS_FRAME_EV_NONE);
    assert_int_equal(wss_ws_frame_decode(&d2, split + 7, 1, &ev, &err), 1);
    assert_int_equal(ev.type, WSS_WS_FRAME_EV_PING);
    assert_ptr_equal(ev.data, d2.ctl);
    assert_memory_equal(ev.data, "hi", 2);
}

static void ping_over_125_bytes_fails_1002(void **state)
{
    (void)state;
    uint8_t payload[126] = {0};
    struct stream s = {0};
    put_masked(&s, FIN | WSS_WS_OP_PING, payload, sizeof(payload));
    for (size_t ci = 0; ci < NCHUNKS; ci++) {
        struct run r = {0};
        decode_copy(&s, chunks[ci], 0, &r);
        assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
        assert_string_equal(r.fail_msg, "control frame payload over 125 bytes");
        assert_int_equal(r.fail_at, 1);
        run_free(&r);
    }
    free(s.p);
}

static void unsolicited_pongs_and_ping_bursts_are_reported_in_order(void **state)
{
    (void)state;
    struct stream s = {0};
    struct run r = {0};
    put_masked(&s, FIN | WSS_WS_OP_PONG, "unsolicited", 11);
    for (int i = 0; i < 10; i++)
        put_masked(&s, FIN | WSS_WS_OP_PING, "burst", 5);
    decode_copy(&s, 0, 0, &r);
    assert_string_equal(r.events, "OPPPPPPPPPP");
    run_free(&r);
    free(s.p);
}

/* ---- category 3: reserved bits ---- */

static void rsv_bits_fail_1002_after_the_earlier_message(void **state)
{
    (void)state;
    static const uint8_t opcodes[] = {WSS_WS_OP_TEXT, WSS_WS_OP_BINARY, WSS_WS_OP_PING,
                                      WSS_WS_OP_CLOSE};
    for (unsigned rsv = 1; rsv <= 7; rsv++) {
        for (size_t oi = 0; oi < sizeof(opcodes); oi++) {
            struct stream s = {0};
            char want[WSS_PARSE_ERR_MSG_LEN];
            size_t bad;
            put_masked(&s, FIN | WSS_WS_OP_TEXT, "hello", 5);
            bad = put_masked(&s, (uint8_t)(FIN | rsv << 4 | opcodes[oi]), "", 0);
            put_masked(&s, FIN | WSS_WS_OP_PING, "no pong", 7);
            snprintf(want, sizeof(want), "RSV bits 0x%X set without a negotiated extension",
                     rsv << 4);
            for (size_t ci = 0; ci < NCHUNKS; ci++) {
                struct run r = {0};
                decode_copy(&s, chunks[ci], 0, &r);
                assert_string_equal(r.events, "T");
                assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
                assert_string_equal(r.fail_msg, want);
                assert_int_equal(r.fail_at, bad);
                run_free(&r);
            }
            free(s.p);
        }
    }
}

/* ---- category 4: opcodes ---- */

static void reserved_opcodes_fail_1002(void **state)
{
    (void)state;
    static const uint8_t reserved[] = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF};
    for (size_t i = 0; i < sizeof(reserved); i++) {
        for (int with_payload = 0; with_payload <= 1; with_payload++) {
            struct stream s = {0};
            char want[WSS_PARSE_ERR_MSG_LEN];
            size_t bad;
            put_masked(&s, FIN | WSS_WS_OP_TEXT, "hello", 5);
            bad = put_masked(&s, (uint8_t)(FIN | reserved[i]), "reserved", with_payload ? 8 : 0);
            put_masked(&s, FIN | WSS_WS_OP_TEXT, "after", 5);
            snprintf(want, sizeof(want), "reserved opcode 0x%X", reserved[i]);
            for (size_t ci = 0; ci < NCHUNKS; ci++) {
                struct run r = {0};
                decode_copy(&s, chunks[ci], 0, &r);
                assert_string_equal(r.events, "T");
                assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
                assert_string_equal(r.fail_msg, want);
                assert_int_equal(r.fail_at, bad);
                run_free(&r);
            }
            free(s.p);
        }
    }
}

/* ---- category 5: fragmentation ---- */

static void fragmented_control_frames_fail_1002(void **state)
{
    (void)state;
    static const struct {
        uint8_t first;
        const char *msg;
    } cases[] = {
        {WSS_WS_OP_PING, "fragmented control frame (opcode 0x9)"},
        {WSS_WS_OP_PONG, "fragmented control frame (opcode 0xA)"},
        {WSS_WS_OP_CLOSE, "fragmented control frame (opcode 0x8)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stream s = {0};
        put_masked(&s, cases[i].first, "frag", 4);
        put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "ment", 4);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
            assert_string_equal(r.fail_msg, cases[i].msg);
            assert_int_equal(r.fail_at, 0);
            run_free(&r);
        }
        free(s.p);
    }
}

static void fragments_reassemble_into_one_message(void **state)
{
    (void)state;
    for (int op = WSS_WS_OP_TEXT; op <= WSS_WS_OP_BINARY; op++) {
        struct stream s = {0};
        put_masked(&s, (uint8_t)op, "fragment1", 9);
        put_masked(&s, WSS_WS_OP_CONTINUATION, "fragment2", 9);
        put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "fragment3", 9);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, 0);
            assert_string_equal(r.events, op == WSS_WS_OP_TEXT ? "T" : "B");
            assert_int_equal(r.msg_len, 27);
            assert_memory_equal(r.msg, "fragment1fragment2fragment3", 27);
            run_free(&r);
        }
        free(s.p);
    }
}

static void ping_between_fragments_is_reported_before_the_message_ends(void **state)
{
    (void)state;
    /* Autobahn 5.6-5.8 and 5.19/5.20: the pong must go out before the final fragment. */
    struct stream s = {0};
    struct wss_ws_frame_decoder d = {0};
    struct run r = {0};
    size_t second, third;
    put_masked(&s, WSS_WS_OP_TEXT, "fragment1", 9);
    second = put_masked(&s, FIN | WSS_WS_OP_PING, "ping payload", 12);
    third = put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "fragment2", 9);
    run_chunked(&d, s.p, second, 1, &r);
    assert_string_equal(r.events, "");
    run_chunked(&d, s.p + second, third - second, 1, &r);
    assert_string_equal(r.events, "P");
    assert_memory_equal(r.ctl, "ping payload", 12);
    run_chunked(&d, s.p + third, s.len - third, 1, &r);
    assert_string_equal(r.events, "PT");
    assert_memory_equal(r.msg, "fragment1fragment2", 18);
    run_free(&r);
    free(s.p);
}

static void continuation_without_a_message_fails_1002(void **state)
{
    (void)state;
    /* Autobahn 5.9-5.17. */
    for (int variant = 0; variant < 4; variant++) {
        struct stream s = {0};
        size_t bad = 0;
        const char *events = "";
        switch (variant) {
        case 0:
            bad = put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "cont", 4);
            break;
        case 1:
            bad = put_masked(&s, WSS_WS_OP_CONTINUATION, "cont", 4);
            put_masked(&s, FIN | WSS_WS_OP_TEXT, "text", 4);
            break;
        case 2:
            put_masked(&s, FIN | WSS_WS_OP_TEXT, "done", 4);
            bad = put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "cont", 4);
            events = "T";
            break;
        default:
            put_masked(&s, FIN | WSS_WS_OP_PING, "", 0);
            bad = put_masked(&s, WSS_WS_OP_CONTINUATION, "", 0);
            events = "P";
            break;
        }
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_string_equal(r.events, events);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
            assert_string_equal(r.fail_msg, "continuation frame without a message to continue");
            assert_int_equal(r.fail_at, bad);
            run_free(&r);
        }
        free(s.p);
    }
}

static void new_data_frame_inside_a_fragmented_message_fails_1002(void **state)
{
    (void)state;
    /* Autobahn 5.18. */
    static const uint8_t second[] = {FIN | WSS_WS_OP_TEXT, WSS_WS_OP_TEXT, FIN | WSS_WS_OP_BINARY};
    for (size_t i = 0; i < sizeof(second); i++) {
        struct stream s = {0};
        char want[WSS_PARSE_ERR_MSG_LEN];
        size_t bad;
        put_masked(&s, WSS_WS_OP_TEXT, "fragment1", 9);
        bad = put_masked(&s, second[i], "fragment2", 9);
        snprintf(want, sizeof(want), "new data frame (opcode 0x%X) inside a fragmented message",
                 second[i] & 0x0F);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
            assert_string_equal(r.fail_msg, want);
            assert_int_equal(r.fail_at, bad);
            run_free(&r);
        }
        free(s.p);
    }
}

/* ---- category 6: UTF-8 ---- */

static void text_split_inside_code_points_across_frames_is_valid(void **state)
{
    (void)state;
    static const char text[] =
        "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 \xF0\x9F\x92\xAC\xEF\xBF\xBF";
    size_t n = sizeof(text) - 1;
    for (size_t cut = 0; cut <= n; cut++) {
        struct stream s = {0};
        put_masked(&s, WSS_WS_OP_TEXT, text, cut);
        put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, text + cut, n - cut);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, 0);
            assert_string_equal(r.events, "T");
            assert_int_equal(r.msg_len, n);
            assert_memory_equal(r.msg, text, n);
            run_free(&r);
        }
        free(s.p);
    }
}

static void empty_fragments_make_messages(void **state)
{
    (void)state;
    /* Autobahn 6.1.1-6.1.3. */
    struct stream s = {0};
    struct run r = {0};
    put_masked(&s, FIN | WSS_WS_OP_TEXT, "", 0);
    put_masked(&s, WSS_WS_OP_TEXT, "", 0);
    put_masked(&s, WSS_WS_OP_CONTINUATION, "", 0);
    put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "", 0);
    put_masked(&s, WSS_WS_OP_TEXT, "", 0);
    put_masked(&s, WSS_WS_OP_CONTINUATION, "middle", 6);
    put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "", 0);
    for (size_t ci = 0; ci < NCHUNKS; ci++) {
        decode_copy(&s, chunks[ci], 0, &r);
        assert_int_equal(r.fail_code, 0);
        assert_string_equal(r.events, "TTT");
        assert_int_equal(r.msg_len, 6);
        assert_memory_equal(r.msg, "middle", 6);
        run_free(&r);
    }
    free(s.p);
}

static const struct {
    const char *name;
    const char *s;
    size_t len;
    size_t bad_at; /* index of the byte where the text can no longer be valid */
} bad_texts[] = {
    {"surrogate", "ab\xED\xA0\x80", 5, 3},
    {"overlong slash", "\xC0\xAF", 2, 0},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 4, 1},
    {"lone continuation", "x\x80y", 3, 1},
    {"FE byte", "\xFE", 1, 0},
    {"kosme then a surrogate (6.4.1)",
     "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80\x65\x64\x69\x74\x65\x64", 20, 12},
};

static void invalid_text_fails_1007_at_the_bad_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
        struct stream s = {0};
        size_t payload_at;
        put_masked(&s, FIN | WSS_WS_OP_TEXT, bad_texts[i].s, bad_texts[i].len);
        payload_at = s.len - bad_texts[i].len;
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            print_message("case %s chunk %zu\n", bad_texts[i].name, chunks[ci]);
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_INVALID_PAYLOAD);
            assert_string_equal(r.fail_msg, "invalid UTF-8 in text message");
            assert_int_equal(r.fail_at, payload_at + bad_texts[i].bad_at);
            run_free(&r);
        }
        free(s.p);
    }
}

static void invalid_text_fails_fast_in_the_fragment_that_breaks_it(void **state)
{
    (void)state;
    /* Autobahn 6.4.x: the third fragment never needs to arrive. */
    struct stream s = {0};
    struct wss_ws_frame_decoder d = {0};
    struct run r = {0};
    size_t second, third;
    put_masked(&s, WSS_WS_OP_TEXT, "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", 11);
    second = put_masked(&s, WSS_WS_OP_CONTINUATION, "\xF4\x90\x80\x80", 4);
    third = put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "edited", 6);
    run_chunked(&d, s.p, second, 0, &r);
    assert_int_equal(r.fail_code, 0);
    run_chunked(&d, s.p + second, third - second, 0, &r);
    assert_int_equal(r.fail_code, WSS_WS_CLOSE_INVALID_PAYLOAD);
    assert_int_equal(r.fail_at, 6 + 1); /* header of 6 bytes, then F4 90: the 90 is bad */
    run_free(&r);
    free(s.p);
}

static void text_ending_inside_a_code_point_fails_1007(void **state)
{
    (void)state;
    for (int fragmented = 0; fragmented <= 1; fragmented++) {
        struct stream s = {0};
        if (fragmented) {
            put_masked(&s, WSS_WS_OP_TEXT, "ok", 2);
            put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, "\xE2\x82", 2);
        } else {
            put_masked(&s, FIN | WSS_WS_OP_TEXT, "\xCE", 1);
        }
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_INVALID_PAYLOAD);
            assert_string_equal(r.fail_msg, "text message ends inside a UTF-8 sequence");
            assert_int_equal(r.fail_at, s.len - 1);
            run_free(&r);
        }
        free(s.p);
    }
}

static void binary_messages_are_not_checked_for_utf8(void **state)
{
    (void)state;
    struct stream s = {0};
    struct run r = {0};
    put_masked(&s, FIN | WSS_WS_OP_BINARY, "\xFF\xFE\xED\xA0\x80", 5);
    decode_copy(&s, 1, 0, &r);
    assert_int_equal(r.fail_code, 0);
    assert_string_equal(r.events, "B");
    run_free(&r);
    free(s.p);
}

/* ---- category 7: close handling ---- */

static void close_without_payload_reports_no_status(void **state)
{
    (void)state;
    struct stream s = {0};
    put_masked(&s, FIN | WSS_WS_OP_CLOSE, "", 0);
    for (size_t ci = 0; ci < NCHUNKS; ci++) {
        struct run r = {0};
        decode_copy(&s, chunks[ci], 0, &r);
        assert_string_equal(r.events, "C");
        assert_int_equal(r.close_code, WSS_WS_CLOSE_NO_STATUS);
        assert_int_equal(r.reason_len, 0);
        run_free(&r);
    }
    free(s.p);
}

static void close_payload_of_one_byte_fails_1002(void **state)
{
    (void)state;
    struct stream s = {0};
    put_masked(&s, FIN | WSS_WS_OP_CLOSE, "\x03", 1);
    for (size_t ci = 0; ci < NCHUNKS; ci++) {
        struct run r = {0};
        decode_copy(&s, chunks[ci], 0, &r);
        assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
        assert_string_equal(r.fail_msg, "close payload of 1 byte cannot hold a code");
        assert_int_equal(r.fail_at, s.len - 1);
        run_free(&r);
    }
    free(s.p);
}

static void close_codes_are_checked(void **state)
{
    (void)state;
    /* Autobahn 7.7.x (valid) and 7.9.x / 7.13.x (invalid), plus 1012-1014 and 1015. */
    static const uint16_t valid[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                                     1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
    static const uint16_t invalid[] = {0,    999,  1004, 1005, 1006, 1015,
                                       1016, 1100, 2000, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        struct stream s = {0};
        struct run r = {0};
        assert_true(wss_ws_frame_close_code_is_valid(valid[i]));
        put_close(&s, valid[i], "", 0);
        decode_copy(&s, 1, 0, &r);
        assert_int_equal(r.fail_code, 0);
        assert_string_equal(r.events, "C");
        assert_int_equal(r.close_code, valid[i]);
        run_free(&r);
        free(s.p);
    }
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        struct stream s = {0};
        struct run r = {0};
        char want[WSS_PARSE_ERR_MSG_LEN];
        assert_false(wss_ws_frame_close_code_is_valid(invalid[i]));
        put_close(&s, invalid[i], "why", 3);
        decode_copy(&s, 0, 0, &r);
        snprintf(want, sizeof(want), "close code %u is not allowed on the wire", invalid[i]);
        assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
        assert_string_equal(r.fail_msg, want);
        assert_string_equal(r.events, "");
        run_free(&r);
        free(s.p);
    }
}

static void close_reason_of_123_bytes_passes_and_124_fails_1002(void **state)
{
    (void)state;
    char reason[124];
    memset(reason, 'r', sizeof(reason));
    for (size_t n = 123; n <= 124; n++) {
        struct stream s = {0};
        put_close(&s, 1000, reason, n);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            if (n == 123) {
                assert_string_equal(r.events, "C");
                assert_int_equal(r.reason_len, 123);
                assert_memory_equal(r.reason, reason, 123);
            } else {
                assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
                assert_string_equal(r.fail_msg, "control frame payload over 125 bytes");
            }
            run_free(&r);
        }
        free(s.p);
    }
}

static void close_reason_that_is_not_utf8_fails_1007(void **state)
{
    (void)state;
    static const struct {
        const char *reason;
        size_t len;
        const char *msg;
    } cases[] = {
        {"\xCE\xBA\xED\xA0\x80", 5, "close reason is not valid UTF-8"},
        {"ok\xE2\x82", 4, "close reason ends inside a UTF-8 sequence"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stream s = {0};
        put_close(&s, 1000, cases[i].reason, cases[i].len);
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            struct run r = {0};
            decode_copy(&s, chunks[ci], 0, &r);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_INVALID_PAYLOAD);
            assert_string_equal(r.fail_msg, cases[i].msg);
            run_free(&r);
        }
        free(s.p);
    }
}

static void input_after_close_is_consumed_and_ignored(void **state)
{
    (void)state;
    /* Autobahn 7.1.x: no pong, no echo, no second close after the first. */
    struct stream s = {0};
    put_masked(&s, FIN | WSS_WS_OP_TEXT, "before", 6);
    put_close(&s, 1000, "", 0);
    put_masked(&s, FIN | WSS_WS_OP_PING, "after", 5);
    put_masked(&s, FIN | WSS_WS_OP_TEXT, "after", 5);
    put_close(&s, 1001, "", 0);
    put_raw(&s, "\xFF\xFF\xFF", 3); /* even garbage */
    for (size_t ci = 0; ci < NCHUNKS; ci++) {
        struct run r = {0};
        decode_copy(&s, chunks[ci], 0, &r);
        assert_int_equal(r.fail_code, 0);
        assert_string_equal(r.events, "TC");
        assert_int_equal(r.close_code, 1000);
        run_free(&r);
    }
    free(s.p);
}

/* ---- category 9: limits and performance ---- */

static void large_messages_decode_in_awkward_chunks(void **state)
{
    (void)state;
    /* Autobahn 9.1.x / 9.2.x: 64 KiB to 16 MiB in one frame; the first slice ends inside the
     * header and the rest come in odd sizes. */
    static const size_t sizes[] = {64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB, 8 * MIB, 16 * MIB};
    static const size_t plan[] = {3, 65521, 7, 131071};
    uint8_t *payload = malloc(16 * MIB);
    assert_non_null(payload);
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        for (int op = WSS_WS_OP_TEXT; op <= WSS_WS_OP_BINARY; op++) {
            struct stream s = {0};
            struct wss_ws_frame_decoder d = {.max_message_len = 16 * MIB};
            struct run r = {0};
            if (op == WSS_WS_OP_TEXT)
                fill_text(payload, sizes[si]);
            else
                fill_pattern(payload, sizes[si], (unsigned)si);
            put_masked(&s, (uint8_t)(FIN | op), payload, sizes[si]);
            run_plan(&d, s.p, s.len, plan, sizeof(plan) / sizeof(plan[0]), &r);
            assert_int_equal(r.fail_code, 0);
            assert_string_equal(r.events, op == WSS_WS_OP_TEXT ? "T" : "B");
            assert_int_equal(r.msg_len, sizes[si]);
            assert_memory_equal(r.msg, payload, sizes[si]);
            run_free(&r);
            free(s.p);
        }
    }
    free(payload);
}

static void four_mib_message_in_fragments_of_64_bytes_to_4_mib(void **state)
{
    (void)state;
    /* Autobahn 9.3.x / 9.4.x. */
    static const size_t frag_sizes[] = {64,       256,       1 * KIB, 4 * KIB, 16 * KIB,
                                        64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB};
    size_t total = 4 * MIB;
    uint8_t *payload = malloc(total);
    assert_non_null(payload);
    for (size_t fi = 0; fi < sizeof(frag_sizes) / sizeof(frag_sizes[0]); fi++) {
        for (int op = WSS_WS_OP_TEXT; op <= WSS_WS_OP_BINARY; op++) {
            struct stream s = {0};
            struct run r = {0};
            size_t at = 0;
            if (op == WSS_WS_OP_TEXT)
                fill_text(payload, total);
            else
                fill_pattern(payload, total, (unsigned)fi);
            while (at < total) {
                size_t n = frag_sizes[fi] < total - at ? frag_sizes[fi] : total - at;
                uint8_t first = (uint8_t)(at == 0 ? op : WSS_WS_OP_CONTINUATION);
                if (at + n == total)
                    first |= FIN;
                put_masked(&s, first, payload + at, n);
                at += n;
            }
            decode_copy(&s, 65536 + 17, 4 * MIB, &r);
            assert_int_equal(r.fail_code, 0);
            assert_string_equal(r.events, op == WSS_WS_OP_TEXT ? "T" : "B");
            assert_int_equal(r.msg_len, total);
            assert_memory_equal(r.msg, payload, total);
            run_free(&r);
            free(s.p);
        }
    }
    free(payload);
}

static void one_mib_message_chopped_64_to_2048_bytes(void **state)
{
    (void)state;
    /* Autobahn 9.5.x / 9.6.x. */
    uint8_t *payload = malloc(MIB);
    assert_non_null(payload);
    for (int op = WSS_WS_OP_TEXT; op <= WSS_WS_OP_BINARY; op++) {
        struct stream s = {0};
        if (op == WSS_WS_OP_TEXT)
            fill_text(payload, MIB);
        else
            fill_pattern(payload, MIB, 9);
        put_masked(&s, (uint8_t)(FIN | op), payload, MIB);
        for (size_t chop = 64; chop <= 2048; chop *= 2) {
            struct run r = {0};
            decode_copy(&s, chop, 0, &r);
            assert_int_equal(r.fail_code, 0);
            assert_int_equal(r.msg_len, MIB);
            assert_memory_equal(r.msg, payload, MIB);
            run_free(&r);
        }
        free(s.p);
    }
    free(payload);
}

/* ---- category 10 and the message limit ---- */

static void autofragmented_64_kib_message_reassembles(void **state)
{
    (void)state;
    /* Autobahn 10.1.1: 64 KiB sent as 1300-byte fragments. */
    size_t total = 64 * KIB;
    uint8_t *payload = malloc(total);
    struct stream s = {0};
    struct run r = {0};
    size_t at = 0;
    assert_non_null(payload);
    fill_text(payload, total);
    while (at < total) {
        size_t n = 1300 < total - at ? 1300 : total - at;
        uint8_t first = (uint8_t)(at == 0 ? WSS_WS_OP_TEXT : WSS_WS_OP_CONTINUATION);
        put_masked(&s, (uint8_t)(at + n == total ? first | FIN : first), payload + at, n);
        at += n;
    }
    decode_copy(&s, 4096, 64 * KIB, &r);
    assert_int_equal(r.fail_code, 0);
    assert_string_equal(r.events, "T");
    assert_int_equal(r.msg_len, total);
    assert_memory_equal(r.msg, payload, total);
    run_free(&r);
    free(s.p);
    free(payload);
}

static void message_over_the_limit_fails_1009_before_its_payload(void **state)
{
    (void)state;
    uint8_t *payload = calloc(1, 70000);
    assert_non_null(payload);
    /* one frame at the limit passes, one byte more fails at the header */
    for (size_t n = 65536; n <= 65537; n++) {
        struct stream s = {0};
        struct run r = {0};
        put_masked(&s, FIN | WSS_WS_OP_BINARY, payload, n);
        decode_copy(&s, 1, 65536, &r);
        if (n == 65536) {
            assert_int_equal(r.fail_code, 0);
            assert_string_equal(r.events, "B");
        } else {
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_TOO_BIG);
            assert_string_equal(r.fail_msg,
                                "message of at least 65537 bytes over the limit of 65536");
            assert_int_equal(r.fail_at, 13); /* last byte of the 14-byte header */
        }
        run_free(&r);
        free(s.p);
    }
    /* fragments add up; control frames in between do not count */
    struct stream s = {0};
    struct run r = {0};
    size_t third;
    put_masked(&s, WSS_WS_OP_BINARY, payload, 30000);
    put_masked(&s, FIN | WSS_WS_OP_PING, payload, 125);
    put_masked(&s, WSS_WS_OP_CONTINUATION, payload, 30000);
    third = put_masked(&s, FIN | WSS_WS_OP_CONTINUATION, payload, 30000);
    decode_copy(&s, 0, 65536, &r);
    assert_string_equal(r.events, "P");
    assert_int_equal(r.fail_code, WSS_WS_CLOSE_TOO_BIG);
    assert_string_equal(r.fail_msg, "message of at least 90000 bytes over the limit of 65536");
    assert_int_equal(r.fail_at, third + 7);
    run_free(&r);
    free(s.p);
    free(payload);
}

static void sixteen_mib_limit_takes_16_mib_and_refuses_one_byte_more(void **state)
{
    (void)state;
    /* Only headers are needed to hit the limit: the decoder fails before the payload. */
    uint8_t hdr[WSS_WS_FRAME_HEADER_MAX];
    struct wss_ws_frame_decoder d = {.max_message_len = 16 * MIB};
    struct wss_ws_frame_event ev;
    struct wss_ws_frame_err err;
    size_t h = wss_ws_frame_encode_header(hdr, WSS_WS_OP_BINARY, true, 16 * MIB + 1, test_key);
    assert_int_equal(wss_ws_frame_decode(&d, hdr, h, &ev, &err), WSS_PARSE_INVALID);
    assert_int_equal(err.close_code, WSS_WS_CLOSE_TOO_BIG);
    assert_int_equal(d.fail_code, WSS_WS_CLOSE_TOO_BIG);

    struct wss_ws_frame_decoder ok = {.max_message_len = 16 * MIB};
    h = wss_ws_frame_encode_header(hdr, WSS_WS_OP_BINARY, true, 16 * MIB, test_key);
    assert_int_equal(wss_ws_frame_decode(&ok, hdr, h, &ev, &err), (int)h);
    assert_int_equal(ev.type, WSS_WS_FRAME_EV_NONE);
    assert_int_equal(ok.fail_code, 0);
}

/* ---- header rules ---- */

static void masking_follows_the_role(void **state)
{
    (void)state;
    uint8_t unmasked[] = {0x81, 0x02, 'h', 'i'};
    uint8_t masked[] = {0x81, 0x82, 0, 0, 0, 0, 'h', 'i'};
    struct wss_ws_frame_decoder server = {0};
    struct wss_ws_frame_decoder client = {.role = WSS_WS_FRAME_ROLE_CLIENT};
    struct run r = {0};
    run_chunked(&server, unmasked, sizeof(unmasked), 0, &r);
    assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
    assert_string_equal(r.fail_msg, "unmasked frame from a client");
    assert_int_equal(r.fail_at, 1);
    run_free(&r);
    run_chunked(&client, masked, sizeof(masked), 0, &r);
    assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
    assert_string_equal(r.fail_msg, "masked frame from a server");
    run_free(&r);
}

static void non_minimal_and_oversized_lengths_fail_1002(void **state)
{
    (void)state;
    static const struct {
        uint8_t hdr[14];
        size_t len;
        const char *msg;
    } cases[] = {
        {{0x82, 0xFE, 0x00, 0x7D, 1, 2, 3, 4}, 8, "non-minimal length: 125 encoded in 16 bits"},
        {{0x82, 0xFE, 0x00, 0x00, 1, 2, 3, 4}, 8, "non-minimal length: 0 encoded in 16 bits"},
        {{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4},
         14,
         "non-minimal length: 65535 encoded in 64 bits"},
        {{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4},
         14,
         "64-bit length with the top bit set"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t ci = 0; ci < NCHUNKS; ci++) {
            uint8_t buf[14];
            struct wss_ws_frame_decoder d = {0};
            struct run r = {0};
            memcpy(buf, cases[i].hdr, cases[i].len);
            run_chunked(&d, buf, cases[i].len, chunks[ci], &r);
            assert_int_equal(r.fail_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
            assert_string_equal(r.fail_msg, cases[i].msg);
            assert_int_equal(r.fail_at, cases[i].len - 1);
            run_free(&r);
        }
    }
}

static void failure_is_final(void **state)
{
    (void)state;
    uint8_t bad[] = {0x83, 0x80, 1, 2, 3, 4};
    uint8_t good[] = {0x81, 0x80, 1, 2, 3, 4};
    struct wss_ws_frame_decoder d = {0};
    struct wss_ws_frame_event ev;
    struct wss_ws_frame_err err;
    assert_int_equal(wss_ws_frame_decode(&d, bad, sizeof(bad), &ev, &err), WSS_PARSE_INVALID);
    assert_int_equal(wss_ws_frame_decode(&d, good, sizeof(good), &ev, &err), WSS_PARSE_INVALID);
    assert_int_equal(err.close_code, WSS_WS_CLOSE_PROTOCOL_ERROR);
    assert_string_equal(err.parse.msg, "connection already failed with close code 1002");
    assert_int_equal(ev.type, WSS_WS_FRAME_EV_NONE);
    /* a NULL err is allowed */
    assert_int_equal(wss_ws_frame_decode(&d, good, sizeof(good), &ev, NULL), WSS_PARSE_INVALID);
}

/* ---- encoder and helpers ---- */

static void encoder_writes_minimal_headers(void **state)
{
    (void)state;
    static const struct {
        enum wss_ws_opcode op;
        bool is_fin;
        uint64_t len;
        size_t n;
        uint8_t want[10];
    } cases[] = {
        {WSS_WS_OP_TEXT, true, 5, 2, {0x81, 0x05}},
        {WSS_WS_OP_TEXT, false, 3, 2, {0x01, 0x03}},
        {WSS_WS_OP_CONTINUATION, true, 2, 2, {0x80, 0x02}},
        {WSS_WS_OP_BINARY, true, 0, 2, {0x82, 0x00}},
        {WSS_WS_OP_BINARY, true, 125, 2, {0x82, 0x7D}},
        {WSS_WS_OP_BINARY, true, 126, 4, {0x82, 0x7E, 0x00, 0x7E}},
        {WSS_WS_OP_BINARY, true, 256, 4, {0x82, 0x7E, 0x01, 0x00}},
        {WSS_WS_OP_BINARY, true, 65535, 4, {0x82, 0x7E, 0xFF, 0xFF}},
        {WSS_WS_OP_BINARY, true, 65536, 10, {0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}},
        {WSS_WS_OP_BINARY,
         true,
         UINT64_C(0x7FFFFFFFFFFFFFFF),
         10,
         {0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
        {WSS_WS_OP_PING, true, 125, 2, {0x89, 0x7D}},
        {WSS_WS_OP_PONG, true, 0, 2, {0x8A, 0x00}},
        {WSS_WS_OP_CLOSE, true, 2, 2, {0x88, 0x02}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[WSS_WS_FRAME_HEADER_MAX];
        size_t n =
            wss_ws_frame_encode_header(out, cases[i].op, cases[i].is_fin, cases[i].len, NULL);
        assert_int_equal(n, cases[i].n);
        assert_memory_equal(out, cases[i].want, n);
    }
    /* RFC 6455 section 5.7: a masked "Hello" */
    uint8_t out[WSS_WS_FRAME_HEADER_MAX];
    uint8_t hello[] = "Hello";
    uint8_t want[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    assert_int_equal(wss_ws_frame_encode_header(out, WSS_WS_OP_TEXT, true, 5, test_key), 6);
    assert_memory_equal(out, want, 6);
    wss_ws_frame_mask(hello, 5, test_key, 0);
    assert_memory_equal(hello, want + 6, 5);
}

static void encoder_refuses_frames_that_would_be_invalid(void **state)
{
    (void)state;
    uint8_t out[WSS_WS_FRAME_HEADER_MAX];
    assert_int_equal(wss_ws_frame_encode_header(out, (enum wss_ws_opcode)3, true, 0, NULL), 0);
    assert_int_equal(wss_ws_frame_encode_header(out, (enum wss_ws_opcode)0xB, true, 0, NULL), 0);
    assert_int_equal(wss_ws_frame_encode_header(out, WSS_WS_OP_PING, true, 126, NULL), 0);
    assert_int_equal(wss_ws_frame_encode_header(out, WSS_WS_OP_CLOSE, false, 2, NULL), 0);
    assert_int_equal(
        wss_ws_frame_encode_header(out, WSS_WS_OP_BINARY, true, UINT64_C(1) << 63, NULL), 0);
}

static void encoded_server_frames_round_trip_through_a_client_decoder(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 70000};
    uint8_t *buf = malloc(70000 + WSS_WS_FRAME_HEADER_MAX);
    uint8_t *payload = malloc(70000);
    assert_non_null(buf);
    assert_non_null(payload);
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        struct wss_ws_frame_decoder d = {.role = WSS_WS_FRAME_ROLE_CLIENT};
        struct run r = {0};
        size_t h = wss_ws_frame_encode_header(buf, WSS_WS_OP_BINARY, true, sizes[si], NULL);
        fill_pattern(payload, sizes[si], (unsigned)si);
        memcpy(buf + h, payload, sizes[si]);
        run_chunked(&d, buf, h + sizes[si], 3, &r);
        assert_int_equal(r.fail_code, 0);
        assert_string_equal(r.events, "B");
        assert_int_equal(r.msg_len, sizes[si]);
        if (sizes[si] > 0)
            assert_memory_equal(r.msg, payload, sizes[si]);
        run_free(&r);
    }
    free(buf);
    free(payload);
}

static void mask_matches_bytewise_xor_at_every_offset(void **state)
{
    (void)state;
    uint8_t a[40], b[40];
    for (size_t n = 0; n <= sizeof(a); n++) {
        for (size_t off = 0; off < 8; off++) {
            fill_pattern(a, sizeof(a), (unsigned)n);
            memcpy(b, a, sizeof(a));
            wss_ws_frame_mask(a, n, test_key, off);
            for (size_t i = 0; i < n; i++)
                b[i] ^= test_key[(off + i) % 4];
            assert_memory_equal(a, b, sizeof(a));
        }
    }
}

static void close_payload_is_built_and_truncated_at_a_code_point(void **state)
{
    (void)state;
    uint8_t out[WSS_WS_FRAME_CONTROL_MAX];
    char reason[200];
    uint16_t code = 0;
    const uint8_t *got_reason = NULL;
    size_t got_len = 0;
    struct wss_ws_frame_err err;
    size_t n;

    assert_int_equal(wss_ws_frame_close_payload(out, 1000, "bye", 3), 5);
    assert_memory_equal(out,
                        "\x03\xE8"
                        "bye",
                        5);
    assert_int_equal(wss_ws_frame_close_payload(out, WSS_WS_CLOSE_NO_STATUS, "ignored", 7), 0);
    assert_int_equal(wss_ws_frame_close_payload(out, WSS_WS_CLOSE_GOING_AWAY, NULL, 0), 2);
    assert_memory_equal(out, "\x03\xE9", 2);

    /* 100 two-byte characters: 61 fit in 123 bytes, the 62nd would be cut in half */
    for (size_t i = 0; i < 100; i++)
        memcpy(reason + 2 * i, "\xC3\xA9", 2);
    n = wss_ws_frame_close_payload(out, 4000, reason, 200);
    assert_int_equal(n, 2 + 122);
    assert_int_equal(wss_ws_frame_close_parse(out, n, &code, &got_reason, &got_len, &err), (int)n);
    assert_int_equal(code, 4000);
    assert_int_equal(got_len, 122);
    assert_ptr_equal(got_reason, out + 2);

    /* ASCII is cut at exactly 123 bytes */
    memset(reason, 'a', sizeof(reason));
    assert_int_equal(wss_ws_frame_close_payload(out, 1000, reason, 200), WSS_WS_FRAME_CONTROL_MAX);
}

static void close_parse_reports_codes_and_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t len;
        uint16_t close_code;
        size_t offset;
        const char *msg;
    } bad[] = {
        {"\x03", 1, 1002, 0, "close payload of 1 byte cannot hold a code"},
        {"\x03\xED", 2, 1002, 0, "close code 1005 is not allowed on the wire"},
        {"\x03\xE8\xFF", 3, 1007, 2, "close reason is not valid UTF-8"},
        {"\x03\xE8"
         "ab\xCE",
         5, 1007, 5, "close reason ends inside a UTF-8 sequence"},
    };
    uint8_t big[126] = {0x03, 0xE8};
    uint16_t code;
    const uint8_t *reason;
    size_t reason_len;
    struct wss_ws_frame_err err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(wss_ws_frame_close_parse((const uint8_t *)bad[i].p, bad[i].len, &code,
                                                  &reason, &reason_len, &err),
                         WSS_PARSE_INVALID);
        assert_int_equal(err.close_code, bad[i].close_code);
        assert_int_equal(err.parse.offset, bad[i].offset);
        assert_string_equal(err.parse.msg, bad[i].msg);
    }
    memset(big + 2, 'x', sizeof(big) - 2);
    assert_int_equal(wss_ws_frame_close_parse(big, sizeof(big), &code, &reason, &reason_len, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.parse.msg, "close payload over 125 bytes");
    assert_int_equal(wss_ws_frame_close_parse(big, 125, &code, &reason, &reason_len, NULL), 125);
    assert_int_equal(code, 1000);
    assert_int_equal(reason_len, 123);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_rfc_6455_examples),
        cmocka_unit_test(decodes_every_length_boundary_whole_and_chopped),
        cmocka_unit_test(mixed_stream_decodes_the_same_at_every_chunk_size),
        cmocka_unit_test(ping_payload_arrives_whole_at_any_chop),
        cmocka_unit_test(payloads_are_unmasked_in_place_when_contiguous),
        cmocka_unit_test(ping_over_125_bytes_fails_1002),
        cmocka_unit_test(unsolicited_pongs_and_ping_bursts_are_reported_in_order),
        cmocka_unit_test(rsv_bits_fail_1002_after_the_earlier_message),
        cmocka_unit_test(reserved_opcodes_fail_1002),
        cmocka_unit_test(fragmented_control_frames_fail_1002),
        cmocka_unit_test(fragments_reassemble_into_one_message),
        cmocka_unit_test(ping_between_fragments_is_reported_before_the_message_ends),
        cmocka_unit_test(continuation_without_a_message_fails_1002),
        cmocka_unit_test(new_data_frame_inside_a_fragmented_message_fails_1002),
        cmocka_unit_test(text_split_inside_code_points_across_frames_is_valid),
        cmocka_unit_test(empty_fragments_make_messages),
        cmocka_unit_test(invalid_text_fails_1007_at_the_bad_byte),
        cmocka_unit_test(invalid_text_fails_fast_in_the_fragment_that_breaks_it),
        cmocka_unit_test(text_ending_inside_a_code_point_fails_1007),
        cmocka_unit_test(binary_messages_are_not_checked_for_utf8),
        cmocka_unit_test(close_without_payload_reports_no_status),
        cmocka_unit_test(close_payload_of_one_byte_fails_1002),
        cmocka_unit_test(close_codes_are_checked),
        cmocka_unit_test(close_reason_of_123_bytes_passes_and_124_fails_1002),
        cmocka_unit_test(close_reason_that_is_not_utf8_fails_1007),
        cmocka_unit_test(input_after_close_is_consumed_and_ignored),
        cmocka_unit_test(large_messages_decode_in_awkward_chunks),
        cmocka_unit_test(four_mib_message_in_fragments_of_64_bytes_to_4_mib),
        cmocka_unit_test(one_mib_message_chopped_64_to_2048_bytes),
        cmocka_unit_test(autofragmented_64_kib_message_reassembles),
        cmocka_unit_test(message_over_the_limit_fails_1009_before_its_payload),
        cmocka_unit_test(sixteen_mib_limit_takes_16_mib_and_refuses_one_byte_more),
        cmocka_unit_test(masking_follows_the_role),
        cmocka_unit_test(non_minimal_and_oversized_lengths_fail_1002),
        cmocka_unit_test(failure_is_final),
        cmocka_unit_test(encoder_writes_minimal_headers),
        cmocka_unit_test(encoder_refuses_frames_that_would_be_invalid),
        cmocka_unit_test(encoded_server_frames_round_trip_through_a_client_decoder),
        cmocka_unit_test(mask_matches_bytewise_xor_at_every_offset),
        cmocka_unit_test(close_payload_is_built_and_truncated_at_a_code_point),
        cmocka_unit_test(close_parse_reports_codes_and_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
