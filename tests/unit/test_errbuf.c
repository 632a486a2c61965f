/* SPDX-License-Identifier: Apache-2.0 */
/* test_errbuf.c: the error text lands whole, is cut short with its NUL when the buffer is small,
 * and a missing buffer is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/errbuf.h"

static void formats_the_whole_line_when_it_fits(void **state)
{
    (void)state;
    char err[64];
    wss_errbuf_printf(err, sizeof(err), "--%s %d: %s", "port", 70000, "out of range");
    assert_string_equal(err, "--port 70000: out of range");
}

static void cuts_a_long_line_short_and_terminates_it(void **state)
{
    (void)state;
    char err[8];
    memset(err, 'x', sizeof(err));
    wss_errbuf_printf(err, sizeof(err), "%s", "a much longer reason");
    assert_string_equal(err, "a much ");
}

static void leaves_a_missing_or_empty_buffer_alone(void **state)
{
    (void)state;
    wss_errbuf_printf(NULL, 16, "%s", "nowhere");
    char err[4] = "abc";
    wss_errbuf_printf(err, 0, "%s", "zz");
    assert_string_equal(err, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats_the_whole_line_when_it_fits),
        cmocka_unit_test(cuts_a_long_line_short_and_terminates_it),
        cmocka_unit_test(leaves_a_missing_or_empty_buffer_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
