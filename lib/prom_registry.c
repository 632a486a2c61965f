/* SPDX-License-Identifier: Apache-2.0 */
/* prom_registry.c: metric families, their children per label-value tuple, the atomic hot path,
 * and the walk that renders them all (running collect callbacks) as exposition text.
 * Does not: judge names (prom_name.c) or escape and print numbers (prom_text.c); serve HTTP.
 * Threads: registry->lock guards the family list and serialises renders; family->lock guards
 * that family's children list; child values are atomics touched by any thread without locks. */
#include "wsscale/prom.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_internal.h"

/* What every child starts with; the typed children below embed it first. */
struct child {
    struct child *next; /* written once, under family->lock, when the next child is added */
    char **values;      /* owned; family->nlabels label values as the caller gave them */
    char *labels_text;  /* owned; `a="x",b="y"` escaped, ready to render; NULL without labels */
};

struct wss_prom_counter {
    struct child hdr;
    _Atomic uint64_t value;
};

struct wss_prom_gauge {
    struct child hdr;
    _Atomic double value;
};

struct wss_prom_histogram {
    struct child hdr;
    const double *bounds; /* borrowed from the family; immutable */
    size_t nbounds;
    _Atomic double sum;
    _Atomic uint64_t buckets[]; /* nbounds + 1, not cumulative; the last is +Inf */
};

struct wss_prom_family {
    struct wss_prom_family *next; /* under registry->lock */
    enum wss_prom_type type;
    char *name;         /* owned */
    char *help;         /* owned */
    char **label_names; /* owned; nlabels entries */
    size_t nlabels;
    double *bounds;                        /* owned; histograms only */
    char (*bound_text)[WSS__PROM_NUM_LEN]; /* owned; each bound as its le="..." value */
    size_t nbounds;
    wss_prom_collect_cb collect; /* NULL for families with children */
    void *collect_arg;           /* borrowed */
    pthread_mutex_t lock;        /* guards children and last_child */
    struct child *children;      /* creation order */
    struct child *last_child;
};

struct wss_prom_registry {
    pthread_mutex_t lock;             /* guards the list; held for a whole render */
    struct wss_prom_family *families; /* registration order */
    struct wss_prom_family *last_family;
};

struct wss_prom_writer {
    struct wss_strbuf *out; /* borrowed; the render's output */
    const struct wss_prom_family *family;
    bool is_header_written;
};

static const char *type_name(enum wss_prom_type type)
{
    switch (type) {
    case WSS_PROM_COUNTER:
        return "counter";
    case WSS_PROM_GAUGE:
        return "gauge";
    case WSS_PROM_HISTOGRAM:
        return "histogram";
    }
    return "unknown";
}

static void free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copies n strings; NULL when out of memory. */
static char **dup_strings(const char *const *v, size_t n)
{
    char **out = calloc(n != 0 ? n : 1, sizeof(*out));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = strdup(v[i]);
        if (out[i] == NULL) {
            free_strings(out, i);
            return NULL;
        }
    }
    return out;
}

static void free_children(struct child *c, size_t nlabels)
{
    while (c != NULL) {
        struct child *next = c->next;
        free_strings(c->values, nlabels);
        free(c->labels_text);
        free(c);
        c = next;
    }
}

static void free_family(struct wss_prom_family *f)
{
    if (f == NULL)
        return;
    free_children(f->children, f->nlabels);
    free(f->name);
    free(f->help);
    free_strings(f->label_names, f->nlabels);
    free(f->bounds);
    free(f->bound_text);
    free(f);
}

