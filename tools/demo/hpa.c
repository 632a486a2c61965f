/* SPDX-License-Identifier: Apache-2.0 */
/* hpa.c: the HPA's Pods-metric replica calculation and its controller step, as the Kubernetes
 * controller does them (replica_calculator.go and horizontal.go), on a caller-supplied clock.
 * Does not: do I/O, read a clock, allocate, or know how pods are started and stopped.
 * Threads: none of its own; a struct hpa belongs to one caller. */
#include "hpa.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_S 1000

/* The apiserver's validation bounds (pkg/apis/autoscaling/validation). */
#define MAX_STABILIZATION_WINDOW_S 3600
#define MAX_POLICY_PERIOD_S        1800

/* The apiserver's behavior defaults (pkg/apis/autoscaling/v2/defaults.go). */
#define DEFAULT_SCALE_UP_PODS          4
#define DEFAULT_SCALE_UP_PERCENT       100
#define DEFAULT_SCALE_DOWN_PERCENT     100
#define DEFAULT_POLICY_PERIOD_S        15
#define DEFAULT_SCALE_UP_STABILIZATION 0

static const char NO_PODS[] = "no pods returned by selector while calculating replica count";
static const char NO_METRICS[] =
    "did not receive metrics for targeted pods (pods might be unready)";

static const char MSG_WITHIN_RANGE[] = "the desired count is within the acceptable range";
static const char MSG_UP_LIMIT[] =
    "the desired replica count is increasing faster than the maximum scale rate";
static const char MSG_DOWN_LIMIT[] =
    "the desired replica count is decreasing faster than the maximum scale rate";
static const char MSG_TOO_MANY[] =
    "the desired replica count is more than the maximum replica count";
static const char MSG_TOO_FEW[] =
    "the desired replica count is less than the minimum replica count";
static const char MSG_READY[] = "recommended size matches current size";
static const char MSG_UP_STABILIZED[] =
    "recent recommendations were lower than current one, applying the lowest recent recommendation";
static const char MSG_DOWN_STABILIZED[] = "recent recommendations were higher than current one, "
                                          "applying the highest recent recommendation";
static const char MSG_ABOVE_MAX[] = "Current number of replicas above Spec.MaxReplicas";
static const char MSG_BELOW_MIN[] = "Current number of replicas below Spec.MinReplicas";
static const char MSG_DISABLED[] =
    "scaling is disabled since the replica count of the target is zero";

static void set_err(char *err, size_t errlen, const char *field, int64_t value, const char *why)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s: Invalid value: %lld: %s", field, (long long)value, why);
}

static int32_t clamp_i32(int64_t v)
{
    if (v > INT32_MAX)
        return INT32_MAX;
    if (v < INT32_MIN)
        return INT32_MIN;
    return (int32_t)v;
}

/* Go's int32(math.Ceil(x)) for the values the HPA can meet, saturating instead of wrapping. */
static int32_t ceil_i32(double x)
{
    double c = ceil(x);
    if (!(c < (double)INT32_MAX))
        return INT32_MAX;
    if (c < (double)INT32_MIN)
        return INT32_MIN;
    return (int32_t)c;
}

static int32_t trunc_i32(double x)
{
    if (!(x < (double)INT32_MAX))
        return INT32_MAX;
    if (x < (double)INT32_MIN)
        return INT32_MIN;
    return (int32_t)x;
}

void hpa_spec_init(struct hpa_spec *s, int32_t min_replicas, int32_t max_replicas,
                   int64_t target_milli)
{
    memset(s, 0, sizeof(*s));
    s->min_replicas = min_replicas;
    s->max_replicas = max_replicas;
    s->target_milli = target_milli;
    s->tolerance = HPA_DEFAULT_TOLERANCE;
    s->downscale_stabilization_s = HPA_DEFAULT_DOWNSCALE_STABILIZATION_S;
}

