/* SPDX-License-Identifier: Apache-2.0 */
/* pod_watch.c: the pod informer thread: LIST in pages (the resourceVersion of the first page),
 * then WATCH from it with bookmarks, each event line read by pod_event_parse; a gone pod is
 * store_forget'ed. A 410 or an unreadable event relists; any other failure backs off and
 * reconnects from the last resourceVersion.
 * Does not: remember pods or build the metrics page (the registry renders them).
 * Threads: the watch thread owns rv and the client calls; is_stopping is atomic (read by the
 * client's poll loop) and, with lock and cond, wakes a backoff wait at once. */
#include "pod_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_client.h"
#include "kube_config.h"
#include "pod_event.h"
#include "wsscale/backoff.h"
#include "wsscale/log.h"
#include "wsscale/mono_cond.h"
#include "wsscale/rng.h"
#include "wsscale/strbuf.h"

#define HTTP_GONE      410 /* the resourceVersion is older than the API keeps */
#define PATH_MAX_BYTES 4096

static const char *const event_types[] = {NULL,      "ADDED",    "MODIFIED",
                                          "DELETED", "BOOKMARK", "ERROR"};

struct pod_watch {
    struct kube_client *client; /* owned */
    struct store *store;        /* borrowed */
    int64_t watch_timeout_s;
    struct wss_prom_gauge *up;
    struct wss_prom_counter *events[POD_EVENT_ERROR + 1]; /* by type; [0] unused */
    struct wss_prom_counter *relists, *dropped;
    char rv[POD_EVENT_RV_MAX + 1]; /* watch thread only; "" = LIST first */
    bool is_gone;                  /* watch thread only: the last WATCH ended with a 410 */
    uint64_t watch_events;         /* watch thread only: events the last WATCH delivered */
    unsigned failures;             /* watch thread only: in a row, reset by a WATCH that works */
    char why[POD_WATCH_ERR_LEN];   /* watch thread only: why the last WATCH ended badly */
    pthread_t thread;
    bool is_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_bool is_stopping; /* also under lock when set, so a waiting thread wakes */
    struct wss_rng rng;      /* watch thread only */
};

static void refused_collect(struct wss_prom_writer *wr, void *arg)
{
    wss_prom_writer_sample(wr, NULL, 0, (double)store_refused_gone(arg));
}

static int add_metrics(struct pod_watch *w, struct wss_prom_registry *r, struct store *st,
                       struct wss_parse_err *err)
{
    static const char *const type_label[] = {"type"};
    struct wss_prom_desc up = {
        .type = WSS_PROM_GAUGE,
        .name = "wsscale_adapter_pod_watch_up",
        .help = "1 while the pod watch is connected (after a good LIST), else 0."};
    struct wss_prom_desc events = {.type = WSS_PROM_COUNTER,
                                   .name = "wsscale_adapter_pod_watch_events_total",
                                   .help = "Pod watch events read, by type.",
                                   .label_names = type_label,
                                   .nlabels = 1};
    struct wss_prom_desc relists = {.type = WSS_PROM_COUNTER,
                                    .name = "wsscale_adapter_pod_watch_relists_total",
                                    .help = "Pod LISTs after the first (after a 410 Gone, an "
                                            "unreadable event or a failed LIST)."};
    struct wss_prom_desc dropped = {.type = WSS_PROM_COUNTER,
                                    .name = "wsscale_adapter_pod_watch_pods_dropped_total",
                                    .help = "Pods dropped from the store because the watch said "
                                            "they are gone (deleted, Succeeded or Failed)."};
    struct wss_prom_desc refused = {.type = WSS_PROM_COUNTER,
                                    .name = "wsscale_adapter_pod_watch_reports_refused_total",
                                    .help = "Reports refused because their pod UID is gone.",
                                    .collect = refused_collect,
                                    .collect_arg = st};
    struct wss_prom_family *f;
    if ((f = wss_prom_family_new(r, &up, err)) == NULL ||
        (w->up = wss_prom_gauge_get(f, NULL, 0, err)) == NULL ||
        (f = wss_prom_family_new(r, &events, err)) == NULL)
        return -1;
    for (int i = POD_EVENT_ADDED; i <= POD_EVENT_ERROR; i++)
        if ((w->events[i] = wss_prom_counter_get(f, WSS_PROM_VALUES(event_types[i]), err)) == NULL)
            return -1;
    if ((f = wss_prom_family_new(r, &relists, err)) == NULL ||
        (w->relists = wss_prom_counter_get(f, NULL, 0, err)) == NULL ||
        (f = wss_prom_family_new(r, &dropped, err)) == NULL ||
        (w->dropped = wss_prom_counter_get(f, NULL, 0, err)) == NULL ||
        wss_prom_family_new(r, &refused, err) == NULL)
        return -1;
    return 0;
}

