/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: wsscale-sidecar: options and logging, then identity, source, endpoints, pusher and
 * sampler wired together until SIGTERM, then the drain-aware shutdown with a final report.
 * Does not: sample, serve, push or parse anything itself.
 * Threads: the main thread builds, then waits for a signal (blocked everywhere, taken with
 * sigwait) and tears down; the parts run their own threads. */
#include <signal.h>
#include <stdio.h>

#include <curl/curl.h>

#include "endpoints.h"
#include "options.h"
#include "pusher.h"
#include "sampler.h"
#include "source_select.h"
#include "wsscale/clock.h"
#include "wsscale/log.h"
#include "wsscale/stop_signals.h"

/* Of --shutdown-timeout, what the final report keeps for itself after the wait for the app, and
 * the most it may take: two full attempts, so a dead adapter does not hold the pod's exit. */
#define FINAL_PUSH_RESERVE_MS (PUSHER_TOTAL_TIMEOUT_MS + 500)
#define FINAL_PUSH_MAX_MS     (2 * PUSHER_TOTAL_TIMEOUT_MS + 500)
#define NS_PER_MS             1000000

struct fan_out {
    struct endpoints *endpoints;
    struct pusher *pusher; /* NULL when pushing is off */
};

static void on_sample(const struct sample *s, void *arg)
{
    struct fan_out *f = arg;
    endpoints_on_sample(f->endpoints, s);
    pusher_offer(f->pusher, s);
}

/* After SIGTERM: sample while the app drains, then one final report; SIGINT skips the wait. */
static void shut_down(const struct sidecar_options *o, struct sampler *sampler,
                      struct pusher *pusher, int sig)
{
    int64_t t0 = wss_clock_mono_ms();
    sampler_set_draining(sampler);
    WSS_INFO("stopping: sampling while the app drains",
             WSS_KV_STR("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    if (sig == SIGTERM && !sampler_wait_app_done(sampler, o->shutdown_ms - FINAL_PUSH_RESERVE_MS))
        WSS_WARN("the app still had connections at the shutdown timeout");
    struct sample last;
    bool has_last = sampler_stop(sampler, &last); /* the newest, also one taken at the stop */
    int64_t left = o->shutdown_ms - (wss_clock_mono_ms() - t0);
    left = left < FINAL_PUSH_MAX_MS ? left : FINAL_PUSH_MAX_MS;
    int missed = has_last ? pusher_finish(pusher, &last, left) : 0;
    if (missed > 0)
        WSS_WARN("the final report did not reach every adapter", WSS_KV_INT("missed", missed));
    WSS_INFO("stopped", WSS_KV_UINT("last_connections", has_last ? last.src.active : 0));
}

int main(int argc, char **argv)
{
    sigset_t sigs = wss_stop_signals();
    signal(SIGPIPE, SIG_IGN);
    if (wss_stop_signals_block() != 0)
        return 1;
    int rc = 2; /* until the configuration is known to be good */
    const struct sidecar_options *o = options_parse(argc, argv, &rc);
    if (o == NULL)
        goto out_options;
    wss_log_flags_apply(&o->log);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[IDENTITY_ERR_LEN];
    struct wss_parse_err perr;
    struct source src = {0};
    struct endpoints *ep = NULL;
    struct fan_out fan = {0};
    struct sampler *sampler = NULL;
    struct identity_config ic = {o->ns, o->pod, o->uid, o->labels_file};
    struct identity *id = identity_new(&ic, err, sizeof(err));
    struct source_options so = {(enum source_select_kind)o->source,
                                o->shm,
                                o->stale_after_ms,
                                (const char *const *)o->ports.items,
                                o->ports.n,
                                o->socket_method,
                                o->scrape_url,
                                o->scrape_metric,
                                o->scrape_selector,
                                o->scrape_timeout_ms};
    if (id == NULL || (src = source_select(&so, err, sizeof(err))).ops == NULL)
        goto bad_config;
    rc = 1;
    if ((ep = endpoints_new(src.ops->kind, &perr)) == NULL ||
        endpoints_serve(ep, &o->listen, err, sizeof(err)) != 0) {
        WSS_ERROR("cannot serve", WSS_KV_STR("error", ep == NULL ? perr.msg : err));
        goto out;
    }
    struct pusher_config pc = {.urls = (const char *const *)o->adapter_urls.items,
                               .nurls = o->adapter_urls.n,
                               .ca_file = o->ca_file,
                               .is_insecure = o->is_insecure,
                               .token_file = o->token_file,
                               .identity = id,
                               .interval_ms = (uint32_t)o->interval_ms,
                               .resolve_interval_ms = o->resolve_ms,
                               .registry = endpoints_registry(ep)};
    if (o->adapter_urls.n == 0)
        WSS_WARN("no --adapter-url: pushing is disabled; /metrics only");
    else if ((fan.pusher = pusher_start(&pc, err, sizeof(err))) == NULL) {
        rc = 2;
        goto bad_config;
    }
    fan.endpoints = ep;
    struct sampler_config sc = {&src, o->interval_ms, on_sample, &fan};
    if ((sampler = sampler_start(&sc, err, sizeof(err))) == NULL) {
        WSS_ERROR("cannot start sampling", WSS_KV_STR("error", err));
        goto out;
    }
    WSS_INFO("started", WSS_KV_STR("source", src.ops->kind),
             WSS_KV_UINT("port", endpoints_port(ep)), WSS_KV_UINT("adapters", o->adapter_urls.n));
    int sig = 0;
    sigwait(&sigs, &sig);
    shut_down(o, sampler, fan.pusher, sig);
    sampler = NULL;
    rc = 0;
    goto out;
bad_config:
    fprintf(stderr, "wsscale-sidecar: %s\n", err);
out:
    sampler_stop(sampler, NULL);
    pusher_free(fan.pusher);
    endpoints_free(ep);
    source_destroy(&src);
    identity_free(id);
    curl_global_cleanup();
out_options:
    options_free();
    return rc;
}
