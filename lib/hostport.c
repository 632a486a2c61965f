/* SPDX-License-Identifier: Apache-2.0 */
/* hostport.c: splits and validates host:port text, and converts literals to socket addresses.
 * Does not: resolve names, touch sockets, allocate, or consult the locale.
 * Threads: any; only the caller's buffers are touched. */
#include "wsscale/hostport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PORT_MAX  65535
#define LABEL_MAX 63 /* RFC 1035 */

/* Longest textual IPv6 address, "ffff:...:255.255.255.255", without the NUL. */
#define IPV6_TEXT_MAX (INET6_ADDRSTRLEN - 1)

/* Longest piece of the input quoted back in an error message. */
#define QUOTE_MAX 40

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Only text already checked to be printable is quoted, so a length cap is all it needs. */
static int quote_len(size_t n)
{
    return (int)(n < QUOTE_MAX ? n : QUOTE_MAX);
}

static const char *quote_more(size_t n)
{
    return n > QUOTE_MAX ? "..." : "";
}

static int fail_byte(struct wss_parse_err *err, size_t offset, char c, const char *where)
{
    char shown[WSS_PARSE_BYTE_TEXT_LEN];
    wss_parse_describe_byte(c, shown);
    return wss_parse_fail(err, offset, "invalid character %s in %s", shown, where);
}

/* inet_pton wants a NUL-terminated string; host is at most IPV6_TEXT_MAX bytes here. */
static bool pton(int family, const char *host, size_t len, void *addr)
{
    char buf[INET6_ADDRSTRLEN];
    if (len > IPV6_TEXT_MAX)
        return false;
    memcpy(buf, host, len);
    buf[len] = '\0';
    return inet_pton(family, buf, addr) == 1;
}

static int check_ipv6(const char *h, size_t len, size_t at, struct wss_parse_err *err)
{
    if (len == 0)
        return wss_parse_fail(err, at, "empty IPv6 address in brackets");
    for (size_t i = 0; i < len; i++) {
        if (h[i] == '%')
            return wss_parse_fail(err, at + i, "IPv6 zone identifiers are not supported");
        if (!is_hex(h[i]) && h[i] != ':' && h[i] != '.')
            return fail_byte(err, at + i, h[i], "IPv6 address");
    }
    struct in6_addr a6;
    if (!pton(AF_INET6, h, len, &a6))
        return wss_parse_fail(err, at, "\"%.*s%s\" is not a valid IPv6 address", quote_len(len), h,
                              quote_more(len));
    return 0;
}

/* Checks a DNS name: labels of letters, digits and '-', 1-63 bytes, not starting or ending with
 * '-', at most 253 bytes in all, an optional final dot, and a last label that is not all digits
 * (so "1.2.3" cannot pass as a name). */
static int check_name(const char *h, size_t len, size_t at, struct wss_parse_err *err)
{
    size_t n = len;
    if (n > 1 && h[n - 1] == '.')
        n--;
    if (n > WSS_HOSTPORT_NAME_MAX)
        return wss_parse_fail(err, at, "host name longer than %d characters",
                              WSS_HOSTPORT_NAME_MAX);
    size_t label = 0;
    bool is_numeric_label = true;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            size_t start = i - label;
            if (label == 0)
                return wss_parse_fail(err, at + i, "empty label in host name");
            if (label > LABEL_MAX)
                return wss_parse_fail(err, at + start, "host name label longer than %d characters",
                                      LABEL_MAX);
            if (h[start] == '-' || h[i - 1] == '-')
                return wss_parse_fail(err, at + start,
                                      "host name label \"%.*s%s\" starts or ends with '-'",
                                      quote_len(label), h + start, quote_more(label));
            if (i == n && is_numeric_label)
                return wss_parse_fail(err, at + start,
                                      "the last label of a host name cannot be all digits");
            label = 0;
            is_numeric_label = true;
            continue;
        }
        if (!is_alnum(h[i]) && h[i] != '-')
            return fail_byte(err, at + i, h[i], "host name");
        is_numeric_label = is_numeric_label && is_digit(h[i]);
        label++;
    }
    return 0;
}

static int check_host(const char *h, size_t len, enum wss_host_kind *kind,
                      struct wss_parse_err *err)
{
    bool is_dotted_digits = true;
    for (size_t i = 0; i < len && is_dotted_digits; i++)
        is_dotted_digits = is_digit(h[i]) || h[i] == '.';
    if (is_dotted_digits) {
        struct in_addr a4;
        if (!pton(AF_INET, h, len, &a4))
            return wss_parse_fail(err, 0, "\"%.*s%s\" is not a valid IPv4 address", quote_len(len),
                                  h, quote_more(len));
        *kind = WSS_HOST_IPV4;
        return 0;
    }
    *kind = WSS_HOST_NAME;
    return check_name(h, len, 0, err);
}