struct pod_watch *pod_watch_new(const struct pod_watch_config *cfg, char *err, size_t errlen)
{
    struct pod_watch *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->store = cfg->store;
    w->watch_timeout_s = cfg->watch_timeout_s > 0 ? cfg->watch_timeout_s : POD_WATCH_TIMEOUT_S;
    atomic_init(&w->is_stopping, false);
    wss_rng_seed_random(&w->rng);
    struct kube_config kc = {0};
    char why[KUBE_CONFIG_ERR_LEN + KUBE_CLIENT_ERR_LEN];
    struct wss_parse_err perr = {0};
    bool has_file = cfg->kubeconfig != NULL && cfg->kubeconfig[0] != '\0';
    int rc = has_file ? kube_config_load_file(cfg->kubeconfig, &kc, why, sizeof(why))
                      : kube_config_in_cluster(NULL, &kc, why, sizeof(why));
    if (rc != 0) {
        snprintf(err, errlen, "--pod-watch: %s", why);
        goto fail_config;
    }
    w->client = kube_client_new(&kc, POD_WATCH_LIST_TIMEOUT_MS, why, sizeof(why));
    kube_config_clear(&kc);
    if (w->client == NULL) {
        snprintf(err, errlen, "--pod-watch: %s", why);
        goto fail_config;
    }
    if (add_metrics(w, cfg->registry, cfg->store, &perr) != 0) {
        snprintf(err, errlen, "--pod-watch: metrics: %s", perr.msg);
        goto fail_config;
    }
    bool ok = wss_mono_cond_init(&w->cond) == 0;
    if (!ok || pthread_mutex_init(&w->lock, NULL) != 0) {
        snprintf(err, errlen, "--pod-watch: pthread init failed");
        if (ok)
            pthread_cond_destroy(&w->cond);
        goto fail_config;
    }
    return w;
fail_config:
    kube_config_clear(&kc);
    kube_client_free(w->client);
    free(w);
    return NULL;
}

/* Appends s percent-encoded for a query value (RFC 3986 unreserved bytes kept). */
static void append_escaped(struct wss_strbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (keep)
            wss_strbuf_append(b, (const char *)&ch, 1);
        else
            wss_strbuf_printf(b, "%%%02X", ch);
    }
}

/* Drops a gone pod's sample. A relist's finished pods are dropped only when held (is_listed). */
static void forget_if_gone(struct pod_watch *w, const struct pod_event *ev, bool is_listed)
{
    if (!pod_event_is_gone(ev))
        return;
    size_t len = strlen(ev->uid);
    if (is_listed ? store_forget_held(w->store, ev->uid, len)
                  : store_forget(w->store, ev->uid, len)) {
        wss_prom_counter_inc(w->dropped);
        WSS_INFO("pod gone: dropped its sample", WSS_KV_STR("namespace", ev->ns),
                 WSS_KV_STR("pod", ev->name), WSS_KV_STR("uid", ev->uid),
                 WSS_KV_STR("event", event_types[ev->type]), WSS_KV_STR("phase", ev->phase));
    }
}

static void on_list_item(const struct pod_event *item, void *arg)
{
    forget_if_gone(arg, item, true);
}

/* Reads one LIST page reply: gone pods forgotten, rv (first page only) and token set. */
static int read_page(struct pod_watch *w, const char *reply, bool is_first, char *rv, size_t rv_cap,
                     char *token, size_t token_cap)
{
    size_t len = strlen(reply);
    struct pod_event_list list = {.text = malloc(pod_event_text_cap(len)),
                                  .text_cap = pod_event_text_cap(len)};
    struct wss_parse_err perr = {0};
    int rc = -1;
    if (list.text == NULL)
        snprintf(w->why, sizeof(w->why), "LIST pods: out of memory");
    else if (pod_event_list_parse(reply, len, &list, on_list_item, w, &perr) < 0)
        snprintf(w->why, sizeof(w->why), "LIST pods: %.900s", perr.msg);
    else if (strlen(list.continue_token) >= token_cap)
        snprintf(w->why, sizeof(w->why), "LIST pods: continue token too long");
    else {
        if (is_first)
            snprintf(rv, rv_cap, "%s", list.resource_version);
        snprintf(token, token_cap, "%s", list.continue_token);
        rc = 0;
    }
    free(list.text);
    return rc;
}

