/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_http_router.c: libFuzzer target for the route table: arbitrary paths against a fixed table,
 * and arbitrary patterns, which when accepted must match their own text as a path.
 * Does not: call handlers or start a server.
 * Threads: libFuzzer's one thread; the fixed table is built once and only read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/http_router.h"

static void handler(struct wss_http_req *req, void *arg)
{
    (void)req;
    (void)arg;
}

static const char *const patterns[] = {
    "/healthz",
    "/apis/custom.metrics.k8s.io/{version}",
    "/apis/custom.metrics.k8s.io/{version}/namespaces/{ns}/{resource}/{name}/{metric}",
    "/apis/custom.metrics.k8s.io/{version}/namespaces/{ns}/metrics/{metric}",
    "/static/*file",
    "/static/index.html",
    "/",
    "/a/",
};
static const char *const methods[] = {"GET", "POST", "HEAD", "DELETE"};

static struct wss_http_router *fixed_table(void)
{
    static struct wss_http_router *r;
    if (r != NULL)
        return r;
    r = wss_http_router_new();
    CHECK(r != NULL);
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        CHECK(wss_http_router_add(r, "GET", patterns[i], handler, NULL, NULL) == 0);
    }
    return r;
}

static void check_match(const struct wss_http_match *m, enum wss_http_route_result res,
                        const char *path, size_t len)
{
    if (res == WSS_HTTP_ROUTE_FOUND) {
        CHECK(m->pattern != NULL);
        CHECK(m->nparams <= WSS_HTTP_ROUTER_MAX_PARAMS);
        for (size_t i = 0; i < m->nparams; i++) {
            CHECK(m->params[i].value >= path);
            CHECK(m->params[i].value + m->params[i].value_len <= path + len);
            CHECK(m->params[i].name_len > 0);
        }
    } else if (res == WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED) {
        CHECK(memchr(m->allow, '\0', sizeof(m->allow)) != NULL);
        CHECK(m->allow[0] != '\0');
    } else {
        CHECK(res == WSS_HTTP_ROUTE_NOT_FOUND);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    /* An exact-size heap copy, so ASan sees any read past the path's end. */
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    size_t len = size - 1;
    struct wss_http_match m;
    if ((mode & 1) == 0) {
        const char *method = methods[(mode >> 1) % (sizeof(methods) / sizeof(methods[0]))];
        enum wss_http_route_result res =
            wss_http_router_match(fixed_table(), method, text, len, &m);
        check_match(&m, res, text, len);
    } else {
        /* Patterns are C strings: stop at the first NUL. */
        char *pattern = malloc(len + 1);
        if (pattern != NULL) {
            memcpy(pattern, text, len);
            pattern[len] = '\0';
            struct wss_http_router *r = wss_http_router_new();
            struct wss_parse_err err;
            if (r != NULL && wss_http_router_add(r, "GET", pattern, handler, NULL, &err) == 0) {
                /* An accepted pattern matches its own text: literals match themselves, {x} is a
                 * non-empty segment and *rest takes whatever follows. */
                size_t plen = strlen(pattern);
                enum wss_http_route_result res = wss_http_router_match(r, "GET", pattern, plen, &m);
                CHECK(res == WSS_HTTP_ROUTE_FOUND);
                check_match(&m, res, pattern, plen);
            } else if (r != NULL) {
                CHECK(err.offset <= strlen(pattern) + 1);
                CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0] != '\0');
            }
            wss_http_router_free(r);
            free(pattern);
        }
    }
    free(text);
    return 0;
}
