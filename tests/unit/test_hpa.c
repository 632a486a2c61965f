/* SPDX-License-Identifier: Apache-2.0 */
/* test_hpa.c: the HPA's Pods-metric replica calculation and controller step (tools/demo/hpa.c):
 * the spec's worked examples, tolerance edges, missing/unready/ignored pods, the legacy limits and
 * window, behavior policies and windows, clamping and validation, on a fake clock.
 * Does not: start pods or read a clock; every expected number is worked out in a comment.
 * Threads: single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hpa.h"

#define S(sec)   ((int64_t)(sec)*1000) /* seconds on the fake clock, in ms */
#define MAX_PODS 12

static const char NO_METRICS[] =
    "did not receive metrics for targeted pods (pods might be unready)";
static const char NO_PODS[] = "no pods returned by selector while calculating replica count";

/* Pod builders: v(x) ready with value x, miss() ready without a value, pend(x) Pending with a
 * value, gone(x) deleting/Failed with a value, extra(x) a value for a pod the lister lacks. */
#define v(x)                                                                                       \
    {                                                                                              \
        NULL, HPA_POD_READY, true, (x)                                                             \
    }
#define miss()                                                                                     \
    {                                                                                              \
        NULL, HPA_POD_READY, false, 0                                                              \
    }
#define pend(x)                                                                                    \
    {                                                                                              \
        NULL, HPA_POD_PENDING, true, (x)                                                           \
    }
#define gone(x)                                                                                    \
    {                                                                                              \
        NULL, HPA_POD_IGNORED, true, (x)                                                           \
    }
#define extra(x)                                                                                   \
    {                                                                                              \
        NULL, HPA_POD_UNLISTED, true, (x)                                                          \
    }

struct calc_case {
    const char *name;
    struct hpa_pod pods[MAX_PODS];
    size_t n;
    int64_t target;
    int32_t current;
    double tolerance;
    int32_t want_replicas;
    int64_t want_usage;
    const char *want_why; /* NULL: invalid, want_error set */
    const char *want_error;
};

