/* SPDX-License-Identifier: Apache-2.0 */
/* freshness.c: per-pod rings of (value, first time seen) and the delay list with its percentiles.
 * Does not: read clocks (times come in) or print.
 * Threads: one owner thread. */
#include "freshness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Longest pod name kept, NUL included. */
#define NAME_LEN 254

struct change {
    uint64_t value;
    int64_t at_ms;
};

struct track {
    char name[NAME_LEN];
    bool is_used;
    bool has_adapter;
    int64_t adapter_milli; /* the adapter's last answer */
    size_t n, head;        /* ring of changes: head is the oldest */
    struct change ring[FRESHNESS_HISTORY];
};

struct freshness {
    struct track tracks[FRESHNESS_MAX_PODS];
    size_t n_samples, n_unmatched;
    double samples_ms[FRESHNESS_MAX_SAMPLES];
};

struct freshness *freshness_create(void)
{
    return calloc(1, sizeof(struct freshness));
}

static struct track *track_of(struct freshness *f, const char *pod, bool is_create)
{
    struct track *free_slot = NULL;
    for (size_t i = 0; i < FRESHNESS_MAX_PODS; i++) {
        struct track *t = &f->tracks[i];
        if (t->is_used && strcmp(t->name, pod) == 0)
            return t;
        if (!t->is_used && free_slot == NULL)
            free_slot = t;
    }
    if (!is_create || free_slot == NULL)
        return NULL;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->is_used = true;
    strncpy(free_slot->name, pod, NAME_LEN - 1);
    return free_slot;
}

static struct change *newest(struct track *t)
{
    return t->n == 0 ? NULL : &t->ring[(t->head + t->n - 1) % FRESHNESS_HISTORY];
}

void freshness_server(struct freshness *f, const char *pod, uint64_t count, int64_t now_ms)
{
    struct track *t = track_of(f, pod, true);
    if (t == NULL)
        return;
    struct change *last = newest(t);
    if (last != NULL && last->value == count)
        return;
    if (t->n == FRESHNESS_HISTORY) {
        t->head = (t->head + 1) % FRESHNESS_HISTORY;
        t->n--;
    }
    t->ring[(t->head + t->n) % FRESHNESS_HISTORY] = (struct change){count, now_ms};
    t->n++;
}

void freshness_adapter(struct freshness *f, const char *pod, int64_t milli_value, int64_t now_ms)
{
    struct track *t = track_of(f, pod, false);
    if (t == NULL || (t->has_adapter && t->adapter_milli == milli_value))
        return;
    bool is_first = !t->has_adapter;
    t->has_adapter = true;
    t->adapter_milli = milli_value;
    if (is_first)
        return; /* the pod's first report: its start, not a change, is what it shows */
    /* Newest first: the server's most recent arrival at this value. */
    for (size_t k = t->n; k > 0; k--) {
        size_t idx = (t->head + k - 1) % FRESHNESS_HISTORY;
        if ((int64_t)t->ring[idx].value * 1000 != milli_value)
            continue;
        if (f->n_samples < FRESHNESS_MAX_SAMPLES)
            f->samples_ms[f->n_samples++] = (double)(now_ms - t->ring[idx].at_ms);
        /* Older changes can no longer be what the adapter shows next. */
        t->head = idx;
        t->n = k == 0 ? 0 : t->n - (k - 1);
        return;
    }
    f->n_unmatched++;
}

void freshness_forget(struct freshness *f, const char *pod)
{
    struct track *t = track_of(f, pod, false);
    if (t != NULL)
        t->is_used = false;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of the samples at or below it. */
static double rank(const double *sorted, size_t n, double q)
{
    size_t r = (size_t)(q * (double)n + 0.999999);
    if (r < 1)
        r = 1;
    return sorted[(r > n ? n : r) - 1];
}

void freshness_result(const struct freshness *f, struct freshness_result *out)
{
    memset(out, 0, sizeof(*out));
    out->unmatched = f->n_unmatched;
    out->n = f->n_samples;
    if (f->n_samples == 0)
        return;
    double *s = malloc(f->n_samples * sizeof(*s));
    if (s == NULL)
        return;
    memcpy(s, f->samples_ms, f->n_samples * sizeof(*s));
    qsort(s, f->n_samples, sizeof(*s), cmp_double);
    out->p50_ms = rank(s, f->n_samples, 0.50);
    out->p99_ms = rank(s, f->n_samples, 0.99);
    out->max_ms = s[f->n_samples - 1];
    free(s);
}

void freshness_destroy(struct freshness *f)
{
    free(f);
}
