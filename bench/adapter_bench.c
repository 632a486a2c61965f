/* SPDX-License-Identifier: Apache-2.0 */
/* adapter_bench.c: wsscale-adapter-bench, the client side of bench/adapter_api.sh: `push` registers
 *   pods and pushes protobuf ReportBatches at a paced (or the highest) rate; `query` times the
 *   HPA's selector query over keep-alive connections and checks every reply's item count. Prints
 *   one JSON summary on stdout; exit 0, 1 when a reply was wrong or nothing got through, 2 on bad
 *   flags.
 * Does not: start, stop or measure the server (the script does), decide whether a goal is met,
 *   or run under ctest.
 * Threads: main parses flags and starts --connections workers; each worker owns one curl handle
 *   (one keep-alive connection), its share of the pods or requests and its own results, which main
 *   merges after joining. The only state written while workers run is stop_requested (below). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "wsscale.pb-c.h"
#include "wsscale/clock.h"
#include "wsscale/flags_main.h"
#include "wsscale/log.h"

#define PROGRAM         "wsscale-adapter-bench"
#define MAX_CONNECTIONS 64
#define MAX_BATCH       256 /* the adapter's default cap on reports in one ReportBatch */
#define MAX_CODE        600 /* HTTP codes are counted in [0, MAX_CODE); 0 = transport failure */
#define MAX_BODY_BYTES  (16u << 20) /* a reply larger than this is cut and counts as bad */
#define MAX_BAD_REPLIES 10          /* query: stop after this many wrong replies */
#define SNIPPET_BYTES   240         /* of the first wrong reply, kept for the summary */
#define NAME_BYTES      64          /* room for "p-NNNNNNN", a UID or "web-NN" */
#define NS_PER_S        1000000000LL
#define NS_PER_MS       1000000.0

#define HPA_PATH                                                                                   \
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/bench/pods/%2A/websocket_connections"          \
    "?labelSelector=app%3Dweb-7"
/* What the HPA sends (spec §3): kube-controller-manager asks for protobuf, then anything. */
#define HPA_ACCEPT "Accept: application/vnd.kubernetes.protobuf, */*"
#define BATCH_CONTENT_TYPE                                                                         \
    "Content-Type: application/x-protobuf; messageType=wsscale.v1.ReportBatch"
#define INGEST_PATH "/ingest/v1/reports"

enum mode { MODE_PUSH = 0, MODE_QUERY = 1 };
enum reply_format { FORMAT_K8S = 0, FORMAT_PROMETHEUS = 1 };

/* Set by SIGINT/SIGTERM on the main thread, read by every worker between requests. */
static volatile sig_atomic_t stop_requested;
/* The sidecar_instance of every report of this process (a new one restarts the sequences);
 * written by main before the workers start, only read afterwards. */
static uint64_t run_instance;

static struct {
    int mode, format;
    const char *url, *ca_file, *ns, *path;
    bool is_insecure, is_register;
    int64_t connections, pods, apps, rate, duration_ms, batch, interval_ms;
    int64_t requests, warmup, expect_items, timeout_ms, max_seconds;
    struct wss_log_flags log;
} o;

