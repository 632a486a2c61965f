/* SPDX-License-Identifier: Apache-2.0 */
/* netns.h: the calling thread's network namespace, left for exactly one step and always entered
 * again: making a namespace held only by a file descriptor, and making a socket inside another one.
 * Does not: configure links or addresses (rtnl.c), or name or mount namespaces (nothing goes to
 * /run/netns, so nothing outlives the descriptors and the processes inside).
 * Threads: acts on the calling thread only (setns and unshare are per thread); aborts the process
 * if the thread cannot get back to its own namespace, since going on there would put the caller's
 * later sockets and children in the wrong network. Needs CAP_SYS_ADMIN (-EPERM without). */
#ifndef DEMO_NETNS_H
#define DEMO_NETNS_H

/* A descriptor (O_CLOEXEC) of the calling thread's own network namespace, or -errno. */
int netns_self(void);

/* Makes a new network namespace (only lo, down) and returns a descriptor that holds it (O_CLOEXEC),
 * or -errno. */
int netns_new(void);

/* socket(domain, type, protocol) made inside the namespace netns_fd names (-1: the thread's own).
 * A socket stays in the namespace it was made in. Returns the descriptor or -errno. */
int netns_socket(int netns_fd, int domain, int type, int protocol);

#endif
