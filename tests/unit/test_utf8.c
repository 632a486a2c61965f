/* SPDX-License-Identifier: Apache-2.0 */
/* test_utf8.c: the incremental UTF-8 validator: valid and invalid tables, fail-fast offsets,
 * splits at every position, and an exhaustive comparison with a code-point decoding oracle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/utf8.h"

struct bytes {
    const char *name;
    const char *s;
    size_t len;
};

#define B(name, lit)                                                                               \
    {                                                                                              \
        name, lit, sizeof(lit) - 1                                                                 \
    }

static const struct bytes valid_cases[] = {
    B("empty", ""),
    B("ascii", "Hello-\x7F"),
    B("two-byte boundaries U+0080 and U+07FF", "\xC2\x80\xDF\xBF"),
    B("three-byte boundaries U+0800 and U+FFFF", "\xE0\xA0\x80\xEF\xBF\xBF"),
    B("four-byte boundaries U+10000 and U+10FFFF", "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"),
    B("around the surrogates U+D7FF and U+E000", "\xED\x9F\xBF\xEE\x80\x80"),
    B("noncharacters U+FFFE and U+FDD0", "\xEF\xBF\xBE\xEF\xB7\x90"),
    B("greek kosme", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"),
    B("mixed ascii and emoji", "chat \xF0\x9F\x92\xAC ok"),
};

/* bad_at is the index of the first byte that makes the prefix impossible to complete. */
static const struct {
    struct bytes in;
    size_t bad_at;
} invalid_cases[] = {
    {B("lone continuation", "\x80"), 0},
    {B("continuation after ascii", "ab\xBF"), 2},
    {B("C0 is always overlong", "\xC0\xAF"), 0},
    {B("C1 is always overlong", "\xC1\xBF"), 0},
    {B("overlong three-byte slash", "\xE0\x80\xAF"), 1},
    {B("overlong three-byte U+07FF", "\xE0\x9F\xBF"), 1},
    {B("overlong four-byte", "\xF0\x8F\xBF\xBF"), 1},
    {B("high surrogate U+D800", "\xED\xA0\x80"), 1},
    {B("low surrogate U+DFFF", "\xED\xBF\xBF"), 1},
    {B("above U+10FFFF", "\xF4\x90\x80\x80"), 1},
    {B("F5 lead", "\xF5\x80\x80\x80"), 0},
    {B("FE", "\xFE"), 0},
    {B("FF", "\xFF"), 0},
    {B("two-byte lead then ascii", "\xC2\x41"), 1},
    {B("three-byte sequence cut by ascii", "\xE2\x82\x41"), 2},
    {B("autobahn 6.4.1: kosme then a surrogate",
       "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80\x65\x64\x69\x74\x65\x64"),
     12},
    {B("autobahn 6.4.2: kosme then F4 90", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xF4\x90"),
     12},
};

static const struct bytes incomplete_cases[] = {
    B("two-byte lead", "\xC2"),
    B("three-byte lead and one continuation", "\xE2\x82"),
    B("four-byte lead and two continuations", "ok\xF0\x9F\x92"),
    B("E0 with a valid second byte", "\xE0\xA0"),
};

static enum wss_utf8_result feed_all(const struct bytes *b, size_t *bad_at)
{
    struct wss_utf8 v = {0};
    return wss_utf8_feed(&v, (const uint8_t *)b->s, b->len, bad_at);
}

static void accepts_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct bytes *c = &valid_cases[i];
        struct wss_utf8 v = {0};
        print_message("case: %s\n", c->name);
        assert_int_equal(wss_utf8_feed(&v, (const uint8_t *)c->s, c->len, NULL), WSS_UTF8_OK);
        assert_int_equal(wss_utf8_finish(&v), WSS_UTF8_OK);
        assert_true(wss_utf8_is_valid((const uint8_t *)c->s, c->len));
    }
}

static void rejects_invalid_table_at_first_bad_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        size_t bad_at = 999;
        print_message("case: %s\n", invalid_cases[i].in.name);
        assert_int_equal(feed_all(&invalid_cases[i].in, &bad_at), WSS_UTF8_INVALID);
        assert_int_equal(bad_at, invalid_cases[i].bad_at);
        assert_false(
            wss_utf8_is_valid((const uint8_t *)invalid_cases[i].in.s, invalid_cases[i].in.len));
    }
}

static void reports_incomplete_at_message_end(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(incomplete_cases) / sizeof(incomplete_cases[0]); i++) {
        const struct bytes *c = &incomplete_cases[i];
        struct wss_utf8 v = {0};
        print_message("case: %s\n", c->name);
        assert_int_equal(wss_utf8_feed(&v, (const uint8_t *)c->s, c->len, NULL),
                         WSS_UTF8_INCOMPLETE);
        assert_int_equal(wss_utf8_finish(&v), WSS_UTF8_INCOMPLETE);
        assert_false(wss_utf8_is_valid((const uint8_t *)c->s, c->len));
    }
}

