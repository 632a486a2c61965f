/* SPDX-License-Identifier: Apache-2.0 */
/* test_ws_handshake.c: the opening handshake: the RFC 6455 example, accepted variants, every
 * refusal with its HTTP status and text, partial and oversized heads, and the responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/ws_handshake.h"

#define RFC_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* RFC 6455 section 1.2, with the version the server needs. */
static const char rfc_request[] = "GET /chat HTTP/1.1\r\n"
                                  "Host: server.example.com\r\n"
                                  "Upgrade: websocket\r\n"
                                  "Connection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                                  "Origin: http://example.com\r\n"
                                  "Sec-WebSocket-Protocol: chat, superchat\r\n"
                                  "Sec-WebSocket-Version: 13\r\n"
                                  "\r\n";

static int parse(const char *s, struct wss_ws_handshake_req *req, struct wss_ws_handshake_err *err)
{
    return wss_ws_handshake_parse(s, strlen(s), req, err);
}

static void assert_span(const char *p, size_t n, const char *want)
{
    assert_non_null(p);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
}

static void computes_the_rfc_accept_value(void **state)
{
    (void)state;
    char out[WSS_WS_HANDSHAKE_ACCEPT_LEN + 1];
    wss_ws_handshake_accept(RFC_KEY, strlen(RFC_KEY), out);
    assert_string_equal(out, RFC_ACCEPT);
}

static void parses_the_rfc_example_request(void **state)
{
    (void)state;
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    assert_int_equal(parse(rfc_request, &req, &err), (int)strlen(rfc_request));
    assert_int_equal(req.kind, WSS_WS_HANDSHAKE_UPGRADE);
    assert_int_equal(req.minor_version, 1);
    assert_false(req.is_head);
    assert_span(req.path, req.path_len, "/chat");
    assert_null(req.query);
    assert_span(req.host, req.host_len, "server.example.com");
    assert_span(req.origin, req.origin_len, "http://example.com");
    assert_span(req.protocol, req.protocol_len, "chat, superchat");
    assert_span(req.key, req.key_len, RFC_KEY);
    assert_true(wss_ws_handshake_offers_protocol(&req, "chat"));
    assert_true(wss_ws_handshake_offers_protocol(&req, "superchat"));
    assert_false(wss_ws_handshake_offers_protocol(&req, "Chat"));
    assert_false(wss_ws_handshake_offers_protocol(&req, "super"));
}

static void leaves_the_first_frame_after_the_head_unconsumed(void **state)
{
    (void)state;
    char buf[sizeof(rfc_request) + 8];
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    size_t n = strlen(rfc_request);
    memcpy(buf, rfc_request, n);
    memcpy(buf + n, "\x81\x85\x37\xfa\x21\x3d\x7f", 7);
    assert_int_equal(wss_ws_handshake_parse(buf, n + 7, &req, &err), (int)n);
}

static const struct {
    const char *name;
    const char *req;
    const char *path;
    const char *query;
} upgrades[] = {
    {"lowercase names and values",
     "GET /ws HTTP/1.1\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
     "sec-websocket-key: " RFC_KEY "\r\nsec-websocket-version: 13\r\n\r\n",
     "/ws", NULL},
    {"Firefox's keep-alive, Upgrade",
     "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
     "/ws", NULL},
    {"Autobahn's capitalised WebSocket, no optional whitespace",
     "GET / HTTP/1.1\r\nHost:127.0.0.1:9001\r\nUpgrade:WebSocket\r\nConnection:Upgrade\r\n"
     "Pragma: no-cache\r\nSec-WebSocket-Key:" RFC_KEY "\r\nSec-WebSocket-Version:13\r\n\r\n",
     "/", NULL},
    {"tokens spread over lines with odd spacing",
     "GET /ws/rooms/lobby?x=1&y HTTP/1.1\r\nHost: a\r\nUpgrade: h2c ,\t websocket \r\n"
     "Connection: keep-alive\r\nConnection: ,UPGRADE,\r\n"
     "Sec-WebSocket-Key: \t" RFC_KEY " \r\nSec-WebSocket-Version: 13\r\n\r\n",
     "/ws/rooms/lobby", "x=1&y"},
    {"empty query",
     "GET /ws? HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
     "/ws", ""},
    /* RFC 9112 3.2.2: the absolute-form is accepted; the path is what follows the authority */
    {"absolute-form target",
     "GET http://pod.example:8080/ws/rooms/a?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
     "Connection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
     "/ws/rooms/a", "x=1"},
    {"absolute-form with only an authority",
     "GET WSS://a?q HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
     "/", "q"},
    /* RFC 9110 2.5: a higher minor version is served as HTTP/1.1 */
    {"HTTP/1.2",
     "GET /ws HTTP/1.2\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
     "/ws", NULL},
};

