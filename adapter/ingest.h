/* SPDX-License-Identifier: Apache-2.0 */
/* ingest.h: a POSTed protobuf Report or ReportBatch -> validated store updates, all or nothing.
 * Does not: read sockets, check bearer tokens, or pick the HTTP code (the caller maps INGEST_E_*).
 * Threads: any thread may call ingest_body at once; the store does its own locking. */
#ifndef ADAPTER_INGEST_H
#define ADAPTER_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define INGEST_DEFAULT_MAX_BODY    (256 * 1024) /* bytes of one POST body */
#define INGEST_DEFAULT_MAX_REPORTS 256          /* reports in one ReportBatch */
#define INGEST_REASON_LEN          2048         /* room for any reason text, never cut */

/* Return codes; on every one of them the store is unchanged. */
#define INGEST_E_INVALID   (-1) /* malformed or invalid report: 400 with the reason */
#define INGEST_E_TOO_LARGE (-2) /* body or batch over its cap: 413 */
#define INGEST_E_FULL      (-3) /* the store holds its maximum of pods: 503 */
#define INGEST_E_NO_MEMORY (-4) /* 500 */

/* Which message the body holds (protobuf does not say; the caller knows from the request). */
enum ingest_kind {
    INGEST_KIND_REPORT = 0,
    INGEST_KIND_BATCH = 1,
};

struct ingest_limits {
    size_t max_body_bytes;  /* 0 = INGEST_DEFAULT_MAX_BODY */
    size_t max_reports;     /* 0 = INGEST_DEFAULT_MAX_REPORTS */
    size_t max_labels;      /* 0 = STORE_DEFAULT_MAX_LABELS */
    size_t max_label_bytes; /* 0 = STORE_DEFAULT_MAX_LABEL_BYTES */
};

/* Decodes body[0..len) as kind, validates every report (namespace a DNS-1123 label, pod a
 * DNS-1123 subdomain, UID 1-64 printable ASCII, labels as Kubernetes checks them, counts and
 * sizes within lim, which may be NULL) and applies them to st in one store_apply. Returns 0 and
 * fills res (may be NULL), or INGEST_E_* with reason (reason_len bytes, INGEST_REASON_LEN never
 * cuts) and the store unchanged. Thread-safe. */
int ingest_body(struct store *st, const struct ingest_limits *lim, enum ingest_kind kind,
                const uint8_t *body, size_t len, struct store_apply_result *res, char *reason,
                size_t reason_len);

#endif
