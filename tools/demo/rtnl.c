/* SPDX-License-Identifier: Apache-2.0 */
/* rtnl.c: rtnetlink requests built by hand (header, ifinfomsg/ifaddrmsg, nested attributes),
 * sent one at a time, each answered by the kernel's NLMSG_ERROR ack with the same sequence number.
 * Does not: retry, log, or keep state between requests beyond the sequence number.
 * Threads: the caller's; rtnl_open alone touches the thread's namespace, and puts it back. */
#include "rtnl.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netns.h"
#include "rtnl_ack.h"

/* Room for the largest request, a veth pair with both names and the peer's namespace (~150 B). */
#define REQ_LEN 512
/* Room for one datagram of answers: a link's RTM_NEWLINK with its statistics is a few KiB, and
 * the kernel sizes its own (NLMSG_GOODSIZE) at 8 KiB at most. */
#define RECV_LEN 32768
/* Datagrams read while waiting for one ack before giving up: an answer is one or two. */
#define RECV_DATAGRAMS_MAX 16
#define MS_PER_S           1000
#define US_PER_MS          1000

/* A request being built: header first, then the family struct and attributes. */
struct req {
    union {
        struct nlmsghdr h;
        char buf[REQ_LEN];
    } u;
    bool is_full; /* an attribute did not fit; the request must not be sent */
};

static void *req_tail(struct req *q)
{
    return q->u.buf + NLMSG_ALIGN(q->u.h.nlmsg_len);
}

/* Starts a request of the given type whose family struct (fam_len bytes) follows the header;
 * returns that struct, zeroed. */
static void *req_init(struct req *q, uint16_t type, uint16_t flags, size_t fam_len)
{
    memset(q, 0, sizeof(*q));
    q->u.h.nlmsg_len = NLMSG_LENGTH(fam_len);
    q->u.h.nlmsg_type = type;
    q->u.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    return NLMSG_DATA(&q->u.h);
}

/* Appends raw bytes (len) at the end of the request, aligned; NULL when they do not fit. */
static void *req_reserve(struct req *q, size_t len)
{
    size_t at = NLMSG_ALIGN(q->u.h.nlmsg_len);
    if (q->is_full || at + NLMSG_ALIGN(len) > sizeof(q->u.buf)) {
        q->is_full = true;
        return NULL;
    }
    void *p = q->u.buf + at;
    memset(p, 0, NLMSG_ALIGN(len));
    /* The padding counts, as the kernel's own nla_put does, so a nest's end is the message's. */
    q->u.h.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
    return p;
}

static struct rtattr *attr_put(struct req *q, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = req_reserve(q, RTA_LENGTH(len));
    if (a == NULL)
        return NULL;
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len > 0)
        memcpy(RTA_DATA(a), data, len);
    return a;
}

static void attr_put_str(struct req *q, unsigned short type, const char *s)
{
    attr_put(q, type, s, strlen(s) + 1);
}

static void attr_put_u32(struct req *q, unsigned short type, uint32_t v)
{
    attr_put(q, type, &v, sizeof(v));
}

/* Opens a nested attribute; nest_end sets its length once its contents are in. */
static struct rtattr *nest_begin(struct req *q, unsigned short type)
{
    return attr_put(q, type, NULL, 0);
}

static void nest_end(struct req *q, struct rtattr *nest)
{
    if (nest != NULL && !q->is_full)
        nest->rta_len = (unsigned short)((char *)req_tail(q) - (char *)nest);
}

/* Reads datagrams until the NLMSG_ERROR ack for seq: returns its error (0 or -errno). A
 * RTM_NEWLINK answer for seq on the way leaves its ifindex in *ifindex when that is not NULL. */
static int await_ack(struct rtnl *r, uint32_t seq, int *ifindex)
{
    static_assert(RECV_LEN % sizeof(struct nlmsghdr) == 0, "receive buffer alignment");
    union {
        struct nlmsghdr h;
        char buf[RECV_LEN];
    } in;
    for (int d = 0; d < RECV_DATAGRAMS_MAX; d++) {
        struct sockaddr_nl from;
        socklen_t from_len = sizeof(from);
        ssize_t n =
            recvfrom(r->fd, in.buf, sizeof(in.buf), MSG_TRUNC, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
        }
        if ((size_t)n > sizeof(in.buf))
            return -EMSGSIZE;
        if (from.nl_pid != 0)
            continue; /* not from the kernel */
        int error = 0;
        int found = rtnl_ack_scan(in.buf, (size_t)n, seq, &error, ifindex);
        if (found != 0)
            return found < 0 ? found : error;
    }
    return -EPROTO;
}