/* All targets are 100 milli-units, tolerance 0.1 unless said otherwise. */
static const struct calc_case calc_cases[] = {
    /* Spec §3: 120/90/150 -> usage 360/3 = 120, ratio 1.2, ceil(1.2 x 3) = ceil(3.6) = 4. */
    {"spec_example_three_pods_scale_to_4",
     {v(120), v(90), v(150)},
     3,
     100,
     3,
     0.1,
     4,
     120,
     "usage / target x ready pods",
     NULL},
    /* Spec §3, 4th pod Running without a value: ratio 1.2 > 1 so it counts as 0: 360/4 = 90,
     * new ratio 0.9: within tolerance (and a flip), so the current 4 stays. */
    {"spec_example_fourth_pod_missing_stays_at_4",
     {v(120), v(90), v(150), miss()},
     4,
     100,
     4,
     0.1,
     4,
     120,
     "usage within tolerance once missing/unready pods are counted",
     NULL},
    /* 110 each: ratio 1.1 == 1.0 + 0.1 exactly (the same double): within, stays 10. */
    {"ratio_exactly_1_1_is_within_tolerance",
     {v(110), v(110), v(110), v(110), v(110), v(110), v(110), v(110), v(110), v(110)},
     10,
     100,
     10,
     0.1,
     10,
     110,
     "usage within tolerance of the target",
     NULL},
    /* 111 each: ratio 1.11 > 1.1: ceil(1.11 x 10) = ceil(11.1) = 12. */
    {"ratio_1_11_scales_up",
     {v(111), v(111), v(111), v(111), v(111), v(111), v(111), v(111), v(111), v(111)},
     10,
     100,
     10,
     0.1,
     12,
     111,
     "usage / target x ready pods",
     NULL},
    /* 90 each: ratio 0.9 == 1.0 - 0.1 exactly: within, stays 10. */
    {"ratio_exactly_0_9_is_within_tolerance",
     {v(90), v(90), v(90), v(90), v(90), v(90), v(90), v(90), v(90), v(90)},
     10,
     100,
     10,
     0.1,
     10,
     90,
     "usage within tolerance of the target",
     NULL},
    /* 89 each: ratio 0.89 < 0.9: ceil(0.89 x 10) = ceil(8.9) = 9. */
    {"ratio_0_89_scales_down",
     {v(89), v(89), v(89), v(89), v(89), v(89), v(89), v(89), v(89), v(89)},
     10,
     100,
     10,
     0.1,
     9,
     89,
     "usage / target x ready pods",
     NULL},
    /* Tolerance 0: 100,100,102 -> integer average 302/3 = 100 (not 100.67), ratio 1.0 exactly:
     * stays 3. A float average would give ceil(1.0067 x 3) = 4. */
    {"usage_is_an_integer_average",
     {v(100), v(100), v(102)},
     3,
     100,
     3,
     0.0,
     3,
     100,
     "usage within tolerance of the target",
     NULL},
    /* Scaling down, 2 missing count as the target: ratio 20/100 = 0.2 < 1, so
     * (20 + 20 + 100 + 100) / 4 = 60, new ratio 0.6, ceil(0.6 x 4) = ceil(2.4) = 3
     * (ignoring them would give ceil(0.2 x 2) = 1). */
    {"missing_pods_count_as_target_when_scaling_down",
     {v(20), v(20), miss(), miss()},
     4,
     100,
     4,
     0.1,
     3,
     20,
     "usage / target x pods, missing/unready pods counted",
     NULL},
    /* Scaling up, 2 missing count as 0: ratio 1.5; 300 / 4 = 75, new ratio 0.75 < 1: the
     * direction flips, stays 4. */
    {"missing_pods_that_flip_the_direction_keep_current",
     {v(150), v(150), miss(), miss()},
     4,
     100,
     4,
     0.1,
     4,
     150,
     "counting missing/unready pods flips the direction",
     NULL},
    /* Scaling up, 2 Pending count as 0: ratio 2.1; 420 / 4 = 105, new ratio 1.05: within, stays 4
     * (ignoring them would give ceil(2.1 x 2) = ceil(4.2) = 5). */
    {"unready_pods_count_as_zero_when_scaling_up",
     {v(210), v(210), pend(500), pend(500)},
     4,
     100,
     4,
     0.1,
     4,
     210,
     "usage within tolerance once missing/unready pods are counted",
     NULL},
    /* Scaling up, 3 Pending as 0: ratio 3.0; 300 / 4 = 75, 0.75 < 1 flips: stays 4. */
    {"unready_pods_that_flip_the_direction_keep_current",
     {v(300), pend(0), pend(0), pend(0)},
     4,
     100,
     4,
     0.1,
     4,
     300,
     "counting missing/unready pods flips the direction",
     NULL},
    /* Scaling down, Pending pods are just dropped: ratio 50/100 = 0.5, ceil(0.5 x 2) = 1. */
    {"unready_pods_are_dropped_when_scaling_down",
     {v(50), v(50), pend(900), pend(900)},
     4,
     100,
     4,
     0.1,
     1,
     50,
     "usage / target x ready pods",
     NULL},
    /* A deleting pod's 1000 is dropped: (100 + 100) / 2 = 100, ratio 1.0: stays 3. */
    {"ignored_pods_values_are_dropped",
     {v(100), v(100), gone(1000)},
     3,
     100,
     3,
     0.1,
     3,
     100,
     "usage within tolerance of the target",
     NULL},
    /* An item for an unlisted pod is averaged but not ready: (100 + 100 + 400) / 3 = 200,
     * ratio 2.0, ceil(2.0 x 2 ready) = 4. */
    {"unlisted_items_are_averaged_but_not_counted_ready",
     {v(100), v(100), extra(400)},
     3,
     100,
     2,
     0.1,
     4,
     200,
     "usage / target x ready pods",
     NULL},
    /* Scaling down with missing: (10 + 10 + 3 x 100) / 5 = 64, 0.64, ceil(0.64 x 5) = ceil(3.2) =
     * 4 > current 2 while usage is below target: contradicts the direction, stays 2. */
    {"proposal_against_the_direction_keeps_current",
     {v(10), v(10), miss(), miss(), miss()},
     5,
     100,
     2,
     0.1,
     2,
     10,
     "the proposal contradicts the direction of the usage",
     NULL},
    /* Scaling up with a missing pod while current is 10: ratio 3.0; (300 + 300 + 0) / 3 = 200,
     * new ratio 2.0, ceil(2.0 x 3) = 6 < current 10 while usage is above target: stays 10. */
    {"scale_up_proposal_below_current_keeps_current",
     {v(300), v(300), miss()},
     3,
     100,
     10,
     0.1,
     10,
     300,
     "the proposal contradicts the direction of the usage",
     NULL},
    /* Milli-units: 3 pods at 1.5 (1500m) with target 1 (1000m): ratio 1.5, ceil(4.5) = 5. */
    {"values_and_target_are_milli_units",
     {v(1500), v(1500), v(1500)},
     3,
     1000,
     3,
     0.1,
     5,
     1500,
     "usage / target x ready pods",
     NULL},
    /* No value at all: only missing pods. */
    {"no_values_is_invalid", {miss(), miss()}, 2, 100, 2, 0.1, 2, 0, NULL, NO_METRICS},
    /* Values only from Pending and deleting pods: all dropped. */
    {"only_unready_and_ignored_values_is_invalid",
     {pend(100), gone(100)},
     2,
     100,
     2,
     0.1,
     2,
     0,
     NULL,
     NO_METRICS},
    /* No listed pod (an unlisted item does not count as one). */
    {"no_listed_pods_is_invalid", {extra(100)}, 1, 100, 1, 0.1, 1, 0, NULL, NO_PODS},
    {"empty_pod_list_is_invalid", {miss()}, 0, 100, 1, 0.1, 1, 0, NULL, NO_PODS},
};