static const struct wss_flag flag_table[] = {
    WSS_FLAG_ENUM("mode", &o.mode, "query", WSS_CHOICES("push", "query"),
                  "push: register --pods pods, then send reports at --rate for --duration. "
                  "query: --warmup then --requests GETs of --path, each reply checked."),
    WSS_FLAG_STRING("url", &o.url, "https://127.0.0.1:6443",
                    "Base URL of the server (https:// or http://), without a path."),
    WSS_FLAG_BOOL("insecure", &o.is_insecure, "false",
                  "Do not verify the server's certificate (the adapter's self-signed pair)."),
    WSS_FLAG_STRING("ca-file", &o.ca_file, "", "CA bundle to verify the server with, if any."),
    WSS_FLAG_INT("connections", &o.connections, "1", 1, MAX_CONNECTIONS,
                 "Keep-alive connections, one worker thread each; pods and requests are split "
                 "evenly among them."),
    WSS_FLAG_INT("timeout", &o.timeout_ms, "10000", 1, 600000,
                 "Milliseconds one request may take before it counts as failed."),
    WSS_FLAG_INT("max-seconds", &o.max_seconds, "600", 1, 86400,
                 "Stop the run after this many seconds whatever is left."),
    /* push */
    WSS_FLAG_STRING("namespace", &o.ns, "bench", "push: the pods' namespace."),
    WSS_FLAG_INT("pods", &o.pods, "10000", 1, 1000000,
                 "push: pods p-0..p-(N-1), each with its own UID, label app=web-(i % --apps)."),
    WSS_FLAG_INT("apps", &o.apps, "20", 1, 1000,
                 "push: distinct app label values; one selector matches pods/apps pods."),
    WSS_FLAG_BOOL("register", &o.is_register, "true",
                  "push: report every pod once (sequence 1), as fast as possible, before the "
                  "paced phase."),
    WSS_FLAG_INT("rate", &o.rate, "10000", 0, 10000000,
                 "push: reports per second over all connections in the paced phase; 0 = as fast "
                 "as the server answers (closed loop)."),
    WSS_FLAG_DURATION("duration", &o.duration_ms, "10s",
                      "push: length of the paced phase; 0 = register only."),
    WSS_FLAG_INT("batch", &o.batch, "100", 1, MAX_BATCH, "push: reports per ReportBatch POST."),
    WSS_FLAG_DURATION("interval", &o.interval_ms, "1s",
                      "push: the sampling interval each report states (the adapter's stale-after "
                      "defaults to 3 of them, at most 10 s)."),
    /* query */
    WSS_FLAG_STRING("path", &o.path, HPA_PATH,
                    "query: path and query string to GET, sent as written."),
    WSS_FLAG_ENUM("format", &o.format, "k8s", WSS_CHOICES("k8s", "prometheus"),
                  "query: reply format: k8s counts MetricValueList items, prometheus counts the "
                  "vector's results."),
    WSS_FLAG_INT("requests", &o.requests, "20000", 1, 100000000, "query: measured requests."),
    WSS_FLAG_INT("warmup", &o.warmup, "500", 0, 100000000,
                 "query: requests before the measured ones (fully JSON-parsed and checked)."),
    WSS_FLAG_INT("expect-items", &o.expect_items, "500", 0, 100000000,
                 "query: items every reply must have."),
    WSS_LOG_FLAGS(&o.log, "warn"),
};

static const struct wss_flags flags = {
    .program = PROGRAM,
    .summary = "Benchmark client for wsscale-adapter: pushes ReportBatches at a rate, or times the "
               "HPA's 500-pod selector query over HTTPS keep-alive. Prints a JSON summary.",
    .flags = flag_table,
    .nflags = sizeof(flag_table) / sizeof(flag_table[0]),
};

/* A growable reply body, capped at MAX_BODY_BYTES. */
struct body {
    char *data; /* owned */
    size_t len, cap;
    bool is_cut;
};

/* One worker's results; main merges them. */
struct worker {
    pthread_t thread;
    unsigned index;
    CURL *curl;              /* owned */
    struct curl_slist *hdrs; /* owned */
    struct body body;
    uint64_t codes[MAX_CODE];     /* replies by HTTP code in the measured phase; [0] = no reply */
    uint64_t reg_codes[MAX_CODE]; /* push: replies of the registration phase */
    int64_t *lat_ns;              /* owned; one per measured request */
    size_t nlat, lat_cap;
    uint64_t new_connections; /* connections opened during the measured phase */
    uint64_t bad, reports_sent, reports_accepted, bytes;
    uint64_t reports_stored, reports_ignored; /* as the adapter's 2xx replies count them */
    int64_t reg_ns, run_ns; /* wall time of the registration and measured phases */
    char first_error[SNIPPET_BYTES + 1];
    bool is_failed;  /* setup failed: nothing ran */
    bool is_started; /* thread is running and must be joined */
    /* push */
    uint64_t cursor; /* reports this worker has built; picks the pod and its sequence */
    uint64_t npods;  /* pods this worker owns: global indexes index, index + C, ... */
};

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t len = size * n;
    if (b->len + len + 1 > b->cap) {
        size_t want = b->cap ? b->cap : 65536;
        while (want < b->len + len + 1 && want < MAX_BODY_BYTES)
            want *= 2;
        if (want > MAX_BODY_BYTES)
            want = MAX_BODY_BYTES;
        if (want > b->cap) {
            char *p = realloc(b->data, want);
            if (p == NULL)
                return 0;
            b->data = p;
            b->cap = want;
        }
    }
    size_t room = b->cap - 1 - b->len;
    size_t keep = len < room ? len : room;
    memcpy(b->data + b->len, data, keep);
    b->len += keep;
    b->data[b->len] = '\0';
    if (keep < len)
        b->is_cut = true;
    return len;
}

