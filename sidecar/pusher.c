/* SPDX-License-Identifier: Apache-2.0 */
/* pusher.c: the pushing thread over one curl multi handle: targets (URL x resolved address, one
 * easy handle each for keep-alive, pinned with CURLOPT_CONNECT_TO so Host and TLS names stay the
 * URL's), the newest report per target, backoff, the final report, counters and state-change
 * logging.
 * Does not: build the report bytes (report.c), decide backoff or reasons (push_policy.c), parse
 * URLs (push_url.c), look names up (resolver.c's thread, with the lookup given), or read labels
 * (identity.c).
 * Threads: the pusher thread owns targets, curl handles, token and identity; the mailbox
 * (pending sample, finish request, finished flag) is under p->lock; counters are the registry's
 * atomics. */
#include "pusher.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "file_watch.h"
#include "report.h"
#include "resolver.h"
#include "wsscale/clock.h"
#include "wsscale/log.h"
#include "wsscale/rng.h"
#include "wsscale/version.h"

#define NS_PER_MS INT64_C(1000000)
#define MS_PER_S  1000.0
/* Longest wait in curl_multi_poll, so deadlines are looked at even when nothing happens. */
#define MAX_POLL_MS 1000
/* Room for a URL, the ingest path, and a CONNECT_TO entry. */
#define CONNECT_TO_LEN (PUSH_URL_HOST_LEN + PUSHER_ADDR_LEN + 2 * 8)
#define MAX_TARGETS    (PUSHER_MAX_URLS * PUSHER_MAX_ADDRS)

enum health {
    HEALTH_UNKNOWN = 0,
    HEALTH_OK,
    HEALTH_FAILING,
};

struct adapter_url {
    struct push_url url;     /* post URL, host, port, and whether the host is a name */
    int64_t next_resolve_ms; /* names only */
    bool is_resolve_failing; /* for logging once per change */
    size_t naddrs;           /* targets this URL has now */
};

struct target {
    size_t url;                    /* index into p->urls */
    char addr[PUSHER_ADDR_LEN];    /* "" when the URL holds a literal address */
    CURL *easy;                    /* owned; kept for keep-alive */
    struct curl_slist *connect_to; /* owned; names only */
    struct curl_slist *headers;    /* owned; rebuilt per transfer (the token may change) */
    uint8_t *body;                 /* owned; the report in flight */
    size_t body_len;
    uint64_t in_flight_seq; /* 0 when idle */
    uint64_t done_seq;      /* the newest sequence this target acknowledged */
    unsigned failures;      /* in a row */
    int64_t next_attempt_ms;
    enum health health;
    char curl_err[CURL_ERROR_SIZE];
};

struct pusher {
    struct pusher_config cfg; /* urls pointer not kept */
    struct adapter_url urls[PUSHER_MAX_URLS];
    size_t nurls;
    char *token_file; /* owned; NULL when none */
    char *ca_file;    /* owned; NULL when none */
    CURLM *multi;
    struct resolver *resolver; /* owned; NULL when every URL holds an address */
    pthread_t thread;
    bool has_thread;
    uint64_t instance;
    struct wss_rng rng; /* jitter, and the instance id; pusher thread only after pusher_new */

    /* Pusher thread only: */
    struct target *targets[MAX_TARGETS];
    size_t ntargets;
    uint8_t *report; /* the newest report */
    size_t report_len;
    uint64_t seq; /* of p->report; 0 before the first */
    bool is_final_built;
    struct file_watch token_watch;
    char *token; /* owned; NULL when none could be read */
    bool is_token_failing;
    bool is_labels_failing;

    /* Metrics (the registry's; atomic): */
    struct wss_prom_counter *pushes;
    struct wss_prom_counter *errors[PUSH_NRESULTS];
    struct wss_prom_gauge *last_success;
    struct wss_prom_gauge *ntargets_gauge;

    /* Under lock: */
    pthread_mutex_t lock;
    pthread_cond_t finished_cond;
    bool has_pending;
    struct sample pending;
    bool is_finishing;
    struct sample final_sample;
    int64_t finish_deadline_ms;
    bool is_stopping;
    bool is_finished;
    int unacked; /* after finishing */
    _Atomic uint64_t seq_seen;
    _Atomic size_t targets_seen;
};

