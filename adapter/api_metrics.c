/* SPDX-License-Identifier: Apache-2.0 */
/* api_metrics.c: the metric read handlers: route captures and selectors in, a metric source
 * asked, MetricValueList / ExternalMetricValueList JSON (each version's field names) or a Status
 * out. Does not: hold values, lock, or do I/O beyond the reply; the source answers from memory.
 * Threads: any number of worker threads; per-request state lives on the handler's stack. */
#include "api_metrics.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_status.h"
#include "metric_values.h"
#include "wsscale/http_server.h"
#include "wsscale/json_writer.h"
#include "wsscale/quantity.h"
#include "wsscale/selector.h"

enum api_version {
    API_CM_V1BETA1 = 0,
    API_CM_V1BETA2,
    API_EM_V1BETA1,
    API_VERSIONS,
};

static const char *const api_versions[API_VERSIONS] = {
    "custom.metrics.k8s.io/v1beta1",
    "custom.metrics.k8s.io/v1beta2",
    "external.metrics.k8s.io/v1beta1",
};

struct route_ctx {
    const struct metric_source *src; /* borrowed */
    enum api_version version;
};

struct api_metrics {
    struct route_ctx ctx[API_VERSIONS];
};

/* Room for a Status message: the parser's longest text fits, as does a list of metric names. */
#define MESSAGE_LEN (WSS_PARSE_ERR_MSG_LEN + 64)
/* "2026-05-01T12:00:00Z" and its NUL, with room for years past 9999. */
#define TIMESTAMP_LEN 32

struct api_metrics *api_metrics_new(const struct metric_source *src)
{
    struct api_metrics *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    for (int v = 0; v < API_VERSIONS; v++) {
        m->ctx[v].src = src;
        m->ctx[v].version = (enum api_version)v;
    }
    return m;
}

void api_metrics_free(struct api_metrics *m)
{
    free(m);
}

/* ------------------------------------------------------------------ selectors */

struct sel_storage {
    struct wss_sel_req reqs[API_METRICS_MAX_SEL_REQS];
    struct wss_sel_value values[API_METRICS_MAX_SEL_VALUES];
    struct wss_selector sel;
};

/* Parses query parameter `name` into st (absent or empty: matches everything). On a bad selector
 * replies 400 with the parser's message and returns -1. The selector borrows the query string,
 * which lives as long as the request. */
