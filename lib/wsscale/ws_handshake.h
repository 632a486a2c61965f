/* SPDX-License-Identifier: Apache-2.0 */
/* ws_handshake.h: parses the HTTP/1.1 request that opens a connection (a WebSocket upgrade or a
 * plain GET) and writes the 101 or error response.
 * Does not: route paths, check origins, read request bodies, or do I/O; the caller decides.
 * Threads: any; functions touch only the caller's buffers. */
#ifndef WSSCALE_WS_HANDSHAKE_H
#define WSSCALE_WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "wsscale/parse.h"

/* Largest request head in bytes (request line, headers, blank line); a longer one gets 431.
 * Browsers send well under 2 KiB; large cookies are the usual reason to need more. */
#define WSS_WS_HANDSHAKE_MAX_HEAD 8192
/* Length of Sec-WebSocket-Key: base64 of 16 bytes. */
#define WSS_WS_HANDSHAKE_KEY_LEN 24
/* Length of Sec-WebSocket-Accept: base64 of a SHA-1 digest. */
#define WSS_WS_HANDSHAKE_ACCEPT_LEN 28

enum wss_ws_handshake_kind {
    WSS_WS_HANDSHAKE_PLAIN = 0,   /* an ordinary GET or HEAD: serve /, /healthz, /metrics, or 404 */
    WSS_WS_HANDSHAKE_UPGRADE = 1, /* a valid WebSocket opening handshake: answer 101 (or 404) */
};

/* A parsed request. Every pointer is borrowed from the parsed buffer; absent headers are NULL
 * with length 0. */
struct wss_ws_handshake_req {
    enum wss_ws_handshake_kind kind;
    bool is_head;      /* PLAIN only: the method was HEAD, so answer without a body */
    int minor_version; /* 0 or 1, of HTTP/1.x; UPGRADE is always 1 */
    const char *path;  /* the request target up to '?', starting with '/' (not decoded) */
    size_t path_len;
    const char *query; /* after '?', or NULL when there is no '?' */
    size_t query_len;
    const char *host; /* Host; always present for HTTP/1.1 */
    size_t host_len;
    const char *origin; /* Origin */
    size_t origin_len;
    const char
        *protocol; /* the first Sec-WebSocket-Protocol line; see wss_ws_handshake_offers_protocol */
    size_t protocol_len;
    const char *key; /* UPGRADE: Sec-WebSocket-Key, WSS_WS_HANDSHAKE_KEY_LEN characters */
    size_t key_len;
    const char *headers; /* every header line, CRLF-terminated, for protocol lookups */
    size_t headers_len;
};

/* Why a request was refused: the HTTP status to answer and a message for the log. */
struct wss_ws_handshake_err {
    int status;                 /* 400, 405, 426, 431 or 505 */
    struct wss_parse_err parse; /* offset into the request and the reason */
};

/* Parses the request head at the start of buf[0..len). Returns bytes consumed through the blank
 * line (bytes after it are the client's first frames), WSS_PARSE_INCOMPLETE when the head is
 * valid so far but unfinished, or WSS_PARSE_INVALID with err->status: 405 for a method other
 * than GET and HEAD, or HEAD with an upgrade; 426 for a Sec-WebSocket-Version other than 13, 431
 * when the head exceeds WSS_WS_HANDSHAKE_MAX_HEAD, 505 for HTTP versions other than 1.0 and 1.1,
 * else 400. Lines must end in CRLF. Requests with a body are refused (400). Pure; thread-safe. */
int wss_ws_handshake_parse(const char *buf, size_t len, struct wss_ws_handshake_req *req,
                           struct wss_ws_handshake_err *err);

/* True if the client listed protocol (compared exactly) in any Sec-WebSocket-Protocol header.
 * Pure; thread-safe. */
bool wss_ws_handshake_offers_protocol(const struct wss_ws_handshake_req *req, const char *protocol);

/* Computes Sec-WebSocket-Accept for a key (SHA-1 of key and the RFC 6455 GUID, base64) into out,
 * NUL-terminated. Cannot fail; thread-safe. */
void wss_ws_handshake_accept(const char *key, size_t key_len,
                             char out[WSS_WS_HANDSHAKE_ACCEPT_LEN + 1]);

/* Writes the 101 Switching Protocols response for an UPGRADE req into out, NUL-terminated, naming
 * protocol unless it is NULL. Returns its length, or -1 if req is not an upgrade, cap is too
 * small or protocol is not a token. Thread-safe. */
int wss_ws_handshake_write_101(char *out, size_t cap, const struct wss_ws_handshake_req *req,
                               const char *protocol);

/* Writes a bodiless error response for status that closes the connection, NUL-terminated, with
 * `Sec-WebSocket-Version: 13` on 426 and `Allow: GET, HEAD` on 405. Returns its length, or -1 if
 * cap is too small. Thread-safe. */
int wss_ws_handshake_write_error(char *out, size_t cap, int status);

#endif
