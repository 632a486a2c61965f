/* SPDX-License-Identifier: Apache-2.0 */
/* test_authn.c: a real HTTPS server on 127.0.0.1:0 with the two client-CA bundles, libcurl
 * clients with and without certificates and tokens, and the exact identity authn_request makes
 * of each: front-proxy headers believed only behind a verified, allowed front-proxy certificate,
 * client certificates, bearer tokens through the (fake) token reviewer, and anonymous. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "auth_fakes.h"
#include "authn.h"
#include "http_pki.h"
#include "wsscale/http_server.h"
#include "wsscale/log.h"

/* Upper bound for one request. */
#define WAIT_MS 10000
/* Most request headers one test call sends. */
#define MAX_HEADERS 12

static char pki[HTTP_PKI_PATH_LEN];
static char base_url[64];
static struct wss_http_router *router;
static struct wss_http_server *server;

/* The configuration the handler authenticates with; tests change it between requests, while no
 * request is in flight. */
static const char *const allowed_front_proxy[] = {"front-proxy-client"};
static struct authn_config cfg;

static void default_cfg(void)
{
    cfg = (struct authn_config){
        .has_front_proxy_ca = true,
        .has_client_ca = true,
        .allowed_names = allowed_front_proxy,
        .nallowed_names = 1,
        .tokens = auth_fakes_token_reviewer(),
    };
}

/* ---------------------------------------------------------------- server side */

struct text {
    char p[4096];
    size_t len;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->p + t->len, sizeof(t->p) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < sizeof(t->p) - t->len ? (size_t)n : sizeof(t->p) - t->len - 1;
}

/* Replies with the identity as text: rc, name, uid, groups, extra (key=v1|v2;...), reason. */
static void whoami(struct wss_http_req *req, void *arg)
{
    (void)arg;
    struct user_info u = {0};
    char reason[AUTHN_REASON_LEN];
    enum authn_result rc = authn_request(&cfg, req, &u, reason, sizeof(reason));
    struct text t = {.len = 0};
    put(&t, "rc=%d\nname=%s\nuid=%s\ngroups=", (int)rc, u.name != NULL ? u.name : "(null)",
        u.uid != NULL ? u.uid : "(null)");
    for (size_t i = 0; i < u.ngroups; i++)
        put(&t, "%s%s", i > 0 ? "," : "", u.groups[i]);
    put(&t, "\nextra=");
    for (size_t i = 0; i < u.nextra; i++) {
        put(&t, "%s%s=", i > 0 ? ";" : "", u.extra[i].key);
        for (size_t k = 0; k < u.extra[i].nvalues; k++)
            put(&t, "%s%s", k > 0 ? "|" : "", u.extra[i].values[k]);
    }
    put(&t, "\nreason=%s\n", reason);
    user_info_clear(&u);
    wss_http_reply_text(req, 200, t.p);
}

static int group_setup(void **state)
{
    (void)state;
    if (http_pki_make(pki, sizeof(pki)) != 0)
        return -1;
    static char cert[HTTP_PKI_PATH_LEN], key[HTTP_PKI_PATH_LEN];
    static char rh[HTTP_PKI_PATH_LEN], client[HTTP_PKI_PATH_LEN];
    static struct wss_http_ca_bundle bundles[2];
    bundles[0] = (struct wss_http_ca_bundle){AUTHN_BUNDLE_FRONT_PROXY,
                                             http_pki_path(pki, "ca-a.crt", rh, sizeof(rh))};
    bundles[1] = (struct wss_http_ca_bundle){
        AUTHN_BUNDLE_CLIENT, http_pki_path(pki, "ca-b.crt", client, sizeof(client))};
    router = wss_http_router_new();
    struct wss_parse_err perr;
    if (router == NULL || wss_http_router_add(router, "GET", "/whoami", whoami, NULL, &perr) != 0)
        return -1;
    struct wss_http_server_config scfg = {
        .host = "127.0.0.1",
        .tls_cert_file = http_pki_path(pki, "server-1.crt", cert, sizeof(cert)),
        .tls_key_file = http_pki_path(pki, "server-1.key", key, sizeof(key)),
        .client_cas = bundles,
        .nclient_cas = 2,
        .timeout_s = 5,
    };
    char err[WSS_HTTP_ERR_LEN] = "";
    server = wss_http_server_start(&scfg, router, err, sizeof(err));
    if (server == NULL) {
        fprintf(stderr, "server start: %s\n", err);
        return -1;
    }
    snprintf(base_url, sizeof(base_url), "https://127.0.0.1:%u/whoami",
             wss_http_server_port(server));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    wss_http_server_stop(server);
    wss_http_router_free(router);
    http_pki_remove(pki);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    default_cfg();
    auth_fakes_reset();
    return 0;
}

