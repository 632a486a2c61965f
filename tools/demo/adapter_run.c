/* SPDX-License-Identifier: Apache-2.0 */
/* adapter_run.c: the adapter's command line, the bounded wait for /healthz, the kubeconfig.
 * Does not: print; the adapter's own log goes to <dir>/adapter.log.
 * Threads: main's thread only. */
#include "adapter_run.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "free_port.h"
#include "proc.h"

/* The most one /healthz attempt may take (proc_wait_ready paces the attempts). */
#define HEALTHZ_TIMEOUT_MS 500L

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * n;
}

static bool is_healthy(void *arg)
{
    const struct adapter_run *a = arg;
    if (access(a->ca_file, R_OK) != 0)
        return false;
    CURL *h = curl_easy_init();
    if (h == NULL)
        return false;
    char url[128];
    snprintf(url, sizeof(url), "%s/healthz", a->url);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, a->ca_file);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, HEALTHZ_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    long code = 0;
    bool ok = curl_easy_perform(h) == CURLE_OK &&
              curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200;
    curl_easy_cleanup(h);
    return ok;
}

static int write_kubeconfig(const struct adapter_run *a, const struct pki *pki)
{
    FILE *f = fopen(a->kubeconfig, "w");
    if (f == NULL)
        return -1;
    int n = fprintf(f,
                    "apiVersion: v1\n"
                    "kind: Config\n"
                    "clusters: [{name: wsscale-demo, cluster: {server: \"%s\", "
                    "certificate-authority: \"%s\"}}]\n"
                    "users: [{name: demo-user, user: {client-certificate: \"%s\", "
                    "client-key: \"%s\"}}]\n"
                    "contexts: [{name: wsscale-demo, context: {cluster: wsscale-demo, user: "
                    "demo-user}}]\n"
                    "current-context: wsscale-demo\n",
                    a->url, a->ca_file, pki->client_crt, pki->client_key);
    return fclose(f) != 0 || n < 0 ? -1 : 0;
}

int adapter_run_start(struct adapter_run *a, const char *bin, const char *dir,
                      const char *bind_host, uint16_t port, const struct pki *pki,
                      int64_t timeout_ms, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    int p = port != 0 ? port : free_port();
    int mp = free_port();
    if (p < 0 || mp < 0) {
        snprintf(err, errlen, "no free port on 127.0.0.1");
        return -1;
    }
    a->port = (uint16_t)p;
    a->metrics_port = (uint16_t)mp;
    snprintf(a->url, sizeof(a->url), "https://%.20s:%d", bind_host, p);
    char certs[ADAPTER_RUN_PATH_LEN], log[ADAPTER_RUN_PATH_LEN + 16], port_s[16], mbind[32];
    snprintf(certs, sizeof(certs), "%s/certs", dir);
    snprintf(a->ca_file, sizeof(a->ca_file), "%.480s/apiserver.crt", certs);
    snprintf(a->kubeconfig, sizeof(a->kubeconfig), "%.480s/kubeconfig", dir);
    snprintf(log, sizeof(log), "%s/adapter.log", dir);
    snprintf(port_s, sizeof(port_s), "%d", p);
    snprintf(mbind, sizeof(mbind), "127.0.0.1:%d", mp);
    char *argv[] = {(char *)bin,
                    "--secure-port",
                    port_s,
                    "--bind-address",
                    (char *)bind_host,
                    "--cert-sans",
                    (char *)bind_host,
                    "--cert-dir",
                    certs,
                    "--ingest-auth=none",
                    "--authorization-mode=always-allow",
                    "--client-ca-file",
                    (char *)pki->ca_crt,
                    "--metrics-bind-address",
                    mbind,
                    NULL};
    pid_t pid = proc_spawn(argv, NULL, log, NULL);
    if (pid < 0) {
        snprintf(err, errlen, "%s: cannot start", bin);
        return -1;
    }
    a->pid = pid;
    switch (proc_wait_ready(pid, is_healthy, a, timeout_ms)) {
    case PROC_READY:
        break;
    case PROC_EXITED:
        a->pid = 0;
        snprintf(err, errlen, "the adapter exited at start (see %s)", log);
        return -1;
    case PROC_TIMED_OUT:
    default:
        adapter_run_stop(a, 0);
        snprintf(err, errlen, "the adapter's /healthz did not answer within %lld ms (see %s)",
                 (long long)timeout_ms, log);
        return -1;
    }
    if (write_kubeconfig(a, pki) != 0) {
        adapter_run_stop(a, 0);
        snprintf(err, errlen, "%s: cannot write", a->kubeconfig);
        return -1;
    }
    return 0;
}

void adapter_run_stop(struct adapter_run *a, int64_t timeout_ms)
{
    if (a->pid > 0)
        proc_stop(a->pid, timeout_ms);
    a->pid = 0;
}
