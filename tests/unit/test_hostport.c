/* SPDX-License-Identifier: Apache-2.0 */
/* test_hostport.c: host:port text, its errors, and the socket addresses made from literals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wsscale/hostport.h"

struct good {
    const char *text;
    enum wss_host_kind kind;
    const char *host;
    uint16_t port;
};

struct bad {
    const char *text;
    size_t offset;
    const char *msg;
};

static void parses_every_accepted_form(void **state)
{
    (void)state;
    static const struct good cases[] = {
        {"0.0.0.0:8080", WSS_HOST_IPV4, "0.0.0.0", 8080},
        {"127.0.0.1:0", WSS_HOST_IPV4, "127.0.0.1", 0},
        {"255.255.255.255:65535", WSS_HOST_IPV4, "255.255.255.255", 65535},
        {"[::1]:6443", WSS_HOST_IPV6, "::1", 6443},
        {"[::]:80", WSS_HOST_IPV6, "::", 80},
        {"[2001:db8::1]:65535", WSS_HOST_IPV6, "2001:db8::1", 65535},
        {"[::ffff:10.0.0.1]:1", WSS_HOST_IPV6, "::ffff:10.0.0.1", 1},
        {":9102", WSS_HOST_ANY, "", 9102},
        {":0", WSS_HOST_ANY, "", 0},
        {"localhost:80", WSS_HOST_NAME, "localhost", 80},
        {"redis.default.svc:6379", WSS_HOST_NAME, "redis.default.svc", 6379},
        {"redis.default.svc.cluster.local.:6379", WSS_HOST_NAME, "redis.default.svc.cluster.local.",
         6379},
        {"Adapter-0.WSSCALE:443", WSS_HOST_NAME, "Adapter-0.WSSCALE", 443},
        {"xn--bcher-kva.example:443", WSS_HOST_NAME, "xn--bcher-kva.example", 443},
        {"1.2.3.4a:80", WSS_HOST_NAME, "1.2.3.4a", 80},
        {"host:0080", WSS_HOST_NAME, "host", 80},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_hostport hp;
        struct wss_parse_err err = {0};
        size_t len = strlen(cases[i].text);
        int rc = wss_hostport_parse(cases[i].text, len, &hp, &err);
        if (rc != (int)len)
            fail_msg("%s: rc %d, %s", cases[i].text, rc, err.msg);
        assert_int_equal(hp.kind, cases[i].kind);
        assert_int_equal(hp.port, cases[i].port);
        assert_int_equal(hp.host_len, strlen(cases[i].host));
        assert_memory_equal(hp.host, cases[i].host, hp.host_len);
        /* borrowed from the input, not copied */
        assert_true(hp.host >= cases[i].text && hp.host + hp.host_len <= cases[i].text + len);
    }
}

