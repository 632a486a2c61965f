/* SPDX-License-Identifier: Apache-2.0 */
/* socktable_diag.c: builds the inet_diag dump request with its port filter and counts the
 * sockets in the kernel's reply.
 * Does not: do I/O, allocate, or look inside a socket record beyond its length.
 * Threads: pure; no state outside the caller's buffers. */
#include "socktable_diag.h"

#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

_Static_assert(SOCKTABLE_DIAG_ESTABLISHED == 1U << TCP_ESTABLISHED &&
                   SOCKTABLE_DIAG_LISTEN == 1U << TCP_LISTEN,
               "state masks are the kernel's");

/* One port test: the op and its host condition (any address, this port). */
#define COND_LEN ((size_t)(sizeof(struct inet_diag_bc_op) + sizeof(struct inet_diag_hostcond)))
/* The jump that follows every port test but the last. */
#define JMP_LEN ((size_t)sizeof(struct inet_diag_bc_op))

static size_t bytecode_len(size_t nports)
{
    return nports * (COND_LEN + JMP_LEN) - JMP_LEN;
}

/* The filter is an OR chain, laid out as iproute2's ss lays out "a or b":
 *   COND(p0) JMP COND(p1) JMP ... COND(pn-1)
 * A test that matches steps onto its JMP, whose "no" branch (JMP always takes it) lands exactly
 * on the end of the program: accept. A test that fails skips its JMP to the next test; the last
 * one's "no" goes 4 bytes past the end: reject. The kernel's audit walks only "yes" branches and
 * requires every "no" target to lie on that walk, which is why the JMPs sit in the chain rather
 * than each test jumping straight to the end. */
static void write_bytecode(unsigned char *out, const uint16_t *ports, size_t nports)
{
    size_t total = bytecode_len(nports);
    size_t off = 0;
    for (size_t i = 0; i < nports; i++) {
        struct inet_diag_bc_op cond = {
            .code = INET_DIAG_BC_S_COND,
            .yes = (unsigned char)COND_LEN,
            .no = (unsigned short)(COND_LEN + JMP_LEN),
        };
        struct inet_diag_hostcond host = {.family = AF_UNSPEC, .prefix_len = 0, .port = ports[i]};
        memcpy(out + off, &cond, sizeof(cond));
        memcpy(out + off + sizeof(cond), &host, sizeof(host));
        off += COND_LEN;
        if (i + 1 == nports)
            break;
        struct inet_diag_bc_op jmp = {
            .code = INET_DIAG_BC_JMP,
            .yes = (unsigned char)JMP_LEN,
            .no = (unsigned short)(total - off),
        };
        memcpy(out + off, &jmp, sizeof(jmp));
        off += JMP_LEN;
    }
}

size_t socktable_diag_request(void *buf, size_t cap, int family, uint32_t states,
                              const uint16_t *ports, size_t nports, uint32_t seq)
{
    if (states == 0 || nports == 0 || nports > SOCKTABLE_DIAG_MAX_PORTS)
        return 0;
    if (family != AF_INET && family != AF_INET6)
        return 0;
    for (size_t i = 0; i < nports; i++) {
        if (ports[i] == 0)
            return 0;
    }
    size_t bc_len = bytecode_len(nports);
    size_t attr_len = NLA_HDRLEN + bc_len;
    size_t total =
        NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_req_v2)) + NLA_ALIGN(attr_len);
    if (cap < total)
        return 0;

    unsigned char *p = buf;
    memset(p, 0, total);
    struct nlmsghdr nlh = {
        .nlmsg_len = (uint32_t)total,
        .nlmsg_type = SOCK_DIAG_BY_FAMILY,
        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
        .nlmsg_seq = seq,
        .nlmsg_pid = 0,
    };
    memcpy(p, &nlh, sizeof(nlh));
    p += NLMSG_HDRLEN;

    struct inet_diag_req_v2 req;
    memset(&req, 0, sizeof(req));
    req.sdiag_family = (uint8_t)family;
    req.sdiag_protocol = IPPROTO_TCP;
    req.idiag_states = states;
    memcpy(p, &req, sizeof(req));
    p += NLMSG_ALIGN(sizeof(req));

    struct nlattr attr = {.nla_len = (uint16_t)attr_len, .nla_type = INET_DIAG_REQ_BYTECODE};
    memcpy(p, &attr, sizeof(attr));
    write_bytecode(p + NLA_HDRLEN, ports, nports);
    return total;
}

