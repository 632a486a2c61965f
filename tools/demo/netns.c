/* SPDX-License-Identifier: Apache-2.0 */
/* netns.c: unshare or setns, the one step, then setns back to the namespace the thread came from.
 * Does not: keep any state; the caller owns every descriptor returned.
 * Threads: the calling thread only. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* The calling thread's network namespace (setns and unshare act per thread). */
#define NETNS_SELF "/proc/thread-self/ns/net"

/* Puts the thread back into back and closes it. */
static void go_back(int back)
{
    if (setns(back, CLONE_NEWNET) != 0)
        abort();
    close(back);
}

int netns_self(void)
{
    int fd = open(NETNS_SELF, O_RDONLY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int netns_new(void)
{
    int back = netns_self();
    if (back < 0)
        return back;
    if (unshare(CLONE_NEWNET) != 0) {
        int e = errno;
        close(back);
        return -e;
    }
    int fd = netns_self();
    go_back(back);
    return fd;
}

int netns_socket(int netns_fd, int domain, int type, int protocol)
{
    if (netns_fd < 0) {
        int fd = socket(domain, type, protocol);
        return fd >= 0 ? fd : -errno;
    }
    int back = netns_self();
    if (back < 0)
        return back;
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
        int e = errno;
        close(back);
        return -e;
    }
    int fd = socket(domain, type, protocol);
    int socket_errno = errno;
    go_back(back);
    return fd >= 0 ? fd : -socket_errno;
}
