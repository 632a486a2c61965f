/* SPDX-License-Identifier: Apache-2.0 */
/* kube_client_internal.h: what kube_client.c shares with kube_watch.c: the client itself, a
 * fresh handle with its options, the request headers and curl's error text.
 * Does not: belong to the public API (callers use kube_client.h).
 * Threads: as kube_client.h. */
#ifndef ADAPTER_KUBE_CLIENT_INTERNAL_H
#define ADAPTER_KUBE_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#define KUBE_CLIENT_POOL_SIZE 8 /* idle handles (connections) kept */

struct kube_client {
    char *server;      /* owned */
    char *ca_file;     /* owned; NULL = the system pool */
    char *cert_file;   /* owned */
    char *key_file;    /* owned */
    char *token;       /* owned */
    char *token_file;  /* owned; re-read on each call */
    char *scratch_dir; /* owned copies of cfg's scratch files; removed on free */
    bool is_insecure;
    long timeout_ms;
    pthread_mutex_t lock;
    CURL *idle[KUBE_CLIENT_POOL_SIZE]; /* under lock */
    size_t nidle;                      /* under lock */
};

/* A new easy handle with the options that never change (timeout, TLS files, no proxy). */
CURL *kube_client__new_handle(struct kube_client *c);

/* The header list of one call: extra (NULL-terminated, may be NULL), Accept: application/json and
 * the bearer token when there is one. NULL with err ("<method> <url>: ...") when the token file
 * cannot be read or out of memory. Free with curl_slist_free_all. */
struct curl_slist *kube_client__headers(struct kube_client *c, const char *method, const char *url,
                                        const char *const *extra, char *err, size_t errlen);

/* err = "<method> <url>: <curl's text>", with the system's reason when curl left it out
 * ("Couldn't connect to server"). */
void kube_client__describe_curl_error(CURL *h, CURLcode rc, const char *method, const char *url,
                                      const char *curl_err, char *err, size_t errlen);

#endif
