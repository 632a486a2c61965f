/* SPDX-License-Identifier: Apache-2.0 */
/* test_api_discovery.c: the discovery documents through a real lib http server on 127.0.0.1 and
 * libcurl: both groups in /apis with v1beta2 preferred, each group and version document with its
 * exact non-empty resource list, /openapi/v2 and /v3 as 404 Status, the server's own 404 and 405
 * as Status, JSON whatever Accept asks for, and answers while the metric source is failing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "api_fixture.h"

#define CM "custom.metrics.k8s.io"
#define EM "external.metrics.k8s.io"

/* A source that fails everything: discovery must not care. */
static int down_pod_value(void *self, const char *metric, const char *ns, const char *pod,
                          struct metric_value *out)
{
    (void)self, (void)metric, (void)ns, (void)pod, (void)out;
    return WSS_SRC_UNAVAILABLE;
}

static int down_pods_matching(void *self, const char *metric, const char *ns,
                              const struct wss_selector *sel, struct metric_values *out)
{
    (void)self, (void)metric, (void)ns, (void)sel, (void)out;
    return WSS_SRC_UNAVAILABLE;
}

static int down_sum_matching(void *self, const char *metric, const char *ns,
                             const struct wss_selector *sel, struct metric_value *out)
{
    (void)self, (void)metric, (void)ns, (void)sel, (void)out;
    return WSS_SRC_UNAVAILABLE;
}

static const char *const *down_list_metrics(void *self)
{
    (void)self;
    static const char *const names[] = {"websocket_connections", NULL};
    return names;
}

static void down_destroy(void *self)
{
    (void)self;
}

static const struct metric_source_ops down_ops = {
    .pod_value = down_pod_value,
    .pods_matching = down_pods_matching,
    .sum_matching = down_sum_matching,
    .list_metrics = down_list_metrics,
    .destroy = down_destroy,
};

struct env {
    struct metric_source src;
    struct api_fixture *fx;
    struct api_reply reply;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    e->src.ops = &down_ops;
    e->fx = api_fixture_start(&e->src);
    if (e->fx == NULL) {
        free(e);
        return -1;
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    api_fixture_stop(e->fx);
    free(e);
    return 0;
}

static cJSON *get_json(struct env *e, const char *path, const char *header, long code)
{
    api_fixture_call(e->fx, NULL, path, header, &e->reply);
    if (e->reply.code != code)
        fail_msg("%s: HTTP %ld, want %ld: %s", path, e->reply.code, code, e->reply.body);
    assert_string_equal(e->reply.content_type, "application/json");
    cJSON *doc = cJSON_Parse(e->reply.body);
    if (doc == NULL)
        fail_msg("%s: not JSON: %s", path, e->reply.body);
    return doc;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v))
        fail_msg("field %s is not a string", key);
    return v->valuestring;
}

static void assert_gv(const cJSON *gv, const char *group_version, const char *version)
{
    assert_string_equal(str(gv, "groupVersion"), group_version);
    assert_string_equal(str(gv, "version"), version);
}

/* Checks one APIGroup object: name, versions in order, preferred version. */
static void assert_group(const cJSON *g, const char *name, const char *const *versions,
                         size_t nversions)
{
    char gv[128];
    assert_string_equal(str(g, "name"), name);
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(g, "versions");
    assert_true(cJSON_IsArray(vs));
    assert_int_equal(cJSON_GetArraySize(vs), nversions);
    for (size_t i = 0; i < nversions; i++) {
        snprintf(gv, sizeof(gv), "%s/%s", name, versions[i]);
        assert_gv(cJSON_GetArrayItem(vs, (int)i), gv, versions[i]);
    }
    snprintf(gv, sizeof(gv), "%s/%s", name, versions[0]);
    assert_gv(cJSON_GetObjectItemCaseSensitive(g, "preferredVersion"), gv, versions[0]);
}

static const char *const cm_versions[] = {"v1beta2", "v1beta1"};
static const char *const em_versions[] = {"v1beta1"};

static void apis_lists_both_groups_with_v1beta2_preferred(void **state)
{
    struct env *e = *state;
    cJSON *doc = get_json(e, "/apis", NULL, 200);
    assert_string_equal(str(doc, "kind"), "APIGroupList");
    assert_string_equal(str(doc, "apiVersion"), "v1");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(doc, "groups");
    assert_int_equal(cJSON_GetArraySize(groups), 2);
    assert_group(cJSON_GetArrayItem(groups, 0), CM, cm_versions, 2);
    assert_group(cJSON_GetArrayItem(groups, 1), EM, em_versions, 1);
    cJSON_Delete(doc);
}