/* LISTs every page; sets w->rv to the first page's resourceVersion. A page over
 * POD_EVENT_MAX_LIST (large pods: injected sidecars, big annotations) is asked for again with half
 * the limit, down to one pod. 0, or -1 with w->why. */
static int list_pods(struct pod_watch *w)
{
    char token[PATH_MAX_BYTES] = "", rv[POD_EVENT_RV_MAX + 1] = "";
    size_t pages = 0;
    int limit = POD_WATCH_LIST_PAGE;
    while (!atomic_load(&w->is_stopping)) {
        struct wss_strbuf path = {0};
        wss_strbuf_printf(&path, "/api/v1/pods?limit=%d", limit);
        if (token[0] != '\0') {
            wss_strbuf_puts(&path, "&continue=");
            append_escaped(&path, token);
        }
        char *reply = NULL, why[KUBE_CLIENT_ERR_LEN] = "out of memory";
        long code =
            path.is_failed
                ? -1
                : kube_client_get_json_stoppable(w->client, path.data, &w->is_stopping,
                                                 POD_EVENT_MAX_LIST, &reply, why, sizeof(why));
        wss_strbuf_free(&path);
        if (code == KUBE_CLIENT_TOO_LARGE && limit > 1) {
            limit /= 2;
            WSS_WARN("LIST pods: page too large; asking for fewer pods", WSS_KV_STR("error", why),
                     WSS_KV_INT("limit", limit));
            continue; /* the same page again (token unchanged) */
        }
        int rc = -1;
        if (code < 0)
            snprintf(w->why, sizeof(w->why), "LIST pods: %s", why);
        else if (code != 200)
            snprintf(w->why, sizeof(w->why), "LIST pods: HTTP %ld: %.300s%s", code, reply,
                     code == 403 ? " (grant the adapter list and watch on pods)" : "");
        else
            rc = read_page(w, reply, pages++ == 0, rv, sizeof(rv), token, sizeof(token));
        free(reply);
        if (rc != 0)
            return -1;
        if (token[0] == '\0')
            break;
    }
    if (atomic_load(&w->is_stopping)) {
        snprintf(w->why, sizeof(w->why), "LIST pods: stopped");
        return -1;
    }
    snprintf(w->rv, sizeof(w->rv), "%s", rv);
    WSS_INFO("listed pods", WSS_KV_STR("resource_version", rv), WSS_KV_UINT("pages", pages));
    return 0;
}

/* The watch works again (a WATCH delivered an event, or ended cleanly): up, failures reset. */
static void mark_up(struct pod_watch *w)
{
    wss_prom_gauge_set(w->up, 1);
    if (w->failures > 0)
        WSS_INFO("the pod watch is back", WSS_KV_UINT("failures", w->failures));
    w->failures = 0;
}

/* One watch line. Returns 0 to go on, 1 to end the watch (w->is_gone or w->why says why). */
static int on_event(const char *line, size_t len, void *arg)
{
    struct pod_watch *w = arg;
    struct pod_event ev = {.text = malloc(pod_event_text_cap(len)),
                           .text_cap = pod_event_text_cap(len)};
    struct wss_parse_err perr = {0};
    int rc = 0;
    if (ev.text == NULL) {
        snprintf(w->why, sizeof(w->why), "WATCH pods: out of memory");
        return 1;
    }
    if (pod_event_parse(line, len, &ev, &perr) < 0) {
        snprintf(w->why, sizeof(w->why), "WATCH pods: unreadable event: %.900s", perr.msg);
        w->rv[0] = '\0'; /* the stream cannot be trusted past it: relist */
        rc = 1;
    } else if (ev.type == POD_EVENT_ERROR) {
        wss_prom_counter_inc(w->events[ev.type]);
        w->is_gone = ev.code == HTTP_GONE;
        snprintf(w->why, sizeof(w->why), "WATCH pods: ERROR %d: %.300s", ev.code, ev.message);
        if (w->is_gone)
            w->rv[0] = '\0';
        rc = 1;
    } else {
        wss_prom_counter_inc(w->events[ev.type]);
        if (w->watch_events++ == 0)
            mark_up(w);
        snprintf(w->rv, sizeof(w->rv), "%s", ev.resource_version);
        forget_if_gone(w, &ev, false);
    }
    free(ev.text);
    return rc;
}