static void accepts_upgrade_variants(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(upgrades) / sizeof(upgrades[0]); i++) {
        struct wss_ws_handshake_req req;
        struct wss_ws_handshake_err err = {0};
        int rc;
        print_message("case: %s\n", upgrades[i].name);
        rc = parse(upgrades[i].req, &req, &err);
        if (rc < 0)
            print_message("  failed: %d %s\n", err.status, err.parse.msg);
        assert_int_equal(rc, (int)strlen(upgrades[i].req));
        assert_int_equal(req.kind, WSS_WS_HANDSHAKE_UPGRADE);
        assert_span(req.path, req.path_len, upgrades[i].path);
        if (upgrades[i].query == NULL)
            assert_null(req.query);
        else
            assert_span(req.query, req.query_len, upgrades[i].query);
        assert_span(req.key, req.key_len, RFC_KEY);
    }
}

static void recognises_plain_requests(void **state)
{
    (void)state;
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    const char *get = "GET /healthz HTTP/1.1\r\nHost: pod:8080\r\nUser-Agent: kube-probe/1.29\r\n"
                      "Accept: */*\r\nConnection: close\r\n\r\n";
    const char *head = "HEAD /metrics?x HTTP/1.1\r\nHost: a\r\n\r\n";
    const char *http10 = "GET / HTTP/1.0\r\n\r\n";
    const char *other_upgrade =
        "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n";

    assert_int_equal(parse(get, &req, &err), (int)strlen(get));
    assert_int_equal(req.kind, WSS_WS_HANDSHAKE_PLAIN);
    assert_span(req.path, req.path_len, "/healthz");
    assert_null(req.key);
    assert_int_equal(parse(head, &req, &err), (int)strlen(head));
    assert_int_equal(req.kind, WSS_WS_HANDSHAKE_PLAIN);
    assert_true(req.is_head);
    assert_span(req.path, req.path_len, "/metrics");
    assert_span(req.query, req.query_len, "x");
    assert_int_equal(parse(http10, &req, &err), (int)strlen(http10));
    assert_int_equal(req.kind, WSS_WS_HANDSHAKE_PLAIN);
    assert_int_equal(req.minor_version, 0);
    assert_null(req.host);
    assert_int_equal(parse(other_upgrade, &req, &err), (int)strlen(other_upgrade));
    assert_int_equal(req.kind, WSS_WS_HANDSHAKE_PLAIN);
}

#define UPGRADE_HEADERS "Upgrade: websocket\r\nConnection: Upgrade\r\n"
#define GOOD_KEY        "Sec-WebSocket-Key: " RFC_KEY "\r\n"
#define V13             "Sec-WebSocket-Version: 13\r\n"

