/* SPDX-License-Identifier: Apache-2.0 */
/* test_api_metrics.c: the metric read routes over a fake metric source, through a real lib http
 * server on 127.0.0.1 and libcurl: each version's JSON fields, the pods wildcard as '*' and %2A,
 * every selector operator, bad selectors, 404s for unknown metrics, pods and resources, the
 * namespace and external sums, source errors as Status, and JSON whatever Accept says. */
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
#include "metric_values.h"
#include "wsscale/selector.h"

#define METRIC "websocket_connections"
#define CM1    "/apis/custom.metrics.k8s.io/v1beta1"
#define CM2    "/apis/custom.metrics.k8s.io/v1beta2"
#define EM1    "/apis/external.metrics.k8s.io/v1beta1"
/* 2026-05-01T12:00:00Z in Unix milliseconds. */
#define SAMPLE_MS 1777636800000LL
/* The pods' sampling interval. */
#define WINDOW_MS 5000

/* ------------------------------------------------------------ fake source */

struct fake_pod {
    const char *ns;
    const char *name;
    const char *labels[3][2]; /* key, value; NULL key ends */
    int64_t milli;
    int is_stale;
};

/* ws-c is idle (0) and carries an empty-valued "canary" label; ws-stale must never be served. */
static const struct fake_pod pods[] = {
    {"ws", "ws-a", {{"app", "ws"}, {"tier", "front"}, {"shard", "3"}}, 42000, 0},
    {"ws", "ws-b", {{"app", "ws"}, {"tier", "back"}, {"shard", "7"}}, 1500, 0},
    {"ws", "ws-c", {{"app", "ws"}, {"tier", "front"}, {"canary", ""}}, 0, 0},
    {"ws", "ws-stale", {{"app", "ws"}, {"tier", "front"}, {NULL, NULL}}, 9000, 1},
    {"other", "ws-z", {{"app", "ws"}, {NULL, NULL}, {NULL, NULL}}, 5000, 0},
};

struct fake {
    int fail_with; /* 0, or the error every operation returns */
};

static bool pod_matches(const struct fake_pod *p, const struct wss_selector *sel)
{
    struct wss_label labels[3];
    size_t n = 0;
    for (; n < 3 && p->labels[n][0] != NULL; n++) {
        labels[n].key = p->labels[n][0];
        labels[n].key_len = strlen(p->labels[n][0]);
        labels[n].value = p->labels[n][1];
        labels[n].value_len = strlen(p->labels[n][1]);
    }
    return wss_selector_matches(sel, labels, n);
}

static void fill(const struct fake_pod *p, struct metric_value *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->namespace_, sizeof(out->namespace_), "%s", p->ns);
    snprintf(out->name, sizeof(out->name), "%s", p->name);
    out->milli_value = p->milli;
    out->timestamp_unix_ms = SAMPLE_MS;
    out->window_ms = WINDOW_MS;
}

static int fake_pod_value(void *self, const char *metric, const char *ns, const char *pod,
                          struct metric_value *out)
{
    struct fake *f = self;
    if (f->fail_with != 0)
        return f->fail_with;
    if (strcmp(metric, METRIC) != 0)
        return WSS_SRC_NOT_FOUND;
    for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++)
        if (strcmp(pods[i].ns, ns) == 0 && strcmp(pods[i].name, pod) == 0) {
            if (pods[i].is_stale)
                return WSS_SRC_STALE;
            fill(&pods[i], out);
            return WSS_SRC_OK;
        }
    return WSS_SRC_NOT_FOUND;
}

static int fake_pods_matching(void *self, const char *metric, const char *ns,
                              const struct wss_selector *sel, struct metric_values *out)
{
    struct fake *f = self;
    if (f->fail_with != 0)
        return f->fail_with;
    if (strcmp(metric, METRIC) != 0)
        return WSS_SRC_NOT_FOUND;
    for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
        if (strcmp(pods[i].ns, ns) != 0 || pods[i].is_stale || !pod_matches(&pods[i], sel))
            continue;
        struct metric_value v;
        fill(&pods[i], &v);
        if (metric_values_append(out, &v) != WSS_SRC_OK)
            return WSS_SRC_NO_MEMORY;
    }
    return WSS_SRC_OK;
}

