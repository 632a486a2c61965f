/* SPDX-License-Identifier: Apache-2.0 */
/* test_ws_client_handshake.c: the client's upgrade request (exact bytes, refusals, acceptance by
 * the server-side parser) and the checks on the server's 101 answer, with their error text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/ws_client_handshake.h"
#include "wsscale/ws_handshake.h"

/* RFC 6455 section 1.3's example: the nonce is "the sample nonce". */
#define RFC_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define RFC_101                                                                                    \
    "HTTP/1.1 101 Switching Protocols\r\n"                                                         \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"                                                     \
    "\r\n"

static struct wss_ws_client_handshake rfc_handshake(void)
{
    struct wss_ws_client_handshake hs = {.host = "server.example.com",
                                         .host_len = strlen("server.example.com"),
                                         .path = "/chat",
                                         .path_len = strlen("/chat")};
    memcpy(hs.nonce, "the sample nonce", WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN);
    return hs;
}

static void key_is_base64_of_the_nonce(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    char key[WSS_WS_HANDSHAKE_KEY_LEN + 1];
    wss_ws_client_handshake_key(hs.nonce, key);
    assert_string_equal(key, RFC_KEY);
}

static void writes_the_exact_upgrade_request(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    char out[512];
    int n = wss_ws_client_handshake_write(out, sizeof(out), &hs);
    const char *want = "GET /chat HTTP/1.1\r\n"
                       "Host: server.example.com\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                       "Sec-WebSocket-Version: 13\r\n"
                       "\r\n";
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);

    hs.path = NULL;
    hs.path_len = 0;
    hs.query = "a=1&b";
    hs.query_len = 5;
    hs.origin = "http://example.com";
    hs.origin_len = strlen(hs.origin);
    hs.protocols = "chat, superchat";
    hs.protocols_len = strlen(hs.protocols);
    n = wss_ws_client_handshake_write(out, sizeof(out), &hs);
    assert_true(n > 0);
    assert_memory_equal(out, "GET /?a=1&b HTTP/1.1\r\n", strlen("GET /?a=1&b HTTP/1.1\r\n"));
    assert_non_null(strstr(out, "\r\nOrigin: http://example.com\r\n"));
    assert_non_null(strstr(out, "\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"));
}

