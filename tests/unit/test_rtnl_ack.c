/* SPDX-License-Identifier: Apache-2.0 */
/* test_rtnl_ack.c: finding a request's ack in a datagram: success and errno acks, the new link's
 * index on the way, other sequence numbers passed over, and every impossible length refused. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtnl_ack.h"

#define SEQ 7

/* A datagram as the kernel writes it: messages one after another, each padded to 4 bytes. */
struct datagram {
    union {
        struct nlmsghdr h;
        char buf[1024];
    } u;
    size_t len;
};

static struct nlmsghdr *put(struct datagram *d, uint16_t type, uint32_t seq, size_t payload)
{
    struct nlmsghdr *m = (struct nlmsghdr *)(void *)(d->u.buf + d->len);
    memset(m, 0, NLMSG_SPACE(payload));
    m->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
    m->nlmsg_type = type;
    m->nlmsg_seq = seq;
    d->len += NLMSG_SPACE(payload);
    return m;
}

static void put_ack(struct datagram *d, uint32_t seq, int error)
{
    struct nlmsgerr *e = NLMSG_DATA(put(d, NLMSG_ERROR, seq, sizeof(struct nlmsgerr)));
    e->error = error;
}

static void put_newlink(struct datagram *d, uint32_t seq, int ifindex)
{
    struct ifinfomsg *ifi = NLMSG_DATA(put(d, RTM_NEWLINK, seq, sizeof(struct ifinfomsg)));
    ifi->ifi_index = ifindex;
}

static void ack_of_the_request_gives_its_error(void **state)
{
    (void)state;
    static const int errors[] = {0, -EEXIST, -EPERM, -ENODEV};
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        struct datagram d = {0};
        put_ack(&d, SEQ, errors[i]);
        int error = 1;
        assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, NULL), 1);
        assert_int_equal(error, errors[i]);
    }
}

static void positive_error_is_a_protocol_error(void **state)
{
    (void)state;
    struct datagram d = {0};
    put_ack(&d, SEQ, 5);
    int error = 0;
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, NULL), 1);
    assert_int_equal(error, -EPROTO);
}

static void new_link_before_the_ack_gives_its_index(void **state)
{
    (void)state;
    struct datagram d = {0};
    put_newlink(&d, SEQ - 1, 3); /* another request's answer: not ours */
    put_newlink(&d, SEQ, 42);
    put_ack(&d, SEQ, 0);
    int error = 1, ifindex = -1;
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, &ifindex), 1);
    assert_int_equal(error, 0);
    assert_int_equal(ifindex, 42);
}

static void other_sequence_numbers_are_passed_over(void **state)
{
    (void)state;
    struct datagram d = {0};
    put_ack(&d, SEQ - 1, -EEXIST);
    put_newlink(&d, SEQ + 1, 9);
    int error = 1, ifindex = -1;
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, &ifindex), 0);
    assert_int_equal(error, 1);
    assert_int_equal(ifindex, -1);
    put_ack(&d, SEQ, -ENOENT);
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, &ifindex), 1);
    assert_int_equal(error, -ENOENT);
    assert_int_equal(ifindex, -1);
}

static void last_message_may_omit_its_padding(void **state)
{
    (void)state;
    struct datagram d = {0};
    put_newlink(&d, SEQ, 4);
    struct nlmsghdr *m = put(&d, NLMSG_ERROR, SEQ, sizeof(struct nlmsgerr) + 3);
    d.len -= NLMSG_ALIGN(m->nlmsg_len) - m->nlmsg_len;
    int error = 1, ifindex = 0;
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, &ifindex), 1);
    assert_int_equal(error, 0);
    assert_int_equal(ifindex, 4);
}

static void impossible_lengths_are_refused(void **state)
{
    (void)state;
    int error = 1;
    struct datagram d = {0};
    put_ack(&d, SEQ, 0);
    d.u.h.nlmsg_len = (uint32_t)d.len + 4; /* past the datagram */
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, NULL), -EBADMSG);
    d.u.h.nlmsg_len = sizeof(struct nlmsghdr) - 1; /* shorter than its own header */
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, NULL), -EBADMSG);
    d.u.h.nlmsg_len = NLMSG_LENGTH(sizeof(int)); /* an ack too short for its struct */
    assert_int_equal(rtnl_ack_scan(d.u.buf, d.len, SEQ, &error, NULL), -EBADMSG);
    assert_int_equal(error, 1);
}

static void short_datagrams_hold_no_ack(void **state)
{
    (void)state;
    struct datagram d = {0};
    put_ack(&d, SEQ, 0);
    int error = 1;
    assert_int_equal(rtnl_ack_scan(d.u.buf, 0, SEQ, &error, NULL), 0);
    assert_int_equal(rtnl_ack_scan(d.u.buf, sizeof(struct nlmsghdr) - 1, SEQ, &error, NULL), 0);
    assert_int_equal(error, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ack_of_the_request_gives_its_error),
        cmocka_unit_test(positive_error_is_a_protocol_error),
        cmocka_unit_test(new_link_before_the_ack_gives_its_index),
        cmocka_unit_test(other_sequence_numbers_are_passed_over),
        cmocka_unit_test(last_message_may_omit_its_padding),
        cmocka_unit_test(impossible_lengths_are_refused),
        cmocka_unit_test(short_datagrams_hold_no_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
