/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: wsscale-adapter: options and logging, then the store, the metric source, the serving
 * certificate, authentication and authorization, the HTTPS API and the plain-HTTP /metrics wired
 * together until SIGTERM or SIGINT; then readyz fails, the servers stop, exit 0.
 * Does not: serve, authenticate, ingest or count anything itself.
 * Threads: the main thread builds, then waits for a signal (blocked everywhere, taken with
 * sigtimedwait) while expiring the store once a second, and tears down; the servers run their
 * own worker threads. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api_discovery.h"
#include "api_gate.h"
#include "api_metrics.h"
#include "api_status.h"
#include "auth_setup.h"
#include "authn_lookup_watch.h"
#include "health.h"
#include "ingest_http.h"
#include "options.h"
#include "pod_watch.h"
#include "self_metrics.h"
#include "serving_cert.h"
#include "source_prom.h"
#include "source_store.h"
#include "wsscale/log.h"
#include "wsscale/stop_signals.h"

#define EXPIRE_TICK_S 1 /* how often expired pods are dropped */
/* The HTTPS server lets bodies up to twice the ingest cap through, so ingest answers the
 * oversized ones with its own reason; past that the server refuses them unread. */
#define SERVER_MAX_BODY (2 * INGEST_DEFAULT_MAX_BODY)
#define MAX_SANS        SERVING_CERT_MAX_NAMES
#define HOST_NAME_LEN   256

/* The names of the self-signed certificate: loopback, this host and pod, and --cert-sans. */
static size_t cert_names(const struct adapter_options *o, const char **names, char *host)
{
    size_t n = 0;
    names[n++] = "localhost";
    names[n++] = "127.0.0.1";
    names[n++] = "::1";
    if (gethostname(host, HOST_NAME_LEN) == 0 && host[0] != '\0')
        names[n++] = host;
    const char *pod_ip = getenv("POD_IP");
    if (pod_ip != NULL && pod_ip[0] != '\0')
        names[n++] = pod_ip;
    for (size_t i = 0; i < o->cert_sans.n && n < MAX_SANS; i++)
        names[n++] = o->cert_sans.items[i];
    return n;
}

static void on_done(const struct wss_http_req *req, unsigned status, double seconds, void *arg)
{
    const char *kind =
        self_metrics_route_kind(wss_http_req_route(req), wss_http_req_param(req, "name"));
    self_metrics_request(arg, kind, status, seconds);
}

/* Reads ConfigMap kube-system/extension-apiserver-authentication when a CA flag is unset and
 * applies it; *lookup stays NULL without a lookup. -1 (one line printed) when start must fail. */
static int lookup_authn(const struct adapter_options *o, struct auth_setup *auth,
                        struct authn_lookup_watch **lookup)
{
    const char *why_none = NULL;
    struct kube_client *client = auth_setup_lookup_client(auth, &why_none);
    if (why_none != NULL)
        WSS_WARN("WARNING: no authentication ConfigMap lookup", WSS_KV_STR("why", why_none));
    if (client == NULL)
        return 0;
    char err[AUTHN_LOOKUP_WATCH_ERR_LEN];
    struct authn_lookup_watch_config lc = {client, NULL, o->authn_config_refresh_ms};
    if ((*lookup = authn_lookup_watch_new(&lc, err, sizeof(err))) == NULL) {
        if (!o->is_tolerate_lookup_failure) {
            fprintf(stderr,
                    "wsscale-adapter: %s; --authentication-tolerate-lookup-failure starts "
                    "without it\n",
                    err);
            return -1;
        }
        WSS_WARN("WARNING: --authentication-tolerate-lookup-failure: serving without the CAs of "
                 "the authentication ConfigMap",
                 WSS_KV_STR("error", err));
        return 0;
    }
    const struct authn_lookup_values *v = authn_lookup_watch_values(*lookup);
    const char *cf = authn_lookup_watch_client_ca_file(*lookup);
    const char *rf = authn_lookup_watch_requestheader_ca_file(*lookup);
    auth_setup_use_lookup(auth, v, cf != NULL, rf != NULL);
    if (o->requestheader_ca_file[0] == '\0' && v->extra_prefixes.n > 1)
        WSS_WARN("the authentication ConfigMap lists several extra-header prefixes; only the "
                 "first is used",
                 WSS_KV_STR("prefix", v->extra_prefixes.items[0]));
    WSS_INFO("read the authentication ConfigMap",
             WSS_KV_BOOL("client_ca", o->client_ca_file[0] == '\0' && cf != NULL),
             WSS_KV_BOOL("requestheader_ca", o->requestheader_ca_file[0] == '\0' && rf != NULL),
             WSS_KV_UINT("allowed_names", v->allowed_names.n),
             WSS_KV_INT("refresh_ms", o->authn_config_refresh_ms));
    return 0;
}

