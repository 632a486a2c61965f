/* SPDX-License-Identifier: Apache-2.0 */
/* pods.c: spawning and reaping server + sidecar pairs (in their sandbox's network namespace when
 * there is a pod network), readiness by /readyz, shm counts.
 * Does not: choose replica counts or victims, or print (main logs what it decides).
 * Threads: main's thread only. */
#include "pods.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "free_port.h"
#include "proc.h"
#include "wsscale/clock.h"
#include "wsscale/counter.h"
#include "wsscale/rng.h"

/* A /readyz probe gives up after this; the next tick tries again. */
#define READYZ_TIMEOUT_MS 200L
/* Longest path or argument the pod's command lines use. */
#define ARG_LEN 512
/* Suffix length of generated pod names, as a ReplicaSet's. */
#define NAME_SUFFIX_LEN 5
/* Names drawn before giving up on a free one (with 64 pods, 2 tries are almost never needed). */
#define NAME_TRIES 16
/* Past its drain (--drain-delay + --drain-seconds), what a deleted pod still runs is killed. */
#define KILL_SLACK_MS 5000
/* The ports every pod uses in a namespace of its own, as the example Deployment's containers. */
#define POD_SERVER_PORT  8080
#define POD_SIDECAR_PORT 9102
/* A counter whose heartbeat is older than this is not a count. */
#define COUNTER_STALE_NS WSS_COUNTER_STALE_AFTER_NS

struct pod {
    struct pod_info info;
    char uid[40], shm[PODS_NAME_LEN + 32];
    pid_t server_pid, sidecar_pid; /* 0 once reaped */
    int64_t kill_at_ms;            /* monotonic: SIGKILL for what still runs (Deleting only) */
    struct wss_counter_reader counter;
    struct pod_sandbox sandbox; /* netns_fd -1 without a pod network */
};

struct pods {
    const struct pods_config *cfg; /* borrowed */
    struct wss_rng rng;
    CURL *probe; /* reused for every /readyz */
    size_t n;
    struct pod pods[PODS_MAX];
};

