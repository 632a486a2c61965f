/* SPDX-License-Identifier: Apache-2.0 */
/* health.c: the health, readiness and version endpoints of the adapter's HTTPS server.
 * Does not: check the store or the metric source: readiness fails only while shutting down,
 * because an unready adapter takes the APIService, and cluster discovery, down with it.
 * Threads: handlers on HTTPS workers; is_shutting_down is an atomic set by main's thread. */
#include "health.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "wsscale/http_server.h"
#include "wsscale/version.h"

#define VERSION_JSON_LEN 512

#if defined(__x86_64__)
#define PLATFORM_ARCH "amd64"
#elif defined(__aarch64__)
#define PLATFORM_ARCH "arm64"
#else
#define PLATFORM_ARCH "unknown"
#endif

#if defined(__clang__)
#define COMPILER "clang"
#else
#define COMPILER "gcc"
#endif

struct health {
    atomic_bool is_shutting_down;
};

struct health *health_new(void)
{
    struct health *h = calloc(1, sizeof(*h));
    if (h != NULL)
        atomic_init(&h->is_shutting_down, false);
    return h;
}

void health_free(struct health *h)
{
    free(h);
}

void health_set_shutting_down(struct health *h)
{
    atomic_store(&h->is_shutting_down, true);
}

/* Answers like the apiserver's healthz handler: "ok", or the list of checks with ?verbose. */
static void reply_checks(struct wss_http_req *req, const char *what, bool is_shutting_down)
{
    bool is_verbose = wss_http_req_query(req, "verbose") != NULL;
    unsigned code = is_shutting_down ? 503 : 200;
    char body[256];
    if (is_verbose)
        snprintf(body, sizeof(body), "[+]ping ok\n[%c]shutdown %s\n%s check %s\n",
                 is_shutting_down ? '-' : '+', is_shutting_down ? "failed" : "ok", what,
                 is_shutting_down ? "failed" : "passed");
    else
        snprintf(body, sizeof(body), "%s",
                 is_shutting_down ? "[-]shutdown failed: reason withheld\nreadyz check failed\n"
                                  : "ok");
    wss_http_reply_text(req, code, body);
}

static void handle_live(struct wss_http_req *req, void *arg)
{
    (void)arg;
    reply_checks(req, wss_http_req_path(req) + 1, false);
}

static void handle_ready(struct wss_http_req *req, void *arg)
{
    struct health *h = arg;
    reply_checks(req, "readyz", atomic_load(&h->is_shutting_down));
}

int health_version_json(char *buf, size_t cap)
{
    unsigned major = 0, minor = 0;
    sscanf(WSS_VERSION, "%u.%u", &major, &minor);
    int n = snprintf(buf, cap,
                     "{\"major\":\"%u\",\"minor\":\"%u\",\"gitVersion\":\"v%s\",\"gitCommit\":\"\","
                     "\"gitTreeState\":\"\",\"buildDate\":\"\",\"goVersion\":\"\","
                     "\"compiler\":\"" COMPILER "\",\"platform\":\"linux/" PLATFORM_ARCH "\"}",
                     major, minor, WSS_VERSION);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

static void handle_version(struct wss_http_req *req, void *arg)
{
    (void)arg;
    char json[VERSION_JSON_LEN];
    if (health_version_json(json, sizeof(json)) < 0)
        wss_http_reply_error(req, 500, "version document too long");
    else
        wss_http_reply_json(req, 200, json);
}

int health_add_routes(struct health *h, struct wss_http_router *r, struct wss_parse_err *err)
{
    if (wss_http_router_add(r, "GET", "/healthz", handle_live, h, err) != 0 ||
        wss_http_router_add(r, "GET", "/livez", handle_live, h, err) != 0 ||
        wss_http_router_add(r, "GET", "/readyz", handle_ready, h, err) != 0 ||
        wss_http_router_add(r, "GET", "/version", handle_version, h, err) != 0)
        return WSS_PARSE_INVALID;
    return 0;
}
