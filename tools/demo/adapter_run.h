/* SPDX-License-Identifier: Apache-2.0 */
/* adapter_run.h: the demo's wsscale-adapter: started on loopback (or on the host's address on the
 * pod network, so pods in namespaces of their own reach it) with a self-signed certificate in
 * its own cert dir, --ingest-auth=none and --authorization-mode=always-allow, waited for until
 * /healthz answers over HTTPS, with a kubeconfig written for kubectl.
 * Does not: read metrics (metrics_reader.c) or run pods.
 * Threads: main's thread only. */
#ifndef DEMO_ADAPTER_RUN_H
#define DEMO_ADAPTER_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pki.h"

/* Longest path kept. */
#define ADAPTER_RUN_PATH_LEN 512

struct adapter_run {
    pid_t pid; /* 0 when not running */
    uint16_t port, metrics_port;
    char url[64];                          /* https://<bind host>:<port> */
    char ca_file[ADAPTER_RUN_PATH_LEN];    /* the self-signed apiserver.crt */
    char kubeconfig[ADAPTER_RUN_PATH_LEN]; /* <dir>/kubeconfig */
};

/* Starts bin with its files under dir on bind_host (an IPv4 literal, also put in the certificate)
 * and port (0: a free one), its own metrics on 127.0.0.1, trusting pki's client CA, and waits up
 * to timeout_ms for /healthz; the kubeconfig uses pki's client certificate. 0, or -1 with a
 * reason in err (errlen bytes); a started adapter is stopped again. */
int adapter_run_start(struct adapter_run *a, const char *bin, const char *dir,
                      const char *bind_host, uint16_t port, const struct pki *pki,
                      int64_t timeout_ms, char *err, size_t errlen);

/* SIGTERM, at most timeout_ms, then SIGKILL; accepts a stopped adapter. */
void adapter_run_stop(struct adapter_run *a, int64_t timeout_ms);

#endif
