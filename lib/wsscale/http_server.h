/* SPDX-License-Identifier: Apache-2.0 */
/* http_server.h: HTTP and HTTPS endpoints over libmicrohttpd: a listener, worker threads, routed
 * handlers, the request and reply API they use, client certificates, and certificate rotation.
 * Does not: know any route, JSON document or authentication policy; programs bring those.
 * Threads: handlers run on the server's worker threads, several at once; the request and reply
 * calls below are for the handler's own request, on its own thread, during the handler call. */
#ifndef WSSCALE_HTTP_SERVER_H
#define WSSCALE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/http_router.h"
#include "wsscale/http_tls.h"

/* Defaults for zero config fields, with units. */
#define WSS_HTTP_DEFAULT_THREADS         2
#define WSS_HTTP_DEFAULT_MAX_BODY_BYTES  (1024 * 1024)
#define WSS_HTTP_DEFAULT_TIMEOUT_S       30 /* idle seconds before a connection is closed */
#define WSS_HTTP_DEFAULT_MAX_CONNECTIONS 1000
#define WSS_HTTP_DEFAULT_RELOAD_MS       5000 /* how often cert files are checked for change */
/* Room for a start error message, NUL included. */
#define WSS_HTTP_ERR_LEN 512
/* Extra headers one reply can carry. */
#define WSS_HTTP_MAX_REPLY_HEADERS 16
/* The largest reply buffer (wss_http_reply_buffer) a connection keeps for its next request, in
 * bytes of capacity; a larger one is freed once its reply is sent. Bounds what an idle
 * keep-alive connection holds. */
#define WSS_HTTP_REPLY_KEEP_BYTES (256 * 1024)

struct wss_strbuf;

/* Renders an error reply (404, 405, 413, 500, or one a handler asked for with
 * wss_http_reply_error). It must reply with one wss_http_reply* call; if it does not, the default
 * plain-text reply is sent. For 405 the Allow header is already set. Runs on a worker thread. */
typedef void (*wss_http_error_cb)(struct wss_http_req *req, unsigned status, const char *message,
                                  void *arg);

/* Called once per request after the reply is queued or the connection gave up (status 0 then),
 * e.g. to count requests by route and code. req is read-only here; no reply calls. Worker thread.
 */
typedef void (*wss_http_done_cb)(const struct wss_http_req *req, unsigned status, double duration_s,
                                 void *arg);

/* The request gate: runs on the worker thread for EVERY request once its head (method, path,
 * query, headers, client certificate) is complete, before routing and before any body byte is
 * read, as an apiserver authenticates and authorizes before it looks up a route. Return true to
 * go on to routing. Return false when the request must stop here: the gate should reply itself
 * (wss_http_reply* or wss_http_reply_error); if it did not, the server answers 403 through the
 * error callback. A refused request's body is never read into memory. No route has matched yet:
 * wss_http_req_route is "" and wss_http_req_param NULL; the body is "". */
typedef bool (*wss_http_gate_cb)(struct wss_http_req *req, void *arg);

struct wss_http_server_config {
    const char *host; /* numeric IPv4 or IPv6 address to listen on; NULL = "0.0.0.0" */
    uint16_t port;    /* 0 = an ephemeral port; see wss_http_server_port() */
    unsigned threads; /* worker threads; 0 = WSS_HTTP_DEFAULT_THREADS */
    /* TLS: both set = HTTPS, both NULL = plain HTTP. Client-CA bundles need TLS; their union is
     * the pool the handshake asks client certificates for (asked, never required). */
    const char *tls_cert_file;
    const char *tls_key_file;
    const struct wss_http_ca_bundle *client_cas; /* borrowed during start only */
    size_t nclient_cas;
    size_t max_body_bytes;      /* larger bodies get 413; 0 = WSS_HTTP_DEFAULT_MAX_BODY_BYTES */
    unsigned timeout_s;         /* idle connection timeout; 0 = WSS_HTTP_DEFAULT_TIMEOUT_S */
    unsigned max_connections;   /* 0 = WSS_HTTP_DEFAULT_MAX_CONNECTIONS */
    unsigned reload_ms;         /* cert file check period; 0 = WSS_HTTP_DEFAULT_RELOAD_MS */
    wss_http_error_cb on_error; /* NULL = plain-text error bodies */
    void *on_error_arg;
    wss_http_done_cb on_done; /* NULL = none */
    void *on_done_arg;
    wss_http_gate_cb gate; /* NULL = every request goes straight to routing */
    void *gate_arg;
};

/* Counters for tests and the programs' own metrics. */
struct wss_http_server_stats {
    uint64_t tls_loads_ok;     /* successful loads of cert/key/bundles, the first one included */
    uint64_t tls_loads_failed; /* changed files that did not load; the old material kept serving */
    unsigned daemons_draining; /* replaced daemons still finishing their connections */
};

/* Binds host:port, loads TLS material if configured and starts serving requests through router
 * (borrowed: it must outlive the server and not change). Returns NULL with a message in err
 * (errlen bytes; WSS_HTTP_ERR_LEN is enough): bad address, bind failure, unreadable or mismatched
 * cert/key, a bundle with no certificates, bundles without TLS. Call from one thread. */