static const struct {
    const char *name;
    const char *req;
    int status;
    const char *msg;
} refusals[] = {
    {"missing Host", "GET /ws HTTP/1.1\r\n" UPGRADE_HEADERS GOOD_KEY V13 "\r\n", 400,
     "missing Host header"},
    {"key of 15 bytes",
     "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS
     "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\n" V13 "\r\n",
     400, "Sec-WebSocket-Key does not decode to 16 bytes"},
    {"key of 17 bytes",
     "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS
     "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=\r\n" V13 "\r\n",
     400, "Sec-WebSocket-Key does not decode to 16 bytes"},
    {"key outside the base64 alphabet",
     "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS
     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ-==\r\n" V13 "\r\n",
     400, "Sec-WebSocket-Key does not decode to 16 bytes"},
    {"key with whitespace inside",
     "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS
     "Sec-WebSocket-Key: dGhlIHNhbXBsZSB ub25jZQ=\r\n" V13 "\r\n",
     400, "Sec-WebSocket-Key does not decode to 16 bytes"},
    {"missing key", "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS V13 "\r\n", 400,
     "missing Sec-WebSocket-Key"},
    {"version 8",
     "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS GOOD_KEY "Sec-WebSocket-Version: 8\r\n\r\n",
     426, "unsupported Sec-WebSocket-Version 8"},
    {"missing version", "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS GOOD_KEY "\r\n", 426,
     "missing Sec-WebSocket-Version"},
    {"POST", "POST /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS GOOD_KEY V13 "\r\n", 405,
     "method POST not allowed"},
    {"lowercase get", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 405, "method get not allowed"},
    {"HEAD upgrade", "HEAD /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS GOOD_KEY V13 "\r\n", 405,
     "a WebSocket upgrade must use GET"},
    {"Connection without upgrade",
     "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" GOOD_KEY V13
     "\r\n",
     400, "Connection header lacks the upgrade token"},
    {"upgrade token as a substring",
     "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgraded\r\n" GOOD_KEY V13
     "\r\n",
     400, "Connection header lacks the upgrade token"},
    {"upgrade over HTTP/1.0", "GET /ws HTTP/1.0\r\nHost: a\r\n" UPGRADE_HEADERS GOOD_KEY V13 "\r\n",
     400, "a WebSocket upgrade needs HTTP/1.1"},
    {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP version HTTP/2.0 not supported"},
    {"malformed version", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400, "malformed HTTP version"},
    {"request line without a version", "GET /\r\nHost: a\r\n\r\n", 400,
     "request line lacks an HTTP version"},
    {"absolute-form without an authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400,
     "request target must start with '/'"},
    {"another scheme", "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400,
     "request target must start with '/'"},
    {"fragment in an absolute-form authority", "GET http://a#x/ws HTTP/1.1\r\nHost: a\r\n\r\n", 400,
     "invalid character 0x23 in the request target"},
    {"fragment in target", "GET /#x HTTP/1.1\r\nHost: a\r\n\r\n", 400,
     "invalid character 0x23 in the request target"},
    {"obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400,
     "obsolete line folding"},
    {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400,
     "invalid character in header name"},
    {"no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400, "header line without a colon"},
    {"empty name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 400, "empty header name"},
    {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400, "line ends in a bare LF"},
    {"bare CR", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "CR not followed by LF"},
    {"control byte in a value", "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400,
     "control byte 0x01 in the request head"},
    {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400,
     "duplicate Host header"},
    {"duplicate key",
     "GET /ws HTTP/1.1\r\nHost: a\r\n" UPGRADE_HEADERS GOOD_KEY GOOD_KEY V13 "\r\n", 400,
     "duplicate Sec-WebSocket-Key header"},
    {"a body", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 400,
     "request bodies are not accepted"},
    {"chunked body", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
     "request bodies are not accepted"},
    {"no method", " / HTTP/1.1\r\n\r\n", 400, "request line lacks a method"},
};

static void refuses_bad_requests_with_status_and_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        struct wss_ws_handshake_req req;
        struct wss_ws_handshake_err err = {0};
        print_message("case: %s\n", refusals[i].name);
        assert_int_equal(parse(refusals[i].req, &req, &err), WSS_PARSE_INVALID);
        assert_string_equal(err.parse.msg, refusals[i].msg);
        assert_int_equal(err.status, refusals[i].status);
        assert_true(err.parse.offset <= strlen(refusals[i].req));
    }
}

static void content_length_zero_is_allowed(void **state)
{
    (void)state;
    struct wss_ws_handshake_req req;
    const char *s = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(parse(s, &req, NULL), (int)strlen(s));
}

static void every_prefix_of_a_valid_request_is_incomplete(void **state)
{
    (void)state;
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    size_t n = strlen(rfc_request);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(wss_ws_handshake_parse(rfc_request, k, &req, &err), WSS_PARSE_INCOMPLETE);
    assert_int_equal(wss_ws_handshake_parse(rfc_request, n, &req, &err), (int)n);
}

static void bad_lines_fail_before_the_head_is_complete(void **state)
{
    (void)state;
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    assert_int_equal(parse("POST /ws HTTP/1.1\r\nHost: a\r\n", &req, &err), WSS_PARSE_INVALID);
    assert_int_equal(err.status, 405);
    assert_int_equal(parse("\x16\x03\x01\x02\x00", &req, &err), WSS_PARSE_INVALID);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.parse.msg, "control byte 0x16 in the request head");
    assert_int_equal(err.parse.offset, 0);
}

/* Builds a request whose head is exactly head_len bytes, padded with one long header. */
static size_t build_sized(char *buf, size_t head_len)
{
    const char *start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
    size_t n = strlen(start);
    memcpy(buf, start, n);
    memset(buf + n, 'p', head_len - n - 4);
    memcpy(buf + head_len - 4, "\r\n\r\n", 4);
    return head_len;
}

