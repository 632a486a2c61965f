/* SPDX-License-Identifier: Apache-2.0 */
/* hostport.h: "host:port" listen and peer addresses ("0.0.0.0:8080", "[::1]:6443", ":9102",
 * "redis.default.svc:6379"), parsed into borrowed pieces and turned into socket addresses.
 * Does not: resolve names (callers use getaddrinfo for WSS_HOST_NAME), open sockets, or allocate.
 * Threads: pure functions over caller-owned memory; safe from any thread. */
#ifndef WSSCALE_HOSTPORT_H
#define WSSCALE_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wsscale/parse.h"

/* Longest DNS name accepted, without a trailing dot (RFC 1035). */
#define WSS_HOSTPORT_NAME_MAX 253

/* Room for any host wss_hostport_host_cstr copies out, NUL included. */
#define WSS_HOSTPORT_HOST_CAP (WSS_HOSTPORT_NAME_MAX + 2)

/* Room for any text wss_hostport_format_sockaddr writes ("[<46>]:65535" and the NUL). */
#define WSS_HOSTPORT_TEXT_CAP 64

enum wss_host_kind {
    WSS_HOST_ANY = 0, /* ":9102": every local address; host_len is 0 */
    WSS_HOST_IPV4,    /* dotted quad */
    WSS_HOST_IPV6,    /* given in brackets; host excludes them */
    WSS_HOST_NAME,    /* a DNS name; needs a lookup before use */
};

struct wss_hostport {
    const char *host; /* borrowed from the parsed input; not NUL-terminated */
    size_t host_len;
    uint16_t port; /* 0 asks the kernel for a free port */
    enum wss_host_kind kind;
};

/* Parses s[0..len) as host:port: port 0-65535, IPv6 in brackets, host an IPv4/IPv6 literal or a
 * DNS name, empty host meaning any address. Returns len, or WSS_PARSE_INVALID with err set. Pure.
 */
int wss_hostport_parse(const char *s, size_t len, struct wss_hostport *out,
                       struct wss_parse_err *err);

/* Fills *out and *out_len for a literal or WSS_HOST_ANY (as any_family's wildcard: AF_INET or
 * AF_INET6). Returns 0, or -EINVAL for a WSS_HOST_NAME, another family or a bad literal. Pure, so
 * thread-safe. */
int wss_hostport_to_sockaddr(const struct wss_hostport *hp, int any_family,
                             struct sockaddr_storage *out, socklen_t *out_len);

/* Copies the host into buf as a NUL-terminated string (for getaddrinfo). Returns 0, or -ENOSPC
 * when cap is too small (WSS_HOSTPORT_HOST_CAP always fits). Pure, so thread-safe. */
int wss_hostport_host_cstr(const struct wss_hostport *hp, char *buf, size_t cap);

/* Writes an AF_INET or AF_INET6 address as "1.2.3.4:80" or "[::1]:6443" (text that
 * wss_hostport_parse accepts). Returns the length, or -EAFNOSUPPORT / -ENOSPC. Pure, so
 * thread-safe. */
int wss_hostport_format_sockaddr(const struct sockaddr *sa, char *buf, size_t cap);

#endif
