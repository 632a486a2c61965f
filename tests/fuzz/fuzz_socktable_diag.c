/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_socktable_diag.c: libFuzzer target for the sock_diag reply parser (socktable_diag_parse),
 * and for the request builder with ports taken from the input.
 * Does not: judge error texts (the unit test does); it checks invariants on any input.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "fuzz_check.h"
#include "socktable_diag.h"

/* The smallest message each counter can stand for. */
#define MIN_RECORD (NLMSG_HDRLEN + sizeof(struct inet_diag_msg))

static uint32_t read_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Writes a reply with the same number of records and the same ending, and parses it again. */
static void check_rebuilt_reply(const struct socktable_diag_reply *r, uint32_t seq)
{
    size_t n = (size_t)r->sockets;
    size_t rec = NLMSG_ALIGN(MIN_RECORD);
    size_t cap = n * rec + 2 * NLMSG_HDRLEN + sizeof(struct nlmsgerr);
    unsigned char *buf = calloc(1, cap);
    CHECK(buf != NULL);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        struct nlmsghdr h = {
            .nlmsg_len = (uint32_t)MIN_RECORD, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_seq = seq};
        memcpy(buf + len, &h, sizeof(h));
        len += rec;
    }
    if (r->error != 0 || r->is_done) {
        struct nlmsghdr h = {
            .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(int)),
            .nlmsg_type = r->is_done ? NLMSG_DONE : NLMSG_ERROR,
            .nlmsg_seq = seq,
        };
        int status = -r->error;
        memcpy(buf + len, &h, sizeof(h));
        memcpy(buf + len + NLMSG_HDRLEN, &status, sizeof(status));
        len += NLMSG_HDRLEN + sizeof(int);
    }
    struct socktable_diag_reply again = {0};
    struct wss_parse_err err;
    CHECK(socktable_diag_parse(buf, len, seq, &again, &err) == (int)len);
    CHECK(again.sockets == r->sockets && again.is_done == r->is_done && again.error == r->error);
    free(buf);
}

/* Builds a request for ports read from the input; its shape follows from the port count. */
static void check_request(const uint8_t *data, size_t size)
{
    uint16_t ports[SOCKTABLE_DIAG_MAX_PORTS + 1];
    size_t n = size / 2 < SOCKTABLE_DIAG_MAX_PORTS + 1 ? size / 2 : SOCKTABLE_DIAG_MAX_PORTS + 1;
    int has_zero = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(&ports[i], data + 2 * i, sizeof(ports[i]));
        has_zero |= ports[i] == 0;
    }
    unsigned char buf[SOCKTABLE_DIAG_REQUEST_MAX];
    int family = size > 0 && (data[0] & 1) ? AF_INET6 : AF_INET;
    uint32_t states =
        size > 0 && (data[0] & 2) ? SOCKTABLE_DIAG_LISTEN : SOCKTABLE_DIAG_ESTABLISHED;
    size_t len = socktable_diag_request(buf, sizeof(buf), family, states, ports, n, 9);
    if (n == 0 || n > SOCKTABLE_DIAG_MAX_PORTS || has_zero) {
        CHECK(len == 0);
        return;
    }
    CHECK(len == NLMSG_HDRLEN + sizeof(struct inet_diag_req_v2) + NLA_HDRLEN + 16 * n - 4);
    CHECK(len <= sizeof(buf));
    struct nlmsghdr h;
    memcpy(&h, buf, sizeof(h));
    CHECK(h.nlmsg_len == len && h.nlmsg_seq == 9);
    /* The request is itself a well-formed SOCK_DIAG_BY_FAMILY message. */
    struct socktable_diag_reply r = {0};
    CHECK(socktable_diag_parse(buf, len, 9, &r, NULL) == (int)len);
    CHECK(r.sockets == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_request(data, size);
    if (size < sizeof(uint32_t))
        return 0;
    uint32_t seq = read_u32(data);
    const uint8_t *dgram = data + sizeof(uint32_t);
    size_t len = size - sizeof(uint32_t);

    struct socktable_diag_reply r = {0};
    struct wss_parse_err err;
    memset(&err, 0, sizeof(err));
    int rc = socktable_diag_parse(dgram, len, seq, &r, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset < len);
        size_t mlen = strnlen(err.msg, sizeof(err.msg));
        CHECK(mlen > 0 && mlen < sizeof(err.msg));
        CHECK(memchr(err.msg, '\n', mlen) == NULL);
        return 0;
    }
    CHECK(rc >= 0 && (size_t)rc <= len);
    /* It stops early only at the end of the reply. */
    CHECK((size_t)rc == len || r.is_done || r.error != 0);
    CHECK(r.error >= 0);
    /* Every message counted was consumed whole. */
    CHECK(r.sockets * MIN_RECORD + r.skipped * NLMSG_HDRLEN <= (uint64_t)rc);
    /* What was consumed parses alone to the same answer. */
    struct socktable_diag_reply prefix = {0};
    CHECK(socktable_diag_parse(dgram, (size_t)rc, seq, &prefix, &err) == rc);
    CHECK(prefix.sockets == r.sockets && prefix.skipped == r.skipped &&
          prefix.is_done == r.is_done && prefix.error == r.error);
    check_rebuilt_reply(&r, seq);
    return 0;
}