static int make_source(const struct adapter_options *o, struct store *st, struct metric_source *src,
                       char *err, size_t errlen)
{
    if (o->source == OPTIONS_SOURCE_PUSH)
        return source_store_new(st, src) == WSS_SRC_OK ? 0 : -1;
    struct source_prom_config pc = {.url = o->prometheus_url,
                                    .metric = SOURCE_STORE_METRIC,
                                    .timeout_ms = o->prometheus_timeout_ms,
                                    .labels_from = st};
    char why[SOURCE_PROM_ERR_LEN];
    if (source_prom_new(&pc, src, why, sizeof(why)) == WSS_SRC_OK)
        return 0;
    snprintf(err, errlen, "wsscale-adapter: --prometheus-url: %s", why);
    return -1;
}

int main(int argc, char **argv)
{
    sigset_t sigs = wss_stop_signals();
    signal(SIGPIPE, SIG_IGN);
    if (wss_stop_signals_block() != 0)
        return 1;
    int rc = 2; /* until the configuration is known to be good */
    const struct adapter_options *o = options_parse(argc, argv, &rc);
    if (o == NULL)
        goto out_options;
    wss_log_flags_apply(&o->log);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[AUTH_SETUP_ERR_LEN], host[HOST_NAME_LEN] = "";
    struct wss_parse_err perr = {0};
    struct metric_source src = {0};
    struct serving_cert_result cert = {0};
    struct api_metrics *api = NULL;
    struct self_metrics *metrics = NULL;
    struct health *health = NULL;
    struct ingest_http *ingest = NULL;
    struct api_gate *gate = NULL;
    struct authn_lookup_watch *lookup = NULL;
    struct pod_watch *pods = NULL;
    struct wss_http_router *router = wss_http_router_new(), *mrouter = wss_http_router_new();
    struct wss_http_server *server = NULL, *mserver = NULL;
    struct store_config stc = {.max_pods = (size_t)o->max_pods,
                               .stale_after_ms = o->stale_after_ms};
    struct store *st = store_new(&stc);
    struct auth_setup *auth = auth_setup_new(o, err, sizeof(err));
    if (auth == NULL || make_source(o, st, &src, err, sizeof(err)) != 0)
        goto bad_config;
    rc = 1; /* the ConfigMap unreadable is not a configuration error */
    if (lookup_authn(o, auth, &lookup) != 0)
        goto out;
    rc = 2;
    const char *names[MAX_SANS];
    struct serving_cert_request creq = {o->cert_dir, names, cert_names(o, names, host), 0};
    if (o->tls_cert_file[0] == '\0') {
        char why[SERVING_CERT_ERR_LEN];
        if (serving_cert_ensure(&creq, &cert, why, sizeof(why)) != 0) {
            snprintf(err, sizeof(err), "wsscale-adapter: --cert-dir: %s", why);
            goto bad_config;
        }
        WSS_INFO(cert.is_generated ? "generated a self-signed serving certificate"
                                   : "reusing the self-signed serving certificate",
                 WSS_KV_STR("cert", cert.cert_file),
                 WSS_KV_STR("why", cert.is_generated ? cert.why_generated : ""));
    }
    rc = 1;
    if (o->ingest_auth == OPTIONS_INGEST_NONE)
        WSS_WARN("WARNING: --ingest-auth=none: ANY client may report connection counts for ANY "
                 "pod; use this for local testing only");
    if (o->authz_mode == OPTIONS_AUTHZ_ALWAYS_ALLOW)
        WSS_WARN("WARNING: --authorization-mode=always-allow: every caller may read every metric");
    struct self_metrics_config mc = {st, auth_setup_token_stats, auth, auth_setup_access_stats,
                                     auth};
    struct ingest_http_config ic = {
        .store = st, .authenticate = auth_setup_ingest_check(auth), .auth_arg = auth};
    if (st == NULL || router == NULL || mrouter == NULL ||
        (metrics = self_metrics_new(&mc, &perr)) == NULL ||
        (ic.metrics = metrics, ingest = ingest_http_new(&ic)) == NULL ||
        (api = api_metrics_new(&src)) == NULL || (health = health_new()) == NULL ||
        (gate = api_gate_new(auth_setup_authn(auth), auth_setup_authz(auth), INGEST_HTTP_PATH)) ==
            NULL ||
        api_discovery_add_routes(router, &perr) != 0 ||
        api_metrics_add_routes(api, router, &perr) != 0 ||
        health_add_routes(health, router, &perr) != 0 ||
        ingest_http_add_routes(ingest, router, &perr) != 0 ||
        self_metrics_add_route(metrics, mrouter, &perr) != 0) {
        WSS_ERROR("cannot build the adapter", WSS_KV_STR("error", perr.msg));
        goto out;
    }
    struct pod_watch_config pwc = {o->authn_kubeconfig, st, self_metrics_registry(metrics), 0};
    if (o->is_pod_watch && (pods = pod_watch_new(&pwc, err, sizeof(err))) == NULL) {
        WSS_ERROR("cannot watch pods", WSS_KV_STR("error", err));
        goto out;
    }
    struct wss_http_ca_bundle cas[2];
    size_t ncas = 0;
    const char *rh_ca = o->requestheader_ca_file, *client_ca = o->client_ca_file;
    if (rh_ca[0] == '\0' && lookup != NULL)
        rh_ca = authn_lookup_watch_requestheader_ca_file(lookup);
    if (client_ca[0] == '\0' && lookup != NULL)
        client_ca = authn_lookup_watch_client_ca_file(lookup);
    if (rh_ca != NULL && rh_ca[0] != '\0')
        cas[ncas++] = (struct wss_http_ca_bundle){AUTHN_BUNDLE_FRONT_PROXY, rh_ca};
    if (client_ca != NULL && client_ca[0] != '\0')
        cas[ncas++] = (struct wss_http_ca_bundle){AUTHN_BUNDLE_CLIENT, client_ca};
    struct wss_http_server_config hc = {
        .host = o->bind_address,
        .port = (uint16_t)o->secure_port,
        .threads = (unsigned)o->threads,
        .tls_cert_file = o->tls_cert_file[0] != '\0' ? o->tls_cert_file : cert.cert_file,
        .tls_key_file = o->tls_cert_file[0] != '\0' ? o->tls_key_file : cert.key_file,
        .client_cas = cas,
        .nclient_cas = ncas,
        .max_body_bytes = SERVER_MAX_BODY,
        .on_error = api_status_on_error,
        .on_done = on_done,
        .on_done_arg = metrics,
        .gate = api_gate_check,
        .gate_arg = gate,
    };
    char mhost[WSS_HOSTPORT_HOST_CAP];
    wss_hostport_host_cstr(&o->metrics_bind, mhost, sizeof(mhost));
    struct wss_http_server_config mhc = {
        .host = mhost[0] != '\0' ? mhost : NULL, .port = o->metrics_bind.port, .threads = 1};
    if ((server = wss_http_server_start(&hc, router, err, sizeof(err))) == NULL ||
        (mserver = wss_http_server_start(&mhc, mrouter, err, sizeof(err))) == NULL) {
        WSS_ERROR("cannot serve", WSS_KV_STR("error", err));
        goto out;
    }
    if (lookup != NULL && authn_lookup_watch_start(lookup, err, sizeof(err)) != 0) {
        WSS_ERROR("cannot watch the authentication ConfigMap", WSS_KV_STR("error", err));
        goto out;
    }
    if (pods != NULL && pod_watch_start(pods, err, sizeof(err)) != 0) {
        WSS_ERROR("cannot watch pods", WSS_KV_STR("error", err));
        goto out;
    }
    WSS_INFO("started", WSS_KV_UINT("port", wss_http_server_port(server)),
             WSS_KV_UINT("metrics_port", wss_http_server_port(mserver)),
             WSS_KV_STR("source", o->source == OPTIONS_SOURCE_PUSH ? "push" : "prometheus"));
    struct timespec tick = {EXPIRE_TICK_S, 0};
    int sig;
    while ((sig = sigtimedwait(&sigs, NULL, &tick)) < 0 && (errno == EAGAIN || errno == EINTR))
        store_expire(st);
    health_set_shutting_down(health);
    WSS_INFO("stopping", WSS_KV_STR("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    rc = 0;
    goto out;
bad_config:
    fprintf(stderr, "%s\n", err);
out:
    wss_http_server_stop(server);
    wss_http_server_stop(mserver);
    pod_watch_free(pods); /* before the registry: it counts into it */
    api_gate_free(gate);
    ingest_http_free(ingest);
    health_free(health);
    api_metrics_free(api);
    self_metrics_free(metrics);
    wss_http_router_free(router);
    wss_http_router_free(mrouter);
    if (src.ops != NULL)
        src.ops->destroy(src.self);
    authn_lookup_watch_free(lookup); /* after the servers: authn borrows its values */
    auth_setup_free(auth);
    store_free(st);
    curl_global_cleanup();
    if (rc == 0)
        WSS_INFO("stopped");
out_options:
    options_free();
    return rc;
}
