/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ws_url.c: libFuzzer target for the ws:// URL parser: pieces stay inside the input and put
 * back together give the input again, and every accepted URL makes an upgrade request that the
 * server's parser accepts with the same path and query.
 * Does not: check which URLs should pass; tests/unit/test_ws_url.c pins those.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/ws_client_handshake.h"
#include "wsscale/ws_handshake.h"
#include "wsscale/ws_url.h"

/* Longest URL worth rebuilding; longer inputs are still parsed. */
#define REBUILD_CAP 4096
/* Room for any request made from a URL of at most REBUILD_CAP bytes. */
#define REQUEST_CAP (REBUILD_CAP + 512)

static void check_span(const char *p, size_t n, const char *buf, size_t len)
{
    if (p == NULL) {
        CHECK(n == 0);
        return;
    }
    CHECK(p >= buf && p + n <= buf + len);
}

/* "ws://" + authority + path + "?" query rebuilds the input, except the scheme's case. */
static void check_rebuild(const char *buf, size_t len, const struct wss_ws_url *u)
{
    char out[REBUILD_CAP];
    int n = snprintf(out, sizeof(out), "ws://%.*s%.*s%s%.*s", (int)u->authority_len, u->authority,
                     (int)u->path_len, u->path ? u->path : "", u->query ? "?" : "",
                     (int)u->query_len, u->query ? u->query : "");
    CHECK(n >= 0 && (size_t)n == len);
    CHECK(memcmp(out + 5, buf + 5, len - 5) == 0);
}

/* The request for this URL passes the server's parser as an upgrade of the same target. */
static void check_request(const struct wss_ws_url *u, const uint8_t *data, size_t size)
{
    struct wss_ws_client_handshake hs = {
        .host = u->authority,
        .host_len = u->authority_len,
        .path = u->path,
        .path_len = u->path_len,
        .query = u->query,
        .query_len = u->query_len,
    };
    char req_text[REQUEST_CAP];
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;

    for (size_t i = 0; i < sizeof(hs.nonce); i++)
        hs.nonce[i] = i < size ? data[size - 1 - i] : (uint8_t)i;
    int n = wss_ws_client_handshake_write(req_text, sizeof(req_text), &hs);
    CHECK(n > 0);
    CHECK(wss_ws_handshake_parse(req_text, (size_t)n, &req, &err) == n);
    CHECK(req.kind == WSS_WS_HANDSHAKE_UPGRADE);
    if (u->path_len > 0)
        CHECK(req.path_len == u->path_len && memcmp(req.path, u->path, u->path_len) == 0);
    else
        CHECK(req.path_len == 1 && req.path[0] == '/');
    CHECK((req.query == NULL) == (u->query == NULL));
    CHECK(req.query_len == u->query_len);
    CHECK(req.host_len == u->authority_len &&
          memcmp(req.host, u->authority, u->authority_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so reading past the input trips ASan. */
    char *buf = malloc(size > 0 ? size : 1);
    struct wss_ws_url u;
    struct wss_parse_err err;
    int rc;

    CHECK(buf != NULL);
    memcpy(buf, data, size);
    memset(&err, 0, sizeof(err));
    rc = wss_ws_url_parse(buf, size, &u, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= size);
        CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0] != '\0');
    } else {
        CHECK(rc >= 0 && (size_t)rc == size);
        check_span(u.addr.host, u.addr.host_len, buf, size);
        check_span(u.authority, u.authority_len, buf, size);
        check_span(u.path, u.path_len, buf, size);
        check_span(u.query, u.query_len, buf, size);
        CHECK(u.addr.kind != WSS_HOST_ANY && u.addr.host_len > 0);
        CHECK(u.addr.host >= u.authority &&
              u.addr.host + u.addr.host_len <= u.authority + u.authority_len);
        CHECK(u.path == NULL || (u.path_len > 0 && u.path[0] == '/'));
        if (size <= REBUILD_CAP) {
            check_rebuild(buf, size, &u);
            check_request(&u, data, size);
        }
    }
    free(buf);
    return 0;
}