/* ---- targets ---- */

static const char *target_name(const struct pusher *p, const struct target *t)
{
    return p->urls[t->url].url.post_url;
}

static void target_free(struct pusher *p, struct target *t)
{
    if (t == NULL)
        return;
    if (t->easy != NULL) {
        if (t->in_flight_seq != 0)
            curl_multi_remove_handle(p->multi, t->easy);
        curl_easy_cleanup(t->easy);
    }
    curl_slist_free_all(t->connect_to);
    curl_slist_free_all(t->headers);
    free(t->body);
    free(t);
}

/* The adapter's reply body says nothing the status does not; it is read and dropped. */
static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
    (void)data;
    (void)arg;
    return size * nmemb;
}

static struct target *target_new(struct pusher *p, size_t url, const char *addr)
{
    struct adapter_url *u = &p->urls[url];
    struct target *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->url = url;
    snprintf(t->addr, sizeof(t->addr), "%s", addr);
    t->easy = curl_easy_init();
    if (t->easy == NULL)
        goto fail;
    if (u->url.is_name) {
        char entry[CONNECT_TO_LEN];
        bool is_v6 = strchr(addr, ':') != NULL;
        snprintf(entry, sizeof(entry), "%s:%ld:%s%s%s:%ld", u->url.host, u->url.port,
                 is_v6 ? "[" : "", addr, is_v6 ? "]" : "", u->url.port);
        t->connect_to = curl_slist_append(NULL, entry);
        if (t->connect_to == NULL)
            goto fail;
    }
    CURL *c = t->easy;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, u->url.post_url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PRIVATE, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |=
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)PUSHER_CONNECT_TIMEOUT_MS) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)PUSHER_TOTAL_TIMEOUT_MS) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "wsscale-sidecar/" WSS_VERSION) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->curl_err) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK;
    if (t->connect_to != NULL)
        bad |= curl_easy_setopt(c, CURLOPT_CONNECT_TO, t->connect_to) != CURLE_OK;
    /* Debian's libcurl also loads its whole built-in CA directory at the first handshake (about
     * 7 MiB of RSS); a given CA file, or no verification, needs none of it. */
    if (p->ca_file != NULL || p->cfg.is_insecure)
        bad |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK;
    if (p->ca_file != NULL)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, p->ca_file) != CURLE_OK;
    if (p->cfg.is_insecure) {
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    }
    if (bad)
        goto fail;
    return t;
fail:
    target_free(p, t);
    return NULL;
}

static void update_target_count(struct pusher *p)
{
    wss_prom_gauge_set(p->ntargets_gauge, (double)p->ntargets);
    atomic_store(&p->targets_seen, p->ntargets);
}

static void remove_target(struct pusher *p, size_t i)
{
    p->urls[p->targets[i]->url].naddrs--;
    target_free(p, p->targets[i]);
    p->targets[i] = p->targets[--p->ntargets];
}

static bool url_has_addr(const struct pusher *p, size_t url, const char *addr)
{
    for (size_t i = 0; i < p->ntargets; i++)
        if (p->targets[i]->url == url && strcmp(p->targets[i]->addr, addr) == 0)
            return true;
    return false;
}

static void add_target(struct pusher *p, size_t url, const char *addr)
{
    if (p->ntargets >= MAX_TARGETS)
        return;
    struct target *t = target_new(p, url, addr);
    if (t == NULL) {
        WSS_ERROR("cannot set up a push target", WSS_KV_STR("adapter", p->urls[url].url.post_url),
                  WSS_KV_STR("address", addr), WSS_KV_STR("error", "out of memory"));
        return;
    }
    p->targets[p->ntargets++] = t;
    p->urls[url].naddrs++;
}

/* ---- resolution ---- */

/* Makes a name's targets match a lookup's answer: new addresses get a target, vanished ones
 * lose theirs. A failed lookup keeps the targets it had. */
