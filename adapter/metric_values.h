/* SPDX-License-Identifier: Apache-2.0 */
/* metric_values.h: the growable list of pod values a metric source fills for the API.
 * Does not: lock, sort or know where values come from.
 * Threads: a list belongs to one request; no sharing. */
#ifndef ADAPTER_METRIC_VALUES_H
#define ADAPTER_METRIC_VALUES_H

#include "metric_source.h"

/* Appends a copy of *v, growing the array; returns WSS_SRC_OK or WSS_SRC_NO_MEMORY (list
 * unchanged). Not thread-safe on the same list. */
int metric_values_append(struct metric_values *vals, const struct metric_value *v);

/* Zeroes *v and sets its namespace and name (name NULL: ""), each cut to fit its field. Pure. */
void metric_value_init(struct metric_value *v, const char *ns, const char *name);

/* Frees the items and empties the list (reusable after); accepts NULL. */
void metric_values_free(struct metric_values *vals);

#endif