static void calc_matches_the_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(calc_cases) / sizeof(calc_cases[0]); i++) {
        const struct calc_case *c = &calc_cases[i];
        struct hpa_calc out;
        hpa_calc_replicas(c->pods, c->n, c->target, c->current, c->tolerance, &out);
        print_message("case %s\n", c->name);
        assert_int_equal(out.replicas, c->want_replicas);
        if (c->want_why) {
            assert_true(out.is_valid);
            assert_int_equal(out.usage_milli, c->want_usage);
            assert_string_equal(out.why, c->want_why);
        } else {
            assert_false(out.is_valid);
            assert_string_equal(out.error, c->want_error);
        }
    }
}

static void calc_counts_pod_groups(void **state)
{
    (void)state;
    /* 2 ready, 1 missing, 2 Pending, 1 deleting; one unlisted item counts nowhere. */
    struct hpa_pod pods[] = {v(100), v(100), miss(), pend(1), pend(2), gone(3), extra(100)};
    struct hpa_calc out;
    hpa_calc_replicas(pods, 7, 100, 3, 0.1, &out);
    assert_int_equal(out.n_ready, 2);
    assert_int_equal(out.n_missing, 1);
    assert_int_equal(out.n_unready, 2);
    assert_int_equal(out.n_ignored, 1);
}

/* --- spec defaults and validation -------------------------------------------------------- */

static void defaults_fill_behavior_like_the_apiserver(void **state)
{
    (void)state;
    struct hpa_spec s;
    char err[HPA_ERR_LEN];
    hpa_spec_init(&s, 0, 10, 100000);
    s.has_behavior = true;
    s.downscale_stabilization_s = 120;
    assert_int_equal(hpa_spec_apply_defaults(&s, err, sizeof(err)), 0);
    assert_int_equal(s.min_replicas, 1);
    assert_true(s.tolerance == 0.1);
    /* scaleUp: window 0, Max, Pods 4/15 s and Percent 100/15 s. */
    assert_int_equal(s.scale_up.stabilization_window_s, 0);
    assert_int_equal(s.scale_up.select_policy, HPA_SELECT_MAX);
    assert_int_equal(s.scale_up.n_policies, 2);
    assert_int_equal(s.scale_up.policies[0].type, HPA_POLICY_PODS);
    assert_int_equal(s.scale_up.policies[0].value, 4);
    assert_int_equal(s.scale_up.policies[0].period_s, 15);
    assert_int_equal(s.scale_up.policies[1].type, HPA_POLICY_PERCENT);
    assert_int_equal(s.scale_up.policies[1].value, 100);
    assert_int_equal(s.scale_up.policies[1].period_s, 15);
    /* scaleDown: window = the controller flag (120 here), Max, Percent 100/15 s. */
    assert_int_equal(s.scale_down.stabilization_window_s, 120);
    assert_int_equal(s.scale_down.select_policy, HPA_SELECT_MAX);
    assert_int_equal(s.scale_down.n_policies, 1);
    assert_int_equal(s.scale_down.policies[0].type, HPA_POLICY_PERCENT);
    assert_int_equal(s.scale_down.policies[0].value, 100);
    assert_int_equal(s.scale_down.policies[0].period_s, 15);
}

static void defaults_keep_given_fields_and_replace_policies_whole(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 2, 10, 100000);
    s.has_behavior = true;
    s.has_scale_up = true;
    s.scale_up.has_select_policy = true;
    s.scale_up.select_policy = HPA_SELECT_MIN;
    s.scale_up.n_policies = 1;
    s.scale_up.policies[0] = (struct hpa_policy){HPA_POLICY_PERCENT, 50, 60};
    s.has_scale_down = true;
    s.scale_down.has_stabilization_window = true;
    s.scale_down.stabilization_window_s = 0;
    assert_int_equal(hpa_spec_apply_defaults(&s, NULL, 0), 0);
    assert_int_equal(s.min_replicas, 2);
    assert_int_equal(s.scale_up.select_policy, HPA_SELECT_MIN);
    assert_int_equal(s.scale_up.stabilization_window_s, 0);
    assert_int_equal(s.scale_up.n_policies, 1); /* not merged with Pods 4 */
    assert_int_equal(s.scale_up.policies[0].value, 50);
    assert_int_equal(s.scale_down.stabilization_window_s, 0); /* given 0 is kept, not 300 */
    assert_int_equal(s.scale_down.n_policies, 1);
    /* Applying again changes nothing. */
    struct hpa_spec again = s;
    assert_int_equal(hpa_spec_apply_defaults(&again, NULL, 0), 0);
    assert_memory_equal(&again, &s, sizeof(s));
}

static void defaults_leave_legacy_spec_without_behavior(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100000);
    assert_int_equal(hpa_spec_apply_defaults(&s, NULL, 0), 0);
    assert_false(s.has_behavior);
    assert_int_equal(s.downscale_stabilization_s, 300);
    assert_int_equal(s.scale_up.n_policies, 0);
}

