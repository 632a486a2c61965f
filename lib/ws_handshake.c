/* SPDX-License-Identifier: Apache-2.0 */
/* ws_handshake.c: parses the opening HTTP/1.1 request (RFC 6455 section 4.2.1, RFC 9112 syntax)
 * and writes the 101 and error responses.
 * Does not: allocate, do I/O, decode percent-escapes, or decide routes or origins.
 * Threads: any; functions touch only the caller's buffers. */
#include "wsscale/ws_handshake.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

/* RFC 6455 section 1.3: appended to the client's key before hashing. */
static const char accept_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* Bytes Sec-WebSocket-Key must decode to. */
#define KEY_DECODED_LEN 16
/* Base64 characters before the "==" padding in a key. */
#define KEY_B64_CHARS 22

_Static_assert(BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE) == WSS_WS_HANDSHAKE_ACCEPT_LEN,
               "accept length is base64 of a SHA-1 digest");
_Static_assert(BASE64_ENCODE_RAW_LENGTH(KEY_DECODED_LEN) == WSS_WS_HANDSHAKE_KEY_LEN,
               "key length is base64 of 16 bytes");

/* What the header lines said, gathered until the blank line. */
struct head_scan {
    bool wants_websocket;    /* Upgrade lists "websocket" */
    bool connection_upgrade; /* Connection lists "upgrade" */
    const char *version;     /* Sec-WebSocket-Version value */
    size_t version_len;
    size_t version_off;
    size_t key_off;
};

/* Records the status; the message is already in err->parse. */
static int set_status(struct wss_ws_handshake_err *err, int status)
{
    if (err != NULL)
        err->status = status;
    return WSS_PARSE_INVALID;
}

#define FAIL(status, offset, ...)                                                                  \
    (wss_parse_fail(err != NULL ? &err->parse : NULL, (offset), __VA_ARGS__),                      \
     set_status(err, (status)))

/* RFC 9110 tchar: the characters of methods, header names and list tokens. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_b64(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Compares s[0..n) with a NUL-terminated literal, ASCII case-insensitively when asked. */
static bool equals(const char *s, size_t n, const char *lit, bool is_case_sensitive)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s[i];
        unsigned char b = (unsigned char)lit[i];
        if (b == '\0')
            return false;
        if (is_case_sensitive ? a != b : ascii_lower(a) != ascii_lower(b))
            return false;
    }
    return lit[n] == '\0';
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* True if the comma-separated list v[0..n) holds token, ignoring whitespace around elements and
 * empty elements (RFC 9110 section 5.6.1). */
static bool list_has(const char *v, size_t n, const char *token, bool is_case_sensitive)
{
    size_t i = 0;
    while (i < n) {
        size_t start, end;
        while (i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        start = i;
        while (i < n && v[i] != ',')
            i++;
        end = i;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end > start && equals(v + start, end - start, token, is_case_sensitive))
            return true;
    }
    return false;
}

/* Finds the CRLF that ends the line starting at pos, looking no further than limit. Returns 1
 * with *eol at the CR, 0 if the line is unfinished, or INVALID for a bare CR or LF or a control
 * byte (which can never become valid, so they fail before the head is complete). */
static int find_line(const char *buf, size_t limit, size_t pos, size_t *eol,
                     struct wss_ws_handshake_err *err)
{
    for (size_t i = pos; i < limit; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\r') {
            if (i + 1 == limit)
                return 0;
            if (buf[i + 1] != '\n')
                return FAIL(400, i, "CR not followed by LF");
            *eol = i;
            return 1;
        }
        if (c == '\n')
            return FAIL(400, i, "line ends in a bare LF");
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return FAIL(400, i, "control byte 0x%02X in the request head", c);
    }
    return 0;
}

