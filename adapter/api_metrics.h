/* SPDX-License-Identifier: Apache-2.0 */
/* api_metrics.h: the metric read routes of custom.metrics.k8s.io v1beta1 and v1beta2 and of
 * external.metrics.k8s.io v1beta1, answered from a metric source as JSON.
 * Does not: know where values come from (only metric_source.h), authenticate, or authorize.
 * Threads: routes are added before serving; handlers run on any number of worker threads at once
 * and share only the read-only api_metrics and the source (which locks what it shares). */
#ifndef ADAPTER_API_METRICS_H
#define ADAPTER_API_METRICS_H

#include "metric_source.h"
#include "wsscale/http_router.h"

/* Bounds of one request's labelSelector / metricLabelSelector (more is a 400). */
#define API_METRICS_MAX_SEL_REQS   32
#define API_METRICS_MAX_SEL_VALUES 128

/* Route state: the source per API version. Caller-owned; must outlive the server. */
struct api_metrics;

/* Creates the route state reading from src (borrowed; must outlive it). NULL when out of memory.
 * Free with api_metrics_free(). */
struct api_metrics *api_metrics_new(const struct metric_source *src);

/* Frees the route state; accepts NULL. Only after the server using its routes has stopped. */
void api_metrics_free(struct api_metrics *m);

/* Adds the GET routes, under /apis/custom.metrics.k8s.io/{v1beta1,v1beta2}/:
 *   namespaces/{ns}/{resource}/{name}/{metric}  (resource pods; name "*" = every matching pod)
 *   namespaces/{ns}/metrics/{metric}            (the namespace's total)
 *   {resource}/{name}/{metric}                  (root-scoped: namespaces/{ns}/{metric})
 * and /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric} (the sum). Returns 0, or
 * WSS_PARSE_INVALID with err from wss_http_router_add. Before serving only. */
int api_metrics_add_routes(struct api_metrics *m, struct wss_http_router *r,
                           struct wss_parse_err *err);

#endif
