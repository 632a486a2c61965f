/* SPDX-License-Identifier: Apache-2.0 */
/* test_strbuf.c: growth, the length cap and sticky failure of the reply buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/strbuf.h"

static void appends_and_grows_past_first_allocation(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(wss_strbuf_printf(&b, "%d,", i % 10), 0);
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(b.data), 2000);
    assert_memory_equal(b.data, "0,1,2,", 6);
    wss_strbuf_free(&b);
    assert_null(b.data);
    wss_strbuf_free(&b); /* twice is fine */
}

static void cap_makes_failure_sticky_and_take_returns_null(void **state)
{
    (void)state;
    struct wss_strbuf b;
    wss_strbuf_init(&b, 8);
    assert_int_equal(wss_strbuf_puts(&b, "12345678"), 0);
    assert_int_equal(wss_strbuf_puts(&b, "9"), -1);
    assert_true(b.is_failed);
    assert_int_equal(wss_strbuf_puts(&b, ""), -1);
    size_t len = 99;
    assert_null(wss_strbuf_take(&b, &len));
    assert_int_equal(len, 0);
    assert_false(b.is_failed);
    assert_int_equal(b.max_len, 8);
}

static void reset_keeps_cap_and_clears_failure(void **state)
{
    (void)state;
    struct wss_strbuf b;
    wss_strbuf_init(&b, 4);
    assert_int_equal(wss_strbuf_append(&b, "abcdef", 6), -1);
    wss_strbuf_reset(&b);
    assert_int_equal(wss_strbuf_append(&b, "ab", 2), 0);
    size_t len = 0;
    char *s = wss_strbuf_take(&b, &len);
    assert_string_equal(s, "ab");
    assert_int_equal(len, 2);
    free(s);
}

static void binary_bytes_are_kept(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    assert_int_equal(wss_strbuf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 3);
    wss_strbuf_free(&b);
}

/* Once grown, appends that fit skip the growth path: the cap must hold there too, even with
 * room left in the allocation (300 of the 512 bytes the first growths made). */
static void cap_holds_when_the_allocation_has_room(void **state)
{
    (void)state;
    static const struct {
        size_t first, second; /* appended after a 256-byte start that grows the buffer to 512 */
        int second_rc;
        size_t len;
    } cases[] = {
        {44, 0, 0, 300}, /* exactly max_len */
        {43, 1, 0, 300},
        {44, 1, -1, 300}, /* one past */
        {0, 45, -1, 256},
    };
    char bytes[64];
    memset(bytes, 'y', sizeof(bytes));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_strbuf b;
        wss_strbuf_init(&b, 300);
        char start[256];
        memset(start, 'x', sizeof(start));
        assert_int_equal(wss_strbuf_append(&b, start, sizeof(start)), 0);
        assert_true(b.cap > 300);
        assert_int_equal(wss_strbuf_append(&b, bytes, cases[i].first), 0);
        assert_int_equal(wss_strbuf_append(&b, bytes, cases[i].second), cases[i].second_rc);
        assert_int_equal(b.is_failed, cases[i].second_rc != 0);
        assert_int_equal(b.len, cases[i].len);
        assert_int_equal(strlen(b.data), cases[i].len);
        wss_strbuf_free(&b);
    }
}

/* A reset buffer is written again from its start, NUL-terminated after the new bytes only. */
static void reset_then_short_append_ends_at_the_new_bytes(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    assert_int_equal(wss_strbuf_puts(&b, "a long first document"), 0);
    size_t cap = b.cap;
    wss_strbuf_reset(&b);
    assert_int_equal(wss_strbuf_append(&b, "ok", 2), 0);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ok");
    wss_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_and_grows_past_first_allocation),
        cmocka_unit_test(cap_makes_failure_sticky_and_take_returns_null),
        cmocka_unit_test(reset_keeps_cap_and_clears_failure),
        cmocka_unit_test(binary_bytes_are_kept),
        cmocka_unit_test(cap_holds_when_the_allocation_has_room),
        cmocka_unit_test(reset_then_short_append_ends_at_the_new_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
