/* SPDX-License-Identifier: Apache-2.0 */
/* source_store.c: metric_source_ops over the store: one pod, the pods matching a selector, sums.
 * Does not: change the store, or report a stale, unknown or not-OK pod as 0 (it leaves it out).
 * Threads: no state of its own beyond the borrowed store pointer; reads run under the store's
 * read lock, one callback per matching pod, in the namespace's link order (store_visit_selected
 * starts from the store's label index). */
#include "source_store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metric_values.h"

struct source_store {
    struct store *st; /* borrowed */
};

static const char *const metrics[] = {SOURCE_STORE_METRIC, NULL};

static bool is_our_metric(const char *metric)
{
    return strcmp(metric, SOURCE_STORE_METRIC) == 0;
}

/* Quantity milli-units, saturating rather than wrapping for absurd counts. */
static int64_t to_milli(uint64_t count)
{
    return count > (uint64_t)(INT64_MAX / 1000) ? INT64_MAX : (int64_t)count * 1000;
}

static void fill_value(const struct store_pod_view *p, struct metric_value *out)
{
    metric_value_init(out, p->ns, p->name);
    out->milli_value = to_milli(p->active_connections);
    out->timestamp_unix_ms = p->sample_time_unix_ms;
    out->window_ms = p->interval_ms;
}

struct one_pod {
    struct metric_value *out;
    bool is_servable;
};

static bool take_one(const struct store_pod_view *p, void *arg)
{
    struct one_pod *o = arg;
    o->is_servable = p->is_servable;
    if (p->is_servable)
        fill_value(p, o->out);
    return false;
}

static int pod_value(void *self, const char *metric, const char *ns, const char *pod,
                     struct metric_value *out)
{
    struct source_store *s = self;
    if (!is_our_metric(metric))
        return WSS_SRC_NOT_FOUND;
    struct one_pod o = {.out = out};
    if (!store_find(s->st, ns, pod, take_one, &o))
        return WSS_SRC_NOT_FOUND;
    return o.is_servable ? WSS_SRC_OK : WSS_SRC_STALE;
}

/* store_visit_selected has already matched the selector: only servability is checked here. */
struct matching {
    struct metric_values *vals; /* NULL when summing */
    struct metric_value *sum;
    int rc;
};

static bool collect(const struct store_pod_view *p, void *arg)
{
    struct matching *m = arg;
    if (!p->is_servable)
        return true;
    if (m->vals) {
        struct metric_value v;
        fill_value(p, &v);
        m->rc = metric_values_append(m->vals, &v);
        return m->rc == WSS_SRC_OK;
    }
    int64_t add = to_milli(p->active_connections);
    m->sum->milli_value =
        m->sum->milli_value > INT64_MAX - add ? INT64_MAX : m->sum->milli_value + add;
    if (p->sample_time_unix_ms > m->sum->timestamp_unix_ms)
        m->sum->timestamp_unix_ms = p->sample_time_unix_ms;
    if ((int64_t)p->interval_ms > m->sum->window_ms)
        m->sum->window_ms = p->interval_ms;
    return true;
}

static int pods_matching(void *self, const char *metric, const char *ns,
                         const struct wss_selector *sel, struct metric_values *out)
{
    struct source_store *s = self;
    if (!is_our_metric(metric))
        return WSS_SRC_NOT_FOUND;
    struct matching m = {.vals = out, .rc = WSS_SRC_OK};
    store_visit_selected(s->st, ns, sel, collect, &m);
    return m.rc;
}

static int sum_matching(void *self, const char *metric, const char *ns,
                        const struct wss_selector *sel, struct metric_value *out)
{
    struct source_store *s = self;
    if (!is_our_metric(metric))
        return WSS_SRC_NOT_FOUND;
    metric_value_init(out, ns, NULL);
    struct matching m = {.sum = out, .rc = WSS_SRC_OK};
    store_visit_selected(s->st, ns, sel, collect, &m);
    return m.rc;
}

static const char *const *list_metrics(void *self)
{
    (void)self;
    return metrics;
}

static void destroy(void *self)
{
    free(self);
}

static const struct metric_source_ops ops = {
    .pod_value = pod_value,
    .pods_matching = pods_matching,
    .sum_matching = sum_matching,
    .list_metrics = list_metrics,
    .destroy = destroy,
};

int source_store_new(struct store *st, struct metric_source *out)
{
    struct source_store *s = calloc(1, sizeof(*s));
    if (!s)
        return WSS_SRC_NO_MEMORY;
    s->st = st;
    out->ops = &ops;
    out->self = s;
    return WSS_SRC_OK;
}
