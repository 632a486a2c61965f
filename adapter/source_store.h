/* SPDX-License-Identifier: Apache-2.0 */
/* source_store.h: the metric source that answers from the store of pushed reports.
 * Does not: own the store, decode reports, or serve a pod whose sample is stale or not OK.
 * Threads: every operation may run on any API thread at once; the store locks. */
#ifndef ADAPTER_SOURCE_STORE_H
#define ADAPTER_SOURCE_STORE_H

#include "metric_source.h"
#include "store.h"

/* The one metric the pushed reports carry. */
#define SOURCE_STORE_METRIC "websocket_connections"

/* A NULL selector passed to pods_matching or sum_matching matches every pod. Matching pods come
 * in the namespace's link order (store_visit_selected), starting from the store's label index. */

/* Fills *out with a source over st (borrowed: must outlive the source; ops->destroy frees only
 * the source). Returns WSS_SRC_OK or WSS_SRC_NO_MEMORY. Thread-safe. */
int source_store_new(struct store *st, struct metric_source *out);

#endif