/* The policies list is replaced whole, never merged, when the user gave one. */
static void default_rules(struct hpa_rules *r, bool is_set, bool is_up, int32_t down_window_s)
{
    if (!is_set)
        memset(r, 0, sizeof(*r));
    if (!r->has_select_policy) {
        r->has_select_policy = true;
        r->select_policy = HPA_SELECT_MAX;
    }
    if (!r->has_stabilization_window) {
        r->has_stabilization_window = true;
        r->stabilization_window_s = is_up ? DEFAULT_SCALE_UP_STABILIZATION : down_window_s;
    }
    if (r->n_policies == 0 && is_up) {
        r->policies[0] =
            (struct hpa_policy){HPA_POLICY_PODS, DEFAULT_SCALE_UP_PODS, DEFAULT_POLICY_PERIOD_S};
        r->policies[1] = (struct hpa_policy){HPA_POLICY_PERCENT, DEFAULT_SCALE_UP_PERCENT,
                                             DEFAULT_POLICY_PERIOD_S};
        r->n_policies = 2;
    } else if (r->n_policies == 0) {
        r->policies[0] = (struct hpa_policy){HPA_POLICY_PERCENT, DEFAULT_SCALE_DOWN_PERCENT,
                                             DEFAULT_POLICY_PERIOD_S};
        r->n_policies = 1;
    }
}

static int validate_rules(const struct hpa_rules *r, const char *dir, char *err, size_t errlen)
{
    char field[96];
    if (r->stabilization_window_s < 0 || r->stabilization_window_s > MAX_STABILIZATION_WINDOW_S) {
        snprintf(field, sizeof(field), "spec.behavior.%s.stabilizationWindowSeconds", dir);
        set_err(err, errlen, field, r->stabilization_window_s,
                r->stabilization_window_s < 0 ? "must be greater than or equal to zero"
                                              : "must be less than or equal to 3600");
        return HPA_EINVAL;
    }
    if (r->select_policy != HPA_SELECT_MAX && r->select_policy != HPA_SELECT_MIN &&
        r->select_policy != HPA_SELECT_DISABLED) {
        snprintf(field, sizeof(field), "spec.behavior.%s.selectPolicy", dir);
        set_err(err, errlen, field, (int64_t)r->select_policy, "unsupported value");
        return HPA_EINVAL;
    }
    if (r->n_policies > HPA_MAX_POLICIES) {
        snprintf(field, sizeof(field), "spec.behavior.%s.policies", dir);
        set_err(err, errlen, field, (int64_t)r->n_policies, "too many policies");
        return HPA_EINVAL;
    }
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct hpa_policy *p = &r->policies[i];
        if (p->type != HPA_POLICY_PODS && p->type != HPA_POLICY_PERCENT) {
            snprintf(field, sizeof(field), "spec.behavior.%s.policies[%zu].type", dir, i);
            set_err(err, errlen, field, (int64_t)p->type, "unsupported value");
            return HPA_EINVAL;
        }
        if (p->value <= 0) {
            snprintf(field, sizeof(field), "spec.behavior.%s.policies[%zu].value", dir, i);
            set_err(err, errlen, field, p->value, "must be greater than zero");
            return HPA_EINVAL;
        }
        if (p->period_s <= 0 || p->period_s > MAX_POLICY_PERIOD_S) {
            snprintf(field, sizeof(field), "spec.behavior.%s.policies[%zu].periodSeconds", dir, i);
            set_err(err, errlen, field, p->period_s,
                    p->period_s <= 0 ? "must be greater than zero"
                                     : "must be less than or equal to 1800");
            return HPA_EINVAL;
        }
    }
    return 0;
}

