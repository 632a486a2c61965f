/* SPDX-License-Identifier: Apache-2.0 */
/* test_cidr.c: --pod-cidr text: good networks, every refusal with its offset and text, masks,
 * overlaps and address text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cidr.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void parses_networks_of_every_prefix_length(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t addr;
        unsigned prefix;
    } good[] = {
        {"10.213.0.0/24", 0x0ad50000u, 24},      {"10.213.128.0/17", 0x0ad58000u, 17},
        {"192.168.7.16/28", 0xc0a80710u, 28},    {"0.0.0.0/0", 0, 0},
        {"255.255.255.255/32", 0xffffffffu, 32}, {"172.16.0.0/12", 0xac100000u, 12},
        {"10.0.0.0/8", 0x0a000000u, 8},          {"1.2.3.4/32", 0x01020304u, 32},
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        struct cidr c = {0};
        struct wss_parse_err err = {0};
        size_t len = strlen(good[i].text);
        int rc = cidr_parse(good[i].text, len, &c, &err);
        if (rc != (int)len)
            fail_msg("%s: rc %d, %s", good[i].text, rc, err.msg);
        assert_int_equal(c.addr, good[i].addr);
        assert_int_equal(c.prefix, good[i].prefix);
    }
}

static void refuses_bad_text_with_offset_and_reason(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len; /* 0: strlen(text) */
        size_t offset;
        const char *msg;
    } bad[] = {
        {"", 0, 0, "empty; want an IPv4 network such as 10.213.0.0/24"},
        {"10.213.0.1/24", 0, 0,
         "host bits set: 10.213.0.1/24 is an address in 10.213.0.0/24, not a network"},
        {"10.213.1.0/16", 0, 0,
         "host bits set: 10.213.1.0/16 is an address in 10.213.0.0/16, not a network"},
        {"10.213.0.0", 0, 10, "want '/' and a prefix length, got the end of the text"},
        {"10.213.0.0/", 0, 11, "want a decimal prefix length (0-32), got the end of the text"},
        {"10.213.0.0/33", 0, 11, "prefix length 33 is over 32"},
        {"10.213.0.0/024", 0, 11, "prefix length has a leading zero"},
        {"10.213.0.0/24 ", 0, 13, "unexpected ' ' after the prefix length"},
        {"10.213.0.0/24/", 0, 13, "unexpected '/' after the prefix length"},
        {"10.213.0/24", 0, 8, "want '.' and the next octet, got '/'"},
        {"10.213.0.0.0/24", 0, 10, "want '/' and a prefix length, got '.'"},
        {"10.256.0.0/16", 0, 3, "octet 256 is over 255"},
        {"10.2130.0.0/16", 0, 3, "octet has more than 3 digits"},
        {"010.0.0.0/8", 0, 0, "octet has a leading zero"},
        {"10..0.0/16", 0, 3, "want a decimal octet (0-255), got '.'"},
        {"0x0a.0.0.0/8", 0, 1, "want '.' and the next octet, got 'x'"},
        {"-1.0.0.0/8", 0, 0, "want a decimal octet (0-255), got '-'"},
        {" 10.0.0.0/8", 0, 0, "want a decimal octet (0-255), got ' '"},
        {"10.0.0.0/8\n", 0, 10, "unexpected \\x0a after the prefix length"},
        {"10.0.0.0/8\0", 11, 10, "unexpected \\x00 after the prefix length"},
        {"10.0.0.0/24", 8, 8, "want '/' and a prefix length, got the end of the text"},
        {"10.0.0.0/24", 7, 7, "want a decimal octet (0-255), got the end of the text"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct cidr c = {.addr = 7, .prefix = 7};
        struct wss_parse_err err = {0};
        size_t len = bad[i].len != 0 ? bad[i].len : strlen(bad[i].text);
        int rc = cidr_parse(bad[i].text, len, &c, &err);
        if (rc != WSS_PARSE_INVALID || err.offset != bad[i].offset ||
            strcmp(err.msg, bad[i].msg) != 0)
            fail_msg("%s: rc %d offset %zu msg \"%s\"; want offset %zu \"%s\"", bad[i].text, rc,
                     err.offset, err.msg, bad[i].offset, bad[i].msg);
        assert_int_equal(c.addr, 7); /* untouched on failure */
        assert_int_equal(c.prefix, 7);
    }
}

static void masks_cover_every_prefix_length(void **state)
{
    (void)state;
    assert_int_equal(cidr_mask(0), 0);
    assert_int_equal(cidr_mask(1), 0x80000000u);
    assert_int_equal(cidr_mask(16), 0xffff0000u);
    assert_int_equal(cidr_mask(24), 0xffffff00u);
    assert_int_equal(cidr_mask(31), 0xfffffffeu);
    assert_int_equal(cidr_mask(32), 0xffffffffu);
    assert_int_equal(cidr_mask(40), 0xffffffffu);
}

static void overlap_is_containment_either_way(void **state)
{
    (void)state;
    static const struct {
        struct cidr a, b;
        bool overlaps;
    } cases[] = {
        {{0x0ad50000u, 24}, {0x0ad50001u & 0xffffff00u, 24}, true}, /* the same network */
        {{0x0ad50000u, 24}, {0x0a000000u, 8}, true},                /* inside 10/8 */
        {{0x0a000000u, 8}, {0x0ad50000u, 24}, true},                /* the other way round */
        {{0x0ad50000u, 24}, {0x0ad50100u, 24}, false},              /* next door */
        {{0x0ad50000u, 23}, {0x0ad50100u, 24}, true},               /* its upper half */
        {{0x7f000000u, 16}, {0x7f000000u, 8}, true},                /* loopback */
        {{0x0ad50000u, 24}, {0x0ad50005u, 32}, true},               /* one address */
        {{0x0ad50000u, 24}, {0x0ad50105u, 32}, false},
        {{0x0ad50000u, 24}, {0, 0}, true}, /* the default route covers everything */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (cidr_overlaps(cases[i].a, cases[i].b) != cases[i].overlaps)
            fail_msg("case %zu: want %d", i, cases[i].overlaps);
}

static void formats_addresses_as_dotted_quads_that_parse_back(void **state)
{
    (void)state;
    static const uint32_t addrs[] = {0, 0x0ad50001u, 0xffffffffu, 0x7f000001u, 0x01000a00u};
    static const char *const texts[] = {"0.0.0.0", "10.213.0.1", "255.255.255.255", "127.0.0.1",
                                        "1.0.10.0"};
    for (size_t i = 0; i < ARRAY_LEN(addrs); i++) {
        char out[CIDR_IP_TEXT_LEN];
        cidr_format_ip(addrs[i], out);
        assert_string_equal(out, texts[i]);
        char net[CIDR_IP_TEXT_LEN + 3];
        strcpy(net, out);
        strcat(net, "/32");
        struct cidr c;
        struct wss_parse_err err;
        assert_int_equal(cidr_parse(net, strlen(net), &c, &err), (int)strlen(net));
        assert_int_equal(c.addr, addrs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_networks_of_every_prefix_length),
        cmocka_unit_test(refuses_bad_text_with_offset_and_reason),
        cmocka_unit_test(masks_cover_every_prefix_length),
        cmocka_unit_test(overlap_is_containment_either_way),
        cmocka_unit_test(formats_addresses_as_dotted_quads_that_parse_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
