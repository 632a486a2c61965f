/* SPDX-License-Identifier: Apache-2.0 */
/* source_socktable.h: the `socket` source: counts the pod's ESTABLISHED TCP connections whose
 * local port is one of the app's listening ports, IPv4 and IPv6 (an IPv4-mapped connection
 * counts once, as the IPv6 socket it is), through NETLINK_SOCK_DIAG or /proc/net/tcp{,6}.
 * Does not: tell a WebSocket from an HTTP keep-alive or a probe on the same port (the socket
 * table has no such state); count outbound connections or the app's listeners themselves.
 * Threads: the sampler thread samples; source_socktable_method() may be called from any. */
#ifndef SIDECAR_SOURCE_SOCKTABLE_H
#define SIDECAR_SOURCE_SOCKTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* A sample is not a snapshot: both the sock_diag dump and the /proc text walk the kernel's hash
 * table in parts, so a connection opened or closed meanwhile may be missed or seen twice. Counts
 * are exact for a table at rest and off by a few under heavy churn. */

/* How a sample reads the socket table. */
enum source_socktable_method {
    SOURCE_SOCKTABLE_AUTO = 0,      /* sock_diag; from the first refusal on, /proc for good */
    SOURCE_SOCKTABLE_SOCK_DIAG = 1, /* sock_diag only: a refusal is a SOURCE_ERROR sample */
    SOURCE_SOCKTABLE_PROC = 2,      /* /proc/net/tcp and /proc/net/tcp6 only */
};

/* Most ports one source counts (the kernel filter's limit, SOCKTABLE_DIAG_MAX_PORTS). */
#define SOURCE_SOCKTABLE_MAX_PORTS 64

/* A sample that takes longer than this is abandoned as SOURCE_ERROR. */
#define SOURCE_SOCKTABLE_TIMEOUT_MS 2000

/* Longest proc_net_dir accepted, without the NUL. */
#define SOURCE_SOCKTABLE_DIR_MAX 200

struct source_socktable_opts {
    enum source_socktable_method method;
    const char *proc_net_dir; /* borrowed; copied; NULL = "/proc/net" (tests point elsewhere) */
    int timeout_ms;           /* per sample; 0 = SOURCE_SOCKTABLE_TIMEOUT_MS */
};

/* Builds the source for ports[0..nports) with method AUTO. Returns it, or one with ops == NULL
 * and a message in err when nports is 0 or over SOURCE_SOCKTABLE_MAX_PORTS, a port is 0, or out
 * of memory. Free with source_destroy(). Thread-safe. */
struct source source_socktable_new(const uint16_t *ports, size_t nports, char *err, size_t errlen);

/* As source_socktable_new, with the method, the /proc directory and the timeout chosen (opts
 * may be NULL for the defaults). Also fails on a proc_net_dir over SOURCE_SOCKTABLE_DIR_MAX or
 * a negative timeout. Thread-safe. */
struct source source_socktable_new_opts(const uint16_t *ports, size_t nports,
                                        const struct source_socktable_opts *opts, char *err,
                                        size_t errlen);

/* The method samples use now: "sock_diag" or "proc" (AUTO reports "sock_diag" until a refusal).
 * NULL when src is not a socket source. For the sidecar's /metrics; thread-safe (atomic). */
const char *source_socktable_method(const struct source *src);

/* A sock_diag sample walks a family's part of the kernel's established table (shared by every
 * namespace, and most of a sample's cost) only when the family has a listener on the ports or
 * had sockets at its last walk; both when there is no listener at all (not listening yet, or
 * draining), and every this many samples, so sockets of a family whose listener came and went
 * between two samples are found within that many. */
#define SOURCE_SOCKTABLE_FULL_WALK_EVERY 30

/* Walks of the established table made so far by sock_diag samples, IPv4 and IPv6; 0 and 0 when
 * src is not a socket source. For tests and benchmarks; thread-safe. */
void source_socktable_walks(const struct source *src, uint64_t *ipv4, uint64_t *ipv6);

/* Parses "auto" | "sock_diag" | "proc" (a --socket-method flag); returns 0, or -1 otherwise. */
int source_socktable_method_parse(const char *s, enum source_socktable_method *out);

#endif