int hpa_spec_apply_defaults(struct hpa_spec *s, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (s->min_replicas < 0) {
        set_err(err, errlen, "spec.minReplicas", s->min_replicas,
                "must be greater than or equal to 1");
        return HPA_EINVAL;
    }
    if (s->min_replicas == 0)
        s->min_replicas = HPA_DEFAULT_MIN_REPLICAS;
    if (s->max_replicas < s->min_replicas) {
        set_err(err, errlen, "spec.maxReplicas", s->max_replicas,
                "must be greater than or equal to `minReplicas`");
        return HPA_EINVAL;
    }
    if (s->target_milli <= 0) {
        set_err(err, errlen, "spec.metrics[0].pods.target.averageValue", s->target_milli,
                "must be positive");
        return HPA_EINVAL;
    }
    if (!(s->tolerance >= 0.0) || isinf(s->tolerance)) {
        if (err && errlen > 0)
            snprintf(err, errlen, "tolerance: Invalid value: %g: must be a finite number >= 0",
                     s->tolerance);
        return HPA_EINVAL;
    }
    if (s->downscale_stabilization_s < 0) {
        set_err(err, errlen, "downscale stabilization", s->downscale_stabilization_s,
                "must be greater than or equal to zero");
        return HPA_EINVAL;
    }
    if (!s->has_behavior)
        return 0;
    default_rules(&s->scale_up, s->has_scale_up, true, s->downscale_stabilization_s);
    default_rules(&s->scale_down, s->has_scale_down, false, s->downscale_stabilization_s);
    s->has_scale_up = true;
    s->has_scale_down = true;
    int rc = validate_rules(&s->scale_up, "scaleUp", err, errlen);
    if (rc == 0)
        rc = validate_rules(&s->scale_down, "scaleDown", err, errlen);
    return rc;
}

/* Go's integer average of int64 values: the sum wraps as Go's does, the division truncates. */
static int64_t avg_milli(uint64_t sum, size_t count)
{
    return (int64_t)sum / (int64_t)count;
}

static bool is_within(double ratio, double tolerance)
{
    return 1.0 - tolerance <= ratio && ratio <= 1.0 + tolerance;
}

void hpa_calc_replicas(const struct hpa_pod *pods, size_t n, int64_t target_milli,
                       int32_t current_replicas, double tolerance, struct hpa_calc *out)
{
    memset(out, 0, sizeof(*out));
    out->replicas = current_replicas;
    out->why = "invalid metric";
    if (target_milli <= 0)
        target_milli = 1; /* the API forbids it; keep the division defined */

    size_t n_listed = 0, n_entries = 0;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct hpa_pod *p = &pods[i];
        switch (p->phase) {
        case HPA_POD_IGNORED:
            n_listed++;
            out->n_ignored++;
            break;
        case HPA_POD_PENDING:
            n_listed++;
            out->n_unready++;
            break;
        case HPA_POD_UNLISTED:
            if (p->has_value) {
                sum += (uint64_t)p->milli_value;
                n_entries++;
            }
            break;
        case HPA_POD_READY:
        default:
            n_listed++;
            if (!p->has_value) {
                out->n_missing++;
                break;
            }
            out->n_ready++;
            sum += (uint64_t)p->milli_value;
            n_entries++;
            break;
        }
    }
    if (n_listed == 0) {
        snprintf(out->error, sizeof(out->error), "%s", NO_PODS);
        return;
    }
    if (n_entries == 0) {
        snprintf(out->error, sizeof(out->error), "%s", NO_METRICS);
        return;
    }
    out->is_valid = true;
    out->usage_milli = avg_milli(sum, n_entries);
    out->ratio = (double)out->usage_milli / (double)target_milli;
    out->new_ratio = out->ratio;

    bool is_up_with_unready = out->n_unready > 0 && out->ratio > 1.0;
    if (!is_up_with_unready && out->n_missing == 0) {
        if (is_within(out->ratio, tolerance)) {
            out->why = "usage within tolerance of the target";
            return;
        }
        out->replicas = ceil_i32(out->ratio * (double)out->n_ready);
        out->why = "usage / target x ready pods";
        return;
    }

    /* Missing pods count as the target when scaling down and as 0 when scaling up: the
     * conservative guess either way. Unready pods count as 0 when scaling up. */
    size_t n_all = n_entries;
    if (out->n_missing > 0) {
        if (out->ratio < 1.0)
            sum += (uint64_t)target_milli * (uint64_t)out->n_missing;
        n_all += (size_t)out->n_missing;
    }
    if (is_up_with_unready)
        n_all += (size_t)out->n_unready;
    out->new_ratio = (double)avg_milli(sum, n_all) / (double)target_milli;

    if (is_within(out->new_ratio, tolerance)) {
        out->why = "usage within tolerance once missing/unready pods are counted";
        return;
    }
    if ((out->ratio < 1.0 && out->new_ratio > 1.0) || (out->ratio > 1.0 && out->new_ratio < 1.0)) {
        out->why = "counting missing/unready pods flips the direction";
        return;
    }
    int32_t proposed = ceil_i32(out->new_ratio * (double)n_all);
    if ((out->new_ratio < 1.0 && proposed > current_replicas) ||
        (out->new_ratio > 1.0 && proposed < current_replicas)) {
        out->why = "the proposal contradicts the direction of the usage";
        return;
    }
    out->replicas = proposed;
    out->why = "usage / target x pods, missing/unready pods counted";
}