/* ---------------------------------------------------------------- client side */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct text *t = arg;
    size_t take = size * n;
    if (take > sizeof(t->p) - 1 - t->len)
        take = sizeof(t->p) - 1 - t->len;
    memcpy(t->p + t->len, data, take);
    t->len += take;
    t->p[t->len] = '\0';
    return size * n;
}

/* GETs /whoami on a fresh connection presenting the PKI certificate `client` (NULL = none) and
 * the given header lines (NULL-terminated; "Name;" sends an empty value); returns the body. */
static void whoami_as(const char *client, const char *const *headers, struct text *out)
{
    memset(out, 0, sizeof(*out));
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; headers != NULL && headers[i] != NULL && i < MAX_HEADERS; i++)
        hdrs = curl_slist_append(hdrs, headers[i]);
    char ca[HTTP_PKI_PATH_LEN], cert[HTTP_PKI_PATH_LEN], key[HTTP_PKI_PATH_LEN];
    curl_easy_setopt(h, CURLOPT_URL, base_url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)WAIT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CAINFO, http_pki_path(pki, "ca-srv.crt", ca, sizeof(ca)));
    if (client != NULL) {
        char name[64];
        snprintf(name, sizeof(name), "%s.crt", client);
        curl_easy_setopt(h, CURLOPT_SSLCERT, http_pki_path(pki, name, cert, sizeof(cert)));
        snprintf(name, sizeof(name), "%s.key", client);
        curl_easy_setopt(h, CURLOPT_SSLKEY, http_pki_path(pki, name, key, sizeof(key)));
    }
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK)
        fail_msg("curl: %s", curl_easy_strerror(rc));
    assert_int_equal(status, 200);
}

/* One request and the identity lines it must produce (everything but the reason), plus a
 * substring of the reason ("" = the reason must be empty). */
struct id_case {
    const char *what;
    const char *client;
    const char *headers[MAX_HEADERS];
    const char *want; /* rc..extra lines */
    const char *reason_has;
};

static void run_cases(const struct id_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct text t;
        whoami_as(cases[i].client, cases[i].headers, &t);
        const char *reason = strstr(t.p, "reason=");
        assert_non_null(reason);
        if (strncmp(t.p, cases[i].want, strlen(cases[i].want)) != 0 ||
            (size_t)(reason - t.p) != strlen(cases[i].want))
            fail_msg("%s:\n got:\n%s\nwant:\n%s", cases[i].what, t.p, cases[i].want);
        reason += strlen("reason=");
        if (cases[i].reason_has[0] == '\0' ? strcmp(reason, "\n") != 0
                                           : strstr(reason, cases[i].reason_has) == NULL)
            fail_msg("%s: reason [%s], want [%s]", cases[i].what, reason, cases[i].reason_has);
    }
}

#define ANONYMOUS "rc=0\nname=system:anonymous\nuid=(null)\ngroups=system:unauthenticated\nextra=\n"
/* A certificate was presented and a configured CA check refused it: 401, as Go's union of
 * authenticators answers, never a fall-back to anonymous. */
#define REFUSED "rc=1\nname=(null)\nuid=(null)\ngroups=\nextra=\n"
#define FORGED  "X-Remote-User: admin", "X-Remote-Group: system:masters", "X-Remote-Extra-Scope: all"

/* The aggregator's request: the front-proxy certificate with an allowed CN, the user, one
 * X-Remote-Group line per group (any case), extras with %-encoded, mixed-case keys. The
 * certificate's own O (system:masters) must not become a group. */
