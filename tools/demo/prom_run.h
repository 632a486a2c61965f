/* SPDX-License-Identifier: Apache-2.0 */
/* prom_run.h: the demo's optional Prometheus (--prometheus): prom.yml written under the out dir,
 * `prometheus` started on 127.0.0.1 with its TSDB there, waited for until /-/ready, scraping the
 * adapter's metrics port and, through file_sd_configs, every pod's sidecar and server /metrics
 * with the namespace and pod labels the Grafana dashboard expects; the targets files are
 * rewritten atomically (temp file + rename) whenever the pod set changes.
 * Does not: query Prometheus, decide which pods exist (pods.c, run.c), or print.
 * Threads: main's thread only. */
#ifndef DEMO_PROM_RUN_H
#define DEMO_PROM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pods.h"
#include "wsscale/strbuf.h"

/* Longest path kept. */
#define PROM_RUN_PATH_LEN 512
/* The job names, as manifests/components/monitoring and grafana/ use them. */
#define PROM_RUN_JOB_SIDECARS "wsscale-sidecars"
#define PROM_RUN_JOB_SERVER   "wsscale-server"
#define PROM_RUN_JOB_ADAPTER  "wsscale-adapter"
/* The labels the adapter's own target gets (it is not one of the pods). */
#define PROM_RUN_ADAPTER_NS  "wsscale-system"
#define PROM_RUN_ADAPTER_POD "wsscale-adapter-demo"

/* Which of a pod's two /metrics endpoints a targets file lists. */
enum prom_run_kind {
    PROM_RUN_SIDECARS = 0, /* the sidecar's --listen port */
    PROM_RUN_SERVERS,      /* the server's WebSocket port, which also serves /metrics */
};

/* What prom_run_start needs; strings borrowed for the call only. */
struct prom_run_config {
    const char *bin; /* the prometheus executable (a path: it is exec'd without PATH) */
    const char *dir; /* prom.yml, targets/, data/ and prometheus.log go here */
    const char *ns;  /* the pods' namespace label */
    uint16_t port;   /* 0: a free one */
    uint16_t adapter_metrics_port;
    int64_t scrape_ms;  /* scrape_interval */
    int64_t timeout_ms; /* for /-/ready */
};

/* A running Prometheus; zero-initialise, then prom_run_start. Public, read-only fields. */
struct prom_run {
    pid_t pid; /* 0 when not running */
    uint16_t port;
    char url[64]; /* http://127.0.0.1:<port> */
    char dir[PROM_RUN_PATH_LEN], ns[128];
    int n_writes; /* how many times the targets files were rewritten */
};

/* The file_sd targets file of kind for pods (every phase: a pod is scraped until it is gone),
 * appended to out as a JSON array. 0, or -1 when out of memory. Pure. */
int prom_run_format_targets(struct wss_strbuf *out, enum prom_run_kind kind, const char *ns,
                            const struct pod_info *const *pods, size_t n);

/* The prom.yml for cfg, appended to out. 0, or -1 when out of memory. Pure. */
int prom_run_format_config(struct wss_strbuf *out, const struct prom_run_config *cfg,
                           const char *targets_dir);

/* Writes prom.yml and empty targets files, starts Prometheus, waits for /-/ready. 0, or -1 with a
 * reason in err (errlen bytes); a started Prometheus is stopped again. */
int prom_run_start(struct prom_run *p, const struct prom_run_config *cfg, char *err, size_t errlen);

/* Rewrites both targets files atomically for the pods now present. 0, or -errno (the old files
 * stay). A stopped prom_run (pid 0) accepts the call and does nothing. */
int prom_run_set_pods(struct prom_run *p, const struct pod_info *const *pods, size_t n);

/* SIGTERM, at most timeout_ms, then SIGKILL; accepts a stopped or never-started one. */
void prom_run_stop(struct prom_run *p, int64_t timeout_ms);

#endif
