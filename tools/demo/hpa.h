/* SPDX-License-Identifier: Apache-2.0 */
/* hpa.h: the HorizontalPodAutoscaler's decision for one Pods metric (target type AverageValue): the
 * replica calculation with tolerance, missing, unready and ignored pods, then the controller step
 * with stabilization windows, behavior policies or the legacy limits, and the min/max clamp.
 * Does not: do I/O, read a clock (time comes in as now_ms), allocate, or scale anything.
 * Threads: a struct hpa belongs to one caller; the pure functions may run anywhere. */
#ifndef WSSCALE_DEMO_HPA_H
#define WSSCALE_DEMO_HPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returned by hpa_spec_apply_defaults / hpa_init when the spec would fail API validation. */
#define HPA_EINVAL (-22)

/* kube-controller-manager's --horizontal-pod-autoscaler-tolerance default. */
#define HPA_DEFAULT_TOLERANCE 0.1
/* kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization default, seconds.
 */
#define HPA_DEFAULT_DOWNSCALE_STABILIZATION_S 300
/* The apiserver's minReplicas default. */
#define HPA_DEFAULT_MIN_REPLICAS 1
/* Legacy (no behavior) scale-up cap per step: max(FACTOR x current, MINIMUM). */
#define HPA_LEGACY_SCALE_UP_FACTOR  2
#define HPA_LEGACY_SCALE_UP_MINIMUM 4
/* Policies per direction that a spec may hold (the API has no limit; real specs use 1-3). */
#define HPA_MAX_POLICIES 8
/* Entries kept in each history (recommendations, scale-up events, scale-down events). The HPA
 * reuses an entry once it is older than every window, so this bounds window / sync period:
 * 1024 covers a 300 s window at a 1 s sync period with room. When full, the oldest is overwritten.
 */
#define HPA_HISTORY_CAP 1024
/* The longest error or message text this unit writes, with its NUL. */
#define HPA_ERR_LEN 160

/* How the pod lister and the metrics reply place a pod (replica_calculator.go groupPods). */
enum hpa_pod_phase {
    HPA_POD_READY = 0, /* listed, Running (or Succeeded/Unknown), not deleting: ready or missing */
    HPA_POD_PENDING,   /* phase Pending: "unready"; its value is dropped */
    HPA_POD_IGNORED,   /* deletionTimestamp set or phase Failed: its value is dropped */
    HPA_POD_UNLISTED,  /* a value in the reply for a pod the lister does not know: still averaged,
                          never counted ready (the HPA does the same) */
};

/* One pod matched by the selector, with its metric value if the adapter returned one. */
struct hpa_pod {
    const char *name; /* borrowed; names must be unique within one call; may be NULL */
    enum hpa_pod_phase phase;
    bool has_value;      /* false: no item for this pod in the reply ("missing") */
    int64_t milli_value; /* the item's value as Quantity.MilliValue() */
};

enum hpa_policy_type {
    HPA_POLICY_PODS = 0, /* change by at most value pods per period */
    HPA_POLICY_PERCENT,  /* change by at most value percent of the period's start count */
};

enum hpa_select_policy {
    HPA_SELECT_MAX = 0, /* the policy allowing the largest change wins (the default) */
    HPA_SELECT_MIN,     /* the policy allowing the smallest change wins */
    HPA_SELECT_DISABLED /* no change in this direction */
};

struct hpa_policy {
    enum hpa_policy_type type;
    int32_t value;    /* > 0 */
    int32_t period_s; /* periodSeconds, 1..1800 */
};

/* spec.behavior.scaleUp or .scaleDown. has_* false / n_policies 0 mean "not set" (nil), which
 * hpa_spec_apply_defaults fills in as the apiserver does. */
struct hpa_rules {
    bool has_stabilization_window;
    int32_t stabilization_window_s; /* 0..3600 */
    bool has_select_policy;
    enum hpa_select_policy select_policy;
    size_t n_policies; /* 0 = nil: the defaults replace the whole list */
    struct hpa_policy policies[HPA_MAX_POLICIES];
};

struct hpa_spec {
    int32_t min_replicas;    /* 0 means unset: defaults to 1 (scale to zero is not modelled) */
    int32_t max_replicas;    /* >= min_replicas */
    int64_t target_milli;    /* target.averageValue in milli-units, > 0 */
    const char *metric_name; /* borrowed, for messages only; NULL reads "pods metric" */
    double tolerance;        /* the controller flag; hpa_spec_init sets 0.1 */
    int32_t downscale_stabilization_s; /* the controller flag; hpa_spec_init sets 300 */
    bool has_behavior;                 /* false: the legacy path */
    bool has_scale_up;                 /* behavior.scaleUp set (only read when has_behavior) */
    struct hpa_rules scale_up;
    bool has_scale_down; /* behavior.scaleDown set (only read when has_behavior) */
    struct hpa_rules scale_down;
};

/* Fills s with min/max/target, the controller's default tolerance and downscale window, and no
 * behavior (the legacy path). Cannot fail; validation happens in hpa_spec_apply_defaults. */