struct bad_spec {
    const char *name;
    int32_t min, max;
    int64_t target;
    int32_t up_window;
    struct hpa_policy policy; /* scaleUp's only policy when value != 0 or period != 0 */
    const char *want;
};

static const struct bad_spec bad_specs[] = {
    {"negative_min",
     -1,
     5,
     100,
     0,
     {0, 0, 0},
     "spec.minReplicas: Invalid value: -1: must be greater than or equal to 1"},
    {"max_below_min",
     3,
     2,
     100,
     0,
     {0, 0, 0},
     "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"},
    {"zero_target",
     1,
     5,
     0,
     0,
     {0, 0, 0},
     "spec.metrics[0].pods.target.averageValue: Invalid value: 0: must be positive"},
    {"window_over_an_hour",
     1,
     5,
     100,
     3601,
     {0, 0, 0},
     "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or "
     "equal to 3600"},
    {"negative_window",
     1,
     5,
     100,
     -1,
     {0, 0, 0},
     "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or "
     "equal to zero"},
    {"zero_policy_value",
     1,
     5,
     100,
     0,
     {HPA_POLICY_PODS, 0, 15},
     "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero"},
    {"zero_period",
     1,
     5,
     100,
     0,
     {HPA_POLICY_PODS, 4, 0},
     "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 0: must be greater than "
     "zero"},
    {"period_over_30_minutes",
     1,
     5,
     100,
     0,
     {HPA_POLICY_PERCENT, 4, 1801},
     "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or "
     "equal to 1800"},
};

static void invalid_specs_are_rejected_with_the_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
        const struct bad_spec *b = &bad_specs[i];
        struct hpa_spec s;
        char err[HPA_ERR_LEN];
        print_message("case %s\n", b->name);
        hpa_spec_init(&s, b->min, b->max, b->target);
        s.has_behavior = true;
        s.has_scale_up = true;
        s.scale_up.has_stabilization_window = true;
        s.scale_up.stabilization_window_s = b->up_window;
        if (b->policy.value != 0 || b->policy.period_s != 0) {
            s.scale_up.n_policies = 1;
            s.scale_up.policies[0] = b->policy;
        }
        assert_int_equal(hpa_spec_apply_defaults(&s, err, sizeof(err)), HPA_EINVAL);
        assert_string_equal(err, b->want);
        /* hpa_init reports the same. */
        static struct hpa h;
        hpa_spec_init(&s, b->min, b->max, b->target);
        s.has_behavior = true;
        s.has_scale_up = true;
        s.scale_up.has_stabilization_window = true;
        s.scale_up.stabilization_window_s = b->up_window;
        if (b->policy.value != 0 || b->policy.period_s != 0) {
            s.scale_up.n_policies = 1;
            s.scale_up.policies[0] = b->policy;
        }
        assert_int_equal(hpa_init(&h, &s, err, sizeof(err)), HPA_EINVAL);
        assert_string_equal(err, b->want);
    }
}

/* --- the controller step ----------------------------------------------------------------- */

/* n pods, each ready with value x. */
static size_t fill(struct hpa_pod *pods, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        pods[i] = (struct hpa_pod){NULL, HPA_POD_READY, true, x};
    return n;
}

/* One step with current pods all at x; returns the desired count. */
static int32_t step(struct hpa *h, int64_t now_ms, int32_t current, int64_t x,
                    struct hpa_decision *d)
{
    struct hpa_pod pods[64];
    assert_true(current >= 0 && current <= 64);
    size_t n = fill(pods, (size_t)current, x);
    hpa_step(h, now_ms, current, pods, n, d);
    return d->desired;
}

static struct hpa *new_hpa(const struct hpa_spec *s)
{
    struct hpa *h = malloc(sizeof(*h));
    assert_non_null(h);
    char err[HPA_ERR_LEN];
    assert_int_equal(hpa_init(h, s, err, sizeof(err)), 0);
    return h;
}

static void step_reports_usage_recommendation_and_active_condition(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    s.metric_name = "websocket_connections";
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    struct hpa_pod pods[] = {v(120), v(90), v(150)};
    /* Spec example: recommendation 4; legacy cap max(2 x 3, 4) = 6 and max 10 allow 4. */
    hpa_step(h, S(0), 3, pods, 3, &d);
    assert_int_equal(d.recommendation, 4);
    assert_int_equal(d.stabilized, 4);
    assert_int_equal(d.desired, 4);
    assert_true(d.is_rescale);
    assert_int_equal(d.usage_milli, 120);
    assert_string_equal(d.active_reason, "ValidMetricFound");
    assert_string_equal(d.active_message, "the HPA was able to successfully calculate a replica "
                                          "count from pods metric websocket_connections");
    assert_string_equal(d.able_reason, "ReadyForNewScale");
    assert_false(d.is_limited);
    assert_string_equal(d.reason, "DesiredWithinRange");
    assert_string_equal(d.message, "the desired count is within the acceptable range");
    free(h);
}

