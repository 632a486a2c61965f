/* SPDX-License-Identifier: Apache-2.0 */
/* sampler.c: the sampling thread: a fixed-rate schedule on CLOCK_MONOTONIC, one source call per
 * tick, the latest sample behind a lock, and one log line per change of the source's state.
 * Does not: know what a source reads, or what the callback does with a sample.
 * Threads: the sampler thread writes the latest sample under s->lock; any thread reads it and
 * waits on s->changed; is_draining is set by main's signal handling under the same lock. */
#include "sampler.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsscale/clock.h"
#include "wsscale/log.h"
#include "wsscale/mono_cond.h"

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S  INT64_C(1000000000)

struct sampler {
    struct sampler_config cfg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* CLOCK_MONOTONIC; signalled after each sample and on stop */
    /* Under lock: */
    bool is_stopping;
    bool is_draining;
    int64_t draining_since_ns; /* monotonic: samples begun at or after it were taken draining */
    bool has_latest;
    struct sample latest;
};

static const char *state_name(enum source_state st)
{
    switch (st) {
    case SOURCE_OK:
        return "ok";
    case SOURCE_STALE:
        return "stale";
    case SOURCE_MISSING:
        return "missing";
    case SOURCE_ERROR:
        return "error";
    }
    return "unknown";
}

bool sampler_app_is_done(const struct sample *s)
{
    return s->src.state != SOURCE_OK || s->src.active == 0;
}

/* One line when the state changes (and for the first sample), never one per sample. */
static void log_change(const struct sample *prev, const struct sample *cur)
{
    if (cur->src.is_restarted)
        WSS_INFO("the app restarted", WSS_KV_STR("source", cur->kind));
    if (prev != NULL && prev->src.state == cur->src.state)
        return;
    if (cur->src.state == SOURCE_OK)
        WSS_INFO("source ok", WSS_KV_STR("source", cur->kind),
                 WSS_KV_UINT("connections", cur->src.active),
                 WSS_KV_STR("was", prev != NULL ? state_name(prev->src.state) : "none"));
    else
        WSS_WARN("source cannot count connections", WSS_KV_STR("source", cur->kind),
                 WSS_KV_STR("state", state_name(cur->src.state)),
                 WSS_KV_STR("reason", cur->src.reason));
}

static void take(struct sampler *s, uint64_t number, struct sample *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = s->cfg.source->ops->kind;
    out->number = number;
    out->time_unix_ms = wss_clock_real_ns() / NS_PER_MS;
    out->mono_ns = wss_clock_mono_ns();
    if (s->cfg.source->ops->sample(s->cfg.source->self, &out->src) != 0) {
        out->src = (struct source_sample){.state = SOURCE_ERROR};
        snprintf(out->src.reason, sizeof(out->src.reason), "the source failed internally");
    }
    out->duration_s = (double)(wss_clock_mono_ns() - out->mono_ns) / (double)NS_PER_S;
}

static void *run(void *arg)
{
    struct sampler *s = arg;
    int64_t interval_ns = s->cfg.interval_ms * NS_PER_MS;
    int64_t next = wss_clock_mono_ns();
    struct sample cur, prev;
    bool has_prev = false;
    for (uint64_t number = 1;; number++) {
        take(s, number, &cur);
        pthread_mutex_lock(&s->lock);
        /* A sample begun before SIGTERM is not a draining one, even if it ends after. */
        cur.is_draining =
            cur.src.is_draining || (s->is_draining && cur.mono_ns >= s->draining_since_ns);
        s->latest = cur;
        s->has_latest = true;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);

        log_change(has_prev ? &prev : NULL, &cur);
        prev = cur;
        has_prev = true;
        if (s->cfg.on_sample != NULL)
            s->cfg.on_sample(&cur, s->cfg.on_sample_arg);

        /* Fixed rate; ticks missed by a slow source are skipped, not made up in a burst. */
        int64_t now = wss_clock_mono_ns();
        next += interval_ns;
        if (next <= now)
            next += ((now - next) / interval_ns + 1) * interval_ns;
        struct timespec until = wss_mono_timespec(next);
        pthread_mutex_lock(&s->lock);
        while (!s->is_stopping && wss_clock_mono_ns() < next)
            if (pthread_cond_timedwait(&s->changed, &s->lock, &until) == ETIMEDOUT)
                break;
        bool is_stopping = s->is_stopping;
        pthread_mutex_unlock(&s->lock);
        if (is_stopping)
            break;
    }
    return NULL;
}

struct sampler *sampler_start(const struct sampler_config *cfg, char *err, size_t errlen)
{
    if (cfg->source == NULL || cfg->source->ops == NULL || cfg->interval_ms <= 0) {
        snprintf(err, errlen, "sampler: needs a source and a positive interval");
        return NULL;
    }
    struct sampler *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "sampler: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    int rc = wss_mono_cond_init(&s->changed);
    if (rc != 0) {
        snprintf(err, errlen, "sampler: condition variable: %s", strerrordesc_np(rc));
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    rc = pthread_create(&s->thread, NULL, run, s);
    if (rc != 0) {
        snprintf(err, errlen, "sampler: cannot start its thread: %s", strerrordesc_np(rc));
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

void sampler_set_draining(struct sampler *s)
{
    pthread_mutex_lock(&s->lock);
    if (!s->is_draining) {
        s->is_draining = true;
        s->draining_since_ns = wss_clock_mono_ns();
    }
    pthread_mutex_unlock(&s->lock);
}

bool sampler_latest(struct sampler *s, struct sample *out)
{
    pthread_mutex_lock(&s->lock);
    bool has = s->has_latest;
    if (has)
        *out = s->latest;
    pthread_mutex_unlock(&s->lock);
    return has;
}

bool sampler_wait_app_done(struct sampler *s, int64_t timeout_ms)
{
    int64_t deadline = wss_clock_mono_ns() + (timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
    struct timespec until = wss_mono_timespec(deadline);
    pthread_mutex_lock(&s->lock);
    bool is_done = false;
    for (;;) {
        is_done = s->is_draining && s->has_latest && s->latest.mono_ns >= s->draining_since_ns &&
                  sampler_app_is_done(&s->latest);
        if (is_done || s->is_stopping || wss_clock_mono_ns() >= deadline)
            break;
        if (pthread_cond_timedwait(&s->changed, &s->lock, &until) == ETIMEDOUT)
            continue; /* one last look at the latest sample, then the deadline check ends it */
    }
    pthread_mutex_unlock(&s->lock);
    return is_done;
}

bool sampler_stop(struct sampler *s, struct sample *last)
{
    if (s == NULL)
        return false;
    pthread_mutex_lock(&s->lock);
    s->is_stopping = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    /* Read after the join: a sample in progress at the stop is the newest, and was offered. */
    bool has_last = s->has_latest;
    if (has_last && last != NULL)
        *last = s->latest;
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return has_last;
}
