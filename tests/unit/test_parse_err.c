/* SPDX-License-Identifier: Apache-2.0 */
/* test_parse_err.c: the error record every parser fills. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/parse.h"

static void fills_offset_and_message(void **state)
{
    (void)state;
    struct wss_parse_err err;
    assert_int_equal(wss_parse_fail(&err, 7, "found '%s', expected: %s", ")", "identifier"),
                     WSS_PARSE_INVALID);
    assert_int_equal(err.offset, 7);
    assert_string_equal(err.msg, "found ')', expected: identifier");
}

static void truncates_long_message_and_keeps_terminator(void **state)
{
    (void)state;
    struct wss_parse_err err;
    char big[WSS_PARSE_ERR_MSG_LEN * 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    wss_parse_fail(&err, 0, "%s", big);
    assert_int_equal(strlen(err.msg), WSS_PARSE_ERR_MSG_LEN - 1);
}

static void accepts_null_record(void **state)
{
    (void)state;
    assert_int_equal(wss_parse_fail(NULL, 3, "ignored"), WSS_PARSE_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fills_offset_and_message),
        cmocka_unit_test(truncates_long_message_and_keeps_terminator),
        cmocka_unit_test(accepts_null_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