/* --- histories ------------------------------------------------------------------------------- */

/* Index of the oldest entry, the one a full history gives up. */
static size_t oldest_rec(const struct hpa *h)
{
    size_t at = 0;
    for (size_t i = 1; i < h->n_recs; i++)
        if (h->recs[i].at_ms < h->recs[at].at_ms)
            at = i;
    return at;
}

static void put_rec(struct hpa *h, bool has_old, size_t old_idx, int64_t now_ms, int32_t replicas)
{
    size_t at;
    if (has_old)
        at = old_idx;
    else if (h->n_recs < HPA_HISTORY_CAP)
        at = h->n_recs++;
    else
        at = oldest_rec(h);
    h->recs[at] = (struct hpa_recommendation){now_ms, replicas};
}

static int32_t longest_period_s(const struct hpa_rules *r)
{
    int32_t longest = 0;
    for (size_t i = 0; i < r->n_policies; i++)
        if (r->policies[i].period_s > longest)
            longest = r->policies[i].period_s;
    return longest;
}

static void put_event(struct hpa_scale_event *ev, size_t *n, const struct hpa_rules *r,
                      int64_t now_ms, int32_t change)
{
    int64_t cutoff = now_ms - (int64_t)longest_period_s(r) * MS_PER_S;
    bool has_old = false;
    size_t at = 0;
    for (size_t i = 0; i < *n; i++) {
        if (ev[i].at_ms < cutoff)
            ev[i].is_outdated = true;
        if (ev[i].is_outdated) {
            has_old = true;
            at = i;
        }
    }
    if (!has_old) {
        if (*n < HPA_HISTORY_CAP) {
            at = (*n)++;
        } else {
            at = 0;
            for (size_t i = 1; i < *n; i++)
                if (ev[i].at_ms < ev[at].at_ms)
                    at = i;
        }
    }
    ev[at] = (struct hpa_scale_event){now_ms, change, false};
}

/* The HPA records a scale event only under behavior; the legacy path keeps no event history. */
static void store_scale_event(struct hpa *h, int64_t now_ms, int32_t prev, int32_t next)
{
    if (!h->spec.has_behavior)
        return;
    if (next > prev)
        put_event(h->up, &h->n_up, &h->spec.scale_up, now_ms, next - prev);
    else
        put_event(h->down, &h->n_down, &h->spec.scale_down, now_ms, prev - next);
}

static int64_t change_in_period(const struct hpa_scale_event *ev, size_t n, int64_t now_ms,
                                int32_t period_s)
{
    int64_t cutoff = now_ms - (int64_t)period_s * MS_PER_S;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].at_ms > cutoff)
            total += ev[i].change;
    return total;
}

/* --- the legacy path (no behavior) ----------------------------------------------------------- */

