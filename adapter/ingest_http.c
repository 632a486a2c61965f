/* SPDX-License-Identifier: Apache-2.0 */
/* ingest_http.c: the POST /ingest/v1/reports handler: media type, bearer token, the pod the
 * token is bound to, then ingest_body; every refusal a Status, the store untouched.
 * Does not: validate names or labels (ingest.c), or reach the Kubernetes API (the callback).
 * Threads: the handler runs on HTTPS workers, several at once; h is read-only. */
#include "ingest_http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_status.h"
#include "wsscale.pb-c.h"
#include "wsscale/http_server.h"
#include "wsscale/log.h"

#define SA_PREFIX  "system:serviceaccount:"
#define BEARER     "Bearer "
#define REPLY_LEN  128
#define NAME_SHOWN 320 /* namespace/name as a message shows it */

struct ingest_http {
    struct ingest_http_config cfg;
};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims OWS from both ends of s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
    while (*len > 0 && is_ows(s[0])) {
        s++;
        (*len)--;
    }
    while (*len > 0 && is_ows(s[*len - 1]))
        (*len)--;
    return s;
}

int ingest_http_media_kind(const char *ct, enum ingest_kind *kind)
{
    if (ct == NULL)
        return -1;
    const char *semi = strchr(ct, ';');
    size_t len = semi != NULL ? (size_t)(semi - ct) : strlen(ct);
    const char *type = trim(ct, &len);
    if (!eq_nocase(type, len, INGEST_HTTP_MEDIA_TYPE))
        return -1;
    const char *msg = NULL;
    size_t msg_len = 0;
    while (semi != NULL) {
        const char *p = semi + 1;
        semi = strchr(p, ';');
        size_t plen = semi != NULL ? (size_t)(semi - p) : strlen(p);
        p = trim(p, &plen);
        if (plen == 0)
            continue;
        const char *eq = memchr(p, '=', plen);
        if (eq == NULL)
            return -1;
        size_t nlen = (size_t)(eq - p), vlen = plen - nlen - 1;
        const char *name = trim(p, &nlen);
        const char *value = trim(eq + 1, &vlen);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value++;
            vlen -= 2;
        }
        if (!eq_nocase(name, nlen, "messagetype"))
            continue;
        if (msg != NULL)
            return -1; /* two message types: ambiguous */
        msg = value;
        msg_len = vlen;
    }
    if (msg == NULL || (msg_len == strlen(INGEST_HTTP_MSG_REPORT) &&
                        memcmp(msg, INGEST_HTTP_MSG_REPORT, msg_len) == 0))
        *kind = INGEST_KIND_REPORT;
    else if (msg_len == strlen(INGEST_HTTP_MSG_BATCH) &&
             memcmp(msg, INGEST_HTTP_MSG_BATCH, msg_len) == 0)
        *kind = INGEST_KIND_BATCH;
    else
        return -1;
    return 0;
}

/* The <ns> of system:serviceaccount:<ns>:<sa> into out; false for any other user name. */
static bool sa_namespace(const char *user, char *out, size_t cap)
{
    if (user == NULL || strncmp(user, SA_PREFIX, strlen(SA_PREFIX)) != 0)
        return false;
    const char *ns = user + strlen(SA_PREFIX);
    const char *colon = strchr(ns, ':');
    if (colon == NULL || colon == ns || colon[1] == '\0' || (size_t)(colon - ns) >= cap)
        return false;
    memcpy(out, ns, (size_t)(colon - ns));
    out[colon - ns] = '\0';
    return true;
}

int ingest_http_check_pod(const struct user_info *user, enum ingest_kind kind, const uint8_t *body,
                          size_t len, char *reason, size_t reason_len)
{
    char ns[STORE_NS_MAX + 2];
    const char *pod = user_info_extra_first(user, USER_INFO_EXTRA_POD_NAME);
    const char *uid = user_info_extra_first(user, USER_INFO_EXTRA_POD_UID);
    if (!sa_namespace(user->name, ns, sizeof(ns)) || pod == NULL || uid == NULL) {
        snprintf(reason, reason_len,
                 "the token of \"%s\" is not a service account token bound to a pod: only a "
                 "pod's own token may report for it",
                 user->name != NULL ? user->name : "");
        return INGEST_HTTP_POD_FORBIDDEN;
    }
    Wsscale__V1__ReportBatch *batch = NULL;
    Wsscale__V1__Report *single = NULL;
    Wsscale__V1__Report **reports;
    size_t n;
    if (kind == INGEST_KIND_BATCH) {
        if ((batch = wsscale__v1__report_batch__unpack(NULL, len, body)) == NULL)
            return INGEST_HTTP_POD_UNDECODED;
        reports = batch->reports;
        n = batch->n_reports;
    } else {
        if ((single = wsscale__v1__report__unpack(NULL, len, body)) == NULL)
            return INGEST_HTTP_POD_UNDECODED;
        reports = &single;
        n = 1;
    }
    int rc = INGEST_HTTP_POD_OK;
    for (size_t i = 0; i < n && rc == INGEST_HTTP_POD_OK; i++) {
        const Wsscale__V1__Report *r = reports[i];
        if (strcmp(r->namespace_, ns) == 0 && strcmp(r->pod, pod) == 0 &&
            strcmp(r->pod_uid, uid) == 0)
            continue;
        snprintf(reason, reason_len,
                 "the token of pod %.63s/%.253s (uid %.64s) cannot report for pod %.63s/%.253s "
                 "(uid %.64s)",
                 ns, pod, uid, r->namespace_, r->pod, r->pod_uid);
        rc = INGEST_HTTP_POD_FORBIDDEN;
    }
    if (batch != NULL)
        wsscale__v1__report_batch__free_unpacked(batch, NULL);
    if (single != NULL)
        wsscale__v1__report__free_unpacked(single, NULL);
    return rc;
}

