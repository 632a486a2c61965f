/* SPDX-License-Identifier: Apache-2.0 */
/* prom_run.c: prom.yml, the file_sd targets files (written to a temp file, then renamed, so
 * Prometheus never reads half a file), Prometheus's command line and the bounded /-/ready wait.
 * Does not: print; Prometheus's own log goes to <dir>/prometheus.log.
 * Threads: main's thread only. */
#include "prom_run.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "free_port.h"
#include "proc.h"

/* The most one /-/ready attempt may take (proc_wait_ready paces the attempts). */
#define READY_TIMEOUT_MS 500L
/* file_sd also re-reads its files this often, should an inotify event be missed. */
#define FILE_SD_REFRESH "5s"

static const char *const kind_file[] = {"sidecars.json", "servers.json"};

int prom_run_format_targets(struct wss_strbuf *out, enum prom_run_kind kind, const char *ns,
                            const struct pod_info *const *pods, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        uint16_t port = kind == PROM_RUN_SIDECARS ? pods[i]->metrics_port : pods[i]->port;
        if (port == 0)
            continue;
        char target[POD_NETWORK_IP_LEN + 8];
        snprintf(target, sizeof(target), "%s:%u", pods[i]->ip[0] ? pods[i]->ip : "127.0.0.1", port);
        cJSON *group = cJSON_CreateObject();
        cJSON *targets = cJSON_AddArrayToObject(group, "targets");
        cJSON *labels = cJSON_AddObjectToObject(group, "labels");
        cJSON_AddItemToArray(targets, cJSON_CreateString(target));
        cJSON_AddStringToObject(labels, "namespace", ns);
        cJSON_AddStringToObject(labels, "pod", pods[i]->name);
        cJSON_AddItemToArray(arr, group);
    }
    char *s = arr != NULL ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    int rc = s != NULL && wss_strbuf_printf(out, "%s\n", s) >= 0 ? 0 : -1;
    cJSON_free(s);
    return rc;
}

int prom_run_format_config(struct wss_strbuf *out, const struct prom_run_config *cfg,
                           const char *targets_dir)
{
    long long ms = (long long)cfg->scrape_ms;
    wss_strbuf_printf(out,
                      "# Written by wsscale-demo --prometheus; rewritten on every run.\n"
                      "global: {scrape_interval: %lldms, scrape_timeout: %lldms, "
                      "evaluation_interval: %lldms}\n"
                      "scrape_configs:\n",
                      ms, ms, ms);
    static const char *const jobs[] = {PROM_RUN_JOB_SIDECARS, PROM_RUN_JOB_SERVER};
    for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++)
        wss_strbuf_printf(out,
                          "  - job_name: %s\n"
                          "    file_sd_configs:\n"
                          "      - files: ['%s/%s']\n"
                          "        refresh_interval: %s\n",
                          jobs[k], targets_dir, kind_file[k], FILE_SD_REFRESH);
    wss_strbuf_printf(out,
                      "  - job_name: %s\n"
                      "    static_configs:\n"
                      "      - targets: ['127.0.0.1:%u']\n"
                      "        labels: {namespace: %s, pod: %s}\n",
                      PROM_RUN_JOB_ADAPTER, cfg->adapter_metrics_port, PROM_RUN_ADAPTER_NS,
                      PROM_RUN_ADAPTER_POD);
    return out->is_failed ? -1 : 0;
}

/* Writes text to path through path.tmp and rename(2). 0 or -errno. */
static int write_atomically(const char *path, const struct wss_strbuf *text)
{
    char tmp[PROM_RUN_PATH_LEN + 16];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -errno;
    size_t len = text->len;
    int rc = len > 0 && fwrite(text->data, 1, len, f) != len ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        remove(tmp);
    return rc;
}

