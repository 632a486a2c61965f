/* SPDX-License-Identifier: Apache-2.0 */
/* ws_url.h: ws:// URLs ("ws://127.0.0.1:8080/ws/rooms/lobby?x=1") split into what a WebSocket
 * client needs: the address to connect to, the Host header and the request target.
 * Does not: resolve names, decode percent-escapes, allocate, or speak TLS (wss:// is refused).
 * Threads: pure functions over caller-owned memory; safe from any thread. */
#ifndef WSSCALE_WS_URL_H
#define WSSCALE_WS_URL_H

#include <stddef.h>

#include "wsscale/hostport.h"
#include "wsscale/parse.h"

/* The port of a ws:// URL that names none (RFC 6455 section 3). */
#define WSS_WS_URL_DEFAULT_PORT 80

/* A parsed URL. Every pointer is borrowed from the parsed text. */
struct wss_ws_url {
    struct wss_hostport addr; /* the host (never WSS_HOST_ANY) and port, 80 when none is given */
    const char *authority;    /* host[:port] as written: the value of the Host header */
    size_t authority_len;
    const char *path; /* from '/' up to '?'; NULL with path_len 0 when the URL has none ("/") */
    size_t path_len;
    const char *query; /* after '?', NULL when there is no '?' */
    size_t query_len;
};

/* Parses s[0..len) as ws://host[:port][/path][?query]: the scheme in any case, host an IPv4
 * literal, a bracketed IPv6 literal or a DNS name, path and query of visible ASCII with valid
 * %XX escapes. Refuses wss:// (no TLS here), other schemes, user info and fragments. Returns len,
 * or WSS_PARSE_INVALID with err naming the problem and its offset. Pure; thread-safe. */
int wss_ws_url_parse(const char *s, size_t len, struct wss_ws_url *out, struct wss_parse_err *err);

#endif