/* One WATCH from w->rv until the server ends it. 0 when it ended cleanly, -1 otherwise. */
static int watch_pods(struct pod_watch *w)
{
    struct wss_strbuf path = {0};
    wss_strbuf_puts(&path, "/api/v1/pods?watch=1&resourceVersion=");
    append_escaped(&path, w->rv);
    wss_strbuf_printf(&path, "&allowWatchBookmarks=true&timeoutSeconds=%lld",
                      (long long)w->watch_timeout_s);
    struct kube_client_watch_opts o = {.max_line = POD_EVENT_MAX_LINE,
                                       .idle_timeout_ms =
                                           w->watch_timeout_s * 1000 + POD_WATCH_IDLE_SLACK_MS,
                                       .stop = &w->is_stopping};
    w->why[0] = '\0';
    w->is_gone = false;
    w->watch_events = 0;
    char err[KUBE_CLIENT_ERR_LEN] = "out of memory";
    long code = path.is_failed
                    ? -1
                    : kube_client_watch(w->client, path.data, on_event, w, &o, err, sizeof(err));
    wss_strbuf_free(&path);
    if (w->why[0] != '\0')
        return -1;
    if (code == HTTP_GONE) {
        /* refused outright as too old, as an ERROR event would have said: relist */
        w->is_gone = true;
        w->rv[0] = '\0';
    }
    if (code < 200 || code > 299) {
        snprintf(w->why, sizeof(w->why), "WATCH pods: %s", err);
        return -1;
    }
    return 0;
}

/* Waits delay_ms or until stopped. */
static void wait_or_stop(struct pod_watch *w, uint64_t delay_ms)
{
    struct timespec at = wss_mono_deadline_ms((int64_t)delay_ms);
    if (pthread_mutex_lock(&w->lock) != 0)
        return;
    int rc = 0;
    while (!atomic_load(&w->is_stopping) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cond, &w->lock, &at);
    pthread_mutex_unlock(&w->lock);
}

static void *run(void *arg)
{
    struct pod_watch *w = arg;
    bool is_first_list = true;
    while (!atomic_load(&w->is_stopping)) {
        bool ok = true;
        if (w->rv[0] == '\0') {
            if (!is_first_list)
                wss_prom_counter_inc(w->relists);
            ok = list_pods(w) == 0;
            is_first_list = is_first_list && !ok;
            if (ok)
                wss_prom_gauge_set(w->up, 1);
        }
        if (ok) {
            ok = watch_pods(w) == 0;
            if (ok)
                mark_up(w);
            if (!ok && w->is_gone) {
                WSS_INFO("pod watch: resourceVersion too old (410): relisting",
                         WSS_KV_STR("error", w->why));
                if (w->watch_events > 0)
                    continue; /* it had made progress: relist at once */
            }
        }
        if (ok || atomic_load(&w->is_stopping))
            continue;
        /* Only a WATCH that got somewhere resets failures: a good LIST does not, so a WATCH
         * refused again and again (a 500, a 410 straight after the LIST, RBAC that allows list
         * but not watch) backs off further each time, as client-go's reflector does. */
        wss_prom_gauge_set(w->up, 0);
        uint64_t delay =
            wss_backoff_ms(w->failures++, POD_WATCH_RETRY_BASE_MS, POD_WATCH_RETRY_CAP_MS,
                           WSS_BACKOFF_EQUAL, wss_rng_next(&w->rng));
        WSS_WARN("pod watch failed; retrying", WSS_KV_STR("error", w->why),
                 WSS_KV_UINT("failures", w->failures), WSS_KV_UINT("retry_ms", delay));
        wait_or_stop(w, delay);
    }
    wss_prom_gauge_set(w->up, 0);
    return NULL;
}

int pod_watch_start(struct pod_watch *w, char *err, size_t errlen)
{
    int rc = pthread_create(&w->thread, NULL, run, w);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the pod watch thread: %s", strerror(rc));
        return -1;
    }
    w->is_started = true;
    return 0;
}

void pod_watch_free(struct pod_watch *w)
{
    if (w == NULL)
        return;
    if (w->is_started) {
        pthread_mutex_lock(&w->lock);
        atomic_store(&w->is_stopping, true);
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    kube_client_free(w->client);
    free(w);
}