struct wss_prom_registry *wss_prom_registry_new(void)
{
    struct wss_prom_registry *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void wss_prom_registry_free(struct wss_prom_registry *r)
{
    if (r == NULL)
        return;
    struct wss_prom_family *f = r->families;
    while (f != NULL) {
        struct wss_prom_family *next = f->next;
        pthread_mutex_destroy(&f->lock);
        free_family(f);
        f = next;
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Label names: each valid, none twice. */
static int check_label_names(const struct wss_prom_desc *d, struct wss_parse_err *err)
{
    if (d->nlabels > WSS_PROM_MAX_LABELS)
        return wss_parse_fail(err, 0, "\"%s\" has %zu label names; at most %d are allowed", d->name,
                              d->nlabels, WSS_PROM_MAX_LABELS);
    if (d->nlabels > 0 && d->label_names == NULL)
        return wss_parse_fail(err, 0, "\"%s\" has %zu label names but no array of them", d->name,
                              d->nlabels);
    for (size_t i = 0; i < d->nlabels; i++) {
        if (d->label_names[i] == NULL)
            return wss_parse_fail(err, 0, "label name %zu of \"%s\" is NULL", i, d->name);
        if (wss__prom_check_label_name(d->label_names[i], err) != 0)
            return WSS_PARSE_INVALID;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->label_names[i], d->label_names[j]) == 0)
                return wss_parse_fail(err, 0, "label name \"%s\" appears twice in \"%s\"",
                                      d->label_names[i], d->name);
        }
    }
    return 0;
}

/* Bounds: histograms only, no NaN, strictly increasing, finite except a last +Inf. Sets *n to
 * the count without that +Inf. */
static int check_bounds(const struct wss_prom_desc *d, size_t *n, struct wss_parse_err *err)
{
    *n = d->nbounds;
    if (d->type != WSS_PROM_HISTOGRAM) {
        if (d->nbounds != 0)
            return wss_parse_fail(err, 0, "\"%s\" is a %s; only histograms take bucket bounds",
                                  d->name, type_name(d->type));
        return 0;
    }
    if (d->nbounds > 0 && d->bounds == NULL)
        return wss_parse_fail(err, 0, "\"%s\" has %zu bucket bounds but no array of them", d->name,
                              d->nbounds);
    if (*n > 0 && isinf(d->bounds[*n - 1]) && d->bounds[*n - 1] > 0)
        (*n)--; /* +Inf, written last: it is implied anyway */
    if (*n > WSS_PROM_MAX_BUCKETS)
        return wss_parse_fail(err, 0, "\"%s\" has %zu bucket bounds; at most %d are allowed",
                              d->name, *n, WSS_PROM_MAX_BUCKETS);
    for (size_t i = 0; i < *n; i++) {
        double b = d->bounds[i];
        if (!isfinite(b))
            return wss_parse_fail(err, 0, "bucket bound %zu of \"%s\" is not finite", i, d->name);
        if (i > 0 && !(d->bounds[i - 1] < b))
            return wss_parse_fail(
                err, 0, "bucket bounds of \"%s\" must increase strictly (bound %zu)", d->name, i);
    }
    return 0;
}

static int check_desc(const struct wss_prom_desc *d, size_t *nbounds, struct wss_parse_err *err)
{
    if (d->type != WSS_PROM_COUNTER && d->type != WSS_PROM_GAUGE && d->type != WSS_PROM_HISTOGRAM)
        return wss_parse_fail(err, 0, "unknown metric type %d", (int)d->type);
    if (d->name == NULL)
        return wss_parse_fail(err, 0, "metric name is NULL");
    if (wss__prom_check_metric_name(d->name, d->type, err) != 0)
        return WSS_PARSE_INVALID;
    if (d->help == NULL || d->help[0] == '\0')
        return wss_parse_fail(err, 0, "\"%s\" has no help text", d->name);
    size_t bad;
    if (!wss__prom_is_utf8(d->help, strlen(d->help), &bad))
        return wss_parse_fail(err, bad, "help text of \"%s\" is not UTF-8 at offset %zu", d->name,
                              bad);
    if (check_label_names(d, err) != 0)
        return WSS_PARSE_INVALID;
    return check_bounds(d, nbounds, err);
}

