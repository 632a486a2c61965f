/* SPDX-License-Identifier: Apache-2.0 */
/* endpoints.h: the sidecar's HTTP port: /metrics (the latest sample as websocket_connections and
 * the sidecar's own wsscale_sidecar_* families), /healthz and /readyz.
 * Does not: take samples or push; it shows what the sampler hands it, and nothing it cannot know:
 * websocket_connections is absent, never 0, while the source is not OK.
 * Threads: endpoints_on_sample runs on the sampler thread, handlers on the HTTP server's workers,
 * both under e->lock; new, serve and free on main's thread. */
#ifndef SIDECAR_ENDPOINTS_H
#define SIDECAR_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"
#include "wsscale/hostport.h"
#include "wsscale/parse.h"
#include "wsscale/prom.h"

/* Largest /metrics body rendered. */
#define ENDPOINTS_METRICS_MAX_BYTES (1024 * 1024)

/* Creates the metric registry and its sample families for a source of this kind (a static
 * string). Returns NULL with err on a registry error or out of memory. */
struct endpoints *endpoints_new(const char *kind, struct wss_parse_err *err);

/* The registry /metrics renders, for other parts' families (the pusher's). Owned by e: valid
 * until endpoints_free. Thread-safe. */
struct wss_prom_registry *endpoints_registry(struct endpoints *e);

/* Serves /metrics, /healthz and /readyz over plain HTTP on listen (an IP address, or any address
 * for ":port"). Returns 0, or -1 with a message in err (a host name, bind failure). Once. */
int endpoints_serve(struct endpoints *e, const struct wss_hostport *listen, char *err,
                    size_t errlen);

/* The port bound by endpoints_serve (the ephemeral one for port 0). Thread-safe. */
uint16_t endpoints_port(const struct endpoints *e);

/* Takes a sample: becomes the latest shown, counted and timed. Thread-safe; never blocks long. */
void endpoints_on_sample(struct endpoints *e, const struct sample *s);

/* True once a sample with state OK has been seen (what /readyz answers). Thread-safe. */
bool endpoints_is_ready(struct endpoints *e);

/* Stops serving, then frees the registry (every family and child made from it) and e; accepts
 * NULL. Whoever keeps children of the registry must be done with them first. */
void endpoints_free(struct endpoints *e);

#endif
