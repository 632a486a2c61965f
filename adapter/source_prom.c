/* SPDX-License-Identifier: Apache-2.0 */
/* source_prom.c: metric_source_ops answered by one PromQL instant query per call, the series
 * grouped by pod, pod labels from the store of reports or from the series.
 * Does not: cache a value between calls, retry, or serve a pod Prometheus no longer returns.
 * Threads: any API thread; the curl handle pool is under pool_lock, all else is read-only. */
#include "source_prom.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "metric_values.h"
#include "prom_query_json.h"
#include "wsscale/file_read.h"
#include "wsscale/log.h"

/* The query text before URL encoding: the metric, two escaped label values and the filter. */
#define QUERY_MAX         2048
#define TOKEN_MAX_BYTES   16384 /* a service-account token is about 1 KiB */
#define QUERY_PATH        "/api/v1/query"
#define LABEL_NAMESPACE   "namespace"
#define LABEL_POD         "pod"
#define ERR_TEXT_MAX      256
#define FIRST_REPLY_BYTES 4096

struct source_prom {
    char *query_url; /* owned: base URL + QUERY_PATH */
    char *metric;    /* owned */
    const char *metrics[2];
    int64_t timeout_ms;
    int64_t max_age_ms;
    char *ca_file;             /* owned; NULL = system pool */
    char *token_file;          /* owned; NULL = none */
    struct store *labels_from; /* borrowed */
    pthread_mutex_t pool_lock;
    CURL *pool[SOURCE_PROM_POOL_MAX]; /* idle handles; under pool_lock */
    size_t npool;                     /* under pool_lock */
};

/* ------------------------------------------------------------------ query text */

/* Appends s to buf[*len..cap) with PromQL double-quoted string escaping. false when full. */
static bool append_quoted(char *buf, size_t cap, size_t *len, const char *s)
{
    if (*len + 1 >= cap)
        return false;
    buf[(*len)++] = '"';
    for (; *s; s++) {
        char esc = 0;
        if (*s == '"' || *s == '\\')
            esc = *s;
        else if (*s == '\n')
            esc = 'n';
        if (*len + (esc ? 2 : 1) + 1 >= cap)
            return false;
        if (esc) {
            buf[(*len)++] = '\\';
            buf[(*len)++] = esc;
        } else {
            buf[(*len)++] = *s;
        }
    }
    buf[(*len)++] = '"';
    buf[*len] = '\0';
    return true;
}

static bool append_raw(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, s, n + 1);
    *len += n;
    return true;
}

/* metric{namespace="ns"[,pod="pod"]} */
static bool append_selector(char *buf, size_t cap, size_t *len, const char *metric, const char *ns,
                            const char *pod)
{
    bool ok = append_raw(buf, cap, len, metric) &&
              append_raw(buf, cap, len, "{" LABEL_NAMESPACE "=") &&
              append_quoted(buf, cap, len, ns);
    if (ok && pod)
        ok = append_raw(buf, cap, len, "," LABEL_POD "=") && append_quoted(buf, cap, len, pod);
    return ok && append_raw(buf, cap, len, "}");
}

/* The series of ns (and pod), keeping only samples at most max_age old: the plain selector
 * honours staleness markers, `timestamp()` is each sample's own time. */
static bool build_query(const struct source_prom *s, const char *ns, const char *pod, char *buf,
                        size_t cap)
{
    size_t len = 0;
    char age[64];
    snprintf(age, sizeof(age), ") <= %lld.%03lld)", (long long)(s->max_age_ms / 1000),
             (long long)(s->max_age_ms % 1000));
    buf[0] = '\0';
    return append_selector(buf, cap, &len, s->metric, ns, pod) &&
           append_raw(buf, cap, &len, " and (time() - timestamp(") &&
           append_selector(buf, cap, &len, s->metric, ns, pod) && append_raw(buf, cap, &len, age);
}

/* ------------------------------------------------------------------ HTTP */