/* Label values: the right number, none NULL, all UTF-8 (Prometheus rejects anything else). */
static int check_values(const struct wss_prom_family *f, const char *const *values, size_t n,
                        struct wss_parse_err *err)
{
    if (n != f->nlabels)
        return wss_parse_fail(err, 0, "\"%s\" needs %zu label value(s), got %zu", f->name,
                              f->nlabels, n);
    for (size_t i = 0; i < n; i++) {
        if (values[i] == NULL)
            return wss_parse_fail(err, 0, "value of label \"%s\" of \"%s\" is NULL",
                                  f->label_names[i], f->name);
        size_t bad;
        if (!wss__prom_is_utf8(values[i], strlen(values[i]), &bad))
            return wss_parse_fail(err, bad,
                                  "value of label \"%s\" of \"%s\" is not UTF-8 at offset %zu",
                                  f->label_names[i], f->name, bad);
    }
    return 0;
}

/* Appends `a="x",b="y"` for the family's label names and these values. */
static void put_label_pairs(struct wss_strbuf *b, const struct wss_prom_family *f,
                            const char *const *values)
{
    for (size_t i = 0; i < f->nlabels; i++) {
        if (i > 0)
            wss_strbuf_append(b, ",", 1);
        wss_strbuf_puts(b, f->label_names[i]);
        wss_strbuf_append(b, "=\"", 2);
        wss__prom_put_label_value(b, values[i]);
        wss_strbuf_append(b, "\"", 1);
    }
}

/* Allocates a zeroed child of the family's type with copies of values; NULL when out of
 * memory. */
static struct child *child_new(const struct wss_prom_family *f, const char *const *values)
{
    size_t size = sizeof(struct wss_prom_counter);
    if (f->type == WSS_PROM_GAUGE)
        size = sizeof(struct wss_prom_gauge);
    else if (f->type == WSS_PROM_HISTOGRAM)
        size = sizeof(struct wss_prom_histogram) + (f->nbounds + 1) * sizeof(_Atomic uint64_t);
    struct child *c = calloc(1, size);
    if (c == NULL)
        return NULL;
    c->values = dup_strings(values, f->nlabels);
    if (c->values == NULL)
        goto fail;
    if (f->nlabels > 0) {
        struct wss_strbuf text = {0};
        put_label_pairs(&text, f, values);
        c->labels_text = wss_strbuf_take(&text, NULL);
        if (c->labels_text == NULL)
            goto fail;
    }
    /* calloc's zero bytes are not guaranteed to be valid atomics, so store the zeros. */
    if (f->type == WSS_PROM_COUNTER) {
        atomic_init(&((struct wss_prom_counter *)c)->value, 0);
    } else if (f->type == WSS_PROM_GAUGE) {
        atomic_init(&((struct wss_prom_gauge *)c)->value, 0.0);
    } else {
        struct wss_prom_histogram *h = (struct wss_prom_histogram *)c;
        h->bounds = f->bounds;
        h->nbounds = f->nbounds;
        atomic_init(&h->sum, 0.0);
        for (size_t i = 0; i <= f->nbounds; i++)
            atomic_init(&h->buckets[i], 0);
    }
    return c;
fail:
    free_children(c, f->nlabels);
    return NULL;
}

static bool values_equal(const struct child *c, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(c->values[i], values[i]) != 0)
            return false;
    }
    return true;
}

/* Finds or creates the child for values. Linear in the family's children: callers cache. */
static struct child *child_get(struct wss_prom_family *f, enum wss_prom_type type,
                               const char *const *values, size_t n, struct wss_parse_err *err)
{
    if (f->collect != NULL) {
        wss_parse_fail(err, 0, "\"%s\" is filled by its collect callback and has no children",
                       f->name);
        return NULL;
    }
    if (f->type != type) {
        wss_parse_fail(err, 0, "\"%s\" is a %s, not a %s", f->name, type_name(f->type),
                       type_name(type));
        return NULL;
    }
    if (check_values(f, values, n, err) != 0)
        return NULL;
    int rc = pthread_mutex_lock(&f->lock);
    if (rc != 0) {
        wss_parse_fail(err, 0, "locking \"%s\" failed: %s", f->name, strerror(rc));
        return NULL;
    }
    struct child *c = f->children;
    while (c != NULL && !values_equal(c, values, n))
        c = c->next;
    if (c == NULL) {
        c = child_new(f, values);
        if (c == NULL) {
            wss_parse_fail(err, 0, "out of memory adding a child to \"%s\"", f->name);
        } else {
            if (f->last_child != NULL)
                f->last_child->next = c;
            else
                f->children = c;
            f->last_child = c;
        }
    }
    pthread_mutex_unlock(&f->lock);
    return c;
}

