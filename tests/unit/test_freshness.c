/* SPDX-License-Identifier: Apache-2.0 */
/* test_freshness.c: the delay from a server's count reaching a value to the adapter showing it:
 * matched against the most recent arrival, first reports and repeats not measured, values never
 * seen counted apart, nearest-rank percentiles, forgotten pods. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "freshness.h"

static void measures_from_the_servers_most_recent_arrival_at_the_value(void **state)
{
    (void)state;
    struct freshness *f = freshness_create();
    assert_non_null(f);
    freshness_server(f, "a", 0, 0);
    freshness_adapter(f, "a", 0, 10); /* first report: not a change */
    freshness_server(f, "a", 5, 100);
    freshness_server(f, "a", 5, 150); /* same value: not a new arrival */
    freshness_server(f, "a", 7, 200);
    freshness_server(f, "a", 5, 300);
    freshness_adapter(f, "a", 5000, 900); /* 5 arrived last at 300 */
    freshness_adapter(f, "a", 5000, 950); /* unchanged answer: nothing */
    struct freshness_result r;
    freshness_result(f, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.unmatched, 0);
    assert_true(r.p50_ms == 600.0 && r.p99_ms == 600.0 && r.max_ms == 600.0);
    freshness_destroy(f);
}

static void a_value_the_server_was_never_seen_at_is_unmatched(void **state)
{
    (void)state;
    struct freshness *f = freshness_create();
    freshness_server(f, "a", 1, 0);
    freshness_adapter(f, "a", 1000, 5);
    freshness_server(f, "a", 3, 100);
    freshness_adapter(f, "a", 2000, 500); /* 2 came and went between samples */
    freshness_adapter(f, "b", 2000, 500); /* a pod the servers never showed: ignored */
    struct freshness_result r;
    freshness_result(f, &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.unmatched, 1);
    assert_true(r.p99_ms == 0.0);
    freshness_destroy(f);
}

static void percentiles_are_nearest_rank(void **state)
{
    (void)state;
    struct freshness *f = freshness_create();
    freshness_server(f, "a", 0, 0);
    freshness_adapter(f, "a", 0, 0);
    /* Delays 1..100 ms in a scrambled order. */
    for (int i = 1; i <= 100; i++) {
        int d = (i * 37) % 100 + 1;
        int64_t t = (int64_t)i * 1000;
        freshness_server(f, "a", (uint64_t)i, t);
        freshness_adapter(f, "a", (int64_t)i * 1000, t + d);
    }
    struct freshness_result r;
    freshness_result(f, &r);
    assert_int_equal(r.n, 100);
    assert_true(r.p50_ms == 50.0);
    assert_true(r.p99_ms == 99.0);
    assert_true(r.max_ms == 100.0);
    freshness_destroy(f);
}

static void a_forgotten_pod_starts_over(void **state)
{
    (void)state;
    struct freshness *f = freshness_create();
    freshness_server(f, "a", 4, 0);
    freshness_adapter(f, "a", 4000, 10);
    freshness_forget(f, "a");
    freshness_server(f, "a", 9, 20);
    freshness_adapter(f, "a", 9000, 30); /* a first report again: not measured */
    struct freshness_result r;
    freshness_result(f, &r);
    assert_int_equal(r.n, 0);
    freshness_destroy(f);
    freshness_destroy(NULL);
}

static void the_history_is_bounded(void **state)
{
    (void)state;
    struct freshness *f = freshness_create();
    freshness_server(f, "a", 0, 0);
    freshness_adapter(f, "a", 0, 0);
    for (uint64_t v = 1; v <= 3 * FRESHNESS_HISTORY; v++)
        freshness_server(f, "a", v, (int64_t)v);
    freshness_adapter(f, "a", 1000, 5000); /* value 1 has left the ring */
    freshness_adapter(f, "a", (int64_t)(3 * FRESHNESS_HISTORY) * 1000, 5000);
    struct freshness_result r;
    freshness_result(f, &r);
    assert_int_equal(r.unmatched, 1);
    assert_int_equal(r.n, 1);
    assert_true(r.max_ms == 5000.0 - 3 * FRESHNESS_HISTORY);
    freshness_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(measures_from_the_servers_most_recent_arrival_at_the_value),
        cmocka_unit_test(a_value_the_server_was_never_seen_at_is_unmatched),
        cmocka_unit_test(percentiles_are_nearest_rank),
        cmocka_unit_test(a_forgotten_pod_starts_over),
        cmocka_unit_test(the_history_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
