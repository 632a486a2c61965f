/* SPDX-License-Identifier: Apache-2.0 */
/* test_stop_signals.c: the set holds SIGTERM and SIGINT and nothing else a program relies on, and
 * blocking them leaves a SIGTERM pending for sigtimedwait instead of ending the process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>

#include "wsscale/stop_signals.h"

static void the_set_is_sigterm_and_sigint(void **state)
{
    (void)state;
    sigset_t set = wss_stop_signals();
    assert_int_equal(sigismember(&set, SIGTERM), 1);
    assert_int_equal(sigismember(&set, SIGINT), 1);
    assert_int_equal(sigismember(&set, SIGPIPE), 0);
    assert_int_equal(sigismember(&set, SIGHUP), 0);
}

static void blocked_sigterm_waits_to_be_taken(void **state)
{
    (void)state;
    assert_int_equal(wss_stop_signals_block(), 0);
    sigset_t now;
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
    assert_int_equal(sigismember(&now, SIGTERM), 1);
    assert_int_equal(sigismember(&now, SIGINT), 1);
    assert_int_equal(raise(SIGTERM), 0); /* would end the test were it not blocked */
    sigset_t set = wss_stop_signals();
    struct timespec limit = {1, 0};
    assert_int_equal(sigtimedwait(&set, NULL, &limit), SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_set_is_sigterm_and_sigint),
        cmocka_unit_test(blocked_sigterm_waits_to_be_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
