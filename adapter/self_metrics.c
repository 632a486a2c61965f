/* SPDX-License-Identifier: Apache-2.0 */
/* self_metrics.c: the adapter's own metric families on a lib/prom registry, and the route
 * pattern -> path kind label mapping.
 * Does not: serve HTTP, or read the store outside a scrape.
 * Threads: counters are lib/prom children (atomic); collect callbacks run inside a render on a
 * metrics worker and read the store (its own lock) and the reviewers' counters (theirs). */
#include "self_metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/http_server.h"
#include "wsscale/strbuf.h"

/* From an answer out of memory (tens of microseconds) to a Prometheus query at its timeout. */
static const double duration_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                         0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
#define NBOUNDS (sizeof(duration_bounds) / sizeof(duration_bounds[0]))

/* A render bigger than this is refused: the families here stay far below it. */
#define SELF_METRICS_MAX_BYTES (4 * 1024 * 1024)

static const char *const report_results[SELF_METRICS_NREPORT] = {
    "stored",       "removed",   "ignored",     "invalid", "too_large", "unsupported_media_type",
    "unauthorized", "forbidden", "unavailable", "error"};

/* Which reviewer counter a collect family shows. */
enum review_view { VIEW_CALLS, VIEW_HITS, VIEW_ERRORS, NVIEWS };

struct review_arg {
    self_metrics_review_cb cb;
    void *arg;
    enum review_view view;
};

struct self_metrics {
    struct wss_prom_registry *registry; /* owned */
    struct store *store;                /* borrowed */
    struct wss_prom_counter *reports[SELF_METRICS_NREPORT];
    struct wss_prom_family *requests;  /* {kind, code} */
    struct wss_prom_family *durations; /* {kind} */
    struct review_arg reviews[2][NVIEWS];
};

struct pod_counts {
    size_t tracked, servable;
};

static bool count_pod(const struct store_pod_view *pod, void *arg)
{
    struct pod_counts *c = arg;
    c->tracked++;
    c->servable += pod->is_servable ? 1 : 0;
    return true;
}

static void collect_pods(struct wss_prom_writer *w, void *arg)
{
    struct self_metrics *m = arg;
    struct pod_counts c = {0, 0};
    store_visit(m->store, NULL, count_pod, &c);
    wss_prom_writer_sample(w, WSS_PROM_VALUES("tracked"), (double)c.tracked);
    wss_prom_writer_sample(w, WSS_PROM_VALUES("servable"), (double)c.servable);
}

static void collect_review(struct wss_prom_writer *w, void *arg)
{
    const struct review_arg *r = arg;
    uint64_t v[NVIEWS] = {0, 0, 0};
    r->cb(r->arg, &v[VIEW_CALLS], &v[VIEW_HITS], &v[VIEW_ERRORS]);
    wss_prom_writer_sample(w, NULL, 0, (double)v[r->view]);
}

static int add_reviews(struct self_metrics *m, int which, const char *prefix, const char *what,
                       self_metrics_review_cb cb, void *arg, struct wss_parse_err *err)
{
    static const char *const suffix[NVIEWS] = {"calls_total", "cache_hits_total", "errors_total"};
    static const char *const help[NVIEWS] = {"s sent to the Kubernetes API.",
                                             " answers reused from the cache.",
                                             "s that got no usable answer."};
    for (int v = 0; v < NVIEWS; v++) {
        char name[96], text[160];
        snprintf(name, sizeof(name), "wsscale_adapter_%s_%s", prefix, suffix[v]);
        snprintf(text, sizeof(text), "%s%s", what, help[v]);
        m->reviews[which][v] = (struct review_arg){cb, arg, (enum review_view)v};
        struct wss_prom_desc d = {.type = WSS_PROM_COUNTER,
                                  .name = name,
                                  .help = text,
                                  .collect = collect_review,
                                  .collect_arg = &m->reviews[which][v]};
        if (wss_prom_family_new(m->registry, &d, err) == NULL)
            return -1;
    }
    return 0;
}

static int add_families(struct self_metrics *m, const struct self_metrics_config *cfg,
                        struct wss_parse_err *err)
{
    static const char *const state_label[] = {"state"};
    static const char *const result_label[] = {"result"};
    static const char *const request_labels[] = {"kind", "code"};
    if (cfg->store != NULL) {
        struct wss_prom_desc pods = {.type = WSS_PROM_GAUGE,
                                     .name = "wsscale_adapter_pods",
                                     .help = "Pods in the store (tracked), and those with a sample "
                                             "fresh and OK enough to serve (servable).",
                                     .label_names = state_label,
                                     .nlabels = 1,
                                     .collect = collect_pods,
                                     .collect_arg = m};
        if (wss_prom_family_new(m->registry, &pods, err) == NULL)
            return -1;
    }
    struct wss_prom_desc reports = {.type = WSS_PROM_COUNTER,
                                    .name = "wsscale_adapter_reports_total",
                                    .help = "Reports stored, removed (final) or ignored (old "
                                            "sequence), and ingest requests refused, by result.",
                                    .label_names = result_label,
                                    .nlabels = 1};
    struct wss_prom_family *f = wss_prom_family_new(m->registry, &reports, err);
    if (f == NULL)
        return -1;
    for (int i = 0; i < SELF_METRICS_NREPORT; i++)
        if ((m->reports[i] = wss_prom_counter_get(f, WSS_PROM_VALUES(report_results[i]), err)) ==
            NULL)
            return -1;
    struct wss_prom_desc requests = {.type = WSS_PROM_COUNTER,
                                     .name = "wsscale_adapter_api_requests_total",
                                     .help = "HTTPS requests answered, by path kind and code.",
                                     .label_names = request_labels,
                                     .nlabels = 2};
    struct wss_prom_desc durations = {.type = WSS_PROM_HISTOGRAM,
                                      .name = "wsscale_adapter_api_request_duration_seconds",
                                      .help = "Time from a request's arrival to its reply being "
                                              "queued, by path kind.",
                                      .label_names = request_labels,
                                      .nlabels = 1,
                                      .bounds = duration_bounds,
                                      .nbounds = NBOUNDS};
    if ((m->requests = wss_prom_family_new(m->registry, &requests, err)) == NULL ||
        (m->durations = wss_prom_family_new(m->registry, &durations, err)) == NULL)
        return -1;
    if (cfg->token_reviews != NULL &&
        add_reviews(m, 0, "tokenreview", "TokenReview", cfg->token_reviews, cfg->token_reviews_arg,
                    err) != 0)
        return -1;
    if (cfg->access_reviews != NULL &&
        add_reviews(m, 1, "subjectaccessreview", "SubjectAccessReview", cfg->access_reviews,
                    cfg->access_reviews_arg, err) != 0)
        return -1;
    return 0;
}

