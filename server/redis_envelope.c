/* SPDX-License-Identifier: Apache-2.0 */
/* redis_envelope.c: formatting and strict parsing of the pub/sub envelope of room messages.
 * Does not: decide what to do with an envelope (redis_bus.c skips its own, delivers the rest).
 * Threads: pure. */
#include "redis_envelope.h"

#include <limits.h>
#include <string.h>

#include "wsscale/utf8.h"

/* "wss1 " */
#define MAGIC     "wss1 "
#define MAGIC_LEN 5
/* Where the origin's hex digits start and how many there are. */
#define ORIGIN_AT  MAGIC_LEN
#define ORIGIN_LEN 16
#define KIND_AT    (ORIGIN_AT + ORIGIN_LEN + 1)

_Static_assert(KIND_AT + 2 == REDIS_ENVELOPE_HEADER_LEN, "header layout");

static const char hex_digits[] = "0123456789abcdef";

void redis_envelope_format_header(char out[REDIS_ENVELOPE_HEADER_LEN], uint64_t origin,
                                  bool is_text)
{
    memcpy(out, MAGIC, MAGIC_LEN);
    for (int i = 0; i < ORIGIN_LEN; i++)
        out[ORIGIN_AT + i] = hex_digits[(origin >> (4 * (ORIGIN_LEN - 1 - i))) & 0xf];
    out[ORIGIN_AT + ORIGIN_LEN] = ' ';
    out[KIND_AT] = is_text ? 't' : 'b';
    out[KIND_AT + 1] = ' ';
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int redis_envelope_parse(const uint8_t *p, size_t len, struct redis_envelope *out,
                         struct wss_parse_err *err)
{
    char shown[WSS_PARSE_BYTE_TEXT_LEN];
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "envelope of %zu bytes is longer than %d", len, INT_MAX);
    size_t magic_ok = 0;
    while (magic_ok < MAGIC_LEN && magic_ok < len && p[magic_ok] == (uint8_t)MAGIC[magic_ok])
        magic_ok++;
    if (magic_ok < MAGIC_LEN) {
        if (magic_ok == len)
            return wss_parse_fail(err, len, "envelope of %zu bytes ends inside \"wss1 \"", len);
        wss_parse_describe_byte((char)p[magic_ok], shown);
        return wss_parse_fail(err, magic_ok, "envelope does not start with \"wss1 \": %s at %zu",
                              shown, magic_ok);
    }
    if (len < REDIS_ENVELOPE_HEADER_LEN)
        return wss_parse_fail(err, len, "envelope of %zu bytes is shorter than its %d-byte header",
                              len, REDIS_ENVELOPE_HEADER_LEN);
    uint64_t origin = 0;
    for (size_t i = ORIGIN_AT; i < ORIGIN_AT + ORIGIN_LEN; i++) {
        int v = hex_value(p[i]);
        if (v < 0) {
            wss_parse_describe_byte((char)p[i], shown);
            return wss_parse_fail(err, i, "origin has %s at %zu; want 16 lowercase hex digits",
                                  shown, i);
        }
        origin = origin << 4 | (uint64_t)v;
    }
    if (p[KIND_AT - 1] != ' ')
        return wss_parse_fail(err, KIND_AT - 1, "missing space after the origin");
    if (p[KIND_AT] != 't' && p[KIND_AT] != 'b') {
        wss_parse_describe_byte((char)p[KIND_AT], shown);
        return wss_parse_fail(err, KIND_AT, "kind is %s; want 't' (text) or 'b' (binary)", shown);
    }
    if (p[KIND_AT + 1] != ' ')
        return wss_parse_fail(err, KIND_AT + 1, "missing space after the kind");
    bool is_text = p[KIND_AT] == 't';
    const uint8_t *payload = p + REDIS_ENVELOPE_HEADER_LEN;
    size_t payload_len = len - REDIS_ENVELOPE_HEADER_LEN;
    if (is_text) {
        struct wss_utf8 v = {0};
        size_t bad = 0;
        if (wss_utf8_feed(&v, payload, payload_len, &bad) == WSS_UTF8_INVALID)
            return wss_parse_fail(err, REDIS_ENVELOPE_HEADER_LEN + bad,
                                  "text payload is not UTF-8 at byte %zu",
                                  REDIS_ENVELOPE_HEADER_LEN + bad);
        if (wss_utf8_finish(&v) != WSS_UTF8_OK)
            return wss_parse_fail(err, len, "text payload ends inside a UTF-8 sequence");
    }
    out->origin = origin;
    out->is_text = is_text;
    out->payload = payload;
    out->payload_len = payload_len;
    return (int)len;
}
