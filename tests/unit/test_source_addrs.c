/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_addrs.c: --source-addrs items: single IPv4 and IPv6 addresses, IPv4 ranges, the
 * cap, and every refusal with its text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "source_addrs.h"

static const char *ntop(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    if (ss->ss_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, cap);
    return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, cap);
}

static void parses_addresses_and_ranges_in_order(void **state)
{
    (void)state;
    static const char *items[] = {"127.0.0.2", "::1", "[fe80::2]", "10.0.0.254-10.0.1.1"};
    static const char *want[] = {"127.0.0.2",  "::1",      "fe80::2", "10.0.0.254",
                                 "10.0.0.255", "10.0.1.0", "10.0.1.1"};
    struct sockaddr_storage out[16];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        struct wss_parse_err err = {0};
        int rc = source_addrs_parse(items[i], strlen(items[i]), out, 16, &n, &err);
        if (rc != (int)strlen(items[i]))
            fail_msg("%s: %s", items[i], err.msg);
    }
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++) {
        char buf[INET6_ADDRSTRLEN];
        assert_string_equal(ntop(&out[i], buf, sizeof(buf)), want[i]);
        /* port 0: the kernel picks one per connection */
        assert_int_equal(((struct sockaddr_in *)&out[i])->sin_port, 0);
    }
}

static void refuses_bad_items_with_offset_and_message(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t offset;
        const char *msg;
    } cases[] = {
        {"", 0, "empty source address"},
        {"localhost", 0, "\"localhost\" is not an IPv4 or IPv6 address"},
        {"127.0.0.256", 0, "\"127.0.0.256\" is not an IPv4 or IPv6 address"},
        {"[127.0.0.1]", 0, "\"[127.0.0.1]\" is not an IPv4 or IPv6 address"},
        {"127.0.0.1:80", 0, "\"127.0.0.1:80\" is not an IPv4 or IPv6 address"},
        {"::1-::2", 0, "range start \"::1\" is not an IPv4 address"},
        {"127.0.0.1-", 10, "range end \"\" is not an IPv4 address"},
        {"127.0.0.1-x", 10, "range end \"x\" is not an IPv4 address"},
        {"127.0.0.9-127.0.0.2", 10, "range end is before its start"},
        {"10.0.0.0-10.255.255.255", 0, "more than 16 source addresses"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sockaddr_storage out[16];
        size_t n = 3;
        struct wss_parse_err err = {0};
        int rc = source_addrs_parse(cases[i].text, strlen(cases[i].text), out, 16, &n, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("%s: accepted", cases[i].text);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fail_msg("%s: got \"%s\" at %zu, want \"%s\" at %zu", cases[i].text, err.msg,
                     err.offset, cases[i].msg, cases[i].offset);
        assert_int_equal(n, 3); /* unchanged on failure */
    }
}

static void a_full_table_refuses_one_more(void **state)
{
    (void)state;
    struct sockaddr_storage out[2];
    size_t n = 0;
    struct wss_parse_err err = {0};
    assert_int_equal(source_addrs_parse("127.0.0.2-127.0.0.3", 19, out, 2, &n, &err), 19);
    assert_int_equal(source_addrs_parse("127.0.0.4", 9, out, 2, &n, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "more than 2 source addresses");
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_addresses_and_ranges_in_order),
        cmocka_unit_test(refuses_bad_items_with_offset_and_message),
        cmocka_unit_test(a_full_table_refuses_one_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