/* The head has not ended within what we have: wait for more, unless it is already too long. */
static int unfinished(size_t len, struct wss_ws_handshake_err *err)
{
    if (len >= WSS_WS_HANDSHAKE_MAX_HEAD)
        return FAIL(431, WSS_WS_HANDSHAKE_MAX_HEAD, "request head over %d bytes",
                    WSS_WS_HANDSHAKE_MAX_HEAD);
    return WSS_PARSE_INCOMPLETE;
}

/* method SP request-target SP HTTP-version, in line[0..n). */
static int parse_request_line(const char *line, size_t n, struct wss_ws_handshake_req *req,
                              struct wss_ws_handshake_err *err)
{
    const char *sp1 = memchr(line, ' ', n);
    const char *target, *sp2, *version, *q;
    size_t method_len, target_len, version_len;

    if (sp1 == NULL || sp1 == line)
        return FAIL(400, 0, "request line lacks a method");
    method_len = (size_t)(sp1 - line);
    for (size_t i = 0; i < method_len; i++)
        if (!is_tchar((unsigned char)line[i]))
            return FAIL(400, i, "invalid character in the method");
    target = sp1 + 1;
    sp2 = memchr(target, ' ', n - (size_t)(target - line));
    if (sp2 == NULL)
        return FAIL(400, n, "request line lacks an HTTP version");
    target_len = (size_t)(sp2 - target);
    if (target_len == 0 || target[0] != '/')
        return FAIL(400, (size_t)(target - line), "request target must start with '/'");
    for (size_t i = 0; i < target_len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= 0x20 || c >= 0x7F || c == '#')
            return FAIL(400, (size_t)(target - line) + i,
                        "invalid character 0x%02X in the request target", c);
    }
    version = sp2 + 1;
    version_len = n - (size_t)(version - line);
    if (version_len != strlen("HTTP/1.1") || memcmp(version, "HTTP/", 5) != 0 || version[5] < '0' ||
        version[5] > '9' || version[6] != '.' || version[7] < '0' || version[7] > '9')
        return FAIL(400, (size_t)(version - line), "malformed HTTP version");
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
        return FAIL(505, (size_t)(version - line), "HTTP version %.8s not supported", version);
    req->minor_version = version[7] - '0';

    if (equals(line, method_len, "HEAD", true))
        req->is_head = true;
    else if (!equals(line, method_len, "GET", true))
        return FAIL(405, 0, "method %.*s not allowed", (int)method_len, line);

    q = memchr(target, '?', target_len);
    req->path = target;
    req->path_len = q != NULL ? (size_t)(q - target) : target_len;
    if (q != NULL) {
        req->query = q + 1;
        req->query_len = target_len - req->path_len - 1;
    }
    return 0;
}

/* One "name: value" line at buf[off..off+n); records the headers the handshake needs. */
static int parse_header(const char *buf, size_t off, size_t n, struct wss_ws_handshake_req *req,
                        struct head_scan *st, struct wss_ws_handshake_err *err)
{
    const char *line = buf + off;
    const char *colon, *value;
    size_t name_len, value_len;

    if (is_ows(line[0]))
        return FAIL(400, off, "obsolete line folding");
    colon = memchr(line, ':', n);
    if (colon == NULL)
        return FAIL(400, off, "header line without a colon");
    name_len = (size_t)(colon - line);
    if (name_len == 0)
        return FAIL(400, off, "empty header name");
    for (size_t i = 0; i < name_len; i++)
        if (!is_tchar((unsigned char)line[i]))
            return FAIL(400, off + i, "invalid character in header name");
    value = colon + 1;
    value_len = n - name_len - 1;
    while (value_len > 0 && is_ows(value[0])) {
        value++;
        value_len--;
    }
    while (value_len > 0 && is_ows(value[value_len - 1]))
        value_len--;

