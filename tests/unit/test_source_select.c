/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_select.c: --ports parsing (a table of good and bad lists with their messages), and
 * each --source built from options, or refused with the option named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "source_select.h"

#define CAP 4

static void port_lists_parse_or_name_the_bad_item(void **state)
{
    (void)state;
    static const struct {
        const char *items[6];
        size_t n;
        size_t want_n;
        uint16_t first, last;
        const char *msg; /* NULL: valid */
    } cases[] = {
        {{"8080"}, 1, 1, 8080, 8080, NULL},
        {{"1", "65535", "443"}, 3, 3, 1, 443, NULL},
        {{NULL}, 0, 0, 0, 0, "--source=socket needs --ports: the app's listening ports"},
        {{"0"}, 1, 0, 0, 0, "--ports: \"0\" is not a port number (1-65535)"},
        {{"65536"}, 1, 0, 0, 0, "--ports: \"65536\" is not a port number (1-65535)"},
        {{"99999999999999999999"},
         1,
         0,
         0,
         0,
         "--ports: \"99999999999999999999\" is not a port number (1-65535)"},
        {{"80x"}, 1, 0, 0, 0, "--ports: \"80x\" is not a port number (1-65535)"},
        {{"-1"}, 1, 0, 0, 0, "--ports: \"-1\" is not a port number (1-65535)"},
        {{""}, 1, 0, 0, 0, "--ports: \"\" is not a port number (1-65535)"},
        {{"80", "80"}, 2, 0, 0, 0, "--ports: 80 is given twice"},
        {{"1", "2", "3", "4", "5"}, 5, 0, 0, 0, "--ports: more than 4 ports"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint16_t ports[CAP];
        size_t n = 99;
        char err[256] = "";
        int rc = source_select_ports(cases[i].items, cases[i].n, ports, CAP, &n, err, sizeof(err));
        if (cases[i].msg == NULL) {
            if (rc != 0)
                fail_msg("case %zu: %s", i, err);
            assert_int_equal(n, cases[i].want_n);
            assert_int_equal(ports[0], cases[i].first);
            assert_int_equal(ports[n - 1], cases[i].last);
            continue;
        }
        assert_int_equal(rc, -1);
        if (strcmp(err, cases[i].msg) != 0)
            fail_msg("case %zu: \"%s\"", i, err);
    }
}

static void each_kind_builds_its_source(void **state)
{
    (void)state;
    static const char *const ports[] = {"8080", "8443"};
    struct source_options o = {.shm = "/wsscale",
                               .stale_after_ms = 3000,
                               .ports = ports,
                               .nports = 2,
                               .scrape_url = "http://127.0.0.1:8080/metrics",
                               .scrape_metric = "websocket_connections",
                               .scrape_selector = "",
                               .scrape_timeout_ms = 1000};
    static const struct {
        enum source_select_kind kind;
        const char *name;
    } kinds[] = {
        {SOURCE_SELECT_SHM, "shm"},
        {SOURCE_SELECT_SOCKET, "socket"},
        {SOURCE_SELECT_SCRAPE, "scrape"},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char err[512] = "";
        o.kind = kinds[i].kind;
        struct source s = source_select(&o, err, sizeof(err));
        if (s.ops == NULL)
            fail_msg("%s: %s", kinds[i].name, err);
        assert_string_equal(s.ops->kind, kinds[i].name);
        source_destroy(&s);
    }
}

static void missing_options_are_named(void **state)
{
    (void)state;
    char err[512];
    struct source_options o = {.kind = SOURCE_SELECT_SCRAPE, .scrape_metric = "m"};
    struct source s = source_select(&o, err, sizeof(err));
    assert_null(s.ops);
    assert_string_equal(err, "--source=scrape needs --scrape-url: the app's /metrics URL");
    o = (struct source_options){.kind = SOURCE_SELECT_SOCKET};
    s = source_select(&o, err, sizeof(err));
    assert_null(s.ops);
    assert_string_equal(err, "--source=socket needs --ports: the app's listening ports");
    o = (struct source_options){.kind = SOURCE_SELECT_SHM, .shm = "", .stale_after_ms = 1};
    s = source_select(&o, err, sizeof(err));
    assert_null(s.ops);
    assert_non_null(strstr(err, "bad shm counter name \"\""));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(port_lists_parse_or_name_the_bad_item),
        cmocka_unit_test(each_kind_builds_its_source),
        cmocka_unit_test(missing_options_are_named),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