static void rejects_bad_addresses_with_offset_and_message(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"", 0, "empty address"},
        {"localhost", 9, "missing ':port'"},
        {"::1:80", 0, "IPv6 addresses need brackets, as in [::1]:6443"},
        {"fe80::1:443", 4, "IPv6 addresses need brackets, as in [::1]:6443"},
        {"[::1]", 5, "missing ':port' after ']'"},
        {"[::1]80", 5, "expected ':' after ']', found '8'"},
        {"[::1:80", 7, "missing ']' after IPv6 address"},
        {"[]:80", 1, "empty IPv6 address in brackets"},
        {"[fe80::1%eth0]:80", 8, "IPv6 zone identifiers are not supported"},
        {"[::g]:80", 3, "invalid character 'g' in IPv6 address"},
        {"[1.2.3.4]:80", 1, "\"1.2.3.4\" is not a valid IPv6 address"},
        {"[1::2::3]:80", 1, "\"1::2::3\" is not a valid IPv6 address"},
        {"256.0.0.1:80", 0, "\"256.0.0.1\" is not a valid IPv4 address"},
        {"1.2.3:80", 0, "\"1.2.3\" is not a valid IPv4 address"},
        {"999:80", 0, "\"999\" is not a valid IPv4 address"},
        {"1.2.3.4.:80", 0, "\"1.2.3.4.\" is not a valid IPv4 address"},
        {"host:", 5, "missing port after ':'"},
        {"[::1]:", 6, "missing port after ':'"},
        {"host:65536", 5, "port 65536 is out of range 0-65535"},
        {"host:99999999999999999999", 5, "port 99999999999999999999 is out of range 0-65535"},
        {"host:8o", 6, "invalid character 'o' in port"},
        {"host:-1", 5, "invalid character '-' in port"},
        {"host:80 ", 7, "invalid character ' ' in port"},
        {"my_host:80", 2, "invalid character '_' in host name"},
        {"ho st:80", 2, "invalid character ' ' in host name"},
        {"h\xffst:1", 1, "invalid character \\xff in host name"},
        {"a..b:80", 2, "empty label in host name"},
        {".a:80", 0, "empty label in host name"},
        {"-a.b:80", 0, "host name label \"-a\" starts or ends with '-'"},
        {"a.b-:80", 2, "host name label \"b-\" starts or ends with '-'"},
        {"a.123:80", 2, "the last label of a host name cannot be all digits"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_hostport hp = {.port = 7};
        struct wss_parse_err err = {0};
        int rc = wss_hostport_parse(cases[i].text, strlen(cases[i].text), &hp, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("%s: accepted", cases[i].text);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fail_msg("%s: got \"%s\" at %zu, want \"%s\" at %zu", cases[i].text, err.msg,
                     err.offset, cases[i].msg, cases[i].offset);
        assert_int_equal(hp.port, 7); /* untouched on failure */
    }
}

static void enforces_dns_length_limits(void **state)
{
    (void)state;
    char text[WSS_HOSTPORT_NAME_MAX + 16];
    struct wss_hostport hp;
    struct wss_parse_err err;

    memset(text, 'a', 63); /* a 63-byte label is fine, 64 is not */
    memcpy(text + 63, ":1", 3);
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, &err), (int)strlen(text));
    memset(text, 'a', 64);
    memcpy(text + 64, ":1", 3);
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "host name label longer than 63 characters");

    /* 4 labels of 63 plus dots = 255 > 253; 3 labels of 63 and one of 61 = 253 is fine */
    for (int l = 0; l < 4; l++) {
        memset(text + l * 64, 'b', 63);
        text[l * 64 + 63] = '.';
    }
    memcpy(text + 255, ":1", 3);
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "host name longer than 253 characters");
    memcpy(text + 253, ":1", 3);
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, &err), (int)strlen(text));
    assert_int_equal(hp.host_len, 253);
}

static void reads_only_len_bytes(void **state)
{
    (void)state;
    struct wss_hostport hp;
    assert_int_equal(wss_hostport_parse("host:80xyz", 7, &hp, NULL), 7);
    assert_int_equal(hp.port, 80);
    assert_int_equal(wss_hostport_parse("[::1]:1]", 7, &hp, NULL), 7);
}

static void parse_to_sockaddr(const char *text, int any_family, struct sockaddr_storage *ss,
                              socklen_t *len, int want_rc)
{
    struct wss_hostport hp;
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, NULL), (int)strlen(text));
    assert_int_equal(wss_hostport_to_sockaddr(&hp, any_family, ss, len), want_rc);
}