static int fake_sum_matching(void *self, const char *metric, const char *ns,
                             const struct wss_selector *sel, struct metric_value *out)
{
    struct fake *f = self;
    if (f->fail_with != 0)
        return f->fail_with;
    if (strcmp(metric, METRIC) != 0)
        return WSS_SRC_NOT_FOUND;
    memset(out, 0, sizeof(*out));
    snprintf(out->namespace_, sizeof(out->namespace_), "%s", ns);
    out->timestamp_unix_ms = SAMPLE_MS;
    out->window_ms = WINDOW_MS;
    for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++)
        if (strcmp(pods[i].ns, ns) == 0 && !pods[i].is_stale && pod_matches(&pods[i], sel))
            out->milli_value += pods[i].milli;
    return WSS_SRC_OK;
}

static const char *const *fake_list_metrics(void *self)
{
    (void)self;
    static const char *const names[] = {METRIC, "websocket_connections_opened", NULL};
    return names;
}

static void fake_destroy(void *self)
{
    (void)self;
}

static const struct metric_source_ops fake_ops = {
    .pod_value = fake_pod_value,
    .pods_matching = fake_pods_matching,
    .sum_matching = fake_sum_matching,
    .list_metrics = fake_list_metrics,
    .destroy = fake_destroy,
};

struct env {
    struct fake fake;
    struct metric_source src;
    struct api_fixture *fx;
    struct api_reply reply;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    e->src.ops = &fake_ops;
    e->src.self = &e->fake;
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

/* ------------------------------------------------------------ helpers */

/* GETs path, expects code and a JSON body; returns the parsed document (free with cJSON_Delete). */
static cJSON *get_json(struct env *e, const char *path, long code)
{
    api_fixture_call(e->fx, NULL, path, NULL, &e->reply);
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

static void assert_status(cJSON *doc, long code, const char *reason, const char *message)
{
    assert_string_equal(str(doc, "kind"), "Status");
    assert_string_equal(str(doc, "apiVersion"), "v1");
    assert_string_equal(str(doc, "status"), "Failure");
    assert_string_equal(str(doc, "reason"), reason);
    assert_string_equal(str(doc, "message"), message);
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "metadata")));
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "code");
    assert_true(cJSON_IsNumber(c));
    assert_int_equal((long)c->valuedouble, code);
}

/* The items array of a list document, after checking its kind and apiVersion. */
static const cJSON *items_of(const cJSON *doc, const char *kind, const char *api_version)
{
    assert_string_equal(str(doc, "kind"), kind);
    assert_string_equal(str(doc, "apiVersion"), api_version);
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "metadata")));
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    assert_true(cJSON_IsArray(items));
    return items;
}

/* The describedObject names of a MetricValueList, comma-joined, into out. */
static void names_of(const cJSON *items, char *out, size_t cap)
{
    out[0] = '\0';
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(it, "describedObject");
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len > 0 ? "," : "", str(obj, "name"));
    }
}

static void assert_pod_object(const cJSON *item, const char *name)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(item, "describedObject");
    assert_string_equal(str(obj, "kind"), "Pod");
    assert_string_equal(str(obj, "namespace"), "ws");
    assert_string_equal(str(obj, "name"), name);
    assert_string_equal(str(obj, "apiVersion"), "v1");
}

static long number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("field %s is not a number", key);
    return (long)v->valuedouble;
}

/* ------------------------------------------------------------ tests */

static void v1beta2_wildcard_lists_live_pods_with_v1beta2_field_names(void **state)
{
    struct env *e = *state;
    cJSON *doc = get_json(e, CM2 "/namespaces/ws/pods/%2A/" METRIC "?labelSelector=app%3Dws", 200);
    const cJSON *items = items_of(doc, "MetricValueList", "custom.metrics.k8s.io/v1beta2");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    const cJSON *a = cJSON_GetArrayItem(items, 0);
    assert_pod_object(a, "ws-a");
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(a, "metric");
    assert_string_equal(str(metric, "name"), METRIC);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(metric, "selector")));
    assert_string_equal(str(a, "timestamp"), "2026-05-01T12:00:00Z");
    assert_int_equal(number(a, "windowSeconds"), 5);
    assert_string_equal(str(a, "value"), "42");
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "metricName"));
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "window"));
    assert_string_equal(str(cJSON_GetArrayItem(items, 1), "value"), "1500m");
    assert_string_equal(str(cJSON_GetArrayItem(items, 2), "value"), "0");
    cJSON_Delete(doc);
}

