/* SPDX-License-Identifier: Apache-2.0 */
/* kube_client.h: JSON POSTs (TokenReview, SubjectAccessReview) and GETs (a ConfigMap) to the
 * Kubernetes API over libcurl, with the TLS and credentials of a kube_config, timeouts, and
 * kept-alive connections.
 * Does not: build or read the review documents (token_review.c, access_review.c do), or retry.
 * Threads: kube_client_post_json / _get_json may be called from any number of threads at once; each
 * call borrows one pooled curl handle. */
#ifndef ADAPTER_KUBE_CLIENT_H
#define ADAPTER_KUBE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube_config.h"

#define KUBE_CLIENT_ERR_LEN            512 /* room for any error message, NUL included */
#define KUBE_CLIENT_DEFAULT_TIMEOUT_MS 5000
#define KUBE_CLIENT_MAX_REPLY          (1024 * 1024) /* bytes of one reply body */
#define KUBE_CLIENT_WATCH_POLL_MS      200 /* a watch checks its stop flag at least this often */
#define KUBE_CLIENT_WATCH_MAX_LINE     (2 * 1024 * 1024) /* default cap of one watch line */
#define KUBE_CLIENT_WATCH_IDLE_MS      (5 * 60 * 1000)   /* default: no byte this long fails */
#define KUBE_CLIENT_WATCH_ERR_BODY     512 /* bytes of a non-2xx watch reply quoted in err */

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

/* What kube_client_get_json_stoppable returns for a reply over its max_reply. */
#define KUBE_CLIENT_TOO_LARGE (-2)

/* kube_client_get_json for a LIST page: it also ends, within about a second, once *stop
 * (borrowed) is true (-1 with err "GET <url>: stopped"), so a long LIST does not hold up a
 * shutdown; and a reply over max_reply bytes (0: KUBE_CLIENT_MAX_REPLY) returns
 * KUBE_CLIENT_TOO_LARGE with err, so the caller can ask for smaller pages. Thread-safe. */
long kube_client_get_json_stoppable(struct kube_client *c, const char *path,
                                    const atomic_bool *stop, size_t max_reply, char **reply,
                                    char *err, size_t errlen);

/* Gets each complete line of a watch stream (the newline and a trailing CR removed; not
 * NUL-terminated; empty lines skipped). Returns 0 to go on, non-zero to end the watch. */
typedef int (*kube_client_line_cb)(const char *line, size_t len, void *arg);

struct kube_client_watch_opts {
    size_t max_line;         /* bytes of one line; 0 = KUBE_CLIENT_WATCH_MAX_LINE */
    int64_t idle_timeout_ms; /* no byte for this long fails the watch; 0 = ..._WATCH_IDLE_MS */
    const atomic_bool *stop; /* borrowed, may be NULL; once true the call returns within about
                                KUBE_CLIENT_WATCH_POLL_MS */
};

/* A streaming GET of server + path (a ?watch=1 URL), on the client's credentials, on a handle of
 * its own (never pooled; the connect timeout is the client's, the transfer has none but the
 * idle one). Each line of a 2xx body goes to cb as it arrives. Returns the HTTP status when the
 * server ended the stream or cb asked to end it (2xx), or the status of a refusal (non-2xx, cb
 * never called, err "GET <url>: HTTP <code>: <the body's first KUBE_CLIENT_WATCH_ERR_BODY
 * bytes>"); or -1 with err when the stream broke: connect, TLS, idle timeout, a line longer than
 * max_line, or stopped ("GET <url>: stopped"). Thread-safe. */
long kube_client_watch(struct kube_client *c, const char *path, kube_client_line_cb cb, void *arg,
                       const struct kube_client_watch_opts *opts, char *err, size_t errlen);

#endif
