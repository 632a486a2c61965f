/* SPDX-License-Identifier: Apache-2.0 */
/* http_endpoints.c: routing of the server port's paths and the plain answers: the chat page,
 * health, readiness and the Prometheus exposition.
 * Does not: parse HTTP, touch sockets, or keep a connection open after an answer.
 * Threads: any; the only shared state is the registry (thread-safe) and the draining flag. */
#include "http_endpoints.h"

#include <stdlib.h>
#include <string.h>

#include "chat_page.h"
#include "rooms.h"

#define WS_ECHO_PATH   "/ws"
#define WS_ROOM_PREFIX "/ws/rooms/"

struct http_endpoints {
    struct wss_prom_registry *registry; /* borrowed */
    const atomic_bool *is_draining;     /* borrowed; written by the drain */
};

static bool path_is(const char *path, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(path, want, len) == 0;
}

int http_endpoints_ws_target(const char *path, size_t len, struct http_ws_target *out)
{
    size_t prefix = strlen(WS_ROOM_PREFIX);
    if (path_is(path, len, WS_ECHO_PATH)) {
        *out = (struct http_ws_target){.route = HTTP_WS_ECHO};
        return 0;
    }
    if (len > prefix && memcmp(path, WS_ROOM_PREFIX, prefix) == 0 &&
        room_name_is_valid(path + prefix, len - prefix)) {
        *out = (struct http_ws_target){
            .route = HTTP_WS_ROOM, .room = path + prefix, .room_len = len - prefix};
        return 0;
    }
    return 404;
}

struct http_endpoints *http_endpoints_new(struct wss_prom_registry *registry,
                                          const atomic_bool *is_draining)
{
    struct http_endpoints *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->registry = registry;
    e->is_draining = is_draining;
    return e;
}

void http_endpoints_free(struct http_endpoints *e)
{
    free(e);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 404:
        return "Not Found";
    case 426:
        return "Upgrade Required";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

/* Writes the status line, headers and (unless HEAD) the body. `extra` is more header lines, each
 * CRLF-terminated, or "". */
static int reply(struct wss_strbuf *out, const struct wss_ws_handshake_req *req, int status,
                 const char *content_type, const char *extra, const void *body, size_t body_len)
{
    wss_strbuf_printf(out,
                      "HTTP/1.1 %d %s\r\n"
                      "Content-Type: %s\r\n"
                      "Content-Length: %zu\r\n"
                      "Cache-Control: no-store\r\n"
                      "Connection: close\r\n"
                      "%s\r\n",
                      status, reason_phrase(status), content_type, body_len, extra);
    if (!req->is_head && body_len > 0)
        wss_strbuf_append(out, body, body_len);
    return status;
}

static int reply_text(struct wss_strbuf *out, const struct wss_ws_handshake_req *req, int status,
                      const char *text)
{
    return reply(out, req, status, "text/plain; charset=utf-8", "", text, strlen(text));
}

static int reply_metrics(struct http_endpoints *e, struct wss_strbuf *out,
                         const struct wss_ws_handshake_req *req)
{
    struct wss_strbuf body;
    wss_strbuf_init(&body, HTTP_ENDPOINTS_METRICS_MAX);
    int status = 200;
    if (wss_prom_render(e->registry, &body) != 0)
        status = reply_text(out, req, 500, "rendering metrics failed\n");
    else
        status = reply(out, req, 200, WSS_PROM_CONTENT_TYPE, "", body.data, body.len);
    wss_strbuf_free(&body);
    return status;
}

int http_endpoints_respond(struct http_endpoints *e, const struct wss_ws_handshake_req *req,
                           struct wss_strbuf *out)
{
    const char *path = req->path;
    size_t len = req->path_len;
    struct http_ws_target target;
    if (path_is(path, len, "/"))
        return reply(out, req, 200, "text/html; charset=utf-8", "", chat_page_html,
                     chat_page_html_len);
    if (path_is(path, len, "/healthz"))
        return reply_text(out, req, 200, "ok\n");
    if (path_is(path, len, "/readyz")) {
        if (atomic_load_explicit(e->is_draining, memory_order_relaxed))
            return reply_text(out, req, 503, "draining\n");
        return reply_text(out, req, 200, "ok\n");
    }
    if (path_is(path, len, "/metrics"))
        return reply_metrics(e, out, req);
    if (http_endpoints_ws_target(path, len, &target) == 0)
        return reply(out, req, 426, "text/plain; charset=utf-8",
                     "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n",
                     "this is a WebSocket endpoint\n", strlen("this is a WebSocket endpoint\n"));
    return reply_text(out, req, 404, "not found\n");
}