static void v1beta1_wildcard_uses_metric_name_window_and_item_selector(void **state)
{
    struct env *e = *state;
    cJSON *doc = get_json(e, CM1 "/namespaces/ws/pods/%2A/" METRIC "?labelSelector=app%3Dws", 200);
    const cJSON *items = items_of(doc, "MetricValueList", "custom.metrics.k8s.io/v1beta1");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    const cJSON *a = cJSON_GetArrayItem(items, 0);
    assert_pod_object(a, "ws-a");
    assert_string_equal(str(a, "metricName"), METRIC);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(a, "selector")));
    assert_string_equal(str(a, "timestamp"), "2026-05-01T12:00:00Z");
    assert_int_equal(number(a, "window"), 5);
    assert_string_equal(str(a, "value"), "42");
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "metric"));
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "windowSeconds"));
    cJSON_Delete(doc);
}

static void wildcard_answers_as_star_and_as_percent_2a(void **state)
{
    struct env *e = *state;
    static const char *const paths[] = {
        CM2 "/namespaces/ws/pods/*/" METRIC,
        CM2 "/namespaces/ws/pods/%2A/" METRIC,
        CM2 "/namespaces/ws/pods/%2a/" METRIC,
        CM1 "/namespaces/ws/pods/*/" METRIC,
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        cJSON *doc = get_json(e, paths[i], 200);
        char names[256];
        names_of(cJSON_GetObjectItemCaseSensitive(doc, "items"), names, sizeof(names));
        assert_string_equal(names, "ws-a,ws-b,ws-c");
        cJSON_Delete(doc);
    }
}

static void label_selector_supports_every_operator(void **state)
{
    struct env *e = *state;
    static const struct {
        const char *query; /* as the aggregator re-encodes it: '+' for space */
        const char *names;
    } cases[] = {
        {"", "ws-a,ws-b,ws-c"},
        {"?labelSelector=", "ws-a,ws-b,ws-c"},
        {"?labelSelector=app%3Dws", "ws-a,ws-b,ws-c"},
        {"?labelSelector=tier%3D%3Dfront", "ws-a,ws-c"},
        {"?labelSelector=tier%21%3Dfront", "ws-b"},
        {"?labelSelector=tier+in+%28back%29", "ws-b"},
        {"?labelSelector=tier+notin+%28back%29", "ws-a,ws-c"},
        {"?labelSelector=tier%20in%20(back,front)", "ws-a,ws-b,ws-c"},
        {"?labelSelector=canary", "ws-c"},
        {"?labelSelector=%21canary", "ws-a,ws-b"},
        {"?labelSelector=shard%3E5", "ws-b"},
        {"?labelSelector=shard%3C5", "ws-a"},
        {"?labelSelector=app%3Dws%2Ctier%3Dfront", "ws-a,ws-c"},
        {"?labelSelector=app%3Dnone", ""},
        {"?pretty=true&labelSelector=tier%3Dback", "ws-b"},
        {"?labelSelector=tier%3Dback&metricLabelSelector=app%3Dws", "ws-b"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), CM2 "/namespaces/ws/pods/%%2A/" METRIC "%s", cases[i].query);
        cJSON *doc = get_json(e, path, 200);
        char names[256];
        names_of(items_of(doc, "MetricValueList", "custom.metrics.k8s.io/v1beta2"), names,
                 sizeof(names));
        if (strcmp(names, cases[i].names) != 0)
            fail_msg("%s: got [%s], want [%s]", cases[i].query, names, cases[i].names);
        cJSON_Delete(doc);
    }
}

