/* SPDX-License-Identifier: Apache-2.0 */
/* endpoints.c: the sidecar's /metrics, /healthz and /readyz over lib/http, and the metric
 * families that show the latest sample.
 * Does not: sample, push, or show a count the source did not give (no fake zeros).
 * Threads: the sampler thread writes the latest sample under e->lock; collect callbacks (inside
 * a render, on an HTTP worker) and /readyz read it under the same lock. */
#include "endpoints.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/http_server.h"

/* Sample durations from a shm read (microseconds) to a slow scrape (seconds). */
static const double duration_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                         0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
#define NBOUNDS (sizeof(duration_bounds) / sizeof(duration_bounds[0]))

/* The states in label order; index = enum source_state - 1. */
static const char *const state_names[] = {"ok", "stale", "missing", "error"};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

enum view {
    VIEW_CONNECTIONS, /* websocket_connections: only when OK */
    VIEW_OPENED,      /* websocket_connections_opened_total: OK and the source has totals */
    VIEW_CLOSED,      /* websocket_connections_closed_total: likewise */
    VIEW_UP,          /* wsscale_sidecar_source_up */
    VIEW_STATE,       /* wsscale_sidecar_source_state{source,state} */
    VIEW_DRAINING,    /* wsscale_sidecar_draining */
    NVIEWS,
};

struct endpoints;

struct view_arg {
    struct endpoints *e;
    enum view view;
};

struct endpoints {
    const char *kind;
    struct wss_prom_registry *registry; /* owned */
    struct wss_prom_histogram *duration;
    struct wss_prom_counter *samples[NSTATES];
    struct view_arg views[NVIEWS];
    struct wss_http_router *router; /* owned */
    struct wss_http_server *server; /* owned; NULL until served */
    pthread_mutex_t lock;
    /* Under lock: */
    bool has_latest;
    bool has_good;
    struct sample latest;
};

static void collect(struct wss_prom_writer *w, void *arg)
{
    const struct view_arg *va = arg;
    struct endpoints *e = va->e;
    pthread_mutex_lock(&e->lock);
    bool has = e->has_latest;
    struct sample s = e->latest;
    pthread_mutex_unlock(&e->lock);
    bool is_ok = has && s.src.state == SOURCE_OK;
    switch (va->view) {
    case VIEW_CONNECTIONS:
        if (is_ok)
            wss_prom_writer_sample(w, NULL, 0, (double)s.src.active);
        break;
    case VIEW_OPENED:
    case VIEW_CLOSED:
        if (is_ok && s.src.has_totals)
            wss_prom_writer_sample(
                w, NULL, 0,
                (double)(va->view == VIEW_OPENED ? s.src.opened_total : s.src.closed_total));
        break;
    case VIEW_UP:
        wss_prom_writer_sample(w, NULL, 0, is_ok ? 1 : 0);
        break;
    case VIEW_STATE:
        for (size_t i = 0; i < NSTATES; i++)
            wss_prom_writer_sample(w, WSS_PROM_VALUES(e->kind, state_names[i]),
                                   has && (size_t)s.src.state == i + 1 ? 1 : 0);
        break;
    case VIEW_DRAINING:
        wss_prom_writer_sample(w, NULL, 0, has && s.is_draining ? 1 : 0);
        break;
    case NVIEWS:
        break;
    }
}

struct family_def {
    enum wss_prom_type type;
    const char *name;
    const char *help;
    enum view view;
};

static const struct family_def views[] = {
    {WSS_PROM_GAUGE, "websocket_connections",
     "Open WebSocket connections of this pod, as the source counts them; absent while the source "
     "cannot tell.",
     VIEW_CONNECTIONS},
    {WSS_PROM_COUNTER, "websocket_connections_opened_total",
     "Connections the app opened since it started, where the source knows it.", VIEW_OPENED},
    {WSS_PROM_COUNTER, "websocket_connections_closed_total",
     "Connections the app closed since it started, where the source knows it.", VIEW_CLOSED},
    {WSS_PROM_GAUGE, "wsscale_sidecar_source_up",
     "1 when the latest sample carries a count, else 0.", VIEW_UP},
    {WSS_PROM_GAUGE, "wsscale_sidecar_source_state",
     "1 for the state of the latest sample (ok, stale, missing, error), 0 for the others.",
     VIEW_STATE},
    {WSS_PROM_GAUGE, "wsscale_sidecar_draining",
     "1 once the sidecar got SIGTERM or the app says it is draining.", VIEW_DRAINING},
};

static int add_families(struct endpoints *e, struct wss_parse_err *err)
{
    static const char *const state_labels[] = {"source", "state"};
    static const char *const sample_labels[] = {"state"};
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
        e->views[views[i].view] = (struct view_arg){e, views[i].view};
        struct wss_prom_desc d = {
            .type = views[i].type,
            .name = views[i].name,
            .help = views[i].help,
            .label_names = views[i].view == VIEW_STATE ? state_labels : NULL,
            .nlabels = views[i].view == VIEW_STATE ? 2 : 0,
            .collect = collect,
            .collect_arg = &e->views[views[i].view],
        };
        if (wss_prom_family_new(e->registry, &d, err) == NULL)
            return -1;
    }
    struct wss_prom_desc hist = {
        .type = WSS_PROM_HISTOGRAM,
        .name = "wsscale_sidecar_sample_duration_seconds",
        .help = "Time one sample of the source took.",
        .bounds = duration_bounds,
        .nbounds = NBOUNDS,
    };
    struct wss_prom_family *f = wss_prom_family_new(e->registry, &hist, err);
    if (f == NULL || (e->duration = wss_prom_histogram_get(f, NULL, 0, err)) == NULL)
        return -1;
    struct wss_prom_desc samples = {
        .type = WSS_PROM_COUNTER,
        .name = "wsscale_sidecar_samples_total",
        .help = "Samples taken, by the state the source was in.",
        .label_names = sample_labels,
        .nlabels = 1,
    };
    f = wss_prom_family_new(e->registry, &samples, err);
    if (f == NULL)
        return -1;
    for (size_t i = 0; i < NSTATES; i++)
        if ((e->samples[i] = wss_prom_counter_get(f, WSS_PROM_VALUES(state_names[i]), err)) == NULL)
            return -1;
    return 0;
}