struct self_metrics *self_metrics_new(const struct self_metrics_config *cfg,
                                      struct wss_parse_err *err)
{
    struct self_metrics *m = calloc(1, sizeof(*m));
    if (m == NULL || (m->registry = wss_prom_registry_new()) == NULL) {
        wss_parse_fail(err, 0, "out of memory");
        goto fail;
    }
    m->store = cfg->store;
    if (add_families(m, cfg, err) != 0)
        goto fail;
    return m;
fail:
    self_metrics_free(m);
    return NULL;
}

void self_metrics_free(struct self_metrics *m)
{
    if (m == NULL)
        return;
    wss_prom_registry_free(m->registry);
    free(m);
}

struct wss_prom_registry *self_metrics_registry(struct self_metrics *m)
{
    return m->registry;
}

void self_metrics_report(struct self_metrics *m, enum self_metrics_report result, uint64_t n)
{
    if (m == NULL || (int)result < 0 || result >= SELF_METRICS_NREPORT || n == 0)
        return;
    wss_prom_counter_add(m->reports[result], n);
}

void self_metrics_request(struct self_metrics *m, const char *kind, unsigned code, double seconds)
{
    if (m == NULL)
        return;
    char code_text[8];
    snprintf(code_text, sizeof(code_text), "%u", code);
    struct wss_parse_err err;
    struct wss_prom_counter *c =
        wss_prom_counter_get(m->requests, WSS_PROM_VALUES(kind, code_text), &err);
    struct wss_prom_histogram *h =
        wss_prom_histogram_get(m->durations, WSS_PROM_VALUES(kind), &err);
    if (c != NULL)
        wss_prom_counter_inc(c);
    if (h != NULL)
        wss_prom_histogram_observe(h, seconds);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *self_metrics_route_kind(const char *pattern, const char *name)
{
    static const char *const health[] = {"/healthz", "/livez", "/readyz"};
    static const char *const discovery[] = {
        "/apis",
        "/apis/custom.metrics.k8s.io",
        "/apis/custom.metrics.k8s.io/v1beta1",
        "/apis/custom.metrics.k8s.io/v1beta2",
        "/apis/external.metrics.k8s.io",
        "/apis/external.metrics.k8s.io/v1beta1",
    };
    if (pattern == NULL)
        return "other";
    for (size_t i = 0; i < sizeof(health) / sizeof(health[0]); i++)
        if (strcmp(pattern, health[i]) == 0)
            return "health";
    for (size_t i = 0; i < sizeof(discovery) / sizeof(discovery[0]); i++)
        if (strcmp(pattern, discovery[i]) == 0)
            return "discovery";
    if (strcmp(pattern, "/version") == 0)
        return "version";
    if (strcmp(pattern, "/ingest/v1/reports") == 0)
        return "ingest";
    if (strcmp(pattern, "/openapi/v2") == 0 || strcmp(pattern, "/openapi/v3") == 0)
        return "openapi";
    if (starts_with(pattern, "/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/"))
        return "external";
    if (!starts_with(pattern, "/apis/custom.metrics.k8s.io/"))
        return "other";
    if (ends_with(pattern, "/namespaces/{ns}/{resource}/{name}/{metric}"))
        return name != NULL && strcmp(name, "*") == 0 ? "pods" : "pod";
    if (ends_with(pattern, "/namespaces/{ns}/metrics/{metric}"))
        return "namespace";
    if (ends_with(pattern, "/{resource}/{name}/{metric}"))
        return "root";
    return "other";
}

static void handle_metrics(struct wss_http_req *req, void *arg)
{
    struct self_metrics *m = arg;
    struct wss_strbuf out;
    wss_strbuf_init(&out, SELF_METRICS_MAX_BYTES);
    if (wss_prom_render(m->registry, &out) != 0) {
        wss_strbuf_free(&out);
        wss_http_reply_error(req, 500, "cannot render the metrics");
        return;
    }
    size_t len = 0;
    char *text = wss_strbuf_take(&out, &len);
    if (text == NULL)
        wss_http_reply(req, 200, WSS_PROM_CONTENT_TYPE, "", 0);
    else
        wss_http_reply_take(req, 200, WSS_PROM_CONTENT_TYPE, text, len);
}

int self_metrics_add_route(struct self_metrics *m, struct wss_http_router *r,
                           struct wss_parse_err *err)
{
    return wss_http_router_add(r, "GET", "/metrics", handle_metrics, m, err);
}
