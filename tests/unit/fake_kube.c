/* SPDX-License-Identifier: Apache-2.0 */
/* fake_kube.c: posix_spawn of the Kubernetes API stand-in, a polled port file, its record, and a
 * client of it.
 * Does not: sleep for a fixed time; it polls with wss_wait_until.
 * Threads: the test's main thread only. */
#include "fake_kube.h"

#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "wait.h"

#define FAKE_KUBE_START_MS   10000
#define FAKE_KUBE_RECORD_MAX (8 * 1024 * 1024)

extern char **environ;

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

struct port_wait {
    struct fake_kube *f;
    char path[HTTP_PKI_PATH_LEN + 32];
    int status;
    bool has_exited;
};

static bool port_ready(void *arg)
{
    struct port_wait *w = arg;
    if (waitpid(w->f->pid, &w->status, WNOHANG) == w->f->pid) {
        w->has_exited = true;
        return true;
    }
    FILE *fp = fopen(w->path, "r");
    if (fp == NULL)
        return false;
    int port = 0;
    bool ok = fscanf(fp, "%d", &port) == 1 && port > 0;
    fclose(fp);
    if (ok)
        w->f->port = port;
    return ok;
}

int fake_kube_start(struct fake_kube *f, const char *pki_dir, const struct fake_kube_opts *o)
{
    static const struct fake_kube_opts none = {0};
    if (o == NULL)
        o = &none;
    memset(f, 0, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    snprintf(f->work, sizeof(f->work), "%s/fake-kube.XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(f->work) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    char cert[HTTP_PKI_PATH_LEN], key[HTTP_PKI_PATH_LEN], ca[HTTP_PKI_PATH_LEN];
    char tokens[HTTP_PKI_PATH_LEN + 32], rules[HTTP_PKI_PATH_LEN + 32];
    char delay[32], fail[32];
    struct port_wait w = {.f = f};
    http_pki_path(pki_dir, "server-1.crt", cert, sizeof(cert));
    http_pki_path(pki_dir, "server-1.key", key, sizeof(key));
    http_pki_path(pki_dir, "ca-b.crt", ca, sizeof(ca));
    snprintf(f->record, sizeof(f->record), "%s/RECORD.jsonl", f->work);
    snprintf(w.path, sizeof(w.path), "%s/PORT", f->work);
    snprintf(tokens, sizeof(tokens), "%s/TOKENS.json", f->work);
    snprintf(rules, sizeof(rules), "%s/RULES.json", f->work);

    char *argv[32];
    int n = 0;
    argv[n++] = "/usr/bin/python3";
    argv[n++] = WSS_FAKE_KUBE_API;
    argv[n++] = "--cert";
    argv[n++] = cert;
    argv[n++] = "--key";
    argv[n++] = key;
    argv[n++] = "--client-ca";
    argv[n++] = ca;
    argv[n++] = "--port-file";
    argv[n++] = w.path;
    argv[n++] = "--record";
    argv[n++] = f->record;
    if (o->tokens_json != NULL) {
        if (write_text(tokens, o->tokens_json) != 0)
            return -1;
        argv[n++] = "--tokens";
        argv[n++] = tokens;
    }
    if (o->rules_json != NULL) {
        if (write_text(rules, o->rules_json) != 0)
            return -1;
        argv[n++] = "--sar-rules";
        argv[n++] = rules;
    }
    if (o->caller_token != NULL) {
        argv[n++] = "--caller-token";
        argv[n++] = (char *)o->caller_token;
    }
    if (o->delay_ms > 0) {
        snprintf(delay, sizeof(delay), "%d", o->delay_ms);
        argv[n++] = "--delay-ms";
        argv[n++] = delay;
    }
    if (o->fail_status > 0) {
        snprintf(fail, sizeof(fail), "%d", o->fail_status);
        argv[n++] = "--fail-status";
        argv[n++] = fail;
    }
    if (o->configmap_file != NULL) {
        argv[n++] = "--configmap";
        argv[n++] = (char *)o->configmap_file;
    }
    if (o->pods_file != NULL) {
        argv[n++] = "--pods";
        argv[n++] = (char *)o->pods_file;
    }
    argv[n] = NULL;
    int rc = posix_spawn(&f->pid, argv[0], NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "posix_spawn %s: %s\n", argv[0], strerror(rc));
        f->pid = 0;
        return -1;
    }
    if (!wss_wait_until(port_ready, &w, FAKE_KUBE_START_MS) || w.has_exited) {
        fprintf(stderr, "fake_kube_api.py did not start (exited: %d, status %d)\n", w.has_exited,
                w.status);
        if (w.has_exited)
            f->pid = 0;
        return -1;
    }
    snprintf(f->server, sizeof(f->server), "https://127.0.0.1:%d", f->port);
    return 0;
}

void fake_kube_stop(struct fake_kube *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
    if (f->work[0] != '\0')
        http_pki_remove(f->work);
    f->work[0] = '\0';
}

cJSON *fake_kube_records(const struct fake_kube *f)
{
    cJSON *all = cJSON_CreateArray();
    FILE *fp = fopen(f->record, "r");
    if (fp == NULL)
        return all;
    static char line[FAKE_KUBE_RECORD_MAX];
    while (fgets(line, sizeof(line), fp) != NULL) {
        cJSON *rec = cJSON_Parse(line);
        if (rec != NULL)
            cJSON_AddItemToArray(all, rec);
    }
    fclose(fp);
    return all;
}

int fake_kube_count(const struct fake_kube *f)
{
    cJSON *all = fake_kube_records(f);
    int n = cJSON_GetArraySize(all);
    cJSON_Delete(all);
    return n;
}

struct kube_client *fake_kube_client(const struct fake_kube *f, const char *pki_dir, bool use_cert,
                                     int64_t timeout_ms)
{
    char ca[HTTP_PKI_PATH_LEN], crt[HTTP_PKI_PATH_LEN], key[HTTP_PKI_PATH_LEN];
    struct kube_config cfg = {
        .server = (char *)f->server,
        .ca_file = (char *)http_pki_path(pki_dir, "ca-srv.crt", ca, sizeof(ca)),
        .client_cert_file =
            use_cert ? (char *)http_pki_path(pki_dir, "client-b.crt", crt, sizeof(crt)) : NULL,
        .client_key_file =
            use_cert ? (char *)http_pki_path(pki_dir, "client-b.key", key, sizeof(key)) : NULL,
    };
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, timeout_ms, err, sizeof(err));
    if (c == NULL)
        fail_msg("kube_client_new(%s): %s", f->server, err);
    return c;
}
