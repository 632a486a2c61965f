/* SPDX-License-Identifier: Apache-2.0 */
/* options.h: wsscale-demo's command line: the programs to run, the HPA's settings, the load
 * profile and the output directory, parsed into one struct through lib/flags_main.
 * Does not: check what the values mean together beyond main's few checks, or start anything.
 * Threads: main's thread, before any other starts. */
#ifndef DEMO_OPTIONS_H
#define DEMO_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "wsscale/flags_main.h"

/* --sidecar-source's choices, in the order of enum demo_sidecar_source. */
#define DEMO_SIDECAR_SOURCES "shm", "socket"
enum demo_sidecar_source { DEMO_SOURCE_SHM = 0, DEMO_SOURCE_SOCKET };

struct demo_options {
    const char *bin_dir; /* where wsscale-server, -sidecar, -load, -adapter are found */
    const char *out_dir; /* demo-out: CSV, PNG, events.jsonl, logs */
    const char *ns, *app;
    int64_t min_replicas, max_replicas, target, connections, load_steps;
    int64_t sync_ms, sample_ms, ramp_up_ms, hold_ms, ramp_down_ms, tail_ms;
    int64_t scale_down_window_ms, drain_seconds, drain_delay_ms;
    int64_t adapter_port, front_port; /* 0: an ephemeral port */
    int sidecar_source;               /* enum demo_sidecar_source */
    bool is_netns;                    /* each pod in its own network namespace */
    const char *pod_cidr;             /* with is_netns: the pod network */
    bool is_quiet;                    /* no live view (tests) */
    bool is_prometheus;               /* run Prometheus scraping the pods and the adapter */
    int64_t prometheus_port;          /* 0: an ephemeral port */
    const char *prometheus_bin;
    struct wss_log_flags log;
};

/* Parses argv and the environment. Returns the options, or NULL with *exit_code set after
 * printing --help, --version (0) or the one-line error (2). Call options_free() either way. */
const struct demo_options *options_parse(int argc, char **argv, int *exit_code);

/* Releases what parsing allocated. Cannot fail. */
void options_free(void);

#endif
