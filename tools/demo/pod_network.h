/* SPDX-License-Identifier: Apache-2.0 */
/* pod_network.h: the demo's CNI stand-in for --netns: a "node" network namespace holding a bridge,
 * one veth from the bridge to the host (the host's address on the pod network, e.g. 10.213.0.1/24),
 * and per pod a network namespace of its own with lo up and eth0 on the bridge (10.213.0.N/24), as
 * the bridge CNI plugin gives a pod. The namespaces are held only by file descriptors and the
 * processes inside, so when the demo dies, however it dies, they and every interface in them go
 * away with it (the host end of the uplink is deleted with its peer): nothing is left on the host.
 * Does not: start processes (proc_spawn_in joins a namespace between fork and exec), route beyond
 * the pod network, touch iptables or sysctls, or need anything but rtnetlink.
 * Threads: main's thread only; the calls switch that thread's network namespace for a moment and
 * always switch it back before they return. Needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root). */
#ifndef DEMO_POD_NETWORK_H
#define DEMO_POD_NETWORK_H

#include <stddef.h>
#include <stdint.h>

/* An IPv4 address in text, NUL included. */
#define POD_NETWORK_IP_LEN 16
/* The default pod network when --pod-cidr is not given. */
#define POD_NETWORK_DEFAULT_CIDR "10.213.0.0/24"

/* One pod's sandbox (what the pause container holds on a node). */
struct pod_sandbox {
    int netns_fd;                /* the pod's network namespace; -1 once removed */
    char ip[POD_NETWORK_IP_LEN]; /* eth0's address, e.g. "10.213.0.7" */
    uint32_t addr;               /* the same, host byte order */
};

struct pod_network;

/* Parses cidr ("A.B.C.D/P", 16 <= P <= 28, no host bits), refuses one that overlaps an address or
 * a route the host already has, creates the node namespace, the bridge and the uplink, and gives
 * the host the network's first address. NULL with a one-line reason in err (naming --pod-cidr when
 * the value is the problem, saying root is needed on EPERM); nothing is left behind on failure. */
struct pod_network *pod_network_create(const char *cidr, char *err, size_t errlen);

/* The host's address on the pod network ("10.213.0.1"): pods reach the adapter there. */
const char *pod_network_gateway(const struct pod_network *n);

/* The host's interface name of the uplink ("wsd" and the demo's pid). */
const char *pod_network_host_ifname(const struct pod_network *n);

/* Creates a pod's namespace with lo up and eth0 (the next free address, handed out round-robin so
 * a just-freed address is not reused at once) on the bridge. 0, or -1 with a reason in err. */
int pod_network_add(struct pod_network *n, struct pod_sandbox *out, char *err, size_t errlen);

/* Deletes the pod's veth (so its address may be reused safely), frees the address and closes
 * netns_fd; the namespace itself goes when its last process has gone. Accepts a removed sandbox. */
void pod_network_remove(struct pod_network *n, struct pod_sandbox *sb);

/* Removes the uplink and closes the node namespace; every pod must have been removed. Accepts
 * NULL. */
void pod_network_destroy(struct pod_network *n);

#endif