struct endpoints *endpoints_new(const char *kind, struct wss_parse_err *err)
{
    struct endpoints *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        wss_parse_fail(err, 0, "out of memory");
        return NULL;
    }
    e->kind = kind;
    pthread_mutex_init(&e->lock, NULL);
    e->registry = wss_prom_registry_new();
    e->router = wss_http_router_new();
    if (e->registry == NULL || e->router == NULL) {
        wss_parse_fail(err, 0, "out of memory");
        endpoints_free(e);
        return NULL;
    }
    if (add_families(e, err) != 0) {
        endpoints_free(e);
        return NULL;
    }
    return e;
}

struct wss_prom_registry *endpoints_registry(struct endpoints *e)
{
    return e->registry;
}

static void serve_metrics(struct wss_http_req *req, void *arg)
{
    struct endpoints *e = arg;
    struct wss_strbuf body;
    wss_strbuf_init(&body, ENDPOINTS_METRICS_MAX_BYTES);
    if (wss_prom_render(e->registry, &body) != 0) {
        wss_strbuf_free(&body);
        wss_http_reply_text(req, 500, "rendering metrics failed\n");
        return;
    }
    size_t len = 0;
    char *text = wss_strbuf_take(&body, &len);
    if (text == NULL)
        wss_http_reply(req, 200, WSS_PROM_CONTENT_TYPE, "", 0);
    else
        wss_http_reply_take(req, 200, WSS_PROM_CONTENT_TYPE, text, len);
}

static void serve_healthz(struct wss_http_req *req, void *arg)
{
    (void)arg;
    wss_http_reply_text(req, 200, "ok\n");
}

static void serve_readyz(struct wss_http_req *req, void *arg)
{
    struct endpoints *e = arg;
    pthread_mutex_lock(&e->lock);
    bool is_ready = e->has_good;
    struct sample s = e->latest;
    bool has = e->has_latest;
    pthread_mutex_unlock(&e->lock);
    if (is_ready) {
        wss_http_reply_text(req, 200, "ok\n");
        return;
    }
    char text[SOURCE_DETAIL_LEN + 64];
    snprintf(text, sizeof(text), "no good sample yet: %s\n",
             has ? s.src.reason : "no sample taken yet");
    wss_http_reply_text(req, 503, text);
}

int endpoints_serve(struct endpoints *e, const struct wss_hostport *listen, char *err,
                    size_t errlen)
{
    char host[WSS_HOSTPORT_HOST_CAP] = "0.0.0.0";
    if (listen->kind == WSS_HOST_NAME) {
        snprintf(err, errlen, "listen address must be an IP address, not \"%.*s\"",
                 (int)listen->host_len, listen->host);
        return -1;
    }
    if (listen->kind != WSS_HOST_ANY && wss_hostport_host_cstr(listen, host, sizeof(host)) != 0) {
        snprintf(err, errlen, "listen address is too long");
        return -1;
    }
    struct wss_parse_err perr;
    if (wss_http_router_add(e->router, "GET", "/metrics", serve_metrics, e, &perr) != 0 ||
        wss_http_router_add(e->router, "GET", "/healthz", serve_healthz, e, &perr) != 0 ||
        wss_http_router_add(e->router, "GET", "/readyz", serve_readyz, e, &perr) != 0) {
        snprintf(err, errlen, "routes: %s", perr.msg);
        return -1;
    }
    struct wss_http_server_config cfg = {.host = host, .port = listen->port};
    e->server = wss_http_server_start(&cfg, e->router, err, errlen);
    return e->server != NULL ? 0 : -1;
}

uint16_t endpoints_port(const struct endpoints *e)
{
    return e->server != NULL ? wss_http_server_port(e->server) : 0;
}

void endpoints_on_sample(struct endpoints *e, const struct sample *s)
{
    wss_prom_histogram_observe(e->duration, s->duration_s);
    if (s->src.state >= SOURCE_OK && (size_t)s->src.state <= NSTATES)
        wss_prom_counter_inc(e->samples[s->src.state - 1]);
    pthread_mutex_lock(&e->lock);
    e->latest = *s;
    e->has_latest = true;
    e->has_good = e->has_good || s->src.state == SOURCE_OK;
    pthread_mutex_unlock(&e->lock);
}

bool endpoints_is_ready(struct endpoints *e)
{
    pthread_mutex_lock(&e->lock);
    bool is_ready = e->has_good;
    pthread_mutex_unlock(&e->lock);
    return is_ready;
}

void endpoints_free(struct endpoints *e)
{
    if (e == NULL)
        return;
    wss_http_server_stop(e->server);
    wss_http_router_free(e->router);
    wss_prom_registry_free(e->registry);
    pthread_mutex_destroy(&e->lock);
    free(e);
}
