/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_writer.c: JSON string escaping (quotes, backslash, control bytes, UTF-8 passed
 * through), keys, integers at their limits, agreement with cJSON, and the strbuf's cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "wsscale/json_writer.h"

struct string_case {
    const char *in;
    size_t len; /* explicit, so embedded NUL bytes are part of the input */
    const char *want;
};

#define CASE(lit, want)                                                                            \
    {                                                                                              \
        lit, sizeof(lit) - 1, want                                                                 \
    }

static const struct string_case string_cases[] = {
    CASE("", "\"\""),
    CASE("web-7", "\"web-7\""),
    CASE("say \"hi\"", "\"say \\\"hi\\\"\""),
    CASE("a\\b", "\"a\\\\b\""),
    CASE("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""),
    CASE("\x01x\x1f", "\"\\u0001x\\u001f\""),
    CASE("nul\0byte", "\"nul\\u0000byte\""),
    CASE("\x7f", "\"\x7f\""),
    CASE("/slash", "\"/slash\""),
    CASE("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""),
    CASE("\"\"", "\"\\\"\\\"\""),
    CASE("end\\", "\"end\\\\\""),
};

static void strings_are_quoted_and_escaped(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
        const struct string_case *c = &string_cases[i];
        struct wss_strbuf b = {0};
        assert_int_equal(wss_json_writer_string(&b, c->in, c->len), 0);
        assert_non_null(b.data);
        assert_string_equal(b.data, c->want);
        wss_strbuf_free(&b);
    }
}

/* Every byte value alone: what cJSON prints for it, and what cJSON reads back is the byte. */
static void every_single_byte_matches_cjson_and_round_trips(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, '\0'};
        struct wss_strbuf b = {0};
        assert_int_equal(wss_json_writer_cstring(&b, in), 0);
        cJSON *ref = cJSON_CreateString(in);
        char *printed = cJSON_PrintUnformatted(ref);
        assert_string_equal(b.data, printed);
        if (c < 0x80) { /* a lone byte >= 0x80 is not UTF-8; cJSON still passes it through */
            cJSON *back = cJSON_Parse(b.data);
            assert_non_null(back);
            assert_true(cJSON_IsString(back));
            assert_string_equal(back->valuestring, in);
            cJSON_Delete(back);
        }
        cJSON_free(printed);
        cJSON_Delete(ref);
        wss_strbuf_free(&b);
    }
}

static void only_the_given_length_is_written(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    assert_int_equal(wss_json_writer_string(&b, "abcdef", 3), 0);
    assert_string_equal(b.data, "\"abc\"");
    wss_strbuf_free(&b);
}

static void keys_are_escaped_and_followed_by_a_colon(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    assert_int_equal(wss_json_writer_key(&b, "kind"), 0);
    assert_int_equal(wss_json_writer_key(&b, "a\"b"), 0);
    assert_string_equal(b.data, "\"kind\":\"a\\\"b\":");
    wss_strbuf_free(&b);
}

static void integers_are_plain_decimal_at_their_limits(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-1, "-1"},
        {1000, "1000"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_strbuf b = {0};
        assert_int_equal(wss_json_writer_int(&b, cases[i].v), 0);
        assert_string_equal(b.data, cases[i].want);
        wss_strbuf_free(&b);
    }
}

/* A document assembled from the pieces parses as the object it means. */
static void pieces_make_a_document_cjson_reads(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    wss_strbuf_puts(&b, "{");
    wss_json_writer_key(&b, "name");
    wss_json_writer_cstring(&b, "line\nbreak \"q\"");
    wss_strbuf_puts(&b, ",");
    wss_json_writer_key(&b, "n");
    assert_int_equal(wss_json_writer_int(&b, -42), 0);
    assert_int_equal(wss_strbuf_puts(&b, "}"), 0);
    cJSON *doc = cJSON_Parse(b.data);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "name")->valuestring,
                        "line\nbreak \"q\"");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "n")->valueint, -42);
    cJSON_Delete(doc);
    wss_strbuf_free(&b);
}

/* Past the buffer's cap the call fails, and so does every later one. */
static void a_full_buffer_fails_and_stays_failed(void **state)
{
    (void)state;
    struct wss_strbuf b;
    wss_strbuf_init(&b, 8);
    assert_int_equal(wss_json_writer_cstring(&b, "abc"), 0);
    assert_int_equal(wss_json_writer_cstring(&b, "\n\n\n"), -1);
    assert_true(b.is_failed);
    assert_int_equal(wss_json_writer_int(&b, 1), -1);
    assert_int_equal(wss_json_writer_key(&b, ""), -1);
    wss_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_are_quoted_and_escaped),
        cmocka_unit_test(every_single_byte_matches_cjson_and_round_trips),
        cmocka_unit_test(only_the_given_length_is_written),
        cmocka_unit_test(keys_are_escaped_and_followed_by_a_colon),
        cmocka_unit_test(integers_are_plain_decimal_at_their_limits),
        cmocka_unit_test(pieces_make_a_document_cjson_reads),
        cmocka_unit_test(a_full_buffer_fails_and_stays_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
