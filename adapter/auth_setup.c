/* SPDX-License-Identifier: Apache-2.0 */
/* auth_setup.c: kubeconfigs -> Kubernetes API clients -> TokenReview / SubjectAccessReview
 * reviewers -> the authn and authz configurations and the sidecar token check.
 * Does not: log or exit; a start error comes back as one line for main.
 * Threads: main's thread builds and frees; workers only read the result. */
#include "auth_setup.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authn_lookup.h"
#include "kube_client.h"
#include "kube_config.h"

struct auth_setup {
    const struct adapter_options *o;
    struct kube_client *authn_client, *authz_client;
    struct token_reviewer *ingest_tokens; /* audience --sidecar-audience; NULL with none */
    struct token_reviewer *api_tokens;    /* API callers' bearer tokens; NULL without a client */
    struct access_reviewer *access;       /* NULL with always-allow */
    struct authn_config authn;
    struct authz_config authz;
    bool needs_lookup;                           /* a CA flag is unset and lookup is not skipped */
    char lookup_unavailable[AUTH_SETUP_ERR_LEN]; /* why there is no client for it; "" = one */
};

static bool is_set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Loads --<flag> (or the in-cluster config when it is unset) and makes a client of it. */
static struct kube_client *client_for(const char *flag, const char *path, const char *needed_by,
                                      char *err, size_t errlen)
{
    struct kube_config kc = {0};
    char why[KUBE_CONFIG_ERR_LEN + KUBE_CLIENT_ERR_LEN];
    struct kube_client *c = NULL;
    if (is_set(path)) {
        if (kube_config_load_file(path, &kc, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "wsscale-adapter: --%s: %s", flag, why);
            goto out;
        }
    } else if (kube_config_in_cluster(NULL, &kc, why, sizeof(why)) != 0) {
        snprintf(err, errlen,
                 "wsscale-adapter: --%s is not set and the in-cluster config is unavailable (%s); "
                 "it is needed by %s",
                 flag, why, needed_by);
        goto out;
    }
    if ((c = kube_client_new(&kc, 0, why, sizeof(why))) == NULL)
        snprintf(err, errlen, "wsscale-adapter: --%s: %s", flag, why);
out:
    kube_config_clear(&kc);
    return c;
}

static enum ingest_http_auth check_ingest_token(void *arg, const char *token,
                                                struct user_info *user, char *reason,
                                                size_t reason_len)
{
    struct auth_setup *s = arg;
    switch (token_reviewer_check(s->ingest_tokens, token, user, NULL, reason, reason_len)) {
    case TOKEN_REVIEW_AUTHENTICATED:
        return INGEST_HTTP_AUTH_OK;
    case TOKEN_REVIEW_REJECTED:
        return INGEST_HTTP_AUTH_REJECTED;
    case TOKEN_REVIEW_ERROR:
    default:
        return INGEST_HTTP_AUTH_ERROR;
    }
}

/* The client of the ConfigMap lookup. Without a kubeconfig or in-cluster config: an error when
 * both CA flags are unset (nothing would authenticate a certificate), else a reason to log, as
 * the Go servers warn and go on. */
static int lookup_client(struct auth_setup *s, char *err, size_t errlen)
{
    const struct adapter_options *o = s->o;
    if (is_set(o->authn_kubeconfig)) {
        s->authn_client =
            client_for("authentication-kubeconfig", o->authn_kubeconfig, "", err, errlen);
        return s->authn_client != NULL ? 0 : -1;
    }
    struct kube_config kc = {0};
    char why[KUBE_CONFIG_ERR_LEN + KUBE_CLIENT_ERR_LEN];
    if (kube_config_in_cluster(NULL, &kc, why, sizeof(why)) == 0) {
        s->authn_client = kube_client_new(&kc, 0, why, sizeof(why));
        kube_config_clear(&kc);
        if (s->authn_client != NULL)
            return 0;
        snprintf(err, errlen, "wsscale-adapter: in-cluster config: %s", why);
        return -1;
    }
    kube_config_clear(&kc);
    if (!is_set(o->client_ca_file) && !is_set(o->requestheader_ca_file)) {
        snprintf(err, errlen,
                 "wsscale-adapter: --client-ca-file and --requestheader-client-ca-file are not "
                 "set, so they are looked up in ConfigMap " AUTHN_LOOKUP_NAMESPACE
                 "/" AUTHN_LOOKUP_NAME ", but --authentication-kubeconfig is not set and the "
                 "in-cluster config is unavailable (%.300s); give those flags, "
                 "--authentication-kubeconfig, or --authentication-skip-lookup",
                 why);
        return -1;
    }
    snprintf(s->lookup_unavailable, sizeof(s->lookup_unavailable),
             "--%s is not set and the ConfigMap cannot be read: no --authentication-kubeconfig "
             "and no in-cluster config (%.300s)",
             is_set(o->client_ca_file) ? "requestheader-client-ca-file" : "client-ca-file", why);
    s->needs_lookup = false;
    return 0;
}