static void step_with_no_values_does_nothing(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    struct hpa_pod pods[] = {miss(), miss(), pend(500)};
    hpa_step(h, S(0), 3, pods, 3, &d);
    assert_true(d.is_invalid_metric);
    assert_false(d.is_rescale);
    assert_int_equal(d.desired, 3);
    assert_int_equal(d.recommendation, -1);
    assert_string_equal(d.reason, "FailedGetPodsMetric");
    assert_string_equal(d.message, "the HPA was unable to compute the replica count: did not "
                                   "receive metrics for targeted pods (pods might be unready)");
    /* Only the first sync's seed (3 at t=0) is recorded, no recommendation. */
    assert_int_equal(h->n_recs, 1);
    free(h);
}

static void step_with_zero_replicas_is_disabled(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    struct hpa_pod pods[] = {v(500)};
    hpa_step(h, S(0), 0, pods, 1, &d);
    assert_true(d.is_disabled);
    assert_false(d.is_rescale);
    assert_int_equal(d.desired, 0);
    assert_string_equal(d.reason, "ScalingDisabled");
    assert_string_equal(d.message,
                        "scaling is disabled since the replica count of the target is zero");
    free(h);
}

static void step_brings_current_outside_min_max_back_at_once(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 2, 5, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* 7 > max 5: straight to 5, whatever the metric says. */
    assert_int_equal(step(h, S(0), 7, 1000, &d), 5);
    assert_true(d.is_rescale);
    assert_string_equal(d.reason, "Current number of replicas above Spec.MaxReplicas");
    /* 1 < min 2: straight to 2. */
    assert_int_equal(step(h, S(15), 1, 0, &d), 2);
    assert_string_equal(d.reason, "Current number of replicas below Spec.MinReplicas");
    free(h);
}

static void step_clamps_to_max_replicas(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 2, 5, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* 3 pods at 300: ceil(3.0 x 3) = 9; legacy cap max(2 x 3, 4) = 6 > max 5, so the max
     * binds: 5, TooManyReplicas. */
    assert_int_equal(step(h, S(0), 3, 300, &d), 5);
    assert_int_equal(d.recommendation, 9);
    assert_true(d.is_limited);
    assert_string_equal(d.reason, "TooManyReplicas");
    assert_string_equal(d.message,
                        "the desired replica count is more than the maximum replica count");
    free(h);
}

static void step_clamps_to_min_replicas(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 2, 10, 100);
    s.downscale_stabilization_s = 0;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0: at target, records 3. t=1 s: window 0, so the t=0 entries are older than the cutoff
     * (0 < 1000) and ignored: 3 pods at 10 -> ceil(0.1 x 3) = 1 < min 2 -> 2, TooFewReplicas. */
    assert_int_equal(step(h, S(0), 3, 100, &d), 3);
    assert_int_equal(step(h, S(1), 3, 10, &d), 2);
    assert_int_equal(d.recommendation, 1);
    assert_string_equal(d.reason, "TooFewReplicas");
    assert_string_equal(d.message,
                        "the desired replica count is less than the minimum replica count");
    free(h);
}

static void legacy_scale_up_is_capped_at_twice_current_or_4(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* 1 pod at 1000: ceil(10 x 1) = 10; cap max(2 x 1, 4) = 4. */
    assert_int_equal(step(h, S(0), 1, 1000, &d), 4);
    assert_string_equal(d.reason, "ScaleUpLimit");
    assert_string_equal(
        d.message, "the desired replica count is increasing faster than the maximum scale rate");
    /* 4 pods at 1000: ceil(10 x 4) = 40; cap max(8, 4) = 8. */
    assert_int_equal(step(h, S(15), 4, 1000, &d), 8);
    /* 8 pods at 1000: 80; cap 16. Legacy has no period history: the next step doubles again. */
    assert_int_equal(step(h, S(16), 8, 1000, &d), 16);
    /* 16 pods at 200: ceil(2 x 16) = 32, but the legacy window keeps the highest recommendation
     * of 5 minutes for any direction: 80 (t=16), capped at 2 x 16 = 32. */
    assert_int_equal(step(h, S(30), 16, 200, &d), 32);
    assert_int_equal(d.recommendation, 32);
    assert_int_equal(d.stabilized, 80);
    assert_string_equal(d.reason, "ScaleUpLimit");
    free(h);
}

static void legacy_fresh_hpa_does_not_scale_down_within_the_window(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* The first sync seeds 4 at t=0: 4 pods at 10 -> ceil(0.1 x 4) = 1, stabilized to 4. */
    assert_int_equal(step(h, S(0), 4, 10, &d), 4);
    assert_int_equal(d.recommendation, 1);
    assert_int_equal(d.stabilized, 4);
    assert_false(d.is_rescale);
    assert_string_equal(d.reason, "ScaleDownStabilized");
    assert_string_equal(d.message, "recent recommendations were higher than current one, applying "
                                   "the highest recent recommendation");
    free(h);
}

