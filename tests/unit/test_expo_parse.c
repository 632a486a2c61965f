/* SPDX-License-Identifier: Apache-2.0 */
/* test_expo_parse.c: the sidecar's exposition parser: tables of good lines (comments, HELP,
 * TYPE, samples with labels, escapes, special values and timestamps), partial input, and bad
 * lines with the exact error text and offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "expo_parse.h"

#define MAX_LABELS 4
#define BUF_LEN    256

struct parsed {
    struct wss_label labels[MAX_LABELS];
    char buf[BUF_LEN];
    struct expo_line line;
    struct wss_parse_err err;
    int rc;
};

static void parse_one(const char *text, bool is_eof, struct parsed *p)
{
    memset(p, 0, sizeof(*p));
    p->line = (struct expo_line){
        .labels = p->labels, .labels_cap = MAX_LABELS, .buf = p->buf, .buf_len = BUF_LEN};
    struct expo_parser st = {0};
    p->rc = expo_parse_line(&st, text, strlen(text), is_eof, &p->line, &p->err);
}

static void assert_label(const struct wss_label *l, const char *key, const char *value)
{
    assert_int_equal(l->key_len, strlen(key));
    assert_memory_equal(l->key, key, l->key_len);
    assert_int_equal(l->value_len, strlen(value));
    if (l->value_len > 0)
        assert_memory_equal(l->value, value, l->value_len);
}

static void sample_lines_give_name_labels_value_and_timestamp(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *name;
        size_t nlabels;
        const char *k0, *v0, *k1, *v1;
        double value;
        bool has_ts;
        int64_t ts;
    } cases[] = {
        {"websocket_connections 7\n", "websocket_connections", 0, NULL, NULL, NULL, NULL, 7, false,
         0},
        {"a:b_c{} 1.5\n", "a:b_c", 0, NULL, NULL, NULL, NULL, 1.5, false, 0},
        {"m{pod=\"p-1\",room=\"\"} -2e3 1700000000000\n", "m", 2, "pod", "p-1", "room", "", -2000,
         true, INT64_C(1700000000000)},
        {"m { a = \"1\" , b=\"2\", }\t3\t-17 \n", "m", 2, "a", "1", "b", "2", 3, true, -17},
        {"  m{a=\"x\\\\y\\\"z\\nw\"} .5\n", "m", 1, "a", "x\\y\"z\nw", NULL, NULL, 0.5, false, 0},
        {"m{a=\"\xc3\xa9t\xc3\xa9\"} 5.\n", "m", 1, "a", "\xc3\xa9t\xc3\xa9", NULL, NULL, 5, false,
         0},
        {"m 1 9223372036854775807\n", "m", 0, NULL, NULL, NULL, NULL, 1, true, INT64_MAX},
        {"m 1 -9223372036854775808\n", "m", 0, NULL, NULL, NULL, NULL, 1, true, INT64_MIN},
        {"m 1E+2", "m", 0, NULL, NULL, NULL, NULL, 100, false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        parse_one(cases[i].text, true, &p);
        assert_int_equal(p.rc, (int)strlen(cases[i].text));
        assert_int_equal(p.line.kind, EXPO_LINE_SAMPLE);
        assert_int_equal(p.line.name_len, strlen(cases[i].name));
        assert_memory_equal(p.line.name, cases[i].name, p.line.name_len);
        assert_int_equal(p.line.nlabels, cases[i].nlabels);
        if (cases[i].nlabels > 0)
            assert_label(&p.line.labels[0], cases[i].k0, cases[i].v0);
        if (cases[i].nlabels > 1)
            assert_label(&p.line.labels[1], cases[i].k1, cases[i].v1);
        assert_true(p.line.value == cases[i].value);
        assert_int_equal(p.line.has_timestamp, cases[i].has_ts);
        assert_true(p.line.timestamp_ms == cases[i].ts);
    }
}

static void special_values_are_nan_and_infinities_in_any_case(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int sign; /* 0: NaN */
    } cases[] = {
        {"m NaN\n", 0}, {"m nan\n", 0}, {"m +Inf\n", 1},      {"m -Inf\n", -1},
        {"m inf\n", 1}, {"m INF\n", 1}, {"m +infinity\n", 1}, {"m -Infinity\n", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        parse_one(cases[i].text, false, &p);
        assert_int_equal(p.rc, (int)strlen(cases[i].text));
        if (cases[i].sign == 0)
            assert_true(isnan(p.line.value));
        else
            assert_true(isinf(p.line.value) && (p.line.value > 0) == (cases[i].sign > 0));
    }
}

