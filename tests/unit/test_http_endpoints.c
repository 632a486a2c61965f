/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_endpoints.c: WebSocket path routing and the plain answers (page, health, readiness
 * while draining, metrics, 404, HEAD without a body, GET of a WebSocket path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "chat_page.h"
#include "http_endpoints.h"

static void websocket_paths_route_to_echo_or_a_room(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int status;
        enum http_ws_route route;
        const char *room;
    } cases[] = {
        {"/ws", 0, HTTP_WS_ECHO, NULL},
        {"/ws/rooms/lobby", 0, HTTP_WS_ROOM, "lobby"},
        {"/ws/rooms/A-z_0.9~", 0, HTTP_WS_ROOM, "A-z_0.9~"},
        {"/ws/", 404, 0, NULL},
        {"/wsx", 404, 0, NULL},
        {"/ws/rooms", 404, 0, NULL},
        {"/ws/rooms/", 404, 0, NULL},
        {"/ws/rooms/a/b", 404, 0, NULL},
        {"/ws/rooms/a%20b", 404, 0, NULL},
        {"/ws/rooms/12345678901234567890123456789012345678901234567890123456789012345", 404, 0,
         NULL},
        {"/", 404, 0, NULL},
        {"/metrics", 404, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct http_ws_target t = {0};
        int status = http_endpoints_ws_target(cases[i].path, strlen(cases[i].path), &t);
        assert_int_equal(status, cases[i].status);
        if (status != 0)
            continue;
        assert_int_equal(t.route, cases[i].route);
        if (cases[i].room) {
            assert_int_equal(t.room_len, strlen(cases[i].room));
            assert_memory_equal(t.room, cases[i].room, t.room_len);
        }
    }
}

struct fixture {
    struct wss_prom_registry *registry;
    struct http_endpoints *e;
    atomic_bool is_draining;
    struct wss_strbuf out;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    atomic_init(&f.is_draining, false);
    f.registry = wss_prom_registry_new();
    struct wss_prom_desc d = {.type = WSS_PROM_COUNTER, .name = "probe_total", .help = "A probe."};
    struct wss_parse_err err;
    if (!f.registry || !wss_prom_family_new(f.registry, &d, &err))
        return -1;
    f.e = http_endpoints_new(f.registry, &f.is_draining);
    *state = &f;
    return f.e ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    wss_strbuf_free(&f->out);
    http_endpoints_free(f->e);
    wss_prom_registry_free(f->registry);
    return 0;
}

/* Parses a request line plus Host and answers it; returns the status and leaves the text in
 * f->out. */
static int ask(struct fixture *f, const char *method, const char *path)
{
    char req[512];
    snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: example\r\n\r\n", method, path);
    struct wss_ws_handshake_req r;
    struct wss_ws_handshake_err err;
    assert_int_equal(wss_ws_handshake_parse(req, strlen(req), &r, &err), (int)strlen(req));
    assert_int_equal(r.kind, WSS_WS_HANDSHAKE_PLAIN);
    wss_strbuf_reset(&f->out);
    int status = http_endpoints_respond(f->e, &r, &f->out);
    assert_false(f->out.is_failed);
    return status;
}

static const char *body_of(const struct fixture *f)
{
    const char *end = strstr(f->out.data, "\r\n\r\n");
    assert_non_null(end);
    return end + 4;
}

static void plain_paths_answer_with_status_type_length_and_close(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *path;
        int status;
        const char *status_line;
        const char *type;
        const char *body; /* NULL: not checked */
    } cases[] = {
        {"/healthz", 200, "HTTP/1.1 200 OK\r\n", "text/plain; charset=utf-8", "ok\n"},
        {"/readyz", 200, "HTTP/1.1 200 OK\r\n", "text/plain; charset=utf-8", "ok\n"},
        {"/nowhere", 404, "HTTP/1.1 404 Not Found\r\n", "text/plain; charset=utf-8", "not found\n"},
        {"/healthz/", 404, "HTTP/1.1 404 Not Found\r\n", "text/plain; charset=utf-8", NULL},
        {"/ws", 426, "HTTP/1.1 426 Upgrade Required\r\n", "text/plain; charset=utf-8", NULL},
        {"/ws/rooms/x", 426, "HTTP/1.1 426 Upgrade Required\r\n", "text/plain; charset=utf-8",
         NULL},
        {"/metrics", 200, "HTTP/1.1 200 OK\r\n", WSS_PROM_CONTENT_TYPE, NULL},
        {"/", 200, "HTTP/1.1 200 OK\r\n", "text/html; charset=utf-8", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ask(f, "GET", cases[i].path), cases[i].status);
        const char *text = f->out.data;
        assert_memory_equal(text, cases[i].status_line, strlen(cases[i].status_line));
        char want[160];
        snprintf(want, sizeof(want), "\r\nContent-Type: %s\r\n", cases[i].type);
        assert_non_null(strstr(text, want));
        assert_non_null(strstr(text, "\r\nConnection: close\r\n"));
        const char *body = body_of(f);
        snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n", strlen(body));
        assert_non_null(strstr(text, want));
        if (cases[i].body)
            assert_string_equal(body, cases[i].body);
    }
}

static void websocket_path_fetched_plainly_names_the_upgrade(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ask(f, "GET", "/ws"), 426);
    assert_non_null(strstr(f->out.data, "\r\nUpgrade: websocket\r\n"));
    assert_non_null(strstr(f->out.data, "\r\nSec-WebSocket-Version: 13\r\n"));
}

static void readyz_fails_while_draining_and_healthz_does_not(void **state)
{
    struct fixture *f = *state;
    atomic_store(&f->is_draining, true);
    assert_int_equal(ask(f, "GET", "/readyz"), 503);
    assert_memory_equal(f->out.data, "HTTP/1.1 503 Service Unavailable\r\n", 34);
    assert_string_equal(body_of(f), "draining\n");
    assert_int_equal(ask(f, "GET", "/healthz"), 200);
}

static void page_and_metrics_bodies_are_the_real_content(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ask(f, "GET", "/"), 200);
    assert_int_equal(strlen(body_of(f)), chat_page_html_len);
    assert_memory_equal(body_of(f), chat_page_html, chat_page_html_len);
    assert_non_null(strstr(body_of(f), "/ws/rooms/"));
    assert_int_equal(ask(f, "GET", "/metrics"), 200);
    assert_non_null(strstr(body_of(f), "# TYPE probe_total counter\nprobe_total 0\n"));
}

static void head_gets_headers_and_the_length_but_no_body(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ask(f, "HEAD", "/"), 200);
    char want[64];
    snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n", chat_page_html_len);
    assert_non_null(strstr(f->out.data, want));
    assert_string_equal(body_of(f), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(websocket_paths_route_to_echo_or_a_room),
        cmocka_unit_test_setup_teardown(plain_paths_answer_with_status_type_length_and_close, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(websocket_path_fetched_plainly_names_the_upgrade, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(readyz_fails_while_draining_and_healthz_does_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(page_and_metrics_bodies_are_the_real_content, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(head_gets_headers_and_the_length_but_no_body, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