static void legacy_downscale_takes_the_highest_recommendation_of_5_minutes(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0: 5 pods at 100: within, recommendation 5 (plus the seed 5 at t=0). */
    assert_int_equal(step(h, S(0), 5, 100, &d), 5);
    /* t=60: at 80 -> ceil(0.8 x 5) = 4; highest in [t-300 s, t] is 5. */
    assert_int_equal(step(h, S(60), 5, 80, &d), 5);
    assert_int_equal(d.recommendation, 4);
    /* t=120: at 40 -> ceil(0.4 x 5) = 2; still 5. */
    assert_int_equal(step(h, S(120), 5, 40, &d), 5);
    /* t=300 s exactly: cutoff 0, the t=0 entries are not before it: still 5. */
    assert_int_equal(step(h, S(300), 5, 40, &d), 5);
    assert_string_equal(d.reason, "ScaleDownStabilized");
    /* t=300.001 s: the t=0 entries are out; highest of 4 (t=60), 2, 2 and 2 now is 4. */
    assert_int_equal(step(h, S(300) + 1, 5, 40, &d), 4);
    assert_true(d.is_rescale);
    /* t=360.001 s with 4 pods at 40 -> ceil(0.4 x 4) = 2; the 4 at t=60 is out: 2. */
    assert_int_equal(step(h, S(360) + 1, 4, 40, &d), 2);
    assert_int_equal(d.stabilized, 2);
    free(h);
}

static void legacy_scale_up_is_not_stabilized(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0 at 50 with 4 pods -> 2, held at 4 by the seed. t=10 at 150 -> ceil(1.5 x 4) = 6:
     * up at once (the window only holds downscales). */
    assert_int_equal(step(h, S(0), 4, 50, &d), 4);
    assert_int_equal(step(h, S(10), 4, 150, &d), 6);
    free(h);
}

static void legacy_history_is_bounded_and_drops_the_oldest(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 10, 100);
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0: seed 10 and recommendation 10 (at target): 2 entries. Then one step per ms, all
     * within the 300 s window, each recommending ceil(0.1 x 10) = 1. After step i the history
     * holds 2 + i entries until it is full at i = HPA_HISTORY_CAP - 2; step CAP - 1 evicts the
     * first 10 (after reading it), step CAP the second, so step CAP + 1 sees only 1s. */
    assert_int_equal(step(h, 0, 10, 100, &d), 10);
    for (int64_t i = 1; i <= HPA_HISTORY_CAP; i++) {
        assert_int_equal(step(h, i, 10, 10, &d), 10);
        assert_true(h->n_recs <= HPA_HISTORY_CAP);
    }
    assert_int_equal(h->n_recs, HPA_HISTORY_CAP);
    assert_int_equal(step(h, HPA_HISTORY_CAP + 1, 10, 10, &d), 1);
    free(h);
}

/* --- behavior ---------------------------------------------------------------------------- */

static void behavior_default_scale_up_is_max_of_4_pods_and_100_percent_per_15s(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0, 2 pods at 1000: ceil(10 x 2) = 20. No events: start 2; Pods 2 + 4 = 6, Percent
     * ceil(2 x 2) = 4; Max -> 6. */
    assert_int_equal(step(h, S(0), 2, 1000, &d), 6);
    assert_int_equal(d.stabilized, 20);
    assert_string_equal(d.reason, "ScaleUpLimit");
    /* t=5: 6 pods -> 60. The +4 at t=0 is inside 15 s: start 6 - 4 = 2 -> limit 6 = current. */
    assert_int_equal(step(h, S(5), 6, 1000, &d), 6);
    assert_false(d.is_rescale);
    assert_string_equal(d.reason, "ScaleUpLimit");
    /* t=15: the event at t=0 is not after the cutoff 0: start 6; Pods 10, Percent 12 -> 12. */
    assert_int_equal(step(h, S(15), 6, 1000, &d), 12);
    /* t=20: +6 at t=15 inside: start 6; -> 12 again = current. */
    assert_int_equal(step(h, S(20), 12, 1000, &d), 12);
    /* t=30.001: start 12; Pods 16, Percent 24 -> 24 (recommendation ceil(10 x 12) = 120). */
    assert_int_equal(step(h, S(30) + 1, 12, 1000, &d), 24);
    free(h);
}

static void behavior_select_min_takes_the_smaller_scale_up(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.has_scale_up = true;
    s.scale_up.has_select_policy = true;
    s.scale_up.select_policy = HPA_SELECT_MIN;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* Default policies, start 2: Pods 6, Percent 4; Min -> 4. */
    assert_int_equal(step(h, S(0), 2, 1000, &d), 4);
    /* t=15: start 4: Pods 8, Percent 8 -> 8. */
    assert_int_equal(step(h, S(15), 4, 1000, &d), 8);
    /* t=30: start 8: Pods 12, Percent 16; Min -> 12. */
    assert_int_equal(step(h, S(30), 8, 1000, &d), 12);
    free(h);
}

