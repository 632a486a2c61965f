/* SPDX-License-Identifier: Apache-2.0 */
/* test_socktable_diag.c: the sock_diag dump request (its layout, and its port filter run through
 * a model of the kernel's bytecode audit and interpreter) and the reply parser over hand-built
 * netlink messages: several per datagram, split over datagrams, NLMSG_ERROR, truncations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "socktable_diag.h"

#define SEQ 77

/* ---- The request ---- */

struct parsed_request {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
    struct nlattr attr;
    const unsigned char *bc;
    size_t bc_len;
};

static void split_request(const unsigned char *buf, size_t len, struct parsed_request *out)
{
    assert_true(len >= NLMSG_HDRLEN + sizeof(out->req) + NLA_HDRLEN);
    memcpy(&out->nlh, buf, sizeof(out->nlh));
    memcpy(&out->req, buf + NLMSG_HDRLEN, sizeof(out->req));
    memcpy(&out->attr, buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(out->req)), sizeof(out->attr));
    out->bc = buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(out->req)) + NLA_HDRLEN;
    out->bc_len = out->attr.nla_len - NLA_HDRLEN;
}

static struct inet_diag_bc_op op_at(const unsigned char *bc, size_t off)
{
    struct inet_diag_bc_op op;
    memcpy(&op, bc + off, sizeof(op));
    return op;
}

/* A model of what the kernel demands before it runs a filter: known ops, in-range 4-aligned
 * jumps, and every "no" target inside the program lying on the walk along "yes" branches. */
static bool is_on_yes_walk(const unsigned char *bc, size_t len, size_t target)
{
    size_t off = 0;
    while (off < len) {
        if (off == target)
            return true;
        struct inet_diag_bc_op op = op_at(bc, off);
        if (op.yes < 4 || op.yes % 4 != 0)
            return false;
        off += op.yes;
    }
    return false;
}

static bool kernel_would_accept(const unsigned char *bc, size_t len)
{
    size_t off = 0;
    while (off < len) {
        size_t left = len - off;
        if (left < sizeof(struct inet_diag_bc_op))
            return false;
        struct inet_diag_bc_op op = op_at(bc, off);
        size_t min = sizeof(op);
        if (op.code == INET_DIAG_BC_S_COND || op.code == INET_DIAG_BC_D_COND) {
            min += sizeof(struct inet_diag_hostcond);
            if (left < min)
                return false;
            struct inet_diag_hostcond host;
            memcpy(&host, bc + off + sizeof(op), sizeof(host));
            if (host.family != AF_UNSPEC || host.prefix_len != 0)
                return false; /* the only kind this filter should use */
        } else if (op.code != INET_DIAG_BC_JMP && op.code != INET_DIAG_BC_NOP) {
            return false;
        }
        if (op.code != INET_DIAG_BC_NOP) {
            if (op.no < min || op.no > left + 4 || op.no % 4 != 0)
                return false;
            if (op.no < left && !is_on_yes_walk(bc, len, off + op.no))
                return false;
        }
        if (op.yes < min || op.yes > left + 4 || op.yes % 4 != 0)
            return false;
        off += op.yes;
    }
    return off == len;
}

/* A model of the kernel's interpreter for a socket with local port sport: the program accepts
 * when a branch lands exactly on its end. */
static bool kernel_would_match(const unsigned char *bc, size_t len, uint16_t sport)
{
    long left = (long)len;
    size_t off = 0;
    for (size_t steps = 0; left > 0 && steps < len; steps++) {
        struct inet_diag_bc_op op = op_at(bc, off);
        bool yes = true;
        if (op.code == INET_DIAG_BC_JMP) {
            yes = false;
        } else if (op.code == INET_DIAG_BC_S_COND) {
            struct inet_diag_hostcond host;
            memcpy(&host, bc + off + sizeof(op), sizeof(host));
            yes = host.port == -1 || host.port == sport;
        }
        size_t step = yes ? op.yes : op.no;
        left -= (long)step;
        off += step;
    }
    return left == 0;
}