/* Copies d into a new family, not yet linked into any registry. */
static struct wss_prom_family *family_new(const struct wss_prom_desc *d, size_t nbounds,
                                          struct wss_parse_err *err)
{
    struct wss_prom_family *f = calloc(1, sizeof(*f));
    if (f == NULL)
        goto fail;
    f->type = d->type;
    f->nlabels = d->nlabels;
    f->nbounds = nbounds;
    f->collect = d->collect;
    f->collect_arg = d->collect_arg;
    f->name = strdup(d->name);
    f->help = strdup(d->help);
    f->label_names = dup_strings(d->label_names, d->nlabels);
    f->bounds = calloc(nbounds != 0 ? nbounds : 1, sizeof(*f->bounds));
    f->bound_text = calloc(nbounds != 0 ? nbounds : 1, sizeof(*f->bound_text));
    if (f->name == NULL || f->help == NULL || f->label_names == NULL || f->bounds == NULL ||
        f->bound_text == NULL)
        goto fail;
    for (size_t i = 0; i < nbounds; i++) {
        f->bounds[i] = d->bounds[i];
        wss__prom_format_double(d->bounds[i], f->bound_text[i]);
    }
    if (pthread_mutex_init(&f->lock, NULL) != 0)
        goto fail;
    if (f->nlabels == 0 && f->collect == NULL) {
        f->children = f->last_child = child_new(f, NULL);
        if (f->children == NULL) {
            pthread_mutex_destroy(&f->lock);
            goto fail;
        }
    }
    return f;
fail:
    free_family(f);
    wss_parse_fail(err, 0, "out of memory registering \"%s\"", d->name);
    return NULL;
}

struct wss_prom_family *wss_prom_family_new(struct wss_prom_registry *r,
                                            const struct wss_prom_desc *d,
                                            struct wss_parse_err *err)
{
    size_t nbounds = 0;
    if (check_desc(d, &nbounds, err) != 0)
        return NULL;
    struct wss_prom_family *f = family_new(d, nbounds, err);
    if (f == NULL)
        return NULL;
    int rc = pthread_mutex_lock(&r->lock);
    if (rc != 0) {
        wss_parse_fail(err, 0, "locking the registry failed: %s", strerror(rc));
        goto fail;
    }
    for (const struct wss_prom_family *o = r->families; o != NULL; o = o->next) {
        if (strcmp(o->name, f->name) == 0) {
            pthread_mutex_unlock(&r->lock);
            wss_parse_fail(err, 0, "metric \"%s\" is already registered", f->name);
            goto fail;
        }
    }
    if (r->last_family != NULL)
        r->last_family->next = f;
    else
        r->families = f;
    r->last_family = f;
    pthread_mutex_unlock(&r->lock);
    return f;
fail:
    pthread_mutex_destroy(&f->lock);
    free_family(f);
    return NULL;
}

struct wss_prom_counter *wss_prom_counter_get(struct wss_prom_family *f, const char *const *values,
                                              size_t nvalues, struct wss_parse_err *err)
{
    return (struct wss_prom_counter *)child_get(f, WSS_PROM_COUNTER, values, nvalues, err);
}

struct wss_prom_gauge *wss_prom_gauge_get(struct wss_prom_family *f, const char *const *values,
                                          size_t nvalues, struct wss_parse_err *err)
{
    return (struct wss_prom_gauge *)child_get(f, WSS_PROM_GAUGE, values, nvalues, err);
}

struct wss_prom_histogram *wss_prom_histogram_get(struct wss_prom_family *f,
                                                  const char *const *values, size_t nvalues,
                                                  struct wss_parse_err *err)
{
    return (struct wss_prom_histogram *)child_get(f, WSS_PROM_HISTOGRAM, values, nvalues, err);
}

