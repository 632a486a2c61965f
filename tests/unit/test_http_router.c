/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_router.c: pattern validation, matching with captures, specificity, 404 versus 405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/http_router.h"

static void handler(struct wss_http_req *req, void *arg)
{
    (void)req;
    (void)arg;
}

/* Route ids travel as the handler's arg; each route of the table below gets its own. */
static int ids[20];

struct route_def {
    const char *method;
    const char *pattern;
};

/* The adapter's and the sidecar's real shapes, plus edge cases for specificity. */
static const struct route_def routes[] = {
    {"GET", "/healthz"},                              /* 0 */
    {"GET", "/apis/custom.metrics.k8s.io/{version}"}, /* 1 */
    {"GET", "/apis/custom.metrics.k8s.io/{version}/namespaces/{ns}/{resource}/{name}/{metric}"},
    {"GET", "/apis/custom.metrics.k8s.io/{version}/namespaces/{ns}/metrics/{metric}"}, /* 3 */
    {"POST", "/ingest/v1/reports"},                                                    /* 4 */
    {"PUT", "/ingest/v1/reports"},                                                     /* 5 */
    {"GET", "/static/*file"},                                                          /* 6 */
    {"GET", "/static/index.html"},                                                     /* 7 */
    {"GET", "/files/{name}"},                                                          /* 8 */
    {"HEAD", "/files/{name}"},                                                         /* 9 */
    {"GET", "/"},                                                                      /* 10 */
    {"GET", "/slash/"},                                                                /* 11 */
    {"DELETE", "/items/{id}"},                                                         /* 12 */
    {"GET", "/items/*rest"},                                                           /* 13 */
    {"GET", "/v/{x}/b"},                                                               /* 14 */
    {"GET", "/v/*rest"},                                                               /* 15 */
    {"GET", "/v/a/{y}"},                                                               /* 16 */
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static int build(void **state)
{
    struct wss_http_router *r = wss_http_router_new();
    if (r == NULL)
        return -1;
    for (size_t i = 0; i < NROUTES; i++) {
        struct wss_parse_err err;
        if (wss_http_router_add(r, routes[i].method, routes[i].pattern, handler, &ids[i], &err) !=
            0) {
            fprintf(stderr, "route %zu: %s\n", i, err.msg);
            wss_http_router_free(r);
            return -1;
        }
    }
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    wss_http_router_free(*state);
    return 0;
}

struct match_case {
    const char *method;
    const char *path;
    enum wss_http_route_result want;
    int route;          /* FOUND: index into routes */
    const char *params; /* FOUND: "name=value;name=value" in capture order */
    const char *allow;  /* METHOD_NOT_ALLOWED: the Allow value */
};

static const struct match_case match_cases[] = {
    {"GET", "/healthz", WSS_HTTP_ROUTE_FOUND, 0, "", NULL},
    {"GET", "/healthz/", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    {"GET", "/Healthz", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    {"GET", "/apis/custom.metrics.k8s.io/v1beta2", WSS_HTTP_ROUTE_FOUND, 1, "version=v1beta2",
     NULL},
    /* the HPA's wildcard arrives decoded (%2A -> *) and is an ordinary segment value */
    {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws/pods/*/websocket_connections",
     WSS_HTTP_ROUTE_FOUND, 2,
     "version=v1beta2;ns=ws;resource=pods;name=*;metric=websocket_connections", NULL},
    {"GET", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/ws/metrics/websocket_connections",
     WSS_HTTP_ROUTE_FOUND, 3, "version=v1beta1;ns=ws;metric=websocket_connections", NULL},
    /* one segment longer, "metrics" is just a {resource} value */
    {"GET", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/ws/metrics/x/y", WSS_HTTP_ROUTE_FOUND,
     2, "version=v1beta1;ns=ws;resource=metrics;name=x;metric=y", NULL},
    {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces//pods/a/m", WSS_HTTP_ROUTE_NOT_FOUND, 0,
     NULL, NULL},
    {"POST", "/ingest/v1/reports", WSS_HTTP_ROUTE_FOUND, 4, "", NULL},
    {"GET", "/ingest/v1/reports", WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED, 0, NULL, "POST, PUT"},
    {"DELETE", "/healthz", WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED, 0, NULL, "GET, HEAD"},
    {"post", "/ingest/v1/reports", WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED, 0, NULL, "POST, PUT"},
    /* a GET route answers HEAD */
    {"HEAD", "/healthz", WSS_HTTP_ROUTE_FOUND, 0, "", NULL},
    /* ...unless HEAD has its own route of the same shape */
    {"HEAD", "/files/a.txt", WSS_HTTP_ROUTE_FOUND, 9, "name=a.txt", NULL},
    {"GET", "/files/a.txt", WSS_HTTP_ROUTE_FOUND, 8, "name=a.txt", NULL},
    {"GET", "/files/", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    {"GET", "/files/a/b", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    /* *rest takes everything after "static/", slashes included, and may be empty */
    {"GET", "/static/css/site.css", WSS_HTTP_ROUTE_FOUND, 6, "file=css/site.css", NULL},
    {"GET", "/static/", WSS_HTTP_ROUTE_FOUND, 6, "file=", NULL},
    {"GET", "/static", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    {"GET", "/static/index.html", WSS_HTTP_ROUTE_FOUND, 7, "", NULL},
    {"GET", "/", WSS_HTTP_ROUTE_FOUND, 10, "", NULL},
    {"GET", "/slash/", WSS_HTTP_ROUTE_FOUND, 11, "", NULL},
    {"GET", "/slash", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    {"GET", "", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    {"GET", "healthz", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    /* {id} beats *rest for DELETE's path, but GET only has *rest: the method decides */
    {"DELETE", "/items/7", WSS_HTTP_ROUTE_FOUND, 12, "id=7", NULL},
    {"GET", "/items/7", WSS_HTTP_ROUTE_FOUND, 13, "rest=7", NULL},
    {"POST", "/items/7", WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED, 0, NULL, "DELETE, GET, HEAD"},
    {"POST", "/items/7/8", WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED, 0, NULL, "GET, HEAD"},
    {"GET", "/nope", WSS_HTTP_ROUTE_NOT_FOUND, 0, NULL, NULL},
    /* all three /v/ routes match: the leftmost literal decides, whatever the order of adding */
    {"GET", "/v/a/b", WSS_HTTP_ROUTE_FOUND, 16, "y=b", NULL},
    {"GET", "/v/q/b", WSS_HTTP_ROUTE_FOUND, 14, "x=q", NULL},
    {"GET", "/v/q/c", WSS_HTTP_ROUTE_FOUND, 15, "rest=q/c", NULL},
};

/* Renders m's captures as "name=value;..." for comparison with the table. */
static void render_params(const struct wss_http_match *m, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->nparams; i++) {
        int n = snprintf(out + len, cap - len, "%s%.*s=%.*s", i > 0 ? ";" : "",
                         (int)m->params[i].name_len, m->params[i].name, (int)m->params[i].value_len,
                         m->params[i].value);
        assert_true(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
}

static void matches_table_of_paths(void **state)
{
    const struct wss_http_router *r = *state;
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        const struct match_case *c = &match_cases[i];
        struct wss_http_match m;
        enum wss_http_route_result got =
            wss_http_router_match(r, c->method, c->path, strlen(c->path), &m);
        if (got != c->want)
            fail_msg("case %zu %s %s: result %d, want %d", i, c->method, c->path, got, c->want);
        if (c->want == WSS_HTTP_ROUTE_FOUND) {
            char params[512];
            assert_ptr_equal(m.arg, &ids[c->route]);
            assert_ptr_equal(m.handler, handler);
            assert_string_equal(m.pattern, routes[c->route].pattern);
            render_params(&m, params, sizeof(params));
            if (strcmp(params, c->params) != 0)
                fail_msg("case %zu %s: params [%s], want [%s]", i, c->path, params, c->params);
            /* captures point into the caller's path, never into a copy */
            for (size_t k = 0; k < m.nparams; k++) {
                assert_true(m.params[k].value >= c->path);
                assert_true(m.params[k].value + m.params[k].value_len <= c->path + strlen(c->path));
            }
        } else if (c->want == WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED) {
            if (strcmp(m.allow, c->allow) != 0)
                fail_msg("case %zu %s %s: Allow [%s], want [%s]", i, c->method, c->path, m.allow,
                         c->allow);
        }
    }
}

static void param_lookup_by_name(void **state)
{
    const struct wss_http_router *r = *state;
    const char *path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws/pods/chat-1/conns";
    struct wss_http_match m;
    assert_int_equal(wss_http_router_match(r, "GET", path, strlen(path), &m), WSS_HTTP_ROUTE_FOUND);
    size_t len = 0;
    const char *v = wss_http_router_param(&m, "name", &len);
    assert_non_null(v);
    assert_int_equal(len, strlen("chat-1"));
    assert_memory_equal(v, "chat-1", len);
    assert_null(wss_http_router_param(&m, "nam", &len));
    assert_null(wss_http_router_param(&m, "names", &len));
}

/* The path length, not a NUL, bounds matching: a path cut mid-segment matches the cut. */
static void match_respects_path_len(void **state)
{
    const struct wss_http_router *r = *state;
    const char *path = "/healthzXYZ";
    struct wss_http_match m;
    assert_int_equal(wss_http_router_match(r, "GET", path, strlen("/healthz"), &m),
                     WSS_HTTP_ROUTE_FOUND);
    assert_int_equal(wss_http_router_match(r, "GET", path, strlen(path), &m),
                     WSS_HTTP_ROUTE_NOT_FOUND);
}

struct bad_case {
    const char *method;
    const char *pattern;
    size_t offset;
    const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"GET", "", 0, "pattern must start with '/'"},
    {"GET", "healthz", 0, "pattern must start with '/'"},
    {"GET", "/a//b", 3, "empty segment"},
    {"GET", "/a/{b", 3, "unterminated '{'"},
    {"GET", "/a/{", 3, "unterminated '{'"},
    {"GET", "/a/{b}c", 3, "unterminated '{'"},
    {"GET", "/a/{}", 4, "empty parameter name"},
    {"GET", "/a/{b-c}", 5, "invalid character '-' in parameter name"},
    {"GET", "/a/*", 4, "empty parameter name"},
    {"GET", "/a/*rest/b", 3, "*rest must be the last segment"},
    {"GET", "/a/b{c}", 4, "'{' is only allowed in a {name} or *rest segment"},
    {"GET", "/a/b*", 4, "'*' is only allowed in a {name} or *rest segment"},
    {"GET", "/a}", 2, "'}' is only allowed in a {name} or *rest segment"},
    {"GET", "/{x}/{x}", 6, "duplicate parameter name 'x'"},
    {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", 33, "more than 8 parameters"},
    {"", "/a", 0, "method must be 1 to 16 uppercase letters"},
    {"get", "/a", 0, "method must be 1 to 16 uppercase letters"},
    {"GE T", "/a", 2, "method must be 1 to 16 uppercase letters"},
    {"ABCDEFGHIJKLMNOPQ", "/a", 0, "method must be 1 to 16 uppercase letters"},
};

static void rejects_bad_patterns_and_methods_with_offset(void **state)
{
    (void)state;
    struct wss_http_router *r = wss_http_router_new();
    assert_non_null(r);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct wss_parse_err err;
        memset(&err, 0, sizeof(err));
        int rc = wss_http_router_add(r, c->method, c->pattern, handler, NULL, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("case %zu [%s %s] accepted", i, c->method, c->pattern);
        if (strcmp(err.msg, c->msg) != 0 || err.offset != c->offset)
            fail_msg("case %zu [%s]: \"%s\" at %zu, want \"%s\" at %zu", i, c->pattern, err.msg,
                     err.offset, c->msg, c->offset);
    }
    /* nothing half-added: the table still routes nothing */
    struct wss_http_match m;
    assert_int_equal(wss_http_router_match(r, "GET", "/a", 2, &m), WSS_HTTP_ROUTE_NOT_FOUND);
    wss_http_router_free(r);
}

static void too_many_segments_is_rejected(void **state)
{
    (void)state;
    char pattern[2 * WSS_HTTP_ROUTER_MAX_SEGMENTS + 8];
    size_t len = 0;
    for (int i = 0; i <= WSS_HTTP_ROUTER_MAX_SEGMENTS; i++) {
        pattern[len++] = '/';
        pattern[len++] = 'a';
    }
    pattern[len] = '\0';
    struct wss_http_router *r = wss_http_router_new();
    struct wss_parse_err err;
    assert_int_equal(wss_http_router_add(r, "GET", pattern, handler, NULL, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "pattern has more than 32 segments");
    assert_int_equal(err.offset, 2 * WSS_HTTP_ROUTER_MAX_SEGMENTS + 1);
    pattern[len - 2] = '\0'; /* exactly the maximum is fine */
    assert_int_equal(wss_http_router_add(r, "GET", pattern, handler, NULL, &err), 0);
    wss_http_router_free(r);
}

static void same_method_and_shape_twice_is_a_duplicate(void **state)
{
    (void)state;
    struct wss_http_router *r = wss_http_router_new();
    struct wss_parse_err err;
    assert_int_equal(wss_http_router_add(r, "GET", "/a/{x}", handler, NULL, &err), 0);
    assert_int_equal(wss_http_router_add(r, "GET", "/a/{y}", handler, NULL, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "duplicate route GET /a/{y} (same shape as /a/{x})");
    /* another method, a literal in the same place, or *rest are all different routes */
    assert_int_equal(wss_http_router_add(r, "POST", "/a/{y}", handler, NULL, &err), 0);
    assert_int_equal(wss_http_router_add(r, "GET", "/a/x", handler, NULL, &err), 0);
    assert_int_equal(wss_http_router_add(r, "GET", "/a/*x", handler, NULL, &err), 0);
    wss_http_router_free(r);
}

/* Many routes force the table to grow; every earlier route must still match afterwards. */
static void table_grows_without_losing_routes(void **state)
{
    (void)state;
    enum { N = 100 };
    static int args[N];
    struct wss_http_router *r = wss_http_router_new();
    struct wss_parse_err err;
    char buf[32];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "/r%d/{x}", i);
        assert_int_equal(wss_http_router_add(r, "GET", buf, handler, &args[i], &err), 0);
    }
    for (int i = 0; i < N; i++) {
        struct wss_http_match m;
        snprintf(buf, sizeof(buf), "/r%d/v", i);
        assert_int_equal(wss_http_router_match(r, "GET", buf, strlen(buf), &m),
                         WSS_HTTP_ROUTE_FOUND);
        assert_ptr_equal(m.arg, &args[i]);
        assert_int_equal(m.params[0].value_len, 1);
    }
    wss_http_router_free(r);
}

static void free_accepts_null(void **state)
{
    (void)state;
    wss_http_router_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(matches_table_of_paths, build, teardown),
        cmocka_unit_test_setup_teardown(param_lookup_by_name, build, teardown),
        cmocka_unit_test_setup_teardown(match_respects_path_len, build, teardown),
        cmocka_unit_test(rejects_bad_patterns_and_methods_with_offset),
        cmocka_unit_test(too_many_segments_is_rejected),
        cmocka_unit_test(same_method_and_shape_twice_is_a_duplicate),
        cmocka_unit_test(table_grows_without_losing_routes),
        cmocka_unit_test(free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
