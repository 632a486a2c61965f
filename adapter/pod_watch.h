/* SPDX-License-Identifier: Apache-2.0 */
/* pod_watch.h: --pod-watch: a thread that LISTs then WATCHes the cluster's pods and tells the
 * store at once when a pod is gone (DELETED, or phase Succeeded / Failed), so a pod killed
 * without a final report (OOM, node loss, SIGKILL) stops being served before --stale-after; a
 * 410 (too old resource version) relists, other errors reconnect with backoff.
 * Does not: keep pods (the store holds samples; this keeps only the resourceVersion), parse JSON
 * itself (pod_event.h), or drop a terminating pod (deletionTimestamp set): it still holds
 * connections while it drains.
 * Threads: new/start/free on main's thread; one watch thread between start and free; its
 * metrics are read by the /metrics thread. */
#ifndef ADAPTER_POD_WATCH_H
#define ADAPTER_POD_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "wsscale/prom.h"

#define POD_WATCH_ERR_LEN         1024 /* room for one error line, NUL included */
#define POD_WATCH_LIST_PAGE       50   /* pods per LIST page; halved while a page is over the cap */
#define POD_WATCH_LIST_TIMEOUT_MS 30000 /* bound of one LIST page */
#define POD_WATCH_TIMEOUT_S       240   /* timeoutSeconds of one WATCH; the server ends it */
#define POD_WATCH_IDLE_SLACK_MS   60000 /* a WATCH silent this long past its timeout is dead */
#define POD_WATCH_RETRY_BASE_MS   500   /* first retry after a failed LIST or WATCH */
#define POD_WATCH_RETRY_CAP_MS    30000 /* retries back off up to this */

struct pod_watch_config {
    const char *kubeconfig;             /* borrowed; NULL or "": the in-cluster config */
    struct store *store;                /* borrowed; store_forget on every gone pod */
    struct wss_prom_registry *registry; /* borrowed; the families are added to it */
    int64_t watch_timeout_s;            /* 0 = POD_WATCH_TIMEOUT_S */
};

struct pod_watch;

/* Loads the kubeconfig (or the in-cluster config), makes its client and adds the metrics
 * wsscale_adapter_pod_watch_{up, events_total{type}, relists_total, pods_dropped_total,
 * reports_refused_total}. NULL with err naming what failed. Nothing is fetched yet. */
struct pod_watch *pod_watch_new(const struct pod_watch_config *cfg, char *err, size_t errlen);

/* Starts the watch thread. 0, or -1 with err when the thread cannot start. */
int pod_watch_start(struct pod_watch *w, char *err, size_t errlen);

/* Stops the thread (it notices within KUBE_CLIENT_WATCH_POLL_MS, or a LIST's timeout), joins it
 * and frees everything; accepts NULL. Before the registry is freed. */
void pod_watch_free(struct pod_watch *w);

#endif
