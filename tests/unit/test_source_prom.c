/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_prom.c: the Prometheus metric source against the real Prometheus binary scraping an
 * exposition this test serves (namespace/pod labels honoured, as Kubernetes SD relabels them in):
 * pods by selector, one pod, sums, duplicate series, NaN/negative, labels from the store, the age
 * bound, a vanished series, Prometheus killed or hung; and against a fake query endpoint: the
 * exact PromQL and form sent, the bearer token, error and non-JSON replies, refused configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metric_values.h"
#include "source_prom.h"
#include "wait.h"
#include "wsscale/http_server.h"
#include "wsscale/selector.h"

extern char **environ;

#define METRIC            "websocket_connections"
#define PROM_READY_MS     15000
#define FIRST_SCRAPE_MS   30000 /* Prometheus scrapes about 6 s after start; slack for load */
#define VANISH_MS         10000 /* a staleness marker follows the next 1 s scrape */
#define SHORT_TIMEOUT_MS  300
#define OLD_SAMPLE_AGE_MS 20000
#define MAX_BODY          8192

/* ------------------------------------------------------------------ the test's HTTP server */

struct served {
    pthread_mutex_t lock;
    char exposition[MAX_BODY]; /* under lock */
    /* The fake query endpoint: what to answer, and what it last received. Under lock. */
    unsigned fake_status;
    char fake_reply[MAX_BODY];
    char got_body[MAX_BODY];
    char got_auth[256];
    char got_type[128];
    int fake_calls;
};

static void serve_metrics(struct wss_http_req *req, void *arg)
{
    struct served *s = arg;
    char body[MAX_BODY];
    pthread_mutex_lock(&s->lock);
    snprintf(body, sizeof(body), "%s", s->exposition);
    pthread_mutex_unlock(&s->lock);
    wss_http_reply(req, 200, "text/plain; version=0.0.4", body, strlen(body));
}

static void serve_fake_query(struct wss_http_req *req, void *arg)
{
    struct served *s = arg;
    size_t len;
    const char *body = wss_http_req_body(req, &len);
    const char *auth = wss_http_req_header(req, "Authorization");
    const char *type = wss_http_req_header(req, "Content-Type");
    char reply[MAX_BODY];
    pthread_mutex_lock(&s->lock);
    snprintf(s->got_body, sizeof(s->got_body), "%s", body);
    snprintf(s->got_auth, sizeof(s->got_auth), "%s", auth ? auth : "");
    snprintf(s->got_type, sizeof(s->got_type), "%s", type ? type : "");
    snprintf(reply, sizeof(reply), "%s", s->fake_reply);
    unsigned status = s->fake_status;
    s->fake_calls++;
    pthread_mutex_unlock(&s->lock);
    wss_http_reply(req, status, "application/json", reply, strlen(reply));
}

/* ------------------------------------------------------------------ fixture */

struct fixture {
    char dir[256];
    struct served served;
    struct wss_http_router *router;
    struct wss_http_server *http;
    pid_t prom_pid;
    uint16_t prom_port;
    char prom_url[64];
    char fake_url[64];
    int64_t started_unix_ms;
    struct metric_source src; /* default config over the real Prometheus */
};