struct auth_setup *auth_setup_new(const struct adapter_options *o, char *err, size_t errlen)
{
    struct auth_setup *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "wsscale-adapter: out of memory");
        return NULL;
    }
    s->o = o;
    bool needs_authn = o->ingest_auth == OPTIONS_INGEST_TOKENREVIEW;
    if ((needs_authn || is_set(o->authn_kubeconfig)) &&
        (s->authn_client = client_for("authentication-kubeconfig", o->authn_kubeconfig,
                                      "--ingest-auth=tokenreview (--ingest-auth=none for local "
                                      "use)",
                                      err, errlen)) == NULL)
        goto fail;
    if (o->authz_mode == OPTIONS_AUTHZ_DELEGATED &&
        (s->authz_client = client_for("authorization-kubeconfig", o->authz_kubeconfig,
                                      "--authorization-mode=delegated (always-allow for local "
                                      "use)",
                                      err, errlen)) == NULL)
        goto fail;
    s->needs_lookup =
        !o->is_skip_lookup && (!is_set(o->client_ca_file) || !is_set(o->requestheader_ca_file));
    if (s->needs_lookup && s->authn_client == NULL && lookup_client(s, err, errlen) != 0)
        goto fail;
    if (s->authn_client != NULL) {
        struct token_review_config api = {NULL, o->token_ttl_ms > 0 ? o->token_ttl_ms : -1};
        struct token_review_config side = {o->sidecar_audience, api.ttl_ms};
        if ((s->api_tokens = token_reviewer_new(s->authn_client, &api)) == NULL ||
            (needs_authn &&
             (s->ingest_tokens = token_reviewer_new(s->authn_client, &side)) == NULL))
            goto oom;
    }
    if (s->authz_client != NULL &&
        (s->access = access_reviewer_new(
             s->authz_client, o->authz_allowed_ttl_ms > 0 ? o->authz_allowed_ttl_ms : -1,
             o->authz_denied_ttl_ms > 0 ? o->authz_denied_ttl_ms : -1)) == NULL)
        goto oom;
    s->authn = (struct authn_config){
        .has_front_proxy_ca = is_set(o->requestheader_ca_file),
        .has_client_ca = is_set(o->client_ca_file),
        .allowed_names = (const char *const *)o->allowed_names.items,
        .nallowed_names = o->allowed_names.n,
        .username_headers = (const char *const *)o->username_headers.items,
        .nusername_headers = o->username_headers.n,
        .group_headers = (const char *const *)o->group_headers.items,
        .ngroup_headers = o->group_headers.n,
        .extra_prefix = o->extra_headers_prefix,
        .tokens = s->api_tokens,
    };
    s->authz = (struct authz_config){
        .is_always_allow = o->authz_mode == OPTIONS_AUTHZ_ALWAYS_ALLOW,
        .always_allow_paths = (const char *const *)o->always_allow_paths.items,
        .nalways_allow_paths = o->always_allow_paths.n,
        .reviewer = s->access,
    };
    return s;
oom:
    snprintf(err, errlen, "wsscale-adapter: out of memory");
fail:
    auth_setup_free(s);
    return NULL;
}

void auth_setup_free(struct auth_setup *s)
{
    if (s == NULL)
        return;
    token_reviewer_free(s->ingest_tokens);
    token_reviewer_free(s->api_tokens);
    access_reviewer_free(s->access);
    kube_client_free(s->authn_client);
    kube_client_free(s->authz_client);
    free(s);
}

const struct authn_config *auth_setup_authn(const struct auth_setup *s)
{
    return &s->authn;
}

const struct authz_config *auth_setup_authz(const struct auth_setup *s)
{
    return &s->authz;
}

ingest_http_auth_cb auth_setup_ingest_check(const struct auth_setup *s)
{
    return s->ingest_tokens != NULL ? check_ingest_token : NULL;
}

void auth_setup_token_stats(void *arg, uint64_t *calls, uint64_t *cache_hits, uint64_t *errors)
{
    struct auth_setup *s = arg;
    struct token_review_stats a = {0, 0, 0}, b = {0, 0, 0};
    if (s->ingest_tokens != NULL)
        token_reviewer_stats(s->ingest_tokens, &a);
    if (s->api_tokens != NULL)
        token_reviewer_stats(s->api_tokens, &b);
    *calls = a.calls + b.calls;
    *cache_hits = a.cache_hits + b.cache_hits;
    *errors = a.errors + b.errors;
}

void auth_setup_access_stats(void *arg, uint64_t *calls, uint64_t *cache_hits, uint64_t *errors)
{
    struct auth_setup *s = arg;
    struct access_review_stats a = {0, 0, 0};
    if (s->access != NULL)
        access_reviewer_stats(s->access, &a);
    *calls = a.calls;
    *cache_hits = a.cache_hits;
    *errors = a.errors;
}

struct kube_client *auth_setup_lookup_client(const struct auth_setup *s, const char **why_none)
{
    *why_none = s->lookup_unavailable[0] != '\0' ? s->lookup_unavailable : NULL;
    return s->needs_lookup ? s->authn_client : NULL;
}

void auth_setup_use_lookup(struct auth_setup *s, const struct authn_lookup_values *v,
                           bool has_client_ca, bool has_requestheader_ca)
{
    const struct adapter_options *o = s->o;
    if (!is_set(o->client_ca_file))
        s->authn.has_client_ca = has_client_ca;
    if (is_set(o->requestheader_ca_file))
        return; /* the flags win, as in the Go servers: every requestheader value from them */
    s->authn.has_front_proxy_ca = has_requestheader_ca;
    s->authn.allowed_names = v->allowed_names.items;
    s->authn.nallowed_names = v->allowed_names.n;
    s->authn.username_headers = v->username_headers.items;
    s->authn.nusername_headers = v->username_headers.n;
    s->authn.group_headers = v->group_headers.items;
    s->authn.ngroup_headers = v->group_headers.n;
    s->authn.extra_prefix = v->extra_prefixes.items[0];
}