static int setup_curl(struct worker *w)
{
    w->curl = curl_easy_init();
    if (w->curl == NULL)
        return -1;
    CURL *h = w->curl;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o.timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &w->body);
    curl_easy_setopt(h, CURLOPT_USERAGENT, PROGRAM);
    /* Only the given CA file (or none): libcurl's built-in CA directory would be loaded whole. */
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    if (o.is_insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (o.ca_file[0] != '\0') {
        curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file);
    }
    return 0;
}

/* Runs the prepared request; returns the HTTP code (0 on a transport failure, with curl's
 * message as the body) and adds the connections it had to open to *opened. */
static long perform(struct worker *w, uint64_t *opened, int64_t *took_ns)
{
    w->body.len = 0;
    w->body.is_cut = false;
    int64_t t0 = wss_clock_mono_ns();
    CURLcode rc = curl_easy_perform(w->curl);
    *took_ns = wss_clock_mono_ns() - t0;
    long code = 0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
    } else {
        char msg[SNIPPET_BYTES];
        int n = snprintf(msg, sizeof(msg), "curl: %s", curl_easy_strerror(rc));
        w->body.len = 0;
        on_body(msg, 1, n > 0 ? (size_t)n : 0, &w->body);
    }
    long n = 0;
    if (curl_easy_getinfo(w->curl, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK && n > 0)
        *opened += (uint64_t)n;
    if (code < 0 || code >= MAX_CODE)
        code = 0;
    return code;
}

static void keep_error(struct worker *w, long code)
{
    if (w->first_error[0] != '\0')
        return;
    snprintf(w->first_error, sizeof(w->first_error), "HTTP %ld: %.*s", code, SNIPPET_BYTES / 2,
             w->body.data ? w->body.data : "");
}