static int32_t stabilize_legacy(struct hpa *h, int64_t now_ms, int32_t proposed)
{
    int64_t cutoff = now_ms - (int64_t)h->spec.downscale_stabilization_s * MS_PER_S;
    int32_t highest = proposed;
    bool has_old = false;
    size_t old_idx = 0;
    for (size_t i = 0; i < h->n_recs; i++) {
        if (h->recs[i].at_ms < cutoff) {
            has_old = true;
            old_idx = i;
        } else if (h->recs[i].replicas > highest) {
            highest = h->recs[i].replicas;
        }
    }
    put_rec(h, has_old, old_idx, now_ms, proposed);
    return highest;
}

static void limit_legacy(const struct hpa *h, int32_t current, int32_t wanted,
                         struct hpa_decision *out)
{
    int64_t up_limit = (int64_t)current * HPA_LEGACY_SCALE_UP_FACTOR;
    if (up_limit < HPA_LEGACY_SCALE_UP_MINIMUM)
        up_limit = HPA_LEGACY_SCALE_UP_MINIMUM;
    int32_t max_allowed;
    const char *reason, *message;
    if ((int64_t)h->spec.max_replicas > up_limit) {
        max_allowed = clamp_i32(up_limit);
        reason = "ScaleUpLimit";
        message = MSG_UP_LIMIT;
    } else {
        max_allowed = h->spec.max_replicas;
        reason = "TooManyReplicas";
        message = MSG_TOO_MANY;
    }
    out->desired = wanted;
    out->limited_reason = "DesiredWithinRange";
    out->limited_message = MSG_WITHIN_RANGE;
    if (wanted < h->spec.min_replicas) {
        out->desired = h->spec.min_replicas;
        out->limited_reason = "TooFewReplicas";
        out->limited_message = MSG_TOO_FEW;
    } else if (wanted > max_allowed) {
        out->desired = max_allowed;
        out->limited_reason = reason;
        out->limited_message = message;
    }
}

static void normalize_legacy(struct hpa *h, int64_t now_ms, int32_t current, int32_t proposed,
                             struct hpa_decision *out)
{
    out->stabilized = stabilize_legacy(h, now_ms, proposed);
    if (out->stabilized != proposed) {
        out->able_reason = "ScaleDownStabilized";
        out->able_message = MSG_DOWN_STABILIZED;
    } else {
        out->able_reason = "ReadyForNewScale";
        out->able_message = MSG_READY;
    }
    limit_legacy(h, current, out->stabilized, out);
    out->is_limited = out->desired != out->stabilized;
}

/* --- the behavior path ----------------------------------------------------------------------- */

static int32_t stabilize_behavior(struct hpa *h, int64_t now_ms, int32_t current, int32_t proposed)
{
    int64_t up_cutoff = now_ms - (int64_t)h->spec.scale_up.stabilization_window_s * MS_PER_S;
    int64_t down_cutoff = now_ms - (int64_t)h->spec.scale_down.stabilization_window_s * MS_PER_S;
    int32_t up_rec = proposed, down_rec = proposed;
    bool has_old = false;
    size_t old_idx = 0;
    for (size_t i = 0; i < h->n_recs; i++) {
        const struct hpa_recommendation *r = &h->recs[i];
        if (r->at_ms > up_cutoff && r->replicas < up_rec)
            up_rec = r->replicas;
        if (r->at_ms > down_cutoff && r->replicas > down_rec)
            down_rec = r->replicas;
        if (r->at_ms < up_cutoff && r->at_ms < down_cutoff) {
            has_old = true;
            old_idx = i;
        }
    }
    /* Scale up only as far as the lowest recent recommendation, down only to the highest. */
    int32_t stabilized = current;
    if (stabilized < up_rec)
        stabilized = up_rec;
    if (stabilized > down_rec)
        stabilized = down_rec;
    put_rec(h, has_old, old_idx, now_ms, proposed);
    return stabilized;
}

