/* SPDX-License-Identifier: Apache-2.0 */
/* test_pusher.c: the pusher against real receivers (lib/http servers on 127.0.0.1 and ::1 that
 * unpack each Report with protobuf-c): every field and the bearer token (re-read when the file
 * is replaced), one name resolved to two addresses with both pushed to and the Host kept, TLS
 * verified by name through the pin, failures counted by reason with recovery, the final report,
 * and refused URLs. Names resolve through a fake resolver, so no DNS is involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http_pki.h"
#include "pusher.h"
#include "sampler.h"
#include "wait.h"
#include "wsscale.pb-c.h"
#include "wsscale/http_server.h"
#include "wsscale/log.h"

#define INTERVAL_MS 100
/* The sampler feeding the pusher runs faster than the interval the reports announce, so there
 * is always a newer sample than the one in flight. */
#define FEED_MS 25
#define WAIT_MS 10000
#define UID     "0b5a2c1e-8f8e-4d55-9c3a-7e2f6d1b9a10"

/* ---- a receiver ---- */

struct receiver {
    struct wss_http_router *router;
    struct wss_http_server *server;
    pthread_mutex_t lock;
    _Atomic unsigned status; /* what to answer */
    _Atomic int slow_ms;     /* a non-final report is answered this late (counted at once) */
    /* Under lock: */
    uint64_t count;
    uint64_t finals;
    uint64_t last_seq;
    uint64_t instance;
    bool is_ordered; /* every sequence above the one before */
    char auth[256];
    char host[256];
    char content_type[128];
    Wsscale__V1__Report *last; /* owned */
};