static void apply_answer(struct pusher *p, size_t url, int n, char (*addrs)[PUSH_URL_ADDR_LEN],
                         int64_t now)
{
    struct adapter_url *u = &p->urls[url];
    if (n < 0) {
        /* Retried each interval until it resolves, then at the configured pace. */
        u->next_resolve_ms = now + p->cfg.interval_ms;
        wss_prom_counter_inc(p->errors[PUSH_ERR_RESOLVE]);
        if (!u->is_resolve_failing)
            WSS_WARN("adapter name does not resolve; keeping its known addresses",
                     WSS_KV_STR("adapter", u->url.post_url), WSS_KV_UINT("addresses", u->naddrs));
        u->is_resolve_failing = true;
        return;
    }
    u->next_resolve_ms = now + p->cfg.resolve_interval_ms;
    if (u->is_resolve_failing)
        WSS_INFO("adapter name resolves again", WSS_KV_STR("adapter", u->url.post_url));
    u->is_resolve_failing = false;
    size_t before = u->naddrs;
    bool is_changed = false;
    for (size_t i = p->ntargets; i-- > 0;) {
        if (p->targets[i]->url != url)
            continue;
        bool is_kept = false;
        for (int k = 0; k < n && !is_kept; k++)
            is_kept = strcmp(addrs[k], p->targets[i]->addr) == 0;
        if (!is_kept) {
            remove_target(p, i);
            is_changed = true;
        }
    }
    for (int k = 0; k < n; k++)
        if (!url_has_addr(p, url, addrs[k])) {
            add_target(p, url, addrs[k]);
            is_changed = true;
        }
    if (is_changed)
        WSS_INFO("adapter addresses", WSS_KV_STR("adapter", u->url.post_url),
                 WSS_KV_UINT("before", before), WSS_KV_UINT("now", u->naddrs));
    update_target_count(p);
}

/* Asks the lookup thread about every name that is due; the answer comes back later. */
static void ask_due(struct pusher *p, int64_t now)
{
    for (size_t i = 0; i < p->nurls; i++) {
        struct adapter_url *u = &p->urls[i];
        if (u->url.is_name && now >= u->next_resolve_ms &&
            resolver_ask(p->resolver, i, u->url.host))
            u->next_resolve_ms = INT64_MAX; /* until its answer is applied */
    }
}

static void take_answers(struct pusher *p, int64_t now)
{
    size_t url;
    int n;
    char addrs[PUSHER_MAX_ADDRS][PUSH_URL_ADDR_LEN];
    /* At most one answer per URL is ever waiting, so this ends. */
    while (p->resolver != NULL && resolver_take(p->resolver, &url, &n, addrs, PUSHER_MAX_ADDRS))
        if (url < p->nurls)
            apply_answer(p, url, n < PUSHER_MAX_ADDRS ? n : PUSHER_MAX_ADDRS, addrs, now);
}

static void wake_multi(void *arg)
{
    curl_multi_wakeup(arg);
}

/* ---- token and report ---- */

/* Re-reads the token file when it changed. A token that cannot be read or is not one header
 * line keeps the previous one; the change is logged once. */
static void refresh_token(struct pusher *p)
{
    if (p->token_file == NULL || !file_watch_is_changed(&p->token_watch, p->token_file))
        return;
    struct file_watch next = p->token_watch;
    char *data = NULL;
    size_t len = 0;
    int rc = file_watch_read(&next, p->token_file, PUSHER_TOKEN_MAX_BYTES, &data, &len);
    const char *why = rc != 0 ? strerrordesc_np(-rc) : NULL;
    while (rc == 0 && len > 0 &&
           (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' ||
            data[len - 1] == '\t'))
        data[--len] = '\0';
    for (size_t i = 0; rc == 0 && why == NULL && i < len; i++)
        if ((unsigned char)data[i] < 0x21 || (unsigned char)data[i] > 0x7e)
            why = "the token has a byte that cannot go in a header";
    if (rc == 0 && why == NULL && len == 0)
        why = "the file is empty";
    if (why != NULL) {
        if (!p->is_token_failing)
            WSS_WARN("cannot use the token file; keeping the last good token",
                     WSS_KV_STR("file", p->token_file), WSS_KV_STR("error", why));
        p->is_token_failing = true;
        free(data);
        return;
    }
    if (p->is_token_failing || p->token != NULL)
        WSS_INFO("token file re-read", WSS_KV_STR("file", p->token_file));
    p->is_token_failing = false;
    free(p->token);
    p->token = data;
    p->token_watch = next;
}

