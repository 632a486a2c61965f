/* SPDX-License-Identifier: Apache-2.0 */
/* test_mono_cond.c: monotonic deadlines split into seconds and nanoseconds exactly (carries
 * included), and a condition made by wss_mono_cond_init times out at such a deadline. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wsscale/mono_cond.h"

static void timespecs_split_exactly(void **state)
{
    (void)state;
    static const struct {
        int64_t ns;
        time_t sec;
        long nsec;
    } cases[] = {{0, 0, 0},
                 {999999999, 0, 999999999},
                 {1000000000, 1, 0},
                 {INT64_C(86400123456789), 86400, 123456789}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct timespec ts = wss_mono_timespec(cases[i].ns);
        assert_int_equal(ts.tv_sec, cases[i].sec);
        assert_int_equal(ts.tv_nsec, cases[i].nsec);
    }
}

static void a_wait_ends_at_its_deadline(void **state)
{
    (void)state;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c;
    assert_int_equal(wss_mono_cond_init(&c), 0);
    int64_t t0 = wss_clock_mono_ns();
    struct timespec at = wss_mono_deadline_ms(50);
    assert_true(at.tv_nsec >= 0 && at.tv_nsec < 1000000000);
    pthread_mutex_lock(&m);
    int rc = 0;
    for (int i = 0; i < 100 && rc != ETIMEDOUT; i++) /* spurious wake-ups are allowed */
        rc = pthread_cond_timedwait(&c, &m, &at);
    pthread_mutex_unlock(&m);
    int64_t took_ms = (wss_clock_mono_ns() - t0) / 1000000;
    assert_int_equal(rc, ETIMEDOUT);
    assert_true(took_ms >= 49 && took_ms < 5000);
    pthread_cond_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timespecs_split_exactly),
        cmocka_unit_test(a_wait_ends_at_its_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
