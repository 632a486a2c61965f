/* SPDX-License-Identifier: Apache-2.0 */
/* test_authz.c: request attributes from paths (a table per the spec §6 and Go's RequestInfo),
 * the allows that skip the review (always-allow mode, system:masters, always-allow paths), the
 * review's three answers, and the 403 texts worded as the apiserver words them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth_fakes.h"
#include "authz.h"

#define CM  "custom.metrics.k8s.io"
#define EM  "external.metrics.k8s.io"
#define HPA "system:serviceaccount:kube-system:horizontal-pod-autoscaler"

static const char *or_null(const char *s)
{
    return s != NULL ? s : "(null)";
}

/* Every string attribute points inside out->buf and is NUL-terminated there. */
static void assert_inside(const struct authz_request_info *out, const char *s)
{
    if (s == NULL)
        return;
    assert_true(s >= out->buf && s < out->buf + sizeof(out->buf));
    assert_non_null(memchr(s, '\0', (size_t)(out->buf + sizeof(out->buf) - s)));
}

static void path_attributes_follow_the_apiserver(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path;
        bool is_resource;
        const char *verb, *ns, *group, *version, *resource, *sub, *name, *nr_path;
    } cases[] = {
        /* the HPA's Pods metric: a name of "*" is still a get */
        {"GET", "/apis/" CM "/v1beta2/namespaces/ws/pods/*/websocket_connections", true, "get",
         "ws", CM, "v1beta2", "pods", "websocket_connections", "*", NULL},
        {"GET", "/apis/" CM "/v1beta1/namespaces/ws/pods/ws-abc/websocket_connections", true, "get",
         "ws", CM, "v1beta1", "pods", "websocket_connections", "ws-abc", NULL},
        {"HEAD", "/apis/" CM "/v1beta2/namespaces/ws/pods/ws-abc/m", true, "get", "ws", CM,
         "v1beta2", "pods", "m", "ws-abc", NULL},
        /* the namespace form: resource metrics, the metric as the name */
        {"GET", "/apis/" CM "/v1beta2/namespaces/ws/metrics/websocket_connections", true, "get",
         "ws", CM, "v1beta2", "metrics", "", "websocket_connections", NULL},
        /* root-scoped: no namespace */
        {"GET", "/apis/" CM "/v1beta2/nodes/*/m", true, "get", "", CM, "v1beta2", "nodes", "m", "*",
         NULL},
        /* the namespace itself: Go sets both the namespace and the name */
        {"GET", "/apis/" CM "/v1beta2/namespaces/ws", true, "get", "ws", CM, "v1beta2",
         "namespaces", "", "ws", NULL},
        /* external: no name, so list */
        {"GET", "/apis/" EM "/v1beta1/namespaces/ws/websocket_connections_total", true, "list",
         "ws", EM, "v1beta1", "websocket_connections_total", "", "", NULL},
        {"GET", "/api/v1/namespaces/ws/pods", true, "list", "ws", "", "v1", "pods", "", "", NULL},
        {"DELETE", "/apis/g/v/namespaces/ns/pods", true, "deletecollection", "ns", "g", "v", "pods",
         "", "", NULL},
        {"POST", "/apis/g/v/namespaces/ns/pods", true, "create", "ns", "g", "v", "pods", "", "",
         NULL},
        {"GET", "/apis/g/v/watch/namespaces/ns/pods", true, "watch", "ns", "g", "v", "pods", "", "",
         NULL},
        /* a namespace subresource stays on the namespace */
        {"PUT", "/apis/g/v/namespaces/ns/status", true, "update", "ns", "g", "v", "namespaces",
         "status", "ns", NULL},
        {"PURGE", "/apis/g/v/things/x", true, "", "", "g", "v", "things", "", "x", NULL},
        /* slashes trimmed at both ends as Go does */
        {"GET", "/apis/g/v/things/x/", true, "get", "", "g", "v", "things", "", "x", NULL},
        /* discovery and everything else: non-resource, path as given */
        {"GET", "/apis/" CM "/v1beta2", false, "get", NULL, NULL, NULL, NULL, NULL, NULL,
         "/apis/" CM "/v1beta2"},
        {"GET", "/apis/" CM "/v1beta2/", false, "get", NULL, NULL, NULL, NULL, NULL, NULL,
         "/apis/" CM "/v1beta2/"},
        {"GET", "/apis", false, "get", NULL, NULL, NULL, NULL, NULL, NULL, "/apis"},
        {"GET", "/api/v1", false, "get", NULL, NULL, NULL, NULL, NULL, NULL, "/api/v1"},
        {"HEAD", "/healthz", false, "get", NULL, NULL, NULL, NULL, NULL, NULL, "/healthz"},
        {"POST", "/ingest/v1/reports", false, "post", NULL, NULL, NULL, NULL, NULL, NULL,
         "/ingest/v1/reports"},
        {"GET", "/", false, "get", NULL, NULL, NULL, NULL, NULL, NULL, "/"},
        {"GET", "", false, "get", NULL, NULL, NULL, NULL, NULL, NULL, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct authz_request_info out;
        memset(&out, 0xA5, sizeof(out));
        if (authz_request_info(cases[i].method, cases[i].path, &out) != 0)
            fail_msg("%s %s: failed", cases[i].method, cases[i].path);
        const struct access_attributes *a = &out.attrs;
        char got[1024], want[1024];
        snprintf(got, sizeof(got), "%d|%s|%s|%s|%s|%s|%s|%s|%s", a->is_resource, or_null(a->verb),
                 or_null(a->namespace_), or_null(a->group), or_null(a->version),
                 or_null(a->resource), or_null(a->subresource), or_null(a->name), or_null(a->path));
        snprintf(want, sizeof(want), "%d|%s|%s|%s|%s|%s|%s|%s|%s", cases[i].is_resource,
                 or_null(cases[i].verb), or_null(cases[i].ns), or_null(cases[i].group),
                 or_null(cases[i].version), or_null(cases[i].resource), or_null(cases[i].sub),
                 or_null(cases[i].name), or_null(cases[i].nr_path));
        if (strcmp(got, want) != 0)
            fail_msg("%s %s:\n got %s\nwant %s", cases[i].method, cases[i].path, got, want);
        const char *all[] = {a->verb,     a->namespace_,  a->group, a->version,
                             a->resource, a->subresource, a->name,  a->path};
        for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
            assert_inside(&out, all[k]);
    }
}