static void request_for_one_port_has_header_states_and_one_condition(void **state)
{
    (void)state;
    unsigned char buf[SOCKTABLE_DIAG_REQUEST_MAX];
    const uint16_t ports[] = {8080};
    size_t len = socktable_diag_request(buf, sizeof(buf), AF_INET6, SOCKTABLE_DIAG_ESTABLISHED,
                                        ports, 1, SEQ);
    assert_int_equal(len, 16 + 56 + 4 + 12);
    struct parsed_request r;
    split_request(buf, len, &r);
    assert_int_equal(r.nlh.nlmsg_len, len);
    assert_int_equal(r.nlh.nlmsg_type, SOCK_DIAG_BY_FAMILY);
    assert_int_equal(r.nlh.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(r.nlh.nlmsg_seq, SEQ);
    assert_int_equal(r.req.sdiag_family, AF_INET6);
    assert_int_equal(r.req.sdiag_protocol, IPPROTO_TCP);
    assert_int_equal(r.req.idiag_states, 1U << 1); /* TCP_ESTABLISHED only */
    len = socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_LISTEN, ports, 1, SEQ);
    struct parsed_request l;
    split_request(buf, len, &l);
    assert_int_equal(l.req.sdiag_family, AF_INET);
    assert_int_equal(l.req.idiag_states, 1U << 10); /* TCP_LISTEN only */
    assert_int_equal(socktable_diag_request(buf, sizeof(buf), AF_INET, 0, ports, 1, SEQ), 0);
    assert_int_equal(r.req.idiag_ext, 0);
    assert_int_equal(r.attr.nla_type, INET_DIAG_REQ_BYTECODE);
    assert_int_equal(r.bc_len, 12);
    struct inet_diag_bc_op op = op_at(r.bc, 0);
    assert_int_equal(op.code, INET_DIAG_BC_S_COND);
    assert_int_equal(op.yes, 12);
    assert_int_equal(op.no, 16);
    struct inet_diag_hostcond host;
    memcpy(&host, r.bc + 4, sizeof(host));
    assert_int_equal(host.family, AF_UNSPEC);
    assert_int_equal(host.prefix_len, 0);
    assert_int_equal(host.port, 8080);
}

static void filter_passes_audit_and_matches_exactly_the_ports(void **state)
{
    (void)state;
    static const uint16_t one[] = {443};
    static const uint16_t two[] = {80, 443};
    static const uint16_t edges[] = {65535, 1, 65535};
    uint16_t many[SOCKTABLE_DIAG_MAX_PORTS];
    for (size_t i = 0; i < SOCKTABLE_DIAG_MAX_PORTS; i++)
        many[i] = (uint16_t)(1000 + 7 * i);
    const struct {
        const uint16_t *ports;
        size_t n;
    } cases[] = {{one, 1}, {two, 2}, {edges, 3}, {many, SOCKTABLE_DIAG_MAX_PORTS}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        unsigned char buf[SOCKTABLE_DIAG_REQUEST_MAX];
        size_t len = socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_ESTABLISHED,
                                            cases[c].ports, cases[c].n, SEQ);
        assert_true(len > 0);
        struct parsed_request r;
        split_request(buf, len, &r);
        assert_int_equal(r.nlh.nlmsg_len, len);
        assert_true(kernel_would_accept(r.bc, r.bc_len));
        for (uint32_t port = 0; port <= 65535; port++) {
            bool is_wanted = false;
            for (size_t i = 0; i < cases[c].n; i++)
                is_wanted = is_wanted || cases[c].ports[i] == port;
            if (kernel_would_match(r.bc, r.bc_len, (uint16_t)port) != is_wanted)
                fail_msg("case %zu: port %u: match %d, want %d", c, port, !is_wanted, is_wanted);
        }
    }
}

static void request_refuses_bad_arguments(void **state)
{
    (void)state;
    unsigned char buf[SOCKTABLE_DIAG_REQUEST_MAX];
    uint16_t too_many[SOCKTABLE_DIAG_MAX_PORTS + 1];
    for (size_t i = 0; i < SOCKTABLE_DIAG_MAX_PORTS + 1; i++)
        too_many[i] = (uint16_t)(i + 1);
    const uint16_t good[] = {80, 443};
    const uint16_t zero[] = {80, 0};
    size_t need =
        socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_ESTABLISHED, good, 2, SEQ);
    assert_int_equal(need, 16 + 56 + 4 + 28);
    assert_int_equal(
        socktable_diag_request(buf, need, AF_INET, SOCKTABLE_DIAG_ESTABLISHED, good, 2, SEQ), need);
    assert_int_equal(
        socktable_diag_request(buf, need - 1, AF_INET, SOCKTABLE_DIAG_ESTABLISHED, good, 2, SEQ),
        0);
    assert_int_equal(
        socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_ESTABLISHED, good, 0, SEQ),
        0);
    assert_int_equal(
        socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_ESTABLISHED, zero, 2, SEQ),
        0);
    assert_int_equal(
        socktable_diag_request(buf, sizeof(buf), AF_UNIX, SOCKTABLE_DIAG_ESTABLISHED, good, 2, SEQ),
        0);
    assert_int_equal(socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_ESTABLISHED,
                                            too_many, SOCKTABLE_DIAG_MAX_PORTS + 1, SEQ),
                     0);
    assert_true(socktable_diag_request(buf, sizeof(buf), AF_INET, SOCKTABLE_DIAG_ESTABLISHED,
                                       too_many, SOCKTABLE_DIAG_MAX_PORTS, SEQ) > 0);
}

