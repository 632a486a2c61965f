/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_scrape.c: the scrape source: sums over exposition text (a table: selectors,
 * absent and present families, bad values, parse errors), bad configuration, and the live source
 * against a real HTTP server on 127.0.0.1: OK, HTTP errors, refused connections, timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "source_scrape.h"
#include "wsscale/http_server.h"

#define TIMEOUT_MS       2000
#define SHORT_TIMEOUT_MS 200

static const char exposition[] = "# HELP websocket_connections Open WebSocket connections.\n"
                                 "# TYPE websocket_connections gauge\n"
                                 "websocket_connections{room=\"a\",tier=\"web\"} 3\n"
                                 "websocket_connections{room=\"b\",tier=\"web\"} 4 1700000000000\n"
                                 "websocket_connections{room=\"c\",tier=\"api\"} 5\n"
                                 "websocket_connections_total 100\n"
                                 "other 9\n";

struct sum_case {
    const char *body;
    const char *metric;
    const char *selector;
    enum source_state state;
    uint64_t active;
    const char *reason;
};

static void sums_follow_the_metric_and_the_selector(void **state)
{
    (void)state;
    static const struct sum_case cases[] = {
        {exposition, "websocket_connections", "", SOURCE_OK, 12, ""},
        {exposition, "websocket_connections", "tier=web", SOURCE_OK, 7, ""},
        {exposition, "websocket_connections", "room in (a,c)", SOURCE_OK, 8, ""},
        {exposition, "websocket_connections", "tier!=web,room", SOURCE_OK, 5, ""},
        {exposition, "websocket_connections", "tier=db", SOURCE_OK, 0, ""},
        {exposition, "websocket_connections_total", "", SOURCE_OK, 100, ""},
        {exposition, "absent", "", SOURCE_MISSING, 0, "absent is not in the exposition"},
        {"", "m", "", SOURCE_MISSING, 0, "m is not in the exposition"},
        {"# TYPE m gauge\n", "m", "", SOURCE_OK, 0, ""},
        {"# HELP m doc\n", "m", "", SOURCE_OK, 0, ""},
        {"m 2.4\nm{a=\"1\"} 2.4\n", "m", "", SOURCE_OK, 5, ""},
        {"m 7", "m", "", SOURCE_OK, 7, ""},
        {"m NaN\n", "m", "", SOURCE_ERROR, 0, "m has a series whose value is nan"},
        {"m +Inf\n", "m", "", SOURCE_ERROR, 0, "m has a series whose value is inf"},
        {"m -1\n", "m", "", SOURCE_ERROR, 0, "m has a series whose value is -1"},
        {"m{a=\"x\"} NaN\nm{a=\"y\"} 1\n", "m", "a=y", SOURCE_OK, 1, ""},
        {"m 1e16\n", "m", "", SOURCE_ERROR, 0, "m sums to 1e+16, past what a count can be"},
        {"# TYPE m histogram\nm_bucket{le=\"+Inf\"} 1\n", "m", "", SOURCE_ERROR, 0,
         "m is a histogram, not a gauge"},
        {"m 1\nm{a=\"1\" 2\n", "m", "", SOURCE_ERROR, 0,
         "exposition: line 2: expected ',' or '}' after a label, found '2'"},
    };
    struct wss_sel_req reqs[SOURCE_SCRAPE_MAX_REQS];
    struct wss_sel_value values[SOURCE_SCRAPE_MAX_VALUES];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_selector sel;
        struct wss_parse_err perr;
        wss_selector_init(&sel, reqs, SOURCE_SCRAPE_MAX_REQS, values, SOURCE_SCRAPE_MAX_VALUES);
        assert_true(wss_selector_parse(cases[i].selector, strlen(cases[i].selector), &sel, &perr) >=
                    0);
        struct source_sample out;
        memset(&out, 0x5a, sizeof(out));
        assert_int_equal(
            source_scrape_sum(cases[i].body, strlen(cases[i].body), cases[i].metric, &sel, &out),
            0);
        if (out.state != cases[i].state || strcmp(out.reason, cases[i].reason) != 0 ||
            out.active != cases[i].active)
            fail_msg("case %zu: state %d active %llu reason \"%s\"", i, out.state,
                     (unsigned long long)out.active, out.reason);
        assert_false(out.has_totals);
        assert_false(out.is_draining);
    }
}

