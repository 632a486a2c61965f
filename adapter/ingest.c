/* SPDX-License-Identifier: Apache-2.0 */
/* ingest.c: decode a sidecar's protobuf Report or ReportBatch, validate it, hand it to the store.
 * Does not: touch the store before every report of the body has passed validation, or know about
 * HTTP status codes, tokens or sockets.
 * Threads: no state of its own; concurrent calls meet only in store_apply's lock. */
#include "ingest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale.pb-c.h"
#include "wsscale/k8s_names.h"

/* Bytes of a bad value quoted in a reason; longer values are cut (the reason still names the
 * field and the rule). */
#define QUOTED_VALUE_MAX 256

struct ctx {
    char *reason; /* borrowed; the caller's buffer */
    size_t reason_len;
    char prefix[32]; /* "reports[12]." for a batch, "" for a single report */
};

static int fail(struct ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
    if (!c->reason || c->reason_len == 0)
        return rc;
    int n = snprintf(c->reason, c->reason_len, "%s", c->prefix);
    if (n < 0 || (size_t)n >= c->reason_len)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason + n, c->reason_len - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

typedef int (*check_fn)(const char *s, size_t len, char *msg, size_t msg_len);

/* Checks s with fn; on failure writes "<field>: Invalid value: "<s>": <why>" as the apiserver
 * words a field error. */
static int check_field(struct ctx *c, const char *field, const char *s, check_fn fn)
{
    char msg[WSS_K8S_NAMES_MSG_LEN];
    size_t len = strlen(s);
    if (fn(s, len, msg, sizeof(msg)) == 0)
        return 0;
    char quoted[QUOTED_VALUE_MAX];
    wss_k8s_names_quote(s, len, quoted, sizeof(quoted));
    return fail(c, INGEST_E_INVALID, "%s: Invalid value: %s: %s", field, quoted, msg);
}

static int check_uid(struct ctx *c, const char *uid)
{
    size_t len = strlen(uid);
    if (len == 0)
        return fail(c, INGEST_E_INVALID, "pod_uid: Required value");
    if (len > STORE_UID_MAX)
        return fail(c, INGEST_E_INVALID, "pod_uid: Too long: must be no more than %d bytes",
                    STORE_UID_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)uid[i] <= ' ' || (unsigned char)uid[i] > '~')
            return fail(c, INGEST_E_INVALID,
                        "pod_uid: Invalid value: must be printable ASCII without spaces");
    return 0;
}

/* Validates one report and fills u, pointing its labels at labels[] (n_labels entries). */
static int check_report(struct ctx *c, const struct ingest_limits *lim,
                        const Wsscale__V1__Report *r, struct wss_label *labels,
                        struct store_update *u)
{
    int rc;
    if ((rc = check_field(c, "namespace", r->namespace_, wss_k8s_names_check_dns_label)) != 0 ||
        (rc = check_field(c, "pod", r->pod, wss_k8s_names_check_dns_subdomain)) != 0 ||
        (rc = check_uid(c, r->pod_uid)) != 0)
        return rc;
    if (r->n_labels > lim->max_labels)
        return fail(c, INGEST_E_INVALID, "labels: Too many: %zu: must have at most %zu items",
                    r->n_labels, lim->max_labels);
    size_t bytes = 0;
    for (size_t i = 0; i < r->n_labels; i++) {
        const Wsscale__V1__Label *l = r->labels[i];
        char field[48];
        snprintf(field, sizeof(field), "labels[%zu].key", i);
        if ((rc = check_field(c, field, l->key, wss_k8s_names_check_label_key)) != 0)
            return rc;
        snprintf(field, sizeof(field), "labels[%zu].value", i);
        if ((rc = check_field(c, field, l->value, wss_k8s_names_check_label_value)) != 0)
            return rc;
        labels[i] = (struct wss_label){.key = l->key,
                                       .key_len = strlen(l->key),
                                       .value = l->value,
                                       .value_len = strlen(l->value)};
        for (size_t j = 0; j < i; j++)
            if (labels[j].key_len == labels[i].key_len &&
                memcmp(labels[j].key, labels[i].key, labels[i].key_len) == 0) {
                char quoted[QUOTED_VALUE_MAX];
                wss_k8s_names_quote(l->key, labels[i].key_len, quoted, sizeof(quoted));
                return fail(c, INGEST_E_INVALID, "labels[%zu].key: Duplicate value: %s", i, quoted);
            }
        bytes += labels[i].key_len + labels[i].value_len;
    }
    if (bytes > lim->max_label_bytes)
        return fail(c, INGEST_E_INVALID,
                    "labels: Too long: %zu bytes of keys and values: must be no more than %zu",
                    bytes, lim->max_label_bytes);
    if ((int)r->source_state < STORE_STATE_UNSPECIFIED || (int)r->source_state > STORE_STATE_ERROR)
        return fail(c, INGEST_E_INVALID, "source_state: Unsupported value: %d",
                    (int)r->source_state);
    *u = (struct store_update){
        .ns = r->namespace_,
        .ns_len = strlen(r->namespace_),
        .name = r->pod,
        .name_len = strlen(r->pod),
        .uid = r->pod_uid,
        .uid_len = strlen(r->pod_uid),
        .labels = labels,
        .nlabels = r->n_labels,
        .state = (enum store_state)r->source_state,
        .active_connections = r->active_connections,
        .sample_time_unix_ms = r->sample_time_unix_ms,
        .interval_ms = r->interval_ms,
        .sidecar_instance = r->sidecar_instance,
        .sequence = r->sequence,
        .is_final = r->final,
    };
    return 0;
}

