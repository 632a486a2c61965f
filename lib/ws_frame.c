/* SPDX-License-Identifier: Apache-2.0 */
/* ws_frame.c: decodes RFC 6455 frames from a byte stream and encodes frame headers.
 * Does not: allocate, copy data payloads (control payloads split across reads are gathered in the
 * decoder, at most 125 bytes), or decide what to answer; the caller's event loop does.
 * Threads: any; each call touches only the caller's decoder and buffers. */
#include "wsscale/ws_frame.h"

#include <limits.h>
#include <string.h>

/* Decoder phases; PH_HEADER is zero so a zeroed decoder waits for a header. */
enum { PH_HEADER = 0, PH_PAYLOAD = 1 };

/* Bits and fields of the first two header bytes (RFC 6455 section 5.2). */
#define HDR_FIN         0x80
#define HDR_RSV         0x70
#define HDR_OPCODE      0x0F
#define HDR_MASK        0x80
#define HDR_LEN7        0x7F
#define LEN7_IS_16BIT   126
#define LEN7_IS_64BIT   127
#define OPCODE_CONTROL  0x08
#define MASK_KEY_LEN    4
#define LEN64_TOP_BIT   (UINT64_C(1) << 63)
#define LEN16_MAX       0xFFFF
#define UTF8_CONT_MASK  0xC0 /* top two bits of a byte ... */
#define UTF8_CONT_VALUE 0x80 /* ... are 10 in a continuation byte */

/* Bytes per step when masking a word at a time. */
#define MASK_WORD_BYTES 8

static bool is_control(unsigned opcode)
{
    return (opcode & OPCODE_CONTROL) != 0;
}

static bool is_known_opcode(unsigned opcode)
{
    switch (opcode) {
    case WSS_WS_OP_CONTINUATION:
    case WSS_WS_OP_TEXT:
    case WSS_WS_OP_BINARY:
    case WSS_WS_OP_CLOSE:
    case WSS_WS_OP_PING:
    case WSS_WS_OP_PONG:
        return true;
    default:
        return false;
    }
}

/* Records the close code; the message is already in err->parse. Failing is final. */
static int set_failed(struct wss_ws_frame_decoder *d, struct wss_ws_frame_err *err, uint16_t code)
{
    if (d != NULL)
        d->fail_code = code;
    if (err != NULL)
        err->close_code = code;
    return WSS_PARSE_INVALID;
}

#define FAIL(d, code, offset, ...)                                                                 \
    (wss_parse_fail(err != NULL ? &err->parse : NULL, (offset), __VA_ARGS__),                      \
     set_failed((d), err, (code)))

/* The first byte alone settles RSV bits, the opcode, control fragmentation and whether the frame
 * fits the fragmentation state, so a bad frame fails before the rest of it arrives. */
static int check_byte0(struct wss_ws_frame_decoder *d, uint8_t b, size_t off,
                       struct wss_ws_frame_err *err)
{
    unsigned opcode = b & HDR_OPCODE;

    if ((b & HDR_RSV) != 0)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off,
                    "RSV bits 0x%X set without a negotiated extension", (unsigned)(b & HDR_RSV));
    if (!is_known_opcode(opcode))
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off, "reserved opcode 0x%X", opcode);
    if (is_control(opcode) && (b & HDR_FIN) == 0)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off, "fragmented control frame (opcode 0x%X)",
                    opcode);
    if (opcode == WSS_WS_OP_CONTINUATION && d->msg_opcode == 0)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off,
                    "continuation frame without a message to continue");
    if ((opcode == WSS_WS_OP_TEXT || opcode == WSS_WS_OP_BINARY) && d->msg_opcode != 0)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off,
                    "new data frame (opcode 0x%X) inside a fragmented message", opcode);
    return 0;
}

static int check_byte1(struct wss_ws_frame_decoder *d, uint8_t b, size_t off,
                       struct wss_ws_frame_err *err)
{
    bool is_masked = (b & HDR_MASK) != 0;
    unsigned len7 = b & HDR_LEN7;

