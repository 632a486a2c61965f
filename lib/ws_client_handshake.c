/* SPDX-License-Identifier: Apache-2.0 */
/* ws_client_handshake.c: writes the client's opening handshake and validates the server's answer
 * (RFC 6455 section 4.1, RFC 9112 message syntax).
 * Does not: allocate, do I/O, draw random bytes, or decode percent-escapes.
 * Threads: any; functions touch only the caller's buffers. */
#include "wsscale/ws_client_handshake.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <nettle/base64.h>

#include "http_head.h"

_Static_assert(BASE64_ENCODE_RAW_LENGTH(WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN) ==
                   WSS_WS_HANDSHAKE_KEY_LEN,
               "the key is base64 of the nonce");

/* "HTTP/1.1 101": the version, a space and three digits. */
#define STATUS_LINE_MIN   12
#define VERSION_LEN       8
#define STATUS_SWITCHING  101
#define REASON_QUOTE_MAX  60
#define HEADER_QUOTE_MAX  40
#define STATUS_DIGITS     3
#define STATUS_DIGITS_END (VERSION_LEN + 1 + STATUS_DIGITS)

/* What the header lines said, gathered until the blank line, and where the callbacks of the
 * head walk write. */
struct head_scan {
    bool has_upgrade_websocket;
    bool has_connection_upgrade;
    const char *accept;
    size_t accept_len;
    size_t accept_off;
    const struct wss_ws_client_handshake *hs;  /* borrowed; what was sent */
    struct wss_ws_client_handshake_resp *resp; /* borrowed; the caller's output */
    struct wss_parse_err *err;                 /* borrowed; may be NULL */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

struct span {
    const char *p;
    size_t n;
};

static bool element_is_span(const char *e, size_t n, const void *arg)
{
    const struct span *s = arg;
    return n == s->n && memcmp(e, s->p, n) == 0;
}

static bool element_is_not_token(const char *e, size_t n, const void *arg)
{
    (void)arg;
    for (size_t i = 0; i < n; i++)
        if (!wss__http_head_is_tchar((unsigned char)e[i]))
            return true;
    return false;
}

void wss_ws_client_handshake_key(const uint8_t nonce[WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN],
                                 char key[WSS_WS_HANDSHAKE_KEY_LEN + 1])
{
    base64_encode_raw(key, WSS_WS_CLIENT_HANDSHAKE_NONCE_LEN, nonce);
    key[WSS_WS_HANDSHAKE_KEY_LEN] = '\0';
}

/* ---- the request ------------------------------------------------------------------------------
 */

/* Host, path and query travel in the request line or a header unescaped: visible ASCII only, and
 * no '#', which a server reads as the start of a fragment. */
static bool is_visible_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7E || c == '#')
            return false;
    }
    return true;
}

static bool is_header_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7E)
            return false;
    }
    return true;
}

/* A non-empty comma-separated list of tokens, nothing else. */
static bool is_token_list(const char *s, size_t n)
{
    bool has_token = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != ',' && !wss__http_head_is_ows((char)c) && !wss__http_head_is_tchar(c))
            return false;
        has_token |= wss__http_head_is_tchar(c);
    }
    return has_token && !wss__http_head_list_any(s, n, element_is_not_token, NULL);
}