static void comments_help_and_type_lines_are_told_apart(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum expo_line_kind kind;
        const char *name;
        const char *help;
        enum expo_type type;
    } cases[] = {
        {"\n", EXPO_LINE_BLANK, NULL, NULL, 0},
        {" \t \n", EXPO_LINE_BLANK, NULL, NULL, 0},
        {"# just a comment\n", EXPO_LINE_COMMENT, NULL, NULL, 0},
        {"#\n", EXPO_LINE_COMMENT, NULL, NULL, 0},
        {"# HELP\n", EXPO_LINE_COMMENT, NULL, NULL, 0},
        {"# HELPER m x\n", EXPO_LINE_COMMENT, NULL, NULL, 0},
        {"# help m lower-case keywords are comments\n", EXPO_LINE_COMMENT, NULL, NULL, 0},
        {"# HELP m Open connections.\n", EXPO_LINE_HELP, "m", "Open connections.", 0},
        {"#HELP m\n", EXPO_LINE_HELP, "m", "", 0},
        {"# HELP m a\\\\b\\nc \"q\"\n", EXPO_LINE_HELP, "m", "a\\b\nc \"q\"", 0},
        {"# TYPE m gauge\n", EXPO_LINE_TYPE, "m", NULL, EXPO_TYPE_GAUGE},
        {"# TYPE m_total counter \n", EXPO_LINE_TYPE, "m_total", NULL, EXPO_TYPE_COUNTER},
        {"# TYPE h histogram\n", EXPO_LINE_TYPE, "h", NULL, EXPO_TYPE_HISTOGRAM},
        {"# TYPE s summary\n", EXPO_LINE_TYPE, "s", NULL, EXPO_TYPE_SUMMARY},
        {"# TYPE u untyped\n", EXPO_LINE_TYPE, "u", NULL, EXPO_TYPE_UNTYPED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        parse_one(cases[i].text, false, &p);
        assert_int_equal(p.rc, (int)strlen(cases[i].text));
        assert_int_equal(p.line.kind, cases[i].kind);
        if (cases[i].name != NULL) {
            assert_int_equal(p.line.name_len, strlen(cases[i].name));
            assert_memory_equal(p.line.name, cases[i].name, p.line.name_len);
        }
        if (cases[i].help != NULL) {
            assert_int_equal(p.line.help_len, strlen(cases[i].help));
            assert_memory_equal(p.line.help, cases[i].help, p.line.help_len);
        }
        if (cases[i].kind == EXPO_LINE_TYPE)
            assert_int_equal(p.line.type, cases[i].type);
    }
    assert_string_equal(expo_type_name(EXPO_TYPE_HISTOGRAM), "histogram");
    assert_string_equal(expo_type_name(EXPO_TYPE_UNTYPED), "untyped");
}

static void values_without_escapes_point_into_the_input(void **state)
{
    (void)state;
    struct parsed p;
    const char *text = "m{a=\"plain\",b=\"x\\ny\"} 1\n";
    parse_one(text, false, &p);
    assert_int_equal(p.rc, (int)strlen(text));
    assert_ptr_equal(p.line.labels[0].value, text + 5);
    assert_true(p.line.labels[1].value >= p.buf && p.line.labels[1].value < p.buf + BUF_LEN);
}

static void partial_line_waits_for_more_bytes(void **state)
{
    (void)state;
    static const char *const partial[] = {"m 1", "# HELP m x", "m{a=\"b", "", "m{a=\"\\"};
    for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
        struct parsed p;
        parse_one(partial[i], false, &p);
        assert_int_equal(p.rc, WSS_PARSE_INCOMPLETE);
    }
    struct parsed p;
    parse_one("", true, &p);
    assert_int_equal(p.rc, 0);
}

static void stream_counts_lines_and_offsets_across_calls(void **state)
{
    (void)state;
    const char *text = "# TYPE m gauge\nm 1\nm{a=\"1\"} oops\n";
    struct wss_label labels[MAX_LABELS];
    char buf[BUF_LEN];
    struct expo_line l = {
        .labels = labels, .labels_cap = MAX_LABELS, .buf = buf, .buf_len = BUF_LEN};
    struct expo_parser st = {0};
    struct wss_parse_err err;
    size_t off = 0, len = strlen(text);
    int rc = expo_parse_line(&st, text, len, false, &l, &err);
    assert_int_equal(rc, 15);
    off += (size_t)rc;
    rc = expo_parse_line(&st, text + off, len - off, false, &l, &err);
    assert_int_equal(rc, 4);
    off += (size_t)rc;
    rc = expo_parse_line(&st, text + off, len - off, false, &l, &err);
    assert_int_equal(rc, WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "line 3: invalid value \"oops\"");
    assert_int_equal(err.offset, off + 9);
}