static void refresh_identity(struct pusher *p)
{
    char err[IDENTITY_ERR_LEN];
    bool is_changed = false;
    if (identity_refresh(p->cfg.identity, &is_changed, err, sizeof(err)) != 0) {
        if (!p->is_labels_failing)
            WSS_WARN("cannot re-read the labels file; keeping the labels last read",
                     WSS_KV_STR("error", err));
        p->is_labels_failing = true;
        return;
    }
    if (is_changed)
        WSS_INFO("labels file re-read");
    p->is_labels_failing = false;
}

/* Packs the report of s as the next sequence number; false (nothing changed) when out of memory. */
static bool build_report(struct pusher *p, const struct sample *s, bool is_final)
{
    refresh_token(p);
    refresh_identity(p);
    struct report_identity id;
    identity_view(p->cfg.identity, &id);
    struct report_meta m = {.interval_ms = p->cfg.interval_ms,
                            .instance = p->instance,
                            .sequence = p->seq + 1,
                            .is_final = is_final};
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = report_pack(&id, s, &m, &buf, &len);
    if (rc != 0) {
        WSS_ERROR("cannot build a report", WSS_KV_STR("error", strerrordesc_np(-rc)));
        return false;
    }
    free(p->report);
    p->report = buf;
    p->report_len = len;
    p->seq++;
    atomic_store(&p->seq_seen, p->seq);
    return true;
}

/* ---- transfers ---- */

static int start_transfer(struct pusher *p, struct target *t)
{
    uint8_t *body = malloc(p->report_len > 0 ? p->report_len : 1);
    if (body == NULL)
        return -1;
    memcpy(body, p->report, p->report_len);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    struct curl_slist *h2 = h != NULL ? curl_slist_append(h, "Expect:") : NULL;
    if (h2 != NULL && p->token != NULL) {
        size_t n = strlen("Authorization: Bearer ") + strlen(p->token) + 1;
        char *line = malloc(n);
        if (line != NULL) {
            snprintf(line, n, "Authorization: Bearer %s", p->token);
            h2 = curl_slist_append(h, line);
            free(line);
        } else {
            h2 = NULL;
        }
    }
    if (h2 == NULL) {
        curl_slist_free_all(h);
        free(body);
        return -1;
    }
    curl_slist_free_all(t->headers);
    t->headers = h;
    free(t->body);
    t->body = body;
    t->body_len = p->report_len;
    t->curl_err[0] = '\0';
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)t->body_len);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
    if (curl_multi_add_handle(p->multi, t->easy) != CURLM_OK)
        return -1;
    t->in_flight_seq = p->seq;
    return 0;
}

static void start_due(struct pusher *p, int64_t now)
{
    for (size_t i = 0; i < p->ntargets; i++) {
        struct target *t = p->targets[i];
        if (p->seq == 0 || t->in_flight_seq != 0 || t->done_seq >= p->seq ||
            now < t->next_attempt_ms)
            continue;
        if (start_transfer(p, t) != 0)
            WSS_ERROR("cannot start a push", WSS_KV_STR("adapter", target_name(p, t)),
                      WSS_KV_STR("error", "out of memory"));
    }
}

static void on_result(struct pusher *p, struct target *t, enum push_result r, long status)
{
    int64_t now = wss_clock_mono_ms();
    if (r == PUSH_OK) {
        t->done_seq = t->in_flight_seq;
        wss_prom_counter_inc(p->pushes);
        wss_prom_gauge_set(p->last_success, (double)wss_clock_real_ns() / 1e9);
        if (t->health == HEALTH_FAILING)
            WSS_INFO("push recovered", WSS_KV_STR("adapter", target_name(p, t)),
                     WSS_KV_STR("address", t->addr), WSS_KV_UINT("failures", t->failures));
        else if (t->health == HEALTH_UNKNOWN)
            WSS_INFO("pushing", WSS_KV_STR("adapter", target_name(p, t)),
                     WSS_KV_STR("address", t->addr));
        t->health = HEALTH_OK;
        t->failures = 0;
        t->next_attempt_ms = 0;
        return;
    }
    wss_prom_counter_inc(p->errors[r]);
    t->failures++;
    t->next_attempt_ms =
        now + push_policy_backoff_ms(t->failures, p->cfg.interval_ms, wss_rng_next(&p->rng));
    /* Once per change from ok (or never tried) to failing, not per attempt or per reason. */
    if (t->health != HEALTH_FAILING)
        WSS_WARN("push failing", WSS_KV_STR("adapter", target_name(p, t)),
                 WSS_KV_STR("address", t->addr), WSS_KV_STR("reason", push_policy_result_name(r)),
                 WSS_KV_INT("status", status),
                 WSS_KV_STR("error", t->curl_err[0] != '\0' ? t->curl_err : ""));
    t->health = HEALTH_FAILING;
}

