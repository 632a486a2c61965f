/* SPDX-License-Identifier: Apache-2.0 */
/* test_conn_pacer.c: connection pacing on a fake clock: the first is due at once, the count
 * follows rate x time without drift, shares divide the rate, and the total caps everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conn_pacer.h"

static void first_is_due_at_once_then_one_per_period(void **state)
{
    (void)state;
    struct conn_pacer p;
    conn_pacer_init(&p, 1000, 100, 1, 50); /* 100/s: one every 10 ms */
    assert_int_equal(conn_pacer_due(&p, 1000), 1);
    conn_pacer_took(&p, 1);
    assert_int_equal(conn_pacer_due(&p, 1009), 0);
    assert_int_equal(conn_pacer_next_ms(&p), 1010);
    assert_int_equal(conn_pacer_due(&p, 1010), 1);
    /* A late timer catches up without drift: at 1105 ms, indexes 0..10 are due. */
    assert_int_equal(conn_pacer_due(&p, 1105), 10);
    conn_pacer_took(&p, 10);
    assert_int_equal(conn_pacer_next_ms(&p), 1110);
}

static void rate_over_many_seconds_matches_the_count(void **state)
{
    (void)state;
    struct conn_pacer p;
    conn_pacer_init(&p, 0, 333, 1, 1000000);
    uint64_t started = 0;
    /* A timer firing every 7 ms for 10 s starts 333 * 10 + 1 connections. */
    for (uint64_t t = 0; t <= 10000; t += 7) {
        uint64_t due = conn_pacer_due(&p, t);
        conn_pacer_took(&p, due);
        started += due;
    }
    uint64_t want = 333 * 9996 / 1000 + 1; /* the last tick is at 9996 ms */
    assert_int_equal(started, want);
}

static void a_share_of_the_rate_paces_slower(void **state)
{
    (void)state;
    struct conn_pacer p;
    conn_pacer_init(&p, 0, 1, 4, 10); /* a quarter of 1/s: one every 4 s */
    assert_int_equal(conn_pacer_due(&p, 0), 1);
    conn_pacer_took(&p, 1);
    assert_int_equal(conn_pacer_next_ms(&p), 4000);
    assert_int_equal(conn_pacer_due(&p, 3999), 0);
    assert_int_equal(conn_pacer_due(&p, 4000), 1);
}

static void unpaced_lets_all_start_and_total_caps(void **state)
{
    (void)state;
    struct conn_pacer p;
    conn_pacer_init(&p, 50, 0, 0, 7);
    assert_int_equal(conn_pacer_due(&p, 50), 7);
    assert_int_equal(conn_pacer_next_ms(&p), 50);
    conn_pacer_took(&p, 9); /* more than allowed is clamped */
    assert_int_equal(p.started, 7);
    assert_int_equal(conn_pacer_due(&p, 1000000), 0);
    assert_int_equal(conn_pacer_next_ms(&p), CONN_PACER_NEVER);

    conn_pacer_init(&p, 0, 1000, 1, 3);
    assert_int_equal(conn_pacer_due(&p, 60000), 3);
}

static void huge_rates_and_times_do_not_overflow(void **state)
{
    (void)state;
    struct conn_pacer p;
    conn_pacer_init(&p, 0, 10000000, 1, UINT64_MAX);
    assert_int_equal(conn_pacer_due(&p, UINT64_C(1) << 62), UINT64_MAX);
    conn_pacer_took(&p, UINT64_C(1) << 40);
    assert_true(conn_pacer_next_ms(&p) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_is_due_at_once_then_one_per_period),
        cmocka_unit_test(rate_over_many_seconds_matches_the_count),
        cmocka_unit_test(a_share_of_the_rate_paces_slower),
        cmocka_unit_test(unpaced_lets_all_start_and_total_caps),
        cmocka_unit_test(huge_rates_and_times_do_not_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
