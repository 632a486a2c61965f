/* SPDX-License-Identifier: Apache-2.0 */
/* pod_network.c: --netns: the node namespace with bridge cbr0 and the uplink to the host, pod
 * namespaces with eth0 on the bridge, and the addresses of the pod network, handed out in turn.
 * Does not: start processes, route past the pod network, or print (errors go back in err).
 * Threads: main's thread only; it leaves the host namespace only inside netns.c's calls,
 * which put the thread back before returning (or abort the process). */
#include "pod_network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cidr.h"
#include "netns.h"
#include "rtnl.h"
#include "wsscale/errbuf.h"

/* Names inside the node namespace, as on a node with the bridge CNI plugin. */
#define NODE_BRIDGE "cbr0"
#define NODE_UPLINK "uplink"
#define POD_IFNAME  "eth0"
#define LOOPBACK    "lo"
/* The host's end of the uplink is HOST_IFNAME_PREFIX and the pid: "wsd" + 7 digits < IFNAMSIZ. */
#define HOST_IFNAME_PREFIX "wsd"
/* A /16 is 65533 pods at most; a /28 still leaves 13 after the network, gateway and broadcast. */
#define PREFIX_MIN 16
#define PREFIX_MAX 28
/* The first address a pod gets: the network is +0 and the host's gateway +1. */
#define FIRST_POD_INDEX 2
/* /proc/net/route: a line is about 130 bytes; a host with more routes than this is not a demo. */
#define ROUTE_LINE_LEN   512
#define ROUTE_LINES_MAX  100000
#define ROUTE_IFNAME_FMT "%15s"
/* The --pod-cidr text is echoed in messages up to this many bytes. */
#define CIDR_ECHO_MAX 40

struct pod_network {
    int host_fd;        /* owned: the namespace create ran in, holding the uplink's host end */
    int node_fd;        /* owned: the node namespace (bridge, uplink, the pods' veths) */
    int bridge_ifindex; /* cbr0's ifindex in the node namespace */
    struct cidr net;
    uint32_t size; /* addresses in net, 2^(32 - prefix) */
    uint8_t *used; /* owned; used[i] != 0 while net.addr + i belongs to a pod */
    uint32_t next; /* the index the next search for a free address starts at */
    size_t n_pods; /* sandboxes added and not yet removed */
    char gateway[POD_NETWORK_IP_LEN];
    char host_ifname[IFNAMSIZ];
};

/* Reports a failed step (what) with the kernel's reason; any EPERM means we are not root. */
static void set_errno_err(char *err, size_t errlen, int rc, const char *what)
{
    if (rc == -EPERM)
        wss_errbuf_printf(err, errlen, "--netns needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN): %s",
                          strerror(EPERM));
    else
        wss_errbuf_printf(err, errlen, "%s: %s", what, strerror(-rc));
}

/* Copies the --pod-cidr text for a message: cut short, non-printable bytes as '?'. */
static void echo_text(const char *s, char out[CIDR_ECHO_MAX + 1])
{
    size_t i = 0;
    for (; s[i] != '\0' && i < CIDR_ECHO_MAX; i++)
        out[i] = (s[i] >= ' ' && s[i] <= '~') ? s[i] : '?';
    out[i] = '\0';
}

static unsigned mask_prefix(uint32_t mask)
{
    unsigned prefix = 0;
    while (prefix < 32 && (mask & (UINT32_C(1) << (31 - prefix))) != 0)
        prefix++;
    return prefix;
}

/* Refuses a network that shares an address with one the host has on an interface. */
static int check_addresses(struct cidr net, const char *text, char *err, size_t errlen)
{
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) != 0) {
        set_errno_err(err, errlen, -errno, "reading the host's addresses");
        return -1;
    }
    int rc = 0;
    for (const struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
        if (a->ifa_addr == NULL || a->ifa_netmask == NULL || a->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *addr = (const struct sockaddr_in *)(const void *)a->ifa_addr;
        const struct sockaddr_in *mask = (const struct sockaddr_in *)(const void *)a->ifa_netmask;
        uint32_t ip = ntohl(addr->sin_addr.s_addr);
        unsigned prefix = mask_prefix(ntohl(mask->sin_addr.s_addr));
        struct cidr theirs = {.addr = ip & cidr_mask(prefix), .prefix = prefix};
        if (cidr_overlaps(net, theirs)) {
            char ip_text[CIDR_IP_TEXT_LEN];
            cidr_format_ip(ip, ip_text);
            wss_errbuf_printf(err, errlen, "--pod-cidr %s overlaps %s/%u on %s; choose another",
                              text, ip_text, prefix, a->ifa_name);
            rc = -1;
            break;
        }
    }
    freeifaddrs(all);
    return rc;
}

