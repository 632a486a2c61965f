/* SPDX-License-Identifier: Apache-2.0 */
/* test_labels_file.c: the kubelet's downward-API labels file: its exact format, Go escapes in
 * values, and malformed lines rejected with their line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/labels_file.h"

#define NAME_RE                                                                                    \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

#define MAX_LABELS 8

static struct wss_label labels[MAX_LABELS];
static size_t nlabels;
static char buf[256];
static struct wss_parse_err err;

static int parse_len(const char *s, size_t len)
{
    nlabels = MAX_LABELS;
    memset(&err, 0, sizeof(err));
    return wss_labels_file_parse(s, len, labels, &nlabels, buf, sizeof(buf), &err);
}

static int parse(const char *s)
{
    return parse_len(s, strlen(s));
}

static void expect_label(size_t i, const char *key, const char *value, size_t value_len)
{
    assert_true(i < nlabels);
    assert_int_equal(labels[i].key_len, strlen(key));
    assert_memory_equal(labels[i].key, key, strlen(key));
    if (labels[i].value_len != value_len || memcmp(labels[i].value, value, value_len) != 0)
        fail_msg("label %zu (%s): got '%.*s'", i, key, (int)labels[i].value_len, labels[i].value);
}

static void parses_the_kubelet_format(void **state)
{
    (void)state;
    /* Keys sorted, one per line, no newline after the last: what the kubelet writes. */
    const char *file = "app=\"chat\"\napp.kubernetes.io/name=\"chat-server\"\n"
                       "pod-template-hash=\"7d9f8b\"\ntier=\"\"";
    assert_int_equal(parse(file), (int)strlen(file));
    assert_int_equal(nlabels, 4);
    expect_label(0, "app", "chat", 4);
    expect_label(1, "app.kubernetes.io/name", "chat-server", 11);
    expect_label(2, "pod-template-hash", "7d9f8b", 6);
    expect_label(3, "tier", "", 0);
    /* Without escapes, keys and values borrow from the input. */
    for (size_t i = 0; i < nlabels; i++) {
        assert_true(labels[i].key >= file && labels[i].key < file + strlen(file));
        assert_true(labels[i].value >= file &&
                    labels[i].value + labels[i].value_len <= file + strlen(file));
    }
}

static void empty_file_and_trailing_blank_lines_are_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t want;
    } cases[] = {
        {"", 0},
        {"\n", 0},
        {"\n\n", 0},
        {"a=\"1\"\n", 1},
        {"a=\"1\"\n\n\n", 1},
        {"a=\"1\"\nb=\"2\"\n", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (parse(cases[i].in) < 0)
            fail_msg("case %zu rejected: %s", i, err.msg);
        assert_int_equal(nlabels, cases[i].want);
    }
    assert_int_equal(parse_len(NULL, 0), 0);
}

static void unescapes_every_go_quote_escape(void **state)
{
    (void)state;
    static const struct {
        const char *quoted; /* between the quotes, as it appears in the file */
        const char *want;
        size_t want_len;
    } cases[] = {
        {"\\\"", "\"", 1},
        {"\\\\", "\\", 1},
        {"a\\nb", "a\nb", 3},
        {"\\t", "\t", 1},
        {"\\a\\b\\f\\r\\v", "\a\b\f\r\v", 5},
        {"\\x41\\x7e", "A~", 2},
        {"\\x00", "\0", 1},
        {"\\xFF", "\xff", 1},
        {"\\101\\000\\377", "A\0\xff", 3},
        {"\\u00e9", "\xc3\xa9", 2},
        {"\\u20ac", "\xe2\x82\xac", 3},
        {"\\U0001F600", "\xf0\x9f\x98\x80", 4},
        {"\\U0010ffff", "\xf4\x8f\xbf\xbf", 4},
        {"\\u0041", "A", 1},
        {"caf\xc3\xa9", "caf\xc3\xa9", 5}, /* printable UTF-8 is written raw by Go */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char file[128];
        snprintf(file, sizeof(file), "k=\"%s\"", cases[i].quoted);
        if (parse(file) < 0)
            fail_msg("'%s' rejected: %s", file, err.msg);
        assert_int_equal(nlabels, 1);
        expect_label(0, "k", cases[i].want, cases[i].want_len);
    }
}

static void escaped_values_go_to_the_buffer(void **state)
{
    (void)state;
    const char *file = "a=\"x\\ty\"\nb=\"plain\"\nc=\"\\u00e9\"";
    assert_int_equal(parse(file), (int)strlen(file));
    assert_int_equal(nlabels, 3);
    assert_ptr_equal(labels[0].value, buf);
    assert_true(labels[1].value > file && labels[1].value < file + strlen(file));
    assert_ptr_equal(labels[2].value, buf + 3);
}