struct wss_http_server *wss_http_server_start(const struct wss_http_server_config *cfg,
                                              const struct wss_http_router *router, char *err,
                                              size_t errlen);

/* Stops accepting, closes every connection, waits for running handlers and frees everything;
 * accepts NULL. Call from the thread that started it, never from a handler. */
void wss_http_server_stop(struct wss_http_server *s);

/* The port actually bound (the ephemeral one when the config said 0). Thread-safe. */
uint16_t wss_http_server_port(const struct wss_http_server *s);

/* A snapshot of the counters. Thread-safe. */
void wss_http_server_stats(const struct wss_http_server *s, struct wss_http_server_stats *out);

/* --- Request: valid during the handler call; strings are NUL-terminated and borrowed. --- */

/* The request method, e.g. "GET". */
const char *wss_http_req_method(const struct wss_http_req *req);

/* The path, %-decoded by the server ("%2A" arrives as "*"); '+' stays '+'. No query string. */
const char *wss_http_req_path(const struct wss_http_req *req);

/* The route pattern that matched ("" when none did, e.g. in the error callback for a 404). */
const char *wss_http_req_route(const struct wss_http_req *req);

/* The value of route capture `name`, or NULL if the route has no such capture. */
const char *wss_http_req_param(const struct wss_http_req *req, const char *name);

/* The first value of query parameter `name`, %-decoded with '+' as a space; "" for "?name" or
 * "?name="; NULL when absent. */
const char *wss_http_req_query(const struct wss_http_req *req, const char *name);

/* The first value of header `name`, matched case-insensitively; NULL when absent. */
const char *wss_http_req_header(const struct wss_http_req *req, const char *name);

/* Calls cb(name, value, arg) for every request header in arrival order (repeated headers such as
 * X-Remote-Group come once per line) until cb returns false. */
typedef bool (*wss_http_header_cb)(const char *name, const char *value, void *arg);
void wss_http_req_headers_each(const struct wss_http_req *req, wss_http_header_cb cb, void *arg);

/* The body (NUL-terminated for convenience; may hold other NULs) and its length in *len. "" when
 * there was none. */
const char *wss_http_req_body(const struct wss_http_req *req, size_t *len);

/* The peer's address as text ("127.0.0.1", "::1"); "" if unknown. */
const char *wss_http_req_remote_addr(const struct wss_http_req *req);

/* The client certificate as checked against every configured bundle; computed once per
 * connection. On plain HTTP: nothing presented, no bundles. Never NULL. */
const struct wss_http_peer *wss_http_req_peer(struct wss_http_req *req);

/* True when the client's chain verified against the bundle called `bundle` (false for an unknown
 * name, plain HTTP, or no certificate). */
bool wss_http_req_peer_verified(struct wss_http_req *req, const char *bundle);

/* Why the client's chain did not verify against the bundle called `bundle`, for a log line: ""
 * when it did or when no certificate was presented; NULL for an unknown name or plain HTTP. */
const char *wss_http_req_peer_reason(struct wss_http_req *req, const char *bundle);

/* --- Reply: exactly one per request, from its handler (or the error callback). Each returns 0,
 * or -1 when the request was already answered, an argument is invalid, or memory ran out; after
 * a failure the server answers 500 for the handler. --- */

/* Adds a header to the reply about to be made; call before the reply itself. Fails on a name or
 * value with CR, LF or NUL, or past WSS_HTTP_MAX_REPLY_HEADERS. Content-Type is set by the reply.
 */
int wss_http_reply_header(struct wss_http_req *req, const char *name, const char *value);

/* Replies with status (200..599), Content-Type and a copy of len bytes of body. */
int wss_http_reply(struct wss_http_req *req, unsigned status, const char *content_type,
                   const void *body, size_t len);

/* As wss_http_reply, but takes ownership of body (malloc'd; freed with free(), also on failure). */
int wss_http_reply_take(struct wss_http_req *req, unsigned status, const char *content_type,
                        char *body, size_t len);

/* The connection's reply buffer, emptied, for a body to be written into and sent with
 * wss_http_reply_buffered. A keep-alive connection keeps it (up to WSS_HTTP_REPLY_KEEP_BYTES) for
 * its next request, so a big reply neither allocates nor faults in fresh pages every time; no
 * other connection ever sees it. Owned by the server: append to it, never free or take it. Each
 * call empties it. NULL once the request was answered or when out of memory. */
struct wss_strbuf *wss_http_reply_buffer(struct wss_http_req *req);

/* Replies with status, Content-Type and the contents of the reply buffer, without a copy. Fails
 * as wss_http_reply does, and when wss_http_reply_buffer was not called or an append to the
 * buffer failed (is_failed). */
int wss_http_reply_buffered(struct wss_http_req *req, unsigned status, const char *content_type);

/* Replies with a NUL-terminated JSON document as application/json. */
int wss_http_reply_json(struct wss_http_req *req, unsigned status, const char *json);

/* Replies with NUL-terminated text as text/plain; charset=utf-8. */
int wss_http_reply_text(struct wss_http_req *req, unsigned status, const char *text);

/* Replies through the server's error callback (the program's error document), or plain text. */
int wss_http_reply_error(struct wss_http_req *req, unsigned status, const char *message);

#endif
