/* SPDX-License-Identifier: Apache-2.0 */
/* test_backoff.c: lib/backoff.c: the ceiling doubles per attempt up to the cap, full jitter covers
 * [0, d], equal jitter covers [d - d/2, d] (odd ceilings too), and nothing overflows or loops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wsscale/backoff.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Ceilings for base 100 ms and cap 5000 ms, shared by both jitter kinds. */
static const struct {
    unsigned attempt;
    uint64_t want_ceiling;
} doubling_cases[] = {{0, 100},  {1, 200},   {2, 400},     {5, 3200},         {6, 5000},
                      {7, 5000}, {60, 5000}, {1000, 5000}, {UINT32_MAX, 5000}};

static void full_jitter_ceiling_doubles_per_attempt_until_the_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(doubling_cases); i++) {
        /* random c draws c and random c + 1 draws 0 only when the range is exactly [0, c]. */
        unsigned a = doubling_cases[i].attempt;
        uint64_t c = doubling_cases[i].want_ceiling;
        assert_int_equal(wss_backoff_ms(a, 100, 5000, WSS_BACKOFF_FULL, c), c);
        assert_int_equal(wss_backoff_ms(a, 100, 5000, WSS_BACKOFF_FULL, 0), 0);
        assert_int_equal(wss_backoff_ms(a, 100, 5000, WSS_BACKOFF_FULL, c + 1), 0);
    }
}

static void equal_jitter_ceiling_doubles_per_attempt_until_the_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(doubling_cases); i++) {
        /* random 0 draws the low end, d/2 the ceiling, and d/2 + 1 wraps to the low end. */
        unsigned a = doubling_cases[i].attempt;
        uint64_t d = doubling_cases[i].want_ceiling;
        assert_int_equal(wss_backoff_ms(a, 100, 5000, WSS_BACKOFF_EQUAL, 0), d - d / 2);
        assert_int_equal(wss_backoff_ms(a, 100, 5000, WSS_BACKOFF_EQUAL, d / 2), d);
        assert_int_equal(wss_backoff_ms(a, 100, 5000, WSS_BACKOFF_EQUAL, d / 2 + 1), d - d / 2);
    }
}

static void equal_jitter_never_waits_under_half_an_odd_ceiling(void **state)
{
    (void)state;
    static const struct {
        uint64_t cap, want_lo, want_hi;
    } cases[] = {{1001, 501, 1001}, {3, 2, 3}, {1, 1, 1}, {0, 0, 0}};
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        /* attempt 10 puts base 100 past every cap above, so d is the cap. */
        uint64_t lo = UINT64_MAX, hi = 0;
        for (uint64_t r = 0; r < 2000; r++) {
            uint64_t d = wss_backoff_ms(10, 100, cases[i].cap, WSS_BACKOFF_EQUAL, r);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        if (lo != cases[i].want_lo || hi != cases[i].want_hi)
            fail_msg("cap %llu: drew [%llu, %llu], want [%llu, %llu]",
                     (unsigned long long)cases[i].cap, (unsigned long long)lo,
                     (unsigned long long)hi, (unsigned long long)cases[i].want_lo,
                     (unsigned long long)cases[i].want_hi);
    }
}

static void draws_are_spread_over_the_whole_range(void **state)
{
    (void)state;
    /* 1000 draws from a simple sequence: every tenth of the range is hit, for both kinds. */
    static const struct {
        enum wss_backoff_jitter jitter;
        uint64_t lo, hi;
    } cases[] = {{WSS_BACKOFF_FULL, 0, 1000}, {WSS_BACKOFF_EQUAL, 500, 1000}};
    for (size_t k = 0; k < N_ELEMS(cases); k++) {
        unsigned hits[10] = {0};
        uint64_t x = 12345, span = cases[k].hi - cases[k].lo + 1;
        for (int i = 0; i < 1000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t d = wss_backoff_ms(3, 125, 10000, cases[k].jitter, x);
            assert_true(d >= cases[k].lo && d <= cases[k].hi);
            hits[(d - cases[k].lo) * 10 / span]++;
        }
        for (int i = 0; i < 10; i++)
            if (hits[i] <= 50)
                fail_msg("jitter %d: tenth %d got %u of 1000 draws", (int)cases[k].jitter, i,
                         hits[i]);
    }
}

static void degenerate_settings_do_not_overflow_or_loop(void **state)
{
    (void)state;
    static const struct {
        unsigned attempt;
        uint64_t base, cap, random, want_full, want_equal;
    } cases[] = {
        /* base 0 never grows; cap 0 means no wait */
        {UINT32_MAX, 0, 5000, 77, 0, 0},
        {3, 100, 0, 77, 0, 0},
        /* a base at or past half the largest cap: the next doubling lands on the cap */
        {200, UINT64_MAX / 2 + 1, UINT64_MAX, 42, 42, UINT64_MAX / 2 + 1 + 42},
        /* doubling from 1 all the way to UINT64_MAX: every random value is a valid draw */
        {UINT32_MAX, 1, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX},
        {64, 1, UINT64_MAX, 0, 0, UINT64_MAX / 2 + 1},
        /* a base over the cap starts at the cap */
        {0, 10000, 100, 100, 100, 99},
        {0, 10000, 100, 101, 0, 100},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        uint64_t full = wss_backoff_ms(cases[i].attempt, cases[i].base, cases[i].cap,
                                       WSS_BACKOFF_FULL, cases[i].random);
        uint64_t equal = wss_backoff_ms(cases[i].attempt, cases[i].base, cases[i].cap,
                                        WSS_BACKOFF_EQUAL, cases[i].random);
        if (full != cases[i].want_full || equal != cases[i].want_equal)
            fail_msg("case %zu: full %llu (want %llu), equal %llu (want %llu)", i,
                     (unsigned long long)full, (unsigned long long)cases[i].want_full,
                     (unsigned long long)equal, (unsigned long long)cases[i].want_equal);
    }
    assert_true(wss_backoff_ms(0, 10000, 100, WSS_BACKOFF_FULL, UINT64_MAX) <= 100);
}

static void an_unknown_jitter_kind_is_full_jitter(void **state)
{
    (void)state;
    enum wss_backoff_jitter odd = (enum wss_backoff_jitter)7;
    assert_int_equal(wss_backoff_ms(2, 100, 5000, odd, 0), 0);
    assert_int_equal(wss_backoff_ms(2, 100, 5000, odd, 400), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_jitter_ceiling_doubles_per_attempt_until_the_cap),
        cmocka_unit_test(equal_jitter_ceiling_doubles_per_attempt_until_the_cap),
        cmocka_unit_test(equal_jitter_never_waits_under_half_an_odd_ceiling),
        cmocka_unit_test(draws_are_spread_over_the_whole_range),
        cmocka_unit_test(degenerate_settings_do_not_overflow_or_loop),
        cmocka_unit_test(an_unknown_jitter_kind_is_full_jitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