void wss_prom_counter_add(struct wss_prom_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

void wss_prom_counter_inc(struct wss_prom_counter *c)
{
    atomic_fetch_add_explicit(&c->value, 1, memory_order_relaxed);
}

uint64_t wss_prom_counter_value(const struct wss_prom_counter *c)
{
    return atomic_load_explicit(&c->value, memory_order_relaxed);
}

void wss_prom_gauge_set(struct wss_prom_gauge *g, double v)
{
    atomic_store_explicit(&g->value, v, memory_order_relaxed);
}

/* C11 has no fetch-add for floating atomics; retry until no other thread slipped in between. */
static void atomic_add_double(_Atomic double *a, double v)
{
    double old = atomic_load_explicit(a, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(a, &old, old + v, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

void wss_prom_gauge_add(struct wss_prom_gauge *g, double v)
{
    atomic_add_double(&g->value, v);
}

double wss_prom_gauge_value(const struct wss_prom_gauge *g)
{
    return atomic_load_explicit(&g->value, memory_order_relaxed);
}

void wss_prom_histogram_observe(struct wss_prom_histogram *h, double v)
{
    /* Linear: bucket lists are short (at most WSS_PROM_MAX_BUCKETS) and scanned in order. */
    size_t i = 0;
    while (i < h->nbounds && !(v <= h->bounds[i]))
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_add_double(&h->sum, v);
}

static void put_header(struct wss_strbuf *b, const struct wss_prom_family *f)
{
    wss_strbuf_puts(b, "# HELP ");
    wss_strbuf_puts(b, f->name);
    wss_strbuf_append(b, " ", 1);
    wss__prom_put_help(b, f->help);
    wss_strbuf_puts(b, "\n# TYPE ");
    wss_strbuf_puts(b, f->name);
    wss_strbuf_append(b, " ", 1);
    wss_strbuf_puts(b, type_name(f->type));
    wss_strbuf_append(b, "\n", 1);
}

/* One line: name+suffix{labels,le="..."} value. labels and le may each be NULL. */
static void put_sample(struct wss_strbuf *b, const struct wss_prom_family *f, const char *suffix,
                       const char *labels, const char *le, const char *value)
{
    wss_strbuf_puts(b, f->name);
    wss_strbuf_puts(b, suffix);
    if (labels != NULL || le != NULL) {
        wss_strbuf_append(b, "{", 1);
        if (labels != NULL)
            wss_strbuf_puts(b, labels);
        if (labels != NULL && le != NULL)
            wss_strbuf_append(b, ",", 1);
        if (le != NULL) {
            wss_strbuf_puts(b, "le=\"");
            wss_strbuf_puts(b, le);
            wss_strbuf_append(b, "\"", 1);
        }
        wss_strbuf_append(b, "}", 1);
    }
    wss_strbuf_append(b, " ", 1);
    wss_strbuf_puts(b, value);
    wss_strbuf_append(b, "\n", 1);
}

static void put_double_sample(struct wss_strbuf *b, const struct wss_prom_family *f,
                              const char *labels, double v)
{
    char num[WSS__PROM_NUM_LEN];
    wss__prom_format_double(v, num);
    put_sample(b, f, "", labels, NULL, num);
}

/* counts: nbounds + 1 per-bucket counts; printed cumulative, and _count is their total so it
 * always equals the +Inf bucket. */
static void put_histogram(struct wss_strbuf *b, const struct wss_prom_family *f, const char *labels,
                          const uint64_t *counts, double sum)
{
    char num[WSS__PROM_NUM_LEN];
    uint64_t total = 0;
    for (size_t i = 0; i <= f->nbounds; i++) {
        total += counts[i];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)total);
        put_sample(b, f, "_bucket", labels, i < f->nbounds ? f->bound_text[i] : "+Inf", num);
    }
    wss__prom_format_double(sum, num);
    put_sample(b, f, "_sum", labels, NULL, num);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)total);
    put_sample(b, f, "_count", labels, NULL, num);
}