static int64_t now_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_exposition(struct fixture *f, bool with_chat_b)
{
    pthread_mutex_lock(&f->served.lock);
    snprintf(
        f->served.exposition, sizeof(f->served.exposition),
        "# TYPE websocket_connections gauge\n"
        "websocket_connections{namespace=\"ws\",pod=\"chat-a\",app=\"chat\"} 3\n"
        "%s"
        "websocket_connections{namespace=\"ws\",pod=\"game-a\",app=\"game\"} 5\n"
        "websocket_connections{namespace=\"ws\",pod=\"chat-dup\",app=\"chat\",container=\"a\"} 4\n"
        "websocket_connections{namespace=\"ws\",pod=\"chat-dup\",app=\"chat\",container=\"b\"} 6\n"
        "websocket_connections{namespace=\"ws\",pod=\"chat-nan\",app=\"chat\"} NaN\n"
        "websocket_connections{namespace=\"ws\",pod=\"chat-neg\",app=\"chat\"} -1\n"
        "websocket_connections{namespace=\"ws\",app=\"chat\"} 50\n"
        "websocket_connections{namespace=\"other\",pod=\"chat-x\",app=\"chat\"} 100\n"
        "websocket_connections{namespace=\"old\",pod=\"chat-old\",app=\"chat\"} 7 %lld\n"
        "# TYPE unrelated gauge\n"
        "unrelated{namespace=\"ws\",pod=\"chat-a\"} 9\n",
        with_chat_b ? "websocket_connections{namespace=\"ws\",pod=\"chat-b\",app=\"chat\"} 0\n"
                    : "",
        (long long)(f->started_unix_ms - OLD_SAMPLE_AGE_MS));
    pthread_mutex_unlock(&f->served.lock);
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int start_prometheus(struct fixture *f)
{
    char path[320], data[320], listen[64], log[320];
    snprintf(path, sizeof(path), "%s/prom.yml", f->dir);
    FILE *cfg = fopen(path, "w");
    if (!cfg)
        return -1;
    fprintf(cfg,
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: app\n"
            "    honor_labels: true\n"
            "    static_configs: [{targets: ['127.0.0.1:%u']}]\n",
            wss_http_server_port(f->http));
    fclose(cfg);
    f->prom_port = free_port();
    snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", f->dir);
    snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%u", f->prom_port);
    char config[352];
    snprintf(config, sizeof(config), "--config.file=%s", path);
    snprintf(log, sizeof(log), "%s/prometheus.log", f->dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    char *argv[] = {"prometheus", config, data, listen, NULL};
    int rc = posix_spawnp(&f->prom_pid, "prometheus", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    snprintf(f->prom_url, sizeof(f->prom_url), "http://127.0.0.1:%u", f->prom_port);
    return rc == 0 ? 0 : -1;
}

static void stop_prometheus(struct fixture *f, int sig)
{
    if (f->prom_pid > 0) {
        kill(f->prom_pid, sig);
        waitpid(f->prom_pid, NULL, 0);
        f->prom_pid = 0;
    }
}

static struct metric_source new_source(const char *url, int64_t timeout_ms, int64_t max_age_ms,
                                       struct store *labels_from, const char *token_file)
{
    struct source_prom_config cfg = {.url = url,
                                     .metric = METRIC,
                                     .timeout_ms = timeout_ms,
                                     .max_age_ms = max_age_ms,
                                     .token_file = token_file,
                                     .labels_from = labels_from};
    struct metric_source src = {0};
    char err[SOURCE_PROM_ERR_LEN];
    int rc = source_prom_new(&cfg, &src, err, sizeof(err));
    if (rc != WSS_SRC_OK)
        fail_msg("source_prom_new: %s", err);
    return src;
}

/* Selector storage on the stack. */
struct sel {
    struct wss_selector sel;
    struct wss_sel_req reqs[8];
    struct wss_sel_value values[8];
};

static const struct wss_selector *parse_sel(struct sel *s, const char *text)
{
    struct wss_parse_err err;
    wss_selector_init(&s->sel, s->reqs, 8, s->values, 8);
    assert_int_equal(wss_selector_parse(text, strlen(text), &s->sel, &err), (int)strlen(text));
    return &s->sel;
}

struct list_wait {
    struct metric_source *src;
    const char *ns;
    size_t want;
    int last_rc;
    size_t last_n;
};

static bool list_has(void *arg)
{
    struct list_wait *w = arg;
    struct metric_values vals = {0};
    w->last_rc = w->src->ops->pods_matching(w->src->self, METRIC, w->ns, NULL, &vals);
    w->last_n = vals.n;
    metric_values_free(&vals);
    return w->last_rc == WSS_SRC_OK && w->last_n == w->want;
}

static bool prom_ready(void *arg)
{
    struct fixture *f = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(f->prom_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    const char *tmp = getenv("TMPDIR");
    snprintf(f.dir, sizeof(f.dir), "%s/wsscale-test-prom.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f.dir) || pthread_mutex_init(&f.served.lock, NULL) != 0)
        return -1;
    f.started_unix_ms = now_unix_ms();
    set_exposition(&f, true);
    struct wss_parse_err perr;
    f.router = wss_http_router_new();
    if (!f.router ||
        wss_http_router_add(f.router, "GET", "/metrics", serve_metrics, &f.served, &perr) != 0 ||
        wss_http_router_add(f.router, "POST", "/fake/api/v1/query", serve_fake_query, &f.served,
                            &perr) != 0)
        return -1;
    struct wss_http_server_config cfg = {.host = "127.0.0.1"};
    char err[WSS_HTTP_ERR_LEN];
    f.http = wss_http_server_start(&cfg, f.router, err, sizeof(err));
    if (!f.http)
        return -1;
    snprintf(f.fake_url, sizeof(f.fake_url), "http://127.0.0.1:%u/fake/",
             wss_http_server_port(f.http));
    *state = &f;
    if (start_prometheus(&f) != 0 || !wss_wait_until(prom_ready, &f, PROM_READY_MS)) {
        fprintf(stderr, "prometheus did not start; see %s/prometheus.log\n", f.dir);
        stop_prometheus(&f, SIGKILL);
        return -1;
    }
    f.src = new_source(f.prom_url, 0, 0, NULL, NULL);
    /* chat-a, chat-b, game-a, chat-dup: the servable pods of ws. */
    struct list_wait w = {.src = &f.src, .ns = "ws", .want = 4};
    if (!wss_wait_until(list_has, &w, FIRST_SCRAPE_MS)) {
        fprintf(stderr, "series never appeared: rc %d, %zu pods\n", w.last_rc, w.last_n);
        stop_prometheus(&f, SIGKILL);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    f->src.ops->destroy(f->src.self);
    stop_prometheus(f, SIGTERM);
    wss_http_server_stop(f->http);
    wss_http_router_free(f->router);
    char cmd[320];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ helpers */

static const struct metric_value *find(const struct metric_values *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->items[i].name, name) == 0)
            return &v->items[i];
    return NULL;
}

/* The pods listed, sorted by name, as "name=milli,..." */
static void names(const struct metric_values *v, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < v->n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s=%lld", i ? "," : "", v->items[i].name,
                                (long long)v->items[i].milli_value);
}

static void expect_list(struct metric_source *src, const char *ns, const char *selector,
                        const char *want)
{
    struct sel s;
    struct metric_values vals = {0};
    assert_int_equal(src->ops->pods_matching(src->self, METRIC, ns,
                                             selector ? parse_sel(&s, selector) : NULL, &vals),
                     WSS_SRC_OK);
    char got[1024];
    names(&vals, got, sizeof(got));
    metric_values_free(&vals);
    assert_string_equal(got, want);
}

/* ------------------------------------------------------------------ tests: real Prometheus */

static void pods_matching_lists_servable_pods_once_each_sorted_by_name(void **state)
{
    struct fixture *f = *state;
    /* chat-dup's two series count once, as their maximum; NaN, negative and pod-less series are
     * left out, never served as 0; other namespaces and metrics are not asked for. */
    expect_list(&f->src, "ws", NULL, "chat-a=3000,chat-b=0,chat-dup=6000,game-a=5000");
    expect_list(&f->src, "ws", "", "chat-a=3000,chat-b=0,chat-dup=6000,game-a=5000");
    expect_list(&f->src, "other", NULL, "chat-x=100000");
    expect_list(&f->src, "nobody", NULL, "");
}

static void selectors_match_the_series_labels_when_the_store_does_not_know_the_pod(void **state)
{
    struct fixture *f = *state;
    expect_list(&f->src, "ws", "app=chat", "chat-a=3000,chat-b=0,chat-dup=6000");
    expect_list(&f->src, "ws", "app in (game)", "game-a=5000");
    expect_list(&f->src, "ws", "app!=chat", "game-a=5000");
    expect_list(&f->src, "ws", "container=b", "chat-dup=6000"); /* any of the pod's series */
    expect_list(&f->src, "ws", "!container", "chat-a=3000,chat-b=0,game-a=5000");
    expect_list(&f->src, "ws", "app=none", "");
}

static void values_carry_prometheus_time_namespace_and_the_documented_window(void **state)
{
    struct fixture *f = *state;
    struct metric_values vals = {0};
    assert_int_equal(f->src.ops->pods_matching(f->src.self, METRIC, "ws", NULL, &vals), WSS_SRC_OK);
    const struct metric_value *a = find(&vals, "chat-a");
    assert_non_null(a);
    assert_string_equal(a->namespace_, "ws");
    assert_int_equal(a->window_ms, SOURCE_PROM_WINDOW_MS);
    assert_true(a->timestamp_unix_ms >= f->started_unix_ms);
    assert_true(a->timestamp_unix_ms <= now_unix_ms() + 1000);
    metric_values_free(&vals);
}

static void pod_value_answers_one_pod_and_refuses_unknown_or_unservable(void **state)
{
    struct fixture *f = *state;
    struct metric_value v;
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "game-a", &v), WSS_SRC_OK);
    assert_string_equal(v.name, "game-a");
    assert_string_equal(v.namespace_, "ws");
    assert_int_equal(v.milli_value, 5000);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-dup", &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, 6000);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "nope", &v),
                     WSS_SRC_NOT_FOUND);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "other", "chat-a", &v),
                     WSS_SRC_NOT_FOUND);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-nan", &v),
                     WSS_SRC_STALE);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-neg", &v),
                     WSS_SRC_STALE);
    assert_int_equal(f->src.ops->pod_value(f->src.self, "unrelated", "ws", "chat-a", &v),
                     WSS_SRC_NOT_FOUND);
}