static void collect_done(struct pusher *p)
{
    int left = 0;
    CURLMsg *m;
    /* Each message is one finished transfer; there are at most as many as targets. */
    while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct target *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        CURLcode code = m->data.result;
        long status = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(p->multi, m->easy_handle);
        if (t == NULL)
            continue;
        on_result(p, t, push_policy_classify(code, status), status);
        t->in_flight_seq = 0;
    }
}

/* How long curl_multi_poll may wait before something of ours is due. */
static int poll_timeout(const struct pusher *p, int64_t now, bool is_finishing, int64_t deadline)
{
    int64_t wait = MAX_POLL_MS;
    for (size_t i = 0; i < p->ntargets; i++) {
        const struct target *t = p->targets[i];
        if (p->seq != 0 && t->in_flight_seq == 0 && t->done_seq < p->seq)
            wait = t->next_attempt_ms - now < wait ? t->next_attempt_ms - now : wait;
    }
    for (size_t i = 0; i < p->nurls && !is_finishing; i++)
        if (p->urls[i].url.is_name && p->urls[i].next_resolve_ms - now < wait)
            wait = p->urls[i].next_resolve_ms - now;
    if (is_finishing && deadline - now < wait)
        wait = deadline - now;
    return wait < 0 ? 0 : (int)wait;
}

/* Drops the transfers of older reports, so the final one starts on every target at once instead
 * of waiting up to PUSHER_TOTAL_TIMEOUT_MS behind a slow adapter. */
static void abort_in_flight(struct pusher *p)
{
    for (size_t i = 0; i < p->ntargets; i++) {
        struct target *t = p->targets[i];
        if (t->in_flight_seq != 0 && t->in_flight_seq < p->seq) {
            curl_multi_remove_handle(p->multi, t->easy);
            t->in_flight_seq = 0;
        }
    }
}

/* Targets that have not acknowledged the final report (all of them while it is not built), plus
 * URLs that have no address. */
static int count_unacked(const struct pusher *p)
{
    int n = 0;
    for (size_t i = 0; i < p->ntargets; i++)
        n += !p->is_final_built || p->targets[i]->done_seq < p->seq;
    for (size_t i = 0; i < p->nurls; i++)
        n += p->urls[i].naddrs == 0;
    return n;
}

/* While finishing: whether any unacknowledged item may still change before the deadline (a
 * target owes the final report, or a name's lookup is out). A name with no address and no lookup
 * out has nothing to wait for, as no new lookup is asked then. */
static bool can_still_ack(const struct pusher *p)
{
    for (size_t i = 0; i < p->ntargets; i++)
        if (!p->is_final_built || p->targets[i]->done_seq < p->seq)
            return true;
    for (size_t i = 0; i < p->nurls; i++)
        if (p->urls[i].naddrs == 0 && p->urls[i].next_resolve_ms == INT64_MAX)
            return true;
    return false;
}

