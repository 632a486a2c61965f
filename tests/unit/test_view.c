/* SPDX-License-Identifier: Apache-2.0 */
/* test_view.c: the live view's line: time, totals, replicas, each pod's short name and count with
 * its phase mark, the last decision, and the cut at the buffer's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "view.h"

static struct pod_info pod(const char *name, enum pod_phase phase, uint64_t count)
{
    struct pod_info p = {0};
    snprintf(p.name, sizeof(p.name), "%s", name);
    p.phase = phase;
    p.count = count;
    return p;
}

static void shows_totals_replicas_pods_and_the_decision(void **state)
{
    (void)state;
    struct pod_info a = pod("chat-demo-abcde", POD_RUNNING, 120),
                    b = pod("chat-demo-fghjk", POD_PENDING, 0),
                    c = pod("chat-demo-mnpqr", POD_DELETING, 7);
    const struct pod_info *pods[] = {&a, &b, &c};
    struct view_state s = {12.4, 127, 150, 3, 4, pods, 3, "3 -> 4 ScaleUp: because"};
    char line[VIEW_LINE_LEN];
    size_t n = view_format(&s, line, sizeof(line));
    assert_int_equal(n, strlen(line));
    assert_string_equal(line, "   12s  conns   127/150    replicas  3 -> 4  | abcde:120 fghjk:0P "
                              "mnpqr:7D | 3 -> 4 ScaleUp: because");
}

static void no_decision_yet_leaves_it_out(void **state)
{
    (void)state;
    struct view_state s = {0, 0, 0, 2, 2, NULL, 0, ""};
    char line[VIEW_LINE_LEN];
    view_format(&s, line, sizeof(line));
    assert_string_equal(line, "    0s  conns     0/0      replicas  2 -> 2  |");
}

static void a_short_buffer_cuts_the_line(void **state)
{
    (void)state;
    struct view_state s = {5, 1, 1, 2, 2, NULL, 0, "a long decision"};
    char line[10];
    size_t n = view_format(&s, line, sizeof(line));
    assert_int_equal(n, 9);
    assert_string_equal(line, "    5s  c");
    assert_int_equal(view_format(&s, line, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shows_totals_replicas_pods_and_the_decision),
        cmocka_unit_test(no_decision_yet_leaves_it_out),
        cmocka_unit_test(a_short_buffer_cuts_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