static int write_targets(const struct prom_run *p, const struct pod_info *const *pods, size_t n)
{
    for (size_t k = 0; k < sizeof(kind_file) / sizeof(kind_file[0]); k++) {
        struct wss_strbuf text;
        wss_strbuf_init(&text, 0);
        int rc = prom_run_format_targets(&text, (enum prom_run_kind)k, p->ns, pods, n);
        char path[PROM_RUN_PATH_LEN + 32];
        snprintf(path, sizeof(path), "%.480s/targets/%s", p->dir, kind_file[k]);
        rc = rc == 0 ? write_atomically(path, &text) : -ENOMEM;
        wss_strbuf_free(&text);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * n;
}

static bool is_ready(void *arg)
{
    const struct prom_run *p = arg;
    CURL *h = curl_easy_init();
    if (h == NULL)
        return false;
    char url[128];
    snprintf(url, sizeof(url), "%s/-/ready", p->url);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, READY_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    long code = 0;
    bool ok = curl_easy_perform(h) == CURLE_OK &&
              curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200;
    curl_easy_cleanup(h);
    return ok;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

int prom_run_start(struct prom_run *p, const struct prom_run_config *cfg, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->dir, sizeof(p->dir), "%s", cfg->dir);
    snprintf(p->ns, sizeof(p->ns), "%s", cfg->ns);
    int port = cfg->port != 0 ? cfg->port : free_port();
    if (port < 0) {
        snprintf(err, errlen, "no free port on 127.0.0.1");
        return -1;
    }
    p->port = (uint16_t)port;
    snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", port);
    char targets[PROM_RUN_PATH_LEN + 16], data[PROM_RUN_PATH_LEN + 16];
    char yml[PROM_RUN_PATH_LEN + 16], log[PROM_RUN_PATH_LEN + 16];
    snprintf(targets, sizeof(targets), "%.480s/targets", p->dir);
    snprintf(data, sizeof(data), "%.480s/data", p->dir);
    snprintf(yml, sizeof(yml), "%.480s/prom.yml", p->dir);
    snprintf(log, sizeof(log), "%.480s/prometheus.log", p->dir);
    int rc = make_dir(p->dir);
    rc = rc == 0 ? make_dir(targets) : rc;
    if (rc == 0) {
        struct wss_strbuf text;
        wss_strbuf_init(&text, 0);
        rc = prom_run_format_config(&text, cfg, targets) == 0 ? write_atomically(yml, &text)
                                                              : -ENOMEM;
        wss_strbuf_free(&text);
    }
    rc = rc == 0 ? write_targets(p, NULL, 0) : rc;
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", p->dir, strerror(-rc));
        return -1;
    }
    char a_config[PROM_RUN_PATH_LEN + 64], a_data[PROM_RUN_PATH_LEN + 64], a_listen[64];
    snprintf(a_config, sizeof(a_config), "--config.file=%s", yml);
    snprintf(a_data, sizeof(a_data), "--storage.tsdb.path=%s", data);
    snprintf(a_listen, sizeof(a_listen), "--web.listen-address=127.0.0.1:%d", port);
    char *argv[] = {(char *)cfg->bin, a_config, a_data, a_listen, NULL};
    pid_t pid = proc_spawn(argv, NULL, log, NULL);
    if (pid < 0) {
        snprintf(err, errlen, "%s: cannot start: %s", cfg->bin, strerror((int)-pid));
        return -1;
    }
    p->pid = pid;
    switch (proc_wait_ready(pid, is_ready, p, cfg->timeout_ms)) {
    case PROC_READY:
        return 0;
    case PROC_EXITED:
        p->pid = 0;
        snprintf(err, errlen, "prometheus exited at start (see %s)", log);
        return -1;
    case PROC_TIMED_OUT:
    default:
        prom_run_stop(p, 0);
        snprintf(err, errlen, "prometheus's /-/ready did not answer within %lld ms (see %s)",
                 (long long)cfg->timeout_ms, log);
        return -1;
    }
}

int prom_run_set_pods(struct prom_run *p, const struct pod_info *const *pods, size_t n)
{
    if (p == NULL || p->pid <= 0)
        return 0;
    int rc = write_targets(p, pods, n);
    if (rc == 0)
        p->n_writes++;
    return rc;
}

void prom_run_stop(struct prom_run *p, int64_t timeout_ms)
{
    if (p->pid > 0)
        proc_stop(p->pid, timeout_ms);
    p->pid = 0;
}
