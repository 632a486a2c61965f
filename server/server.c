/* SPDX-License-Identifier: Apache-2.0 */
/* server.c: builds the server's parts in dependency order, runs the control loop, and tears the
 * parts down in reverse.
 * Does not: serve requests, pace the drain or count connections; it only wires the parts.
 * Threads: the main thread; the workers' threads are started and joined here. */
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat.h"
#include "http_endpoints.h"
#include "inbox.h"
#include "metrics.h"
#include "redis_envelope.h"
#include "rooms.h"
#include "stats.h"
#include "worker.h"
#include "wsscale/hostport.h"
#include "wsscale/log.h"
#include "wsscale/rng.h"

struct server {
    struct server_config cfg;
    atomic_bool is_draining; /* written by the drain, read by /readyz and /metrics */
    struct stats *stats;     /* owned: one per thread */
    struct inbox **inboxes;  /* owned array; the inboxes belong to the workers */
    struct worker **workers;
    struct wss_prom_registry *registry;
    struct rooms *rooms;
    struct http_endpoints *http;
    struct metrics *metrics;
    struct wss_counter_writer counter;
    struct wss_counter_writer *counter_p; /* &counter, or NULL without --shm */
    struct worker_config wcfg;
    struct wss_loop *control;
    struct drain *drain;
    struct heartbeat *heartbeat;
};

/* A random non-zero id for this process's envelopes: pods restart, so it must not repeat. Without
 * entropy yet (early boot) the seed's fallback of time and pid still tells processes apart. */
static uint64_t random_origin(void)
{
    struct wss_rng r;
    wss_rng_seed_random(&r);
    uint64_t v = wss_rng_next(&r);
    return v == REDIS_ENVELOPE_ORIGIN_EXTERNAL ? 1 : v;
}

struct server *server_new(const struct server_config *cfg, char *err, size_t errlen)
{
    unsigned n = cfg->threads;
    struct server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (cfg->has_redis)
        s->cfg.redis.origin = random_origin();
    atomic_init(&s->is_draining, false);
    snprintf(err, errlen, "out of memory");
    s->stats = aligned_alloc(64, sizeof(struct stats) * n);
    s->inboxes = calloc(n, sizeof(*s->inboxes));
    s->workers = calloc(n, sizeof(*s->workers));
    s->registry = wss_prom_registry_new();
    s->rooms = rooms_new(n);
    s->http = http_endpoints_new(s->registry, &s->is_draining);
    if (!s->stats || !s->inboxes || !s->workers || !s->registry || !s->rooms || !s->http)
        goto fail;
    memset(s->stats, 0, sizeof(struct stats) * n);
    struct wss_parse_err perr;
    struct metrics_source src = {s->stats, n, s->rooms, &s->is_draining, cfg->has_redis};
    if (!(s->metrics = metrics_new(s->registry, &src, &perr))) {
        snprintf(err, errlen, "metrics: %s", perr.msg);
        goto fail;
    }
    if (cfg->shm[0] != '\0') {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&cfg->addr;
        int rc = wss_counter_writer_open(&s->counter, cfg->shm, n, ntohs(sin->sin_port));
        if (rc != 0) {
            snprintf(err, errlen, "shared-memory counter %s: %s", cfg->shm, strerror(-rc));
            goto fail;
        }
        s->counter_p = &s->counter;
    }
    if (!(s->control = wss_loop_create(NULL, err, errlen)))
        goto fail;
    s->wcfg = (struct worker_config){
        .limits = &s->cfg.limits,
        .rooms = s->rooms,
        .http = s->http,
        .inboxes = s->inboxes,
        .stats = s->stats,
        .counter = s->counter_p,
        .control = s->control,
        .redis = cfg->has_redis ? &s->cfg.redis : NULL,
        .nthreads = n,
    };
    for (unsigned i = 0; i < n; i++) {
        if (!(s->workers[i] = worker_new(i, &s->wcfg, &s->cfg.addr, s->cfg.addr_len, err, errlen)))
            goto fail;
        s->inboxes[i] = worker_inbox(s->workers[i]);
    }
    if (!(s->drain = drain_new(s->control, s->workers, n, &cfg->drain, &s->is_draining,
                               s->counter_p, err, errlen)))
        goto fail;
    if (s->counter_p && !(s->heartbeat = heartbeat_new(s->control, s->workers, n, s->counter_p)))
        goto fail;
    err[0] = '\0';
    return s;
fail:
    server_free(s);
    return NULL;
}

int server_run(struct server *s)
{
    for (unsigned i = 0; i < s->cfg.threads; i++) {
        int rc = worker_start(s->workers[i]);
        if (rc != 0) {
            WSS_ERROR("cannot start a worker thread", WSS_KV_STR("error", strerror(-rc)));
            return -1; /* server_free stops the ones already running */
        }
    }
    wss_counter_set_state(s->counter_p, WSS_COUNTER_STATE_SERVING);
    char where[WSS_HOSTPORT_TEXT_CAP] = "?";
    wss_hostport_format_sockaddr((struct sockaddr *)&s->cfg.addr, where, sizeof(where));
    WSS_INFO("serving", WSS_KV_STR("listen", where), WSS_KV_UINT("threads", s->cfg.threads),
             WSS_KV_STR("shm", s->cfg.shm));
    if (s->cfg.has_redis) {
        char origin[17];
        snprintf(origin, sizeof(origin), "%016llx", (unsigned long long)s->cfg.redis.origin);
        WSS_INFO("rooms shared through redis", WSS_KV_STR("host", s->cfg.redis.host),
                 WSS_KV_INT("port", s->cfg.redis.port), WSS_KV_STR("prefix", s->cfg.redis.prefix),
                 WSS_KV_STR("origin", origin));
    }
    int rc = wss_loop_run(s->control);
    if (rc != 0)
        WSS_ERROR("control loop failed", WSS_KV_STR("error", strerror(-rc)));
    return rc == 0 && drain_was_requested(s->drain) ? 0 : -1;
}

void server_free(struct server *s)
{
    if (!s)
        return;
    for (unsigned i = 0; s->workers && i < s->cfg.threads; i++)
        if (s->workers[i])
            worker_force_stop(s->workers[i]);
    for (unsigned i = 0; s->workers && i < s->cfg.threads; i++)
        if (s->workers[i])
            worker_join(s->workers[i]);
    heartbeat_free(s->heartbeat);
    drain_free(s->drain);
    for (unsigned i = 0; s->workers && i < s->cfg.threads; i++)
        worker_free(s->workers[i]);
    wss_loop_free(s->control);
    wss_counter_writer_close(s->counter_p);
    http_endpoints_free(s->http);
    wss_prom_registry_free(s->registry);
    metrics_free(s->metrics);
    rooms_free(s->rooms);
    free(s->workers);
    free(s->inboxes);
    free(s->stats);
    free(s);
}
