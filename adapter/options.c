/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: wsscale-adapter's flag table, its parse through lib/flags_main, and the checks of
 * flags against each other.
 * Does not: open the files the flags name or reach any server; main and the parts do.
 * Threads: main's thread only; the parsed options are written once, then only read. */
#include "options.h"

#include <stdio.h>

#include "serving_cert.h"
#include "wsscale/flags_main.h"

#define MAX_PORT    65535
#define MAX_THREADS 64
/* Names main always puts in the self-signed certificate (localhost, 127.0.0.1, ::1, the host
 * name, $POD_IP); --cert-sans gets the rest of SERVING_CERT_MAX_NAMES. */
#define DEFAULT_SANS  5
#define MAX_CERT_SANS (SERVING_CERT_MAX_NAMES - DEFAULT_SANS)
/* --max-pods: enough for any cluster's pods of one app, small enough to bound memory. */
#define MAX_PODS 1000000

/* The one set of options of this process; written by options_parse before threads start. */
static struct adapter_options o;

static const struct wss_flag flag_table[] = {
    WSS_FLAG_INT("secure-port", &o.secure_port, "6443", 0, MAX_PORT,
                 "HTTPS port of the metrics API and of POST /ingest/v1/reports (0: any free "
                 "port, logged)."),
    WSS_FLAG_STRING("bind-address", &o.bind_address, "0.0.0.0",
                    "Numeric IPv4 or IPv6 address the HTTPS server listens on."),
    WSS_FLAG_STRING("tls-cert-file", &o.tls_cert_file, "",
                    "Serving certificate (PEM chain, leaf first), reloaded when it changes. "
                    "Unset with --tls-private-key-file: a self-signed pair in --cert-dir."),
    WSS_FLAG_STRING("tls-private-key-file", &o.tls_key_file, "", "Private key of --tls-cert-file."),
    WSS_FLAG_STRING("cert-dir", &o.cert_dir, "apiserver.local.config/certificates",
                    "Where the self-signed apiserver.crt / apiserver.key are generated (and "
                    "reused while valid) when no --tls-* files are given."),
    WSS_FLAG_LIST("cert-sans", &o.cert_sans, NULL,
                  "Extra DNS names or IP addresses for the self-signed certificate (e.g. "
                  "<service>.<namespace>.svc); localhost, 127.0.0.1, the host name and $POD_IP "
                  "are always in it."),
    WSS_FLAG_STRING("client-ca-file", &o.client_ca_file, "",
                    "CA bundle for client certificates: a verified one authenticates as CN = "
                    "user, O = groups. Unset: client-ca-file of ConfigMap "
                    "kube-system/extension-apiserver-authentication, kept up to date."),
    WSS_FLAG_STRING("requestheader-client-ca-file", &o.requestheader_ca_file, "",
                    "CA bundle of the aggregator's front-proxy client certificate; only a "
                    "request with such a certificate may name its user in request headers. "
                    "Unset: this CA (kept up to date) and the other --requestheader-* values "
                    "come from ConfigMap kube-system/extension-apiserver-authentication; those "
                    "values are read at start, a change of them applies on restart."),
    WSS_FLAG_LIST("requestheader-allowed-names", &o.allowed_names, NULL,
                  "Front-proxy certificate CNs allowed to name the user (e.g. "
                  "front-proxy-client); none = any CN."),
    WSS_FLAG_LIST("requestheader-username-headers", &o.username_headers, "X-Remote-User",
                  "Request headers holding the user name, first non-empty wins."),
    WSS_FLAG_LIST("requestheader-group-headers", &o.group_headers, "X-Remote-Group",
                  "Request headers holding the groups."),
    WSS_FLAG_STRING("requestheader-extra-headers-prefix", &o.extra_headers_prefix,
                    "X-Remote-Extra-", "Prefix of the request headers holding extra values."),
    WSS_FLAG_STRING("authentication-kubeconfig", &o.authn_kubeconfig, "",
                    "kubeconfig for TokenReview and the authentication ConfigMap lookup; "
                    "unset: the in-cluster service account."),
    WSS_FLAG_BOOL("authentication-skip-lookup", &o.is_skip_lookup, "false",
                  "Do not read ConfigMap kube-system/extension-apiserver-authentication: only "
                  "the --client-ca-file / --requestheader-* flags count."),
    WSS_FLAG_BOOL("authentication-tolerate-lookup-failure", &o.is_tolerate_lookup_failure, "false",
                  "When that ConfigMap cannot be read at start, log a warning and serve without "
                  "its CAs (false: refuse to start)."),
    WSS_FLAG_DURATION("authentication-config-refresh", &o.authn_config_refresh_ms, "1m",
                      "How often that ConfigMap is read again, so rotated CAs are used; a "
                      "failed read is retried sooner, backed off up to this period.",
                      .min = 1),
    WSS_FLAG_STRING("authorization-kubeconfig", &o.authz_kubeconfig, "",
                    "kubeconfig for SubjectAccessReview; unset: the in-cluster service account."),
    WSS_FLAG_ENUM("authorization-mode", &o.authz_mode, "delegated",
                  WSS_CHOICES("delegated", "always-allow"),
                  "delegated: ask the Kubernetes API (SubjectAccessReview) for every caller but "
                  "system:masters; always-allow: no check (local use only)."),
    WSS_FLAG_LIST("authorization-always-allow-paths", &o.always_allow_paths,
                  "/healthz,/readyz,/livez",
                  "Paths any caller may GET without a SubjectAccessReview; \"/x/*\" is a "
                  "prefix."),
    WSS_FLAG_DURATION("authentication-token-webhook-cache-ttl", &o.token_ttl_ms, "10s",
                      "How long a TokenReview answer is reused."),
    WSS_FLAG_DURATION("authorization-webhook-cache-authorized-ttl", &o.authz_allowed_ttl_ms, "10s",
                      "How long an allowing SubjectAccessReview answer is reused."),
    WSS_FLAG_DURATION("authorization-webhook-cache-unauthorized-ttl", &o.authz_denied_ttl_ms, "10s",
                      "How long a denying SubjectAccessReview answer is reused."),
    WSS_FLAG_ENUM("ingest-auth", &o.ingest_auth, "tokenreview", WSS_CHOICES("tokenreview", "none"),
                  "tokenreview: a sidecar's bearer token is checked with a TokenReview and may "
                  "report only for the pod it is bound to; none: anyone may report for any pod "
                  "(local use only)."),
    WSS_FLAG_STRING("sidecar-audience", &o.sidecar_audience, "wsscale",
                    "The audience sidecar tokens must carry (their projected token's "
                    "audience)."),
    WSS_FLAG_ENUM("source", &o.source, "push", WSS_CHOICES("push", "prometheus"),
                  "Where values come from: push (the sidecars' reports) or prometheus (one "
                  "PromQL query per request; pod labels from the reports or the series)."),
    WSS_FLAG_STRING("prometheus-url", &o.prometheus_url, "",
                    "Prometheus base URL for --source=prometheus."),
    WSS_FLAG_DURATION("prometheus-timeout", &o.prometheus_timeout_ms, "2s",
                      "Bound of one Prometheus query; past it the request gets 503.", .min = 1),
    WSS_FLAG_DURATION("stale-after", &o.stale_after_ms, "0s",
                      "A pod not heard from for this long is not served and is dropped; 0s: "
                      "3 times its reported interval, at most 10s."),
    WSS_FLAG_BOOL("pod-watch", &o.is_pod_watch, "false",
                  "Watch the cluster's pods and drop a pod's sample as soon as it is deleted or "
                  "has Succeeded or Failed, refusing its late reports for 2x --stale-after. "
                  "Needs RBAC list and watch on pods, through --authentication-kubeconfig or "
                  "the in-cluster service account."),
    WSS_FLAG_INT("max-pods", &o.max_pods, "20000", 1, MAX_PODS,
                 "Pods tracked at once; reports for more get 503."),
    WSS_FLAG_HOSTPORT("metrics-bind-address", &o.metrics_bind, "0.0.0.0:9100",
                      "Where the adapter's own /metrics is served (plain HTTP)."),
    WSS_FLAG_INT("threads", &o.threads, "4", 1, MAX_THREADS, "HTTPS worker threads."),
    WSS_LOG_FLAGS(&o.log, "info"),
};