static int push_latency(struct worker *w, int64_t ns)
{
    if (w->nlat == w->lat_cap) {
        size_t cap = w->lat_cap ? 2 * w->lat_cap : 4096;
        int64_t *p = realloc(w->lat_ns, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        w->lat_ns = p;
        w->lat_cap = cap;
    }
    w->lat_ns[w->nlat++] = ns;
    return 0;
}

/* ---- push ---- */

/* The protobuf messages of one batch, rebuilt in place for every POST. */
struct batch_buf {
    Wsscale__V1__Report reports[MAX_BATCH];
    Wsscale__V1__Report *report_ptrs[MAX_BATCH];
    Wsscale__V1__Label labels[MAX_BATCH];
    Wsscale__V1__Label *label_ptrs[MAX_BATCH];
    char pod[MAX_BATCH][NAME_BYTES], uid[MAX_BATCH][NAME_BYTES], app[MAX_BATCH][NAME_BYTES];
    uint8_t *packed; /* owned */
    size_t packed_cap;
};

/* Fills b with the worker's next n reports and packs them; returns the packed length or 0. */
static size_t build_batch(struct worker *w, struct batch_buf *b, size_t n, uint64_t instance)
{
    Wsscale__V1__ReportBatch batch = WSSCALE__V1__REPORT_BATCH__INIT;
    int64_t now_ms = wss_clock_real_ns() / 1000000;
    for (size_t k = 0; k < n; k++, w->cursor++) {
        uint64_t local = w->cursor % w->npods;
        uint64_t pod = w->index + local * (uint64_t)o.connections;
        uint64_t seq = w->cursor / w->npods + 1;
        Wsscale__V1__Report *r = &b->reports[k];
        Wsscale__V1__Label *l = &b->labels[k];
        *r = (Wsscale__V1__Report)WSSCALE__V1__REPORT__INIT;
        *l = (Wsscale__V1__Label)WSSCALE__V1__LABEL__INIT;
        snprintf(b->pod[k], NAME_BYTES, "p-%" PRIu64, pod);
        snprintf(b->uid[k], NAME_BYTES, "00000000-0000-4000-8000-%012" PRIx64, pod);
        snprintf(b->app[k], NAME_BYTES, "web-%" PRIu64, pod % (uint64_t)o.apps);
        l->key = "app";
        l->value = b->app[k];
        b->label_ptrs[k] = l;
        r->namespace_ = (char *)o.ns;
        r->pod = b->pod[k];
        r->pod_uid = b->uid[k];
        r->n_labels = 1;
        r->labels = &b->label_ptrs[k];
        r->source = WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM;
        r->source_state = WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK;
        r->active_connections = (pod * 7 + seq) % 1000;
        r->sample_time_unix_ms = now_ms;
        r->interval_ms = (uint32_t)o.interval_ms;
        r->sidecar_instance = instance;
        r->sequence = seq;
        b->report_ptrs[k] = r;
    }
    batch.n_reports = n;
    batch.reports = b->report_ptrs;
    size_t len = wsscale__v1__report_batch__get_packed_size(&batch);
    if (len > b->packed_cap) {
        uint8_t *p = realloc(b->packed, len);
        if (p == NULL)
            return 0;
        b->packed = p;
        b->packed_cap = len;
    }
    return wsscale__v1__report_batch__pack(&batch, b->packed);
}

/* The number after key in the adapter's ingest reply ({"stored":N,"removed":N,"ignored":N}), 0
 * when the reply has none. */
static uint64_t reply_count(const struct body *b, const char *key)
{
    const char *p = b->data ? strstr(b->data, key) : NULL;
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* POSTs the worker's next n reports; counts the reply in codes. Returns the code. */
static long post_batch(struct worker *w, struct batch_buf *b, size_t n, uint64_t instance,
                       uint64_t *codes, uint64_t *opened, int64_t *took_ns)
{
    size_t len = build_batch(w, b, n, instance);
    if (len == 0) {
        *took_ns = 0;
        codes[0]++;
        return 0;
    }
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, (const char *)b->packed);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    long code = perform(w, opened, took_ns);
    codes[code]++;
    w->reports_sent += n;
    if (code >= 200 && code < 300) {
        w->reports_accepted += n;
        w->reports_stored += reply_count(&w->body, "\"stored\":");
        w->reports_ignored += reply_count(&w->body, "\"ignored\":");
    } else {
        keep_error(w, code);
    }
    return code;
}

static void sleep_until_ns(int64_t when_ns)
{
    struct timespec ts = {.tv_sec = when_ns / NS_PER_S, .tv_nsec = when_ns % NS_PER_S};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_requested)
        ;
}

static void *push_worker(void *arg)
{
    struct worker *w = arg;
    struct batch_buf *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        w->is_failed = true;
        return NULL;
    }
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", o.url, INGEST_PATH);
    curl_easy_setopt(w->curl, CURLOPT_URL, url);
    w->hdrs = curl_slist_append(NULL, BATCH_CONTENT_TYPE);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->hdrs);
    int64_t deadline = wss_clock_mono_ns() + o.max_seconds * NS_PER_S;
    int64_t took, t0 = wss_clock_mono_ns();
    uint64_t reg_opened = 0;

    /* Registration: every pod once; bounded by the pod count. */
    if (o.is_register) {
        uint64_t left = w->npods;
        while (left > 0 && !stop_requested && wss_clock_mono_ns() < deadline) {
            size_t n = left < (uint64_t)o.batch ? (size_t)left : (size_t)o.batch;
            post_batch(w, b, n, run_instance, w->reg_codes, &reg_opened, &took);
            left -= n;
        }
    }
    w->reg_ns = wss_clock_mono_ns() - t0;
    w->reports_sent = w->reports_accepted = w->reports_stored = w->reports_ignored = 0;

    /* The paced phase: batch k leaves at start + k * batch / rate (at once when late). */
    if (o.duration_ms > 0) {
        double rate_w = (double)o.rate / (double)o.connections;
        int64_t period_ns = rate_w > 0 ? (int64_t)((double)o.batch * NS_PER_S / rate_w) : 0;
        int64_t start = wss_clock_mono_ns();
        int64_t end = start + o.duration_ms * 1000000;
        if (end > deadline)
            end = deadline;
        /* One POST takes at least a microsecond, so this also bounds the closed loop. */
        uint64_t max_batches = period_ns > 0 ? (uint64_t)((end - start) / period_ns) + 1
                                             : (uint64_t)(end - start) / 1000;
        for (uint64_t k = 0; k < max_batches && !stop_requested; k++) {
            if (period_ns > 0) {
                int64_t when = start + (int64_t)k * period_ns;
                if (when >= end)
                    break;
                if (when > wss_clock_mono_ns())
                    sleep_until_ns(when);
            } else if (wss_clock_mono_ns() >= end) {
                break;
            }
            post_batch(w, b, (size_t)o.batch, run_instance, w->codes, &w->new_connections, &took);
            if (push_latency(w, took) != 0)
                break;
        }
        /* A paced run is charged its whole window, also when its last batch left early. */
        int64_t took_all = wss_clock_mono_ns() - start;
        w->run_ns =
            (period_ns > 0 && !stop_requested && took_all < end - start) ? end - start : took_all;
    }
    free(b->packed);
    free(b);
    return NULL;
}