static void sum_matching_adds_each_servable_pod_once(void **state)
{
    struct fixture *f = *state;
    struct metric_value v;
    struct sel s;
    assert_int_equal(f->src.ops->sum_matching(f->src.self, METRIC, "ws", NULL, &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, 14000); /* 3 + 0 + 6 + 5 */
    assert_string_equal(v.namespace_, "ws");
    assert_true(v.timestamp_unix_ms >= f->started_unix_ms);
    assert_int_equal(
        f->src.ops->sum_matching(f->src.self, METRIC, "ws", parse_sel(&s, "app=chat"), &v),
        WSS_SRC_OK);
    assert_int_equal(v.milli_value, 9000);
    assert_int_equal(f->src.ops->sum_matching(f->src.self, METRIC, "nobody", NULL, &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, 0);
    assert_int_equal(f->src.ops->sum_matching(f->src.self, "unrelated", "ws", NULL, &v),
                     WSS_SRC_NOT_FOUND);
    assert_string_equal(f->src.ops->list_metrics(f->src.self)[0], METRIC);
    assert_null(f->src.ops->list_metrics(f->src.self)[1]);
}

static void put_pod(struct store *st, const char *name, const char *app)
{
    struct wss_label l = {"app", 3, app, strlen(app)};
    struct store_update u = {.ns = "ws",
                             .ns_len = 2,
                             .name = name,
                             .name_len = strlen(name),
                             .uid = name,
                             .uid_len = strlen(name),
                             .labels = &l,
                             .nlabels = 1,
                             .state = STORE_STATE_OK,
                             .active_connections = 1,
                             .sample_time_unix_ms = now_unix_ms(),
                             .interval_ms = 1000,
                             .sidecar_instance = 1,
                             .sequence = 1};
    assert_int_equal(store_apply(st, &u, 1, NULL, NULL, 0), 0);
}

static void selectors_use_the_stores_labels_for_pods_it_knows(void **state)
{
    struct fixture *f = *state;
    struct store *st = store_new(NULL);
    assert_non_null(st);
    put_pod(st, "chat-a", "lobby"); /* the pod's real labels say lobby, the series say chat */
    struct metric_source src = new_source(f->prom_url, 0, 0, st, NULL);
    expect_list(&src, "ws", "app=chat", "chat-b=0,chat-dup=6000");
    expect_list(&src, "ws", "app=lobby", "chat-a=3000");
    /* The value still comes from Prometheus, not the store's pushed count of 1. */
    struct metric_value v;
    struct sel s;
    assert_int_equal(src.ops->sum_matching(src.self, METRIC, "ws", parse_sel(&s, "app=lobby"), &v),
                     WSS_SRC_OK);
    assert_int_equal(v.milli_value, 3000);
    src.ops->destroy(src.self);
    store_free(st);
}

static void samples_older_than_the_max_age_are_left_out(void **state)
{
    struct fixture *f = *state;
    /* chat-old carries an explicit timestamp OLD_SAMPLE_AGE_MS before the test started, so no
     * staleness marker hides it: only the age bound does. */
    struct metric_source lax = new_source(f->prom_url, 0, 10 * 60 * 1000, NULL, NULL);
    struct metric_source strict = new_source(f->prom_url, 0, 5000, NULL, NULL);
    expect_list(&lax, "old", NULL, "chat-old=7000");
    expect_list(&strict, "old", NULL, "");
    struct metric_value v;
    assert_int_equal(strict.ops->pod_value(strict.self, METRIC, "old", "chat-old", &v),
                     WSS_SRC_NOT_FOUND);
    lax.ops->destroy(lax.self);
    strict.ops->destroy(strict.self);
}

#define RACE_THREADS 4
#define RACE_QUERIES 25

struct race {
    struct metric_source *src;
    int ok; /* queries that listed exactly the four pods */
};

static void *race_queries(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < RACE_QUERIES; i++) {
        struct metric_values vals = {0};
        if (r->src->ops->pods_matching(r->src->self, METRIC, "ws", NULL, &vals) == WSS_SRC_OK &&
            vals.n == 4)
            r->ok++;
        metric_values_free(&vals);
    }
    return NULL;
}

static void queries_from_many_threads_at_once_all_answer(void **state)
{
    struct fixture *f = *state;
    pthread_t t[RACE_THREADS];
    struct race r[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        r[i] = (struct race){.src = &f->src};
        assert_int_equal(pthread_create(&t[i], NULL, race_queries, &r[i]), 0);
    }
    for (int i = 0; i < RACE_THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(r[i].ok, RACE_QUERIES);
    }
}

static void a_series_that_vanishes_is_not_served_after_the_next_scrape(void **state)
{
    struct fixture *f = *state;
    set_exposition(f, false);
    long long t0 = wss_wait_now_ms();
    struct list_wait w = {.src = &f->src, .ns = "ws", .want = 3};
    assert_true(wss_wait_until(list_has, &w, VANISH_MS));
    /* Far sooner than Prometheus's 5 min lookback: the staleness marker did it. */
    assert_true(wss_wait_now_ms() - t0 < VANISH_MS);
    expect_list(&f->src, "ws", NULL, "chat-a=3000,chat-dup=6000,game-a=5000");
    struct metric_value v;
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-b", &v),
                     WSS_SRC_NOT_FOUND);
    set_exposition(f, true);
}

