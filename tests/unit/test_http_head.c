/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_head.c: the lib-internal HTTP/1.1 head scanner: tchar, case-folded compares, list
 * search, and the head walk (lines, header splitting, limits, error texts, offsets, statuses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http_head.h"

/* Small, so the too-long case needs no big buffer. */
#define TEST_MAX_HEAD 64
#define MAX_SEEN      4

/* What the callbacks saw; refuse_* make them fail to show the walk stops. */
struct seen {
    size_t start_len;
    size_t nheaders;
    struct wss__http_header headers[MAX_SEEN];
    bool refuse_start;
    bool refuse_header;
    struct wss_parse_err *err;
};

static int on_start(void *arg, const char *line, size_t n)
{
    struct seen *s = arg;
    (void)line;
    s->start_len = n;
    if (s->refuse_start)
        return wss_parse_fail(s->err, 0, "start line refused");
    return 0;
}

static int on_header(void *arg, const struct wss__http_header *h)
{
    struct seen *s = arg;
    if (s->refuse_header)
        return wss_parse_fail(s->err, h->off, "header refused");
    if (s->nheaders < MAX_SEEN)
        s->headers[s->nheaders] = *h;
    s->nheaders++;
    return 0;
}

static const struct wss__http_head_ops test_head = {
    .max_head = TEST_MAX_HEAD,
    .start_line = on_start,
    .header = on_header,
    .texts = {.head = "test head",
              .cr_without_lf = "lone CR",
              .bare_lf = "lone LF",
              .folding = "folded",
              .no_colon = "no colon",
              .empty_name = "empty name",
              .bad_name_char = "bad name"},
};

static int walk(const char *s, size_t len, struct seen *seen, struct wss__http_head *head,
                struct wss_parse_err *err)
{
    memset(seen, 0, sizeof(*seen));
    seen->err = err;
    return wss__http_head_walk(s, len, &test_head, seen, head, err);
}

static void tchar_accepts_token_characters_only(void **state)
{
    (void)state;
    const char *good = "azAZ09!#$%&'*+-.^_`|~";
    const char *bad = " \t\"(),/:;<=>?@[\\]{}\x7f";
    for (const char *c = good; *c != '\0'; c++)
        assert_true(wss__http_head_is_tchar((unsigned char)*c));
    for (const char *c = bad; *c != '\0'; c++)
        assert_false(wss__http_head_is_tchar((unsigned char)*c));
    assert_false(wss__http_head_is_tchar('\0'));
    assert_false(wss__http_head_is_tchar(0x80));
}

static void equals_compares_whole_literal_with_optional_case_folding(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        const char *lit;
        bool is_case_sensitive;
        bool want;
    } cases[] = {
        {"GET", "GET", true, true},  {"get", "GET", true, false},   {"get", "GET", false, true},
        {"GE", "GET", false, false}, {"GETS", "GET", false, false}, {"", "", true, true},
        {"[", "{", false, false},    {"Host", "host", false, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(wss__http_head_equals(cases[i].s, strlen(cases[i].s), cases[i].lit,
                                               cases[i].is_case_sensitive),
                         cases[i].want);
}

static void list_has_finds_trimmed_elements_and_skips_empty_ones(void **state)
{
    (void)state;
    static const struct {
        const char *list;
        const char *token;
        bool is_case_sensitive;
        bool want;
    } cases[] = {
        {"websocket", "websocket", false, true},
        {"keep-alive, Upgrade", "upgrade", false, true},
        {" ,, \tupgrade\t ,", "upgrade", false, true},
        {"upgrades", "upgrade", false, false},
        {"up grade", "upgrade", false, false},
        {"Chat, x", "chat", true, false},
        {"Chat, chat", "chat", true, true},
        {"", "chat", false, false},
        {" , ,", "", false, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(wss__http_head_list_has(cases[i].list, strlen(cases[i].list),
                                                 cases[i].token, cases[i].is_case_sensitive),
                         cases[i].want);
}

static void walk_splits_headers_and_returns_head_length(void **state)
{
    (void)state;
    static const char in[] = "X 1\r\nA: b\r\nCc:\t d e \t\r\nE:\r\n\r\nbody";
    struct seen seen;
    struct wss__http_head head;
    struct wss_parse_err err;

    int rc = walk(in, strlen(in), &seen, &head, &err);
    assert_int_equal(rc, strlen(in) - strlen("body"));
    assert_int_equal(seen.start_len, 3);
    assert_int_equal(seen.nheaders, 3);
    assert_memory_equal(seen.headers[1].name, "Cc", 2);
    assert_int_equal(seen.headers[1].name_len, 2);
    assert_int_equal(seen.headers[1].value_len, 3);
    assert_memory_equal(seen.headers[1].value, "d e", 3);
    assert_int_equal(seen.headers[1].off, 11);
    assert_int_equal(seen.headers[1].value_off, 16);
    assert_int_equal(seen.headers[2].value_len, 0);
    assert_true(wss__http_head_name_is(&seen.headers[1], "cc"));
    assert_false(wss__http_head_name_is(&seen.headers[1], "c"));
    assert_ptr_equal(head.headers, in + 5);
    assert_int_equal(head.headers_len, strlen("A: b\r\nCc:\t d e \t\r\nE:\r\n"));
}

static void walk_wants_more_for_every_prefix_of_a_head(void **state)
{
    (void)state;
    static const char in[] = "X 1\r\nA: b\r\n\r\n";
    struct seen seen;
    struct wss__http_head head;
    struct wss_parse_err err;

    for (size_t n = 0; n < strlen(in); n++)
        assert_int_equal(walk(in, n, &seen, &head, &err), WSS_PARSE_INCOMPLETE);
    assert_int_equal(walk(in, strlen(in), &seen, &head, &err), strlen(in));
}

static void walk_refuses_malformed_lines_with_text_offset_and_status(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t offset;
        int status;
        const char *msg;
    } cases[] = {
        {"X 1\nA: b\r\n\r\n", 3, 400, "lone LF"},
        {"X 1\r\nA: b\rx\r\n\r\n", 9, 400, "lone CR"},
        {"X\x01 1\r\n\r\n", 1, 400, "control byte 0x01 in the test head"},
        {"X 1\r\nA: \x7f\r\n\r\n", 8, 400, "control byte 0x7F in the test head"},
        {"X 1\r\nA: b\r\n c\r\n\r\n", 11, 400, "folded"},
        {"X 1\r\nA b\r\n\r\n", 5, 400, "no colon"},
        {"X 1\r\n: b\r\n\r\n", 5, 400, "empty name"},
        {"X 1\r\nA(: b\r\n\r\n", 6, 400, "bad name"},
        {"X 1\r\nA: 0123456789012345678901234567890123456789012345678901234567", 64, 431,
         "test head over 64 bytes"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen seen;
        struct wss__http_head head;
        struct wss_parse_err err;
        assert_int_equal(walk(cases[i].in, strlen(cases[i].in), &seen, &head, &err),
                         WSS_PARSE_INVALID);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(err.offset, cases[i].offset);
        assert_int_equal(head.status, cases[i].status);
    }
}

static void walk_stops_at_a_callback_refusal_with_status_zero(void **state)
{
    (void)state;
    static const char in[] = "X 1\r\nA: b\r\nC: d\r\n\r\n";
    struct seen seen;
    struct wss__http_head head;
    struct wss_parse_err err;

    memset(&seen, 0, sizeof(seen));
    seen.refuse_start = true;
    seen.err = &err;
    assert_int_equal(wss__http_head_walk(in, strlen(in), &test_head, &seen, &head, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "start line refused");
    assert_int_equal(seen.nheaders, 0);
    assert_int_equal(head.status, 0);

    memset(&seen, 0, sizeof(seen));
    seen.refuse_header = true;
    seen.err = &err;
    assert_int_equal(wss__http_head_walk(in, strlen(in), &test_head, &seen, &head, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "header refused");
    assert_int_equal(err.offset, 5);
    assert_int_equal(head.status, 0);
}

static void walk_accepts_a_null_error_record(void **state)
{
    (void)state;
    struct seen seen;
    struct wss__http_head head;
    assert_int_equal(walk("X 1\n", 4, &seen, &head, NULL), WSS_PARSE_INVALID);
    assert_int_equal(head.status, 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tchar_accepts_token_characters_only),
        cmocka_unit_test(equals_compares_whole_literal_with_optional_case_folding),
        cmocka_unit_test(list_has_finds_trimmed_elements_and_skips_empty_ones),
        cmocka_unit_test(walk_splits_headers_and_returns_head_length),
        cmocka_unit_test(walk_wants_more_for_every_prefix_of_a_head),
        cmocka_unit_test(walk_refuses_malformed_lines_with_text_offset_and_status),
        cmocka_unit_test(walk_stops_at_a_callback_refusal_with_status_zero),
        cmocka_unit_test(walk_accepts_a_null_error_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
