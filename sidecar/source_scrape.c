/* SPDX-License-Identifier: Apache-2.0 */
/* source_scrape.c: the `scrape` source: one libcurl GET of the app's /metrics per sample, the
 * body parsed line by line (expo_parse.c) and the matching series of one gauge summed.
 * Does not: retry within a sample, log, or guess: anything it cannot read is a state, not a 0.
 * Threads: a source is the sampler thread's; source_scrape_sum is pure but for its scratch. */
#include "source_scrape.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "expo_parse.h"
#include "wsscale/strbuf.h"

/* Sums beyond this are no longer exact in a double. */
#define EXACT_SUM_MAX 9007199254740992.0
/* What the request asks for: the text format this source parses. */
#define ACCEPT_HEADER "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1"

struct scrape_source {
    char *url;
    char *metric;
    char *selector_text; /* sel's keys and values point into it */
    struct wss_sel_req reqs[SOURCE_SCRAPE_MAX_REQS];
    struct wss_sel_value values[SOURCE_SCRAPE_MAX_VALUES];
    struct wss_selector sel;
    CURL *curl; /* kept between samples for keep-alive */
    struct curl_slist *headers;
    struct wss_strbuf body;
    char curl_err[CURL_ERROR_SIZE];
};

static void set_reason(struct source_sample *out, enum source_state state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_reason(struct source_sample *out, enum source_state state, const char *fmt, ...)
{
    out->state = state;
    out->active = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
}

static bool name_is(const struct expo_line *l, const char *metric, size_t metric_len)
{
    return l->name_len == metric_len && memcmp(l->name, metric, metric_len) == 0;
}

int source_scrape_sum(const char *body, size_t len, const char *metric,
                      const struct wss_selector *sel, struct source_sample *out)
{
    memset(out, 0, sizeof(*out));
    size_t metric_len = strlen(metric);
    /* A line's unescaped text is never longer than the line, so this always suffices. */
    char *scratch = malloc(len > 0 ? len : 1);
    if (scratch == NULL) {
        set_reason(out, SOURCE_ERROR, "out of memory");
        return -ENOMEM;
    }
    struct wss_label labels[SOURCE_SCRAPE_MAX_LABELS];
    struct expo_parser p = {0};
    struct wss_parse_err err;
    bool is_known = false;
    double sum = 0;
    size_t off = 0;
    /* Each pass consumes at least one byte, so the loop ends within len + 1 passes. */
    for (size_t pass = 0; pass <= len; pass++) {
        struct expo_line l = {.labels = labels,
                              .labels_cap = SOURCE_SCRAPE_MAX_LABELS,
                              .buf = scratch,
                              .buf_len = len};
        int rc = expo_parse_line(&p, body + off, len - off, true, &l, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            set_reason(out, SOURCE_ERROR, "exposition: %s", err.msg);
            goto out;
        }
        off += (size_t)rc;
        if ((l.kind != EXPO_LINE_HELP && l.kind != EXPO_LINE_TYPE && l.kind != EXPO_LINE_SAMPLE) ||
            !name_is(&l, metric, metric_len))
            continue;
        is_known = true;
        if (l.kind == EXPO_LINE_TYPE &&
            (l.type == EXPO_TYPE_HISTOGRAM || l.type == EXPO_TYPE_SUMMARY)) {
            set_reason(out, SOURCE_ERROR, "%s is a %s, not a gauge", metric,
                       expo_type_name(l.type));
            goto out;
        }
        if (l.kind != EXPO_LINE_SAMPLE || !wss_selector_matches(sel, l.labels, l.nlabels))
            continue;
        if (!isfinite(l.value) || l.value < 0) {
            set_reason(out, SOURCE_ERROR, "%s has a series whose value is %g", metric, l.value);
            goto out;
        }
        sum += l.value;
    }
    if (!is_known) {
        set_reason(out, SOURCE_MISSING, "%s is not in the exposition", metric);
        goto out;
    }
    if (sum > EXACT_SUM_MAX) {
        set_reason(out, SOURCE_ERROR, "%s sums to %g, past what a count can be", metric, sum);
        goto out;
    }
    out->state = SOURCE_OK;
    out->active = (uint64_t)llround(sum);
out:
    free(scratch);
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct wss_strbuf *b = arg;
    size_t n = size * nmemb;
    /* Returning less than n makes curl fail the transfer with CURLE_WRITE_ERROR. */
    return wss_strbuf_append(b, data, n) == 0 ? n : 0;
}

static int scrape_sample(void *self, struct source_sample *out)
{
    struct scrape_source *s = self;
    memset(out, 0, sizeof(*out));
    wss_strbuf_reset(&s->body);
    s->curl_err[0] = '\0';
    CURLcode rc = curl_easy_perform(s->curl);
    if (rc == CURLE_COULDNT_CONNECT) {
        set_reason(out, SOURCE_MISSING, "nothing listens at %s yet", s->url);
        return 0;
    }
    if (rc == CURLE_WRITE_ERROR && s->body.is_failed) {
        set_reason(out, SOURCE_ERROR, "%s answered more than %d bytes", s->url,
                   SOURCE_SCRAPE_MAX_BODY_BYTES);
        return 0;
    }
    if (rc != CURLE_OK) {
        set_reason(out, SOURCE_ERROR, "GET %s: %s", s->url,
                   s->curl_err[0] != '\0' ? s->curl_err : curl_easy_strerror(rc));
        return 0;
    }
    long status = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        set_reason(out, SOURCE_ERROR, "GET %s: HTTP %ld", s->url, status);
        return 0;
    }
    if (source_scrape_sum(s->body.data != NULL ? s->body.data : "", s->body.len, s->metric, &s->sel,
                          out) != 0)
        return 0;
    return 0;
}