static void prometheus_killed_makes_every_operation_unavailable_at_once(void **state)
{
    struct fixture *f = *state;
    stop_prometheus(f, SIGKILL);
    struct metric_values vals = {0};
    struct metric_value v;
    long long t0 = wss_wait_now_ms();
    assert_int_equal(f->src.ops->pods_matching(f->src.self, METRIC, "ws", NULL, &vals),
                     WSS_SRC_UNAVAILABLE);
    assert_int_equal(vals.n, 0);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-a", &v),
                     WSS_SRC_UNAVAILABLE);
    assert_int_equal(f->src.ops->sum_matching(f->src.self, METRIC, "ws", NULL, &v),
                     WSS_SRC_UNAVAILABLE);
    assert_true(wss_wait_now_ms() - t0 < SOURCE_PROM_DEFAULT_TIMEOUT_MS);
    metric_values_free(&vals);
}

/* ------------------------------------------------------------------ tests: no Prometheus */

static void a_hung_prometheus_is_unavailable_within_the_timeout(void **state)
{
    (void)state;
    /* A listener that never accepts: the kernel completes the handshake, nobody answers. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(a.sin_port));
    struct metric_source src = new_source(url, SHORT_TIMEOUT_MS, 0, NULL, NULL);
    struct metric_value v;
    long long t0 = wss_wait_now_ms();
    assert_int_equal(src.ops->pod_value(src.self, METRIC, "ws", "chat-a", &v), WSS_SRC_UNAVAILABLE);
    long long took = wss_wait_now_ms() - t0;
    assert_true(took >= SHORT_TIMEOUT_MS - 50);
    assert_true(took < SHORT_TIMEOUT_MS + 1000);
    src.ops->destroy(src.self);
    close(fd);
}

/* Percent-decodes a form value in place ('+' is a space). */
static void form_decode(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '%' && r[1] && r[2]) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r == '+' ? ' ' : *r;
        }
    }
    *w = '\0';
}