static void behavior_select_disabled_blocks_that_direction(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.has_scale_up = true;
    s.scale_up.has_select_policy = true;
    s.scale_up.select_policy = HPA_SELECT_DISABLED;
    s.has_scale_down = true;
    s.scale_down.has_stabilization_window = true;
    s.scale_down.stabilization_window_s = 0;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* Up disabled: recommendation 20, limit = current 2. */
    assert_int_equal(step(h, S(0), 2, 1000, &d), 2);
    assert_int_equal(d.recommendation, 20);
    assert_string_equal(d.reason, "ScaleUpLimit");
    /* Down still works: 4 pods at 10 -> ceil(0.4) = 1; window 0; Percent 100 -> 0 -> min 1. */
    assert_int_equal(step(h, S(1), 4, 10, &d), 1);
    free(h);
}

static void behavior_scale_down_policies_pods_and_percent(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.has_scale_down = true;
    s.scale_down.has_stabilization_window = true;
    s.scale_down.stabilization_window_s = 0;
    s.scale_down.n_policies = 2;
    s.scale_down.policies[0] = (struct hpa_policy){HPA_POLICY_PODS, 1, 60};
    s.scale_down.policies[1] = (struct hpa_policy){HPA_POLICY_PERCENT, 50, 60};
    struct hpa_spec s_min = s;
    s_min.scale_down.has_select_policy = true;
    s_min.scale_down.select_policy = HPA_SELECT_MIN;
    struct hpa *max = new_hpa(&s);
    struct hpa *min = new_hpa(&s_min);
    struct hpa_decision d;
    /* 10 pods at 10 -> ceil(0.1 x 10) = 1. Pods: 10 - 1 = 9; Percent: trunc(10 x 0.5) = 5.
     * Max (the biggest change) -> 5, ScaleDownLimit; Min (the smallest) -> 9. */
    assert_int_equal(step(max, S(0), 10, 10, &d), 5);
    assert_string_equal(d.reason, "ScaleDownLimit");
    assert_string_equal(
        d.message, "the desired replica count is decreasing faster than the maximum scale rate");
    assert_int_equal(step(min, S(0), 10, 10, &d), 9);
    /* t=30 (inside 60 s): start = current + removed: Max: 5 + 5 = 10 -> 5 = current;
     * Min: 9 + 1 = 10 -> 9 = current. Nothing moves. */
    assert_int_equal(step(max, S(30), 5, 10, &d), 5);
    assert_int_equal(step(min, S(30), 9, 10, &d), 9);
    /* t=60.001: the t=0 events are out: Max: start 5 -> Pods 4, Percent trunc(2.5) = 2 -> 2;
     * Min: start 9 -> Pods 8, Percent trunc(4.5) = 4 -> 8. */
    assert_int_equal(step(max, S(60) + 1, 5, 10, &d), 2);
    assert_int_equal(step(min, S(60) + 1, 9, 10, &d), 8);
    free(max);
    free(min);
}

static void behavior_scale_down_window_defaults_to_the_controller_flag(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.downscale_stabilization_s = 60;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0 at target: 4. t=30 at 10: ceil(0.4) = 1, but 4 (t=0) is in the 60 s window: 4. */
    assert_int_equal(step(h, S(0), 4, 100, &d), 4);
    assert_int_equal(step(h, S(30), 4, 10, &d), 4);
    assert_string_equal(d.reason, "ScaleDownStabilized");
    /* t=60 exactly: the window is (0, 60]: t=0 entries are not after the cutoff: highest of 1
     * (t=30) and 1 is 1; Percent 100 allows 0; min 1 -> 1. */
    assert_int_equal(step(h, S(60), 4, 10, &d), 1);
    free(h);
}

static void behavior_scale_up_window_takes_the_lowest_recent_recommendation(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.has_scale_up = true;
    s.scale_up.has_stabilization_window = true;
    s.scale_up.stabilization_window_s = 60;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0 at target: 2. t=30 at 300: ceil(3 x 2) = 6, but the 2 at t=0 is in the window. */
    assert_int_equal(step(h, S(0), 2, 100, &d), 2);
    assert_int_equal(step(h, S(30), 2, 300, &d), 2);
    assert_int_equal(d.recommendation, 6);
    assert_string_equal(d.reason, "ScaleUpStabilized");
    assert_string_equal(d.message, "recent recommendations were lower than current one, applying "
                                   "the lowest recent recommendation");
    /* t=60.001: lowest in the window is 6 (t=30 and now); Pods 2 + 4 = 6 allows it: 6. */
    assert_int_equal(step(h, S(60) + 1, 2, 300, &d), 6);
    assert_string_equal(d.reason, "DesiredWithinRange");
    free(h);
}