static int parse_port(const char *s, size_t len, size_t at, uint16_t *port,
                      struct wss_parse_err *err)
{
    if (at == len)
        return wss_parse_fail(err, at, "missing port after ':'");
    unsigned long v = 0;
    for (size_t i = at; i < len; i++) {
        if (!is_digit(s[i])) {
            char shown[WSS_PARSE_BYTE_TEXT_LEN];
            wss_parse_describe_byte(s[i], shown);
            return wss_parse_fail(err, i, "invalid character %s in port", shown);
        }
        if (v <= PORT_MAX)
            v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > PORT_MAX)
        return wss_parse_fail(err, at, "port %.*s%s is out of range 0-%d", quote_len(len - at),
                              s + at, quote_more(len - at), PORT_MAX);
    *port = (uint16_t)v;
    return 0;
}

int wss_hostport_parse(const char *s, size_t len, struct wss_hostport *out,
                       struct wss_parse_err *err)
{
    if (len == 0)
        return wss_parse_fail(err, 0, "empty address");
    struct wss_hostport hp = {0};
    size_t colon;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (close == NULL)
            return wss_parse_fail(err, len, "missing ']' after IPv6 address");
        hp.host = s + 1;
        hp.host_len = (size_t)(close - hp.host);
        hp.kind = WSS_HOST_IPV6;
        colon = (size_t)(close - s) + 1;
        if (colon == len)
            return wss_parse_fail(err, colon, "missing ':port' after ']'");
        if (s[colon] != ':') {
            char shown[WSS_PARSE_BYTE_TEXT_LEN];
            wss_parse_describe_byte(s[colon], shown);
            return wss_parse_fail(err, colon, "expected ':' after ']', found %s", shown);
        }
        if (check_ipv6(hp.host, hp.host_len, 1, err) != 0)
            return WSS_PARSE_INVALID;
    } else {
        size_t first = len, ncolons = 0;
        colon = len;
        for (size_t i = 0; i < len; i++) {
            if (s[i] == ':') {
                if (ncolons++ == 0)
                    first = i;
                colon = i;
            }
        }
        if (ncolons == 0)
            return wss_parse_fail(err, len, "missing ':port'");
        if (ncolons > 1)
            return wss_parse_fail(err, first, "IPv6 addresses need brackets, as in [::1]:6443");
        hp.host = s;
        hp.host_len = colon;
        if (colon == 0)
            hp.kind = WSS_HOST_ANY;
        else if (check_host(s, colon, &hp.kind, err) != 0)
            return WSS_PARSE_INVALID;
    }
    if (parse_port(s, len, colon + 1, &hp.port, err) != 0)
        return WSS_PARSE_INVALID;
    *out = hp;
    return (int)len;
}

int wss_hostport_to_sockaddr(const struct wss_hostport *hp, int any_family,
                             struct sockaddr_storage *out, socklen_t *out_len)
{
    memset(out, 0, sizeof(*out));
    int family;
    switch (hp->kind) {
    case WSS_HOST_ANY:
        family = any_family;
        break;
    case WSS_HOST_IPV4:
        family = AF_INET;
        break;
    case WSS_HOST_IPV6:
        family = AF_INET6;
        break;
    default:
        return -EINVAL;
    }
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(hp->port);
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
        if (hp->kind != WSS_HOST_ANY && !pton(AF_INET, hp->host, hp->host_len, &sin->sin_addr))
            return -EINVAL;
        *out_len = sizeof(*sin);
        return 0;
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(hp->port);
        sin6->sin6_addr = in6addr_any;
        if (hp->kind != WSS_HOST_ANY && !pton(AF_INET6, hp->host, hp->host_len, &sin6->sin6_addr))
            return -EINVAL;
        *out_len = sizeof(*sin6);
        return 0;
    }
    return -EINVAL;
}

int wss_hostport_host_cstr(const struct wss_hostport *hp, char *buf, size_t cap)
{
    if (hp->host_len >= cap)
        return -ENOSPC;
    if (hp->host_len > 0)
        memcpy(buf, hp->host, hp->host_len);
    buf[hp->host_len] = '\0';
    return 0;
}

int wss_hostport_format_sockaddr(const struct sockaddr *sa, char *buf, size_t cap)
{
    char addr[INET6_ADDRSTRLEN];
    int n;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
        n = snprintf(buf, cap, "%s:%u", addr, (unsigned)ntohs(sin->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
        n = snprintf(buf, cap, "[%s]:%u", addr, (unsigned)ntohs(sin6->sin6_port));
    } else {
        return -EAFNOSUPPORT;
    }
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return -ENOSPC;
    }
    return n;
}
