/* SPDX-License-Identifier: Apache-2.0 */
/* source_shm.c: the `shm` source: one counter reader, each read classified into a sample.
 * Does not: write or create the counter, log, or retry: the sampler asks again next interval.
 * Threads: a source is the sampler thread's; classification is pure. */
#include "source_shm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S  1e9
#define NS_PER_MS INT64_C(1000000)

struct shm_source {
    struct wss_counter_reader reader;
    char name[WSS_COUNTER_PATH_MAX_BYTES];
    int64_t stale_after_ns;
};

static void set_reason(struct source_sample *out, enum source_state state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_reason(struct source_sample *out, enum source_state state, const char *fmt, ...)
{
    out->state = state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
}

/* The snapshot of a live (or cleanly stopped) writer, as an OK sample. */
static void set_counts(const struct wss_counter_snapshot *snap, bool is_stopped,
                       struct source_sample *out)
{
    out->has_totals = true;
    out->opened_total = snap->opened_total;
    out->closed_total = snap->closed_total;
    out->is_draining = snap->is_draining;
    out->state = SOURCE_OK;
    out->active = is_stopped ? 0 : snap->active;
}

void source_shm_classify(int status, const struct wss_counter_snapshot *snap,
                         int64_t stale_after_ns, struct source_sample *out)
{
    memset(out, 0, sizeof(*out));
    if (status < 0) {
        set_reason(out, SOURCE_ERROR, "cannot read the counter: %s", strerrordesc_np(-status));
        return;
    }
    if (status == WSS_COUNTER_RESTARTED) {
        out->is_restarted = true;
        if (snap->state == WSS_COUNTER_STATE_STOPPED)
            status = WSS_COUNTER_STOPPED;
        else if (snap->heartbeat_age_ns > stale_after_ns)
            status = WSS_COUNTER_STALE;
        else
            status = WSS_COUNTER_OK;
    }
    switch (status) {
    case WSS_COUNTER_OK:
        set_counts(snap, false, out);
        return;
    case WSS_COUNTER_STOPPED:
        set_counts(snap, true, out);
        return;
    case WSS_COUNTER_MISSING:
        set_reason(out, SOURCE_MISSING, "no counter yet: the app has not started");
        return;
    case WSS_COUNTER_STALE:
        set_reason(out, SOURCE_STALE,
                   "no heartbeat for %.1fs (limit %.1fs): the app is hung or gone",
                   (double)snap->heartbeat_age_ns / NS_PER_S, (double)stale_after_ns / NS_PER_S);
        return;
    case WSS_COUNTER_BAD_LAYOUT:
        set_reason(out, SOURCE_ERROR,
                   "not a counter this sidecar reads (magic, version, sizes or state)");
        return;
    default:
        set_reason(out, SOURCE_ERROR, "unknown counter status %d", status);
        return;
    }
}

static int shm_sample(void *self, struct source_sample *out)
{
    struct shm_source *s = self;
    struct wss_counter_snapshot snap = {0};
    int status = wss_counter_read(&s->reader, s->stale_after_ns, &snap);
    source_shm_classify(status, &snap, s->stale_after_ns, out);
    if (status < 0 || status == WSS_COUNTER_MISSING || status == WSS_COUNTER_BAD_LAYOUT) {
        /* Name the object: the classification alone cannot. */
        char line[WSS_COUNTER_PATH_MAX_BYTES + SOURCE_DETAIL_LEN + 2];
        snprintf(line, sizeof(line), "%s: %s", s->name, out->reason);
        size_t n = strnlen(line, sizeof(out->reason) - 1);
        memcpy(out->reason, line, n);
        out->reason[n] = '\0';
    }
    return 0;
}

static void shm_destroy(void *self)
{
    struct shm_source *s = self;
    if (s == NULL)
        return;
    wss_counter_reader_close(&s->reader);
    free(s);
}

static const struct source_ops shm_ops = {
    .kind = "shm",
    .sample = shm_sample,
    .destroy = shm_destroy,
};

struct source source_shm_new(const char *name, int64_t stale_after_ms, char *err, size_t errlen)
{
    struct source none = {0};
    if (stale_after_ms <= 0 || stale_after_ms > INT64_MAX / NS_PER_MS) {
        snprintf(err, errlen, "stale-after must be a positive duration");
        return none;
    }
    struct shm_source *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return none;
    }
    int rc = wss_counter_reader_open(&s->reader, name);
    if (rc != 0) {
        snprintf(err, errlen,
                 "bad shm counter name \"%s\": want \"/name\" (POSIX shm) or an absolute file "
                 "path (%s)",
                 name != NULL ? name : "", strerrordesc_np(-rc));
        free(s);
        return none;
    }
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->stale_after_ns = stale_after_ms * NS_PER_MS;
    return (struct source){.ops = &shm_ops, .self = s};
}