static void bad_configuration_is_refused_with_a_reason(void **state)
{
    (void)state;
    static const struct {
        struct source_scrape_config cfg;
        const char *msg;
    } cases[] = {
        {{"ftp://x/metrics", "m", "", 1000},
         "scrape-url must be an http:// or https:// URL, not \"ftp://x/metrics\""},
        {{"http://x/metrics", "9m", "", 1000},
         "scrape-metric \"9m\" is not a Prometheus metric name"},
        {{"http://x/metrics", "", "", 1000}, "scrape-metric \"\" is not a Prometheus metric name"},
        {{"http://x/metrics", "m", "", 0}, "scrape-timeout must be a positive duration"},
        {{"http://x/metrics", "m", "a in (", 1000},
         "scrape-selector \"a in (\": unable to parse requirement: found '', expected: ',', ')' or "
         "identifier"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "";
        struct source s = source_scrape_new(&cases[i].cfg, err, sizeof(err));
        assert_null(s.ops);
        if (strcmp(err, cases[i].msg) != 0)
            fail_msg("case %zu: \"%s\"", i, err);
    }
}

/* ---- live ---- */

static void serve_ok(struct wss_http_req *req, void *arg)
{
    (void)arg;
    wss_http_reply(req, 200, "text/plain; version=0.0.4", exposition, strlen(exposition));
}

static void serve_503(struct wss_http_req *req, void *arg)
{
    (void)arg;
    wss_http_reply_text(req, 503, "not yet\n");
}

struct live {
    struct wss_http_router *router;
    struct wss_http_server *server;
    char base[64];
};

static int live_setup(void **state)
{
    struct live *l = calloc(1, sizeof(*l));
    struct wss_parse_err perr;
    char err[WSS_HTTP_ERR_LEN];
    l->router = wss_http_router_new();
    if (l->router == NULL ||
        wss_http_router_add(l->router, "GET", "/metrics", serve_ok, NULL, &perr) != 0 ||
        wss_http_router_add(l->router, "GET", "/busy", serve_503, NULL, &perr) != 0)
        return -1;
    struct wss_http_server_config cfg = {.host = "127.0.0.1", .port = 0};
    l->server = wss_http_server_start(&cfg, l->router, err, sizeof(err));
    if (l->server == NULL)
        return -1;
    snprintf(l->base, sizeof(l->base), "http://127.0.0.1:%u", wss_http_server_port(l->server));
    *state = l;
    return 0;
}

static int live_teardown(void **state)
{
    struct live *l = *state;
    wss_http_server_stop(l->server);
    wss_http_router_free(l->router);
    free(l);
    return 0;
}

static void take(const char *url, const char *selector, int64_t timeout_ms,
                 struct source_sample *out)
{
    char err[512];
    struct source_scrape_config cfg = {url, "websocket_connections", selector, timeout_ms};
    struct source s = source_scrape_new(&cfg, err, sizeof(err));
    assert_non_null(s.ops);
    assert_string_equal(s.ops->kind, "scrape");
    /* Twice on the same handle: the second sample reuses the connection. */
    assert_int_equal(s.ops->sample(s.self, out), 0);
    assert_int_equal(s.ops->sample(s.self, out), 0);
    source_destroy(&s);
}

static void live_scrape_sums_the_matching_series(void **state)
{
    struct live *l = *state;
    char url[128];
    snprintf(url, sizeof(url), "%s/metrics", l->base);
    struct source_sample out;
    take(url, "tier=web", TIMEOUT_MS, &out);
    assert_int_equal(out.state, SOURCE_OK);
    assert_int_equal(out.active, 7);
    assert_string_equal(out.reason, "");
}

static void http_error_status_is_an_error_sample(void **state)
{
    struct live *l = *state;
    char url[128], want[192];
    snprintf(url, sizeof(url), "%s/busy", l->base);
    struct source_sample out;
    take(url, "", TIMEOUT_MS, &out);
    assert_int_equal(out.state, SOURCE_ERROR);
    snprintf(want, sizeof(want), "GET %s: HTTP 503", url);
    assert_string_equal(out.reason, want);
    snprintf(url, sizeof(url), "%s/nowhere", l->base);
    take(url, "", TIMEOUT_MS, &out);
    assert_int_equal(out.state, SOURCE_ERROR);
    assert_non_null(strstr(out.reason, ": HTTP 404"));
}

/* Binds 127.0.0.1 port 0 and, if is_listening, listens without ever accepting. */
static int bound_socket(bool is_listening, unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    if (is_listening)
        assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

static void refused_connection_means_the_app_is_missing(void **state)
{
    (void)state;
    unsigned port;
    int fd = bound_socket(false, &port); /* bound, not listening: connections are refused */
    char url[128], want[192];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
    struct source_sample out;
    take(url, "", TIMEOUT_MS, &out);
    assert_int_equal(out.state, SOURCE_MISSING);
    snprintf(want, sizeof(want), "nothing listens at %s yet", url);
    assert_string_equal(out.reason, want);
    close(fd);
}

static void silent_app_times_out_as_an_error(void **state)
{
    (void)state;
    unsigned port;
    int fd = bound_socket(true, &port);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
    struct source_sample out;
    take(url, "", SHORT_TIMEOUT_MS, &out);
    assert_int_equal(out.state, SOURCE_ERROR);
    assert_non_null(strstr(out.reason, "timed out"));
    close(fd);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sums_follow_the_metric_and_the_selector),
        cmocka_unit_test(bad_configuration_is_refused_with_a_reason),
        cmocka_unit_test_setup_teardown(live_scrape_sums_the_matching_series, live_setup,
                                        live_teardown),
        cmocka_unit_test_setup_teardown(http_error_status_is_an_error_sample, live_setup,
                                        live_teardown),
        cmocka_unit_test(refused_connection_means_the_app_is_missing),
        cmocka_unit_test(silent_app_times_out_as_an_error),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