/* ---- query ---- */

/* Counts the items of a reply without parsing it: each MetricValue has one describedObject, each
 * vector element one metric. The warm-up replies are parsed in full instead (check_full). */
static long count_items(const char *s, size_t len)
{
    const char *key = o.format == FORMAT_K8S ? "\"describedObject\"" : "\"metric\"";
    size_t klen = strlen(key);
    long n = 0;
    const char *end = s + len;
    for (const char *p = s; p != NULL && p < end; p += klen) {
        p = memmem(p, (size_t)(end - p), key, klen);
        if (p == NULL)
            break;
        n++;
    }
    return n;
}

/* Parses the reply and returns its item count, or -1 when it is not the expected document. */
static long check_full(const char *s)
{
    cJSON *root = cJSON_Parse(s);
    long n = -1;
    if (root == NULL)
        return -1;
    if (o.format == FORMAT_K8S) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
        if (cJSON_IsString(kind) && strcmp(kind->valuestring, "MetricValueList") == 0 &&
            cJSON_IsArray(items))
            n = cJSON_GetArraySize(items);
    } else {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result");
        if (cJSON_IsString(st) && strcmp(st->valuestring, "success") == 0 && cJSON_IsArray(res))
            n = cJSON_GetArraySize(res);
    }
    cJSON_Delete(root);
    return n;
}

/* One GET, checked; returns true when the reply was 200 with exactly --expect-items items. */
static bool query_once(struct worker *w, bool is_warmup, uint64_t *opened, int64_t *took)
{
    long code = perform(w, opened, took);
    if (!is_warmup)
        w->codes[code]++;
    w->bytes += w->body.len;
    long items = -1;
    if (code == 200 && !w->body.is_cut)
        items = is_warmup ? check_full(w->body.data ? w->body.data : "")
                          : count_items(w->body.data, w->body.len);
    if (items == o.expect_items)
        return true;
    if (w->first_error[0] == '\0')
        snprintf(w->first_error, sizeof(w->first_error),
                 "HTTP %ld, %ld items (want %" PRId64 "): %.*s", code, items, o.expect_items,
                 SNIPPET_BYTES / 2, w->body.data ? w->body.data : "");
    w->bad++;
    return false;
}

static void *query_worker(void *arg)
{
    struct worker *w = arg;
    char url[2048];
    snprintf(url, sizeof(url), "%s%s", o.url, o.path);
    curl_easy_setopt(w->curl, CURLOPT_URL, url);
    w->hdrs = curl_slist_append(NULL, HPA_ACCEPT);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->hdrs);
    uint64_t share = (uint64_t)o.requests / (uint64_t)o.connections +
                     ((uint64_t)w->index < (uint64_t)o.requests % (uint64_t)o.connections);
    uint64_t warm = ((uint64_t)o.warmup + (uint64_t)o.connections - 1) / (uint64_t)o.connections;
    int64_t deadline = wss_clock_mono_ns() + o.max_seconds * NS_PER_S;
    int64_t took;
    uint64_t warm_opened = 0;
    for (uint64_t i = 0; i < warm && !stop_requested && w->bad < MAX_BAD_REPLIES; i++) {
        if (wss_clock_mono_ns() >= deadline)
            break;
        query_once(w, true, &warm_opened, &took);
    }
    w->bytes = 0;
    int64_t start = wss_clock_mono_ns();
    for (uint64_t i = 0; i < share && !stop_requested && w->bad < MAX_BAD_REPLIES; i++) {
        if (wss_clock_mono_ns() >= deadline)
            break;
        query_once(w, false, &w->new_connections, &took);
        if (push_latency(w, took) != 0)
            break;
    }
    w->run_ns = wss_clock_mono_ns() - start;
    return NULL;
}