static void refuses_fields_that_would_break_the_request(void **state)
{
    (void)state;
    static const struct {
        const char *host, *path, *query, *origin, *protocols;
    } cases[] = {
        {"", "/", NULL, NULL, NULL},          {"a b", "/", NULL, NULL, NULL},
        {"h\r\nX: y", "/", NULL, NULL, NULL}, {"h", "ws", NULL, NULL, NULL},
        {"h", "/a b", NULL, NULL, NULL},      {"h", "/a#b", NULL, NULL, NULL},
        {"h", "/a?b", NULL, NULL, NULL},      {"h", "/\xc3\xa9", NULL, NULL, NULL},
        {"h", "/", "a\nb", NULL, NULL},       {"h", "/", NULL, "http://x\r\n", NULL},
        {"h", "/", NULL, NULL, ""},           {"h", "/", NULL, NULL, "a b"},
        {"h", "/", NULL, NULL, " , "},        {"h", "/", NULL, NULL, "chat;v=1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_ws_client_handshake hs = {0};
        char out[512];
        hs.host = cases[i].host;
        hs.host_len = strlen(cases[i].host);
        hs.path = cases[i].path;
        hs.path_len = strlen(cases[i].path);
        hs.query = cases[i].query;
        hs.query_len = hs.query ? strlen(hs.query) : 0;
        hs.origin = cases[i].origin;
        hs.origin_len = hs.origin ? strlen(hs.origin) : 0;
        hs.protocols = cases[i].protocols;
        hs.protocols_len = hs.protocols ? strlen(hs.protocols) : 0;
        if (wss_ws_client_handshake_write(out, sizeof(out), &hs) != -1)
            fail_msg("case %zu accepted: %s", i, out);
    }
}

static void refuses_a_buffer_too_small(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    char out[512];
    int n = wss_ws_client_handshake_write(out, sizeof(out), &hs);
    assert_true(n > 0);
    assert_int_equal(wss_ws_client_handshake_write(out, (size_t)n, &hs), -1);
    assert_int_equal(wss_ws_client_handshake_write(out, (size_t)n + 1, &hs), n);
}

static void server_parser_accepts_the_request_and_its_101_passes(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    hs.protocols = "v2.chat,chat";
    hs.protocols_len = strlen(hs.protocols);
    for (int i = 0; i < 16; i++)
        hs.nonce[i] = (uint8_t)(i * 37 + 11);
    char req_text[512], resp_text[512];
    int n = wss_ws_client_handshake_write(req_text, sizeof(req_text), &hs);
    assert_true(n > 0);

    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err herr = {0};
    assert_int_equal(wss_ws_handshake_parse(req_text, (size_t)n, &req, &herr), n);
    assert_int_equal(req.kind, WSS_WS_HANDSHAKE_UPGRADE);
    assert_true(wss_ws_handshake_offers_protocol(&req, "chat"));
    int m = wss_ws_handshake_write_101(resp_text, sizeof(resp_text), &req, "chat");
    assert_true(m > 0);

    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err err = {0};
    assert_int_equal(wss_ws_client_handshake_parse(resp_text, (size_t)m, &hs, &resp, &err), m);
    assert_int_equal(resp.status, 101);
    assert_int_equal(resp.protocol_len, 4);
    assert_memory_equal(resp.protocol, "chat", 4);
}

static void accepts_the_rfc_answer_and_stops_at_the_blank_line(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    const char text[] = RFC_101 "\x81\x02hi";
    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err err = {0};
    int rc = wss_ws_client_handshake_parse(text, sizeof(text) - 1, &hs, &resp, &err);
    assert_int_equal(rc, strlen(RFC_101));
    assert_int_equal(resp.status, 101);
    assert_null(resp.protocol);
    assert_ptr_equal(resp.headers, text + strlen("HTTP/1.1 101 Switching Protocols\r\n"));
}

static void header_names_and_tokens_match_in_any_case(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    const char text[] = "HTTP/1.1 101\r\n"
                        "UPGRADE:WebSocket\r\n"
                        "connection: keep-alive , UPGRADE\r\n"
                        "server: x\r\n"
                        "sec-websocket-accept:  " RFC_ACCEPT " \r\n"
                        "Sec-WebSocket-Extensions:\r\n"
                        "\r\n";
    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err err = {0};
    int rc = wss_ws_client_handshake_parse(text, sizeof(text) - 1, &hs, &resp, &err);
    if (rc != (int)sizeof(text) - 1)
        fail_msg("rc %d: %s", rc, err.msg);
}

static void every_prefix_of_a_good_answer_is_incomplete(void **state)
{
    (void)state;
    struct wss_ws_client_handshake hs = rfc_handshake();
    const char *text = RFC_101;
    for (size_t n = 0; n < strlen(text); n++) {
        struct wss_ws_client_handshake_resp resp;
        int rc = wss_ws_client_handshake_parse(text, n, &hs, &resp, NULL);
        if (rc != WSS_PARSE_INCOMPLETE)
            fail_msg("prefix of %zu bytes: rc %d", n, rc);
    }
}

struct bad {
    const char *text;
    const char *protocols; /* offered; NULL for none */
    int status;
    size_t offset;
    const char *msg;
};

static void refuses_bad_answers_with_offset_and_message(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"HTTP/1.1 404 Not Found\r\n", NULL, 404, 9,
         "server answered 404 \"Not Found\" instead of 101"},
        {"HTTP/1.1 503\r\n\r\n", NULL, 503, 9, "server answered 503 instead of 101"},
        {"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n", NULL, 426, 9,
         "server answered 426 \"Upgrade Required\" instead of 101"},
        {"HTTP/1.1 200 \xff\r\n", NULL, 200, 9, "server answered 200 instead of 101"},
        {"HTTP/1.0 101 Switching Protocols\r\n", NULL, 101, 5,
         "server answered with HTTP/1.0; an upgrade needs HTTP/1.1"},
        {"HTTP/1.1 1010\r\n", NULL, 0, 0, "malformed status line; want \"HTTP/1.1 101 ...\""},
        {"HTTP/1.1  101\r\n", NULL, 0, 0, "malformed status line; want \"HTTP/1.1 101 ...\""},
        {"SSH-2.0-OpenSSH_9.2\r\n", NULL, 0, 0, "malformed status line; want \"HTTP/1.1 101 ...\""},
        {"HTTP/1.1 101 OK\n", NULL, 0, 15, "response line ends in a bare LF"},
        {"HTTP/1.1 101 OK\rX", NULL, 0, 15, "CR not followed by LF in the response head"},
        {"HTTP/1.1 101 OK\r\nA\x01: b\r\n", NULL, 101, 18,
         "control byte 0x01 in the response head"},
        {"HTTP/1.1 101 OK\r\n folded\r\n", NULL, 101, 17,
         "obsolete line folding in the response head"},
        {"HTTP/1.1 101 OK\r\nnocolon\r\n", NULL, 101, 17, "response header line without a colon"},
        {"HTTP/1.1 101 OK\r\n: v\r\n", NULL, 101, 17, "empty response header name"},
        {"HTTP/1.1 101 OK\r\nA b: v\r\n", NULL, 101, 18,
         "invalid character in a response header name"},
        {"HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
         NULL, 101, 92, "response lacks \"Upgrade: websocket\""},
        {"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
         "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
         NULL, 101, 115, "response lacks \"Connection: Upgrade\""},
        {"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", NULL, 101, 60,
         "response lacks Sec-WebSocket-Accept"},
        {"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
         NULL, 101, 80, "Sec-WebSocket-Accept does not match the key that was sent"},
        {"HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: " RFC_ACCEPT
         "\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n",
         NULL, 101, 69, "duplicate Sec-WebSocket-Accept header"},
        {"HTTP/1.1 101 OK\r\nSec-WebSocket-Extensions: permessage-deflate\r\n", NULL, 101, 43,
         "server chose an extension (\"permessage-deflate\") that was not offered"},
        {"HTTP/1.1 101 OK\r\nSec-WebSocket-Protocol: chat\r\n", NULL, 101, 41,
         "server chose a subprotocol but none was offered"},
        {"HTTP/1.1 101 OK\r\nSec-WebSocket-Protocol: chat\r\n", "superchat, chat2", 101, 41,
         "server chose a subprotocol that was not offered"},
        {"HTTP/1.1 101 OK\r\nSec-WebSocket-Protocol: chat, v2\r\n", "chat, v2", 101, 41,
         "server chose a subprotocol that was not offered"},
        {"HTTP/1.1 101 OK\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n",
         "chat", 101, 47, "duplicate Sec-WebSocket-Protocol header"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_ws_client_handshake hs = rfc_handshake();
        struct wss_ws_client_handshake_resp resp;
        struct wss_parse_err err = {0};
        hs.protocols = cases[i].protocols;
        hs.protocols_len = hs.protocols ? strlen(hs.protocols) : 0;
        int rc =
            wss_ws_client_handshake_parse(cases[i].text, strlen(cases[i].text), &hs, &resp, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("case %zu accepted (rc %d)", i, rc);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset ||
            resp.status != cases[i].status)
            fail_msg("case %zu: got \"%s\" at %zu status %d, want \"%s\" at %zu status %d", i,
                     err.msg, err.offset, resp.status, cases[i].msg, cases[i].offset,
                     cases[i].status);
    }
}

