/* SPDX-License-Identifier: Apache-2.0 */
/* test_duration.c: Go-style duration text to milliseconds and back, exact errors for bad text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/duration.h"

struct good {
    const char *text;
    int64_t ms;
};

struct bad {
    const char *text;
    size_t len; /* 0: strlen(text) */
    size_t offset;
    const char *msg;
};

static void parses_go_style_durations_exactly(void **state)
{
    (void)state;
    static const struct good cases[] = {
        {"0", 0},
        {"0s", 0},
        {"0ms", 0},
        {"1s", 1000},
        {"500ms", 500},
        {"2m", 120000},
        {"1h", 3600000},
        {"1h30m", 5400000},
        {"1h1m1s1ms", 3661001},
        {"1.5s", 1500},
        {"1.1s", 1100}, /* no floating-point drift */
        {"0.1s", 100},
        {"0.001s", 1},
        {".5s", 500},
        {"1.s", 1000},
        {"1.5h", 5400000},
        {"0.001h", 3600},
        {"1m0.5s", 60500},
        {"1000us", 1},
        {"2000000ns", 2},
        {"500us500us", 1}, /* only the total must be whole milliseconds */
        {"00001s", 1000},
        {"1.500000000000000000000000s", 1500},
        {"2562047h47m16.854s", WSS_DURATION_MAX_MS},
        {"9223372036854ms", WSS_DURATION_MAX_MS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_parse_err err = {0};
        int64_t ms = -1;
        size_t len = strlen(cases[i].text);
        int rc = wss_duration_parse(cases[i].text, len, &ms, &err);
        if (rc != (int)len)
            fail_msg("%s: rc %d, %s", cases[i].text, rc, err.msg);
        if (ms != cases[i].ms)
            fail_msg("%s: got %lld ms, want %lld", cases[i].text, (long long)ms,
                     (long long)cases[i].ms);
    }
}

static void rejects_bad_text_with_offset_and_message(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"", 0, 0, "empty duration"},
        {"-1s", 0, 0, "negative durations are not allowed"},
        {"+1s", 0, 0, "unexpected '+': durations take no sign"},
        {"5", 0, 1, "missing unit after \"5\""},
        {"00", 0, 2, "missing unit after \"00\""},
        {"1h30", 0, 4, "missing unit after \"30\""},
        {"fast", 0, 0, "expected a number at 'f'"},
        {".", 0, 0, "expected a number at '.'"},
        {"1h ", 0, 2, "expected a number at ' '"},
        {"1x", 0, 1, "unknown unit \"x\""},
        {"1S", 0, 1, "unknown unit \"S\""},
        {"1mh", 0, 1, "unknown unit \"mh\""},
        {"1abcdefghijklmnopqrstuvwxyz", 0, 1, "unknown unit \"abcdefghijklmnopqrstuvwx...\""},
        {"1 s", 0, 1, "unexpected ' ' after \"1\""},
        {"1.2.3s", 0, 3, "unexpected '.' after \"1.2\""},
        {"1\x01s", 0, 1, "unexpected \\x01 after \"1\""},
        {"1s\0", 3, 2, "expected a number at \\x00"},
        {"1.5us", 0, 0, "not a whole number of milliseconds"},
        {"1ns", 0, 0, "not a whole number of milliseconds"},
        {"0.0000000001s", 0, 0, "not a whole number of milliseconds"},
        {"1.0000000000000000001h", 0, 0, "not a whole number of milliseconds"},
        {"9223372036855s", 0, 0, "too large, the maximum is 2562047h47m16.854s"},
        {"2562048h", 0, 0, "too large, the maximum is 2562047h47m16.854s"},
        {"99999999999999999999999s", 0, 0, "too large, the maximum is 2562047h47m16.854s"},
        {"1h2562047h", 0, 2, "too large, the maximum is 2562047h47m16.854s"},
        {"2562047h47m16.855s", 0, 11, "too large, the maximum is 2562047h47m16.854s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_parse_err err = {0};
        int64_t ms = 12345;
        size_t len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].text);
        int rc = wss_duration_parse(cases[i].text, len, &ms, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("%s: accepted as %lld ms", cases[i].text, (long long)ms);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fail_msg("%s: got \"%s\" at %zu, want \"%s\" at %zu", cases[i].text, err.msg,
                     err.offset, cases[i].msg, cases[i].offset);
        assert_int_equal(ms, 12345); /* untouched on failure */
    }
}

static void reads_only_len_bytes(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(wss_duration_parse("1s500", 2, &ms, NULL), 2);
    assert_int_equal(ms, 1000);
    assert_int_equal(wss_duration_parse("0s", 1, &ms, NULL), 1);
    assert_int_equal(ms, 0);
}

static void formats_shortest_exact_text(void **state)
{
    (void)state;
    static const struct good cases[] = {
        {"0s", 0},          {"1ms", 1},
        {"500ms", 500},     {"1s", 1000},
        {"1.5s", 1500},     {"1.25s", 1250},
        {"1.001s", 1001},   {"2m", 120000},
        {"1m30s", 90000},   {"1h", 3600000},
        {"1h30m", 5400000}, {"1h0.5s", 3600500},
        {"24h", 86400000},  {"2562047h47m16.854s", WSS_DURATION_MAX_MS},
        {"-1.5s", -1500},   {"-2562047788015h12m55.808s", INT64_MIN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[WSS_DURATION_TEXT_MAX];
        int n = wss_duration_format(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(n, strlen(cases[i].text));
    }
}

static void format_fails_cleanly_when_buffer_is_short(void **state)
{
    (void)state;
    char buf[8] = "xxxxxxx";
    assert_int_equal(wss_duration_format(1500, buf, 4), -1);
    assert_string_equal(buf, "");
    assert_int_equal(wss_duration_format(1500, buf, 5), 4);
    assert_string_equal(buf, "1.5s");
    assert_int_equal(wss_duration_format(1500, buf, 0), -1);
    char big[WSS_DURATION_TEXT_MAX];
    assert_int_equal(wss_duration_format(INT64_MIN, big, 26), 25);
    assert_int_equal(wss_duration_format(INT64_MIN, big, 25), -1);
}

static void formatted_text_parses_back_to_the_same_value(void **state)
{
    (void)state;
    static const int64_t values[] = {
        0,
        1,
        999,
        1000,
        1001,
        59999,
        60000,
        3599999,
        3600000,
        3600001,
        86399999,
        INT64_C(123456789012),
        WSS_DURATION_MAX_MS,
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char buf[WSS_DURATION_TEXT_MAX];
        int n = wss_duration_format(values[i], buf, sizeof(buf));
        assert_true(n > 0);
        int64_t back = -1;
        assert_int_equal(wss_duration_parse(buf, (size_t)n, &back, NULL), n);
        assert_int_equal(back, values[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_go_style_durations_exactly),
        cmocka_unit_test(rejects_bad_text_with_offset_and_message),
        cmocka_unit_test(reads_only_len_bytes),
        cmocka_unit_test(formats_shortest_exact_text),
        cmocka_unit_test(format_fails_cleanly_when_buffer_is_short),
        cmocka_unit_test(formatted_text_parses_back_to_the_same_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