static void *run(void *arg)
{
    struct pusher *p = arg;
    for (;;) {
        struct sample s;
        pthread_mutex_lock(&p->lock);
        bool has_sample = p->has_pending && !p->is_finishing;
        if (has_sample)
            s = p->pending;
        p->has_pending = false;
        bool is_finishing = p->is_finishing;
        bool is_stopping = p->is_stopping;
        int64_t deadline = p->finish_deadline_ms;
        if (is_finishing && !p->is_final_built)
            s = p->final_sample;
        pthread_mutex_unlock(&p->lock);
        if (is_stopping)
            break;

        int64_t now = wss_clock_mono_ms();
        if (is_finishing && !p->is_final_built) {
            /* Every target gets the final report now, whatever its backoff said. (Out of
             * memory, it is tried again next time round, until the deadline.) */
            if (build_report(p, &s, true)) {
                p->is_final_built = true;
                abort_in_flight(p);
                for (size_t i = 0; i < p->ntargets; i++)
                    p->targets[i]->next_attempt_ms = 0;
            }
        } else if (has_sample) {
            build_report(p, &s, false);
        }
        /* Answers are used even while finishing (a name that resolves late still gets the
         * final report); new questions are not asked then. */
        take_answers(p, now);
        if (!is_finishing)
            ask_due(p, now);
        start_due(p, now);
        int running = 0;
        curl_multi_perform(p->multi, &running);
        collect_done(p);
        start_due(p, wss_clock_mono_ms());

        if (is_finishing) {
            int unacked = count_unacked(p);
            if (unacked == 0 || !can_still_ack(p) || wss_clock_mono_ms() >= deadline) {
                pthread_mutex_lock(&p->lock);
                p->unacked = unacked;
                p->is_finished = true;
                pthread_cond_broadcast(&p->finished_cond);
                pthread_mutex_unlock(&p->lock);
                break;
            }
        }
        curl_multi_poll(p->multi, NULL, 0,
                        poll_timeout(p, wss_clock_mono_ms(), is_finishing, deadline), NULL);
    }
    return NULL;
}

/* ---- setup ---- */

static int add_metrics(struct pusher *p, char *err, size_t errlen)
{
    static const char *const reason_label[] = {"reason"};
    struct wss_parse_err perr;
    struct wss_prom_desc pushes = {
        .type = WSS_PROM_COUNTER,
        .name = "wsscale_sidecar_pushes_total",
        .help = "Reports the adapter acknowledged, over every address.",
    };
    struct wss_prom_desc errors = {
        .type = WSS_PROM_COUNTER,
        .name = "wsscale_sidecar_push_errors_total",
        .help = "Pushes that failed, by reason (resolve, connect, network, timeout, tls, auth, "
                "http_4xx, http_5xx, other).",
        .label_names = reason_label,
        .nlabels = 1,
    };
    struct wss_prom_desc last = {
        .type = WSS_PROM_GAUGE,
        .name = "wsscale_sidecar_last_push_success_timestamp_seconds",
        .help = "Unix time of the last acknowledged push; 0 before the first.",
    };
    struct wss_prom_desc targets = {
        .type = WSS_PROM_GAUGE,
        .name = "wsscale_sidecar_push_targets",
        .help = "Adapter addresses reports are pushed to.",
    };
    struct wss_prom_family *f;
    if ((f = wss_prom_family_new(p->cfg.registry, &pushes, &perr)) == NULL ||
        (p->pushes = wss_prom_counter_get(f, NULL, 0, &perr)) == NULL)
        goto fail;
    if ((f = wss_prom_family_new(p->cfg.registry, &errors, &perr)) == NULL)
        goto fail;
    for (int r = PUSH_OK + 1; r < PUSH_NRESULTS; r++)
        if ((p->errors[r] = wss_prom_counter_get(
                 f, WSS_PROM_VALUES(push_policy_result_name((enum push_result)r)), &perr)) == NULL)
            goto fail;
    if ((f = wss_prom_family_new(p->cfg.registry, &last, &perr)) == NULL ||
        (p->last_success = wss_prom_gauge_get(f, NULL, 0, &perr)) == NULL)
        goto fail;
    if ((f = wss_prom_family_new(p->cfg.registry, &targets, &perr)) == NULL ||
        (p->ntargets_gauge = wss_prom_gauge_get(f, NULL, 0, &perr)) == NULL)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "push metrics: %s", perr.msg);
    return -1;
}