/* ---- summary ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n), in ms. */
static double pct_ms(const int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(p * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)v[rank - 1] / NS_PER_MS;
}

static void add_latency(cJSON *root, const char *name, int64_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    cJSON *lat = cJSON_AddObjectToObject(root, name);
    cJSON_AddNumberToObject(lat, "p50", pct_ms(v, n, 0.50));
    cJSON_AddNumberToObject(lat, "p90", pct_ms(v, n, 0.90));
    cJSON_AddNumberToObject(lat, "p99", pct_ms(v, n, 0.99));
    cJSON_AddNumberToObject(lat, "p999", pct_ms(v, n, 0.999));
    cJSON_AddNumberToObject(lat, "max", n ? (double)v[n - 1] / NS_PER_MS : 0);
    cJSON_AddNumberToObject(lat, "mean", n ? sum / (double)n / NS_PER_MS : 0);
}

static void add_codes(cJSON *root, const char *name, const uint64_t *codes)
{
    cJSON *c = cJSON_AddObjectToObject(root, name);
    for (int i = 0; i < MAX_CODE; i++)
        if (codes[i] > 0) {
            char key[8];
            snprintf(key, sizeof(key), "%d", i);
            cJSON_AddNumberToObject(c, i == 0 ? "failed" : key, (double)codes[i]);
        }
}

