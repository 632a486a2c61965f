/* SPDX-License-Identifier: Apache-2.0 */
/* hostport_resolve.h: turns a parsed host:port into one socket address, looking names up with
 * getaddrinfo (the step wss_hostport_to_sockaddr leaves to its callers).
 * Does not: open sockets, cache answers, or try more than the first address returned.
 * Threads: thread-safe (getaddrinfo is); may block on DNS for a WSS_HOST_NAME. */
#ifndef WSSCALE_HOSTPORT_RESOLVE_H
#define WSSCALE_HOSTPORT_RESOLVE_H

#include <sys/socket.h>

#include "wsscale/hostport.h"

/* Fills *out and *out_len for hp: literals and WSS_HOST_ANY as wss_hostport_to_sockaddr does
 * (any_family picks the wildcard's family), names through getaddrinfo (first answer, any family),
 * with hp->port set. Returns 0, -EINVAL for a bad literal or family, or -ENOENT when the name
 * does not resolve. Thread-safe; blocks while a name is looked up. */
int wss_hostport_resolve(const struct wss_hostport *hp, int any_family,
                         struct sockaddr_storage *out, socklen_t *out_len);

#endif
