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

#include "http_head.h"

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

/* What the header lines said, gathered until the blank line, and where the callbacks of the
 * head walk write. */
struct head_scan {
    bool wants_websocket;    /* Upgrade lists "websocket" */
    bool connection_upgrade; /* Connection lists "upgrade" */
    const char *version;     /* Sec-WebSocket-Version value */
    size_t version_len;
    size_t version_off;
    size_t key_off;
    struct wss_ws_handshake_req *req; /* borrowed; the caller's output */
    struct wss_ws_handshake_err *err; /* borrowed; may be NULL */
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

static bool is_b64(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* method SP request-target SP HTTP-version, in line[0..n). */

/* The length of "http://authority" (or https, ws, wss; scheme case-insensitive) at the start of an
 * absolute-form target, so the path starts after it; 0 for any other target. */
static size_t absolute_form_path(const char *t, size_t len)
{
    static const char *const schemes[] = {"http://", "https://", "ws://", "wss://"};
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t n = strlen(schemes[i]);
        if (len <= n || !wss__http_head_equals(t, n, schemes[i], false))
            continue;
        size_t end = n;
        while (end < len && t[end] != '/' && t[end] != '?')
            end++;
        return end > n ? end : 0; /* an empty authority is no absolute-form */
    }
    return 0;
}

static int parse_request_line(void *arg, const char *line, size_t n)
{
    struct head_scan *st = arg;
    struct wss_ws_handshake_req *req = st->req;
    struct wss_ws_handshake_err *err = st->err;
    const char *sp1 = memchr(line, ' ', n);
    const char *target, *sp2, *version, *q;
    size_t method_len, target_len, version_len;

    if (sp1 == NULL || sp1 == line)
        return FAIL(400, 0, "request line lacks a method");
    method_len = (size_t)(sp1 - line);
    for (size_t i = 0; i < method_len; i++)
        if (!wss__http_head_is_tchar((unsigned char)line[i]))
            return FAIL(400, i, "invalid character in the method");
    target = sp1 + 1;
    sp2 = memchr(target, ' ', n - (size_t)(target - line));
    if (sp2 == NULL)
        return FAIL(400, n, "request line lacks an HTTP version");
    target_len = (size_t)(sp2 - target);
    /* The whole target's bytes are checked first, the authority of an absolute-form too. */
    for (size_t i = 0; i < target_len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= 0x20 || c >= 0x7F || c == '#')
            return FAIL(400, (size_t)(target - line) + i,
                        "invalid character 0x%02X in the request target", c);
    }
    size_t authority_end = absolute_form_path(target, target_len);
    bool is_root_implied = false; /* "http://host" and "http://host?x" ask for "/" */
    const char *scheme_slash = memchr(target, '/', target_len); /* a "/" to point path at */
    if (authority_end > 0) {
        /* RFC 9112 3.2.2: a server must accept the absolute-form; its path is what counts */
        target += authority_end;
        target_len -= authority_end;
        is_root_implied = target_len == 0 || target[0] == '?';
    }
    if (!is_root_implied && (target_len == 0 || target[0] != '/'))
        return FAIL(400, (size_t)(target - line), "request target must start with '/'");
    version = sp2 + 1;
    version_len = n - (size_t)(version - line);
    if (version_len != strlen("HTTP/1.1") || memcmp(version, "HTTP/", 5) != 0 || version[5] < '0' ||
        version[5] > '9' || version[6] != '.' || version[7] < '0' || version[7] > '9')
        return FAIL(400, (size_t)(version - line), "malformed HTTP version");
    if (version[5] != '1')
        return FAIL(505, (size_t)(version - line), "HTTP version %.8s not supported", version);
    /* RFC 9110 2.5: a higher minor version is served as the highest one we speak */
    req->minor_version = version[7] == '0' ? 0 : 1;

    if (wss__http_head_equals(line, method_len, "HEAD", true))
        req->is_head = true;
    else if (!wss__http_head_equals(line, method_len, "GET", true))
        return FAIL(405, 0, "method %.*s not allowed", (int)method_len, line);

