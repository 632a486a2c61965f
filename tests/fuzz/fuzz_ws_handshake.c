/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ws_handshake.c: libFuzzer target for the opening-handshake parser: answers stay inside the
 * input, refusals carry one of the documented statuses, prefixes of an accepted head are
 * incomplete, and an accepted upgrade always yields a 101 response.
 * Does not: check which requests should pass; tests/unit/test_ws_handshake.c pins those.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/ws_handshake.h"

/* Room for any 101 response: status line, three fixed headers, accept, a protocol token. */
#define RESPONSE_CAP 512

static void check_span(const char *p, size_t n, const char *buf, size_t end)
{
    if (p == NULL) {
        CHECK(n == 0);
        return;
    }
    CHECK(p >= buf && p + n <= buf + end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so reading past the input trips ASan. */
    char *buf = malloc(size > 0 ? size : 1);
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    int rc;

    CHECK(buf != NULL);
    memcpy(buf, data, size);
    memset(&err, 0, sizeof(err));
    rc = wss_ws_handshake_parse(buf, size, &req, &err);
    if (rc == WSS_PARSE_INCOMPLETE) {
        CHECK(size < WSS_WS_HANDSHAKE_MAX_HEAD);
    } else if (rc == WSS_PARSE_INVALID) {
        CHECK(err.status == 400 || err.status == 405 || err.status == 426 || err.status == 431 ||
              err.status == 505);
        CHECK(err.parse.offset <= size);
        CHECK(memchr(err.parse.msg, '\0', sizeof(err.parse.msg)) != NULL);
        CHECK(err.parse.msg[0] != '\0');
        char out[RESPONSE_CAP];
        CHECK(wss_ws_handshake_write_error(out, sizeof(out), err.status) > 0);
    } else {
        size_t end = (size_t)rc;
        CHECK(rc > 0 && end <= size && end <= WSS_WS_HANDSHAKE_MAX_HEAD);
        CHECK(end >= 4 && memcmp(buf + end - 4, "\r\n\r\n", 4) == 0);
        check_span(req.path, req.path_len, buf, end);
        check_span(req.query, req.query_len, buf, end);
        check_span(req.host, req.host_len, buf, end);
        check_span(req.origin, req.origin_len, buf, end);
        check_span(req.protocol, req.protocol_len, buf, end);
        check_span(req.key, req.key_len, buf, end);
        check_span(req.headers, req.headers_len, buf, end);
        CHECK(req.path != NULL && req.path_len >= 1 && req.path[0] == '/');
        CHECK(req.minor_version == 0 || req.minor_version == 1);
        (void)wss_ws_handshake_offers_protocol(&req, "chat");

        /* Bytes after the head never change the answer, and every prefix is unfinished. */
        struct wss_ws_handshake_req again;
        CHECK(wss_ws_handshake_parse(buf, end, &again, NULL) == rc);
        CHECK(again.kind == req.kind);
        CHECK(wss_ws_handshake_parse(buf, end - 1, &again, NULL) == WSS_PARSE_INCOMPLETE);
        CHECK(wss_ws_handshake_parse(buf, end / 2, &again, NULL) == WSS_PARSE_INCOMPLETE);

        char out[RESPONSE_CAP];
        int n = wss_ws_handshake_write_101(out, sizeof(out), &req, NULL);
        if (req.kind == WSS_WS_HANDSHAKE_UPGRADE) {
            CHECK(req.key_len == WSS_WS_HANDSHAKE_KEY_LEN);
            CHECK(req.minor_version == 1 && !req.is_head && req.host != NULL);
            CHECK(n > 0 && (size_t)n == strlen(out));
            CHECK(strstr(out, "\r\nSec-WebSocket-Accept: ") != NULL);
            CHECK(memcmp(out + n - 4, "\r\n\r\n", 4) == 0);
        } else {
            CHECK(n == -1);
        }
    }
    free(buf);
    return 0;
}