static void front_proxy_headers_are_believed_behind_an_allowed_cert(void **state)
{
    (void)state;
    static const struct id_case cases[] = {
        {"aggregator",
         "client-a",
         {"X-Remote-User: system:serviceaccount:kube-system:horizontal-pod-autoscaler",
          "X-Remote-Group: system:serviceaccounts",
          "x-remote-group: system:serviceaccounts:kube-system",
          "X-REMOTE-GROUP: system:authenticated",
          "X-Remote-Extra-Authentication.Kubernetes.Io%2FCredential-Id: JTI=one",
          "X-Remote-Extra-Scopes: a",
          "x-remote-extra-authentication.kubernetes.io%2fcredential-id: JTI=two",
          "X-Remote-Extra-Odd%zzKey: v", "X-Remote-Extra-Pct%25: p", NULL},
         "rc=0\nname=system:serviceaccount:kube-system:horizontal-pod-autoscaler\nuid=(null)\n"
         "groups=system:serviceaccounts,system:serviceaccounts:kube-system,system:authenticated\n"
         "extra=authentication.kubernetes.io/credential-id=JTI=one|JTI=two;scopes=a;"
         "odd%zzkey=v;pct%=p\n",
         ""},
        {"probe as system:masters",
         "client-a",
         {"X-Remote-User: system:kube-aggregator", "X-Remote-Group: system:masters", NULL},
         "rc=0\nname=system:kube-aggregator\nuid=(null)\ngroups=system:masters,"
         "system:authenticated\nextra=\n",
         ""},
        {"no username header: not believed, the cert is no client cert either",
         "client-a",
         {"X-Remote-Group: system:masters", NULL},
         REFUSED,
         "front-proxy certificate verified, but no username header is set"},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Every way of NOT being the front proxy leaves the X-Remote-* headers unread. */
static void forged_front_proxy_headers_are_ignored(void **state)
{
    (void)state;
    static const struct id_case cases[] = {
        {"no certificate",
         NULL,
         {FORGED, NULL},
         ANONYMOUS,
         "front-proxy headers ignored: no client certificate was presented"},
        {"a certificate from a CA nobody trusts",
         "client-x",
         {FORGED, NULL},
         REFUSED,
         "front-proxy headers ignored: the client certificate does not verify against "
         "--requestheader-client-ca-file: "},
        {"a plain client certificate with forged headers",
         "client-b",
         {FORGED, NULL},
         "rc=0\nname=alice\nuid=(null)\ngroups=dev,system:authenticated\nextra=\n",
         "front-proxy headers ignored: the client certificate does not verify against "
         "--requestheader-client-ca-file: "},
        {"a front-proxy-CA certificate for server auth only",
         "client-a-server",
         {FORGED, NULL},
         REFUSED,
         "does not verify against --requestheader-client-ca-file"},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void front_proxy_cn_must_be_allowed(void **state)
{
    (void)state;
    static const char *const others[] = {"aggregator", "front-proxy"};
    cfg.allowed_names = others;
    cfg.nallowed_names = 2;
    static const struct id_case not_allowed[] = {
        {"CN not in the list",
         "client-a",
         {FORGED, NULL},
         REFUSED,
         "front-proxy headers ignored: CN \"front-proxy-client\" is not in "
         "--requestheader-allowed-names"},
    };
    run_cases(not_allowed, 1);
    /* an empty list allows any CN */
    cfg.nallowed_names = 0;
    static const struct id_case any[] = {
        {"empty allowed list",
         "client-a",
         {FORGED, NULL},
         "rc=0\nname=admin\nuid=(null)\ngroups=system:masters,system:authenticated\n"
         "extra=scope=all\n",
         ""},
    };
    run_cases(any, 1);
    /* no front-proxy CA configured: never believed, even from the right certificate */
    cfg.has_front_proxy_ca = false;
    static const struct id_case unconfigured[] = {
        {"no requestheader CA",
         "client-a",
         {FORGED, NULL},
         REFUSED,
         "front-proxy headers ignored: no --requestheader-client-ca-file is configured"},
    };
    run_cases(unconfigured, 1);
}

/* --requestheader-username-headers etc.: the first non-empty username header wins, every group
 * header counts in the configured order, the extra prefix is matched case-insensitively. */
static void configured_header_names_are_used(void **state)
{
    (void)state;
    static const char *const users[] = {"X-User", "X-Remote-User"};
    static const char *const groups[] = {"X-Groups", "X-More-Groups"};
    cfg.username_headers = users;
    cfg.nusername_headers = 2;
    cfg.group_headers = groups;
    cfg.ngroup_headers = 2;
    cfg.extra_prefix = "x-e-";
    static const struct id_case cases[] = {
        {"custom names",
         "client-a",
         {"X-User;", "X-Remote-User: bob", "X-More-Groups: second", "X-Groups: first",
          "X-Remote-Group: ignored", "X-E-Team: blue", "X-Remote-Extra-Old: ignored", NULL},
         "rc=0\nname=bob\nuid=(null)\ngroups=first,second,system:authenticated\n"
         "extra=team=blue\n",
         ""},
    };
    run_cases(cases, 1);
}

static unsigned token_calls(void)
{
    pthread_mutex_lock(&auth_fakes.lock);
    unsigned n = auth_fakes.token_calls;
    pthread_mutex_unlock(&auth_fakes.lock);
    return n;
}

static void bearer_tokens_go_to_the_token_reviewer(void **state)
{
    (void)state;
    static const struct id_case cases[] = {
        {"accepted",
         NULL,
         {"Authorization: Bearer good-token", NULL},
         "rc=0\nname=system:serviceaccount:ws:ws-app\nuid=sa-uid\ngroups=system:serviceaccounts,"
         "system:serviceaccounts:ws,system:authenticated\n"
         "extra=authentication.kubernetes.io/pod-name=ws-7d9c5-abcde\n",
         "no client certificate was presented"},
        {"scheme in any case",
         NULL,
         {"Authorization: bEaReR good-token", NULL},
         "rc=0\nname=system:serviceaccount:ws:ws-app\nuid=sa-uid\ngroups=system:serviceaccounts,"
         "system:serviceaccounts:ws,system:authenticated\n"
         "extra=authentication.kubernetes.io/pod-name=ws-7d9c5-abcde\n",
         ""},
        {"rejected",
         NULL,
         {"Authorization: Bearer stale-token", NULL},
         "rc=1\nname=(null)\nuid=(null)\ngroups=\nextra=\n",
         "invalid bearer token: token has expired"},
        {"reviewer down",
         NULL,
         {"Authorization: Bearer broken-token", NULL},
         "rc=-1\nname=(null)\nuid=(null)\ngroups=\nextra=\n",
         "token review failed: connection refused"},
    };
    /* the "scheme in any case" row has a reason too; only check it is not a token message */
    run_cases(&cases[0], 1);
    assert_int_equal(token_calls(), 1);
    pthread_mutex_lock(&auth_fakes.lock);
    assert_string_equal(auth_fakes.last_token, "good-token");
    pthread_mutex_unlock(&auth_fakes.lock);
    struct text t;
    whoami_as(NULL, cases[1].headers, &t);
    assert_non_null(strstr(t.p, cases[1].want));
    run_cases(&cases[2], 2);
    assert_int_equal(token_calls(), 4);
    /* A refused certificate does not refuse a request a token authenticates (Go's union). */
    static const struct id_case refused_cert[] = {
        {"untrusted certificate and a good token",
         "client-x",
         {"Authorization: Bearer good-token", NULL},
         "rc=0\nname=system:serviceaccount:ws:ws-app\nuid=sa-uid\ngroups=system:serviceaccounts,"
         "system:serviceaccounts:ws,system:authenticated\n"
         "extra=authentication.kubernetes.io/pod-name=ws-7d9c5-abcde\n",
         "does not verify against --requestheader-client-ca-file"},
    };
    run_cases(refused_cert, 1);
    assert_int_equal(token_calls(), 5);
}

static void other_credentials_win_or_the_caller_is_anonymous(void **state)
{
    (void)state;
    static const struct id_case cases[] = {
        {"a client certificate wins over a token",
         "client-b",
         {"Authorization: Bearer good-token", NULL},
         "rc=0\nname=alice\nuid=(null)\ngroups=dev,system:authenticated\nextra=\n",
         ""},
        {"not a bearer scheme",
         NULL,
         {"Authorization: Basic YWxpY2U6cHc=", NULL},
         ANONYMOUS,
         "no client certificate"},
        {"an empty bearer",
         NULL,
         {"Authorization: Bearer ", NULL},
         ANONYMOUS,
         "no client certificate"},
    };
    /* client-b's reason names the front-proxy check; match it loosely */
    struct text t;
    whoami_as(cases[0].client, cases[0].headers, &t);
    assert_non_null(strstr(t.p, cases[0].want));
    run_cases(&cases[1], 2);
    assert_int_equal(token_calls(), 0);
    cfg.tokens = NULL;
    static const struct id_case no_reviewer[] = {
        {"a bearer without a reviewer",
         NULL,
         {"Authorization: Bearer good-token", NULL},
         "rc=1\nname=(null)\nuid=(null)\ngroups=\nextra=\n",
         "bearer tokens are not accepted: no token reviewer"},
    };
    run_cases(no_reviewer, 1);
    assert_int_equal(token_calls(), 0);
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
        return 1;
    wss_log_configure(WSS_LOG_ERROR, WSS_LOG_FORMAT_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(front_proxy_headers_are_believed_behind_an_allowed_cert, reset),
        cmocka_unit_test_setup(forged_front_proxy_headers_are_ignored, reset),
        cmocka_unit_test_setup(front_proxy_cn_must_be_allowed, reset),
        cmocka_unit_test_setup(configured_header_names_are_used, reset),
        cmocka_unit_test_setup(bearer_tokens_go_to_the_token_reviewer, reset),
        cmocka_unit_test_setup(other_credentials_win_or_the_caller_is_anonymous, reset),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    curl_global_cleanup();
    return failed;
}