    q = memchr(target, '?', target_len);
    req->path = is_root_implied ? scheme_slash : target; /* a "/" in the input, as promised */
    req->path_len = is_root_implied ? 1 : q != NULL ? (size_t)(q - target) : target_len;
    if (q != NULL) {
        req->query = q + 1;
        req->query_len = target_len - (size_t)(q - target) - 1;
    }
    return 0;
}

/* One header line; records the headers the handshake needs. */
static int parse_header(void *arg, const struct wss__http_header *h)
{
    struct head_scan *st = arg;
    struct wss_ws_handshake_req *req = st->req;
    struct wss_ws_handshake_err *err = st->err;
    const char *value = h->value;
    size_t value_len = h->value_len, off = h->off;

    if (wss__http_head_name_is(h, "host")) {
        if (req->host != NULL)
            return FAIL(400, off, "duplicate Host header");
        req->host = value;
        req->host_len = value_len;
    } else if (wss__http_head_name_is(h, "upgrade")) {
        st->wants_websocket |= wss__http_head_list_has(value, value_len, "websocket", false);
    } else if (wss__http_head_name_is(h, "connection")) {
        st->connection_upgrade |= wss__http_head_list_has(value, value_len, "upgrade", false);
    } else if (wss__http_head_name_is(h, "sec-websocket-key")) {
        if (req->key != NULL)
            return FAIL(400, off, "duplicate Sec-WebSocket-Key header");
        req->key = value;
        req->key_len = value_len;
        st->key_off = h->value_off;
    } else if (wss__http_head_name_is(h, "sec-websocket-version")) {
        if (st->version != NULL)
            return FAIL(400, off, "duplicate Sec-WebSocket-Version header");
        st->version = value;
        st->version_len = value_len;
        st->version_off = h->value_off;
    } else if (wss__http_head_name_is(h, "sec-websocket-protocol")) {
        if (req->protocol == NULL) {
            req->protocol = value;
            req->protocol_len = value_len;
        }
    } else if (wss__http_head_name_is(h, "origin")) {
        if (req->origin != NULL)
            return FAIL(400, off, "duplicate Origin header");
        req->origin = value;
        req->origin_len = value_len;
    } else if (wss__http_head_name_is(h, "content-length")) {
        /* A body would have to be read or skipped before the first frame; neither the upgrade
         * nor the plain endpoints take one, and refusing it closes a smuggling vector. */
        if (!wss__http_head_equals(value, value_len, "0", true))
            return FAIL(400, off, "request bodies are not accepted");
    } else if (wss__http_head_name_is(h, "transfer-encoding")) {
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
    if (!wss__http_head_equals(st->version, st->version_len, "13", true))
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

static const struct wss__http_head_ops request_head = {
    .max_head = WSS_WS_HANDSHAKE_MAX_HEAD,
    .start_line = parse_request_line,
    .header = parse_header,
    .texts = {.head = "request head",
              .cr_without_lf = "CR not followed by LF",
              .bare_lf = "line ends in a bare LF",
              .folding = "obsolete line folding",
              .no_colon = "header line without a colon",
              .empty_name = "empty header name",
              .bad_name_char = "invalid character in header name"},
};

int wss_ws_handshake_parse(const char *buf, size_t len, struct wss_ws_handshake_req *req,
                           struct wss_ws_handshake_err *err)
{
    struct head_scan st = {.req = req, .err = err};
    struct wss__http_head head;
    int rc;

    memset(req, 0, sizeof(*req));
    rc = wss__http_head_walk(buf, len, &request_head, &st, &head, err != NULL ? &err->parse : NULL);
    if (rc < 0)
        return rc == WSS_PARSE_INVALID && head.status != 0 ? set_status(err, head.status) : rc;
    req->headers = head.headers;
    req->headers_len = head.headers_len;
    return finish(req, &st, (size_t)rc, err);
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
        if (n >= sizeof(name) - 1 && wss__http_head_equals(p, sizeof(name) - 1, name, false) &&
            wss__http_head_list_has(p + sizeof(name) - 1, n - (sizeof(name) - 1), protocol, true))
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
            if (!wss__http_head_is_tchar((unsigned char)*c))
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
