/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: wsscale-demo: options and logging, then the adapter, the front, the pods, the HPA, the
 * load profile and the recorders built in that order, the control loop run, and everything torn
 * down in reverse after the report (chart, summary, end event).
 * Does not: scale, sample, or report anything itself (run.c, report.c do).
 * Threads: main's thread; the front runs its own; SIGINT/SIGTERM only set a flag. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter_run.h"
#include "announce.h"
#include "options.h"
#include "pki.h"
#include "pod_network.h"
#include "prom_run.h"
#include "report.h"
#include "run.h"
#include "wsscale/clock.h"
#include "wsscale/log.h"

/* Time the adapter gets to answer /healthz (it may generate its certificate first), and what
 * each part gets to stop. */
#define ADAPTER_START_MS 15000
#define STOP_MS          5000
/* One read of the adapter's API (the HPA's client waits longer; a loopback read takes ms). */
#define READ_TIMEOUT_MS 1000
/* After the load ends: the scale-down window, a few syncs and the drains, plus this slack. */
#define SETTLE_SLACK_MS 10000
#define PATH_LEN        512
/* Prometheus is ready in well under a second here; this bounds a slow first TSDB open. */
#define PROM_START_MS 30000

/* Set by the signal handler, read by the loop: sig_atomic_t, main's thread only otherwise. */
static volatile sig_atomic_t is_stopping;

static void on_signal(int sig)
{
    (void)sig;
    is_stopping = 1;
}

static void hpa_spec_of(const struct demo_options *o, struct hpa_spec *s)
{
    hpa_spec_init(s, (int32_t)o->min_replicas, (int32_t)o->max_replicas, o->target * 1000);
    s->has_behavior = true;
    s->has_scale_down = true;
    s->scale_down.has_stabilization_window = true;
    s->scale_down.stabilization_window_s = (int32_t)(o->scale_down_window_ms / 1000);
}

static void bin_path(char *out, const char *dir, const char *rel)
{
    snprintf(out, PATH_LEN, "%.200s/%s", dir, rel);
}

/* Opens /dev/null onto any of fds 0-2 closed at start, so no descriptor the demo opens later
 * lands there (a child's dup2 onto 0-2 would clobber it). */
static void fill_std_fds(void)
{
    for (int i = 0; i < 3; i++) {
        int fd = open("/dev/null", O_RDWR);
        if (fd < 0)
            return;
        if (fd > 2) {
            close(fd);
            return;
        }
    }
}

