/* SPDX-License-Identifier: Apache-2.0 */
/* ingest_http.h: POST /ingest/v1/reports on the secure port: the media type picks Report or
 * ReportBatch, the sidecar's bearer token is checked (TokenReview, through a callback) and must
 * be bound to the very pod every report names, then ingest_body stores the reports.
 * Does not: decode or validate reports itself beyond the pod check (ingest.c does), talk to the
 * Kubernetes API (the callback does), or change the store for a refused request.
 * Threads: the handler runs on any number of HTTPS worker threads at once; the config is
 * read-only after ingest_http_new. */
#ifndef ADAPTER_INGEST_HTTP_H
#define ADAPTER_INGEST_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "self_metrics.h"
#include "store.h"
#include "user_info.h"
#include "wsscale/http_router.h"

#define INGEST_HTTP_PATH       "/ingest/v1/reports"     /* the one route, POST only */
#define INGEST_HTTP_MEDIA_TYPE "application/x-protobuf" /* the only media type accepted */
#define INGEST_HTTP_MSG_REPORT "wsscale.v1.Report"      /* messageType of one Report */
#define INGEST_HTTP_MSG_BATCH  "wsscale.v1.ReportBatch" /* messageType of a ReportBatch */
#define INGEST_HTTP_REASON_LEN INGEST_REASON_LEN /* room for any refusal text, NUL included */

/* What the token check said. */
enum ingest_http_auth {
    INGEST_HTTP_AUTH_OK = 0,       /* *user is the token's identity */
    INGEST_HTTP_AUTH_REJECTED = 1, /* not authenticated: 401 with the reason */
    INGEST_HTTP_AUTH_ERROR = -1,   /* no answer (the TokenReview failed): 503 with the reason */
};

/* Checks a bearer token into *user (all-zero on entry; the caller clears it). Called on the
 * request's worker thread; must be thread-safe. */
typedef enum ingest_http_auth (*ingest_http_auth_cb)(void *arg, const char *token,
                                                     struct user_info *user, char *reason,
                                                     size_t reason_len);

struct ingest_http_config {
    struct store *store;              /* borrowed; must outlive the server */
    struct ingest_limits limits;      /* zero fields = ingest.h defaults */
    ingest_http_auth_cb authenticate; /* NULL = --ingest-auth=none: no token asked */
    void *auth_arg;
    struct self_metrics *metrics; /* borrowed; NULL = not counted */
};

struct ingest_http;

/* Copies cfg into new route state. NULL when out of memory. Free with ingest_http_free(). */
struct ingest_http *ingest_http_new(const struct ingest_http_config *cfg);

/* Frees the route state; accepts NULL. Only after the server using its route has stopped. */
void ingest_http_free(struct ingest_http *h);

/* Adds POST INGEST_HTTP_PATH. Returns 0, or WSS_PARSE_INVALID with err from the router. Before
 * serving only. */
int ingest_http_add_routes(struct ingest_http *h, struct wss_http_router *r,
                           struct wss_parse_err *err);

/* Reads a Content-Type: application/x-protobuf (any case, parameters in any order, quoted or
 * not) with no messageType or messageType=wsscale.v1.Report is INGEST_KIND_REPORT, with
 * messageType=wsscale.v1.ReportBatch INGEST_KIND_BATCH. Returns 0 with *kind, or -1 (415) for
 * any other media type or message type, or NULL. Pure. */
int ingest_http_media_kind(const char *content_type, enum ingest_kind *kind);

/* Results of ingest_http_check_pod. */
#define INGEST_HTTP_POD_OK        0
#define INGEST_HTTP_POD_FORBIDDEN 1    /* 403 with the reason naming both pods */
#define INGEST_HTTP_POD_UNDECODED (-1) /* the body does not decode: ingest_body says why (400) */

/* Checks that every report in body (kind) names the pod user's token is bound to: pod == extra
 * authentication.kubernetes.io/pod-name, pod_uid == .../pod-uid, namespace == <ns> of the
 * username system:serviceaccount:<ns>:<sa>. A token without those is FORBIDDEN too. Pure. */
int ingest_http_check_pod(const struct user_info *user, enum ingest_kind kind, const uint8_t *body,
                          size_t len, char *reason, size_t reason_len);

#endif
