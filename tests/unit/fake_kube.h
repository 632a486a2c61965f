/* SPDX-License-Identifier: Apache-2.0 */
/* fake_kube.h: runs tests/support/fake_kube_api.py (the Kubernetes API stand-in) for a unit test
 * and reads back what it recorded; makes a kube_client of it.
 * Does not: make the PKI (http_pki.h does) or check any answer; tests do.
 * Threads: the test's main thread only. */
#ifndef WSSCALE_TEST_FAKE_KUBE_H
#define WSSCALE_TEST_FAKE_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "http_pki.h"
#include "kube_client.h"

/* How the stand-in is started; NULL / 0 fields are left off its command line. */
struct fake_kube_opts {
    const char *tokens_json; /* text written to TOKENS.json */
    const char *rules_json;  /* text written to RULES.json */
    const char *caller_token;
    int delay_ms;
    int fail_status;
    const char *configmap_file; /* --configmap: the authentication ConfigMap, read on each GET */
    const char *pods_file;      /* --pods: the pods LISTed and WATCHed, re-read every 50 ms */
};

struct fake_kube {
    pid_t pid;
    int port;
    char work[HTTP_PKI_PATH_LEN];        /* a temporary directory of its own */
    char record[HTTP_PKI_PATH_LEN + 32]; /* RECORD.jsonl */
    char server[64];                     /* "https://127.0.0.1:PORT" */
};

/* Starts the stand-in serving pki's server-1 pair, trusting client certificates from ca-b, and
 * waits (polling, 10 s deadline) for its port file. Returns 0, or -1 after printing why. */
int fake_kube_start(struct fake_kube *f, const char *pki_dir, const struct fake_kube_opts *o);

/* Stops it (SIGTERM, then reaps) and deletes its directory; accepts a never-started f. */
void fake_kube_stop(struct fake_kube *f);

/* A kube_client of the running stand-in f: it trusts the stand-in's CA from pki_dir and, when
 * use_cert, presents pki's client-b certificate; timeout_ms as kube_client_new's. Fails the test
 * when the client cannot be made. */
struct kube_client *fake_kube_client(const struct fake_kube *f, const char *pki_dir, bool use_cert,
                                     int64_t timeout_ms);

/* Every record so far as a cJSON array (free with cJSON_Delete); never NULL. */
cJSON *fake_kube_records(const struct fake_kube *f);

/* How many requests were recorded so far. */
int fake_kube_count(const struct fake_kube *f);

#endif