    if (equals(line, name_len, "host", false)) {
        if (req->host != NULL)
            return FAIL(400, off, "duplicate Host header");
        req->host = value;
        req->host_len = value_len;
    } else if (equals(line, name_len, "upgrade", false)) {
        st->wants_websocket |= list_has(value, value_len, "websocket", false);
    } else if (equals(line, name_len, "connection", false)) {
        st->connection_upgrade |= list_has(value, value_len, "upgrade", false);
    } else if (equals(line, name_len, "sec-websocket-key", false)) {
        if (req->key != NULL)
            return FAIL(400, off, "duplicate Sec-WebSocket-Key header");
        req->key = value;
        req->key_len = value_len;
        st->key_off = (size_t)(value - buf);
    } else if (equals(line, name_len, "sec-websocket-version", false)) {
        if (st->version != NULL)
            return FAIL(400, off, "duplicate Sec-WebSocket-Version header");
        st->version = value;
        st->version_len = value_len;
        st->version_off = (size_t)(value - buf);
    } else if (equals(line, name_len, "sec-websocket-protocol", false)) {
        if (req->protocol == NULL) {
            req->protocol = value;
            req->protocol_len = value_len;
        }
    } else if (equals(line, name_len, "origin", false)) {
        if (req->origin != NULL)
            return FAIL(400, off, "duplicate Origin header");
        req->origin = value;
        req->origin_len = value_len;
    } else if (equals(line, name_len, "content-length", false)) {
        /* A body would have to be read or skipped before the first frame; neither the upgrade
         * nor the plain endpoints take one, and refusing it closes a smuggling vector. */
        if (!equals(value, value_len, "0", true))
            return FAIL(400, off, "request bodies are not accepted");
    } else if (equals(line, name_len, "transfer-encoding", false)) {
        return FAIL(400, off, "request bodies are not accepted");
    }
    return 0;
}

/* 16 bytes encode as 22 base64 characters carrying 132 bits, then "==": any key of that shape
 * decodes to exactly 16 bytes (the 4 spare bits are ignored, as decoders do). Checked by hand
 * because nettle's decoder skips whitespace. */
static bool key_is_valid(const char *key, size_t n)
{
    if (n != WSS_WS_HANDSHAKE_KEY_LEN || key[KEY_B64_CHARS] != '=' || key[KEY_B64_CHARS + 1] != '=')
        return false;
    for (size_t i = 0; i < KEY_B64_CHARS; i++)
        if (!is_b64((unsigned char)key[i]))
            return false;
    return true;
}

/* The whole head is in: apply the rules that need every header. */
static int finish(struct wss_ws_handshake_req *req, const struct head_scan *st, size_t end,
                  struct wss_ws_handshake_err *err)
{
    if (req->minor_version == 1 && req->host == NULL)
        return FAIL(400, end, "missing Host header");
    if (!st->wants_websocket) {
        req->kind = WSS_WS_HANDSHAKE_PLAIN;
        return (int)end;
    }
    if (req->is_head)
        return FAIL(405, 0, "a WebSocket upgrade must use GET");
    if (req->minor_version != 1)
        return FAIL(400, 0, "a WebSocket upgrade needs HTTP/1.1");
    if (!st->connection_upgrade)
        return FAIL(400, end, "Connection header lacks the upgrade token");
    if (st->version == NULL)
        return FAIL(426, end, "missing Sec-WebSocket-Version");
    if (!equals(st->version, st->version_len, "13", true))
        return FAIL(426, st->version_off, "unsupported Sec-WebSocket-Version %.*s",
                    (int)st->version_len, st->version);
    if (req->key == NULL)
        return FAIL(400, end, "missing Sec-WebSocket-Key");
    if (!key_is_valid(req->key, req->key_len))
        return FAIL(400, st->key_off, "Sec-WebSocket-Key does not decode to %d bytes",
                    KEY_DECODED_LEN);
    req->kind = WSS_WS_HANDSHAKE_UPGRADE;
    return (int)end;
}

int wss_ws_handshake_parse(const char *buf, size_t len, struct wss_ws_handshake_req *req,
                           struct wss_ws_handshake_err *err)
{
    struct head_scan st = {0};
    size_t limit = len < WSS_WS_HANDSHAKE_MAX_HEAD ? len : WSS_WS_HANDSHAKE_MAX_HEAD;
    size_t pos, eol = 0, headers_start;
    int rc;

