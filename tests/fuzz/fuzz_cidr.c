/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cidr.c: libFuzzer target for cidr_parse (tools/demo/cidr.c, --pod-cidr).
 * Does not: check messages word for word (tests/unit/test_cidr.c does).
 * Threads: libFuzzer's one thread. Invariants: consumed == len or INVALID with offset <= len and
 * a message; a parsed network has no host bits, formats back to exactly the input (the grammar
 * has one spelling per network) and parses again to itself; overlap is reflexive and symmetric. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "fuzz_check.h"

/* "255.255.255.255/32" and its NUL. */
#define CIDR_TEXT_LEN 19

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct cidr net = {.addr = 1, .prefix = 99};
    struct wss_parse_err err;
    int rc = cidr_parse(s, size, &net, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= size);
        CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        CHECK(net.addr == 1 && net.prefix == 99);
        return 0;
    }
    CHECK(rc >= 0 && (size_t)rc == size);
    CHECK(net.prefix <= 32);
    CHECK((net.addr & ~cidr_mask(net.prefix)) == 0);

    char ip[CIDR_IP_TEXT_LEN];
    char text[CIDR_TEXT_LEN];
    cidr_format_ip(net.addr, ip);
    int n = snprintf(text, sizeof(text), "%s/%u", ip, net.prefix);
    CHECK(n > 0 && (size_t)n < sizeof(text));
    CHECK((size_t)n == size && memcmp(text, s, size) == 0);
    struct cidr again;
    CHECK(cidr_parse(text, (size_t)n, &again, &err) == n);
    CHECK(again.addr == net.addr && again.prefix == net.prefix);

    CHECK(cidr_overlaps(net, net));
    struct cidr half = {.addr = net.addr, .prefix = net.prefix < 32 ? net.prefix + 1 : 32};
    CHECK(cidr_overlaps(net, half) && cidr_overlaps(half, net));
    return 0;
}