struct reply {
    char *data; /* owned */
    size_t len, cap;
    bool is_too_long;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct reply *r = arg;
    size_t n = size * nmemb;
    if (n > PROM_QUERY_JSON_MAX_BYTES - r->len) {
        r->is_too_long = true;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : FIRST_REPLY_BYTES;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *d = realloc(r->data, cap);
        if (!d)
            return 0;
        r->data = d;
        r->cap = cap;
    }
    memcpy(r->data + r->len, ptr, n);
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

static CURL *pool_take(struct source_prom *s)
{
    CURL *c = NULL;
    if (pthread_mutex_lock(&s->pool_lock) == 0) {
        if (s->npool > 0)
            c = s->pool[--s->npool];
        pthread_mutex_unlock(&s->pool_lock);
    }
    if (c) {
        curl_easy_reset(c); /* keeps its live connection */
        return c;
    }
    return curl_easy_init();
}

static void pool_give(struct source_prom *s, CURL *c)
{
    if (c && pthread_mutex_lock(&s->pool_lock) == 0) {
        if (s->npool < SOURCE_PROM_POOL_MAX) {
            s->pool[s->npool++] = c;
            c = NULL;
        }
        pthread_mutex_unlock(&s->pool_lock);
    }
    curl_easy_cleanup(c);
}

/* "Authorization: Bearer <token>" from the token file, re-read per query (rotation). */
static int auth_header(const struct source_prom *s, struct curl_slist **headers, char *why,
                       size_t whylen)
{
    if (!s->token_file)
        return 0;
    char *tok = NULL;
    size_t len = 0;
    if (wss_file_read(s->token_file, TOKEN_MAX_BYTES, &tok, &len, NULL, why, whylen) != 0)
        return -1;
    while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' '))
        tok[--len] = '\0';
    size_t hlen = len + sizeof("Authorization: Bearer ");
    char *h = malloc(hlen);
    if (h)
        snprintf(h, hlen, "Authorization: Bearer %s", tok);
    free(tok);
    struct curl_slist *l = h ? curl_slist_append(*headers, h) : NULL;
    free(h);
    if (!l) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    *headers = l;
    return 0;
}

/* POSTs the query; on 200 fills *r with the body. Returns WSS_SRC_OK, WSS_SRC_UNAVAILABLE (with
 * why), or WSS_SRC_NO_MEMORY. */
static int post_query(struct source_prom *s, const char *query, struct reply *r, char *why,
                      size_t whylen)
{
    CURL *c = pool_take(s);
    if (!c)
        return WSS_SRC_NO_MEMORY;
    int rc = WSS_SRC_UNAVAILABLE;
    struct curl_slist *headers = NULL;
    char *enc = curl_easy_escape(c, query, 0);
    size_t blen = enc ? strlen(enc) + sizeof("query=") : 0;
    char *body = enc ? malloc(blen) : NULL;
    if (!body) {
        rc = WSS_SRC_NO_MEMORY;
        goto done;
    }
    snprintf(body, blen, "query=%s", enc);
    if (auth_header(s, &headers, why, whylen) != 0)
        goto done;
    struct curl_slist *h = curl_slist_append(headers, "Accept: application/json");
    if (!h) {
        rc = WSS_SRC_NO_MEMORY;
        goto done;
    }
    headers = h;
    bool bad = false;
    bad |= curl_easy_setopt(c, CURLOPT_URL, s->query_url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)s->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, r) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    if (s->ca_file)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file) != CURLE_OK;
    if (bad) {
        snprintf(why, whylen, "libcurl refused an option");
        goto done;
    }
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK) {
        snprintf(why, whylen, "%s", r->is_too_long ? "reply too long" : curl_easy_strerror(cc));
        goto done;
    }
    if (code != 200) {
        /* Prometheus explains a 4xx/5xx in the same JSON; show that when it reads. */
        struct wss_parse_err perr;
        struct prom_query_result none = {0};
        if (r->len > 0 && prom_query_json_read(r->data, r->len, &none, &perr) < 0)
            snprintf(why, whylen, "HTTP %ld: %.200s", code, perr.msg);
        else
            snprintf(why, whylen, "HTTP %ld", code);
        goto done;
    }
    rc = WSS_SRC_OK;
done:
    curl_slist_free_all(headers);
    free(body);
    curl_free(enc);
    pool_give(s, c);
    return rc;
}

/* ------------------------------------------------------------------ one query */

