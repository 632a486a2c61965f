/* SPDX-License-Identifier: Apache-2.0 */
/* rtnl_ack.c: the walk over one rtnetlink datagram for the ack (and new link's index) of a request.
 * Does not: read from a socket, or look at messages for other sequence numbers beyond their length.
 * Threads: pure. */
#include "rtnl_ack.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

int rtnl_ack_scan(const void *buf, size_t len, uint32_t seq, int *error, int *ifindex)
{
    const char *p = buf;
    size_t left = len;
    while (left >= sizeof(struct nlmsghdr)) {
        const struct nlmsghdr *m = (const struct nlmsghdr *)(const void *)p;
        if (m->nlmsg_len < sizeof(*m) || m->nlmsg_len > left)
            return -EBADMSG;
        if (m->nlmsg_seq == seq) {
            if (m->nlmsg_type == NLMSG_ERROR) {
                if (m->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                    return -EBADMSG;
                const struct nlmsgerr *e = NLMSG_DATA(m);
                *error = e->error > 0 ? -EPROTO : e->error;
                return 1;
            }
            if (m->nlmsg_type == RTM_NEWLINK && ifindex != NULL &&
                m->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
                const struct ifinfomsg *ifi = NLMSG_DATA(m);
                *ifindex = ifi->ifi_index;
            }
        }
        /* The last message of a datagram may omit its alignment padding. */
        size_t step = NLMSG_ALIGN(m->nlmsg_len);
        if (step >= left)
            break;
        p += step;
        left -= step;
    }
    return 0;
}
