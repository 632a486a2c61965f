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

/* What the header lines said, gathered until the blank line. */
struct head_scan {
    bool has_upgrade_websocket;
    bool has_connection_upgrade;
    const char *accept;
    size_t accept_len;
    size_t accept_off;
};

/* RFC 9110 tchar: the characters of header names and list tokens. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* True if s[0..n) equals the NUL-terminated literal, ignoring ASCII case. */
static bool equals_nocase(const char *s, size_t n, const char *lit)
{
    for (size_t i = 0; i < n; i++) {
        if (lit[i] == '\0' ||
            ascii_lower((unsigned char)s[i]) != ascii_lower((unsigned char)lit[i]))
            return false;
    }
    return lit[n] == '\0';
}

/* Calls visit for each non-empty element of the comma-separated list v[0..n), trimmed of
 * whitespace (RFC 9110 section 5.6.1); stops and returns true as soon as visit does. */
typedef bool (*element_cb)(const char *e, size_t n, const void *arg);

static bool list_any(const char *v, size_t n, element_cb visit, const void *arg)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end > start && visit(v + start, end - start, arg))
            return true;
    }
    return false;
}

static bool element_is_literal_nocase(const char *e, size_t n, const void *lit)
{
    return equals_nocase(e, n, lit);
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
        if (!is_tchar((unsigned char)e[i]))
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
        if (c != ',' && !is_ows((char)c) && !is_tchar(c))
            return false;
        has_token |= is_tchar(c);
    }
    return has_token && !list_any(s, n, element_is_not_token, NULL);
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

/* Finds the CRLF that ends the line starting at pos, looking no further than limit. Returns 1
 * with *eol at the CR, 0 if the line is unfinished, or INVALID for a bare CR or LF or a control
 * byte, which no later byte can repair. */
static int find_line(const char *buf, size_t limit, size_t pos, size_t *eol,
                     struct wss_parse_err *err)
{
    for (size_t i = pos; i < limit; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\r') {
            if (i + 1 == limit)
                return 0;
            if (buf[i + 1] != '\n')
                return wss_parse_fail(err, i, "CR not followed by LF in the response head");
            *eol = i;
            return 1;
        }
        if (c == '\n')
            return wss_parse_fail(err, i, "response line ends in a bare LF");
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return wss_parse_fail(err, i, "control byte 0x%02X in the response head", c);
    }
    return 0;
}

static int unfinished(size_t len, struct wss_parse_err *err)
{
    if (len >= WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD)
        return wss_parse_fail(err, WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD, "response head over %d bytes",
                              WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD);
    return WSS_PARSE_INCOMPLETE;
}

/* Printable ASCII only, so the reason can be quoted in a one-line message. */
static bool is_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
            return false;
    return true;
}

/* HTTP-version SP status-code [SP reason-phrase], in line[0..n). */
static int parse_status_line(const char *line, size_t n, struct wss_ws_client_handshake_resp *resp,
                             struct wss_parse_err *err)
{
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

/* One "name: value" line at buf[off..off+n); records what the checks need. */
static int parse_header(const char *buf, size_t off, size_t n,
                        const struct wss_ws_client_handshake *hs,
                        struct wss_ws_client_handshake_resp *resp, struct head_scan *st,
                        struct wss_parse_err *err)
{
    const char *line = buf + off;
    const char *colon, *value;
    size_t name_len, value_len;

    if (is_ows(line[0]))
        return wss_parse_fail(err, off, "obsolete line folding in the response head");
    colon = memchr(line, ':', n);
    if (colon == NULL)
        return wss_parse_fail(err, off, "response header line without a colon");
    name_len = (size_t)(colon - line);
    if (name_len == 0)
        return wss_parse_fail(err, off, "empty response header name");
    for (size_t i = 0; i < name_len; i++)
        if (!is_tchar((unsigned char)line[i]))
            return wss_parse_fail(err, off + i, "invalid character in a response header name");
    value = colon + 1;
    value_len = n - name_len - 1;
    while (value_len > 0 && is_ows(value[0])) {
        value++;
        value_len--;
    }
    while (value_len > 0 && is_ows(value[value_len - 1]))
        value_len--;

    if (equals_nocase(line, name_len, "upgrade")) {
        st->has_upgrade_websocket |=
            list_any(value, value_len, element_is_literal_nocase, "websocket");
    } else if (equals_nocase(line, name_len, "connection")) {
        st->has_connection_upgrade |=
            list_any(value, value_len, element_is_literal_nocase, "upgrade");
    } else if (equals_nocase(line, name_len, "sec-websocket-accept")) {
        if (st->accept != NULL)
            return wss_parse_fail(err, off, "duplicate Sec-WebSocket-Accept header");
        st->accept = value;
        st->accept_len = value_len;
        st->accept_off = (size_t)(value - buf);
    } else if (equals_nocase(line, name_len, "sec-websocket-extensions")) {
        if (value_len > 0)
            return wss_parse_fail(
                err, (size_t)(value - buf),
                "server chose an extension (\"%.*s%s\") that was not offered",
                (int)(value_len < HEADER_QUOTE_MAX ? value_len : HEADER_QUOTE_MAX),
                is_printable(value, value_len) ? value : "?",
                value_len > HEADER_QUOTE_MAX ? "..." : "");
    } else if (equals_nocase(line, name_len, "sec-websocket-protocol")) {
        struct span chosen = {value, value_len};
        if (resp->protocol != NULL)
            return wss_parse_fail(err, off, "duplicate Sec-WebSocket-Protocol header");
        if (hs->protocols == NULL)
            return wss_parse_fail(err, (size_t)(value - buf),
                                  "server chose a subprotocol but none was offered");
        if (value_len == 0 || element_is_not_token(value, value_len, NULL) ||
            !list_any(hs->protocols, hs->protocols_len, element_is_span, &chosen))
            return wss_parse_fail(err, (size_t)(value - buf),
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

int wss_ws_client_handshake_parse(const char *buf, size_t len,
                                  const struct wss_ws_client_handshake *hs,
                                  struct wss_ws_client_handshake_resp *resp,
                                  struct wss_parse_err *err)
{
    struct head_scan st = {0};
    size_t limit = len < WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD ? len : WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD;
    size_t pos, eol = 0, headers_start;
    int rc;

    memset(resp, 0, sizeof(*resp));
    rc = find_line(buf, limit, 0, &eol, err);
    if (rc <= 0)
        return rc < 0 ? rc : unfinished(len, err);
    if (parse_status_line(buf, eol, resp, err) < 0)
        return WSS_PARSE_INVALID;
    pos = headers_start = eol + 2;
    /* Each pass consumes a line of at least 2 bytes and pos never passes limit. */
    while (pos < limit) {
        rc = find_line(buf, limit, pos, &eol, err);
        if (rc <= 0)
            return rc < 0 ? rc : unfinished(len, err);
        if (eol == pos) {
            resp->headers = buf + headers_start;
            resp->headers_len = pos - headers_start;
            return finish(hs, &st, pos + 2, err);
        }
        if (parse_header(buf, pos, eol - pos, hs, resp, &st, err) < 0)
            return WSS_PARSE_INVALID;
        pos = eol + 2;
    }
    return unfinished(len, err);
}
