/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: wsscale-sidecar's flag table and its parse through lib/flags_main.
 * Does not: interpret values beyond their types and bounds; the parts check the rest.
 * Threads: main's thread only; the parsed options are written once, then only read. */
#include "options.h"

#include "source_select.h"
#include "wsscale/flags_main.h"

/* Bounds of --interval: faster than 100 ms buys nothing an HPA can use; an hour is plenty. */
#define MIN_INTERVAL_MS 100
#define MAX_INTERVAL_MS (60 * 60 * 1000)
/* Shortest --adapter-resolve-interval and --shutdown-timeout. */
#define MIN_RESOLVE_MS  100
#define MIN_SHUTDOWN_MS 1000

/* The one set of options of this process; written by options_parse before threads start. */
static struct sidecar_options o;

static const struct wss_flag flag_table[] = {
    WSS_FLAG_ENUM("source", &o.source, "shm", WSS_CHOICES(SOURCE_SELECT_CHOICES),
                  "Where connections are counted: shm (the app's shared-memory counter), socket "
                  "(ESTABLISHED TCP connections to --ports; it counts TCP connections and cannot "
                  "tell a WebSocket from an HTTP keep-alive or a probe), or scrape (a gauge in "
                  "the app's own /metrics)."),
    WSS_FLAG_DURATION("interval", &o.interval_ms, "1s", "Time between samples.",
                      .min = MIN_INTERVAL_MS, .max = MAX_INTERVAL_MS),
    WSS_FLAG_STRING("shm", &o.shm, "/wsscale", "shm: the counter's shm name or file path."),
    WSS_FLAG_DURATION("stale-after", &o.stale_after_ms, "3s",
                      "shm: a heartbeat older than this means the app is hung or gone (stale, "
                      "not 0); the app beats every second.",
                      .min = 1),
    WSS_FLAG_LIST("ports", &o.ports, NULL, "socket: the app's listening ports, comma-separated."),
    WSS_FLAG_ENUM("socket-method", &o.socket_method, "auto", WSS_CHOICES(SOURCE_SELECT_METHODS),
                  "socket: sock_diag netlink, /proc/net/tcp{,6}, or auto (netlink, falling back "
                  "to /proc when refused)."),
    WSS_FLAG_STRING("scrape-url", &o.scrape_url, "", "scrape: the app's /metrics URL."),
    WSS_FLAG_STRING("scrape-metric", &o.scrape_metric, "websocket_connections",
                    "scrape: the gauge whose series are summed."),
    WSS_FLAG_STRING("scrape-selector", &o.scrape_selector, "",
                    "scrape: a Kubernetes label selector over the series' labels; empty sums "
                    "all."),
    WSS_FLAG_DURATION("scrape-timeout", &o.scrape_timeout_ms, "1s", "scrape: per request.",
                      .min = 1),
    WSS_FLAG_HOSTPORT("listen", &o.listen, "0.0.0.0:9102",
                      "Where /metrics, /healthz and /readyz are served (plain HTTP)."),
    WSS_FLAG_LIST("adapter-url", &o.adapter_urls, NULL,
                  "Adapter base URL to push reports to (POST /ingest/v1/reports); repeatable. A "
                  "name is pushed to at every address it resolves to. None: no pushing."),
    WSS_FLAG_STRING("adapter-ca-file", &o.ca_file, "", "CA bundle for the adapter's certificate."),
    WSS_FLAG_BOOL("adapter-insecure-skip-verify", &o.is_insecure, "false",
                  "Do not verify the adapter's certificate (testing only)."),
    WSS_FLAG_STRING("token-file", &o.token_file, "",
                    "Bearer token for the adapter, re-read when it changes."),
    WSS_FLAG_DURATION("adapter-resolve-interval", &o.resolve_ms, "10s",
                      "How often adapter names are looked up again.", .min = MIN_RESOLVE_MS),
    WSS_FLAG_STRING("pod-namespace", &o.ns, NULL, "The pod's namespace.", .env = "POD_NAMESPACE"),
    WSS_FLAG_STRING("pod-name", &o.pod, NULL, "The pod's name.", .env = "POD_NAME"),
    WSS_FLAG_STRING("pod-uid", &o.uid, NULL, "The pod's UID.", .env = "POD_UID"),
    WSS_FLAG_STRING("labels-file", &o.labels_file, "/etc/podinfo/labels",
                    "The downward-API labels file, re-read when it changes; empty: no labels."),
    WSS_FLAG_DURATION("shutdown-timeout", &o.shutdown_ms, "25s",
                      "After SIGTERM, sample while the app drains (to 0 or gone), then send the "
                      "final report, all within this time.",
                      .min = MIN_SHUTDOWN_MS),
    WSS_LOG_FLAGS(&o.log, "info"),
};

static const struct wss_flags flags = {
    "wsscale-sidecar",
    "Counts this pod's WebSocket connections, serves them on /metrics and pushes them to the "
    "wsscale adapter. When it cannot count, it says so instead of reporting 0.",
    flag_table, sizeof(flag_table) / sizeof(flag_table[0])};

const struct sidecar_options *options_parse(int argc, char **argv, int *exit_code)
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
