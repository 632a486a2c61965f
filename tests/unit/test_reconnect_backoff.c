/* SPDX-License-Identifier: Apache-2.0 */
/* test_reconnect_backoff.c: full-jitter backoff: the ceiling doubles per attempt up to the cap,
 * the draw covers [0, ceiling], and nothing overflows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reconnect_backoff.h"

static void ceiling_doubles_per_attempt_until_the_cap(void **state)
{
    (void)state;
    static const struct {
        unsigned attempt;
        uint64_t want_ceiling;
    } cases[] = {{0, 100},  {1, 200},   {2, 400},     {5, 3200},         {6, 5000},
                 {7, 5000}, {60, 5000}, {1000, 5000}, {UINT32_MAX, 5000}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* random c draws c and random c + 1 draws 0 only when the range is exactly [0, c]. */
        uint64_t c = cases[i].want_ceiling;
        assert_int_equal(reconnect_backoff_ms(cases[i].attempt, 100, 5000, c), c);
        assert_int_equal(reconnect_backoff_ms(cases[i].attempt, 100, 5000, 0), 0);
        assert_int_equal(reconnect_backoff_ms(cases[i].attempt, 100, 5000, c + 1), 0);
    }
}

static void draws_are_spread_over_the_whole_range(void **state)
{
    (void)state;
    /* 1000 draws from a simple sequence: every tenth of [0, 1000] is hit. */
    unsigned hits[10] = {0};
    uint64_t x = 12345;
    for (int i = 0; i < 1000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t d = reconnect_backoff_ms(3, 125, 10000, x);
        assert_true(d <= 1000);
        hits[d * 10 / 1001]++;
    }
    for (int i = 0; i < 10; i++)
        assert_true(hits[i] > 50);
}

static void degenerate_settings_do_not_overflow_or_loop(void **state)
{
    (void)state;
    assert_int_equal(reconnect_backoff_ms(UINT32_MAX, 0, 5000, 77), 0);
    assert_int_equal(reconnect_backoff_ms(3, 100, 0, 77), 0);
    assert_int_equal(reconnect_backoff_ms(200, UINT64_MAX / 2 + 1, UINT64_MAX, 42), 42);
    assert_true(reconnect_backoff_ms(0, 10000, 100, UINT64_MAX) <= 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ceiling_doubles_per_attempt_until_the_cap),
        cmocka_unit_test(draws_are_spread_over_the_whole_range),
        cmocka_unit_test(degenerate_settings_do_not_overflow_or_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
