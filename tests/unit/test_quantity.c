/* SPDX-License-Identifier: Apache-2.0 */
/* test_quantity.c: Quantity text both ways: the spec's table, rounding, overflow, bad input. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/quantity.h"

/* Marks a value the parser must leave alone on failure. */
#define UNTOUCHED INT64_C(0x5eed5eed)

struct good_case {
    const char *text;
    int scale;
    int64_t value;
};

struct bad_case {
    const char *text;
    size_t offset;
    const char *msg;
};

/* Parses a NUL-terminated string; fails the test with the error text on a surprise. */
static int64_t parse_ok(const char *text, int scale)
{
    struct wss_parse_err err = {0};
    int64_t v = UNTOUCHED;
    int rc = wss_quantity_parse(text, strlen(text), scale, &v, &err);
    if (rc != (int)strlen(text))
        fail_msg("\"%s\" at 10^%d: rc %d: %s", text, scale, rc, err.msg);
    return v;
}

/* Every row of spec/custom-metrics-api.md §4's canonical table, as value x 10^scale. */
static const struct good_case canonical_table[] = {
    {"42", 0, 42},
    {"1500", 0, 1500},
    {"2k", 0, 2000},
    {"12k", 0, 12000},
    {"2500k", 0, 2500000},
    {"1M", 0, 1000000},
    {"1500m", -3, 1500},
    {"250m", -3, 250},
    {"12345m", -3, 12345},
    {"100u", -6, 100},
    {"100u", -9, 100000},
    {"0", 0, 0},
    {"1500m", -9, 1500000000},
    {"2k", -3, 2000000},
};

static void spec_table_formats_canonically(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(canonical_table) / sizeof(canonical_table[0]); i++) {
        const struct good_case *c = &canonical_table[i];
        char buf[WSS_QUANTITY_FORMAT_MAX];
        int n = wss_quantity_format(c->value, c->scale, buf, sizeof(buf));
        if (n != (int)strlen(c->text) || strcmp(buf, c->text) != 0)
            fail_msg("%lld x 10^%d: got \"%s\" (%d), want \"%s\"", (long long)c->value, c->scale,
                     buf, n, c->text);
    }
}

static void spec_table_parses_back_to_its_value(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(canonical_table) / sizeof(canonical_table[0]); i++) {
        const struct good_case *c = &canonical_table[i];
        int64_t v = parse_ok(c->text, c->scale);
        if (v != c->value)
            fail_msg("\"%s\" at 10^%d: got %lld, want %lld", c->text, c->scale, (long long)v,
                     (long long)c->value);
    }
}

