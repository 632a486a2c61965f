/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_api_request.c: libFuzzer target for the adapter's request front: "METHOD path?query" run
 * through the adapter's whole route table (discovery, metric reads, health, ingest) and through
 * authz_request_info and authz_check's 403 wording, with their invariants checked.
 * Does not: call handlers, start a server, or ask a real reviewer (a stub denies everything).
 * Threads: libFuzzer's one thread; the table is built once and only read afterwards. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_discovery.h"
#include "api_metrics.h"
#include "authz.h"
#include "fuzz_check.h"
#include "wsscale/http_router.h"

/* Longest method and path taken from one input; the rest is dropped. */
#define MAX_METHOD 16
#define MAX_PATH   2048

/* authz.c needs a reviewer; this one denies with a reason so the whole 403 text is built. */
enum access_review_result access_reviewer_check(struct access_reviewer *r,
                                                const struct user_info *user,
                                                const struct access_attributes *attrs,
                                                bool *from_cache, char *err, size_t errlen)
{
    (void)r;
    (void)user;
    (void)attrs;
    if (from_cache != NULL)
        *from_cache = false;
    snprintf(err, errlen, "denied by the fuzz stub");
    return ACCESS_REVIEW_DENIED;
}

static void handler(struct wss_http_req *req, void *arg)
{
    (void)req;
    (void)arg;
}

/* The adapter's table as main builds it, with the routes of units that need a running program
 * (health, ingest, self metrics) added by hand. */
static struct wss_http_router *table(void)
{
    static struct wss_http_router *r;
    if (r != NULL)
        return r;
    static const char *const own[][2] = {
        {"GET", "/healthz"}, {"GET", "/livez"},   {"GET", "/readyz"},
        {"GET", "/version"}, {"GET", "/metrics"}, {"POST", "/ingest/v1/reports"},
    };
    r = wss_http_router_new();
    struct api_metrics *m = api_metrics_new(NULL); /* kept for the process's life */
    CHECK(r != NULL && m != NULL);
    struct wss_parse_err err;
    CHECK(api_discovery_add_routes(r, &err) == 0);
    CHECK(api_metrics_add_routes(m, r, &err) == 0);
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        CHECK(wss_http_router_add(r, own[i][0], own[i][1], handler, NULL, &err) == 0);
    return r;
}

static bool is_inside(const struct authz_request_info *info, const char *s)
{
    if (s == NULL)
        return true;
    if (s < info->buf || s >= info->buf + sizeof(info->buf))
        return false;
    return memchr(s, '\0', (size_t)(info->buf + sizeof(info->buf) - s)) != NULL;
}

static void check_route(const char *method, const char *path, size_t len)
{
    struct wss_http_match m;
    enum wss_http_route_result res = wss_http_router_match(table(), method, path, len, &m);
    if (res == WSS_HTTP_ROUTE_FOUND) {
        CHECK(m.pattern != NULL && m.handler != NULL);
        CHECK(m.nparams <= WSS_HTTP_ROUTER_MAX_PARAMS);
        for (size_t i = 0; i < m.nparams; i++) {
            CHECK(m.params[i].value >= path);
            CHECK(m.params[i].value + m.params[i].value_len <= path + len);
            CHECK(m.params[i].name_len > 0);
            /* a {name} capture is one non-empty segment */
            if (m.params[i].value_len > 0 && m.params[i].name[-1] == '{')
                CHECK(memchr(m.params[i].value, '/', m.params[i].value_len) == NULL);
        }
    } else if (res == WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED) {
        CHECK(memchr(m.allow, '\0', sizeof(m.allow)) != NULL && m.allow[0] != '\0');
    } else {
        CHECK(res == WSS_HTTP_ROUTE_NOT_FOUND);
    }
}

static void check_authz(const char *method, const char *path, size_t len)
{
    struct authz_request_info info;
    if (authz_request_info(method, path, &info) != 0) {
        /* only a path that cannot fit may fail: each segment is kept once, but /api/v1/namespaces/X
         * keeps X twice (namespace and name), and the verb and NULs take under 32 bytes */
        CHECK(2 * len + 32 > sizeof(info.buf));
        return;
    }
    const struct access_attributes *a = &info.attrs;
    const char *all[] = {a->verb,     a->namespace_,  a->group, a->version,
                         a->resource, a->subresource, a->name,  a->path};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        CHECK(is_inside(&info, all[i]));
    CHECK(a->verb != NULL);
    if (a->is_resource) {
        CHECK(a->path == NULL);
        CHECK(a->group != NULL && a->version != NULL && a->resource != NULL);
        /* resource fields are path segments: no slashes */
        CHECK(strchr(a->resource, '/') == NULL && strchr(a->name, '/') == NULL);
        CHECK(strlen(a->resource) + strlen(a->name) + strlen(a->subresource) <= len);
        CHECK(strcmp(path, "/apis") != 0);
    } else {
        CHECK(a->path != NULL && strcmp(a->path, path) == 0);
    }
    /* the 403 text: always NUL-terminated in its buffer, in one of the apiserver's two shapes */
    struct authz_config cfg = {.reviewer = (struct access_reviewer *)(void *)&cfg};
    struct user_info u = {0};
    u.name = (char *)(uintptr_t)path; /* borrowed; never freed below */
    char reason[AUTHZ_REASON_LEN];
    memset(reason, 'x', sizeof(reason));
    enum authz_result r = authz_check(&cfg, &u, method, path, reason, sizeof(reason));
    CHECK(r == AUTHZ_FORBIDDEN);
    CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
    /* (a long name may cut the text short; it stays a prefix of the apiserver's shape) */
    if (strlen(reason) + 1 < sizeof(reason))
        CHECK(strncmp(reason, "forbidden: ", 11) == 0 || strstr(reason, " is forbidden: ") != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* "METHOD path?query": the method up to the first space, the path up to '?' */
    char method[MAX_METHOD + 1];
    static char path[MAX_PATH + 1];
    size_t i = 0;
    while (i < size && data[i] != ' ' && i < MAX_METHOD) {
        method[i] = data[i] != '\0' ? (char)data[i] : '_';
        i++;
    }
    method[i] = '\0';
    while (i < size && data[i] != ' ')
        i++;
    if (i < size)
        i++;
    size_t len = 0;
    for (; i < size && data[i] != '?' && len < MAX_PATH; i++)
        if (data[i] != '\0')
            path[len++] = (char)data[i];
    path[len] = '\0';
    if (method[0] == '\0')
        snprintf(method, sizeof(method), "GET");
    check_route(method, path, len);
    check_authz(method, path, len);
    return 0;
}