static int map_store_error(struct ctx *c, int rc, const char *msg)
{
    c->prefix[0] = '\0';
    switch (rc) {
    case STORE_E_FULL:
        return fail(c, INGEST_E_FULL, "%s", msg);
    case STORE_E_LIMIT:
        return fail(c, INGEST_E_INVALID, "%s", msg);
    default:
        return fail(c, INGEST_E_NO_MEMORY, "%s", msg);
    }
}

int ingest_body(struct store *st, const struct ingest_limits *lim_in, enum ingest_kind kind,
                const uint8_t *body, size_t len, struct store_apply_result *res, char *reason,
                size_t reason_len)
{
    struct ctx c = {.reason = reason, .reason_len = reason_len};
    struct ingest_limits lim = lim_in ? *lim_in : (struct ingest_limits){0};
    if (lim.max_body_bytes == 0)
        lim.max_body_bytes = INGEST_DEFAULT_MAX_BODY;
    if (lim.max_reports == 0)
        lim.max_reports = INGEST_DEFAULT_MAX_REPORTS;
    if (lim.max_labels == 0)
        lim.max_labels = STORE_DEFAULT_MAX_LABELS;
    if (lim.max_label_bytes == 0)
        lim.max_label_bytes = STORE_DEFAULT_MAX_LABEL_BYTES;
    if (res)
        *res = (struct store_apply_result){0};
    if (reason && reason_len)
        reason[0] = '\0';

    if (len > lim.max_body_bytes)
        return fail(&c, INGEST_E_TOO_LARGE, "body of %zu bytes exceeds the limit of %zu bytes", len,
                    lim.max_body_bytes);

    Wsscale__V1__ReportBatch *batch = NULL;
    Wsscale__V1__Report *single = NULL;
    Wsscale__V1__Report **reports;
    size_t n;
    if (kind == INGEST_KIND_BATCH) {
        batch = wsscale__v1__report_batch__unpack(NULL, len, body);
        if (!batch)
            return fail(&c, INGEST_E_INVALID,
                        "body is not a valid protobuf wsscale.v1.ReportBatch");
        reports = batch->reports;
        n = batch->n_reports;
        if (n == 0) {
            wsscale__v1__report_batch__free_unpacked(batch, NULL);
            return fail(&c, INGEST_E_INVALID, "reports: Required value: the batch is empty");
        }
        if (n > lim.max_reports) {
            wsscale__v1__report_batch__free_unpacked(batch, NULL);
            return fail(&c, INGEST_E_TOO_LARGE,
                        "reports: Too many: %zu: must have at most %zu items", n, lim.max_reports);
        }
    } else {
        single = wsscale__v1__report__unpack(NULL, len, body);
        if (!single)
            return fail(&c, INGEST_E_INVALID, "body is not a valid protobuf wsscale.v1.Report");
        reports = &single;
        n = 1;
    }

    int rc = 0;
    size_t total_labels = 0;
    for (size_t i = 0; i < n; i++)
        total_labels += reports[i]->n_labels;
    struct store_update *ups = calloc(n, sizeof(*ups));
    struct wss_label *labels = calloc(total_labels ? total_labels : 1, sizeof(*labels));
    if (!ups || !labels) {
        rc = fail(&c, INGEST_E_NO_MEMORY, "out of memory");
        goto done;
    }
    size_t next_label = 0;
    for (size_t i = 0; i < n; i++) {
        if (batch)
            snprintf(c.prefix, sizeof(c.prefix), "reports[%zu].", i);
        rc = check_report(&c, &lim, reports[i], labels + next_label, &ups[i]);
        if (rc != 0)
            goto done;
        next_label += reports[i]->n_labels;
    }
    char msg[256];
    rc = store_apply(st, ups, n, res, msg, sizeof(msg));
    if (rc != 0)
        rc = map_store_error(&c, rc, msg);
done:
    free(ups);
    free(labels);
    if (batch)
        wsscale__v1__report_batch__free_unpacked(batch, NULL);
    if (single)
        wsscale__v1__report__free_unpacked(single, NULL);
    return rc;
}
