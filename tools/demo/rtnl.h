/* SPDX-License-Identifier: Apache-2.0 */
/* rtnl.h: the few rtnetlink requests --netns needs (links, veth pairs, a bridge, an IPv4 address),
 * each sent on a NETLINK_ROUTE socket bound to one network namespace and checked against its ack.
 * Does not: dump tables, listen to events, create namespaces, or decide names (pod_network.c).
 * Threads: a struct rtnl belongs to one thread; rtnl_open switches that thread's network
 * namespace for a moment and always switches it back (it aborts the process if it cannot). */
#ifndef DEMO_RTNL_H
#define DEMO_RTNL_H

#include <stdint.h>

/* How long one request waits for the kernel's answer, in milliseconds. */
#define RTNL_TIMEOUT_MS 2000

/* A NETLINK_ROUTE socket talking to the kernel of one network namespace. */
struct rtnl {
    int fd;       /* owned; -1 once closed */
    uint32_t seq; /* private: the sequence number of the last request */
};

/* Opens a socket in the namespace netns_fd names (-1: the calling thread's own). 0 or -errno
 * (-EPERM without CAP_SYS_ADMIN); aborts if the thread cannot return to its namespace. */
int rtnl_open(struct rtnl *r, int netns_fd);

/* Closes the socket; accepts a closed one. */
void rtnl_close(struct rtnl *r);

/* The ifindex of the link called name in r's namespace: > 0, or -errno (-ENODEV: none). */
int rtnl_link_index(struct rtnl *r, const char *name);

/* Creates a bridge (down, no address, STP off). 0 or -errno from the kernel (-EEXIST, -EPERM). */
int rtnl_link_add_bridge(struct rtnl *r, const char *name);

/* Creates a veth pair: name in r's namespace and peer in the namespace peer_netns_fd names (-1:
 * the same), both down. 0 or -errno from the kernel. */
int rtnl_link_add_veth(struct rtnl *r, const char *name, const char *peer, int peer_netns_fd);

/* Sets a link up. 0 or -errno. */
int rtnl_link_set_up(struct rtnl *r, int ifindex);

/* Enslaves a link to a bridge. 0 or -errno. */
int rtnl_link_set_master(struct rtnl *r, int ifindex, int master_ifindex);

/* Adds addr/prefix (host byte order) to a link, with its broadcast address. 0 or -errno. */
int rtnl_addr_add_v4(struct rtnl *r, int ifindex, uint32_t addr, unsigned prefix);

/* Deletes a link (and a veth's peer with it, wherever it is). 0 or -errno (-ENODEV: none). */
int rtnl_link_del(struct rtnl *r, int ifindex);

#endif
