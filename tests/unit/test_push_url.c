/* SPDX-License-Identifier: Apache-2.0 */
/* test_push_url.c: adapter base URLs (a table: schemes, default and explicit ports, IPv6
 * literals, names, trailing slashes, and refused URLs with their messages) and the default
 * resolver on names that need no DNS server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "push_url.h"

static void base_urls_give_post_url_host_port_and_kind(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *post_url;
        const char *host;
        long port;
        bool is_name;
    } cases[] = {
        {"https://wsscale-adapter.wsscale-system.svc:6443",
         "https://wsscale-adapter.wsscale-system.svc:6443/ingest/v1/reports",
         "wsscale-adapter.wsscale-system.svc", 6443, true},
        {"https://adapter/", "https://adapter/ingest/v1/reports", "adapter", 443, true},
        {"http://adapter//", "http://adapter/ingest/v1/reports", "adapter", 80, true},
        {"http://127.0.0.1:9000", "http://127.0.0.1:9000/ingest/v1/reports", "127.0.0.1", 9000,
         false},
        {"https://[::1]:6443", "https://[::1]:6443/ingest/v1/reports", "::1", 6443, false},
        {"https://[fd00::5]", "https://[fd00::5]/ingest/v1/reports", "fd00::5", 443, false},
        {"https://adapter:6443/prefix", "https://adapter:6443/prefix/ingest/v1/reports", "adapter",
         6443, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct push_url u;
        char err[256] = "";
        if (push_url_parse(cases[i].text, &u, err, sizeof(err)) != 0)
            fail_msg("case %zu: %s", i, err);
        assert_string_equal(u.post_url, cases[i].post_url);
        assert_string_equal(u.host, cases[i].host);
        assert_int_equal(u.port, cases[i].port);
        assert_int_equal(u.is_name, cases[i].is_name);
    }
}

static void bad_urls_are_refused_with_the_url_named(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"ftp://adapter:21", "adapter-url \"ftp://adapter:21\" must be https:// (or http://)"},
        {"not a url", "adapter-url \"not a url\" is not a URL"},
        {"", "adapter-url \"\" is not a URL"},
        {"https://adapter:6443/?x=1",
         "adapter-url \"https://adapter:6443/?x=1\" must be a base URL without query or fragment"},
        {"https://adapter#frag",
         "adapter-url \"https://adapter#frag\" must be a base URL without query or fragment"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct push_url u;
        char err[256] = "";
        assert_int_equal(push_url_parse(cases[i].text, &u, err, sizeof(err)), -1);
        if (strcmp(err, cases[i].msg) != 0)
            fail_msg("case %zu: \"%s\"", i, err);
    }
}

static void resolver_lists_addresses_without_duplicates(void **state)
{
    (void)state;
    char addrs[4][PUSH_URL_ADDR_LEN];
    /* A literal resolves to itself without asking anyone. */
    assert_int_equal(push_url_resolve("127.0.0.1", addrs, 4, NULL), 1);
    assert_string_equal(addrs[0], "127.0.0.1");
    assert_int_equal(push_url_resolve("::1", addrs, 4, NULL), 1);
    assert_string_equal(addrs[0], "::1");
    /* localhost comes from the hosts file; whatever it maps to, each address appears once. */
    int n = push_url_resolve("localhost", addrs, 4, NULL);
    assert_true(n >= 1);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(addrs[i], addrs[j]);
    assert_int_equal(push_url_resolve("localhost", addrs, 0, NULL), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_urls_give_post_url_host_port_and_kind),
        cmocka_unit_test(bad_urls_are_refused_with_the_url_named),
        cmocka_unit_test(resolver_lists_addresses_without_duplicates),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