static void put_child(struct wss_strbuf *b, const struct wss_prom_family *f, const struct child *c)
{
    char num[WSS__PROM_NUM_LEN];
    switch (f->type) {
    case WSS_PROM_COUNTER:
        snprintf(num, sizeof(num), "%llu",
                 (unsigned long long)wss_prom_counter_value((const struct wss_prom_counter *)c));
        put_sample(b, f, "", c->labels_text, NULL, num);
        break;
    case WSS_PROM_GAUGE:
        put_double_sample(b, f, c->labels_text,
                          wss_prom_gauge_value((const struct wss_prom_gauge *)c));
        break;
    case WSS_PROM_HISTOGRAM: {
        struct wss_prom_histogram *h = (struct wss_prom_histogram *)c;
        uint64_t counts[WSS_PROM_MAX_BUCKETS + 1];
        for (size_t i = 0; i <= f->nbounds; i++)
            counts[i] = atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        put_histogram(b, f, c->labels_text, counts,
                      atomic_load_explicit(&h->sum, memory_order_relaxed));
        break;
    }
    }
}

static int render_family(struct wss_strbuf *out, struct wss_prom_family *f)
{
    if (f->collect != NULL) {
        struct wss_prom_writer w = {.out = out, .family = f, .is_header_written = false};
        f->collect(&w, f->collect_arg);
        return 0;
    }
    int rc = pthread_mutex_lock(&f->lock);
    if (rc != 0)
        return -rc;
    if (f->children != NULL)
        put_header(out, f);
    for (const struct child *c = f->children; c != NULL; c = c->next)
        put_child(out, f, c);
    pthread_mutex_unlock(&f->lock);
    return 0;
}

int wss_prom_render(struct wss_prom_registry *r, struct wss_strbuf *out)
{
    int rc = pthread_mutex_lock(&r->lock);
    if (rc != 0)
        return -rc;
    for (struct wss_prom_family *f = r->families; f != NULL && rc == 0; f = f->next)
        rc = render_family(out, f);
    pthread_mutex_unlock(&r->lock);
    if (rc == 0 && out->is_failed)
        rc = -ENOMEM;
    return rc;
}

/* Checks a writer call and writes the family header before its first sample. Returns 0 or a
 * negative errno; a call that fails writes nothing. */
static int writer_begin(struct wss_prom_writer *w, bool is_histogram, const char *const *values,
                        size_t n, struct wss_strbuf *labels)
{
    const struct wss_prom_family *f = w->family;
    if ((f->type == WSS_PROM_HISTOGRAM) != is_histogram || check_values(f, values, n, NULL) != 0)
        return -EINVAL;
    put_label_pairs(labels, f, values);
    if (labels->is_failed)
        return -ENOMEM;
    if (!w->is_header_written) {
        put_header(w->out, f);
        w->is_header_written = true;
    }
    return 0;
}

int wss_prom_writer_sample(struct wss_prom_writer *w, const char *const *values, size_t nvalues,
                           double v)
{
    struct wss_strbuf labels = {0};
    int rc = writer_begin(w, false, values, nvalues, &labels);
    if (rc == 0)
        put_double_sample(w->out, w->family, nvalues > 0 ? labels.data : NULL, v);
    wss_strbuf_free(&labels);
    if (rc == 0 && w->out->is_failed)
        rc = -ENOMEM;
    return rc;
}

int wss_prom_writer_histogram(struct wss_prom_writer *w, const char *const *values, size_t nvalues,
                              const uint64_t *bucket_counts, double sum)
{
    struct wss_strbuf labels = {0};
    int rc = writer_begin(w, true, values, nvalues, &labels);
    if (rc == 0)
        put_histogram(w->out, w->family, nvalues > 0 ? labels.data : NULL, bucket_counts, sum);
    wss_strbuf_free(&labels);
    if (rc == 0 && w->out->is_failed)
        rc = -ENOMEM;
    return rc;
}