/* A parsed reply and its storage, owned by one call. */
struct answer {
    struct prom_query_result res;
    size_t *order; /* owned; indices of the samples with a pod label, sorted by pod name */
    size_t n;      /* entries in order */
};

/* Frees and zeroes; safe to call twice. */
static void answer_free(struct answer *a)
{
    free(a->res.samples);
    free(a->res.labels);
    free(a->res.text);
    free(a->order);
    memset(a, 0, sizeof(*a));
}

static const char *pod_of(const struct prom_sample *smp)
{
    const struct wss_label *l = prom_sample_label(smp, LABEL_POD);
    return l && l->value_len > 0 ? l->value : NULL;
}

static int by_pod(const void *a, const void *b, void *arg)
{
    const struct prom_sample *smp = arg;
    return strcmp(pod_of(&smp[*(const size_t *)a]), pod_of(&smp[*(const size_t *)b]));
}

/* Kubernetes names are printable ASCII; anything else (control bytes, invalid UTF-8 that
 * Prometheus would refuse as bad_data) names no pod, so it is not worth a query. */
static bool is_printable_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Runs the query for ns (and pod) and reads the reply into a, samples without a pod label
 * dropped and the rest sorted by pod. A name no pod can have, or too long for a query, is an
 * empty answer (so NOT_FOUND for one pod), never a query Prometheus would refuse. */
static int ask(struct source_prom *s, const char *ns, const char *pod, struct answer *a)
{
    memset(a, 0, sizeof(*a));
    char query[QUERY_MAX];
    char why[ERR_TEXT_MAX] = "";
    if (!is_printable_ascii(ns) || !is_printable_ascii(pod) ||
        !build_query(s, ns, pod, query, sizeof(query)))
        return WSS_SRC_OK;
    struct reply r = {0};
    int rc = post_query(s, query, &r, why, sizeof(why));
    if (rc == WSS_SRC_UNAVAILABLE)
        WSS_WARN("prometheus query failed", WSS_KV_STR("url", s->query_url),
                 WSS_KV_STR("reason", why));
    if (rc != WSS_SRC_OK)
        goto done;
    size_t ns_cap, nl_cap, nt_cap;
    prom_query_json_caps(r.len, &ns_cap, &nl_cap, &nt_cap);
    a->res.samples = calloc(ns_cap, sizeof(*a->res.samples));
    a->res.labels = calloc(nl_cap, sizeof(*a->res.labels));
    a->res.text = malloc(nt_cap);
    a->order = calloc(ns_cap, sizeof(*a->order));
    if (!a->res.samples || !a->res.labels || !a->res.text || !a->order) {
        rc = WSS_SRC_NO_MEMORY;
        goto done;
    }
    a->res.samples_cap = ns_cap;
    a->res.labels_cap = nl_cap;
    a->res.text_cap = nt_cap;
    struct wss_parse_err perr;
    if (prom_query_json_read(r.data, r.len, &a->res, &perr) < 0) {
        WSS_WARN("prometheus reply unreadable", WSS_KV_STR("url", s->query_url),
                 WSS_KV_STR("reason", perr.msg));
        rc = WSS_SRC_UNAVAILABLE;
        goto done;
    }
    for (size_t i = 0; i < a->res.nsamples; i++)
        if (pod_of(&a->res.samples[i]) != NULL)
            a->order[a->n++] = i;
    qsort_r(a->order, a->n, sizeof(*a->order), by_pod, a->res.samples);
done:
    free(r.data);
    if (rc != WSS_SRC_OK)
        answer_free(a);
    return rc;
}

/* One pod: the samples order[first..end) of an answer. */
struct pod_group {
    const char *name;
    size_t first, end;
    bool is_servable;
    int64_t milli_value, timestamp_ms;
};

/* Groups order[i..) by pod name; the value is the maximum over servable samples. */
static size_t next_group(const struct answer *a, size_t i, struct pod_group *g)
{
    const struct prom_sample *smp = a->res.samples;
    memset(g, 0, sizeof(*g));
    g->name = pod_of(&smp[a->order[i]]);
    g->first = i;
    for (; i < a->n && strcmp(pod_of(&smp[a->order[i]]), g->name) == 0; i++) {
        const struct prom_sample *x = &smp[a->order[i]];
        if (x->invalid_reason != NULL || x->milli_value < 0)
            continue;
        if (!g->is_servable || x->milli_value > g->milli_value)
            g->milli_value = x->milli_value;
        if (x->timestamp_ms > g->timestamp_ms)
            g->timestamp_ms = x->timestamp_ms;
        g->is_servable = true;
    }
    g->end = i;
    return i;
}

