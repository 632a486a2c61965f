/* SPDX-License-Identifier: Apache-2.0 */
/* options.h: wsscale-adapter's command line: the generic aggregated-apiserver flag names users
 * know (--secure-port, --tls-*, --requestheader-*, --authorization-*), ingest, source and
 * self-metrics flags, each with its help, default and environment twin, parsed into one struct.
 * Does not: load files, reach the Kubernetes API or build any part; main does.
 * Threads: main's thread, before any other starts. */
#ifndef ADAPTER_OPTIONS_H
#define ADAPTER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/flags.h"
#include "wsscale/flags_main.h"

/* Index values of the enum flags. */
enum options_authz_mode { OPTIONS_AUTHZ_DELEGATED = 0, OPTIONS_AUTHZ_ALWAYS_ALLOW = 1 };
enum options_ingest_auth { OPTIONS_INGEST_TOKENREVIEW = 0, OPTIONS_INGEST_NONE = 1 };
enum options_source { OPTIONS_SOURCE_PUSH = 0, OPTIONS_SOURCE_PROMETHEUS = 1 };

#define OPTIONS_ERR_LEN 512 /* room for a one-line error, NUL included */

struct adapter_options {
    struct wss_log_flags log;
    int64_t secure_port, threads, max_pods;
    /* Text values are borrowed from argv, the environment or the table's defaults; "" = unset. */
    const char *bind_address;
    const char *tls_cert_file, *tls_key_file, *cert_dir;
    const char *client_ca_file, *requestheader_ca_file, *extra_headers_prefix;
    const char *authn_kubeconfig, *authz_kubeconfig;
    const char *sidecar_audience, *prometheus_url;
    struct wss_flag_list allowed_names, username_headers, group_headers, always_allow_paths;
    struct wss_flag_list cert_sans;
    int authz_mode;  /* enum options_authz_mode */
    int ingest_auth; /* enum options_ingest_auth */
    int source;      /* enum options_source */
    int64_t token_ttl_ms, authz_allowed_ttl_ms, authz_denied_ttl_ms;
    int64_t prometheus_timeout_ms, stale_after_ms;
    /* The kube-system/extension-apiserver-authentication lookup. */
    bool is_skip_lookup, is_tolerate_lookup_failure;
    int64_t authn_config_refresh_ms;
    bool is_pod_watch; /* --pod-watch */
    struct wss_hostport metrics_bind;
};

/* Parses argv and the environment, then checks the flags against each other (options_check).
 * Returns the options, or NULL with *exit_code set after printing --help, --version (0) or the
 * one-line error naming the flag (2). Call options_free() either way. Not thread-safe. */
const struct adapter_options *options_parse(int argc, char **argv, int *exit_code);

/* Checks combinations the flag table cannot: --source=prometheus needs --prometheus-url, TLS
 * files come in pairs, --requestheader-allowed-names needs --requestheader-client-ca-file, ...
 * Returns 0, or -1 with one line in err naming the flag. Pure. */
int options_check(const struct adapter_options *o, char *err, size_t errlen);

/* Releases what parsing allocated (the lists). Not thread-safe. */
void options_free(void);

#endif
