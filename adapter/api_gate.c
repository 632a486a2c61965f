/* SPDX-License-Identifier: Apache-2.0 */
/* api_gate.c: authentication then authorization of every API request, Status replies for the
 * refused ones, and the rate-limited log of disbelieved front-proxy headers.
 * Does not: know routes (it runs before routing), or read request bodies.
 * Threads: HTTPS workers, several at once; last_log_ms is an atomic shared by them. */
#include "api_gate.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_status.h"
#include "wsscale/clock.h"
#include "wsscale/log.h"

struct api_gate {
    const struct authn_config *authn; /* borrowed */
    const struct authz_config *authz; /* borrowed */
    const char *skip_path;            /* borrowed; NULL = none */
    _Atomic int64_t last_log_ms;      /* when the last front-proxy line was written */
    _Atomic uint64_t suppressed;      /* lines not written since */
};

struct api_gate *api_gate_new(const struct authn_config *authn, const struct authz_config *authz,
                              const char *skip_path)
{
    struct api_gate *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->authn = authn;
    g->authz = authz;
    g->skip_path = skip_path;
    atomic_init(&g->last_log_ms, INT64_MIN / 2);
    atomic_init(&g->suppressed, 0);
    return g;
}

void api_gate_free(struct api_gate *g)
{
    free(g);
}

/* True when the request names a user in one of the front-proxy username headers. */
static bool names_user(const struct authn_config *cfg, struct wss_http_req *req)
{
    for (size_t i = 0; i < cfg->nusername_headers; i++) {
        const char *v = wss_http_req_header(req, cfg->username_headers[i]);
        if (v != NULL && v[0] != '\0')
            return true;
    }
    return false;
}

/* Logs why headers naming a user were ignored, at most once per API_GATE_LOG_INTERVAL_MS. */
static void log_disbelief(struct api_gate *g, struct wss_http_req *req, const char *reason)
{
    int64_t now = wss_clock_mono_ms();
    int64_t last = atomic_load(&g->last_log_ms);
    if (now - last < API_GATE_LOG_INTERVAL_MS ||
        !atomic_compare_exchange_strong(&g->last_log_ms, &last, now)) {
        atomic_fetch_add(&g->suppressed, 1);
        return;
    }
    WSS_WARN("request headers naming a user were not believed", WSS_KV_STR("reason", reason),
             WSS_KV_STR("remote", wss_http_req_remote_addr(req)),
             WSS_KV_STR("path", wss_http_req_path(req)),
             WSS_KV_UINT("suppressed_since_last", atomic_exchange(&g->suppressed, 0)));
}

bool api_gate_check(struct wss_http_req *req, void *arg)
{
    struct api_gate *g = arg;
    const char *path = wss_http_req_path(req);
    if (g->skip_path != NULL && strcmp(path, g->skip_path) == 0)
        return true;
    struct user_info user = {0};
    char reason[AUTHZ_REASON_LEN > AUTHN_REASON_LEN ? AUTHZ_REASON_LEN : AUTHN_REASON_LEN];
    bool ok = false;
    switch (authn_request(g->authn, req, &user, reason, sizeof(reason))) {
    case AUTHN_OK:
        if (reason[0] != '\0' && names_user(g->authn, req))
            log_disbelief(g, req, reason);
        break;
    case AUTHN_UNAUTHORIZED:
        if (names_user(g->authn, req))
            log_disbelief(g, req, reason);
        WSS_DEBUG("request not authenticated", WSS_KV_STR("reason", reason));
        api_status_reply(req, 401, "Unauthorized");
        goto out;
    case AUTHN_ERROR:
    default:
        WSS_WARN("cannot authenticate a request", WSS_KV_STR("reason", reason));
        api_status_reply(req, 500, "Internal error occurred: cannot authenticate the request");
        goto out;
    }
    switch (authz_check(g->authz, &user, wss_http_req_method(req), path, reason, sizeof(reason))) {
    case AUTHZ_ALLOWED:
        ok = true;
        break;
    case AUTHZ_FORBIDDEN:
        api_status_reply(req, 403, reason);
        break;
    case AUTHZ_ERROR:
    default:
        WSS_WARN("cannot authorize a request", WSS_KV_STR("reason", reason));
        char msg[AUTHZ_REASON_LEN + 64];
        snprintf(msg, sizeof(msg), "Internal error occurred: %s", reason);
        api_status_reply(req, 500, msg);
        break;
    }
out:
    user_info_clear(&user);
    return ok;
}
