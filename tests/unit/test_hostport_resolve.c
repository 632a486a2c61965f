/* SPDX-License-Identifier: Apache-2.0 */
/* test_hostport_resolve.c: literals, the wildcard and the name "localhost" become socket
 * addresses carrying the port; bad literals are refused. No DNS server is needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "wsscale/hostport.h"
#include "wsscale/hostport_resolve.h"

static struct wss_hostport parse(const char *text)
{
    struct wss_hostport hp;
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, NULL), (int)strlen(text));
    return hp;
}

static void literals_and_wildcard_keep_family_address_and_port(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    char text[WSS_HOSTPORT_TEXT_CAP];

    struct wss_hostport hp = parse("127.0.0.2:8080");
    assert_int_equal(wss_hostport_resolve(&hp, AF_INET6, &ss, &len), 0);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_true(wss_hostport_format_sockaddr((struct sockaddr *)&ss, text, sizeof(text)) > 0);
    assert_string_equal(text, "127.0.0.2:8080");

    hp = parse("[::1]:6443");
    assert_int_equal(wss_hostport_resolve(&hp, AF_INET, &ss, &len), 0);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_true(wss_hostport_format_sockaddr((struct sockaddr *)&ss, text, sizeof(text)) > 0);
    assert_string_equal(text, "[::1]:6443");

    hp = parse(":9102");
    assert_int_equal(wss_hostport_resolve(&hp, AF_INET6, &ss, &len), 0);
    assert_true(wss_hostport_format_sockaddr((struct sockaddr *)&ss, text, sizeof(text)) > 0);
    assert_string_equal(text, "[::]:9102");
}

static void localhost_resolves_to_a_loopback_address_with_the_port(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    struct wss_hostport hp = parse("localhost:18080");
    assert_int_equal(wss_hostport_resolve(&hp, AF_INET, &ss, &len), 0);
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        assert_int_equal(len, sizeof(*sin));
        assert_int_equal(ntohs(sin->sin_port), 18080);
        assert_int_equal(ntohl(sin->sin_addr.s_addr) >> 24, 127);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
        assert_int_equal(ss.ss_family, AF_INET6);
        assert_int_equal(ntohs(sin6->sin6_port), 18080);
        assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
    }
}

static void refuses_a_wildcard_of_an_unknown_family(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    struct wss_hostport hp = parse(":80");
    assert_int_equal(wss_hostport_resolve(&hp, AF_UNIX, &ss, &len), -EINVAL);
    /* A hand-made literal that the parser would never produce. */
    struct wss_hostport bad = {.host = "1.2.3", .host_len = 5, .port = 1, .kind = WSS_HOST_IPV4};
    assert_int_equal(wss_hostport_resolve(&bad, AF_INET, &ss, &len), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literals_and_wildcard_keep_family_address_and_port),
        cmocka_unit_test(localhost_resolves_to_a_loopback_address_with_the_port),
        cmocka_unit_test(refuses_a_wildcard_of_an_unknown_family),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
