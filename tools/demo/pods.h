/* SPDX-License-Identifier: Apache-2.0 */
/* pods.h: the demo's ReplicaSet and kubelet stand-in: each pod is a wsscale-server +
 * wsscale-sidecar pair with its own name, UID, labels file, port and shm counter (with a pod
 * network: its own network namespace and address, ports 8080 and 9102 as in a pod); Pending until
 * the server's /readyz is 200, Running, then Deleting (SIGTERM to both: the server drains with
 * 1001, the sidecar sends its final report) until both are reaped. Does not: decide how many pods
 * there should be or which to delete (main and the HPA do), route clients (front.c), or read the
 * adapter. Threads: main's thread only. */
#ifndef DEMO_PODS_H
#define DEMO_PODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pod_network.h"

/* Most pods alive at once, deleting ones included. */
#define PODS_MAX 64
/* Longest pod name kept, NUL included ("chat-demo-" and five characters in practice). */
#define PODS_NAME_LEN 64
/* Length of the error text pods_add leaves. */
#define PODS_ERR_LEN 160

enum pod_phase {
    POD_PENDING = 0, /* started, /readyz not yet 200 */
    POD_RUNNING,     /* ready: the front routes to it */
    POD_DELETING,    /* SIGTERM sent: draining; the HPA ignores it */
};

/* What every pod is started with; strings are borrowed for the life of the pods. */
struct pods_config {
    const char *server_bin, *sidecar_bin;
    const char *work_dir; /* labels files and logs */
    const char *ns, *app;
    const char *adapter_url, *adapter_ca_file;
    int64_t sample_ms, drain_delay_ms, drain_seconds;
    bool is_socket_source;   /* the sidecar counts the socket table, not the shm counter */
    struct pod_network *net; /* NULL: every pod on the host's loopback, each with its own ports */
};

/* One pod as pods_get shows it. */
struct pod_info {
    char name[PODS_NAME_LEN];
    enum pod_phase phase;
    char ip[POD_NETWORK_IP_LEN]; /* where the pod is reached: "127.0.0.1", or its own address */
    uint16_t port;               /* the server's WebSocket port at ip */
    uint16_t metrics_port;       /* the sidecar's /metrics port at ip */
    bool has_count;              /* the server's own shm counter was readable */
    uint64_t count;              /* its open connections, as of the last pods_sample */
    int64_t started_ms;          /* monotonic */
    int64_t ready_ms;            /* monotonic; 0 while pending */
};

struct pods;

/* An empty set of pods. NULL when out of memory. */
struct pods *pods_create(const struct pods_config *cfg);

/* Starts one pod (Pending). Returns its index, or -1 with the reason in err (PODS_ERR_LEN). */
int pods_add(struct pods *p, char *err);

/* Deletes the pod named name: SIGTERM to server and sidecar, phase Deleting; pods_tick sends
 * SIGKILL to what still runs past --drain-delay + --drain-seconds + 5 s, as the kubelet does at
 * the end of the grace period. 0, or -ENOENT. */
int pods_delete(struct pods *p, const char *name);

/* Moves Pending pods whose /readyz answers 200 to Running, reaps exited processes and forgets
 * Deleting pods whose processes are both gone. Returns how many pods changed phase or left (the
 * front's endpoints may need an update). A Running pod whose server exits is deleted. Bounded:
 * each /readyz has a short timeout. */
int pods_tick(struct pods *p);

/* Reads every pod's shm counter into its info. Cheap (no syscalls after the first map). */
void pods_sample(struct pods *p);

/* Number of pods (all phases) and the info of the i-th. */
size_t pods_count(const struct pods *p);
const struct pod_info *pods_get(const struct pods *p, size_t i);

/* Stops every pod (SIGTERM, at most timeout_ms in all, then SIGKILL), reaps them, removes their shm
 * objects and frees p. Accepts NULL. */
void pods_destroy(struct pods *p, int64_t timeout_ms);

#endif
