/* SPDX-License-Identifier: Apache-2.0 */
/* api_discovery.h: the static discovery documents of custom.metrics.k8s.io (v1beta1, v1beta2) and
 * external.metrics.k8s.io (v1beta1), plus /openapi/v2 and /v3 answered 404.
 * Does not: look at any metric source; the lists are fixed so the aggregator's availability check
 * answers from memory whatever the state of the data.
 * Threads: routes are added before serving; the handlers only read constant data. */
#ifndef ADAPTER_API_DISCOVERY_H
#define ADAPTER_API_DISCOVERY_H

#include "wsscale/http_router.h"

/* The one metric the discovery documents list, for pods and for namespaces. */
#define API_DISCOVERY_METRIC "websocket_connections"

/* Adds GET routes for /apis, /apis/custom.metrics.k8s.io, its /v1beta1 and /v1beta2,
 * /apis/external.metrics.k8s.io and its /v1beta1, and /openapi/v2, /openapi/v3 (404 Status).
 * Returns 0, or WSS_PARSE_INVALID with err from wss_http_router_add. Before serving only. */
int api_discovery_add_routes(struct wss_http_router *r, struct wss_parse_err *err);

#endif