    if (d->role == WSS_WS_FRAME_ROLE_SERVER && !is_masked)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off, "unmasked frame from a client");
    if (d->role == WSS_WS_FRAME_ROLE_CLIENT && is_masked)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off, "masked frame from a server");
    if (is_control(d->hdr[0] & HDR_OPCODE) && len7 > WSS_WS_FRAME_CONTROL_MAX)
        return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off, "control frame payload over %d bytes",
                    WSS_WS_FRAME_CONTROL_MAX);
    d->is_masked = is_masked;
    d->hdr_need = 2;
    if (len7 == LEN7_IS_16BIT)
        d->hdr_need += 2;
    else if (len7 == LEN7_IS_64BIT)
        d->hdr_need += 8;
    if (is_masked)
        d->hdr_need += MASK_KEY_LEN;
    return 0;
}

/* The header is complete: check the length encoding and the message limit, then start the
 * frame. RFC 6455 section 5.2 says the minimal length encoding MUST be used; no conforming peer
 * sends another, so a non-minimal one is treated as the protocol error it is. */
static int start_frame(struct wss_ws_frame_decoder *d, size_t off, struct wss_ws_frame_err *err)
{
    unsigned opcode = d->hdr[0] & HDR_OPCODE;
    unsigned len7 = d->hdr[1] & HDR_LEN7;
    uint64_t len = len7;
    size_t pos = 2;

    if (len7 == LEN7_IS_16BIT) {
        len = (uint64_t)d->hdr[2] << 8 | d->hdr[3];
        pos = 4;
        if (len <= WSS_WS_FRAME_CONTROL_MAX)
            return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off,
                        "non-minimal length: %llu encoded in 16 bits", (unsigned long long)len);
    } else if (len7 == LEN7_IS_64BIT) {
        len = 0;
        for (pos = 2; pos < 10; pos++)
            len = len << 8 | d->hdr[pos];
        if ((len & LEN64_TOP_BIT) != 0)
            return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off, "64-bit length with the top bit set");
        if (len <= LEN16_MAX)
            return FAIL(d, WSS_WS_CLOSE_PROTOCOL_ERROR, off,
                        "non-minimal length: %llu encoded in 64 bits", (unsigned long long)len);
    }
    if (d->is_masked)
        memcpy(d->mask_key, d->hdr + pos, MASK_KEY_LEN);

    if (!is_control(opcode)) {
        uint64_t so_far = opcode == WSS_WS_OP_CONTINUATION ? d->msg_len : 0;
        /* so_far <= max and len < 2^63, so the sum cannot wrap. */
        if (d->max_message_len != 0 && so_far + len > d->max_message_len)
            return FAIL(d, WSS_WS_CLOSE_TOO_BIG, off,
                        "message of at least %llu bytes over the limit of %llu",
                        (unsigned long long)(so_far + len), (unsigned long long)d->max_message_len);
        if (opcode != WSS_WS_OP_CONTINUATION) {
            d->msg_opcode = (uint8_t)opcode;
            wss_utf8_reset(&d->utf8);
        }
        d->msg_len = so_far + len;
    }
    d->frame_opcode = (uint8_t)opcode;
    d->is_fin = (d->hdr[0] & HDR_FIN) != 0;
    d->frame_len = len;
    d->frame_done = 0;
    d->ctl_len = 0;
    d->phase = PH_PAYLOAD;
    return 0;
}

static void end_frame(struct wss_ws_frame_decoder *d)
{
    d->phase = PH_HEADER;
    d->hdr_len = 0;
    d->hdr_need = 0;
}

/* Reads header bytes one at a time (at most 14 per frame) so each check runs as soon as its byte
 * is in. Returns 1 when the header is complete, 0 when the input ran out, or INVALID. */
