/* SPDX-License-Identifier: Apache-2.0 */
/* ws_url.c: splits a ws:// URL into address, Host header value and request target (RFC 6455
 * section 3, RFC 3986 syntax), reusing the host:port rules of hostport.c.
 * Does not: resolve names, decode escapes, allocate, or consult the locale.
 * Threads: any; only the caller's buffers are touched. */
#include "wsscale/ws_url.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SCHEME_SEP     "://"
#define SCHEME_SEP_LEN 3
/* Longest scheme quoted back in an error message. */
#define SCHEME_QUOTE_MAX 16
/* ":80" appended to a port-less authority so wss_hostport_parse can check its host. */
#define DEFAULT_PORT_TEXT ":80"
/* Room for the longest authority that can hold a valid host, plus DEFAULT_PORT_TEXT. */
#define AUTHORITY_CAP (WSS_HOSTPORT_NAME_MAX + 8)

_Static_assert(WSS_WS_URL_DEFAULT_PORT == 80, "DEFAULT_PORT_TEXT spells the default port");

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True if s[0..n) equals the lower-case literal, ignoring ASCII case. */
static bool equals_nocase(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return false;
    return true;
}

/* Finds "://" and accepts only the ws scheme; returns the offset of the authority or INVALID. */
static int parse_scheme(const char *s, size_t len, struct wss_parse_err *err)
{
    size_t i = 0;
    while (i < len && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
        i++;
    if (i == len || len - i < SCHEME_SEP_LEN || memcmp(s + i, SCHEME_SEP, SCHEME_SEP_LEN) != 0)
        return wss_parse_fail(err, 0, "missing \"ws://\" at the start of the URL");
    if (equals_nocase(s, i, "ws"))
        return (int)(i + SCHEME_SEP_LEN);
    if (equals_nocase(s, i, "wss"))
        return wss_parse_fail(err, 0, "wss:// needs TLS, which is not supported here; use ws://");
    for (size_t j = 0; j < i; j++) {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x21 || c > 0x7E)
            return wss_parse_fail(err, 0, "unsupported URL scheme; want ws://");
    }
    return wss_parse_fail(err, 0, "unsupported URL scheme \"%.*s%s\"; want ws://",
                          (int)(i < SCHEME_QUOTE_MAX ? i : SCHEME_QUOTE_MAX), s,
                          i > SCHEME_QUOTE_MAX ? "..." : "");
}

/* True if the authority a[0..n) ends in a port: a ':' after the host (after ']' for IPv6). A
 * bracket-less authority with several colons is left to wss_hostport_parse to refuse. */
static bool has_port(const char *a, size_t n)
{
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        return close != NULL && close + 1 < a + n;
    }
    return memchr(a, ':', n) != NULL;
}

/* Checks host[:port] at s[at..at+n) and fills out->addr with pointers into s. */
static int parse_authority(const char *s, size_t at, size_t n, struct wss_ws_url *out,
                           struct wss_parse_err *err)
{
    const char *a = s + at;
    struct wss_parse_err sub = {0};

    if (n == 0)
        return wss_parse_fail(err, at, "missing host after \"ws://\"");
    if (memchr(a, '@', n) != NULL)
        return wss_parse_fail(err, at + (size_t)((const char *)memchr(a, '@', n) - a),
                              "user information before '@' is not supported");
    if (has_port(a, n)) {
        if (wss_hostport_parse(a, n, &out->addr, &sub) < 0)
            return wss_parse_fail(err, at + sub.offset, "%s", sub.msg);
    } else {
        /* Parse a copy with the default port appended, then point the host back into s. */
        char buf[AUTHORITY_CAP];
        if (n + strlen(DEFAULT_PORT_TEXT) > sizeof(buf))
            return wss_parse_fail(err, at, "host name longer than %d characters",
                                  WSS_HOSTPORT_NAME_MAX);
        memcpy(buf, a, n);
        memcpy(buf + n, DEFAULT_PORT_TEXT, strlen(DEFAULT_PORT_TEXT));
        if (wss_hostport_parse(buf, n + strlen(DEFAULT_PORT_TEXT), &out->addr, &sub) < 0)
            return wss_parse_fail(err, at + (sub.offset < n ? sub.offset : n), "%s", sub.msg);
        out->addr.host = a + (out->addr.host - buf);
    }
    if (out->addr.kind == WSS_HOST_ANY)
        return wss_parse_fail(err, at, "missing host before ':'");
    out->authority = a;
    out->authority_len = n;
    return 0;
}

/* Path and query: visible ASCII, with every '%' starting a two-digit hex escape. */
static int check_target_chars(const char *s, size_t from, size_t to, const char *where,
                              struct wss_parse_err *err)
{
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7E) {
            char shown[WSS_PARSE_BYTE_TEXT_LEN];
            wss_parse_describe_byte(s[i], shown);
            return wss_parse_fail(err, i, "invalid character %s in the %s", shown, where);
        }
        if (c == '%' && (to - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
            return wss_parse_fail(err, i, "'%%' in the %s is not followed by two hex digits",
                                  where);
    }
    return 0;
}

int wss_ws_url_parse(const char *s, size_t len, struct wss_ws_url *out, struct wss_parse_err *err)
{
    struct wss_ws_url u = {0};
    int rc = parse_scheme(s, len, err);
    size_t auth_start, auth_end, i;
    const char *hash;

    if (rc < 0)
        return rc;
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "URL longer than %d bytes", INT_MAX);
    /* RFC 6455 section 3: fragment identifiers are meaningless here and must not be used. */
    hash = memchr(s, '#', len);
    if (hash != NULL)
        return wss_parse_fail(err, (size_t)(hash - s),
                              "fragments ('#') are not allowed in WebSocket URLs");
    auth_start = (size_t)rc;
    auth_end = auth_start;
    while (auth_end < len && s[auth_end] != '/' && s[auth_end] != '?')
        auth_end++;
    if (parse_authority(s, auth_start, auth_end - auth_start, &u, err) != 0)
        return WSS_PARSE_INVALID;
    i = auth_end;
    if (i < len && s[i] == '/') {
        size_t start = i;
        while (i < len && s[i] != '?')
            i++;
        if (check_target_chars(s, start, i, "path", err) != 0)
            return WSS_PARSE_INVALID;
        u.path = s + start;
        u.path_len = i - start;
    }
    if (i < len) {
        /* s[i] == '?' */
        if (check_target_chars(s, i + 1, len, "query", err) != 0)
            return WSS_PARSE_INVALID;
        u.query = s + i + 1;
        u.query_len = len - i - 1;
    }
    *out = u;
    return (int)len;
}