static void on_report(struct wss_http_req *req, void *arg)
{
    struct receiver *r = arg;
    size_t len = 0;
    const char *body = wss_http_req_body(req, &len);
    Wsscale__V1__Report *rep = wsscale__v1__report__unpack(NULL, len, (const uint8_t *)body);
    if (rep == NULL) {
        wss_http_reply_text(req, 400, "not a Report\n");
        return;
    }
    const char *auth = wss_http_req_header(req, "Authorization");
    const char *host = wss_http_req_header(req, "Host");
    const char *ct = wss_http_req_header(req, "Content-Type");
    pthread_mutex_lock(&r->lock);
    if (r->count > 0 && (rep->sequence <= r->last_seq || rep->sidecar_instance != r->instance))
        r->is_ordered = false;
    r->count++;
    r->finals += rep->final;
    r->last_seq = rep->sequence;
    r->instance = rep->sidecar_instance;
    snprintf(r->auth, sizeof(r->auth), "%s", auth != NULL ? auth : "");
    snprintf(r->host, sizeof(r->host), "%s", host != NULL ? host : "");
    snprintf(r->content_type, sizeof(r->content_type), "%s", ct != NULL ? ct : "");
    if (r->last != NULL)
        wsscale__v1__report__free_unpacked(r->last, NULL);
    r->last = rep;
    bool is_final = rep->final;
    pthread_mutex_unlock(&r->lock);
    int slow = atomic_load(&r->slow_ms);
    if (slow > 0 && !is_final) {
        struct timespec ts = {.tv_sec = slow / 1000, .tv_nsec = (slow % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    wss_http_reply_text(req, atomic_load(&r->status), "ok\n");
}

/* Starts a receiver on host:port (0: any free port); TLS when cert is set. */
static struct receiver *receiver_start(const char *host, unsigned port, const char *cert,
                                       const char *key)
{
    struct receiver *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    pthread_mutex_init(&r->lock, NULL);
    atomic_store(&r->status, 200);
    r->is_ordered = true;
    struct wss_parse_err perr;
    r->router = wss_http_router_new();
    assert_int_equal(
        wss_http_router_add(r->router, "POST", "/ingest/v1/reports", on_report, r, &perr), 0);
    struct wss_http_server_config cfg = {
        .host = host, .port = (uint16_t)port, .tls_cert_file = cert, .tls_key_file = key};
    char err[WSS_HTTP_ERR_LEN];
    r->server = wss_http_server_start(&cfg, r->router, err, sizeof(err));
    if (r->server == NULL)
        fail_msg("receiver on %s:%u: %s", host, port, err);
    return r;
}

static void receiver_stop(struct receiver *r)
{
    wss_http_server_stop(r->server);
    r->server = NULL;
}

static void receiver_free(struct receiver *r)
{
    if (r->server != NULL)
        wss_http_server_stop(r->server);
    wss_http_router_free(r->router);
    if (r->last != NULL)
        wsscale__v1__report__free_unpacked(r->last, NULL);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static uint64_t received(struct receiver *r)
{
    pthread_mutex_lock(&r->lock);
    uint64_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ---- the pusher's side ---- */

struct fake_dns {
    _Atomic int naddrs; /* answers addrs[0..naddrs); -1: does not resolve */
    const char *addrs[2];
    _Atomic unsigned calls;
    _Atomic int delay_ms; /* each lookup blocks this long first, as a DNS timeout does */
};

static int fake_resolve(const char *host, char (*addrs)[PUSHER_ADDR_LEN], size_t cap, void *arg)
{
    struct fake_dns *d = arg;
    atomic_fetch_add(&d->calls, 1);
    int delay = atomic_load(&d->delay_ms);
    if (delay > 0) {
        struct timespec ts = {.tv_sec = delay / 1000, .tv_nsec = (delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    int n = atomic_load(&d->naddrs);
    if (strcmp(host, "adapter.test") != 0 && strcmp(host, "localhost") != 0)
        return -1;
    for (int i = 0; i < n && (size_t)i < cap; i++)
        snprintf(addrs[i], PUSHER_ADDR_LEN, "%s", d->addrs[i]);
    return n;
}

struct rig {
    struct wss_prom_registry *registry;
    struct identity *identity;
    struct pusher *pusher;
    char dir[256];
    char token[300];
    char labels[300];
    struct sample sample;    /* what the fake source answers (its src part) */
    struct source source;    /* the fake source */
    struct sampler *sampler; /* feeds the pusher as in the sidecar */
    uint32_t interval_ms; /* the reports' interval (and a failing name's retry); 0: INTERVAL_MS */
};

static void write_file(const char *path, const char *text)
{
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0);
}

static int fake_sample(void *self, struct source_sample *out)
{
    const struct rig *g = self;
    *out = g->sample.src;
    return 0;
}

static void fake_destroy(void *self)
{
    (void)self;
}

static const struct source_ops fake_ops = {"shm", fake_sample, fake_destroy};

static void offer(const struct sample *s, void *arg)
{
    struct rig *g = arg;
    pusher_offer(g->pusher, s);
}

static void rig_init(struct rig *g)
{
    memset(g, 0, sizeof(*g));
    const char *tmp = getenv("TMPDIR");
    snprintf(g->dir, sizeof(g->dir), "%s/test_pusher.XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(g->dir));
    snprintf(g->token, sizeof(g->token), "%s/token", g->dir);
    snprintf(g->labels, sizeof(g->labels), "%s/labels", g->dir);
    write_file(g->token, "tok-1\n");
    write_file(g->labels, "app=\"chat\"\ntier=\"web\"\n");
    g->registry = wss_prom_registry_new();
    char err[IDENTITY_ERR_LEN];
    struct identity_config ic = {"default", "chat-1", UID, g->labels};
    g->identity = identity_new(&ic, err, sizeof(err));
    assert_non_null(g->identity);
    g->sample = (struct sample){.kind = "shm"};
    g->sample.src = (struct source_sample){
        .state = SOURCE_OK, .active = 5, .has_totals = true, .opened_total = 8, .closed_total = 3};
}

static void rig_start(struct rig *g, const char *const *urls, size_t nurls, struct fake_dns *dns,
                      const char *ca, bool is_insecure)
{
    struct pusher_config cfg = {
        .urls = urls,
        .nurls = nurls,
        .ca_file = ca,
        .is_insecure = is_insecure,
        .token_file = g->token,
        .identity = g->identity,
        .interval_ms = g->interval_ms > 0 ? g->interval_ms : INTERVAL_MS,
        .resolve_interval_ms = 50,
        .resolve = dns != NULL ? fake_resolve : NULL,
        .resolve_arg = dns,
        .registry = g->registry,
    };
    char err[PUSHER_ERR_LEN];
    g->pusher = pusher_start(&cfg, err, sizeof(err));
    if (g->pusher == NULL)
        fail_msg("pusher_start: %s", err);
    g->source = (struct source){.ops = &fake_ops, .self = g};
    struct sampler_config sc = {&g->source, FEED_MS, offer, g};
    g->sampler = sampler_start(&sc, err, sizeof(err));
    assert_non_null(g->sampler);
}

static void rig_stop_feeding(struct rig *g)
{
    sampler_stop(g->sampler, NULL);
    g->sampler = NULL;
}

static void rig_free(struct rig *g)
{
    rig_stop_feeding(g);
    pusher_free(g->pusher);
    identity_free(g->identity);
    wss_prom_registry_free(g->registry);
    unlink(g->token);
    unlink(g->labels);
    rmdir(g->dir);
}

struct at_least {
    struct receiver *r;
    uint64_t n;
};

static bool has_received(void *arg)
{
    struct at_least *a = arg;
    return received(a->r) >= a->n;
}

static bool auth_is_tok2(void *arg)
{
    struct receiver *r = arg;
    pthread_mutex_lock(&r->lock);
    bool is = strcmp(r->auth, "Bearer tok-2") == 0 && r->last->n_labels == 3;
    pthread_mutex_unlock(&r->lock);
    return is;
}

static void reports_carry_every_field_and_the_token(void **state)
{
    (void)state;
    struct receiver *r = receiver_start("127.0.0.1", 0, NULL, NULL);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", wss_http_server_port(r->server));
    const char *urls[] = {url};
    struct rig g;
    rig_init(&g);
    rig_start(&g, urls, 1, NULL, NULL, false);
    struct at_least a = {r, 3};
    assert_true(wss_wait_until(has_received, &a, WAIT_MS));

    pthread_mutex_lock(&r->lock);
    Wsscale__V1__Report *rep = r->last;
    assert_string_equal(rep->namespace_, "default");
    assert_string_equal(rep->pod, "chat-1");
    assert_string_equal(rep->pod_uid, UID);
    assert_int_equal(rep->n_labels, 2);
    assert_string_equal(rep->labels[0]->key, "app");
    assert_string_equal(rep->labels[0]->value, "chat");
    assert_int_equal(rep->source, WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM);
    assert_int_equal(rep->source_state, WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK);
    assert_int_equal(rep->active_connections, 5);
    assert_true(rep->has_totals);
    assert_int_equal(rep->opened_total, 8);
    assert_int_equal(rep->closed_total, 3);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    assert_true(llabs(rep->sample_time_unix_ms - (int64_t)now.tv_sec * 1000) < 60000);
    assert_int_equal(rep->interval_ms, INTERVAL_MS);
    assert_true(rep->sidecar_instance != 0);
    assert_false(rep->final);
    assert_false(rep->draining);
    assert_true(r->is_ordered);
    assert_string_equal(r->auth, "Bearer tok-1");
    assert_string_equal(r->content_type, "application/x-protobuf");
    pthread_mutex_unlock(&r->lock);

    /* The kubelet rotates the token and rewrites the labels; the next reports use both. */
    write_file(g.token, "tok-2\n");
    write_file(g.labels, "app=\"chat\"\ntier=\"web\"\nversion=\"2\"\n");
    assert_true(wss_wait_until(auth_is_tok2, r, WAIT_MS));

    struct pusher_stats st;
    pusher_stats(g.pusher, &st);
    assert_true(st.pushes >= 3);
    assert_int_equal(st.targets, 1);
    assert_true(st.sequence >= 3);
    rig_free(&g);
    receiver_free(r);
}

struct two {
    struct receiver *a, *b;
};

static bool both_received(void *arg)
{
    struct two *t = arg;
    return received(t->a) >= 2 && received(t->b) >= 2;
}

struct targets_now {
    struct pusher *p;
    size_t n;
};

static bool has_targets(void *arg)
{
    struct targets_now *t = arg;
    struct pusher_stats st;
    pusher_stats(t->p, &st);
    return st.targets == t->n;
}

struct dns_calls {
    struct fake_dns *dns;
    unsigned n;
};

static bool has_dns_calls(void *arg)
{
    struct dns_calls *d = arg;
    return atomic_load(&d->dns->calls) >= d->n;
}

static void every_address_of_a_name_is_pushed_to_with_the_name_as_host(void **state)
{
    (void)state;
    struct receiver *v4 = receiver_start("127.0.0.1", 0, NULL, NULL);
    unsigned port = wss_http_server_port(v4->server);
    struct receiver *v6 = receiver_start("::1", port, NULL, NULL);
    struct fake_dns dns = {.addrs = {"127.0.0.1", "::1"}};
    atomic_store(&dns.naddrs, 2);
    char url[128], host[64];
    snprintf(url, sizeof(url), "http://adapter.test:%u", port);
    snprintf(host, sizeof(host), "adapter.test:%u", port);
    const char *urls[] = {url};
    struct rig g;
    rig_init(&g);
    rig_start(&g, urls, 1, &dns, NULL, false);
    struct two t = {v4, v6};
    assert_true(wss_wait_until(both_received, &t, WAIT_MS));
    pthread_mutex_lock(&v4->lock);
    assert_string_equal(v4->host, host);
    pthread_mutex_unlock(&v4->lock);
    pthread_mutex_lock(&v6->lock);
    assert_string_equal(v6->host, host);
    pthread_mutex_unlock(&v6->lock);

    /* One replica goes away from DNS: its target is dropped at the next lookup. */
    atomic_store(&dns.naddrs, 1);
    struct targets_now tn = {g.pusher, 1};
    assert_true(wss_wait_until(has_targets, &tn, WAIT_MS));
    /* The name stops resolving: the known address is kept, and the failure counted. */
    atomic_store(&dns.naddrs, -1);
    struct dns_calls dc = {&dns, atomic_load(&dns.calls) + 2};
    assert_true(wss_wait_until(has_dns_calls, &dc, WAIT_MS));
    struct pusher_stats st;
    pusher_stats(g.pusher, &st);
    assert_int_equal(st.targets, 1);
    assert_true(st.errors[PUSH_ERR_RESOLVE] >= 1);
    rig_free(&g);
    receiver_free(v4);
    receiver_free(v6);
}

struct errors_at_least {
    struct pusher *p;
    enum push_result r;
    uint64_t n;
};

static bool has_errors(void *arg)
{
    struct errors_at_least *e = arg;
    struct pusher_stats st;
    pusher_stats(e->p, &st);
    return st.errors[e->r] >= e->n;
}

static void tls_is_verified_by_the_url_name_through_the_pin(void **state)
{
    (void)state;
    char dir[HTTP_PKI_PATH_LEN], cert[HTTP_PKI_PATH_LEN], key[HTTP_PKI_PATH_LEN],
        ca[HTTP_PKI_PATH_LEN], wrong_ca[HTTP_PKI_PATH_LEN];
    assert_int_equal(http_pki_make(dir, sizeof(dir)), 0);
    http_pki_path(dir, "server-1.crt", cert, sizeof(cert));
    http_pki_path(dir, "server-1.key", key, sizeof(key));
    http_pki_path(dir, "ca-srv.crt", ca, sizeof(ca));
    http_pki_path(dir, "ca-x.crt", wrong_ca, sizeof(wrong_ca));
    struct receiver *r = receiver_start("127.0.0.1", 0, cert, key);
    struct fake_dns dns = {.addrs = {"127.0.0.1"}};
    atomic_store(&dns.naddrs, 1);
    char url[128];
    snprintf(url, sizeof(url), "https://localhost:%u", wss_http_server_port(r->server));
    const char *urls[] = {url};

    /* The certificate names localhost, not the pinned address: it verifies. */
    struct rig g;
    rig_init(&g);
    rig_start(&g, urls, 1, &dns, ca, false);
    struct at_least a = {r, 2};
    assert_true(wss_wait_until(has_received, &a, WAIT_MS));
    rig_free(&g);

    /* Another CA: every push fails as tls, and none arrives. */
    uint64_t before = received(r);
    rig_init(&g);
    rig_start(&g, urls, 1, &dns, wrong_ca, false);
    struct errors_at_least e = {g.pusher, PUSH_ERR_TLS, 2};
    assert_true(wss_wait_until(has_errors, &e, WAIT_MS));
    assert_int_equal(received(r), before);
    rig_free(&g);

    /* Verification off: accepted. */
    rig_init(&g);
    rig_start(&g, urls, 1, &dns, wrong_ca, true);
    a.n = before + 2;
    assert_true(wss_wait_until(has_received, &a, WAIT_MS));
    rig_free(&g);
    receiver_free(r);
    http_pki_remove(dir);
}

struct pushes_above {
    struct pusher *p;
    uint64_t n;
};

static bool has_pushes_above(void *arg)
{
    struct pushes_above *a = arg;
    struct pusher_stats st;
    pusher_stats(a->p, &st);
    return st.pushes > a->n;
}

static void failures_are_counted_by_reason_and_pushes_resume(void **state)
{
    (void)state;
    struct receiver *r = receiver_start("127.0.0.1", 0, NULL, NULL);
    unsigned port = wss_http_server_port(r->server);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
    const char *urls[] = {url};
    struct rig g;
    rig_init(&g);
    rig_start(&g, urls, 1, NULL, NULL, false);
    struct at_least a = {r, 1};
    assert_true(wss_wait_until(has_received, &a, WAIT_MS));

    atomic_store(&r->status, 503);
    struct errors_at_least e = {g.pusher, PUSH_ERR_HTTP_5XX, 3};
    assert_true(wss_wait_until(has_errors, &e, WAIT_MS));
    atomic_store(&r->status, 401);
    e = (struct errors_at_least){g.pusher, PUSH_ERR_AUTH, 1};
    assert_true(wss_wait_until(has_errors, &e, WAIT_MS));
    atomic_store(&r->status, 200);
    struct pusher_stats st;
    pusher_stats(g.pusher, &st);
    struct pushes_above pa = {g.pusher, st.pushes};
    assert_true(wss_wait_until(has_pushes_above, &pa, WAIT_MS));

    /* The receiver goes away, then comes back on the same port. */
    receiver_stop(r);
    e = (struct errors_at_least){g.pusher, PUSH_ERR_CONNECT, 3};
    assert_true(wss_wait_until(has_errors, &e, WAIT_MS));
    pusher_stats(g.pusher, &st);
    pa.n = st.pushes;
    struct receiver *back = receiver_start("127.0.0.1", port, NULL, NULL);
    long long t0 = wss_wait_now_ms();
    assert_true(wss_wait_until(has_pushes_above, &pa, WAIT_MS));
    /* Backoff is capped at one interval; the rest is slack for the feeder and a loaded machine. */
    assert_true(wss_wait_now_ms() - t0 <= 5 * INTERVAL_MS);
    rig_free(&g);
    receiver_free(back);
    receiver_free(r);
}

static void finish_sends_a_final_report_to_every_target(void **state)
{
    (void)state;
    struct receiver *r = receiver_start("127.0.0.1", 0, NULL, NULL);
    char url[128], dead[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", wss_http_server_port(r->server));
    struct rig g;
    rig_init(&g);
    const char *urls[] = {url};
    rig_start(&g, urls, 1, NULL, NULL, false);
    struct at_least a = {r, 1};
    assert_true(wss_wait_until(has_received, &a, WAIT_MS));
    rig_stop_feeding(&g);
    struct sample last = g.sample;
    last.kind = "shm";
    last.src.active = 0;
    last.is_draining = true;
    assert_int_equal(pusher_finish(g.pusher, &last, 5000), 0);
    pthread_mutex_lock(&r->lock);
    assert_int_equal(r->finals, 1);
    assert_true(r->last->final);
    assert_true(r->last->draining);
    assert_int_equal(r->last->active_connections, 0);
    assert_true(r->is_ordered);
    pthread_mutex_unlock(&r->lock);
    pusher_offer(g.pusher, &g.sample); /* ignored once finished */
    rig_free(&g);

    /* A target that never answers: finish gives up at its deadline and says so. */
    receiver_stop(r);
    snprintf(dead, sizeof(dead), "%s", url);
    const char *both[] = {dead};
    rig_init(&g);
    rig_start(&g, both, 1, NULL, NULL, false);
    rig_stop_feeding(&g);
    long long t0 = wss_wait_now_ms();
    assert_int_equal(pusher_finish(g.pusher, &last, 300), 1);
    assert_true(wss_wait_now_ms() - t0 < 3000);
    rig_free(&g);
    receiver_free(r);
}

/* Stops feeding, finishes with timeout_ms and checks the count of targets missed, that it took
 * under max_ms and that r got one final report; then frees g and r. */
static void finish_and_free(struct rig *g, struct receiver *r, int64_t timeout_ms, int missed,
                            long long max_ms)
{
    rig_stop_feeding(g);
    struct sample last = g->sample;
    long long t0 = wss_wait_now_ms();
    assert_int_equal(pusher_finish(g->pusher, &last, timeout_ms), missed);
    assert_true(wss_wait_now_ms() - t0 < max_ms);
    pthread_mutex_lock(&r->lock);
    assert_int_equal(r->finals, 1);
    pthread_mutex_unlock(&r->lock);
    rig_free(g);
    receiver_free(r);
}

/* A push still in flight to a slow adapter does not hold up the final report: it is dropped,
 * and the final goes at once. */
static void final_report_does_not_wait_behind_a_slow_push(void **state)
{
    (void)state;
    struct receiver *r = receiver_start("127.0.0.1", 0, NULL, NULL);
    atomic_store(&r->slow_ms, 1900); /* under the 2 s a push may take */
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", wss_http_server_port(r->server));
    struct rig g;
    rig_init(&g);
    const char *urls[] = {url};
    rig_start(&g, urls, 1, NULL, NULL, false);
    struct at_least a = {r, 1};
    assert_true(wss_wait_until(has_received, &a, WAIT_MS)); /* the first push is being held */
    finish_and_free(&g, r, 1500, 0, 1500);
}

static bool was_looked_up(void *arg)
{
    return atomic_load(&((struct fake_dns *)arg)->calls) > 0;
}

/* Names are not looked up once finishing has begun: a lookup blocks (a DNS timeout is 5 s and
 * more) and the final report's deadline must hold. */
static void finish_keeps_its_deadline_when_names_do_not_resolve(void **state)
{
    (void)state;
    struct fake_dns dns = {.naddrs = -1};
    struct rig g;
    rig_init(&g);
    g.interval_ms = 10000; /* the failing name's next lookup is far off */
    const char *urls[] = {"http://adapter.test:1"};
    rig_start(&g, urls, 1, &dns, NULL, false);
    assert_true(wss_wait_until(was_looked_up, &dns, WAIT_MS));
    rig_stop_feeding(&g);
    atomic_store(&dns.delay_ms, 3000);
    struct sample last = g.sample;
    long long t0 = wss_wait_now_ms();
    assert_int_equal(pusher_finish(g.pusher, &last, 300), 1);
    assert_true(wss_wait_now_ms() - t0 < 1500);
    assert_int_equal(atomic_load(&dns.calls), 1);
    rig_free(&g);
}

/* Once every reachable adapter has the final report, a name with no address (and no lookup out)
 * does not keep the finish waiting for its deadline: it is reported as missed at once. */
static void finish_ends_when_only_unresolved_names_are_left(void **state)
{
    (void)state;
    struct fake_dns dns = {.naddrs = -1};
    struct receiver *r = receiver_start("127.0.0.1", 0, NULL, NULL);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", wss_http_server_port(r->server));
    struct rig g;
    rig_init(&g);
    g.interval_ms = 10000; /* the failing name's next lookup is far off */
    const char *urls[] = {"http://adapter.test:1", url};
    rig_start(&g, urls, 2, &dns, NULL, false);
    assert_true(wss_wait_until(was_looked_up, &dns, WAIT_MS));
    struct at_least a = {r, 1};
    assert_true(wss_wait_until(has_received, &a, WAIT_MS));
    finish_and_free(&g, r, 4000, 1, 2000);
}

/* A lookup stuck in DNS does not hold up the pushes to an address already known, and does not
 * hold up pusher_free either. */
static void a_hanging_lookup_does_not_stop_the_pushes(void **state)
{
    (void)state;
    /* static: the lookup still sleeping when the test ends reads it afterwards */
    static struct fake_dns dns = {.naddrs = -1, .delay_ms = 5000};
    struct receiver *r = receiver_start("127.0.0.1", 0, NULL, NULL);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", wss_http_server_port(r->server));
    struct rig g;
    rig_init(&g);
    const char *urls[] = {"http://adapter.test:1", url};
    rig_start(&g, urls, 2, &dns, NULL, false);
    assert_true(wss_wait_until(was_looked_up, &dns, WAIT_MS));
    uint64_t n = received(r);
    struct at_least a = {r, n + 5}; /* several reports while the lookup hangs */
    assert_true(wss_wait_until(has_received, &a, 2000));
    assert_int_equal(atomic_load(&dns.calls), 1);
    long long t0 = wss_wait_now_ms();
    rig_free(&g);
    assert_true(wss_wait_now_ms() - t0 < 2000);
    receiver_free(r);
}

static void bad_urls_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *msg;
    } cases[] = {
        {"ftp://adapter:21", "adapter-url \"ftp://adapter:21\" must be https:// (or http://)"},
        {"not a url", "adapter-url \"not a url\" is not a URL"},
        {"https://adapter:6443/?x=1",
         "adapter-url \"https://adapter:6443/?x=1\" must be a base URL without query or fragment"},
    };
    struct rig g;
    rig_init(&g);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *urls[] = {cases[i].url};
        struct pusher_config cfg = {.urls = urls,
                                    .nurls = 1,
                                    .identity = g.identity,
                                    .interval_ms = INTERVAL_MS,
                                    .resolve_interval_ms = 1000,
                                    .registry = g.registry};
        char err[PUSHER_ERR_LEN];
        assert_null(pusher_start(&cfg, err, sizeof(err)));
        if (strcmp(err, cases[i].msg) != 0)
            fail_msg("case %zu: \"%s\"", i, err);
    }
    struct pusher_config none = {.identity = g.identity, .registry = g.registry};
    char err[PUSHER_ERR_LEN];
    assert_null(pusher_start(&none, err, sizeof(err)));
    assert_string_equal(err, "pusher: want 1-8 adapter URLs, an identity, a registry and positive "
                             "intervals");
    pusher_offer(NULL, &g.sample);
    assert_int_equal(pusher_finish(NULL, &g.sample, 0), 0);
    rig_free(&g);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    wss_log_configure(WSS_LOG_WARN, WSS_LOG_FORMAT_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reports_carry_every_field_and_the_token),
        cmocka_unit_test(every_address_of_a_name_is_pushed_to_with_the_name_as_host),
        cmocka_unit_test(tls_is_verified_by_the_url_name_through_the_pin),
        cmocka_unit_test(failures_are_counted_by_reason_and_pushes_resume),
        cmocka_unit_test(finish_sends_a_final_report_to_every_target),
        cmocka_unit_test(final_report_does_not_wait_behind_a_slow_push),
        cmocka_unit_test(finish_keeps_its_deadline_when_names_do_not_resolve),
        cmocka_unit_test(a_hanging_lookup_does_not_stop_the_pushes),
        cmocka_unit_test(finish_ends_when_only_unresolved_names_are_left),
        cmocka_unit_test(bad_urls_are_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