static int read_header(struct wss_ws_frame_decoder *d, const uint8_t *buf, size_t len, size_t *i,
                       struct wss_ws_frame_err *err)
{
    while (*i < len) {
        size_t off = (*i)++;
        int rc = 0;
        d->hdr[d->hdr_len++] = buf[off];
        if (d->hdr_len == 1)
            rc = check_byte0(d, buf[off], off, err);
        else if (d->hdr_len == 2)
            rc = check_byte1(d, buf[off], off, err);
        if (rc < 0)
            return rc;
        if (d->hdr_len >= 2 && d->hdr_len == d->hdr_need)
            return start_frame(d, off, err) < 0 ? WSS_PARSE_INVALID : 1;
    }
    return 0;
}

/* A whole control frame's payload is at p, unmasked; end_off is the offset of the frame's last
 * byte in this call's buffer, where a bad close payload is reported. */
static int deliver_control(struct wss_ws_frame_decoder *d, uint8_t *p, size_t n, size_t end_off,
                           struct wss_ws_frame_event *ev, struct wss_ws_frame_err *err)
{
    struct wss_ws_frame_err close_err;

    ev->opcode = (enum wss_ws_opcode)d->frame_opcode;
    ev->data = p;
    ev->len = n;
    end_frame(d);
    switch (d->frame_opcode) {
    case WSS_WS_OP_PING:
        ev->type = WSS_WS_FRAME_EV_PING;
        return 0;
    case WSS_WS_OP_PONG:
        ev->type = WSS_WS_FRAME_EV_PONG;
        return 0;
    default:
        break;
    }
    if (wss_ws_frame_close_parse(p, n, &ev->close_code, &ev->reason, &ev->reason_len, &close_err) <
        0) {
        close_err.parse.offset = end_off;
        if (err != NULL)
            *err = close_err;
        return set_failed(d, err, close_err.close_code);
    }
    ev->type = WSS_WS_FRAME_EV_CLOSE;
    d->is_closed = true;
    return 0;
}

/* Control payloads are delivered whole: in place when the frame is contiguous in this call's
 * input, else gathered into d->ctl across calls. Returns 1 with an event, 0 for more input. */
static int read_control(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len, size_t *i,
                        struct wss_ws_frame_event *ev, struct wss_ws_frame_err *err)
{
    size_t avail = len - *i;
    size_t left = (size_t)(d->frame_len - d->frame_done); /* <= 125 */

    if (d->frame_done == 0 && avail >= left) {
        uint8_t *p = buf + *i;
        if (d->is_masked)
            wss_ws_frame_mask(p, left, d->mask_key, 0);
        *i += left;
        return deliver_control(d, p, left, *i == 0 ? 0 : *i - 1, ev, err) < 0 ? WSS_PARSE_INVALID
                                                                              : 1;
    }
    size_t take = avail < left ? avail : left;
    memcpy(d->ctl + d->ctl_len, buf + *i, take);
    d->ctl_len = (uint8_t)(d->ctl_len + take);
    d->frame_done += take;
    *i += take;
    if (d->frame_done < d->frame_len)
        return 0;
    if (d->is_masked)
        wss_ws_frame_mask(d->ctl, d->ctl_len, d->mask_key, 0);
    return deliver_control(d, d->ctl, d->ctl_len, *i - 1, ev, err) < 0 ? WSS_PARSE_INVALID : 1;
}

/* Data payloads are handed out in place, chunk by chunk, as they arrive. Returns 1 with an
 * event, 0 for more input. */
static int read_data(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len, size_t *i,
                     struct wss_ws_frame_event *ev, struct wss_ws_frame_err *err)
{
    size_t avail = len - *i;
    uint64_t left = d->frame_len - d->frame_done;
    size_t n = left < avail ? (size_t)left : avail;
    uint8_t *p = buf + *i;
    bool is_text = d->msg_opcode == WSS_WS_OP_TEXT;

