/* SPDX-License-Identifier: Apache-2.0 */
/* front.h: the demo's round-robin TCP front, standing in for a Kubernetes Service: one listening
 * address, each new connection forwarded to the next ready endpoint (a "pod"), like kube-proxy.
 * Does not: look inside the bytes (WebSocket or not), cut existing connections when an endpoint is
 * removed, retry a failed backend connect on another endpoint, or resolve host names.
 * Threads: front_start() runs the forwarding on its own thread (one wss_loop);
 * front_set_endpoints() and front_stats() may be called from any thread; front_stop() from one
 * thread, once. */
#ifndef WSSCALE_DEMO_FRONT_H
#define WSSCALE_DEMO_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most endpoints one front_set_endpoints() call may name. */
#define FRONT_MAX_ENDPOINTS 64

/* Most endpoints front_stats() reports: the ready ones plus removed ones still holding connections.
 */
#define FRONT_MAX_TRACKED 128

/* Longest endpoint name kept, including the NUL (a pod name is at most 253 characters). */
#define FRONT_NAME_LEN 254

/* Longest numeric host kept, including the NUL (an IPv6 literal without brackets). */
#define FRONT_HOST_LEN 46

/* Length of the error text front_start() leaves in err. */
#define FRONT_ERR_LEN 192

/* Defaults of struct front_options (a zero field takes these). */
#define FRONT_DEFAULT_BUF_BYTES          (64u * 1024u) /* per direction, per connection */
#define FRONT_DEFAULT_CONNECT_TIMEOUT_MS 3000u         /* backend connect, then both are closed */
#define FRONT_DEFAULT_MAX_CONNS          9000u /* each uses 2 fds; the process limit is 20,000 */

struct front; /* opaque */

/* One ready endpoint; every field is copied by front_set_endpoints(). */
struct front_endpoint {
    const char *host; /* numeric IPv4 or IPv6 address, e.g. "127.0.0.1" or "::1" */
    uint16_t port;
    const char *name; /* the pod's name, for stats; identity is (name, host, port) */
};

/* Tunables; zero-fill for the defaults. */
struct front_options {
    size_t buf_bytes;            /* bytes buffered per direction of a connection */
    uint32_t connect_timeout_ms; /* how long a backend connect may take */
    size_t max_conns;            /* client connections open at once; more are closed at accept */
};

/* Counters of one endpoint as of front_stats(). */
struct front_endpoint_stats {
    char name[FRONT_NAME_LEN];
    char host[FRONT_HOST_LEN];
    uint16_t port;
    bool is_ready;   /* in the current endpoint set (false: removed, connections still open) */
    uint64_t open;   /* connections to it open now (including those still connecting) */
    uint64_t total;  /* connections ever sent to it */
    uint64_t failed; /* backend connects that failed or timed out */
};

/* A snapshot of the front; the endpoints in the order they were first set. */
struct front_stats {
    uint64_t accepted;            /* client connections accepted */
    uint64_t refused_no_endpoint; /* closed at once: no ready endpoint */
    uint64_t refused_over_cap;    /* closed at once: max_conns open already */
    uint64_t backend_failed;      /* closed because the backend connect failed or timed out */
    uint64_t open;                /* client connections open now */
    size_t n_endpoints;           /* entries filled in endpoints[] */
    size_t n_omitted;             /* endpoints beyond FRONT_MAX_TRACKED, not reported */
    struct front_endpoint_stats endpoints[FRONT_MAX_TRACKED];
};

/* Listens on listen_host:port (numeric; port 0 = ephemeral) and starts the forwarding thread with
 * no endpoints; opt may be NULL. NULL on failure with the reason in err (FRONT_ERR_LEN). */
struct front *front_start(const char *listen_host, uint16_t port, const struct front_options *opt,
                          char *err, size_t errlen);

/* The port the front listens on. Thread-safe. */
uint16_t front_port(const struct front *f);

/* Replaces the ready endpoints: new connections go round-robin over eps[0..n); connections to
 * removed endpoints stay open. 0, -EINVAL (n over FRONT_MAX_ENDPOINTS, a host that is not a
 * numeric address, port 0, a NULL name) or -ENAMETOOLONG; on failure nothing changes.
 * Thread-safe. */
int front_set_endpoints(struct front *f, const struct front_endpoint *eps, size_t n);

/* Fills *out with the counters; cannot fail. Thread-safe. */
void front_stats(struct front *f, struct front_stats *out);

/* Closes the listener and every connection, joins the thread and frees f; accepts NULL. */
void front_stop(struct front *f);

#endif