static void behavior_percent_scale_up_rounds_up(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.has_scale_up = true;
    s.scale_up.n_policies = 1;
    s.scale_up.policies[0] = (struct hpa_policy){HPA_POLICY_PERCENT, 10, 15};
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* 3 pods at 1000: 30; 10 % of 3 -> ceil(3.3) = 4, so a small percentage still moves. */
    assert_int_equal(step(h, S(0), 3, 1000, &d), 4);
    free(h);
}

static void behavior_direction_flip_reads_both_event_histories(void **state)
{
    (void)state;
    struct hpa_spec s;
    hpa_spec_init(&s, 1, 100, 100);
    s.has_behavior = true;
    s.has_scale_down = true;
    s.scale_down.has_stabilization_window = true;
    s.scale_down.stabilization_window_s = 0;
    struct hpa *h = new_hpa(&s);
    struct hpa_decision d;
    /* t=0: 4 at 10 -> 1 (Percent 100 down allows 0, min 1): 4 -> 1, a -3 event. */
    assert_int_equal(step(h, S(0), 4, 10, &d), 1);
    /* t=5: 1 pod at 1000 -> 10. Up periods of 15 s see the -3: start = 1 - 0 + 3 = 4;
     * Pods 8, Percent 8 -> 8. */
    assert_int_equal(step(h, S(5), 1, 1000, &d), 8);
    free(h);
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t next_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

#define RANDOM_STEPS 20000

static void random_steps_stay_within_min_max_and_bounded_history(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int with_behavior = 0; with_behavior < 2; with_behavior++) {
        struct hpa_spec s;
        hpa_spec_init(&s, 2, 9, 100);
        s.has_behavior = with_behavior != 0;
        s.downscale_stabilization_s = 30;
        struct hpa *h = new_hpa(&s);
        int64_t now = 0;
        int32_t current = 3;
        for (int i = 0; i < RANDOM_STEPS; i++) {
            struct hpa_pod pods[MAX_PODS];
            size_t n = (size_t)(next_rand(&x) % (MAX_PODS + 1));
            for (size_t j = 0; j < n; j++) {
                uint64_t r = next_rand(&x);
                pods[j] = (struct hpa_pod){NULL, (enum hpa_pod_phase)(r % 4), (r >> 8) % 5 != 0,
                                           (int64_t)((r >> 16) % 1000)};
            }
            now += (int64_t)(next_rand(&x) % S(20));
            struct hpa_decision d;
            hpa_step(h, now, current, pods, n, &d);
            if (d.is_invalid_metric) {
                assert_int_equal(d.desired, current);
                assert_false(d.is_rescale);
            } else {
                assert_in_range(d.desired, 2, 9);
                assert_non_null(d.reason);
                assert_non_null(d.message);
            }
            assert_true(h->n_recs <= HPA_HISTORY_CAP);
            assert_true(h->n_up <= HPA_HISTORY_CAP && h->n_down <= HPA_HISTORY_CAP);
            current = d.desired;
        }
        free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calc_matches_the_table),
        cmocka_unit_test(calc_counts_pod_groups),
        cmocka_unit_test(defaults_fill_behavior_like_the_apiserver),
        cmocka_unit_test(defaults_keep_given_fields_and_replace_policies_whole),
        cmocka_unit_test(defaults_leave_legacy_spec_without_behavior),
        cmocka_unit_test(invalid_specs_are_rejected_with_the_field),
        cmocka_unit_test(step_reports_usage_recommendation_and_active_condition),
        cmocka_unit_test(step_with_no_values_does_nothing),
        cmocka_unit_test(step_with_zero_replicas_is_disabled),
        cmocka_unit_test(step_brings_current_outside_min_max_back_at_once),
        cmocka_unit_test(step_clamps_to_max_replicas),
        cmocka_unit_test(step_clamps_to_min_replicas),
        cmocka_unit_test(legacy_scale_up_is_capped_at_twice_current_or_4),
        cmocka_unit_test(legacy_fresh_hpa_does_not_scale_down_within_the_window),
        cmocka_unit_test(legacy_downscale_takes_the_highest_recommendation_of_5_minutes),
        cmocka_unit_test(legacy_scale_up_is_not_stabilized),
        cmocka_unit_test(legacy_history_is_bounded_and_drops_the_oldest),
        cmocka_unit_test(behavior_default_scale_up_is_max_of_4_pods_and_100_percent_per_15s),
        cmocka_unit_test(behavior_select_min_takes_the_smaller_scale_up),
        cmocka_unit_test(behavior_select_disabled_blocks_that_direction),
        cmocka_unit_test(behavior_scale_down_policies_pods_and_percent),
        cmocka_unit_test(behavior_scale_down_window_defaults_to_the_controller_flag),
        cmocka_unit_test(behavior_scale_up_window_takes_the_lowest_recent_recommendation),
        cmocka_unit_test(behavior_percent_scale_up_rounds_up),
        cmocka_unit_test(behavior_direction_flip_reads_both_event_histories),
        cmocka_unit_test(random_steps_stay_within_min_max_and_bounded_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