/* The most replicas the scaleUp policies allow now, from the count at each period's start. */
static int64_t scale_up_limit(const struct hpa *h, int64_t now_ms, int32_t current)
{
    const struct hpa_rules *r = &h->spec.scale_up;
    if (r->select_policy == HPA_SELECT_DISABLED)
        return current;
    bool is_min = r->select_policy == HPA_SELECT_MIN;
    int64_t result = is_min ? INT64_MAX : INT64_MIN;
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct hpa_policy *p = &r->policies[i];
        int64_t start = (int64_t)current - change_in_period(h->up, h->n_up, now_ms, p->period_s) +
                        change_in_period(h->down, h->n_down, now_ms, p->period_s);
        int64_t proposed;
        if (p->type == HPA_POLICY_PODS)
            proposed = start + p->value;
        else
            proposed = ceil_i32((double)start * (1.0 + (double)p->value / 100.0));
        if (is_min ? proposed < result : proposed > result)
            result = proposed;
    }
    return result;
}

/* The fewest replicas the scaleDown policies allow now. */
static int64_t scale_down_limit(const struct hpa *h, int64_t now_ms, int32_t current)
{
    const struct hpa_rules *r = &h->spec.scale_down;
    if (r->select_policy == HPA_SELECT_DISABLED)
        return current;
    bool is_min = r->select_policy == HPA_SELECT_MIN;
    /* For scaling down, the smallest change is the highest count. */
    int64_t result = is_min ? INT64_MIN : INT64_MAX;
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct hpa_policy *p = &r->policies[i];
        int64_t start = (int64_t)current - change_in_period(h->up, h->n_up, now_ms, p->period_s) +
                        change_in_period(h->down, h->n_down, now_ms, p->period_s);
        int64_t proposed;
        if (p->type == HPA_POLICY_PODS)
            proposed = start - p->value;
        else
            proposed = trunc_i32((double)start * (1.0 - (double)p->value / 100.0));
        if (is_min ? proposed > result : proposed < result)
            result = proposed;
    }
    return result;
}

static void limit_behavior(const struct hpa *h, int64_t now_ms, int32_t current, int32_t wanted,
                           struct hpa_decision *out)
{
    out->desired = wanted;
    out->limited_reason = "DesiredWithinRange";
    out->limited_message = MSG_WITHIN_RANGE;
    if (wanted > current) {
        int64_t limit = scale_up_limit(h, now_ms, current);
        if (limit < current)
            limit = current; /* no further scale-up until old events leave the periods */
        int64_t max_allowed = h->spec.max_replicas;
        const char *reason = "TooManyReplicas", *message = MSG_TOO_MANY;
        if (max_allowed > limit) {
            max_allowed = limit;
            reason = "ScaleUpLimit";
            message = MSG_UP_LIMIT;
        }
        if (wanted > max_allowed) {
            out->desired = clamp_i32(max_allowed);
            out->limited_reason = reason;
            out->limited_message = message;
        }
    } else if (wanted < current) {
        int64_t limit = scale_down_limit(h, now_ms, current);
        if (limit > current)
            limit = current;
        int64_t min_allowed = h->spec.min_replicas;
        const char *reason = "TooFewReplicas", *message = MSG_TOO_FEW;
        if (min_allowed < limit) {
            min_allowed = limit;
            reason = "ScaleDownLimit";
            message = MSG_DOWN_LIMIT;
        }
        if (wanted < min_allowed) {
            out->desired = clamp_i32(min_allowed);
            out->limited_reason = reason;
            out->limited_message = message;
        }
    }
}

static void normalize_behavior(struct hpa *h, int64_t now_ms, int32_t current, int32_t proposed,
                               struct hpa_decision *out)
{
    out->stabilized = stabilize_behavior(h, now_ms, current, proposed);
    if (out->stabilized == proposed) {
        out->able_reason = "ReadyForNewScale";
        out->able_message = MSG_READY;
    } else if (proposed >= current) {
        out->able_reason = "ScaleUpStabilized";
        out->able_message = MSG_UP_STABILIZED;
    } else {
        out->able_reason = "ScaleDownStabilized";
        out->able_message = MSG_DOWN_STABILIZED;
    }
    limit_behavior(h, now_ms, current, out->stabilized, out);
    out->is_limited = out->desired != out->stabilized;
}