static int parse_selector(struct wss_http_req *req, const char *name, struct sel_storage *st)
{
    wss_selector_init(&st->sel, st->reqs, API_METRICS_MAX_SEL_REQS, st->values,
                      API_METRICS_MAX_SEL_VALUES);
    const char *s = wss_http_req_query(req, name);
    if (s == NULL)
        return 0;
    struct wss_parse_err err;
    if (wss_selector_parse(s, strlen(s), &st->sel, &err) < 0) {
        api_status_reply(req, 400, err.msg);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ errors */

static bool metric_known(const struct metric_source *src, const char *metric)
{
    const char *const *names = src->ops->list_metrics(src->self);
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        if (strcmp(names[i], metric) == 0)
            return true;
    return false;
}

/* 404 naming what exists, so a typo in an HPA spec shows its fix in `kubectl describe hpa`. */
static void reply_unknown_metric(struct wss_http_req *req, const struct metric_source *src,
                                 const char *metric, const char *resource)
{
    char msg[MESSAGE_LEN];
    int n = snprintf(msg, sizeof(msg),
                     "the server could not find the metric %s for %s; metrics served:", metric,
                     resource);
    const char *const *names = src->ops->list_metrics(src->self);
    for (size_t i = 0; names != NULL && names[i] != NULL && n > 0 && (size_t)n < sizeof(msg); i++)
        n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s %s", i == 0 ? "" : ",", names[i]);
    api_status_reply(req, 404, msg);
}

/* A source failure other than "unknown metric" (which the caller handles) as a Status. */
static void reply_source_error(struct wss_http_req *req, int rc, const char *metric,
                               const char *resource, const char *name)
{
    char msg[MESSAGE_LEN];
    switch (rc) {
    case WSS_SRC_NOT_FOUND:
        snprintf(msg, sizeof(msg), "the server could not find the metric %s for %s %s", metric,
                 resource, name);
        break;
    case WSS_SRC_STALE:
        snprintf(msg, sizeof(msg), "the metric %s for %s %s has no current sample", metric,
                 resource, name);
        break;
    case WSS_SRC_UNAVAILABLE:
        snprintf(msg, sizeof(msg), "unable to fetch metrics: the metric source is unavailable");
        break;
    default:
        snprintf(msg, sizeof(msg), "Internal error occurred: unable to fetch metrics");
        break;
    }
    api_status_reply(req, api_status_code_for_source(rc), msg);
}

/* ------------------------------------------------------------------ JSON */

/* Lists are written straight into one buffer, with no node per field: a 500-pod reply built as a
 * cJSON tree spent most of its time in malloc and free (issue 5). The strings and numbers come
 * out byte for byte as cJSON_PrintUnformatted wrote them, so the documents did not change. */

static void format_timestamp(int64_t unix_ms, char out[TIMESTAMP_LEN])
{
    int64_t secs = unix_ms / 1000;
    if (unix_ms < 0 && unix_ms % 1000 != 0)
        secs--;
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, TIMESTAMP_LEN, "1970-01-01T00:00:00Z");
}

/* Longest key or value a parsed selector holds (a prefixed key: 253 + '/' + 63), with its NUL. */
#define SEL_TEXT_LEN 320

static void copy_text(char out[SEL_TEXT_LEN], const char *p, size_t len)
{
    if (len >= SEL_TEXT_LEN)
        len = SEL_TEXT_LEN - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

/* The metricLabelSelector echoed as a LabelSelector object, as the reference adapters do: = and ==
 * become matchLabels, the rest matchExpressions (!= as NotIn, > and < as Gt and Lt). null when
 * there is none (no requirements), as Go writes a nil selector. Built once per request, so it
 * stays a cJSON tree. */
static cJSON *label_selector_json(const struct wss_selector *sel)
{
    if (sel == NULL || sel->nreqs == 0)
        return cJSON_CreateNull();
    static const char *const operators[] = {
        [WSS_SEL_OP_IN] = "In",
        [WSS_SEL_OP_NOT_IN] = "NotIn",
        [WSS_SEL_OP_NOT_EQUALS] = "NotIn",
        [WSS_SEL_OP_EXISTS] = "Exists",
        [WSS_SEL_OP_DOES_NOT_EXIST] = "DoesNotExist",
        [WSS_SEL_OP_GREATER_THAN] = "Gt",
        [WSS_SEL_OP_LESS_THAN] = "Lt",
    };
    cJSON *o = cJSON_CreateObject();
    cJSON *labels = NULL, *exprs = NULL;
    char key[SEL_TEXT_LEN], value[SEL_TEXT_LEN];
    for (size_t i = 0; o != NULL && i < sel->nreqs; i++) {
        const struct wss_sel_req *r = &sel->reqs[i];
        const struct wss_sel_value *vals = &sel->values[r->first_value];
        copy_text(key, r->key, r->key_len);
        if (r->op == WSS_SEL_OP_EQUALS || r->op == WSS_SEL_OP_DOUBLE_EQUALS) {
            if (labels == NULL)
                labels = cJSON_AddObjectToObject(o, "matchLabels");
            copy_text(value, vals[0].ptr, vals[0].len);
            if (labels == NULL || cJSON_AddStringToObject(labels, key, value) == NULL)
                goto fail;
            continue;
        }
        if (exprs == NULL)
            exprs = cJSON_AddArrayToObject(o, "matchExpressions");
        cJSON *e = cJSON_CreateObject();
        if (exprs == NULL || e == NULL) {
            cJSON_Delete(e);
            goto fail;
        }
        cJSON_AddItemToArray(exprs, e);
        if (cJSON_AddStringToObject(e, "key", key) == NULL ||
            cJSON_AddStringToObject(e, "operator", operators[r->op]) == NULL)
            goto fail;
        if (r->nvalues == 0)
            continue;
        cJSON *list = cJSON_AddArrayToObject(e, "values");
        for (size_t v = 0; list != NULL && v < r->nvalues; v++) {
            copy_text(value, vals[v].ptr, vals[v].len);
            cJSON *s = cJSON_CreateString(value);
            if (s == NULL)
                goto fail;
            cJSON_AddItemToArray(list, s);
        }
        if (list == NULL)
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* Whole seconds, rounded up so a sub-second interval is not written as 0. Written as cJSON wrote
 * the double it used to be: a plain integer while it fits an int; past that (a window of over 68
 * years, never seen) cJSON itself prints it. -1 when that fails. */
static int write_window_seconds(struct wss_strbuf *b, int64_t window_ms)
{
    int64_t secs = (window_ms + 999) / 1000;
    if (secs <= INT_MAX)
        return wss_json_writer_int(b, secs);
    cJSON *n = cJSON_CreateNumber((double)secs);
    char *text = n != NULL ? cJSON_PrintUnformatted(n) : NULL;
    cJSON_Delete(n);
    int rc = text != NULL ? wss_strbuf_puts(b, text) : -1;
    cJSON_free(text);
    return rc;
}

/* Appends a string literal; its length is known at compile time. */
#define PUT(b, lit) wss_strbuf_append((b), (lit), sizeof(lit) - 1)

/* One list document being written: the head is out, items follow, list_reply closes it. What
 * every item of the request repeats (metric name, selector echo) is written once into mid and
 * tail and copied per item. The document goes into the connection's reply buffer, which the
 * server keeps between requests: a 500-pod list is about 107 KB, and a fresh buffer that size
 * every request cost page faults as glibc handed the memory back and forth with the kernel. */
struct list_writer {
    struct wss_strbuf *buf;      /* borrowed: the reply buffer, or none_left when there was none */
    struct wss_strbuf none_left; /* failed from the start: appends to it do nothing */
    struct wss_strbuf mid;       /* owned; from after describedObject up to the timestamp's value */
    struct wss_strbuf tail;      /* owned; from after the value up to the item's closing brace */
    enum api_version version;
    const char *window_key; /* NULL when the version has no window field */
    int64_t ts_secs;        /* the second ts holds, valid once has_ts */
    bool has_ts;            /* consecutive pods mostly share a second: format it once */
    char ts[TIMESTAMP_LEN];
    size_t nitems;
    bool is_failed; /* something other than the buffers failed (quantity, selector) */
};

/* Starts a list of version v; msel (may be NULL) is the selector custom metric items echo. A
 * failure is remembered and reported by list_reply. */
static void list_begin(struct list_writer *w, struct wss_http_req *req, enum api_version v,
                       const char *metric, const struct wss_selector *msel)
{
    memset(w, 0, sizeof(*w));
    w->version = v;
    w->buf = wss_http_reply_buffer(req);
    if (w->buf == NULL) {
        w->none_left.is_failed = true;
        w->buf = &w->none_left;
    }
    char *sel = NULL;
    if (v != API_EM_V1BETA1) {
        cJSON *tree = label_selector_json(msel);
        sel = tree != NULL ? cJSON_PrintUnformatted(tree) : NULL;
        cJSON_Delete(tree);
        w->is_failed = sel == NULL;
    }
    switch (v) {
    case API_CM_V1BETA2:
        PUT(&w->mid, ",\"metric\":{\"name\":");
        wss_json_writer_cstring(&w->mid, metric);
        PUT(&w->mid, ",\"selector\":");
        wss_strbuf_puts(&w->mid, sel != NULL ? sel : "null");
        PUT(&w->mid, "},\"timestamp\":");
        w->window_key = ",\"windowSeconds\":";
        break;
    case API_CM_V1BETA1:
        PUT(&w->mid, ",\"metricName\":");
        wss_json_writer_cstring(&w->mid, metric);
        PUT(&w->mid, ",\"timestamp\":");
        PUT(&w->tail, ",\"selector\":");
        wss_strbuf_puts(&w->tail, sel != NULL ? sel : "null");
        w->window_key = ",\"window\":";
        break;
    default:
        PUT(&w->mid, "\"metricName\":");
        wss_json_writer_cstring(&w->mid, metric);
        PUT(&w->mid, ",\"metricLabels\":null,\"timestamp\":");
        break;
    }
    cJSON_free(sel);
    struct wss_strbuf *b = w->buf;
    PUT(b, "{\"kind\":");
    wss_json_writer_cstring(b, v == API_EM_V1BETA1 ? "ExternalMetricValueList" : "MetricValueList");
    PUT(b, ",\"apiVersion\":");
    wss_json_writer_cstring(b, api_versions[v]);
    PUT(b, ",\"metadata\":{},\"items\":[");
}

/* The object a custom metric value describes: a Pod (ns set) or a Namespace (ns NULL). */
static void write_described_object(struct wss_strbuf *b, const char *ns, const char *name)
{
    if (ns != NULL) {
        PUT(b, "{\"kind\":\"Pod\",\"namespace\":");
        wss_json_writer_cstring(b, ns);
    } else {
        PUT(b, "{\"kind\":\"Namespace\"");
    }
    PUT(b, ",\"name\":");
    wss_json_writer_cstring(b, name);
    PUT(b, ",\"apiVersion\":\"v1\"}");
}

/* Appends one item in the list's version's shape. ns NULL = the value describes namespace
 * `name`; external items describe nothing. */
static void list_item(struct list_writer *w, const char *ns, const char *name,
                      const struct metric_value *val)
{
    char qty[WSS_QUANTITY_FORMAT_MAX];
    if (wss_quantity_format_milli(val->milli_value, qty, sizeof(qty)) < 0) {
        w->is_failed = true;
        return;
    }
    int64_t secs = val->timestamp_unix_ms / 1000;
    if (val->timestamp_unix_ms < 0 && val->timestamp_unix_ms % 1000 != 0)
        secs--;
    if (!w->has_ts || secs != w->ts_secs) {
        format_timestamp(val->timestamp_unix_ms, w->ts);
        w->ts_secs = secs;
        w->has_ts = true;
    }
    struct wss_strbuf *b = w->buf;
    if (w->nitems++ == 0)
        PUT(b, "{");
    else
        PUT(b, ",{");
    if (w->version != API_EM_V1BETA1) {
        PUT(b, "\"describedObject\":");
        write_described_object(b, ns, name);
    }
    wss_strbuf_append(b, w->mid.data, w->mid.len);
    wss_json_writer_cstring(b, w->ts);
    if (w->window_key != NULL && val->window_ms > 0) {
        wss_strbuf_puts(b, w->window_key);
        if (write_window_seconds(b, val->window_ms) != 0)
            w->is_failed = true;
    }
    PUT(b, ",\"value\":");
    wss_json_writer_cstring(b, qty);
    wss_strbuf_append(b, w->tail.data, w->tail.len);
    PUT(b, "}");
}

/* Closes the list and sends it as application/json whatever the Accept header asked for (the
 * reply buffer goes to the reply without a copy); 500 when it could not be built. */
static void list_reply(struct wss_http_req *req, struct list_writer *w)
{
    PUT(w->buf, "]}");
    bool is_failed = w->is_failed || w->buf->is_failed || w->mid.is_failed || w->tail.is_failed;
    wss_strbuf_free(&w->mid);
    wss_strbuf_free(&w->tail);
    if (is_failed) {
        reply_source_error(req, WSS_SRC_NO_MEMORY, "", "", "");
        return;
    }
    wss_http_reply_buffered(req, 200, "application/json");
}

/* A list of exactly one item. */
static void reply_one(struct wss_http_req *req, enum api_version v, const char *metric,
                      const struct wss_selector *msel, const char *ns, const char *name,
                      const struct metric_value *val)
{
    struct list_writer w;
    list_begin(&w, req, v, metric, msel);
    list_item(&w, ns, name, val);
    list_reply(req, &w);
}

/* ------------------------------------------------------------------ handlers */

/* The total of namespace ns: one item describing the Namespace. */
static void serve_namespace_total(struct wss_http_req *req, const struct route_ctx *c,
                                  const char *ns, const char *metric)
{
    if (!metric_known(c->src, metric)) {
        reply_unknown_metric(req, c->src, metric, "namespaces");
        return;
    }
    struct sel_storage all;
    wss_selector_init(&all.sel, all.reqs, API_METRICS_MAX_SEL_REQS, all.values,
                      API_METRICS_MAX_SEL_VALUES);
    struct metric_value val;
    memset(&val, 0, sizeof(val));
    int rc = c->src->ops->sum_matching(c->src->self, metric, ns, &all.sel, &val);
    if (rc == WSS_SRC_NOT_FOUND) {
        reply_unknown_metric(req, c->src, metric, "namespaces");
        return;
    }
    if (rc != WSS_SRC_OK) {
        reply_source_error(req, rc, metric, "namespaces", ns);
        return;
    }
    reply_one(req, c->version, metric, NULL, NULL, ns, &val);
}

/* namespaces/{ns}/{resource}/{name}/{metric}: pods only; name "*" lists every matching pod. */
static void handle_object(struct wss_http_req *req, void *arg)
{
    const struct route_ctx *c = arg;
    const char *ns = wss_http_req_param(req, "ns");
    const char *resource = wss_http_req_param(req, "resource");
    const char *name = wss_http_req_param(req, "name");
    const char *metric = wss_http_req_param(req, "metric");
    if (strcmp(resource, "pods") != 0) {
        reply_unknown_metric(req, c->src, metric, resource);
        return;
    }
    struct sel_storage labels, metric_labels;
    if (parse_selector(req, "labelSelector", &labels) != 0 ||
        parse_selector(req, "metricLabelSelector", &metric_labels) != 0)
        return;
    if (!metric_known(c->src, metric)) {
        reply_unknown_metric(req, c->src, metric, resource);
        return;
    }
    int rc;
    if (strcmp(name, "*") == 0) {
        struct metric_values vals = {0};
        rc = c->src->ops->pods_matching(c->src->self, metric, ns, &labels.sel, &vals);
        if (rc == WSS_SRC_OK) {
            struct list_writer w;
            list_begin(&w, req, c->version, metric, &metric_labels.sel);
            for (size_t i = 0; i < vals.n; i++)
                list_item(&w, vals.items[i].namespace_, vals.items[i].name, &vals.items[i]);
            metric_values_free(&vals);
            list_reply(req, &w);
            return;
        }
        metric_values_free(&vals);
        if (rc == WSS_SRC_NOT_FOUND) {
            reply_unknown_metric(req, c->src, metric, resource);
            return;
        }
    } else {
        struct metric_value val;
        memset(&val, 0, sizeof(val));
        rc = c->src->ops->pod_value(c->src->self, metric, ns, name, &val);
        if (rc == WSS_SRC_OK) {
            reply_one(req, c->version, metric, &metric_labels.sel, ns, name, &val);
            return;
        }
    }
    reply_source_error(req, rc, metric, resource, name);
}

/* namespaces/{ns}/metrics/{metric}: the metric of the Namespace object itself. */
static void handle_namespace(struct wss_http_req *req, void *arg)
{
    serve_namespace_total(req, arg, wss_http_req_param(req, "ns"),
                          wss_http_req_param(req, "metric"));
}

/* {resource}/{name}/{metric}, root-scoped: only namespaces/{ns}/{metric} exists. */
static void handle_root(struct wss_http_req *req, void *arg)
{
    const struct route_ctx *c = arg;
    const char *resource = wss_http_req_param(req, "resource");
    const char *name = wss_http_req_param(req, "name");
    const char *metric = wss_http_req_param(req, "metric");
    if (strcmp(resource, "namespaces") != 0 || strcmp(name, "*") == 0) {
        reply_unknown_metric(req, c->src, metric, resource);
        return;
    }
    serve_namespace_total(req, c, name, metric);
}

/* external: namespaces/{ns}/{metric}?labelSelector=: one item, the sum over matching pods. */
static void handle_external(struct wss_http_req *req, void *arg)
{
    const struct route_ctx *c = arg;
    const char *ns = wss_http_req_param(req, "ns");
    const char *metric = wss_http_req_param(req, "metric");
    struct sel_storage labels, metric_labels;
    if (parse_selector(req, "labelSelector", &labels) != 0 ||
        parse_selector(req, "metricLabelSelector", &metric_labels) != 0)
        return;
    if (!metric_known(c->src, metric)) {
        reply_unknown_metric(req, c->src, metric, "external metrics");
        return;
    }
    struct metric_value val;
    memset(&val, 0, sizeof(val));
    int rc = c->src->ops->sum_matching(c->src->self, metric, ns, &labels.sel, &val);
    if (rc == WSS_SRC_NOT_FOUND) {
        reply_unknown_metric(req, c->src, metric, "external metrics");
        return;
    }
    if (rc != WSS_SRC_OK) {
        reply_source_error(req, rc, metric, "namespace", ns);
        return;
    }
    reply_one(req, c->version, metric, NULL, ns, ns, &val);
}

struct route {
    const char *suffix;
    wss_http_handler_cb handler;
};

int api_metrics_add_routes(struct api_metrics *m, struct wss_http_router *r,
                           struct wss_parse_err *err)
{
    static const struct route custom[] = {
        {"/namespaces/{ns}/{resource}/{name}/{metric}", handle_object},
        {"/namespaces/{ns}/metrics/{metric}", handle_namespace},
        {"/{resource}/{name}/{metric}", handle_root},
    };
    char pattern[256];
    for (int v = API_CM_V1BETA1; v <= API_CM_V1BETA2; v++)
        for (size_t i = 0; i < sizeof(custom) / sizeof(custom[0]); i++) {
            snprintf(pattern, sizeof(pattern), "/apis/%s%s", api_versions[v], custom[i].suffix);
            if (wss_http_router_add(r, "GET", pattern, custom[i].handler, &m->ctx[v], err) != 0)
                return WSS_PARSE_INVALID;
        }
    snprintf(pattern, sizeof(pattern), "/apis/%s/namespaces/{ns}/{metric}",
             api_versions[API_EM_V1BETA1]);
    if (wss_http_router_add(r, "GET", pattern, handle_external, &m->ctx[API_EM_V1BETA1], err) != 0)
        return WSS_PARSE_INVALID;
    return 0;
}