int main(int argc, char **argv)
{
    fill_std_fds();
    int rc = 2;
    const struct demo_options *o = options_parse(argc, argv, &rc);
    if (o == NULL)
        goto out_options;
    wss_log_flags_apply(&o->log);
    rc = 1;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    const char *bin_dir = o->bin_dir[0] ? o->bin_dir : DEMO_DEFAULT_BIN_DIR;
    char server[PATH_LEN], sidecar[PATH_LEN], load[PATH_LEN], adapter[PATH_LEN], work[PATH_LEN];
    bin_path(server, bin_dir, "server/wsscale-server");
    bin_path(sidecar, bin_dir, "sidecar/wsscale-sidecar");
    bin_path(load, bin_dir, "tools/load/wsscale-load");
    bin_path(adapter, bin_dir, "adapter/wsscale-adapter");
    snprintf(work, sizeof(work), "%.400s/run", o->out_dir);
    if ((mkdir(o->out_dir, 0755) != 0 && errno != EEXIST) ||
        (mkdir(work, 0755) != 0 && errno != EEXIST)) {
        WSS_ERROR("cannot create the output directory", WSS_KV_STR("dir", work));
        goto out_options;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[256];
    struct adapter_run ar = {0};
    struct pki pki;
    struct pod_network *net = NULL;
    if (o->is_netns && (net = pod_network_create(o->pod_cidr, err, sizeof(err))) == NULL) {
        fprintf(stderr, "wsscale-demo: %s\n", err);
        rc = 2;
        goto out_curl;
    }
    if (pki_make(&pki, "/usr/bin/openssl", work, ADAPTER_START_MS, err, sizeof(err)) != 0) {
        WSS_ERROR("cannot make kubectl's client certificate", WSS_KV_STR("error", err));
        goto out_net;
    }
    const char *adapter_host = net != NULL ? pod_network_gateway(net) : "127.0.0.1";
    if (adapter_run_start(&ar, adapter, work, adapter_host, (uint16_t)o->adapter_port, &pki,
                          ADAPTER_START_MS, err, sizeof(err)) != 0) {
        WSS_ERROR("the adapter did not start", WSS_KV_STR("error", err));
        goto out_net;
    }
    struct prom_run prom = {0};
    if (o->is_prometheus) {
        char prom_dir[PATH_LEN];
        snprintf(prom_dir, sizeof(prom_dir), "%.400s/prometheus", o->out_dir);
        struct prom_run_config pcfg = {
            o->prometheus_bin, prom_dir,     o->ns,        (uint16_t)o->prometheus_port,
            ar.metrics_port,   o->sample_ms, PROM_START_MS};
        if (prom_run_start(&prom, &pcfg, err, sizeof(err)) != 0) {
            WSS_ERROR("prometheus did not start", WSS_KV_STR("error", err));
            goto out_adapter;
        }
    }
    struct front *front = front_start("127.0.0.1", (uint16_t)o->front_port, NULL, err, sizeof(err));
    if (front == NULL) {
        WSS_ERROR("the front did not start", WSS_KV_STR("error", err));
        goto out_prom;
    }
    struct pods_config pc = {server,
                             sidecar,
                             work,
                             o->ns,
                             o->app,
                             ar.url,
                             ar.ca_file,
                             o->sample_ms,
                             o->drain_delay_ms,
                             o->drain_seconds,
                             o->sidecar_source == DEMO_SOURCE_SOCKET,
                             net};
    struct pods *pods = pods_create(&pc);
    struct metrics_reader *reader =
        metrics_reader_create(ar.url, ar.ca_file, o->ns, o->app, READ_TIMEOUT_MS);
    static struct hpa hpa; /* about 50 KB: kept off the stack */
    struct hpa_spec spec;
    hpa_spec_of(o, &spec);
    struct load_profile lp;
    struct load_profile_config lc = {load,           o->out_dir,      "",
                                     o->connections, o->load_steps,   o->ramp_up_ms,
                                     o->hold_ms,     o->ramp_down_ms, o->tail_ms};
    snprintf(lc.url, sizeof(lc.url), "ws://127.0.0.1:%u/ws", front_port(front));
    load_profile_plan(&lp, &lc);
    char path[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s/events.jsonl", o->out_dir);
    int64_t start = wss_clock_mono_ms();
    struct events *events = events_open(path, start);
    struct freshness *fresh = freshness_create();
    struct timeline *tl = timeline_open(o->out_dir);
    if (pods == NULL || reader == NULL || events == NULL || fresh == NULL || tl == NULL ||
        hpa_init(&hpa, &spec, err, sizeof(err)) != 0) {
        WSS_ERROR("cannot set up the demo", WSS_KV_STR("error", err));
        goto out_parts;
    }
    struct announce an = {ar.url,
                          ar.kubeconfig,
                          lc.url,
                          metrics_reader_url(reader),
                          o->ns,
                          o->app,
                          o->connections,
                          o->target,
                          o->sample_ms,
                          o->min_replicas,
                          o->max_replicas,
                          prom.pid > 0 ? prom.url : NULL,
                          net != NULL ? o->pod_cidr : NULL,
                          net != NULL ? pod_network_gateway(net) : NULL,
                          net != NULL ? pod_network_host_ifname(net) : NULL};
    announce_start(events, start, stdout, &an);
    struct run_parts parts = {pods,
                              front,
                              reader,
                              &hpa,
                              &lp,
                              fresh,
                              events,
                              tl,
                              o->is_quiet ? NULL : stdout,
                              &is_stopping,
                              o->is_prometheus ? &prom : NULL};
    struct run_config rcfg = {(int32_t)o->min_replicas, o->target, o->sync_ms, o->sample_ms,
                              o->scale_down_window_ms + 3 * o->sync_ms + o->drain_delay_ms +
                                  o->drain_seconds * 1000 + SETTLE_SLACK_MS};
    struct run_outcome outcome;
    int run_rc = run_loop(&parts, &rcfg, &outcome);
    load_profile_stop(&lp, STOP_MS);
    struct report_parts rep = {&lp,          fresh,    tl,
                               events,       &outcome, o->out_dir,
                               o->sample_ms, stdout,   prom.pid > 0 ? prom.url : NULL};
    bool is_load_ok = report_finish(&rep);
    rc = run_rc == 0 && !outcome.is_stopped_early && is_load_ok ? 0 : 1;
out_parts:
    load_profile_stop(&lp, STOP_MS);
    pods_destroy(pods, STOP_MS);
    timeline_close(tl);
    freshness_destroy(fresh);
    events_close(events);
    metrics_reader_destroy(reader);
    front_stop(front);
out_prom:
    prom_run_stop(&prom, STOP_MS);
out_adapter:
    adapter_run_stop(&ar, STOP_MS);
out_net:
    pod_network_destroy(net);
out_curl:
    curl_global_cleanup();
out_options:
    options_free();
    return rc;
}