static const struct wss_flags flags = {
    "wsscale-adapter",
    "Serves every pod's open WebSocket connections as the Kubernetes custom.metrics.k8s.io and "
    "external.metrics.k8s.io APIs, from the reports wsscale-sidecar pushes (or from "
    "Prometheus). A pod whose count is unknown is left out, never served as 0.",
    flag_table, sizeof(flag_table) / sizeof(flag_table[0])};

static bool is_set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

int options_check(const struct adapter_options *opt, char *err, size_t errlen)
{
    const char *p = "wsscale-adapter";
    if (opt->source == OPTIONS_SOURCE_PROMETHEUS && !is_set(opt->prometheus_url)) {
        snprintf(err, errlen, "%s: --source=prometheus needs --prometheus-url", p);
        return -1;
    }
    if (is_set(opt->tls_cert_file) != is_set(opt->tls_key_file)) {
        snprintf(err, errlen, "%s: %s is set without %s", p,
                 is_set(opt->tls_cert_file) ? "--tls-cert-file" : "--tls-private-key-file",
                 is_set(opt->tls_cert_file) ? "--tls-private-key-file" : "--tls-cert-file");
        return -1;
    }
    if (!is_set(opt->tls_cert_file) && !is_set(opt->cert_dir)) {
        snprintf(err, errlen, "%s: --cert-dir is empty and no --tls-cert-file is given", p);
        return -1;
    }
    if (opt->cert_sans.n > MAX_CERT_SANS) {
        snprintf(err, errlen, "%s: --cert-sans: at most %d names", p, MAX_CERT_SANS);
        return -1;
    }
    if (opt->allowed_names.n > 0 && !is_set(opt->requestheader_ca_file)) {
        snprintf(err, errlen,
                 "%s: --requestheader-allowed-names needs --requestheader-client-ca-file "
                 "(without it every --requestheader-* value comes from the ConfigMap)",
                 p);
        return -1;
    }
    if (opt->username_headers.n == 0 || opt->group_headers.n == 0 ||
        !is_set(opt->extra_headers_prefix)) {
        snprintf(err, errlen, "%s: --requestheader-%s must not be empty", p,
                 opt->username_headers.n == 0 ? "username-headers"
                 : opt->group_headers.n == 0  ? "group-headers"
                                              : "extra-headers-prefix");
        return -1;
    }
    if (opt->ingest_auth == OPTIONS_INGEST_TOKENREVIEW && !is_set(opt->sidecar_audience)) {
        snprintf(err, errlen,
                 "%s: --sidecar-audience must not be empty with "
                 "--ingest-auth=tokenreview",
                 p);
        return -1;
    }
    if (opt->metrics_bind.port != 0 && opt->metrics_bind.port == opt->secure_port) {
        snprintf(err, errlen, "%s: --metrics-bind-address uses the --secure-port %lld", p,
                 (long long)opt->secure_port);
        return -1;
    }
    return 0;
}

const struct adapter_options *options_parse(int argc, char **argv, int *exit_code)
{
    int rc = wss_flags_main_parse(&flags, argc, argv);
    if (rc != WSS_FLAGS_MAIN_CONTINUE) {
        *exit_code = rc;
        return NULL;
    }
    char err[OPTIONS_ERR_LEN];
    if (options_check(&o, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        *exit_code = 2;
        return NULL;
    }
    return &o;
}

void options_free(void)
{
    wss_flags_free(&flags);
}
