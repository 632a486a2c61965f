/* SPDX-License-Identifier: Apache-2.0 */
/* metric_values.c: append to and free the list of pod values a metric source returns.
 * Does not: lock, sort or filter; sources decide what goes in.
 * Threads: a list belongs to the one request building it. */
#include "metric_values.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* First allocation, in items; doubled after. */
#define METRIC_VALUES_FIRST_CAP 16

int metric_values_append(struct metric_values *vals, const struct metric_value *v)
{
    if (vals->n == vals->cap) {
        size_t cap = vals->cap == 0 ? METRIC_VALUES_FIRST_CAP : vals->cap * 2;
        if (cap < vals->cap || cap > SIZE_MAX / sizeof(*vals->items))
            return WSS_SRC_NO_MEMORY;
        struct metric_value *items = realloc(vals->items, cap * sizeof(*items));
        if (items == NULL)
            return WSS_SRC_NO_MEMORY;
        vals->items = items;
        vals->cap = cap;
    }
    vals->items[vals->n++] = *v;
    return WSS_SRC_OK;
}

/* Copies src into dst of cap bytes, cut to fit, always NUL-terminated. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void metric_value_init(struct metric_value *v, const char *ns, const char *name)
{
    memset(v, 0, sizeof(*v));
    copy_cut(v->namespace_, sizeof(v->namespace_), ns);
    copy_cut(v->name, sizeof(v->name), name != NULL ? name : "");
}

void metric_values_free(struct metric_values *vals)
{
    if (vals == NULL)
        return;
    free(vals->items);
    vals->items = NULL;
    vals->n = 0;
    vals->cap = 0;
}