/* Sends the request with the next sequence number and waits for its ack. */
static int transact(struct rtnl *r, struct req *q, int *ifindex)
{
    if (q->is_full)
        return -EMSGSIZE;
    if (r->fd < 0)
        return -EBADF;
    q->u.h.nlmsg_seq = ++r->seq;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t n;
    do {
        n = sendto(r->fd, q->u.buf, q->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
                   sizeof(kernel));
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if ((size_t)n != q->u.h.nlmsg_len)
        return -EIO;
    return await_ack(r, q->u.h.nlmsg_seq, ifindex);
}

int rtnl_open(struct rtnl *r, int netns_fd)
{
    r->fd = -1;
    r->seq = 0;
    int fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return fd;
    struct timeval timeout = {.tv_sec = RTNL_TIMEOUT_MS / MS_PER_S,
                              .tv_usec = (RTNL_TIMEOUT_MS % MS_PER_S) * US_PER_MS};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    r->fd = fd;
    return 0;
}

void rtnl_close(struct rtnl *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

int rtnl_link_index(struct rtnl *r, const char *name)
{
    if (strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    struct req q;
    req_init(&q, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
    attr_put_str(&q, IFLA_IFNAME, name);
    int ifindex = 0;
    int rc = transact(r, &q, &ifindex);
    if (rc < 0)
        return rc;
    return ifindex > 0 ? ifindex : -ENODEV;
}

int rtnl_link_add_bridge(struct rtnl *r, const char *name)
{
    if (strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    struct req q;
    req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
    attr_put_str(&q, IFLA_IFNAME, name);
    struct rtattr *info = nest_begin(&q, IFLA_LINKINFO);
    attr_put_str(&q, IFLA_INFO_KIND, "bridge");
    nest_end(&q, info);
    return transact(r, &q, NULL);
}

int rtnl_link_add_veth(struct rtnl *r, const char *name, const char *peer, int peer_netns_fd)
{
    if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
        return -EINVAL;
    struct req q;
    req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
    attr_put_str(&q, IFLA_IFNAME, name);
    struct rtattr *info = nest_begin(&q, IFLA_LINKINFO);
    attr_put_str(&q, IFLA_INFO_KIND, "veth");
    struct rtattr *data = nest_begin(&q, IFLA_INFO_DATA);
    /* VETH_INFO_PEER holds a whole ifinfomsg and then the peer's own link attributes. */
    struct rtattr *peer_info = nest_begin(&q, VETH_INFO_PEER);
    req_reserve(&q, sizeof(struct ifinfomsg));
    attr_put_str(&q, IFLA_IFNAME, peer);
    if (peer_netns_fd >= 0)
        attr_put_u32(&q, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
    nest_end(&q, peer_info);
    nest_end(&q, data);
    nest_end(&q, info);
    return transact(r, &q, NULL);
}

int rtnl_link_set_up(struct rtnl *r, int ifindex)
{
    struct req q;
    struct ifinfomsg *ifi = req_init(&q, RTM_NEWLINK, 0, sizeof(*ifi));
    ifi->ifi_index = ifindex;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    return transact(r, &q, NULL);
}

int rtnl_link_set_master(struct rtnl *r, int ifindex, int master_ifindex)
{
    struct req q;
    struct ifinfomsg *ifi = req_init(&q, RTM_NEWLINK, 0, sizeof(*ifi));
    ifi->ifi_index = ifindex;
    attr_put_u32(&q, IFLA_MASTER, (uint32_t)master_ifindex);
    return transact(r, &q, NULL);
}

int rtnl_addr_add_v4(struct rtnl *r, int ifindex, uint32_t addr, unsigned prefix)
{
    if (prefix > 32 || ifindex <= 0)
        return -EINVAL;
    struct req q;
    struct ifaddrmsg *ifa = req_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (unsigned)ifindex;
    uint32_t be = htonl(addr);
    attr_put(&q, IFA_LOCAL, &be, sizeof(be));
    attr_put(&q, IFA_ADDRESS, &be, sizeof(be));
    if (prefix < 31) {
        uint32_t broadcast = htonl(addr | (UINT32_MAX >> prefix));
        attr_put(&q, IFA_BROADCAST, &broadcast, sizeof(broadcast));
    }
    return transact(r, &q, NULL);
}

int rtnl_link_del(struct rtnl *r, int ifindex)
{
    struct req q;
    struct ifinfomsg *ifi = req_init(&q, RTM_DELLINK, 0, sizeof(*ifi));
    ifi->ifi_index = ifindex;
    return transact(r, &q, NULL);
}