int wss_ws_client_handshake_write(char *out, size_t cap, const struct wss_ws_client_handshake *hs)
{
    char key[WSS_WS_HANDSHAKE_KEY_LEN + 1];
    bool has_path = hs->path != NULL && hs->path_len > 0;
    int n;

    if (hs->host == NULL || hs->host_len == 0 || !is_visible_text(hs->host, hs->host_len))
        return -1;
    if (has_path && (hs->path[0] != '/' || !is_visible_text(hs->path, hs->path_len) ||
                     memchr(hs->path, '?', hs->path_len) != NULL))
        return -1;
    if (hs->query != NULL && !is_visible_text(hs->query, hs->query_len))
        return -1;
    if (hs->origin != NULL && !is_header_text(hs->origin, hs->origin_len))
        return -1;
    if (hs->protocols != NULL && !is_token_list(hs->protocols, hs->protocols_len))
        return -1;
    wss_ws_client_handshake_key(hs->nonce, key);
    n = snprintf(out, cap,
                 "GET %.*s%s%.*s HTTP/1.1\r\n"
                 "Host: %.*s\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "%s%.*s%s"
                 "%s%.*s%s"
                 "\r\n",
                 has_path ? (int)hs->path_len : 1, has_path ? hs->path : "/",
                 hs->query != NULL ? "?" : "", hs->query != NULL ? (int)hs->query_len : 0,
                 hs->query != NULL ? hs->query : "", (int)hs->host_len, hs->host, key,
                 hs->origin != NULL ? "Origin: " : "", hs->origin != NULL ? (int)hs->origin_len : 0,
                 hs->origin != NULL ? hs->origin : "", hs->origin != NULL ? "\r\n" : "",
                 hs->protocols != NULL ? "Sec-WebSocket-Protocol: " : "",
                 hs->protocols != NULL ? (int)hs->protocols_len : 0,
                 hs->protocols != NULL ? hs->protocols : "", hs->protocols != NULL ? "\r\n" : "");
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* ---- the response -----------------------------------------------------------------------------
 */

/* Printable ASCII only, so the reason can be quoted in a one-line message. */
static bool is_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
            return false;
    return true;
}

/* HTTP-version SP status-code [SP reason-phrase], in line[0..n). */
static int parse_status_line(void *arg, const char *line, size_t n)
{
    struct head_scan *st = arg;
    struct wss_ws_client_handshake_resp *resp = st->resp;
    struct wss_parse_err *err = st->err;

    if (n < STATUS_LINE_MIN || memcmp(line, "HTTP/", 5) != 0 || !is_digit(line[5]) ||
        line[6] != '.' || !is_digit(line[7]) || line[VERSION_LEN] != ' ' || !is_digit(line[9]) ||
        !is_digit(line[10]) || !is_digit(line[11]) ||
        (n > STATUS_DIGITS_END && line[STATUS_DIGITS_END] != ' '))
        return wss_parse_fail(err, 0, "malformed status line; want \"HTTP/1.1 101 ...\"");
    resp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (line[5] != '1' || line[7] != '1')
        return wss_parse_fail(err, 5, "server answered with HTTP/%c.%c; an upgrade needs HTTP/1.1",
                              line[5], line[7]);
    if (resp->status != STATUS_SWITCHING) {
        const char *reason = n > STATUS_DIGITS_END ? line + STATUS_DIGITS_END + 1 : line + n;
        size_t reason_len = (size_t)(line + n - reason);
        if (!is_printable(reason, reason_len))
            reason_len = 0;
        return wss_parse_fail(err, 9, "server answered %d%s%.*s%s instead of 101", resp->status,
                              reason_len > 0 ? " \"" : "",
                              (int)(reason_len < REASON_QUOTE_MAX ? reason_len : REASON_QUOTE_MAX),
                              reason,
                              reason_len > REASON_QUOTE_MAX ? "...\""
                              : reason_len > 0              ? "\""
                                                            : "");
    }
    return 0;
}

