/* SPDX-License-Identifier: Apache-2.0 */
/* test_load_profile.c: the staircase plan: step starts over the ramp up, ends oldest first over
 * the ramp down, connections split with the remainder first, and the clients wanted over time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "load_profile.h"

static struct load_profile plan_tail(int64_t conns, int64_t steps, int64_t up, int64_t hold,
                                     int64_t down, int64_t tail)
{
    struct load_profile_config c = {
        "/bin/false", "/tmp", "ws://127.0.0.1:1/ws", conns, steps, up, hold, down, tail};
    struct load_profile p;
    load_profile_plan(&p, &c);
    return p;
}

static struct load_profile plan(int64_t conns, int64_t steps, int64_t up, int64_t hold,
                                int64_t down)
{
    return plan_tail(conns, steps, up, hold, down, 0);
}

static void steps_start_over_the_ramp_and_end_oldest_first(void **state)
{
    (void)state;
    struct load_profile p = plan(301, 3, 12000, 20000, 12000);
    assert_int_equal(p.n, 3);
    struct {
        int64_t start, end, conns;
    } want[] = {{0, 36000, 101}, {4000, 40000, 100}, {8000, 44000, 100}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(p.steps[i].start_ms, want[i].start);
        assert_int_equal(p.steps[i].end_ms, want[i].end);
        assert_int_equal(p.steps[i].connections, want[i].conns);
        assert_int_equal(p.steps[i].pid, 0);
        assert_false(p.steps[i].is_done);
    }
}

static void wanted_clients_follow_the_staircase(void **state)
{
    (void)state;
    struct load_profile p = plan(300, 3, 12000, 20000, 12000);
    struct {
        int64_t t, want;
    } cases[] = {{0, 100},     {3999, 100},  {4000, 200},  {8000, 300}, {32000, 300},
                 {35999, 300}, {36000, 200}, {40000, 100}, {44000, 0},  {99999, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(load_profile_wanted(&p, cases[i].t), cases[i].want);
}

static void the_last_step_stays_for_the_tail(void **state)
{
    (void)state;
    struct load_profile p = plan_tail(300, 3, 12000, 20000, 12000, 20000);
    assert_int_equal(p.steps[0].end_ms, 36000);
    assert_int_equal(p.steps[1].end_ms, 40000);
    assert_int_equal(p.steps[2].end_ms, 64000);
    assert_int_equal(load_profile_wanted(&p, 50000), 100);
    assert_int_equal(load_profile_wanted(&p, 64000), 0);
}

static void steps_are_clamped_to_the_connections_and_the_maximum(void **state)
{
    (void)state;
    assert_int_equal(plan(2, 5, 1000, 0, 1000).n, 2);
    assert_int_equal(plan(1000, 99, 1000, 0, 1000).n, LOAD_PROFILE_MAX_STEPS);
    assert_int_equal(plan(10, 0, 1000, 0, 1000).n, 1);
}

static void no_ramp_starts_everything_at_once(void **state)
{
    (void)state;
    struct load_profile p = plan(90, 3, 0, 5000, 0);
    for (size_t i = 0; i < p.n; i++) {
        assert_int_equal(p.steps[i].start_ms, 0);
        assert_int_equal(p.steps[i].end_ms, 5000);
    }
    assert_int_equal(load_profile_wanted(&p, 0), 90);
    assert_true(load_profile_is_done(&p) == false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steps_start_over_the_ramp_and_end_oldest_first),
        cmocka_unit_test(wanted_clients_follow_the_staircase),
        cmocka_unit_test(the_last_step_stays_for_the_tail),
        cmocka_unit_test(steps_are_clamped_to_the_connections_and_the_maximum),
        cmocka_unit_test(no_ramp_starts_everything_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
