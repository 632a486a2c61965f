/* SPDX-License-Identifier: Apache-2.0 */
/* health.h: /healthz, /livez and /readyz as a generic apiserver answers them (200 "ok"; readyz
 * 503 once shutting down; ?verbose lists the checks), and /version, the version.Info document
 * kubectl asks for first.
 * Does not: look at the metric data (a missing sample must never take the API out of service).
 * Threads: handlers run on any HTTPS worker; the shutting-down flag is an atomic. */
#ifndef ADAPTER_HEALTH_H
#define ADAPTER_HEALTH_H

#include <stddef.h>

#include "wsscale/http_router.h"

struct health;

/* Creates the state (ready, not shutting down). NULL when out of memory. */
struct health *health_new(void);

/* Frees it; accepts NULL. Only after the server has stopped. */
void health_free(struct health *h);

/* Adds GET /healthz, /livez, /readyz and /version. Returns 0, or WSS_PARSE_INVALID with err.
 * Before serving only. */
int health_add_routes(struct health *h, struct wss_http_router *r, struct wss_parse_err *err);

/* From now on /readyz answers 503. Thread-safe (atomic). */
void health_set_shutting_down(struct health *h);

/* Writes the /version JSON document (NUL-terminated) into buf; returns its length, or -1 when
 * cap is too small. Pure. */
int health_version_json(char *buf, size_t cap);

#endif