static void scrape_destroy(void *self)
{
    struct scrape_source *s = self;
    if (s == NULL)
        return;
    if (s->curl != NULL)
        curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->headers);
    wss_strbuf_free(&s->body);
    free(s->url);
    free(s->metric);
    free(s->selector_text);
    free(s);
}

static const struct source_ops scrape_ops = {
    .kind = "scrape",
    .sample = scrape_sample,
    .destroy = scrape_destroy,
};

static bool is_metric_name(const char *s)
{
    for (size_t i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        bool is_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                     (i > 0 && c >= '0' && c <= '9');
        if (!is_ok)
            return false;
    }
    return s[0] != '\0';
}

static int setup_curl(struct scrape_source *s, int64_t timeout_ms)
{
    s->curl = curl_easy_init();
    s->headers = curl_slist_append(NULL, ACCEPT_HEADER);
    if (s->curl == NULL || s->headers == NULL)
        return -1;
    CURL *c = s->curl;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, s->url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &s->body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "wsscale-sidecar") != CURLE_OK;
    return bad ? -1 : 0;
}

struct source source_scrape_new(const struct source_scrape_config *cfg, char *err, size_t errlen)
{
    struct source none = {0};
    if (cfg->url == NULL ||
        (strncmp(cfg->url, "http://", 7) != 0 && strncmp(cfg->url, "https://", 8) != 0)) {
        snprintf(err, errlen, "scrape-url must be an http:// or https:// URL, not \"%s\"",
                 cfg->url != NULL ? cfg->url : "");
        return none;
    }
    if (cfg->metric == NULL || !is_metric_name(cfg->metric)) {
        snprintf(err, errlen, "scrape-metric \"%s\" is not a Prometheus metric name",
                 cfg->metric != NULL ? cfg->metric : "");
        return none;
    }
    if (cfg->timeout_ms <= 0) {
        snprintf(err, errlen, "scrape-timeout must be a positive duration");
        return none;
    }
    struct scrape_source *s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto oom;
    wss_strbuf_init(&s->body, SOURCE_SCRAPE_MAX_BODY_BYTES);
    s->url = strdup(cfg->url);
    s->metric = strdup(cfg->metric);
    s->selector_text = strdup(cfg->selector != NULL ? cfg->selector : "");
    if (s->url == NULL || s->metric == NULL || s->selector_text == NULL)
        goto oom;
    wss_selector_init(&s->sel, s->reqs, SOURCE_SCRAPE_MAX_REQS, s->values,
                      SOURCE_SCRAPE_MAX_VALUES);
    struct wss_parse_err perr;
    if (wss_selector_parse(s->selector_text, strlen(s->selector_text), &s->sel, &perr) < 0) {
        snprintf(err, errlen, "scrape-selector \"%s\": %s", s->selector_text, perr.msg);
        scrape_destroy(s);
        return none;
    }
    if (setup_curl(s, cfg->timeout_ms) != 0)
        goto oom;
    return (struct source){.ops = &scrape_ops, .self = s};
oom:
    snprintf(err, errlen, "cannot set up the scrape source: out of memory");
    scrape_destroy(s);
    return none;
}
