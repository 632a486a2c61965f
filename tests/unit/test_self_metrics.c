/* SPDX-License-Identifier: Apache-2.0 */
/* test_self_metrics.c: the adapter's own metrics: route pattern -> path kind, report and request
 * counters, the pods gauge read from the store, review counters read through their callbacks,
 * and the rendered text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "self_metrics.h"
#include "wsscale/strbuf.h"

static void route_patterns_map_to_path_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *name, *kind;
    } cases[] = {
        {"/apis", NULL, "discovery"},
        {"/apis/custom.metrics.k8s.io", NULL, "discovery"},
        {"/apis/custom.metrics.k8s.io/v1beta1", NULL, "discovery"},
        {"/apis/custom.metrics.k8s.io/v1beta2", NULL, "discovery"},
        {"/apis/external.metrics.k8s.io", NULL, "discovery"},
        {"/apis/external.metrics.k8s.io/v1beta1", NULL, "discovery"},
        {"/openapi/v2", NULL, "openapi"},
        {"/openapi/v3", NULL, "openapi"},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/{resource}/{name}/{metric}", "*",
         "pods"},
        {"/apis/custom.metrics.k8s.io/v1beta1/namespaces/{ns}/{resource}/{name}/{metric}", "chat-0",
         "pod"},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/metrics/{metric}", NULL, "namespace"},
        {"/apis/custom.metrics.k8s.io/v1beta2/{resource}/{name}/{metric}", "ws", "root"},
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}", NULL, "external"},
        {"/healthz", NULL, "health"},
        {"/livez", NULL, "health"},
        {"/readyz", NULL, "health"},
        {"/version", NULL, "version"},
        {"/ingest/v1/reports", NULL, "ingest"},
        {"", NULL, "other"},
        {NULL, NULL, "other"},
        {"/apis/other.group/v1/{x}", NULL, "other"},
        {"/apis/custom.metrics.k8s.io/v1beta2/{x}", NULL, "other"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = self_metrics_route_kind(cases[i].pattern, cases[i].name);
        if (strcmp(got, cases[i].kind) != 0)
            fail_msg("case %zu (%s): %s, want %s", i, cases[i].pattern ? cases[i].pattern : "NULL",
                     got, cases[i].kind);
    }
}

static void fake_reviews(void *arg, uint64_t *calls, uint64_t *hits, uint64_t *errors)
{
    const uint64_t *v = arg;
    *calls = v[0];
    *hits = v[1];
    *errors = v[2];
}

static char *render(struct self_metrics *m, struct wss_strbuf *out)
{
    wss_strbuf_init(out, 0);
    assert_int_equal(wss_prom_render(self_metrics_registry(m), out), 0);
    return out->data;
}

static void counters_gauges_and_review_callbacks_are_rendered(void **state)
{
    (void)state;
    struct store *st = store_new(NULL);
    assert_non_null(st);
    struct wss_label app = {"app", 3, "chat", 4};
    struct store_update ups[2] = {
        {"ws", 2, "chat-0", 6, "u0", 2, &app, 1, STORE_STATE_OK, 3, 1, 1000, 7, 1, false},
        {"ws", 2, "chat-1", 6, "u1", 2, NULL, 0, STORE_STATE_STALE, 0, 1, 1000, 7, 1, false},
    };
    struct store_apply_result res;
    assert_int_equal(store_apply(st, ups, 2, &res, NULL, 0), 0);
    uint64_t tokens[3] = {5, 7, 1}, access[3] = {2, 0, 4};
    struct self_metrics_config cfg = {st, fake_reviews, tokens, fake_reviews, access};
    struct wss_parse_err err;
    struct self_metrics *m = self_metrics_new(&cfg, &err);
    assert_non_null(m);
    self_metrics_report(m, SELF_METRICS_REPORT_STORED, 3);
    self_metrics_report(m, SELF_METRICS_REPORT_FORBIDDEN, 1);
    self_metrics_report(m, SELF_METRICS_REPORT_IGNORED, 0);
    self_metrics_request(m, "pods", 200, 0.0003);
    self_metrics_request(m, "pods", 200, 0.002);
    self_metrics_request(m, "pods", 403, 0.001);
    self_metrics_request(NULL, "pods", 200, 1); /* accepted, ignored */
    struct wss_strbuf out;
    const char *text = render(m, &out);
    static const char *const want[] = {
        "wsscale_adapter_pods{state=\"tracked\"} 2\n",
        "wsscale_adapter_pods{state=\"servable\"} 1\n",
        "wsscale_adapter_reports_total{result=\"stored\"} 3\n",
        "wsscale_adapter_reports_total{result=\"forbidden\"} 1\n",
        "wsscale_adapter_reports_total{result=\"ignored\"} 0\n",
        "wsscale_adapter_api_requests_total{kind=\"pods\",code=\"200\"} 2\n",
        "wsscale_adapter_api_requests_total{kind=\"pods\",code=\"403\"} 1\n",
        "wsscale_adapter_api_request_duration_seconds_bucket{kind=\"pods\",le=\"0.0005\"} 1\n",
        "wsscale_adapter_api_request_duration_seconds_bucket{kind=\"pods\",le=\"0.001\"} 2\n",
        "wsscale_adapter_api_request_duration_seconds_count{kind=\"pods\"} 3\n",
        "wsscale_adapter_tokenreview_calls_total 5\n",
        "wsscale_adapter_tokenreview_cache_hits_total 7\n",
        "wsscale_adapter_tokenreview_errors_total 1\n",
        "wsscale_adapter_subjectaccessreview_calls_total 2\n",
        "wsscale_adapter_subjectaccessreview_errors_total 4\n",
        "# TYPE wsscale_adapter_api_request_duration_seconds histogram\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("missing %s in:\n%s", want[i], text);
    wss_strbuf_free(&out);
    self_metrics_free(m);
    store_free(st);
}

static void without_store_or_reviewers_those_families_are_absent(void **state)
{
    (void)state;
    struct self_metrics_config cfg = {NULL, NULL, NULL, NULL, NULL};
    struct wss_parse_err err;
    struct self_metrics *m = self_metrics_new(&cfg, &err);
    assert_non_null(m);
    struct wss_strbuf out;
    const char *text = render(m, &out);
    assert_null(strstr(text, "wsscale_adapter_pods"));
    assert_null(strstr(text, "review"));
    assert_non_null(strstr(text, "wsscale_adapter_reports_total{result=\"error\"} 0\n"));
    wss_strbuf_free(&out);
    self_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(route_patterns_map_to_path_kinds),
        cmocka_unit_test(counters_gauges_and_review_callbacks_are_rendered),
        cmocka_unit_test(without_store_or_reviewers_those_families_are_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
