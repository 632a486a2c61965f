/* SPDX-License-Identifier: Apache-2.0 */
/* rtnl_ack.h: finding the kernel's answer to one rtnetlink request in a received datagram.
 * Does not: read from a socket (rtnl.c does), or trust any length the datagram states.
 * Threads: pure. */
#ifndef WSSCALE_DEMO_RTNL_ACK_H
#define WSSCALE_DEMO_RTNL_ACK_H

#include <stddef.h>
#include <stdint.h>

/* Walks the netlink messages in buf[0, len), a datagram as received (buf aligned for a
 * struct nlmsghdr). An RTM_NEWLINK for seq leaves its ifindex in *ifindex (when not NULL). The
 * NLMSG_ERROR for seq ends the walk: returns 1 with its error (0 or a negative errno; -EPROTO
 * for a positive one, which the kernel never sends) in *error. Returns 0 when the datagram holds
 * no ack for seq, or -EBADMSG when a message's length is impossible. */
int rtnl_ack_scan(const void *buf, size_t len, uint32_t seq, int *error, int *ifindex);

#endif
