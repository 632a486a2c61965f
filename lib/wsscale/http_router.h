/* SPDX-License-Identifier: Apache-2.0 */
/* http_router.h: the route table: method + path pattern -> handler, with {name} segments and a
 * trailing *rest, telling "no such path" (404) from "path exists, method does not" (405 + Allow).
 * Does not: do I/O, decode %-escapes (the server hands it the decoded path), call the handlers it
 * stores, or allocate while matching.
 * Threads: build the table on one thread before serving; matching only reads it, from any thread.
 */
#ifndef WSSCALE_HTTP_ROUTER_H
#define WSSCALE_HTTP_ROUTER_H

#include <stddef.h>

#include "wsscale/parse.h"

/* Pattern syntax (every pattern starts with '/', segments are split on '/'):
 *   literal   matches the same bytes, case-sensitively ("" only as a trailing slash: "/a/")
 *   {name}    matches one non-empty segment; name is [A-Za-z0-9_]+, unique within the pattern
 *   *name     last segment only: matches the rest of the path after the preceding '/', which may
 *             be empty or hold more slashes: "/static/" then *file matches "/static/" and
 *             "/static/a/b" but not "/static"
 * When several patterns match a path, the most specific wins, compared segment by segment from the
 * left: literal beats {name}, which beats *rest. So registration order never matters. */

/* Most segments in a pattern, and most captures ({name} or *rest) one match can return. */
#define WSS_HTTP_ROUTER_MAX_SEGMENTS 32
#define WSS_HTTP_ROUTER_MAX_PARAMS   8
/* Longest method token ("GET", "POST", extension methods). */
#define WSS_HTTP_ROUTER_MAX_METHOD 16
/* Room for an Allow value listing every method of one path ("DELETE, GET, HEAD, ..."). */
#define WSS_HTTP_ROUTER_ALLOW_LEN 160

/* Defined by http_server.h; the router only stores and returns the pointer. */
struct wss_http_req;

/* A route's handler: runs on a server worker thread and must reply exactly once. */
typedef void (*wss_http_handler_cb)(struct wss_http_req *req, void *arg);

enum wss_http_route_result {
    WSS_HTTP_ROUTE_FOUND = 0,              /* match->handler is set */
    WSS_HTTP_ROUTE_NOT_FOUND = 1,          /* no pattern matches the path: 404 */
    WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED = 2, /* a pattern matches, the method does not: 405 */
};

/* One capture; name points into the router's pattern copy, value into the matched path. */
struct wss_http_param {
    const char *name; /* borrowed from the router; not NUL-terminated at name_len */
    size_t name_len;
    const char *value; /* borrowed from the path passed to match; not NUL-terminated */
    size_t value_len;
};

/* The answer of wss_http_router_match; caller-owned, usually on the stack. */
struct wss_http_match {
    wss_http_handler_cb handler; /* FOUND only */
    void *arg;                   /* FOUND only: the pointer given to wss_http_router_add */
    const char *pattern;         /* FOUND only: the route's pattern (NUL-terminated), for labels */
    struct wss_http_param params[WSS_HTTP_ROUTER_MAX_PARAMS];
    size_t nparams;
    /* METHOD_NOT_ALLOWED only: the methods the path allows, sorted, ", "-separated, with HEAD
     * wherever GET is; ready for an Allow header. */
    char allow[WSS_HTTP_ROUTER_ALLOW_LEN];
};

/* Creates an empty table; NULL when out of memory. Free with wss_http_router_free(). */
struct wss_http_router *wss_http_router_new(void);

/* Frees the table and its pattern copies; accepts NULL. Not while a server still uses it. */
void wss_http_router_free(struct wss_http_router *r);

/* Adds method + pattern -> handler(arg). The pattern is copied. Returns 0, or WSS_PARSE_INVALID
 * with err saying why (bad method token, bad pattern with the offset in the pattern, the same
 * method and pattern shape twice, out of memory). A GET route also answers HEAD unless HEAD has its
 * own. Not thread-safe: only before serving. */
int wss_http_router_add(struct wss_http_router *r, const char *method, const char *pattern,
                        wss_http_handler_cb handler, void *arg, struct wss_parse_err *err);

/* Matches method and path (path_len bytes, starting with '/') and fills m; see the result enum.
 * A path not starting with '/' is NOT_FOUND. No allocation; thread-safe against other matches. */
enum wss_http_route_result wss_http_router_match(const struct wss_http_router *r,
                                                 const char *method, const char *path,
                                                 size_t path_len, struct wss_http_match *m);

/* The value of capture `name` in m (borrowed from the path, length in *len); NULL if the route has
 * no such capture. Thread-safe. */
const char *wss_http_router_param(const struct wss_http_match *m, const char *name, size_t *len);

#endif