static void fake_answer(struct fixture *f, unsigned status, const char *reply)
{
    pthread_mutex_lock(&f->served.lock);
    f->served.fake_status = status;
    snprintf(f->served.fake_reply, sizeof(f->served.fake_reply), "%s", reply);
    f->served.got_body[0] = '\0';
    pthread_mutex_unlock(&f->served.lock);
}

static int fake_calls(struct fixture *f)
{
    pthread_mutex_lock(&f->served.lock);
    int n = f->served.fake_calls;
    pthread_mutex_unlock(&f->served.lock);
    return n;
}

static void the_query_is_escaped_promql_posted_as_a_form_with_the_token(void **state)
{
    struct fixture *f = *state;
    char token[320];
    snprintf(token, sizeof(token), "%s/token", f->dir);
    FILE *tf = fopen(token, "w");
    assert_non_null(tf);
    fputs("s3cret\n", tf);
    fclose(tf);
    fake_answer(f, 200,
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                "{\"metric\":{\"namespace\":\"w\\\"s\",\"pod\":\"p\\\\1\"},"
                "\"value\":[1700000000.5,\"2.5\"]}]}}");
    struct metric_source src = new_source(f->fake_url, 0, 1500, NULL, token);
    struct metric_value v;
    assert_int_equal(src.ops->pod_value(src.self, METRIC, "w\"s", "p\\1", &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, 2500);
    assert_int_equal(v.timestamp_unix_ms, 1700000000500LL);
    pthread_mutex_lock(&f->served.lock);
    char body[MAX_BODY];
    snprintf(body, sizeof(body), "%s", f->served.got_body);
    assert_string_equal(f->served.got_auth, "Bearer s3cret");
    assert_string_equal(f->served.got_type, "application/x-www-form-urlencoded");
    pthread_mutex_unlock(&f->served.lock);
    assert_null(strchr(body, ' ')); /* encoded */
    assert_null(strchr(body, '"'));
    assert_int_equal(strncmp(body, "query=", 6), 0);
    form_decode(body);
    assert_string_equal(
        body, "query=websocket_connections{namespace=\"w\\\"s\",pod=\"p\\\\1\"} and (time() - "
              "timestamp(websocket_connections{namespace=\"w\\\"s\",pod=\"p\\\\1\"}) <= 1.500)");
    expect_list(&src, "w\"s", NULL, "p\\1=2500");
    /* Names no pod can have are not sent at all (Prometheus would refuse bad UTF-8). */
    int calls = fake_calls(f);
    assert_int_equal(src.ops->pod_value(src.self, METRIC, "ws", "a\xff", &v), WSS_SRC_NOT_FOUND);
    assert_int_equal(src.ops->pod_value(src.self, METRIC, "ws", "a\nb", &v), WSS_SRC_NOT_FOUND);
    expect_list(&src, "w\x01s", NULL, "");
    assert_int_equal(fake_calls(f), calls);
    src.ops->destroy(src.self);
}

static void error_non_200_and_non_json_replies_are_unavailable(void **state)
{
    struct fixture *f = *state;
    struct {
        unsigned status;
        const char *reply;
    } cases[] = {
        {503, "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"starting\"}"},
        {422, "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"too many samples\"}"},
        {200, "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}"},
        {200, "<html>gateway</html>"},
        {200, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"},
        {500, ""},
    };
    struct metric_source src = new_source(f->fake_url, 0, 0, NULL, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_answer(f, cases[i].status, cases[i].reply);
        struct metric_values vals = {0};
        struct metric_value v;
        int calls_before = fake_calls(f);
        if (src.ops->pods_matching(src.self, METRIC, "ws", NULL, &vals) != WSS_SRC_UNAVAILABLE ||
            src.ops->pod_value(src.self, METRIC, "ws", "a", &v) != WSS_SRC_UNAVAILABLE ||
            src.ops->sum_matching(src.self, METRIC, "ws", NULL, &v) != WSS_SRC_UNAVAILABLE)
            fail_msg("case %zu served something", i);
        assert_int_equal(fake_calls(f) - calls_before, 3); /* one query per operation */
        assert_int_equal(vals.n, 0);
    }
    src.ops->destroy(src.self);
}

static void bad_configurations_are_refused_with_a_reason(void **state)
{
    (void)state;
    struct {
        const char *url, *metric;
        int64_t timeout_ms;
        const char *err;
    } cases[] = {
        {"", METRIC, 0, "prometheus-url is empty"},
        {NULL, METRIC, 0, "prometheus-url is empty"},
        {"ftp://127.0.0.1:9090", METRIC, 0,
         "prometheus-url ftp://127.0.0.1:9090: the scheme must be http or https"},
        {"http://127.0.0.1:9090/?x=1", METRIC, 0,
         "prometheus-url http://127.0.0.1:9090/?x=1: must not have a query or fragment"},
        {"http://127.0.0.1:9090", "web-socket", 0,
         "metric web-socket is not a Prometheus metric name"},
        {"http://127.0.0.1:9090", "", 0, "metric  is not a Prometheus metric name"},
        {"http://127.0.0.1:9090", "1abc", 0, "metric 1abc is not a Prometheus metric name"},
        {"http://127.0.0.1:9090", METRIC, -1, "timeout and max age must not be negative"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct source_prom_config cfg = {
            .url = cases[i].url, .metric = cases[i].metric, .timeout_ms = cases[i].timeout_ms};
        struct metric_source src = {0};
        char err[SOURCE_PROM_ERR_LEN] = "";
        int rc = source_prom_new(&cfg, &src, err, sizeof(err));
        if (rc != WSS_SRC_UNAVAILABLE || strcmp(err, cases[i].err) != 0)
            fail_msg("case %zu: rc %d err \"%s\"", i, rc, err);
        assert_null(src.self);
    }
    /* A path prefix is kept (Prometheus behind a proxy), trailing slashes are not doubled. */
    struct source_prom_config ok = {.url = "https://prom.example/prefix/", .metric = "a:b_c1"};
    struct metric_source src = {0};
    char err[SOURCE_PROM_ERR_LEN];
    assert_int_equal(source_prom_new(&ok, &src, err, sizeof(err)), WSS_SRC_OK);
    assert_string_equal(src.ops->list_metrics(src.self)[0], "a:b_c1");
    src.ops->destroy(src.self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pods_matching_lists_servable_pods_once_each_sorted_by_name),
        cmocka_unit_test(selectors_match_the_series_labels_when_the_store_does_not_know_the_pod),
        cmocka_unit_test(values_carry_prometheus_time_namespace_and_the_documented_window),
        cmocka_unit_test(pod_value_answers_one_pod_and_refuses_unknown_or_unservable),
        cmocka_unit_test(sum_matching_adds_each_servable_pod_once),
        cmocka_unit_test(selectors_use_the_stores_labels_for_pods_it_knows),
        cmocka_unit_test(samples_older_than_the_max_age_are_left_out),
        cmocka_unit_test(the_query_is_escaped_promql_posted_as_a_form_with_the_token),
        cmocka_unit_test(error_non_200_and_non_json_replies_are_unavailable),
        cmocka_unit_test(a_hung_prometheus_is_unavailable_within_the_timeout),
        cmocka_unit_test(bad_configurations_are_refused_with_a_reason),
        cmocka_unit_test(queries_from_many_threads_at_once_all_answer),
        cmocka_unit_test(a_series_that_vanishes_is_not_served_after_the_next_scrape),
        cmocka_unit_test(prometheus_killed_makes_every_operation_unavailable_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
