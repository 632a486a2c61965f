/* SPDX-License-Identifier: Apache-2.0 */
/* source_addrs.h: the items of --source-addrs ("127.0.0.2", "::1", "127.0.0.2-127.0.0.20") as
 * local addresses to bind before connecting, so one process can hold more connections to one
 * server port than a single address has ephemeral ports.
 * Does not: bind sockets or check that the addresses are local; connect reports that.
 * Threads: pure; safe from any thread. */
#ifndef WSSCALE_LOAD_SOURCE_ADDRS_H
#define WSSCALE_LOAD_SOURCE_ADDRS_H

#include <stddef.h>
#include <sys/socket.h>

#include "wsscale/parse.h"

/* Most addresses one process may use in all (a /22 of IPv4 loopback, far more than 20,000 fds
 * can use). */
#define SOURCE_ADDRS_MAX 1024

/* Appends the addresses of one item of item[0..len) to out[*n..cap) (port 0): an IPv4 or IPv6
 * literal (brackets allowed) or an inclusive IPv4 range a-b. Returns len, or WSS_PARSE_INVALID
 * with err set (not an address, end before start, more than cap in all); *n is unchanged then.
 * Pure. */
int source_addrs_parse(const char *item, size_t len, struct sockaddr_storage *out, size_t cap,
                       size_t *n, struct wss_parse_err *err);

#endif
