/* SPDX-License-Identifier: Apache-2.0 */
/* test_ws_url.c: ws:// URLs split into address, Host value, path and query; and every refusal,
 * with its offset and text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/ws_url.h"

struct good {
    const char *text;
    enum wss_host_kind kind;
    const char *host;
    uint16_t port;
    const char *authority;
    const char *path;  /* NULL: none */
    const char *query; /* NULL: none */
};

struct bad {
    const char *text;
    size_t offset;
    const char *msg;
};

static void assert_span(const char *p, size_t n, const char *want, const char *text)
{
    if (want == NULL) {
        assert_null(p);
        assert_int_equal(n, 0);
        return;
    }
    assert_non_null(p);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    /* borrowed from the input, not copied */
    assert_true(p >= text && p + n <= text + strlen(text));
}

static void splits_every_accepted_form(void **state)
{
    (void)state;
    static const struct good cases[] = {
        {"ws://127.0.0.1:8080/ws", WSS_HOST_IPV4, "127.0.0.1", 8080, "127.0.0.1:8080", "/ws", NULL},
        {"ws://127.0.0.1/ws", WSS_HOST_IPV4, "127.0.0.1", 80, "127.0.0.1", "/ws", NULL},
        {"ws://localhost", WSS_HOST_NAME, "localhost", 80, "localhost", NULL, NULL},
        {"ws://localhost/", WSS_HOST_NAME, "localhost", 80, "localhost", "/", NULL},
        {"WS://Example.COM:81/ws/rooms/lobby", WSS_HOST_NAME, "Example.COM", 81, "Example.COM:81",
         "/ws/rooms/lobby", NULL},
        {"ws://[::1]:9000/ws?token=a%20b&x=1", WSS_HOST_IPV6, "::1", 9000, "[::1]:9000", "/ws",
         "token=a%20b&x=1"},
        {"ws://[::1]/", WSS_HOST_IPV6, "::1", 80, "[::1]", "/", NULL},
        {"ws://h?q", WSS_HOST_NAME, "h", 80, "h", NULL, "q"},
        {"ws://h/p?", WSS_HOST_NAME, "h", 80, "h", "/p", ""},
        {"ws://h/a?b?c/d", WSS_HOST_NAME, "h", 80, "h", "/a", "b?c/d"},
        {"ws://h:0/", WSS_HOST_NAME, "h", 0, "h:0", "/", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct good *c = &cases[i];
        struct wss_ws_url u;
        struct wss_parse_err err = {0};
        size_t len = strlen(c->text);
        int rc = wss_ws_url_parse(c->text, len, &u, &err);
        if (rc != (int)len)
            fail_msg("%s: rc %d, %s", c->text, rc, err.msg);
        assert_int_equal(u.addr.kind, c->kind);
        assert_int_equal(u.addr.port, c->port);
        assert_span(u.addr.host, u.addr.host_len, c->host, c->text);
        assert_span(u.authority, u.authority_len, c->authority, c->text);
        assert_span(u.path, u.path_len, c->path, c->text);
        assert_span(u.query, u.query_len, c->query, c->text);
    }
}

static void rejects_bad_urls_with_offset_and_message(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"", 0, "missing \"ws://\" at the start of the URL"},
        {"127.0.0.1:8080/ws", 0, "missing \"ws://\" at the start of the URL"},
        {"ws:/h/", 0, "missing \"ws://\" at the start of the URL"},
        {"wss://h/ws", 0, "wss:// needs TLS, which is not supported here; use ws://"},
        {"WSS://h/ws", 0, "wss:// needs TLS, which is not supported here; use ws://"},
        {"http://h/ws", 0, "unsupported URL scheme \"http\"; want ws://"},
        {"ws://", 5, "missing host after \"ws://\""},
        {"ws:///ws", 5, "missing host after \"ws://\""},
        {"ws://:8080/ws", 5, "missing host before ':'"},
        {"ws://user:pw@h/", 12, "user information before '@' is not supported"},
        {"ws://h/ws#frag", 9, "fragments ('#') are not allowed in WebSocket URLs"},
        {"ws://h:99999/", 7, "port 99999 is out of range 0-65535"},
        {"ws://h:/", 7, "missing port after ':'"},
        {"ws://h:8x/", 8, "invalid character 'x' in port"},
        {"ws://ho_st/", 7, "invalid character '_' in host name"},
        {"ws://::1/", 5, "IPv6 addresses need brackets, as in [::1]:6443"},
        {"ws://[::1/", 9, "missing ']' after IPv6 address"},
        {"ws://[::1]x/", 10, "expected ':' after ']', found 'x'"},
        {"ws://[fe80::1%eth0]/", 13, "IPv6 zone identifiers are not supported"},
        {"ws://999.1.1.1/", 5, "\"999.1.1.1\" is not a valid IPv4 address"},
        {"ws://h/a b", 8, "invalid character ' ' in the path"},
        {"ws://h/\xc3\xa9", 7, "invalid character \\xc3 in the path"},
        {"ws://h/a%2", 8, "'%' in the path is not followed by two hex digits"},
        {"ws://h/a%zz", 8, "'%' in the path is not followed by two hex digits"},
        {"ws://h/?a\tb", 9, "invalid character \\x09 in the query"},
        {"ws://h/?%", 8, "'%' in the query is not followed by two hex digits"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_ws_url u;
        struct wss_parse_err err = {0};
        int rc = wss_ws_url_parse(cases[i].text, strlen(cases[i].text), &u, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("%s: accepted", cases[i].text);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fail_msg("%s: got \"%s\" at %zu, want \"%s\" at %zu", cases[i].text, err.msg,
                     err.offset, cases[i].msg, cases[i].offset);
    }
}

static void rejects_host_name_too_long_for_a_default_port(void **state)
{
    (void)state;
    char url[400] = "ws://";
    memset(url + 5, 'a', 300);
    strcpy(url + 305, "/ws");
    struct wss_ws_url u;
    struct wss_parse_err err = {0};
    assert_int_equal(wss_ws_url_parse(url, strlen(url), &u, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "host name longer than 253 characters");
    assert_int_equal(err.offset, 5);
}

static void failure_leaves_output_untouched(void **state)
{
    (void)state;
    struct wss_ws_url u;
    memset(&u, 0x5A, sizeof(u));
    struct wss_ws_url before = u;
    assert_int_equal(wss_ws_url_parse("ws://h/a b", 10, &u, NULL), WSS_PARSE_INVALID);
    assert_memory_equal(&u, &before, sizeof(u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splits_every_accepted_form),
        cmocka_unit_test(rejects_bad_urls_with_offset_and_message),
        cmocka_unit_test(rejects_host_name_too_long_for_a_default_port),
        cmocka_unit_test(failure_leaves_output_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
