/* SPDX-License-Identifier: Apache-2.0 */
/* ws_client_handshake.h: the client side of the RFC 6455 opening handshake: writes the upgrade
 * request and checks the server's 101 response against the key that was sent.
 * Does not: do I/O, draw the random key bytes (the caller supplies them), follow redirects or
 * negotiate extensions.
 * Threads: any; functions touch only the caller's buffers. */
#ifndef WSSCALE_WS_CLIENT_HANDSHAKE_H
#define WSSCALE_WS_CLIENT_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"
#include "wsscale/ws_handshake.h"

/* Random bytes behind Sec-WebSocket-Key (RFC 6455 section 4.1: a 16-byte nonce). */
#define WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN 16
/* Largest response head accepted (status line, headers, blank line). */
#define WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD 8192

/* What the client asks for; the same struct checks the answer. Text is borrowed and need not be
 * NUL-terminated. */
struct wss_ws_client_handshake {
    const char *host; /* Host header value: the URL's host[:port] */
    size_t host_len;
    const char *path; /* starts with '/'; NULL or empty asks for "/" */
    size_t path_len;
    const char *query; /* after '?'; NULL for none */
    size_t query_len;
    const char *origin; /* Origin header; NULL for none */
    size_t origin_len;
    const char *protocols; /* Sec-WebSocket-Protocol: comma-separated tokens; NULL for none */
    size_t protocols_len;
    uint8_t nonce[WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN]; /* fresh random bytes per connection */
};

/* The server's answer. Pointers are borrowed from the parsed buffer. */
struct wss_ws_client_handshake_resp {
    int status;           /* the status code once the status line is in (also on failure), else 0 */
    const char *protocol; /* the subprotocol the server chose, or NULL */
    size_t protocol_len;
    const char *headers; /* every header line, CRLF-terminated */
    size_t headers_len;
};

/* Writes Sec-WebSocket-Key for a nonce (base64, 24 characters) into key, NUL-terminated. Cannot
 * fail; thread-safe. */
void wss_ws_client_handshake_key(const uint8_t nonce[WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN],
                                 char key[WSS_WS_HANDSHAKE_KEY_LEN + 1]);

/* Writes the GET upgrade request for hs into out, NUL-terminated. Returns its length, or -1 when
 * cap is too small or a field would break the request: a missing host, a control byte, space or
 * non-ASCII byte in host, path or query, a path not starting with '/', a control byte in origin,
 * protocols that are not a list of tokens. Pure; thread-safe. */
int wss_ws_client_handshake_write(char *out, size_t cap, const struct wss_ws_client_handshake *hs);

/* Parses the response head at the start of buf[0..len) and checks it answers hs: HTTP/1.1 101,
 * Upgrade listing websocket, Connection listing upgrade, Sec-WebSocket-Accept matching hs->nonce,
 * no extension, and a subprotocol only if it is one hs offered. Returns bytes consumed through
 * the blank line (later bytes are the server's first frames), WSS_PARSE_INCOMPLETE while the head
 * is valid but unfinished, or WSS_PARSE_INVALID with err saying why (a status other than 101
 * fails as soon as the status line is in). Lines must end in CRLF; a head over
 * WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD fails. Pure; thread-safe. */
int wss_ws_client_handshake_parse(const char *buf, size_t len,
                                  const struct wss_ws_client_handshake *hs,
                                  struct wss_ws_client_handshake_resp *resp,
                                  struct wss_parse_err *err);

#endif
