/* SPDX-License-Identifier: Apache-2.0 */
/* socktable_diag.h: the NETLINK_SOCK_DIAG dumps the socket source sends (TCP sockets in the given
 * states whose local port is one of a set, filtered in the kernel by inet_diag bytecode) and the
 * parser that counts the sockets in their multipart reply.
 * Does not: open sockets, send or receive; source_socktable.c does the I/O.
 * Threads: pure functions; any thread, on distinct outputs. */
#ifndef SIDECAR_SOCKTABLE_DIAG_H
#define SIDECAR_SOCKTABLE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"

/* Most local ports one filter matches: each costs 16 bytes of bytecode, and a pod's app listens
 * on a handful. */
#define SOCKTABLE_DIAG_MAX_PORTS 64

/* The states a dump asks for (the kernel's 1 << TCP_ESTABLISHED and 1 << TCP_LISTEN). */
#define SOCKTABLE_DIAG_ESTABLISHED (1U << 1)
#define SOCKTABLE_DIAG_LISTEN      (1U << 10)

/* Bytes a request needs at most: netlink header, inet_diag_req_v2, the bytecode attribute. */
#define SOCKTABLE_DIAG_REQUEST_MAX (16 + 56 + 4 + 16 * SOCKTABLE_DIAG_MAX_PORTS)

/* Writes one SOCK_DIAG_BY_FAMILY dump request for TCP sockets of family (AF_INET or AF_INET6) in
 * one of states (a mask of 1 << TCP_ESTABLISHED, 1 << TCP_LISTEN, ...) whose local port is any of
 * ports, with sequence number seq, into buf. Returns the request's length, or 0 when cap is too
 * small, states is 0, nports is 0 or above SOCKTABLE_DIAG_MAX_PORTS, a port is 0, or family is
 * neither. Pure. */
size_t socktable_diag_request(void *buf, size_t cap, int family, uint32_t states,
                              const uint16_t *ports, size_t nports, uint32_t seq);

/* What the reply to one dump request said so far. Zero it before the first datagram. */
struct socktable_diag_reply {
    uint64_t sockets; /* inet_diag_msg records with our sequence number */
    uint64_t skipped; /* well-formed messages for another sequence number (a stale dump) */
    bool is_done;     /* NLMSG_DONE arrived: the dump is complete */
    int error;        /* a positive errno from NLMSG_ERROR or a failed NLMSG_DONE; 0 if none */
};

/* Parses the netlink messages in one received datagram buf[0..len) of the reply to request seq,
 * adding to *reply. Stops after NLMSG_DONE or an NLMSG_ERROR for seq (reply->is_done or
 * reply->error set), or at the end of buf. Netlink never splits a message across datagrams, so a
 * message cut short is an error, not a reason to wait. Returns the bytes consumed (len, or the
 * end of the message that stopped it), or WSS_PARSE_INVALID with err for a truncated header or
 * body, a length below the header's, a record shorter than inet_diag_msg, or an unexpected
 * message type. Pure. */
int socktable_diag_parse(const void *buf, size_t len, uint32_t seq,
                         struct socktable_diag_reply *reply, struct wss_parse_err *err);

#endif
