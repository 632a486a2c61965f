/* SPDX-License-Identifier: Apache-2.0 */
/* http_endpoints.h: what the server port answers: the WebSocket paths (/ws echo,
 * /ws/rooms/{room}) and the plain GETs (/, /healthz, /readyz, /metrics, else 404).
 * Does not: parse requests (ws_handshake.c), do I/O, or keep connections alive: every plain
 * answer ends its connection.
 * Threads: every function is thread-safe; any worker answers with the same instance. */
#ifndef WSSCALE_SERVER_HTTP_ENDPOINTS_H
#define WSSCALE_SERVER_HTTP_ENDPOINTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "wsscale/ws_handshake.h"
#include "wsscale/prom.h"
#include "wsscale/strbuf.h"

/* Largest response body /metrics may produce; beyond it the scrape fails with 500. */
#define HTTP_ENDPOINTS_METRICS_MAX (4u * 1024 * 1024)

enum http_ws_route {
    HTTP_WS_ECHO = 1, /* /ws */
    HTTP_WS_ROOM,     /* /ws/rooms/{room} */
};

struct http_ws_target {
    enum http_ws_route route;
    const char *room; /* ROOM: borrowed from the path */
    size_t room_len;
};

struct http_endpoints; /* opaque */

/* Maps a WebSocket request's path to its endpoint. 0, or the status to refuse with: 404 for a
 * path that is no WebSocket endpoint or a room name that is not 1-64 of A-Z a-z 0-9 . _ ~ -.
 * Pure. */
int http_endpoints_ws_target(const char *path, size_t len, struct http_ws_target *out);

/* Creates the endpoints. registry (rendered by /metrics) and is_draining (/readyz answers 503
 * while it is true) are borrowed and must outlive them. NULL when out of memory. */
struct http_endpoints *http_endpoints_new(struct wss_prom_registry *registry,
                                          const atomic_bool *is_draining);

/* Frees the endpoints; accepts NULL. */
void http_endpoints_free(struct http_endpoints *e);

/* Writes the complete response to a plain GET or HEAD (status line, headers with
 * `Connection: close`, and the body unless HEAD) into out, and returns its status: 200, 404,
 * 426 (a plain GET of a WebSocket path), 503 (/readyz while draining) or 500 (/metrics failed).
 * On an out-of-memory out is left failed. Thread-safe. */
int http_endpoints_respond(struct http_endpoints *e, const struct wss_ws_handshake_req *req,
                           struct wss_strbuf *out);

#endif