static void group_documents_are_apigroup_objects(void **state)
{
    struct env *e = *state;
    cJSON *doc = get_json(e, "/apis/" CM, NULL, 200);
    assert_string_equal(str(doc, "kind"), "APIGroup");
    assert_string_equal(str(doc, "apiVersion"), "v1");
    assert_group(doc, CM, cm_versions, 2);
    cJSON_Delete(doc);
    doc = get_json(e, "/apis/" EM, NULL, 200);
    assert_string_equal(str(doc, "kind"), "APIGroup");
    assert_group(doc, EM, em_versions, 1);
    cJSON_Delete(doc);
}

struct resource {
    const char *name;
    int is_namespaced;
    const char *kind;
};

static void version_documents_list_static_non_empty_resources(void **state)
{
    struct env *e = *state;
    static const struct resource custom[] = {
        {"pods/websocket_connections", 1, "MetricValueList"},
        {"namespaces/websocket_connections", 0, "MetricValueList"},
    };
    static const struct resource external[] = {
        {"websocket_connections", 1, "ExternalMetricValueList"},
    };
    static const struct {
        const char *group_version;
        const struct resource *resources;
        size_t n;
    } cases[] = {
        {CM "/v1beta1", custom, 2},
        {CM "/v1beta2", custom, 2},
        {EM "/v1beta1", external, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "/apis/%s", cases[i].group_version);
        cJSON *doc = get_json(e, path, "Accept: application/json, */*", 200);
        assert_string_equal(str(doc, "kind"), "APIResourceList");
        assert_string_equal(str(doc, "apiVersion"), "v1");
        assert_string_equal(str(doc, "groupVersion"), cases[i].group_version);
        const cJSON *rs = cJSON_GetObjectItemCaseSensitive(doc, "resources");
        assert_int_equal(cJSON_GetArraySize(rs), cases[i].n);
        for (size_t r = 0; r < cases[i].n; r++) {
            const cJSON *res = cJSON_GetArrayItem(rs, (int)r);
            assert_string_equal(str(res, "name"), cases[i].resources[r].name);
            assert_string_equal(str(res, "singularName"), "");
            assert_string_equal(str(res, "kind"), cases[i].resources[r].kind);
            const cJSON *ns = cJSON_GetObjectItemCaseSensitive(res, "namespaced");
            assert_true(cJSON_IsBool(ns));
            assert_int_equal(cJSON_IsTrue(ns), cases[i].resources[r].is_namespaced);
            const cJSON *verbs = cJSON_GetObjectItemCaseSensitive(res, "verbs");
            assert_int_equal(cJSON_GetArraySize(verbs), 1);
            assert_string_equal(cJSON_GetArrayItem(verbs, 0)->valuestring, "get");
        }
        cJSON_Delete(doc);
    }
}

static void discovery_is_json_even_when_protobuf_or_v2_is_asked_for(void **state)
{
    struct env *e = *state;
    static const char *const accepts[] = {
        "Accept: application/vnd.kubernetes.protobuf, */*",
        "Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        "application/json",
    };
    for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
        cJSON *doc = get_json(e, "/apis", accepts[i], 200);
        assert_string_equal(str(doc, "kind"), "APIGroupList");
        cJSON_Delete(doc);
    }
}

static void openapi_and_unknown_paths_are_404_status(void **state)
{
    struct env *e = *state;
    static const char *const paths[] = {"/openapi/v2", "/openapi/v3", "/apis/" CM "/v1alpha1",
                                        "/nothing"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        cJSON *doc = get_json(e, paths[i], NULL, 404);
        assert_string_equal(str(doc, "kind"), "Status");
        assert_string_equal(str(doc, "apiVersion"), "v1");
        assert_string_equal(str(doc, "status"), "Failure");
        assert_string_equal(str(doc, "reason"), "NotFound");
        assert_true(cJSON_GetObjectItemCaseSensitive(doc, "code")->valuedouble == 404);
        cJSON_Delete(doc);
    }
}

static void other_methods_are_405_status(void **state)
{
    struct env *e = *state;
    static const char *const methods[] = {"PUT", "DELETE"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        api_fixture_call(e->fx, methods[i], "/apis/" CM "/v1beta2", NULL, &e->reply);
        assert_int_equal(e->reply.code, 405);
        assert_string_equal(e->reply.content_type, "application/json");
        cJSON *doc = cJSON_Parse(e->reply.body);
        assert_non_null(doc);
        assert_string_equal(str(doc, "kind"), "Status");
        assert_string_equal(str(doc, "reason"), "MethodNotAllowed");
        assert_true(cJSON_GetObjectItemCaseSensitive(doc, "code")->valuedouble == 405);
        cJSON_Delete(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(apis_lists_both_groups_with_v1beta2_preferred, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(group_documents_are_apigroup_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(version_documents_list_static_non_empty_resources, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(discovery_is_json_even_when_protobuf_or_v2_is_asked_for,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(openapi_and_unknown_paths_are_404_status, setup, teardown),
        cmocka_unit_test_setup_teardown(other_methods_are_405_status, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