struct store_match {
    const struct wss_selector *sel;
    bool is_match;
};

static bool match_store_pod(const struct store_pod_view *p, void *arg)
{
    struct store_match *m = arg;
    m->is_match = wss_selector_matches(m->sel, p->labels, p->nlabels);
    return false;
}

/* The store's labels for the pod when it knows it, else any of its series' labels. */
static bool group_matches(const struct source_prom *s, const struct answer *a, const char *ns,
                          const struct pod_group *g, const struct wss_selector *sel)
{
    if (sel == NULL || sel->nreqs == 0)
        return true;
    struct store_match m = {.sel = sel};
    if (s->labels_from && store_find(s->labels_from, ns, g->name, match_store_pod, &m))
        return m.is_match;
    for (size_t i = g->first; i < g->end; i++) {
        const struct prom_sample *x = &a->res.samples[a->order[i]];
        if (wss_selector_matches(sel, x->labels, x->nlabels))
            return true;
    }
    return false;
}

static void fill_value(const char *ns, const struct pod_group *g, struct metric_value *out)
{
    metric_value_init(out, ns, g->name);
    out->milli_value = g->milli_value;
    out->timestamp_unix_ms = g->timestamp_ms;
    out->window_ms = SOURCE_PROM_WINDOW_MS;
}

/* ------------------------------------------------------------------ ops */

static int pod_value(void *self, const char *metric, const char *ns, const char *pod,
                     struct metric_value *out)
{
    struct source_prom *s = self;
    if (strcmp(metric, s->metric) != 0)
        return WSS_SRC_NOT_FOUND;
    struct answer a;
    int rc = ask(s, ns, pod, &a);
    if (rc != WSS_SRC_OK)
        return rc;
    rc = WSS_SRC_NOT_FOUND;
    for (size_t i = 0; i < a.n;) {
        struct pod_group g;
        i = next_group(&a, i, &g);
        if (strcmp(g.name, pod) != 0)
            continue;
        rc = g.is_servable ? WSS_SRC_OK : WSS_SRC_STALE;
        if (g.is_servable)
            fill_value(ns, &g, out);
        break;
    }
    answer_free(&a);
    return rc;
}

static int pods_matching(void *self, const char *metric, const char *ns,
                         const struct wss_selector *sel, struct metric_values *out)
{
    struct source_prom *s = self;
    if (strcmp(metric, s->metric) != 0)
        return WSS_SRC_NOT_FOUND;
    struct answer a;
    int rc = ask(s, ns, NULL, &a);
    for (size_t i = 0; rc == WSS_SRC_OK && i < a.n;) {
        struct pod_group g;
        i = next_group(&a, i, &g);
        if (!g.is_servable || !group_matches(s, &a, ns, &g, sel))
            continue;
        struct metric_value v;
        fill_value(ns, &g, &v);
        rc = metric_values_append(out, &v);
    }
    answer_free(&a);
    return rc;
}

static int sum_matching(void *self, const char *metric, const char *ns,
                        const struct wss_selector *sel, struct metric_value *out)
{
    struct source_prom *s = self;
    if (strcmp(metric, s->metric) != 0)
        return WSS_SRC_NOT_FOUND;
    struct answer a;
    int rc = ask(s, ns, NULL, &a);
    if (rc != WSS_SRC_OK)
        return rc;
    metric_value_init(out, ns, NULL);
    out->window_ms = SOURCE_PROM_WINDOW_MS;
    for (size_t i = 0; i < a.n;) {
        struct pod_group g;
        i = next_group(&a, i, &g);
        if (!g.is_servable || !group_matches(s, &a, ns, &g, sel))
            continue;
        out->milli_value = out->milli_value > INT64_MAX - g.milli_value
                               ? INT64_MAX
                               : out->milli_value + g.milli_value;
        if (g.timestamp_ms > out->timestamp_unix_ms)
            out->timestamp_unix_ms = g.timestamp_ms;
    }
    answer_free(&a);
    return WSS_SRC_OK;
}