/* ---- The reply ---- */

/* Appends one message; payload_len bytes of payload, the first four being status if asked. */
static void put_msg(unsigned char *buf, size_t *off, uint16_t type, uint32_t seq,
                    size_t payload_len, int status)
{
    struct nlmsghdr nlh = {
        .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + payload_len),
        .nlmsg_type = type,
        .nlmsg_flags = NLM_F_MULTI,
        .nlmsg_seq = seq,
        .nlmsg_pid = 4242,
    };
    memset(buf + *off, 0, NLMSG_ALIGN(nlh.nlmsg_len));
    memcpy(buf + *off, &nlh, sizeof(nlh));
    if (payload_len >= sizeof(status))
        memcpy(buf + *off + NLMSG_HDRLEN, &status, sizeof(status));
    *off += NLMSG_ALIGN(nlh.nlmsg_len);
}

/* A socket record as the kernel sends it: inet_diag_msg and an 8-byte attribute after it. */
#define RECORD_LEN (sizeof(struct inet_diag_msg) + 8)

static void put_record(unsigned char *buf, size_t *off, uint32_t seq)
{
    put_msg(buf, off, SOCK_DIAG_BY_FAMILY, seq, RECORD_LEN, 0);
}

static void counts_records_until_done_in_one_datagram(void **state)
{
    (void)state;
    unsigned char buf[1024];
    size_t len = 0;
    for (int i = 0; i < 3; i++)
        put_record(buf, &len, SEQ);
    put_msg(buf, &len, NLMSG_DONE, SEQ, sizeof(int), 0);
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), (int)len);
    assert_int_equal(reply.sockets, 3);
    assert_true(reply.is_done);
    assert_int_equal(reply.error, 0);
    assert_int_equal(reply.skipped, 0);
}

static void counts_across_datagrams_of_a_multipart_reply(void **state)
{
    (void)state;
    unsigned char first[1024], second[1024];
    size_t len1 = 0, len2 = 0;
    put_record(first, &len1, SEQ);
    put_record(first, &len1, SEQ);
    put_record(second, &len2, SEQ);
    put_msg(second, &len2, NLMSG_DONE, SEQ, sizeof(int), 0);
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(first, len1, SEQ, &reply, &err), (int)len1);
    assert_int_equal(reply.sockets, 2);
    assert_false(reply.is_done);
    assert_int_equal(socktable_diag_parse(second, len2, SEQ, &reply, &err), (int)len2);
    assert_int_equal(reply.sockets, 3);
    assert_true(reply.is_done);
}

static void stops_after_done_leaving_later_bytes(void **state)
{
    (void)state;
    unsigned char buf[1024];
    size_t len = 0;
    put_record(buf, &len, SEQ);
    put_msg(buf, &len, NLMSG_DONE, SEQ, sizeof(int), 0);
    size_t done_end = len;
    put_record(buf, &len, SEQ);
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), (int)done_end);
    assert_int_equal(reply.sockets, 1);
}

static void empty_dump_is_done_with_zero(void **state)
{
    (void)state;
    unsigned char buf[64];
    size_t len = 0;
    put_msg(buf, &len, NLMSG_DONE, SEQ, 0, 0); /* a DONE without its status is a clean end */
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), (int)len);
    assert_true(reply.is_done);
    assert_int_equal(reply.sockets, 0);
    assert_int_equal(socktable_diag_parse(buf, 0, SEQ, &reply, &err), 0);
}

static void nlmsg_error_reports_the_errno_and_stops(void **state)
{
    (void)state;
    const int codes[] = {EPERM, EACCES, EINVAL, ENOENT};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        unsigned char buf[256];
        size_t len = 0;
        put_msg(buf, &len, NLMSG_ERROR, SEQ, sizeof(struct nlmsgerr), -codes[i]);
        size_t err_end = len;
        put_record(buf, &len, SEQ);
        struct socktable_diag_reply reply = {0};
        struct wss_parse_err err;
        assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), (int)err_end);
        assert_int_equal(reply.error, codes[i]);
        assert_false(reply.is_done);
        assert_int_equal(reply.sockets, 0);
    }
}

static void failed_dump_status_in_done_is_reported(void **state)
{
    (void)state;
    unsigned char buf[256];
    size_t len = 0;
    put_record(buf, &len, SEQ);
    put_msg(buf, &len, NLMSG_DONE, SEQ, sizeof(int), -ENOBUFS);
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), (int)len);
    assert_true(reply.is_done);
    assert_int_equal(reply.error, ENOBUFS);
}