static void refuse(struct ingest_http *h, struct wss_http_req *req, unsigned code,
                   enum self_metrics_report result, const char *message)
{
    self_metrics_report(h->cfg.metrics, result, 1);
    if (code == 401)
        wss_http_reply_header(req, "WWW-Authenticate", "Bearer");
    api_status_reply(req, code, message);
}

/* The bearer token check; true when the request may go on (else it was answered). */
static bool authenticate(struct ingest_http *h, struct wss_http_req *req, struct user_info *user)
{
    char reason[INGEST_HTTP_REASON_LEN];
    const char *auth = wss_http_req_header(req, "Authorization");
    size_t blen = strlen(BEARER);
    if (auth == NULL || strlen(auth) <= blen || !eq_nocase(auth, blen, BEARER)) {
        refuse(h, req, 401, SELF_METRICS_REPORT_UNAUTHORIZED,
               "Unauthorized: a bearer token (the pod's service account token) is required");
        return false;
    }
    const char *token = auth + blen;
    while (*token == ' ')
        token++;
    reason[0] = '\0';
    switch (h->cfg.authenticate(h->cfg.auth_arg, token, user, reason, sizeof(reason))) {
    case INGEST_HTTP_AUTH_OK:
        return true;
    case INGEST_HTTP_AUTH_REJECTED: {
        char msg[INGEST_HTTP_REASON_LEN + 32];
        snprintf(msg, sizeof(msg), "Unauthorized: %s", reason[0] ? reason : "invalid token");
        refuse(h, req, 401, SELF_METRICS_REPORT_UNAUTHORIZED, msg);
        return false;
    }
    case INGEST_HTTP_AUTH_ERROR:
    default: {
        WSS_WARN("cannot check a sidecar's token", WSS_KV_STR("error", reason));
        char msg[INGEST_HTTP_REASON_LEN + 48];
        snprintf(msg, sizeof(msg), "the token cannot be checked now: %s", reason);
        refuse(h, req, 503, SELF_METRICS_REPORT_UNAVAILABLE, msg);
        return false;
    }
    }
}

static void handle_post(struct wss_http_req *req, void *arg)
{
    struct ingest_http *h = arg;
    enum ingest_kind kind;
    char reason[INGEST_HTTP_REASON_LEN];
    const char *ct = wss_http_req_header(req, "Content-Type");
    if (ingest_http_media_kind(ct, &kind) != 0) {
        snprintf(reason, sizeof(reason),
                 "unsupported media type \"%.200s\": send " INGEST_HTTP_MEDIA_TYPE
                 " with messageType=" INGEST_HTTP_MSG_REPORT " or " INGEST_HTTP_MSG_BATCH,
                 ct != NULL ? ct : "");
        refuse(h, req, 415, SELF_METRICS_REPORT_UNSUPPORTED, reason);
        return;
    }
    size_t len = 0;
    const uint8_t *body = (const uint8_t *)wss_http_req_body(req, &len);
    struct user_info user = {0};
    if (h->cfg.authenticate != NULL) {
        if (!authenticate(h, req, &user))
            goto out;
        size_t max =
            h->cfg.limits.max_body_bytes ? h->cfg.limits.max_body_bytes : INGEST_DEFAULT_MAX_BODY;
        if (len <= max && ingest_http_check_pod(&user, kind, body, len, reason, sizeof(reason)) ==
                              INGEST_HTTP_POD_FORBIDDEN) {
            refuse(h, req, 403, SELF_METRICS_REPORT_FORBIDDEN, reason);
            goto out;
        }
    }
    struct store_apply_result res = {0, 0, 0};
    int rc =
        ingest_body(h->cfg.store, &h->cfg.limits, kind, body, len, &res, reason, sizeof(reason));
    switch (rc) {
    case 0: {
        char json[REPLY_LEN];
        snprintf(json, sizeof(json), "{\"stored\":%zu,\"removed\":%zu,\"ignored\":%zu}", res.stored,
                 res.removed, res.ignored);
        self_metrics_report(h->cfg.metrics, SELF_METRICS_REPORT_STORED, res.stored);
        self_metrics_report(h->cfg.metrics, SELF_METRICS_REPORT_REMOVED, res.removed);
        self_metrics_report(h->cfg.metrics, SELF_METRICS_REPORT_IGNORED, res.ignored);
        wss_http_reply_json(req, 200, json);
        break;
    }
    case INGEST_E_INVALID:
        refuse(h, req, 400, SELF_METRICS_REPORT_INVALID, reason);
        break;
    case INGEST_E_TOO_LARGE:
        refuse(h, req, 413, SELF_METRICS_REPORT_TOO_LARGE, reason);
        break;
    case INGEST_E_FULL:
        refuse(h, req, 503, SELF_METRICS_REPORT_UNAVAILABLE, reason);
        break;
    default:
        refuse(h, req, 500, SELF_METRICS_REPORT_ERROR, reason[0] ? reason : "out of memory");
        break;
    }
out:
    user_info_clear(&user);
}

struct ingest_http *ingest_http_new(const struct ingest_http_config *cfg)
{
    struct ingest_http *h = calloc(1, sizeof(*h));
    if (h != NULL)
        h->cfg = *cfg;
    return h;
}

void ingest_http_free(struct ingest_http *h)
{
    free(h);
}

int ingest_http_add_routes(struct ingest_http *h, struct wss_http_router *r,
                           struct wss_parse_err *err)
{
    return wss_http_router_add(r, "POST", INGEST_HTTP_PATH, handle_post, h, err);
}
