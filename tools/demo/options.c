/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: wsscale-demo's flag table and its parse through lib/flags_main.
 * Does not: interpret values beyond their types and bounds.
 * Threads: main's thread only; the parsed options are written once, then only read. */
#include "options.h"

#include "pod_network.h"

/* Bounds: a sync faster than 1 s or a sample faster than 100 ms is not what a cluster does. */
#define MIN_SYNC_MS    1000
#define MIN_SAMPLE_MS  100
#define MAX_PHASE_MS   (30 * 60 * 1000)
#define MAX_REPLICAS   32
#define MAX_LOAD_STEPS 16

/* The one set of options of this process; written by options_parse before threads start. */
static struct demo_options o;

static const struct wss_flag flag_table[] = {
    WSS_FLAG_STRING("bin-dir", &o.bin_dir, "",
                    "Build directory holding server/, sidecar/, tools/load/ and adapter/ (empty: "
                    "the one this program was built in)."),
    WSS_FLAG_STRING("out-dir", &o.out_dir, "demo-out",
                    "Where scaling.csv, scaling.png, events.jsonl, summary.txt and the logs go."),
    WSS_FLAG_STRING("namespace", &o.ns, "demo", "The pods' namespace."),
    WSS_FLAG_STRING("app", &o.app, "chat", "The pods' app label; the HPA selects app=<this>."),
    WSS_FLAG_INT("min-replicas", &o.min_replicas, "2", 1, MAX_REPLICAS, "HPA minReplicas."),
    WSS_FLAG_INT("max-replicas", &o.max_replicas, "8", 1, MAX_REPLICAS, "HPA maxReplicas."),
    WSS_FLAG_INT("target", &o.target, "100", 1, 1000000,
                 "HPA target averageValue of websocket_connections per pod."),
    WSS_FLAG_INT("connections", &o.connections, "600", 1, 100000,
                 "Clients at the top of the load profile."),
    WSS_FLAG_INT("load-steps", &o.load_steps, "4", 1, MAX_LOAD_STEPS,
                 "The ramps go up and down in this many equal steps, one wsscale-load each."),
    WSS_FLAG_DURATION("sync-period", &o.sync_ms, "5s", "How often the HPA runs.",
                      .min = MIN_SYNC_MS, .max = MAX_PHASE_MS),
    WSS_FLAG_DURATION("sample-interval", &o.sample_ms, "1s", "The sidecars' --interval.",
                      .min = MIN_SAMPLE_MS, .max = MAX_PHASE_MS),
    WSS_FLAG_DURATION("ramp-up", &o.ramp_up_ms, "30s", "Load profile: time to reach the top.",
                      .min = 0, .max = MAX_PHASE_MS),
    WSS_FLAG_DURATION("hold", &o.hold_ms, "40s", "Load profile: time at the top.", .min = 0,
                      .max = MAX_PHASE_MS),
    WSS_FLAG_DURATION("ramp-down", &o.ramp_down_ms, "30s",
                      "Load profile: time to take away all but the last step of clients.", .min = 0,
                      .max = MAX_PHASE_MS),
    WSS_FLAG_DURATION("tail", &o.tail_ms, "20s",
                      "Load profile: the last step's clients stay this much longer, so the "
                      "scale-down drains pods that still have clients (they get 1001 and "
                      "reconnect); the demo ends a few sync periods after.",
                      .min = 0, .max = MAX_PHASE_MS),
    WSS_FLAG_DURATION("scale-down-stabilization", &o.scale_down_window_ms, "15s",
                      "HPA behavior.scaleDown.stabilizationWindowSeconds (Kubernetes: 5m).",
                      .min = 0, .max = MAX_PHASE_MS),
    WSS_FLAG_INT("drain-seconds", &o.drain_seconds, "3", 0, 600,
                 "Each server's --drain-seconds when its pod is deleted."),
    WSS_FLAG_DURATION("drain-delay", &o.drain_delay_ms, "1s",
                      "Each server's --drain-delay: the front stops routing to a deleted pod "
                      "at once.",
                      .min = 0, .max = MAX_PHASE_MS),
    WSS_FLAG_ENUM("sidecar-source", &o.sidecar_source, "shm", WSS_CHOICES(DEMO_SIDECAR_SOURCES),
                  "Each sidecar's --source: shm (the server's shared-memory counter) or socket "
                  "(its ESTABLISHED connections to the server's port, from the socket table of "
                  "the pod's network namespace with --netns, else of the host's)."),
    WSS_FLAG_BOOL("netns", &o.is_netns, "false",
                  "Run each pod in a network namespace of its own, on a bridge as the bridge CNI "
                  "plugin makes one, every server on port 8080 and every sidecar on 9102 like "
                  "containers; the adapter then listens on the host's address on the pod "
                  "network. Needs root; nothing is left on the host when the demo ends."),
    WSS_FLAG_STRING("pod-cidr", &o.pod_cidr, POD_NETWORK_DEFAULT_CIDR,
                    "With --netns: the pod network (an IPv4 /16 to /28 the host does not use); "
                    "the host takes its first address, the pods the rest."),
    WSS_FLAG_INT("adapter-port", &o.adapter_port, "0", 0, 65535,
                 "The adapter's HTTPS port (on 127.0.0.1, or the pod network's first address "
                 "with --netns); 0 picks a free one."),
    WSS_FLAG_INT("front-port", &o.front_port, "0", 0, 65535,
                 "The front (the Service) on 127.0.0.1; 0 picks a free one."),
    WSS_FLAG_BOOL("quiet", &o.is_quiet, "false", "No live view; the event log still fills."),
    WSS_FLAG_BOOL("prometheus", &o.is_prometheus, "false",
                  "Also run Prometheus on 127.0.0.1, scraping every pod's sidecar and server and "
                  "the adapter (data under <out-dir>/prometheus), so the Grafana dashboard's "
                  "queries have real data."),
    WSS_FLAG_INT("prometheus-port", &o.prometheus_port, "0", 0, 65535,
                 "With --prometheus: its port on 127.0.0.1; 0 picks a free one."),
    WSS_FLAG_STRING("prometheus-bin", &o.prometheus_bin, "/usr/bin/prometheus",
                    "With --prometheus: the prometheus executable."),
    WSS_LOG_FLAGS(&o.log, "warn"),
};

static const struct wss_flags flags = {
    "wsscale-demo",
    "A cluster in a box: the adapter, pods (wsscale-server + wsscale-sidecar), a round-robin "
    "front, the HPA's algorithm and a load profile, all on loopback (or on a pod network of "
    "its own with --netns); ends by itself with a "
    "summary and a chart.",
    flag_table, sizeof(flag_table) / sizeof(flag_table[0])};

const struct demo_options *options_parse(int argc, char **argv, int *exit_code)
{
    int rc = wss_flags_main_parse(&flags, argc, argv);
    if (rc != WSS_FLAGS_MAIN_CONTINUE) {
        *exit_code = rc;
        return NULL;
    }
    return &o;
}

void options_free(void)
{
    wss_flags_free(&flags);
}