struct pusher *pusher_start(const struct pusher_config *cfg, char *err, size_t errlen)
{
    if (cfg->nurls == 0 || cfg->nurls > PUSHER_MAX_URLS || cfg->identity == NULL ||
        cfg->registry == NULL || cfg->interval_ms == 0 || cfg->resolve_interval_ms <= 0) {
        snprintf(err, errlen,
                 "pusher: want 1-%d adapter URLs, an identity, a registry and "
                 "positive intervals",
                 PUSHER_MAX_URLS);
        return NULL;
    }
    struct pusher *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, errlen, "pusher: out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->cfg.urls = NULL;
    if (p->cfg.resolve == NULL)
        p->cfg.resolve = push_url_resolve;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->finished_cond, NULL);
    /* Jitter only needs to differ between sidecars; the instance id must not repeat across
     * restarts. getrandom gives both, with a clock-and-pid fallback before the pool is ready. */
    wss_rng_seed_random(&p->rng);
    p->instance = wss_rng_next(&p->rng);
    if (p->instance == 0)
        p->instance = 1;
    for (size_t i = 0; i < cfg->nurls; i++)
        if (push_url_parse(cfg->urls[i], &p->urls[i].url, err, errlen) != 0)
            goto fail;
    p->nurls = cfg->nurls;
    if ((cfg->token_file != NULL && cfg->token_file[0] != '\0' &&
         (p->token_file = strdup(cfg->token_file)) == NULL) ||
        (cfg->ca_file != NULL && cfg->ca_file[0] != '\0' &&
         (p->ca_file = strdup(cfg->ca_file)) == NULL) ||
        (p->multi = curl_multi_init()) == NULL) {
        snprintf(err, errlen, "pusher: out of memory");
        goto fail;
    }
    if (add_metrics(p, err, errlen) != 0)
        goto fail;
    bool has_name = false;
    for (size_t i = 0; i < p->nurls; i++)
        has_name |= p->urls[i].url.is_name;
    if (has_name && (p->resolver = resolver_start(p->cfg.resolve, p->cfg.resolve_arg, wake_multi,
                                                  p->multi)) == NULL) {
        snprintf(err, errlen, "pusher: cannot start the lookup thread");
        goto fail;
    }
    /* Literal addresses need no lookup: one target each, now. Names resolve on the lookup
     * thread. */
    for (size_t i = 0; i < p->nurls; i++)
        if (!p->urls[i].url.is_name)
            add_target(p, i, "");
    update_target_count(p);
    int rc = pthread_create(&p->thread, NULL, run, p);
    if (rc != 0) {
        snprintf(err, errlen, "pusher: cannot start its thread: %s", strerrordesc_np(rc));
        goto fail;
    }
    p->has_thread = true;
    return p;
fail:
    pusher_free(p);
    return NULL;
}

void pusher_offer(struct pusher *p, const struct sample *s)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    if (!p->is_finishing) {
        p->pending = *s;
        p->has_pending = true;
    }
    pthread_mutex_unlock(&p->lock);
    curl_multi_wakeup(p->multi);
}

int pusher_finish(struct pusher *p, const struct sample *last, int64_t timeout_ms)
{
    if (p == NULL)
        return 0;
    pthread_mutex_lock(&p->lock);
    p->final_sample = *last;
    p->is_finishing = true;
    p->finish_deadline_ms = wss_clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    pthread_mutex_unlock(&p->lock);
    curl_multi_wakeup(p->multi);
    pthread_mutex_lock(&p->lock);
    /* The thread ends itself at the deadline; its transfers time out within their own limit. */
    while (p->has_thread && !p->is_finished)
        pthread_cond_wait(&p->finished_cond, &p->lock);
    int unacked = p->unacked;
    pthread_mutex_unlock(&p->lock);
    return unacked;
}

void pusher_stats(struct pusher *p, struct pusher_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->pushes = wss_prom_counter_value(p->pushes);
    for (int r = PUSH_OK + 1; r < PUSH_NRESULTS; r++)
        out->errors[r] = wss_prom_counter_value(p->errors[r]);
    out->targets = atomic_load(&p->targets_seen);
    out->sequence = atomic_load(&p->seq_seen);
}

void pusher_free(struct pusher *p)
{
    if (p == NULL)
        return;
    if (p->has_thread) {
        pthread_mutex_lock(&p->lock);
        p->is_stopping = true;
        pthread_mutex_unlock(&p->lock);
        curl_multi_wakeup(p->multi);
        pthread_join(p->thread, NULL);
    }
    resolver_stop(p->resolver); /* before the multi handle its wake callback uses goes */
    for (size_t i = 0; i < p->ntargets; i++)
        target_free(p, p->targets[i]);
    if (p->multi != NULL)
        curl_multi_cleanup(p->multi);
    pthread_cond_destroy(&p->finished_cond);
    pthread_mutex_destroy(&p->lock);
    free(p->report);
    free(p->token);
    free(p->token_file);
    free(p->ca_file);
    free(p);
}