static void valid_text_split_at_every_position_is_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct bytes *c = &valid_cases[i];
        for (size_t cut = 0; cut <= c->len; cut++) {
            struct wss_utf8 v = {0};
            enum wss_utf8_result r = wss_utf8_feed(&v, (const uint8_t *)c->s, cut, NULL);
            assert_int_not_equal(r, WSS_UTF8_INVALID);
            r = wss_utf8_feed(&v, (const uint8_t *)c->s + cut, c->len - cut, NULL);
            assert_int_equal(r, WSS_UTF8_OK);
        }
        /* and one byte at a time */
        struct wss_utf8 v = {0};
        for (size_t k = 0; k < c->len; k++)
            assert_int_not_equal(wss_utf8_feed(&v, (const uint8_t *)c->s + k, 1, NULL),
                                 WSS_UTF8_INVALID);
        assert_int_equal(wss_utf8_finish(&v), WSS_UTF8_OK);
    }
}

static void fails_fast_in_the_chunk_that_breaks_the_prefix(void **state)
{
    (void)state;
    /* Autobahn 6.4.3: a valid start, then a chunk whose second byte is impossible, then more. */
    const uint8_t part1[] = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5";
    const uint8_t part2[] = "\xF4\x90\x80\x80";
    const uint8_t part3[] = "edited";
    struct wss_utf8 v = {0};
    size_t bad_at = 999;

    assert_int_equal(wss_utf8_feed(&v, part1, sizeof(part1) - 1, NULL), WSS_UTF8_OK);
    assert_int_equal(wss_utf8_feed(&v, part2, 1, NULL), WSS_UTF8_INCOMPLETE);
    assert_int_equal(wss_utf8_feed(&v, part2 + 1, 3, &bad_at), WSS_UTF8_INVALID);
    assert_int_equal(bad_at, 0);
    /* invalid is sticky until reset */
    assert_int_equal(wss_utf8_feed(&v, part3, sizeof(part3) - 1, NULL), WSS_UTF8_INVALID);
    assert_int_equal(wss_utf8_finish(&v), WSS_UTF8_INVALID);
    wss_utf8_reset(&v);
    assert_int_equal(wss_utf8_feed(&v, part3, sizeof(part3) - 1, NULL), WSS_UTF8_OK);
}

static void ascii_fast_path_reports_exact_offset(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (size_t pos = 0; pos < sizeof(buf); pos++) {
        size_t bad_at = 999;
        struct wss_utf8 v = {0};
        memset(buf, 'a', sizeof(buf));
        buf[pos] = 0xFF;
        assert_int_equal(wss_utf8_feed(&v, buf, sizeof(buf), &bad_at), WSS_UTF8_INVALID);
        assert_int_equal(bad_at, pos);
    }
}

/* The oracle: decode code points the slow, obvious way. */
static bool oracle_is_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t need;
        uint32_t min;
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i - 1 < need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

static void agrees_with_oracle_on_all_short_sequences(void **state)
{
    (void)state;
    uint8_t b[4];
    /* every 1- and 2-byte sequence */
    for (unsigned x = 0; x < 256; x++) {
        b[0] = (uint8_t)x;
        assert_int_equal(wss_utf8_is_valid(b, 1), oracle_is_valid(b, 1));
        for (unsigned y = 0; y < 256; y++) {
            b[1] = (uint8_t)y;
            assert_int_equal(wss_utf8_is_valid(b, 2), oracle_is_valid(b, 2));
        }
    }
    /* every 3-byte sequence with a multi-byte lead */
    for (unsigned x = 0xC0; x < 256; x++)
        for (unsigned y = 0; y < 256; y++)
            for (unsigned z = 0; z < 256; z++) {
                b[0] = (uint8_t)x, b[1] = (uint8_t)y, b[2] = (uint8_t)z;
                assert_int_equal(wss_utf8_is_valid(b, 3), oracle_is_valid(b, 3));
            }
    /* 4-byte sequences: every lead and second byte, edge values for the rest */
    static const uint8_t edges[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF};
    for (unsigned x = 0xE0; x < 256; x++)
        for (unsigned y = 0; y < 256; y++)
            for (size_t z = 0; z < sizeof(edges); z++)
                for (size_t w = 0; w < sizeof(edges); w++) {
                    b[0] = (uint8_t)x, b[1] = (uint8_t)y, b[2] = edges[z], b[3] = edges[w];
                    assert_int_equal(wss_utf8_is_valid(b, 4), oracle_is_valid(b, 4));
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_valid_table),
        cmocka_unit_test(rejects_invalid_table_at_first_bad_byte),
        cmocka_unit_test(reports_incomplete_at_message_end),
        cmocka_unit_test(valid_text_split_at_every_position_is_valid),
        cmocka_unit_test(fails_fast_in_the_chunk_that_breaks_the_prefix),
        cmocka_unit_test(ascii_fast_path_reports_exact_offset),
        cmocka_unit_test(agrees_with_oracle_on_all_short_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
