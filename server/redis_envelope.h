/* SPDX-License-Identifier: Apache-2.0 */
/* redis_envelope.h: the text a room message travels in through Redis pub/sub:
 *     "wss1 " ORIGIN " " KIND " " PAYLOAD
 * ORIGIN is 16 lowercase hex digits naming the publishing server process (0000000000000000 is
 * reserved for publishers that are not servers), KIND is 't' (text, valid UTF-8) or 'b' (binary),
 * and PAYLOAD is the message's bytes, any length. A server skips envelopes of its own origin,
 * because it has already delivered those to its members directly.
 * Does not: allocate, do I/O, or know channels; pure functions over caller buffers.
 * Threads: pure; any thread. */
#ifndef WSSCALE_SERVER_REDIS_ENVELOPE_H
#define WSSCALE_SERVER_REDIS_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"

/* Bytes before the payload: "wss1 ", 16 hex digits, ' ', the kind, ' '. */
#define REDIS_ENVELOPE_HEADER_LEN 24

/* The origin no server uses: messages from other publishers carry it. */
#define REDIS_ENVELOPE_ORIGIN_EXTERNAL UINT64_C(0)

/* A parsed envelope; payload points into the parsed buffer. */
struct redis_envelope {
    uint64_t origin;
    bool is_text;
    const uint8_t *payload; /* borrowed: inside the input */
    size_t payload_len;
};

/* Writes the header for origin and kind into out. Pure; cannot fail. */
void redis_envelope_format_header(char out[REDIS_ENVELOPE_HEADER_LEN], uint64_t origin,
                                  bool is_text);

/* Parses a whole envelope p[0..len) (len <= INT_MAX); a text payload must be valid UTF-8.
 * Returns len, or WSS_PARSE_INVALID with err (if non-NULL) saying why and where. Pure. */
int redis_envelope_parse(const uint8_t *p, size_t len, struct redis_envelope *out,
                         struct wss_parse_err *err);

#endif