static void refuses_a_head_over_the_limit(void **state)
{
    (void)state;
    static char text[WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD + 64];
    struct wss_ws_client_handshake hs = rfc_handshake();
    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err err = {0};
    size_t n = (size_t)snprintf(text, sizeof(text), "HTTP/1.1 101 OK\r\nX: ");
    memset(text + n, 'a', sizeof(text) - n);
    assert_int_equal(
        wss_ws_client_handshake_parse(text, WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD - 1, &hs, &resp, &err),
        WSS_PARSE_INCOMPLETE);
    assert_int_equal(wss_ws_client_handshake_parse(text, sizeof(text), &hs, &resp, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "response head over 8192 bytes");
    assert_int_equal(err.offset, WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_is_base64_of_the_nonce),
        cmocka_unit_test(writes_the_exact_upgrade_request),
        cmocka_unit_test(refuses_fields_that_would_break_the_request),
        cmocka_unit_test(refuses_a_buffer_too_small),
        cmocka_unit_test(server_parser_accepts_the_request_and_its_101_passes),
        cmocka_unit_test(accepts_the_rfc_answer_and_stops_at_the_blank_line),
        cmocka_unit_test(header_names_and_tokens_match_in_any_case),
        cmocka_unit_test(every_prefix_of_a_good_answer_is_incomplete),
        cmocka_unit_test(refuses_bad_answers_with_offset_and_message),
        cmocka_unit_test(refuses_a_head_over_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