    if (n == 0 && left != 0)
        return 0;
    if (d->is_masked)
        wss_ws_frame_mask(p, n, d->mask_key, (size_t)(d->frame_done % MASK_KEY_LEN));
    if (is_text) {
        size_t bad = 0;
        if (wss_utf8_feed(&d->utf8, p, n, &bad) == WSS_UTF8_INVALID)
            return FAIL(d, WSS_WS_CLOSE_INVALID_PAYLOAD, *i + bad, "invalid UTF-8 in text message");
    }
    ev->type = WSS_WS_FRAME_EV_DATA;
    ev->opcode = (enum wss_ws_opcode)d->msg_opcode;
    ev->data = p;
    ev->len = n;
    ev->frame_len = d->frame_len;
    ev->is_frame_start = d->frame_done == 0;
    ev->is_message_start = ev->is_frame_start && d->frame_opcode != WSS_WS_OP_CONTINUATION;
    d->frame_done += n;
    *i += n;
    ev->is_frame_end = d->frame_done == d->frame_len;
    ev->is_message_end = ev->is_frame_end && d->is_fin;
    if (ev->is_message_end && is_text && wss_utf8_finish(&d->utf8) != WSS_UTF8_OK)
        return FAIL(d, WSS_WS_CLOSE_INVALID_PAYLOAD, *i == 0 ? 0 : *i - 1,
                    "text message ends inside a UTF-8 sequence");
    if (ev->is_frame_end) {
        end_frame(d);
        if (ev->is_message_end)
            d->msg_opcode = 0;
    }
    return 1;
}

int wss_ws_frame_decode(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len,
                        struct wss_ws_frame_event *ev, struct wss_ws_frame_err *err)
{
    size_t i = 0;
    int rc;

    memset(ev, 0, sizeof(*ev));
    ev->type = WSS_WS_FRAME_EV_NONE;
    if (d->fail_code != 0)
        return FAIL(d, d->fail_code, 0, "connection already failed with close code %u",
                    (unsigned)d->fail_code);
    if (len > INT_MAX)
        len = INT_MAX;
    if (d->is_closed)
        return (int)len;
    if (d->phase == PH_HEADER) {
        rc = read_header(d, buf, len, &i, err);
        if (rc <= 0)
            return rc < 0 ? rc : (int)i;
    }
    if (is_control(d->frame_opcode))
        rc = read_control(d, buf, len, &i, ev, err);
    else
        rc = read_data(d, buf, len, &i, ev, err);
    if (rc < 0) {
        memset(ev, 0, sizeof(*ev));
        return rc;
    }
    return (int)i;
}

size_t wss_ws_frame_encode_header(uint8_t out[WSS_WS_FRAME_HEADER_MAX], enum wss_ws_opcode opcode,
                                  bool is_fin, uint64_t payload_len, const uint8_t *mask_key)
{
    size_t n;
    uint8_t mask_bit = mask_key != NULL ? HDR_MASK : 0;

    if (!is_known_opcode((unsigned)opcode) || (payload_len & LEN64_TOP_BIT) != 0)
        return 0;
    if (is_control((unsigned)opcode) && (!is_fin || payload_len > WSS_WS_FRAME_CONTROL_MAX))
        return 0;
    out[0] = (uint8_t)((is_fin ? HDR_FIN : 0) | (unsigned)opcode);
    if (payload_len <= WSS_WS_FRAME_CONTROL_MAX) {
        out[1] = (uint8_t)(mask_bit | payload_len);
        n = 2;
    } else if (payload_len <= LEN16_MAX) {
        out[1] = mask_bit | LEN7_IS_16BIT;
        out[2] = (uint8_t)(payload_len >> 8);
        out[3] = (uint8_t)payload_len;
        n = 4;
    } else {
        out[1] = mask_bit | LEN7_IS_64BIT;
        for (n = 2; n < 10; n++)
            out[n] = (uint8_t)(payload_len >> (8 * (9 - n)));
    }
    if (mask_key != NULL) {
        memcpy(out + n, mask_key, MASK_KEY_LEN);
        n += MASK_KEY_LEN;
    }
    return n;
}

