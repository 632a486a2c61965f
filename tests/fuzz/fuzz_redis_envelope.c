/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_redis_envelope.c: libFuzzer target for redis_envelope_parse, the parser of everything that
 * arrives on a room channel (any Redis client may publish there).
 * Does not: talk to Redis.
 * Threads: libFuzzer's one thread. Invariants: the result is len or INVALID with offset <= len;
 * the payload is the input after the 24-byte header; a text payload is valid UTF-8; the header
 * formatted from the parsed origin and kind is byte for byte the input's (the format is
 * canonical), and the parsed envelope parses again to the same thing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "redis_envelope.h"
#include "wsscale/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct redis_envelope env;
    struct wss_parse_err err;
    int rc = redis_envelope_parse(data, size, &env, &err);
    if (rc < 0) {
        CHECK(rc == WSS_PARSE_INVALID);
        CHECK(err.offset <= size);
        CHECK(err.msg[0] != '\0');
        return 0;
    }
    CHECK((size_t)rc == size);
    CHECK(size >= REDIS_ENVELOPE_HEADER_LEN);
    CHECK(env.payload == data + REDIS_ENVELOPE_HEADER_LEN);
    CHECK(env.payload_len == size - REDIS_ENVELOPE_HEADER_LEN);
    if (env.is_text)
        CHECK(wss_utf8_is_valid(env.payload, env.payload_len));
    char hdr[REDIS_ENVELOPE_HEADER_LEN];
    redis_envelope_format_header(hdr, env.origin, env.is_text);
    CHECK(memcmp(hdr, data, REDIS_ENVELOPE_HEADER_LEN) == 0);

    uint8_t *copy = malloc(size);
    CHECK(copy != NULL);
    memcpy(copy, hdr, REDIS_ENVELOPE_HEADER_LEN);
    memcpy(copy + REDIS_ENVELOPE_HEADER_LEN, env.payload, env.payload_len);
    struct redis_envelope again;
    CHECK(redis_envelope_parse(copy, size, &again, NULL) == rc);
    CHECK(again.origin == env.origin && again.is_text == env.is_text);
    CHECK(again.payload_len == env.payload_len);
    free(copy);
    return 0;
}
