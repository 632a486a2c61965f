/* SPDX-License-Identifier: Apache-2.0 */
/* auth_setup.h: the adapter's identity plumbing built from its flags: the kubeconfigs (or the
 * in-cluster service account) for TokenReview and SubjectAccessReview, their clients and
 * reviewers, and the authn / authz configurations and the ingest token check over them.
 * Does not: authenticate or authorize requests itself (authn.c, authz.c, ingest_http.c do).
 * Threads: built and freed on main's thread; the configs and callbacks it hands out are then
 * used read-only from any worker. */
#ifndef ADAPTER_AUTH_SETUP_H
#define ADAPTER_AUTH_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authn.h"
#include "authn_lookup.h"
#include "authz.h"
#include "ingest_http.h"
#include "kube_client.h"
#include "options.h"

#define AUTH_SETUP_ERR_LEN 1024 /* room for a one-line start error, NUL included */

struct auth_setup;

/* Loads what the options need: the authentication kubeconfig when --ingest-auth=tokenreview
 * (or when --authentication-kubeconfig is given, for API bearer tokens), the authorization one
 * when --authorization-mode=delegated; an unset flag means the in-cluster config. Returns NULL
 * with one line in err naming the flag (a configuration error: exit 2). o is borrowed and must
 * outlive the setup. */
struct auth_setup *auth_setup_new(const struct adapter_options *o, char *err, size_t errlen);

/* The client for ConfigMap kube-system/extension-apiserver-authentication when it must be read
 * (a CA flag unset, no --authentication-skip-lookup), else NULL; *why_none is then NULL, or the
 * reason to log when the lookup was wanted but there is no kubeconfig (one CA flag was given).
 * Borrowed from s. Not thread-safe. */
struct kube_client *auth_setup_lookup_client(const struct auth_setup *s, const char **why_none);

/* Applies what the ConfigMap said where the flags are unset: has_client_ca when --client-ca-file
 * is unset; without --requestheader-client-ca-file the front-proxy CA, allowed names, header
 * names and extra prefix (the first of the list). v must outlive s. Before the server starts. */
void auth_setup_use_lookup(struct auth_setup *s, const struct authn_lookup_values *v,
                           bool has_client_ca, bool has_requestheader_ca);

/* Frees clients, reviewers and configs; accepts NULL. Only after the servers have stopped. */
void auth_setup_free(struct auth_setup *s);

/* The authentication and authorization configurations (borrowed from s). */
const struct authn_config *auth_setup_authn(const struct auth_setup *s);
const struct authz_config *auth_setup_authz(const struct auth_setup *s);

/* The ingest token check for ingest_http (with arg = s), or NULL for --ingest-auth=none. */
ingest_http_auth_cb auth_setup_ingest_check(const struct auth_setup *s);

/* self_metrics_review_cb readers (arg = s): TokenReviews of both reviewers, SubjectAccessReviews;
 * zeros where there is no reviewer. Thread-safe. */
void auth_setup_token_stats(void *arg, uint64_t *calls, uint64_t *cache_hits, uint64_t *errors);
void auth_setup_access_stats(void *arg, uint64_t *calls, uint64_t *cache_hits, uint64_t *errors);

#endif