/* Refuses a network that overlaps a route of the host's main table (the default route aside:
 * it covers everything and the pod network's own route is more specific). */
static int check_routes(struct cidr net, const char *text, char *err, size_t errlen)
{
    FILE *f = fopen("/proc/net/route", "re");
    if (f == NULL) {
        set_errno_err(err, errlen, -errno, "reading /proc/net/route");
        return -1;
    }
    char line[ROUTE_LINE_LEN];
    int rc = 0;
    for (int i = 0; i < ROUTE_LINES_MAX && fgets(line, sizeof(line), f) != NULL; i++) {
        char ifname[IFNAMSIZ];
        unsigned dest = 0;
        unsigned gateway = 0;
        unsigned flags = 0;
        unsigned mask = 0;
        /* Iface Destination Gateway Flags RefCnt Use Metric Mask ...; the header line fails. */
        if (sscanf(line, ROUTE_IFNAME_FMT " %x %x %x %*d %*d %*d %x", ifname, &dest, &gateway,
                   &flags, &mask) != 5)
            continue;
        if (mask == 0)
            continue;
        /* The kernel prints each __be32 as the number it is in memory. */
        uint32_t mask_host = ntohl((uint32_t)mask);
        unsigned prefix = mask_prefix(mask_host);
        struct cidr theirs = {.addr = ntohl((uint32_t)dest) & mask_host, .prefix = prefix};
        if (cidr_overlaps(net, theirs)) {
            char dest_text[CIDR_IP_TEXT_LEN];
            cidr_format_ip(theirs.addr, dest_text);
            wss_errbuf_printf(err, errlen,
                              "--pod-cidr %s overlaps the route to %s/%u on %s; choose another",
                              text, dest_text, prefix, ifname);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Sets a link named name up in r's namespace; *ifindex gets its index when not NULL. */
static int link_up_by_name(struct rtnl *r, const char *name, int *ifindex)
{
    int index = rtnl_link_index(r, name);
    if (index < 0)
        return index;
    if (ifindex != NULL)
        *ifindex = index;
    return rtnl_link_set_up(r, index);
}

static int lo_up(int netns_fd)
{
    struct rtnl r;
    int rc = rtnl_open(&r, netns_fd);
    if (rc == 0)
        rc = link_up_by_name(&r, LOOPBACK, NULL);
    rtnl_close(&r);
    return rc;
}

/* Deletes the link called name in the namespace netns_fd (-1: this thread's). 0 or -errno. */
static int link_del_by_name(int netns_fd, const char *name)
{
    struct rtnl r;
    int rc = rtnl_open(&r, netns_fd);
    if (rc == 0) {
        rc = rtnl_link_index(&r, name);
        if (rc > 0)
            rc = rtnl_link_del(&r, rc);
    }
    rtnl_close(&r);
    return rc;
}

/* In the node namespace: lo, cbr0 and the uplink, whose other end appears on the host;
 * *has_uplink is set as soon as the veth exists, so a later failure can delete its host end. */
static int build_node(struct pod_network *n, bool *has_uplink, char *err, size_t errlen)
{
    struct rtnl r = {.fd = -1};
    int uplink = -1;
    const char *what = "setting lo up in the node namespace";
    int rc = lo_up(n->node_fd);
    if (rc != 0)
        goto fail;
    what = "opening rtnetlink in the node namespace";
    rc = rtnl_open(&r, n->node_fd);
    if (rc != 0)
        goto fail;
    what = "creating bridge " NODE_BRIDGE " in the node namespace";
    rc = rtnl_link_add_bridge(&r, NODE_BRIDGE);
    if (rc == 0)
        rc = link_up_by_name(&r, NODE_BRIDGE, &n->bridge_ifindex);
    if (rc != 0)
        goto fail;
    what = "creating the uplink veth";
    rc = rtnl_link_add_veth(&r, NODE_UPLINK, n->host_ifname, n->host_fd);
    if (rc != 0)
        goto fail;
    *has_uplink = true;
    what = "putting the uplink on " NODE_BRIDGE;
    uplink = rtnl_link_index(&r, NODE_UPLINK);
    rc = uplink < 0 ? uplink : rtnl_link_set_master(&r, uplink, n->bridge_ifindex);
    if (rc != 0)
        goto fail;
    what = "setting the uplink up";
    rc = rtnl_link_set_up(&r, uplink);
    if (rc != 0)
        goto fail;
    rtnl_close(&r);
    return 0;
fail:
    rtnl_close(&r);
    set_errno_err(err, errlen, rc, what);
    return -1;
}

/* On the host: the gateway address on the uplink's host end, and up. */
static int build_host_side(struct pod_network *n, char *err, size_t errlen)
{
    struct rtnl r;
    int rc = rtnl_open(&r, n->host_fd);
    if (rc == 0) {
        int index = rtnl_link_index(&r, n->host_ifname);
        rc = index < 0 ? index : rtnl_addr_add_v4(&r, index, n->net.addr + 1, n->net.prefix);
        if (rc == 0)
            rc = rtnl_link_set_up(&r, index);
    }
    rtnl_close(&r);
    if (rc != 0) {
        char what[64];
        snprintf(what, sizeof(what), "setting up %s on the host", n->host_ifname);
        set_errno_err(err, errlen, rc, what);
        return -1;
    }
    return 0;
}

struct pod_network *pod_network_create(const char *cidr_text, char *err, size_t errlen)
{
    char text[CIDR_ECHO_MAX + 1];
    echo_text(cidr_text, text);
    struct cidr net;
    struct wss_parse_err perr;
    if (cidr_parse(cidr_text, strlen(cidr_text), &net, &perr) < 0) {
        wss_errbuf_printf(err, errlen, "--pod-cidr%s%s: %s", text[0] != '\0' ? " " : "", text,
                          perr.msg);
        return NULL;
    }
    if (net.prefix < PREFIX_MIN || net.prefix > PREFIX_MAX) {
        wss_errbuf_printf(err, errlen, "--pod-cidr %s: want a prefix length from /%d to /%d", text,
                          PREFIX_MIN, PREFIX_MAX);
        return NULL;
    }
    if (check_addresses(net, text, err, errlen) != 0 || check_routes(net, text, err, errlen) != 0)
        return NULL;

    struct pod_network *n = calloc(1, sizeof(*n));
    if (n == NULL) {
        set_errno_err(err, errlen, -ENOMEM, "allocating the pod network");
        return NULL;
    }
    n->host_fd = -1;
    n->node_fd = -1;
    n->net = net;
    n->size = UINT32_C(1) << (32 - net.prefix);
    n->next = FIRST_POD_INDEX;
    cidr_format_ip(net.addr + 1, n->gateway);
    snprintf(n->host_ifname, sizeof(n->host_ifname), HOST_IFNAME_PREFIX "%ld", (long)getpid());
    bool has_uplink = false;
    n->used = calloc(n->size, 1);
    if (n->used == NULL) {
        set_errno_err(err, errlen, -ENOMEM, "allocating the pod network");
        goto fail;
    }
    int rc = netns_self();
    n->host_fd = rc >= 0 ? rc : -1;
    if (rc < 0) {
        set_errno_err(err, errlen, rc, "opening this thread's network namespace");
        goto fail;
    }
    rc = netns_new();
    n->node_fd = rc >= 0 ? rc : -1;
    if (rc < 0) {
        set_errno_err(err, errlen, rc, "creating the node namespace");
        goto fail;
    }
    if (build_node(n, &has_uplink, err, errlen) != 0)
        goto fail;
    if (build_host_side(n, err, errlen) != 0)
        goto fail;
    return n;
fail:
    /* Deleting the host end takes the uplink with it now; the node namespace, once its fd is
     * closed, takes the bridge when the kernel gets to it. */
    if (has_uplink)
        link_del_by_name(n->host_fd, n->host_ifname);
    if (n->node_fd >= 0)
        close(n->node_fd);
    if (n->host_fd >= 0)
        close(n->host_fd);
    free(n->used);
    free(n);
    return NULL;
}

const char *pod_network_gateway(const struct pod_network *n)
{
    return n->gateway;
}

const char *pod_network_host_ifname(const struct pod_network *n)
{
    return n->host_ifname;
}

/* The next free address index at or after n->next, wrapping; 0 when every one is taken. */
static uint32_t pick_index(const struct pod_network *n)
{
    uint32_t count = n->size - FIRST_POD_INDEX - 1; /* the broadcast address is not a pod's */
    for (uint32_t k = 0; k < count; k++) {
        uint32_t i = FIRST_POD_INDEX + (n->next - FIRST_POD_INDEX + k) % count;
        if (n->used[i] == 0)
            return i;
    }
    return 0;
}

static void veth_name(uint32_t index, char out[IFNAMSIZ])
{
    snprintf(out, IFNAMSIZ, "veth%u", (unsigned)index);
}

/* Node side: veth<index> on cbr0 and up, its peer born as eth0 in the pod's namespace. */
static int plug_pod(struct pod_network *n, int pod_fd, const char *veth, bool *has_veth)
{
    struct rtnl r;
    int rc = rtnl_open(&r, n->node_fd);
    if (rc != 0)
        return rc;
    rc = rtnl_link_add_veth(&r, veth, POD_IFNAME, pod_fd);
    if (rc == 0) {
        *has_veth = true;
        int index = rtnl_link_index(&r, veth);
        rc = index < 0 ? index : rtnl_link_set_master(&r, index, n->bridge_ifindex);
        if (rc == 0)
            rc = rtnl_link_set_up(&r, index);
    }
    rtnl_close(&r);
    return rc;
}

/* Pod side: eth0's address and up. */
static int address_pod(struct pod_network *n, int pod_fd, uint32_t addr)
{
    struct rtnl r;
    int rc = rtnl_open(&r, pod_fd);
    if (rc == 0) {
        int index = rtnl_link_index(&r, POD_IFNAME);
        rc = index < 0 ? index : rtnl_addr_add_v4(&r, index, addr, n->net.prefix);
        if (rc == 0)
            rc = rtnl_link_set_up(&r, index);
    }
    rtnl_close(&r);
    return rc;
}

int pod_network_add(struct pod_network *n, struct pod_sandbox *out, char *err, size_t errlen)
{
    out->netns_fd = -1;
    uint32_t index = pick_index(n);
    if (index == 0) {
        char net_text[CIDR_IP_TEXT_LEN];
        cidr_format_ip(n->net.addr, net_text);
        wss_errbuf_printf(err, errlen, "the pod network %s/%u has no free address (%zu pods)",
                          net_text, n->net.prefix, n->n_pods);
        return -1;
    }
    char veth[IFNAMSIZ];
    veth_name(index, veth);
    uint32_t addr = n->net.addr + index;
    int pod_fd = -1;
    bool has_veth = false;
    const char *what = "creating the pod's namespace";
    int rc = netns_new();
    pod_fd = rc >= 0 ? rc : -1;
    rc = rc >= 0 ? 0 : rc;
    if (rc == 0) {
        what = "setting lo up in the pod's namespace";
        rc = lo_up(pod_fd);
    }
    if (rc == 0) {
        what = "plugging the pod into " NODE_BRIDGE;
        rc = plug_pod(n, pod_fd, veth, &has_veth);
    }
    if (rc == 0) {
        what = "setting up the pod's " POD_IFNAME;
        rc = address_pod(n, pod_fd, addr);
    }
    /* Past this index either way: after a failed ack the kernel may still hold veth<index>. */
    n->next = index + 1 < n->size - 1 ? index + 1 : FIRST_POD_INDEX;
    if (rc != 0) {
        set_errno_err(err, errlen, rc, what);
        if (has_veth)
            link_del_by_name(n->node_fd, veth);
        if (pod_fd >= 0)
            close(pod_fd);
        return -1;
    }
    n->used[index] = 1;
    n->n_pods++;
    out->netns_fd = pod_fd;
    out->addr = addr;
    cidr_format_ip(addr, out->ip);
    return 0;
}

void pod_network_remove(struct pod_network *n, struct pod_sandbox *sb)
{
    if (n == NULL || sb == NULL || sb->netns_fd < 0)
        return;
    uint32_t index = sb->addr - n->net.addr;
    if (index >= FIRST_POD_INDEX && index < n->size - 1) {
        char veth[IFNAMSIZ];
        veth_name(index, veth);
        /* Deleting the node's end deletes eth0 before the call returns, so the address is free
         * even while the pod's processes live on. If it could not be deleted, the address
         * stays taken rather than be given to a second pod. */
        int rc = link_del_by_name(n->node_fd, veth);
        if (rc == 0 || rc == -ENODEV)
            n->used[index] = 0;
    }
    close(sb->netns_fd);
    sb->netns_fd = -1;
    n->n_pods--;
}

void pod_network_destroy(struct pod_network *n)
{
    if (n == NULL)
        return;
    /* Deleted from the host side so it is gone when this returns, not when the kernel gets to
     * the node namespace's cleanup. */
    link_del_by_name(n->host_fd, n->host_ifname);
    close(n->node_fd);
    close(n->host_fd);
    free(n->used);
    free(n);
}