static void literals_become_socket_addresses(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len = 0;

    parse_to_sockaddr("127.0.0.1:8080", AF_INET6, &ss, &len, 0);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
    assert_int_equal(len, sizeof(*sin));
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohs(sin->sin_port), 8080);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);

    parse_to_sockaddr("[::1]:6443", AF_INET, &ss, &len, 0);
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
    assert_int_equal(len, sizeof(*sin6));
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(sin6->sin6_port), 6443);
    assert_memory_equal(&sin6->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback));

    parse_to_sockaddr(":9102", AF_INET, &ss, &len, 0);
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_ANY);
    assert_int_equal(ntohs(sin->sin_port), 9102);

    parse_to_sockaddr(":9102", AF_INET6, &ss, &len, 0);
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_memory_equal(&sin6->sin6_addr, &in6addr_any, sizeof(in6addr_any));

    parse_to_sockaddr(":9102", AF_UNIX, &ss, &len, -EINVAL);
    parse_to_sockaddr("localhost:80", AF_INET, &ss, &len, -EINVAL);
}

static void formats_socket_addresses_as_parseable_text(void **state)
{
    (void)state;
    static const char *const texts[] = {"127.0.0.1:8080", "[::1]:6443", "0.0.0.0:0",
                                        "[2001:db8::1]:65535"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        char buf[WSS_HOSTPORT_TEXT_CAP];
        parse_to_sockaddr(texts[i], AF_INET, &ss, &len, 0);
        int n = wss_hostport_format_sockaddr((const struct sockaddr *)&ss, buf, sizeof(buf));
        assert_string_equal(buf, texts[i]);
        assert_int_equal(n, strlen(texts[i]));
    }
    struct sockaddr_storage ss;
    socklen_t len;
    char buf[WSS_HOSTPORT_TEXT_CAP];
    parse_to_sockaddr("[::1]:6443", AF_INET, &ss, &len, 0);
    assert_int_equal(wss_hostport_format_sockaddr((const struct sockaddr *)&ss, buf, 10), -ENOSPC);
    assert_string_equal(buf, "");
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    assert_int_equal(wss_hostport_format_sockaddr((const struct sockaddr *)&sun, buf, sizeof(buf)),
                     -EAFNOSUPPORT);
}

static void port_zero_binds_loopback_and_kernel_choice_formats_back(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    parse_to_sockaddr("127.0.0.1:0", AF_INET, &ss, &len, 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (const struct sockaddr *)&ss, len), 0);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&bound, &blen), 0);
    close(fd);
    char text[WSS_HOSTPORT_TEXT_CAP];
    int n = wss_hostport_format_sockaddr((const struct sockaddr *)&bound, text, sizeof(text));
    assert_true(n > 0);
    struct wss_hostport hp;
    assert_int_equal(wss_hostport_parse(text, (size_t)n, &hp, NULL), n);
    assert_int_equal(hp.kind, WSS_HOST_IPV4);
    assert_int_not_equal(hp.port, 0);
}

static void host_copies_out_as_a_c_string(void **state)
{
    (void)state;
    const char *text = "redis.default.svc:6379";
    struct wss_hostport hp;
    assert_int_equal(wss_hostport_parse(text, strlen(text), &hp, NULL), (int)strlen(text));
    char buf[WSS_HOSTPORT_HOST_CAP];
    assert_int_equal(wss_hostport_host_cstr(&hp, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "redis.default.svc");
    assert_int_equal(wss_hostport_host_cstr(&hp, buf, 17), -ENOSPC);
    assert_int_equal(wss_hostport_host_cstr(&hp, buf, 18), 0);
    assert_int_equal(wss_hostport_parse(":1", 2, &hp, NULL), 2);
    assert_int_equal(wss_hostport_host_cstr(&hp, buf, 1), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_accepted_form),
        cmocka_unit_test(rejects_bad_addresses_with_offset_and_message),
        cmocka_unit_test(enforces_dns_length_limits),
        cmocka_unit_test(reads_only_len_bytes),
        cmocka_unit_test(literals_become_socket_addresses),
        cmocka_unit_test(formats_socket_addresses_as_parseable_text),
        cmocka_unit_test(port_zero_binds_loopback_and_kernel_choice_formats_back),
        cmocka_unit_test(host_copies_out_as_a_c_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
