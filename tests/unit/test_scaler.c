/* SPDX-License-Identifier: Apache-2.0 */
/* test_scaler.c: how the demo shows pods to the HPA (phases, values, unlisted items) and which pods
 * a scale-down deletes (pending first, then the fewest connections, ties by name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scaler.h"

static struct pod_info pod(const char *name, enum pod_phase phase, uint64_t count)
{
    struct pod_info p = {0};
    snprintf(p.name, sizeof(p.name), "%s", name);
    p.phase = phase;
    p.has_count = true;
    p.count = count;
    return p;
}

static void groups_pods_by_phase_and_takes_values_from_the_reply(void **state)
{
    (void)state;
    struct pod_info a = pod("a", POD_RUNNING, 0), b = pod("b", POD_PENDING, 0),
                    c = pod("c", POD_DELETING, 0), d = pod("d", POD_RUNNING, 0);
    const struct pod_info *pods[] = {&a, &b, &c, &d};
    static struct metrics_reply reply;
    reply.n = 3;
    reply.items[0] = (struct metrics_item){"a", 120000};
    reply.items[1] = (struct metrics_item){"c", 5000};
    reply.items[2] = (struct metrics_item){"ghost", 7000};
    struct hpa_pod out[8];
    size_t n = scaler_hpa_pods(pods, 4, &reply, out, 8);
    assert_int_equal(n, 5);
    /* name, phase, has_value, milli */
    struct {
        const char *name;
        enum hpa_pod_phase phase;
        bool has_value;
        int64_t milli;
    } want[] = {{"a", HPA_POD_READY, true, 120000},
                {"b", HPA_POD_PENDING, false, 0},
                {"c", HPA_POD_IGNORED, true, 5000},
                {"d", HPA_POD_READY, false, 0},
                {"ghost", HPA_POD_UNLISTED, true, 7000}};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(out[i].name, want[i].name);
        assert_int_equal(out[i].phase, want[i].phase);
        assert_int_equal(out[i].has_value, want[i].has_value);
        assert_int_equal(out[i].milli_value, want[i].milli);
    }
}

static void without_a_reply_every_pod_is_missing(void **state)
{
    (void)state;
    struct pod_info a = pod("a", POD_RUNNING, 9);
    const struct pod_info *pods[] = {&a};
    struct hpa_pod out[2];
    assert_int_equal(scaler_hpa_pods(pods, 1, NULL, out, 2), 1);
    assert_false(out[0].has_value);
}

static void stops_at_the_capacity(void **state)
{
    (void)state;
    struct pod_info a = pod("a", POD_RUNNING, 0), b = pod("b", POD_RUNNING, 0);
    const struct pod_info *pods[] = {&a, &b};
    struct hpa_pod out[1];
    assert_int_equal(scaler_hpa_pods(pods, 2, NULL, out, 1), 1);
}

static void deletes_pending_first_then_the_emptiest(void **state)
{
    (void)state;
    struct pod_info p[] = {pod("a", POD_RUNNING, 30), pod("b", POD_RUNNING, 5),
                           pod("c", POD_PENDING, 0),  pod("d", POD_DELETING, 0),
                           pod("e", POD_RUNNING, 5),  pod("f", POD_RUNNING, 100)};
    p[1].has_count = false; /* b: no count yet, taken as 0 */
    const struct pod_info *pods[] = {&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]};
    /* k -> the victims in order. */
    struct {
        size_t k, n;
        size_t victims[6];
    } cases[] = {
        {0, 0, {0}},
        {1, 1, {2}},
        {2, 2, {2, 1}},
        {3, 3, {2, 1, 4}},
        {5, 5, {2, 1, 4, 0, 5}},
        {6, 5, {2, 1, 4, 0, 5}}, /* the deleting pod is never picked again */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t got[6];
        size_t n = scaler_pick_victims(pods, 6, cases[i].k, got);
        assert_int_equal(n, cases[i].n);
        for (size_t j = 0; j < n; j++)
            assert_int_equal(got[j], cases[i].victims[j]);
    }
}

static void ties_go_by_name(void **state)
{
    (void)state;
    struct pod_info p[] = {pod("z", POD_RUNNING, 3), pod("m", POD_RUNNING, 3)};
    const struct pod_info *pods[] = {&p[0], &p[1]};
    size_t got[1];
    assert_int_equal(scaler_pick_victims(pods, 2, 1, got), 1);
    assert_int_equal(got[0], 1);
}

static void live_pods_leave_out_the_deleting(void **state)
{
    (void)state;
    struct pod_info p[] = {pod("a", POD_RUNNING, 0), pod("b", POD_DELETING, 0),
                           pod("c", POD_PENDING, 0)};
    const struct pod_info *pods[] = {&p[0], &p[1], &p[2]};
    assert_int_equal(scaler_live_pods(pods, 3), 2);
    assert_int_equal(scaler_live_pods(pods, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(groups_pods_by_phase_and_takes_values_from_the_reply),
        cmocka_unit_test(without_a_reply_every_pod_is_missing),
        cmocka_unit_test(stops_at_the_capacity),
        cmocka_unit_test(deletes_pending_first_then_the_emptiest),
        cmocka_unit_test(ties_go_by_name),
        cmocka_unit_test(live_pods_leave_out_the_deleting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