struct pods *pods_create(const struct pods_config *cfg)
{
    struct pods *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->cfg = cfg;
    wss_rng_seed_random(&p->rng);
    p->probe = curl_easy_init();
    if (p->probe == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

/* A random RFC 4122 version-4 UUID, as the apiserver gives a pod. */
static void make_uid(struct wss_rng *rng, char *out, size_t cap)
{
    unsigned char b[16];
    wss_rng_fill(rng, b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* "<app>-demo-xxxxx" with the ReplicaSet's alphabet (no vowels, no confusable digits). */
static void make_name(struct wss_rng *rng, const char *app, char *out, size_t cap)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    char suffix[NAME_SUFFIX_LEN + 1];
    for (size_t i = 0; i < NAME_SUFFIX_LEN; i++)
        suffix[i] = alphabet[wss_rng_next(rng) % (sizeof(alphabet) - 1)];
    suffix[NAME_SUFFIX_LEN] = '\0';
    snprintf(out, cap, "%.40s-demo-%s", app, suffix);
}

static int write_labels(const char *path, const char *app)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    int rc = fprintf(f, "app=\"%s\"\npod-template-hash=\"demo\"\n", app) < 0 ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* The pod's network namespace and address go back to the pod network (none without one). */
static void release_sandbox(const struct pods_config *c, struct pod *pod)
{
    if (c->net != NULL)
        pod_network_remove(c->net, &pod->sandbox);
}

static pid_t start_server(const struct pods_config *c, struct pod *pod, const char *log)
{
    char listen[64], shm[sizeof(pod->shm)], delay[32], drain[32];
    /* In its own namespace a server listens on every address, as in a container. */
    snprintf(listen, sizeof(listen), "%s:%u", c->net != NULL ? "0.0.0.0" : "127.0.0.1",
             pod->info.port);
    snprintf(shm, sizeof(shm), "%s", pod->shm);
    snprintf(delay, sizeof(delay), "%lldms", (long long)c->drain_delay_ms);
    snprintf(drain, sizeof(drain), "%lld", (long long)c->drain_seconds);
    char *argv[] = {(char *)c->server_bin,
                    "--listen",
                    listen,
                    "--threads",
                    "1",
                    "--shm",
                    shm,
                    "--drain-delay",
                    delay,
                    "--drain-seconds",
                    drain,
                    NULL};
    return proc_spawn_in(argv, NULL, log, NULL, pod->sandbox.netns_fd);
}

static pid_t start_sidecar(const struct pods_config *c, struct pod *pod, const char *labels,
                           const char *log)
{
    char listen[64], interval[32], e_ns[ARG_LEN], e_name[ARG_LEN], e_uid[ARG_LEN], ports[16];
    int mport = c->net != NULL ? POD_SIDECAR_PORT : free_port();
    if (mport < 0)
        return mport;
    pod->info.metrics_port = (uint16_t)mport;
    snprintf(listen, sizeof(listen), "%s:%d", c->net != NULL ? "0.0.0.0" : "127.0.0.1", mport);
    snprintf(ports, sizeof(ports), "%u", pod->info.port);
    snprintf(interval, sizeof(interval), "%lldms", (long long)c->sample_ms);
    snprintf(e_ns, sizeof(e_ns), "POD_NAMESPACE=%s", c->ns);
    snprintf(e_name, sizeof(e_name), "POD_NAME=%s", pod->info.name);
    snprintf(e_uid, sizeof(e_uid), "POD_UID=%s", pod->uid);
    char *env[] = {e_ns, e_name, e_uid, NULL};
    char *argv[] = {(char *)c->sidecar_bin,
                    "--source",
                    c->is_socket_source ? "socket" : "shm",
                    c->is_socket_source ? "--ports" : "--shm",
                    c->is_socket_source ? ports : pod->shm,
                    "--interval",
                    interval,
                    "--listen",
                    listen,
                    "--labels-file",
                    (char *)labels,
                    "--adapter-url",
                    (char *)c->adapter_url,
                    "--adapter-ca-file",
                    (char *)c->adapter_ca_file,
                    NULL};
    return proc_spawn_in(argv, env, log, NULL, pod->sandbox.netns_fd);
}

static struct pod *find(struct pods *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->pods[i].info.name, name) == 0)
            return &p->pods[i];
    return NULL;
}

int pods_add(struct pods *p, char *err)
{
    const struct pods_config *c = p->cfg;
    if (p->n == PODS_MAX) {
        snprintf(err, PODS_ERR_LEN, "already %d pods", PODS_MAX);
        return -1;
    }
    struct pod *pod = &p->pods[p->n];
    memset(pod, 0, sizeof(*pod));
    pod->sandbox.netns_fd = -1;
    /* Built in locals: the compiler cannot tell the fields of *pod apart for restrict. */
    char name[PODS_NAME_LEN], shm[sizeof(pod->shm)];
    /* Pods are found by name: a name in use is drawn again (27^5 names, so this is rare). */
    for (int tries = 0; tries < NAME_TRIES; tries++) {
        make_name(&p->rng, c->app, name, sizeof(name));
        if (find(p, name) == NULL)
            break;
    }
    if (find(p, name) != NULL) {
        snprintf(err, PODS_ERR_LEN, "no free pod name after %d tries", NAME_TRIES);
        return -1;
    }
    make_uid(&p->rng, pod->uid, sizeof(pod->uid));
    snprintf(shm, sizeof(shm), "/wsscale-demo-%d-%s", (int)getpid(), name);
    memcpy(pod->info.name, name, sizeof(name));
    memcpy(pod->shm, shm, sizeof(shm));
    if (c->net != NULL && pod_network_add(c->net, &pod->sandbox, err, PODS_ERR_LEN) != 0)
        return -1;
    snprintf(pod->info.ip, sizeof(pod->info.ip), "%s",
             c->net != NULL ? pod->sandbox.ip : "127.0.0.1");
    int port = c->net != NULL ? POD_SERVER_PORT : free_port();
    if (port < 0) {
        snprintf(err, PODS_ERR_LEN, "no free port: %s", strerror(-port));
        return -1;
    }
    pod->info.port = (uint16_t)port;
    char labels[ARG_LEN], slog[ARG_LEN], clog[ARG_LEN];
    snprintf(labels, sizeof(labels), "%s/%s.labels", c->work_dir, pod->info.name);
    snprintf(slog, sizeof(slog), "%s/%s.server.log", c->work_dir, pod->info.name);
    snprintf(clog, sizeof(clog), "%s/%s.sidecar.log", c->work_dir, pod->info.name);
    int rc = write_labels(labels, c->app);
    if (rc < 0) {
        snprintf(err, PODS_ERR_LEN, "%.100s: %s", labels, strerror(-rc));
        release_sandbox(c, pod);
        return -1;
    }
    wss_counter_reader_open(&pod->counter, shm);
    pod->server_pid = start_server(c, pod, slog);
    if (pod->server_pid < 0) {
        snprintf(err, PODS_ERR_LEN, "%.100s: %s", c->server_bin, strerror(-pod->server_pid));
        release_sandbox(c, pod);
        return -1;
    }
    pod->sidecar_pid = start_sidecar(c, pod, labels, clog);
    if (pod->sidecar_pid < 0) {
        snprintf(err, PODS_ERR_LEN, "%.100s: %s", c->sidecar_bin, strerror(-pod->sidecar_pid));
        proc_stop(pod->server_pid, 0);
        wss_counter_reader_close(&pod->counter);
        wss_counter_unlink(shm);
        release_sandbox(c, pod);
        return -1;
    }
    pod->info.phase = POD_PENDING;
    pod->info.started_ms = wss_clock_mono_ms();
    return (int)p->n++;
}

/* SIGTERM now, SIGKILL at the end of the grace period, as the kubelet does. */
static void terminate(const struct pods_config *c, struct pod *pod)
{
    pod->info.phase = POD_DELETING;
    pod->kill_at_ms =
        wss_clock_mono_ms() + c->drain_delay_ms + c->drain_seconds * 1000 + KILL_SLACK_MS;
    if (pod->server_pid > 0)
        kill(pod->server_pid, SIGTERM);
    if (pod->sidecar_pid > 0)
        kill(pod->sidecar_pid, SIGTERM);
}

int pods_delete(struct pods *p, const char *name)
{
    struct pod *pod = find(p, name);
    if (pod == NULL || pod->info.phase == POD_DELETING)
        return -ENOENT;
    terminate(p->cfg, pod);
    return 0;
}

static size_t discard_body(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * n;
}

static bool is_ready(CURL *h, const char *ip, uint16_t port)
{
    char url[64];
    snprintf(url, sizeof(url), "http://%s:%u/readyz", ip, port);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, READYZ_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    long code = 0;
    return curl_easy_perform(h) == CURLE_OK &&
           curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200;
}

static void reap(pid_t *pid)
{
    int status;
    if (*pid > 0 && proc_reap(*pid, &status) != 0)
        *pid = 0;
}

int pods_tick(struct pods *p)
{
    int changed = 0;
    size_t i = 0;
    while (i < p->n) {
        struct pod *pod = &p->pods[i];
        reap(&pod->server_pid);
        reap(&pod->sidecar_pid);
        if (pod->info.phase == POD_PENDING && pod->server_pid > 0 &&
            is_ready(p->probe, pod->info.ip, pod->info.port)) {
            pod->info.phase = POD_RUNNING;
            pod->info.ready_ms = wss_clock_mono_ms();
            changed++;
        } else if (pod->info.phase != POD_DELETING && pod->server_pid == 0) {
            terminate(p->cfg, pod);
            changed++;
        }
        if (pod->info.phase == POD_DELETING && wss_clock_mono_ms() >= pod->kill_at_ms) {
            if (pod->server_pid > 0)
                kill(pod->server_pid, SIGKILL);
            if (pod->sidecar_pid > 0)
                kill(pod->sidecar_pid, SIGKILL);
            pod->kill_at_ms = INT64_MAX;
        }
        if (pod->info.phase == POD_DELETING && pod->server_pid == 0 && pod->sidecar_pid == 0) {
            wss_counter_reader_close(&pod->counter);
            wss_counter_unlink(pod->shm);
            release_sandbox(p->cfg, pod);
            p->pods[i] = p->pods[--p->n];
            changed++;
            continue;
        }
        i++;
    }
    return changed;
}

void pods_sample(struct pods *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct pod *pod = &p->pods[i];
        struct wss_counter_snapshot snap;
        int st = wss_counter_read(&pod->counter, COUNTER_STALE_NS, &snap);
        pod->info.has_count =
            st == WSS_COUNTER_OK || st == WSS_COUNTER_RESTARTED || st == WSS_COUNTER_STOPPED;
        pod->info.count = st == WSS_COUNTER_STOPPED ? 0 : snap.active;
        if (!pod->info.has_count)
            pod->info.count = 0;
    }
}

size_t pods_count(const struct pods *p)
{
    return p->n;
}

const struct pod_info *pods_get(const struct pods *p, size_t i)
{
    return i < p->n ? &p->pods[i].info : NULL;
}

void pods_destroy(struct pods *p, int64_t timeout_ms)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        if (p->pods[i].server_pid > 0)
            kill(p->pods[i].server_pid, SIGINT);
        if (p->pods[i].sidecar_pid > 0)
            kill(p->pods[i].sidecar_pid, SIGINT);
    }
    int64_t deadline = wss_clock_mono_ms() + timeout_ms;
    for (size_t i = 0; i < p->n; i++) {
        struct pod *pod = &p->pods[i];
        int64_t left = deadline - wss_clock_mono_ms();
        proc_stop(pod->server_pid, left > 0 ? left : 0);
        left = deadline - wss_clock_mono_ms();
        proc_stop(pod->sidecar_pid, left > 0 ? left : 0);
        wss_counter_reader_close(&pod->counter);
        wss_counter_unlink(pod->shm);
        release_sandbox(p->cfg, pod);
    }
    curl_easy_cleanup(p->probe);
    free(p);
}
