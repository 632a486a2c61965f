/* SPDX-License-Identifier: Apache-2.0 */
/* test_latency_hist.c: wsscale-load's log-linear histogram: bucket edges, the ~3% error bound,
 * quantiles, clamping and merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "latency_hist.h"

static void small_values_have_exact_buckets(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < 2 * LATENCY_HIST_SUB; v++) {
        assert_int_equal(latency_hist_bucket(v), v);
        assert_int_equal(latency_hist_bucket_upper(latency_hist_bucket(v)), v);
    }
}

static void every_value_lies_in_its_bucket_within_three_percent(void **state)
{
    (void)state;
    /* Walk values up to 2^36 with a step that grows, plus the edges of each power of two. */
    unsigned last = 0;
    for (uint64_t v = 1; v < (UINT64_C(1) << 36); v += 1 + v / 97) {
        unsigned b = latency_hist_bucket(v);
        uint64_t upper = latency_hist_bucket_upper(b);
        assert_true(b < LATENCY_HIST_BUCKETS);
        assert_true(b >= last); /* buckets never go backwards */
        last = b;
        assert_true(upper >= v);
        assert_true((double)(upper - v) <= (double)v / LATENCY_HIST_SUB);
        if (b > 0)
            assert_true(latency_hist_bucket_upper(b - 1) < v);
    }
}

static void values_past_the_top_land_in_the_last_bucket(void **state)
{
    (void)state;
    assert_int_equal(latency_hist_bucket(UINT64_MAX), LATENCY_HIST_BUCKETS - 1);
    struct latency_hist h = {0};
    latency_hist_record(&h, UINT64_MAX);
    assert_int_equal(h.max_us, UINT64_MAX);
    assert_int_equal(latency_hist_quantile(&h, 0.5), UINT64_MAX);
}

static void quantiles_of_a_uniform_run_are_close_and_ordered(void **state)
{
    (void)state;
    static struct latency_hist h;
    memset(&h, 0, sizeof(h));
    for (uint64_t v = 1; v <= 10000; v++)
        latency_hist_record(&h, v);
    assert_int_equal(h.count, 10000);
    assert_int_equal(h.min_us, 1);
    assert_int_equal(h.max_us, 10000);
    uint64_t p50 = latency_hist_quantile(&h, 0.5);
    uint64_t p90 = latency_hist_quantile(&h, 0.9);
    uint64_t p99 = latency_hist_quantile(&h, 0.99);
    assert_true(p50 >= 5000 && p50 <= 5000 + 5000 / LATENCY_HIST_SUB);
    assert_true(p90 >= 9000 && p90 <= 9000 + 9000 / LATENCY_HIST_SUB);
    assert_true(p99 >= 9900 && p99 <= 10000);
    assert_true(p50 <= p90 && p90 <= p99);
    assert_int_equal(latency_hist_quantile(&h, 1.0), 10000);
    assert_int_equal(latency_hist_quantile(&h, 0.0), 1);
}

static void quantile_never_exceeds_max_or_falls_below_min(void **state)
{
    (void)state;
    struct latency_hist h = {0};
    latency_hist_record(&h, 1000);
    latency_hist_record(&h, 1001);
    /* 1001's bucket reaches up to 1007, but no sample was that large. */
    assert_int_equal(latency_hist_quantile(&h, 0.99), 1001);
    /* The lowest sample is reported as its bucket's upper edge (1007), clamped to the max. */
    assert_int_equal(latency_hist_quantile(&h, 0.01), 1001);
}

static void empty_histogram_answers_zero(void **state)
{
    (void)state;
    struct latency_hist h = {0};
    assert_int_equal(latency_hist_quantile(&h, 0.5), 0);
}

static void merge_equals_recording_everything_in_one(void **state)
{
    (void)state;
    static struct latency_hist a, b, all;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&all, 0, sizeof(all));
    for (uint64_t v = 0; v < 5000; v++) {
        uint64_t x = v * v % 100003;
        latency_hist_record(v % 3 ? &a : &b, x);
        latency_hist_record(&all, x);
    }
    static struct latency_hist empty;
    latency_hist_merge(&a, &empty);
    latency_hist_merge(&a, &b);
    assert_memory_equal(&a, &all, sizeof(all));
    memset(&empty, 0, sizeof(empty));
    latency_hist_merge(&empty, &all);
    assert_memory_equal(&empty, &all, sizeof(all));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_have_exact_buckets),
        cmocka_unit_test(every_value_lies_in_its_bucket_within_three_percent),
        cmocka_unit_test(values_past_the_top_land_in_the_last_bucket),
        cmocka_unit_test(quantiles_of_a_uniform_run_are_close_and_ordered),
        cmocka_unit_test(quantile_never_exceeds_max_or_falls_below_min),
        cmocka_unit_test(empty_histogram_answers_zero),
        cmocka_unit_test(merge_equals_recording_everything_in_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
