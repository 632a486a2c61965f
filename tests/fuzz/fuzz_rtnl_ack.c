/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_rtnl_ack.c: libFuzzer target for rtnl_ack_scan (tools/demo/rtnl_ack.c), the walk over a
 * datagram read from the kernel's rtnetlink socket.
 * Does not: check values word for word (tests/unit/test_rtnl_ack.c does).
 * Threads: libFuzzer's one thread. Invariants: no read past the datagram; the result is 1, 0 or
 * -EBADMSG; an ack's error is never positive; the walk does not depend on the ifindex pointer; a
 * well-formed message for another sequence number put in front changes nothing. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "rtnl_ack.h"

#define SEQ 7

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The socket reads into a buffer aligned for nlmsghdr; so does the target. */
    size_t front = NLMSG_HDRLEN;
    uint32_t *buf = malloc(front + size + sizeof(uint32_t));
    CHECK(buf != NULL);
    char *datagram = (char *)buf + front;
    if (size > 0)
        memcpy(datagram, data, size);

    int error = 1, ifindex = -1;
    int rc = rtnl_ack_scan(datagram, size, SEQ, &error, &ifindex);
    CHECK(rc == 1 || rc == 0 || rc == -EBADMSG);
    if (rc == 1)
        CHECK(error <= 0);
    else
        CHECK(error == 1);

    int error2 = 1;
    CHECK(rtnl_ack_scan(datagram, size, SEQ, &error2, NULL) == rc && error2 == error);

    struct nlmsghdr other = {
        .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP, .nlmsg_seq = SEQ + 1};
    memcpy(buf, &other, sizeof(other));
    int error3 = 1, ifindex3 = -1;
    CHECK(rtnl_ack_scan(buf, front + size, SEQ, &error3, &ifindex3) == rc);
    CHECK(error3 == error && ifindex3 == ifindex);
    free(buf);
    return 0;
}