static void bad_selectors_get_400_with_the_parser_message(void **state)
{
    struct env *e = *state;
    static const struct {
        const char *path;
        const char *message;
    } cases[] = {
        {CM2 "/namespaces/ws/pods/%2A/" METRIC "?labelSelector=a+b",
         "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
        {CM1 "/namespaces/ws/pods/%2A/" METRIC "?labelSelector=%2C",
         "found ',', expected: !, identifier, or 'end of string'"},
        {CM2 "/namespaces/ws/pods/%2A/" METRIC
             "?labelSelector=app%3Dws&metricLabelSelector=a%3Db%3Dc",
         "found '=', expected: ',' or 'end of string'"},
        {EM1 "/namespaces/ws/" METRIC "?labelSelector=%21",
         "unable to parse requirement: found '', expected: identifier"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *doc = get_json(e, cases[i].path, 400);
        assert_status(doc, 400, "BadRequest", cases[i].message);
        cJSON_Delete(doc);
    }
}

static void one_pod_is_a_list_of_exactly_one_item(void **state)
{
    struct env *e = *state;
    cJSON *doc = get_json(e, CM2 "/namespaces/ws/pods/ws-b/" METRIC, 200);
    const cJSON *items = items_of(doc, "MetricValueList", "custom.metrics.k8s.io/v1beta2");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_pod_object(cJSON_GetArrayItem(items, 0), "ws-b");
    assert_string_equal(str(cJSON_GetArrayItem(items, 0), "value"), "1500m");
    cJSON_Delete(doc);
}

static void missing_stale_and_unknown_things_get_404_status(void **state)
{
    struct env *e = *state;
    static const struct {
        const char *path;
        const char *message;
    } cases[] = {
        {CM2 "/namespaces/ws/pods/nope/" METRIC,
         "the server could not find the metric " METRIC " for pods nope"},
        {CM1 "/namespaces/ws/pods/ws-stale/" METRIC,
         "the metric " METRIC " for pods ws-stale has no current sample"},
        {CM2 "/namespaces/ws/pods/%2A/bogus",
         "the server could not find the metric bogus for pods; metrics served: " METRIC
         ", websocket_connections_opened"},
        {CM2 "/namespaces/ws/services/%2A/" METRIC,
         "the server could not find the metric " METRIC " for services; metrics served: " METRIC
         ", websocket_connections_opened"},
        {CM2 "/namespaces/ws/metrics/bogus",
         "the server could not find the metric bogus for namespaces; metrics served: " METRIC
         ", websocket_connections_opened"},
        {EM1 "/namespaces/ws/bogus",
         "the server could not find the metric bogus for external metrics; metrics served: " METRIC
         ", websocket_connections_opened"},
        {CM2 "/nodes/n1/" METRIC,
         "the server could not find the metric " METRIC " for nodes; metrics served: " METRIC
         ", websocket_connections_opened"},
        {CM2 "/namespaces/ws", "the server could not find the requested resource"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *doc = get_json(e, cases[i].path, 404);
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
        if (!cJSON_IsString(msg) || strcmp(msg->valuestring, cases[i].message) != 0)
            fail_msg("%s: message [%s]", cases[i].path, e->reply.body);
        assert_status(doc, 404, "NotFound", cases[i].message);
        cJSON_Delete(doc);
    }
}

static void namespace_total_describes_the_namespace_in_both_forms(void **state)
{
    struct env *e = *state;
    static const struct {
        const char *path;
        const char *api_version;
    } cases[] = {
        {CM2 "/namespaces/ws/metrics/" METRIC, "custom.metrics.k8s.io/v1beta2"},
        {CM1 "/namespaces/ws/metrics/" METRIC, "custom.metrics.k8s.io/v1beta1"},
        {CM2 "/namespaces/ws/" METRIC, "custom.metrics.k8s.io/v1beta2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *doc = get_json(e, cases[i].path, 200);
        const cJSON *items = items_of(doc, "MetricValueList", cases[i].api_version);
        assert_int_equal(cJSON_GetArraySize(items), 1);
        const cJSON *it = cJSON_GetArrayItem(items, 0);
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(it, "describedObject");
        assert_string_equal(str(obj, "kind"), "Namespace");
        assert_string_equal(str(obj, "name"), "ws");
        assert_null(cJSON_GetObjectItemCaseSensitive(obj, "namespace"));
        assert_string_equal(str(it, "value"), "43500m"); /* stale ws-stale left out */
        cJSON_Delete(doc);
    }
}

static void external_metric_is_the_sum_over_the_selector(void **state)
{
    struct env *e = *state;
    static const struct {
        const char *query;
        const char *value;
    } cases[] = {
        {"", "43500m"},
        {"?labelSelector=tier%3Dfront", "42"},
        {"?labelSelector=tier+in+%28back%29", "1500m"},
        {"?labelSelector=app%3Dnone", "0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), EM1 "/namespaces/ws/" METRIC "%s", cases[i].query);
        cJSON *doc = get_json(e, path, 200);
        const cJSON *items =
            items_of(doc, "ExternalMetricValueList", "external.metrics.k8s.io/v1beta1");
        assert_int_equal(cJSON_GetArraySize(items), 1);
        const cJSON *it = cJSON_GetArrayItem(items, 0);
        assert_string_equal(str(it, "metricName"), METRIC);
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(it, "metricLabels")));
        assert_string_equal(str(it, "timestamp"), "2026-05-01T12:00:00Z");
        assert_string_equal(str(it, "value"), cases[i].value);
        assert_null(cJSON_GetObjectItemCaseSensitive(it, "describedObject"));
        cJSON_Delete(doc);
    }
}

static void metric_label_selector_is_echoed_as_a_label_selector(void **state)
{
    struct env *e = *state;
    static const char want[] =
        "{\"matchLabels\":{\"app\":\"ws\"},\"matchExpressions\":[{\"key\":\"tier\","
        "\"operator\":\"In\",\"values\":[\"a\",\"b\"]},{\"key\":\"zone\",\"operator\":"
        "\"NotIn\",\"values\":[\"x\"]},{\"key\":\"gpu\",\"operator\":\"DoesNotExist\"}]}";
    static const char query[] =
        "?metricLabelSelector=app%3Dws%2Ctier+in+%28b%2Ca%29%2Czone%21%3Dx%2C%21gpu";
    char path[512];
    snprintf(path, sizeof(path), CM2 "/namespaces/ws/pods/ws-a/" METRIC "%s", query);
    cJSON *doc = get_json(e, path, 200);
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "items"), 0);
    char *got = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(it, "metric"), "selector"));
    assert_string_equal(got, want);
    free(got);
    cJSON_Delete(doc);
    snprintf(path, sizeof(path), CM1 "/namespaces/ws/pods/%%2A/" METRIC "%s", query);
    doc = get_json(e, path, 200);
    it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "items"), 0);
    got = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(it, "selector"));
    assert_string_equal(got, want);
    free(got);
    cJSON_Delete(doc);
}