static void path_too_long_for_the_buffer_fails(void **state)
{
    (void)state;
    static char path[2048];
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    struct authz_request_info out;
    assert_int_equal(authz_request_info("GET", path, &out), -1);
    memcpy(path, "/apis/g/v/", 10);
    assert_int_equal(authz_request_info("GET", path, &out), -1);
    /* a path that fits exactly still works */
    path[sizeof(out.buf) - 5] = '\0';
    assert_int_equal(authz_request_info("GET", path, &out), 0);
}

/* ---------------------------------------------------------------- authz_check */

static int reset(void **state)
{
    (void)state;
    auth_fakes_reset();
    return 0;
}

static struct user_info make_user(const char *name, const char *group)
{
    struct user_info u = {0};
    assert_int_equal(user_info_set_name(&u, name), 0);
    if (group != NULL)
        assert_int_equal(user_info_add_group(&u, group), 0);
    assert_int_equal(user_info_add_group(&u, USER_INFO_AUTHENTICATED), 0);
    return u;
}

static unsigned access_calls(void)
{
    pthread_mutex_lock(&auth_fakes.lock);
    unsigned n = auth_fakes.access_calls;
    pthread_mutex_unlock(&auth_fakes.lock);
    return n;
}

static void deny_with(const char *why)
{
    pthread_mutex_lock(&auth_fakes.lock);
    auth_fakes.access = ACCESS_REVIEW_DENIED;
    snprintf(auth_fakes.access_err, sizeof(auth_fakes.access_err), "%s", why);
    pthread_mutex_unlock(&auth_fakes.lock);
}