    memset(req, 0, sizeof(*req));
    rc = find_line(buf, limit, 0, &eol, err);
    if (rc <= 0)
        return rc < 0 ? rc : unfinished(len, err);
    if (parse_request_line(buf, eol, req, err) < 0)
        return WSS_PARSE_INVALID;
    pos = headers_start = eol + 2;
    /* Each pass consumes a line of at least 2 bytes and pos never passes limit. */
    while (pos < limit) {
        rc = find_line(buf, limit, pos, &eol, err);
        if (rc <= 0)
            return rc < 0 ? rc : unfinished(len, err);
        if (eol == pos) {
            req->headers = buf + headers_start;
            req->headers_len = pos - headers_start;
            return finish(req, &st, pos + 2, err);
        }
        if (parse_header(buf, pos, eol - pos, req, &st, err) < 0)
            return WSS_PARSE_INVALID;
        pos = eol + 2;
    }
    return unfinished(len, err);
}

bool wss_ws_handshake_offers_protocol(const struct wss_ws_handshake_req *req, const char *protocol)
{
    const char *p = req->headers;
    const char *end = req->headers + req->headers_len;
    static const char name[] = "sec-websocket-protocol:";

    if (p == NULL)
        return false;
    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t)(end - p));
        size_t n;
        if (eol == NULL)
            eol = end;
        n = (size_t)(eol - p);
        if (n >= sizeof(name) - 1 && equals(p, sizeof(name) - 1, name, false) &&
            list_has(p + sizeof(name) - 1, n - (sizeof(name) - 1), protocol, true))
            return true;
        if (end - eol < 2)
            break;
        p = eol + 2;
    }
    return false;
}

void wss_ws_handshake_accept(const char *key, size_t key_len,
                             char out[WSS_WS_HANDSHAKE_ACCEPT_LEN + 1])
{
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];

    sha1_init(&ctx);
    sha1_update(&ctx, key_len, (const uint8_t *)key);
    sha1_update(&ctx, sizeof(accept_guid) - 1, (const uint8_t *)accept_guid);
    sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
    base64_encode_raw(out, SHA1_DIGEST_SIZE, digest);
    out[WSS_WS_HANDSHAKE_ACCEPT_LEN] = '\0';
}

/* Writes printf output into out; the length, or -1 if it did not fit. */
static int write_fit(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int write_fit(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int wss_ws_handshake_write_101(char *out, size_t cap, const struct wss_ws_handshake_req *req,
                               const char *protocol)
{
    char accept[WSS_WS_HANDSHAKE_ACCEPT_LEN + 1];

    if (req->kind != WSS_WS_HANDSHAKE_UPGRADE || req->key == NULL)
        return -1;
    if (protocol != NULL) {
        if (protocol[0] == '\0')
            return -1;
        for (const char *c = protocol; *c != '\0'; c++)
            if (!is_tchar((unsigned char)*c))
                return -1;
    }
    wss_ws_handshake_accept(req->key, req->key_len, accept);
    return write_fit(out, cap,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "%s%s%s"
                     "\r\n",
                     accept, protocol != NULL ? "Sec-WebSocket-Protocol: " : "",
                     protocol != NULL ? protocol : "", protocol != NULL ? "\r\n" : "");
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

int wss_ws_handshake_write_error(char *out, size_t cap, int status)
{
    const char *extra = "";

    if (status == 405)
        extra = "Allow: GET, HEAD\r\n";
    else if (status == 426)
        extra = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    return write_fit(out, cap,
                     "HTTP/1.1 %d %s\r\n"
                     "%s"
                     "Connection: close\r\n"
                     "Content-Length: 0\r\n"
                     "\r\n",
                     status, reason_phrase(status), extra);
}