/* The spec's "Parses:" list, in milli-units as the HPA reads them. */
static void spec_parse_examples_give_milli_values(void **state)
{
    (void)state;
    static const struct good_case cases[] = {
        {"12", -3, 12000},   {"1500m", -3, 1500},  {"1.5", -3, 1500},
        {"1k", -3, 1000000}, {"1Ki", -3, 1024000}, {"2e3", -3, 2000000},
        {"250m", -3, 250},   {"100u", -3, 1},      {"0", -3, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t milli = UNTOUCHED;
        struct wss_parse_err err = {0};
        int rc = wss_quantity_parse_milli(cases[i].text, strlen(cases[i].text), &milli, &err);
        if (rc != (int)strlen(cases[i].text) || milli != cases[i].value)
            fail_msg("\"%s\": rc %d value %lld, want %lld (%s)", cases[i].text, rc,
                     (long long)milli, (long long)cases[i].value, err.msg);
    }
}

static void accepts_every_form_kubernetes_accepts(void **state)
{
    (void)state;
    static const struct good_case cases[] = {
        /* signs, and decimals with an empty side */
        {"+5", -3, 5000},
        {"-5", -3, -5000},
        {"5.", -3, 5000},
        {".5", -3, 500},
        {"+.5", -3, 500},
        {"-5.", 0, -5},
        {"1.G", 0, 1000000000},
        {"00012", 0, 12},
        {"-0", 0, 0},
        {"+0.000", 0, 0},
        {"0.0m", -3, 0},
        /* decimal suffixes */
        {"1n", -9, 1},
        {"1u", -9, 1000},
        {"1m", -9, 1000000},
        {"1G", 0, 1000000000},
        {"1T", 0, INT64_C(1000000000000)},
        {"1P", 0, INT64_C(1000000000000000)},
        {"1E", 0, INT64_C(1000000000000000000)},
        {"9.2E", 0, INT64_C(9200000000000000000)},
        /* binary suffixes */
        {"1Mi", 0, 1048576},
        {"1Gi", 0, 1073741824},
        {"1Ti", 0, INT64_C(1099511627776)},
        {"1Pi", 0, INT64_C(1125899906842624)},
        {"1Ei", 0, INT64_C(1152921504606846976)},
        {"7Ei", 0, INT64_C(8070450532247928832)},
        {"1.5Gi", 0, 1610612736},
        {"0.5Ki", 0, 512},
        {"0.1Ki", -3, 102400},
        {"-1.5Ki", 0, -1536},
        /* exponents */
        {"1e3", 0, 1000},
        {"1E3", 0, 1000},
        {"1e+3", 0, 1000},
        {"1e03", 0, 1000},
        {"1e-3", -3, 1},
        {"1E-3", -3, 1},
        {"1e-0", 0, 1},
        {"12.5e-1", -3, 1250},
        {"0e99999", 0, 0},
        /* int64 edges */
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775807", 0, -INT64_MAX},
        {"9223372036854775807m", -3, INT64_MAX},
        {"9223372036854775.807", -3, INT64_MAX},
        {"9223372036854775807n", -9, INT64_MAX},
        {"9.223372036854775807E", 0, INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = parse_ok(cases[i].text, cases[i].scale);
        if (v != cases[i].value)
            fail_msg("\"%s\" at 10^%d: got %lld, want %lld", cases[i].text, cases[i].scale,
                     (long long)v, (long long)cases[i].value);
    }
}

/* MilliValue() rounds up; we round the magnitude up so that "-x" is always -("x"). */
static void rounds_sub_unit_values_away_from_zero(void **state)
{
    (void)state;
    static const struct good_case cases[] = {
        {"0.1m", -3, 1},
        {"1n", -3, 1},
        {"1.0001", -3, 1001},
        {"1.000000000000000000000000000000000000001", -3, 1001},
        {"1.000000000000000000000000000000000000000", -3, 1000},
        {"-1.5m", -3, -2},
        {"-0.1m", -3, -1},
        {"1e-1000000000", -3, 1},
        {"1e-9223372036854775807", -9, 1},
        {"0.1Ki", 0, 103},
        {"0.001Ki", 0, 2},
        {"0.0009765625Ki", 0, 1},
        {"0.00097656250000000000000000000000000000000000000000000000000000000000001Ki", 0, 2},
        {"1Ki", -9, 1024000000000},
        {"0.000000000000000000000000000000000000000000000000000000000000000001Ei", 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = parse_ok(cases[i].text, cases[i].scale);
        if (v != cases[i].value)
            fail_msg("\"%s\" at 10^%d: got %lld, want %lld", cases[i].text, cases[i].scale,
                     (long long)v, (long long)cases[i].value);
    }
}

static void rejects_malformed_text_with_a_reason(void **state)
{
    (void)state;
    static const char *suffix_help = ": want n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<integer>";
    static const struct bad_case cases[] = {
        {"", 0, "empty quantity"},
        {"1K", 1, "unknown suffix \"K\""},
        {"1 k", 1, "unknown suffix \" k\""},
        {"0x10", 1, "unknown suffix \"x10\""},
        {"1.2.3", 3, "more than one decimal point"},
        {"NaN", 0, "expected a number at \"NaN\""},
        {"Inf", 0, "expected a number at \"Inf\""},
        {"-", 1, "expected digits after the sign"},
        {"+", 1, "expected digits after the sign"},
        {".", 1, "expected digits around the decimal point"},
        {"-.", 2, "expected digits around the decimal point"},
        {"k", 0, "expected a number at \"k\""},
        {"--1", 1, "expected a number at \"--1\""},
        {" 1", 0, "expected a number at \" 1\""},
        {"1 ", 1, "unknown suffix \" \""},
        {"1e", 1, "unknown suffix \"e\""},
        {"1e+", 1, "unknown suffix \"e+\""},
        {"1e3.5", 1, "unknown suffix \"e3.5\""},
        {"1Kii", 1, "unknown suffix \"Kii\""},
        {"1i", 1, "unknown suffix \"i\""},
        {"1m3", 1, "unknown suffix \"m3\""},
        {"1,5", 1, "unknown suffix \",5\""},
        {"1\n", 1, "unknown suffix \"?\""},
        {"1\xd9\xa1", 1, "unknown suffix \"??\""},
        {"1e99999999999999999999", 1, "exponent \"e99999999999999999999\" out of range"},
        {"0e-9223372036854775808", 1, "exponent \"e-9223372036854775808\" out of range"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bad_case *c = &cases[i];
        struct wss_parse_err err = {0};
        int64_t v = UNTOUCHED;
        int rc = wss_quantity_parse_milli(c->text, strlen(c->text), &v, &err);
        if (rc != WSS_PARSE_INVALID || v != UNTOUCHED)
            fail_msg("\"%s\": rc %d value %lld, want a failure", c->text, rc, (long long)v);
        if (strncmp(err.msg, c->msg, strlen(c->msg)) != 0 || err.offset != c->offset)
            fail_msg("\"%s\": got \"%s\" at %zu, want \"%s\" at %zu", c->text, err.msg, err.offset,
                     c->msg, c->offset);
        /* An unknown suffix also says what would have been accepted. */
        if (strncmp(c->msg, "unknown suffix", strlen("unknown suffix")) == 0 &&
            strstr(err.msg, suffix_help) == NULL)
            fail_msg("\"%s\": \"%s\" lacks the list of suffixes", c->text, err.msg);
    }
}

/* Go clamps "8Ei" to 2^63-1 silently and MilliValue() overflows silently; we refuse. */
static void rejects_values_that_do_not_fit_int64(void **state)
{
    (void)state;
    static const struct good_case cases[] = {
        {"9223372036854775808", 0, 0},
        {"-9223372036854775808", 0, 0},
        {"8Ei", 0, 0},
        {"1E", -3, 0},
        {"9223372036854775.8071", -3, 0},
        {"9223372036854775807.5", 0, 0},
        {"1e19", 0, 0},
        {"1e9223372036854775807", 0, 0},
        {"100000000000000000000000000000000000000000000000000000000000000000000", 0, 0},
        {"16Ei", 18, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *text = cases[i].text;
        struct wss_parse_err err = {0};
        int64_t v = UNTOUCHED;
        int scale = cases[i].scale;
        if (i == sizeof(cases) / sizeof(cases[0]) - 1) {
            /* 16Ei is about 1.8e19: fits no int64 at the unit scale, but fits at 10^18. */
            assert_int_equal(wss_quantity_parse(text, strlen(text), scale, &v, &err),
                             (int)strlen(text));
            assert_int_equal(v, 19);
            scale = 0;
            v = UNTOUCHED;
        }
        int rc = wss_quantity_parse(text, strlen(text), scale, &v, &err);
        if (rc != WSS_PARSE_INVALID || v != UNTOUCHED)
            fail_msg("\"%s\" at 10^%d: rc %d value %lld, want out of range", text, scale, rc,
                     (long long)v);
        char want[WSS_PARSE_ERR_MSG_LEN];
        snprintf(want, sizeof(want),
                 "value out of range: more than 9223372036854775807 units of 10^%d", scale);
        assert_string_equal(err.msg, want);
        assert_int_equal(err.offset, 0);
    }
}

static void parses_only_len_bytes_of_the_buffer(void **state)
{
    (void)state;
    const char text[] = {'1', '5', '0', '0', 'm', 'X', 'Y'};
    int64_t v = 0;
    assert_int_equal(wss_quantity_parse(text, 5, WSS_QUANTITY_SCALE_MILLI, &v, NULL), 5);
    assert_int_equal(v, 1500);
    assert_int_equal(wss_quantity_parse(text, 6, WSS_QUANTITY_SCALE_MILLI, &v, NULL),
                     WSS_PARSE_INVALID);
}

static void rejects_bad_scale_and_oversized_length(void **state)
{
    (void)state;
    struct wss_parse_err err = {0};
    int64_t v = UNTOUCHED;
    assert_int_equal(wss_quantity_parse("1", 1, -10, &v, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "scale 10^-10 outside 10^-9..10^18");
    assert_int_equal(wss_quantity_parse("1", 1, 19, &v, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "scale 10^19 outside 10^-9..10^18");
    /* The length is checked before any byte is read. */
    assert_int_equal(wss_quantity_parse("1", (size_t)INT_MAX + 1, 0, &v, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "quantity longer than 2147483647 bytes");
    assert_int_equal(v, UNTOUCHED);
}

static void formats_signs_edges_and_every_suffix(void **state)
{
    (void)state;
    static const struct good_case cases[] = {
        {"0", -3, 0},
        {"0", 18, 0},
        {"-1500m", -3, -1500},
        {"-2", -3, -2000},
        {"1", -3, 1000},
        {"1m", -3, 1},
        {"10m", -3, 10},
        {"1n", -9, 1},
        {"10n", -9, 10},
        {"1u", -9, 1000},
        {"120u", -7, 1200},
        {"1G", 0, 1000000000},
        {"1T", 0, INT64_C(1000000000000)},
        {"1P", 0, INT64_C(1000000000000000)},
        {"1E", 0, INT64_C(1000000000000000000)},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"-9223372036854775808m", -3, INT64_MIN},
        {"9223372036854775807m", -3, INT64_MAX},
        {"9223372036854775807E", 18, INT64_MAX},
        {"1e21", 18, 1000},
        {"10e21", 18, 10000},
        {"1e36", 18, INT64_C(1000000000000000000)},
        {"5k", 3, 5},
        {"50k", 4, 5},
        {"500k", 5, 5},
        {"1024", 0, 1024},
        {"1048576", 0, 1048576},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[WSS_QUANTITY_FORMAT_MAX];
        int n = wss_quantity_format(cases[i].value, cases[i].scale, buf, sizeof(buf));
        if (n != (int)strlen(cases[i].text) || strcmp(buf, cases[i].text) != 0)
            fail_msg("%lld x 10^%d: got \"%s\" (%d), want \"%s\"", (long long)cases[i].value,
                     cases[i].scale, n >= 0 ? buf : "", n, cases[i].text);
    }
}

static void format_fails_without_room_or_with_bad_scale(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(wss_quantity_format_milli(1500, buf, 5), -1);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(wss_quantity_format_milli(1500, buf, 6), 5);
    assert_string_equal(buf, "1500m");
    assert_int_equal(wss_quantity_format(0, 0, buf, 1), -1);
    assert_int_equal(wss_quantity_format(0, 0, buf, 2), 1);
    assert_int_equal(wss_quantity_format(1, -10, buf, sizeof(buf)), -1);
    assert_int_equal(wss_quantity_format(1, 19, buf, sizeof(buf)), -1);
}

static void milli_values_round_trip_through_text(void **state)
{
    (void)state;
    static const int64_t values[] = {0,     1,       -1,      999,       1000,      1001,
                                     12345, 2500000, -999999, INT64_MAX, -INT64_MAX};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char buf[WSS_QUANTITY_FORMAT_MAX];
        int n = wss_quantity_format_milli(values[i], buf, sizeof(buf));
        assert_true(n > 0);
        int64_t back = parse_ok(buf, WSS_QUANTITY_SCALE_MILLI);
        if (back != values[i])
            fail_msg("%lld -> \"%s\" -> %lld", (long long)values[i], buf, (long long)back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_table_formats_canonically),
        cmocka_unit_test(spec_table_parses_back_to_its_value),
        cmocka_unit_test(spec_parse_examples_give_milli_values),
        cmocka_unit_test(accepts_every_form_kubernetes_accepts),
        cmocka_unit_test(rounds_sub_unit_values_away_from_zero),
        cmocka_unit_test(rejects_malformed_text_with_a_reason),
        cmocka_unit_test(rejects_values_that_do_not_fit_int64),
        cmocka_unit_test(parses_only_len_bytes_of_the_buffer),
        cmocka_unit_test(rejects_bad_scale_and_oversized_length),
        cmocka_unit_test(formats_signs_edges_and_every_suffix),
        cmocka_unit_test(format_fails_without_room_or_with_bad_scale),
        cmocka_unit_test(milli_values_round_trip_through_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