static void forbidden_texts_match_the_apiserver(void **state)
{
    (void)state;
    struct authz_config cfg = {.reviewer = auth_fakes_access_reviewer()};
    static const struct {
        const char *user, *method, *path, *why, *want;
    } cases[] = {
        {HPA, "GET", "/apis/" CM "/v1beta2/namespaces/ws/pods/*/websocket_connections", "",
         "pods." CM " \"*\" is forbidden: User \"" HPA "\" cannot get resource "
         "\"pods/websocket_connections\" in API group \"" CM "\" in the namespace \"ws\""},
        {"alice", "GET", "/apis/" CM "/v1beta1/namespaces/ws/pods/p-1/m", "no RBAC policy matched",
         "pods." CM " \"p-1\" is forbidden: User \"alice\" cannot get resource \"pods/m\" in API "
         "group \"" CM "\" in the namespace \"ws\": no RBAC policy matched"},
        {"alice", "GET", "/apis/" CM "/v1beta2/namespaces/ws/metrics/m", "",
         "metrics." CM " \"m\" is forbidden: User \"alice\" cannot get resource \"metrics\" in "
         "API group \"" CM "\" in the namespace \"ws\""},
        {"alice", "GET", "/apis/" CM "/v1beta2/nodes/*/m", "",
         "nodes." CM " \"*\" is forbidden: User \"alice\" cannot get resource \"nodes/m\" in API "
         "group \"" CM "\" at the cluster scope"},
        {"alice", "GET", "/apis/" EM "/v1beta1/namespaces/ws/total", "",
         "total." EM " is forbidden: User \"alice\" cannot list resource \"total\" in API group "
         "\"" EM "\" in the namespace \"ws\""},
        {"alice", "GET", "/api/v1/namespaces/ws/pods", "",
         "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the "
         "namespace \"ws\""},
        {"system:anonymous", "GET", "/apis", "",
         "forbidden: User \"system:anonymous\" cannot get "
         "path \"/apis\""},
        {"x", "POST", "/ingest/v1/reports", "",
         "forbidden: User \"x\" cannot post path "
         "\"/ingest/v1/reports\""},
        /* Go's %q and the apiserver's HTML sanitizer */
        {"a\"b\\c<d>&\n\x01\xc3\xa9", "GET", "/apis", "",
         "forbidden: User \"a\\\"b\\\\c&lt;d&gt;&amp;\\n\\x01\xc3\xa9\" cannot get path "
         "\"/apis\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        deny_with(cases[i].why);
        struct user_info u = make_user(cases[i].user, NULL);
        char reason[AUTHZ_REASON_LEN];
        enum authz_result r =
            authz_check(&cfg, &u, cases[i].method, cases[i].path, reason, sizeof(reason));
        user_info_clear(&u);
        assert_int_equal(r, AUTHZ_FORBIDDEN);
        assert_string_equal(reason, cases[i].want);
    }
}

/* The reviewer is asked with the derived attributes and the caller's identity. */
static void reviewer_gets_the_attributes_and_its_answer_counts(void **state)
{
    (void)state;
    struct authz_config cfg = {.reviewer = auth_fakes_access_reviewer()};
    struct user_info u = make_user(HPA, "system:serviceaccounts");
    char reason[AUTHZ_REASON_LEN];
    assert_int_equal(authz_check(&cfg, &u, "GET",
                                 "/apis/" CM "/v1beta2/namespaces/ws/pods/*/websocket_connections",
                                 reason, sizeof(reason)),
                     AUTHZ_ALLOWED);
    assert_string_equal(reason, "");
    pthread_mutex_lock(&auth_fakes.lock);
    assert_int_equal(auth_fakes.access_calls, 1);
    assert_true(auth_fakes.last.is_resource);
    assert_string_equal(auth_fakes.last.user, HPA);
    assert_string_equal(auth_fakes.last.verb, "get");
    assert_string_equal(auth_fakes.last.namespace_, "ws");
    assert_string_equal(auth_fakes.last.group, CM);
    assert_string_equal(auth_fakes.last.version, "v1beta2");
    assert_string_equal(auth_fakes.last.resource, "pods");
    assert_string_equal(auth_fakes.last.subresource, "websocket_connections");
    assert_string_equal(auth_fakes.last.name, "*");
    auth_fakes.access = ACCESS_REVIEW_ERROR;
    snprintf(auth_fakes.access_err, sizeof(auth_fakes.access_err),
             "subjectaccessreviews: connection refused");
    pthread_mutex_unlock(&auth_fakes.lock);
    assert_int_equal(authz_check(&cfg, &u, "GET", "/apis", reason, sizeof(reason)), AUTHZ_ERROR);
    assert_string_equal(reason, "subjectaccessreviews: connection refused");
    pthread_mutex_lock(&auth_fakes.lock);
    assert_false(auth_fakes.last.is_resource);
    assert_string_equal(auth_fakes.last.path, "/apis");
    assert_string_equal(auth_fakes.last.verb, "get");
    pthread_mutex_unlock(&auth_fakes.lock);
    user_info_clear(&u);
}

/* Always-allow mode and system:masters never ask; without a reviewer the rest is forbidden. */
static void masters_and_always_allow_mode_skip_the_review(void **state)
{
    (void)state;
    deny_with("");
    const char *path = "/apis/" CM "/v1beta2/namespaces/ws/pods/*/m";
    char reason[AUTHZ_REASON_LEN];
    struct user_info masters = make_user("system:kube-aggregator", USER_INFO_MASTERS);
    struct user_info plain = make_user("bob", "dev");
    struct authz_config delegated = {.reviewer = auth_fakes_access_reviewer()};
    assert_int_equal(authz_check(&delegated, &masters, "GET", path, reason, sizeof(reason)),
                     AUTHZ_ALLOWED);
    assert_int_equal(access_calls(), 0);
    struct authz_config always = {.is_always_allow = true};
    assert_int_equal(authz_check(&always, &plain, "GET", path, reason, sizeof(reason)),
                     AUTHZ_ALLOWED);
    assert_int_equal(access_calls(), 0);
    struct authz_config none = {0};
    assert_int_equal(authz_check(&none, &plain, "GET", "/apis", reason, sizeof(reason)),
                     AUTHZ_FORBIDDEN);
    assert_string_equal(reason, "forbidden: User \"bob\" cannot get path \"/apis\"");
    assert_int_equal(authz_check(&delegated, &plain, "GET", path, reason, sizeof(reason)),
                     AUTHZ_FORBIDDEN);
    assert_int_equal(access_calls(), 1);
    user_info_clear(&masters);
    user_info_clear(&plain);
}

/* As Go's path authorizer: exact entries, a trailing "*" for a prefix, the leading "/" optional,
 * and resource requests never matched by path. */
static void always_allow_paths_match_exactly_or_by_prefix(void **state)
{
    (void)state;
    deny_with("");
    static const char *const paths[] = {"/healthz", "readyz", "/livez", "/debug/*", "/apis/*"};
    struct authz_config cfg = {.always_allow_paths = paths,
                               .nalways_allow_paths = sizeof(paths) / sizeof(paths[0]),
                               .reviewer = auth_fakes_access_reviewer()};
    static const struct {
        const char *path;
        enum authz_result want;
    } cases[] = {
        {"/healthz", AUTHZ_ALLOWED},
        {"/readyz", AUTHZ_ALLOWED},
        {"/livez", AUTHZ_ALLOWED},
        {"/debug/pprof", AUTHZ_ALLOWED},
        {"/debug/", AUTHZ_ALLOWED},
        {"/apis/" CM "/v1beta2", AUTHZ_ALLOWED},
        {"/healthz/ping", AUTHZ_FORBIDDEN},
        {"/healthzz", AUTHZ_FORBIDDEN},
        {"/debug", AUTHZ_FORBIDDEN},
        {"/metrics", AUTHZ_FORBIDDEN},
        {"/apis/" CM "/v1beta2/namespaces/ws/pods/*/m", AUTHZ_FORBIDDEN},
    };
    struct user_info u = make_user("system:anonymous", NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned before = access_calls();
        char reason[AUTHZ_REASON_LEN];
        enum authz_result r = authz_check(&cfg, &u, "GET", cases[i].path, reason, sizeof(reason));
        if (r != cases[i].want)
            fail_msg("%s: %d, want %d", cases[i].path, r, cases[i].want);
        assert_int_equal(access_calls(), before + (cases[i].want == AUTHZ_ALLOWED ? 0 : 1));
    }
    user_info_clear(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_attributes_follow_the_apiserver),
        cmocka_unit_test(path_too_long_for_the_buffer_fails),
        cmocka_unit_test_setup(forbidden_texts_match_the_apiserver, reset),
        cmocka_unit_test_setup(reviewer_gets_the_attributes_and_its_answer_counts, reset),
        cmocka_unit_test_setup(masters_and_always_allow_mode_skip_the_review, reset),
        cmocka_unit_test_setup(always_allow_paths_match_exactly_or_by_prefix, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