/* One header line; records what the checks need. */
static int parse_header(void *arg, const struct wss__http_header *h)
{
    struct head_scan *st = arg;
    const struct wss_ws_client_handshake *hs = st->hs;
    struct wss_ws_client_handshake_resp *resp = st->resp;
    struct wss_parse_err *err = st->err;
    const char *value = h->value;
    size_t value_len = h->value_len, off = h->off;

    if (wss__http_head_name_is(h, "upgrade")) {
        st->has_upgrade_websocket |= wss__http_head_list_has(value, value_len, "websocket", false);
    } else if (wss__http_head_name_is(h, "connection")) {
        st->has_connection_upgrade |= wss__http_head_list_has(value, value_len, "upgrade", false);
    } else if (wss__http_head_name_is(h, "sec-websocket-accept")) {
        if (st->accept != NULL)
            return wss_parse_fail(err, off, "duplicate Sec-WebSocket-Accept header");
        st->accept = value;
        st->accept_len = value_len;
        st->accept_off = h->value_off;
    } else if (wss__http_head_name_is(h, "sec-websocket-extensions")) {
        if (value_len > 0)
            return wss_parse_fail(
                err, h->value_off, "server chose an extension (\"%.*s%s\") that was not offered",
                (int)(value_len < HEADER_QUOTE_MAX ? value_len : HEADER_QUOTE_MAX),
                is_printable(value, value_len) ? value : "?",
                value_len > HEADER_QUOTE_MAX ? "..." : "");
    } else if (wss__http_head_name_is(h, "sec-websocket-protocol")) {
        struct span chosen = {value, value_len};
        if (resp->protocol != NULL)
            return wss_parse_fail(err, off, "duplicate Sec-WebSocket-Protocol header");
        if (hs->protocols == NULL)
            return wss_parse_fail(err, h->value_off,
                                  "server chose a subprotocol but none was offered");
        if (value_len == 0 || element_is_not_token(value, value_len, NULL) ||
            !wss__http_head_list_any(hs->protocols, hs->protocols_len, element_is_span, &chosen))
            return wss_parse_fail(err, h->value_off,
                                  "server chose a subprotocol that was not offered");
        resp->protocol = value;
        resp->protocol_len = value_len;
    }
    return 0;
}

/* The whole head is in: apply the rules that need every header. */
static int finish(const struct wss_ws_client_handshake *hs, const struct head_scan *st, size_t end,
                  struct wss_parse_err *err)
{
    char key[WSS_WS_HANDSHAKE_KEY_LEN + 1];
    char want[WSS_WS_HANDSHAKE_ACCEPT_LEN + 1];

    if (!st->has_upgrade_websocket)
        return wss_parse_fail(err, end, "response lacks \"Upgrade: websocket\"");
    if (!st->has_connection_upgrade)
        return wss_parse_fail(err, end, "response lacks \"Connection: Upgrade\"");
    if (st->accept == NULL)
        return wss_parse_fail(err, end, "response lacks Sec-WebSocket-Accept");
    wss_ws_client_handshake_key(hs->nonce, key);
    wss_ws_handshake_accept(key, WSS_WS_HANDSHAKE_KEY_LEN, want);
    if (st->accept_len != WSS_WS_HANDSHAKE_ACCEPT_LEN ||
        memcmp(st->accept, want, WSS_WS_HANDSHAKE_ACCEPT_LEN) != 0)
        return wss_parse_fail(err, st->accept_off,
                              "Sec-WebSocket-Accept does not match the key that was sent");
    return (int)end;
}

static const struct wss__http_head_ops response_head = {
    .max_head = WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD,
    .start_line = parse_status_line,
    .header = parse_header,
    .texts = {.head = "response head",
              .cr_without_lf = "CR not followed by LF in the response head",
              .bare_lf = "response line ends in a bare LF",
              .folding = "obsolete line folding in the response head",
              .no_colon = "response header line without a colon",
              .empty_name = "empty response header name",
              .bad_name_char = "invalid character in a response header name"},
};

int wss_ws_client_handshake_parse(const char *buf, size_t len,
                                  const struct wss_ws_client_handshake *hs,
                                  struct wss_ws_client_handshake_resp *resp,
                                  struct wss_parse_err *err)
{
    struct head_scan st = {.hs = hs, .resp = resp, .err = err};
    struct wss__http_head head;
    int rc;

    memset(resp, 0, sizeof(*resp));
    rc = wss__http_head_walk(buf, len, &response_head, &st, &head, err);
    if (rc < 0)
        return rc;
    resp->headers = head.headers;
    resp->headers_len = head.headers_len;
    return finish(hs, &st, (size_t)rc, err);
}
