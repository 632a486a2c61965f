/* SPDX-License-Identifier: Apache-2.0 */
/* authn.c: the caller's identity in the apiserver's order: front-proxy certificate and its
 * X-Remote-* headers, client certificate, bearer token (TokenReview), anonymous.
 * Does not: authorize, reply, or read an X-Remote-* header unless the front-proxy check passed.
 * Threads: no state of its own; the config is read-only; safe on any number of threads. */
#include "authn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/errbuf.h"

/* --requestheader-* defaults, as the apiserver applies them when the flags are unset. */
static const char *const default_username_headers[] = {"X-Remote-User"};
static const char *const default_group_headers[] = {"X-Remote-Group"};
#define DEFAULT_EXTRA_PREFIX "X-Remote-Extra-"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive comparison of n bytes (header names; no locale). */
static bool ascii_prefix_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]) || a[i] == '\0')
            return false;
    return true;
}

static bool ascii_eq(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && ascii_prefix_eq(a, b, n);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes s in place as Go's url.PathUnescape does ('+' stays); a malformed escape leaves
 * s as it was, because the apiserver then keeps the key undecoded. */
static void path_unescape(char *s)
{
    for (const char *p = s; *p != '\0'; p++)
        if (*p == '%' && (hex_value(p[1]) < 0 || hex_value(p[2]) < 0))
            return;
    char *out = s;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '%') {
            *out++ = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
}

/* State of one walk over the request headers for the front-proxy identity. */
struct header_walk {
    struct user_info *user;
    const char *name;   /* the group header looked for */
    const char *prefix; /* the extra prefix */
    size_t prefix_len;
    bool is_failed; /* out of memory */
};

static bool add_group_value(const char *name, const char *value, void *arg)
{
    struct header_walk *w = arg;
    if (!ascii_eq(name, w->name) || value[0] == '\0')
        return true;
    if (user_info_add_group(w->user, value) != 0) {
        w->is_failed = true;
        return false;
    }
    return true;
}

static bool add_extra_value(const char *name, const char *value, void *arg)
{
    struct header_walk *w = arg;
    if (strlen(name) < w->prefix_len || !ascii_prefix_eq(name, w->prefix, w->prefix_len))
        return true;
    char *key = strdup(name + w->prefix_len);
    if (key == NULL) {
        w->is_failed = true;
        return false;
    }
    for (char *p = key; *p != '\0'; p++)
        *p = lower(*p);
    path_unescape(key);
    int rc = user_info_add_extra(w->user, key, value);
    free(key);
    if (rc != 0) {
        w->is_failed = true;
        return false;
    }
    return true;
}

/* Reads the identity the front proxy asserts. 1 = done, 0 = no username header (not believed),
 * -1 = out of memory. */
static int front_proxy_identity(const struct authn_config *cfg, struct wss_http_req *req,
                                struct user_info *user)
{
    const char *const *names = cfg->username_headers;
    size_t nnames = cfg->nusername_headers;
    if (nnames == 0) {
        names = default_username_headers;
        nnames = 1;
    }
    const char *name = NULL;
    for (size_t i = 0; i < nnames && name == NULL; i++) {
        const char *v = wss_http_req_header(req, names[i]);
        if (v != NULL && v[0] != '\0')
            name = v;
    }
    if (name == NULL)
        return 0;
    if (user_info_set_name(user, name) != 0)
        return -1;
    const char *const *groups = cfg->group_headers;
    size_t ngroups = cfg->ngroup_headers;
    if (ngroups == 0) {
        groups = default_group_headers;
        ngroups = 1;
    }
    struct header_walk w = {.user = user};
    for (size_t i = 0; i < ngroups && !w.is_failed; i++) {
        w.name = groups[i];
        wss_http_req_headers_each(req, add_group_value, &w);
    }
    w.prefix = cfg->extra_prefix != NULL && cfg->extra_prefix[0] != '\0' ? cfg->extra_prefix
                                                                         : DEFAULT_EXTRA_PREFIX;
    w.prefix_len = strlen(w.prefix);
    if (!w.is_failed)
        wss_http_req_headers_each(req, add_extra_value, &w);
    return w.is_failed ? -1 : 1;
}

static bool is_allowed_cn(const struct authn_config *cfg, const char *cn)
{
    if (cfg->nallowed_names == 0)
        return true;
    for (size_t i = 0; i < cfg->nallowed_names; i++)
        if (strcmp(cfg->allowed_names[i], cn) == 0)
            return true;
    return false;
}

/* Whether the front-proxy headers may be believed; if not, why in reason. */
static bool front_proxy_ok(const struct authn_config *cfg, struct wss_http_req *req, char *reason,
                           size_t reason_len)
{
    if (!cfg->has_front_proxy_ca) {
        wss_errbuf_printf(
            reason, reason_len,
            "front-proxy headers ignored: no --requestheader-client-ca-file is configured");
        return false;
    }
    const struct wss_http_peer *peer = wss_http_req_peer(req);
    if (!peer->is_presented) {
        wss_errbuf_printf(reason, reason_len,
                          "front-proxy headers ignored: no client certificate was presented");
        return false;
    }
    if (!wss_http_req_peer_verified(req, AUTHN_BUNDLE_FRONT_PROXY)) {
        const char *why = wss_http_req_peer_reason(req, AUTHN_BUNDLE_FRONT_PROXY);
        wss_errbuf_printf(
            reason, reason_len,
            "front-proxy headers ignored: the client certificate does not verify against "
            "--requestheader-client-ca-file: %s",
            why != NULL && why[0] != '\0' ? why : "unknown reason");
        return false;
    }
    if (!is_allowed_cn(cfg, peer->cn)) {
        wss_errbuf_printf(
            reason, reason_len,
            "front-proxy headers ignored: CN \"%s\" is not in --requestheader-allowed-names",
            peer->cn);
        return false;
    }
    return true;
}

/* The token of "Authorization: Bearer <token>" as Go's bearer authenticator reads it; NULL when
 * there is none. Points into the header; *len is its length. */
static const char *bearer_token(struct wss_http_req *req, size_t *len)
{
    const char *v = wss_http_req_header(req, "Authorization");
    if (v == NULL)
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    if (!ascii_prefix_eq(v, "bearer ", 7))
        return NULL;
    const char *t = v + 7;
    size_t n = strcspn(t, " ");
    while (n > 0 && (t[n - 1] == '\t' || t[n - 1] == '\r' || t[n - 1] == '\n'))
        n--;
    if (n == 0)
        return NULL;
    *len = n;
    return t;
}

static enum authn_result by_token(const struct authn_config *cfg, const char *t, size_t n,
                                  struct user_info *user, char *reason, size_t reason_len)
{
    if (cfg->tokens == NULL) {
        wss_errbuf_printf(reason, reason_len, "bearer tokens are not accepted: no token reviewer");
        return AUTHN_UNAUTHORIZED;
    }
    char *token = strndup(t, n);
    if (token == NULL) {
        wss_errbuf_printf(reason, reason_len, "out of memory");
        return AUTHN_ERROR;
    }
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    enum token_review_result r =
        token_reviewer_check(cfg->tokens, token, user, NULL, err, sizeof(err));
    free(token);
    if (r == TOKEN_REVIEW_REJECTED) {
        user_info_clear(user);
        wss_errbuf_printf(reason, reason_len, "invalid bearer token: %s", err);
        return AUTHN_UNAUTHORIZED;
    }
    if (r != TOKEN_REVIEW_AUTHENTICATED) {
        user_info_clear(user);
        wss_errbuf_printf(reason, reason_len, "token review failed: %s", err);
        return AUTHN_ERROR;
    }
    return AUTHN_OK;
}

/* Whether a client certificate was presented and a configured certificate check refused it:
 * the front-proxy CA (chain or CN) or the client CA (chain, or an empty CN). Go's union of
 * authenticators turns such an error into 401 when nothing else authenticated the request. */
static bool cert_refused(const struct authn_config *cfg, struct wss_http_req *req)
{
    const struct wss_http_peer *peer = wss_http_req_peer(req);
    if (!peer->is_presented)
        return false;
    if (cfg->has_front_proxy_ca && (!wss_http_req_peer_verified(req, AUTHN_BUNDLE_FRONT_PROXY) ||
                                    !is_allowed_cn(cfg, peer->cn)))
        return true;
    return cfg->has_client_ca &&
           (!wss_http_req_peer_verified(req, AUTHN_BUNDLE_CLIENT) || peer->cn[0] == '\0');
}

enum authn_result authn_request(const struct authn_config *cfg, struct wss_http_req *req,
                                struct user_info *user, char *reason, size_t reason_len)
{
    wss_errbuf_printf(reason, reason_len, "%s", "");
    char why_not_proxy[AUTHN_REASON_LEN] = "";
    int rc = 0;
    if (front_proxy_ok(cfg, req, why_not_proxy, sizeof(why_not_proxy))) {
        rc = front_proxy_identity(cfg, req, user);
        if (rc == 0)
            snprintf(why_not_proxy, sizeof(why_not_proxy),
                     "front-proxy certificate verified, but no username header is set");
    }
    if (rc == 0 && cfg->has_client_ca && wss_http_req_peer_verified(req, AUTHN_BUNDLE_CLIENT) &&
        wss_http_req_peer(req)->cn[0] != '\0') {
        const struct wss_http_peer *peer = wss_http_req_peer(req);
        rc = user_info_set_name(user, peer->cn) == 0 ? 1 : -1;
        for (size_t i = 0; i < peer->norgs && rc == 1; i++)
            if (user_info_add_group(user, peer->orgs[i]) != 0)
                rc = -1;
    }
    wss_errbuf_printf(reason, reason_len, "%s", why_not_proxy);
    if (rc == 0) {
        size_t n = 0;
        const char *token = bearer_token(req, &n);
        if (token != NULL) {
            enum authn_result r = by_token(cfg, token, n, user, reason, reason_len);
            if (r != AUTHN_OK)
                return r;
            rc = 1;
        }
    }
    if (rc == 0 && cert_refused(cfg, req)) {
        /* Go's apiserver fails the request here rather than fall back to anonymous: a
         * certificate that was presented and does not verify is a credential that failed. */
        if (reason[0] == '\0')
            wss_errbuf_printf(reason, reason_len, "%s", "the client certificate does not verify");
        return AUTHN_UNAUTHORIZED;
    }
    if (rc == 0) {
        if (user_info_set_name(user, USER_INFO_ANONYMOUS) != 0 ||
            user_info_add_group(user, USER_INFO_UNAUTHENTICATED) != 0)
            rc = -1;
        else
            return AUTHN_OK;
    }
    if (rc == 1 && user_info_add_group(user, USER_INFO_AUTHENTICATED) == 0)
        return AUTHN_OK;
    user_info_clear(user);
    wss_errbuf_printf(reason, reason_len, "out of memory");
    return AUTHN_ERROR;
}