static void acks_noops_and_other_sequences_are_not_counted(void **state)
{
    (void)state;
    unsigned char buf[1024];
    size_t len = 0;
    put_msg(buf, &len, NLMSG_ERROR, SEQ, sizeof(struct nlmsgerr), 0); /* an ack */
    put_msg(buf, &len, NLMSG_NOOP, SEQ, 0, 0);
    put_record(buf, &len, SEQ - 1);                                /* a stale dump's record */
    put_msg(buf, &len, NLMSG_DONE, SEQ - 1, sizeof(int), 0);       /* and its end */
    put_msg(buf, &len, NLMSG_ERROR, SEQ - 1, sizeof(int), -EPERM); /* and an old error */
    put_record(buf, &len, SEQ);
    put_msg(buf, &len, NLMSG_DONE, SEQ, sizeof(int), 0);
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), (int)len);
    assert_int_equal(reply.sockets, 1);
    assert_int_equal(reply.skipped, 3);
    assert_int_equal(reply.error, 0);
    assert_true(reply.is_done);
}

static void last_message_may_lack_its_padding(void **state)
{
    (void)state;
    unsigned char buf[64];
    size_t len = 0;
    put_msg(buf, &len, NLMSG_NOOP, SEQ, 1, 0);
    len = NLMSG_HDRLEN + 1; /* 17 bytes: no padding after the one payload byte */
    struct socktable_diag_reply reply = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_diag_parse(buf, len, SEQ, &reply, &err), 17);
}

static void rejects_malformed_replies_with_reason_and_offset(void **state)
{
    (void)state;
    struct {
        const char *name;
        uint16_t type;
        size_t payload_len;
        int status;
        long nlmsg_len; /* -1: as put_msg wrote it */
        size_t cut;     /* bytes removed from the end; */
        const char *msg;
    } cases[] = {
        {"header cut", SOCK_DIAG_BY_FAMILY, RECORD_LEN, 0, -1, RECORD_LEN + 6,
         "message header truncated: 10 bytes left, need 16"},
        {"length below header", NLMSG_NOOP, 0, 0, 8, 0,
         "message length 8 is below the header's 16"},
        {"body cut", SOCK_DIAG_BY_FAMILY, RECORD_LEN, 0, -1, 40,
         "message truncated: length 96 but 56 bytes left"},
        {"short record", SOCK_DIAG_BY_FAMILY, 20, 0, -1, 0,
         "socket record of 20 bytes is shorter than inet_diag_msg (72)"},
        {"unknown type", 99, 4, 0, -1, 0, "unexpected message type 99"},
        {"overrun", NLMSG_OVERRUN, 4, 0, -1, 0, "unexpected message type 4"},
        {"error without code", NLMSG_ERROR, 2, 0, -1, 0,
         "error message of 2 bytes has no error code"},
        {"positive error", NLMSG_ERROR, 20, 5, -1, 0, "error code 5 is not 0 or a negative errno"},
        {"INT_MIN error", NLMSG_ERROR, 20, -2147483647 - 1, -1, 0,
         "error code -2147483648 is not 0 or a negative errno"},
        {"positive done", NLMSG_DONE, 4, 7, -1, 0, "dump status 7 is not 0 or a negative errno"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char buf[512];
        size_t len = 0;
        put_record(buf, &len, SEQ); /* a good first message: the offset must point past it */
        size_t bad_at = len;
        put_msg(buf, &len, cases[i].type, SEQ, cases[i].payload_len, cases[i].status);
        if (cases[i].nlmsg_len >= 0) {
            uint32_t v = (uint32_t)cases[i].nlmsg_len;
            memcpy(buf + bad_at, &v, sizeof(v));
        }
        len -= cases[i].cut;
        struct socktable_diag_reply reply = {0};
        struct wss_parse_err err = {0};
        int rc = socktable_diag_parse(buf, len, SEQ, &reply, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("%s: rc %d, want invalid", cases[i].name, rc);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(err.offset, bad_at);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_for_one_port_has_header_states_and_one_condition),
        cmocka_unit_test(filter_passes_audit_and_matches_exactly_the_ports),
        cmocka_unit_test(request_refuses_bad_arguments),
        cmocka_unit_test(counts_records_until_done_in_one_datagram),
        cmocka_unit_test(counts_across_datagrams_of_a_multipart_reply),
        cmocka_unit_test(stops_after_done_leaving_later_bytes),
        cmocka_unit_test(empty_dump_is_done_with_zero),
        cmocka_unit_test(nlmsg_error_reports_the_errno_and_stops),
        cmocka_unit_test(failed_dump_status_in_done_is_reported),
        cmocka_unit_test(acks_noops_and_other_sequences_are_not_counted),
        cmocka_unit_test(last_message_may_lack_its_padding),
        cmocka_unit_test(rejects_malformed_replies_with_reason_and_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
