/* SPDX-License-Identifier: Apache-2.0 */
/* metric_values.c: append to and free the list of pod values a metric source returns.
 * Does not: lock, sort or filter; sources decide what goes in.
 * Threads: a list belongs to the one request building it. */
#include "metric_values.h"

#include <stdint.h>
#include <stdlib.h>

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

void metric_values_free(struct metric_values *vals)
{
    if (vals == NULL)
        return;
    free(vals->items);
    vals->items = NULL;
    vals->n = 0;
    vals->cap = 0;
}
