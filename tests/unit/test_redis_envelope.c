/* SPDX-License-Identifier: Apache-2.0 */
/* test_redis_envelope.c: the pub/sub envelope of room messages: good envelopes of both kinds and
 * any payload, the format -> parse round trip, and every rejection with its text and offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "redis_envelope.h"

#define LEN(s) (sizeof(s) - 1)

static void parses_origin_kind_and_payload(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        uint64_t origin;
        bool is_text;
        const char *payload;
        size_t payload_len;
    } cases[] = {
        {"wss1 0123456789abcdef t hello", LEN("wss1 0123456789abcdef t hello"),
         UINT64_C(0x0123456789abcdef), true, "hello", 5},
        {"wss1 ffffffffffffffff b \x00\xff\r\n", LEN("wss1 ffffffffffffffff b \x00\xff\r\n"),
         UINT64_MAX, false, "\x00\xff\r\n", 4},
        {"wss1 0000000000000000 t ", 24, REDIS_ENVELOPE_ORIGIN_EXTERNAL, true, "", 0},
        {"wss1 00000000000000a1 t caf\xc3\xa9 wss1 ",
         LEN("wss1 00000000000000a1 t caf\xc3\xa9 wss1 "), 0xa1, true, "caf\xc3\xa9 wss1 ", 11},
        {"wss1 00000000000000a1 b ", 24, 0xa1, false, "", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct redis_envelope env;
        struct wss_parse_err err;
        int rc = redis_envelope_parse((const uint8_t *)cases[i].in, cases[i].len, &env, &err);
        if (rc != (int)cases[i].len)
            fail_msg("case %zu: rc %d (%s)", i, rc, rc < 0 ? err.msg : "");
        assert_true(env.origin == cases[i].origin);
        assert_int_equal(env.is_text, cases[i].is_text);
        assert_int_equal(env.payload_len, cases[i].payload_len);
        assert_memory_equal(env.payload, cases[i].payload, cases[i].payload_len);
        assert_ptr_equal(env.payload, (const uint8_t *)cases[i].in + REDIS_ENVELOPE_HEADER_LEN);
    }
}

static void a_formatted_header_parses_back(void **state)
{
    (void)state;
    static const uint64_t origins[] = {0, 1, UINT64_C(0x8000000000000000), UINT64_MAX,
                                       UINT64_C(0x0123456789abcdef)};
    for (size_t i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
        for (int text = 0; text < 2; text++) {
            uint8_t buf[REDIS_ENVELOPE_HEADER_LEN + 3];
            redis_envelope_format_header((char *)buf, origins[i], text);
            memcpy(buf + REDIS_ENVELOPE_HEADER_LEN, "abc", 3);
            struct redis_envelope env;
            assert_int_equal(redis_envelope_parse(buf, sizeof(buf), &env, NULL), sizeof(buf));
            assert_true(env.origin == origins[i]);
            assert_int_equal(env.is_text, text);
            assert_int_equal(env.payload_len, 3);
        }
    }
    char hdr[REDIS_ENVELOPE_HEADER_LEN + 1] = {0};
    redis_envelope_format_header(hdr, UINT64_C(0x00000000deadbeef), false);
    assert_string_equal(hdr, "wss1 00000000deadbeef b ");
}

static void rejects_what_is_not_an_envelope_and_says_why(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        size_t offset;
        const char *msg;
    } cases[] = {
        {"", 0, 0, "envelope of 0 bytes ends inside \"wss1 \""},
        {"wss", 3, 3, "envelope of 3 bytes ends inside \"wss1 \""},
        {"wss2 0123456789abcdef t x", 25, 3, "envelope does not start with \"wss1 \": '2' at 3"},
        {"\x80ss1 0123456789abcdef t x", 25, 0,
         "envelope does not start with \"wss1 \": \\x80 at 0"},
        {"wss1 0123", 9, 9, "envelope of 9 bytes is shorter than its 24-byte header"},
        {"wss1 0123456789ABCDEF t x", 25, 15, "origin has 'A' at 15; want 16 lowercase hex digits"},
        {"wss1 0123456789abcde t xx", 25, 20, "origin has ' ' at 20; want 16 lowercase hex digits"},
        {"wss1 0123456789abcdef_t x", 25, 21, "missing space after the origin"},
        {"wss1 0123456789abcdef x x", 25, 22, "kind is 'x'; want 't' (text) or 'b' (binary)"},
        {"wss1 0123456789abcdef tx", 24, 23, "missing space after the kind"},
        {"wss1 0123456789abcdef t ab\xff", 27, 26, "text payload is not UTF-8 at byte 26"},
        {"wss1 0123456789abcdef t \xed\xa0\x80", 27, 25, "text payload is not UTF-8 at byte 25"},
        {"wss1 0123456789abcdef t ab\xc3", 27, 27, "text payload ends inside a UTF-8 sequence"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct redis_envelope env;
        struct wss_parse_err err;
        int rc = redis_envelope_parse((const uint8_t *)cases[i].in, cases[i].len, &env, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("case %zu (%s): rc %d, want invalid", i, cases[i].msg, rc);
        assert_string_equal(err.msg, cases[i].msg);
        if (err.offset != cases[i].offset)
            fail_msg("case %zu (%s): offset %zu, want %zu", i, cases[i].msg, err.offset,
                     cases[i].offset);
    }
    /* The same bytes as binary are fine: only text must be UTF-8. */
    struct redis_envelope env;
    assert_int_equal(
        redis_envelope_parse((const uint8_t *)"wss1 0123456789abcdef b ab\xff", 27, &env, NULL),
        27);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_origin_kind_and_payload),
        cmocka_unit_test(a_formatted_header_parses_back),
        cmocka_unit_test(rejects_what_is_not_an_envelope_and_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