/* NLMSG_ERROR and NLMSG_DONE carry an int: 0, or a negative errno. */
static int read_status(const unsigned char *payload)
{
    int status;
    memcpy(&status, payload, sizeof(status));
    return status;
}

/* 0 or a negative errno that has a positive twin (INT_MIN has none). */
static bool is_status(int status)
{
    return status <= 0 && status > INT_MIN;
}

int socktable_diag_parse(const void *buf, size_t len, uint32_t seq,
                         struct socktable_diag_reply *reply, struct wss_parse_err *err)
{
    const unsigned char *p = buf;
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "datagram of %zu bytes is too large", len);
    size_t off = 0;
    /* Every pass consumes at least a header, so this ends within len / 16 passes. */
    while (off < len) {
        size_t left = len - off;
        if (left < NLMSG_HDRLEN)
            return wss_parse_fail(err, off, "message header truncated: %zu bytes left, need %d",
                                  left, NLMSG_HDRLEN);
        struct nlmsghdr nlh;
        memcpy(&nlh, p + off, sizeof(nlh));
        if (nlh.nlmsg_len < NLMSG_HDRLEN)
            return wss_parse_fail(err, off, "message length %u is below the header's %d",
                                  (unsigned)nlh.nlmsg_len, NLMSG_HDRLEN);
        if (nlh.nlmsg_len > left)
            return wss_parse_fail(err, off, "message truncated: length %u but %zu bytes left",
                                  (unsigned)nlh.nlmsg_len, left);
        const unsigned char *payload = p + off + NLMSG_HDRLEN;
        size_t payload_len = nlh.nlmsg_len - NLMSG_HDRLEN;
        size_t next = off + NLMSG_ALIGN(nlh.nlmsg_len);
        if (next > len)
            next = len; /* the last message may come without its padding */
        bool is_ours = nlh.nlmsg_seq == seq;

        switch (nlh.nlmsg_type) {
        case SOCK_DIAG_BY_FAMILY:
            if (payload_len < sizeof(struct inet_diag_msg))
                return wss_parse_fail(err, off,
                                      "socket record of %zu bytes is shorter than "
                                      "inet_diag_msg (%zu)",
                                      payload_len, sizeof(struct inet_diag_msg));
            if (is_ours)
                reply->sockets++;
            else
                reply->skipped++;
            break;
        case NLMSG_DONE:
            if (!is_ours) {
                reply->skipped++;
                break;
            }
            /* The status is optional here: a bare DONE is a clean end. */
            if (payload_len >= sizeof(int) && !is_status(read_status(payload)))
                return wss_parse_fail(err, off, "dump status %d is not 0 or a negative errno",
                                      read_status(payload));
            reply->is_done = true;
            if (payload_len >= sizeof(int))
                reply->error = -read_status(payload);
            return (int)next;
        case NLMSG_ERROR:
            if (payload_len < sizeof(int))
                return wss_parse_fail(err, off, "error message of %zu bytes has no error code",
                                      payload_len);
            if (!is_ours) {
                reply->skipped++;
                break;
            }
            if (!is_status(read_status(payload)))
                return wss_parse_fail(err, off, "error code %d is not 0 or a negative errno",
                                      read_status(payload));
            if (read_status(payload) == 0)
                break; /* an acknowledgement, not a failure */
            reply->error = -read_status(payload);
            return (int)next;
        case NLMSG_NOOP:
            break;
        default:
            return wss_parse_fail(err, off, "unexpected message type %u", (unsigned)nlh.nlmsg_type);
        }
        off = next;
    }
    return (int)off;
}