void wss_ws_frame_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t key_offset)
{
    /* The key repeated twice, rotated to the offset: k[j] == key[(key_offset + j) % 4] for every
     * j, so byte i of p is XORed with k[i % 8]. */
    uint8_t k[MASK_WORD_BYTES];
    uint64_t kw;
    size_t i = 0;

    for (size_t j = 0; j < MASK_WORD_BYTES; j++)
        k[j] = key[(key_offset + j) % MASK_KEY_LEN];
    memcpy(&kw, k, sizeof(kw));
    for (; n - i >= MASK_WORD_BYTES; i += MASK_WORD_BYTES) {
        uint64_t w;
        memcpy(&w, p + i, sizeof(w));
        w ^= kw;
        memcpy(p + i, &w, sizeof(w));
    }
    for (; i < n; i++)
        p[i] ^= k[i % MASK_WORD_BYTES];
}

bool wss_ws_frame_close_code_is_valid(uint16_t code)
{
    /* 1004-1006 and 1015 are reserved and must never be sent; 1012-1014 are IANA-registered;
     * 1016-2999 are unassigned; 3000-4999 are for libraries and applications. */
    if (code >= WSS_WS_CLOSE_NORMAL && code <= WSS_WS_CLOSE_UNSUPPORTED)
        return true;
    if (code >= WSS_WS_CLOSE_INVALID_PAYLOAD && code <= WSS_WS_CLOSE_IANA_LAST)
        return true;
    return code >= WSS_WS_CLOSE_APP_FIRST && code <= WSS_WS_CLOSE_APP_LAST;
}

int wss_ws_frame_close_parse(const uint8_t *p, size_t len, uint16_t *code, const uint8_t **reason,
                             size_t *reason_len, struct wss_ws_frame_err *err)
{
    size_t bad = 0;
    struct wss_utf8 v = {0};
    enum wss_utf8_result r;
    uint16_t c;

    if (len == 0) {
        *code = WSS_WS_CLOSE_NO_STATUS;
        *reason = p;
        *reason_len = 0;
        return 0;
    }
    if (len == 1)
        return FAIL(NULL, WSS_WS_CLOSE_PROTOCOL_ERROR, 0,
                    "close payload of 1 byte cannot hold a code");
    if (len > WSS_WS_FRAME_CONTROL_MAX)
        return FAIL(NULL, WSS_WS_CLOSE_PROTOCOL_ERROR, WSS_WS_FRAME_CONTROL_MAX,
                    "close payload over %d bytes", WSS_WS_FRAME_CONTROL_MAX);
    c = (uint16_t)(p[0] << 8 | p[1]);
    if (!wss_ws_frame_close_code_is_valid(c))
        return FAIL(NULL, WSS_WS_CLOSE_PROTOCOL_ERROR, 0,
                    "close code %u is not allowed on the wire", (unsigned)c);
    r = wss_utf8_feed(&v, p + 2, len - 2, &bad);
    if (r == WSS_UTF8_INVALID)
        return FAIL(NULL, WSS_WS_CLOSE_INVALID_PAYLOAD, 2 + bad, "close reason is not valid UTF-8");
    if (r == WSS_UTF8_INCOMPLETE)
        return FAIL(NULL, WSS_WS_CLOSE_INVALID_PAYLOAD, len,
                    "close reason ends inside a UTF-8 sequence");
    *code = c;
    *reason = p + 2;
    *reason_len = len - 2;
    return (int)len;
}

size_t wss_ws_frame_close_payload(uint8_t out[WSS_WS_FRAME_CONTROL_MAX], uint16_t code,
                                  const char *reason, size_t reason_len)
{
    if (code == WSS_WS_CLOSE_NO_STATUS)
        return 0;
    out[0] = (uint8_t)(code >> 8);
    out[1] = (uint8_t)code;
    if (reason == NULL)
        reason_len = 0;
    if (reason_len > WSS_WS_FRAME_CLOSE_REASON_MAX) {
        reason_len = WSS_WS_FRAME_CLOSE_REASON_MAX;
        /* Back off to the start of the code point that would be cut. */
        while (reason_len > 0 && ((uint8_t)reason[reason_len] & UTF8_CONT_MASK) == UTF8_CONT_VALUE)
            reason_len--;
    }
    if (reason_len > 0)
        memcpy(out + 2, reason, reason_len);
    return 2 + reason_len;
}
