/* SPDX-License-Identifier: Apache-2.0 */
/* api_gate.h: the HTTPS server's request gate: authenticate (authn.h), then authorize (authz.h),
 * and answer 401 / 403 / 500 as a Status before any route runs; a rate-limited log line says why
 * a request's front-proxy headers were not believed.
 * Does not: decide identities or permissions itself, or gate the sidecars' ingest path (that
 * checks its own tokens, ingest_http.h).
 * Threads: api_gate_check runs on any number of HTTPS workers at once; the log limiter is an
 * atomic. */
#ifndef ADAPTER_API_GATE_H
#define ADAPTER_API_GATE_H

#include <stdbool.h>

#include "authn.h"
#include "authz.h"
#include "wsscale/http_server.h"

/* The least time between two "front-proxy headers ignored" log lines. */
#define API_GATE_LOG_INTERVAL_MS 10000

struct api_gate;

/* A gate over authn and authz (both borrowed; must outlive the server); requests to skip_path
 * (may be NULL) pass unchecked. NULL when out of memory. Free with api_gate_free(). */
struct api_gate *api_gate_new(const struct authn_config *authn, const struct authz_config *authz,
                              const char *skip_path);

/* Frees the gate; accepts NULL. Only after the server has stopped. */
void api_gate_free(struct api_gate *g);

/* A wss_http_gate_cb (arg: the struct api_gate): true lets the request go on; false after a
 * Status reply (401 bad credentials, 403 forbidden, 500 when it could not decide). Worker
 * thread; thread-safe. */
bool api_gate_check(struct wss_http_req *req, void *arg);

#endif
