/* SPDX-License-Identifier: Apache-2.0 */
/* authn.h: who is calling the API, as an aggregated apiserver decides it: a front-proxy
 * certificate (then the X-Remote-* headers), a client certificate, a bearer token, or anonymous.
 * Does not: decide what the caller may do (authz.h), or authenticate sidecar pushes (ingest_http).
 * Threads: authn_request may run on any number of API threads at once; the config is read-only. */
#ifndef ADAPTER_AUTHN_H
#define ADAPTER_AUTHN_H

#include <stdbool.h>
#include <stddef.h>

#include "token_review.h"
#include "user_info.h"
#include "wsscale/http_server.h"

/* The names of the client-CA bundles the HTTPS server is configured with. */
#define AUTHN_BUNDLE_FRONT_PROXY "requestheader"
#define AUTHN_BUNDLE_CLIENT      "client"

#define AUTHN_MAX_HEADER_NAMES 8
#define AUTHN_REASON_LEN       512

struct authn_config {
    bool has_front_proxy_ca; /* --requestheader-client-ca-file given (bundle
                                AUTHN_BUNDLE_FRONT_PROXY) */
    bool has_client_ca;      /* --client-ca-file given (bundle AUTHN_BUNDLE_CLIENT) */
    /* --requestheader-allowed-names; none = any CN */
    const char *const *allowed_names;
    size_t nallowed_names;
    /* --requestheader-username-headers / group-headers (defaults X-Remote-User, X-Remote-Group) */
    const char *const *username_headers;
    size_t nusername_headers;
    const char *const *group_headers;
    size_t ngroup_headers;
    const char *extra_prefix;      /* --requestheader-extra-headers-prefix (X-Remote-Extra-) */
    struct token_reviewer *tokens; /* bearer tokens via TokenReview; NULL = bearer not accepted */
};

enum authn_result {
    AUTHN_OK = 0,           /* *user is the caller (anonymous included) */
    AUTHN_UNAUTHORIZED = 1, /* a bearer token rejected, or a client certificate that a configured
                               CA check refused, and nothing else authenticated: 401 */
    AUTHN_ERROR = -1,       /* could not decide (TokenReview unreachable, no memory): 500/503 */
};

/* Authenticates req into *user (all-zero on entry; the caller clears it). The request headers
 * are believed only as authn.h's file comment says: X-Remote-* count only after a front-proxy
 * certificate verified and its CN is allowed; otherwise they are ignored, and why is in reason
 * (e.g. "front-proxy headers ignored: CN \"x\" is not in --requestheader-allowed-names") for
 * the log. Anonymous callers get system:anonymous / system:unauthenticated; every authenticated
 * one gets system:authenticated. Thread-safe. */
enum authn_result authn_request(const struct authn_config *cfg, struct wss_http_req *req,
                                struct user_info *user, char *reason, size_t reason_len);

#endif