static void bad_lines_are_rejected_with_reason_and_offset(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t offset;
        const char *msg;
    } cases[] = {
        {"1m 1\n", 0, "line 1: invalid metric name: unexpected '1'"},
        {"m-x 1\n", 1, "line 1: unexpected '-' after metric name"},
        {"m\n", 1, "line 1: sample of m has no value"},
        {"m{} \n", 4, "line 1: sample of m has no value"},
        {"m 1x\n", 2, "line 1: invalid value \"1x\""},
        {"m 0x1p3\n", 2, "line 1: invalid value \"0x1p3\""},
        {"m 1_000\n", 2, "line 1: invalid value \"1_000\""},
        {"m +NaN\n", 2, "line 1: invalid value \"+NaN\""},
        {"m .\n", 2, "line 1: invalid value \".\""},
        {"m 1e\n", 2, "line 1: invalid value \"1e\""},
        {"m 1e999\n", 2, "line 1: value 1e999 is out of range"},
        {"m 1 2.5\n", 4, "line 1: invalid timestamp \"2.5\""},
        {"m 1 -\n", 4, "line 1: invalid timestamp \"-\""},
        {"m 1 9223372036854775808\n", 4, "line 1: timestamp is out of range"},
        {"m 1 2 3\n", 6, "line 1: text after the timestamp"},
        {"m{1a=\"x\"} 1\n", 2, "line 1: invalid label name: unexpected '1'"},
        {"m{a:b=\"x\"} 1\n", 3, "line 1: expected '=' after label name a"},
        {"m{a=x} 1\n", 4, "line 1: expected '\"' to open the value of label a"},
        {"m{a=\"x} 1\n", 4, "line 1: label value is missing its closing quote"},
        {"m{a=\"x\" b=\"y\"} 1\n", 8, "line 1: expected ',' or '}' after a label, found 'b'"},
        {"m{a=\"x\",\n", 8, "line 1: label set is missing its closing brace"},
        {"m{a=\"\\t\"} 1\n", 5, "line 1: invalid escape sequence \\'t' in label value"},
        {"m{a=\"\\", 5, "line 1: escape sequence cut short by the end of the line"},
        {"m{a=\"1\",a=\"2\"} 1\n", 8, "line 1: duplicate label name a"},
        {"m{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\"} 1\n", 26, "line 1: more than 4 labels"},
        {"m{a=\"\xff\"} 1\n", 5, "line 1: label value is not valid UTF-8"},
        {"# HELP m bad \\t\n", 13, "line 1: invalid escape sequence \\'t' in help text"},
        {"# HELP 9m x\n", 7, "line 1: invalid metric name in # HELP line: unexpected '9'"},
        {"# TYPE m-x gauge\n", 8, "line 1: invalid metric name in # TYPE line: unexpected '-'"},
        {"# TYPE m\n", 8, "line 1: # TYPE line for m names no type"},
        {"# TYPE m Gauge\n", 9, "line 1: unknown metric type \"Gauge\""},
        {"# TYPE m gauge x\n", 15, "line 1: text after the metric type"},
        {"m{a=\"\x01\"}\x7f 1\n", 8, "line 1: invalid value \"\\x7f\""},
        {"m 1 \"x\n", 4, "line 1: invalid timestamp \"\\x22x\""},
        {"# TYPE m aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 9,
         "line 1: unknown metric type \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        parse_one(cases[i].text, true, &p);
        if (p.rc != WSS_PARSE_INVALID || strcmp(p.err.msg, cases[i].msg) != 0 ||
            p.err.offset != cases[i].offset)
            fail_msg("case %zu %s: rc %d offset %zu msg \"%s\"", i, cases[i].text, p.rc,
                     p.err.offset, p.err.msg);
        assert_int_equal(p.line.nlabels, 0);
    }
}

static void full_unescape_buffer_is_an_error_not_an_overflow(void **state)
{
    (void)state;
    struct wss_label labels[MAX_LABELS];
    char buf[4];
    struct expo_line l = {.labels = labels, .labels_cap = MAX_LABELS, .buf = buf, .buf_len = 4};
    struct expo_parser st = {0};
    struct wss_parse_err err;
    const char *text = "m{a=\"\\\\\\\\\\\\\\\\\\\\\"} 1\n"; /* five escaped backslashes */
    assert_int_equal(expo_parse_line(&st, text, strlen(text), false, &l, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "line 1: no room to unescape label value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_lines_give_name_labels_value_and_timestamp),
        cmocka_unit_test(special_values_are_nan_and_infinities_in_any_case),
        cmocka_unit_test(comments_help_and_type_lines_are_told_apart),
        cmocka_unit_test(values_without_escapes_point_into_the_input),
        cmocka_unit_test(partial_line_waits_for_more_bytes),
        cmocka_unit_test(stream_counts_lines_and_offsets_across_calls),
        cmocka_unit_test(bad_lines_are_rejected_with_reason_and_offset),
        cmocka_unit_test(full_unescape_buffer_is_an_error_not_an_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