/* Merges the workers into one JSON summary on stdout; returns the exit code. */
static int summarize(struct worker *ws, size_t nw, double wall_s)
{
    uint64_t codes[MAX_CODE] = {0}, reg_codes[MAX_CODE] = {0};
    uint64_t bad = 0, sent = 0, accepted = 0, stored = 0, ignored = 0, opened = 0, bytes = 0;
    int64_t run_ns = 0, reg_ns = 0;
    size_t nlat = 0;
    const char *first_error = "";
    for (size_t i = 0; i < nw; i++) {
        for (int c = 0; c < MAX_CODE; c++) {
            codes[c] += ws[i].codes[c];
            reg_codes[c] += ws[i].reg_codes[c];
        }
        bad += ws[i].bad + ws[i].is_failed;
        sent += ws[i].reports_sent;
        accepted += ws[i].reports_accepted;
        stored += ws[i].reports_stored;
        ignored += ws[i].reports_ignored;
        opened += ws[i].new_connections;
        bytes += ws[i].bytes;
        nlat += ws[i].nlat;
        run_ns = ws[i].run_ns > run_ns ? ws[i].run_ns : run_ns;
        reg_ns = ws[i].reg_ns > reg_ns ? ws[i].reg_ns : reg_ns;
        if (first_error[0] == '\0')
            first_error = ws[i].first_error;
    }
    int64_t *lat = malloc((nlat ? nlat : 1) * sizeof(*lat));
    cJSON *root = cJSON_CreateObject();
    if (lat == NULL || root == NULL) {
        free(lat);
        cJSON_Delete(root);
        WSS_LOG(WSS_LOG_ERROR, "out of memory");
        return 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nw; i++) {
        if (ws[i].nlat > 0)
            memcpy(lat + k, ws[i].lat_ns, ws[i].nlat * sizeof(*lat));
        k += ws[i].nlat;
    }
    double run_s = (double)run_ns / NS_PER_S;
    int rc = 0;
    cJSON_AddStringToObject(root, "mode", o.mode == MODE_PUSH ? "push" : "query");
    cJSON_AddStringToObject(root, "url", o.url);
    cJSON_AddNumberToObject(root, "connections", (double)o.connections);
    cJSON_AddNumberToObject(root, "wall_s", wall_s);
    if (o.mode == MODE_PUSH) {
        uint64_t reg_total = 0, reg_ok = 0;
        for (int c = 0; c < MAX_CODE; c++) {
            reg_total += reg_codes[c];
            if (c >= 200 && c < 300)
                reg_ok += reg_codes[c];
        }
        cJSON_AddNumberToObject(root, "pods", (double)o.pods);
        cJSON_AddNumberToObject(root, "batch", (double)o.batch);
        cJSON *reg = cJSON_AddObjectToObject(root, "register");
        cJSON_AddNumberToObject(reg, "seconds", (double)reg_ns / NS_PER_S);
        add_codes(reg, "codes", reg_codes);
        cJSON_AddNumberToObject(root, "target_rate", (double)o.rate);
        cJSON_AddNumberToObject(root, "duration_s", run_s);
        cJSON_AddNumberToObject(root, "batches", (double)nlat);
        cJSON_AddNumberToObject(root, "reports_sent", (double)sent);
        cJSON_AddNumberToObject(root, "reports_accepted", (double)accepted);
        cJSON_AddNumberToObject(root, "reports_stored", (double)stored);
        cJSON_AddNumberToObject(root, "reports_ignored", (double)ignored);
        cJSON_AddNumberToObject(root, "reports_per_s", run_s > 0 ? (double)accepted / run_s : 0);
        cJSON_AddNumberToObject(root, "new_connections", (double)opened);
        add_codes(root, "codes", codes);
        add_latency(root, "post_latency_ms", lat, nlat);
        if ((o.is_register && reg_ok != reg_total) || (o.duration_ms > 0 && accepted != sent) ||
            bad > 0)
            rc = 1;
    } else {
        cJSON_AddStringToObject(root, "path", o.path);
        cJSON_AddNumberToObject(root, "expect_items", (double)o.expect_items);
        cJSON_AddNumberToObject(root, "requests", (double)nlat);
        cJSON_AddNumberToObject(root, "bad", (double)bad);
        cJSON_AddNumberToObject(root, "new_connections", (double)opened);
        cJSON_AddNumberToObject(root, "duration_s", run_s);
        cJSON_AddNumberToObject(root, "req_per_s", run_s > 0 ? (double)nlat / run_s : 0);
        cJSON_AddNumberToObject(root, "reply_bytes_mean", nlat ? (double)bytes / (double)nlat : 0);
        add_codes(root, "codes", codes);
        add_latency(root, "latency_ms", lat, nlat);
        if (bad > 0 || nlat < (size_t)o.requests)
            rc = 1;
    }
    cJSON_AddBoolToObject(root, "ok", rc == 0);
    cJSON_AddStringToObject(root, "first_error", first_error);
    char *text = cJSON_Print(root);
    if (text == NULL || printf("%s\n", text) < 0 || fflush(stdout) != 0)
        rc = 1;
    free(text);
    cJSON_Delete(root);
    free(lat);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = wss_flags_main_parse(&flags, argc, argv);
    if (rc != WSS_FLAGS_MAIN_CONTINUE) {
        wss_flags_free(&flags);
        return rc;
    }
    wss_log_flags_apply(&o.log);
    if (o.mode == MODE_PUSH && o.pods < o.connections) {
        WSS_LOG(WSS_LOG_ERROR, "--pods must be at least --connections");
        wss_flags_free(&flags);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        wss_flags_free(&flags);
        return 1;
    }
    run_instance = (uint64_t)wss_clock_real_ns();
    size_t nw = (size_t)o.connections;
    struct worker *ws = calloc(nw, sizeof(*ws));
    if (ws == NULL) {
        curl_global_cleanup();
        wss_flags_free(&flags);
        return 1;
    }
    int64_t t0 = wss_clock_mono_ns();
    for (size_t i = 0; i < nw; i++) {
        struct worker *w = &ws[i];
        w->index = (unsigned)i;
        w->npods = (uint64_t)o.pods / nw + (i < (uint64_t)o.pods % nw);
        if (setup_curl(w) != 0 ||
            pthread_create(&w->thread, NULL, o.mode == MODE_PUSH ? push_worker : query_worker, w) !=
                0) {
            w->is_failed = true;
            WSS_LOG(WSS_LOG_ERROR, "worker setup failed", WSS_KV_UINT("worker", i));
            continue;
        }
        w->is_started = true;
    }
    for (size_t i = 0; i < nw; i++)
        if (ws[i].is_started)
            pthread_join(ws[i].thread, NULL);
    rc = summarize(ws, nw, (double)(wss_clock_mono_ns() - t0) / NS_PER_S);
    for (size_t i = 0; i < nw; i++) {
        curl_easy_cleanup(ws[i].curl);
        curl_slist_free_all(ws[i].hdrs);
        free(ws[i].body.data);
        free(ws[i].lat_ns);
    }
    free(ws);
    curl_global_cleanup();
    wss_flags_free(&flags);
    return rc;
}