static void rejects_bad_lines_with_their_number(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
        size_t offset;
    } cases[] = {
        {"app", "line 1: expected key=\"value\"", 0},
        {"a=\"1\"\nb", "line 2: expected key=\"value\"", 6},
        {"app=chat", "line 1: value must be a double-quoted string", 4},
        {"app=", "line 1: value must be a double-quoted string", 4},
        {"app='chat'", "line 1: value must be a double-quoted string", 4},
        {"app=\"chat", "line 1: value has no closing quote", 9},
        {"app=\"chat\\\"", "line 1: value has no closing quote", 11},
        {"app=\"chat\"x", "line 1: unexpected text after the value", 10},
        {"app=\"chat\"\r\n", "line 1: unexpected text after the value", 10},
        {"a=\"1\"\n\nb=\"2\"", "line 2: empty line", 6},
        {"\na=\"1\"", "line 1: empty line", 0},
        {"a=\"1\"\na=\"2\"", "line 2: duplicate label key \"a\"", 6},
        {"a=\"x\ty\"", "line 1: control byte 0x09 in value must be escaped", 4},
        {"a=\"\\q\"", "line 1: invalid escape sequence starting '\\q' in value", 3},
        {"a=\"\\'\"", "line 1: invalid escape sequence starting '\\'' in value", 3},
        {"a=\"\\x4\"", "line 1: invalid escape sequence starting '\\x' in value", 3},
        {"a=\"\\xg0\"", "line 1: invalid escape sequence starting '\\x' in value", 3},
        {"a=\"\\u12\"", "line 1: invalid escape sequence starting '\\u' in value", 3},
        {"a=\"\\ud800\"", "line 1: invalid escape sequence starting '\\u' in value", 3},
        {"a=\"\\U00110000\"", "line 1: invalid escape sequence starting '\\U' in value", 3},
        {"a=\"\\400\"", "line 1: invalid escape sequence starting '\\4' in value", 3},
        {"a=\"\\01\"", "line 1: invalid escape sequence starting '\\0' in value", 3},
        {"a=\"\\\x01\"", "line 1: invalid escape sequence in value", 3},
        {"b=\"1\"\n-app=\"x\"", "line 2: invalid label key \"-app\": name part " NAME_RE, 6},
        {"=\"x\"",
         "line 1: invalid label key \"\": name part must be non-empty; name part " NAME_RE, 0},
        {"a b=\"x\"", "line 1: invalid label key \"a b\": name part " NAME_RE, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char cut[WSS_PARSE_ERR_MSG_LEN];
        snprintf(cut, sizeof(cut), "%s", cases[i].want);
        assert_int_equal(parse(cases[i].in), WSS_PARSE_INVALID);
        if (strcmp(err.msg, cut) != 0)
            fail_msg("case %zu:\n got  %s\n want %s", i, err.msg, cut);
        if (err.offset != cases[i].offset)
            fail_msg("case %zu: offset %zu, want %zu", i, err.offset, cases[i].offset);
        assert_int_equal(nlabels, 0);
    }
}

static void nul_byte_in_a_key_is_rejected(void **state)
{
    (void)state;
    static const char file[] = "a\0b=\"x\"";
    assert_int_equal(parse_len(file, sizeof(file) - 1), WSS_PARSE_INVALID);
    assert_memory_equal(err.msg, "line 1: invalid label key \"a\\x00b\": name part", 45);
}

static void too_many_labels_is_an_error_not_a_crash(void **state)
{
    (void)state;
    const char *file = "a=\"1\"\nb=\"2\"\nc=\"3\"";
    nlabels = 2;
    assert_int_equal(
        wss_labels_file_parse(file, strlen(file), labels, &nlabels, buf, sizeof(buf), &err),
        WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "line 3: too many labels (limit 2)");
    assert_int_equal(err.offset, 12);
    assert_int_equal(nlabels, 0);
}

static void short_buffer_is_an_error_and_input_length_always_suffices(void **state)
{
    (void)state;
    const char *file = "a=\"\\x41\\x42\"";
    nlabels = MAX_LABELS;
    assert_int_equal(wss_labels_file_parse(file, strlen(file), labels, &nlabels, buf, 1, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "line 1: no room to unescape the value (buffer of 1 bytes)");
    assert_int_equal(err.offset, 7);
    nlabels = MAX_LABELS;
    assert_int_equal(wss_labels_file_parse(file, strlen(file), labels, &nlabels, NULL, 0, &err),
                     WSS_PARSE_INVALID);

    /* Every escape is at least as long as what it stands for. */
    const char *dense = "a=\"\\n\\n\\n\"\nb=\"\\x01\\U0001F600\\u00e9\\101\"";
    char exact[64];
    nlabels = MAX_LABELS;
    assert_int_equal(
        wss_labels_file_parse(dense, strlen(dense), labels, &nlabels, exact, strlen(dense), &err),
        (int)strlen(dense));
    expect_label(0, "a", "\n\n\n", 3);
    expect_label(1, "b",
                 "\x01\xf0\x9f\x98\x80\xc3\xa9"
                 "A",
                 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_the_kubelet_format),
        cmocka_unit_test(empty_file_and_trailing_blank_lines_are_accepted),
        cmocka_unit_test(unescapes_every_go_quote_escape),
        cmocka_unit_test(escaped_values_go_to_the_buffer),
        cmocka_unit_test(rejects_bad_lines_with_their_number),
        cmocka_unit_test(nul_byte_in_a_key_is_rejected),
        cmocka_unit_test(too_many_labels_is_an_error_not_a_crash),
        cmocka_unit_test(short_buffer_is_an_error_and_input_length_always_suffices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
