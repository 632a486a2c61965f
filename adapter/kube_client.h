/* SPDX-License-Identifier: Apache-2.0 */
/* kube_client.h: JSON POSTs (TokenReview, SubjectAccessReview) and GETs (a ConfigMap) to the
 * Kubernetes API over libcurl, with the TLS and credentials of a kube_config, timeouts, and
 * kept-alive connections.
 * Does not: build or read the review documents (token_review.c, access_review.c do), or retry.
 * Threads: kube_client_post_json / _get_json may be called from any number of threads at once; each
 * call borrows one pooled curl handle. */
#ifndef ADAPTER_KUBE_CLIENT_H
#define ADAPTER_KUBE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kube_config.h"

#define KUBE_CLIENT_ERR_LEN            512 /* room for any error message, NUL included */
#define KUBE_CLIENT_DEFAULT_TIMEOUT_MS 5000
#define KUBE_CLIENT_MAX_REPLY          (1024 * 1024) /* bytes of one reply body */

struct kube_client;

/* A client for cfg (copied: cfg may be cleared afterwards). timeout_ms bounds each whole call
 * (0 = KUBE_CLIENT_DEFAULT_TIMEOUT_MS). NULL with err when out of memory or curl cannot start. */
struct kube_client *kube_client_new(const struct kube_config *cfg, int64_t timeout_ms, char *err,
                                    size_t errlen);

/* Frees the client and its connections; accepts NULL. No call may be running. */
void kube_client_free(struct kube_client *c);

/* POSTs body (NUL-terminated JSON) to server + path as application/json, with the bearer token
 * (re-read from token_file each time) or client certificate. Returns the HTTP status (any code,
 * 2xx or not) with the reply body in *reply (malloc'd, NUL-terminated; the caller frees), or -1
 * with err when no HTTP answer came (connect, TLS, timeout, reply over KUBE_CLIENT_MAX_REPLY).
 * Thread-safe. */
long kube_client_post_json(struct kube_client *c, const char *path, const char *body, char **reply,
                           char *err, size_t errlen);

/* GETs server + path with Accept: application/json, on the same pool, credentials and timeout
 * as kube_client_post_json, with the same results (errors begin "GET <url>: "). Thread-safe. */
long kube_client_get_json(struct kube_client *c, const char *path, char **reply, char *err,
                          size_t errlen);

#endif