void hpa_spec_init(struct hpa_spec *s, int32_t min_replicas, int32_t max_replicas,
                   int64_t target_milli);

/* Applies the apiserver's defaulting (minReplicas 1; with behavior: scaleUp window 0, Max, Pods 4
 * / 15 s and Percent 100 / 15 s; scaleDown Max, Percent 100 / 15 s, window = the controller's
 * downscale flag) and validates. Returns 0, or HPA_EINVAL with a message in err (errlen bytes,
 * may be 0). Idempotent. Pure. */
int hpa_spec_apply_defaults(struct hpa_spec *s, char *err, size_t errlen);

/* The replica calculation alone (calcPlainMetricReplicas): what one metric proposes. */
struct hpa_calc {
    bool is_valid;       /* false: no usable value (or no pods); the HPA then does nothing */
    int32_t replicas;    /* proposed count; current when within tolerance or direction flips */
    int64_t usage_milli; /* integer average of the values kept (before missing/unready fill) */
    double ratio;        /* usage / target */
    double new_ratio;    /* after filling missing/unready pods; == ratio when no fill happened */
    int32_t n_ready, n_unready, n_missing, n_ignored;
    const char
        *why; /* static text: why this count (e.g. "within tolerance", "direction flipped") */
    char error[HPA_ERR_LEN]; /* when !is_valid, the HPA's error text */
};

/* Computes the proposal of one Pods metric for current_replicas from n pods (see hpa_pod) against
 * target_milli (> 0) with a symmetric tolerance. Never fails: an invalid metric is reported in
 * out (is_valid false, error "did not receive metrics for targeted pods (pods might be unready)"
 * or "no pods returned by selector while calculating replica count"). Pure. */
void hpa_calc_replicas(const struct hpa_pod *pods, size_t n, int64_t target_milli,
                       int32_t current_replicas, double tolerance, struct hpa_calc *out);

/* What one controller step decided, with the HPA's condition reasons and messages (static text). */
struct hpa_decision {
    int32_t desired;        /* the count to scale to (== current when nothing changes) */
    bool is_rescale;        /* desired != current: the caller should scale now */
    bool is_invalid_metric; /* no usable values: nothing was done, nothing recorded */
    bool is_disabled;       /* current is 0 with minReplicas != 0: autoscaling is off */
    int32_t recommendation; /* the metric's raw proposal (calc.replicas), -1 when none */
    int32_t stabilized;     /* after the stabilization window(s), before rate limits and clamp */
    int64_t usage_milli;    /* the metric's average value (calc.usage_milli) */
    /* The headline: the most telling of the conditions below, e.g. "ScaleUpLimit" with
     * "the desired replica count is increasing faster than the maximum scale rate". */
    const char *reason;
    const char *message;
    /* AbleToScale: ReadyForNewScale / ScaleUpStabilized / ScaleDownStabilized. */
    const char *able_reason;
    const char *able_message;
    /* ScalingActive: ValidMetricFound / FailedGetPodsMetric / ScalingDisabled. */
    const char *active_reason;
    const char *active_message; /* for FailedGetPodsMetric, points at calc.error */
    /* ScalingLimited (is_limited = condition True): DesiredWithinRange / ScaleUpLimit /
     * ScaleDownLimit / TooManyReplicas / TooFewReplicas; NULL when the step did not get there. */
    bool is_limited;
    const char *limited_reason;
    const char *limited_message;
    struct hpa_calc calc;       /* the replica calculation behind it */
    char text[2 * HPA_ERR_LEN]; /* private: backs active_message */
};

struct hpa_recommendation {
    int64_t at_ms;
    int32_t replicas;
};

struct hpa_scale_event {
    int64_t at_ms;
    int32_t change; /* > 0 */
    bool is_outdated;
};

/* One HorizontalPodAutoscaler's controller state. Put it anywhere (about 50 KB); fields are
 * private but for spec (public, read-only after hpa_init). */
struct hpa {
    struct hpa_spec spec; /* the defaulted copy */
    size_t n_recs;
    struct hpa_recommendation recs[HPA_HISTORY_CAP];
    size_t n_up;
    struct hpa_scale_event up[HPA_HISTORY_CAP];
    size_t n_down;
    struct hpa_scale_event down[HPA_HISTORY_CAP];
};

/* Starts h with a defaulted copy of spec and empty histories. Returns 0, or HPA_EINVAL with a
 * message in err when the spec is invalid (h is then unusable). */
int hpa_init(struct hpa *h, const struct hpa_spec *spec, char *err, size_t errlen);

/* One sync of the controller at now_ms (any monotonic clock, never going back) with the target's
 * current_replicas and the pods the selector matches. Fills out; records the recommendation and,
 * when out->is_rescale, the scale event as if the caller scaled to out->desired (the HPA records
 * it when the scale update succeeds). Cannot fail. Not thread-safe on one h. */
void hpa_step(struct hpa *h, int64_t now_ms, int32_t current_replicas, const struct hpa_pod *pods,
              size_t n, struct hpa_decision *out);

#endif
