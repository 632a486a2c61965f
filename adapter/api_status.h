/* SPDX-License-Identifier: Apache-2.0 */
/* api_status.h: the one Kubernetes `Status` error document, and the metric source error -> Status
 * mapping, for every error reply of the metrics API (routes and the HTTP server's own 404/405/413).
 * Does not: choose error messages for routes, or log.
 * Threads: every function is safe from any worker thread at once (no shared state). */
#ifndef ADAPTER_API_STATUS_H
#define ADAPTER_API_STATUS_H

#include "wsscale/http_server.h"

/* The Status `reason` for an HTTP code ("NotFound", "BadRequest", ...); "" for codes Kubernetes
 * names none for (it writes an empty reason then). Never NULL. Thread-safe. */
const char *api_status_reason(unsigned code);

/* A Status JSON document (kind Status, apiVersion v1, status Failure, message, reason, code),
 * malloc'd and NUL-terminated, or NULL when out of memory. Thread-safe. */
char *api_status_json(unsigned code, const char *message);

/* Replies to req with a Status for code and message as application/json. Returns
 * wss_http_reply_json's result (-1 when already answered or out of memory). Handler thread. */
int api_status_reply(struct wss_http_req *req, unsigned code, const char *message);

/* A wss_http_error_cb (arg unused): the server's 404, 405, 413 and 500 become Status replies. */
void api_status_on_error(struct wss_http_req *req, unsigned status, const char *message, void *arg);

/* The HTTP code for a metric_source error: NOT_FOUND and STALE 404 (a stale pod has no value to
 * serve), UNAVAILABLE 503, anything else 500. Pure. */
unsigned api_status_code_for_source(int src_err);

#endif