static const char *const *list_metrics(void *self)
{
    struct source_prom *s = self;
    return s->metrics;
}

static void destroy(void *self)
{
    struct source_prom *s = self;
    if (!s)
        return;
    for (size_t i = 0; i < s->npool; i++)
        curl_easy_cleanup(s->pool[i]);
    pthread_mutex_destroy(&s->pool_lock);
    free(s->query_url);
    free(s->metric);
    free(s->ca_file);
    free(s->token_file);
    free(s);
    curl_global_cleanup();
}

static const struct metric_source_ops ops = {
    .pod_value = pod_value,
    .pods_matching = pods_matching,
    .sum_matching = sum_matching,
    .list_metrics = list_metrics,
    .destroy = destroy,
};

/* ------------------------------------------------------------------ construction */

/* Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]*, so the name needs no quoting in PromQL. */
static bool is_metric_name(const char *m)
{
    if (!m || !*m)
        return false;
    for (size_t i = 0; m[i]; i++) {
        char c = m[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

/* base URL + QUERY_PATH, after libcurl's URL parser accepts it as http(s). */
static char *make_query_url(const char *url, char *err, size_t errlen)
{
    if (!url || !*url) {
        snprintf(err, errlen, "prometheus-url is empty");
        return NULL;
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "prometheus-url %s: the scheme must be http or https", url);
        return NULL;
    }
    if (strchr(url, '?') || strchr(url, '#')) {
        snprintf(err, errlen, "prometheus-url %s: must not have a query or fragment", url);
        return NULL;
    }
    CURLU *u = curl_url();
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    curl_url_cleanup(u);
    if (uc != CURLUE_OK) {
        snprintf(err, errlen, "prometheus-url %s: %s", url, curl_url_strerror(uc));
        return NULL;
    }
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    char *q = malloc(n + sizeof(QUERY_PATH));
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(q, url, n);
    memcpy(q + n, QUERY_PATH, sizeof(QUERY_PATH));
    return q;
}

static char *dup_or_null(const char *s, bool *failed)
{
    if (!s || !*s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *failed = true;
    return d;
}

int source_prom_new(const struct source_prom_config *cfg, struct metric_source *out, char *err,
                    size_t errlen)
{
    if (!is_metric_name(cfg->metric)) {
        snprintf(err, errlen, "metric %s is not a Prometheus metric name",
                 cfg->metric ? cfg->metric : "(none)");
        return WSS_SRC_UNAVAILABLE;
    }
    if (cfg->timeout_ms < 0 || cfg->max_age_ms < 0) {
        snprintf(err, errlen, "timeout and max age must not be negative");
        return WSS_SRC_UNAVAILABLE;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl failed to initialise");
        return WSS_SRC_UNAVAILABLE;
    }
    int rc = WSS_SRC_NO_MEMORY;
    struct source_prom *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        curl_global_cleanup();
        return rc;
    }
    bool failed = false;
    s->metric = dup_or_null(cfg->metric, &failed);
    s->ca_file = dup_or_null(cfg->ca_file, &failed);
    s->token_file = dup_or_null(cfg->token_file, &failed);
    if (failed || pthread_mutex_init(&s->pool_lock, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        free(s->metric);
        free(s->ca_file);
        free(s->token_file);
        free(s);
        curl_global_cleanup();
        return rc;
    }
    s->query_url = make_query_url(cfg->url, err, errlen);
    if (!s->query_url) {
        destroy(s);
        return WSS_SRC_UNAVAILABLE;
    }
    s->metrics[0] = s->metric;
    s->metrics[1] = NULL;
    s->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : SOURCE_PROM_DEFAULT_TIMEOUT_MS;
    s->max_age_ms = cfg->max_age_ms ? cfg->max_age_ms : SOURCE_PROM_DEFAULT_MAX_AGE_MS;
    s->labels_from = cfg->labels_from;
    out->ops = &ops;
    out->self = s;
    return WSS_SRC_OK;
}