static void heads_over_the_limit_get_431(void **state)
{
    (void)state;
    static char buf[WSS_WS_HANDSHAKE_MAX_HEAD * 2];
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err err;
    size_t n = build_sized(buf, WSS_WS_HANDSHAKE_MAX_HEAD);

    assert_int_equal(wss_ws_handshake_parse(buf, n, &req, &err), WSS_WS_HANDSHAKE_MAX_HEAD);
    n = build_sized(buf, WSS_WS_HANDSHAKE_MAX_HEAD + 1);
    assert_int_equal(wss_ws_handshake_parse(buf, n, &req, &err), WSS_PARSE_INVALID);
    assert_int_equal(err.status, 431);
    assert_string_equal(err.parse.msg, "request head over 8192 bytes");
    /* an unfinished head fails as soon as it reaches the limit, not before */
    memset(buf, 0, sizeof(buf));
    n = build_sized(buf, sizeof(buf));
    assert_int_equal(wss_ws_handshake_parse(buf, WSS_WS_HANDSHAKE_MAX_HEAD - 1, &req, &err),
                     WSS_PARSE_INCOMPLETE);
    assert_int_equal(wss_ws_handshake_parse(buf, WSS_WS_HANDSHAKE_MAX_HEAD, &req, &err),
                     WSS_PARSE_INVALID);
    assert_int_equal(err.status, 431);
}

static void writes_the_101_response(void **state)
{
    (void)state;
    struct wss_ws_handshake_req req;
    char out[512];
    const char *want = "HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                       "\r\n";
    const char *want_chat = "HTTP/1.1 101 Switching Protocols\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                            "Sec-WebSocket-Protocol: chat\r\n"
                            "\r\n";
    assert_true(parse(rfc_request, &req, NULL) > 0);
    assert_int_equal(wss_ws_handshake_write_101(out, sizeof(out), &req, NULL), (int)strlen(want));
    assert_string_equal(out, want);
    assert_int_equal(wss_ws_handshake_write_101(out, sizeof(out), &req, "chat"),
                     (int)strlen(want_chat));
    assert_string_equal(out, want_chat);
    /* too small, header injection, empty protocol, not an upgrade */
    assert_int_equal(wss_ws_handshake_write_101(out, strlen(want), &req, NULL), -1);
    assert_int_equal(wss_ws_handshake_write_101(out, sizeof(out), &req, "chat\r\nX-Evil: 1"), -1);
    assert_int_equal(wss_ws_handshake_write_101(out, sizeof(out), &req, ""), -1);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &req, NULL) > 0);
    assert_int_equal(wss_ws_handshake_write_101(out, sizeof(out), &req, NULL), -1);
}

static void writes_error_responses_with_their_headers(void **state)
{
    (void)state;
    char out[512];
    assert_true(wss_ws_handshake_write_error(out, sizeof(out), 426) > 0);
    assert_string_equal(out, "HTTP/1.1 426 Upgrade Required\r\n"
                             "Upgrade: websocket\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Connection: close\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n");
    assert_true(wss_ws_handshake_write_error(out, sizeof(out), 405) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"));
    assert_true(wss_ws_handshake_write_error(out, sizeof(out), 431) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    assert_int_equal(wss_ws_handshake_write_error(out, sizeof(out), 400),
                     (int)strlen("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                                 "Content-Length: 0\r\n\r\n"));
    assert_int_equal(wss_ws_handshake_write_error(out, 10, 400), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(computes_the_rfc_accept_value),
        cmocka_unit_test(parses_the_rfc_example_request),
        cmocka_unit_test(leaves_the_first_frame_after_the_head_unconsumed),
        cmocka_unit_test(accepts_upgrade_variants),
        cmocka_unit_test(recognises_plain_requests),
        cmocka_unit_test(refuses_bad_requests_with_status_and_reason),
        cmocka_unit_test(content_length_zero_is_allowed),
        cmocka_unit_test(every_prefix_of_a_valid_request_is_incomplete),
        cmocka_unit_test(bad_lines_fail_before_the_head_is_complete),
        cmocka_unit_test(heads_over_the_limit_get_431),
        cmocka_unit_test(writes_the_101_response),
        cmocka_unit_test(writes_error_responses_with_their_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