/* --- the step -------------------------------------------------------------------------------- */

int hpa_init(struct hpa *h, const struct hpa_spec *spec, char *err, size_t errlen)
{
    memset(h, 0, sizeof(*h));
    h->spec = *spec;
    return hpa_spec_apply_defaults(&h->spec, err, errlen);
}

static void pick_headline(struct hpa_decision *out)
{
    if (out->is_limited) {
        out->reason = out->limited_reason;
        out->message = out->limited_message;
    } else if (out->able_reason && out->stabilized != out->recommendation) {
        out->reason = out->able_reason;
        out->message = out->able_message;
    } else if (out->limited_reason) {
        out->reason = out->limited_reason;
        out->message = out->limited_message;
    } else {
        out->reason = out->active_reason;
        out->message = out->active_message;
    }
}

void hpa_step(struct hpa *h, int64_t now_ms, int32_t current_replicas, const struct hpa_pod *pods,
              size_t n, struct hpa_decision *out)
{
    memset(out, 0, sizeof(*out));
    out->desired = current_replicas;
    out->recommendation = -1;
    out->stabilized = current_replicas;
    out->able_reason = "ReadyForNewScale";
    out->able_message = MSG_READY;

    /* The first sync seeds the window with the current count, so a fresh HPA does not scale
     * down before a whole window of its own recommendations exists. */
    if (h->n_recs == 0)
        put_rec(h, false, 0, now_ms, current_replicas);

    const struct hpa_spec *s = &h->spec;
    if (current_replicas == 0 && s->min_replicas != 0) {
        out->desired = 0;
        out->is_disabled = true;
        out->active_reason = "ScalingDisabled";
        out->active_message = MSG_DISABLED;
        out->reason = out->active_reason;
        out->message = out->active_message;
        return;
    }
    if (current_replicas > s->max_replicas || current_replicas < s->min_replicas) {
        bool is_above = current_replicas > s->max_replicas;
        out->desired = is_above ? s->max_replicas : s->min_replicas;
        out->stabilized = out->desired;
        out->is_rescale = true;
        out->reason = out->message = is_above ? MSG_ABOVE_MAX : MSG_BELOW_MIN;
        store_scale_event(h, now_ms, current_replicas, out->desired);
        return;
    }

    hpa_calc_replicas(pods, n, s->target_milli, current_replicas, s->tolerance, &out->calc);
    const char *metric = s->metric_name ? s->metric_name : "";
    if (!out->calc.is_valid) {
        out->is_invalid_metric = true;
        out->active_reason = "FailedGetPodsMetric";
        snprintf(out->text, sizeof(out->text),
                 "the HPA was unable to compute the replica count: %s", out->calc.error);
        out->active_message = out->text;
        out->reason = out->active_reason;
        out->message = out->active_message;
        return;
    }
    out->usage_milli = out->calc.usage_milli;
    out->recommendation = out->calc.replicas;
    out->active_reason = "ValidMetricFound";
    snprintf(out->text, sizeof(out->text),
             "the HPA was able to successfully calculate a replica count from pods metric%s%s",
             *metric ? " " : "", metric);
    out->active_message = out->text;

    int32_t proposed = out->recommendation > 0 ? out->recommendation : 0;
    if (s->has_behavior)
        normalize_behavior(h, now_ms, current_replicas, proposed, out);
    else
        normalize_legacy(h, now_ms, current_replicas, proposed, out);
    out->is_rescale = out->desired != current_replicas;
    if (out->is_rescale)
        store_scale_event(h, now_ms, current_replicas, out->desired);
    pick_headline(out);
}