static void source_failures_map_to_status_codes(void **state)
{
    struct env *e = *state;
    static const struct {
        int err;
        long code;
        const char *reason;
        const char *message;
    } cases[] = {
        {WSS_SRC_UNAVAILABLE, 503, "ServiceUnavailable",
         "unable to fetch metrics: the metric source is unavailable"},
        {WSS_SRC_NO_MEMORY, 500, "InternalError",
         "Internal error occurred: unable to fetch metrics"},
    };
    static const char *const paths[] = {
        CM2 "/namespaces/ws/pods/%2A/" METRIC,
        CM1 "/namespaces/ws/pods/ws-a/" METRIC,
        CM2 "/namespaces/ws/metrics/" METRIC,
        EM1 "/namespaces/ws/" METRIC,
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
            e->fake.fail_with = cases[i].err;
            cJSON *doc = get_json(e, paths[p], cases[i].code);
            assert_status(doc, cases[i].code, cases[i].reason, cases[i].message);
            cJSON_Delete(doc);
        }
    e->fake.fail_with = 0;
}

static void replies_json_even_when_protobuf_is_asked_for(void **state)
{
    struct env *e = *state;
    api_fixture_call(e->fx, NULL, CM2 "/namespaces/ws/pods/%2A/" METRIC,
                     "Accept: application/vnd.kubernetes.protobuf, */*", &e->reply);
    assert_int_equal(e->reply.code, 200);
    assert_string_equal(e->reply.content_type, "application/json");
    cJSON *doc = cJSON_Parse(e->reply.body);
    assert_non_null(doc);
    cJSON_Delete(doc);
}

static void other_methods_get_405_status(void **state)
{
    struct env *e = *state;
    api_fixture_call(e->fx, "DELETE", CM2 "/namespaces/ws/pods/%2A/" METRIC, NULL, &e->reply);
    assert_int_equal(e->reply.code, 405);
    cJSON *doc = cJSON_Parse(e->reply.body);
    assert_non_null(doc);
    assert_status(doc, 405, "MethodNotAllowed",
                  "the server does not allow this method on the requested resource");
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(v1beta2_wildcard_lists_live_pods_with_v1beta2_field_names,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(v1beta1_wildcard_uses_metric_name_window_and_item_selector,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(wildcard_answers_as_star_and_as_percent_2a, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(label_selector_supports_every_operator, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_selectors_get_400_with_the_parser_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(one_pod_is_a_list_of_exactly_one_item, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_stale_and_unknown_things_get_404_status, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(namespace_total_describes_the_namespace_in_both_forms,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(external_metric_is_the_sum_over_the_selector, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(metric_label_selector_is_echoed_as_a_label_selector, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(source_failures_map_to_status_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(replies_json_even_when_protobuf_is_asked_for, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(other_methods_get_405_status, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
