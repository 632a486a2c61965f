/* SPDX-License-Identifier: Apache-2.0 */
/* kube_config.h: where the Kubernetes API is and how to authenticate to it: the current context
 * of a kubeconfig file, or the in-cluster service account.
 * Does not: talk to the API (kube_client.h does), or support exec/auth-provider plugins.
 * Threads: load once at start-up; the result is then read-only. */
#ifndef ADAPTER_KUBE_CONFIG_H
#define ADAPTER_KUBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define KUBE_CONFIG_ERR_LEN 512 /* room for any error message, NUL included */

/* Every string is owned (malloc'd) or NULL when not set. Inline *-data fields of a kubeconfig are
 * written to files in a private directory at load, so all material below is a file path. */
struct kube_config {
    char *server;           /* "https://host:port", no trailing slash */
    char *ca_file;          /* CA bundle for the server's certificate; NULL = system pool */
    char *client_cert_file; /* client certificate and key, both or neither */
    char *client_key_file;
    char *token;      /* a fixed bearer token */
    char *token_file; /* a bearer token re-read on each use (the kubelet rotates it) */
    bool insecure_skip_tls_verify;
    char *scratch_dir; /* the private directory holding decoded *-data files; removed on clear */
};

/* Reads the kubeconfig at path (YAML or JSON) and takes its current-context: cluster server,
 * certificate-authority(-data), insecure-skip-tls-verify, user client-certificate(-data) /
 * client-key(-data), token / tokenFile. Relative file paths are relative to the kubeconfig's
 * directory, as kubectl reads them. Returns 0, or -1 with err naming the file and what is wrong
 * (unreadable, not YAML, no current-context, missing cluster, exec plugins unsupported...). */
int kube_config_load_file(const char *path, struct kube_config *out, char *err, size_t errlen);

/* The in-cluster config: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (IPv6 host
 * bracketed), the service account's token file and ca.crt under dir (NULL =
 * /var/run/secrets/kubernetes.io/serviceaccount). Returns 0, or -1 with err when not in a cluster.
 */
int kube_config_in_cluster(const char *dir, struct kube_config *out, char *err, size_t errlen);

/* Removes dir, a private scratch directory, with everything in it (kube_config_clear does this
 * for c->scratch_dir; kube_client for the copies it keeps); accepts NULL. Errors are ignored. */
void kube_config_remove_scratch(const char *dir);

/* Frees every string, removes the scratch directory and zeroes c; accepts an all-zero c. */
void kube_config_clear(struct kube_config *c);

/* The current context of a kubeconfig as written, before any file is made: every pointer owned
 * or NULL; *_data hold the decoded bytes of the *-data fields (which win over the file fields). */
struct kube_config_doc {
    char *server;
    char *ca_file;
    unsigned char *ca_data;
    size_t ca_data_len;
    char *client_cert_file;
    unsigned char *client_cert_data;
    size_t client_cert_data_len;
    char *client_key_file;
    unsigned char *client_key_data;
    size_t client_key_data_len;
    char *token;
    char *token_file;
    bool insecure_skip_tls_verify;
};

/* The parsing half of kube_config_load_file, over len bytes of YAML or JSON text read from path
 * (used for messages and to resolve relative paths; no file is touched). Returns 0, or -1 with
 * err as kube_config_load_file. Thread-safe. */
int kube_config_parse(const char *text, size_t len, const char *path, struct kube_config_doc *out,
                      char *err, size_t errlen);

/* Frees every field and zeroes d; accepts an all-zero d. */
void kube_config_doc_clear(struct kube_config_doc *d);

#endif
