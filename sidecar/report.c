/* SPDX-License-Identifier: Apache-2.0 */
/* report.c: a sample and an identity as a packed wsscale.v1.Report (protobuf-c).
 * Does not: send, log, or keep anything between calls.
 * Threads: any; the message is built on the stack from borrowed strings. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale.pb-c.h"

static Wsscale__V1__SourceKind kind_of(const char *kind)
{
    if (kind == NULL)
        return WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_UNSPECIFIED;
    if (strcmp(kind, "shm") == 0)
        return WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM;
    if (strcmp(kind, "socket") == 0)
        return WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SOCKET;
    if (strcmp(kind, "scrape") == 0)
        return WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SCRAPE;
    return WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_UNSPECIFIED;
}

static Wsscale__V1__SourceState state_of(enum source_state st)
{
    switch (st) {
    case SOURCE_OK:
        return WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK;
    case SOURCE_STALE:
        return WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_STALE;
    case SOURCE_MISSING:
        return WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_MISSING;
    case SOURCE_ERROR:
        return WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_ERROR;
    }
    return WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_UNSPECIFIED;
}

int report_pack(const struct report_identity *id, const struct sample *s,
                const struct report_meta *m, uint8_t **out, size_t *out_len)
{
    if (id->nlabels > REPORT_MAX_LABELS)
        return -EINVAL;
    Wsscale__V1__Label labels[REPORT_MAX_LABELS];
    Wsscale__V1__Label *label_ptrs[REPORT_MAX_LABELS];
    for (size_t i = 0; i < id->nlabels; i++) {
        wsscale__v1__label__init(&labels[i]);
        /* protobuf-c's string fields are not const; packing only reads them. */
        labels[i].key = (char *)(uintptr_t)id->labels[i].key;
        labels[i].value = (char *)(uintptr_t)id->labels[i].value;
        label_ptrs[i] = &labels[i];
    }
    Wsscale__V1__Report r = WSSCALE__V1__REPORT__INIT;
    r.namespace_ = (char *)(uintptr_t)id->ns;
    r.pod = (char *)(uintptr_t)id->pod;
    r.pod_uid = (char *)(uintptr_t)id->uid;
    r.n_labels = id->nlabels;
    r.labels = id->nlabels > 0 ? label_ptrs : NULL;
    r.source = kind_of(s->kind);
    r.source_state = state_of(s->src.state);
    bool is_ok = s->src.state == SOURCE_OK;
    r.active_connections = is_ok ? s->src.active : 0;
    r.has_totals = is_ok && s->src.has_totals;
    r.opened_total = r.has_totals ? s->src.opened_total : 0;
    r.closed_total = r.has_totals ? s->src.closed_total : 0;
    r.sample_time_unix_ms = s->time_unix_ms;
    r.interval_ms = m->interval_ms;
    r.sidecar_instance = m->instance;
    r.sequence = m->sequence;
    r.draining = s->is_draining;
    r.final = m->is_final;

    size_t len = wsscale__v1__report__get_packed_size(&r);
    uint8_t *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL)
        return -ENOMEM;
    *out_len = wsscale__v1__report__pack(&r, buf);
    *out = buf;
    return 0;
}
